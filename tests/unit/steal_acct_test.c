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

TEST(slice_take_primes_then_takes_what_fits)
{
	struct xb_steal_slice sl = { 0 };

	/* The first reading only primes. */
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 100 * MS, 4 * MS, 4 * MS));
	/* 3 ms stolen inside a 4 ms charge: all of it. */
	EXPECT_EQ(3 * MS, xb_steal_slice_take(&sl, 103 * MS, 4 * MS, 8 * MS));
	/* 50 ms stolen (a cap park) inside a 4 ms charge: the charge. */
	EXPECT_EQ(4 * MS, xb_steal_slice_take(&sl, 153 * MS, 4 * MS, 12 * MS));
	/* Never more than the slice so far. */
	EXPECT_EQ(1 * MS, xb_steal_slice_take(&sl, 160 * MS, 4 * MS, 1 * MS));
	/* No new steal: nothing. */
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 160 * MS, 4 * MS, 4 * MS));
	/* A source that went back rebases, takes nothing. */
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 5 * MS, 4 * MS, 4 * MS));
	EXPECT_EQ(2 * MS, xb_steal_slice_take(&sl, 7 * MS, 4 * MS, 4 * MS));
}

TEST(exact_reading_reveals_steal_before_the_tick)
{
	struct xb_steal_slice sl = { 0 };

	/* Both sources primed at the same steal. */
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 100 * MS, 4 * MS, 4 * MS));
	xb_steal_slice_exact(&sl, 7000 * MS);
	/* A 30 ms gap: the exact source shows it, the fast one not yet. */
	xb_steal_slice_exact(&sl, 7030 * MS);
	EXPECT_EQ(30 * MS, xb_steal_slice_take(&sl, 100 * MS, 31 * MS, 31 * MS));
	/* The tick catches the fast source up: nothing is taken twice. */
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 130 * MS, 4 * MS, 4 * MS));
	/* New steal through the fast source still counts. */
	EXPECT_EQ(2 * MS, xb_steal_slice_take(&sl, 132 * MS, 4 * MS, 4 * MS));
	/* The exact source behind the fast one reveals nothing. */
	xb_steal_slice_exact(&sl, 7031 * MS);
	EXPECT_EQ(0ULL, xb_steal_slice_take(&sl, 132 * MS, 4 * MS, 4 * MS));
	xb_steal_slice_exact(&sl, 7035 * MS);
	EXPECT_EQ(3 * MS, xb_steal_slice_take(&sl, 133 * MS, 4 * MS, 4 * MS));
}

TEST(vruntime_inverts_calc_delta_fair)
{
	const unsigned long nice0 = 1UL << 20;	/* scale_load(1024) */

	EXPECT_EQ(3 * MS, xb_steal_vruntime(3 * MS, nice0));
	/* nice -5 (weight 3121) advances vruntime ~3x slower. */
	EXPECT_EQ((3 * MS << 20) / (3121UL << 10),
		  xb_steal_vruntime(3 * MS, 3121UL << 10));
	/* nice 19 (weight 15) ~68x faster. */
	EXPECT_EQ((3 * MS << 20) / (15UL << 10),
		  xb_steal_vruntime(3 * MS, 15UL << 10));
	/* Absurd charges are clamped, not overflowed. */
	EXPECT_EQ(1ULL << 40, xb_steal_vruntime(~0ULL, nice0));
	EXPECT_EQ(0ULL, xb_steal_vruntime(MS, 0));
}

TEST_HARNESS_MAIN
