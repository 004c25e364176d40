// SPDX-License-Identifier: GPL-2.0
/*
 * xballoonctl - inspect and configure the xballoon module through
 * /dev/xballoon.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Exit codes (stable, for scripts):
 *   0  success
 *   1  any other error (the message carries strerror)
 *   2  the xballoon module is not loaded
 *   3  permission denied (the device is root only, ioctls need
 *      CAP_SYS_ADMIN)
 *   4  the module speaks another ABI version than this tool
 *  64  usage error (EX_USAGE)
 */
#define _GNU_SOURCE	/* nftw() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/xballoon.h>

#include "xb_tool.h"

#define XB_ABI_HINT "install matching xballoon and xballoonctl versions"

/* Longest --interval: one hour. */
#define XB_INTERVAL_MAX_MS	3600000UL

static const char *prog = "xballoonctl";

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
};

static const char * const steal_names[] = {
	[XB_STEAL_NONE]		= "none",
	[XB_STEAL_XEN_RUNSTATE]	= "xen-runstate",
	[XB_STEAL_KVM]		= "kvm",
	[XB_STEAL_KCPUSTAT]	= "kcpustat",
	[XB_STEAL_GAP]		= "gap",
};

static const struct {
	__u64 bit;
	const char *name;
} feature_names[] = {
	{ XB_FEATURE_CPU_STEAL, "cpu-steal" },
	{ XB_FEATURE_BALLOON, "balloon" },
	{ XB_FEATURE_VCLOCK, "vclock" },
	{ XB_FEATURE_CREDIT, "credit" },
};

/* Per-CPU sample of XB_IOC_CPU_STEAL. */
struct xb_sample {
	unsigned int cpu;
	bool valid;		/* false: the CPU went offline meanwhile */
	struct xb_cpu_steal st;
};

#define __printf(a, b) __attribute__((format(printf, a, b)))

static void __printf(1, 2) errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *enum_name(const char * const *names, size_t n,
			     unsigned int v, char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "unknown(%u)", v);
	return buf;
}

static const char *hv_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(hv_names, ARRAY_SIZE(hv_names), v, buf, len);
}

static const char *steal_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(steal_names, ARRAY_SIZE(steal_names), v, buf, len);
}

static const char *mode_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(mode_names, ARRAY_SIZE(mode_names), v, buf, len);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-h|--help] [--version] <command> [options]\n"
		"\n"
		"Inspect and configure the xballoon module through " XB_DEVICE "\n"
		"(root only).\n"
		"\n"
		"commands:\n"
		"  info [--json]                  what the module found: ABI and module\n"
		"                                 version, hypervisor, steal source, CPUs,\n"
		"                                 features (--json adds per-CPU steal)\n"
		"  steal [--json] [--interval MS] steal time of every online CPU; with\n"
		"                                 --interval, also the steal over MS\n"
		"                                 milliseconds as a percentage of wall time\n"
		"  status [--json]                the CPU balloon of every online CPU: mode\n"
		"                                 (detached, NWC reserving, WC), period, cap\n"
		"                                 configured and in use, reserve, counters;\n"
		"                                 and the configuration\n"
		"  set [--period-us N] [--cap PCT|learn | --cap-pm N]\n"
		"                                 configure every CPU's reservation from its\n"
		"                                 next period: the period (%u-%u us), the\n"
		"                                 vCPU's cap in %% of one CPU (0.1 %% steps)\n"
		"                                 or in per mille (%u-%u), or learn the cap\n"
		"                                 from steal (--cap learn, --cap-pm 0)\n"
		"  vclock [on|off] [--json]       the steal-adjusted scheduler clock: its\n"
		"                                 state, stolen time taken off tasks'\n"
		"                                 charges, scheduler events, the hook's\n"
		"                                 cost; with on or off, switch it first\n"
		"  credit list [--json]           the fair-credit set (pids, command names,\n"
		"                                 cgroups), wake-ups restored and credit\n"
		"                                 given back\n"
		"  credit add --pid N | --comm NAME | --cgroup PATH | --cgroup-id ID\n"
		"             [--no-schedstats]   add a task (a whole process if N is its\n"
		"                                 pid), every task of that command name, or\n"
		"                                 every task of a cgroup v2 and the cgroups\n"
		"                                 below it; turns kernel.sched_schedstats\n"
		"                                 on, which fair credit needs (not with\n"
		"                                 --no-schedstats)\n"
		"  credit del --pid N | --comm NAME | --cgroup PATH | --cgroup-id ID\n"
		"                                 remove that entry (--cgroup-id, as the\n"
		"                                 list shows it, for a removed cgroup)\n"
		"  credit clear                   empty the set (schedstats stay as they are)\n"
		"\n"
		"A command name is 1-%u printable characters without '/' (the module\n"
		"checks: exit 1); a longer one is a usage error. A cgroup PATH is a\n"
		"directory of the cgroup2 filesystem, or a path below its mount point\n"
		"(as in /proc/PID/cgroup). The set holds %u entries.\n"
		"\n"
		"exit status: 0 ok, 1 error, 2 module not loaded, 3 permission denied,\n"
		"             4 ABI mismatch, 64 bad command line\n",
		prog, XB_PERIOD_US_MIN, XB_PERIOD_US_MAX, XB_CAP_PM_MIN,
		XB_CAP_PM_MAX, XB_COMM_LEN - 1, XB_CREDIT_MAX);
}

static int __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return XB_EXIT_USAGE;
}

/* Map an errno from open() or ioctl() to a message and an exit code. */
static int report_errno(int err, const char *what)
{
	char msg[256];
	int code = xb_explain_errno(err, what, msg, sizeof(msg));

	errmsg("%s", msg);
	return code;
}

