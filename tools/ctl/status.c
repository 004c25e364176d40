// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - xballoonctl status: the CPU balloon of every online CPU, and
 * whether it can reserve anything at all (inert).
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"

void help_status(FILE *f)
{
	fprintf(f,
		"Usage: %s status [--json]\n"
		"\n"
		"The CPU balloon of every online CPU: mode (detached, NWC reserving,\n"
		"WC, absent), period, cap configured and in use, where the cap comes\n"
		"from, reserve, counters; and the configuration. \"inert\" says when\n"
		"nothing can be reserved as configured: bare metal, or no cap set and\n"
		"no steal source to learn one from.\n",
		prog);
	help_tail(f);
}

/*
 * The balloon counters and the steal source of every online CPU, and
 * whether each is inert. A CPU that went offline meanwhile is invalid.
 */
static int read_cpu_states(int fd, const struct xb_info *info,
			   const struct xb_config *cfg,
			   struct xb_cpu_state **sp, int *np)
{
	struct xb_stats_sample *st = NULL;
	struct xb_cpu_state *s;
	int n, i, ret;

	ret = read_stats(fd, info, &st, &n);
	if (ret)
		return ret;
	s = calloc(n ? n : 1, sizeof(*s));
	if (!s) {
		free(st);
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	for (i = 0; i < n; i++) {
		s[i].s = st[i];
		s[i].steal.cpu = st[i].cpu;
	}
	free(st);
	for (i = 0; i < n; i++) {
		struct xb_sample *sl = &s[i].steal;

		ret = read_steal_one(fd, sl);
		if (ret) {
			free(s);
			return ret;
		}
		if (s[i].s.valid && sl->valid)
			s[i].inert = xb_inert_reason(info->hypervisor,
						     cfg->cap_pm,
						     sl->st.steal_source,
						     &s[i].s.st);
	}
	*sp = s;
	*np = n;
	return XB_EXIT_OK;
}

/*
 * What status and metrics show: open the device, check for the CPU
 * balloon, read the configuration and the state of every online CPU.
 */
int read_balloon(struct xb_info *info, struct xb_config *cfg,
		 struct xb_cpu_state **sp, int *np)
{
	int fd, ret;

	ret = xb_open_feature(&fd, info, XB_FEATURE_BALLOON, "CPU balloon");
	if (ret)
		return ret;
	ret = get_config(fd, cfg);
	if (!ret)
		ret = read_cpu_states(fd, info, cfg, sp, np);
	close(fd);
	return ret;
}

/* The first inert CPU's reason, or NULL if none is. */
static const char *first_inert(const struct xb_cpu_state *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].s.valid && s[i].inert)
			return s[i].inert;
	return NULL;
}

static int status_json(const struct xb_config *cfg,
		       const struct xb_cpu_state *s, int n)
{
	struct json_object *doc = jdoc(), *o, *arr;
	const struct xb_cpu_stats *st;
	const char *inert = first_inert(s, n);
	char buf[32];
	int i;

	o = json_object_new_object();
	jadd(o, "period_us", json_object_new_int64(cfg->period_us));
	jadd(o, "cap_pm", json_object_new_int64(cfg->cap_pm));
	jadd(doc, "config", o);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		if (!s[i].s.valid)
			continue;
		st = &s[i].s.st;
		o = json_object_new_object();
		jadd(o, "cpu", json_object_new_int64(s[i].s.cpu));
		jadd(o, "mode", jstr(mode_name(st->mode, buf, sizeof(buf))));
		jadd(o, "period_us", json_object_new_int64(st->period_us));
		jadd(o, "cap_pm", json_object_new_int64(st->cap_pm));
		jadd(o, "eff_cap_pm", json_object_new_int64(st->eff_cap_pm));
		jadd_u64(o, "reserve_ns", st->reserve_ns);
		jadd_u64(o, "periods", st->periods);
		jadd_u64(o, "periods_reserved", st->periods_reserved);
		jadd_u64(o, "periods_throttled", st->periods_throttled);
		jadd_u64(o, "halts", st->halts);
		jadd_u64(o, "halt_ns", st->halt_ns);
		jadd_u64(o, "nwc_ns", st->nwc_ns);
		jadd_u64(o, "wc_ns", st->wc_ns);
		jadd_u64(o, "steal_ns", st->steal_ns);
		jadd_u64(o, "yields", st->yields);
		if (st->cap_source) {
			jadd(o, "cap_source",
			     jstr(xb_cap_source_name(st->cap_source)));
			jadd(o, "cap_est_pm",
			     json_object_new_int64(st->cap_est_pm));
			jadd(o, "cap_conf_pm",
			     json_object_new_int64(st->cap_conf_pm));
		}
		jadd(o, "inert", json_object_new_boolean(!!s[i].inert));
		jadd(o, "inert_reason", s[i].inert ? jstr(s[i].inert) : NULL);
		json_object_array_add(arr, o);
	}
	jadd(doc, "cpus", arr);
	jadd(doc, "inert", json_object_new_boolean(!!inert));
	jadd(doc, "inert_reason", inert ? jstr(inert) : NULL);
	return jprint(doc);
}

