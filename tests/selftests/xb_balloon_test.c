// SPDX-License-Identifier: GPL-2.0
/*
 * xb_balloon_test - selftests of the CPU balloon (XB_IOC_BALLOON) and its
 * semi-work-conserving period timer, run as root inside a guest with
 * xballoon.ko loaded (XB_MODULE names it, to reload after unload tests).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"
#include "xb_util.h"

#define MS NSEC_PER_MSEC

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The last online CPU: the tests leave CPU 0 to the harness. */
static int test_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) - 1;
}

static int set_config(int fd, __u32 flags, __u32 period_us, __u32 cap_pm)
{
	struct xb_config cfg = {
		.size = sizeof(cfg),
		.flags = flags,
		.period_us = period_us,
		.cap_pm = cap_pm,
	};

	return ioctl(fd, XB_IOC_SET_CONFIG, &cfg);
}

static int balloon(int fd, int cpu, __u32 flags, struct xb_balloon *b)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->flags = flags;
	b->cpu = cpu;
	return ioctl(fd, XB_IOC_BALLOON, b);
}

static int cpu_stats(int fd, int cpu, struct xb_cpu_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->cpu = cpu;
	return ioctl(fd, XB_IOC_CPU_STATS, s);
}

static unsigned long long steal_of(int fd, int cpu)
{
	struct xb_cpu_steal cs = { .size = sizeof(cs), .cpu = cpu };

	return ioctl(fd, XB_IOC_CPU_STEAL, &cs) ? 0 : cs.steal_ns;
}

/* The module parameter cap_learn; 0 or -1. */
static int set_cap_learn(bool on)
{
	FILE *f = fopen("/sys/module/xballoon/parameters/cap_learn", "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(on ? "Y" : "N", f) < 0;
	ret |= fclose(f) != 0;
	return ret ? -1 : 0;
}

FIXTURE(balloon) {
	int fd;
	int cpu;
};

FIXTURE_SETUP(balloon)
{
	self->fd = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	self->cpu = test_cpu();
	ASSERT_EQ(0, pin_to(self->cpu));
	/*
	 * Cap 50 % of 10 ms: half of every period is reserved. As told: this
	 * guest is not capped, and a learner would find that out.
	 */
	ASSERT_EQ(0, set_cap_learn(false));
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP,
				10000, 500));
}

FIXTURE_TEARDOWN(balloon)
{
	set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP, 10000, 0);
	set_cap_learn(true);
	close(self->fd);
}

TEST_F(balloon, info_announces_the_balloon)
{
	struct xb_info info = { .size = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_INFO, &info));
	EXPECT_TRUE(info.features & XB_FEATURE_BALLOON);
}

TEST_F(balloon, halts_and_returns_on_an_interrupt)
{
	struct xb_balloon b;
	unsigned long long t0 = now_ns(), t1;

	ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	t1 = now_ns();
	/* The first call of a period halts: NWC. */
	ASSERT_TRUE(b.reason == XB_BALLOON_WOKEN ||
		    b.reason == XB_BALLOON_RESERVED ||
		    b.reason == XB_BALLOON_YIELD) TH_LOG("reason %u", b.reason);
	if (b.reason != XB_BALLOON_YIELD) {
		EXPECT_LT(0ULL, b.held_ns);
		/*
		 * Ended by an interrupt, inside the call. (Not bounded by the
		 * reserve: a capped vCPU may be parked before it wakes.)
		 */
		EXPECT_GE(t1 - t0, b.held_ns);
	}
	EXPECT_NE(XB_MODE_DETACHED, b.mode);
}

