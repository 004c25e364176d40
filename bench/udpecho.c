// SPDX-License-Identifier: GPL-2.0
/*
 * udpecho - the guest side of the xballoon benchmark: a UDP echo server
 * with a chosen scheduling policy, and the window's CPU accounting.
 *
 *   udpecho [--port 7000] [--policy other|batch|idle|fifo|rr] [--prio N]
 *           [--nice N] [--watch NAME=PID]... [--counter FILE]
 *           [--snap FILE]... [--out PREFIX] [--max-wait S]
 *   udpecho --once [--port 7001] [--max-wait S]
 *
 * It binds 0.0.0.0:PORT and echoes every datagram unchanged. The client
 * (bench/udpping) marks the measured window: the first request of its
 * measured phase opens it, an END datagram closes it, a STOP datagram
 * makes us exit. At both ends we take a snapshot: the guest's
 * CLOCK_MONOTONIC, our own CPU time, the CPU time of every --watch process,
 * the hog's iteration counter (--counter, a file the hog keeps a u64 in)
 * and a copy of every --snap file (e.g. the balloon's debugfs stats). The
 * snapshots come in-line, in the server's own loop, so they are exact to
 * the request; they cost one request a millisecond or so at the window's
 * start, which is noise next to thousands of requests.
 *
 * At exit PREFIX.result gets "key=value" lines (CPU shares over the
 * window, in per cent of the window's wall time as the guest sees it: under
 * a host cap that wall time includes the periods the host throttled the
 * vCPU, and with no steal clock the guest charges them to whatever ran);
 * PREFIX.mark and PREFIX.end get the raw --snap copies.
 *
 * --once receives one control datagram, echoes it as the acknowledgement,
 * prints its text on stdout and exits: the guest script's command channel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xbproto.h"

#define NSEC_PER_SEC	1000000000LL
#define MAX_WATCH	8
#define MAX_SNAP	8

struct watch {
	const char *name;
	long pid;
};

struct snap {
	int64_t t_ns;
	int64_t self_ns;
	uint64_t counter;
	bool counter_ok;
	int64_t watch_ticks[MAX_WATCH];
	int64_t steal_ticks;	/* /proc/stat, all CPUs; -1 if unreadable */
	/* Where requests get lost: the socket, the NIC's receive path. */
	int64_t udp_in_errors;	/* /proc/net/snmp Udp InErrors */
	int64_t udp_rcvbuf_errors;	/* ... RcvbufErrors (socket full) */
	int64_t rx_dropped;	/* /proc/net/dev, every NIC but lo */
};

/*
 * Udp InErrors and RcvbufErrors from /proc/net/snmp: a header line names
 * the columns, the next "Udp:" line has the values.
 */
static void read_udp_errors(struct snap *s)
{
	char hdr[1024], val[1024], *h, *v, *hs, *vs;
	FILE *f = fopen("/proc/net/snmp", "r");

	s->udp_in_errors = s->udp_rcvbuf_errors = -1;
	if (!f)
		return;
	while (fgets(hdr, sizeof(hdr), f)) {
		if (strncmp(hdr, "Udp:", 4) || !fgets(val, sizeof(val), f))
			continue;
		h = strtok_r(hdr + 4, "\n ", &hs);
		v = strtok_r(val + 4, "\n ", &vs);
		while (h && v) {
			if (!strcmp(h, "InErrors"))
				s->udp_in_errors = atoll(v);
			else if (!strcmp(h, "RcvbufErrors"))
				s->udp_rcvbuf_errors = atoll(v);
			h = strtok_r(NULL, "\n ", &hs);
			v = strtok_r(NULL, "\n ", &vs);
		}
		break;
	}
	fclose(f);
}

/* The receive drops of every NIC but lo, from /proc/net/dev. */
static int64_t read_rx_dropped(void)
{
	unsigned long long rx_bytes, rx_packets, rx_errs, rx_drop;
	char line[512], name[64];
	int64_t sum = 0;
	FILE *f = fopen("/proc/net/dev", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* "  eth0: bytes packets errs drop ..." */
		if (sscanf(line, " %63[^:]: %llu %llu %llu %llu", name,
			   &rx_bytes, &rx_packets, &rx_errs, &rx_drop) != 5 ||
		    !strcmp(name, "lo"))
			continue;
		sum += rx_drop;
	}
	fclose(f);
	return sum;
}

static struct watch watches[MAX_WATCH];
static int nwatch;
static const char *snaps[MAX_SNAP];
static int nsnap;
static const char *counter_file;
static const char *out_prefix = "/tmp/udpecho";

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* utime + stime of a whole process, in clock ticks; -1 if it is gone. */
static int64_t proc_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return ut + st;
}

