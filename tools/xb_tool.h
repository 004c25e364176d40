/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_tool.h - what xballoonctl and xballoond share: paths, exit codes,
 * the parsing of command-line values, the meaning of an errno.
 */
#ifndef _XB_TOOL_H
#define _XB_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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

int xb_ioctl(int fd, unsigned long cmd, void *arg);
int xb_help_version(int c, const char *prog, void (*usage)(FILE *f));
int parse_u64(const char *arg, __u64 *v);
int parse_u32(const char *arg, __u32 *v);
int parse_cap(const char *arg, __u32 *pm);
int parse_cpulist(const char *s, bool *map, unsigned int nbits,
		  unsigned long *bad);
int xb_read_online(bool *map, unsigned int nr);
int xb_explain_errno(int err, const char *what, char *msg, size_t len);
int xb_explain_invalid_config(char *msg, size_t len);
struct xb_cpu_stats;
const char *xb_cap_source_name(__u32 source);
void xb_cap_describe(const struct xb_cpu_stats *st, char *buf, size_t len);

/*
 * Why a CPU reserves nothing and will not as configured ("inert"), as a
 * short name for JSON and metrics, or NULL if it is not inert.
 */
#define XB_INERT_BARE_METAL	"bare-metal"
#define XB_INERT_NO_STEAL	"no-steal-source"
#define XB_INERT_LEARN_OFF	"learning-off"
const char *xb_inert_reason(__u32 hypervisor, __u32 config_cap_pm,
			    __u32 steal_source,
			    const struct xb_cpu_stats *st);
const char *xb_inert_explain(const char *reason);
int xb_inert_scan(int fd, unsigned int nr_cpu_ids, char *msg, size_t len);

char *xb_utf8_dup(const char *s);
bool xb_utf8_valid(const char *s);

#endif /* _XB_TOOL_H */