TEST_F(balloon, reserve_met_then_wc_until_the_next_period)
{
	struct xb_balloon b;
	unsigned long long t0, t1, s0, stolen;
	int attempt, i, slept = 0;

	/*
	 * Halt until the period's reserve (5 ms) is met, then the next call
	 * must sleep to the next period, at most one period. A period may
	 * end between the two calls (a slow emulator): then try again.
	 */
	for (attempt = 0; attempt < 5 && !slept; attempt++) {
		for (i = 0; i < 1000; i++) {
			ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
			if (b.reason == XB_BALLOON_RESERVED ||
			    b.mode == XB_MODE_WC)
				break;
		}
		ASSERT_EQ(XB_MODE_WC, b.mode) TH_LOG("never reached WC");

		s0 = steal_of(self->fd, self->cpu);
		t0 = now_ns();
		ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
		t1 = now_ns();
		if (b.reason != XB_BALLOON_PERIOD)
			continue;
		slept = 1;
		EXPECT_EQ(XB_MODE_NWC, b.mode);
		/*
		 * At most a period of the time the vCPU ran: a hypervisor
		 * that parks it (a Xen cap still collecting an earlier debt)
		 * holds the period timer back as long.
		 */
		stolen = steal_of(self->fd, self->cpu) - s0;
		/*
		 * The steal reads bracket t0..t1, and a timer gap is counted
		 * whole when the late timer fires: it may start before s0.
		 */
		if (stolen > t1 - t0)
			stolen = t1 - t0;
		EXPECT_GE(10 * MS + 5 * MS, t1 - t0 - stolen)
			TH_LOG("WC sleep took %llu us, %llu us of it stolen",
			       (t1 - t0) / 1000, stolen / 1000);
		EXPECT_EQ(0ULL, b.held_ns);
	}
	EXPECT_TRUE(slept) TH_LOG("no WC sleep in %d attempts", attempt);
}

/*
 * Where the cap in use comes from: told (learning off, as the fixture
 * has it), or, learning, not known before any throttling. This guest is
 * not capped; its host may still delay it (then it may have learned).
 */
TEST_F(balloon, says_where_the_cap_comes_from)
{
	struct xb_cpu_stats s;
	struct xb_balloon b;
	unsigned long long end;

	ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	end = now_ns() + 100 * MS;
	while (now_ns() < end)
		ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_EQ(XB_CAP_SRC_TOLD, s.cap_source);
	EXPECT_EQ(500U, s.cap_est_pm);
	EXPECT_EQ(500U, s.eff_cap_pm);

	ASSERT_EQ(0, set_cap_learn(true));
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_CAP, 0, 0));
	end = now_ns() + 100 * MS;
	while (now_ns() < end)
		ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_EQ(0U, s.cap_pm);
	EXPECT_TRUE(s.cap_source == XB_CAP_SRC_UNKNOWN ||
		    s.cap_source == XB_CAP_SRC_LEARNED ||
		    s.cap_source == XB_CAP_SRC_UNCAPPED)
		TH_LOG("cap source %u", s.cap_source);
	if (s.cap_source == XB_CAP_SRC_UNKNOWN) {
		/* Nothing known: nothing reserved. */
		EXPECT_EQ(0U, s.cap_est_pm);
		EXPECT_EQ(0U, s.cap_conf_pm);
		EXPECT_EQ(1000U, s.eff_cap_pm);
	}
	EXPECT_EQ(0U, s.__reserved2);
}

TEST_F(balloon, reserves_its_share_of_most_periods)
{
	struct xb_cpu_stats s0, s1;
	struct xb_balloon b;
	unsigned long long end;

	ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s0));
	end = now_ns() + 500 * MS;
	while (now_ns() < end)
		ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));

	EXPECT_EQ(500U, s1.cap_pm);
	EXPECT_EQ(10000U, s1.period_us);
	/*
	 * Timer gaps (the host running something else) may have lowered the
	 * cap in use, never under half: the reserve follows it.
	 */
	EXPECT_LE(250U, s1.eff_cap_pm);
	EXPECT_GE(500U, s1.eff_cap_pm);
	/*
	 * Periods last 7.5 to 10 ms (jitter) with the cap's share of each
	 * reserved, plus any run time owed from earlier periods, never more
	 * than the whole period.
	 */
	EXPECT_LE(75 * MS / 10 / 1000 * (1000 - s1.eff_cap_pm), s1.reserve_ns);
	EXPECT_GE(10 * MS, s1.reserve_ns);
	EXPECT_LT(s0.halts, s1.halts);
	EXPECT_LE(30ULL, s1.periods - s0.periods);
	/*
	 * Nothing else runs here: the reserve is met in most periods. (A
	 * broken reservation meets it in none; emulation noise and Xen's
	 * early timers make some periods miss it by microseconds: the
	 * benchmark measures the rate, this only checks the mechanism.) A
	 * debug kernel's timers come late under single-threaded TCG (KCSAN:
	 * 26 of 58 met, and 14 of 57 with the host busier, session 10): an
	 * eighth there, still none for a broken reservation.
	 */
	EXPECT_LT((s1.periods - s0.periods),
		  (s1.periods_reserved - s0.periods_reserved) *
		  (xb_debug_kernel() ? 8 : 2))
		TH_LOG("%llu of %llu periods reserved",
		       s1.periods_reserved - s0.periods_reserved,
		       s1.periods - s0.periods);
	EXPECT_LT(0ULL, s1.nwc_ns - s0.nwc_ns);
	EXPECT_LT(0ULL, s1.wc_ns - s0.wc_ns);
}

