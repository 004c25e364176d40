// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - what the subcommands of xballoonctl share: messages, the
 * device, per-CPU samples and JSON output.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

const char *prog = "xballoonctl";

static const char * const hv_names[] = {
	[XB_HV_NONE]	= "none",
	[XB_HV_OTHER]	= "other",
	[XB_HV_KVM]	= "kvm",
	[XB_HV_XEN_PV]	= "xen-pv",
	[XB_HV_XEN_PVH]	= "xen-pvh",
	[XB_HV_XEN_HVM]	= "xen-hvm",
};

static const char * const mode_names[] = {
	[XB_MODE_DETACHED]	= "detached",
	[XB_MODE_NWC]		= "NWC",
	[XB_MODE_WC]		= "WC",
	[XB_MODE_ABSENT]	= "absent",
};

/* Also metrics' steal_source label values: one spelling everywhere. */
const char * const steal_names[] = {
	[XB_STEAL_NONE]		= "none",
	[XB_STEAL_XEN_RUNSTATE]	= "xen-runstate",
	[XB_STEAL_KVM]		= "kvm",
	[XB_STEAL_KCPUSTAT]	= "kcpustat",
	[XB_STEAL_GAP]		= "gap",
};
const size_t nr_steal_names = ARRAY_SIZE(steal_names);

/* A line on stderr: "xballoonctl: ", @prefix, then the message. */
void verrmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg("", fmt, ap);
	va_end(ap);
}

const char *enum_name(const char * const *names, size_t n, unsigned int v,
		      char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

const char *hv_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(hv_names, ARRAY_SIZE(hv_names), v, buf, len);
}

const char *steal_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(steal_names, nr_steal_names, v, buf, len);
}

const char *mode_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(mode_names, ARRAY_SIZE(mode_names), v, buf, len);
}

/* A cap in per mille as a percentage; 0 is @zero ("learn", "-"). */
const char *cap_str(__u32 pm, const char *zero, char *buf, size_t len)
{
	if (!pm)
		return zero;
	snprintf(buf, len, "%u.%u %%", pm / 10, pm % 10);
	return buf;
}

/* The exit codes, at the end of every help. */
void help_tail(FILE *f)
{
	fprintf(f,
		"\n"
		"exit status: 0 ok, 1 error, 2 module not loaded, 3 permission denied,\n"
		"             4 ABI mismatch, 64 bad command line\n");
}

/*
 * A bad command line: the message, then where the help is (that of @cmd,
 * the first word of the command, or the global one if NULL).
 */
int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s%s%s --help' for more information.\n", prog,
		cmd ? " " : "", cmd ? cmd : "");
	return XB_EXIT_USAGE;
}

/* Map an errno from open() or ioctl() to a message and an exit code. */
int report_errno(int err, const char *what)
{
	char msg[256];
	int code = xb_explain_errno(err, what, msg, sizeof(msg));

	errmsg("%s", msg);
	return code;
}

