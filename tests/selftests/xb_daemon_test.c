// SPDX-License-Identifier: GPL-2.0
/*
 * xb_daemon_test - selftests of xballoond (the balloon daemon) and of
 * xballoonctl's status and set commands, run as root inside a guest with
 * xballoon.ko loaded.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Environment:
 *   XB_PAYLOAD   the payload directory: the tools are in $XB_PAYLOAD/bin
 *                (default: the directory of this binary)
 *   XB_CTL       xballoonctl (default: next to xballoond)
 *   XB_MODULE    path to xballoon.ko, to load it if it is not loaded and
 *                for the module-not-loaded test (which skips without it)
 *
 * The daemon runs as a child of each test with its stdout and stderr in a
 * temporary file, shown in the log when a check fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "kselftest_harness.h"
/* The selftests Makefile links xb_json.c into xb_selftest only. */
#include "xb_json.c"
#include "xb_util.h"

#define CPU1_ONLINE	CPU_SYSFS "/cpu1/online"

#define MAX_CPUS	256

/*
 * Bounds: each step takes tens of milliseconds even under TCG, so these
 * leave room for host noise; the log shows how long each step really took.
 */
#define ATTACH_MS	1000	/* a new daemon holds every CPU */
#define STOP_MS		1000	/* SIGTERM to exit */
/*
 * On a debug kernel (KASAN) beside another TCG guest, a dynamic daemon
 * took 505-592 ms to exit, and once over 1000 (CI, session 9); alone, its
 * threads are gone 40 ms after SIGTERM and the last one exits within 60
 * (log_threads()): the guest was slow, not the stop. Those lanes look
 * for splats, not for speed.
 */
#define STOP_DEBUG_MS	3000
#define LATE_MS		10000	/* ... or else, to see if it ever does */
#define REFUSE_MS	5000	/* a second daemon gives up */
#define HOTPLUG_MS	2000	/* a CPU's balloon follows it off or on */

/* The configuration every test leaves behind: the module's defaults. */
#define DEFAULT_PERIOD_US	10000
#define DEFAULT_CAP_PM		XB_CAP_PM_LEARN
#define CAP_LEARN_PARAM		XB_SYSFS "/parameters/cap_learn"

/* ---------------------------------------------------------------------- */
/* Small helpers */

/* Load XB_MODULE if xballoon is not loaded; 0 or -errno. */
static int ensure_module(void)
{
	return xb_loaded() ? 0 : xb_load(NULL);
}

/* ---------------------------------------------------------------------- */
/* The module */

static int get_config(int fd, struct xb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	return ioctl(fd, XB_IOC_GET_CONFIG, cfg);
}

static int set_config(int fd, __u32 period_us, __u32 cap_pm)
{
	struct xb_config cfg = {
		.size = sizeof(cfg),
		.flags = XB_CONFIG_PERIOD | XB_CONFIG_CAP,
		.period_us = period_us,
		.cap_pm = cap_pm,
	};

	return ioctl(fd, XB_IOC_SET_CONFIG, &cfg);
}

static int cpu_stats(int fd, unsigned int cpu, struct xb_cpu_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->cpu = cpu;
	return ioctl(fd, XB_IOC_CPU_STATS, s);
}

/* Mode of @cpu, or -1 if the module cannot tell. */
static int cpu_mode(int fd, unsigned int cpu)
{
	struct xb_cpu_stats s;

	if (cpu_stats(fd, cpu, &s))
		return -1;
	return s.mode;
}

/*
 * Wait until every CPU of @cpus is attached (@attached) or detached.
 * Returns the milliseconds it took, or -1 on timeout.
 */
static int wait_modes(int fd, const bool *cpus, bool attached,
		      unsigned int ms)
{
	unsigned long long t0 = now_ns(), end = t0 + ms * NSEC_PER_MSEC;
	unsigned int cpu;
	bool done;
	int mode;

	for (;;) {
		done = true;
		for (cpu = 0; cpu < MAX_CPUS && done; cpu++) {
			if (!cpus[cpu])
				continue;
			mode = cpu_mode(fd, cpu);
			if (attached ? mode != XB_MODE_NWC && mode != XB_MODE_WC :
				       mode != XB_MODE_DETACHED)
				done = false;
		}
		if (done)
			return (now_ns() - t0) / NSEC_PER_MSEC;
		if (now_ns() > end)
			return -1;
		sleep_ms(10);
	}
}

/* ---------------------------------------------------------------------- */
/* The daemon and its threads */

/* A balloon thread of the daemon, found by its name "xballoond/<cpu>". */
struct bthread {
	pid_t tid;
	unsigned int cpu;
};

/* The daemon's balloon threads; their number, or -1. */
static int daemon_threads(pid_t pid, struct bthread *t, int max)
{
	char path[320], comm[32];
	struct dirent *de;
	unsigned int cpu;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid,
			 de->d_name);
		if (read_str(path, comm, sizeof(comm)))
			continue;	/* it just ended */
		if (sscanf(comm, "xballoond/%u", &cpu) != 1)
			continue;
		t[n].tid = atoi(de->d_name);
		t[n].cpu = cpu;
		n++;
	}
	closedir(d);
	return n;
}

