// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - the balloon's per-CPU statistics, readable without the tool:
 * /sys/kernel/debug/xballoon/stats, one line per possible CPU, the same
 * counters as XB_IOC_CPU_STATS.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "xballoon.h"

static struct dentry *xb_debugfs_dir;

static const char * const xb_mode_names[] = {
	[XB_MODE_DETACHED] = "detached",
	[XB_MODE_NWC] = "NWC",
	[XB_MODE_WC] = "WC",
};

static int xb_stats_show(struct seq_file *m, void *v)
{
	struct xb_cpu_stats s;
	unsigned int cpu;

	seq_puts(m, "cpu mode period_us cap_pm eff_cap_pm reserve_ns periods periods_reserved periods_throttled halts halt_ns nwc_ns wc_ns steal_ns yields cap_source cap_est_pm cap_conf_pm\n");
	for_each_possible_cpu(cpu) {
		if (xb_balloon_stats(cpu, &s))
			continue;
		seq_printf(m, "%u %s %u %u %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %u %u %u\n",
			   cpu, s.mode < ARRAY_SIZE(xb_mode_names) ?
			   xb_mode_names[s.mode] : "?",
			   s.period_us, s.cap_pm, s.eff_cap_pm,
			   s.reserve_ns, s.periods, s.periods_reserved,
			   s.periods_throttled, s.halts, s.halt_ns, s.nwc_ns,
			   s.wc_ns, s.steal_ns, s.yields, s.cap_source,
			   s.cap_est_pm, s.cap_conf_pm);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xb_stats);

void xb_stats_init(void)
{
	/* debugfs is optional: failures only cost the file, never the load. */
	xb_debugfs_dir = debugfs_create_dir("xballoon", NULL);
	debugfs_create_file("stats", 0400, xb_debugfs_dir, NULL,
			    &xb_stats_fops);
}

void xb_stats_exit(void)
{
	debugfs_remove_recursive(xb_debugfs_dir);
}
