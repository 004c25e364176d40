// SPDX-License-Identifier: GPL-2.0
/*
 * xb_ctl_test - selftests of xballoonctl's vclock and credit commands, run
 * as root inside a guest with xballoon.ko loaded. Each checks what the tool
 * says against what the module's ioctls (and its sysfs parameter) say.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Environment:
 *   XB_PAYLOAD   the payload directory: xballoonctl is $XB_PAYLOAD/bin
 *                (default: the directory of this binary)
 *   XB_CTL       xballoonctl itself, if given
 *
 * Every test leaves the virtual clock on, the fair-credit set empty and
 * kernel.sched_schedstats as it found it, even when it fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"
/* The selftests Makefile links xb_json.c into xb_selftest only. */
#include "xb_json.c"
#include "xb_util.h"

#define VCLOCK_PARAM	XB_SYSFS "/parameters/vclock"
#define SCHEDSTATS	"/proc/sys/kernel/sched_schedstats"

/* The name a child of ours takes, to find it in the tool's output. */
#define CHILD_COMM	"xb-ctl-child"
/* Below PID_MAX_LIMIT, above any pid this guest has handed out. */
#define NO_SUCH_PID	4000000
#define NO_SUCH_PID_S	"4000000"

/* ---------------------------------------------------------------------- */
/* Small helpers */

/* kernel.sched_schedstats: 0 or 1, -1 if it cannot be read. */
static int schedstats(void)
{
	char buf[16];

	if (read_str(SCHEDSTATS, buf, sizeof(buf)))
		return -1;
	return strcmp(buf, "0") != 0;
}

/* The vclock module parameter: 'Y', 'N', or '?' if unreadable. */
static char vclock_param(void)
{
	return read_char(VCLOCK_PARAM, '?');
}

static const char *ctl_path(void)
{
	static char path[PATH_MAX];

	if (!path[0])
		tool_path("xballoonctl", path, sizeof(path));
	return path;
}

/* ---------------------------------------------------------------------- */
/* Running xballoonctl */

/* Run xballoonctl with @args (NULL-terminated) to its end. 0 or -errno. */
static int run_ctl(const char *const *args, struct xb_output *o)
{
	return xb_run(o, ctl_path(), args, 0, XB_RUN_TIMEOUT_MS);
}

/* The same as uid/gid NOBODY, without any capability. */
static int run_ctl_nobody(const char *const *args, struct xb_output *o)
{
	return xb_run(o, ctl_path(), args, XB_RUN_NOBODY, XB_RUN_TIMEOUT_MS);
}

static void log_output(const struct xb_output *o)
{
	log_run("xballoonctl", o);
}

/*
 * Run xballoonctl with @args: it must exit @code and, if @says is not
 * NULL, say it on stderr. The output goes to the log when it does not.
 */
static void ctl_expect(struct __test_metadata *_metadata,
		       const char *const *args, struct xb_output *o, int code,
		       const char *says)
{
	char cmd[256];
	int i, n = 0;

	ASSERT_EQ(0, run_ctl(args, o));
	if (o->code == code && (!says || strstr(o->err, says)))
		return;
	cmd[0] = '\0';
	for (i = 0; args[i] && n >= 0 && n < (int)sizeof(cmd); i++)
		n += snprintf(cmd + n, sizeof(cmd) - n, " %s", args[i]);
	TH_LOG("xballoonctl%s: want exit %d saying '%s'", cmd, code,
	       says ? says : "");
	log_output(o);
	EXPECT_EQ(code, o->code);
	if (says)
		EXPECT_NE(NULL, strstr(o->err, says));
}

#define EXPECT_CTL(o, code, says, ...) do {				\
	const char * const _args[] = { __VA_ARGS__, NULL };		\
	ctl_expect(_metadata, _args, o, code, says);			\
} while (0)

static bool is_uint(const struct xb_json *v)
{
	return v && v->type == XB_JSON_NUMBER && v->is_uint;
}

/* Parse the tool's stdout; NULL (logged) if it is not one JSON value. */
static struct xb_json *parse_out(struct __test_metadata *_metadata,
				 const struct xb_output *o)
{
	struct xb_json *doc;
	const char *err;
	size_t off;

	doc = xb_json_parse(o->out, &err, &off);
	if (!doc) {
		TH_LOG("invalid JSON (%s at byte %zu)", err, off);
		log_output(o);
	} else if (xb_json_duplicate_key(doc)) {
		TH_LOG("duplicate key %s", xb_json_duplicate_key(doc));
		xb_json_free(doc);
		doc = NULL;
	}
	return doc;
}

/* ---------------------------------------------------------------------- */
/* The module */

/* Entries in the set: GET until ENOENT; -1 on another error. */
static int credit_count(int fd)
{
	struct xb_credit c;
	int n, err;

	for (n = 0; n <= XB_CREDIT_MAX; n++) {
		err = credit_get(fd, n, &c);
		if (err == ENOENT)
			return n;
		if (err)
			return -1;
	}
	return -1;
}

/* Wait up to a second for the file @path to read @comm. */
static bool wait_comm(const char *path, const char *comm)
{
	char buf[32];
	int i;

	for (i = 0; i < 100; i++) {
		if (!read_str(path, buf, sizeof(buf)) && !strcmp(buf, comm))
			return true;
		sleep_ms(10);
	}
	return false;
}

