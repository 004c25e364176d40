// SPDX-License-Identifier: GPL-2.0
/*
 * xb_tool.c - what xballoonctl and xballoond share.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "xb_tool.h"

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

/**
 * xb_explain_errno() - what a failed open or ioctl of the device means
 * @err: the errno
 * @what: what failed, for the message
 * @msg: out, the message for the user
 * @len: size of @msg
 *
 * Return: the exit code it calls for.
 */
int xb_explain_errno(int err, const char *what, char *msg, size_t len)
{
	switch (err) {
	case EACCES:
	case EPERM:
		snprintf(msg, len, "permission denied: run as root (%s: %s)",
			 what, strerror(err));
		return XB_EXIT_PERM;
	case ENOENT:
	case ENODEV:
	case ENXIO:
		if (access(XB_SYSFS_MODULE, F_OK) == 0) {
			snprintf(msg, len,
				 "%s: %s, but xballoon is loaded (no devtmpfs?)",
				 what, strerror(err));
			return XB_EXIT_ERROR;
		}
		snprintf(msg, len,
			 "xballoon module not loaded (modprobe xballoon)");
		return XB_EXIT_NOT_LOADED;
	default:
		snprintf(msg, len, "%s: %s", what, strerror(err));
		return XB_EXIT_ERROR;
	}
}

/* The module refused a period or cap: say what it takes. */
int xb_explain_invalid_config(char *msg, size_t len)
{
	snprintf(msg, len,
		 "invalid value: period must be %u-%u us, cap %u-%u %% (%u-%u per mille) or learn",
		 XB_PERIOD_US_MIN, XB_PERIOD_US_MAX, XB_CAP_PM_MIN / 10,
		 XB_CAP_PM_MAX / 10, XB_CAP_PM_MIN, XB_CAP_PM_MAX);
	return XB_EXIT_ERROR;
}
