// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of module/learn.c (and its use by module/swc.c), the very
 * files the module builds, compiled in user space under ASan and UBSan.
 *
 * Two kinds: a busy vCPU (a CPU hog beside the balloon) under simulated
 * hypervisors, closed loop (the balloon reserves what the learner says,
 * the simulated cap throttles what runs beyond it); and traces recorded
 * on the real platforms (tests/unit/traces/, see README there), replayed
 * period by period, open loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../module/swc.h"
#include "trace_file.h"
#include "../selftests/kselftest_harness.h"

#define US 1000ULL
#define MS 1000000ULL
#define P (10 * MS)
#define STEP (100 * US)

/*
 * A simulated cap. credit1: every 30 ms the vCPU gets cap x 30 ms of
 * credit (capped there); every 10 ms tick takes what it ran; in debt
 * beyond cap x 30 ms at a tick it is parked (offline) until an accounting
 * finds its credit positive again. CFS bandwidth: quota cap x 100 ms per
 * 100 ms period, throttled (the thread does not run at all) once spent.
 *
 * And a shared pCPU, no cap (SIM_SHARED, credit1's way): a busy neighbour
 * of the same weight, the two in turn for 30 ms time slices while both
 * want the pCPU; the vCPU waits (runnable) for the neighbour's. Its credit
 * is as above with its share for cap; waking from a halt with credit left
 * (UNDER) it is boosted and takes the pCPU back once the neighbour has run
 * 1 ms (the rate limit). cap_pm is the share.
 */
enum sim_kind { SIM_CREDIT1, SIM_CFS, SIM_SHARED };

struct sim {
	enum sim_kind kind;
	u32 cap_pm;		/* 1000: none */
	u64 t;			/* now (ns) */
	long long credit;	/* credit1 balance (ns); CFS: runtime left */
	long long ran_tick;	/* credit1: run since the last tick */
	bool parked;
	/* SIM_SHARED: the neighbour has the pCPU, for @slice so far */
	bool nbr_on;
	u64 slice;
	bool halted, boost;
	struct xb_swc swc;
	u64 throttled;		/* in the current period */
	u64 held;		/* ... of it, runnable (SIM_SHARED) */
	u64 period_end;
	/* results */
	unsigned int periods, thr_periods;
	u64 run_total, wall_total;
};

static void sim_init(struct sim *s, enum sim_kind kind, u32 cap_pm,
		     u32 hint_pm)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->cap_pm = cap_pm;
	s->t = 0;
	xb_swc_init(&s->swc, P, hint_pm, s->t, true);
	s->period_end = s->t + s->swc.len_ns;
	s->credit = kind == SIM_CFS ? (long long)(100 * MS / 1000 * cap_pm) : 0;
}

/* The hypervisor's bookkeeping at time s->t. */
static void sim_hv(struct sim *s)
{
	long long cap30 = (long long)(30 * MS / 1000 * s->cap_pm);

	if (s->cap_pm >= 1000)
		return;
	if (s->kind == SIM_SHARED) {
		if (s->t % (10 * MS) == 0) {
			s->credit -= s->ran_tick;
			s->ran_tick = 0;
		}
		if (s->t % (30 * MS) == 0)
			s->credit += cap30;
		if (s->credit > cap30)
			s->credit = cap30;
		return;
	}
	if (s->kind == SIM_CFS) {
		if (s->t % (100 * MS) == 0) {
			s->credit = (long long)(100 * MS / 1000 * s->cap_pm);
			s->parked = false;
		}
		return;
	}
	if (s->t % (10 * MS) == 0) {
		s->credit -= s->ran_tick;
		s->ran_tick = 0;
		if (s->credit < -cap30)
			s->parked = true;
	}
	if (s->t % (30 * MS) == 0) {
		s->credit += cap30;
		if (s->credit > cap30)
			s->credit = cap30;
		if (s->parked && s->credit > 0)
			s->parked = false;
	}
}

/*
 * SIM_SHARED: one step of the pCPU's owner. Return: the vCPU waited for
 * it (runnable: steal), else it ran or halted as the balloon said.
 */
