/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_tool.h - what xballoonctl and xballoond share: paths, exit codes,
 * the parsing of command-line values, the meaning of an errno.
 */
#ifndef _XB_TOOL_H
#define _XB_TOOL_H

#include <stddef.h>
#include <linux/types.h>

#ifndef XB_VERSION
#define XB_VERSION "unknown"
#endif

#define XB_DEVICE	"/dev/xballoon"
#define XB_SYSFS_MODULE	"/sys/module/xballoon"
#define XB_CPU_ONLINE	"/sys/devices/system/cpu/online"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes: a sysadmin's script can tell these apart. */
enum {
	XB_EXIT_OK = 0,
	XB_EXIT_ERROR = 1,
	XB_EXIT_NOT_LOADED = 2,
	XB_EXIT_PERM = 3,
	XB_EXIT_ABI = 4,
	XB_EXIT_USAGE = 64,
};

int parse_u32(const char *arg, __u32 *v);
int parse_cap(const char *arg, __u32 *pm);
int xb_explain_errno(int err, const char *what, char *msg, size_t len);
int xb_explain_invalid_config(char *msg, size_t len);

#endif /* _XB_TOOL_H */
