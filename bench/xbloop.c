// SPDX-License-Identifier: GPL-2.0
/*
 * xbloop - a minimal stand-in for tools/xballoond, used by the benchmark
 * only while the payload has no bin/xballoond.
 *
 *   xbloop --mode static|dynamic|kthread
 *
 * One thread per online CPU, pinned to it, calling XB_IOC_BALLOON in a loop
 * on one shared open file of /dev/xballoon: SCHED_FIFO 1 in static mode
 * (just below a real-time I/O task), SCHED_NORMAL with XB_BALLOON_DYNAMIC
 * in dynamic mode. SIGTERM ends it: each ioctl is interrupted (EINTR),
 * the threads leave, closing the file detaches every CPU. No hotplug following: the
 * benchmark's guests keep their CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/xballoon.h>

static int dev_fd = -1;
static int dynamic;
static int kthread;
/* Set by the main thread and the signal handler: atomic accesses. */
static int stop;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static void *balloon(void *arg)
{
	unsigned int cpu = (unsigned int)(unsigned long)arg;
	struct sched_param sp = { .sched_priority = dynamic ? 0 : 1 };
	struct xb_balloon b;
	cpu_set_t set;
	unsigned long calls = 0;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		fprintf(stderr, "xbloop: cannot pin to CPU %u\n", cpu);
		return NULL;
	}
	if (pthread_setschedparam(pthread_self(),
				  dynamic ? SCHED_OTHER : SCHED_FIFO, &sp)) {
		fprintf(stderr, "xbloop: cannot set the policy on CPU %u\n", cpu);
		return NULL;
	}
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.flags = dynamic ? XB_BALLOON_DYNAMIC :
			  kthread ? XB_BALLOON_KTHREAD : 0;
		b.cpu = cpu;
		if (ioctl(dev_fd, XB_IOC_BALLOON, &b)) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "xbloop: XB_IOC_BALLOON on CPU %u: %s\n",
				cpu, strerror(errno));
			break;
		}
		calls++;
	}
	fprintf(stderr, "xbloop: CPU %u: %lu calls\n", cpu, calls);
	return NULL;
}

int main(int argc, char **argv)
{
	long i, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t *th;
	struct sigaction sa;
	sigset_t set;
	int sig;

	if (argc != 3 || strcmp(argv[1], "--mode") ||
	    (strcmp(argv[2], "static") && strcmp(argv[2], "dynamic") &&
	     strcmp(argv[2], "kthread"))) {
		fprintf(stderr, "usage: xbloop --mode static|dynamic|kthread\n");
		return 64;
	}
	dynamic = !strcmp(argv[2], "dynamic");
	kthread = !strcmp(argv[2], "kthread");
	dev_fd = open("/dev/xballoon", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0) {
		perror("xbloop: /dev/xballoon");
		return 2;
	}
	/*
	 * SIGTERM/SIGINT stay blocked everywhere but in sigwait() below, so
	 * the main thread gets them; it then interrupts each balloon's ioctl
	 * with SIGUSR1, whose handler (no SA_RESTART) makes it return EINTR.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);

	th = calloc(ncpu, sizeof(*th));
	if (!th)
		return 1;
	for (i = 0; i < ncpu; i++)
		pthread_create(&th[i], NULL, balloon, (void *)i);
	sigwait(&set, &sig);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < ncpu; i++)
		pthread_kill(th[i], SIGUSR1);
	for (i = 0; i < ncpu; i++)
		pthread_join(th[i], NULL);
	close(dev_fd);
	return 0;
}
