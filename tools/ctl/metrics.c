// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - xballoonctl metrics: the module's counters in the Prometheus
 * text exposition format, for node_exporter's textfile collector.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * With --textfile the file DIR/xballoon.prom is replaced atomically: the
 * metrics go to a temporary file in DIR (whose name does not end in
 * ".prom", so the collector never reads it half written), which is
 * flushed to disk and renamed over the old one. When the module cannot be
 * asked, the file still gets xballoon_up 0, so that stale numbers never
 * outlive it; the exit code says why, as for every command.
 */
#define _GNU_SOURCE	/* mkostemp() */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

void help_metrics(FILE *f)
{
	fprintf(f,
		"Usage: %s metrics [--textfile [DIR]]\n"
		"\n"
		"The module's state and counters as Prometheus metrics (text format\n"
		"0.0.4): whether it is up and inert, the configuration, and per CPU the\n"
		"balloon's mode, the cap in use and its source, periods with the reserve\n"
		"met and with throttling, halts, steal.\n"
		"\n"
		"  --textfile [DIR]  replace DIR/" XB_TEXTFILE_NAME " atomically instead of\n"
		"                    printing, for node_exporter's textfile collector\n"
		"                    (DIR: " XB_TEXTFILE_DIR ",\n"
		"                    as Debian's prometheus-node-exporter reads it)\n",
		prog);
	help_tail(f);
}

static const char * const mode_labels[] = {
	[XB_MODE_DETACHED]	= "detached",
	[XB_MODE_NWC]		= "nwc",
	[XB_MODE_WC]		= "wc",
	[XB_MODE_ABSENT]	= "absent",
};

static const char * const cap_source_labels[] = {
	[XB_CAP_SRC_UNREPORTED]	= "unreported",
	[XB_CAP_SRC_UNKNOWN]	= "unknown",
	[XB_CAP_SRC_NO_STEAL]	= "no-steal",
	[XB_CAP_SRC_TOLD]	= "told",
	[XB_CAP_SRC_LEARNED]	= "learned",
	[XB_CAP_SRC_UNCAPPED]	= "uncapped",
};

static const char * const inert_labels[] = {
	XB_INERT_BARE_METAL, XB_INERT_NO_STEAL, XB_INERT_LEARN_OFF,
};

static void header(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: UTF-8, with \, " and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	char *u = xb_utf8_dup(s);
	const char *p;

	for (p = u ? u : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	free(u);
}

/* Nanoseconds as seconds, exactly. */
static void print_ns(FILE *f, unsigned long long ns)
{
	fprintf(f, "%llu.%09llu\n", ns / 1000000000ULL, ns % 1000000000ULL);
}

/* Per mille as a ratio of one CPU, exactly. */
static void print_pm(FILE *f, unsigned int pm)
{
	fprintf(f, "%u.%03u\n", pm / 1000, pm % 1000);
}

enum unit { U_COUNT, U_NS, U_PM };

/* The per-CPU counters and gauges that are one number each. */
static const struct {
	const char *name, *type, *help;
	enum unit unit;
	size_t off;		/* in struct xb_cpu_stats */
	bool u32;
} cpu_metrics[] = {
#define M(n, t, u, field, h) { "xballoon_cpu_" n, t, h, u, \
	offsetof(struct xb_cpu_stats, field), \
	sizeof(((struct xb_cpu_stats *)0)->field) == 4 }
	M("cap_configured_ratio", "gauge", U_PM, cap_pm,
	  "Cap configured, in CPUs (0: learned from throttling)."),
	M("cap_in_use_ratio", "gauge", U_PM, eff_cap_pm,
	  "Cap in use after adaptation, in CPUs (1: nothing reserved)."),
	M("cap_estimate_ratio", "gauge", U_PM, cap_est_pm,
	  "The hypervisor's cap as estimated, in CPUs (0: not known)."),
	M("cap_confidence_ratio", "gauge", U_PM, cap_conf_pm,
	  "Confidence in the cap estimate, 0 to 1."),
	M("period_seconds", "gauge", U_NS, period_us,
	  "Accounting period of the reservation."),
	M("reserve_seconds", "gauge", U_NS, reserve_ns,
	  "Off-CPU target of the current period."),
	M("periods_total", "counter", U_COUNT, periods,
	  "Periods with a balloon attached."),
	M("periods_reserved_total", "counter", U_COUNT, periods_reserved,
	  "Periods whose reserve was met."),
	M("periods_throttled_total", "counter", U_COUNT, periods_throttled,
	  "Periods in which hypervisor throttling was seen."),
	M("halts_total", "counter", U_COUNT, halts,
	  "Halts by the balloon."),
	M("halt_seconds_total", "counter", U_NS, halt_ns,
	  "Time halted by the balloon."),
	M("nwc_seconds_total", "counter", U_NS, nwc_ns,
	  "Time attached in non-work-conserving mode."),
	M("wc_seconds_total", "counter", U_NS, wc_ns,
	  "Time attached in work-conserving mode."),
	M("balloon_steal_seconds_total", "counter", U_NS, steal_ns,
	  "Steal observed while a balloon was attached."),
	M("yields_total", "counter", U_COUNT, yields,
	  "Times the balloon gave way to other work."),
#undef M
};

