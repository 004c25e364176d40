// SPDX-License-Identifier: GPL-2.0
/*
 * vclock.c - xballoonctl vclock: the steal-adjusted scheduler clock.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

void help_vclock(FILE *f)
{
	fprintf(f,
		"Usage: %s vclock [on|off] [--json]\n"
		"\n"
		"The steal-adjusted scheduler clock: its state, stolen time taken off\n"
		"tasks' charges, scheduler events, the hook's cost; with on or off,\n"
		"switch it first.\n",
		prog);
	help_tail(f);
}

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


static int vclock_json(const struct xb_vclock *vc)
{
	struct json_object *doc = jdoc();
	char buf[32];

	jadd(doc, "enable", json_object_new_int64(vc->enable));
	jadd(doc, "state", json_object_new_int64(vc->state));
	jadd(doc, "state_name", jstr(vclock_name(vc->state, buf,
						 sizeof(buf))));
	jadd_u64(doc, "uncharged_ns", vc->uncharged_ns);
	jadd_u64(doc, "events", vc->events);
	jadd_u64(doc, "hook_ns", vc->hook_ns);
	jadd(doc, "hook_ns_per_event", vc->events ?
	     jfixed((double)vc->hook_ns / (double)vc->events, 1) : NULL);
	return jprint(doc);
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

int cmd_vclock(int argc, char **argv)
{
	struct xb_vclock vc = { .size = sizeof(vc) };
	bool json;
	int fd, ret;

	/* "vclock on --json" works as well as "vclock --json on". */
	ret = parse_json_opts(argc, argv, "vclock", true, help_vclock,
			      &json);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		if (!strcmp(argv[optind], "on"))
			vc.enable = 1;
		else if (strcmp(argv[optind], "off"))
			return usage_error("vclock", "vclock: want on or off, not '%s'",
					   argv[optind]);
		vc.flags = XB_VCLOCK_SET;
		optind++;
	}
	if (optind < argc)
		return usage_error("vclock", "vclock: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_open_feature(&fd, NULL, XB_FEATURE_VCLOCK,
			      "steal-adjusted scheduler clock");
	if (ret)
		return ret;
	if (xb_ioctl(fd, XB_IOC_VCLOCK, &vc))
		ret = balloon_errno(errno, "XB_IOC_VCLOCK");
	close(fd);
	if (ret)
		return ret;
	if (json)
		return vclock_json(&vc);
	vclock_human(&vc);
	return XB_EXIT_OK;
}

