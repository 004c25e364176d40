// SPDX-License-Identifier: GPL-2.0
/*
 * xballoond - the CPU balloon daemon of xballoon: one balloon thread per
 * online CPU, pinned to it, calling XB_IOC_BALLOON in a loop.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Each balloon thread opens /dev/xballoon for itself. The module attaches
 * an open file to a CPU at its first XB_IOC_BALLOON and detaches it when
 * the file is closed, so a thread that ends (its CPU went offline) frees
 * exactly its CPU, and a daemon that dies, even by SIGKILL, frees them all.
 *
 * CPU hotplug: the main thread rescans /sys/devices/system/cpu/online every
 * second and at every CPU uevent. A CPU that goes offline breaks its
 * thread's affinity, so the thread's next call fails with EINVAL and the
 * thread ends; when the CPU comes back a new thread starts there.
 *
 * Stopping: SIGTERM or SIGINT set a flag and send each thread SIGUSR1,
 * whose handler is installed without SA_RESTART: a WC sleep returns EINTR
 * at once, a halt returns at the interrupt the signal itself sends.
 *
 * Exit codes, as xballoonctl's:
 *   0  stopped by SIGTERM or SIGINT
 *   1  any other error (another balloon holds a CPU, bad configuration)
 *   2  the xballoon module is not loaded
 *   3  permission denied (needs root: CAP_SYS_ADMIN, and CAP_SYS_NICE for
 *      SCHED_FIFO)
 *   4  the module speaks another ABI version than this tool
 *  64  usage error (EX_USAGE)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xballoon.h>

#include "xb_notify.h"
#include "xb_tool.h"

#define XB_ABI_HINT "install matching xballoon and xballoond versions"

#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL

/* How often the online CPUs are rescanned, uevents or not. */
#define XB_SCAN_MS		1000
/* Until every balloon holds its CPU (readiness), rescan this often. */
#define XB_READY_POLL_MS	20
/* A CPU whose balloon ended is not retried sooner than this. */
#define XB_RETRY_NS		NSEC_PER_SEC
/* Stopping: kick a thread again if it has not ended after this long. */
#define XB_KICK_MS		20
#define XB_STATS_INTERVAL	10	/* -v: seconds between two reports */
#define XB_STATS_INTERVAL_MAX	86400
#define XB_STACK_SIZE		(128 * 1024)

/* The signal that gets a balloon thread out of its ioctl. */
#define XB_SIG_KICK	SIGUSR1
/* A balloon thread ended or failed: the main thread must look. */
#define XB_SIG_WAKE	SIGUSR2

static const char *prog = "xballoond";

enum xb_mode_opt {
	XB_OPT_STATIC,
	XB_OPT_DYNAMIC,
	XB_OPT_KTHREAD,		/* static, held by the module's kernel threads */
};

/* The command line. */
static struct {
	enum xb_mode_opt mode;
	int priority;
	bool priority_set;
	const char *cpus;	/* NULL: every CPU */
	__u32 cfg_flags;	/* XB_CONFIG_* to apply at start */
	__u32 period_us;
	__u32 cap_pm;
	bool verbose;
	unsigned int stats_interval;
} opt = {
	.mode = XB_OPT_STATIC,
	.priority = 1,
	.stats_interval = XB_STATS_INTERVAL,
};

enum xb_thread_state {
	XB_T_NONE,	/* no thread */
	XB_T_RUNNING,	/* started, not ended */
	XB_T_DONE,	/* ended, to be joined */
};

/* Counters of a balloon thread: what each XB_IOC_BALLOON returned. */
enum {
	XB_CNT_OTHER,	/* a reason this tool does not know */
	XB_CNT_WOKEN,
	XB_CNT_RESERVED,
	XB_CNT_PERIOD,
	XB_CNT_YIELD,
	XB_CNT_EINTR,
	XB_NR_CNT,
};

static const char * const cnt_names[XB_NR_CNT] = {
	[XB_CNT_OTHER]		= "other",
	[XB_CNT_WOKEN]		= "woken",
	[XB_CNT_RESERVED]	= "reserved",
	[XB_CNT_PERIOD]		= "period",
	[XB_CNT_YIELD]		= "yield",
	[XB_CNT_EINTR]		= "eintr",
};

