// SPDX-License-Identifier: GPL-2.0
/*
 * xb_json - a minimal, strict JSON (RFC 8259) parser for the selftests.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Strict on purpose: it exists to reject what a careless printf() produces
 * (trailing commas, bare words, unescaped control characters, leading zeros,
 * NaN, two values in one document, bytes that are not UTF-8).
 *
 * xballoonctl writes its JSON with json-c, but this checker stays ours: it
 * must judge that output, not share its library's idea of JSON. json-c's
 * parser keeps the last of two equal member names without a word (the
 * tests reject duplicates) and is lenient unless told otherwise; and a
 * wrapper turning its objects into this tree, which every test walks,
 * would be about as long as the parser itself.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_json.h"

#define XB_JSON_MAX_DEPTH 64

struct xb_json_parser {
	const char *start;
	const char *p;
	const char *err;
	int depth;
};

static struct xb_json *parse_value(struct xb_json_parser *ps);

static void *fail(struct xb_json_parser *ps, const char *msg)
{
	if (!ps->err)
		ps->err = msg;
	return NULL;
}

static void skip_ws(struct xb_json_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static struct xb_json *new_value(struct xb_json_parser *ps,
				 enum xb_json_type type)
{
	struct xb_json *v = calloc(1, sizeof(*v));

	if (!v)
		return fail(ps, "out of memory");
	v->type = type;
	return v;
}

static int hex4(const char *p, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		*o++ = cp;
	} else if (cp < 0x800) {
		*o++ = 0xc0 | (cp >> 6);
		*o++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*o++ = 0xe0 | (cp >> 12);
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	} else {
		*o++ = 0xf0 | (cp >> 18);
		*o++ = 0x80 | ((cp >> 12) & 0x3f);
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	}
	return o;
}

/* A string at ps->p (on the opening quote), decoded into a new buffer. */
/*
 * Length of the UTF-8 sequence at @p, 0 if it is not valid (RFC 3629:
 * shortest form, no surrogates, at most U+10FFFF). A JSON text must be
 * UTF-8 (RFC 8259, 8.1); the NUL ending the text stops a truncated one.
 */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static char *parse_string(struct xb_json_parser *ps)
{
	const char *p = ps->p + 1;
	unsigned int cp, lo;
	char *buf, *o;

	/* Decoding never makes a string longer than its source. */
	buf = malloc(strlen(p) + 1);
	if (!buf)
		return fail(ps, "out of memory");
	o = buf;
	for (;;) {
		unsigned char c = *p;

		if (c == '"')
			break;
		if (c == '\0') {
			ps->p = p;
			goto err;
		}
		if (c < 0x20) {
			ps->p = p;
			fail(ps, "control character in string");
			goto err;
		}
		if (c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)p);

			if (!n) {
				ps->p = p;
				fail(ps, "invalid UTF-8 in string");
				goto err;
			}
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = c;
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"':
		case '\\':
		case '/':
			*o++ = *p++;
			continue;
		case 'b':
			*o++ = '\b';
			p++;
			continue;
		case 'f':
			*o++ = '\f';
			p++;
			continue;
		case 'n':
			*o++ = '\n';
			p++;
			continue;
		case 'r':
			*o++ = '\r';
			p++;
			continue;
		case 't':
			*o++ = '\t';
			p++;
			continue;
		case 'u':
			break;
		default:
			ps->p = p;
			fail(ps, "bad escape in string");
			goto err;
		}
		if (hex4(p + 1, &cp)) {
			ps->p = p;
			fail(ps, "bad \\u escape");
			goto err;
		}
		p += 5;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			ps->p = p;
			fail(ps, "lone low surrogate");
			goto err;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff) {
				ps->p = p;
				fail(ps, "lone high surrogate");
				goto err;
			}
			p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		o = put_utf8(o, cp);
	}
	*o = '\0';
	ps->p = p + 1;
	return buf;
err:
	fail(ps, "unterminated string");
	free(buf);
	return NULL;
}

static struct xb_json *parse_number(struct xb_json_parser *ps)
{
	const char *s = ps->p, *p = s;
	bool integer = true, negative = false;
	struct xb_json *v;
	char *end;