/* The balloon thread of @cpu, or 0 if there is none. */
static pid_t thread_of(pid_t pid, unsigned int cpu)
{
	struct bthread t[MAX_CPUS];
	int i, n = daemon_threads(pid, t, MAX_CPUS);

	for (i = 0; i < n; i++)
		if (t[i].cpu == cpu)
			return t[i].tid;
	return 0;
}

/* Bound to @cpu alone? */
static bool bound_to(pid_t tid, unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(tid, sizeof(set), &set))
		return false;
	return CPU_COUNT(&set) == 1 && CPU_ISSET(cpu, &set);
}

/* Total run time the scheduler charged to @tid, in ns (schedstat). */
static unsigned long long runtime_ns(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	return schedstat_ns(path);
}

/* A CPU hog bound to @cpu; SIGKILL and reap it when done. */
static pid_t spawn_hog(unsigned int cpu)
{
	cpu_set_t set;
	pid_t pid = fork();

	if (!pid) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(1);
		for (;;)
			;
	}
	return pid;
}

/* Run @tool with @args, output to @log (appended); its pid or -errno. */
static pid_t spawn(const char *tool, const char *const *args, int log)
{
	char path[PATH_MAX];

	return xb_spawn(tool_path(tool, path, sizeof(path)), args, log, log, 0);
}

/* ---------------------------------------------------------------------- */
/* Command output */

/* What was written to @log so far. */
static void read_log(int log, char *buf, size_t len)
{
	ssize_t n = pread(log, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/*
 * A temporary file for output, appended to. Unlinked at once, unless @keep
 * is not NULL: then its path goes there (XB_LOG_PATH_LEN bytes).
 */
#define XB_LOG_PATH_LEN	32

static int make_log(char *keep)
{
	char path[XB_LOG_PATH_LEN] = "/tmp/xb-daemon-test.XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC | O_APPEND);

	if (fd >= 0 && keep)
		memcpy(keep, path, sizeof(path));
	else if (fd >= 0)
		unlink(path);
	return fd;
}

/*
 * Run @tool to its end, stdout and stderr together in out->out. 0, or
 * -errno (-ETIMEDOUT if it did not end within XB_RUN_TIMEOUT_MS: then it
 * is killed).
 */
static int run_tool(const char *tool, const char *const *args,
		    struct xb_output *out)
{
	char path[PATH_MAX];

	return xb_run(out, tool_path(tool, path, sizeof(path)), args,
		      XB_RUN_MERGE, XB_RUN_TIMEOUT_MS);
}

static bool is_uint(const struct xb_json *v)
{
	return v && v->type == XB_JSON_NUMBER && v->is_uint;
}

/* ---------------------------------------------------------------------- */
/* The fixture: the module's file, the online CPUs, one daemon */

/* The fixture's data type: FIXTURE_DATA(daemon) spells the same struct. */
#define daemon_data _test_data_daemon

FIXTURE(daemon) {
	int fd;			/* /dev/xballoon, never attached */
	bool online[MAX_CPUS];
	int ncpus;
	unsigned int last_cpu;
	pid_t pid;		/* the daemon, 0 if none */
	int log;		/* its stdout and stderr */
	char log_path[XB_LOG_PATH_LEN];	/* where they go, "" if nowhere */
	bool cpu1_offline;	/* the test took CPU 1 offline */
	bool learn_off;		/* the test set cap_learn=N */
	pid_t hog;		/* a test's CPU hog, 0 if none */
};

FIXTURE_SETUP(daemon)
{
	unsigned int cpu;
	int ret;

	self->fd = -1;
	self->log = -1;
	ret = ensure_module();
	ASSERT_EQ(0, ret) TH_LOG("xballoon not loaded, cannot load it: %s",
				 strerror(-ret));
	self->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", XB_DEV, strerror(errno));
	self->ncpus = read_cpulist("online", self->online, MAX_CPUS);
	ASSERT_LT(0, self->ncpus);
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (self->online[cpu])
			self->last_cpu = cpu;
	ASSERT_EQ(0, set_config(self->fd, DEFAULT_PERIOD_US, DEFAULT_CAP_PM));
	/* No balloon of an earlier test may be left. */
	ASSERT_LE(0, wait_modes(self->fd, self->online, false, 0));
	self->log = make_log(self->log_path);
	ASSERT_LE(0, self->log);
}

/*
 * In the parent, so it runs even if the test died on a signal. The test's
 * file descriptors (self->fd, self->log) are its process's, not open here:
 * open the device and the daemon's log again, by their paths.
 */
FIXTURE_TEARDOWN_PARENT(daemon)
{
	char text[16384];
	int fd;

	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->hog > 0) {
		kill(self->hog, SIGKILL);
		waitpid(self->hog, NULL, 0);
	}
	if (self->cpu1_offline)
		write_str(CPU1_ONLINE, "1");
	if (self->learn_off)
		write_str(CAP_LEARN_PARAM, "Y");
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		set_config(fd, DEFAULT_PERIOD_US, DEFAULT_CAP_PM);
		close(fd);
	}
	if (!self->log_path[0])
		return;
	fd = open(self->log_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (_metadata->exit_code) {
			read_log(fd, text, sizeof(text));
			log_text("xballoond", text);
		}
		close(fd);
	}
	unlink(self->log_path);
}