int xb_open(int *fdp)
{
	int fd = open(XB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return report_errno(errno, "open " XB_DEVICE);
	*fdp = fd;
	return XB_EXIT_OK;
}

/* XB_IOC_INFO, and refuse a module of another ABI version. */
int xb_get_info(int fd, struct xb_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (xb_ioctl(fd, XB_IOC_INFO, info)) {
		if (errno == ENOTTY) {
			errmsg("ABI mismatch: the module lacks XB_IOC_INFO; %s",
			       XB_ABI_HINT);
			return XB_EXIT_ABI;
		}
		return report_errno(errno, "XB_IOC_INFO");
	}
	if (info->abi_version != XB_ABI_VERSION) {
		errmsg("ABI mismatch: module ABI %u (xballoon %.*s), tool ABI %u; %s",
		       info->abi_version, XB_VERSION_LEN,
		       info->module_version, XB_ABI_VERSION, XB_ABI_HINT);
		return XB_EXIT_ABI;
	}
	/* Never trust the kernel to terminate the string for us. */
	info->module_version[XB_VERSION_LEN - 1] = '\0';
	return XB_EXIT_OK;
}

/*
 * The online CPUs below nr_cpu_ids, into a new array *@cpusp. Returns how
 * many, or -1 once it has said why not.
 */
static int online_cpus(const struct xb_info *info, unsigned int **cpusp)
{
	unsigned int nr = info->nr_cpu_ids ? info->nr_cpu_ids : 1, c;
	unsigned int *cpus = calloc(nr, sizeof(*cpus));
	bool *map = calloc(nr, sizeof(*map));
	int n = -1;

	if (!cpus || !map) {
		errmsg("out of memory");
	} else if (xb_read_online(map, info->nr_cpu_ids)) {
		errmsg("cannot read " XB_CPU_ONLINE ": %s", strerror(errno));
	} else {
		n = 0;
		for (c = 0; c < nr; c++)
			if (map[c])
				cpus[n++] = c;
	}
	free(map);
	if (n < 0)
		free(cpus);
	else
		*cpusp = cpus;
	return n;
}

/*
 * Read the steal of the CPU of @s. A CPU that went offline after the
 * online list was read gives EINVAL: mark it invalid and go on.
 */
int read_steal_one(int fd, struct xb_sample *s)
{
	memset(&s->st, 0, sizeof(s->st));
	s->st.size = sizeof(s->st);
	s->st.cpu = s->cpu;
	s->valid = !xb_ioctl(fd, XB_IOC_CPU_STEAL, &s->st);
	if (!s->valid && errno != EINVAL)
		return report_errno(errno, "XB_IOC_CPU_STEAL");
	return XB_EXIT_OK;
}

/* The same for every CPU in @s. */
int read_steal(int fd, struct xb_sample *s, int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = read_steal_one(fd, &s[i]);
		if (ret)
			return ret;
	}
	return XB_EXIT_OK;
}

/* Open the device, check the ABI and sample every online CPU once. */
int xb_setup(int *fdp, struct xb_info *info, struct xb_sample **sp,
		    int *np)
{
	unsigned int *cpus;
	struct xb_sample *s;
	int ret, n, i;

	ret = xb_open(fdp);
	if (ret)
		return ret;
	ret = xb_get_info(*fdp, info);
	if (ret)
		goto err_fd;

	ret = XB_EXIT_ERROR;
	n = online_cpus(info, &cpus);
	if (n < 0)
		goto err_fd;
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		errmsg("out of memory");
		free(cpus);
		goto err_fd;
	}
	for (i = 0; i < n; i++)
		s[i].cpu = cpus[i];
	free(cpus);

	ret = read_steal(*fdp, s, n);
	if (ret) {
		free(s);
		goto err_fd;
	}
	*sp = s;
	*np = n;
	return XB_EXIT_OK;

err_fd:
	close(*fdp);
	return ret;
}

/* The module must have the feature @bit (@what names it for people). */
int check_feature(const struct xb_info *info, __u64 bit, const char *what)
{
	if (info->features & bit)
		return XB_EXIT_OK;
	errmsg("ABI mismatch: this xballoon module (%s) has no %s; %s",
	       info->module_version, what, XB_ABI_HINT);
	return XB_EXIT_ABI;
}

/*
 * Open the device, check the ABI version and the feature @bit; what
 * XB_IOC_INFO said into @info, unless it is NULL.
 */
int xb_open_feature(int *fdp, struct xb_info *info, __u64 bit,
		    const char *what)
{
	struct xb_info local;
	int ret;

	if (!info)
		info = &local;
	ret = xb_open(fdp);
	if (ret)
		return ret;
	ret = xb_get_info(*fdp, info);
	if (!ret)
		ret = check_feature(info, bit, what);
	if (ret)
		close(*fdp);
	return ret;
}

/* An ioctl the module should know failed: ENOTTY is an old module. */
int balloon_errno(int err, const char *what)
{
	if (err == ENOTTY) {
		errmsg("ABI mismatch: the module lacks %s; %s", what,
		       XB_ABI_HINT);
		return XB_EXIT_ABI;
	}
	return report_errno(err, what);
}

