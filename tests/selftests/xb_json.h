/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_json - a minimal, strict JSON (RFC 8259) parser for the selftests:
 * objects, arrays, strings, numbers, true, false and null, into a tree.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#ifndef _XB_JSON_H
#define _XB_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum xb_json_type {
	XB_JSON_NULL,
	XB_JSON_BOOL,
	XB_JSON_NUMBER,
	XB_JSON_STRING,
	XB_JSON_ARRAY,
	XB_JSON_OBJECT,
};

/**
 * struct xb_json - one value
 * @type: what it is
 * @boolean: XB_JSON_BOOL
 * @number: XB_JSON_NUMBER, as a double
 * @is_uint: XB_JSON_NUMBER written as a non-negative integer that fits @uint
 * @uint: XB_JSON_NUMBER, exact when @is_uint
 * @str: XB_JSON_STRING, decoded to UTF-8 and NUL-terminated
 * @key: the member name when the parent is an object, else NULL
 * @child: first element or member of an array or object
 * @next: next sibling
 */
struct xb_json {
	enum xb_json_type type;
	bool boolean;
	double number;
	bool is_uint;
	unsigned long long uint;
	char *str;
	char *key;
	struct xb_json *child;
	struct xb_json *next;
};

/*
 * Parse a whole document (one value and white space only). On error returns
 * NULL and, if @err is not NULL, points *@err at a static message and
 * *@off (if not NULL) at the byte offset of the error.
 */
struct xb_json *xb_json_parse(const char *text, const char **err, size_t *off);
void xb_json_free(struct xb_json *v);

/* Member @key of object @obj, or NULL. */
const struct xb_json *xb_json_get(const struct xb_json *obj, const char *key);
/* Number of elements or members of an array or object. */
size_t xb_json_count(const struct xb_json *v);
/* The first member name that appears twice in @obj or below, or NULL. */
const char *xb_json_duplicate_key(const struct xb_json *v);

#endif /* _XB_JSON_H */