static void on_alarm(int sig)
{
}

TEST_F(balloon, a_signal_interrupts_the_wc_sleep)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct xb_balloon b;
	unsigned long long t0, t1;
	int i, ret;

	/* A long period, so that WC sleeps long. */
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_PERIOD, 1000000, 0));
	for (i = 0; i < 100000; i++) {
		ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
		if (b.mode == XB_MODE_WC)
			break;
	}
	ASSERT_EQ(XB_MODE_WC, b.mode);

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));	/* no SA_RESTART */
	ualarm(100000, 0);
	t0 = now_ns();
	ret = balloon(self->fd, self->cpu, 0, &b);
	t1 = now_ns();
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(600 * MS, t1 - t0)
		TH_LOG("interrupted after %llu ms", (t1 - t0) / MS);
}

TEST_F(balloon, bad_arguments_are_refused)
{
	struct xb_balloon b;
	cpu_set_t all;
	int fd2;

	/* Not bound to exactly that CPU. */
	EXPECT_EQ(-1, balloon(self->fd, self->cpu ? 0 : 1, 0, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, balloon(self->fd, 4096, 0, &b));
	EXPECT_EQ(EINVAL, errno);
	CPU_ZERO(&all);
	CPU_SET(0, &all);
	CPU_SET(self->cpu, &all);
	if (self->cpu != 0) {
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
		EXPECT_EQ(-1, balloon(self->fd, self->cpu, 0, &b));
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, pin_to(self->cpu));
	}
	/* Unknown flags, reserved field. */
	EXPECT_EQ(-1, balloon(self->fd, self->cpu, 1U << 7, &b));
	EXPECT_EQ(EOPNOTSUPP, errno);
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.cpu = self->cpu;
	b.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_BALLOON, &b));
	EXPECT_EQ(EINVAL, errno);

	/* A second file cannot take a CPU that a balloon holds. */
	ASSERT_EQ(0, balloon(self->fd, self->cpu, 0, &b));
	fd2 = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-1, balloon(fd2, self->cpu, 0, &b));
	EXPECT_EQ(EBUSY, errno);
	close(fd2);
}

TEST_F(balloon, bad_config_values_get_einval_and_change_nothing)
{
	struct xb_config cfg = { .size = sizeof(cfg) };
	FILE *f;
	static const struct { __u32 flags, period_us, cap_pm; } bad[] = {
		{ XB_CONFIG_PERIOD, XB_PERIOD_US_MIN - 1, 0 },
		{ XB_CONFIG_PERIOD, XB_PERIOD_US_MAX + 1, 0 },
		{ XB_CONFIG_PERIOD, 0, 0 },
		{ XB_CONFIG_CAP, 10000, XB_CAP_PM_MIN - 1 },
		{ XB_CONFIG_CAP, 10000, XB_CAP_PM_MAX + 1 },
		{ XB_CONFIG_PERIOD | XB_CONFIG_CAP, 10000, 5000 },
		{ 0, 10000, 500 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, set_config(self->fd, bad[i].flags,
					 bad[i].period_us, bad[i].cap_pm));
		EXPECT_EQ(EINVAL, errno) TH_LOG("case %u", i);
	}
	EXPECT_EQ(-1, set_config(self->fd, 1U << 9, 10000, 500));
	EXPECT_EQ(EOPNOTSUPP, errno);

	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_GET_CONFIG, &cfg))
		TH_LOG("GET_CONFIG: %s", strerror(errno));
	EXPECT_EQ(10000U, cfg.period_us);
	EXPECT_EQ(500U, cfg.cap_pm);
	cfg.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_GET_CONFIG, &cfg));
	EXPECT_EQ(EOPNOTSUPP, errno);

	/* The module parameters are the same configuration. */
	f = fopen("/sys/module/xballoon/parameters/cap_pm", "w");
	ASSERT_NE(NULL, f);
	fputs("5000", f);
	EXPECT_NE(0, fclose(f));	/* the write is refused */
	cfg.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_GET_CONFIG, &cfg));
	EXPECT_EQ(500U, cfg.cap_pm);
}

