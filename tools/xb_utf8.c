// SPDX-License-Identifier: GPL-2.0
/*
 * xb_utf8.c - make any byte string valid UTF-8, for JSON output.
 *
 * Command names (/proc/PID/comm, the module's comm entries) and cgroup
 * paths are bytes, not text: a task may call itself "\xff\xfe". JSON
 * (RFC 8259) must be UTF-8, so every byte that does not start a valid,
 * shortest-form sequence of a Unicode scalar value becomes U+FFFD, as
 * Unicode's "maximal subpart" practice has it.
 */
#include <stdlib.h>
#include <string.h>

#include "xb_tool.h"

/* Length of the valid UTF-8 sequence at @p (at most @n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;		/* 0x80-0xc1, 0xf5-0xff */
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/**
 * xb_utf8_dup() - a copy of @s that is valid UTF-8
 * @s: a NUL-terminated byte string
 *
 * Return: a malloc()ed copy with each byte that is not part of a valid
 * sequence replaced by U+FFFD (EF BF BD), or NULL if out of memory.
 */
char *xb_utf8_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, len;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (i < n) {
		len = utf8_seq(p + i, n - i);
		if (len) {
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

/* Whether @s is valid UTF-8 throughout. */
bool xb_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len;

	while (i < n) {
		len = utf8_seq(p + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}