/**
 * struct xb_bthread - the balloon thread of one CPU
 * @cpu: its CPU
 * @thread: the thread, valid unless @state is XB_T_NONE
 * @state: enum xb_thread_state; the thread sets XB_T_DONE as it ends
 * @err: errno that ended it, 0 if it was told to stop
 * @attached: its first call succeeded (it held the CPU)
 * @cnt: XB_IOC_BALLOON results, written by the thread only
 * @last: @cnt at the previous -v report (main thread)
 * @retry_at: no new thread before this time (main thread)
 * @came_online: a uevent said the CPU came online since the thread started
 * @lost: the last thread held the CPU, then lost it (EINVAL)
 * @was_offline: the CPU was seen offline since its last thread ended
 * @complained: the main thread said why it cannot start here
 */
struct xb_bthread {
	unsigned int cpu;
	pthread_t thread;
	atomic_int state;
	int err;
	atomic_bool attached;
	atomic_ullong cnt[XB_NR_CNT];
	unsigned long long last[XB_NR_CNT];
	unsigned long long retry_at;
	bool came_online;
	bool lost;
	bool was_offline;
	bool complained;
	__u32 cap_source;
	__u32 cap_est_pm;
};

static unsigned int nr_cpu_ids;
static struct xb_bthread *threads;	/* nr_cpu_ids of them */
static bool *wanted;			/* --cpus, nr_cpu_ids of them */
static bool *online;			/* the last scan */
static pthread_t main_thread;
static atomic_bool stopping;
static atomic_int fatal_code;		/* first fatal error's exit code */

#define __printf(a, b) __attribute__((format(printf, a, b)))

static void vlogmsg(const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	/* One write per message: threads may log at the same time. */
	n = snprintf(buf, sizeof(buf), "%s: ", prog);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	strcat(buf, "\n");
	fputs(buf, stderr);
}

static void __printf(1, 2) errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
}

/*
 * A fatal error: the first one is reported, sets the exit code and wakes
 * the main thread, which stops every balloon. Later ones are consequences.
 */
static void __printf(2, 3) fatal(int code, const char *fmt, ...)
{
	int none = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&fatal_code, &none, code))
		return;
	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
	if (!pthread_equal(pthread_self(), main_thread))
		pthread_kill(main_thread, XB_SIG_WAKE);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [options]\n"
		"\n"
		"Run one CPU balloon per online CPU through " XB_DEVICE " (root only):\n"
		"each thread is pinned to its CPU and holds it off in\n"
		"non-work-conserving periods, so that a CPU-bound task cannot burn the\n"
		"vCPU's budget while the I/O tasks sleep. Follows CPU hotplug; stops\n"
		"cleanly on SIGTERM or SIGINT (closing the device frees every CPU).\n"
		"\n"
		"options:\n"
		"  -m, --mode static|dynamic|kthread  priority mode of the balloon threads:\n"
		"        static (default): SCHED_FIFO at --priority, for real-time I/O\n"
		"          tasks: run the servers SCHED_FIFO above the balloon (a FIFO\n"
		"          balloon delays a SCHED_OTHER server's wake-ups)\n"
		"        dynamic: SCHED_OTHER at nice 0, not charged for its halts,\n"
		"          for servers in the normal (CFS/EEVDF) class\n"
		"        kthread: static, but each CPU is held by a kernel thread of\n"
		"          the module at --priority while its balloon thread sleeps:\n"
		"          no page-table switch between the I/O task and the balloon\n"
		"          (much cheaper under emulators that flush their TLB on one)\n"
		"  -p, --priority N         SCHED_FIFO priority in static mode, 1-%d\n"
		"                           (default 1: below every RT I/O task)\n"
		"  -c, --cpus LIST          only these CPUs, e.g. 1,3-4 (default all)\n"
		"      --period-us N        set the accounting period first, %u-%u us\n"
		"      --cap PCT|learn      set the vCPU's cap first, in %% of one CPU\n"
		"                           (0.1 %% steps), or learn it from steal\n"
		"      --cap-pm N           the same in per mille (%u-%u, 0 learns)\n"
		"  -f, --foreground         stay in the foreground (the default and only\n"
		"                           way: for systemd Type=simple)\n"
		"  -v, --verbose            report each CPU's XB_IOC_BALLOON results to\n"
		"                           stderr every --stats-interval seconds\n"
		"      --stats-interval SEC seconds between two reports (default %u)\n"
		"  -h, --help               this text\n"
		"  -V, --version            version and ABI\n"
		"\n"
		"--period-us and --cap change the module's configuration for every CPU\n"
		"(as 'xballoonctl set' does) and stay in effect after the daemon ends.\n"
		"\n"
		"exit status: 0 stopped by a signal, 1 error (another balloon holds a\n"
		"             CPU, bad value), 2 module not loaded, 3 permission denied,\n"
		"             4 ABI mismatch, 64 bad command line\n",
		prog, sched_get_priority_max(SCHED_FIFO),
		XB_PERIOD_US_MIN, XB_PERIOD_US_MAX, XB_CAP_PM_MIN,
		XB_CAP_PM_MAX, XB_STATS_INTERVAL);
}

