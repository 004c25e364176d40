// SPDX-License-Identifier: GPL-2.0
/*
 * steal.c - xballoonctl steal: the steal time of every online CPU.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

/* Longest --interval: one hour. */
#define XB_INTERVAL_MAX_MS	3600000UL

void help_steal(FILE *f)
{
	fprintf(f,
		"Usage: %s steal [--json] [--interval MS]\n"
		"\n"
		"Steal time of every online CPU, since the module was loaded; with\n"
		"--interval, also the steal over MS milliseconds (1-%lu) as a\n"
		"percentage of wall time.\n",
		prog, XB_INTERVAL_MAX_MS);
	help_tail(f);
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

static int steal_json(const struct xb_sample *s0, const struct xb_sample *s1,
		      int n, unsigned long interval)
{
	const struct xb_sample *s = s1 ? s1 : s0;
	struct json_object *doc = jdoc(), *arr, *o;
	struct xb_delta d;
	int i;

	if (s1)
		jadd_u64(doc, "interval_ms", interval);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		if (!s[i].valid)
			continue;
		o = jsteal(&s[i]);
		jadd_u64(o, "clock_ns", s[i].st.clock_ns);
		if (s1) {
			d = steal_delta(&s0[i], &s1[i]);
			if (d.valid) {
				jadd_u64(o, "steal_delta_ns", d.steal_ns);
				jadd_u64(o, "wall_delta_ns", d.wall_ns);
				jadd(o, "steal_pct", jfixed(d.pct, 2));
			}
		}
		json_object_array_add(arr, o);
	}
	jadd(doc, "cpus", arr);
	return jprint(doc);
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

int cmd_steal(int argc, char **argv)
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
	__u32 ms;
	bool json = false;
	int fd, n, ret, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+ji:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
			if (parse_u32(optarg, &ms) || !ms ||
			    ms > XB_INTERVAL_MAX_MS)
				return usage_error("steal", "steal: --interval wants 1 to %lu ms, not '%s'",
						   XB_INTERVAL_MAX_MS, optarg);
			interval = ms;
			break;
		case 'h':
			help_steal(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("steal", "steal: bad option");
		}
	}
	if (optind < argc)
		return usage_error("steal", "steal: unexpected argument '%s'",
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
	if (json) {
		ret = steal_json(s0, s1, n, interval);
	} else {
		steal_human(s0, s1, n, interval);
		ret = XB_EXIT_OK;
	}
out:
	free(s1);
	free(s0);
	close(fd);
	return ret;
}