static bool sim_shared_waits(struct sim *s)
{
	bool want = !xb_swc_off_needed(&s->swc);

	if (s->cap_pm >= 1000)
		return false;
	if (!want) {
		/* Halted: the neighbour has the pCPU. */
		if (!s->nbr_on) {
			s->nbr_on = true;
			s->slice = 0;
		}
		s->halted = true;
	} else {
		if (s->halted && s->credit >= 0)
			s->boost = true;
		s->halted = false;
		if (s->nbr_on ? s->slice >= 30 * MS ||
				(s->boost && s->slice >= MS) :
				s->slice >= 30 * MS) {
			s->nbr_on = !s->nbr_on;
			s->slice = 0;
			s->boost = false;
		}
	}
	s->slice += STEP;
	return want && s->nbr_on;
}

/* Run the busy vCPU for @ns; the balloon holds what the swc says. */
static void sim_run(struct sim *s, u64 ns)
{
	u64 end = s->t + ns;

	while (s->t < end) {
		s->t += STEP;
		sim_hv(s);
		s->wall_total += STEP;
		if (s->kind == SIM_SHARED && sim_shared_waits(s)) {
			/* As balloon.c passes Xen's runnable time. */
			s->throttled += STEP;
			s->held += STEP;
			xb_swc_add_held(&s->swc, STEP);
		} else if (s->parked) {
			s->throttled += STEP;
			if (s->kind == SIM_CREDIT1)
				xb_swc_add_steal(&s->swc, STEP);
			else
				xb_swc_add_gap(&s->swc, STEP);
			continue;	/* a frozen guest: its timer waits */
		} else if (xb_swc_off_needed(&s->swc)) {
			xb_swc_add_halt(&s->swc, STEP);
		} else {
			s->run_total += STEP;
			s->ran_tick += STEP;
			if (s->kind == SIM_CFS) {
				s->credit -= STEP;
				if (s->credit <= 0)
					s->parked = true;
			}
		}
		if (s->t >= s->period_end) {
			s->periods++;
			if (s->throttled * 50 > P)
				s->thr_periods++;
			xb_swc_period_end(&s->swc, s->t, true,
					  s->throttled - s->held);
			if (getenv("XB_LEARN_DEBUG"))
				fprintf(stderr, "%llu thr=%llu eff=%u est=%u st=%u src=%u m=%u cred=%lld\n",
					s->t / MS, s->throttled / US,
					s->swc.eff_cap_pm, s->swc.learn.est_pm,
					s->swc.learn.state, s->swc.learn.source,
					s->swc.learn.margin_pm, s->credit / (long long)US);
			s->throttled = 0;
			s->held = 0;
			s->period_end = s->t + s->swc.len_ns;
		}
	}
}

static u32 pm_diff(u32 a, u32 b)
{
	return a > b ? a - b : b - a;
}

/*
 * Periods until the estimate is within 7.5 % of @cap and stays there 1 s:
 * one credit1 measurement over 200 ms is exact to its 10 ms ticks only.
 */
static int sim_settle(struct sim *s, u32 cap, int max_periods)
{
	int n, ok = 0;

	for (n = 0; n < max_periods; n++) {
		unsigned int p0 = s->periods;

		while (s->periods == p0)
			sim_run(s, STEP);
		if (s->swc.learn.state == XB_LEARN_STEADY &&
		    pm_diff(s->swc.learn.est_pm, cap) * 40 <= cap * 3) {
			if (++ok >= 110)
				return n - ok + 1;
		} else {
			ok = 0;
		}
	}
	return -1;
}

struct learn_case {
	enum sim_kind kind;
	u32 cap, hint;
};

FIXTURE(learns) {
	struct sim s;
};

FIXTURE_VARIANT(learns) {
	enum sim_kind kind;
	u32 cap, hint;
	int max_periods;
};

