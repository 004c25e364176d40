// SPDX-License-Identifier: GPL-2.0
/*
 * xb_vclock_test - selftests of the steal-adjusted scheduler clock
 * (XB_IOC_VCLOCK, module parameter vclock), run as root inside a guest with
 * xballoon.ko loaded. The charge test needs a vCPU that really loses time:
 * it runs where XB_STEAL_CAP_PCT says the hypervisor caps us (the Xen domU
 * under `xl sched-credit -c`), and is skipped elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"
#include "xb_util.h"

#define XB_PARAM XB_SYSFS "/parameters/vclock"
#define MS NSEC_PER_MSEC

static int write_param(const char *val)
{
	return write_str(XB_PARAM, val);
}

static char read_param(void)
{
	return read_char(XB_PARAM, '?');
}

/* Sum of the run time the scheduler charged to this thread (ns). */
static unsigned long long charged_ns(void)
{
	return schedstat_ns("/proc/thread-self/schedstat");
}

static unsigned long long steal_ns(int fd, int cpu)
{
	struct xb_cpu_steal cs;

	if (xb_get_steal(fd, cpu, &cs))
		return 0;
	return cs.steal_ns;
}

FIXTURE(vclock) {
	int fd;
};

FIXTURE_SETUP(vclock)
{
	self->fd = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(vclock)
{
	struct xb_vclock vc;

	vclock_ioc(self->fd, XB_VCLOCK_SET, 1, &vc);
	close(self->fd);
}

TEST_F(vclock, reported_by_info_and_on_by_default)
{
	struct xb_info info = { .size = sizeof(info) };
	struct xb_vclock vc;

	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_INFO, &info));
	EXPECT_NE(0, info.features & XB_FEATURE_VCLOCK);
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	EXPECT_EQ(1U, vc.enable);
	EXPECT_EQ('Y', read_param());
	/* A stock Debian kernel does not subtract steal itself. */
	EXPECT_NE(XB_VCLOCK_KERNEL, vc.state);
	EXPECT_NE(XB_VCLOCK_OFF, vc.state);
	TH_LOG("state %u (1 on, 3 no steal source)", vc.state);
}

TEST_F(vclock, bad_arguments)
{
	struct xb_vclock vc;

	EXPECT_EQ(-1, vclock_ioc(self->fd, 1U << 5, 0, &vc));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, vclock_ioc(self->fd, XB_VCLOCK_SET, 2, &vc));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, write_param("maybe"));
	/* Nothing changed. */
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	EXPECT_EQ(1U, vc.enable);
}

TEST_F(vclock, on_off_cycles)
{
	struct xb_vclock vc;
	__u32 on_state;
	int i;

	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	on_state = vc.state;
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, 0, &vc));
		EXPECT_EQ(XB_VCLOCK_OFF, vc.state);
		EXPECT_EQ('N', read_param());
		usleep(1000);
		ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, 1, &vc));
		EXPECT_EQ(on_state, vc.state);
		EXPECT_EQ('Y', read_param());
	}
	/* The module parameter is the same switch. */
	ASSERT_EQ(0, write_param("0"));
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	EXPECT_EQ(XB_VCLOCK_OFF, vc.state);
	ASSERT_EQ(0, write_param("1"));
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	EXPECT_EQ(on_state, vc.state);
}

TEST_F(vclock, hook_sees_the_scheduler_only_when_on)
{
	struct xb_vclock a, b;

	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &a));
	if (a.state != XB_VCLOCK_ON)
		SKIP(return, "no steal source here: the scheduler is not hooked");
	usleep(50000);
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &b));
	EXPECT_LT(a.events, b.events);
	TH_LOG("hook: %llu events, %llu ns each on average",
	       b.events, b.events ? b.hook_ns / b.events : 0);

	ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, 0, &a));
	usleep(50000);
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &b));
	EXPECT_EQ(a.events, b.events);
}

/*
 * Spin for @ms of wall time on CPU 0; return how much the scheduler
 * charged and how much of the wall time was stolen.
 */
static void spin(int fd, unsigned long long ms, unsigned long long *charged,
		 unsigned long long *stolen, unsigned long long *wall)
{
	unsigned long long c0 = charged_ns(), s0 = steal_ns(fd, 0);
	unsigned long long t0 = now_ns(), end = t0 + ms * MS;
	/* now_ns() is the work: a vDSO call the compiler cannot drop. */
	while (now_ns() < end)
		;
	*wall = now_ns() - t0;
	*charged = charged_ns() - c0;
	*stolen = steal_ns(fd, 0) - s0;
}