static pid_t start_daemon(struct daemon_data *self,
			  const char *const *args)
{
	self->pid = spawn("xballoond", args, self->log);
	return self->pid;
}

/* Each thread of @pid: its state, where it waits and its kernel stack. */
static void log_threads(pid_t pid)
{
	static const char * const files[] = { "stat", "wchan", "stack" };
	char dir[64], path[384], buf[2048], what[64];
	struct dirent *e;
	unsigned int i;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(what, sizeof(what), "thread %.16s", e->d_name);
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir,
				 e->d_name, files[i]);
			if (!read_str(path, buf, sizeof(buf)))
				log_text(what, buf);
		}
	}
	if (d)
		closedir(d);
}

/*
 * SIGTERM the daemon: it must exit 0 in time, and every CPU must be
 * detached the moment it is gone. Late, where its threads wait is logged,
 * and how late it was, if it exits at all.
 */
static void stop_daemon(struct __test_metadata *_metadata,
			struct daemon_data *self)
{
	unsigned int took = 0, cpu;
	unsigned int limit = xb_debug_kernel() ? STOP_DEBUG_MS : STOP_MS;
	int status;
	bool done;

	ASSERT_EQ(0, kill(self->pid, SIGTERM));
	done = wait_exit(self->pid, &status, limit, &took);
	if (!done) {
		TH_LOG("still running %u ms after SIGTERM; its threads:", limit);
		log_threads(self->pid);
		if (wait_exit(self->pid, &status, LATE_MS, &took))
			TH_LOG("exited %u ms later", took);
	}
	ASSERT_TRUE(done) TH_LOG("still running %u ms after SIGTERM", limit);
	self->pid = 0;
	TH_LOG("exited %u ms after SIGTERM", took);
	EXPECT_EQ(0, exit_code(status));
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (self->online[cpu])
			EXPECT_EQ(XB_MODE_DETACHED, cpu_mode(self->fd, cpu))
				TH_LOG("CPU %u still held", cpu);
}

/* Wait for the daemon to hold every CPU of @cpus. */
static void wait_attached(struct __test_metadata *_metadata,
			  struct daemon_data *self, const bool *cpus)
{
	int took = wait_modes(self->fd, cpus, true, ATTACH_MS);

	ASSERT_LE(0, took) TH_LOG("not every CPU held within %d ms",
				  ATTACH_MS);
	TH_LOG("every CPU held %d ms after the check started", took);
}

/* Each CPU of @cpus has one balloon thread, bound to it, @policy/@prio. */
static void check_threads(struct __test_metadata *_metadata,
			  struct daemon_data *self, const bool *cpus,
			  int policy, int prio)
{
	struct bthread t[MAX_CPUS];
	struct sched_param sp;
	bool seen[MAX_CPUS] = { };
	unsigned int cpu;
	int i, n;

	n = daemon_threads(self->pid, t, MAX_CPUS);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++) {
		ASSERT_GT(MAX_CPUS, t[i].cpu);
		EXPECT_TRUE(cpus[t[i].cpu])
			TH_LOG("a thread for CPU %u, not asked for", t[i].cpu);
		EXPECT_FALSE(seen[t[i].cpu])
			TH_LOG("two threads for CPU %u", t[i].cpu);
		seen[t[i].cpu] = true;
		EXPECT_TRUE(bound_to(t[i].tid, t[i].cpu))
			TH_LOG("thread %d not bound to CPU %u alone",
			       t[i].tid, t[i].cpu);
		EXPECT_EQ(policy, sched_getscheduler(t[i].tid) &
			  ~SCHED_RESET_ON_FORK);
		ASSERT_EQ(0, sched_getparam(t[i].tid, &sp));
		EXPECT_EQ(prio, sp.sched_priority);
		if (policy == SCHED_OTHER) {
			errno = 0;
			EXPECT_EQ(0, getpriority(PRIO_PROCESS, t[i].tid));
			EXPECT_EQ(0, errno);
		}
	}
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpus[cpu])
			EXPECT_TRUE(seen[cpu])
				TH_LOG("no balloon thread for CPU %u", cpu);
}

/* ---------------------------------------------------------------------- */
/* The daemon */

TEST_F_TIMEOUT(daemon, static_mode_holds_every_cpu_with_fifo_threads, 60)
{
	ASSERT_LT(0, start_daemon(self, NULL));
	wait_attached(_metadata, self, self->online);
	check_threads(_metadata, self, self->online, SCHED_FIFO, 1);
	/* Still there a moment later: the balloons keep running. */
	sleep_ms(300);
	ASSERT_EQ(0, waitpid(self->pid, NULL, WNOHANG));
	ASSERT_LE(0, wait_modes(self->fd, self->online, true, 0));
	stop_daemon(_metadata, self);
}