FIXTURE_VARIANT_ADD(learns, credit1_50) { SIM_CREDIT1, 500, 0, 60 };
FIXTURE_VARIANT_ADD(learns, credit1_30) { SIM_CREDIT1, 300, 0, 60 };
FIXTURE_VARIANT_ADD(learns, credit1_70) { SIM_CREDIT1, 700, 0, 60 };
FIXTURE_VARIANT_ADD(learns, credit1_50_told_70) { SIM_CREDIT1, 500, 700, 60 };
FIXTURE_VARIANT_ADD(learns, credit1_50_told_30) { SIM_CREDIT1, 500, 300, 60 };
FIXTURE_VARIANT_ADD(learns, cfs_50) { SIM_CFS, 500, 0, 60 };
FIXTURE_VARIANT_ADD(learns, cfs_50_told_70) { SIM_CFS, 500, 700, 60 };
FIXTURE_VARIANT_ADD(learns, cfs_50_told_30) { SIM_CFS, 500, 300, 60 };
FIXTURE_VARIANT_ADD(learns, shared_credit1) { SIM_SHARED, 500, 0, 60 };

FIXTURE_SETUP(learns)
{
	sim_init(&self->s, variant->kind, variant->cap, variant->hint);
}

FIXTURE_TEARDOWN(learns)
{
}

/*
 * From nothing or from a wrong hint, a busy vCPU's estimate comes within
 * 7.5 % of the real cap and stays there; then it is hardly throttled
 * (under 2 % of the periods: probes, and an estimate at the cap).
 */
TEST_F(learns, the_real_cap)
{
	struct sim *s = &self->s;
	int n = sim_settle(s, variant->cap, 1000);
	unsigned int thr0, p0;

	TH_LOG("settled after %d periods, est %u, eff %u, source %u",
	       n, s->swc.learn.est_pm, s->swc.eff_cap_pm, s->swc.learn.source);
	ASSERT_GE(n, 0);
	EXPECT_LE(n, variant->max_periods);
	EXPECT_NE((u32)XB_LEARN_SRC_UNKNOWN, s->swc.learn.source);
	EXPECT_GE(s->swc.learn.conf_pm, 500U);
	/* A shared pCPU's waits span periods: no refill grid. */
	if (variant->kind == SIM_SHARED)
		EXPECT_FALSE(s->swc.learn.grid);
	/* The next 10 s: few throttled periods, the cap used nearly all. */
	thr0 = s->thr_periods;
	p0 = s->periods;
	s->run_total = 0;
	s->wall_total = 0;
	sim_run(s, 10000 * MS);
	TH_LOG("10 s: %u of %u periods throttled, ran %llu pm",
	       s->thr_periods - thr0, s->periods - p0,
	       s->run_total * 1000 / s->wall_total);
	EXPECT_LE((s->thr_periods - thr0) * 50, s->periods - p0);
	EXPECT_GE(s->run_total * 1000 / s->wall_total,
		  (u64)variant->cap * 85 / 100);
}

/* A cap that steps down and up again is followed each time. */
TEST(follows_a_step_50_20_50)
{
	static const enum sim_kind kinds[] = { SIM_CREDIT1, SIM_CFS };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct sim s;
		int n;

		sim_init(&s, kinds[k], 500, 0);
		n = sim_settle(&s, 500, 1000);
		ASSERT_GE(n, 0);
		s.cap_pm = 200;
		n = sim_settle(&s, 200, 1000);
		TH_LOG("%s 50 -> 20: %d periods", k ? "cfs" : "credit1", n);
		ASSERT_GE(n, 0);
		EXPECT_LE(n, 40);
		s.cap_pm = 500;
		/* Found only by a probe: up to its back-off, then quickly. */
		n = sim_settle(&s, 500, 2000);
		TH_LOG("%s 20 -> 50: %d periods", k ? "cfs" : "credit1", n);
		ASSERT_GE(n, 0);
		EXPECT_LE(n, 400);
	}
}

TEST(uncapped_busy_vcpu_reserves_nothing)
{
	struct sim s;

	sim_init(&s, SIM_CREDIT1, 1000, 0);
	sim_run(&s, 2000 * MS);
	EXPECT_EQ((u32)XB_LEARN_SRC_UNCAPPED, s.swc.learn.source);
	EXPECT_EQ(1000U, s.swc.eff_cap_pm);
	EXPECT_EQ(0U, s.thr_periods);
	/* A cap that appears later is learned. */
	s.cap_pm = 400;
	ASSERT_GE(sim_settle(&s, 400, 1000), 0);
	EXPECT_EQ((u32)XB_LEARN_SRC_LEARNED, s.swc.learn.source);
}