TEST_F(vclock, charge_excludes_steal_only_when_on)
{
	unsigned long long charged, stolen, wall, ran;
	const char *cap = getenv("XB_STEAL_CAP_PCT");
	struct xb_vclock vc;
	cpu_set_t set;

	if (!cap)
		SKIP(return, "XB_STEAL_CAP_PCT unset: this vCPU loses no time");
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	if (vc.state != XB_VCLOCK_ON)
		SKIP(return, "vclock state %u: nothing to subtract", vc.state);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	/* On: charged for what the vCPU really ran, within 10 % of wall. */
	spin(self->fd, 3000, &charged, &stolen, &wall);
	ran = wall - stolen;
	TH_LOG("on:  wall %llu ms, stolen %llu ms, charged %llu ms",
	       wall / MS, stolen / MS, charged / MS);
	ASSERT_LT(wall / 5, stolen) TH_LOG("the cap did not bite");
	EXPECT_GT(ran + wall / 10, charged);
	EXPECT_LT(ran, charged + wall / 10);

	/* Off: the stolen time is charged too. */
	ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, 0, &vc));
	spin(self->fd, 3000, &charged, &stolen, &wall);
	TH_LOG("off: wall %llu ms, stolen %llu ms, charged %llu ms",
	       wall / MS, stolen / MS, charged / MS);
	ASSERT_LT(wall / 5, stolen);
	EXPECT_LT(wall - stolen + stolen / 2, charged);
}

/* ---------------------------------------------------------------------- */
/* The task's cgroup entity: charged by its own update_curr(), no event. */

#define CG_DIR CG_MNT "/xb-vclock"
#define SCHED_DEBUG "/sys/kernel/debug/sched/debug"

/* A cgroup v2 child with the cpu controller, so it has its own entities. */
static int cgroup_make(void)
{
	int ret = cg2_mount();

	if (ret)
		return ret;
	if (write_str(CG_MNT "/cgroup.subtree_control", "+cpu"))
		return -EOPNOTSUPP;
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * sum_exec_runtime of CG_DIR's entity on @cpu, from the scheduler's debug
 * file: "cfs_rq[N]:/xb-vclock" then "  .se->sum_exec_runtime : ms.ns".
 */
static long long group_sum_exec_ns(int cpu)
{
	char line[256], want[64];
	long long ms, frac, ret = -1;
	bool in = false;
	FILE *f = fopen(SCHED_DEBUG, "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "cfs_rq[%d]:/xb-vclock\n", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cfs_rq[", 7) || !strncmp(line, "rt_rq[", 6))
			in = !strcmp(line, want);
		else if (in && sscanf(line, " .se->sum_exec_runtime : %lld.%lld",
				      &ms, &frac) == 2) {
			ret = ms * MS + frac;
			break;
		}
	}
	fclose(f);
	return ret;
}

TEST_F_TIMEOUT(vclock, group_charge_excludes_steal_only_when_on, 60)
{
	unsigned long long charged, stolen, wall, ran, group;
	const char *cap = getenv("XB_STEAL_CAP_PCT");
	long long g0, g1;
	struct xb_vclock vc;
	cpu_set_t set;
	int on, ret;

	if (!cap)
		SKIP(return, "XB_STEAL_CAP_PCT unset: this vCPU loses no time");
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	if (vc.state != XB_VCLOCK_ON)
		SKIP(return, "vclock state %u: nothing to subtract", vc.state);
	ret = cgroup_make();
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no cpu controller in cgroup v2");
	ASSERT_EQ(0, ret) TH_LOG("cgroup: %s", strerror(-ret));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	for (on = 1; on >= 0; on--) {
		ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, on, &vc));
		ASSERT_EQ(0, cg_move(CG_DIR, getpid()));
		g0 = group_sum_exec_ns(0);
		ASSERT_LE(0, g0) TH_LOG("no %s entry for the cgroup", SCHED_DEBUG);
		spin(self->fd, 2000, &charged, &stolen, &wall);
		/* Leaving charges the group's entity up to now. */
		ASSERT_EQ(0, cg_move(CG_MNT, getpid()));
		g1 = group_sum_exec_ns(0);
		ASSERT_LE(g0, g1);
		group = g1 - g0;
		ran = wall - stolen;
		TH_LOG("%s: wall %llu ms, stolen %llu ms, task charged %llu ms, its cgroup %llu ms",
		       on ? "on " : "off", wall / MS, stolen / MS,
		       charged / MS, group / MS);
		ASSERT_LT(wall / 5, stolen) TH_LOG("the cap did not bite");
		if (on) {
			EXPECT_GT(ran + wall / 10, group);
			EXPECT_LT(ran, group + wall / 10);
		} else {
			EXPECT_LT(ran + stolen / 2, group);
		}
	}
	rmdir(CG_DIR);
}

TEST_HARNESS_MAIN
