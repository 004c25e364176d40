// SPDX-License-Identifier: GPL-2.0
/*
 * xb_selftest - selftests of xballoon.ko and xballoonctl, run as root inside
 * a guest running the kernel under test.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Environment:
 *   XB_MODULE          path to xballoon.ko (tests that load it skip without)
 *   XB_CTL             path to xballoonctl (its tests skip without)
 *   XB_STEAL_CAP_PCT   the hypervisor's cap on this guest, in % of a CPU
 *                      (Xen: xl sched-credit -c); steal_under_cap skips
 *                      without it
 *
 * The errno each ioctl must return is fixed by the DOC comment of
 * include/uapi/linux/xballoon.h; the tests below check each line of it.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/xballoon.h>

#include "kselftest_harness.h"
#include "xb_json.h"
#include "xb_util.h"

#define XB_PARAM	XB_SYSFS "/parameters/steal_source"
#define XB_MISC_DEV	"/sys/class/misc/xballoon/dev"

/* The spin of steal_under_cap, and how far its steal may be off. */
#define XB_CAP_SPIN_NS		(3 * NSEC_PER_SEC)
#define XB_CAP_TOLERANCE_PCT	15

/*
 * kcpustat moves steal in whole ticks (HZ=250 in Debian: 4 ms), so two reads
 * can see a tick's worth more steal than wall time. Exact sources may still
 * differ from CLOCK_MONOTONIC by a little clock skew.
 */
#define XB_TICK_SLACK_NS	(2 * 4 * NSEC_PER_MSEC)
#define XB_EXACT_SLACK_NS	(1 * NSEC_PER_MSEC)

/* ---------------------------------------------------------------------- */
/* The module: load, unload, parameters */

/* Unload if loaded, then load with @params. */
static int xb_reload(const char *params)
{
	int ret;

	if (xb_loaded()) {
		ret = xb_unload();
		if (ret)
			return ret;
	}
	return xb_load(params);
}

static bool have_module_path(void)
{
	const char *path = getenv("XB_MODULE");

	return path && *path;
}

#define NO_MODULE_PATH "XB_MODULE (path to xballoon.ko) not set"

/* ---------------------------------------------------------------------- */
/* Running xballoonctl */

/*
 * Run XB_CTL with @args (NULL-terminated, without argv[0]), as uid NOBODY
 * when @nobody. Captures stdout and stderr. 0 or -errno.
 */
static int run_ctl(struct xb_output *r, bool nobody, const char *const *args)
{
	const char *ctl = getenv("XB_CTL");

	if (!ctl || !*ctl)
		return -ENOENT;
	return xb_run(r, ctl, args, nobody ? XB_RUN_NOBODY : 0,
		      XB_RUN_TIMEOUT_MS);
}

static bool have_ctl(void)
{
	const char *ctl = getenv("XB_CTL");

	return ctl && *ctl;
}

#define NO_CTL "XB_CTL (path to xballoonctl) not set"

/* ---------------------------------------------------------------------- */
/* JSON parser: check it before trusting it with xballoonctl's output */

TEST(json_parser)
{
	static const char * const good[] = {
		"{}", "[]", " { \"a\" : [ 1 , -2.5e+3, true, false, null ] } ",
		"\"\\u00e9\\ud83d\\ude00\\n\"", "0", "-0.0E-1", "[[[]]]",
		"{\"a\":{\"b\":{}}}", "18446744073709551615",
		"\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd\"",
	};
	static const char * const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\"}", "{a:1}",
		"[1 2]", "01", "1.", ".5", "-", "1e", "+1", "NaN", "tru",
		"\"abc", "\"a\tb\"", "\"\\x\"", "\"\\ud800\"", "{} {}",
		"[1]]", "{\"a\":1 \"b\":2}", "'a'", "[\"a\",]",
		/* Not UTF-8: a stray byte, overlong, surrogate, truncated. */
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xc3\"",
		"\"\xf4\x90\x80\x80\"",
	};
	const struct xb_json *m;
	struct xb_json *v;
	const char *err;
	unsigned int i;
	size_t off;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		v = xb_json_parse(good[i], &err, &off);
		if (!v)
			TH_LOG("rejected good JSON '%s': %s at %zu", good[i],
			       err, off);
		EXPECT_NE(NULL, v);
		xb_json_free(v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = xb_json_parse(bad[i], NULL, NULL);
		if (v)
			TH_LOG("accepted bad JSON '%s'", bad[i]);
		EXPECT_EQ(NULL, v);
		xb_json_free(v);
	}

	static const char doc[] =
"{\"n\":18446744073709551615,\"s\":\"x\\\"y\",\"a\":[1,2,3],\"d\":{\"k\":1,\"k\":2}}";

	v = xb_json_parse(doc, &err, &off);
	ASSERT_NE(NULL, v);
	m = xb_json_get(v, "n");
	ASSERT_NE(NULL, m);
	EXPECT_TRUE(m->is_uint);
	EXPECT_EQ(18446744073709551615ULL, m->uint);
	m = xb_json_get(v, "s");
	ASSERT_NE(NULL, m);
	EXPECT_STREQ("x\"y", m->str);
	EXPECT_EQ(3, xb_json_count(xb_json_get(v, "a")));
	EXPECT_EQ(NULL, xb_json_get(v, "missing"));
	EXPECT_STREQ("k", xb_json_duplicate_key(v));
	xb_json_free(v);
}

/* ---------------------------------------------------------------------- */
/*
 * Tests that load and unload the module. Their fixture holds no file
 * descriptor (an open one pins the module) and always leaves the module
 * loaded with default parameters, for the tests that follow.
 */

FIXTURE(xb_mod) {
	bool dirty;	/* loaded with non-default parameters, or not at all */
};

FIXTURE_SETUP(xb_mod)
{
	self->dirty = false;
}

FIXTURE_TEARDOWN(xb_mod)
{
	int ret;

	if (!have_module_path())
		return;
	if (!self->dirty && xb_loaded())
		return;
	ret = xb_reload(NULL);
	if (ret)
		TH_LOG("cannot reload xballoon with defaults: %s",
		       strerror(-ret));
}

TEST_F_TIMEOUT(xb_mod, load_unload_twice, 120)
{
	struct xb_info info;
	struct stat st;
	int i, fd, ret;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	if (xb_loaded())
		ASSERT_EQ(0, xb_unload());
	ASSERT_FALSE(xb_loaded());
	ASSERT_TRUE(wait_path(XB_DEV, false, XB_NODE_WAIT_MS));

	for (i = 0; i < 2; i++) {
		TH_LOG("round %d: loading %s", i + 1, getenv("XB_MODULE"));
		ret = xb_load(NULL);
		if (ret)
			TH_LOG("finit_module: %s", strerror(-ret));
		ASSERT_EQ(0, ret);
		ASSERT_TRUE(xb_loaded());
		ASSERT_TRUE(exists(XB_MISC_DEV));
		ASSERT_EQ(0, stat(XB_DEV, &st));
		ASSERT_TRUE(S_ISCHR(st.st_mode));

		/* Loading it again must not succeed. */
		EXPECT_EQ(-EEXIST, xb_load(NULL));

		/* It answers. */
		fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, xb_get_info(fd, &info));
		EXPECT_EQ(XB_ABI_VERSION, info.abi_version);
		close(fd);

		ret = xb_unload();
		if (ret)
			TH_LOG("delete_module: %s", strerror(-ret));
		ASSERT_EQ(0, ret);
		ASSERT_FALSE(xb_loaded());
		ASSERT_FALSE(exists(XB_DEV));
		ASSERT_FALSE(exists(XB_MISC_DEV));
		EXPECT_EQ(-ENOENT, xb_unload_once());
	}

	/* Leave it loaded for the other tests. */
	ASSERT_EQ(0, xb_load(NULL));
	self->dirty = false;
}

/* An open file pins the module: the fops must name THIS_MODULE as owner. */
TEST_F_TIMEOUT(xb_mod, unload_while_open, 60)
{
	struct xb_info info;
	int fd;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;
	ASSERT_EQ(0, xb_reload(NULL));

	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, xb_unload_once());
	EXPECT_TRUE(xb_loaded());
	EXPECT_EQ(0, xb_get_info(fd, &info));
	close(fd);

	ASSERT_EQ(0, xb_unload());
	ASSERT_FALSE(xb_loaded());
	ASSERT_EQ(0, xb_load(NULL));
	self->dirty = false;
}

/* Load with @params and return XB_IOC_INFO's answer in @info. */
static int load_with(const char *params, struct xb_info *info)
{
	int fd, ret;

	ret = xb_reload(params);
	if (ret)
		return ret;
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = xb_get_info(fd, info) ? -errno : 0;
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(xb_mod, param_steal_source_none, 60)
{
	struct xb_cpu_steal cs;
	struct xb_info info;
	char val[64];
	int fd;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	ASSERT_EQ(0, load_with("steal_source=none", &info));
	EXPECT_EQ(XB_STEAL_NONE, info.steal_source);
	ASSERT_EQ(0, read_str(XB_PARAM, val, sizeof(val)));
	EXPECT_STREQ("none", val);

	/* "reads return 0" */
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xb_get_steal(fd, 0, &cs));
	EXPECT_EQ(XB_STEAL_NONE, cs.steal_source);
	EXPECT_EQ(0, cs.steal_ns);
	close(fd);
}

TEST_F_TIMEOUT(xb_mod, param_steal_source_kcpustat, 60)
{
	struct xb_info info;
	char val[64];

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	ASSERT_EQ(0, load_with("steal_source=kcpustat", &info));
	EXPECT_EQ(XB_STEAL_KCPUSTAT, info.steal_source);
	ASSERT_EQ(0, read_str(XB_PARAM, val, sizeof(val)));
	EXPECT_STREQ("kcpustat", val);
}