TEST_F(balloon, stats_are_readable_without_the_tool)
{
	char line[512];
	int lines = 0;
	FILE *f;

	f = fopen("/sys/kernel/debug/xballoon/stats", "r");
	if (!f) {
		/* debugfs may not be mounted: mount it, as a user would. */
		system("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
		f = fopen("/sys/kernel/debug/xballoon/stats", "r");
	}
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	/* A header, then one line per possible CPU. */
	EXPECT_LE(1 + sysconf(_SC_NPROCESSORS_ONLN), lines);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * A balloon in a child, pinned to @cpu; returns its pid once it holds the
 * CPU. It calls XB_IOC_BALLOON with @flags for good; with
 * XB_BALLOON_KTHREAD it is SCHED_FIFO 1 and makes one call, which must
 * end with EINTR on SIGUSR1 (exit 0; 2: another error, 3: it returned).
 */
static pid_t spawn_balloon(int cpu, __u32 flags)
{
	bool kthread = flags & XB_BALLOON_KTHREAD;
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		struct sched_param sp = { .sched_priority = 1 };
		struct sigaction sa = { .sa_handler = on_usr1 };
		struct xb_balloon b;
		int fd = open(XB_DEV, O_RDWR);

		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
		if (fd < 0 || pin_to(cpu) ||
		    (kthread && sched_setscheduler(0, SCHED_FIFO, &sp)))
			_exit(1);
		if (kthread) {
			/* The call holds until a signal: ready before it. */
			write(pipefd[1], "x", 1);
			if (!balloon(fd, cpu, flags, &b))
				_exit(3);
			_exit(errno == EINTR ? 0 : 2);
		}
		if (balloon(fd, cpu, flags, &b))
			_exit(1);
		write(pipefd[1], "x", 1);
		for (;;)
			balloon(fd, cpu, flags, &b);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(pipefd[0]);
	return pid;
}

TEST_F(balloon, sigkill_of_the_daemon_detaches_at_once)
{
	struct xb_balloon b;
	struct xb_cpu_stats s;
	pid_t pid;
	int fd2;

	pin_to(0);
	pid = spawn_balloon(self->cpu, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_NE(XB_MODE_DETACHED, s.mode);

	/* While it runs, the module cannot go. */
	EXPECT_EQ(-1, syscall(__NR_delete_module, "xballoon", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)
		TH_LOG("delete_module: %s", strerror(errno));

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_EQ(XB_MODE_DETACHED, s.mode);

	/* The CPU is free for the next balloon. */
	fd2 = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, pin_to(self->cpu));
	EXPECT_EQ(0, balloon(fd2, self->cpu, 0, &b));
	close(fd2);
}

/*
 * Dynamic mode: a CFS balloon is not charged for its halts, so it keeps
 * its claim on the CPU; a static balloon is charged as usual. Over a run,
 * busy = wall time not spent in WC sleeps; the scheduler charges about
 * busy (static) or busy - halted (dynamic).
 */
struct charge {
	unsigned long long halted, charged, busy;
};

static void measure_charge(struct __test_metadata *_metadata, int fd, int cpu,
			   __u32 flags, struct charge *c)
{
	unsigned long long r0, t0, end, sleeping = 0;
	struct xb_balloon b;

	c->halted = 0;
	ASSERT_EQ(0, balloon(fd, cpu, flags, &b));
	r0 = schedstat_ns("/proc/thread-self/schedstat");
	t0 = now_ns();
	end = t0 + 300 * MS;
	while (now_ns() < end) {
		unsigned long long w0 = now_ns();

		ASSERT_EQ(0, balloon(fd, cpu, flags, &b));
		if (b.reason == XB_BALLOON_PERIOD)
			sleeping += now_ns() - w0;
		c->halted += b.held_ns;
	}
	c->charged = schedstat_ns("/proc/thread-self/schedstat") - r0;
	c->busy = now_ns() - t0 - sleeping;
}

static int set_vclock(int fd, __u32 enable)
{
	struct xb_vclock vc = {
		.size = sizeof(vc),
		.flags = XB_VCLOCK_SET,
		.enable = enable,
	};

	return ioctl(fd, XB_IOC_VCLOCK, &vc);
}

TEST_F(balloon, dynamic_balloon_is_not_charged_for_its_halts)
{
	struct charge st, dyn;

	/* The virtual clock would take steal off both: measure without it. */
	ASSERT_EQ(0, set_vclock(self->fd, 0));
	measure_charge(_metadata, self->fd, self->cpu, 0, &st);
	measure_charge(_metadata, self->fd, self->cpu, XB_BALLOON_DYNAMIC,
		       &dyn);
	ASSERT_EQ(0, set_vclock(self->fd, 1));
	TH_LOG("static:  busy %llu ms, halted %llu ms, charged %llu ms",
	       st.busy / MS, st.halted / MS, st.charged / MS);
	TH_LOG("dynamic: busy %llu ms, halted %llu ms, charged %llu ms",
	       dyn.busy / MS, dyn.halted / MS, dyn.charged / MS);
	ASSERT_LT(20 * MS, st.halted);
	ASSERT_LT(20 * MS, dyn.halted);
	/* Without the flag the halts are charged as run time... */
	EXPECT_GT(st.charged, st.busy - st.halted / 2);
	/* ...with it, at least half of them are not. */
	EXPECT_LT(dyn.charged, dyn.busy - dyn.halted / 2);
}

/* A task that answers each byte on @in with a byte on @out, on @cpu. */
static pid_t spawn_echo(int cpu, int in, int out)
{
	pid_t pid = fork();
	char c;

	if (!pid) {
		pin_to(cpu);
		while (read(in, &c, 1) == 1)
			if (write(out, &c, 1) != 1)
				break;
		_exit(0);
	}
	return pid;
}

/*
 * A woken task ends the balloon's hold: with a dynamic balloon on a CPU,
 * a task there that wakes for each request still answers every one, and
 * the balloon counts that it gave way.
 */
TEST_F(balloon, a_woken_task_ends_the_hold)
{
	int req[2], rsp[2], i, answered = 0;
	struct xb_cpu_stats s0, s1;
	pid_t echo, holder;
	char c = 'x';

	if (self->cpu == 0)
		SKIP(return, "one CPU: no other CPU to send requests from");
	ASSERT_EQ(0, pipe(req));
	ASSERT_EQ(0, pipe(rsp));
	echo = spawn_echo(self->cpu, req[0], rsp[1]);
	ASSERT_LT(0, echo);
	ASSERT_EQ(0, pin_to(0));
	holder = spawn_balloon(self->cpu, XB_BALLOON_DYNAMIC);
	ASSERT_LT(0, holder);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s0));

	for (i = 0; i < 100; i++) {
		struct timespec gap = { 0, 3000000 };

		ASSERT_EQ(1, write(req[1], &c, 1));
		if (read(rsp[0], &c, 1) == 1)
			answered++;
		nanosleep(&gap, NULL);
	}
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	kill(echo, SIGKILL);	/* it holds the pipes' other ends too */
	waitpid(echo, NULL, 0);

	EXPECT_EQ(100, answered);
	EXPECT_LT(s0.yields, s1.yields)
		TH_LOG("the balloon never gave way (%llu yields)", s1.yields);
	TH_LOG("%llu yields, %llu halts", s1.yields - s0.yields,
	       s1.halts - s0.halts);
}

/* ---------------------------------------------------------------------- */
/* XB_BALLOON_KTHREAD: the module's kernel thread holds the CPU */

/* Is the kernel thread "xballoon/<cpu>" alive? */
static bool kthread_alive(int cpu)
{
	char want[32], path[300], comm[64];
	struct dirent *d;
	bool found = false;
	DIR *dir = opendir("/proc");
	FILE *f;

	if (!dir)
		return false;
	snprintf(want, sizeof(want), "xballoon/%d\n", cpu);
	while (!found && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(comm, sizeof(comm), f) && !strcmp(comm, want);
		fclose(f);
	}
	closedir(dir);
	return found;
}

static bool kthread_gone_within(int cpu, int ms)
{
	while (kthread_alive(cpu)) {
		if (ms <= 0)
			return false;
		sleep_ms(10);
		ms -= 10;
	}
	return true;
}

/* waitpid() with a timeout: its status, or -1 (then it is killed). */
static int end_of(pid_t pid, unsigned int ms)
{
	int status;

	if (wait_exit(pid, &status, ms, NULL))
		return status;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

TEST_F(balloon, kthread_mode_holds_until_a_signal)
{
	struct xb_cpu_stats s0, s1;
	pid_t pid;
	int status;

	pin_to(0);
	pid = spawn_balloon(self->cpu, XB_BALLOON_KTHREAD);
	ASSERT_LT(0, pid);
	sleep_ms(100);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s0));
	sleep_ms(200);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));
	EXPECT_TRUE(kthread_alive(self->cpu));
	/* It reserves: halts and periods go on while the caller sleeps. */
	EXPECT_NE(XB_MODE_DETACHED, s1.mode);
	EXPECT_LT(s0.halts, s1.halts);
	EXPECT_LT(s0.periods, s1.periods);

	ASSERT_EQ(0, kill(pid, SIGUSR1));
	status = end_of(pid, 2000);
	ASSERT_NE(-1, status) TH_LOG("the call did not return on a signal");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("holder status %#x (exit 2: not EINTR, 3: returned 0)",
		       status);
	EXPECT_TRUE(kthread_gone_within(self->cpu, 1000));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));
	EXPECT_EQ(XB_MODE_DETACHED, s1.mode);
}