static unsigned long long stat_field(const struct xb_cpu_stats *st,
				     unsigned int i)
{
	const char *p = (const char *)st + cpu_metrics[i].off;
	__u32 v32;
	__u64 v64;

	if (cpu_metrics[i].u32) {
		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	memcpy(&v64, p, sizeof(v64));
	return v64;
}

/* A state set: one sample per state, 1 for @cur. */
static void state_set(FILE *f, const struct xb_cpu_state *s, int n,
		      const char *name, const char *label,
		      const char * const *states, size_t nstates,
		      unsigned int (*cur)(const struct xb_cpu_state *))
{
	size_t k;
	int i;

	for (i = 0; i < n; i++) {
		if (!s[i].s.valid)
			continue;
		for (k = 0; k < nstates; k++)
			fprintf(f, "%s{cpu=\"%u\",%s=\"%s\"} %d\n", name,
				s[i].s.cpu, label, states[k],
				cur(&s[i]) == k);
	}
}

static unsigned int cur_mode(const struct xb_cpu_state *s)
{
	return s->s.st.mode;
}

static unsigned int cur_cap_source(const struct xb_cpu_state *s)
{
	return s->s.st.cap_source;
}

static unsigned int cur_steal(const struct xb_cpu_state *s)
{
	return s->steal.valid ? s->steal.st.steal_source : ~0U;
}

static unsigned int cur_inert(const struct xb_cpu_state *s)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(inert_labels); k++)
		if (s->inert && !strcmp(s->inert, inert_labels[k]))
			return k;
	return ~0U;
}

static void write_metrics(FILE *f, const struct xb_info *info,
			  const struct xb_config *cfg,
			  const struct xb_cpu_state *s, int n)
{
	unsigned long long v;
	bool inert = false;
	unsigned int k;
	char buf[32];
	int i;

	for (i = 0; i < n; i++)
		inert |= s[i].s.valid && s[i].inert;

	header(f, "xballoon_up", "gauge",
	       "1 if the xballoon module answered, else 0.");
	fprintf(f, "xballoon_up 1\n");
	header(f, "xballoon_info", "gauge",
	       "The module's version, ABI, hypervisor and boot CPU steal source.");
	fprintf(f, "xballoon_info{version=\"");
	label_value(f, info->module_version);
	fprintf(f, "\",abi=\"%u\",hypervisor=\"%s\",steal_source=\"%s\"} 1\n",
		info->abi_version, hv_name(info->hypervisor, buf, sizeof(buf)),
		steal_name(info->steal_source, buf, sizeof(buf)));
	header(f, "xballoon_inert", "gauge",
	       "1 if some online CPU can reserve nothing as configured (bare metal, or no cap set and no steal source to learn one from).");
	fprintf(f, "xballoon_inert %d\n", inert);
	header(f, "xballoon_cpu_inert", "gauge",
	       "Per CPU and reason: 1 if that is why the CPU reserves nothing.");
	state_set(f, s, n, "xballoon_cpu_inert", "reason", inert_labels,
		  ARRAY_SIZE(inert_labels), cur_inert);
	header(f, "xballoon_config_period_seconds", "gauge",
	       "Configured accounting period.");
	fprintf(f, "xballoon_config_period_seconds ");
	print_ns(f, (unsigned long long)cfg->period_us * 1000);
	header(f, "xballoon_config_cap_ratio", "gauge",
	       "Configured cap in CPUs (0: learned from throttling).");
	fprintf(f, "xballoon_config_cap_ratio ");
	print_pm(f, cfg->cap_pm);

	header(f, "xballoon_cpu_mode", "gauge",
	       "Per CPU: 1 for the balloon's current mode.");
	state_set(f, s, n, "xballoon_cpu_mode", "mode", mode_labels,
		  ARRAY_SIZE(mode_labels), cur_mode);
	header(f, "xballoon_cpu_cap_source", "gauge",
	       "Per CPU: 1 for where the cap in use comes from.");
	state_set(f, s, n, "xballoon_cpu_cap_source", "source",
		  cap_source_labels, ARRAY_SIZE(cap_source_labels),
		  cur_cap_source);
	header(f, "xballoon_cpu_steal_source", "gauge",
	       "Per CPU: 1 for the source its steal time is read from.");
	state_set(f, s, n, "xballoon_cpu_steal_source", "source",
		  steal_names, nr_steal_names, cur_steal);
	header(f, "xballoon_cpu_steal_seconds_total", "counter",
	       "Per CPU: steal time since the module was loaded.");
	for (i = 0; i < n; i++) {
		if (!s[i].s.valid || !s[i].steal.valid)
			continue;
		fprintf(f, "xballoon_cpu_steal_seconds_total{cpu=\"%u\"} ",
			s[i].s.cpu);
		print_ns(f, s[i].steal.st.steal_ns);
	}

	for (k = 0; k < ARRAY_SIZE(cpu_metrics); k++) {
		header(f, cpu_metrics[k].name, cpu_metrics[k].type,
		       cpu_metrics[k].help);
		for (i = 0; i < n; i++) {
			if (!s[i].s.valid)
				continue;
			v = stat_field(&s[i].s.st, k);
			fprintf(f, "%s{cpu=\"%u\"} ", cpu_metrics[k].name,
				s[i].s.cpu);
			if (cpu_metrics[k].unit == U_PM)
				print_pm(f, v);
			else if (cpu_metrics[k].unit == U_NS)
				/* period_us is the one in microseconds */
				print_ns(f, cpu_metrics[k].u32 ? v * 1000 : v);
			else
				fprintf(f, "%llu\n", v);
		}
	}
}