	if (*p == '-') {
		negative = true;
		p++;
	}
	if (*p == '0') {
		p++;
		if (*p >= '0' && *p <= '9')
			return fail(ps, "leading zero in number");
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		return fail(ps, "bad number");
	}
	if (*p == '.') {
		integer = false;
		p++;
		if (*p < '0' || *p > '9')
			return fail(ps, "no digit after decimal point");
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		integer = false;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return fail(ps, "no digit in exponent");
		while (*p >= '0' && *p <= '9')
			p++;
	}

	v = new_value(ps, XB_JSON_NUMBER);
	if (!v)
		return NULL;
	v->number = strtod(s, NULL);
	if (integer && !negative) {
		errno = 0;
		v->uint = strtoull(s, &end, 10);
		v->is_uint = !errno && end == p;
	}
	ps->p = p;
	return v;
}

static struct xb_json *parse_container(struct xb_json_parser *ps, bool object)
{
	struct xb_json *v, *item, **tail;
	char close = object ? '}' : ']';
	char *key = NULL;

	if (++ps->depth > XB_JSON_MAX_DEPTH)
		return fail(ps, "nested too deep");
	v = new_value(ps, object ? XB_JSON_OBJECT : XB_JSON_ARRAY);
	if (!v)
		return NULL;
	tail = &v->child;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		skip_ws(ps);
		if (object) {
			if (*ps->p != '"') {
				fail(ps, "expected a member name");
				goto err;
			}
			key = parse_string(ps);
			if (!key)
				goto err;
			skip_ws(ps);
			if (*ps->p != ':') {
				fail(ps, "expected ':'");
				goto err;
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item)
			goto err;
		item->key = key;
		key = NULL;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
err:
	free(key);
	xb_json_free(v);
	return NULL;
}

static struct xb_json *parse_literal(struct xb_json_parser *ps,
				     const char *word, enum xb_json_type type,
				     bool value)
{
	size_t len = strlen(word);
	struct xb_json *v;

	if (strncmp(ps->p, word, len))
		return fail(ps, "unexpected character");
	v = new_value(ps, type);
	if (!v)
		return NULL;
	v->boolean = value;
	ps->p += len;
	return v;
}

static struct xb_json *parse_value(struct xb_json_parser *ps)
{
	struct xb_json *v;
	char *s;

	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		s = parse_string(ps);
		if (!s)
			return NULL;
		v = new_value(ps, XB_JSON_STRING);
		if (!v) {
			free(s);
			return NULL;
		}
		v->str = s;
		return v;
	case 't':
		return parse_literal(ps, "true", XB_JSON_BOOL, true);
	case 'f':
		return parse_literal(ps, "false", XB_JSON_BOOL, false);
	case 'n':
		return parse_literal(ps, "null", XB_JSON_NULL, false);
	case '\0':
		return fail(ps, "unexpected end of input");
	default:
		return parse_number(ps);
	}
}

struct xb_json *xb_json_parse(const char *text, const char **err, size_t *off)
{
	struct xb_json_parser ps = { .start = text, .p = text };
	struct xb_json *v;

	v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (*ps.p) {
			fail(&ps, "trailing characters after the value");
			xb_json_free(v);
			v = NULL;
		}
	}
	if (!v) {
		if (err)
			*err = ps.err ? ps.err : "parse error";
		if (off)
			*off = ps.p - ps.start;
	}
	return v;
}

void xb_json_free(struct xb_json *v)
{
	struct xb_json *next;

	for (; v; v = next) {
		next = v->next;
		xb_json_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
	}
}

const struct xb_json *xb_json_get(const struct xb_json *obj, const char *key)
{
	const struct xb_json *m;

	if (!obj || obj->type != XB_JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

size_t xb_json_count(const struct xb_json *v)
{
	const struct xb_json *m;
	size_t n = 0;

	if (!v || (v->type != XB_JSON_ARRAY && v->type != XB_JSON_OBJECT))
		return 0;
	for (m = v->child; m; m = m->next)
		n++;
	return n;
}

const char *xb_json_duplicate_key(const struct xb_json *v)
{
	const struct xb_json *a, *b;
	const char *dup;

	if (!v)
		return NULL;
	for (a = v->child; a; a = a->next) {
		if (v->type == XB_JSON_OBJECT)
			for (b = a->next; b; b = b->next)
				if (!strcmp(a->key, b->key))
					return a->key;
		dup = xb_json_duplicate_key(a);
		if (dup)
			return dup;
	}
	return NULL;
}
