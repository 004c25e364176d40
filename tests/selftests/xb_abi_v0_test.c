// SPDX-License-Identifier: GPL-2.0
/*
 * xb_abi_v0_test - a binary built from the UAPI header as 0.1.0 shipped it
 * (tests/selftests/abi/), making every ioctl the tools of that release made,
 * with the numbers and structure sizes of that release: today's module must
 * serve it. XB_IOC_CREDIT also with its number from before cgroup_id
 * (0xc038ba47, a 0x38-byte structure).
 *
 * The old header has the include guard of today's, so the
 * <linux/xballoon.h> of xb_util.h adds nothing; the static assertions below
 * fail the build if today's numbers ever got in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/xballoon-v0.1.0.h"
#include "abi/xballoon-credit-fd6dc54.h"

#include "kselftest_harness.h"
#include "xb_util.h"

/* The numbers 0.1.0 shipped: what an old binary sends. */
_Static_assert(XB_IOC_INFO == 0xc048ba40, "XB_IOC_INFO of 0.1.0");
_Static_assert(XB_IOC_CPU_STEAL == 0xc020ba41, "XB_IOC_CPU_STEAL of 0.1.0");
_Static_assert(XB_IOC_BALLOON == 0xc020ba42, "XB_IOC_BALLOON of 0.1.0");
_Static_assert(XB_IOC_GET_CONFIG == 0xc014ba43, "XB_IOC_GET_CONFIG of 0.1.0");
_Static_assert(XB_IOC_SET_CONFIG == 0xc014ba44, "XB_IOC_SET_CONFIG of 0.1.0");
_Static_assert(XB_IOC_CPU_STATS == 0xc070ba45, "XB_IOC_CPU_STATS of 0.1.0");
_Static_assert(XB_IOC_VCLOCK == 0xc028ba46, "XB_IOC_VCLOCK of 0.1.0");
_Static_assert(XB_IOC_CREDIT == 0xc040ba47, "XB_IOC_CREDIT of 0.1.0");
_Static_assert(XB_IOC_CREDIT_FD6DC54 == 0xc038ba47,
	       "XB_IOC_CREDIT before cgroup_id");
_Static_assert(XB_ABI_VERSION == 1, "ABI version of 0.1.0");

/* The comm the credit tests add: no task of the guest has it. */
#define TEST_COMM "xb-abi-v0"

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The last online CPU, as xballoond's balloons would hold it. */
static int test_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) - 1;
}

static int get_config(int fd, struct xb_config *cfg)
{
	XB_ARG_INIT(cfg);
	return do_ioctl(fd, XB_IOC_GET_CONFIG, cfg);
}

static int set_config(int fd, __u32 flags, __u32 period_us, __u32 cap_pm)
{
	struct xb_config cfg = {
		.size = sizeof(cfg),
		.flags = flags,
		.period_us = period_us,
		.cap_pm = cap_pm,
	};

	return do_ioctl(fd, XB_IOC_SET_CONFIG, &cfg);
}

static int cpu_stats(int fd, int cpu, struct xb_cpu_stats *st)
{
	XB_ARG_INIT(st);
	st->cpu = cpu;
	return do_ioctl(fd, XB_IOC_CPU_STATS, st);
}

static int balloon(int fd, int cpu, __u32 flags, struct xb_balloon *b)
{
	XB_ARG_INIT(b);
	b->flags = flags;
	b->cpu = cpu;
	return do_ioctl(fd, XB_IOC_BALLOON, b);
}

/* XB_IOC_CREDIT with the 0x38-byte structure and the number of its day. */
static int credit_fd6dc54(int fd, __u32 op, __u32 pid, __u32 index,
			  const char *comm, struct xb_credit_fd6dc54 *c)
{
	XB_ARG_INIT(c);
	c->op = op;
	c->pid = pid;
	c->index = index;
	if (comm)
		memcpy(c->comm, comm, strnlen(comm, sizeof(c->comm)));
	return do_ioctl(fd, XB_IOC_CREDIT_FD6DC54, c);
}

FIXTURE(v0) {
	int fd;
	struct xb_info info;
	struct xb_config cfg;	/* as found, restored at the end */
};