static int xb_open(int *fdp)
{
	int fd = open(XB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return report_errno(errno, "open " XB_DEVICE);
	*fdp = fd;
	return XB_EXIT_OK;
}

/* XB_IOC_INFO, and refuse a module of another ABI version. */
static int xb_get_info(int fd, struct xb_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, XB_IOC_INFO, info)) {
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
 * Online CPUs from a cpulist ("0-3,5\n"), limited to nr_cpu_ids. Returns the
 * number of CPUs stored in @cpus, or -1 with errno set.
 */
static int online_cpus(unsigned int nr_cpu_ids, unsigned int *cpus)
{
	char buf[4096], *p, *end;
	unsigned long a, b, c;
	ssize_t len;
	int fd, n = 0;

	fd = open(XB_CPU_ONLINE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';

	for (p = buf; *p && *p != '\n'; p = end) {
		errno = 0;
		a = strtoul(p, &end, 10);
		if (end == p || errno)
			goto bad;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || errno || b < a)
				goto bad;
		}
		for (c = a; c <= b && c < nr_cpu_ids; c++)
			cpus[n++] = c;
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			goto bad;
	}
	return n;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * Read the steal of every CPU in @s. A CPU that went offline after the
 * online list was read gives EINVAL: mark it invalid and go on.
 */
static int read_steal(int fd, struct xb_sample *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(&s[i].st, 0, sizeof(s[i].st));
		s[i].st.size = sizeof(s[i].st);
		s[i].st.cpu = s[i].cpu;
		s[i].valid = true;
		if (ioctl(fd, XB_IOC_CPU_STEAL, &s[i].st) == 0)
			continue;
		if (errno == EINVAL) {
			s[i].valid = false;
			continue;
		}
		return report_errno(errno, "XB_IOC_CPU_STEAL");
	}
	return XB_EXIT_OK;
}

/* Open the device, check the ABI and sample every online CPU once. */
static int xb_setup(int *fdp, struct xb_info *info, struct xb_sample **sp,
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
	cpus = calloc(info->nr_cpu_ids ? info->nr_cpu_ids : 1, sizeof(*cpus));
	if (!cpus) {
		errmsg("out of memory");
		goto err_fd;
	}
	n = online_cpus(info->nr_cpu_ids, cpus);
	if (n < 0) {
		errmsg("cannot read " XB_CPU_ONLINE ": %s", strerror(errno));
		goto err_cpus;
	}
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		errmsg("out of memory");
		goto err_cpus;
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

err_cpus:
	free(cpus);
err_fd:
	close(*fdp);
	return ret;
}

static void json_string(const char *str)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void print_features(__u64 features, bool json)
{
	const char *sep = "";
	__u64 known = 0;
	unsigned int i;
	char buf[32];

	for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
		known |= feature_names[i].bit;
		if (!(features & feature_names[i].bit))
			continue;
		printf("%s", sep);
		if (json)
			json_string(feature_names[i].name);
		else
			printf("%s", feature_names[i].name);
		sep = json ? "," : " ";
	}
	for (i = 0; i < 64; i++) {
		if (!(features & ~known & (1ULL << i)))
			continue;
		snprintf(buf, sizeof(buf), "bit%u", i);
		printf("%s", sep);
		if (json)
			json_string(buf);
		else
			printf("%s", buf);
		sep = json ? "," : " ";
	}
	if (!json && !*sep)
		printf("(none)");
}

static void info_json(const struct xb_info *info, const struct xb_sample *s,
		      int n)
{
	const char *sep = "";
	char buf[32];
	int i;

	printf("{\"abi_version\":%u,\"module_version\":", info->abi_version);
	json_string(info->module_version);
	printf(",\"hypervisor\":");
	json_string(hv_name(info->hypervisor, buf, sizeof(buf)));
	printf(",\"steal_source\":");
	json_string(steal_name(info->steal_source, buf, sizeof(buf)));
	printf(",\"nr_cpus\":%u,\"nr_cpu_ids\":%u,\"features\":[",
	       info->nr_cpus, info->nr_cpu_ids);
	print_features(info->features, true);
	printf("],\"cpus\":[");
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		printf("%s{\"cpu\":%u,\"steal_source\":", sep, s[i].cpu);
		json_string(steal_name(s[i].st.steal_source, buf, sizeof(buf)));
		printf(",\"steal_ns\":%llu}",
		       (unsigned long long)s[i].st.steal_ns);
		sep = ",";
	}
	printf("]}\n");
}

static void info_human(const struct xb_info *info, const struct xb_sample *s,
		       int n)
{
	char buf[32];
	int i, other = 0;

	printf("xballoon module %s, ABI version %u\n", info->module_version,
	       info->abi_version);
	printf("hypervisor:    %s\n", hv_name(info->hypervisor, buf,
					      sizeof(buf)));
	printf("steal source:  %s (boot CPU)\n",
	       steal_name(info->steal_source, buf, sizeof(buf)));
	for (i = 0; i < n; i++)
		if (s[i].valid && s[i].st.steal_source != info->steal_source)
			other++;
	if (other)
		printf("               %d CPU(s) use another source; see 'xballoonctl steal'\n",
		       other);
	printf("CPUs:          %u online, nr_cpu_ids %u\n", info->nr_cpus,
	       info->nr_cpu_ids);
	printf("features:      ");
	print_features(info->features, false);
	printf("\n");
}

/*
 * The options of a command that only reads: --json and --help. With
 * @permute, operands may come before the options ("vclock on --json").
 * Return: -1 to go on, optind at the first operand; else the exit code.
 */
static int parse_json_opts(int argc, char **argv, const char *cmd,
			   bool permute, bool *json)
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
			usage(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("%s: bad option", cmd);
		}
	}
	return -1;
}

static int cmd_info(int argc, char **argv)
{
	struct xb_sample *s = NULL;
	struct xb_info info;
	bool json;
	int fd, n, ret;

	ret = parse_json_opts(argc, argv, "info", false, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("info: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_setup(&fd, &info, &s, &n);
	if (ret)
		return ret;
	if (json)
		info_json(&info, s, n);
	else
		info_human(&info, s, n);
	free(s);
	close(fd);
	return XB_EXIT_OK;
}

static int parse_interval(const char *arg, unsigned long *ms)
{
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	*ms = strtoul(arg, &end, 10);
	if (errno || *end || *ms == 0 || *ms > XB_INTERVAL_MAX_MS)
		return -1;
	return 0;
}

static int sleep_ms(unsigned long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};
	int err;

	do {
		err = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts);
	} while (err == EINTR);
	return err;
}

struct xb_delta {
	bool valid;
	unsigned long long steal_ns;
	unsigned long long wall_ns;
	double pct;
};