/* A child that sleeps under the name @comm until killed; its pid. */
static pid_t spawn_child_named(const char *comm)
{
	pid_t pid = fork();

	if (!pid) {
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		for (;;)
			pause();
	}
	return pid;
}

/* A child that sleeps under the name CHILD_COMM until killed; its pid. */
static pid_t spawn_child(void)
{
	pid_t pid = fork();

	if (!pid) {
		prctl(PR_SET_NAME, CHILD_COMM, 0, 0, 0);
		for (;;)
			pause();
	}
	return pid;
}

/* ---------------------------------------------------------------------- */
/* The fixture */

/* The fixture's data type: FIXTURE_DATA(ctl) spells the same struct. */
#define ctl_data _test_data_ctl

FIXTURE(ctl) {
	int fd;			/* /dev/xballoon, in the test's process */
	int schedstats;		/* as found: 0, 1, or -1 if there is none */
	pid_t child;		/* a child of the test, 0 if none */
	struct xb_output o;	/* the last run of xballoonctl */
	char cg[64];		/* a cgroup the test made, "" if none */
};

FIXTURE_SETUP(ctl)
{
	struct xb_credit c;

	self->fd = -1;
	self->schedstats = schedstats();
	self->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_CLEAR, 0, NULL, &c))
		TH_LOG("XB_CREDIT_CLEAR: %s", strerror(errno));
	ASSERT_EQ(0, vclock_set(self->fd, 1))
		TH_LOG("XB_IOC_VCLOCK on: %s", strerror(errno));
}

/*
 * In the parent, so it runs even if the test died: the test's file
 * descriptors are not open here, so open the device again.
 */
FIXTURE_TEARDOWN_PARENT(ctl)
{
	struct xb_credit c;
	char val[4];
	int fd;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->cg[0])
		rmdir(self->cg);
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		credit(fd, XB_CREDIT_CLEAR, 0, NULL, &c);
		vclock_set(fd, 1);
		close(fd);
	}
	if (self->schedstats >= 0 && schedstats() != self->schedstats) {
		snprintf(val, sizeof(val), "%d", self->schedstats);
		write_str(SCHEDSTATS, val);
	}
}

/* ---------------------------------------------------------------------- */
/* vclock */

/* vclock off, then on: the ioctl and the module parameter follow. */
TEST_F(ctl, vclock_off_and_on)
{
	struct xb_output *o = &self->o;
	struct xb_vclock vc;

	EXPECT_CTL(o, 0, NULL, "vclock", "off");
	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_EQ(XB_VCLOCK_OFF, vc.state);
	EXPECT_EQ(0U, vc.enable);
	EXPECT_EQ('N', vclock_param());
	/* It shows the state it set. */
	EXPECT_NE(NULL, strstr(o->out, "state:      off: "));
	EXPECT_NE(NULL, strstr(o->out, "enable:     no"));
	EXPECT_EQ(0, o->err[0]);

	/* Showing changes nothing. */
	EXPECT_CTL(o, 0, NULL, "vclock");
	EXPECT_NE(NULL, strstr(o->out, "state:      off: "));
	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_EQ(XB_VCLOCK_OFF, vc.state);

	EXPECT_CTL(o, 0, NULL, "vclock", "on");
	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_EQ(1U, vc.enable);
	/* On is wanted; whether it acts depends on the steal source. */
	EXPECT_TRUE(vc.state == XB_VCLOCK_ON || vc.state == XB_VCLOCK_NO_STEAL ||
		    vc.state == XB_VCLOCK_KERNEL)
		TH_LOG("state %u after on", vc.state);
	EXPECT_EQ('Y', vclock_param());
	EXPECT_NE(NULL, strstr(o->out, "enable:     yes"));
	switch (vc.state) {
	case XB_VCLOCK_ON:
		EXPECT_NE(NULL, strstr(o->out, "state:      on: "));
		break;
	case XB_VCLOCK_NO_STEAL:
		EXPECT_NE(NULL, strstr(o->out, "state:      no steal source: "));
		break;
	case XB_VCLOCK_KERNEL:
		EXPECT_NE(NULL, strstr(o->out, "state:      kernel does it: "));
		break;
	}
	EXPECT_NE(NULL, strstr(o->out, "uncharged:  "));
	EXPECT_NE(NULL, strstr(o->out, "events:     "));
	EXPECT_NE(NULL, strstr(o->out, "hook cost:  "));
	if (_metadata->exit_code)
		log_output(o);
}

