// SPDX-License-Identifier: GPL-2.0
/*
 * xb_tool.c - what xballoonctl and xballoond share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "xb_tool.h"

/*
 * ioctl() with one of today's size-free numbers; if the module answers
 * ENOTTY, once more with the _IOWR number of 0.1.0, which holds the size of
 * the structure: a module loaded before the numbers changed (the tools
 * upgraded, the module not yet reloaded) knows only that one. The size is
 * the argument's first field; it matches what 0.1.0 shipped as long as
 * the structure has not grown since, and a module that old would not know
 * a grown one anyway.
 */
int xb_ioctl(int fd, unsigned long cmd, void *arg)
{
	__u32 size;

	if (!ioctl(fd, cmd, arg))
		return 0;
	if (errno != ENOTTY || _IOC_DIR(cmd) != _IOC_NONE)
		return -1;
	memcpy(&size, arg, sizeof(size));
	if (size > _IOC_SIZEMASK) {
		errno = ENOTTY;
		return -1;
	}
	return ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, _IOC_TYPE(cmd),
			      _IOC_NR(cmd), size), arg);
}

/*
 * The options -h, --help and -V, --version of both tools, @c one of 'h'
 * and 'V': the help through @usage, or the version line, on stdout.
 * Returns the exit code, 0.
 */
int xb_help_version(int c, const char *prog, void (*usage)(FILE *f))
{
	if (c == 'h')
		usage(stdout);
	else
		printf("%s %s (ABI %u)\n", prog, XB_VERSION, XB_ABI_VERSION);
	return XB_EXIT_OK;
}

/* Unsigned decimal number that fits 64 bits: 0, 1 if too big, -1 if bad. */
int parse_u64(const char *arg, __u64 *v)
{
	unsigned long long n;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (*end)
		return -1;
	if (errno)
		return 1;
	*v = n;
	return 0;
}

/* The same for 32 bits. */
int parse_u32(const char *arg, __u32 *v)
{
	__u64 n;
	int r = parse_u64(arg, &n);

	if (r)
		return r;
	if (n > UINT32_MAX)
		return 1;
	*v = n;
	return 0;
}

/*
 * A cpulist ("0-3,5", a trailing newline allowed). Sets @map[cpu] for each
 * CPU below @nbits when @map is not NULL. Returns 0, -1 if the list is
 * malformed, or -2 with *@bad set (if not NULL) at the first range that
 * reaches @nbits or above; the CPUs of that range below @nbits are set.
 */
int parse_cpulist(const char *s, bool *map, unsigned int nbits,
		  unsigned long *bad)
{
	unsigned long a, b, c;
	const char *p;
	char *end;

	if (!*s || *s == '\n')
		return -1;
	for (p = s; *p && *p != '\n'; p = end) {
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		a = strtoul(p, &end, 10);
		if (errno)
			return -1;
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
			if (errno || b < a)
				return -1;
		}
		for (c = a; map && c <= b && c < nbits; c++)
			map[c] = true;
		if (b >= nbits) {
			if (bad)
				*bad = b;
			return -2;
		}
		if (*end == ',' && end[1] && end[1] != '\n')
			end++;
		else if (*end && *end != '\n')
			return -1;
	}
	return 0;
}

/*
 * The online CPUs (XB_CPU_ONLINE) into @map, @nr entries. The kernel lists
 * them in ascending order, none at or above nr_cpu_ids: with @nr that,
 * the -2 of parse_cpulist() cannot happen, and with a smaller @nr it only
 * leaves out the CPUs @map has no room for. 0, or -1 with errno set.
 */