/* Append FILE's contents to OUT under a "@@ FILE" header line. */
static void copy_file(FILE *out, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fprintf(out, "@@ %s\n", path);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(out, "!! %s\n", strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, out);
	close(fd);
}

static void take_snap(struct snap *s, const char *tag)
{
	unsigned long long v[8];
	char path[512];
	FILE *f;
	int i, fd;

	memset(s, 0, sizeof(*s));
	s->t_ns = clock_ns(CLOCK_MONOTONIC);
	s->self_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (counter_file) {
		fd = open(counter_file, O_RDONLY);
		if (fd >= 0) {
			s->counter_ok = pread(fd, &s->counter,
					      sizeof(s->counter), 0) ==
					sizeof(s->counter);
			close(fd);
		}
	}
	for (i = 0; i < nwatch; i++)
		s->watch_ticks[i] = proc_ticks(watches[i].pid);
	/*
	 * Steal as the guest kernel counts it (Xen: runstate runnable +
	 * offline, the cap's parking; none under TCG).
	 */
	s->steal_ticks = -1;
	f = fopen("/proc/stat", "r");
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) == 8)
			s->steal_ticks = v[7];
		fclose(f);
	}
	read_udp_errors(s);
	s->rx_dropped = read_rx_dropped();
	if (!nsnap)
		return;
	snprintf(path, sizeof(path), "%s.%s", out_prefix, tag);
	f = fopen(path, "w");
	if (!f)
		return;
	for (i = 0; i < nsnap; i++)
		copy_file(f, snaps[i]);
	fclose(f);
}

/* When each step's MARK came (udpping --step), CLOCK_MONOTONIC ns. */
#define MAX_STEPS 8
static int64_t step_ns[MAX_STEPS];

static void write_result(const struct snap *a, const struct snap *b,
			 bool have_mark, bool end_late)
{
	double tick_ns = (double)NSEC_PER_SEC / sysconf(_SC_CLK_TCK);
	double win = b->t_ns - a->t_ns;
	char path[512];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s.result", out_prefix);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "have_mark=%d\nend_late=%d\n", have_mark, end_late);
	/*
	 * The clock the balloon's trace is read in (trace_clock mono): the
	 * window's ends and the steps, to place its periods.
	 */
	fprintf(f, "mark_t_ns=%lld\nend_t_ns=%lld\n", (long long)a->t_ns,
		(long long)b->t_ns);
	for (i = 0; i < MAX_STEPS && step_ns[i]; i++)
		fprintf(f, "%s%lld", i ? "," : "step_t_ns=",
			(long long)step_ns[i]);
	if (i)
		fprintf(f, "\n");
	if (have_mark && win > 0) {
		fprintf(f, "window_guest_s=%.3f\n", win / 1e9);
		fprintf(f, "server_cpu_pct=%.2f\n",
			100.0 * (b->self_ns - a->self_ns) / win);
		if (a->counter_ok && b->counter_ok)
			fprintf(f, "hog_iters=%llu\nhog_iters_per_s=%.1f\n",
				(unsigned long long)(b->counter - a->counter),
				(b->counter - a->counter) * 1e9 / win);
		if (a->steal_ticks >= 0 && b->steal_ticks >= 0)
			fprintf(f, "steal_pct=%.2f\n",
				100.0 * (b->steal_ticks - a->steal_ticks) *
				tick_ns / win);
		if (a->udp_in_errors >= 0 && b->udp_in_errors >= 0)
			fprintf(f, "udp_in_errors=%lld\nudp_rcvbuf_errors=%lld\n",
				(long long)(b->udp_in_errors - a->udp_in_errors),
				(long long)(b->udp_rcvbuf_errors -
					    a->udp_rcvbuf_errors));
		if (a->rx_dropped >= 0 && b->rx_dropped >= 0)
			fprintf(f, "nic_rx_dropped=%lld\n",
				(long long)(b->rx_dropped - a->rx_dropped));
		/* A process gone at either end has no share. */
		for (i = 0; i < nwatch; i++)
			if (a->watch_ticks[i] >= 0 && b->watch_ticks[i] >= 0)
				fprintf(f, "%s_cpu_pct=%.2f\n", watches[i].name,
					100.0 * (b->watch_ticks[i] -
						 a->watch_ticks[i]) *
					tick_ns / win);
	}
	fclose(f);
}

