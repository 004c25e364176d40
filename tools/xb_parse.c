// SPDX-License-Identifier: GPL-2.0
/*
 * xb_parse.c - the command-line values xballoonctl and xballoond share.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/xballoon.h>

#include "xb_parse.h"

/* Unsigned decimal number that fits 32 bits: 0, 1 if too big, -1 if bad. */
int parse_u32(const char *arg, __u32 *v)
{
	unsigned long long n;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (*end)
		return -1;
	if (errno || n > UINT32_MAX)
		return 1;
	*v = n;
	return 0;
}

/*
 * --cap: "learn", or a percentage of one CPU with at most 0.1 % resolution,
 * a "%" allowed after it ("50", "37.5", "50%"). Returns 0 with *@pm set,
 * 1 if it is a number but no cap (0, finer than 0.1 %, huge), -1 if it is
 * not a number at all. The range is the module's to check.
 */
int parse_cap(const char *arg, __u32 *pm)
{
	unsigned long long v = 0;
	bool finer = false;
	const char *p = arg;

	if (!strcmp(arg, "learn")) {
		*pm = XB_CAP_PM_LEARN;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (v <= UINT32_MAX)
			v = v * 10 + (*p - '0');
	v *= 10;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		v += *p++ - '0';
		for (; *p >= '0' && *p <= '9'; p++)
			finer |= *p != '0';
	}
	if (*p == '%')
		p++;
	if (*p)
		return -1;
	if (finer || !v || v > UINT32_MAX)
		return 1;
	*pm = v;
	return 0;
}