TEST(idle_vcpu_says_no_contention_yet)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 0, t, false);
	for (i = 0; i < 500; i++) {
		xb_swc_add_halt(&s, 9 * MS);
		xb_swc_period_end(&s, t += P, false, 0);
	}
	EXPECT_EQ((u32)XB_LEARN_SRC_UNKNOWN, s.learn.source);
	EXPECT_EQ(0U, s.learn.est_pm);
	EXPECT_EQ(0U, s.learn.conf_pm);
	EXPECT_EQ(1000U, s.eff_cap_pm);
	EXPECT_TRUE(s.wc);
}

TEST(no_steal_source_uses_the_hint_as_told)
{
	struct xb_swc s;
	u64 t = 0;
	int i;

	xb_swc_init(&s, P, 400, t, false);
	xb_swc_cannot_learn(&s);
	for (i = 0; i < 100; i++) {
		xb_swc_add_halt(&s, 6 * MS);
		xb_swc_period_end(&s, t += P, true, 5 * MS);
	}
	EXPECT_EQ((u32)XB_LEARN_SRC_TOLD, s.learn.source);
	EXPECT_EQ(400U, s.eff_cap_pm);
	xb_swc_init(&s, P, 0, t, false);
	xb_swc_cannot_learn(&s);
	EXPECT_EQ((u32)XB_LEARN_SRC_NO_STEAL, s.learn.source);
	EXPECT_EQ(1000U, s.eff_cap_pm);
}

/*
 * Problem 2 of the cap rows: on Xen a measurement came out 2-4 % above
 * credit1's cap (714-729 for 700, 514 for 500). The old learner let the
 * margin decay to nothing, so the balloon reserved for the too high cap,
 * was parked, widened the margin, and decayed back into the next park:
 * 14-25 throttled periods per case at cap 70. Each park at the estimate
 * now leaves a floor under the margin, which decays only slowly.
 */
TEST(a_measurement_a_little_high_is_parked_once_or_twice)
{
	static const u32 caps[] = { 500, 700, 700 };
	static const u32 meas[] = { 514, 714, 729 };
	unsigned int k;

	for (k = 0; k < 3; k++) {
		struct sim s;
		unsigned int thr0;

		sim_init(&s, SIM_CREDIT1, caps[k], 0);
		ASSERT_GE(sim_settle(&s, caps[k], 1000), 0);
		/* As the measurement left it: its margin, nothing taught. */
		s.swc.learn.est_pm = meas[k];
		s.swc.learn.margin_pm = XB_LEARN_MARGIN_MEAS_PM;
		s.swc.learn.floor_pm = 0;
		s.swc.learn.next_probe = s.t + XB_LEARN_PROBE_GAP_MAX_NS;
		thr0 = s.thr_periods;
		sim_run(&s, 30000 * MS);
		TH_LOG("cap %u measured %u: 30 s, %u throttled periods, cap in use %u",
		       caps[k], meas[k], s.thr_periods - thr0, s.swc.eff_cap_pm);
		EXPECT_LE(s.thr_periods - thr0, 4U);
	}
}

/*
 * A right hint is checked once, as soon as the vCPU is busy (a too low
 * one cannot be told from it otherwise), then left alone: no probe for
 * XB_LEARN_HINT_GAP_NS, and the estimate stays the hint, not a sample a
 * few per cent off it. The old learner probed it at 2, 8 and 32 s and
 * took the probes' samples (510-512 for a told 500 on Xen).
 */