TEST_F_TIMEOUT(daemon, cpus_and_priority_options, 60)
{
	static const char * const args[] = {
		"--cpus", "0", "--priority", "7", NULL
	};
	bool cpu0[MAX_CPUS] = { [0] = true };
	unsigned int cpu;

	ASSERT_TRUE(self->online[0]);
	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, cpu0);
	check_threads(_metadata, self, cpu0, SCHED_FIFO, 7);
	/* Give it time to (wrongly) take the others too. */
	sleep_ms(300);
	for (cpu = 1; cpu < MAX_CPUS; cpu++)
		if (self->online[cpu])
			EXPECT_EQ(XB_MODE_DETACHED, cpu_mode(self->fd, cpu))
				TH_LOG("CPU %u held, not in --cpus", cpu);
	stop_daemon(_metadata, self);
}

/*
 * Dynamic mode: SCHED_OTHER threads at nice 0 that pass
 * XB_BALLOON_DYNAMIC, so the scheduler does not charge them for their
 * halts: a thread's run time stays well under its halted time. A thread
 * charged for its halts is charged at least as long as it halted.
 *
 * What it is charged is its own work and, with no IRQ_TIME_ACCOUNTING,
 * the interrupts that end its halts: 150-175 ms a second on a KASAN
 * kernel under TCG, against 200-400 ms halted at cap 50 on an idle CPU,
 * where the idle task meets most of the reserve. So a hog on the CPU
 * (the balloon then halts for all of the reserve), cap 20 (four fifths
 * of each period), the cap as told (the learner's first check of a told
 * cap reserves nothing for up to 30 periods), and a window that lasts
 * until 300 ms are halted.
 */
TEST_F_TIMEOUT(daemon, dynamic_mode_threads_are_cfs_and_not_charged, 60)
{
	static const char * const args[] = {
		"--mode", "dynamic", "--cap", "20", NULL
	};
	unsigned long long r0, r1, h0, h1;
	struct xb_cpu_stats s0, s1;
	unsigned int cpu = self->last_cpu, secs;
	pid_t tid;

	self->learn_off = true;
	ASSERT_EQ(0, write_str(CAP_LEARN_PARAM, "N"));
	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	check_threads(_metadata, self, self->online, SCHED_OTHER, 0);

	self->hog = spawn_hog(cpu);
	ASSERT_LT(0, self->hog);
	tid = thread_of(self->pid, cpu);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s0));
	r0 = runtime_ns(self->pid, tid);
	for (secs = 1; ; secs++) {
		sleep_ms(1000);
		ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s1));
		if (s1.halt_ns - s0.halt_ns > 300 * NSEC_PER_MSEC || secs == 8)
			break;
	}
	r1 = runtime_ns(self->pid, tid);
	h0 = s0.halt_ns;
	h1 = s1.halt_ns;
	TH_LOG("CPU %u: halted %llu ms, charged %llu ms in %u s", cpu,
	       (h1 - h0) / NSEC_PER_MSEC, (r1 - r0) / NSEC_PER_MSEC, secs);
	ASSERT_LT(300 * NSEC_PER_MSEC, h1 - h0);
	EXPECT_LT(r1 - r0, h1 - h0);
	stop_daemon(_metadata, self);
}

/*
 * A WC sleep lasts to the end of the period: with 1 s periods and a 90 %
 * cap (a reserve of 100 ms, at most 550 ms once adapted) each CPU sleeps
 * at least 450 ms. SIGTERM must interrupt those sleeps (EINTR), not wait
 * for them to end.
 */
TEST_F_TIMEOUT(daemon, sigterm_interrupts_long_wc_sleeps, 60)
{
	static const char * const args[] = {
		"--period-us", "1000000", "--cap", "90", NULL
	};
	unsigned long long end;
	unsigned int took, cpu;
	bool all_wc = false;
	int status;

	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	end = now_ns() + 10 * NSEC_PER_SEC;
	while (!all_wc && now_ns() < end) {
		sleep_ms(5);
		all_wc = true;
		for (cpu = 0; cpu < MAX_CPUS; cpu++)
			if (self->online[cpu] &&
			    cpu_mode(self->fd, cpu) != XB_MODE_WC)
				all_wc = false;
	}
	ASSERT_TRUE(all_wc) TH_LOG("the CPUs never were all WC at once");

	ASSERT_EQ(0, kill(self->pid, SIGTERM));
	ASSERT_TRUE(wait_exit(self->pid, &status, STOP_MS, &took));
	self->pid = 0;
	TH_LOG("exited %u ms after SIGTERM, every CPU in a WC sleep", took);
	EXPECT_EQ(0, exit_code(status));
	EXPECT_GT(300, took);
}

TEST_F_TIMEOUT(daemon, sigkill_leaves_every_cpu_detached, 60)
{
	unsigned int cpu;

	ASSERT_LT(0, start_daemon(self, NULL));
	wait_attached(_metadata, self, self->online);
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(self->pid, waitpid(self->pid, NULL, 0));
	self->pid = 0;
	/* Right after: the files were closed before the parent heard. */
	for (cpu = 0; cpu < MAX_CPUS; cpu++)
		if (self->online[cpu])
			EXPECT_EQ(XB_MODE_DETACHED, cpu_mode(self->fd, cpu))
				TH_LOG("CPU %u still held", cpu);

	/* And the next daemon gets every CPU. */
	ASSERT_LT(0, start_daemon(self, NULL));
	wait_attached(_metadata, self, self->online);
	stop_daemon(_metadata, self);
}

