// SPDX-License-Identifier: GPL-2.0
/*
 * xballoonctl - inspect and configure the xballoon module through
 * /dev/xballoon. This file: the global options, the global help and the
 * dispatch to the commands, one file each (info.c, steal.c, status.c,
 * set.c, vclock.c, credit.c, metrics.c) around common.c.
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
#include <errno.h>
#include <string.h>

#include "ctl.h"

static const struct xb_cmd cmds[] = {
	{ "info", cmd_info, help_info },
	{ "steal", cmd_steal, help_steal },
	{ "status", cmd_status, help_status },
	{ "set", cmd_set, help_set },
	{ "vclock", cmd_vclock, help_vclock },
	{ "credit", cmd_credit, help_credit },
	{ "metrics", cmd_metrics, help_metrics },
};

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
		"                                 (detached, NWC reserving, WC, absent),\n"
		"                                 period, cap configured and in use, reserve,\n"
		"                                 counters; the configuration; and whether\n"
		"                                 it is inert (can reserve nothing)\n"
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
		"  metrics [--textfile [DIR]]     the counters as Prometheus metrics, on\n"
		"                                 stdout or, for node_exporter's textfile\n"
		"                                 collector, replacing DIR/xballoon.prom\n"
		"                                 (DIR: " XB_TEXTFILE_DIR ")\n"
		"  help [COMMAND]                 this help, or the help of COMMAND (as\n"
		"                                 does COMMAND --help)\n"
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	unsigned int i;
	int c, ret;

	/* "+": stop at the command; each command parses its own options. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case 'V':
			return xb_help_version(c, prog, usage);
		default:
			return usage_error(NULL, "bad option");
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "missing command");

	/* "xballoonctl help set" as well as "xballoonctl set --help". */
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return XB_EXIT_OK;
		}
		for (i = 0; i < ARRAY_SIZE(cmds); i++) {
			if (!strcmp(argv[optind + 1], cmds[i].name)) {
				cmds[i].help(stdout);
				return XB_EXIT_OK;
			}
		}
		return usage_error(NULL, "help: unknown command '%s'",
				   argv[optind + 1]);
	}

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
	return usage_error(NULL, "unknown command '%s'", argv[optind]);
}