static struct xb_delta steal_delta(const struct xb_sample *a,
				   const struct xb_sample *b)
{
	struct xb_delta d = { };

	if (!a->valid || !b->valid || b->st.clock_ns <= a->st.clock_ns)
		return d;
	d.valid = true;
	d.wall_ns = b->st.clock_ns - a->st.clock_ns;
	/* A module reload restarts the counter: count nothing, not garbage. */
	if (b->st.steal_ns > a->st.steal_ns)
		d.steal_ns = b->st.steal_ns - a->st.steal_ns;
	d.pct = 100.0 * (double)d.steal_ns / (double)d.wall_ns;
	return d;
}

static void steal_json(const struct xb_sample *s0, const struct xb_sample *s1,
		       int n, unsigned long interval)
{
	const struct xb_sample *s = s1 ? s1 : s0;
	const char *sep = "";
	struct xb_delta d;
	char buf[32];
	int i;

	printf("{");
	if (s1)
		printf("\"interval_ms\":%lu,", interval);
	printf("\"cpus\":[");
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		printf("%s{\"cpu\":%u,\"steal_source\":", sep, s[i].cpu);
		json_string(steal_name(s[i].st.steal_source, buf, sizeof(buf)));
		printf(",\"steal_ns\":%llu,\"clock_ns\":%llu",
		       (unsigned long long)s[i].st.steal_ns,
		       (unsigned long long)s[i].st.clock_ns);
		if (s1) {
			d = steal_delta(&s0[i], &s1[i]);
			if (d.valid) {
				printf(",\"steal_delta_ns\":%llu", d.steal_ns);
				printf(",\"wall_delta_ns\":%llu", d.wall_ns);
				printf(",\"steal_pct\":%.2f", d.pct);
			}
		}
		printf("}");
		sep = ",";
	}
	printf("]}\n");
}

static void steal_human(const struct xb_sample *s0, const struct xb_sample *s1,
			int n, unsigned long interval)
{
	const struct xb_sample *s = s1 ? s1 : s0;
	struct xb_delta d;
	char buf[32];
	int i;

	if (s1)
		printf("%-5s %-13s %16s %14s %7s   (over %lu ms)\n", "CPU",
		       "SOURCE", "STEAL(s)", "DELTA(ms)", "STEAL%", interval);
	else
		printf("%-5s %-13s %16s\n", "CPU", "SOURCE", "STEAL(s)");
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		printf("%-5u %-13s %16.6f", s[i].cpu,
		       steal_name(s[i].st.steal_source, buf, sizeof(buf)),
		       (double)s[i].st.steal_ns / 1e9);
		if (s1) {
			d = steal_delta(&s0[i], &s1[i]);
			if (d.valid)
				printf(" %14.3f %6.1f%%",
				       (double)d.steal_ns / 1e6, d.pct);
			else
				printf(" %14s %7s", "-", "-");
		}
		printf("\n");
	}
}

static int cmd_steal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct xb_sample *s0 = NULL, *s1 = NULL;
	unsigned long interval = 0;
	struct xb_info info;
	bool json = false;
	int fd, n, ret, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+ji:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
			if (parse_interval(optarg, &interval))
				return usage_error("steal: --interval wants 1 to %lu ms, not '%s'",
						   XB_INTERVAL_MAX_MS, optarg);
			break;
		case 'h':
			usage(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("steal: bad option");
		}
	}
	if (optind < argc)
		return usage_error("steal: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_setup(&fd, &info, &s0, &n);
	if (ret)
		return ret;

	if (interval) {
		ret = XB_EXIT_ERROR;
		s1 = malloc((n ? n : 1) * sizeof(*s1));
		if (!s1) {
			errmsg("out of memory");
			goto out;
		}
		memcpy(s1, s0, n * sizeof(*s1));
		c = sleep_ms(interval);
		if (c) {
			errmsg("sleep: %s", strerror(c));
			goto out;
		}
		ret = read_steal(fd, s1, n);
		if (ret)
			goto out;
	}
	if (json)
		steal_json(s0, s1, n, interval);
	else
		steal_human(s0, s1, n, interval);
	ret = XB_EXIT_OK;
out:
	free(s1);
	free(s0);
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The CPU balloon: status and set */

/* Per-CPU sample of XB_IOC_CPU_STATS. */
struct xb_stats_sample {
	unsigned int cpu;
	bool valid;		/* false: the CPU went offline meanwhile */
	struct xb_cpu_stats st;
};

/* The module must have the balloon's ioctls. */
static int check_balloon(const struct xb_info *info)
{
	if (info->features & XB_FEATURE_BALLOON)
		return XB_EXIT_OK;
	errmsg("ABI mismatch: this xballoon module (%s) has no CPU balloon; %s",
	       info->module_version, XB_ABI_HINT);
	return XB_EXIT_ABI;
}

/* An ioctl the module should know failed: ENOTTY is an old module. */
static int balloon_errno(int err, const char *what)
{
	if (err == ENOTTY) {
		errmsg("ABI mismatch: the module lacks %s; %s", what,
		       XB_ABI_HINT);
		return XB_EXIT_ABI;
	}
	return report_errno(err, what);
}

static int get_config(int fd, struct xb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	if (ioctl(fd, XB_IOC_GET_CONFIG, cfg))
		return balloon_errno(errno, "XB_IOC_GET_CONFIG");
	return XB_EXIT_OK;
}

/*
 * The balloon counters of every online CPU. A CPU that went offline after
 * the online list was read is still a possible CPU: its counters are read
 * all the same; EINVAL (not even possible) marks it invalid.
 */
static int read_stats(int fd, const struct xb_info *info,
		      struct xb_stats_sample **sp, int *np)
{
	struct xb_stats_sample *s;
	unsigned int *cpus;
	int n, i, ret = XB_EXIT_ERROR;

	cpus = calloc(info->nr_cpu_ids ? info->nr_cpu_ids : 1, sizeof(*cpus));
	if (!cpus) {
		errmsg("out of memory");
		return ret;
	}
	n = online_cpus(info->nr_cpu_ids, cpus);
	if (n < 0) {
		errmsg("cannot read " XB_CPU_ONLINE ": %s", strerror(errno));
		goto out;
	}
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
		if (ioctl(fd, XB_IOC_CPU_STATS, &s[i].st) == 0)
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

static void status_json(const struct xb_config *cfg,
			const struct xb_stats_sample *s, int n)
{
	const struct xb_cpu_stats *st;
	const char *sep = "";
	char buf[32];
	int i;

	printf("{\"config\":{\"period_us\":%u,\"cap_pm\":%u},\"cpus\":[",
	       cfg->period_us, cfg->cap_pm);
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		st = &s[i].st;
		printf("%s{\"cpu\":%u,\"mode\":", sep, s[i].cpu);
		json_string(mode_name(st->mode, buf, sizeof(buf)));
		printf(",\"period_us\":%u,\"cap_pm\":%u,\"eff_cap_pm\":%u",
		       st->period_us, st->cap_pm, st->eff_cap_pm);
		printf(",\"reserve_ns\":%llu,\"periods\":%llu",
		       (unsigned long long)st->reserve_ns,
		       (unsigned long long)st->periods);
		printf(",\"periods_reserved\":%llu,\"periods_throttled\":%llu",
		       (unsigned long long)st->periods_reserved,
		       (unsigned long long)st->periods_throttled);
		printf(",\"halts\":%llu,\"halt_ns\":%llu",
		       (unsigned long long)st->halts,
		       (unsigned long long)st->halt_ns);
		printf(",\"nwc_ns\":%llu,\"wc_ns\":%llu,\"steal_ns\":%llu",
		       (unsigned long long)st->nwc_ns,
		       (unsigned long long)st->wc_ns,
		       (unsigned long long)st->steal_ns);
		printf(",\"yields\":%llu}", (unsigned long long)st->yields);
		sep = ",";
	}
	printf("]}\n");
}

/* A cap in per mille as a percentage; 0 is @zero ("learn", "-"). */
static const char *cap_str(__u32 pm, const char *zero, char *buf, size_t len)
{
	if (!pm)
		return zero;
	snprintf(buf, len, "%u.%u %%", pm / 10, pm % 10);
	return buf;
}

static void status_human(const struct xb_config *cfg,
			 const struct xb_stats_sample *s, int n)
{
	const struct xb_cpu_stats *st;
	char buf[32], cap[32], eff[32];
	int i;

	printf("configuration: period %u us, cap %s\n", cfg->period_us,
	       cap_str(cfg->cap_pm, "learned from steal", cap, sizeof(cap)));
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		st = &s[i].st;
		printf("CPU %u: %s, period %u us, cap %s, in use %s, reserve %.3f ms\n",
		       s[i].cpu, mode_name(st->mode, buf, sizeof(buf)),
		       st->period_us,
		       cap_str(st->cap_pm, "learn", cap, sizeof(cap)),
		       cap_str(st->eff_cap_pm, "not known yet", eff,
			       sizeof(eff)),
		       (double)st->reserve_ns / 1e6);
		printf("  periods %llu, reserved %llu",
		       (unsigned long long)st->periods,
		       (unsigned long long)st->periods_reserved);
		if (st->periods)
			printf(" (%.1f %%)", 100.0 *
			       (double)st->periods_reserved /
			       (double)st->periods);
		printf(", throttled %llu\n",
		       (unsigned long long)st->periods_throttled);
		printf("  halts %llu (%.3f s), NWC %.3f s, WC %.3f s, steal %.3f s, yields %llu\n",
		       (unsigned long long)st->halts, (double)st->halt_ns / 1e9,
		       (double)st->nwc_ns / 1e9, (double)st->wc_ns / 1e9,
		       (double)st->steal_ns / 1e9,
		       (unsigned long long)st->yields);
	}
}