static void write_down(FILE *f)
{
	header(f, "xballoon_up", "gauge",
	       "1 if the xballoon module answered, else 0.");
	fprintf(f, "xballoon_up 0\n");
}

/*
 * Replace @dir/xballoon.prom with @text: a temporary file in @dir, synced,
 * then renamed over it, so that a reader sees the old file or the new one.
 */
static int write_textfile(const char *dir, const char *text, size_t len)
{
	char tmp[4096], path[4096];
	ssize_t w;
	size_t off = 0;
	int fd, err;

	if ((size_t)snprintf(path, sizeof(path), "%s/" XB_TEXTFILE_NAME,
			     dir) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/." XB_TEXTFILE_NAME ".XXXXXX",
			     dir) >= sizeof(tmp)) {
		errmsg("metrics: %s: path too long", dir);
		return XB_EXIT_ERROR;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		errmsg("metrics: cannot create a file in %s: %s", dir,
		       strerror(errno));
		return errno == EACCES || errno == EPERM ?
		       XB_EXIT_PERM : XB_EXIT_ERROR;
	}
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto err;
		off += w;
	}
	/* node_exporter may run as another user: readable by all. */
	if (fchmod(fd, 0644) || fsync(fd))
		goto err;
	if (close(fd)) {
		fd = -1;
		goto err;
	}
	if (rename(tmp, path)) {
		fd = -1;
		goto err;
	}
	return XB_EXIT_OK;
err:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errmsg("metrics: cannot write %s: %s", path, strerror(err));
	return XB_EXIT_ERROR;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "textfile", optional_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct xb_cpu_state *s = NULL;
	const char *dir = NULL;
	struct xb_config cfg;
	struct xb_info info;
	char *text = NULL;
	size_t len = 0;
	int n = 0, ret, wret, c;
	FILE *f;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			dir = optarg ? optarg : XB_TEXTFILE_DIR;
			/* "--textfile DIR" as well as "--textfile=DIR" */
			if (!optarg && optind < argc &&
			    argv[optind][0] != '-')
				dir = argv[optind++];
			if (!*dir)
				return usage_error("metrics", "metrics: --textfile wants a directory");
			break;
		case 'h':
			help_metrics(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("metrics", "metrics: bad option");
		}
	}
	if (optind < argc)
		return usage_error("metrics", "metrics: unexpected argument '%s'",
				   argv[optind]);

	ret = read_balloon(&info, &cfg, &s, &n);

	f = open_memstream(&text, &len);
	if (!f) {
		free(s);
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	if (ret)
		write_down(f);
	else
		write_metrics(f, &info, &cfg, s, n);
	free(s);
	if (fclose(f)) {
		free(text);
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	if (dir) {
		wret = write_textfile(dir, text, len);
	} else {
		fwrite(text, 1, len, stdout);
		wret = XB_EXIT_OK;
	}
	free(text);
	return ret ? ret : wret;
}
