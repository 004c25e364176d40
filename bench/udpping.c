// SPDX-License-Identifier: GPL-2.0
/*
 * udpping - fixed-rate UDP request/response client of the xballoon
 * benchmark (runs on the host, talks to bench/udpecho in the guest).
 *
 * Like sockperf's under-load mode: requests leave at a fixed rate whatever
 * the replies do (an open loop, so a stalled server cannot slow the load
 * down and hide its own stall), each carrying its sequence number and the
 * CLOCK_MONOTONIC time it left; a separate receiver thread takes each reply
 * and records its round-trip time. A request without a reply within
 * --timeout is lost.
 *
 *   udpping --dst IP [--port 7000] [--rate 1000] [--warmup 3] [--duration 10]
 *           [--timeout 2000] [--size 64] [--samples FILE] [--cgroup DIR]
 *           [--rt PRIO] [--step AT:COMMAND]... [--jitter]
 *   udpping --dst IP --port 7001 --cmd TEXT [--cmd-timeout 5]
 *
 * The first form sends --warmup seconds of requests, then --duration
 * seconds of measured ones, then an END marker, waits for the stragglers
 * and sends STOP (the server exits). The server snapshots its CPU counters
 * at the first measured request and at END; this side snapshots the host
 * at the same two points: the QEMU cgroup's throttling (cpu.stat of
 * --cgroup, a cgroup v1 cpu directory) and CPU time, and the host's busy
 * time, so that the numbers of both sides cover the same window. One JSON
 * object goes to stdout, the round-trip time of every answered measured
 * request (microseconds, in send order) to --samples.
 *
 * --step AT:COMMAND runs COMMAND (through /bin/sh) AT seconds after the
 * start of the measured window (negative: in the warm-up; at or before
 * -warmup: before the first request), e.g. the command that changes the
 * VM's cap. Once it has returned, a MARK datagram numbered after the step
 * tells the server when (it notes its own clock), and the JSON gets, per
 * step, from its start to the next one's (or to the window's end): the
 * requests sent, those lost, the largest round trip and the largest gap
 * between two replies (or from the step to the first): the worst stall the
 * step caused.
 *
 * --jitter sends each request at a pseudo-random point of its slot (the
 * slots still one 1/rate apart, the rate the same), the sequence the same
 * in every run: a load exactly periodic can lock onto a guest's own
 * periods (the balloon's 10 ms, credit2's refills) and put the same
 * requests at the same bad phase for the whole window, or none; under
 * Xen's icount a case's p99 then depends on the phase it started at.
 *
 * The second form sends one control command to the guest script's
 * `udpecho --once` and waits for its echo; exit status 0 once echoed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xbproto.h"
#include "xbtime.h"

#define NSEC_PER_MSEC	1000000LL
#define XB_MAX_STEPS	8

struct opts {
	const char *dst;
	int port;
	double rate;
	bool jitter;
	double warmup;
	double duration;
	int timeout_ms;
	int size;
	const char *samples;
	const char *cgroup;
	int rt_prio;
	const char *cmd;
	int cmd_timeout_s;
	int nsteps;
	double step_at[XB_MAX_STEPS];
	const char *step_cmd[XB_MAX_STEPS];
};

/* When a step ran (ns, CLOCK_MONOTONIC) and how it went. */
struct step_run {
	int64_t start, done;
	int rc;
};

/* What the host looked like at one end of the measured window. */
struct host_snap {
	int64_t t_ns;
	bool cg_ok;
	uint64_t nr_periods;
	uint64_t nr_throttled;
	uint64_t throttled_ns;
	uint64_t vm_ticks;	/* utime + stime of the cgroup's processes */
	uint64_t busy_ticks;	/* /proc/stat, every CPU */
};

static int sock = -1;
static int64_t first_meas;	/* sequence number of the first measured */
static int64_t nmeas, ntotal;
static int64_t *rtt_all;	/* per request, -1: no reply yet */
static int64_t *rx_all;		/* per request: when its reply came */
static int64_t *rtt;		/* the measured ones: rtt_all + first_meas */
static int64_t received;	/* written by the receiver only */
static int rx_done, end_acked, stop_acked, cmd_acked;
static uint64_t cmd_seq;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* utime + stime (clock ticks) of a process, 0 if it is gone. */
static uint64_t proc_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold blanks: fields restart after ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return ut + st;
}