static int __printf(1, 2) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return XB_EXIT_USAGE;
}

/* Map an errno from open() or ioctl() to a message and an exit code. */
static int report_errno(int err, const char *what)
{
	char msg[256];
	int code = xb_explain_errno(err, what, msg, sizeof(msg));

	fatal(code, "%s", msg);
	return code;
}

/* "invalid value" of XB_IOC_SET_CONFIG, worded as xballoonctl's. */
static int invalid_config(void)
{
	char msg[256];
	int code = xb_explain_invalid_config(msg, sizeof(msg));

	fatal(code, "%s", msg);
	return code;
}

/* ---------------------------------------------------------------------- */
/* The balloon threads */

static void on_kick(int sig __attribute__((unused)))
{
	/* Nothing: interrupting the ioctl is the point. */
}

/* Bind the calling thread to @cpu alone; 0 or an errno. */
static int pin_to(unsigned int cpu)
{
	size_t size = CPU_ALLOC_SIZE(nr_cpu_ids);
	cpu_set_t *set = CPU_ALLOC(nr_cpu_ids);
	int err;

	if (!set)
		return errno;	/* from malloc() */
	CPU_ZERO_S(size, set);
	CPU_SET_S(cpu, size, set);
	err = pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return err;
}

/* The scheduling class of the mode; 0 or an errno (already reported). */
static int set_sched(struct xb_bthread *t)
{
	struct sched_param sp = { .sched_priority = opt.priority };
	int err;

	if (opt.mode != XB_OPT_DYNAMIC) {
		err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
		if (err == EPERM)
			fatal(XB_EXIT_PERM,
			      "permission denied: SCHED_FIFO needs root (CAP_SYS_NICE)");
		else if (err)
			fatal(XB_EXIT_ERROR, "CPU %u: SCHED_FIFO %d: %s",
			      t->cpu, opt.priority, strerror(err));
		return err;
	}

	sp.sched_priority = 0;
	err = pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	if (!err && setpriority(PRIO_PROCESS, gettid(), 0))
		err = errno;
	if (err == EPERM || err == EACCES)
		fatal(XB_EXIT_PERM,
		      "permission denied: SCHED_OTHER at nice 0 needs root (CAP_SYS_NICE)");
	else if (err)
		fatal(XB_EXIT_ERROR, "CPU %u: SCHED_OTHER: %s", t->cpu,
		      strerror(err));
	return err;
}

/* Call XB_IOC_BALLOON until told to stop; 0 or the errno that ended it. */
static int balloon_loop(struct xb_bthread *t, int fd)
{
	__u32 flags = opt.mode == XB_OPT_DYNAMIC ? XB_BALLOON_DYNAMIC :
		      opt.mode == XB_OPT_KTHREAD ? XB_BALLOON_KTHREAD : 0;
	struct xb_balloon b;
	unsigned int i;
	int err;

	while (!atomic_load(&stopping)) {
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.flags = flags;
		b.cpu = t->cpu;
		if (xb_ioctl(fd, XB_IOC_BALLOON, &b) == 0) {
			i = b.reason < XB_CNT_EINTR ? b.reason : XB_CNT_OTHER;
			atomic_fetch_add_explicit(&t->cnt[i], 1,
						  memory_order_relaxed);
			atomic_store(&t->attached, true);
			continue;
		}
		err = errno;
		switch (err) {
		case EINTR:
			atomic_fetch_add_explicit(&t->cnt[XB_CNT_EINTR], 1,
						  memory_order_relaxed);
			continue;
		case EINVAL:
			/* The CPU went offline or our affinity was broken. */
			return err;
		case EBUSY:
			fatal(XB_EXIT_ERROR,
			      "CPU %u: another balloon holds it (is another xballoond running?)",
			      t->cpu);
			return err;
		case ENOTTY:
		case EOPNOTSUPP:
			fatal(XB_EXIT_ABI,
			      "ABI mismatch: the module refuses XB_IOC_BALLOON (%s); %s",
			      strerror(err), XB_ABI_HINT);
			return err;
		default:
			report_errno(err, "XB_IOC_BALLOON");
			return err;
		}
	}
	return 0;
}