int get_config(int fd, struct xb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	if (xb_ioctl(fd, XB_IOC_GET_CONFIG, cfg))
		return balloon_errno(errno, "XB_IOC_GET_CONFIG");
	return XB_EXIT_OK;
}

/*
 * The balloon counters of every online CPU. A CPU that went offline after
 * the online list was read is still a possible CPU: its counters are read
 * all the same; EINVAL (not even possible) marks it invalid.
 */
int read_stats(int fd, const struct xb_info *info,
		      struct xb_stats_sample **sp, int *np)
{
	struct xb_stats_sample *s;
	unsigned int *cpus;
	int n, i, ret = XB_EXIT_ERROR;

	n = online_cpus(info, &cpus);
	if (n < 0)
		return ret;
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		errmsg("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		s[i].cpu = cpus[i];
		s[i].st.size = sizeof(s[i].st);
		s[i].st.cpu = cpus[i];
		s[i].valid = true;
		if (xb_ioctl(fd, XB_IOC_CPU_STATS, &s[i].st) == 0)
			continue;
		if (errno == EINVAL) {
			s[i].valid = false;
			continue;
		}
		ret = balloon_errno(errno, "XB_IOC_CPU_STATS");
		free(s);
		goto out;
	}
	*sp = s;
	*np = n;
	ret = XB_EXIT_OK;
out:
	free(cpus);
	return ret;
}


/*
 * The options of a command that only reads: --json and --help. With
 * @permute, operands may come before the options ("vclock on --json").
 * Return: -1 to go on, optind at the first operand; else the exit code.
 */
int parse_json_opts(int argc, char **argv, const char *cmd, bool permute,
		    void (*help)(FILE *f), bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	*json = false;
	optind = 0;	/* restart getopt on the command's own argv */
	while ((c = getopt_long(argc, argv, permute ? "jh" : "+jh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			help(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error(cmd, "%s: bad option", cmd);
		}
	}
	return -1;
}

/* ---------------------------------------------------------------------- */
/* JSON, through json-c */

/* A new document: an object whose first member is the schema version. */
struct json_object *jdoc(void)
{
	struct json_object *doc = json_object_new_object();

	jadd(doc, "schema_version", json_object_new_int(XB_JSON_SCHEMA_VERSION));
	return doc;
}

/*
 * A JSON string of @s. Command names and paths are bytes: what is not
 * UTF-8 becomes U+FFFD, for a JSON text must be UTF-8 (RFC 8259, 8.1).
 */
struct json_object *jstr(const char *s)
{
	struct json_object *v;
	char *u = xb_utf8_dup(s);

	if (!u)
		return NULL;
	v = json_object_new_string(u);
	free(u);
	return v;
}

/* A number written with @decimals digits after the point ("%.2f"). */
struct json_object *jfixed(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

/* Add member @key; a NULL @v is JSON null. */
void jadd(struct json_object *obj, const char *key, struct json_object *v)
{
	json_object_object_add(obj, key, v);
}

void jadd_u64(struct json_object *obj, const char *key, unsigned long long v)
{
	jadd(obj, key, json_object_new_uint64(v));
}

/* A CPU's steal sample, as info and steal list it: cpu, source, steal. */
struct json_object *jsteal(const struct xb_sample *s)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	jadd(o, "cpu", json_object_new_int64(s->cpu));
	jadd(o, "steal_source", jstr(steal_name(s->st.steal_source, buf,
						sizeof(buf))));
	jadd_u64(o, "steal_ns", s->st.steal_ns);
	return o;
}

/*
 * Print @doc on one line, compact, '/' unescaped, and drop it. An object
 * that could not be allocated shows as a missing member: fail instead.
 */
int jprint(struct json_object *doc)
{
	const char *text;

	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		json_object_put(doc);
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	puts(text);
	json_object_put(doc);
	return XB_EXIT_OK;
}
