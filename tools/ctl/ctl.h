/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - what the subcommands of xballoonctl share (common.c): messages,
 * opening the device, per-CPU samples, JSON output through json-c, and
 * each command's entry point and help.
 */
#ifndef _XB_CTL_H
#define _XB_CTL_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>
#include <linux/xballoon.h>

#include "../xb_tool.h"

#define XB_ABI_HINT "install matching xballoon and xballoonctl versions"

/*
 * The version of every --json document's layout, its "schema_version"
 * member. Adding a member keeps it; removing, renaming or retyping one
 * bumps it.
 */
#define XB_JSON_SCHEMA_VERSION	1

/* Where Debian's prometheus-node-exporter reads *.prom files from. */
#define XB_TEXTFILE_DIR	"/var/lib/prometheus/node-exporter"
#define XB_TEXTFILE_NAME	"xballoon.prom"

#define __printf(a, b) __attribute__((format(printf, a, b)))

extern const char *prog;

/* Per-CPU sample of XB_IOC_CPU_STEAL. */
struct xb_sample {
	unsigned int cpu;
	bool valid;		/* false: the CPU went offline meanwhile */
	struct xb_cpu_steal st;
};

/* Per-CPU sample of XB_IOC_CPU_STATS. */
struct xb_stats_sample {
	unsigned int cpu;
	bool valid;		/* false: the CPU went offline meanwhile */
	struct xb_cpu_stats st;
};

/* A command: its name, entry point and help (one per file). */
struct xb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*help)(FILE *f);
};

void __printf(2, 0) verrmsg(const char *prefix, const char *fmt, va_list ap);
void __printf(1, 2) errmsg(const char *fmt, ...);
int __printf(2, 3) usage_error(const char *cmd, const char *fmt, ...);
int report_errno(int err, const char *what);
void help_tail(FILE *f);

/* enum xb_steal_source by name, nr_steal_names of them. */
extern const char * const steal_names[];
extern const size_t nr_steal_names;
const char *hv_name(unsigned int v, char *buf, size_t len);
const char *steal_name(unsigned int v, char *buf, size_t len);
const char *mode_name(unsigned int v, char *buf, size_t len);
const char *enum_name(const char * const *names, size_t n, unsigned int v,
		      char *buf, size_t len);
const char *cap_str(__u32 pm, const char *zero, char *buf, size_t len);

int xb_open(int *fdp);
int xb_get_info(int fd, struct xb_info *info);
int xb_open_feature(int *fdp, struct xb_info *info, __u64 bit,
		    const char *what);
int check_feature(const struct xb_info *info, __u64 bit, const char *what);
int balloon_errno(int err, const char *what);
int read_steal_one(int fd, struct xb_sample *s);
int read_steal(int fd, struct xb_sample *s, int n);
int xb_setup(int *fdp, struct xb_info *info, struct xb_sample **sp, int *np);
int get_config(int fd, struct xb_config *cfg);
int read_stats(int fd, const struct xb_info *info,
	       struct xb_stats_sample **sp, int *np);
int parse_json_opts(int argc, char **argv, const char *cmd, bool permute,
		    void (*help)(FILE *f), bool *json);

/* JSON through json-c; each returns a new reference (NULL: null). */
struct json_object *jdoc(void);
struct json_object *jstr(const char *s);
struct json_object *jfixed(double v, int decimals);
void jadd(struct json_object *obj, const char *key, struct json_object *v);
void jadd_u64(struct json_object *obj, const char *key, unsigned long long v);
struct json_object *jsteal(const struct xb_sample *s);
int jprint(struct json_object *doc);

int cmd_info(int argc, char **argv);
int cmd_steal(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_vclock(int argc, char **argv);
int cmd_credit(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
void help_info(FILE *f);
void help_steal(FILE *f);
void help_status(FILE *f);
void help_set(FILE *f);
void help_vclock(FILE *f);
void help_credit(FILE *f);
void help_metrics(FILE *f);

/* status.c, for metrics.c: the state of one online CPU's balloon. */
struct xb_cpu_state {
	struct xb_stats_sample s;
	struct xb_sample steal;
	const char *inert;	/* XB_INERT_*, or NULL */
};

int read_balloon(struct xb_info *info, struct xb_config *cfg,
		 struct xb_cpu_state **sp, int *np);

#endif /* _XB_CTL_H */