static void *balloon_main(void *arg)
{
	struct xb_bthread *t = arg;
	char name[16];
	sigset_t kick;
	int fd = -1, err;

	snprintf(name, sizeof(name), "xballoond/%u", t->cpu);
	pthread_setname_np(pthread_self(), name);
	/* Everything else stays blocked: signals are the main thread's. */
	sigemptyset(&kick);
	sigaddset(&kick, XB_SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	err = pin_to(t->cpu);
	if (err && err != EINVAL)
		fatal(XB_EXIT_ERROR, "CPU %u: cannot bind to it: %s", t->cpu,
		      strerror(err));
	if (!err)
		err = set_sched(t);
	if (!err) {
		fd = open(XB_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			report_errno(err, "open " XB_DEVICE);
		}
	}
	if (!err)
		err = balloon_loop(t, fd);
	if (fd >= 0)
		close(fd);	/* detaches this CPU */

	t->err = err;
	atomic_store(&t->state, XB_T_DONE);
	pthread_kill(main_thread, XB_SIG_WAKE);
	return NULL;
}

static int start_thread(struct xb_bthread *t)
{
	pthread_attr_t attr;
	unsigned int i;
	int err;

	for (i = 0; i < XB_NR_CNT; i++) {
		atomic_store(&t->cnt[i], 0);
		t->last[i] = 0;
	}
	t->err = 0;
	atomic_store(&t->attached, false);
	atomic_store(&t->state, XB_T_RUNNING);

	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, XB_STACK_SIZE);
	if (!err)
		err = pthread_create(&t->thread, &attr, balloon_main, t);
	pthread_attr_destroy(&attr);
	if (err) {
		atomic_store(&t->state, XB_T_NONE);
		fatal(XB_EXIT_ERROR, "CPU %u: cannot start a thread: %s",
		      t->cpu, strerror(err));
	}
	return err;
}

/*
 * Join a thread that ended. One that ended with EINVAL lost its CPU (the
 * CPU is going offline, which the online list may not show yet, or its
 * affinity was changed) or never got it (a cpuset without that CPU): the
 * CPU is tried again after XB_RETRY_NS, or as soon as a uevent says it
 * came online.
 */
static void reap_thread(struct xb_bthread *t, unsigned long long now)
{
	pthread_join(t->thread, NULL);
	atomic_store(&t->state, XB_T_NONE);
	if (atomic_load(&stopping) || atomic_load(&fatal_code) ||
	    t->err != EINVAL)
		return;
	t->retry_at = t->came_online ? 0 : now + XB_RETRY_NS;
	if (atomic_load(&t->attached)) {
		t->lost = true;
		t->was_offline = false;
		t->complained = false;
	} else if (!t->complained) {
		errmsg("CPU %u: cannot bind a balloon to it (not in our cpuset?); retrying every %d s",
		       t->cpu, (int)(XB_RETRY_NS / NSEC_PER_SEC));
		t->complained = true;
	}
}

/*
 * Bring the balloons in line with the online CPUs: join the threads that
 * ended, start one for each wanted online CPU without one, and kick the
 * threads of CPUs that went offline out of their sleep (their next call
 * fails and they end).
 */
static void scan(bool initial)
{
	unsigned long long now = now_ns();
	static bool read_failed;
	unsigned int cpu, started = 0;

	if (xb_read_online(online, nr_cpu_ids)) {
		if (!read_failed)
			errmsg("cannot read " XB_CPU_ONLINE ": %s",
			       strerror(errno));
		read_failed = true;
		return;
	}
	read_failed = false;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];

		if (atomic_load(&t->state) == XB_T_DONE)
			reap_thread(t, now);
	}
	if (atomic_load(&fatal_code) || atomic_load(&stopping))
		return;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];
		int state = atomic_load(&t->state);

		if (!wanted[cpu])
			continue;
		if (!online[cpu]) {
			if (state == XB_T_RUNNING)
				pthread_kill(t->thread, XB_SIG_KICK);
			if (t->lost)
				errmsg("CPU %u went offline: its balloon stopped",
				       cpu);
			t->lost = false;
			t->was_offline = true;
			continue;
		}
		if (state != XB_T_NONE || now < t->retry_at)
			continue;
		if (!initial && (t->was_offline || t->came_online))
			errmsg("CPU %u is online: starting its balloon", cpu);
		else if (!initial && t->lost)
			errmsg("CPU %u: its balloon lost the CPU (affinity changed?); starting another",
			       cpu);
		t->lost = false;
		t->was_offline = false;
		t->came_online = false;
		if (start_thread(t))
			return;
		started++;
	}
	if (initial && !started)
		errmsg("none of the CPUs is online yet; waiting for them");
}

/*
 * Does a balloon hold @cpu? Its thread's first XB_IOC_BALLOON returned, or
 * (kthread mode, where that call sleeps until a signal) the module says
 * the CPU is reserving (NWC) or has its reserve (WC).
 */
