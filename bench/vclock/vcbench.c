// SPDX-License-Identifier: GPL-2.0
/*
 * vcbench - the programs of the virtual clock benchmark (bench/vclock/),
 * one static binary because the domU and dom0 have nothing but busybox:
 *
 *   vcbench calib WORK_US
 *	loop iterations that take WORK_US of vCPU time (run it with nothing
 *	else busy), then the cost of one RDTSC and of one clock_gettime, ns
 *   vcbench case NAME STEAL(0|1) CREDIT(0|1) WARMUP_S DURATION_S WORK_ITERS
 *	one measured case: a periodic task and two CPU hogs, one JSON line;
 *	with CREDIT, the periodic task must be in the fair-credit set (by its
 *	command name, IO_COMM) with schedstats on, and the case fails unless
 *	the module restored credit during the window
 *   vcbench tput DURATION_S
 *	a lone CPU-bound loop: iterations per second of vCPU time, one JSON
 *	line
 *   vcbench steal-wait on|off TIMEOUT_S
 *	spin until the vCPU sees steal (on) or none (off): dom0's hog
 *	started or stopped
 *   vcbench settle TIMEOUT_S
 *	wait until this process gets the whole vCPU (boot work is over)
 *   vcbench dom0 CONSOLE_LOG XL_LOG TIMEOUT_S
 *	dom0's side: follow the domU's console log and run a CPU hog while
 *	the guest asks for one ("XBVC-CMD hog-on" .. "XBVC-CMD hog-off")
 *
 * The periodic task is cyclictest's loop: an absolute 1 ms timer, and at
 * each wake-up the latency (actual wake - intended), then WORK_ITERS of a
 * busy loop. Intended times that passed before the wake-up are skipped (and
 * counted as missed), so one late wake-up is one sample, as in cyclictest.
 * At each wake-up it also reads the vCPU's steal: the steal since its
 * previous wake-up is time the vCPU did not run, which no guest scheduler
 * can hide, so "latency - steal" is the part of the delay that the guest
 * itself caused (a lower bound of it: steal before the intended time counts
 * too).
 *
 * The periodic task is called IO_COMM ("vcb-io"), so that it alone can be
 * put in the fair-credit set by name (xballoonctl credit add --comm) before
 * it exists; the hogs keep the name vcbench.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/xballoon.h>

#include "xbtime.h"

#define XB_DEV		"/dev/xballoon"
#define SCHEDSTATS	"/proc/sys/kernel/sched_schedstats"
#define CREDIT_MAX_US	"/sys/module/xballoon/parameters/credit_max_us"
#define IO_COMM		"vcb-io"
#define NSEC_PER_USEC	1000LL
#define NSEC_PER_MSEC	1000000LL
#define PERIOD_NS	NSEC_PER_MSEC
#define NR_HOGS		2
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Shared with other processes or a signal handler: the compiler must not
 * keep these in registers.
 */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static int xb_fd = -1;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vcbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void xb_open(void)
{
	if (xb_fd < 0)
		xb_fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (xb_fd < 0)
		die("%s: %s (is xballoon.ko loaded?)", XB_DEV, strerror(errno));
}

/* Steal of CPU 0, the domU's only vCPU (ns, from module load). */
static int64_t steal_ns(void)
{
	struct xb_cpu_steal cs = { .size = sizeof(cs), .cpu = 0 };

	if (ioctl(xb_fd, XB_IOC_CPU_STEAL, &cs))
		die("XB_IOC_CPU_STEAL: %s", strerror(errno));
	return cs.steal_ns;
}

static void vclock_read(struct xb_vclock *vc)
{
	memset(vc, 0, sizeof(*vc));
	vc->size = sizeof(*vc);
	if (ioctl(xb_fd, XB_IOC_VCLOCK, vc))
		die("XB_IOC_VCLOCK: %s", strerror(errno));
}

static const char *vclock_state_name(unsigned int state)
{
	switch (state) {
	case XB_VCLOCK_OFF:
		return "off";
	case XB_VCLOCK_ON:
		return "on";
	case XB_VCLOCK_KERNEL:
		return "kernel";
	case XB_VCLOCK_NO_STEAL:
		return "no-steal";
	}
	return "?";
}

/*
 * The fair-credit counters (wake-ups restored, credit given back), and
 * whether IO_COMM is in the set. The module reports the counters only
 * with a successful call, and reading an entry of an empty set fails:
 * returns false when the set is empty.
 */
