// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/swc.c, the very file the module builds, compiled in
 * user space under ASan and UBSan.
 */
#include "../../module/swc.h"
#include "../selftests/kselftest_harness.h"

#define MS 1000000ULL
#define P (10 * MS)

TEST(cap_50_reserves_half_then_turns_wc)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 500, 0);
	ASSERT_FALSE(s.wc);
	ASSERT_EQ(5 * MS, xb_swc_off_needed(&s));
	ASSERT_FALSE(xb_swc_add_halt(&s, 3 * MS));
	ASSERT_EQ(2 * MS, xb_swc_off_needed(&s));
	/* Steal is off-CPU time too: the hypervisor did not charge it. */
	ASSERT_TRUE(xb_swc_add_steal(&s, 2 * MS));
	ASSERT_TRUE(s.wc);
	ASSERT_EQ(0ULL, xb_swc_off_needed(&s));
	/* Switching is reported once. */
	ASSERT_FALSE(xb_swc_add_halt(&s, 1 * MS));
}

TEST(new_period_reserves_again)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 500, 0);
	xb_swc_add_halt(&s, 6 * MS);
	ASSERT_TRUE(s.wc);
	xb_swc_period_end(&s, P, true, 0);
	ASSERT_FALSE(s.wc);
	ASSERT_EQ(P, s.period_start);
	ASSERT_EQ(0ULL, s.off_ns);
	ASSERT_EQ(5 * MS, xb_swc_off_needed(&s));
}

TEST(no_cap_never_reserves)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 1000, 0);
	ASSERT_TRUE(s.wc);
	ASSERT_EQ(0ULL, xb_swc_off_needed(&s));
	/* Out-of-range caps are no cap. */
	xb_swc_init(&s, P, 5000, 0);
	ASSERT_EQ(1000U, s.cap_pm);
	ASSERT_TRUE(s.wc);
}

TEST(throttling_lowers_the_cap_to_a_floor)
{
	struct xb_swc s;
	int i;

	xb_swc_init(&s, P, 500, 0);
	xb_swc_period_end(&s, P, true, 3 * MS);
	ASSERT_TRUE(s.throttled);
	ASSERT_EQ(500U - 500U / 8, s.eff_cap_pm);
	/* More off-CPU time is now reserved. */
	ASSERT_GT(xb_swc_off_needed(&s), 5 * MS);
	for (i = 0; i < 50; i++)
		xb_swc_period_end(&s, P * (i + 2), true, 3 * MS);
	ASSERT_EQ(250U, s.eff_cap_pm);
}

TEST(throttling_counts_only_while_reserving)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 500, 0);
	/* No balloon attached: steal is not ours to correct. */
	xb_swc_period_end(&s, P, false, 3 * MS);
	ASSERT_EQ(500U, s.eff_cap_pm);
	/* Noise below 2 % of the period is not throttling either. */
	xb_swc_period_end(&s, 2 * P, true, P / 100);
	ASSERT_EQ(500U, s.eff_cap_pm);
	ASSERT_FALSE(s.throttled);
}

TEST(quiet_periods_recover_slowly_up_to_the_cap)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 500, t);
	xb_swc_period_end(&s, t += P, true, 5 * MS);
	ASSERT_EQ(438U, s.eff_cap_pm);
	for (i = 0; i < XB_SWC_QUIET_PERIODS - 1; i++)
		xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(438U, s.eff_cap_pm);
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(438U + XB_SWC_RECOVER_PM, s.eff_cap_pm);
	for (i = 0; i < 100 * XB_SWC_QUIET_PERIODS; i++)
		xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(500U, s.eff_cap_pm);
}

TEST(learns_the_cap_from_busy_periods)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 0, t);
	/* While learning: nothing is reserved. */
	ASSERT_TRUE(s.wc);
	for (i = 0; i < XB_SWC_LEARN_PERIODS - 1; i++) {
		xb_swc_add_steal(&s, 6 * MS);	/* busy, 60 % stolen */
		xb_swc_period_end(&s, t += P, false, 6 * MS);
		ASSERT_EQ(0U, s.eff_cap_pm);
		ASSERT_TRUE(s.wc);
	}
	/* A period with halts says nothing about the cap. */
	xb_swc_add_halt(&s, 3 * MS);
	xb_swc_period_end(&s, t += P, false, 0);
	ASSERT_EQ(0U, s.eff_cap_pm);

	xb_swc_add_steal(&s, 6 * MS);
	xb_swc_period_end(&s, t += P, false, 6 * MS);
	ASSERT_EQ(400U, s.eff_cap_pm);
	ASSERT_FALSE(s.wc);
	ASSERT_EQ(6 * MS, xb_swc_off_needed(&s));
}

TEST(learning_an_uncapped_vcpu_reserves_nothing)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 0, t);
	for (i = 0; i < XB_SWC_LEARN_PERIODS; i++)
		xb_swc_period_end(&s, t += P, false, 0);
	ASSERT_EQ(1000U, s.eff_cap_pm);
	ASSERT_TRUE(s.wc);
}

TEST(held_time_never_exceeds_the_target_share)
{
	struct xb_swc s;
	unsigned int seed = 7;
	u64 t = 0, run = 0;
	int period;

	/*
	 * Drive random halts through many periods: whenever the machine
	 * says NWC the vCPU halts, else it runs. The run time of every
	 * period must stay within cap x P plus the last halt's overshoot.
	 */
	xb_swc_init(&s, P, 300, t);
	for (period = 0; period < 1000; period++) {
		u64 end = t + P, now = t;

		run = 0;
		while (now < end) {
			u64 d;

			seed = seed * 1103515245 + 12345;
			d = (seed >> 16) % (MS / 2) + 1;
			if (now + d > end)
				d = end - now;
			if (xb_swc_off_needed(&s))
				xb_swc_add_halt(&s, d);
			else
				run += d;
			now += d;
		}
		ASSERT_LE(run, P / 1000 * 300 + MS / 2);
		xb_swc_period_end(&s, t = end, true, 0);
	}
}

TEST(gaps_count_as_off_cpu_but_teach_nothing)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 500, t);
	ASSERT_TRUE(xb_swc_add_gap(&s, 5 * MS));
	ASSERT_TRUE(s.wc);

	/*
	 * Learning: busy periods full of gaps show no steal, so the cap
	 * learned is "none" and nothing is reserved (not 40 %, as learning
	 * from the gaps would have had it).
	 */
	xb_swc_init(&s, P, 0, t);
	for (i = 0; i < 10 * XB_SWC_LEARN_PERIODS; i++) {
		xb_swc_add_gap(&s, 6 * MS);
		xb_swc_period_end(&s, t += P, false, 6 * MS);
	}
	EXPECT_EQ(1000U, s.eff_cap_pm);
	EXPECT_TRUE(s.wc);
	EXPECT_EQ(0ULL, xb_swc_off_needed(&s));
}

TEST(learned_cap_has_a_floor)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	/* All of every period stolen: not a reason to reserve all of it. */
	xb_swc_init(&s, P, 0, t);
	for (i = 0; i < XB_SWC_LEARN_PERIODS; i++) {
		xb_swc_add_steal(&s, P);
		xb_swc_period_end(&s, t += P, false, P);
	}
	EXPECT_EQ((unsigned int)XB_SWC_CAP_MIN_PM, s.eff_cap_pm);
}

TEST_HARNESS_MAIN