static bool cpu_held(int ctl_fd, unsigned int cpu)
{
	struct xb_cpu_stats st = { .size = sizeof(st), .cpu = cpu };

	if (atomic_load(&threads[cpu].attached))
		return true;
	return xb_ioctl(ctl_fd, XB_IOC_CPU_STATS, &st) == 0 &&
	       (st.mode == XB_MODE_NWC || st.mode == XB_MODE_WC);
}

/*
 * Tell systemd (Type=notify) that the daemon is up once each wanted online
 * CPU holds its balloon; a CPU that cannot be bound (not in our cpuset)
 * does not hold readiness back. True once sent.
 */
static bool notify_ready(int ctl_fd)
{
	static bool sent;
	unsigned int cpu, held = 0;
	char msg[64];

	if (sent)
		return true;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];

		if (!wanted[cpu] || !online[cpu] || t->complained)
			continue;
		if (atomic_load(&t->state) != XB_T_RUNNING ||
		    !cpu_held(ctl_fd, cpu))
			return false;
		held++;
	}
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=ballooning on %u CPUs",
		 held);
	xb_notify(msg);
	sent = true;
	return true;
}

/* Stop every balloon thread and join it. */
static void stop_all(void)
{
	struct timespec deadline;
	unsigned int cpu;
	int err;

	atomic_store(&stopping, true);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (atomic_load(&threads[cpu].state) == XB_T_RUNNING)
			pthread_kill(threads[cpu].thread, XB_SIG_KICK);

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];

		if (atomic_load(&t->state) == XB_T_NONE)
			continue;
		/*
		 * The kick may have landed between the thread's check of
		 * the flag and its ioctl: kick again until it ends.
		 */
		for (;;) {
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_nsec += XB_KICK_MS * NSEC_PER_MSEC;
			if (deadline.tv_nsec >= (long)NSEC_PER_SEC) {
				deadline.tv_sec++;
				deadline.tv_nsec -= NSEC_PER_SEC;
			}
			err = pthread_timedjoin_np(t->thread, NULL, &deadline);
			if (err != ETIMEDOUT)
				break;
			pthread_kill(t->thread, XB_SIG_KICK);
		}
		atomic_store(&t->state, XB_T_NONE);
	}
}

/* -v: what each balloon did since the last report. */
static void report_stats(int ctl_fd)
{
	static const char * const modes[] = {
		[XB_MODE_DETACHED] = "detached",
		[XB_MODE_NWC] = "NWC",
		[XB_MODE_WC] = "WC",
		[XB_MODE_ABSENT] = "absent",
	};
	unsigned long long v, d[XB_NR_CNT];
	struct xb_cpu_stats st;
	char line[256], mode[32], cap[32];
	unsigned int cpu, i;
	int n;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];

		if (atomic_load(&t->state) != XB_T_RUNNING)
			continue;
		for (i = 0; i < XB_NR_CNT; i++) {
			v = atomic_load_explicit(&t->cnt[i],
						 memory_order_relaxed);
			d[i] = v - t->last[i];
			t->last[i] = v;
		}
		snprintf(mode, sizeof(mode), "?");
		snprintf(cap, sizeof(cap), "?");
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.cpu = cpu;
		if (xb_ioctl(ctl_fd, XB_IOC_CPU_STATS, &st) == 0) {
			if (st.mode < ARRAY_SIZE(modes))
				snprintf(mode, sizeof(mode), "%s",
					 modes[st.mode]);
			if (st.cap_source)
				snprintf(cap, sizeof(cap), "%u.%u %% (%s)",
					 st.eff_cap_pm / 10,
					 st.eff_cap_pm % 10,
					 xb_cap_source_name(st.cap_source));
			else if (st.eff_cap_pm)
				snprintf(cap, sizeof(cap), "%u.%u %%",
					 st.eff_cap_pm / 10,
					 st.eff_cap_pm % 10);
			else
				snprintf(cap, sizeof(cap), "learning");
		}
		n = snprintf(line, sizeof(line), "CPU %u: %s, cap %s, last %us:",
			     cpu, mode, cap, opt.stats_interval);
		for (i = XB_CNT_WOKEN; i < XB_NR_CNT; i++)
			n += snprintf(line + n, sizeof(line) - n, " %s %llu",
				      cnt_names[i], d[i]);
		if (d[XB_CNT_OTHER])
			snprintf(line + n, sizeof(line) - n, " %s %llu",
				 cnt_names[XB_CNT_OTHER], d[XB_CNT_OTHER]);
		errmsg("%s", line);
	}
}