TEST(right_hint_is_checked_once_then_left_alone)
{
	static const u32 caps[] = { 300, 500, 700 };
	unsigned int k;

	for (k = 0; k < 3; k++) {
		struct sim s;
		unsigned int thr0;

		sim_init(&s, SIM_CREDIT1, caps[k], caps[k]);
		sim_run(&s, 2000 * MS);
		EXPECT_EQ((u32)XB_LEARN_SRC_TOLD, s.swc.learn.source);
		EXPECT_EQ(1U, s.swc.learn.agree);
		thr0 = s.thr_periods;
		sim_run(&s, 60000 * MS);
		TH_LOG("cap %u told right: 2-62 s: %u throttled periods, est %u",
		       caps[k], s.thr_periods - thr0, s.swc.learn.est_pm);
		EXPECT_EQ(0U, s.thr_periods - thr0);
		EXPECT_EQ(caps[k], s.swc.learn.est_pm);
		EXPECT_EQ(caps[k], s.swc.eff_cap_pm);
		EXPECT_EQ((u32)XB_LEARN_SRC_TOLD, s.swc.learn.source);
	}
}

/*
 * Traces recorded on the real platforms (tests/unit/traces/record.sh),
 * one period a line: t_us eff_cap_pm off_us target_us throttled_us len_us
 * halt_us steal_us est_pm learn_state; "#" lines are comments, among them
 * "# hint: PM" (the cap the module was told) and "# phases: FIRST:CAP..."
 * (from period FIRST on, the real cap was CAP per mille, as the schedule
 * and the throttling show; 0: not checked).
 */
struct replay {
	unsigned int n;			/* periods */
	u32 hint;
	unsigned int nphases;
	unsigned int first[8];		/* the first period of each phase */
	u32 cap[8];
	u64 len[4096];			/* each period's length (ns) */
	u64 run[4096];			/* ... and run time (ns) */
	u32 est[4096];			/* the estimate after each period */
	u32 inuse[4096];		/* the cap in use after each period */
	bool throttled[4096];		/* ... and whether it was throttled */
	u32 state[4096];
	unsigned int thr;		/* throttled periods */
};

static int replay_trace(const char *name, struct replay *r)
{
	char line[512], *p;
	unsigned long long v[10];
	struct xb_learn l;
	bool started = false;
	u64 t = 0;
	FILE *f;

	f = trace_open(name);
	if (!f)
		return -1;
	memset(r, 0, sizeof(*r));
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			if (sscanf(line, "# hint: %u", &r->hint) == 1)
				continue;
			if (strncmp(line, "# phases:", 9))
				continue;
			p = line + 9;
			while (r->nphases < 8) {
				int used;

				if (sscanf(p, " %u:%u%n", &r->first[r->nphases],
					   &r->cap[r->nphases], &used) != 2)
					break;
				r->nphases++;
				p += used;
			}
			continue;
		}
		if (sscanf(line, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9]) != 10 || r->n >= 4096)
			continue;
		t = v[0] * US;
		if (!started) {
			xb_learn_init(&l, r->hint, true, t - v[5] * US);
			/* As swc.c sets it: the traces have 10 ms periods. */
			l.short_ns = P;
			started = true;
		}
		xb_learn_period(&l, t, v[5] * US,
				v[5] > v[2] ? (v[5] - v[2]) * US : 0, v[4] * US);
		if (v[4] * 50 > v[5])
			r->thr++;
		r->len[r->n] = v[5] * US;
		r->run[r->n] = v[5] > v[2] ? (v[5] - v[2]) * US : 0;
		r->est[r->n] = l.est_pm;
		r->inuse[r->n] = xb_learn_cap(&l);
		r->throttled[r->n] = v[4] * 50 > v[5];
		r->state[r->n] = l.state;
		r->n++;
	}
	fclose(f);
	return r->n ? 0 : -1;
}

/* Periods from the start of phase @i until the estimate stays within @tol %. */
static int replay_settle(const struct replay *r, unsigned int i,
			 unsigned int tol)
{
	unsigned int end = i + 1 < r->nphases ? r->first[i + 1] : r->n;
	unsigned int k, from = end;

	for (k = end; k-- > r->first[i];) {
		if (pm_diff(r->est[k], r->cap[i]) * 100 > r->cap[i] * tol)
			break;
		from = k;
	}
	return from < end ? (int)(from - r->first[i]) : -1;
}

FIXTURE(trace) {
	struct replay r;
};

FIXTURE_VARIANT(trace) {
	const char *file;
	int max_settle;		/* periods, for each phase */
	/*
	 * The cap as the guest can see it: run / wall time over the second
	 * half of each phase, not the phase's cap (the TCG guest sees only
	 * the gaps longer than the gap slack, on a shared host).
	 */
	bool visible;
};