TEST_F_TIMEOUT(daemon, a_second_daemon_is_refused, 60)
{
	unsigned int took;
	char text[16384];
	pid_t second;
	int status, log2;

	ASSERT_LT(0, start_daemon(self, NULL));
	wait_attached(_metadata, self, self->online);

	log2 = make_log(NULL);
	ASSERT_LE(0, log2);
	second = spawn("xballoond", NULL, log2);
	ASSERT_LT(0, second);
	if (!wait_exit(second, &status, REFUSE_MS, &took)) {
		kill(second, SIGKILL);
		waitpid(second, NULL, 0);
		close(log2);
		ASSERT_TRUE(false) TH_LOG("second daemon still running");
	}
	read_log(log2, text, sizeof(text));
	close(log2);
	TH_LOG("second daemon exited %u ms after it started", took);
	if (exit_code(status) != 1 || !strstr(text, "another balloon"))
		log_text("second xballoond", text);
	EXPECT_EQ(1, exit_code(status));
	EXPECT_NE(NULL, strstr(text, "another balloon"));

	/* The first one lost nothing. */
	ASSERT_EQ(0, waitpid(self->pid, NULL, WNOHANG));
	EXPECT_LE(0, wait_modes(self->fd, self->online, true, 0));
	stop_daemon(_metadata, self);
}

TEST_F_TIMEOUT(daemon, applies_its_configuration_at_start, 60)
{
	static const char * const good[] = {
		"--period-us", "20000", "--cap", "50", NULL
	};
	static const char * const bad[] = { "--period-us", "999", NULL };
	struct xb_cpu_stats s;
	struct xb_config cfg;
	unsigned int cpu;
	struct xb_output *out;
	int status;

	ASSERT_LT(0, start_daemon(self, good));
	wait_attached(_metadata, self, self->online);
	ASSERT_EQ(0, get_config(self->fd, &cfg));
	EXPECT_EQ(20000U, cfg.period_us);
	EXPECT_EQ(500U, cfg.cap_pm);
	/* Set before the balloons attached: in use from their start. */
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!self->online[cpu])
			continue;
		ASSERT_EQ(0, cpu_stats(self->fd, cpu, &s));
		EXPECT_EQ(20000U, s.period_us);
		EXPECT_EQ(500U, s.cap_pm);
	}
	stop_daemon(_metadata, self);

	/* A bad value: exit 1 at once, nothing held, nothing changed. */
	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, run_tool("xballoond", bad, out));
	status = out->code;
	if (status != 1 || !strstr(out->out, "invalid value"))
		log_text("xballoond", out->out);
	EXPECT_EQ(1, status);
	EXPECT_NE(NULL, strstr(out->out, "invalid value"));
	EXPECT_LE(0, wait_modes(self->fd, self->online, false, 0));
	ASSERT_EQ(0, get_config(self->fd, &cfg));
	EXPECT_EQ(20000U, cfg.period_us);
	free(out);
}

TEST_F_TIMEOUT(daemon, verbose_reports_each_cpu, 60)
{
	static const char * const args[] = {
		"-v", "--stats-interval", "1", "--cap", "50", NULL
	};
	char text[16384], want[32];
	unsigned int cpu;

	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	sleep_ms(2500);
	read_log(self->log, text, sizeof(text));
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!self->online[cpu])
			continue;
		snprintf(want, sizeof(want), "CPU %u: ", cpu);
		EXPECT_NE(NULL, strstr(text, want)) TH_LOG("no report of CPU %u",
							    cpu);
	}
	EXPECT_NE(NULL, strstr(text, " woken "));
	EXPECT_NE(NULL, strstr(text, " reserved "));
	stop_daemon(_metadata, self);
}

/*
 * CPU hotplug: the balloon of a CPU that goes offline ends and frees it;
 * when the CPU comes back a new balloon holds it.
 */
TEST_F_TIMEOUT(daemon, follows_cpu_hotplug, 90)
{
	bool cpu1[MAX_CPUS] = { [1] = true };
	bool others[MAX_CPUS];
	char buf[16];
	pid_t tid;
	int took;

	if (!self->online[1] || access(CPU1_ONLINE, W_OK))
		SKIP(return, "no CPU 1 that can go offline");
	memcpy(others, self->online, sizeof(others));
	others[1] = false;

	ASSERT_LT(0, start_daemon(self, NULL));
	wait_attached(_metadata, self, self->online);
	ASSERT_LT(0, thread_of(self->pid, 1));

	self->cpu1_offline = true;
	ASSERT_EQ(0, write_str(CPU1_ONLINE, "0"));
	ASSERT_EQ(0, read_str(CPU1_ONLINE, buf, sizeof(buf)));
	ASSERT_STREQ("0", buf);
	took = wait_modes(self->fd, cpu1, false, HOTPLUG_MS);
	ASSERT_LE(0, took) TH_LOG("CPU 1 still held %d ms after it went offline",
				  HOTPLUG_MS);
	TH_LOG("CPU 1 freed %d ms after it went offline", took);
	/* Its thread is gone, the others' are not. */
	for (took = 0; thread_of(self->pid, 1) && took < HOTPLUG_MS;
	     took += 10)
		sleep_ms(10);
	EXPECT_EQ(0, thread_of(self->pid, 1));
	EXPECT_LE(0, wait_modes(self->fd, others, true, 0));
	ASSERT_EQ(0, waitpid(self->pid, NULL, WNOHANG));

	ASSERT_EQ(0, write_str(CPU1_ONLINE, "1"));
	self->cpu1_offline = false;
	took = wait_modes(self->fd, cpu1, true, HOTPLUG_MS);
	ASSERT_LE(0, took) TH_LOG("CPU 1 not held %d ms after it came back",
				  HOTPLUG_MS);
	TH_LOG("CPU 1 held again %d ms after it came back", took);
	tid = thread_of(self->pid, 1);
	ASSERT_LT(0, tid);
	check_threads(_metadata, self, self->online, SCHED_FIFO, 1);
	EXPECT_LE(0, wait_modes(self->fd, self->online, true, 0));
	stop_daemon(_metadata, self);
}