/*
 * Log where each balloon's cap comes from whenever that changes (told,
 * learned, unknown and why) or the estimate moves by more than 5 %: the
 * log then tells how the cap in use came about, without -v.
 */
static void report_cap_changes(int ctl_fd)
{
	struct xb_cpu_stats st;
	char what[96];
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct xb_bthread *t = &threads[cpu];
		unsigned int d;

		/* Kernel threads hold the CPU from within one call: no return. */
		if (atomic_load(&t->state) != XB_T_RUNNING)
			continue;
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.cpu = cpu;
		if (ioctl(ctl_fd, XB_IOC_CPU_STATS, &st) || !st.cap_source ||
		    st.mode == XB_MODE_DETACHED)
			continue;
		d = st.cap_est_pm > t->cap_est_pm ?
		    st.cap_est_pm - t->cap_est_pm : t->cap_est_pm - st.cap_est_pm;
		if (st.cap_source == t->cap_source && d * 20 <= t->cap_est_pm)
			continue;
		t->cap_source = st.cap_source;
		t->cap_est_pm = st.cap_est_pm;
		xb_cap_describe(&st, what, sizeof(what));
		errmsg("CPU %u: cap %s; in use %u.%u %%", cpu, what,
		       st.eff_cap_pm / 10, st.eff_cap_pm % 10);
	}
}

/*
 * Say so, loudly, when the balloons can reserve nothing (bare metal; no
 * cap set and nothing to learn one from), at start and whenever that
 * changes: running without effect must never look like working. Under
 * systemd (JOURNAL_STREAM set) the "<4>" prefix makes it a journal entry of
 * priority warning (SyslogLevelPrefix=, on by default).
 */
static void report_inert(int ctl_fd)
{
	static char last[256];
	char msg[256], line[400];
	int n = xb_inert_scan(ctl_fd, nr_cpu_ids, msg, sizeof(msg));

	if (n < 0 || !strcmp(msg, last))
		return;
	if (n) {
		/* One write per message, as errmsg(). */
		snprintf(line, sizeof(line),
			 "%s%s: WARNING: inert, nothing will be reserved on CPUs %s\n",
			 getenv("JOURNAL_STREAM") ? "<4>" : "", prog, msg);
		fputs(line, stderr);
	} else if (last[0]) {
		errmsg("no longer inert: every CPU can reserve");
	}
	snprintf(last, sizeof(last), "%s", msg);
}

/* ---------------------------------------------------------------------- */
/* Setup */

/* XB_IOC_INFO: the ABI and the balloon feature. */
static int check_module(int fd)
{
	struct xb_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (xb_ioctl(fd, XB_IOC_INFO, &info)) {
		if (errno == ENOTTY) {
			fatal(XB_EXIT_ABI,
			      "ABI mismatch: the module lacks XB_IOC_INFO; %s",
			      XB_ABI_HINT);
			return XB_EXIT_ABI;
		}
		return report_errno(errno, "XB_IOC_INFO");
	}
	if (info.abi_version != XB_ABI_VERSION) {
		fatal(XB_EXIT_ABI,
		      "ABI mismatch: module ABI %u (xballoon %.*s), tool ABI %u; %s",
		      info.abi_version, XB_VERSION_LEN, info.module_version,
		      XB_ABI_VERSION, XB_ABI_HINT);
		return XB_EXIT_ABI;
	}
	if (!(info.features & XB_FEATURE_BALLOON)) {
		fatal(XB_EXIT_ABI,
		      "ABI mismatch: this xballoon module (%.*s) has no CPU balloon; %s",
		      XB_VERSION_LEN, info.module_version, XB_ABI_HINT);
		return XB_EXIT_ABI;
	}
	nr_cpu_ids = info.nr_cpu_ids ? info.nr_cpu_ids : 1;
	return XB_EXIT_OK;
}

static int apply_config(int fd)
{
	struct xb_config cfg = {
		.size = sizeof(cfg),
		.flags = opt.cfg_flags,
		.period_us = opt.period_us,
		.cap_pm = opt.cap_pm,
	};

	if (!opt.cfg_flags)
		return XB_EXIT_OK;
	if (xb_ioctl(fd, XB_IOC_SET_CONFIG, &cfg) == 0)
		return XB_EXIT_OK;
	if (errno == EINVAL)
		return invalid_config();
	return report_errno(errno, "XB_IOC_SET_CONFIG");
}