TEST_F(balloon, kthread_mode_sigkill_stops_the_kthread)
{
	struct xb_cpu_stats s;
	pid_t pid;

	pin_to(0);
	pid = spawn_balloon(self->cpu, XB_BALLOON_KTHREAD);
	ASSERT_LT(0, pid);
	sleep_ms(100);
	EXPECT_TRUE(kthread_alive(self->cpu));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_NE(-1, end_of(pid, 2000));
	EXPECT_TRUE(kthread_gone_within(self->cpu, 1000));
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_EQ(XB_MODE_DETACHED, s.mode);
}

TEST_F(balloon, kthread_mode_is_static_only)
{
	struct xb_balloon b;

	EXPECT_EQ(-1, balloon(self->fd, self->cpu,
			      XB_BALLOON_KTHREAD | XB_BALLOON_DYNAMIC, &b));
	EXPECT_EQ(EINVAL, errno);
	/* The kernel thread takes the caller's SCHED_FIFO priority. */
	EXPECT_EQ(-1, balloon(self->fd, self->cpu, XB_BALLOON_KTHREAD, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_FALSE(kthread_alive(self->cpu));
}

/*
 * A stopped holder (SIGSTOP) holds nothing: within two periods its CPU
 * says so (absent) and the period timer stops; SIGCONT resumes holding.
 */
TEST_F(balloon, a_stopped_holder_is_absent_until_it_calls_again)
{
	struct xb_cpu_stats s, s2;
	unsigned int i;
	pid_t pid;

	pin_to(0);
	pid = spawn_balloon(self->cpu, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
	EXPECT_TRUE(s.mode == XB_MODE_NWC || s.mode == XB_MODE_WC)
		TH_LOG("mode %u", s.mode);

	ASSERT_EQ(0, kill(pid, SIGSTOP));
	for (i = 0; i < 100; i++) {
		sleep_ms(10);
		ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s));
		if (s.mode == XB_MODE_ABSENT)
			break;
	}
	EXPECT_EQ(XB_MODE_ABSENT, s.mode) TH_LOG("mode %u", s.mode);
	/* No period runs while nobody holds. */
	sleep_ms(100);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s2));
	EXPECT_EQ(s.periods, s2.periods);
	EXPECT_EQ(XB_MODE_ABSENT, s2.mode);

	ASSERT_EQ(0, kill(pid, SIGCONT));
	for (i = 0; i < 100; i++) {
		sleep_ms(10);
		ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s2));
		if (s2.mode != XB_MODE_ABSENT && s2.periods > s.periods)
			break;
	}
	EXPECT_TRUE(s2.mode == XB_MODE_NWC || s2.mode == XB_MODE_WC)
		TH_LOG("mode %u after SIGCONT", s2.mode);
	EXPECT_LT(s.periods, s2.periods);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * A holder moved off its CPU (an affinity change; with full preemption,
 * even between two halts of one call) must stop holding that CPU at once:
 * its halts would stop the wrong vCPU and be written to the first one's
 * state. The child exits 0 once a call says EINVAL.
 */