/* Check `vclock ... --json` against two ioctl reads around it. */
static void check_vclock_json(struct __test_metadata *_metadata,
			      const struct xb_vclock *before,
			      const struct xb_vclock *after,
			      const struct xb_output *o)
{
	const struct xb_json *v, *per;
	struct xb_json *doc;
	unsigned long long events;
	double diff;

	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	ASSERT_EQ(XB_JSON_OBJECT, doc->type);
	EXPECT_EQ(8U, xb_json_count(doc));

	v = xb_json_get(doc, "enable");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(after->enable, v->uint);
	v = xb_json_get(doc, "state");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(after->state, v->uint);
	ASSERT_GT(ARRAY_SIZE(xb_vclock_names), after->state);
	v = xb_json_get(doc, "state_name");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_STRING, v->type);
	EXPECT_STREQ(xb_vclock_names[after->state], v->str);

	/* Counters only grow: between the reads before and after. */
	v = xb_json_get(doc, "uncharged_ns");
	ASSERT_TRUE(is_uint(v));
	EXPECT_LE(before->uncharged_ns, v->uint);
	EXPECT_GE(after->uncharged_ns, v->uint);
	v = xb_json_get(doc, "hook_ns");
	ASSERT_TRUE(is_uint(v));
	EXPECT_LE(before->hook_ns, v->uint);
	EXPECT_GE(after->hook_ns, v->uint);
	v = xb_json_get(doc, "events");
	ASSERT_TRUE(is_uint(v));
	EXPECT_LE(before->events, v->uint);
	EXPECT_GE(after->events, v->uint);
	events = v->uint;

	per = xb_json_get(doc, "hook_ns_per_event");
	ASSERT_NE(NULL, per);
	if (!events) {
		EXPECT_EQ(XB_JSON_NULL, per->type);
	} else {
		ASSERT_EQ(XB_JSON_NUMBER, per->type);
		v = xb_json_get(doc, "hook_ns");
		/* Printed with one decimal. */
		diff = (double)v->uint / events - per->number;
		EXPECT_TRUE(diff < 0.051 && diff > -0.051)
			TH_LOG("hook_ns_per_event %f, hook_ns / events %f",
			       per->number, (double)v->uint / events);
	}
	xb_json_free(doc);
}

TEST_F(ctl, vclock_json_agrees_with_the_ioctl)
{
	static const char * const show[] = { "vclock", "--json", NULL };
	static const char * const off[] = { "vclock", "off", "--json", NULL };
	static const char * const on[] = { "vclock", "--json", "on", NULL };
	struct xb_output *o = &self->o;
	struct xb_vclock before, after;

	ASSERT_EQ(0, vclock_read(self->fd, &before));
	ASSERT_EQ(0, run_ctl(show, o));
	ASSERT_EQ(0, vclock_read(self->fd, &after));
	ASSERT_EQ(0, o->code) log_output(o);
	EXPECT_EQ(0, o->err[0]);
	check_vclock_json(_metadata, &before, &after, o);

	/* Switching with --json reports the state after the switch. */
	ASSERT_EQ(0, vclock_read(self->fd, &before));
	ASSERT_EQ(0, run_ctl(off, o));
	ASSERT_EQ(0, vclock_read(self->fd, &after));
	ASSERT_EQ(0, o->code) log_output(o);
	EXPECT_EQ(XB_VCLOCK_OFF, after.state);
	check_vclock_json(_metadata, &before, &after, o);

	ASSERT_EQ(0, vclock_read(self->fd, &before));
	ASSERT_EQ(0, run_ctl(on, o));
	ASSERT_EQ(0, vclock_read(self->fd, &after));
	ASSERT_EQ(0, o->code) log_output(o);
	EXPECT_EQ(1U, after.enable);
	EXPECT_NE(XB_VCLOCK_OFF, after.state);
	check_vclock_json(_metadata, &before, &after, o);
}

/* ---------------------------------------------------------------------- */
/* credit */

TEST_F(ctl, credit_add_pid_shows_in_the_set)
{
	const struct xb_json *e, *v;
	struct xb_output *o = &self->o;
	struct xb_credit c;
	struct xb_json *doc;
	char pid[16], want[64], comm[32];
	int i;

	self->child = spawn_child();
	ASSERT_LT(0, self->child);
	/* Wait for its new name: it is what the list shows. */
	snprintf(want, sizeof(want), "/proc/%d/comm", self->child);
	for (i = 0; i < 200; i++) {
		if (!read_str(want, comm, sizeof(comm)) &&
		    !strcmp(comm, CHILD_COMM))
			break;
		sleep_ms(5);
	}
	snprintf(pid, sizeof(pid), "%d", self->child);

	EXPECT_CTL(o, 0, NULL, "credit", "add", "--pid", pid);
	EXPECT_EQ(0, o->out[0]);
	ASSERT_EQ(0, credit_get(self->fd, 0, &c));
	EXPECT_EQ((__u32)self->child, c.pid);
	EXPECT_EQ(0, c.comm[0]);
	EXPECT_EQ(1U, c.nr_entries);
	EXPECT_EQ(ENOENT, credit_get(self->fd, 1, &c));

	/* The list in JSON: the pid, its task's name, the counters. */
	EXPECT_CTL(o, 0, NULL, "credit", "list", "--json");
	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "nr_entries");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(1U, v->uint);
	v = xb_json_get(doc, "max_entries");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(XB_CREDIT_MAX, v->uint);
	v = xb_json_get(doc, "entries");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_ARRAY, v->type);
	ASSERT_EQ(1U, xb_json_count(v));
	e = v->child;
	ASSERT_TRUE(is_uint(xb_json_get(e, "pid")));
	EXPECT_EQ((unsigned long long)self->child, xb_json_get(e, "pid")->uint);
	ASSERT_NE(NULL, xb_json_get(e, "comm"));
	ASSERT_EQ(XB_JSON_STRING, xb_json_get(e, "comm")->type);
	EXPECT_STREQ("", xb_json_get(e, "comm")->str);
	ASSERT_NE(NULL, xb_json_get(e, "task_comm"));
	ASSERT_EQ(XB_JSON_STRING, xb_json_get(e, "task_comm")->type);
	EXPECT_STREQ(CHILD_COMM, xb_json_get(e, "task_comm")->str);
	EXPECT_TRUE(is_uint(xb_json_get(doc, "restored")));
	EXPECT_TRUE(is_uint(xb_json_get(doc, "credited_ns")));
	v = xb_json_get(doc, "schedstats");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(XB_JSON_BOOL, v->type);
	EXPECT_EQ(schedstats() == 1, v->boolean);
	xb_json_free(doc);

	/* The same for people. */
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	snprintf(want, sizeof(want), "pid %-8s (" CHILD_COMM ")", pid);
	EXPECT_NE(NULL, strstr(o->out, want)) log_output(o);
	EXPECT_NE(NULL, strstr(o->out, "1 of 64 entries")) log_output(o);
	EXPECT_NE(NULL, strstr(o->out, "restored wake-ups: "));

	/* And out again. */
	EXPECT_CTL(o, 0, NULL, "credit", "del", "--pid", pid);
	EXPECT_EQ(0, credit_count(self->fd));
}