/* One line at start: what runs where, with which configuration. */
static void announce(int fd)
{
	struct xb_config cfg = { .size = sizeof(cfg) };
	char sched[48], cap[32];

	if (opt.mode == XB_OPT_STATIC)
		snprintf(sched, sizeof(sched), "static mode, SCHED_FIFO %d",
			 opt.priority);
	else if (opt.mode == XB_OPT_KTHREAD)
		snprintf(sched, sizeof(sched),
			 "kthread mode, kernel threads at SCHED_FIFO %d",
			 opt.priority);
	else
		snprintf(sched, sizeof(sched), "dynamic mode, SCHED_OTHER");
	if (xb_ioctl(fd, XB_IOC_GET_CONFIG, &cfg)) {
		errmsg("%s, CPUs %s", sched, opt.cpus ? opt.cpus : "all");
		return;
	}
	if (cfg.cap_pm == XB_CAP_PM_LEARN)
		snprintf(cap, sizeof(cap), "to be learned from steal");
	else
		snprintf(cap, sizeof(cap), "%u.%u %%", cfg.cap_pm / 10,
			 cfg.cap_pm % 10);
	errmsg("%s, CPUs %s, period %u us, cap %s", sched,
	       opt.cpus ? opt.cpus : "all online", cfg.period_us, cap);
}

/*
 * Receive CPU uevents (a CPU came online) to react at once; without them
 * the periodic scan still catches everything. -1 if unavailable.
 */
static int uevent_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,		/* the kernel's own uevents */
	};
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Drain the uevent socket. A CPU that came online ("online@/devices/
 * system/cpu/cpu1", sent once it is up) may get a balloon at once, without
 * waiting for its retry delay; lost events make every CPU eligible.
 */
static void uevent_read(int fd)
{
	unsigned int cpu;
	char buf[8192];
	ssize_t len;

	for (;;) {
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			for (cpu = 0; cpu < nr_cpu_ids; cpu++)
				threads[cpu].retry_at = 0;
			continue;
		}
		if (len < 0)
			return;
		buf[len] = '\0';
		if (sscanf(buf, "online@/devices/system/cpu/cpu%u", &cpu) == 1 &&
		    cpu < nr_cpu_ids) {
			threads[cpu].retry_at = 0;
			threads[cpu].came_online = true;
		}
	}
}

static int run(void)
{
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	unsigned long long next_stats;
	int ctl_fd, sig_fd, ev_fd, ret, timeout;
	sigset_t mask;
	unsigned long bad;
	unsigned int cpu;
	bool running = true;

	/*
	 * Every signal we handle stays blocked in every thread: the main
	 * thread reads them from a signalfd, and the balloon threads
	 * unblock only XB_SIG_KICK.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, XB_SIG_WAKE);
	sigaddset(&mask, XB_SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, XB_SIG_KICK);
	{
		struct sigaction sa = { .sa_handler = on_kick };

		/* No SA_RESTART: the ioctl must return EINTR. */
		sigemptyset(&sa.sa_mask);
		sigaction(XB_SIG_KICK, &sa, NULL);
	}

	ctl_fd = open(XB_DEVICE, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		return report_errno(errno, "open " XB_DEVICE);
	ret = check_module(ctl_fd);
	if (ret)
		goto out_ctl;

	ret = XB_EXIT_ERROR;
	threads = calloc(nr_cpu_ids, sizeof(*threads));
	wanted = calloc(nr_cpu_ids, sizeof(*wanted));
	online = calloc(nr_cpu_ids, sizeof(*online));
	if (!threads || !wanted || !online) {
		fatal(ret, "out of memory");
		goto out_mem;
	}
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		threads[cpu].cpu = cpu;
		wanted[cpu] = !opt.cpus;
	}
	if (opt.cpus &&
	    parse_cpulist(opt.cpus, wanted, nr_cpu_ids, &bad) == -2) {
		ret = usage_error("--cpus: there is no CPU %lu (nr_cpu_ids %u)",
				  bad, nr_cpu_ids);
		goto out_mem;
	}

	ret = apply_config(ctl_fd);
	if (ret)
		goto out_mem;

	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0) {
		ret = report_errno(errno, "signalfd");
		goto out_mem;
	}
	ev_fd = uevent_open();

	announce(ctl_fd);
	scan(true);
	next_stats = now_ns() + opt.stats_interval * NSEC_PER_SEC;

	while (running && !atomic_load(&fatal_code)) {
		/* Until ready, look at the balloons often. */
		timeout = notify_ready(ctl_fd) ? XB_SCAN_MS : XB_READY_POLL_MS;
		report_cap_changes(ctl_fd);
		report_inert(ctl_fd);
		if (opt.verbose) {
			unsigned long long now = now_ns();

			if (now >= next_stats) {
				report_stats(ctl_fd);
				next_stats = now +
					opt.stats_interval * NSEC_PER_SEC;
			}
			if ((next_stats - now) / NSEC_PER_MSEC < XB_SCAN_MS)
				timeout = (next_stats - now) / NSEC_PER_MSEC + 1;
		}
		pfd[0] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = ev_fd, .events = POLLIN };
		ret = poll(pfd, ev_fd >= 0 ? 2 : 1, timeout);
		if (ret < 0 && errno != EINTR) {
			fatal(XB_EXIT_ERROR, "poll: %s", strerror(errno));
			break;
		}
		while (ret > 0 && (pfd[0].revents & POLLIN) &&
		       read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				running = false;
			/* XB_SIG_WAKE: a thread ended; the scan joins it. */
		}
		if (ret > 0 && ev_fd >= 0 && (pfd[1].revents & POLLIN))
			uevent_read(ev_fd);
		if (running)
			scan(false);
	}

	xb_notify("STOPPING=1");
	stop_all();
	if (ev_fd >= 0)
		close(ev_fd);
	close(sig_fd);
	ret = atomic_load(&fatal_code);