static int cmd_status(int argc, char **argv)
{
	struct xb_stats_sample *s = NULL;
	struct xb_config cfg;
	struct xb_info info;
	bool json;
	int fd = -1, n, ret;

	ret = parse_json_opts(argc, argv, "status", false, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("status: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_open(&fd);
	if (ret)
		return ret;
	ret = xb_get_info(fd, &info);
	if (!ret)
		ret = check_balloon(&info);
	if (!ret)
		ret = get_config(fd, &cfg);
	if (!ret)
		ret = read_stats(fd, &info, &s, &n);
	close(fd);
	if (ret)
		return ret;
	if (json)
		status_json(&cfg, s, n);
	else
		status_human(&cfg, s, n);
	free(s);
	return XB_EXIT_OK;
}

static int invalid_config(void)
{
	char msg[256];
	int code = xb_explain_invalid_config(msg, sizeof(msg));

	errmsg("%s", msg);
	return code;
}

static int cmd_set(int argc, char **argv)
{
	enum { OPT_PERIOD = 0x100, OPT_CAP, OPT_CAP_PM };
	static const struct option opts[] = {
		{ "period-us", required_argument, NULL, OPT_PERIOD },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "cap-pm", required_argument, NULL, OPT_CAP_PM },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct xb_config cfg = { .size = sizeof(cfg) };
	bool bad_value = false;
	struct xb_info info;
	int fd = -1, ret, c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PERIOD:
			if (cfg.flags & XB_CONFIG_PERIOD)
				return usage_error("set: give --period-us once");
			r = parse_u32(optarg, &cfg.period_us);
			if (r < 0)
				return usage_error("set: --period-us wants a number of microseconds, not '%s'",
						   optarg);
			bad_value |= r > 0;
			cfg.flags |= XB_CONFIG_PERIOD;
			break;
		case OPT_CAP:
		case OPT_CAP_PM:
			if (cfg.flags & XB_CONFIG_CAP)
				return usage_error("set: give the cap once: --cap or --cap-pm");
			if (c == OPT_CAP)
				r = parse_cap(optarg, &cfg.cap_pm);
			else
				r = parse_u32(optarg, &cfg.cap_pm);
			if (r < 0)
				return usage_error("set: %s wants %s, not '%s'",
						   c == OPT_CAP ? "--cap" : "--cap-pm",
						   c == OPT_CAP ?
						   "a percentage of one CPU or learn" :
						   "a number of per mille of one CPU",
						   optarg);
			bad_value |= r > 0;
			cfg.flags |= XB_CONFIG_CAP;
			break;
		case 'h':
			usage(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("set: bad option");
		}
	}
	if (optind < argc)
		return usage_error("set: unexpected argument '%s'",
				   argv[optind]);
	if (!cfg.flags)
		return usage_error("set: nothing to set: give --period-us, --cap or --cap-pm");
	if (bad_value)
		return invalid_config();

	ret = xb_open(&fd);
	if (ret)
		return ret;
	ret = xb_get_info(fd, &info);
	if (!ret)
		ret = check_balloon(&info);
	if (!ret && ioctl(fd, XB_IOC_SET_CONFIG, &cfg)) {
		if (errno == EINVAL)
			ret = invalid_config();
		else
			ret = balloon_errno(errno, "XB_IOC_SET_CONFIG");
	}
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The steal-adjusted scheduler clock: vclock */

static const char * const vclock_names[] = {
	[XB_VCLOCK_OFF]		= "off",
	[XB_VCLOCK_ON]		= "on",
	[XB_VCLOCK_KERNEL]	= "kernel",
	[XB_VCLOCK_NO_STEAL]	= "no-steal",
};

/* What each state means, in one line. */
static const char * const vclock_lines[] = {
	[XB_VCLOCK_OFF]		= "off: tasks are charged for stolen time as well",
	[XB_VCLOCK_ON]		= "on: tasks are charged only for the time their vCPU ran",
	[XB_VCLOCK_KERNEL]	= "kernel does it: the kernel subtracts steal itself (CONFIG_PARAVIRT_TIME_ACCOUNTING), so the module stands down",
	[XB_VCLOCK_NO_STEAL]	= "no steal source: on, but no CPU reports steal cheaply enough for the scheduler (QEMU TCG, bare metal): nothing to subtract, the scheduler is not hooked",
};

static const char *vclock_name(unsigned int v, char *buf, size_t len)
{
	return enum_name(vclock_names, ARRAY_SIZE(vclock_names), v, buf, len);
}

/* The module must have the feature @bit (@what names it for people). */
static int check_feature(const struct xb_info *info, __u64 bit,
			 const char *what)
{
	if (info->features & bit)
		return XB_EXIT_OK;
	errmsg("ABI mismatch: this xballoon module (%s) has no %s; %s",
	       info->module_version, what, XB_ABI_HINT);
	return XB_EXIT_ABI;
}

/* Open the device, check the ABI version and the feature @bit. */
static int xb_open_feature(int *fdp, __u64 bit, const char *what)
{
	struct xb_info info;
	int ret;

	ret = xb_open(fdp);
	if (ret)
		return ret;
	ret = xb_get_info(*fdp, &info);
	if (!ret)
		ret = check_feature(&info, bit, what);
	if (ret)
		close(*fdp);
	return ret;
}

static void vclock_json(const struct xb_vclock *vc)
{
	char buf[32];

	printf("{\"enable\":%u,\"state\":%u,\"state_name\":", vc->enable,
	       vc->state);
	json_string(vclock_name(vc->state, buf, sizeof(buf)));
	printf(",\"uncharged_ns\":%llu,\"events\":%llu,\"hook_ns\":%llu",
	       (unsigned long long)vc->uncharged_ns,
	       (unsigned long long)vc->events,
	       (unsigned long long)vc->hook_ns);
	if (vc->events)
		printf(",\"hook_ns_per_event\":%.1f}\n",
		       (double)vc->hook_ns / (double)vc->events);
	else
		printf(",\"hook_ns_per_event\":null}\n");
}

static void vclock_human(const struct xb_vclock *vc)
{
	char buf[32];

	if (vc->state < ARRAY_SIZE(vclock_lines) && vclock_lines[vc->state])
		printf("state:      %s\n", vclock_lines[vc->state]);
	else
		printf("state:      %s\n", vclock_name(vc->state, buf,
						       sizeof(buf)));
	printf("enable:     %s\n", vc->enable ? "yes" : "no");
	printf("uncharged:  %.3f ms of stolen time taken off tasks' charges\n",
	       (double)vc->uncharged_ns / 1e6);
	printf("events:     %llu scheduler charges seen\n",
	       (unsigned long long)vc->events);
	if (vc->events)
		printf("hook cost:  %.1f ns per event on average\n",
		       (double)vc->hook_ns / (double)vc->events);
	else
		printf("hook cost:  - (no events)\n");
}

static int cmd_vclock(int argc, char **argv)
{
	struct xb_vclock vc = { .size = sizeof(vc) };
	bool json;
	int fd, ret;

	/* "vclock on --json" works as well as "vclock --json on". */
	ret = parse_json_opts(argc, argv, "vclock", true, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		if (!strcmp(argv[optind], "on"))
			vc.enable = 1;
		else if (strcmp(argv[optind], "off"))
			return usage_error("vclock: want on or off, not '%s'",
					   argv[optind]);
		vc.flags = XB_VCLOCK_SET;
		optind++;
	}
	if (optind < argc)
		return usage_error("vclock: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_open_feature(&fd, XB_FEATURE_VCLOCK,
			      "steal-adjusted scheduler clock");
	if (ret)
		return ret;
	if (ioctl(fd, XB_IOC_VCLOCK, &vc))
		ret = balloon_errno(errno, "XB_IOC_VCLOCK");
	close(fd);
	if (ret)
		return ret;
	if (json)
		vclock_json(&vc);
	else
		vclock_human(&vc);
	return XB_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Fair credit: credit list, add, del, clear */

#define XB_SCHEDSTATS	"/proc/sys/kernel/sched_schedstats"

/* One line of a small file, without its newline; 0 or an errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* kernel.sched_schedstats: 1 on, 0 off, -1 with errno if unreadable. */
static int schedstats_on(void)
{
	char buf[16];
	int err = read_line(XB_SCHEDSTATS, buf, sizeof(buf));

	if (err) {
		errno = err;
		return -1;
	}
	return strcmp(buf, "0") != 0;
}

static int schedstats_enable(void)
{
	int fd = open(XB_SCHEDSTATS, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, "1\n", 2);
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	if (close(fd))
		return errno;
	return n == 2 ? 0 : EIO;
}

static bool credit_cgroup_op(const struct xb_credit *c)
{
	return c->op == XB_CREDIT_ADD_CGROUP || c->op == XB_CREDIT_DEL_CGROUP;
}

/*
 * "pid N", "comm NAME" or "cgroup PATH|ID", non-printable characters
 * shown as '?'.
 */
static const char *credit_label(const struct xb_credit *c, const char *cgpath,
				char *buf, size_t len)
{
	char comm[XB_COMM_LEN];
	size_t i;

	if (c->op == XB_CREDIT_ADD_PID || c->op == XB_CREDIT_DEL_PID) {
		snprintf(buf, len, "pid %u", c->pid);
		return buf;
	}
	if (credit_cgroup_op(c)) {
		if (cgpath)
			snprintf(buf, len, "cgroup %s (id %llu)", cgpath,
				 (unsigned long long)c->cgroup_id);
		else
			snprintf(buf, len, "cgroup id %llu",
				 (unsigned long long)c->cgroup_id);
		for (i = 0; buf[i]; i++)
			if (buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = '?';
		return buf;
	}
	for (i = 0; i < XB_COMM_LEN - 1 && c->comm[i]; i++)
		comm[i] = c->comm[i] >= 0x20 && c->comm[i] < 0x7f ?
			  c->comm[i] : '?';
	comm[i] = '\0';
	snprintf(buf, len, "comm %s", comm);
	return buf;
}

static int credit_invalid(void)
{
	errmsg("invalid pid or command name (1-%u printable characters, no '/')",
	       XB_COMM_LEN - 1);
	return XB_EXIT_ERROR;
}

/*
 * XB_IOC_CREDIT failed with @err: the errno list of the UAPI, in words.
 * @cgpath: the directory of a cgroup op, NULL if it was given by id
 */
static int credit_errno(int err, const struct xb_credit *c,
			const char *cgpath)
{
	char label[PATH_MAX + 48];

	switch (err) {
	case ESRCH:
		errmsg("no such task: pid %u", c->pid);
		return XB_EXIT_ERROR;
	case EEXIST:
		errmsg("%s: already in the set",
		       credit_label(c, cgpath, label, sizeof(label)));
		return XB_EXIT_ERROR;
	case ENOENT:
		if (c->op == XB_CREDIT_ADD_CGROUP) {
			errmsg("%s: no such cgroup (removed, or outside this cgroup namespace)",
			       credit_label(c, cgpath, label, sizeof(label)));
			return XB_EXIT_ERROR;
		}
		errmsg("%s: not in the set",
		       credit_label(c, cgpath, label, sizeof(label)));
		return XB_EXIT_ERROR;
	case ENOSPC:
		errmsg("the set is full (%u entries)", XB_CREDIT_MAX);
		return XB_EXIT_ERROR;
	case EINVAL:
		/*
		 * We never send a cgroup id of 0 (a usage error here): a
		 * module that refuses a cgroup op does not know it.
		 */
		if (credit_cgroup_op(c)) {
			errmsg("the module does not know cgroup entries: " XB_ABI_HINT);
			return XB_EXIT_ABI;
		}
		return credit_invalid();
	case EOPNOTSUPP:
		errmsg("fair credit is not available: this kernel lacks the scheduler tracepoints it needs");
		return XB_EXIT_ERROR;
	default:
		return balloon_errno(err, "XB_IOC_CREDIT");
	}
}

/* One XB_IOC_CREDIT call; 0 or the errno. */
static int credit_call(int fd, struct xb_credit *c)
{
	c->size = sizeof(*c);
	return ioctl(fd, XB_IOC_CREDIT, c) ? errno : 0;
}

struct credit_list {
	unsigned int n;			/* entries read */
	bool counters;			/* restored, credited_ns are known */
	__u64 restored;
	__u64 credited_ns;
	struct {
		__u32 pid;
		char comm[XB_COMM_LEN];
		char task_comm[64];	/* pid entries: /proc/<pid>/comm */
		bool task_known;
		__u64 cgroup_id;	/* cgroup entries: its id, else 0 */
		char cg_path[PATH_MAX];	/* where it is now, "" if not found */
	} e[XB_CREDIT_MAX];
};

/* The mount point of the cgroup2 filesystem; 0, or an errno (ENOENT). */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[4096], mp[4096], fs[64], *sep, *src, *dst;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = ENOENT;

	if (!f)
		return errno;
	/* id parent maj:min root mount-point options... - fstype source ... */
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep, " - %63s", fs) != 1 ||
		    strcmp(fs, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		/* Undo the octal escapes of mountinfo (\040 for a space). */
		for (src = dst = mp; *src; dst++) {
			if (src[0] == '\\' && src[1] >= '0' && src[1] <= '3' &&
			    src[2] >= '0' && src[2] <= '7' &&
			    src[3] >= '0' && src[3] <= '7') {
				*dst = (src[1] - '0') << 6 | (src[2] - '0') << 3 |
				       (src[3] - '0');
				src += 4;
			} else {
				*dst = *src++;
			}
		}
		*dst = '\0';
		if ((size_t)snprintf(buf, len, "%s", mp) < len) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* @path is a directory of a cgroup2 filesystem: its id in *@id. */
static bool cgroup2_dir(const char *path, __u64 *id)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return false;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return false;
	*id = st.st_ino;
	return true;
}

/*
 * --cgroup PATH: a cgroup2 directory as given, or else PATH below the
 * cgroup2 mount point (the form of /proc/PID/cgroup). The cgroup's id is
 * the inode number of its directory (kernfs, 64-bit). Exit code on error.
 */
static int cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id)
{
	char mnt[PATH_MAX];
	int err;

	if (cgroup2_dir(arg, id)) {
		snprintf(path, len, "%s", arg);
		return XB_EXIT_OK;
	}
	err = cgroup2_mount(mnt, sizeof(mnt));
	if (err) {
		errmsg("%s: not a cgroup2 directory, and %s", arg,
		       err == ENOENT ? "no cgroup2 filesystem is mounted" :
		       "cannot read /proc/self/mountinfo");
		return XB_EXIT_ERROR;
	}
	while (*arg == '/')
		arg++;
	if ((size_t)snprintf(path, len, "%s/%s", mnt, arg) < len &&
	    cgroup2_dir(path, id))
		return XB_EXIT_OK;
	errmsg("%s: not a cgroup2 directory (cgroup2 is mounted at %s)",
	       path, mnt);
	return XB_EXIT_ERROR;
}

/* The list whose cgroup entries cgroup_find() fills in, for nftw(). */
static struct credit_list *cg_list;
static unsigned int cg_missing;

static int cgroup_find(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	unsigned int i;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	for (i = 0; i < cg_list->n; i++) {
		if (cg_list->e[i].cgroup_id != (__u64)st->st_ino ||
		    cg_list->e[i].cg_path[0])
			continue;
		snprintf(cg_list->e[i].cg_path, sizeof(cg_list->e[i].cg_path),
			 "%s", path);
		cg_missing--;
	}
	/* Stop the walk once every entry is found. */
	return !cg_missing;
}

/*
 * Where the set's cgroups are: one walk of the cgroup2 tree, stopped as
 * soon as all are found, and only if the set has cgroup entries. A removed
 * cgroup (or one outside this cgroup namespace) keeps an empty path.
 */
static void cgroup_paths(struct credit_list *l)
{
	char mnt[PATH_MAX];
	unsigned int i;

	cg_missing = 0;
	for (i = 0; i < l->n; i++)
		cg_missing += !!l->e[i].cgroup_id;
	if (!cg_missing || cgroup2_mount(mnt, sizeof(mnt)))
		return;
	cg_list = l;
	nftw(mnt, cgroup_find, 16, FTW_PHYS | FTW_MOUNT);
	cg_list = NULL;
}

/*
 * Read the set with XB_CREDIT_GET, index 0 up, until ENOENT. A set that
 * changes meanwhile gives a mix of before and after, never garbage.
 */
static int credit_read(int fd, struct credit_list *l)
{
	struct xb_credit c;
	char path[64];
	int err;

	memset(l, 0, sizeof(*l));
	while (l->n < XB_CREDIT_MAX) {
		memset(&c, 0, sizeof(c));
		c.op = XB_CREDIT_GET;
		c.index = l->n;
		err = credit_call(fd, &c);
		if (err == ENOENT)
			break;
		if (err)
			return credit_errno(err, &c, NULL);
		/* Only a successful call reports the counters. */
		l->counters = true;
		l->restored = c.restored;
		l->credited_ns = c.credited_ns;
		l->e[l->n].pid = c.pid;
		l->e[l->n].cgroup_id = c.cgroup_id;
		memcpy(l->e[l->n].comm, c.comm, XB_COMM_LEN);
		l->e[l->n].comm[XB_COMM_LEN - 1] = '\0';
		if (c.pid) {
			snprintf(path, sizeof(path), "/proc/%u/comm", c.pid);
			l->e[l->n].task_known =
				!read_line(path, l->e[l->n].task_comm,
					   sizeof(l->e[l->n].task_comm));
		}
		l->n++;
	}
	cgroup_paths(l);
	return XB_EXIT_OK;
}

static void credit_list_json(const struct credit_list *l, int schedstats)
{
	const char *sep = "";
	unsigned int i;

	printf("{\"nr_entries\":%u,\"max_entries\":%u,\"entries\":[", l->n,
	       XB_CREDIT_MAX);
	for (i = 0; i < l->n; i++) {
		printf("%s{\"pid\":%u,\"comm\":", sep, l->e[i].pid);
		json_string(l->e[i].comm);
		printf(",\"task_comm\":");
		if (l->e[i].task_known)
			json_string(l->e[i].task_comm);
		else
			printf("null");
		printf(",\"cgroup_id\":%llu,\"cgroup_path\":",
		       (unsigned long long)l->e[i].cgroup_id);
		if (l->e[i].cg_path[0])
			json_string(l->e[i].cg_path);
		else
			printf("null");
		printf("}");
		sep = ",";
	}
	printf("]");
	if (l->counters)
		printf(",\"restored\":%llu,\"credited_ns\":%llu",
		       (unsigned long long)l->restored,
		       (unsigned long long)l->credited_ns);
	else
		printf(",\"restored\":null,\"credited_ns\":null");
	printf(",\"schedstats\":%s}\n", schedstats < 0 ? "null" :
	       schedstats ? "true" : "false");
}

/* @s for a terminal: non-printable characters as '?'. */
static void print_safe(const char *s)
{
	for (; *s; s++)
		putchar(*s >= 0x20 && *s < 0x7f ? *s : '?');
}

static void credit_list_human(const struct credit_list *l, int schedstats)
{
	unsigned int i;

	if (!l->n)
		printf("fair credit: the set is empty\n");
	else
		printf("fair credit: %u of %u entries\n", l->n, XB_CREDIT_MAX);
	for (i = 0; i < l->n; i++) {
		if (l->e[i].pid) {
			printf("  pid %-8u ", l->e[i].pid);
			if (l->e[i].task_known) {
				putchar('(');
				print_safe(l->e[i].task_comm);
				printf(")\n");
			} else {
				printf("(no such task now)\n");
			}
		} else if (l->e[i].cgroup_id) {
			printf("  cgroup %-8llu ",
			       (unsigned long long)l->e[i].cgroup_id);
			if (l->e[i].cg_path[0]) {
				putchar('(');
				print_safe(l->e[i].cg_path);
				printf(")\n");
			} else {
				printf("(removed, or outside this cgroup namespace)\n");
			}
		} else if (l->e[i].comm[0]) {
			printf("  comm ");
			print_safe(l->e[i].comm);
			putchar('\n');
		} else {
			printf("  a pid whose task has exited, or outside this pid namespace\n");
		}
	}
	if (l->counters)
		printf("restored wake-ups: %llu, credited time: %.3f ms\n",
		       (unsigned long long)l->restored,
		       (double)l->credited_ns / 1e6);
	else
		printf("restored wake-ups, credited time: reported only while the set has entries\n");
	if (schedstats == 0)
		printf("schedstats off (kernel.sched_schedstats=0): fair credit does not act\n");
	else if (schedstats < 0)
		printf("no kernel.sched_schedstats: fair credit does not act\n");
}

static int credit_list(int argc, char **argv)
{
	struct credit_list *l;
	bool json;
	int fd, ret, c;

	ret = parse_json_opts(argc, argv, "credit list", true, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("credit list: unexpected argument '%s'",
				   argv[optind]);

	l = malloc(sizeof(*l));
	if (!l) {
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	ret = xb_open_feature(&fd, XB_FEATURE_CREDIT, "fair credit");
	if (!ret) {
		ret = credit_read(fd, l);
		close(fd);
	}
	if (!ret) {
		c = schedstats_on();
		if (json)
			credit_list_json(l, c);
		else
			credit_list_human(l, c);
	}
	free(l);
	return ret;
}

/* Fair credit acts only with schedstats on: see to it after an add. */
static void credit_schedstats(bool leave_off)
{
	int on = schedstats_on(), err;

	if (on < 0) {
		errmsg("warning: cannot read " XB_SCHEDSTATS " (%s): fair credit needs schedstats and will not act without them",
		       strerror(errno));
		return;
	}
	if (on)
		return;
	if (leave_off) {
		errmsg("warning: kernel.sched_schedstats is 0: fair credit will not act until it is 1");
		return;
	}
	err = schedstats_enable();
	if (err)
		errmsg("warning: fair credit needs schedstats, but enabling kernel.sched_schedstats failed (%s): it will not act",
		       strerror(err));
	else
		errmsg("fair credit needs schedstats: enabled kernel.sched_schedstats");
}

/* A cgroup id: a non-zero unsigned decimal number of 64 bits; or -1. */
static int parse_cgroup_id(const char *arg, __u64 *v)
{
	unsigned long long n;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (*end || errno || !n)
		return -1;
	*v = n;
	return 0;
}

/*
 * credit add, credit del: one entry, --pid N, --comm NAME, --cgroup PATH
 * or --cgroup-id ID.
 */
static int credit_change(int argc, char **argv, bool add)
{
	enum { OPT_PID = 0x100, OPT_COMM, OPT_CGROUP, OPT_CGROUP_ID,
	       OPT_NO_SCHEDSTATS };
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "cgroup-id", required_argument, NULL, OPT_CGROUP_ID },
		{ "no-schedstats", no_argument, NULL, OPT_NO_SCHEDSTATS },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *cmd = add ? "credit add" : "credit del";
	struct xb_credit arg = { .size = sizeof(arg) };
	bool has_pid = false, has_comm = false, leave_off = false;
	bool bad_pid = false;
	const char *cgroup = NULL;
	char cgpath[PATH_MAX];
	int fd, ret, c, r, given = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (has_pid)
				return usage_error("%s: give --pid once", cmd);
			r = parse_u32(optarg, &arg.pid);
			if (r < 0)
				return usage_error("%s: --pid wants a number, not '%s'",
						   cmd, optarg);
			bad_pid = r > 0;
			has_pid = true;
			break;
		case OPT_COMM:
			if (has_comm)
				return usage_error("%s: give --comm once", cmd);
			if (strlen(optarg) > XB_COMM_LEN - 1)
				return usage_error("%s: --comm wants a command name of at most %u characters, not '%s'",
						   cmd, XB_COMM_LEN - 1,
						   optarg);
			memcpy(arg.comm, optarg, strlen(optarg));
			has_comm = true;
			break;
		case OPT_CGROUP:
			if (cgroup || arg.cgroup_id)
				return usage_error("%s: give --cgroup or --cgroup-id once",
						   cmd);
			if (!*optarg)
				return usage_error("%s: --cgroup wants a path",
						   cmd);
			cgroup = optarg;
			break;
		case OPT_CGROUP_ID:
			if (cgroup || arg.cgroup_id)
				return usage_error("%s: give --cgroup or --cgroup-id once",
						   cmd);
			if (parse_cgroup_id(optarg, &arg.cgroup_id))
				return usage_error("%s: --cgroup-id wants a non-zero number, not '%s'",
						   cmd, optarg);
			break;
		case OPT_NO_SCHEDSTATS:
			if (!add)
				return usage_error("%s: --no-schedstats is for credit add",
						   cmd);
			leave_off = true;
			break;
		case 'h':
			usage(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("%s: bad option", cmd);
		}
	}
	if (optind < argc)
		return usage_error("%s: unexpected argument '%s'", cmd,
				   argv[optind]);
	given = has_pid + has_comm + (cgroup || arg.cgroup_id);
	if (given > 1)
		return usage_error("%s: give one of --pid, --comm, --cgroup, --cgroup-id",
				   cmd);
	if (!given)
		return usage_error("%s: give --pid N, --comm NAME, --cgroup PATH or --cgroup-id ID",
				   cmd);
	if (bad_pid)
		return credit_invalid();
	if (has_pid)
		arg.op = add ? XB_CREDIT_ADD_PID : XB_CREDIT_DEL_PID;
	else if (has_comm)
		arg.op = add ? XB_CREDIT_ADD_COMM : XB_CREDIT_DEL_COMM;
	else
		arg.op = add ? XB_CREDIT_ADD_CGROUP : XB_CREDIT_DEL_CGROUP;

	ret = xb_open_feature(&fd, XB_FEATURE_CREDIT, "fair credit");
	if (ret)
		return ret;
	if (cgroup) {
		ret = cgroup_resolve(cgroup, cgpath, sizeof(cgpath),
				     &arg.cgroup_id);
		if (ret) {
			close(fd);
			return ret;
		}
	}
	r = credit_call(fd, &arg);
	close(fd);
	if (r)
		return credit_errno(r, &arg, cgroup ? cgpath : NULL);
	if (add)
		credit_schedstats(leave_off);
	return XB_EXIT_OK;
}

static int credit_clear(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct xb_credit arg = { .op = XB_CREDIT_CLEAR };
	int fd, ret, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("credit clear: bad option");
		}
	}
	if (optind < argc)
		return usage_error("credit clear: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_open_feature(&fd, XB_FEATURE_CREDIT, "fair credit");
	if (ret)
		return ret;
	c = credit_call(fd, &arg);
	close(fd);
	return c ? credit_errno(c, &arg, NULL) : XB_EXIT_OK;
}

static int cmd_credit_add(int argc, char **argv)
{
	return credit_change(argc, argv, true);
}

static int cmd_credit_del(int argc, char **argv)
{
	return credit_change(argc, argv, false);
}

static int cmd_credit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "list", credit_list },
		{ "add", cmd_credit_add },
		{ "del", cmd_credit_del },
		{ "clear", credit_clear },
	};
	unsigned int i;

	if (argc < 2)
		return usage_error("credit: missing subcommand: list, add, del or clear");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return XB_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return usage_error("credit: unknown subcommand '%s'", argv[1]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "info", cmd_info },
		{ "steal", cmd_steal },
		{ "status", cmd_status },
		{ "set", cmd_set },
		{ "vclock", cmd_vclock },
		{ "credit", cmd_credit },
	};
	unsigned int i;
	int c, ret;

	/* "+": stop at the command; each command parses its own options. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return XB_EXIT_OK;
		case 'V':
			printf("%s %s (ABI %u)\n", prog, XB_VERSION,
			       XB_ABI_VERSION);
			return XB_EXIT_OK;
		default:
			return usage_error("bad option");
		}
	}
	if (optind >= argc)
		return usage_error("missing command");

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		ret = cmds[i].fn(argc - optind, argv + optind);
		if (fflush(stdout) && ret == XB_EXIT_OK) {
			errmsg("write error: %s", strerror(errno));
			ret = XB_EXIT_ERROR;
		}
		return ret;
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