TEST_F_TIMEOUT(xb_mod, param_steal_source_bogus, 60)
{
	struct xb_info info;
	char val[64];

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	if (xb_loaded())
		ASSERT_EQ(0, xb_unload());
	EXPECT_EQ(-EINVAL, xb_load("steal_source=bogus"));
	EXPECT_FALSE(xb_loaded());
	EXPECT_FALSE(exists(XB_DEV));

	/* And the defaults work again. */
	ASSERT_EQ(0, load_with(NULL, &info));
	EXPECT_EQ(XB_ABI_VERSION, info.abi_version);
	if (!read_str(XB_PARAM, val, sizeof(val)))
		TH_LOG("default steal_source=%s, boot CPU uses %s", val,
		       steal_name(info.steal_source));
	self->dirty = false;
}

/*
 * A forced source that the hypervisor does not offer fails the load
 * (-ENODEV, says the parameter's description) rather than quietly reading
 * zeros.
 */
TEST_F_TIMEOUT(xb_mod, param_steal_source_unavailable, 60)
{
	const char *params[2] = { NULL, NULL };
	struct xb_info info;
	unsigned int i;
	int ret;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	ASSERT_EQ(0, load_with(NULL, &info));
	switch (info.hypervisor) {
	case XB_HV_XEN_PV:
	case XB_HV_XEN_PVH:
	case XB_HV_XEN_HVM:
		params[0] = "steal_source=kvm";
		break;
	case XB_HV_KVM:
		params[0] = "steal_source=xen";
		break;
	default:
		params[0] = "steal_source=xen";
		params[1] = "steal_source=kvm";
		break;
	}
	ASSERT_EQ(0, xb_unload());
	for (i = 0; i < ARRAY_SIZE(params) && params[i]; i++) {
		ret = xb_load(params[i]);
		TH_LOG("%s on hypervisor %s: %s", params[i],
		       hv_name(info.hypervisor),
		       ret ? strerror(-ret) : "loaded");
		EXPECT_EQ(-ENODEV, ret);
		if (!ret)
			xb_unload();
		EXPECT_FALSE(xb_loaded());
	}
}

/* "steal_ns: counted from module load": never more than the time since. */
TEST_F_TIMEOUT(xb_mod, steal_counted_from_load, 60)
{
	unsigned long long t0;
	struct xb_cpu_steal cs;
	struct xb_info info;
	unsigned int cpu;
	bool *online;
	int fd;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	self->dirty = true;

	if (xb_loaded())
		ASSERT_EQ(0, xb_unload());
	t0 = now_ns();
	ASSERT_EQ(0, xb_load(NULL));
	self->dirty = false;
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xb_get_info(fd, &info));
	online = calloc(info.nr_cpu_ids, sizeof(*online));
	ASSERT_NE(NULL, online);
	ASSERT_LT(0, read_cpulist("online", online, info.nr_cpu_ids));
	for (cpu = 0; cpu < info.nr_cpu_ids; cpu++) {
		if (!online[cpu])
			continue;
		ASSERT_EQ(0, xb_get_steal(fd, cpu, &cs));
		ASSERT_LT(t0, cs.clock_ns);
		TH_LOG("cpu %u (%s): %llu ns of steal in the %llu ns since load",
		       cpu, steal_name(cs.steal_source),
		       (unsigned long long)cs.steal_ns, cs.clock_ns - t0);
		EXPECT_GE(cs.clock_ns - t0 + XB_TICK_SLACK_NS, cs.steal_ns);
	}
	free(online);
	close(fd);
}

TEST_F_TIMEOUT(xb_mod, ctl_not_loaded, 60)
{
	static const char * const info_args[] = { "info", NULL };
	static const char * const json_args[] = { "info", "--json", NULL };
	static const char * const metrics_args[] = { "metrics", NULL };
	struct xb_output *r;

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	if (!have_ctl())
		SKIP(return, NO_CTL);
	self->dirty = true;
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);

	if (xb_loaded())
		ASSERT_EQ(0, xb_unload());

	ASSERT_EQ(0, run_ctl(r, false, info_args));
	log_text("stderr", r->err);
	EXPECT_EQ(2, r->code);
	EXPECT_NE(NULL, strstr(r->err, "xballoon module not loaded"));
	EXPECT_NE(NULL, strstr(r->err, "modprobe xballoon"));
	EXPECT_EQ(0, r->out_len);

	ASSERT_EQ(0, run_ctl(r, false, json_args));
	EXPECT_EQ(2, r->code);
	EXPECT_EQ(0, r->out_len);

	/* Metrics say the module is down rather than nothing. */
	ASSERT_EQ(0, run_ctl(r, false, metrics_args));
	EXPECT_EQ(2, r->code);
	EXPECT_NE(NULL, strstr(r->out, "\nxballoon_up 0\n"));
	free(r);

	ASSERT_EQ(0, xb_load(NULL));
	self->dirty = false;
}

/* ---------------------------------------------------------------------- */
/*
 * Every ioctl, table-driven as in iommufd's selftest: each row is one ioctl
 * with the size of its structure, and each xb_ioctl test runs for every row
 * and for each of its numbers, the size-free one and every legacy one (one
 * FIXTURE_VARIANT_ADD per number, further down). A new ioctl needs a row
 * here and a variant: unknown_ioctls fails until it has them.
 */

#define XB_MAX_ARG 256	/* larger than any ioctl structure */

/* A number of our type that no ioctl will ever have. */
#define XB_IOC_UNKNOWN _IOWR(XB_IOCTL_TYPE, 0xff, struct xb_info)

/* Most legacy numbers of one ioctl. */
#define XB_MAX_LEGACY 2

/*
 * The legacy numbers are spelled out: they are what binaries built from
 * the headers of earlier releases send, whatever today's header says.
 */
struct xb_ioctl_desc {
	const char *name;
	unsigned long cmd;
	unsigned long legacy[XB_MAX_LEGACY];	/* shipped _IOWR numbers */
	size_t size;
	long reserved_off;	/* offset of a __u32 reserved field, or -1 */
	__u32 known_flags;	/* flags bits the ioctl defines */
	__u64 feature;		/* XB_FEATURE_* it needs, 0 if none */
	bool pin_cpu0;		/* the caller must be bound to CPU 0 */
	/* Make a valid request in @buf (zeroed, @size bytes); 0 or -errno. */
	int (*fill)(int fd, void *buf);
};

static int fill_info(int fd, void *buf)
{
	return 0;
}