static bool credit_read(struct xb_credit *c, bool *io_member)
{
	struct xb_credit e;
	__u32 i, nr = 1;

	*io_member = false;
	for (i = 0; i < nr; i++) {
		memset(&e, 0, sizeof(e));
		e.size = sizeof(e);
		e.op = XB_CREDIT_GET;
		e.index = i;
		if (ioctl(xb_fd, XB_IOC_CREDIT, &e)) {
			if (errno == ENOENT && i == 0)
				return false;
			die("XB_IOC_CREDIT: %s", strerror(errno));
		}
		nr = e.nr_entries;
		if (!e.pid && !strcmp(e.comm, IO_COMM))
			*io_member = true;
		if (i == 0)
			*c = e;
	}
	return true;
}

/* A number in a /proc or /sys file, or -1. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* kernel.sched_schedstats: 1, 0, or -1 if the kernel has none. */
static int schedstats_state(void)
{
	return (int)read_long(SCHEDSTATS);
}

/* The work of the periodic task: a loop the compiler must keep. */
static void work(unsigned long iters)
{
	unsigned long i;

	for (i = 0; i < iters; i++)
		__asm__ __volatile__("" : : : "memory");
}

/* A CPU hog; the counter lives in shared memory so the parent can read it. */
static void hog_loop(unsigned long *count, int *stop)
{
	while (!LOAD(*stop))
		STORE(*count, *count + 1);
}

/* sum_exec_runtime and run_delay of a task (ns), from /proc/PID/schedstat. */
static void schedstat(pid_t pid, int64_t *run, int64_t *wait)
{
	char path[64];
	long long r = 0, w = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld %lld", &r, &w) != 2)
		die("%s: cannot read", path);
	fclose(f);
	*run = r;
	*wait = w;
}

/*
 * The "cpu" line of /proc/stat: user nice system idle iowait irq softirq
 * steal, in USER_HZ ticks.
 */
#define NR_CPUSTAT 8
static void cpustat(long long *v)
{
	FILE *f = fopen("/proc/stat", "r");
	int i;

	for (i = 0; i < NR_CPUSTAT; i++)
		v[i] = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(f);
}

/* Deltas of cpustat() as a JSON object, in ms. */
static void print_cpustat(const char *key, const long long *a,
			  const long long *b)
{
	static const char * const names[NR_CPUSTAT] = {
		"user", "nice", "system", "idle", "iowait", "irq", "softirq",
		"steal",
	};
	long hz = sysconf(_SC_CLK_TCK);
	int i;

	printf("\"%s\":{", key);
	for (i = 0; i < NR_CPUSTAT; i++)
		printf("\"%s\":%lld%s", names[i], (b[i] - a[i]) * 1000 / hz,
		       i + 1 < NR_CPUSTAT ? "," : "},");
}

static void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", size, strerror(errno));
	return p;
}

static unsigned long parse_ul(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end)
		die("%s: not a number: %s", what, s);
	return v;
}

/* ------------------------------------------------------------------ calib */

/*
 * Iterations per WORK_US of vCPU time: the fastest of a few tries, each
 * timed as wall time minus the steal that fell into it, so that a stray
 * dom0 wake-up does not make the work shorter.
 */
static int cmd_calib(int argc, char **argv)
{
	const unsigned long probe = 1000000;
	unsigned long work_us;
	int64_t best = INT64_MAX, t0, t1;
	int i;

	if (argc != 1)
		die("usage: vcbench calib WORK_US");
	work_us = parse_ul(argv[0], "WORK_US");
	xb_open();
	for (i = 0; i < 7; i++) {
		int64_t ta = now_ns(), s0 = steal_ns(), t;

		work(probe);
		t = now_ns() - ta - (steal_ns() - s0);
		if (t > 0 && t < best)
			best = t;
	}
	printf("%lu", (unsigned long)((double)probe * work_us *
				      NSEC_PER_USEC / best + 0.5));
	/*
	 * What a clock read costs here: Xen emulates RDTSC for a PV guest
	 * when the TSC is not known to be reliable (as under QEMU TCG), and
	 * every clock read in the guest, the kernel's included, then traps.
	 */
	t0 = now_ns();
	for (i = 0; i < 1000; i++)
		__asm__ __volatile__("" : : "r"(__builtin_ia32_rdtsc()));
	t1 = now_ns();
	for (i = 0; i < 1000; i++)
		now_ns();
	printf(" %.0f %.0f\n", (t1 - t0) / 1000.0, (now_ns() - t1) / 1000.0);
	return 0;
}