FIXTURE_SETUP(trace)
{
}

FIXTURE_TEARDOWN(trace)
{
}

#include "traces/traces.inc"

/*
 * Each phase of a recorded trace: the estimate comes within 10 % of the
 * real cap (20 % of the visible one) and stays there to the end of the
 * phase, in few periods.
 */
TEST_F(trace, each_phase_is_learned)
{
	struct replay *r = &self->r;
	unsigned int i;
	int n;

	ASSERT_EQ(0, replay_trace(variant->file, r))
		TH_LOG("cannot read traces/%s", variant->file);
	ASSERT_LT(0U, r->nphases);
	for (i = 0; i < r->nphases; i++) {
		unsigned int end = i + 1 < r->nphases ? r->first[i + 1] : r->n;
		unsigned int k;
		u64 len = 0, run = 0;

		/*
		 * Cap 0: not checked. The replay is open loop: where what the
		 * recording's learner did (measure, then reserve) is what made
		 * the throttling the replayed one would learn from, it cannot
		 * tell.
		 */
		if (!r->cap[i])
			continue;
		if (variant->visible) {
			for (k = (r->first[i] + end) / 2; k < end; k++) {
				len += r->len[k];
				run += r->run[k];
			}
			TH_LOG("phase %u: told cap %u, visible %llu", i, r->cap[i],
			       run * 1000 / len);
			r->cap[i] = run * 1000 / len;
		}
		n = replay_settle(r, i, variant->visible ? 20 : 10);
		TH_LOG("%s phase %u (cap %u, periods %u-%u): settled after %d periods, est %u at its end",
		       variant->file, i, r->cap[i], r->first[i], end - 1, n,
		       r->est[end - 1]);
		EXPECT_GE(n, 0);
		EXPECT_LE(n, variant->max_settle);
	}
}

/*
 * Problem 2 as the learner of fd0d7ad recorded it on Xen: it measured 503
 * for credit1's 500, let the margin decay to nothing and was parked at
 * the estimate again and again (periods 173, 287, 532). Replayed, once
 * parked at its estimate, the learner keeps below it for the rest of
 * the phase (the floor under the margin), where the old one went back
 * to the estimate within 50 periods.
 */
TEST(trace_parked_at_the_estimate_keeps_below_it)
{
	static struct replay r;
	unsigned int k, first = 0;

	ASSERT_EQ(0, replay_trace("xen-credit1-step-learn-2.trace", &r));
	ASSERT_LT(1U, r.nphases);
	for (k = 1; k < r.first[1]; k++) {
		if (!first) {
			if (r.throttled[k] && r.state[k - 1] == XB_LEARN_STEADY &&
			    r.inuse[k - 1] == r.est[k - 1])
				first = k;
			continue;
		}
		if (r.state[k] != XB_LEARN_STEADY)
			continue;
		EXPECT_LE(r.inuse[k] * 1000, r.est[k] * 980)
			TH_LOG("period %u: cap in use %u, estimate %u", k,
			       r.inuse[k], r.est[k]);
	}
	TH_LOG("first parked at the estimate in period %u", first);
	EXPECT_LT(0U, first);
}

/*
 * The free contradiction of a too low hint: the vCPU ran unthrottled well
 * above it (here at 60 % for a hint of 30 %, no balloon holding it) for
 * longer than any budget run ahead explains. The old learner raised an
 * estimate only in a probe, and never probed a hint while it was not due.
 */
TEST(running_unthrottled_above_a_hint_raises_it)
{
	struct xb_learn l;
	u64 t = 0;
	int i;

	xb_learn_init(&l, 300, true, t);
	l.next_probe = 1ULL << 62;
	for (i = 0; i < 100; i++)
		xb_learn_period(&l, t += P, P, 6 * MS, 0);
	EXPECT_EQ((u32)XB_LEARN_STEADY, l.state);
	EXPECT_EQ((u32)XB_LEARN_SRC_LEARNED, l.source);
	EXPECT_GE(l.est_pm, 500U);
	EXPECT_LE(l.est_pm, 600U);
	/* Held at the hint by the balloon, it stays as told. */
	xb_learn_init(&l, 300, true, t);
	l.next_probe = 1ULL << 62;
	for (i = 0; i < 100; i++)
		xb_learn_period(&l, t += P, P, 3 * MS, 0);
	EXPECT_EQ((u32)XB_LEARN_SRC_TOLD, l.source);
	EXPECT_EQ(300U, l.est_pm);
}