static int fill_cpu_steal(int fd, void *buf)
{
	struct xb_cpu_steal *cs = buf;

	cs->cpu = 0;
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_info = {
	.name = "XB_IOC_INFO",
	.cmd = XB_IOC_INFO,
	.legacy = { 0xc048ba40 },
	.size = sizeof(struct xb_info),
	.reserved_off = offsetof(struct xb_info, __reserved),
	.fill = fill_info,
};

static const struct xb_ioctl_desc xb_ioctl_cpu_steal = {
	.name = "XB_IOC_CPU_STEAL",
	.cmd = XB_IOC_CPU_STEAL,
	.legacy = { 0xc020ba41 },
	.size = sizeof(struct xb_cpu_steal),
	.reserved_off = -1,
	.fill = fill_cpu_steal,
};

/* The balloon ioctls, where the UAPI header has them. */
#ifdef XB_IOC_BALLOON
static int fill_balloon(int fd, void *buf)
{
	struct xb_balloon *b = buf;

	b->cpu = 0;	/* the fixture binds the caller to CPU 0 */
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_balloon = {
	.name = "XB_IOC_BALLOON",
	.cmd = XB_IOC_BALLOON,
	.legacy = { 0xc020ba42 },
	.size = sizeof(struct xb_balloon),
	.reserved_off = offsetof(struct xb_balloon, __reserved),
	.known_flags = XB_BALLOON_DYNAMIC | XB_BALLOON_KTHREAD,
	.feature = XB_FEATURE_BALLOON,
	.pin_cpu0 = true,
	.fill = fill_balloon,
};
#endif

#ifdef XB_IOC_GET_CONFIG
static int fill_get_config(int fd, void *buf)
{
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_get_config = {
	.name = "XB_IOC_GET_CONFIG",
	.cmd = XB_IOC_GET_CONFIG,
	.legacy = { 0xc014ba43 },
	.size = sizeof(struct xb_config),
	.reserved_off = offsetof(struct xb_config, __reserved),
	.feature = XB_FEATURE_BALLOON,
	.fill = fill_get_config,
};
#endif

#ifdef XB_IOC_SET_CONFIG
/* Set what is already set: a valid request that changes nothing. */
static int fill_set_config(int fd, void *buf)
{
	struct xb_config *cfg = buf;

	cfg->size = sizeof(*cfg);
	if (ioctl(fd, XB_IOC_GET_CONFIG, cfg))
		return -errno;
	cfg->flags = XB_CONFIG_PERIOD | XB_CONFIG_CAP;
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_set_config = {
	.name = "XB_IOC_SET_CONFIG",
	.cmd = XB_IOC_SET_CONFIG,
	.legacy = { 0xc014ba44 },
	.size = sizeof(struct xb_config),
	.reserved_off = offsetof(struct xb_config, __reserved),
	.known_flags = XB_CONFIG_PERIOD | XB_CONFIG_CAP,
	.feature = XB_FEATURE_BALLOON,
	.fill = fill_set_config,
};
#endif

#ifdef XB_IOC_CPU_STATS
static int fill_cpu_stats(int fd, void *buf)
{
	struct xb_cpu_stats *st = buf;

	st->cpu = 0;
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_cpu_stats = {
	.name = "XB_IOC_CPU_STATS",
	.cmd = XB_IOC_CPU_STATS,
	.legacy = { 0xc070ba45 },
	.size = sizeof(struct xb_cpu_stats),
	.reserved_off = offsetof(struct xb_cpu_stats, __reserved),
	.feature = XB_FEATURE_BALLOON,
	.fill = fill_cpu_stats,
};
#endif

#ifdef XB_IOC_VCLOCK
/* A read: the virtual clock's state, nothing changed. */
static int fill_vclock(int fd, void *buf)
{
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_vclock = {
	.name = "XB_IOC_VCLOCK",
	.cmd = XB_IOC_VCLOCK,
	.legacy = { 0xc028ba46 },
	.size = sizeof(struct xb_vclock),
	.reserved_off = -1,
	.known_flags = XB_VCLOCK_SET,
	.feature = XB_FEATURE_VCLOCK,
	.fill = fill_vclock,
};
#endif

#ifdef XB_IOC_CREDIT
/* Emptying the (empty) fair-credit set: valid, and changes nothing. */
static int fill_credit(int fd, void *buf)
{
	struct xb_credit *c = buf;

	c->op = XB_CREDIT_CLEAR;
	return 0;
}

static const struct xb_ioctl_desc xb_ioctl_credit = {
	.name = "XB_IOC_CREDIT",
	.cmd = XB_IOC_CREDIT,
	.legacy = { 0xc040ba47, 0xc038ba47 },
	.size = sizeof(struct xb_credit),
	.reserved_off = -1,
	.feature = XB_FEATURE_CREDIT,
	.fill = fill_credit,
};
#endif

static const struct xb_ioctl_desc * const xb_ioctls[] = {
	&xb_ioctl_info,
	&xb_ioctl_cpu_steal,
#ifdef XB_IOC_BALLOON
	&xb_ioctl_balloon,
#endif
#ifdef XB_IOC_GET_CONFIG
	&xb_ioctl_get_config,
#endif
#ifdef XB_IOC_SET_CONFIG
	&xb_ioctl_set_config,
#endif
#ifdef XB_IOC_CPU_STATS
	&xb_ioctl_cpu_stats,
#endif
#ifdef XB_IOC_VCLOCK
	&xb_ioctl_vclock,
#endif
#ifdef XB_IOC_CREDIT
	&xb_ioctl_credit,
#endif
};

/* ---------------------------------------------------------------------- */
/* Tests on a loaded module, through a root file descriptor */

FIXTURE(xb) {
	int fd;
	struct xb_info info;
};

FIXTURE_SETUP(xb)
{
	int ret;

	self->fd = -1;
	if (!xb_loaded()) {
		if (!have_module_path())
			SKIP(return,
			     "xballoon not loaded and XB_MODULE not set");
		ret = xb_load(NULL);
		if (ret)
			TH_LOG("loading %s: %s", getenv("XB_MODULE"),
			       strerror(-ret));
		ASSERT_EQ(0, ret);
	}
	ASSERT_TRUE(wait_path(XB_DEV, true, XB_NODE_WAIT_MS));
	self->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xb_get_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(xb)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(xb, device_node)
{
	unsigned int major, minor;
	int n;
	struct stat st;
	char buf[32];

	ASSERT_EQ(0, stat(XB_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);

	/* The node is the misc device the module registered. */
	ASSERT_EQ(0, read_str(XB_MISC_DEV, buf, sizeof(buf)));
	n = sscanf(buf, "%u:%u", &major, &minor);
	ASSERT_EQ(2, n);
	EXPECT_EQ(major, major(st.st_rdev));
	EXPECT_EQ(minor, minor(st.st_rdev));
}

TEST_F(xb, info)
{
	const struct xb_info *info = &self->info;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	const char *v = info->module_version;
	char sysver[64];
	size_t len;

	EXPECT_EQ(sizeof(*info), info->size);
	EXPECT_EQ(0, info->flags);
	EXPECT_EQ(XB_ABI_VERSION, info->abi_version);

	ASSERT_NE(NULL, memchr(v, '\0', XB_VERSION_LEN));
	len = strlen(v);
	EXPECT_LT(0, len);
	while (*v) {
		EXPECT_TRUE(*v > 0x20 && *v < 0x7f);
		v++;
	}
	TH_LOG("module version '%s'", info->module_version);
	if (!read_str(XB_SYSFS "/version", sysver, sizeof(sysver)))
		EXPECT_STREQ(sysver, info->module_version);

	EXPECT_EQ(online, info->nr_cpus);
	EXPECT_LE(info->nr_cpus, info->nr_cpu_ids);
	EXPECT_LE(info->hypervisor, XB_HV_XEN_HVM);
	EXPECT_LE(info->steal_source, XB_STEAL_GAP);
	EXPECT_TRUE(info->features & XB_FEATURE_CPU_STEAL);
	EXPECT_EQ(0, info->__reserved);
}

/* The hypervisor's CPUID signature at 0x40000000 + n * 0x100, if any. */
static bool cpuid_signature(const char *sig)
{
	unsigned int eax, ebx, ecx, edx, base;
	char s[13];

	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & (1U << 31)))
		return false;
	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		__cpuid(base, eax, ebx, ecx, edx);
		memcpy(s + 0, &ebx, 4);
		memcpy(s + 4, &ecx, 4);
		memcpy(s + 8, &edx, 4);
		s[12] = '\0';
		if (!strcmp(s, sig))
			return true;
	}
	return false;
}

static bool cpuinfo_has_flag(const char *flag)
{
	char line[8192], word[64];
	bool found = false;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return false;
	snprintf(word, sizeof(word), " %s", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5))
			continue;
		for (p = strstr(line, word); p; p = strstr(p + 1, word)) {
			char end = p[strlen(word)];

			if (end == ' ' || end == '\n' || end == '\0') {
				found = true;
				break;
			}
		}
		break;	/* the first CPU's flags are enough */
	}
	fclose(f);
	return found;
}

TEST_F(xb, info_hypervisor)
{
	unsigned int hv = self->info.hypervisor;
	char type[64], guest[64];

	TH_LOG("module says hypervisor %s", hv_name(hv));

	if (!read_str("/sys/hypervisor/type", type, sizeof(type)) &&
	    !strcmp(type, "xen")) {
		EXPECT_TRUE(hv == XB_HV_XEN_PV || hv == XB_HV_XEN_PVH ||
			    hv == XB_HV_XEN_HVM);
		if (!read_str("/sys/hypervisor/guest_type", guest,
			      sizeof(guest))) {
			unsigned int want = !strcmp(guest, "PV") ?
					    XB_HV_XEN_PV :
					    !strcmp(guest, "PVH") ?
					    XB_HV_XEN_PVH : XB_HV_XEN_HVM;

			TH_LOG("Xen guest_type %s", guest);
			EXPECT_EQ(want, hv);
		}
		return;
	}

	if (!cpuinfo_has_flag("hypervisor")) {
		EXPECT_EQ(XB_HV_NONE, hv);
		return;
	}
	if (cpuid_signature("KVMKVMKVM")) {
		EXPECT_EQ(XB_HV_KVM, hv);
		return;
	}
	/* A hypervisor that is neither Xen nor KVM (e.g. QEMU TCG). */
	EXPECT_EQ(XB_HV_OTHER, hv);
}

static bool known_ioctl(unsigned long cmd)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(xb_ioctls); i++) {
		if (xb_ioctls[i]->cmd == cmd)
			return true;
		for (j = 0; j < XB_MAX_LEGACY; j++)
			if (xb_ioctls[i]->legacy[j] == cmd)
				return true;
	}
	return false;
}

/* The numbers carry no size and no direction: _IO(XB_IOCTL_TYPE, nr). */
TEST(ioctl_numbers)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(xb_ioctls); i++) {
		const struct xb_ioctl_desc *d = xb_ioctls[i];

		EXPECT_EQ(_IO(XB_IOCTL_TYPE, XB_CMD_BASE + i), d->cmd)
			TH_LOG("%s is 0x%08lx", d->name, d->cmd);
		EXPECT_EQ(0, _IOC_SIZE(d->cmd));
		EXPECT_EQ(_IOC_NONE, _IOC_DIR(d->cmd));
		/* each legacy number is _IOWR of the same nr */
		for (j = 0; j < XB_MAX_LEGACY && d->legacy[j]; j++) {
			EXPECT_EQ(_IOC_NR(d->cmd), _IOC_NR(d->legacy[j]));
			EXPECT_EQ(_IOC_TYPE(d->cmd), _IOC_TYPE(d->legacy[j]));
			EXPECT_EQ(_IOC_READ | _IOC_WRITE,
				  _IOC_DIR(d->legacy[j]));
		}
	}
	EXPECT_EQ(0xba40, XB_IOC_INFO);
	EXPECT_EQ(0xba47, XB_IOC_CREDIT);
}

/*
 * ENOTTY for every number of our type that is not in xb_ioctls[], new or
 * legacy: each nr with each direction and with the size of each of our
 * structures, now and as shipped. So the table cannot miss an ioctl that
 * the module answers, and a known nr answers only its own numbers.
 */