FIXTURE_SETUP(v0)
{
	struct xb_credit c;
	const char *mod = getenv("XB_MODULE");

	self->fd = -1;
	if (!xb_loaded()) {
		if (!mod || !*mod)
			SKIP(return,
			     "xballoon not loaded and XB_MODULE not set");
		ASSERT_EQ(0, xb_load(NULL));
	}
	self->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	/* What an old tool does first: XB_IOC_INFO, ENOTTY if it is gone. */
	ASSERT_EQ(0, xb_get_info(self->fd, &self->info))
		TH_LOG("XB_IOC_INFO 0x%08lx: %s", (unsigned long)XB_IOC_INFO,
		       strerror(errno));
	ASSERT_EQ(0, get_config(self->fd, &self->cfg));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
}

FIXTURE_TEARDOWN(v0)
{
	struct xb_credit c;

	if (self->fd < 0)
		return;
	credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c);
	set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP,
		   self->cfg.period_us, self->cfg.cap_pm);
	close(self->fd);
}

/* xballoonctl info: the ABI version it checks, every field filled in. */
TEST_F(v0, info)
{
	struct xb_info *info = &self->info;
	__u64 all = XB_FEATURE_CPU_STEAL | XB_FEATURE_BALLOON |
		    XB_FEATURE_VCLOCK | XB_FEATURE_CREDIT;

	EXPECT_EQ(XB_ABI_VERSION, info->abi_version);
	EXPECT_EQ(sizeof(*info), info->size);
	EXPECT_EQ(all, info->features & all);
	EXPECT_LE(1U, info->nr_cpus);
	EXPECT_LE(info->nr_cpus, info->nr_cpu_ids);
	EXPECT_GE(XB_STEAL_GAP, info->steal_source);
	EXPECT_NE(0, info->module_version[0]);
	EXPECT_EQ(0, info->module_version[XB_VERSION_LEN - 1]);
	EXPECT_EQ(0U, info->__reserved);
}

/* xballoonctl steal: every online CPU, a clock that moves on. */
TEST_F(v0, cpu_steal)
{
	struct xb_cpu_steal a, b;
	int cpu, n = sysconf(_SC_NPROCESSORS_ONLN);

	for (cpu = 0; cpu < n; cpu++) {
		ASSERT_EQ(0, xb_get_steal(self->fd, cpu, &a))
			TH_LOG("cpu %d: %s", cpu, strerror(errno));
		ASSERT_EQ(0, xb_get_steal(self->fd, cpu, &b));
		EXPECT_GE(XB_STEAL_GAP, a.steal_source);
		EXPECT_LT(a.clock_ns, b.clock_ns);
		EXPECT_LE(a.steal_ns, b.steal_ns);
	}
	EXPECT_EQ(-1, xb_get_steal(self->fd, self->info.nr_cpu_ids, &a));
	EXPECT_EQ(EINVAL, errno);
}

/* xballoonctl config and xballoond's start: get, set, read back. */
TEST_F(v0, config)
{
	__u32 period = self->cfg.period_us == 20000 ? 10000 : 20000;
	struct xb_config cfg;

	EXPECT_LE(XB_PERIOD_US_MIN, self->cfg.period_us);
	EXPECT_GE(XB_PERIOD_US_MAX, self->cfg.period_us);
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP,
				period, 500));
	ASSERT_EQ(0, get_config(self->fd, &cfg));
	EXPECT_EQ(period, cfg.period_us);
	EXPECT_EQ(500U, cfg.cap_pm);
	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_CAP, 0, 0));
	ASSERT_EQ(0, get_config(self->fd, &cfg));
	EXPECT_EQ(period, cfg.period_us);
	EXPECT_EQ(0U, cfg.cap_pm);
	EXPECT_EQ(-EINVAL, set_config(self->fd, XB_CONFIG_PERIOD, 999, 0));
	EXPECT_EQ(-EOPNOTSUPP, set_config(self->fd, 1U << 31, period, 0));
}

/* xballoonctl status: the counters of every CPU. */
TEST_F(v0, cpu_stats)
{
	struct xb_cpu_stats st;
	int cpu, n = sysconf(_SC_NPROCESSORS_ONLN);

	for (cpu = 0; cpu < n; cpu++) {
		ASSERT_EQ(0, cpu_stats(self->fd, cpu, &st))
			TH_LOG("cpu %d: %s", cpu, strerror(errno));
		EXPECT_EQ(self->cfg.period_us, st.period_us);
		EXPECT_EQ(self->cfg.cap_pm, st.cap_pm);
		EXPECT_GE(XB_MODE_WC, st.mode);
		EXPECT_EQ(sizeof(st), st.size);
	}
}