/* "0-3,6" for the inert CPUs, into @buf. */
static void inert_cpus(const struct xb_cpu_state *s, int n, char *buf,
		       size_t len)
{
	int i, j, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i = j) {
		j = i + 1;
		if (!s[i].s.valid || !s[i].inert)
			continue;
		while (j < n && s[j].s.valid && s[j].inert &&
		       s[j].s.cpu == s[j - 1].s.cpu + 1)
			j++;
		if (o < 0 || (size_t)o >= len)
			break;
		if (j - 1 == i)
			o += snprintf(buf + o, len - o, "%s%u", o ? "," : "",
				      s[i].s.cpu);
		else
			o += snprintf(buf + o, len - o, "%s%u-%u",
				      o ? "," : "", s[i].s.cpu,
				      s[j - 1].s.cpu);
	}
}

static void status_human(const struct xb_config *cfg,
			 const struct xb_cpu_state *s, int n)
{
	const struct xb_cpu_stats *st;
	char buf[32], cap[32], eff[32], learn[96], cpus[256];
	const char *inert = first_inert(s, n);
	int i;

	printf("configuration: period %u us, cap %s\n", cfg->period_us,
	       cap_str(cfg->cap_pm, "learned from steal", cap, sizeof(cap)));
	if (inert) {
		inert_cpus(s, n, cpus, sizeof(cpus));
		printf("inert:         YES, nothing is reserved on CPUs %s: %s\n",
		       cpus, xb_inert_explain(inert));
	} else {
		printf("inert:         no\n");
	}
	for (i = 0; i < n; i++) {
		if (!s[i].s.valid)
			continue;
		st = &s[i].s.st;
		printf("CPU %u: %s, period %u us, cap %s, in use %s, reserve %.3f ms\n",
		       s[i].s.cpu, mode_name(st->mode, buf, sizeof(buf)),
		       st->period_us,
		       cap_str(st->cap_pm, "learn", cap, sizeof(cap)),
		       cap_str(st->eff_cap_pm, "not known yet", eff,
			       sizeof(eff)),
		       (double)st->reserve_ns / 1e6);
		xb_cap_describe(st, learn, sizeof(learn));
		if (learn[0])
			printf("  hypervisor's cap: %s\n", learn);
		if (s[i].inert)
			printf("  inert: %s\n", s[i].inert);
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

int cmd_status(int argc, char **argv)
{
	struct xb_cpu_state *s = NULL;
	struct xb_config cfg;
	struct xb_info info;
	bool json;
	int n, ret;

	ret = parse_json_opts(argc, argv, "status", false, help_status, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("status", "status: unexpected argument '%s'",
				   argv[optind]);

	ret = read_balloon(&info, &cfg, &s, &n);
	if (ret)
		return ret;
	if (json) {
		ret = status_json(&cfg, s, n);
	} else {
		status_human(&cfg, s, n);
		ret = XB_EXIT_OK;
	}
	free(s);
	return ret;
}