TEST_F(balloon, a_holder_moved_off_its_cpu_stops_holding)
{
	struct xb_cpu_stats s1, s2;
	cpu_set_t set;
	int status;
	pid_t pid;

	if (self->cpu == 0)
		SKIP(return, "needs two CPUs");
	/* Cap 10 %: nine tenths of each period are held, mostly in-call. */
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_CAP, 0, 100));
	pin_to(0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct xb_balloon b;
		int fd = open(XB_DEV, O_RDWR);

		if (fd < 0 || pin_to(self->cpu))
			_exit(1);
		while (!balloon(fd, self->cpu, 0, &b))
			;
		_exit(errno == EINVAL ? 0 : 2);
	}
	sleep_ms(100);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(pid, sizeof(set), &set));
	ASSERT_TRUE(wait_exit(pid, &status, 2000, NULL))
		TH_LOG("the holder went on holding after the move");
	EXPECT_EQ(0, exit_code(status));

	/* And nothing holds the first CPU any more. */
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));
	sleep_ms(100);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s2));
	EXPECT_EQ(s1.halts, s2.halts);
}

/* Every run-time parameter has a range, and a value is a whole one. */
TEST_F(balloon, parameters_refuse_values_out_of_range)
{
	static const struct { const char *name, *value; } bad[] = {
		{ "period_us", "999" }, { "period_us", "0x10" },
		{ "cap_pm", "5" }, { "cap_pm", "1001" },
		{ "gap_slack_us", "0" }, { "gap_slack_us", "4294967295" },
		{ "credit_max_us", "0" }, { "credit_max_us", "4294967295" },
		{ "credit_max_us", "-1" }, { "credit_max_us", "12abc" },
		{ "vclock", "1001" }, { "vclock", "0x10" },
		{ "vclock", "yes please" },
		{ "host_poll_off", "2" }, { "host_poll_off", "offf" },
		{ "cap_learn", "2" }, { "cap_learn", "yes please" },
	};
	char path[128], before[64], after[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(path, sizeof(path),
			 "/sys/module/xballoon/parameters/%s", bad[i].name);
		ASSERT_LE(0, read_str(path, before, sizeof(before)))
			TH_LOG("%s", path);
		EXPECT_NE(0, write_str(path, bad[i].value))
			TH_LOG("%s accepted \"%s\"", bad[i].name, bad[i].value);
		ASSERT_LE(0, read_str(path, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("%s", bad[i].name);
	}
	/* Good values still go in, and whole booleans. */
	EXPECT_EQ(0, write_str("/sys/module/xballoon/parameters/gap_slack_us",
			       "2000"));
	EXPECT_EQ(0, write_str("/sys/module/xballoon/parameters/credit_max_us",
			       "10000"));
}

/* KVM's CPUID leaves, found as the kernel's hypervisor_cpuid_base() does. */
static bool kvm_cpuid_features(unsigned int *features)
{
	unsigned int base, eax, ebx, ecx, edx;
	char sig[13];

	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		__cpuid(base, eax, ebx, ecx, edx);
		memcpy(sig, &ebx, 4);
		memcpy(sig + 4, &ecx, 4);
		memcpy(sig + 8, &edx, 4);
		sig[12] = 0;
		if (!strcmp(sig, "KVMKVMKVM") && eax - base >= 1) {
			__cpuid(base + 1, eax, ebx, ecx, edx);
			*features = eax;
			return true;
		}
	}
	return false;
}

/*
 * The host's halt polling is switched off only where KVM offers poll
 * control (KVM_FEATURE_POLL_CONTROL, bit 12): what the module found must
 * be what CPUID says here. The test machines (TCG, Xen) offer no KVM leaf,
 * so the MSR path itself runs only on a real KVM host.
 */
TEST_F(balloon, host_poll_control_matches_the_cpuid_leaves)
{
	const char *path = "/sys/module/xballoon/parameters/host_poll_control";
	unsigned int features = 0;
	char got[32];
	bool offered;

	ASSERT_LE(0, read_str(path, got, sizeof(got)));
	offered = kvm_cpuid_features(&features) && (features >> 12 & 1);
	TH_LOG("host_poll_control %s, KVM features %#x", got, features);
	EXPECT_STREQ(offered ? "offered" : "absent", got);
	/* Read only: the answer is the host's, not the user's. */
	EXPECT_NE(0, write_str(path, "offered"));
	EXPECT_EQ(0, write_str("/sys/module/xballoon/parameters/host_poll_off",
			       "N"));
	EXPECT_EQ(0, write_str("/sys/module/xballoon/parameters/host_poll_off",
			       "Y"));
}

/* A "NAME : ms.ns" field of a scheduler debug file, in ns; -1 if absent. */
static long long sched_field_ns(const char *path, const char *hdr,
				const char *name)
{
	char line[256], fmt[96];
	long long ms, frac, ret = -1;
	bool in = !hdr;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	snprintf(fmt, sizeof(fmt), " %s : %%lld.%%lld", name);
	while (fgets(line, sizeof(line), f)) {
		if (hdr && !strncmp(line, "cpu#", 4))
			in = !strncmp(line, hdr, strlen(hdr)) &&
			     (line[strlen(hdr)] == ',' || line[strlen(hdr)] == '\n');
		if (in && sscanf(line, fmt, &ms, &frac) == 2) {
			ret = ms * (long long)MS + frac;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Dynamic mode takes the balloon's halts off its charge. Moving its
 * exec_start from the interrupt that ended a halt raced any update_curr()
 * of another CPU: one during the halt (reading the balloon's run time
 * does one) set exec_start to its now, and the interrupt then pushed it
 * past the clock by that much. Now the charge is corrected under the
 * runqueue lock: read the run time from another CPU all along, and the
 * balloon's exec_start is never ahead of its CPU's task clock (read
 * after it), the vclock off or not.
 */
TEST_F(balloon, dynamic_balloon_exec_start_never_ahead_of_the_clock)
{
	char schedstat[64], sched[64], hdr[16];
	unsigned long long end, r0, r1, t0, wall, halted;
	struct xb_cpu_stats s0, s1;
	int samples = 0, ahead = 0;
	long long start, clock, worst = 0;
	pid_t holder;

	if (self->cpu == 0)
		SKIP(return, "one CPU: no other CPU to read from");
	if (access("/sys/kernel/debug/sched/debug", R_OK))
		SKIP(return, "no /sys/kernel/debug/sched/debug");
	ASSERT_EQ(0, set_vclock(self->fd, 0));
	ASSERT_EQ(0, pin_to(0));
	holder = spawn_balloon(self->cpu, XB_BALLOON_DYNAMIC);
	ASSERT_LT(0, holder);
	snprintf(schedstat, sizeof(schedstat), "/proc/%d/schedstat", holder);
	snprintf(sched, sizeof(sched), "/proc/%d/sched", holder);
	snprintf(hdr, sizeof(hdr), "cpu#%d", self->cpu);
	sleep_ms(100);
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s0));
	r0 = schedstat_ns(schedstat);
	t0 = now_ns();
	end = t0 + 2000 * MS;
	/*
	 * At least 2 s and 100 samples, up to 10 s: the scheduler's debug
	 * file is slow to read on a KASAN kernel (38 samples in 2 s).
	 */
	while (now_ns() < end ||
	       (samples < 100 && now_ns() < t0 + 10000 * MS)) {
		/* An update_curr() of the balloon from here, mid-halt or not. */
		schedstat_ns(schedstat);
		start = sched_field_ns(sched, NULL, "se.exec_start");
		clock = sched_field_ns("/sys/kernel/debug/sched/debug", hdr,
				       ".clock_task");
		if (start < 0 || clock < 0)
			continue;
		samples++;
		if (start > clock) {
			ahead++;
			if (start - clock > worst)
				worst = start - clock;
		}
	}
	r1 = schedstat_ns(schedstat);
	wall = now_ns() - t0;
	ASSERT_EQ(0, cpu_stats(self->fd, self->cpu, &s1));
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	ASSERT_EQ(0, set_vclock(self->fd, 1));
	halted = s1.halt_ns - s0.halt_ns;
	TH_LOG("%d samples, exec_start ahead of the clock in %d (worst by %lld us)",
	       samples, ahead, worst / 1000);
	TH_LOG("balloon halted %llu ms, charged %llu ms in %llu ms",
	       halted / MS, (r1 - r0) / MS, wall / MS);
	ASSERT_LT(50, samples);
	EXPECT_EQ(0, ahead);
	/* At most half of its halts charged, whoever charged them. */
	ASSERT_LT(100 * MS, halted);
	EXPECT_GT(wall - halted / 2, r1 - r0);
}

TEST_HARNESS_MAIN