/* ------------------------------------------------------------------- case */

/**
 * struct sample - one wake-up of the periodic task
 * @when_ns: intended wake-up
 * @lat_ns: actual wake-up - intended
 * @steal_ns: steal since its previous wake-up
 * @missed: intended times that had passed too at this wake-up
 */
struct sample {
	int64_t when_ns;
	int64_t lat_ns;
	int64_t steal_ns;
	uint32_t missed;
};

/**
 * struct shared - what the case's processes share
 * @hog_count: iterations of each hog, one cache line each
 * @stop: tells the hogs to end
 * @nr: samples recorded
 * @missed: intended times skipped inside the window
 * @samples: the window's wake-ups
 */
struct shared {
	struct {
		unsigned long count;
		char pad[56];
	} hog[NR_HOGS];
	int stop;
	unsigned long nr;
	unsigned long missed;
	struct sample samples[];
};

/*
 * The periodic task: intended times from @first every PERIOD_NS until
 * @end; wake-ups for intended times in [@win, @end) are recorded.
 */
static void periodic(struct shared *sh, unsigned long cap, int64_t first,
		     int64_t win, int64_t end, unsigned long iters)
{
	int64_t next = first, prev_steal = steal_ns();

	while (next < end) {
		int64_t t, s, lat;
		uint32_t missed;

		sleep_until(next);
		t = now_ns();
		s = steal_ns();
		lat = t - next;
		missed = lat / PERIOD_NS;
		if (next >= win && sh->nr < cap) {
			struct sample *sm = &sh->samples[sh->nr++];

			sm->when_ns = next;
			sm->lat_ns = lat;
			sm->steal_ns = s - prev_steal;
			sm->missed = missed;
			sh->missed += missed;
		}
		prev_steal = s;
		work(iters);
		next += (int64_t)(missed + 1) * PERIOD_NS;
	}
}

/* Nearest-rank percentile of sorted @v, in us. */
static double pct_us(const int64_t *v, size_t n, double q)
{
	size_t k;

	if (!n)
		return NAN;
	k = (size_t)ceil(q * n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1] / 1000.0;
}

static void print_num(const char *key, double v, int last)
{
	if (isnan(v))
		printf("\"%s\":null%s", key, last ? "" : ",");
	else
		printf("\"%s\":%.6g%s", key, v, last ? "" : ",");
}

/* p50/p90/p99/p99.9/max of @v (sorted here) as "<prefix>p50_us" etc. */
static void print_pcts(const char *prefix, int64_t *v, size_t n)
{
	static const struct {
		const char *name;
		double q;
	} p[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 },
		{ "p999", 0.999 }, { "max", 1.0 },
	};
	char key[64];
	size_t i;

	qsort(v, n, sizeof(*v), cmp_i64);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		snprintf(key, sizeof(key), "%s%s_us", prefix, p[i].name);
		print_num(key, pct_us(v, n, p[i].q), 0);
	}
}

/*
 * The latency CDF as [quantile, us] pairs, dense in the tail, for the
 * plot: 1 % steps, then 0.1 % from 99 %, then 0.01 % from 99.9 %.
 */
static void print_cdf(const char *key, const int64_t *sorted, size_t n)
{
	int i;

	printf("\"%s\":[", key);
	for (i = 0; i <= 99; i++)
		printf("[%.4f,%.6g],", i / 100.0, pct_us(sorted, n, i / 100.0));
	for (i = 991; i <= 999; i++)
		printf("[%.4f,%.6g],", i / 1000.0, pct_us(sorted, n, i / 1000.0));
	for (i = 9991; i <= 9999; i++)
		printf("[%.4f,%.6g],", i / 10000.0,
		       pct_us(sorted, n, i / 10000.0));
	printf("[1,%.6g]]", pct_us(sorted, n, 1.0));
}

/*
 * The worst wake-ups as [s into the window, latency ms, steal ms]: when
 * they happen says what caused them (a regular pattern, a one-off).
 */