TEST_F(ctl, credit_add_comm_twice_is_refused)
{
	const struct xb_json *e;
	struct xb_output *o = &self->o;
	struct xb_credit c;
	struct xb_json *doc;

	EXPECT_CTL(o, 0, NULL, "credit", "add", "--comm", "sleep");
	EXPECT_CTL(o, 1, "comm sleep: already in the set",
		   "credit", "add", "--comm", "sleep");
	EXPECT_EQ(0, o->out[0]);
	ASSERT_EQ(0, credit_get(self->fd, 0, &c));
	EXPECT_EQ(0U, c.pid);
	EXPECT_STREQ("sleep", c.comm);
	EXPECT_EQ(1U, c.nr_entries);

	EXPECT_CTL(o, 0, NULL, "credit", "list", "--json");
	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	ASSERT_EQ(1U, xb_json_count(xb_json_get(doc, "entries")));
	e = xb_json_get(doc, "entries")->child;
	ASSERT_TRUE(is_uint(xb_json_get(e, "pid")));
	EXPECT_EQ(0U, xb_json_get(e, "pid")->uint);
	ASSERT_NE(NULL, xb_json_get(e, "comm"));
	ASSERT_EQ(XB_JSON_STRING, xb_json_get(e, "comm")->type);
	EXPECT_STREQ("sleep", xb_json_get(e, "comm")->str);
	ASSERT_NE(NULL, xb_json_get(e, "task_comm"));
	EXPECT_EQ(XB_JSON_NULL, xb_json_get(e, "task_comm")->type);
	xb_json_free(doc);
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	EXPECT_NE(NULL, strstr(o->out, "\n  comm sleep\n")) log_output(o);

	EXPECT_CTL(o, 0, NULL, "credit", "del", "--comm", "sleep");
	EXPECT_EQ(0, credit_count(self->fd));
}

/* Each errno of XB_IOC_CREDIT in words, exit 1, and the set untouched. */
TEST_F_TIMEOUT(ctl, credit_errors_exit_1, 60)
{
	struct xb_output *o = &self->o;
	struct xb_credit c;
	char name[XB_COMM_LEN];
	int i;

	/* ENOENT: removing what is not there, by name or by pid. */
	EXPECT_CTL(o, 1, "comm nosuchtask: not in the set",
		   "credit", "del", "--comm", "nosuchtask");
	EXPECT_CTL(o, 1, "pid " NO_SUCH_PID_S ": not in the set",
		   "credit", "del", "--pid", NO_SUCH_PID_S);
	/* ESRCH */
	EXPECT_CTL(o, 1, "no such task: pid " NO_SUCH_PID_S,
		   "credit", "add", "--pid", NO_SUCH_PID_S);
	/* EINVAL: the module judges the characters; the length is ours. */
	EXPECT_CTL(o, 1, "invalid pid or command name (1-15 printable characters, no '/')",
		   "credit", "add", "--comm", "a/b");
	EXPECT_CTL(o, 1, "invalid pid or command name",
		   "credit", "add", "--comm", "tab\tname");
	EXPECT_CTL(o, 1, "invalid pid or command name",
		   "credit", "add", "--comm", "");
	EXPECT_CTL(o, 1, "invalid pid or command name",
		   "credit", "add", "--pid", "0");
	EXPECT_CTL(o, 1, "invalid pid or command name",
		   "credit", "add", "--pid", "99999999999");
	EXPECT_CTL(o, 1, "invalid pid or command name",
		   "credit", "del", "--comm", "a/b");
	EXPECT_EQ(0, credit_count(self->fd));

	/* ENOSPC: a full set. */
	for (i = 0; i < XB_CREDIT_MAX; i++) {
		snprintf(name, sizeof(name), "task%d", i);
		ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_COMM, 0, name, &c));
	}
	EXPECT_CTL(o, 1, "the set is full (64 entries)",
		   "credit", "add", "--comm", "onemore");
	EXPECT_EQ(XB_CREDIT_MAX, credit_count(self->fd));
	/* A full set lists in full. */
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	EXPECT_NE(NULL, strstr(o->out, "64 of 64 entries"));
	EXPECT_NE(NULL, strstr(o->out, "\n  comm task63\n"));
}

