// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/swc.c, the very file the module builds, compiled in
 * user space under ASan and UBSan.
 */
#include "../../module/swc.h"
#include "../selftests/kselftest_harness.h"

#define MS 1000000ULL
#define P (10 * MS)

/* A pseudo-random number below @max (< 2^31), repeatable. */
static u64 rnd(unsigned int *seed, u64 max)
{
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 1) % max;
}

TEST(cap_50_reserves_half_then_turns_wc)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 500, 0, false);
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

	xb_swc_init(&s, P, 500, 0, false);
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

	xb_swc_init(&s, P, 1000, 0, false);
	ASSERT_TRUE(s.wc);
	ASSERT_EQ(0ULL, xb_swc_off_needed(&s));
	/* Out-of-range caps are no cap. */
	xb_swc_init(&s, P, 5000, 0, false);
	ASSERT_EQ(1000U, s.cap_pm);
	ASSERT_TRUE(s.wc);
}

TEST(throttling_lowers_the_cap_to_a_floor)
{
	struct xb_swc s;
	int i;

	xb_swc_init(&s, P, 500, 0, false);
	xb_swc_period_end(&s, P, true, 3 * MS);
	ASSERT_TRUE(s.throttled);
	ASSERT_EQ(500U - 500U / 8, s.eff_cap_pm);
	/* More off-CPU time is now reserved. */
	ASSERT_GT(xb_swc_off_needed(&s), 5 * MS);
	for (i = 0; i < 50; i++)
		xb_swc_period_end(&s, P * (i + 2), true, 3 * MS);
	ASSERT_EQ(250U, s.eff_cap_pm);
}

TEST(one_cut_per_throttling_episode)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	/*
	 * One park of credit1 spans several of our periods: it must cost
	 * one eighth of the cap, not one eighth per period.
	 */
	xb_swc_init(&s, P, 500, t, false);
	for (i = 0; i < 9; i++) {
		xb_swc_add_steal(&s, P);	/* parked all period */
		xb_swc_period_end(&s, t += P, true, P);
		ASSERT_TRUE(s.throttled);
		ASSERT_EQ(438U, s.eff_cap_pm);
	}
	/* Throttling once the hold-off is over is a new episode. */
	t += XB_SWC_HOLDOFF_NS;
	xb_swc_add_steal(&s, P);
	xb_swc_period_end(&s, t, true, P);
	ASSERT_EQ(438U - 438U / 8, s.eff_cap_pm);
}

TEST(overrun_is_owed_to_the_next_periods)
{
	struct xb_swc s;
	u64 t = 0;

	xb_swc_init(&s, P, 500, t, false);
	/* The balloon held the vCPU only 1 ms of 10: 4 ms over the cap. */
	xb_swc_add_halt(&s, 1 * MS);
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(4 * MS, s.debt_ns);
	ASSERT_EQ(9 * MS, xb_swc_off_needed(&s));
	/* Paid in full: the period after that reserves the share only. */
	xb_swc_add_halt(&s, 9 * MS);
	ASSERT_TRUE(s.wc);
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(0ULL, s.debt_ns);
	ASSERT_EQ(5 * MS, xb_swc_off_needed(&s));
}

TEST(a_late_period_owes_by_its_real_length)
{
	struct xb_swc s;
	u64 t = 0;

	/*
	 * The timer fired 5 ms late: the target (5 ms) was met, but the
	 * vCPU ran 10 ms of 15, 2.5 ms more than cap 50 % allows.
	 */
	xb_swc_init(&s, P, 500, t, false);
	xb_swc_add_halt(&s, 5 * MS);
	xb_swc_period_end(&s, t += P + 5 * MS, true, 0);
	ASSERT_EQ(2500000ULL, s.debt_ns);
	ASSERT_EQ(7500000ULL, xb_swc_off_needed(&s));
}

TEST(underuse_is_not_banked)
{
	struct xb_swc s;
	u64 t = 0;

	xb_swc_init(&s, P, 500, t, false);
	xb_swc_add_halt(&s, 1 * MS);
	xb_swc_period_end(&s, t += P, true, 0);		/* owes 4 ms */
	xb_swc_add_halt(&s, P);				/* idle: pays it */
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(0ULL, s.debt_ns);
	/* A second idle period buys no right to run more later. */
	xb_swc_add_halt(&s, P);
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(5 * MS, xb_swc_off_needed(&s));
}

TEST(debt_is_bounded_and_parking_pays_it)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	/* A balloon that never gets the CPU: the debt stops growing. */
	xb_swc_init(&s, P, 500, t, false);
	for (i = 0; i < 20; i++)
		xb_swc_period_end(&s, t += P, false, 0);
	ASSERT_EQ(XB_SWC_DEBT_PERIODS * 5 * MS, s.debt_ns);
	/* The whole period is reserved, never more. */
	ASSERT_EQ(P, xb_swc_off_needed(&s));
	/* Parked 60 ms by the hypervisor: off-CPU time, the debt is paid. */
	xb_swc_add_steal(&s, 60 * MS);
	xb_swc_period_end(&s, t += 60 * MS, true, 60 * MS);
	ASSERT_EQ(0ULL, s.debt_ns);
}

TEST(no_cap_owes_nothing)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 1000, 0, false);
	xb_swc_period_end(&s, P, false, 0);
	ASSERT_EQ(0ULL, s.debt_ns);
	ASSERT_TRUE(s.wc);
}