static int set_policy(const char *policy, int prio, int nice)
{
	struct sched_param sp = { 0 };
	int pol;

	if (!strcmp(policy, "other")) {
		pol = SCHED_OTHER;
	} else if (!strcmp(policy, "batch")) {
		pol = SCHED_BATCH;
	} else if (!strcmp(policy, "idle")) {
		pol = SCHED_IDLE;
	} else if (!strcmp(policy, "fifo")) {
		pol = SCHED_FIFO;
		sp.sched_priority = prio;
	} else if (!strcmp(policy, "rr")) {
		pol = SCHED_RR;
		sp.sched_priority = prio;
	} else {
		fprintf(stderr, "udpecho: unknown policy %s\n", policy);
		return -1;
	}
	if (sched_setscheduler(0, pol, &sp)) {
		perror("udpecho: sched_setscheduler");
		return -1;
	}
	if (nice && setpriority(PRIO_PROCESS, 0, nice)) {
		perror("udpecho: setpriority");
		return -1;
	}
	return 0;
}

static int open_socket(int port, int max_wait)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct timeval tv = { .tv_sec = max_wait };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpecho: socket");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* A client that died must not leave the guest script hanging. */
	if (max_wait)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udpecho: bind");
		exit(1);
	}
	return fd;
}

static int serve_once(int fd)
{
	char buf[XBP_MAX_SIZE + 1];
	struct xbp_msg *m = (struct xbp_msg *)buf;
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, XBP_MAX_SIZE, 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udpecho: recvfrom");
			return 1;
		}
		if (n <= (ssize_t)sizeof(*m) || m->magic != XBP_MAGIC ||
		    m->type != XBP_CMD)
			continue;
		sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
		buf[n] = '\0';
		printf("%s\n", m->text);
		return 0;
	}
}

static int serve(int fd)
{
	char buf[XBP_MAX_SIZE];
	struct xbp_msg *m = (struct xbp_msg *)buf;
	struct sockaddr_in from;
	struct snap mark = { 0 }, end = { 0 };
	bool have_mark = false, have_end = false;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udpecho: recvfrom");
			break;
		}
		/* Echo first: the snapshots below must not delay this reply. */
		sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
		if (n < (ssize_t)sizeof(*m) || m->magic != XBP_MAGIC)
			continue;
		if (!have_mark && m->phase == XBP_MEASURE) {
			take_snap(&mark, "mark");
			have_mark = true;
		}
		if (m->type == XBP_END && !have_end) {
			take_snap(&end, "end");
			have_end = true;
		}
		if (m->type == XBP_MARK && m->seq < MAX_STEPS &&
		    !step_ns[m->seq])
			step_ns[m->seq] = clock_ns(CLOCK_MONOTONIC);
		if (m->type == XBP_STOP)
			break;
	}
	/* Every END lost: the window closes here, late; say so. */
	if (!have_end)
		take_snap(&end, "end");
	write_result(&mark, &end, have_mark, !have_end);
	return have_mark ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udpecho [--port N] [--policy other|batch|idle|fifo|rr] [--prio N] [--nice N]\n"
		"               [--watch NAME=PID]... [--counter FILE] [--snap FILE]...\n"
		"               [--out PREFIX] [--max-wait S]\n"
		"       udpecho --once [--port N] [--max-wait S]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "prio", required_argument, NULL, 'r' },
		{ "nice", required_argument, NULL, 'n' },
		{ "watch", required_argument, NULL, 'w' },
		{ "counter", required_argument, NULL, 'c' },
		{ "snap", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "max-wait", required_argument, NULL, 'm' },
		{ "once", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = "other";
	int port = 7000, prio = 0, nice = 0, max_wait = 0, c, fd;
	bool once = false;
	char *eq;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'P':
			policy = optarg;
			break;
		case 'r':
			prio = atoi(optarg);
			break;
		case 'n':
			nice = atoi(optarg);
			break;
		case 'w':
			eq = strchr(optarg, '=');
			if (!eq || nwatch == MAX_WATCH)
				usage();
			*eq = '\0';
			watches[nwatch].name = optarg;
			watches[nwatch++].pid = atol(eq + 1);
			break;
		case 'c':
			counter_file = optarg;
			break;
		case 's':
			if (nsnap == MAX_SNAP)
				usage();
			snaps[nsnap++] = optarg;
			break;
		case 'o':
			out_prefix = optarg;
			break;
		case 'm':
			max_wait = atoi(optarg);
			break;
		case '1':
			once = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || port <= 0 || port > 65535)
		usage();

	fd = open_socket(port, max_wait);
	if (once)
		return serve_once(fd);
	if (set_policy(policy, prio, nice))
		return 1;
	/* No page fault may ever delay a reply. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		perror("udpecho: mlockall (going on without)");
	/* Ready: the guest script waits for this line before it reports. */
	printf("listening port=%d policy=%s prio=%d nice=%d\n", port, policy,
	       prio, nice);
	fflush(stdout);
	return serve(fd);
}