TEST_F(xb, unknown_ioctls)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned long unknown[] = {
		_IOWR(XB_IOCTL_TYPE, XB_CMD_BASE + 0x3f, struct xb_info),
		_IOWR(XB_IOCTL_TYPE, XB_CMD_BASE - 1, struct xb_info),
		_IOWR(XB_IOCTL_TYPE + 1, XB_CMD_INFO, struct xb_info),
		_IOWR(XB_IOCTL_TYPE - 1, XB_CMD_CPU_STEAL, struct xb_cpu_steal),
		_IO(XB_IOCTL_TYPE + 1, XB_CMD_INFO),
		_IO(XB_IOCTL_TYPE, XB_CMD_BASE - 1),
		_IO(XB_IOCTL_TYPE, XB_CMD_CREDIT + 1),
		_IOR(XB_IOCTL_TYPE, XB_CMD_INFO, struct xb_info),
		_IOW(XB_IOCTL_TYPE, XB_CMD_INFO, struct xb_info),
		_IOWR(XB_IOCTL_TYPE, XB_CMD_INFO, struct xb_cpu_steal),
		/* an _IOWR of a known nr with a size never shipped */
		_IOC(_IOC_READ | _IOC_WRITE, XB_IOCTL_TYPE, XB_CMD_INFO, 0x50),
		_IOC(_IOC_READ | _IOC_WRITE, XB_IOCTL_TYPE, XB_CMD_CREDIT, 0x48),
		_IOC(_IOC_READ | _IOC_WRITE, XB_IOCTL_TYPE, XB_CMD_CREDIT, 0x30),
		_IOC(_IOC_READ | _IOC_WRITE, XB_IOCTL_TYPE, XB_CMD_VCLOCK, 0x30),
		/* a legacy number's size with another direction */
		_IOC(_IOC_WRITE, XB_IOCTL_TYPE, XB_CMD_CREDIT, 0x38),
		_IOC(_IOC_READ, XB_IOCTL_TYPE, XB_CMD_CREDIT, 0x40),
		XB_IOC_UNKNOWN,
	};
	unsigned int nr, d, s, j, nsizes = 0;
	unsigned int sizes[3 + (1 + XB_MAX_LEGACY) * ARRAY_SIZE(xb_ioctls)];
	union {
		__u64 align;
		char buf[XB_MAX_ARG];
	} u;
	char *buf = u.buf;
	unsigned long cmd;
	int ret;

	sizes[nsizes++] = 0;
	sizes[nsizes++] = 8;
	sizes[nsizes++] = _IOC_SIZEMASK;
	for (s = 0; s < ARRAY_SIZE(xb_ioctls); s++) {
		sizes[nsizes++] = xb_ioctls[s]->size;
		for (j = 0; j < XB_MAX_LEGACY; j++)
			if (xb_ioctls[s]->legacy[j])
				sizes[nsizes++] =
					_IOC_SIZE(xb_ioctls[s]->legacy[j]);
	}

	/* The cases by name: another nr, another type, no structure. */
	for (s = 0; s < ARRAY_SIZE(unknown); s++) {
		memset(buf, 0, XB_MAX_ARG);
		*(__u32 *)buf = sizeof(struct xb_info);
		ret = do_ioctl(self->fd, unknown[s], buf);
		if (ret != -ENOTTY)
			TH_LOG("ioctl 0x%08lx: %s", unknown[s], strerror(-ret));
		EXPECT_EQ(-ENOTTY, ret);
	}

	for (nr = 0; nr < 256; nr++) {
		for (d = 0; d < ARRAY_SIZE(dirs); d++) {
			for (s = 0; s < nsizes; s++) {
				cmd = _IOC(dirs[d], XB_IOCTL_TYPE, nr,
					   sizes[s]);
				if (known_ioctl(cmd))
					continue;
				memset(buf, 0, XB_MAX_ARG);
				*(__u32 *)buf = sizes[s];
				ret = do_ioctl(self->fd, cmd, buf);
				if (ret != -ENOTTY)
					TH_LOG("0x%08lx (nr %#x, size %u): %s; add to xb_ioctls[]?",
					       cmd, nr, sizes[s],
					       ret ? strerror(-ret) : "success");
				EXPECT_EQ(-ENOTTY, ret);
			}
		}
	}
}

/* Mode 0600: uid 65534 cannot even open the node. */
TEST_F(xb, open_unprivileged)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_EQ(0, drop_to_nobody());
		EXPECT_EQ(NOBODY, getuid());
		EXPECT_FALSE(has_cap(CAP_DAC_OVERRIDE));
		EXPECT_EQ(-1, open(XB_DEV, O_RDWR | O_CLOEXEC));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, open(XB_DEV, O_RDONLY | O_CLOEXEC));
		EXPECT_EQ(EACCES, errno);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_F(xb, cpu_steal_range)
{
	unsigned int ids = self->info.nr_cpu_ids, cpu;
	static const unsigned int far[] = {
		0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};
	bool *online, *possible;
	struct xb_cpu_steal cs;
	unsigned int i;
	int n;

	ASSERT_LT(0, ids);
	online = calloc(ids, sizeof(*online));
	possible = calloc(ids, sizeof(*possible));
	ASSERT_NE(NULL, online);
	ASSERT_NE(NULL, possible);
	n = read_cpulist("online", online, ids);
	ASSERT_EQ(self->info.nr_cpus, n);
	ASSERT_LT(0, read_cpulist("possible", possible, ids));

	for (cpu = 0; cpu < ids; cpu++) {
		int ret = xb_get_steal(self->fd, cpu, &cs) ? -errno : 0;

		if (online[cpu]) {
			EXPECT_EQ(0, ret);
			EXPECT_EQ(cpu, cs.cpu);
			EXPECT_LE(cs.steal_source, XB_STEAL_GAP);
			EXPECT_NE(0, cs.clock_ns);
		} else {
			/* possible but offline, or a hole in the ids */
			EXPECT_EQ(-EINVAL, ret);
		}
	}

	/* CPU 0 is the boot CPU: the source XB_IOC_INFO reports. */
	ASSERT_EQ(0, xb_get_steal(self->fd, 0, &cs));
	EXPECT_EQ(self->info.steal_source, cs.steal_source);

	/* Out of range; the output fields stay untouched. */
	for (i = 0; i < 2 + ARRAY_SIZE(far); i++) {
		unsigned int bad = i == 0 ? ids : i == 1 ? ids + 1 : far[i - 2];

		memset(&cs, 0x5a, sizeof(cs));
		cs.size = sizeof(cs);
		cs.flags = 0;
		cs.cpu = bad;
		EXPECT_EQ(-EINVAL, do_ioctl(self->fd, XB_IOC_CPU_STEAL, &cs));
		EXPECT_EQ(0x5a5a5a5a, cs.steal_source);
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, cs.steal_ns);
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, cs.clock_ns);
	}
	free(online);
	free(possible);
}

/* Busy for @ns of CLOCK_MONOTONIC. */
static void spin_ns(unsigned long long ns)
{
	unsigned long long end = now_ns() + ns;

	while (now_ns() < end)
		;
}

TEST_F(xb, cpu_steal_monotonic)
{
	struct xb_cpu_steal a, b;
	unsigned long long wall, steal, slack;
	bool *online;
	unsigned int cpu, ids = self->info.nr_cpu_ids;
	int round;

	online = calloc(ids, sizeof(*online));
	ASSERT_NE(NULL, online);
	ASSERT_LT(0, read_cpulist("online", online, ids));

	for (cpu = 0; cpu < ids; cpu++) {
		if (!online[cpu])
			continue;
		for (round = 0; round < 3; round++) {
			ASSERT_EQ(0, xb_get_steal(self->fd, cpu, &a));
			/* back to back, then sleeping, then busy */
			if (round == 1)
				sleep_ms(100);
			else if (round == 2)
				spin_ns(100 * NSEC_PER_MSEC);
			ASSERT_EQ(0, xb_get_steal(self->fd, cpu, &b));
			EXPECT_EQ(a.steal_source, b.steal_source);
			EXPECT_LE(a.steal_ns, b.steal_ns);
			EXPECT_LT(a.clock_ns, b.clock_ns);
			if (b.steal_ns < a.steal_ns || b.clock_ns <= a.clock_ns)
				continue;
			wall = b.clock_ns - a.clock_ns;
			steal = b.steal_ns - a.steal_ns;
			slack = b.steal_source == XB_STEAL_KCPUSTAT ?
				XB_TICK_SLACK_NS : XB_EXACT_SLACK_NS;
			if (steal > wall + slack)
				TH_LOG("cpu %u: steal grew %llu ns in %llu ns of wall time",
				       cpu, steal, wall);
			EXPECT_LE(steal, wall + slack);
			if (b.steal_source == XB_STEAL_NONE)
				EXPECT_EQ(0, b.steal_ns);
		}
	}
	free(online);
}

/* clock_ns is CLOCK_MONOTONIC, read inside the ioctl. */
TEST_F(xb, cpu_steal_clock)
{
	unsigned long long before, after;
	struct xb_cpu_steal cs;
	int i;

	for (i = 0; i < 10; i++) {
		before = now_ns();
		ASSERT_EQ(0, xb_get_steal(self->fd, 0, &cs));
		after = now_ns();
		EXPECT_LE(before, cs.clock_ns);
		EXPECT_GE(after, cs.clock_ns);
	}
}

/* A CPU that goes offline is refused, and works again once back. */
TEST_F_TIMEOUT(xb, cpu_steal_hotplug, 120)
{
	unsigned int ids = self->info.nr_cpu_ids, cpu, victim = 0;
	struct xb_cpu_steal cs, before;
	struct xb_info info;
	char path[128];
	bool *online;
	int off, on;

	online = calloc(ids, sizeof(*online));
	ASSERT_NE(NULL, online);
	ASSERT_LT(0, read_cpulist("online", online, ids));
	for (cpu = ids - 1; cpu > 0; cpu--) {
		snprintf(path, sizeof(path), CPU_SYSFS "/cpu%u/online", cpu);
		if (online[cpu] && !access(path, W_OK)) {
			victim = cpu;
			break;
		}
	}
	free(online);
	if (!victim)
		SKIP(return, "no second online CPU that can be unplugged");

	ASSERT_EQ(0, xb_get_steal(self->fd, victim, &before));
	TH_LOG("unplugging CPU %u", victim);
	off = write_str(path, "0");
	if (off)
		SKIP(return, "cannot offline CPU %u: %s", victim,
		     strerror(-off));

	/* No ASSERT until the CPU is back: the tests after need it. */
	EXPECT_EQ(-1, xb_get_steal(self->fd, victim, &cs));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xb_get_info(self->fd, &info));
	EXPECT_EQ(self->info.nr_cpus - 1, info.nr_cpus);

	on = write_str(path, "1");
	EXPECT_EQ(0, on);
	if (on) {
		sleep_ms(500);
		on = write_str(path, "1");
	}
	ASSERT_EQ(0, on);

	ASSERT_EQ(0, xb_get_steal(self->fd, victim, &cs));
	EXPECT_EQ(before.steal_source, cs.steal_source);
	/* still counted from module load, not from the CPU's return */
	EXPECT_LE(before.steal_ns, cs.steal_ns);
	EXPECT_LT(before.clock_ns, cs.clock_ns);
	EXPECT_EQ(0, xb_get_info(self->fd, &info));
	EXPECT_EQ(self->info.nr_cpus, info.nr_cpus);
}

