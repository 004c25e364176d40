// SPDX-License-Identifier: GPL-2.0
/*
 * set.c - xballoonctl set: the period and cap of every CPU's reservation.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

void help_set(FILE *f)
{
	fprintf(f,
		"Usage: %s set [--period-us N] [--cap PCT|learn | --cap-pm N]\n"
		"\n"
		"Configure every CPU's reservation from its next period.\n"
		"\n"
		"  --period-us N    the accounting period, %u-%u microseconds\n"
		"  --cap PCT        the vCPU's cap in %% of one CPU, %u-%u, in 0.1 %%\n"
		"                   steps (\"50\", \"37.5\", \"50%%\"): a hint that\n"
		"                   throttling corrects\n"
		"  --cap learn      learn the cap from throttling (needs a steal source)\n"
		"  --cap-pm N       the cap in per mille of one CPU, %u-%u, or 0 to learn\n"
		"\n"
		"An out-of-range value exits 1 and changes nothing; a value that is not\n"
		"a number is a usage error (64).\n",
		prog, XB_PERIOD_US_MIN, XB_PERIOD_US_MAX, XB_CAP_PM_MIN / 10,
		XB_CAP_PM_MAX / 10, XB_CAP_PM_MIN, XB_CAP_PM_MAX);
	help_tail(f);
}

static int invalid_config(void)
{
	char msg[256];
	int code = xb_explain_invalid_config(msg, sizeof(msg));

	errmsg("%s", msg);
	return code;
}

/* A value out of range: name it and what is accepted; exit 1. */
static int __printf(1, 2) invalid_value(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrmsg("set: invalid value: ", fmt, ap);
	va_end(ap);
	return XB_EXIT_ERROR;
}

/* "33.33": a digit other than 0 past the first decimal. */
static bool finer_than_permille(const char *arg)
{
	const char *dot = strchr(arg, '.');

	if (!dot || !dot[1])
		return false;
	for (dot += 2; *dot >= '0' && *dot <= '9'; dot++)
		if (*dot != '0')
			return true;
	return false;
}

static int bad_cap(const char *arg)
{
	if (finer_than_permille(arg))
		return invalid_value("--cap %s is finer than the 0.1 %% steps the cap is set in (%u-%u %% of one CPU, or learn)",
				     arg, XB_CAP_PM_MIN / 10,
				     XB_CAP_PM_MAX / 10);
	return invalid_value("--cap %s is out of range: the cap is %u-%u %% of one CPU (0.1 %% steps), or learn",
			     arg, XB_CAP_PM_MIN / 10, XB_CAP_PM_MAX / 10);
}

static bool cap_in_range(__u32 pm)
{
	return pm == XB_CAP_PM_LEARN ||
	       (pm >= XB_CAP_PM_MIN && pm <= XB_CAP_PM_MAX);
}

int cmd_set(int argc, char **argv)
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
	const char *period_arg = NULL, *cap_arg = NULL;
	bool bad_period = false, bad_cap_value = false, cap_pm = false;
	int fd = -1, ret, c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PERIOD:
			if (cfg.flags & XB_CONFIG_PERIOD)
				return usage_error("set", "set: give --period-us once");
			r = parse_u32(optarg, &cfg.period_us);
			if (r < 0)
				return usage_error("set", "set: --period-us wants a number of microseconds (%u-%u), not '%s'",
						   XB_PERIOD_US_MIN,
						   XB_PERIOD_US_MAX, optarg);
			bad_period = r > 0 ||
				     cfg.period_us < XB_PERIOD_US_MIN ||
				     cfg.period_us > XB_PERIOD_US_MAX;
			period_arg = optarg;
			cfg.flags |= XB_CONFIG_PERIOD;
			break;
		case OPT_CAP:
		case OPT_CAP_PM:
			if (cfg.flags & XB_CONFIG_CAP)
				return usage_error("set", "set: give the cap once: --cap or --cap-pm");
			cap_pm = c == OPT_CAP_PM;
			if (c == OPT_CAP)
				r = parse_cap(optarg, &cfg.cap_pm);
			else
				r = parse_u32(optarg, &cfg.cap_pm);
			if (r < 0 && c == OPT_CAP)
				return usage_error("set", "set: --cap wants a percentage of one CPU (%u-%u, 0.1 %% steps) or learn, not '%s'",
						   XB_CAP_PM_MIN / 10,
						   XB_CAP_PM_MAX / 10, optarg);
			if (r < 0)
				return usage_error("set", "set: --cap-pm wants a number of per mille of one CPU (%u-%u, or 0 to learn), not '%s'",
						   XB_CAP_PM_MIN,
						   XB_CAP_PM_MAX, optarg);
			bad_cap_value = r > 0 || !cap_in_range(cfg.cap_pm);
			cap_arg = optarg;
			cfg.flags |= XB_CONFIG_CAP;
			break;
		case 'h':
			help_set(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("set", "set: bad option");
		}
	}
	if (optind < argc)
		return usage_error("set", "set: unexpected argument '%s'",
				   argv[optind]);
	if (!cfg.flags)
		return usage_error("set", "set: nothing to set: give --period-us, --cap or --cap-pm");
	if (bad_period)
		return invalid_value("--period-us %s is out of range: the period is %u-%u us",
				     period_arg, XB_PERIOD_US_MIN,
				     XB_PERIOD_US_MAX);
	if (bad_cap_value && cap_pm)
		return invalid_value("--cap-pm %s is out of range: the cap is %u-%u per mille of one CPU, or 0 to learn",
				     cap_arg, XB_CAP_PM_MIN, XB_CAP_PM_MAX);
	if (bad_cap_value)
		return bad_cap(cap_arg);

	ret = xb_open_feature(&fd, NULL, XB_FEATURE_BALLOON, "CPU balloon");
	if (ret)
		return ret;
	if (xb_ioctl(fd, XB_IOC_SET_CONFIG, &cfg)) {
		/* A module with other limits than this tool's UAPI. */
		if (errno == EINVAL)
			ret = invalid_config();
		else
			ret = balloon_errno(errno, "XB_IOC_SET_CONFIG");
	}
	close(fd);
	return ret;
}