out_mem:
	free(online);
	free(wanted);
	free(threads);
out_ctl:
	close(ctl_fd);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_PERIOD = 0x100, OPT_CAP, OPT_CAP_PM, OPT_STATS };
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "priority", required_argument, NULL, 'p' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "period-us", required_argument, NULL, OPT_PERIOD },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "cap-pm", required_argument, NULL, OPT_CAP_PM },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	bool cap_given = false, bad_value = false;
	__u32 v;
	int c, r;

	main_thread = pthread_self();
	while ((c = getopt_long(argc, argv, "m:p:c:fvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "static"))
				opt.mode = XB_OPT_STATIC;
			else if (!strcmp(optarg, "dynamic"))
				opt.mode = XB_OPT_DYNAMIC;
			else if (!strcmp(optarg, "kthread"))
				opt.mode = XB_OPT_KTHREAD;
			else
				return usage_error("--mode wants static, dynamic or kthread, not '%s'",
						   optarg);
			break;
		case 'p':
			if (parse_u32(optarg, &v) ||
			    (int)v < sched_get_priority_min(SCHED_FIFO) ||
			    (int)v > sched_get_priority_max(SCHED_FIFO))
				return usage_error("--priority wants a SCHED_FIFO priority, %d-%d, not '%s'",
						   sched_get_priority_min(SCHED_FIFO),
						   sched_get_priority_max(SCHED_FIFO),
						   optarg);
			opt.priority = v;
			opt.priority_set = true;
			break;
		case 'c':
			if (parse_cpulist(optarg, NULL, UINT_MAX, NULL))
				return usage_error("--cpus wants a CPU list such as 0,2-3, not '%s'",
						   optarg);
			opt.cpus = optarg;
			break;
		case OPT_PERIOD:
			r = parse_u32(optarg, &opt.period_us);
			if (r < 0)
				return usage_error("--period-us wants a number of microseconds, not '%s'",
						   optarg);
			bad_value |= r > 0;
			opt.cfg_flags |= XB_CONFIG_PERIOD;
			break;
		case OPT_CAP:
		case OPT_CAP_PM:
			if (cap_given)
				return usage_error("give the cap once: --cap or --cap-pm");
			cap_given = true;
			if (c == OPT_CAP)
				r = parse_cap(optarg, &opt.cap_pm);
			else
				r = parse_u32(optarg, &opt.cap_pm);
			if (r < 0)
				return usage_error("%s wants %s, not '%s'",
						   c == OPT_CAP ? "--cap" : "--cap-pm",
						   c == OPT_CAP ?
						   "a percentage of one CPU or learn" :
						   "a number of per mille of one CPU",
						   optarg);
			bad_value |= r > 0;
			opt.cfg_flags |= XB_CONFIG_CAP;
			break;
		case 'f':
			break;
		case 'v':
			opt.verbose = true;
			break;
		case OPT_STATS:
			if (parse_u32(optarg, &v) || !v ||
			    v > XB_STATS_INTERVAL_MAX)
				return usage_error("--stats-interval wants 1 to %u seconds, not '%s'",
						   XB_STATS_INTERVAL_MAX, optarg);
			opt.stats_interval = v;
			break;
		case 'h':
		case 'V':
			return xb_help_version(c, prog, usage);
		default:
			return usage_error("bad option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (opt.priority_set && opt.mode == XB_OPT_DYNAMIC)
		return usage_error("--priority is for static and kthread modes only");
	if (bad_value)
		return invalid_config();

	return run();
}