/*
 * Under a hypervisor cap, a vCPU that spins sees steal of (100 - cap) % of
 * wall time: the hypervisor parks it for the rest of each period. Xen
 * reports it; under QEMU TCG in a host cgroup the gap source estimates it.
 */
TEST_F_TIMEOUT(xb, steal_under_cap, 120)
{
	const char *env = getenv("XB_STEAL_CAP_PCT");
	struct xb_cpu_steal a, b;
	double pct, want;
	cpu_set_t set;
	char *end;
	long cap;

	if (!env || !*env)
		SKIP(return, "XB_STEAL_CAP_PCT not set (no hypervisor cap on this guest)");
	cap = strtol(env, &end, 10);
	ASSERT_EQ('\0', *end);
	ASSERT_LT(0, cap);
	ASSERT_GT(100, cap);

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	ASSERT_EQ(0, xb_get_steal(self->fd, 0, &a));
	spin_ns(XB_CAP_SPIN_NS);
	ASSERT_EQ(0, xb_get_steal(self->fd, 0, &b));
	ASSERT_LT(a.clock_ns, b.clock_ns);
	ASSERT_LE(a.steal_ns, b.steal_ns);

	pct = 100.0 * (double)(b.steal_ns - a.steal_ns) /
	      (double)(b.clock_ns - a.clock_ns);
	want = 100.0 - cap;
	TH_LOG("cap %ld%%: spun %.3f s, steal %.3f s = %.1f%% (want %.0f +- %d), %s",
	       cap, (double)(b.clock_ns - a.clock_ns) / 1e9,
	       (double)(b.steal_ns - a.steal_ns) / 1e9, pct, want,
	       XB_CAP_TOLERANCE_PCT,
	       steal_name(b.steal_source));
	ksft_print_msg("steal under a %ld%% cap: %.1f%%\n", cap, pct);
	/* Measured, not the tick-granular kcpustat: Xen, or late timers. */
	EXPECT_TRUE(b.steal_source == XB_STEAL_XEN_RUNSTATE ||
		    b.steal_source == XB_STEAL_KVM ||
		    b.steal_source == XB_STEAL_GAP);
	EXPECT_LE(want - XB_CAP_TOLERANCE_PCT, pct);
	EXPECT_GE(want + XB_CAP_TOLERANCE_PCT, pct);
}

/* ---------------------------------------------------------------------- */
/* xballoonctl against the module */

static bool is_uint(const struct xb_json *v)
{
	return v && v->type == XB_JSON_NUMBER && v->is_uint;
}

static bool is_string(const struct xb_json *v)
{
	return v && v->type == XB_JSON_STRING;
}

static struct xb_json *parse_logged(struct __test_metadata *_metadata,
				    const char *text)
{
	struct xb_json *doc;
	const char *err;
	size_t off;

	doc = xb_json_parse(text, &err, &off);
	if (!doc) {
		TH_LOG("invalid JSON (%s at byte %zu):", err, off);
		log_text("stdout", text);
	}
	return doc;
}

TEST_F_TIMEOUT(xb, ctl_info_json, 60)
{
	static const char * const args[] = { "info", "--json", NULL };
	const struct xb_info *info = &self->info;
	const struct xb_json *v, *c, *f;
	struct xb_output *r;
	struct xb_json *doc;
	long long last = -1;
	bool steal_feature = false;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_ctl(r, false, args));
	if (r->code)
		log_text("stderr", r->err);
	ASSERT_EQ(0, r->code);
	EXPECT_EQ(0, r->err_len);

	doc = parse_logged(_metadata, r->out);
	ASSERT_NE(NULL, doc);
	ASSERT_EQ(XB_JSON_OBJECT, doc->type);
	EXPECT_EQ(NULL, xb_json_duplicate_key(doc));

	v = xb_json_get(doc, "abi_version");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(info->abi_version, v->uint);

	v = xb_json_get(doc, "module_version");
	ASSERT_TRUE(is_string(v));
	EXPECT_STREQ(info->module_version, v->str);

	v = xb_json_get(doc, "hypervisor");
	ASSERT_TRUE(is_string(v));
	EXPECT_STREQ(hv_name(info->hypervisor), v->str);

	v = xb_json_get(doc, "steal_source");
	ASSERT_TRUE(is_string(v));
	EXPECT_STREQ(steal_name(info->steal_source), v->str);

	v = xb_json_get(doc, "nr_cpus");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(info->nr_cpus, v->uint);

	v = xb_json_get(doc, "nr_cpu_ids");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(info->nr_cpu_ids, v->uint);

	v = xb_json_get(doc, "features");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_ARRAY, v->type);
	for (f = v->child; f; f = f->next) {
		ASSERT_TRUE(is_string(f));
		if (!strcmp(f->str, "cpu-steal"))
			steal_feature = true;
	}
	EXPECT_TRUE(steal_feature);

	v = xb_json_get(doc, "cpus");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_ARRAY, v->type);
	EXPECT_EQ(info->nr_cpus, xb_json_count(v));
	for (c = v->child; c; c = c->next) {
		const struct xb_json *cpu, *src, *ns;

		ASSERT_EQ(XB_JSON_OBJECT, c->type);
		cpu = xb_json_get(c, "cpu");
		src = xb_json_get(c, "steal_source");
		ns = xb_json_get(c, "steal_ns");
		ASSERT_TRUE(is_uint(cpu));
		ASSERT_TRUE(is_string(src));
		ASSERT_TRUE(is_uint(ns));
		EXPECT_LT((long long)cpu->uint, (long long)info->nr_cpu_ids);
		EXPECT_LT(last, (long long)cpu->uint);
		last = cpu->uint;
		EXPECT_TRUE(name_known(xb_steal_names,
				       ARRAY_SIZE(xb_steal_names), src->str));
		if (cpu->uint == 0)
			EXPECT_STREQ(steal_name(info->steal_source),
				     src->str);
	}
	xb_json_free(doc);
	free(r);
}

TEST_F_TIMEOUT(xb, ctl_info_human, 60)
{
	static const char * const args[] = { "info", NULL };
	struct xb_output *r;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_ctl(r, false, args));
	log_text("xballoonctl info", r->out);
	if (r->code)
		log_text("stderr", r->err);
	ASSERT_EQ(0, r->code);
	EXPECT_NE(NULL, strstr(r->out, self->info.module_version));
	EXPECT_NE(NULL, strstr(r->out,
			       hv_name(self->info.hypervisor)));
	EXPECT_NE(NULL, strstr(r->out, "cpu-steal"));
	free(r);
}

TEST_F_TIMEOUT(xb, ctl_steal, 60)
{
	static const char * const plain[] = { "steal", NULL };
	static const char * const json[] = {
		"steal", "--json", "--interval", "200", NULL
	};
	const struct xb_json *v, *c, *p;
	struct xb_output *r;
	struct xb_json *doc;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);

	ASSERT_EQ(0, run_ctl(r, false, plain));
	log_text("xballoonctl steal", r->out);
	ASSERT_EQ(0, r->code);

	ASSERT_EQ(0, run_ctl(r, false, json));
	if (r->code)
		log_text("stderr", r->err);
	ASSERT_EQ(0, r->code);
	doc = parse_logged(_metadata, r->out);
	ASSERT_NE(NULL, doc);
	ASSERT_EQ(XB_JSON_OBJECT, doc->type);
	EXPECT_EQ(NULL, xb_json_duplicate_key(doc));
	v = xb_json_get(doc, "interval_ms");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(200, v->uint);
	v = xb_json_get(doc, "cpus");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_ARRAY, v->type);
	EXPECT_EQ(self->info.nr_cpus, xb_json_count(v));
	for (c = v->child; c; c = c->next) {
		ASSERT_TRUE(is_uint(xb_json_get(c, "cpu")));
		ASSERT_TRUE(is_uint(xb_json_get(c, "steal_ns")));
		ASSERT_TRUE(is_uint(xb_json_get(c, "wall_delta_ns")));
		EXPECT_LE(200 * NSEC_PER_MSEC,
			  xb_json_get(c, "wall_delta_ns")->uint);
		p = xb_json_get(c, "steal_pct");
		ASSERT_NE(NULL, p);
		ASSERT_EQ(XB_JSON_NUMBER, p->type);
		EXPECT_LE(0.0, p->number);
		EXPECT_GE(105.0, p->number);
	}
	xb_json_free(doc);
	free(r);
}

