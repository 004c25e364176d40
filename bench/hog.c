// SPDX-License-Identifier: GPL-2.0
/*
 * hog - the CPU-bound task of the xballoon benchmark.
 *
 *   hog [--policy other|batch|idle] [--nice N] [--counter FILE] [--duration S]
 *       [--threads N]
 *
 * Spins on a fixed chunk of arithmetic and counts the chunks. The count is
 * the honest measure of the CPU the hog really got: under a host cap with
 * no steal clock the guest charges throttled time to whatever task ran, so
 * the hog's utime+stime over-states its share, while the number of chunks
 * done per second, against the rate of an uncapped calibration run in the
 * same guest, is its share of a real CPU.
 *
 * --counter FILE keeps the running count in a shared mapping of FILE (a
 * native u64 at offset 0), for udpecho to read at the ends of the measured
 * window. On SIGTERM/SIGINT, or after --duration seconds, it prints
 * "iters=N wall_ns=W cpu_ns=C" and exits.
 *
 * --threads N (a guest with several vCPUs: one hog per vCPU) spins on N
 * threads, thread i bound to CPU i, all counting into the one counter:
 * the count is then the sum of their shares of a CPU, and cpu_ns theirs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000LL
/* About 50-100 us per chunk under QEMU TCG: fine-grained, cheap to count. */
#define CHUNK		20000

/* Set by the signal handler, read by the loop: atomic accesses. */
static int stop;
static uint64_t sink;
/* The count, shared by the threads; a file mapping with --counter. */
static uint64_t *count;
static int64_t until;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* A dependent chain of multiplies: the compiler cannot fold it away. */
static void chunk(void)
{
	uint64_t x = __atomic_load_n(&sink, __ATOMIC_RELAXED);
	int i;

	for (i = 0; i < CHUNK; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	/* The result must land in memory, or the loop could go away. */
	__atomic_store_n(&sink, x, __ATOMIC_RELAXED);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hog [--policy other|batch|idle] [--nice N] [--counter FILE] [--duration S]\n"
		"           [--threads N]\n");
	exit(64);
}

static void spin(void)
{
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		chunk();
		__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
		/* A clock read per chunk only when timed: it costs. */
		if (until && clock_ns(CLOCK_MONOTONIC) >= until)
			break;
	}
}

/* Thread i: bound to CPU i (the policy and nice are inherited). */
static void *spin_on(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(intptr_t)arg, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("hog: sched_setaffinity");
	spin();
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "nice", required_argument, NULL, 'n' },
		{ "counter", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct sched_param sp = { 0 };
	const char *policy = "other", *counter_file = NULL;
	static uint64_t local_count;
	pthread_t tid[64];
	int64_t t0, c0;
	double duration = 0;
	int nice = 0, pol, c, fd, threads = 1, i;
	struct sigaction sa;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy = optarg;
			break;
		case 'n':
			nice = atoi(optarg);
			break;
		case 'c':
			counter_file = optarg;
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 't':
			threads = atoi(optarg);
			if (threads < 1 || threads > 64)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!strcmp(policy, "other"))
		pol = SCHED_OTHER;
	else if (!strcmp(policy, "batch"))
		pol = SCHED_BATCH;
	else if (!strcmp(policy, "idle"))
		pol = SCHED_IDLE;
	else
		usage();
	if (sched_setscheduler(0, pol, &sp)) {
		perror("hog: sched_setscheduler");
		return 1;
	}
	if (nice && setpriority(PRIO_PROCESS, 0, nice)) {
		perror("hog: setpriority");
		return 1;
	}
	count = &local_count;
	if (counter_file) {
		fd = open(counter_file, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, sizeof(uint64_t))) {
			perror(counter_file);
			return 1;
		}
		count = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
		if (count == MAP_FAILED) {
			perror("hog: mmap");
			return 1;
		}
		close(fd);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	t0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (duration > 0)
		until = t0 + (int64_t)(duration * NSEC_PER_SEC);
	if (threads == 1) {
		spin();
	} else {
		for (i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, spin_on,
					   (void *)(intptr_t)i)) {
				perror("hog: pthread_create");
				return 1;
			}
		for (i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
	}
	printf("iters=%llu wall_ns=%lld cpu_ns=%lld\n",
	       (unsigned long long)*count,
	       (long long)(clock_ns(CLOCK_MONOTONIC) - t0),
	       (long long)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
	return 0;
}