/* Usage errors: exit 64, a hint, nothing changed. */
TEST_F_TIMEOUT(ctl, usage_errors_exit_64, 60)
{
	static const struct {
		const char *args[8];
	} cases[] = {
		{ { "credit" } },
		{ { "credit", "bogus" } },
		{ { "credit", "add" } },
		{ { "credit", "del" } },
		{ { "credit", "add", "--pid", "1", "--comm", "init" } },
		{ { "credit", "add", "--pid", "1", "--pid", "1" } },
		{ { "credit", "add", "--comm", "a", "--comm", "b" } },
		{ { "credit", "add", "--pid", "abc" } },
		{ { "credit", "add", "--pid", "-1" } },
		{ { "credit", "add", "--pid", "12x" } },
		{ { "credit", "add", "--pid", "" } },
		{ { "credit", "add", "--pid" } },
		{ { "credit", "add", "--comm", "0123456789abcdef" } },
		{ { "credit", "del", "--pid", "abc" } },
		{ { "credit", "del", "--no-schedstats", "--comm", "sleep" } },
		{ { "credit", "add", "--comm", "sleep", "extra" } },
		{ { "credit", "add", "--bogus" } },
		{ { "credit", "clear", "extra" } },
		{ { "credit", "clear", "--pid", "1" } },
		{ { "credit", "list", "extra" } },
		{ { "credit", "list", "--bogus" } },
		{ { "credit", "add", "--cgroup" } },
		{ { "credit", "add", "--cgroup", "" } },
		{ { "credit", "add", "--cgroup-id", "0" } },
		{ { "credit", "add", "--cgroup-id", "abc" } },
		{ { "credit", "add", "--cgroup-id", "18446744073709551616" } },
		{ { "credit", "del", "--cgroup-id", "-1" } },
		{ { "credit", "add", "--cgroup", "/a", "--cgroup", "/b" } },
		{ { "credit", "add", "--cgroup", "/a", "--cgroup-id", "5" } },
		{ { "credit", "add", "--cgroup", "/a", "--pid", "1" } },
		{ { "credit", "del", "--cgroup-id", "5", "--comm", "init" } },
		{ { "vclock", "maybe" } },
		{ { "vclock", "off", "on" } },
		{ { "vclock", "--bogus" } },
		{ { "vclock", "off", "extra" } },
	};
	struct xb_output *o = &self->o;
	struct xb_vclock vc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, run_ctl(cases[i].args, o));
		if (o->code != 64 || !strstr(o->err, "--help")) {
			TH_LOG("case %u: want exit 64", i);
			log_output(o);
		}
		EXPECT_EQ(64, o->code);
		EXPECT_NE(NULL, strstr(o->err, "--help"));
		EXPECT_EQ(0, o->out[0]);
	}
	EXPECT_EQ(0, credit_count(self->fd));
	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_EQ(1U, vc.enable);
	EXPECT_EQ('Y', vclock_param());
}

TEST_F_TIMEOUT(ctl, credit_add_turns_schedstats_on, 60)
{
	struct xb_output *o = &self->o;

	if (self->schedstats < 0)
		SKIP(return, "no " SCHEDSTATS " (CONFIG_SCHEDSTATS off)");

	/* Off: add turns it on, and says so. */
	ASSERT_EQ(0, write_str(SCHEDSTATS, "0"));
	ASSERT_EQ(0, schedstats());
	EXPECT_CTL(o, 0, "fair credit needs schedstats: enabled kernel.sched_schedstats",
		   "credit", "add", "--comm", "sleep");
	EXPECT_EQ(1, schedstats());

	/* On: nothing to say. */
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--comm", "xb-other");
	EXPECT_EQ(0, o->err[0]) log_output(o);
	EXPECT_EQ(1, schedstats());

	/* --no-schedstats: left off, with a warning. */
	ASSERT_EQ(0, write_str(SCHEDSTATS, "0"));
	EXPECT_CTL(o, 0, "will not act", "credit", "add", "--no-schedstats",
		   "--comm", "xb-third");
	EXPECT_EQ(0, schedstats());
	EXPECT_EQ(3, credit_count(self->fd));
	/* The list says it too. */
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	EXPECT_NE(NULL, strstr(o->out, "does not act")) log_output(o);

	/* A failed add does not touch schedstats. */
	EXPECT_CTL(o, 1, "already in the set", "credit", "add", "--comm",
		   "sleep");
	EXPECT_EQ(0, schedstats());
	EXPECT_EQ(NULL, strstr(o->err, "enabled"));
	/* Nor does del or clear. */
	EXPECT_CTL(o, 0, NULL, "credit", "del", "--comm", "sleep");
	EXPECT_CTL(o, 0, NULL, "credit", "clear");
	EXPECT_EQ(0, schedstats());
}

TEST_F(ctl, credit_clear_empties_the_set)
{
	const struct xb_json *v;
	struct xb_output *o = &self->o;
	struct xb_credit c;
	struct xb_json *doc;
	char pid[16];

	self->child = spawn_child();
	ASSERT_LT(0, self->child);
	snprintf(pid, sizeof(pid), "%d", self->child);
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--pid", pid);
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--comm", "sleep");
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--comm", "memcached");
	EXPECT_EQ(3, credit_count(self->fd));

	EXPECT_CTL(o, 0, NULL, "credit", "clear");
	EXPECT_EQ(0, o->out[0]);
	EXPECT_EQ(0, o->err[0]);
	EXPECT_EQ(ENOENT, credit_get(self->fd, 0, &c));
	/* Clearing an empty set is no error. */
	EXPECT_CTL(o, 0, NULL, "credit", "clear");

	EXPECT_CTL(o, 0, NULL, "credit", "list", "--json");
	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "nr_entries");
	ASSERT_TRUE(is_uint(v));
	EXPECT_EQ(0U, v->uint);
	v = xb_json_get(doc, "entries");
	ASSERT_NE(NULL, v);
	EXPECT_EQ(XB_JSON_ARRAY, v->type);
	EXPECT_EQ(0U, xb_json_count(v));
	/* The module reports its counters only with a successful GET. */
	ASSERT_NE(NULL, xb_json_get(doc, "restored"));
	EXPECT_EQ(XB_JSON_NULL, xb_json_get(doc, "restored")->type);
	xb_json_free(doc);
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	EXPECT_NE(NULL, strstr(o->out, "the set is empty"));
}