/* Usage errors need no module. */
TEST(ctl_usage)
{
	static const struct {
		const char *args[4];
		int code;
	} cases[] = {
		{ { NULL }, 64 },
		{ { "bogus", NULL }, 64 },
		{ { "--bogus", NULL }, 64 },
		{ { "info", "--bogus", NULL }, 64 },
		{ { "info", "extra", NULL }, 64 },
		{ { "steal", "--interval", "0", NULL }, 64 },
		{ { "steal", "--interval", "abc", NULL }, 64 },
		{ { "steal", "--interval", NULL }, 64 },
		{ { "--help", NULL }, 0 },
		{ { "-h", NULL }, 0 },
		{ { "--version", NULL }, 0 },
	};
	struct xb_output *r;
	unsigned int i;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, run_ctl(r, false, cases[i].args));
		if (r->code != cases[i].code)
			TH_LOG("case %u: exit %d, want %d", i, r->code,
			       cases[i].code);
		EXPECT_EQ(cases[i].code, r->code);
		if (cases[i].code)
			EXPECT_LT(0, r->err_len);
	}
	ASSERT_EQ(0, run_ctl(r, false, cases[ARRAY_SIZE(cases) - 1].args));
	EXPECT_NE(NULL, strstr(r->out, "ABI 1"));
	free(r);
}

TEST_F(xb, ctl_unprivileged)
{
	static const char * const args[] = { "info", NULL };
	static const char * const steal[] = { "steal", NULL };
	struct xb_output *r;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, run_ctl(r, true, args));
	log_text("stderr", r->err);
	EXPECT_EQ(3, r->code);
	EXPECT_NE(NULL, strstr(r->err, "permission denied: run as root"));
	ASSERT_EQ(0, run_ctl(r, true, steal));
	EXPECT_EQ(3, r->code);
	free(r);
}

/* ---------------------------------------------------------------------- */
/* The same checks for every row of xb_ioctls[] */

FIXTURE(xb_ioctl) {
	int fd;
	unsigned long cmd;		/* the number the variant tests */
	size_t page;
	char *buf;			/* two pages, the second PROT_NONE */
	char tmpl[XB_MAX_ARG];		/* a valid request, from ->fill() */
};

/* @alias: 0 for the size-free number, n for d->legacy[n - 1] */
FIXTURE_VARIANT(xb_ioctl) {
	const struct xb_ioctl_desc *d;
	int alias;
};

FIXTURE_VARIANT_ADD(xb_ioctl, info) {
	.d = &xb_ioctl_info,
};

FIXTURE_VARIANT_ADD(xb_ioctl, info_legacy) {
	.d = &xb_ioctl_info,
	.alias = 1,
};

FIXTURE_VARIANT_ADD(xb_ioctl, cpu_steal) {
	.d = &xb_ioctl_cpu_steal,
};

FIXTURE_VARIANT_ADD(xb_ioctl, cpu_steal_legacy) {
	.d = &xb_ioctl_cpu_steal,
	.alias = 1,
};

#ifdef XB_IOC_BALLOON
FIXTURE_VARIANT_ADD(xb_ioctl, balloon) {
	.d = &xb_ioctl_balloon,
};

FIXTURE_VARIANT_ADD(xb_ioctl, balloon_legacy) {
	.d = &xb_ioctl_balloon,
	.alias = 1,
};
#endif

#ifdef XB_IOC_GET_CONFIG
FIXTURE_VARIANT_ADD(xb_ioctl, get_config) {
	.d = &xb_ioctl_get_config,
};

FIXTURE_VARIANT_ADD(xb_ioctl, get_config_legacy) {
	.d = &xb_ioctl_get_config,
	.alias = 1,
};
#endif

#ifdef XB_IOC_SET_CONFIG
FIXTURE_VARIANT_ADD(xb_ioctl, set_config) {
	.d = &xb_ioctl_set_config,
};

FIXTURE_VARIANT_ADD(xb_ioctl, set_config_legacy) {
	.d = &xb_ioctl_set_config,
	.alias = 1,
};
#endif

#ifdef XB_IOC_CPU_STATS
FIXTURE_VARIANT_ADD(xb_ioctl, cpu_stats) {
	.d = &xb_ioctl_cpu_stats,
};

FIXTURE_VARIANT_ADD(xb_ioctl, cpu_stats_legacy) {
	.d = &xb_ioctl_cpu_stats,
	.alias = 1,
};
#endif

#ifdef XB_IOC_VCLOCK
FIXTURE_VARIANT_ADD(xb_ioctl, vclock) {
	.d = &xb_ioctl_vclock,
};

FIXTURE_VARIANT_ADD(xb_ioctl, vclock_legacy) {
	.d = &xb_ioctl_vclock,
	.alias = 1,
};
#endif

#ifdef XB_IOC_CREDIT
FIXTURE_VARIANT_ADD(xb_ioctl, credit) {
	.d = &xb_ioctl_credit,
};

FIXTURE_VARIANT_ADD(xb_ioctl, credit_legacy) {
	.d = &xb_ioctl_credit,
	.alias = 1,
};

/* 0xc038ba47: XB_IOC_CREDIT before cgroup_id */
FIXTURE_VARIANT_ADD(xb_ioctl, credit_legacy_pre_cgroup) {
	.d = &xb_ioctl_credit,
	.alias = 2,
};
#endif

FIXTURE_SETUP(xb_ioctl)
{
	const struct xb_ioctl_desc *d = variant->d;
	struct xb_info info;
	cpu_set_t set;

	self->fd = -1;
	self->buf = MAP_FAILED;
	self->cmd = variant->alias ? d->legacy[variant->alias - 1] : d->cmd;
	ASSERT_NE(0, self->cmd);
	ASSERT_GE(sizeof(self->tmpl), d->size);
	if (!xb_loaded()) {
		if (!have_module_path())
			SKIP(return,
			     "xballoon not loaded and XB_MODULE not set");
		ASSERT_EQ(0, xb_load(NULL));
	}
	self->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xb_get_info(self->fd, &info));
	if (d->feature && !(info.features & d->feature))
		SKIP(return, "the module lacks the feature of %s", d->name);
	if (d->pin_cpu0) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	}

	memset(self->tmpl, 0, sizeof(self->tmpl));
	*(__u32 *)self->tmpl = d->size;
	ASSERT_EQ(0, d->fill(self->fd, self->tmpl));

	self->page = sysconf(_SC_PAGESIZE);
	self->buf = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, mprotect(self->buf + self->page, self->page, PROT_NONE));
}

FIXTURE_TEARDOWN(xb_ioctl)
{
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 2 * self->page);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The fixture's data type; FIXTURE_DATA(xb_ioctl) spells the same struct,
 * but checkpatch misreads a macro in a parameter list as a multiplication.
 */
#define xb_ioctl_data _test_data_xb_ioctl

/*
 * The valid request with size field @size (struct plus any trailing zeros)
 * at @off in the first page, the rest of the page zero; returns where it is.
 */
static void *request(struct xb_ioctl_data *self,
		     const struct xb_ioctl_desc *d, size_t off, __u32 size)
{
	char *p = self->buf + off;

	memset(self->buf, 0, self->page);
	memcpy(p, self->tmpl, d->size);
	*(__u32 *)p = size;
	return p;
}

static int call(struct xb_ioctl_data *self, const struct xb_ioctl_desc *d,
		void *arg)
{
	return do_ioctl(self->fd, self->cmd, arg);
}

TEST_F(xb_ioctl, size_exact)
{
	const struct xb_ioctl_desc *d = variant->d;

	EXPECT_EQ(0, call(self, d, request(self, d, 0, d->size)));
	/* size is input only: it reads back as the caller wrote it */
	EXPECT_EQ(d->size, *(__u32 *)self->buf);
}

TEST_F(xb_ioctl, size_short)
{
	const struct xb_ioctl_desc *d = variant->d;

	EXPECT_EQ(-EINVAL, call(self, d, request(self, d, 0, d->size - 1)));
	EXPECT_EQ(-EINVAL, call(self, d, request(self, d, 0, 8)));
	EXPECT_EQ(-EINVAL, call(self, d, request(self, d, 0, 4)));
}

TEST_F(xb_ioctl, size_zero)
{
	const struct xb_ioctl_desc *d = variant->d;

	EXPECT_EQ(-EINVAL, call(self, d, request(self, d, 0, 0)));
}

TEST_F(xb_ioctl, size_long_junk)
{
	const struct xb_ioctl_desc *d = variant->d;
	char *p;

	p = request(self, d, 0, d->size + 1);
	p[d->size] = 0xa5;
	EXPECT_EQ(-E2BIG, call(self, d, p));

	p = request(self, d, 0, d->size + 8);
	p[d->size + 7] = 0x01;
	EXPECT_EQ(-E2BIG, call(self, d, p));

	/* far beyond the structure, still inside the page */
	p = request(self, d, 0, self->page);
	p[self->page - 1] = 0x80;
	EXPECT_EQ(-E2BIG, call(self, d, p));
}

/* A newer tool's longer structure, its new fields zero, is accepted. */
TEST_F(xb_ioctl, size_long_zero)
{
	const struct xb_ioctl_desc *d = variant->d;
	char *p;
	size_t i;

	p = request(self, d, 0, d->size + 8);
	EXPECT_EQ(0, call(self, d, p));
	for (i = d->size; i < d->size + 8; i++)
		EXPECT_EQ(0, p[i]);

	EXPECT_EQ(0, call(self, d, request(self, d, 0, d->size + 1)));
	EXPECT_EQ(0, call(self, d, request(self, d, 0, self->page)));
}

/*
 * A size above a page is E2BIG before anything past it is read: with the
 * rest of the page unreadable (else EFAULT), and with a readable zeroed
 * tail (else copy_struct_from_user() would accept it).
 */