#define NR_WORST 10
static void print_worst(const struct sample *sm, size_t n, int64_t win)
{
	size_t worst[NR_WORST], nw = 0, i, j;

	for (i = 0; i < n; i++) {
		for (j = nw; j > 0 && sm[worst[j - 1]].lat_ns < sm[i].lat_ns; j--)
			if (j < NR_WORST)
				worst[j] = worst[j - 1];
		if (j < NR_WORST) {
			worst[j] = i;
			if (nw < NR_WORST)
				nw++;
		}
	}
	printf("\"worst\":[");
	for (i = 0; i < nw; i++)
		printf("[%.4f,%.3f,%.3f]%s", (sm[worst[i]].when_ns - win) / 1e9,
		       sm[worst[i]].lat_ns / 1e6, sm[worst[i]].steal_ns / 1e6,
		       i + 1 < nw ? "," : "");
	printf("],");
}

static pid_t spawn_hog(struct shared *sh, int i)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		hog_loop(&sh->hog[i].count, &sh->stop);
		_exit(0);
	}
	return pid;
}

static int cmd_case(int argc, char **argv)
{
	unsigned long warmup, duration, iters, cap, i, j, n;
	int64_t run0[NR_HOGS + 1], wait0[NR_HOGS + 1];
	int64_t run1[NR_HOGS + 1], wait1[NR_HOGS + 1];
	unsigned long count0[NR_HOGS], count1[NR_HOGS];
	int64_t t0, win, end, tw0, tw1, st0, st1, *v;
	struct xb_credit cr0 = { 0 }, cr1 = { 0 };
	bool cr_ok0, cr_ok1, io_member0, io_member1, credit_acted;
	int ss0, ss1;
	struct xb_vclock vc0, vc1;
	pid_t pids[NR_HOGS + 1];
	struct shared *sh;
	struct utsname un;
	const char *name;
	double wall, hog_sum = 0, iters_sum = 0;
	int steal, credit, status;

	if (argc != 6)
		die("usage: vcbench case NAME STEAL CREDIT WARMUP_S DURATION_S WORK_ITERS");
	name = argv[0];
	steal = !!parse_ul(argv[1], "STEAL");
	credit = !!parse_ul(argv[2], "CREDIT");
	warmup = parse_ul(argv[3], "WARMUP_S");
	duration = parse_ul(argv[4], "DURATION_S");
	iters = parse_ul(argv[5], "WORK_ITERS");
	xb_open();
	uname(&un);

	/*
	 * What the case claims must hold before it starts: with fair credit,
	 * the periodic task's name in the set and schedstats on (the
	 * module's restore point is a schedstats event); without it, an
	 * empty set.
	 */
	cr_ok0 = credit_read(&cr0, &io_member0);
	ss0 = schedstats_state();
	if (credit && !io_member0)
		die("fair credit: %s is not in the fair-credit set", IO_COMM);
	if (credit && ss0 != 1)
		die("fair credit: kernel.sched_schedstats is %d, not 1", ss0);
	if (!credit && cr_ok0)
		die("no fair credit wanted, but the fair-credit set has %u entries",
		    cr0.nr_entries);

	/* At most one sample per period, plus slack. */
	cap = duration * (NSEC_PER_SEC / PERIOD_NS) + 16;
	sh = shared_alloc(sizeof(*sh) + cap * sizeof(struct sample));
	v = malloc(cap * sizeof(*v));
	if (!v)
		die("out of memory");

	for (i = 0; i < NR_HOGS; i++)
		pids[i] = spawn_hog(sh, i);

	/*
	 * Intended times on a whole-period grid that starts a little later,
	 * so that the timer's phase does not depend on when we got here.
	 */
	t0 = (now_ns() / PERIOD_NS + 20) * PERIOD_NS;
	win = t0 + (int64_t)warmup * NSEC_PER_SEC;
	end = win + (int64_t)duration * NSEC_PER_SEC;
	pids[NR_HOGS] = fork();
	if (pids[NR_HOGS] < 0)
		die("fork: %s", strerror(errno));
	if (pids[NR_HOGS] == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Before its first sleep: fair credit knows it by name. */
		prctl(PR_SET_NAME, IO_COMM);
		periodic(sh, cap, t0, win, end, iters);
		_exit(0);
	}

	/*
	 * The window's counters, read half a period off the periodic task's
	 * grid so as not to delay its wake-ups; this process sleeps in
	 * between.
	 */
	sleep_until(win - PERIOD_NS / 2);
	tw0 = now_ns();
	st0 = steal_ns();
	vclock_read(&vc0);
	cr_ok0 = credit_read(&cr0, &io_member0);
	for (i = 0; i <= NR_HOGS; i++)
		schedstat(pids[i], &run0[i], &wait0[i]);
	for (i = 0; i < NR_HOGS; i++)
		count0[i] = LOAD(sh->hog[i].count);

	sleep_until(end - PERIOD_NS / 2);
	tw1 = now_ns();
	st1 = steal_ns();
	vclock_read(&vc1);
	cr_ok1 = credit_read(&cr1, &io_member1);
	ss1 = schedstats_state();
	for (i = 0; i <= NR_HOGS; i++)
		schedstat(pids[i], &run1[i], &wait1[i]);
	for (i = 0; i < NR_HOGS; i++)
		count1[i] = LOAD(sh->hog[i].count);

	if (waitpid(pids[NR_HOGS], &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("the periodic task failed");
	STORE(sh->stop, 1);
	for (i = 0; i < NR_HOGS; i++)
		waitpid(pids[i], NULL, 0);

	wall = (double)(tw1 - tw0);
	n = sh->nr;
	printf("{\"case\":\"%s\",\"kernel\":\"%s\",\"steal\":%s,", name,
	       un.release, steal ? "true" : "false");
	printf("\"vclock\":\"%s\",\"vclock_state\":\"%s\",",
	       vc1.enable ? "on" : "off", vclock_state_name(vc1.state));
	/*
	 * Fair credit as it was in the window: the counters are the
	 * module's, for the whole set, which holds only the periodic task.
	 */
	credit_acted = cr_ok0 && cr_ok1 && cr1.restored > cr0.restored &&
		       cr1.credited_ns > cr0.credited_ns;
	printf("\"fair_credit\":%s,\"schedstats\":%s,",
	       credit ? "true" : "false", ss1 == 1 ? "true" : "false");
	if (credit && cr_ok0 && cr_ok1) {
		printf("\"credit_members\":%u,\"credit_restored\":%llu,",
		       cr1.nr_entries,
		       (unsigned long long)(cr1.restored - cr0.restored));
		print_num("credit_given_ms",
			  (cr1.credited_ns - cr0.credited_ns) / 1e6, 0);
		printf("\"credit_active\":%s,\"credit_max_us\":%ld,",
		       credit_acted ? "true" : "false", read_long(CREDIT_MAX_US));
	} else if (credit) {
		printf("\"credit_members\":0,\"credit_restored\":null,\"credit_given_ms\":null,\"credit_active\":false,");
	}
	printf("\"warmup_s\":%lu,\"duration_s\":%lu,\"period_us\":%lld,",
	       warmup, duration, PERIOD_NS / NSEC_PER_USEC);
	printf("\"work_iters\":%lu,\"samples\":%lu,\"missed_periods\":%lu,",
	       iters, n, sh->missed);
	print_num("missed_pct", 100.0 * sh->missed / (n + sh->missed), 0);

	/* Wake-up latency, as cyclictest reports it. */
	for (i = 0; i < n; i++)
		v[i] = sh->samples[i].lat_ns;
	print_pcts("", v, n);
	print_cdf("cdf", v, n);
	printf(",");
	/* What is left once the time the vCPU did not run is taken out. */
	for (i = 0; i < n; i++) {
		int64_t g = sh->samples[i].lat_ns - sh->samples[i].steal_ns;

		v[i] = g > 0 ? g : 0;
	}
	print_pcts("guest_", v, n);
	print_cdf("guest_cdf", v, n);
	printf(",");

	/* CPU shares: run time the scheduler charged, over wall time. */
	print_num("server_cpu_pct",
		  100.0 * (run1[NR_HOGS] - run0[NR_HOGS]) / wall, 0);
	print_num("server_wait_ms",
		  (wait1[NR_HOGS] - wait0[NR_HOGS]) / 1e6, 0);
	printf("\"hog_cpu_pct_each\":[");
	for (i = 0; i < NR_HOGS; i++) {
		double p = 100.0 * (run1[i] - run0[i]) / wall;

		hog_sum += p;
		iters_sum += (count1[i] - count0[i]) * 1e9 / wall;
		printf("%.4g%s", p, i + 1 < NR_HOGS ? "," : "],");
	}
	print_num("hog_cpu_pct", hog_sum, 0);
	print_num("hog_iters_per_s", iters_sum, 0);
	print_num("steal_pct", 100.0 * (st1 - st0) / wall, 0);
	/*
	 * Wake-ups that found their vCPU away (over 1 ms of steal since the
	 * previous one): no guest scheduler can make those fast; if they are
	 * more than 1 %, they set the p99 whatever the guest does.
	 */
	for (i = 0, j = 0; i < n; i++)
		j += sh->samples[i].steal_ns > NSEC_PER_MSEC;
	print_num("vcpu_away_wakeups_pct", n ? 100.0 * j / n : NAN, 0);
	for (i = 0; i < n; i++)
		v[i] = sh->samples[i].steal_ns;
	qsort(v, n, sizeof(*v), cmp_i64);
	/* The longest the vCPU was away between two wake-ups. */
	print_num("max_steal_gap_ms", n ? v[n - 1] / 1e6 : NAN, 0);
	print_num("vcpu_run_pct", 100.0 - 100.0 * (st1 - st0) / wall, 0);
	print_num("uncharged_ms", (vc1.uncharged_ns - vc0.uncharged_ns) / 1e6,
		  0);
	printf("\"vclock_events\":%llu,",
	       (unsigned long long)(vc1.events - vc0.events));
	print_num("hook_ns_per_event", vc1.events > vc0.events ?
		  (double)(vc1.hook_ns - vc0.hook_ns) /
		  (vc1.events - vc0.events) : NAN, 0);
	print_worst(sh->samples, n, win);
	if (credit)
		print_num("credit_restored_pct_of_wakeups", n && credit_acted ?
			  100.0 * (cr1.restored - cr0.restored) / n : NAN, 0);
	print_num("window_s", wall / 1e9, 1);
	printf("}\n");
	fflush(stdout);
	/* A row that claims fair credit must show it acted. */
	if (credit && !(credit_acted && io_member1 && ss1 == 1)) {
		fprintf(stderr,
			"vcbench: fair credit did not act in the window (restored %llu -> %llu, credited %llu -> %llu ns, %s in the set: %s, schedstats %d)\n",
			(unsigned long long)cr0.restored,
			(unsigned long long)cr1.restored,
			(unsigned long long)cr0.credited_ns,
			(unsigned long long)cr1.credited_ns, IO_COMM,
			io_member1 ? "yes" : "no", ss1);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------- tput */

static int tput_stop;

static void on_alarm(int sig)
{
	(void)sig;
	STORE(tput_stop, 1);
}

/*
 * A lone CPU-bound loop for DURATION_S: iterations per second of the time
 * its vCPU ran (wall - steal), so that what dom0 does in the meantime does
 * not count. The only other cost on the vCPU is the kernel's: the tick and
 * the scheduler, with or without the virtual clock's hook.
 */
static int cmd_tput(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_sec = 0 } };
	struct xb_vclock vc0, vc1;
	unsigned long duration, n = 0;
	int64_t t0, t1, s0, s1, run0, run1, wait0, wait1;
	long long cs0[NR_CPUSTAT], cs1[NR_CPUSTAT];
	double ran;

	if (argc != 1)
		die("usage: vcbench tput DURATION_S");
	duration = parse_ul(argv[0], "DURATION_S");
	xb_open();
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = duration;
	vclock_read(&vc0);
	schedstat(getpid(), &run0, &wait0);
	cpustat(cs0);
	s0 = steal_ns();
	t0 = now_ns();
	setitimer(ITIMER_REAL, &it, NULL);
	while (!LOAD(tput_stop))
		n++;
	t1 = now_ns();
	s1 = steal_ns();
	schedstat(getpid(), &run1, &wait1);
	cpustat(cs1);
	vclock_read(&vc1);
	ran = (double)(t1 - t0 - (s1 - s0));
	printf("{\"vclock\":\"%s\",\"iters\":%lu,\"wall_s\":%.6f,",
	       vc1.enable ? "on" : "off", n, (t1 - t0) / 1e9);
	/* Whatever else ran on the vCPU shows as a share below 100 %. */
	printf("\"self_cpu_pct\":%.3f,\"self_wait_ms\":%.3f,",
	       100.0 * (run1 - run0) / ran, (wait1 - wait0) / 1e6);
	print_cpustat("cpu_ms", cs0, cs1);
	printf("\"steal_ms\":%.3f,\"uncharged_ms\":%.3f,",
	       (s1 - s0) / 1e6, (vc1.uncharged_ns - vc0.uncharged_ns) / 1e6);
	printf("\"iters_per_s\":%.1f,\"events_per_s\":%.1f,", n * 1e9 / ran,
	       (vc1.events - vc0.events) * 1e9 / ran);
	print_num("hook_ns_per_event", vc1.events > vc0.events ?
		  (double)(vc1.hook_ns - vc0.hook_ns) /
		  (vc1.events - vc0.events) : NAN, 1);
	printf("}\n");
	return 0;
}

/* ----------------------------------------------------------------- settle */

/*
 * Spin in 500 ms windows until two in a row give this process at least
 * 98 % of the time its vCPU ran: right after boot and insmod the kernel
 * still has work of its own (a first throughput run got 56 %).
 */
static int cmd_settle(int argc, char **argv)
{
	unsigned long timeout;
	int64_t start, t0, t1, s0, s1, r0, r1, w;
	int good = 0;
	double pct;

	if (argc != 1)
		die("usage: vcbench settle TIMEOUT_S");
	timeout = parse_ul(argv[0], "TIMEOUT_S");
	xb_open();
	start = now_ns();
	for (;;) {
		t0 = now_ns();
		s0 = steal_ns();
		schedstat(getpid(), &r0, &w);
		do
			t1 = now_ns();
		while (t1 - t0 < 500 * NSEC_PER_MSEC);
		s1 = steal_ns();
		schedstat(getpid(), &r1, &w);
		pct = 100.0 * (r1 - r0) / (t1 - t0 - (s1 - s0));
		good = pct >= 98 ? good + 1 : 0;
		if (good >= 2)
			break;
		if (t1 - start > (int64_t)timeout * NSEC_PER_SEC) {
			printf("not settled after %.1f s, last window %.1f %%\n",
			       (t1 - start) / 1e9, pct);
			return 1;
		}
	}
	printf("settled after %.1f s, last window %.1f %%\n",
	       (t1 - start) / 1e9, pct);
	return 0;
}

/* ------------------------------------------------------------- steal-wait */

/*
 * Spin in 200 ms windows until one shows at least 25 % steal (on), or two
 * in a row show under 3 % (off). Spinning keeps the vCPU runnable: an idle
 * vCPU blocks, and a blocked vCPU sees no steal whatever dom0 does.
 */
static int cmd_steal_wait(int argc, char **argv)
{
	unsigned long timeout;
	int64_t start, t0, s0, t1, s1;
	int on, quiet = 0;
	double pct;

	if (argc != 2 || (strcmp(argv[0], "on") && strcmp(argv[0], "off")))
		die("usage: vcbench steal-wait on|off TIMEOUT_S");
	on = !strcmp(argv[0], "on");
	timeout = parse_ul(argv[1], "TIMEOUT_S");
	xb_open();
	start = now_ns();
	for (;;) {
		t0 = now_ns();
		s0 = steal_ns();
		do
			t1 = now_ns();
		while (t1 - t0 < 200 * NSEC_PER_MSEC);
		s1 = steal_ns();
		pct = 100.0 * (s1 - s0) / (t1 - t0);
		if (on && pct >= 25)
			break;
		if (!on && pct < 3 && ++quiet >= 2)
			break;
		if (!on && pct >= 3)
			quiet = 0;
		if (t1 - start > (int64_t)timeout * NSEC_PER_SEC) {
			printf("timeout after %.1f s, last window %.1f %% steal\n",
			       (t1 - start) / 1e9, pct);
			return 1;
		}
	}
	printf("after %.1f s, last window %.1f %% steal\n",
	       (t1 - start) / 1e9, pct);
	return 0;
}

/* ------------------------------------------------------------------- dom0 */

static pid_t dom0_hog = -1;
static unsigned long *dom0_hog_count;

static double uptime_s(void)
{
	return now_ns() / 1e9;
}

/* Run a shell command, its output into ours (the hook's log). */
static void dom0_sh(const char *cmd)
{
	int rc;

	printf("%.3f $ %s\n", uptime_s(), cmd);
	fflush(stdout);
	rc = system(cmd);
	if (rc)
		printf("%.3f   exit status %d\n", uptime_s(), rc);
}

/*
 * A hook on dom0's vCPU, which shares its pCPU with the domU's: credit1
 * then gives each half of it, and the domU sees the other half as steal
 * (runstate runnable).
 */
static void dom0_hog_set(int on)
{
	if (on && dom0_hog < 0) {
		dom0_hog = fork();
		if (dom0_hog < 0)
			die("fork: %s", strerror(errno));
		if (dom0_hog == 0) {
			struct sched_param sp = { .sched_priority = 0 };
			static int never;

			/* Never outlive this process, even killed. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/*
			 * Below everything else in dom0: its vCPU stays busy
			 * all the same, and the toolstack stays responsive.
			 */
			sched_setscheduler(0, SCHED_IDLE, &sp);
			hog_loop(dom0_hog_count, &never);
			_exit(0);
		}
		printf("%.3f hog on (pid %d)\n", uptime_s(), (int)dom0_hog);
	} else if (!on && dom0_hog > 0) {
		kill(dom0_hog, SIGKILL);
		waitpid(dom0_hog, NULL, 0);
		dom0_hog = -1;
		printf("%.3f hog off (%lu iterations)\n", uptime_s(),
		       LOAD(*dom0_hog_count));
	}
	fflush(stdout);
}

/* Returns 1 when the guest is done. */
static int dom0_console_line(const char *line)
{
	if (strstr(line, "XBVC-CMD hog-on"))
		dom0_hog_set(1);
	else if (strstr(line, "XBVC-CMD hog-off"))
		dom0_hog_set(0);
	else if (strstr(line, "XBVC-CMD done") ||
		 !strncmp(line, "XB-GUEST-DONE", 13))
		return 1;
	return 0;
}

/* xl's own log of the domain: copied to ours; the domain's end ends us. */
static int dom0_xl_line(const char *line)
{
	printf("%.3f xl: %s\n", uptime_s(), line);
	return strstr(line, "has shut down") || strstr(line, "destroyed");
}

/**
 * struct follow - a log file read as it grows
 * @path: the file (may not exist yet)
 * @fd: open file, or -1
 * @len: bytes of the current line in @line
 * @line: the current line
 * @fn: called for each complete line; a non-zero return ends the follow
 */
struct follow {
	const char *path;
	int fd;
	size_t len;
	char line[8192];
	int (*fn)(const char *line);
};

/* New bytes of @f, one read() at a time. Returns 1 when @f->fn says so. */
static int follow(struct follow *f)
{
	static char buf[65536];
	ssize_t r, i;

	if (f->fd < 0)
		f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	while (f->fd >= 0 && (r = read(f->fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++) {
			if (buf[i] == '\n' || buf[i] == '\r') {
				f->line[f->len] = 0;
				f->len = 0;
				if (f->fn(f->line))
					return 1;
			} else if (f->len < sizeof(f->line) - 1) {
				f->line[f->len++] = buf[i];
			}
		}
	}
	return 0;
}

/*
 * Follow the domU's console log that xenconsoled writes, and xl's log of
 * the domain, every 200 ms: one read() each, so that this costs dom0, and
 * the pCPU it shares with the domU, next to nothing.
 */
static int cmd_dom0(int argc, char **argv)
{
	struct follow con = { .fd = -1, .fn = dom0_console_line };
	struct follow xl = { .fd = -1, .fn = dom0_xl_line };
	unsigned long timeout;
	int64_t start;

	if (argc != 3)
		die("usage: vcbench dom0 CONSOLE_LOG XL_LOG TIMEOUT_S");
	con.path = argv[0];
	xl.path = argv[1];
	timeout = parse_ul(argv[2], "TIMEOUT_S");
	dom0_hog_count = shared_alloc(sizeof(*dom0_hog_count));
	start = now_ns();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%.3f following %s and %s\n", uptime_s(), con.path, xl.path);
	dom0_sh("xl vcpu-list");
	for (;;) {
		if (follow(&con) || follow(&xl))
			break;
		if (now_ns() - start > (int64_t)timeout * NSEC_PER_SEC) {
			printf("%.3f timeout\n", uptime_s());
			break;
		}
		usleep(200000);
	}
	dom0_hog_set(0);
	printf("%.3f done\n", uptime_s());
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "calib", cmd_calib },
		{ "case", cmd_case },
		{ "tput", cmd_tput },
		{ "settle", cmd_settle },
		{ "steal-wait", cmd_steal_wait },
		{ "dom0", cmd_dom0 },
	};
	size_t i;

	if (argc >= 2)
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr,
		"usage: vcbench calib|case|tput|settle|steal-wait|dom0 ... (see the source)\n");
	return 64;
}
