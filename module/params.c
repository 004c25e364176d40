// SPDX-License-Identifier: GPL-2.0
/*
 * params.c - strict parsing for the module's run-time parameters.
 *
 * The kernel's own uint and bool parameter ops take any value (0, or 71
 * minutes of credit) and read a bool from its first character ("1001" is
 * on, "0x10" is off). Every parameter of ours has a range, and a value
 * outside it, or a string that is not a whole number or a whole boolean,
 * is refused with EINVAL and changes nothing.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "xballoon.h"

static int xb_param_set_uint_range(const char *val,
				   const struct kernel_param *kp)
{
	const struct xb_param_uint_range *r = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < r->min || v > r->max)
		return -EINVAL;
	WRITE_ONCE(*r->value, v);
	return 0;
}

static int xb_param_get_uint_range(char *buf, const struct kernel_param *kp)
{
	const struct xb_param_uint_range *r = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*r->value));
}

const struct kernel_param_ops xb_param_uint_range_ops = {
	.set = xb_param_set_uint_range,
	.get = xb_param_get_uint_range,
};

/**
 * xb_param_strict_bool() - parse a whole boolean
 * @val: the string written, with or without a trailing newline
 * @res: out, its value
 *
 * Return: 0, or -EINVAL unless @val is one of 0, 1, n, y, N, Y, off, on.
 */
int xb_param_strict_bool(const char *val, bool *res)
{
	static const char * const off[] = { "0", "n", "N", "off" };
	static const char * const on[] = { "1", "y", "Y", "on" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(on); i++) {
		if (sysfs_streq(val, on[i])) {
			*res = true;
			return 0;
		}
		if (sysfs_streq(val, off[i])) {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}