TEST_F(xb_ioctl, size_above_page)
{
	const struct xb_ioctl_desc *d = variant->d;
	size_t len = 2 * self->page;
	char *big, *p;

	p = request(self, d, 0, self->page + 1);
	EXPECT_EQ(-E2BIG, call(self, d, p));
	/* nothing was written back */
	EXPECT_EQ(self->page + 1, *(__u32 *)p);
	EXPECT_EQ(0, memcmp(p + sizeof(__u32), self->tmpl + sizeof(__u32),
			    d->size - sizeof(__u32)));

	big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	memcpy(big, self->tmpl, d->size);
	*(__u32 *)big = self->page + 1;
	EXPECT_EQ(-E2BIG, call(self, d, big));
	*(__u32 *)big = len;
	EXPECT_EQ(-E2BIG, call(self, d, big));
	/* a page is still fine */
	*(__u32 *)big = self->page;
	EXPECT_EQ(0, call(self, d, big));
	munmap(big, len);
}

/*
 * A huge size: E2BIG at once, without a fault and without a scan of the
 * caller's memory for zeroes. The 1 GiB mapping reads as zeroes: a module
 * that scanned it would take seconds and then succeed.
 */
TEST_F(xb_ioctl, size_huge)
{
	static const __u32 sizes[] = { 1U << 30, 0x7fffffff, 0xffffffff };
	const struct xb_ioctl_desc *d = variant->d;
	size_t len = 1UL << 30;
	unsigned long long t0, took;
	unsigned int i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = request(self, d, 0, sizes[i]);
		EXPECT_EQ(-E2BIG, call(self, d, p))
			TH_LOG("size %#x", sizes[i]);
	}

	p = mmap(NULL, len, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p, self->page, PROT_READ | PROT_WRITE));
	memcpy(p, self->tmpl, d->size);
	*(__u32 *)p = len;
	t0 = now_ns();
	EXPECT_EQ(-E2BIG, call(self, d, p));
	took = now_ns() - t0;
	/* generous for TCG; a scan of 1 GiB takes seconds there */
	EXPECT_GT(500 * NSEC_PER_MSEC, took)
		TH_LOG("took %llu us", took / 1000);
	munmap(p, len);
}

TEST_F(xb_ioctl, flags_unknown)
{
	const struct xb_ioctl_desc *d = variant->d;
	__u32 *p;
	int bit, ret;

	for (bit = 0; bit < 32; bit++) {
		if (d->known_flags & (1U << bit))
			continue;
		p = request(self, d, 0, d->size);
		p[1] = 1U << bit;
		ret = call(self, d, p);
		if (ret != -EOPNOTSUPP)
			TH_LOG("flags bit %d: %s", bit, strerror(-ret));
		EXPECT_EQ(-EOPNOTSUPP, ret);
	}
}

TEST_F(xb_ioctl, reserved_nonzero)
{
	const struct xb_ioctl_desc *d = variant->d;
	static const __u32 values[] = { 1, 0x80000000, 0xffffffff };
	unsigned int i;
	char *p;

	if (d->reserved_off < 0)
		SKIP(return, "this ioctl has no reserved field");
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		p = request(self, d, 0, d->size);
		*(__u32 *)(p + d->reserved_off) = values[i];
		EXPECT_EQ(-EINVAL, call(self, d, p));
	}
}

/* Several faults in one request: the documented order of the checks. */
TEST_F(xb_ioctl, check_order)
{
	const struct xb_ioctl_desc *d = variant->d;
	__u32 *p;

	/* short size beats unknown flags */
	p = request(self, d, 0, d->size - 1);
	p[1] = 1U << 31;
	EXPECT_EQ(-EINVAL, call(self, d, p));

	/* non-zero trailing bytes beat unknown flags */
	p = request(self, d, 0, d->size + 8);
	p[1] = 1U << 31;
	((char *)p)[d->size] = 1;
	EXPECT_EQ(-E2BIG, call(self, d, p));

	/* unknown flags beat a non-zero reserved field */
	if (d->reserved_off >= 0) {
		p = request(self, d, 0, d->size);
		p[1] = 1U << 31;
		*(__u32 *)((char *)p + d->reserved_off) = 1;
		EXPECT_EQ(-EOPNOTSUPP, call(self, d, p));
	}
}

TEST_F(xb_ioctl, bad_pointer)
{
	const struct xb_ioctl_desc *d = variant->d;
	char *p, *end = self->buf + self->page;

	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, self->cmd, NULL));
	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, self->cmd, (void *)16));
	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, self->cmd,
				    (void *)0xffffffff81000000UL));
	/* unreadable */
	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, self->cmd, end));

	/* the structure ends at the page end: fine ... */
	p = request(self, d, self->page - d->size, d->size);
	EXPECT_EQ(0, call(self, d, p));
	/* ... but its claimed trailing bytes are unreadable */
	p = request(self, d, self->page - d->size, d->size + 8);
	EXPECT_EQ(-EFAULT, call(self, d, p));
	/* the size field itself straddles the page end */
	memset(self->buf, 0, self->page);
	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, self->cmd, end - 2));

	/* readable but not writable: the output cannot be stored */
	p = request(self, d, 0, d->size);
	ASSERT_EQ(0, mprotect(self->buf, self->page, PROT_READ));
	EXPECT_EQ(-EFAULT, call(self, d, p));
	ASSERT_EQ(0, mprotect(self->buf, self->page,
			      PROT_READ | PROT_WRITE));
}

/*
 * "Output fields are written only when the ioctl succeeds." Every field
 * after size and flags holds a pattern: the three failures below come before
 * any look at those fields, in the documented order of the checks.
 */
TEST_F(xb_ioctl, no_output_on_failure)
{
	static const int want[] = { -EINVAL, -E2BIG, -EOPNOTSUPP };
	const struct xb_ioctl_desc *d = variant->d;
	size_t len = d->size + 8;
	__u32 *p = (__u32 *)self->buf;
	char copy[XB_MAX_ARG + 8];
	int i;

	for (i = 0; i < 3; i++) {
		memset(p, 0x5a, len);
		p[0] = i == 0 ? d->size - 1 : i == 1 ? len : d->size;
		p[1] = i == 2 ? 1U << 31 : 0;
		memcpy(copy, p, len);
		EXPECT_EQ(want[i], call(self, d, p));
		EXPECT_EQ(0, memcmp(copy, p, len));
	}
}

/* CAP_SYS_ADMIN is checked at call time, on an fd opened by root. */
TEST_F(xb_ioctl, eperm_nobody)
{
	const struct xb_ioctl_desc *d = variant->d;
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p;

		EXPECT_EQ(0, drop_to_nobody());
		EXPECT_EQ(NOBODY, geteuid());
		EXPECT_EQ(NOBODY, getegid());
		EXPECT_FALSE(has_cap(CAP_SYS_ADMIN));

		p = request(self, d, 0, d->size);
		EXPECT_EQ(-EPERM, call(self, d, p));
		/* EPERM comes before any check of the argument */
		EXPECT_EQ(-EPERM, call(self, d, request(self, d, 0, 0)));
		EXPECT_EQ(-EPERM, do_ioctl(self->fd, self->cmd, NULL));
		/* ... but after ENOTTY */
		EXPECT_EQ(-ENOTTY, do_ioctl(self->fd, XB_IOC_UNKNOWN, p));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* root still may */
	EXPECT_EQ(0, call(self, d, request(self, d, 0, d->size)));
}

/* uid 0 is not enough: the capability is what counts. */
TEST_F(xb_ioctl, eperm_no_cap_sys_admin)
{
	const struct xb_ioctl_desc *d = variant->d;
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_EQ(0, drop_cap_sys_admin());
		EXPECT_EQ(0, geteuid());
		EXPECT_FALSE(has_cap(CAP_SYS_ADMIN));
		EXPECT_TRUE(has_cap(CAP_DAC_OVERRIDE));
		EXPECT_EQ(-EPERM, call(self, d, request(self, d, 0, d->size)));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/* ---------------------------------------------------------------------- */
/* Inert, and the metrics */

#define PROM_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

/*
 * Check @text against the Prometheus text format (0.0.4) as node_exporter's
 * textfile collector reads it: every sample's metric has a HELP and a TYPE
 * line before it, a metric's samples come together, a counter's name ends
 * in _total, label values are quoted with only backslash, double quote
 * and newline escaped, and each value is a finite number. Return: the
 * number of samples, or -1 with the offending line in @bad.
 */
static int prom_check(const char *text, char *bad, size_t len)
{
	char line[1024], name[256], help[256] = "", type[256] = "";
	char cur[256] = "", *p, *end, *nl;
	const char *t = text;
	bool counter = false;
	int samples = 0;
	size_t n;
	double v;

	while (*t) {
		nl = strchr(t, '\n');
		if (!nl)
			goto fail_t;	/* the last line ends too */
		n = nl - t;
		if (n >= sizeof(line))
			goto fail_t;
		memcpy(line, t, n);
		line[n] = '\0';
		t = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			if (sscanf(line + 7, "%255s", help) != 1)
				goto fail;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			if (sscanf(line + 7, "%255s", type) != 1 ||
			    strcmp(type, help))
				goto fail;
			p = line + 7 + strlen(type);
			if (strcmp(p, " counter") && strcmp(p, " gauge"))
				goto fail;
			counter = !strcmp(p, " counter");
			if (counter && (strlen(type) < 6 ||
			    strcmp(type + strlen(type) - 6, "_total")))
				goto fail;
			snprintf(cur, sizeof(cur), "%s", type);
			continue;
		}
		if (line[0] == '#' || !line[0])
			goto fail;
		/* name{label="value",...} value */
		n = strspn(line, PROM_NAME_CHARS ":");
		if (!n || n >= sizeof(name) || (line[0] >= '0' && line[0] <= '9'))
			goto fail;
		memcpy(name, line, n);
		name[n] = '\0';
		if (strcmp(name, cur))
			goto fail;	/* no HELP/TYPE, or not together */
		p = line + n;
		if (*p == '{') {
			p++;
			while (*p != '}') {
				n = strspn(p, PROM_NAME_CHARS);
				if (!n || p[n] != '=' || p[n + 1] != '"')
					goto fail;
				p += n + 2;
				while (*p != '"') {
					if (!*p)
						goto fail;
					if (*p == '\\' && !strchr("\\\"n", p[1]))
						goto fail;
					p += *p == '\\' ? 2 : 1;
				}
				p++;
				if (*p == ',')
					p++;
				else if (*p != '}')
					goto fail;
			}
			p++;
		}
		if (*p++ != ' ')
			goto fail;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || *end || errno || v != v ||
		    v > 1e300 || v < -1e300 || (counter && v < 0))
			goto fail;
		samples++;
	}
	return samples;
