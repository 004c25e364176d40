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
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
/* What the correction must not change: the scheduler's own decisions. */

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A CPU hog on @cpu, in the cgroup @cg if not NULL; kill it when done. */
static pid_t spawn_hog(int cpu, const char *cg)
{
	pid_t pid = fork();

	if (!pid) {
		pin(cpu);
		if (cg && cg_move(cg, getpid()))
			_exit(1);
		for (;;)
			;
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* The time this thread waited on a runqueue (ns): schedstat's 2nd field. */
static unsigned long long run_delay_ns(void)
{
	unsigned long long run, delay = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &delay) != 2)
		delay = 0;
	fclose(f);
	return delay;
}

/*
 * Sleep @period_ms @n times on this thread's CPU beside a hog; return how
 * many wake-ups waited on the runqueue longer than @late_ms before running.
 * A waking task that preempts the hog runs within microseconds.
 */
static int late_wakeups(int n, unsigned int period_ms, unsigned int late_ms)
{
	unsigned long long d0 = run_delay_ns(), d;
	int i, late = 0;

	for (i = 0; i < n; i++) {
		sleep_ms(period_ms);
		d = run_delay_ns();
		if (d - d0 > late_ms * MS)
			late++;
		d0 = d;
	}
	return late;
}

/*
 * CFS places a waking task from min_vruntime, which update_curr() moves to
 * the running task's vruntime as charged: steal taken back off a lone hog
 * after that left min_vruntime ahead of it, and the task woke behind the
 * hog (for as long as the hog needed to run the steal off again) instead
 * of preempting it. Vclock on must wake as promptly as vclock off.
 */
TEST_F_TIMEOUT(vclock, wakeup_preempts_a_lone_hog_under_steal, 120)
{
	const char *cap = getenv("XB_STEAL_CAP_PCT");
	unsigned long long s0, stolen[2];
	int on, late[2], n = 300;
	struct xb_vclock vc;
	pid_t hog;

	if (!cap)
		SKIP(return, "XB_STEAL_CAP_PCT unset: this vCPU loses no time");
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	if (vc.state != XB_VCLOCK_ON)
		SKIP(return, "vclock state %u: nothing to subtract", vc.state);
	pin(0);
	hog = spawn_hog(0, NULL);
	ASSERT_LT(0, hog);
	sleep_ms(200);
	for (on = 0; on <= 1; on++) {
		ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, on, &vc));
		s0 = steal_ns(self->fd, 0);
		late[on] = late_wakeups(n, 5, 8);
		stolen[on] = steal_ns(self->fd, 0) - s0;
		TH_LOG("vclock %s: %d of %d wake-ups waited > 8 ms, %llu ms stolen",
		       on ? "on " : "off", late[on], n, stolen[on] / MS);
	}
	stop(hog);
	ASSERT_LT(500 * MS, stolen[0]) TH_LOG("the cap did not bite");
	ASSERT_LT(500 * MS, stolen[1]) TH_LOG("the cap did not bite");
	/* The host's own load delays some of either: a margin for noise. */
	EXPECT_GE(2 * late[0] + n / 20, late[1]);
}

#define SCHED_DEBUGFS "/sys/kernel/debug/sched"

/* A sched debugfs feature is on ("NAME", not "NO_NAME"). */
static bool sched_feature(const char *name)
{
	char buf[4096], *p;

	if (read_str(SCHED_DEBUGFS "/features", buf, sizeof(buf)))
		return false;
	for (p = strtok(buf, " \t\n"); p; p = strtok(NULL, " \t\n"))
		if (!strcmp(p, name))
			return true;
	return false;
}