/* ---------------------------------------------------------------------- */
/* xballoonctl status and set */

/* `xballoonctl status --json`, checked; the parsed document or NULL. */
static struct xb_json *status_json(struct __test_metadata *_metadata,
				   struct xb_output *out)
{
	static const char * const args[] = { "status", "--json", NULL };
	struct xb_json *doc;
	const char *err;
	size_t off;

	if (run_tool("xballoonctl", args, out) || out->code) {
		TH_LOG("xballoonctl status --json: exit %d",
		       out->code);
		log_text("xballoonctl", out->out);
		return NULL;
	}
	doc = xb_json_parse(out->out, &err, &off);
	if (!doc) {
		TH_LOG("invalid JSON (%s at byte %zu)", err, off);
		log_text("xballoonctl", out->out);
	}
	return doc;
}

/* Every online CPU once, with every counter, in mode @mode1 or @mode2. */
static void check_status_cpus(struct __test_metadata *_metadata,
			      struct daemon_data *self,
			      const struct xb_json *doc, const char *mode1,
			      const char *mode2)
{
	static const char * const keys[] = {
		"period_us", "cap_pm", "eff_cap_pm", "reserve_ns", "periods",
		"periods_reserved", "periods_throttled", "halts", "halt_ns",
		"nwc_ns", "wc_ns", "steal_ns", "yields",
	};
	const struct xb_json *cpus, *c, *m;
	bool seen[MAX_CPUS] = { };
	unsigned int i, cpu;
	int missing;

	ASSERT_EQ(NULL, xb_json_duplicate_key(doc));
	cpus = xb_json_get(doc, "cpus");
	ASSERT_NE(NULL, cpus);
	ASSERT_EQ(XB_JSON_ARRAY, cpus->type);
	EXPECT_EQ((size_t)self->ncpus, xb_json_count(cpus));
	for (c = cpus->child; c; c = c->next) {
		ASSERT_EQ(XB_JSON_OBJECT, c->type);
		ASSERT_TRUE(is_uint(xb_json_get(c, "cpu")));
		cpu = xb_json_get(c, "cpu")->uint;
		ASSERT_GT(MAX_CPUS, cpu);
		EXPECT_TRUE(self->online[cpu]);
		EXPECT_FALSE(seen[cpu]);
		seen[cpu] = true;
		m = xb_json_get(c, "mode");
		ASSERT_NE(NULL, m);
		ASSERT_EQ(XB_JSON_STRING, m->type);
		EXPECT_TRUE(!strcmp(m->str, mode1) || !strcmp(m->str, mode2))
			TH_LOG("CPU %u: mode %s, want %s or %s", cpu, m->str,
			       mode1, mode2);
		missing = 0;
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (is_uint(xb_json_get(c, keys[i])))
				continue;
			TH_LOG("CPU %u: no %s", cpu, keys[i]);
			missing++;
		}
		EXPECT_EQ(0, missing);
	}
}

TEST_F_TIMEOUT(daemon, ctl_status_shows_the_balloons, 60)
{
	static const char * const human[] = { "status", NULL };
	static const char * const args[] = {
		"--period-us", "20000", "--cap", "50", NULL
	};
	const struct xb_json *cfg, *c;
	struct xb_json *doc;
	struct xb_output *out;
	char want[32];
	unsigned int cpu;

	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);

	/* No balloon: every CPU detached, the default configuration. */
	doc = status_json(_metadata, out);
	ASSERT_NE(NULL, doc);
	check_status_cpus(_metadata, self, doc, "detached", "detached");
	cfg = xb_json_get(doc, "config");
	ASSERT_NE(NULL, cfg);
	ASSERT_TRUE(is_uint(xb_json_get(cfg, "period_us")));
	ASSERT_TRUE(is_uint(xb_json_get(cfg, "cap_pm")));
	EXPECT_EQ(DEFAULT_PERIOD_US, xb_json_get(cfg, "period_us")->uint);
	EXPECT_EQ(DEFAULT_CAP_PM, xb_json_get(cfg, "cap_pm")->uint);
	xb_json_free(doc);

	/* A daemon: every CPU NWC or WC, with its configuration. */
	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	doc = status_json(_metadata, out);
	ASSERT_NE(NULL, doc);
	check_status_cpus(_metadata, self, doc, "NWC", "WC");
	cfg = xb_json_get(doc, "config");
	ASSERT_NE(NULL, cfg);
	ASSERT_TRUE(is_uint(xb_json_get(cfg, "period_us")));
	ASSERT_TRUE(is_uint(xb_json_get(cfg, "cap_pm")));
	EXPECT_EQ(20000, xb_json_get(cfg, "period_us")->uint);
	EXPECT_EQ(500, xb_json_get(cfg, "cap_pm")->uint);
	for (c = xb_json_get(doc, "cpus")->child; c; c = c->next) {
		EXPECT_EQ(20000, xb_json_get(c, "period_us")->uint);
		EXPECT_EQ(500, xb_json_get(c, "cap_pm")->uint);
	}
	xb_json_free(doc);

	/* The same for people. */
	ASSERT_EQ(0, run_tool("xballoonctl", human, out));
	EXPECT_EQ(0, out->code);
	EXPECT_NE(NULL, strstr(out->out, "period 20000 us, cap 50.0 %"));
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!self->online[cpu])
			continue;
		snprintf(want, sizeof(want), "CPU %u: ", cpu);
		EXPECT_NE(NULL, strstr(out->out, want));
	}
	if (_metadata->exit_code)
		log_text("xballoonctl status", out->out);
	free(out);
	stop_daemon(_metadata, self);
}