int xb_read_online(bool *map, unsigned int nr)
{
	char buf[4096];
	ssize_t len;
	int fd;

	fd = open(XB_CPU_ONLINE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	memset(map, 0, nr * sizeof(*map));
	if (parse_cpulist(buf, map, nr, NULL) == -1) {
		errno = EINVAL;
		return -1;
	}
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

/* enum xb_cap_source as JSON and logs spell it; "" if not reported. */
const char *xb_cap_source_name(__u32 source)
{
	static const char * const names[] = {
		[XB_CAP_SRC_UNREPORTED] = "",
		[XB_CAP_SRC_UNKNOWN] = "unknown",
		[XB_CAP_SRC_NO_STEAL] = "no-steal",
		[XB_CAP_SRC_TOLD] = "told",
		[XB_CAP_SRC_LEARNED] = "learned",
		[XB_CAP_SRC_UNCAPPED] = "uncapped",
	};

	return source < ARRAY_SIZE(names) ? names[source] : "?";
}

/*
 * Where the cap in use comes from, in words: "learned 49.8 %, confidence
 * 50 %", "unknown: no contention yet"... Empty from a module too old to
 * say (its cap_source reads 0).
 */
void xb_cap_describe(const struct xb_cpu_stats *st, char *buf, size_t len)
{
	switch (st->cap_source) {
	case XB_CAP_SRC_UNREPORTED:
		snprintf(buf, len, "%s", "");
		break;
	case XB_CAP_SRC_UNKNOWN:
		snprintf(buf, len, "unknown: no contention yet, nothing reserved");
		break;
	case XB_CAP_SRC_NO_STEAL:
		snprintf(buf, len, "unknown: no steal source to learn from");
		break;
	case XB_CAP_SRC_UNCAPPED:
		snprintf(buf, len, "none: ran unthrottled, confidence %u %%",
			 st->cap_conf_pm / 10);
		break;
	default:
		snprintf(buf, len, "%s %u.%u %%, confidence %u %%",
			 xb_cap_source_name(st->cap_source),
			 st->cap_est_pm / 10, st->cap_est_pm % 10,
			 st->cap_conf_pm / 10);
		break;
	}
}

/**
 * xb_inert_reason() - whether a CPU's balloon can ever reserve anything
 * @hypervisor: enum xb_hypervisor of XB_IOC_INFO
 * @config_cap_pm: the configured cap, XB_IOC_GET_CONFIG (0: learn)
 * @steal_source: the CPU's enum xb_steal_source, XB_IOC_CPU_STEAL
 * @st: the CPU's XB_IOC_CPU_STATS
 *
 * A balloon that reserves nothing is not an error the module can refuse:
 * it is a configuration that cannot work. On bare metal there is no
 * hypervisor cap to stay under. With no cap told (cap_pm 0) the cap must
 * be learned from throttling, which needs steal: with none to read
 * (steal_source none, or learning off by cap_learn=N) the cap in use stays
 * at 100 % for good. "No contention yet" (XB_CAP_SRC_UNKNOWN) is not inert:
 * the learner is waiting for evidence it can get.
 *
 * Return: XB_INERT_*, or NULL.
 */
const char *xb_inert_reason(__u32 hypervisor, __u32 config_cap_pm,
			    __u32 steal_source,
			    const struct xb_cpu_stats *st)
{
	if (hypervisor == XB_HV_NONE)
		return XB_INERT_BARE_METAL;
	if (config_cap_pm != XB_CAP_PM_LEARN)
		return NULL;
	if (steal_source == XB_STEAL_NONE)
		return XB_INERT_NO_STEAL;
	/* A module older than cap_source cannot say more. */
	if (st->cap_source == XB_CAP_SRC_NO_STEAL)
		return XB_INERT_LEARN_OFF;
	return NULL;
}

/* The sentence for a log or a terminal. */
const char *xb_inert_explain(const char *reason)
{
	if (!reason)
		return "";
	if (!strcmp(reason, XB_INERT_BARE_METAL))
		return "bare metal (no hypervisor): there is no vCPU cap to reserve time under";
	if (!strcmp(reason, XB_INERT_NO_STEAL))
		return "no steal source and no cap set: nothing to learn the cap from; set one (xballoonctl set --cap PCT)";
	if (!strcmp(reason, XB_INERT_LEARN_OFF))
		return "cap learning is off (cap_learn=N) and no cap set; set one (xballoonctl set --cap PCT)";
	return reason;
}

/* Append "lo" or "lo-hi" and @sep to @msg at *@o. */
static void append_range(char *msg, size_t len, int *o, unsigned int lo,
			 unsigned int hi, const char *sep)
{
	if (*o < 0 || (size_t)*o >= len)
		return;
	if (lo == hi)
		*o += snprintf(msg + *o, len - *o, "%u%s", lo, sep);
	else
		*o += snprintf(msg + *o, len - *o, "%u-%u%s", lo, hi, sep);
}

/**
 * xb_inert_scan() - the inert CPUs of the module behind @fd
 * @fd: an open /dev/xballoon
 * @nr_cpu_ids: how many CPU numbers to try
 * @msg: out, "CPUs 0-3 inert: <why>" naming the first reason seen
 * @len: size of @msg
 *
 * Return: the number of inert online CPUs (0: @msg empty), -1 on error.
 */
int xb_inert_scan(int fd, unsigned int nr_cpu_ids, char *msg, size_t len)
{
	struct xb_info info = { .size = sizeof(info) };
	struct xb_config cfg = { .size = sizeof(cfg) };
	const char *first = NULL, *why;
	unsigned int cpu, n = 0, lo = 0, hi = 0;
	struct xb_cpu_steal sl;
	struct xb_cpu_stats st;
	int o = 0;

	msg[0] = '\0';
	if (xb_ioctl(fd, XB_IOC_INFO, &info) ||
	    xb_ioctl(fd, XB_IOC_GET_CONFIG, &cfg))
		return -1;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		memset(&sl, 0, sizeof(sl));
		sl.size = sizeof(sl);
		sl.cpu = cpu;
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.cpu = cpu;
		/* EINVAL: not online. */
		if (xb_ioctl(fd, XB_IOC_CPU_STEAL, &sl) ||
		    xb_ioctl(fd, XB_IOC_CPU_STATS, &st))
			continue;
		why = xb_inert_reason(info.hypervisor, cfg.cap_pm,
				      sl.steal_source, &st);
		if (!why)
			continue;
		if (!first)
			first = why;
		/* Runs of CPU numbers: "0-3,6". */
		if (n && cpu == hi + 1) {
			hi = cpu;
		} else {
			if (n)
				append_range(msg, len, &o, lo, hi, ",");
			lo = hi = cpu;
		}
		n++;
	}
	if (!n)
		return 0;
	append_range(msg, len, &o, lo, hi, "");
	if (o >= 0 && (size_t)o < len)
		snprintf(msg + o, len - o, ": %s", xb_inert_explain(first));
	return n;
}