/* nonvoluntary_ctxt_switches of @pid: how often it was preempted. */
static long long preemptions(pid_t pid)
{
	char path[64], line[128];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Sum of the preemptions of @pids. */
static long long preemptions_of(const pid_t *pids, int n)
{
	long long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += preemptions(pids[i]);
	return sum;
}

/*
 * EEVDF with RUN_TO_PARITY lets the running entity finish its slice (run
 * to its deadline) even once another entity is owed more service, and
 * 6.6-6.16 mark that protection by a copy of the deadline in vlag. Moving
 * the deadline alone ended it at every correction, and PREEMPT_SHORT then
 * preempted the entity at the next tick it was no longer eligible. Two
 * hogs of unequal weight (so that the running one turns ineligible before
 * its deadline) with long slices, small frequent steal (the gap source
 * with a low slack reads TCG's late timers as such): they must be
 * preempted about as often with vclock on as with it off.
 */
TEST_F_TIMEOUT(vclock, slice_protection_survives_the_correction, 120)
{
	static const char *const slacks[] = { "100", "500", "1000" };
	char old_slice[32], old_slack[32];
	long long p0, count[2];
	unsigned long long u0, taken = 0;
	struct xb_vclock vc;
	pid_t hogs[2];
	unsigned int i;
	int on, ret = -1;

	if (!sched_feature("RUN_TO_PARITY"))
		SKIP(return, "no RUN_TO_PARITY (not EEVDF, or turned off)");
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	if (vc.state != XB_VCLOCK_ON)
		SKIP(return, "vclock state %u: nothing to subtract", vc.state);
	ASSERT_EQ(0, read_str(SCHED_DEBUGFS "/base_slice_ns", old_slice,
			      sizeof(old_slice)));
	ASSERT_EQ(0, read_str(XB_SYSFS "/parameters/gap_slack_us", old_slack,
			      sizeof(old_slack)));
	for (i = 0; i < ARRAY_SIZE(slacks) && ret; i++)
		ret = write_str(XB_SYSFS "/parameters/gap_slack_us", slacks[i]);
	ASSERT_EQ(0, ret);
	/* 20 ms slices: several ticks, so protection decides preemption. */
	ASSERT_EQ(0, write_str(SCHED_DEBUGFS "/base_slice_ns", "20000000"));
	hogs[0] = spawn_hog(0, NULL);
	hogs[1] = spawn_hog(0, NULL);
	ASSERT_LT(0, hogs[0]);
	ASSERT_LT(0, hogs[1]);
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, hogs[1], 5));
	sleep_ms(200);
	for (on = 0; on <= 1; on++) {
		ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, on, &vc));
		u0 = vc.uncharged_ns;
		p0 = preemptions_of(hogs, 2);
		sleep_ms(2000);
		count[on] = preemptions_of(hogs, 2) - p0;
		ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
		if (on)
			taken = vc.uncharged_ns - u0;
		TH_LOG("vclock %s: hogs preempted %lld times in 2 s",
		       on ? "on " : "off", count[on]);
	}
	stop(hogs[0]);
	stop(hogs[1]);
	write_str(SCHED_DEBUGFS "/base_slice_ns", old_slice);
	write_str(XB_SYSFS "/parameters/gap_slack_us", old_slack);
	TH_LOG("steal taken off charges with vclock on: %llu us", taken / 1000);
	if (taken < 1000000)
		SKIP(return, "under 1 ms of steal seen: nothing was corrected");
	EXPECT_GE(count[0] * 3 / 2 + 20, count[1]);
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

/*
 * The task's cgroup entity is charged as the task is: what the virtual
 * clock takes off the task's charge it takes off the group's too. How
 * exactly the charge follows the steal is charge_excludes_steal_only_when_on's
 * (the gap estimate of a host-capped TCG guest leaves 5-25 % of it on the
 * task); here the group's charge must match the task's, and on or off
 * decides which side of ran + half the steal both are.
 */
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
		EXPECT_GT(charged + wall / 20, group);
		EXPECT_LT(charged, group + wall / 20);
		if (on) {
			EXPECT_GT(ran + stolen / 2, group);
			EXPECT_LT(ran, group + wall / 10);
		} else {
			EXPECT_LT(ran + stolen / 2, group);
		}
	}
	rmdir(CG_DIR);
}

/*
 * From SCHED_DEBUG: CPU @cpu's task clock (.clock_task) and CG_DIR's
 * entity there (.se->exec_start, .se->sum_exec_runtime), ns. The clock
 * is printed first: an exec_start set from it is never above it.
 */
struct group_sample {
	long long clock, exec_start, sum_exec;
};

static long long debug_ns(const char *line, const char *field)
{
	long long ms, frac;
	char fmt[96];

	snprintf(fmt, sizeof(fmt), " .%s : %%lld.%%lld", field);
	if (sscanf(line, fmt, &ms, &frac) != 2)
		return -1;
	return ms * (long long)MS + frac;
}