TEST_F(daemon, ctl_set_changes_the_configuration)
{
	static const struct {
		const char *args[6];
		int code;
		__u32 period_us, cap_pm;	/* the configuration after */
	} cases[] = {
		{ { "set", "--cap", "50", "--period-us", "20000" }, 0,
		  20000, 500 },
		{ { "set", "--cap", "37.5" }, 0, 20000, 375 },
		{ { "set", "--cap-pm", "250", "--period-us", "1000" }, 0,
		  1000, 250 },
		{ { "set", "--cap", "100%" }, 0, 1000, 1000 },
		{ { "set", "--cap", "learn" }, 0, 1000, 0 },
		{ { "set", "--cap", "1", "--period-us", "1000000" }, 0,
		  1000000, 10 },
		/* Values the module refuses: exit 1, nothing changes. */
		{ { "set", "--cap", "0.5" }, 1, 1000000, 10 },
		{ { "set", "--cap", "0" }, 1, 1000000, 10 },
		{ { "set", "--cap", "101" }, 1, 1000000, 10 },
		{ { "set", "--cap", "33.33" }, 1, 1000000, 10 },
		{ { "set", "--cap-pm", "5" }, 1, 1000000, 10 },
		{ { "set", "--period-us", "999" }, 1, 1000000, 10 },
		{ { "set", "--period-us", "1000001", "--cap", "50" }, 1,
		  1000000, 10 },
		{ { "set", "--period-us", "99999999999" }, 1, 1000000, 10 },
		/* Bad command lines: exit 64. */
		{ { "set" }, 64, 1000000, 10 },
		{ { "set", "--cap", "abc" }, 64, 1000000, 10 },
		{ { "set", "--cap", "50", "--cap-pm", "500" }, 64, 1000000, 10 },
		{ { "set", "--period-us", "-5" }, 64, 1000000, 10 },
		{ { "set", "--period-us" }, 64, 1000000, 10 },
		{ { "set", "extra" }, 64, 1000000, 10 },
		{ { "status", "--bogus" }, 64, 1000000, 10 },
		{ { "status", "extra" }, 64, 1000000, 10 },
		{ { "set", "--cap", "50", "--period-us", "10000" }, 0,
		  10000, 500 },
	};
	struct xb_config cfg;
	struct xb_output *out;
	unsigned int i;

	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, run_tool("xballoonctl", cases[i].args, out));
		ASSERT_EQ(0, get_config(self->fd, &cfg));
		if (out->code != cases[i].code ||
		    cfg.period_us != cases[i].period_us ||
		    cfg.cap_pm != cases[i].cap_pm) {
			TH_LOG("case %u: exit %d, want %d; period %u us, cap %u pm",
			       i, out->code, cases[i].code,
			       cfg.period_us, cfg.cap_pm);
			log_text("xballoonctl", out->out);
		}
		EXPECT_EQ(cases[i].code, out->code);
		EXPECT_EQ(cases[i].period_us, cfg.period_us);
		EXPECT_EQ(cases[i].cap_pm, cfg.cap_pm);
		/* Silent on success, a message on every failure. */
		EXPECT_EQ(cases[i].code == 0, out->out[0] == '\0');
		if (cases[i].code == 1)
			EXPECT_NE(NULL, strstr(out->out, "invalid value"));
	}
	free(out);
}

/* Wait up to @ms for @log to hold @text. */
static bool wait_log(int log, const char *text, unsigned int ms)
{
	unsigned long long end = now_ns() + ms * NSEC_PER_MSEC;
	char buf[16384];

	for (;;) {
		read_log(log, buf, sizeof(buf));
		if (strstr(buf, text))
			return true;
		if (now_ns() > end)
			return false;
		sleep_ms(50);
	}
}

/*
 * No cap told and nothing to learn one from (here: learning off, which
 * the module reports as it does a missing steal source): the daemon warns
 * at start that nothing will be reserved, and says so again once a cap is
 * told. Never inert in silence.
 */