/*
 * The first probe of a hint, 8 periods after the load, can park before a
 * hint too high has shown at the estimate. On Xen (told 700 for 500) the
 * old learner took that park for a probe that agreed, and found the hint
 * wrong only at the next parks: 64 periods. The window before the park
 * (at the hint, then probing, then parked) says it at once.
 */
static bool first_check(struct xb_learn *l, u32 hint, u32 run_pm,
			unsigned int probe_periods)
{
	u64 t = 0;
	unsigned int i;
	bool probing;

	xb_learn_init(l, hint, true, t);
	for (i = 0; i < XB_LEARN_PROBE_QUIET; i++)
		xb_learn_period(l, t += P, P, P / 1000 * run_pm, 0);
	probing = l->state == XB_LEARN_PROBE;
	for (i = 0; i < probe_periods; i++)
		xb_learn_period(l, t += P, P, P, 0);
	xb_learn_period(l, t += 60 * MS, 60 * MS, 0, 60 * MS);
	xb_learn_period(l, t += P, P, P, 0);
	return probing;
}

TEST(first_check_of_a_hint_too_high_measures_at_once)
{
	struct xb_learn l;

	ASSERT_TRUE(first_check(&l, 700, 700, 1));
	EXPECT_EQ((u32)XB_LEARN_MEASURE, l.state);
	/* A right hint's check agrees, as before. */
	ASSERT_TRUE(first_check(&l, 500, 500, 5));
	EXPECT_EQ((u32)XB_LEARN_STEADY, l.state);
	EXPECT_EQ(1U, l.agree);
	EXPECT_EQ(500U, l.est_pm);
}

/*
 * A probe of a right estimate can read a rise (its window starts with
 * the budget saved under the margin); the measurement it starts then finds
 * the estimate again. That is a probe that agreed: the old learner took
 * it for an overrun, widened the margin by 5 % and probed again 2 s
 * later, which on Xen (told 700 for 500, corrected) put three probes'
 * parks into the measured window.
 */
static void periods(struct xb_learn *l, u64 *t, unsigned int n, u64 run)
{
	while (n--)
		xb_learn_period(l, *t += P, P, run, 0);
}

static void park(struct xb_learn *l, u64 *t)
{
	xb_learn_period(l, *t += 60 * MS, 60 * MS, 0, 60 * MS);
}

TEST(a_probe_that_read_high_agreed)
{
	struct xb_learn l;
	u64 t = 0;

	xb_learn_init(&l, 0, true, t);
	l.est_pm = 500;
	l.source = XB_LEARN_SRC_LEARNED;
	l.conf_pm = 500;
	periods(&l, &t, XB_LEARN_PROBE_QUIET, 5 * MS);
	ASSERT_EQ((u32)XB_LEARN_PROBE, l.state);
	/* 120 ms at full speed, then parked: reads 667. */
	periods(&l, &t, 12, P);
	park(&l, &t);
	periods(&l, &t, 1, P);
	ASSERT_EQ((u32)XB_LEARN_MEASURE, l.state);
	/* Whole cycles at the cap: 60 ms run, 60 ms parked. */
	periods(&l, &t, 5, P);
	park(&l, &t);
	periods(&l, &t, 6, P);
	park(&l, &t);
	periods(&l, &t, 1, P);
	ASSERT_EQ((u32)XB_LEARN_STEADY, l.state);
	EXPECT_EQ(1U, l.agree);
	EXPECT_EQ(0U, l.margin_pm);
	EXPECT_EQ(0U, l.floor_pm);
	EXPECT_LE(l.est_pm, 525U);
	EXPECT_GE(l.est_pm, 475U);
}

TEST_HARNESS_MAIN