/* A pid entry outlives its task: listed as gone, and still removable. */
TEST_F(ctl, credit_entry_of_an_exited_task)
{
	struct xb_output *o = &self->o;
	char pid[16];

	self->child = spawn_child();
	ASSERT_LT(0, self->child);
	snprintf(pid, sizeof(pid), "%d", self->child);
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--pid", pid);
	kill(self->child, SIGKILL);
	waitpid(self->child, NULL, 0);
	self->child = 0;

	EXPECT_CTL(o, 0, NULL, "credit", "list");
	EXPECT_EQ(1, credit_count(self->fd));
	EXPECT_NE(NULL, strstr(o->out, "1 of 64 entries")) log_output(o);
	EXPECT_NE(NULL, strstr(o->out, "exited")) log_output(o);
	EXPECT_CTL(o, 0, NULL, "credit", "del", "--pid", pid);
	EXPECT_EQ(0, credit_count(self->fd));
}

/*
 * A cgroup of ours below the cgroup2 mount (mounted at CG_MNT if the guest
 * has none), named in self->cg for the teardown; its id, 0 on failure.
 */
static __u64 make_cgroup(struct __test_metadata *_metadata,
			 struct ctl_data *self)
{
	__u64 id;
	int ret;

	ret = cg2_mount();
	if (ret) {
		TH_LOG("mount cgroup2 on " CG_MNT ": %s", strerror(-ret));
		return 0;
	}
	snprintf(self->cg, sizeof(self->cg), CG_MNT "/xb-ctl-%d", getpid());
	id = mkdir(self->cg, 0755) ? 0 : cg_id(self->cg);
	if (!id) {
		TH_LOG("mkdir %s: %s", self->cg, strerror(errno));
		self->cg[0] = '\0';
	}
	return id;
}

/* --cgroup as a path of cgroupfs or below its mount point, list, del. */
TEST_F(ctl, credit_add_cgroup_shows_in_the_set)
{
	const struct xb_json *e, *v;
	struct xb_output *o = &self->o;
	struct xb_credit c;
	struct xb_json *doc;
	char rel[64], want[256];
	__u64 id = make_cgroup(_metadata, self);

	ASSERT_NE(0ULL, id);
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--cgroup", self->cg);
	EXPECT_EQ(0, o->out[0]);
	ASSERT_EQ(0, credit_get(self->fd, 0, &c));
	EXPECT_EQ(id, c.cgroup_id);
	EXPECT_EQ(0U, c.pid);
	EXPECT_EQ(0, c.comm[0]);
	EXPECT_EQ(1U, c.nr_entries);

	/* The same cgroup, as /proc/PID/cgroup spells it. */
	snprintf(rel, sizeof(rel), "/xb-ctl-%d", getpid());
	snprintf(want, sizeof(want), "cgroup %s%s (id %llu): already in the set",
		 CG_MNT, rel, (unsigned long long)id);
	EXPECT_CTL(o, 1, want, "credit", "add", "--cgroup", rel);

	EXPECT_CTL(o, 0, NULL, "credit", "list", "--json");
	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	v = xb_json_get(doc, "entries");
	ASSERT_NE(NULL, v);
	ASSERT_EQ(1U, xb_json_count(v));
	e = v->child;
	ASSERT_TRUE(is_uint(xb_json_get(e, "cgroup_id")));
	EXPECT_EQ(id, xb_json_get(e, "cgroup_id")->uint);
	ASSERT_TRUE(is_uint(xb_json_get(e, "pid")));
	EXPECT_EQ(0U, xb_json_get(e, "pid")->uint);
	ASSERT_NE(NULL, xb_json_get(e, "cgroup_path"));
	ASSERT_EQ(XB_JSON_STRING, xb_json_get(e, "cgroup_path")->type);
	EXPECT_STREQ(self->cg, xb_json_get(e, "cgroup_path")->str);
	xb_json_free(doc);

	EXPECT_CTL(o, 0, NULL, "credit", "list");
	snprintf(want, sizeof(want), "  cgroup %-8llu (%s)\n",
		 (unsigned long long)id, self->cg);
	EXPECT_NE(NULL, strstr(o->out, want)) log_output(o);
	EXPECT_NE(NULL, strstr(o->out, "1 of 64 entries")) log_output(o);

	/* Out again, by the relative spelling, without a leading '/'. */
	EXPECT_CTL(o, 0, NULL, "credit", "del", "--cgroup", rel + 1);
	EXPECT_EQ(0, credit_count(self->fd));
	EXPECT_CTL(o, 0, NULL, "credit", "add", "--cgroup", self->cg);
	EXPECT_EQ(1, credit_count(self->fd));
}