TEST_F_TIMEOUT(daemon, warns_when_inert, 60)
{
	static const char * const args[] = { "--mode", "dynamic", NULL };
	static const char * const cap[] = { "set", "--cap", "50", NULL };
	struct xb_output *out;
	char buf[16384];

	self->learn_off = true;
	ASSERT_EQ(0, write_str(CAP_LEARN_PARAM, "N"));
	ASSERT_EQ(0, set_config(self->fd, DEFAULT_PERIOD_US, 0));
	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	EXPECT_TRUE(wait_log(self->log, "WARNING: inert", 5000));
	read_log(self->log, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "cap learning is off"));

	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, run_tool("xballoonctl", cap, out));
	EXPECT_EQ(0, out->code);
	free(out);
	EXPECT_TRUE(wait_log(self->log, "no longer inert", 5000));
	stop_daemon(_metadata, self);

	ASSERT_EQ(0, write_str(CAP_LEARN_PARAM, "Y"));
	self->learn_off = false;
}

/* With a steal source to learn from, no warning. */
TEST_F_TIMEOUT(daemon, no_warning_when_it_can_learn, 60)
{
	static const char * const args[] = { "--mode", "dynamic", NULL };
	struct xb_info info = { .size = sizeof(info) };
	char buf[16384];

	ASSERT_EQ(0, ioctl(self->fd, XB_IOC_INFO, &info));
	if (info.steal_source == XB_STEAL_NONE || info.hypervisor == XB_HV_NONE)
		SKIP(return, "no steal source, or bare metal");
	ASSERT_LT(0, start_daemon(self, args));
	wait_attached(_metadata, self, self->online);
	/* The check runs before the first wait of the main loop. */
	sleep_ms(1500);
	read_log(self->log, buf, sizeof(buf));
	EXPECT_EQ(NULL, strstr(buf, "inert")) log_text("xballoond", buf);
	stop_daemon(_metadata, self);
}

/* ---------------------------------------------------------------------- */
/* Without the fixture */

TEST(daemon_usage)
{
	static const struct {
		const char *args[5];
		int code;
		const char *says;
	} cases[] = {
		{ { "--mode", "bogus" }, 64, "--mode" },
		{ { "--priority", "0" }, 64, "--priority" },
		{ { "--priority", "100" }, 64, "--priority" },
		{ { "--mode", "dynamic", "--priority", "5" }, 64, "static" },
		{ { "--cpus", "1-" }, 64, "--cpus" },
		{ { "--cpus", "x" }, 64, "--cpus" },
		{ { "--cpus", "9999" }, 64, "no CPU 9999" },
		{ { "--cap", "abc" }, 64, "--cap" },
		{ { "--cap", "50", "--cap-pm", "500" }, 64, "once" },
		{ { "--stats-interval", "0" }, 64, "--stats-interval" },
		{ { "--bogus" }, 64, "--help" },
		{ { "extra" }, 64, "extra" },
		{ { "--cap", "0.5" }, 1, "invalid value" },
		{ { "--help" }, 0, "dynamic" },
		{ { "-h" }, 0, "SCHED_FIFO" },
		{ { "--version" }, 0, "ABI 1" },
	};
	struct xb_output *out;
	unsigned int i;
	int ret;

	/* Some values are checked against the module (nr_cpu_ids, ranges). */
	ret = ensure_module();
	ASSERT_EQ(0, ret) TH_LOG("xballoon not loaded, cannot load it: %s",
				 strerror(-ret));
	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, run_tool("xballoond", cases[i].args, out));
		if (out->code != cases[i].code ||
		    !strstr(out->out, cases[i].says)) {
			TH_LOG("case %u: exit %d, want %d saying '%s'", i,
			       out->code, cases[i].code,
			       cases[i].says);
			log_text("xballoond", out->out);
		}
		EXPECT_EQ(cases[i].code, out->code);
		EXPECT_NE(NULL, strstr(out->out, cases[i].says));
	}
	free(out);
}

/* It unloads the module, then loads it again for the tests that follow. */
TEST(daemon_without_module)
{
	struct xb_output *out;
	int ret;

	if (!getenv("XB_MODULE") || !*getenv("XB_MODULE"))
		SKIP(return, "XB_MODULE (path to xballoon.ko) not set");
	ret = ensure_module();
	ASSERT_EQ(0, ret) TH_LOG("xballoon not loaded, cannot load it: %s",
				 strerror(-ret));
	out = malloc(sizeof(*out));
	ASSERT_NE(NULL, out);

	/* The previous test's files may still be closing: xb_unload() waits. */
	ret = xb_unload();
	ASSERT_EQ(0, ret) TH_LOG("cannot unload xballoon: %s",
				 strerror(-ret));

	ASSERT_EQ(0, run_tool("xballoond", NULL, out));
	EXPECT_EQ(2, out->code);
	EXPECT_NE(NULL, strstr(out->out,
			       "xballoon module not loaded (modprobe xballoon)"));
	if (out->code != 2)
		log_text("xballoond", out->out);

	ret = ensure_module();
	ASSERT_EQ(0, ret) TH_LOG("cannot load xballoon again: %s",
				 strerror(-ret));
	free(out);
}

TEST_HARNESS_MAIN