TEST(any_run_of_periods_stays_within_the_cap_after_overruns)
{
	struct xb_swc s;
	unsigned int seed = 11;
	long long excess = 0, low = 0, worst = 0;
	u64 t = 0, forced_max = 0;
	int period;

	/*
	 * Periods that overrun (the balloon cannot hold the vCPU for a
	 * random stretch; the timer fires up to 3 ms late) are made up by
	 * the following ones. The excess over the cap summed over any run of
	 * consecutive periods, as credit1's balance sees it, must never
	 * exceed the largest single overrun (forced run beyond the share)
	 * plus half the largest lateness and one halt: debt never piles up.
	 */
	xb_swc_init(&s, P, 500, t, false);
	for (period = 0; period < 2000; period++) {
		u64 len, now = 0, forced = 0, run = 0;

		len = P + (period % 3 ? 0 : rnd(&seed, 3 * MS));
		if (period % 5 == 0) {
			forced = rnd(&seed, 9 * MS);
			run += forced;
			now = forced;
		}
		while (now < len) {
			u64 d;

			d = rnd(&seed, MS / 2) + 1;
			if (now + d > len)
				d = len - now;
			if (xb_swc_off_needed(&s))
				xb_swc_add_halt(&s, d);
			else
				run += d;
			now += d;
		}
		xb_swc_period_end(&s, t += len, true, 0);
		if (forced > forced_max)
			forced_max = forced;
		excess += (long long)run - (long long)(len / 2);
		if (excess - low > worst)
			worst = excess - low;
		if (excess < low)
			low = excess;
	}
	ASSERT_LE(worst, (long long)(forced_max - P / 2 + 3 * MS / 2 + MS / 2));
}

TEST(jittered_periods_spread_over_a_quarter_with_their_share)
{
	struct xb_swc s;
	u64 t = 12345, lo = P, hi = 0, sum = 0;
	int i, n = 1000;

	/*
	 * Lengths spread over [3P/4, P]: the run time at the end of each
	 * period must not keep one phase of the host's 10 ms tick grid.
	 */
	xb_swc_init(&s, P, 500, t, true);
	for (i = 0; i < n; i++) {
		ASSERT_LE(s.len_ns, P);
		ASSERT_GE(s.len_ns, P - P / XB_SWC_JITTER_DIV);
		ASSERT_EQ(s.len_ns / 1000 * 500, xb_swc_off_needed(&s));
		if (s.len_ns < lo)
			lo = s.len_ns;
		if (s.len_ns > hi)
			hi = s.len_ns;
		sum += s.len_ns;
		xb_swc_add_halt(&s, xb_swc_off_needed(&s));
		xb_swc_period_end(&s, t += s.len_ns, true, 0);
		ASSERT_EQ(0ULL, s.debt_ns);
	}
	ASSERT_LT(lo, P - P / XB_SWC_JITTER_DIV + P / 50);
	ASSERT_GT(hi, P - P / 50);
	/* Uniform: the mean is near 7P/8. */
	ASSERT_LT(sum / n, P - P / 8 + P / 50);
	ASSERT_GT(sum / n, P - P / 8 - P / 50);
}

TEST(nearly_met_is_met_and_the_rest_owed)
{
	struct xb_swc s;
	u64 t = 0, short_ns = XB_SWC_SLACK_NS / 2;

	/*
	 * A budget timer that fired a little early: no second halt for the
	 * last microseconds, they are reserved in the next period instead.
	 */
	xb_swc_init(&s, P, 500, t, false);
	ASSERT_FALSE(xb_swc_add_halt(&s, 5 * MS - 2 * XB_SWC_SLACK_NS));
	ASSERT_TRUE(xb_swc_add_halt(&s, 2 * XB_SWC_SLACK_NS - short_ns));
	ASSERT_EQ(0ULL, xb_swc_off_needed(&s));
	xb_swc_period_end(&s, t += P, true, 0);
	ASSERT_EQ(short_ns, s.debt_ns);
	ASSERT_EQ(5 * MS + short_ns, xb_swc_off_needed(&s));
}

TEST(throttling_counts_only_while_reserving)
{
	struct xb_swc s;

	xb_swc_init(&s, P, 500, 0, false);
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

	xb_swc_init(&s, P, 500, t, false);
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

	xb_swc_init(&s, P, 0, t, false);
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

	xb_swc_init(&s, P, 0, t, false);
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
	xb_swc_init(&s, P, 300, t, false);
	for (period = 0; period < 1000; period++) {
		u64 end = t + P, now = t;

		run = 0;
		while (now < end) {
			u64 d;

			d = rnd(&seed, MS / 2) + 1;
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

	xb_swc_init(&s, P, 500, t, false);
	ASSERT_TRUE(xb_swc_add_gap(&s, 5 * MS));
	ASSERT_TRUE(s.wc);

	/*
	 * Learning: busy periods full of gaps show no steal, so the cap
	 * learned is "none" and nothing is reserved (not 40 %, as learning
	 * from the gaps would have had it).
	 */
	xb_swc_init(&s, P, 0, t, false);
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
	xb_swc_init(&s, P, 0, t, false);
	for (i = 0; i < XB_SWC_LEARN_PERIODS; i++) {
		xb_swc_add_steal(&s, P);
		xb_swc_period_end(&s, t += P, false, P);
	}
	EXPECT_EQ((unsigned int)XB_SWC_CAP_MIN_PM, s.eff_cap_pm);
}

TEST_HARNESS_MAIN