static int group_sample(int cpu, struct group_sample *g)
{
	char line[256], want_cpu[32], want_cg[64];
	bool in_cpu = false, in_cg = false;
	FILE *f = fopen(SCHED_DEBUG, "r");
	long long v;

	if (!f)
		return -1;
	g->clock = g->exec_start = g->sum_exec = -1;
	snprintf(want_cpu, sizeof(want_cpu), "cpu#%d", cpu);
	snprintf(want_cg, sizeof(want_cg), "cfs_rq[%d]:/xb-vclock\n", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "cpu#", 4)) {
			in_cpu = !strncmp(line, want_cpu, strlen(want_cpu)) &&
				 (line[strlen(want_cpu)] == ',' ||
				  line[strlen(want_cpu)] == '\n');
			in_cg = false;
			continue;
		}
		if (!strncmp(line, "cfs_rq[", 7) || !strncmp(line, "rt_rq[", 6)) {
			in_cg = in_cpu && !strcmp(line, want_cg);
			continue;
		}
		if (in_cpu && g->clock < 0)
			g->clock = debug_ns(line, "clock_task");
		if (!in_cg)
			continue;
		v = debug_ns(line, "se->exec_start");
		if (v >= 0)
			g->exec_start = v;
		v = debug_ns(line, "se->sum_exec_runtime");
		if (v >= 0) {
			g->sum_exec = v;
			break;
		}
	}
	fclose(f);
	return g->clock >= 0 && g->exec_start >= 0 && g->sum_exec >= 0 ? 0 : -1;
}

/*
 * A task's cgroup entity is charged by its own update_curr(), sometimes
 * before the task's event (a task of the parent level waking: its enqueue
 * charges the group entity, not the task). Moving that entity's exec_start
 * by the whole steal then put it ahead of the runqueue's clock: the group
 * ran uncharged for that long. A hog in the group, and this task in the
 * root group waking beside it on the same CPU after each steal: the group's
 * exec_start must never be ahead of the clock, its charge never go back.
 */
TEST_F_TIMEOUT(vclock, group_exec_start_never_ahead_of_the_clock, 120)
{
	const char *cap = getenv("XB_STEAL_CAP_PCT");
	unsigned long long s0, stolen, end;
	struct group_sample g, prev = { 0 };
	int samples = 0, ahead = 0, back = 0, ret;
	long long worst = 0;
	struct xb_vclock vc;
	pid_t hog;

	if (!cap)
		SKIP(return, "XB_STEAL_CAP_PCT unset: this vCPU loses no time");
	ASSERT_EQ(0, vclock_ioc(self->fd, 0, 0, &vc));
	if (vc.state != XB_VCLOCK_ON)
		SKIP(return, "vclock state %u: nothing to subtract", vc.state);
	if (access(SCHED_DEBUG, R_OK))
		SKIP(return, "no %s (CONFIG_SCHED_DEBUG)", SCHED_DEBUG);
	ret = cgroup_make();
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no cpu controller in cgroup v2");
	ASSERT_EQ(0, ret) TH_LOG("cgroup: %s", strerror(-ret));
	pin(0);
	hog = spawn_hog(0, CG_DIR);
	ASSERT_LT(0, hog);
	sleep_ms(200);
	s0 = steal_ns(self->fd, 0);
	end = now_ns() + 3000 * MS;
	while (now_ns() < end) {
		sleep_ms(7);
		if (group_sample(0, &g))
			continue;
		samples++;
		if (g.exec_start > g.clock) {
			ahead++;
			if (g.exec_start - g.clock > worst)
				worst = g.exec_start - g.clock;
		}
		if (g.sum_exec < prev.sum_exec)
			back++;
		prev = g;
	}
	stolen = steal_ns(self->fd, 0) - s0;
	stop(hog);
	rmdir(CG_DIR);
	TH_LOG("%d samples: exec_start ahead of the clock in %d (worst by %lld us), charge went back in %d; %llu ms stolen",
	       samples, ahead, worst / 1000, back, stolen / MS);
	/* Slow where every clock read traps (Xen PV): a few dozen do. */
	ASSERT_LT(20, samples) TH_LOG("no %s entry for the cgroup", SCHED_DEBUG);
	ASSERT_LT(500 * MS, stolen) TH_LOG("the cap did not bite");
	EXPECT_EQ(0, ahead);
	EXPECT_EQ(0, back);
}

TEST_HARNESS_MAIN