static void host_snapshot(const struct opts *o, struct host_snap *s)
{
	unsigned long long v[10] = { 0 };
	char path[512], key[64];
	unsigned long long val;
	long pid;
	FILE *f;

	memset(s, 0, sizeof(*s));
	s->t_ns = now_ns();
	if (o->cgroup) {
		snprintf(path, sizeof(path), "%s/cpu.stat", o->cgroup);
		f = fopen(path, "r");
		if (f) {
			s->cg_ok = true;
			while (fscanf(f, "%63s %llu", key, &val) == 2) {
				if (!strcmp(key, "nr_periods"))
					s->nr_periods = val;
				else if (!strcmp(key, "nr_throttled"))
					s->nr_throttled = val;
				else if (!strcmp(key, "throttled_time"))
					s->throttled_ns = val;
			}
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup);
		f = fopen(path, "r");
		if (f) {
			while (fscanf(f, "%ld", &pid) == 1)
				s->vm_ticks += proc_ticks(pid);
			fclose(f);
		}
	}
	f = fopen("/proc/stat", "r");
	if (f) {
		/* cpu user nice system idle iowait irq softirq steal ... */
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			s->busy_ticks = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		fclose(f);
	}
}

static void *rx_main(void *arg)
{
	char buf[XBP_MAX_SIZE];
	struct xbp_msg *m = (struct xbp_msg *)buf;
	ssize_t n;
	int64_t t, i;

	(void)arg;
	while (!__atomic_load_n(&rx_done, __ATOMIC_ACQUIRE)) {
		n = recv(sock, buf, sizeof(buf), 0);
		t = now_ns();
		if (n < (ssize_t)sizeof(*m) || m->magic != XBP_MAGIC)
			continue;
		switch (m->type) {
		case XBP_DATA:
			i = (int64_t)m->seq;
			if (i < 0 || i >= ntotal || rtt_all[i] >= 0)
				break;
			rx_all[i] = t;
			rtt_all[i] = t - (int64_t)m->t_ns;
			if (i >= first_meas)
				__atomic_add_fetch(&received, 1, __ATOMIC_RELEASE);
			break;
		case XBP_END:
			__atomic_store_n(&end_acked, 1, __ATOMIC_RELEASE);
			break;
		case XBP_STOP:
			__atomic_store_n(&stop_acked, 1, __ATOMIC_RELEASE);
			break;
		case XBP_CMD:
			if (m->seq == cmd_seq)
				__atomic_store_n(&cmd_acked, 1, __ATOMIC_RELEASE);
			break;
		}
	}
	return NULL;
}

static void send_msg(char *buf, int size, uint32_t type, uint32_t phase,
		     uint64_t seq)
{
	struct xbp_msg *m = (struct xbp_msg *)buf;

	m->magic = XBP_MAGIC;
	m->type = type;
	m->phase = phase;
	m->seq = seq;
	m->t_ns = (uint64_t)now_ns();
	/* Errors (an ICMP unreachable before the server is up) are loss. */
	(void)send(sock, buf, size, 0);
}

static void open_socket(const struct opts *o)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_usec = 50000 };
	int buf = 4 << 20;

	if (inet_pton(AF_INET, o->dst, &sa.sin_addr) != 1) {
		fprintf(stderr, "udpping: bad --dst %s\n", o->dst);
		exit(64);
	}
	sa.sin_port = htons(o->port);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		die("socket");
	/* A short timeout lets the receiver notice the end of the run. */
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
}

static int do_cmd(const struct opts *o)
{
	char buf[XBP_MAX_SIZE] = { 0 };
	struct xbp_msg *m = (struct xbp_msg *)buf;
	size_t len = strlen(o->cmd);
	int64_t deadline, next;
	pthread_t rx;

	if (sizeof(*m) + len + 1 > sizeof(buf)) {
		fprintf(stderr, "udpping: --cmd too long\n");
		return 64;
	}
	memcpy(m->text, o->cmd, len + 1);
	cmd_seq = (uint64_t)now_ns();	/* tells this command's echo apart */
	open_socket(o);
	if (pthread_create(&rx, NULL, rx_main, NULL))
		die("pthread_create");
	deadline = now_ns() + o->cmd_timeout_s * NSEC_PER_SEC;
	/* Retry: the guest may not be listening yet, or be slow under a cap. */
	while (!__atomic_load_n(&cmd_acked, __ATOMIC_ACQUIRE) &&
	       now_ns() < deadline) {
		send_msg(buf, sizeof(*m) + len + 1, XBP_CMD, 0, cmd_seq);
		next = now_ns() + 500 * NSEC_PER_MSEC;
		while (!__atomic_load_n(&cmd_acked, __ATOMIC_ACQUIRE) &&
		       now_ns() < next)
			usleep(5000);
	}
	__atomic_store_n(&rx_done, 1, __ATOMIC_RELEASE);
	pthread_join(rx, NULL);
	return cmd_acked ? 0 : 1;
}

