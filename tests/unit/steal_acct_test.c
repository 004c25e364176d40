// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/steal_acct.c, the very file the module builds,
 * compiled in user space under ASan and UBSan.
 */
#include "../../module/steal_acct.h"
#include "../selftests/kselftest_harness.h"

#define MS 1000000ULL

FIXTURE(acct) {
	struct xb_steal_acct a;
};

FIXTURE_SETUP(acct)
{
	/* Sources count from boot: start far from zero on purpose. */
	xb_steal_acct_init(&self->a, 5000 * MS, 90000 * MS);
}

FIXTURE_TEARDOWN(acct)
{
}

TEST_F(acct, starts_at_zero)
{
	EXPECT_EQ(0ULL, xb_steal_acct_update(&self->a, 5000 * MS, 90000 * MS));
}

TEST_F(acct, exact_source_passes_through)
{
	/* 3 ms of steal in 10 ms of wall, then 4 more in the next 10. */
	EXPECT_EQ(3 * MS, xb_steal_acct_update(&self->a, 5003 * MS,
					       90010 * MS));
	EXPECT_EQ(7 * MS, xb_steal_acct_update(&self->a, 5007 * MS,
					       90020 * MS));
	EXPECT_EQ(0ULL, self->a.backlog);
}

TEST_F(acct, never_faster_than_wall)
{
	/* A tick delivers 4 ms of steal 1 ms after the previous read. */
	EXPECT_EQ(1 * MS, xb_steal_acct_update(&self->a, 5004 * MS,
					       90001 * MS));
	EXPECT_EQ(3 * MS, self->a.backlog);
	/* Nothing is lost: the rest is granted as wall time passes. */
	EXPECT_EQ(3 * MS, xb_steal_acct_update(&self->a, 5004 * MS,
					       90003 * MS));
	EXPECT_EQ(4 * MS, xb_steal_acct_update(&self->a, 5004 * MS,
					       90010 * MS));
	EXPECT_EQ(0ULL, self->a.backlog);
}

TEST_F(acct, source_going_back_counts_nothing)
{
	EXPECT_EQ(2 * MS, xb_steal_acct_update(&self->a, 5002 * MS,
					       90010 * MS));
	/* The source restarted from a small value: rebase, total holds. */
	EXPECT_EQ(2 * MS, xb_steal_acct_update(&self->a, 1 * MS, 90020 * MS));
	/* And counts on from the new base. */
	EXPECT_EQ(5 * MS, xb_steal_acct_update(&self->a, 4 * MS, 90030 * MS));
}

TEST_F(acct, stale_clock_grants_nothing)
{
	EXPECT_EQ(5 * MS, xb_steal_acct_update(&self->a, 5005 * MS,
					       90010 * MS));
	/* A reader on another CPU with an older clock: no wall time. */
	EXPECT_EQ(5 * MS, xb_steal_acct_update(&self->a, 5006 * MS,
					       90009 * MS));
	EXPECT_EQ(1 * MS, self->a.backlog);
	EXPECT_EQ(90010 * MS, self->a.last_clock);
	EXPECT_EQ(6 * MS, xb_steal_acct_update(&self->a, 5006 * MS,
					       90011 * MS));
}

TEST_F(acct, monotonic_under_random_readings)
{
	unsigned int seed = 12345, i;
	u64 raw = 5000 * MS, clock = 90000 * MS, prev = 0, prev_clock = clock;
	u64 start_clock = clock, total;

	for (i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		/* Mostly forward, sometimes a restart, sometimes a burst. */
		if ((seed >> 16) % 97 == 0)
			raw = (seed >> 8) % (10 * MS);
		else
			raw += (seed >> 16) % (2 * MS);
		clock += (seed >> 4) % MS;
		total = xb_steal_acct_update(&self->a, raw, clock);
		ASSERT_GE(total, prev);
		ASSERT_LE(total - prev, clock - prev_clock);
		prev = total;
		prev_clock = clock;
	}
	ASSERT_LE(total, clock - start_clock);
}

TEST_HARNESS_MAIN
