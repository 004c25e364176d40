// SPDX-License-Identifier: GPL-2.0
/*
 * xb_credit_test - selftests of fair credit (XB_IOC_CREDIT), run as root
 * inside a guest with xballoon.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"
#include "xb_util.h"

#define SCHEDSTATS "/proc/sys/kernel/sched_schedstats"
#define MS NSEC_PER_MSEC

static pid_t spawn_pinned(int cpu, unsigned long long busy_ms,
			  unsigned long long nap_ms)
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
			if (nap_ms)
				usleep(nap_ms * 1000);
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
	char was = read_char(SCHEDSTATS, '0');

	write_str(SCHEDSTATS, "1");
	write_str("/sys/module/xballoon/parameters/credit_max_us", "10000");
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
	write_str(SCHEDSTATS, was == '1' ? "1" : "0");

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

/* ---------------------------------------------------------------------- */
/* Cgroup entries */

/* "nr_dying_descendants N" of @dir's cgroup.stat, -1 if unreadable. */
static long cg_dying(const char *dir)
{
	char path[PATH_MAX], key[64];
	long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.stat", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, "nr_dying_descendants"))
			ret = v;
	fclose(f);
	return ret;
}

/*
 * The fixture's cgroups, made below the cgroup2 mount (mounted at CG_MNT
 * if the guest has none): top, top/a, top/a/b (a's descendant) and
 * top/other (outside a).
 */
FIXTURE(cg) {
	int fd;
	pid_t hog, light;
	char schedstats;	/* as found, 0 if not changed */
	char top[64], a[64], b[64], other[64];
};

FIXTURE_SETUP(cg)
{
	struct xb_credit c;
	int ret;

	self->fd = open(XB_DEV, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	ret = cg2_mount();
	ASSERT_EQ(0, ret) TH_LOG("mount cgroup2 on %s: %s", CG_MNT,
				 strerror(-ret));
	snprintf(self->top, sizeof(self->top), CG_MNT "/xb-credit-%d",
		 getpid());
	snprintf(self->a, sizeof(self->a), CG_MNT "/xb-credit-%d/a", getpid());
	snprintf(self->b, sizeof(self->b), CG_MNT "/xb-credit-%d/a/b",
		 getpid());
	snprintf(self->other, sizeof(self->other), CG_MNT "/xb-credit-%d/other",
		 getpid());
	ASSERT_EQ(0, mkdir(self->top, 0755)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mkdir(self->a, 0755)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mkdir(self->b, 0755)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, mkdir(self->other, 0755)) TH_LOG("%s", strerror(errno));
}

FIXTURE_TEARDOWN(cg)
{
	struct xb_credit c;

	if (self->light > 0)
		stop(self->light);
	if (self->hog > 0)
		stop(self->hog);
	if (self->schedstats)
		write_str(SCHEDSTATS, self->schedstats == '1' ? "1" : "0");
	credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c);
	close(self->fd);
	/* Killed and reaped tasks have left their cgroups: all are empty. */
	rmdir(self->b);
	rmdir(self->a);
	rmdir(self->other);
	rmdir(self->top);
}

TEST_F(cg, add_get_del)
{
	__u64 a = cg_id(self->a), b = cg_id(self->b), id0;
	struct xb_credit c;

	ASSERT_NE(0ULL, a);
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, a, &c))
		TH_LOG("ADD_CGROUP %llu: %s", (unsigned long long)a,
		       strerror(errno));
	EXPECT_EQ(1U, c.nr_entries);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, a, &c));
	EXPECT_EQ(EEXIST, errno);
	/* A descendant is an entry of its own. */
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, b, &c));
	EXPECT_EQ(2U, c.nr_entries);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, getpid(), NULL, &c));
	EXPECT_EQ(3U, c.nr_entries);

	/* GET: the id out, pid and comm empty; 0 for other entries. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_GET;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(a, c.cgroup_id);
	EXPECT_EQ(0U, c.pid);
	EXPECT_EQ(0, c.comm[0]);
	c.index = 2;
	c.cgroup_id = 0;
	c.pid = 0;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ((__u32)getpid(), c.pid);
	EXPECT_EQ(0ULL, c.cgroup_id);

	/* A caller of the first version: served, no id written. */
	memset(&c, 0, sizeof(c));
	c.size = offsetof(struct xb_credit, cgroup_id);
	c.op = XB_CREDIT_GET;
	c.cgroup_id = 0x5a5a;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(0x5a5aULL, c.cgroup_id);
	EXPECT_EQ(3U, c.nr_entries);
	/* A size that cuts the id in two is refused. */
	c.size = offsetof(struct xb_credit, cgroup_id) + 4;
	c.cgroup_id = 0;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, a, &c));
	EXPECT_EQ(2U, c.nr_entries);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, a, &c));
	EXPECT_EQ(ENOENT, errno);
	/* The descendant's entry stays: one of the two left. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_GET;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	id0 = c.cgroup_id;
	c.index = 1;
	c.cgroup_id = 0;
	c.pid = 0;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_TRUE(id0 == b || c.cgroup_id == b);
	EXPECT_TRUE(!id0 || !c.cgroup_id);
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, b, &c));
	EXPECT_EQ(1U, c.nr_entries);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
}

TEST_F(cg, bad_ids_and_mixed_fields)
{
	__u64 a = cg_id(self->a), file_id;
	char path[128];
	struct xb_credit c;

	snprintf(path, sizeof(path), "%s/cgroup.procs", self->a);
	file_id = cg_id(path);
	ASSERT_NE(0ULL, a);
	ASSERT_NE(0ULL, file_id);

	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, 0, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, 0, &c));
	EXPECT_EQ(EINVAL, errno);
	/* A kernfs file is no cgroup; nor is an id no node has. */
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, file_id, &c));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, 1ULL << 60,
				&c));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, ~0ULL, &c));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, a, &c));
	EXPECT_EQ(ENOENT, errno);

	/* An id with a pid or a name, or with an op that takes none. */
	credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, a, &c);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_ADD_CGROUP;
	c.cgroup_id = a;
	c.pid = getpid();
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);
	c.pid = 0;
	memcpy(c.comm, "init", 5);
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);
	memset(c.comm, 0, sizeof(c.comm));
	c.op = XB_CREDIT_ADD_PID;
	c.pid = getpid();
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);
	c.op = XB_CREDIT_ADD_COMM;
	c.pid = 0;
	memcpy(c.comm, "init", 5);
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);
	memset(c.comm, 0, sizeof(c.comm));
	c.op = XB_CREDIT_GET;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);
	c.op = XB_CREDIT_DEL_CGROUP + 1;
	EXPECT_EQ(-1, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(EINVAL, errno);

	/* Nothing was added by any of that. */
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c));
	EXPECT_EQ(0U, c.nr_entries);
}