/* A cgroup removed while in the set: listed as such, removed by id. */
TEST_F(ctl, credit_cgroup_removed_and_errors)
{
	struct xb_output *o = &self->o;
	char id_s[32], want[128];
	__u64 id = make_cgroup(_metadata, self);

	ASSERT_NE(0ULL, id);
	snprintf(id_s, sizeof(id_s), "%llu", (unsigned long long)id);

	/* Not a cgroup2 directory: exit 1, nothing sent. */
	EXPECT_CTL(o, 1, "/tmp: not a cgroup2 directory", "credit", "add",
		   "--cgroup", "/tmp");
	EXPECT_CTL(o, 1, "not a cgroup2 directory", "credit", "add",
		   "--cgroup", "/xb-no-such-cgroup");
	EXPECT_CTL(o, 1, "not a cgroup2 directory", "credit", "add",
		   "--cgroup", CG_MNT "/cgroup.procs");
	/* ENOENT from the module: no such id; not in the set. */
	EXPECT_CTL(o, 1, "cgroup id 1152921504606846976: no such cgroup",
		   "credit", "add", "--cgroup-id", "1152921504606846976");
	EXPECT_CTL(o, 1, "cgroup id 1152921504606846976: not in the set",
		   "credit", "del", "--cgroup-id", "1152921504606846976");
	EXPECT_EQ(0, credit_count(self->fd));

	EXPECT_CTL(o, 0, NULL, "credit", "add", "--cgroup-id", id_s);
	ASSERT_EQ(0, rmdir(self->cg)) TH_LOG("rmdir: %s", strerror(errno));
	self->cg[0] = '\0';
	EXPECT_CTL(o, 0, NULL, "credit", "list");
	snprintf(want, sizeof(want),
		 "  cgroup %-8s (removed, or outside this cgroup namespace)\n",
		 id_s);
	EXPECT_NE(NULL, strstr(o->out, want)) log_output(o);
	snprintf(want, sizeof(want), "cgroup id %s: no such cgroup", id_s);
	EXPECT_CTL(o, 1, want, "credit", "add", "--cgroup-id", id_s);
	EXPECT_CTL(o, 0, NULL, "credit", "del", "--cgroup-id", id_s);
	EXPECT_EQ(0, credit_count(self->fd));
}

/* The device is root only: exit 3 for anyone else. */
TEST_F(ctl, not_root_exits_3)
{
	static const char * const list[] = { "credit", "list", NULL };
	static const char * const off[] = { "vclock", "off", NULL };
	struct xb_output *o = &self->o;
	struct xb_vclock vc;

	ASSERT_EQ(0, run_ctl_nobody(list, o));
	EXPECT_EQ(3, o->code) log_output(o);
	EXPECT_NE(NULL, strstr(o->err, "permission denied"));
	ASSERT_EQ(0, run_ctl_nobody(off, o));
	EXPECT_EQ(3, o->code) log_output(o);
	ASSERT_EQ(0, vclock_read(self->fd, &vc));
	EXPECT_EQ(1U, vc.enable);
}

TEST(ctl_help_lists_the_commands)
{
	static const char * const help[] = { "--help", NULL };
	static const char * const sub[] = { "credit", "add", "-h", NULL };
	struct xb_output *o = malloc(sizeof(*o));

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, run_ctl(help, o));
	EXPECT_EQ(0, o->code);
	EXPECT_NE(NULL, strstr(o->out, "vclock [on|off] [--json]"));
	EXPECT_NE(NULL, strstr(o->out, "credit list [--json]"));
	EXPECT_NE(NULL, strstr(o->out, "credit add --pid N | --comm NAME"));
	EXPECT_NE(NULL, strstr(o->out, "credit del --pid N | --comm NAME"));
	EXPECT_NE(NULL, strstr(o->out, "--cgroup PATH | --cgroup-id ID"));
	EXPECT_NE(NULL, strstr(o->out, "credit clear"));
	ASSERT_EQ(0, run_ctl(sub, o));
	EXPECT_EQ(0, o->code);
	EXPECT_NE(NULL, strstr(o->out, "--no-schedstats"));
	free(o);
}

/* ---------------------------------------------------------------------- */
/* JSON: the schema version, and UTF-8 whatever the bytes */

/* Every --json output says its schema version, 1, as its first member. */
TEST_F(ctl, every_json_output_has_a_schema_version)
{
	static const char * const cmds[][4] = {
		{ "info", "--json" },
		{ "steal", "--json" },
		{ "steal", "--json", "--interval", "10" },
		{ "status", "--json" },
		{ "vclock", "--json" },
		{ "credit", "list", "--json" },
	};
	const char *args[5] = { };
	const struct xb_json *v;
	struct xb_output *o = &self->o;
	struct xb_json *doc;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		for (j = 0; j < 4; j++)
			args[j] = cmds[i][j];
		ASSERT_EQ(0, run_ctl(args, o));
		EXPECT_EQ(0, o->code) log_output(o);
		doc = parse_out(_metadata, o);
		ASSERT_NE(NULL, doc) TH_LOG("%s %s", args[0], args[1]);
		ASSERT_EQ(XB_JSON_OBJECT, doc->type);
		v = xb_json_get(doc, "schema_version");
		ASSERT_TRUE(is_uint(v)) TH_LOG("%s: no schema_version", args[0]);
		EXPECT_EQ(1ULL, v->uint);
		/* First, so that a reader sees it before anything else. */
		EXPECT_STREQ("schema_version", doc->child->key);
		xb_json_free(doc);
	}
}

/*
 * A task may name itself with any bytes but NUL and '/': 0xff 0xfe is no
 * UTF-8. credit list --json must still be valid JSON (which the parser
 * checks: it refuses invalid UTF-8), with U+FFFD in their place.
 */
