/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xbtime.h - the clock and sorting helpers the benchmark programs share
 * (bench/udpping.c, bench/vclock/vcbench.c).
 */
#ifndef XB_BENCH_TIME_H
#define XB_BENCH_TIME_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC	1000000000LL
#endif

static inline int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Sleep until CLOCK_MONOTONIC reaches @t (ns), whatever signals come. */
static inline void sleep_until(int64_t t)
{
	struct timespec ts = {
		.tv_sec = t / NSEC_PER_SEC,
		.tv_nsec = t % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* qsort() order of int64_t samples. */
static inline int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

#endif /* XB_BENCH_TIME_H */