fail_t:
	snprintf(line, sizeof(line), "%.60s", t);
fail:
	snprintf(bad, len, "%.120s", line);
	return -1;
}

/* The value of the sample @series ("name{labels}") in @text, or -1. */
static double prom_value(const char *text, const char *series)
{
	char want[256];
	const char *p;

	snprintf(want, sizeof(want), "\n%s ", series);
	p = strstr(text, want);
	return p ? strtod(p + strlen(want), NULL) : -1;
}

static struct xb_json *status_json(struct __test_metadata *_metadata,
				   struct xb_output *r)
{
	static const char * const args[] = { "status", "--json", NULL };

	if (run_ctl(r, false, args) || r->code) {
		log_text("stderr", r->err);
		return NULL;
	}
	return parse_logged(_metadata, r->out);
}

/*
 * In a guest with no steal source (forced here: TCG has the gap one) and
 * no cap told, nothing can ever be reserved: status and the metrics say
 * "inert", for the whole module and for each CPU. Once a cap is told the
 * balloon has what it needs, and they say so.
 */
TEST_F_TIMEOUT(xb_mod, ctl_inert_without_steal_source_nor_cap, 90)
{
	static const char * const status_args[] = { "status", NULL };
	static const char * const metrics_args[] = { "metrics", NULL };
	static const char * const cap_args[] = { "set", "--cap", "50", NULL };
	const struct xb_json *v, *cpu;
	struct xb_output *r;
	struct xb_json *doc;
	struct xb_info info;
	char bad[128], series[96];

	if (!have_module_path())
		SKIP(return, NO_MODULE_PATH);
	if (!have_ctl())
		SKIP(return, NO_CTL);
	self->dirty = true;
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, load_with("steal_source=none cap_pm=0", &info));
	ASSERT_EQ(XB_STEAL_NONE, info.steal_source);

	doc = status_json(_metadata, r);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "inert");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_BOOL, v->type);
	EXPECT_TRUE(v->boolean);
	v = xb_json_get(doc, "inert_reason");
	ASSERT_TRUE(is_string(v));
	/* Bare metal would say so first; a TCG guest has a hypervisor bit. */
	EXPECT_STREQ(info.hypervisor == XB_HV_NONE ? "bare-metal" :
		     "no-steal-source", v->str);
	v = xb_json_get(doc, "cpus");
	ASSERT_NE(NULL, v);
	EXPECT_EQ(info.nr_cpus, xb_json_count(v));
	for (cpu = v->child; cpu; cpu = cpu->next) {
		v = xb_json_get(cpu, "inert");
		ASSERT_NE(NULL, v);
		EXPECT_TRUE(v->boolean);
	}
	xb_json_free(doc);

	ASSERT_EQ(0, run_ctl(r, false, status_args));
	EXPECT_EQ(0, r->code);
	EXPECT_NE(NULL, strstr(r->out, "inert:         YES"));

	ASSERT_EQ(0, run_ctl(r, false, metrics_args));
	EXPECT_EQ(0, r->code);
	EXPECT_LT(0, prom_check(r->out, bad, sizeof(bad))) TH_LOG("%s", bad);
	EXPECT_EQ(1, prom_value(r->out, "xballoon_inert"));
	snprintf(series, sizeof(series),
		 "xballoon_cpu_inert{cpu=\"0\",reason=\"%s\"}",
		 info.hypervisor == XB_HV_NONE ? "bare-metal" :
		 "no-steal-source");
	EXPECT_EQ(1, prom_value(r->out, series));

	/* Told a cap: not inert any more (unless on bare metal). */
	ASSERT_EQ(0, run_ctl(r, false, cap_args));
	ASSERT_EQ(0, r->code) log_text("stderr", r->err);
	doc = status_json(_metadata, r);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "inert");
	ASSERT_NE(NULL, v);
	EXPECT_EQ(info.hypervisor == XB_HV_NONE, v->boolean);
	v = xb_json_get(doc, "inert_reason");
	ASSERT_NE(NULL, v);
	if (info.hypervisor != XB_HV_NONE)
		EXPECT_EQ(XB_JSON_NULL, v->type);
	xb_json_free(doc);
	ASSERT_EQ(0, run_ctl(r, false, status_args));
	if (info.hypervisor != XB_HV_NONE)
		EXPECT_NE(NULL, strstr(r->out, "inert:         no"));
	ASSERT_EQ(0, run_ctl(r, false, metrics_args));
	EXPECT_EQ(info.hypervisor == XB_HV_NONE,
		  prom_value(r->out, "xballoon_inert"));
	free(r);
}

/* With its steal source (gap on TCG) and no cap, it can learn: not inert. */
TEST_F_TIMEOUT(xb, ctl_not_inert_with_a_steal_source, 60)
{
	const struct xb_json *v;
	struct xb_output *r;
	struct xb_json *doc;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	if (self->info.steal_source == XB_STEAL_NONE ||
	    self->info.hypervisor == XB_HV_NONE)
		SKIP(return, "no steal source here");
	r = malloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	doc = status_json(_metadata, r);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "inert");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_BOOL, v->type);
	EXPECT_FALSE(v->boolean);
	xb_json_free(doc);
	free(r);
}

/* Read a whole small file into @buf; its length or -1. */
static ssize_t slurp_fd(int fd, char *buf, size_t len)
{
	ssize_t n, got = 0;

	if (lseek(fd, 0, SEEK_SET))
		return -1;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	return got;
}

/*
 * metrics --textfile DIR replaces DIR/xballoon.prom by a rename: a reader
 * that has the old file open keeps reading it whole, the new one has
 * another inode, mode 0644, a valid format with every metric the issue
 * asks for, per CPU; and no temporary file stays behind.
 */
TEST_F_TIMEOUT(xb, ctl_metrics_textfile_is_replaced_atomically, 60)
{
	static const char * const families[] = {
		"xballoon_up", "xballoon_info", "xballoon_inert",
		"xballoon_cpu_mode", "xballoon_cpu_cap_in_use_ratio",
		"xballoon_cpu_cap_source", "xballoon_cpu_periods_reserved_total",
		"xballoon_cpu_periods_throttled_total",
		"xballoon_cpu_steal_seconds_total", "xballoon_cpu_halts_total",
	};
	char dir[] = "/tmp/xb-prom.XXXXXX", path[64], opt[64], bad[128];
	char want[128], *buf;
	const char *args[4] = { "metrics", "--textfile", dir, NULL };
	struct stat st0, st1;
	struct xb_output *r;
	struct dirent *de;
	unsigned int i;
	int fd, files;
	DIR *d;

	if (!have_ctl())
		SKIP(return, NO_CTL);
	r = malloc(sizeof(*r));
	buf = malloc(65536);
	ASSERT_NE(NULL, r);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xballoon.prom", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "old\n", 4));
	ASSERT_EQ(0, fstat(fd, &st0));

	ASSERT_EQ(0, run_ctl(r, false, args));
	EXPECT_EQ(0, r->code) log_text("stderr", r->err);
	EXPECT_EQ(0, r->out_len);
	/* The old file, still open, is untouched: not rewritten in place. */
	EXPECT_EQ(4, slurp_fd(fd, buf, 65536));
	EXPECT_STREQ("old\n", buf);
	close(fd);

	ASSERT_EQ(0, stat(path, &st1));
	EXPECT_NE(st0.st_ino, st1.st_ino);
	EXPECT_EQ(0644, st1.st_mode & 07777);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, slurp_fd(fd, buf, 65536));
	close(fd);
	EXPECT_LT(0, prom_check(buf, bad, sizeof(bad))) TH_LOG("bad line: %s", bad);
	for (i = 0; i < ARRAY_SIZE(families); i++) {
		snprintf(want, sizeof(want), "# TYPE %s ", families[i]);
		EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no %s", families[i]);
	}
	EXPECT_EQ(1, prom_value(buf, "xballoon_up"));
	snprintf(want, sizeof(want), "\nxballoon_cpu_halts_total{cpu=\"%u\"} ",
		 self->info.nr_cpus - 1);
	EXPECT_NE(NULL, strstr(buf, want));
	snprintf(want, sizeof(want), "xballoon_info{version=\"%s\",abi=\"%u\"",
		 self->info.module_version, self->info.abi_version);
	EXPECT_NE(NULL, strstr(buf, want));

	/* --textfile=DIR as well; still one file in DIR. */
	snprintf(opt, sizeof(opt), "--textfile=%s", dir);
	args[1] = opt;
	args[2] = NULL;
	ASSERT_EQ(0, run_ctl(r, false, args));
	EXPECT_EQ(0, r->code);
	ASSERT_EQ(0, stat(path, &st0));
	EXPECT_NE(st0.st_ino, st1.st_ino);
	d = opendir(dir);
	ASSERT_NE(NULL, d);
	files = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
		    !strcmp(de->d_name, "..")))
			continue;
		files++;
		EXPECT_STREQ("xballoon.prom", de->d_name);
	}
	closedir(d);
	EXPECT_EQ(1, files);
	unlink(path);
	rmdir(dir);
	free(buf);
	free(r);
}

TEST_HARNESS_MAIN