/* Nearest rank: the smallest sample with at least q of all at or below. */
static double pct_us(const int64_t *sorted, int64_t n, double q)
{
	int64_t k = (int64_t)ceil(q * n) - 1;

	if (n == 0)
		return -1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return sorted[k] / 1000.0;
}

static struct step_run steps_run[XB_MAX_STEPS];

static void run_step(const struct opts *o, int k)
{
	char buf[XBP_MAX_SIZE] = { 0 };

	steps_run[k].start = now_ns();
	steps_run[k].rc = system(o->step_cmd[k]);
	steps_run[k].done = now_ns();
	/* Twice: the server takes the first of each number. */
	send_msg(buf, o->size, XBP_MARK, XBP_WARMUP, k);
	send_msg(buf, o->size, XBP_MARK, XBP_WARMUP, k);
}

struct step_ctx {
	const struct opts *o;
	int64_t win0;		/* start of the measured window */
	int first;		/* the first step not run before the load */
};

/* The steps inside the run, each at its time, beside the sender. */
static void *step_main(void *arg)
{
	struct step_ctx *c = arg;
	int k;

	for (k = c->first; k < c->o->nsteps; k++) {
		if (c->o->step_at[k] >= c->o->duration)
			break;
		sleep_until(c->win0 + (int64_t)(c->o->step_at[k] * NSEC_PER_SEC));
		run_step(c->o, k);
	}
	return NULL;
}

/*
 * Per step, from its start to the next step's (or the window's end): the
 * requests sent, the lost ones, the largest round trip, and the largest
 * wait for a reply: between two replies, or from the step to the first.
 */
static void print_steps(const struct opts *o, int64_t t0, int64_t interval,
			int64_t win0, int64_t timeout)
{
	int64_t a, b, i, n, lost, max_rtt, max_gap, last, t_end, s0;
	int k;

	printf(", \"steps\": [");
	t_end = win0 + nmeas * interval;
	for (k = 0; k < o->nsteps; k++) {
		if (!steps_run[k].start)
			break;
		s0 = steps_run[k].start;
		b = k + 1 < o->nsteps && steps_run[k + 1].start ?
		    steps_run[k + 1].start : t_end;
		/* Requests sent in [s0, b): seq from a to i - 1. */
		a = s0 > t0 ? (s0 - t0 + interval - 1) / interval : 0;
		n = 0;
		lost = 0;
		max_rtt = 0;
		max_gap = 0;
		last = s0;
		for (i = a; i < ntotal && t0 + i * interval < b; i++) {
			n++;
			if (rtt_all[i] < 0 || rtt_all[i] > timeout) {
				lost++;
				continue;
			}
			if (rtt_all[i] > max_rtt)
				max_rtt = rtt_all[i];
			/* Replies come in order but for the odd overtaking. */
			if (rx_all[i] > last) {
				if (rx_all[i] - last > max_gap)
					max_gap = rx_all[i] - last;
				last = rx_all[i];
			}
		}
		printf("%s{\"at_s\": %.3f, \"start_s\": %.3f, \"cmd_ms\": %.1f, \"rc\": %d, ",
		       k ? ", " : "", o->step_at[k], (s0 - win0) / 1e9,
		       (steps_run[k].done - s0) / 1e6, steps_run[k].rc);
		printf("\"requests\": %lld, \"lost\": %lld, \"max_rtt_us\": %.1f, \"max_gap_us\": %.1f}",
		       (long long)n, (long long)lost, max_rtt / 1000.0,
		       max_gap / 1000.0);
	}
	printf("]");
}