/* xballoonctl vclock [on|off]: read, turn off, put back. */
TEST_F(v0, vclock)
{
	struct xb_vclock vc;
	__u32 was;

	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_GE(XB_VCLOCK_NO_STEAL, vc.state);
	was = vc.enable;
	EXPECT_GE(1U, was);
	ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, 0, &vc));
	EXPECT_TRUE(vc.state == XB_VCLOCK_OFF || vc.state == XB_VCLOCK_KERNEL)
		TH_LOG("state %u", vc.state);
	EXPECT_EQ(0U, vc.enable);
	ASSERT_EQ(0, vclock_ioc(self->fd, XB_VCLOCK_SET, was, &vc));
	EXPECT_EQ(was, vc.enable);
	EXPECT_EQ(-1, vclock_ioc(self->fd, XB_VCLOCK_SET, 2, &vc));
	EXPECT_EQ(EINVAL, errno);
}

/* xballoond --mode static and --mode dynamic: a few balloon calls. */
TEST_F(v0, balloon)
{
	static const __u32 modes[] = { 0, XB_BALLOON_DYNAMIC };
	int cpu = test_cpu(), i, m;
	struct xb_cpu_stats s0, s1;
	unsigned long long end;
	struct xb_balloon b;

	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP,
				10000, 500));
	ASSERT_EQ(0, pin_to(cpu));
	ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s0));
	for (m = 0; m < 2; m++) {
		/* A file attaches to a CPU in one mode: a new one for each. */
		int fd = open(XB_DEV, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd);
		/* Past a few periods of 10 ms, however quick the calls. */
		end = now_ns() + 50 * NSEC_PER_MSEC;
		for (i = 0; i < 5 || now_ns() < end; i++) {
			ASSERT_EQ(0, balloon(fd, cpu, modes[m], &b))
				TH_LOG("flags %#x: %s", modes[m],
				       strerror(errno));
			EXPECT_LE(XB_BALLOON_WOKEN, b.reason);
			EXPECT_GE(XB_BALLOON_YIELD, b.reason);
			EXPECT_NE(XB_MODE_DETACHED, b.mode);
			EXPECT_EQ(0U, b.__reserved);
		}
		close(fd);
	}
	ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s1));
	EXPECT_LT(s0.periods, s1.periods);
	EXPECT_EQ(-EOPNOTSUPP, balloon(self->fd, cpu, 1U << 30, &b));
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* xballoond --mode kthread: one call that holds until a signal. */
TEST_F(v0, balloon_kthread)
{
	int cpu = test_cpu(), pipefd[2], status;
	struct xb_cpu_stats s0, s1;
	pid_t pid;
	char c;

	ASSERT_EQ(0, set_config(self->fd, XB_CONFIG_PERIOD | XB_CONFIG_CAP,
				10000, 500));
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct sched_param sp = { .sched_priority = 1 };
		struct sigaction sa = { .sa_handler = on_usr1 };
		struct xb_balloon b;
		int fd = open(XB_DEV, O_RDWR);

		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
		if (fd < 0 || pin_to(cpu) ||
		    sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		if (!balloon(fd, cpu, XB_BALLOON_KTHREAD, &b))
			_exit(3);
		_exit(errno == EINTR ? 0 : 2);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	close(pipefd[0]);

	sleep_ms(100);
	ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s0));
	sleep_ms(200);
	ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s1));
	EXPECT_NE(XB_MODE_DETACHED, s1.mode);
	EXPECT_LT(s0.periods, s1.periods);

	ASSERT_EQ(0, kill(pid, SIGUSR1));
	if (!wait_exit(pid, &status, 5000, NULL)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(false) TH_LOG("the call did not end on a signal");
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("holder status %#x (exit 2: not EINTR, 3: returned 0)",
		       status);
}

