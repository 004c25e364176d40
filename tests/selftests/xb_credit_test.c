// SPDX-License-Identifier: GPL-2.0
/*
 * xb_credit_test - selftests of fair credit (XB_IOC_CREDIT), run as root
 * inside a guest with xballoon.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"

#define XB_DEV "/dev/xballoon"
#define SCHEDSTATS "/proc/sys/kernel/sched_schedstats"
#define MS 1000000ULL

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int credit(int fd, __u32 op, __u32 pid, const char *comm,
		  struct xb_credit *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->op = op;
	c->pid = pid;
	if (comm)
		memcpy(c->comm, comm, strnlen(comm, sizeof(c->comm)));
	return ioctl(fd, XB_IOC_CREDIT, c);
}

static char read_char(const char *path)
{
	char c = '0';
	FILE *f = fopen(path, "r");

	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

static pid_t spawn_pinned(int cpu, unsigned long long busy_ms,
			  unsigned long long sleep_ms)
{
	pid_t pid = fork();

	if (!pid) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		for (;;) {
			unsigned long long end = now_ns() + busy_ms * MS;

			while (now_ns() < end)
				;
			if (sleep_ms)
				usleep(sleep_ms * 1000);
		}
	}
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

FIXTURE(credit) {
	int fd;
};

FIXTURE_SETUP(credit)
{
	struct xb_credit c;

	self->fd = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
}

FIXTURE_TEARDOWN(credit)
{
	struct xb_credit c;

	credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c);
	close(self->fd);
}

TEST_F(credit, bad_entries_get_clear_errors)
{
	char noterm[XB_COMM_LEN];
	struct xb_credit c;

	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, 0, NULL, &c));
	EXPECT_EQ(EINVAL, errno);
	/* Below PID_MAX_LIMIT, above any pid this guest has handed out. */
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, 4000000, NULL, &c));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, 0xffffffff, NULL, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "", &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "a/b", &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "tab\tname", &c));
	EXPECT_EQ(EINVAL, errno);
	memset(noterm, 'x', sizeof(noterm));
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, noterm, &c));
	EXPECT_EQ(EINVAL, errno);
	/* A pid and a name at once. */
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 1, "init", &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit(self->fd, 0, 0, NULL, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_CLEAR + 1, 0, NULL, &c));
	EXPECT_EQ(EINVAL, errno);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_CLEAR;
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EOPNOTSUPP, errno);

	/* Nothing was added by any of that. */
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
}

TEST_F(credit, add_get_remove)
{
	struct xb_credit c;

	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	EXPECT_EQ(1U, c.nr_entries);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "memcached", &c));
	EXPECT_EQ(2U, c.nr_entries);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "memcached", &c));
	EXPECT_EQ(EEXIST, errno);

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_GET;
	c.index = 0;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ((__u32)getpid(), c.pid);
	EXPECT_EQ(0, c.comm[0]);
	c.index = 1;
	c.pid = 0;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(0U, c.pid);
	EXPECT_STREQ("memcached", c.comm);
	memset(c.comm, 0, sizeof(c.comm));
	c.index = 2;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(ENOENT, errno);

	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_DEL_COMM, 0, "memcached", &c));
	EXPECT_EQ(1U, c.nr_entries);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_DEL_COMM, 0, "memcached", &c));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_DEL_PID, getpid(), NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
}

TEST_F(credit, the_set_is_bounded)
{
	struct xb_credit c;
	char name[XB_COMM_LEN];
	int i;

	for (i = 0; i < XB_CREDIT_MAX; i++) {
		snprintf(name, sizeof(name), "task%d", i);
		ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_COMM, 0, name, &c));
	}
	EXPECT_EQ(XB_CREDIT_MAX, (int)c.nr_entries);
	EXPECT_EQ(-1, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "onemore", &c));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
}

/*
 * A light task (2 ms of work, 20 ms of sleep) beside a CPU hog on one CPU:
 * as a member its wake-ups get credit back, bounded by credit_max_us; as a
 * non-member they do not.
 */
TEST_F(credit, members_keep_bounded_credit_across_sleeps)
{
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	struct xb_credit a, b, c;
	pid_t hog, light;
	unsigned long long per_wake;
	char was = read_char(SCHEDSTATS);

	write_file(SCHEDSTATS, "1");
	write_file("/sys/module/xballoon/parameters/credit_max_us", "10000");
	hog = spawn_pinned(cpu, 1000000, 0);
	light = spawn_pinned(cpu, 2, 20);
	ASSERT_LT(0, hog);
	ASSERT_LT(0, light);

	/* Not a member: nothing restored. */
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_COMM, 0, "nosuchtask", &a));
	usleep(300000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_GET, 0, NULL, &b));
	EXPECT_EQ(a.restored, b.restored);

	/* A member: its wake-ups get credit back. */
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, light, NULL, &a));
	usleep(1000000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_DEL_PID, light, NULL, &b));
	stop(light);
	stop(hog);
	write_file(SCHEDSTATS, was == '1' ? "1" : "0");

	TH_LOG("%llu wake-ups restored, %llu us of credit in all",
	       b.restored - a.restored, (b.credited_ns - a.credited_ns) / 1000);
	ASSERT_LT(a.restored + 5, b.restored);
	per_wake = (b.credited_ns - a.credited_ns) / (b.restored - a.restored);
	EXPECT_LT(0ULL, per_wake);
	EXPECT_GE(10 * MS, per_wake);

	/* Once removed, nothing more. */
	usleep(100000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(b.restored, c.restored);
}

TEST_HARNESS_MAIN