/*
 * rmdir of a cgroup in the set works; its entry stays, matching nothing,
 * until DEL by id. The entry's reference keeps the cgroup dying; after DEL
 * it must go (a lost cgroup_put() would keep it dying for ever).
 */
TEST_F_TIMEOUT(cg, removed_while_in_the_set, 60)
{
	__u64 b = cg_id(self->b);
	long dying0, dying = -1;
	struct xb_credit c;
	int i;

	ASSERT_NE(0ULL, b);
	dying0 = cg_dying(self->top);
	ASSERT_LE(0, dying0) TH_LOG("no nr_dying_descendants in cgroup.stat");
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, b, &c));
	ASSERT_EQ(0, rmdir(self->b)) TH_LOG("rmdir %s: %s", self->b,
					    strerror(errno));
	/* Dying: gone from the tree, still referenced by the entry. */
	usleep(200000);
	EXPECT_LT(dying0, cg_dying(self->top));

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = XB_CREDIT_GET;
	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_CREDIT, &c));
	EXPECT_EQ(b, c.cgroup_id);
	/* No live cgroup has the id: ENOENT beats EEXIST. */
	EXPECT_EQ(-1, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP, b, &c));
	EXPECT_EQ(ENOENT, errno);

	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_DEL_CGROUP, b, &c));
	EXPECT_EQ(0U, c.nr_entries);
	for (i = 0; i < 100; i++) {
		dying = cg_dying(self->top);
		if (dying == dying0)
			break;
		usleep(50000);
	}
	EXPECT_EQ(dying0, dying) TH_LOG("the removed cgroup is still dying");
	/* The rest of the tree goes as usual. */
	EXPECT_EQ(0, rmdir(self->a));
}

/*
 * The light task of members_keep_bounded_credit_across_sleeps, moved
 * between cgroups while a's entry is in the set: credit back inside a's
 * subtree (in a/b), none in a sibling of a.
 */
TEST_F_TIMEOUT(cg, subtree_members_keep_credit, 60)
{
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	struct xb_credit a, b;

	self->schedstats = read_char(SCHEDSTATS, '0');
	write_str(SCHEDSTATS, "1");
	write_str("/sys/module/xballoon/parameters/credit_max_us", "10000");
	self->hog = spawn_pinned(cpu, 1000000, 0);
	self->light = spawn_pinned(cpu, 2, 20);
	ASSERT_LT(0, self->hog);
	ASSERT_LT(0, self->light);
	ASSERT_EQ(0, cg_move(self->other, self->light));
	ASSERT_EQ(0, credit_cg(self->fd, XB_CREDIT_ADD_CGROUP,
			       cg_id(self->a), &a));

	/* Outside a: nothing restored. */
	usleep(300000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_GET, 0, NULL, &b));
	EXPECT_EQ(a.restored, b.restored);

	/* In a/b: its wake-ups get credit back. */
	ASSERT_EQ(0, cg_move(self->b, self->light));
	usleep(1000000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_GET, 0, NULL, &b));
	TH_LOG("%llu wake-ups restored in a/b, %llu us of credit",
	       b.restored - a.restored, (b.credited_ns - a.credited_ns) / 1000);
	EXPECT_LT(a.restored + 5, b.restored);

	/* Out again: none more, after the wake-up in flight. */
	ASSERT_EQ(0, cg_move(self->other, self->light));
	usleep(100000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_GET, 0, NULL, &a));
	usleep(300000);
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_GET, 0, NULL, &b));
	EXPECT_EQ(a.restored, b.restored);
}

TEST_HARNESS_MAIN