/* xballoonctl credit add/list/del/clear, with the 0x40-byte structure. */
TEST_F(v0, credit)
{
	char dir[64];
	struct xb_credit c;
	__u64 id;
	int ret;

	ret = cg2_mount();
	ASSERT_EQ(0, ret) TH_LOG("mount cgroup2: %s", strerror(-ret));
	snprintf(dir, sizeof(dir), CG_MNT "/xb-abi-v0-%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0755)) TH_LOG("%s: %s", dir, strerror(errno));
	id = cg_id(dir);
	ASSERT_NE(0ULL, id);

	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	EXPECT_EQ(1U, c.nr_entries);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_COMM, 0, TEST_COMM, &c));
	EXPECT_EQ(2U, c.nr_entries);
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, id, &c));
	EXPECT_EQ(3U, c.nr_entries);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	EXPECT_EQ(EEXIST, errno);

	/* The list, as xballoonctl credit list reads it: GET to ENOENT. */
	ASSERT_EQ(0, credit_get(self->fd, 0, &c));
	EXPECT_EQ((__u32)getpid(), c.pid);
	EXPECT_EQ(0, c.comm[0]);
	EXPECT_EQ(0ULL, c.cgroup_id);
	ASSERT_EQ(0, credit_get(self->fd, 1, &c));
	EXPECT_EQ(0U, c.pid);
	EXPECT_STREQ(TEST_COMM, c.comm);
	ASSERT_EQ(0, credit_get(self->fd, 2, &c));
	EXPECT_EQ(id, c.cgroup_id);
	EXPECT_EQ(3U, c.nr_entries);
	EXPECT_EQ(ENOENT, credit_get(self->fd, 3, &c));

	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_DEL_PID, getpid(), NULL, &c));
	EXPECT_EQ(2U, c.nr_entries);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_DEL_COMM, 0, TEST_COMM, &c));
	EXPECT_EQ(1U, c.nr_entries);
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, id, &c));
	EXPECT_EQ(0U, c.nr_entries);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, id, &c));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
	rmdir(dir);
}

/*
 * The credit tools before cgroup_id: number 0xc038ba47, 0x38 bytes. Served
 * alike, and nothing is written past the structure they know.
 */
TEST_F(v0, credit_before_cgroup_id)
{
	union {
		struct xb_credit_fd6dc54 c;
		char bytes[sizeof(struct xb_credit_fd6dc54) + 16];
	} u;
	struct xb_credit_fd6dc54 *c = &u.c;
	size_t i;

	ASSERT_EQ(0x38, sizeof(*c));
	memset(&u, 0xa5, sizeof(u));
	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_ADD_PID, getpid(), 0,
				    NULL, c));
	EXPECT_EQ(1U, c->nr_entries);
	EXPECT_EQ(sizeof(*c), c->size);
	for (i = sizeof(*c); i < sizeof(u); i++)
		EXPECT_EQ((char)0xa5, u.bytes[i]);

	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_ADD_COMM, 0, 0,
				    TEST_COMM, c));
	EXPECT_EQ(2U, c->nr_entries);
	EXPECT_EQ(-EEXIST, credit_fd6dc54(self->fd, XB_CREDIT_ADD_COMM, 0, 0,
					  TEST_COMM, c));

	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_GET, 0, 0, NULL, c));
	EXPECT_EQ((__u32)getpid(), c->pid);
	EXPECT_EQ(0, c->comm[0]);
	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_GET, 0, 1, NULL, c));
	EXPECT_EQ(0U, c->pid);
	EXPECT_STREQ(TEST_COMM, c->comm);
	EXPECT_EQ(-ENOENT, credit_fd6dc54(self->fd, XB_CREDIT_GET, 0, 2, NULL,
					  c));

	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_DEL_PID, getpid(), 0,
				    NULL, c));
	EXPECT_EQ(1U, c->nr_entries);
	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_DEL_COMM, 0, 0,
				    TEST_COMM, c));
	EXPECT_EQ(0U, c->nr_entries);
	EXPECT_EQ(-ENOENT, credit_fd6dc54(self->fd, XB_CREDIT_DEL_PID,
					  getpid(), 0, NULL, c));
	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_ADD_PID, getpid(), 0,
				    NULL, c));
	ASSERT_EQ(0, credit_fd6dc54(self->fd, XB_CREDIT_CLEAR, 0, 0, NULL, c));
	EXPECT_EQ(0U, c->nr_entries);
}

/* The errno list of 0.1.0 holds for its numbers. */
TEST_F(v0, errors)
{
	struct xb_info info;
	struct xb_credit c;

	XB_ARG_INIT(&info);
	info.size = 0;
	EXPECT_EQ(-EINVAL, do_ioctl(self->fd, XB_IOC_INFO, &info));
	info.size = offsetof(struct xb_info, module_version);
	EXPECT_EQ(-EINVAL, do_ioctl(self->fd, XB_IOC_INFO, &info));
	XB_ARG_INIT(&info);
	info.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP, do_ioctl(self->fd, XB_IOC_INFO, &info));
	XB_ARG_INIT(&info);
	info.__reserved = 1;
	EXPECT_EQ(-EINVAL, do_ioctl(self->fd, XB_IOC_INFO, &info));
	EXPECT_EQ(-EFAULT, do_ioctl(self->fd, XB_IOC_INFO, NULL));
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_DEL_COMM, 0, TEST_COMM, &c));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, 4000000, NULL, &c));
	EXPECT_EQ(ESRCH, errno);
}

TEST_HARNESS_MAIN