static int do_ping(const struct opts *o)
{
	int64_t interval = (int64_t)(NSEC_PER_SEC / o->rate);
	int64_t nwarm = (int64_t)(o->warmup * o->rate);
	int64_t timeout = o->timeout_ms * NSEC_PER_MSEC;
	int64_t i, t, t0, lag, max_lag = 0, late = 0, got, n, last_send;
	uint64_t jit = 1;
	struct step_ctx sc = { .o = o };
	pthread_t stepper;
	struct host_snap s0, s1;
	char buf[XBP_MAX_SIZE] = { 0 };
	int64_t *sorted;
	double sum = 0, win_s, tick_ns = NSEC_PER_SEC / sysconf(_SC_CLK_TCK);
	pthread_t rx;
	FILE *f;

	nmeas = (int64_t)(o->duration * o->rate);
	first_meas = nwarm;
	ntotal = nwarm + nmeas;
	rtt_all = malloc(ntotal * sizeof(*rtt_all));
	rx_all = calloc(ntotal, sizeof(*rx_all));
	sorted = malloc(nmeas * sizeof(*sorted));
	if (!rtt_all || !rx_all || !sorted)
		die("malloc");
	for (i = 0; i < ntotal; i++)
		rtt_all[i] = -1;
	rtt = rtt_all + nwarm;
	open_socket(o);
	if (pthread_create(&rx, NULL, rx_main, NULL))
		die("pthread_create");

	/* Steps before the load (the cap the run starts with). */
	while (sc.first < o->nsteps && o->step_at[sc.first] <= -o->warmup)
		run_step(o, sc.first++);
	t0 = now_ns() + 20 * NSEC_PER_MSEC;
	sc.win0 = t0 + nwarm * interval;
	if (sc.first < o->nsteps &&
	    pthread_create(&stepper, NULL, step_main, &sc))
		die("pthread_create");
	for (i = 0; i < nwarm + nmeas; i++) {
		t = t0 + i * interval;
		if (o->jitter) {
			/* A 64-bit LCG: the same offsets in every run. */
			jit = jit * 6364136223846793005ULL + 1442695040888963407ULL;
			t += (int64_t)((jit >> 33) % (uint64_t)interval);
		}
		if (i == nwarm)
			host_snapshot(o, &s0);
		sleep_until(t);
		lag = now_ns() - t;
		if (lag > max_lag)
			max_lag = lag;
		/*
		 * A late request still goes out at once: the load stays the
		 * asked number of requests; the lateness is reported.
		 */
		if (lag > interval)
			late++;
		send_msg(buf, o->size, XBP_DATA,
			 i >= nwarm ? XBP_MEASURE : XBP_WARMUP, i);
	}
	last_send = now_ns();
	sleep_until(t0 + i * interval);
	host_snapshot(o, &s1);
	/* END three times: it is one datagram among many that may be lost. */
	for (n = 0; n < 3; n++) {
		send_msg(buf, o->size, XBP_END, XBP_MEASURE, i);
		usleep(1000);
	}
	while (__atomic_load_n(&received, __ATOMIC_ACQUIRE) < nmeas &&
	       now_ns() < last_send + timeout)
		usleep(10000);
	for (n = 0; n < 50 && !__atomic_load_n(&stop_acked, __ATOMIC_ACQUIRE);
	     n++) {
		send_msg(buf, o->size, XBP_STOP, XBP_MEASURE, i + 1);
		usleep(100000);
	}
	__atomic_store_n(&rx_done, 1, __ATOMIC_RELEASE);
	pthread_join(rx, NULL);
	if (sc.first < o->nsteps)
		pthread_join(stepper, NULL);

	f = o->samples ? fopen(o->samples, "w") : NULL;
	if (o->samples && !f)
		die(o->samples);
	got = 0;
	for (i = 0; i < nmeas; i++) {
		/* A reply later than the timeout counts as lost. */
		if (rtt[i] < 0 || rtt[i] > timeout)
			continue;
		sorted[got++] = rtt[i];
		sum += rtt[i];
		if (f)
			fprintf(f, "%.1f\n", rtt[i] / 1000.0);
	}
	if (f && fclose(f))
		die(o->samples);
	qsort(sorted, got, sizeof(*sorted), cmp_i64);

	win_s = (s1.t_ns - s0.t_ns) / 1e9;
	printf("{\"sent\": %lld, \"received\": %lld, \"lost\": %lld, \"loss_pct\": %.3f, ",
	       (long long)nmeas, (long long)got, (long long)(nmeas - got),
	       100.0 * (nmeas - got) / nmeas);
	printf("\"rate\": %.0f, \"jitter\": %s, \"window_s\": %.3f, \"timeout_ms\": %d, \"size\": %d, ",
	       o->rate, o->jitter ? "true" : "false", win_s, o->timeout_ms,
	       o->size);
	printf("\"late_sends\": %lld, \"max_send_lag_us\": %.1f, ",
	       (long long)late, max_lag / 1000.0);
	printf("\"min_us\": %.1f, \"mean_us\": %.1f, \"p50_us\": %.1f, \"p90_us\": %.1f, ",
	       pct_us(sorted, got, 0), got ? sum / got / 1000.0 : -1,
	       pct_us(sorted, got, 0.5), pct_us(sorted, got, 0.9));
	printf("\"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f, ",
	       pct_us(sorted, got, 0.99), pct_us(sorted, got, 0.999),
	       pct_us(sorted, got, 1));
	printf("\"end_acked\": %s, \"stop_acked\": %s",
	       end_acked ? "true" : "false", stop_acked ? "true" : "false");
	if (s0.cg_ok && s1.cg_ok) {
		uint64_t np = s1.nr_periods - s0.nr_periods;
		uint64_t nt = s1.nr_throttled - s0.nr_throttled;

		printf(", \"host_nr_periods\": %llu, \"host_nr_throttled\": %llu, ",
		       (unsigned long long)np, (unsigned long long)nt);
		printf("\"host_throttled_pct\": %.1f, \"host_throttled_ms\": %.1f, ",
		       np ? 100.0 * nt / np : 0.0,
		       (s1.throttled_ns - s0.throttled_ns) / 1e6);
		printf("\"vm_cpu_host_pct\": %.1f",
		       100.0 * (s1.vm_ticks - s0.vm_ticks) * tick_ns /
		       (s1.t_ns - s0.t_ns));
	}
	if (o->nsteps)
		print_steps(o, t0, interval, sc.win0, timeout);
	/* Everything else the host ran meanwhile, in CPUs: the disturbance. */
	printf(", \"host_busy_cpus\": %.2f, \"host_other_cpus\": %.2f}\n",
	       (s1.busy_ticks - s0.busy_ticks) * tick_ns / (s1.t_ns - s0.t_ns),
	       ((double)(s1.busy_ticks - s0.busy_ticks) -
		(double)(s1.vm_ticks - s0.vm_ticks)) * tick_ns /
	       (s1.t_ns - s0.t_ns));
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udpping --dst IP [--port N] [--rate R] [--warmup S] [--duration S]\n"
		"               [--timeout MS] [--size B] [--samples FILE] [--cgroup DIR] [--rt PRIO]\n"
		"               [--step AT:COMMAND]... [--jitter]\n"
		"       udpping --dst IP --port N --cmd TEXT [--cmd-timeout S]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "samples", required_argument, NULL, 'S' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "rt", required_argument, NULL, 'R' },
		{ "cmd", required_argument, NULL, 'C' },
		{ "cmd-timeout", required_argument, NULL, 'T' },
		{ "step", required_argument, NULL, 'P' },
		{ "jitter", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.port = 7000, .rate = 1000, .warmup = 3, .duration = 10,
		.timeout_ms = 2000, .size = 64, .cmd_timeout_s = 5,
	};
	char *colon;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dst = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'r':
			o.rate = atof(optarg);
			break;
		case 'w':
			o.warmup = atof(optarg);
			break;
		case 'D':
			o.duration = atof(optarg);
			break;
		case 't':
			o.timeout_ms = atoi(optarg);
			break;
		case 's':
			o.size = atoi(optarg);
			break;
		case 'S':
			o.samples = optarg;
			break;
		case 'c':
			o.cgroup = optarg;
			break;
		case 'R':
			o.rt_prio = atoi(optarg);
			break;
		case 'C':
			o.cmd = optarg;
			break;
		case 'T':
			o.cmd_timeout_s = atoi(optarg);
			break;
		case 'J':
			o.jitter = true;
			break;
		case 'P':
			colon = strchr(optarg, ':');
			if (!colon || o.nsteps == XB_MAX_STEPS)
				usage();
			o.step_at[o.nsteps] = atof(optarg);
			o.step_cmd[o.nsteps++] = colon + 1;
			/* In time order: the stepper runs them one after another. */
			if (o.nsteps > 1 &&
			    o.step_at[o.nsteps - 1] < o.step_at[o.nsteps - 2])
				usage();
			break;
		default:
			usage();
		}
	}
	if (!o.dst || optind != argc || o.rate <= 0 || o.rate > 1e6 ||
	    o.warmup < 0 || o.duration <= 0 || o.timeout_ms <= 0 ||
	    o.size < (int)sizeof(struct xbp_msg) || o.size > XBP_MAX_SIZE)
		usage();
	if (o.cmd)
		return do_cmd(&o);
	if (o.duration * o.rate < 1)
		usage();

	/*
	 * The client must not add its own delays: real-time priority (both
	 * threads, the receiver inherits it) and no page faults.
	 */
	if (o.rt_prio > 0) {
		struct sched_param sp = { .sched_priority = o.rt_prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			perror("udpping: SCHED_FIFO (going on without)");
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		perror("udpping: mlockall (going on without)");
	return do_ping(&o);
}