TEST_F(ctl, invalid_utf8_comm_gives_valid_json)
{
	static const char * const list[] = { "credit", "list", "--json", NULL };
	const struct xb_json *e, *tc;
	struct xb_output *o = &self->o;
	struct xb_credit c;
	struct xb_json *doc;
	char comm[32];

	self->child = spawn_child_named("xb-\xff\xfe-child");
	ASSERT_LT(0, self->child);
	/* Its new name shows once the child has run prctl(). */
	snprintf(comm, sizeof(comm), "/proc/%d/comm", self->child);
	ASSERT_TRUE(wait_comm(comm, "xb-\xff\xfe-child"));
	ASSERT_EQ(0, credit(self->fd, XB_CREDIT_ADD_PID, self->child, NULL,
			    &c));

	ASSERT_EQ(0, run_ctl(list, o));
	ASSERT_EQ(0, o->code) log_output(o);
	doc = parse_out(_metadata, o);
	ASSERT_NE(NULL, doc);
	e = xb_json_get(doc, "entries");
	ASSERT_EQ(1U, xb_json_count(e));
	tc = xb_json_get(e->child, "task_comm");
	ASSERT_NE(NULL, tc);
	ASSERT_EQ(XB_JSON_STRING, tc->type);
	EXPECT_STREQ("xb-\xef\xbf\xbd\xef\xbf\xbd-child", tc->str);
	xb_json_free(doc);
}

/* ---------------------------------------------------------------------- */
/* Help and the errors of set */

/* set --help is set's help, not the global one; so is "help set". */
TEST_F(ctl, set_help_is_the_help_of_set)
{
	static const char * const how[][3] = {
		{ "set", "--help" }, { "set", "-h" }, { "help", "set" },
	};
	struct xb_output *o = &self->o;
	const char *args[3] = { };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(how); i++) {
		args[0] = how[i][0];
		args[1] = how[i][1];
		ASSERT_EQ(0, run_ctl(args, o));
		EXPECT_EQ(0, o->code) log_output(o);
		EXPECT_NE(NULL, strstr(o->out, "Usage: xballoonctl set "));
		EXPECT_NE(NULL, strstr(o->out, "--period-us N"));
		EXPECT_NE(NULL, strstr(o->out, "1000-1000000"));
		/* Nothing of the other commands. */
		EXPECT_EQ(NULL, strstr(o->out, "credit"));
		EXPECT_EQ(NULL, strstr(o->out, "vclock"));
	}
	/* Each command has its own. */
	args[0] = "metrics";
	args[1] = "--help";
	ASSERT_EQ(0, run_ctl(args, o));
	EXPECT_EQ(0, o->code);
	EXPECT_NE(NULL, strstr(o->out, "Usage: xballoonctl metrics"));
	EXPECT_EQ(NULL, strstr(o->out, "credit"));
}

/*
 * Every bad value given to set is named in its message, with the range
 * that would be accepted; the configuration stays as it was.
 */
TEST_F(ctl, set_names_each_bad_value_and_its_range)
{
	static const struct {
		const char *opt, *val;
		int code;
		const char *range;
	} cases[] = {
		{ "--period-us", "999", 1, "1000-1000000 us" },
		{ "--period-us", "99999999999", 1, "1000-1000000 us" },
		{ "--period-us", "fast", 64, "1000-1000000" },
		{ "--cap", "150", 1, "1-100 % of one CPU" },
		{ "--cap", "0", 1, "1-100 % of one CPU" },
		{ "--cap", "33.33", 1, "0.1 % steps" },
		{ "--cap", "half", 64, "1-100, 0.1 % steps" },
		{ "--cap-pm", "5", 1, "10-1000 per mille" },
		{ "--cap-pm", "1001", 1, "10-1000 per mille" },
		{ "--cap-pm", "lots", 64, "10-1000, or 0 to learn" },
	};
	struct xb_config before = { .size = sizeof(before) };
	struct xb_config after = { .size = sizeof(after) };
	struct xb_output *o = &self->o;
	const char *args[4] = { "set" };
	char want[64];
	unsigned int i;

	ASSERT_EQ(0, do_ioctl(self->fd, XB_IOC_GET_CONFIG, &before));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		args[1] = cases[i].opt;
		args[2] = cases[i].val;
		ASSERT_EQ(0, run_ctl(args, o));
		/* Out of range: "--cap 150"; not a number: "not 'half'". */
		if (cases[i].code == 1)
			snprintf(want, sizeof(want), "%s %s", cases[i].opt,
				 cases[i].val);
		else
			snprintf(want, sizeof(want), "not '%s'", cases[i].val);
		if (o->code != cases[i].code || !strstr(o->err, want) ||
		    !strstr(o->err, cases[i].range))
			TH_LOG("set %s %s: want exit %d naming '%s' and '%s'",
			       cases[i].opt, cases[i].val, cases[i].code,
			       want, cases[i].range);
		EXPECT_EQ(cases[i].code, o->code) log_output(o);
		EXPECT_NE(NULL, strstr(o->err, want)) log_output(o);
		EXPECT_NE(NULL, strstr(o->err, cases[i].range)) log_output(o);
		EXPECT_EQ(0, o->out[0]);
	}
	ASSERT_EQ(0, do_ioctl(self->fd, XB_IOC_GET_CONFIG, &after));
	EXPECT_EQ(before.period_us, after.period_us);
	EXPECT_EQ(before.cap_pm, after.cap_pm);
}

TEST_HARNESS_MAIN
