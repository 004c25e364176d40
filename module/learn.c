// SPDX-License-Identifier: GPL-2.0
/*
 * learn.c - the vCPU's cap, learned from throttling, as pure policy: no
 * kernel headers, so the unit tests build this very file in user space
 * and replay traces recorded on the real platforms through it.
 *
 * What a cap looks like from inside. A hypervisor's cap is a budget of run
 * time per wall time: credit1 adds cap x 30 ms of credit every 30 ms, takes
 * what the vCPU ran, and parks the vCPU (runstate offline) once it is more
 * than cap x 30 ms in debt, until the balance is positive again (60-90 ms
 * later, every few hundred ms for a busy vCPU); credit2 refills a budget
 * of cap x 10 ms every 10 ms and parks a vCPU that spent it until the next
 * refill, so a busy vCPU with no reserve is parked in every period, each
 * park an episode of its own (@short_ns); CFS bandwidth (KVM hosts,
 * QEMU in a host cgroup) gives quota per 100 ms period and throttles the
 * vCPU's thread when it is spent, until the next period (steal, or under
 * TCG late timers). Either way, between two moments where the budget is in
 * the same state the vCPU ran exactly cap x the wall time between them,
 * whatever it did meanwhile (busy, halted by the balloon or idle), as long
 * as it did not leave budget unused that the hypervisor then dropped. The
 * end of a throttling episode is such a moment: the budget was just spent
 * and has just come back. So:
 *
 *  - a cycle, from the end of one throttling episode to the end of the
 *    next, gives the cap as run / wall time, exactly up to the hypervisor's
 *    granularity. A window that does not start at an episode's end (the
 *    first throttling seen, or the last one long ago) gives an estimate,
 *    off by the budget it started with over its length;
 *  - a window without throttling proves only that the cap is at least
 *    (run - what the hypervisor lets run in advance) / wall time.
 *
 * Run time is what the guest saw: wall time less off-CPU time (halts and
 * steal, or timer gaps where nothing reports steal). A cap learned this way
 * already includes what the host charges that the guest cannot see (an
 * emulator's own work): it is the run time the guest really gets.
 *
 * States. STEADY: the balloon reserves for the estimate less a margin
 * (nothing while the cap is unknown). Throttling there is a sample: far
 * from the estimate (a step, or a wrong hint) it switches to MEASURE;
 * near it, the estimate is right but the guest overran it (bursts, late
 * timers), so the margin grows by a step once per episode, and quiet
 * periods take it back slowly. MEASURE reserves nothing until one whole
 * cycle has been seen, the exact sample. A cap that rose cannot show while
 * the balloon keeps the vCPU under the old one: so once the vCPU has used
 * all of its share quietly for a while, PROBE reserves nothing until
 * throttling (a sample, as above) or until the vCPU ran unthrottled well
 * above the estimate (the cap rose at least that far). Each probe of a
 * right estimate costs one throttling episode, so probes that agree come
 * ever more rarely (2 s, then 8, 32, 64 s apart).
 *
 * The margin decays back only to a floor that each throttling episode
 * at the estimate raises, and that itself decays only slowly: a
 * measurement reads a few per cent high now and then (714-729 for
 * credit1's 700), and a margin that decayed to nothing parked the vCPU
 * again every few seconds. Such a park is told from a step by the whole
 * cycle before it: the window before a park under the balloon reads low
 * (it starts in debt), a long cycle that agrees with the estimate does not.
 *
 * A told cap (cap_pm) is the first estimate, a hint: samples that
 * contradict it replace it, in both directions. Throttling below it says
 * it is too high, at once. That it is too low, nothing can say for free:
 * under a right hint the balloon keeps the vCPU at the cap, under a too
 * low one below it, and neither is ever throttled; running above the hint
 * long enough to prove more than the budget a hypervisor lets run ahead
 * (XB_LEARN_BURST_NS) parks a right hint. So a hint is probed once, as
 * soon as the vCPU is busy (the first probe of any estimate), and after
 * that only when nothing contradicted it for XB_LEARN_HINT_GAP_NS; samples
 * that agree with it leave it the estimate.
 */
#include "learn.h"

static u32 xb_learn_ratio(u64 run, u64 len)
{
	u64 r;

	if (!len)
		return 0;
	r = run * XB_LEARN_FULL / len;
	if (r > XB_LEARN_FULL)
		r = XB_LEARN_FULL;
	return r < XB_LEARN_MIN_PM ? XB_LEARN_MIN_PM : r;
}

/* @a differs from @b by more than XB_LEARN_CHANGE_PM of @b. */
static bool xb_learn_changed(u32 a, u32 b)
{
	u32 d = a > b ? a - b : b - a;

	return d * XB_LEARN_FULL > b * XB_LEARN_CHANGE_PM;
}

/**
 * xb_learn_init() - start from a hint, or from nothing
 * @l: state to initialise
 * @hint_pm: the configured cap (per mille), 0 for none
 * @can_learn: something reports steal or timer gaps on this vCPU
 * @now: current time (ns)
 */
void xb_learn_init(struct xb_learn *l, u32 hint_pm, bool can_learn, u64 now)
{
	*l = (struct xb_learn){
		.hint_pm = hint_pm < XB_LEARN_FULL ? hint_pm : XB_LEARN_FULL,
		.can_learn = can_learn,
		.margin_pm = XB_LEARN_MARGIN_PM,
		.next_probe = now,
	};
	l->est_pm = l->hint_pm;
	if (l->hint_pm) {
		l->source = XB_LEARN_SRC_TOLD;
		l->conf_pm = XB_LEARN_FULL / 2;
	} else {
		l->source = can_learn ? XB_LEARN_SRC_UNKNOWN :
					XB_LEARN_SRC_NO_STEAL;
	}
}

/**
 * xb_learn_cap() - the cap to reserve for now
 * @l: state of the vCPU
 *
 * Return: the estimate less the margin, or XB_LEARN_FULL (reserve
 * nothing) while the cap is unknown, absent, probed or measured. A hint
 * that nothing can check is used as told.
 */
u32 xb_learn_cap(const struct xb_learn *l)
{
	u32 cap;

	if (l->state != XB_LEARN_STEADY || !l->est_pm ||
	    l->est_pm >= XB_LEARN_FULL)
		return XB_LEARN_FULL;
	if (!l->can_learn)
		return l->est_pm;
	cap = l->est_pm - l->est_pm * l->margin_pm / XB_LEARN_FULL;
	return cap < XB_LEARN_MIN_PM ? XB_LEARN_MIN_PM : cap;
}

static void xb_learn_enter(struct xb_learn *l, enum xb_learn_state state,
			   u64 now)
{
	if (l->state != XB_LEARN_STEADY && state == XB_LEARN_STEADY)
		l->calm_at = now + XB_LEARN_AFTERMATH_NS;
	l->state = state;
	l->state_periods = 0;
}

/*
 * A new estimate from a measurement; a hint it agrees with stays told,
 * and stays the estimate unless the sample is lower: the hint is exact,
 * a sample only to a few per cent, and they read high rather than low
 * (credit1's parks are charged to the window they end).
 */
static void xb_learn_set(struct xb_learn *l, u32 est, u32 conf)
{
	l->conf_pm = conf;
	l->margin_pm = XB_LEARN_MARGIN_PM;
	l->floor_pm = 0;
	if (l->hint_pm && !xb_learn_changed(est, l->hint_pm)) {
		l->est_pm = est < l->hint_pm ? est : l->hint_pm;
		l->source = XB_LEARN_SRC_TOLD;
	} else {
		l->est_pm = est;
		l->source = XB_LEARN_SRC_LEARNED;
	}
}

/*
 * When to probe next, after @agree probes in a row found the estimate
 * right: a told cap once checked, only after long (XB_LEARN_HINT_GAP_NS).
 */
static u64 xb_learn_probe_gap(const struct xb_learn *l)
{
	bool told = l->source == XB_LEARN_SRC_TOLD;
	u64 gap = told ? XB_LEARN_HINT_GAP_NS : XB_LEARN_PROBE_GAP_NS;
	u64 max = told ? XB_LEARN_HINT_GAP_MAX_NS : XB_LEARN_PROBE_GAP_MAX_NS;
	u32 agree = l->agree;

	while (agree-- > 1 && gap < max)
		gap *= 4;
	return gap < max ? gap : max;
}

/*
 * A probe's sample @s says the cap rose: its window starts with whatever
 * budget the vCPU saved under the estimate (credit1: up to cap x 30 ms),
 * so it reads high, and it spans part of a cycle only: a rise is twice
 * the change.
 */
static bool xb_learn_probe_rise(const struct xb_learn *l, u32 s)
{
	return s > l->est_pm &&
	       xb_learn_changed(l->est_pm + (s - l->est_pm) / 2, l->est_pm);
}

static u32 xb_learn_floor_up(u32 floor)
{
	floor += XB_LEARN_FLOOR_STEP_PM;
	return floor < XB_LEARN_FLOOR_MAX_PM ? floor : XB_LEARN_FLOOR_MAX_PM;
}

/* A throttling episode ended at @now: take its sample. */
static void xb_learn_episode_end(struct xb_learn *l, u64 now)
{
	bool exact = l->have_edge, window = false;
	u64 len = l->cyc_len, run = l->cyc_run, busy = l->cyc_busy;
	u32 s, w, margin, floor, agree, whole = 0;

	/* A long whole cycle, the vCPU busy through it: see below. */
	if (exact && len >= XB_LEARN_EXACT_NS && busy * 4 >= len * 3)
		whole = xb_learn_ratio(run, len);
	if (l->state == XB_LEARN_STEADY && (!exact || len > XB_LEARN_WIN_NS))
		window = true;	/* no recent cycle: an estimate */
	if (exact && len < XB_LEARN_MEASURE_NS) {
		if (l->state == XB_LEARN_MEASURE)
			return;	/* too short to say much: one with the next */
		window = true;	/* too short: the bounded window says more */
	}
	if (window) {
		len = l->half_len[0] + l->half_len[1];
		run = l->half_run[0] + l->half_run[1];
		busy = l->half_busy[0] + l->half_busy[1];
	}
	s = xb_learn_ratio(run, len);
	/*
	 * On a refill grid a probe's first park ends a window of about one
	 * refill, which also holds what the vCPU ran beyond its budget before
	 * the hypervisor parked it (paid back from the next refills): 2 ms
	 * of 10 reads as a rise. A rise shows as well over a few refills,
	 * the overrun does not: the window goes on over the next parks,
	 * rather than a measurement parking the vCPU in every period for
	 * 200 ms.
	 */
	if (l->state == XB_LEARN_PROBE && l->grid &&
	    len < XB_LEARN_GRID_PROBE_REFILLS * l->short_ns &&
	    xb_learn_probe_rise(l, s))
		return;
	l->cyc_len = 0;
	l->cyc_run = 0;
	l->cyc_busy = 0;
	l->have_edge = true;
	/* The debt of a probe or a measurement, being paid. */
	if (l->state == XB_LEARN_STEADY && (s64)(now - l->calm_at) < 0)
		return;
	/*
	 * A vCPU that did not want the CPU most of the window left budget
	 * unused, which the hypervisor may drop: run time then says nothing
	 * of the cap. (And where halts of other tasks than the balloon are
	 * not seen, idle time would count as run time.)
	 */
	if (busy * 4 < len * 3)
		return;
	l->samples++;

	switch (l->state) {
	case XB_LEARN_PROBE:
		/*
		 * A probe asks whether the cap rose (xb_learn_probe_rise()):
		 * a fall would have shown at the estimate.
		 */
		len = l->half_len[0] + l->half_len[1];
		w = xb_learn_ratio(l->half_run[0] + l->half_run[1], len);
		if ((l->half_busy[0] + l->half_busy[1]) * 4 >= len * 3 &&
		    w < l->est_pm && xb_learn_changed(w + (l->est_pm - w) / 2,
						      l->est_pm)) {
			/*
			 * The window before the park (at the estimate, then
			 * probing) far below it, even so: a hint too high,
			 * probed before it could show at the estimate (the
			 * first probe comes after 8 periods). Xen, told 700
			 * for 500: 30-40 % low; a right estimate's reads
			 * 5-10 % high, or up to 11 % low after a 90 ms park.
			 */
			l->agree = 0;
			l->probed = false;
			l->first_pm = s;
			xb_learn_enter(l, XB_LEARN_MEASURE, now);
			break;
		}
		if (!xb_learn_probe_rise(l, s)) {
			/* The estimate is right: probe less often. */
			l->agree++;
			l->conf_pm += (XB_LEARN_FULL - l->conf_pm) / 2;
			l->next_probe = now + xb_learn_probe_gap(l);
			xb_learn_enter(l, XB_LEARN_STEADY, now);
			break;
		}
		/* A rise, maybe: measure; agree counts on if it was not. */
		l->probed = true;
		l->first_pm = s;
		xb_learn_enter(l, XB_LEARN_MEASURE, now);
		break;
	case XB_LEARN_MEASURE:
		margin = XB_LEARN_MARGIN_MEAS_PM;
		floor = 0;
		agree = 0;
		if (l->probed && l->est_pm && l->est_pm < XB_LEARN_FULL &&
		    !xb_learn_changed(s, l->est_pm)) {
			/*
			 * The probe read high (it starts with the budget saved
			 * under the margin), the estimate was right: that was
			 * a probe that agreed, and nothing to widen the margin
			 * for. (Taken for a rise, it restarted probing at 2 s
			 * and widened the margin: told 700 for 500 on Xen
			 * ended parked by three probes in the window.)
			 */
			s = (s + l->est_pm) / 2;
			margin = l->margin_pm;
			floor = l->floor_pm;
			agree = l->agree + 1;
		} else if (l->est_pm && l->est_pm < XB_LEARN_FULL &&
			   !xb_learn_changed(s, l->est_pm)) {
			/*
			 * Two measurements that agree: their mean is closer,
			 * and the throttling that made us measure was an
			 * overrun of a right estimate (credit1 at a low cap
			 * parks a vCPU a few per cent under it, now and then):
			 * keep a wider margin, or it comes again and again.
			 */
			s = (s + l->est_pm) / 2;
			margin = l->margin_pm + XB_LEARN_MARGIN_STEP_PM;
			if (margin < XB_LEARN_MARGIN_MEAS_PM)
				margin = XB_LEARN_MARGIN_MEAS_PM;
			if (margin > XB_LEARN_MARGIN_MAX_PM)
				margin = XB_LEARN_MARGIN_MAX_PM;
			floor = xb_learn_floor_up(l->floor_pm);
		}
		xb_learn_set(l, s, XB_LEARN_FULL / 2);
		l->margin_pm = margin;
		l->floor_pm = floor;
		l->agree = agree;
		l->next_probe = now + xb_learn_probe_gap(l);
		xb_learn_enter(l, XB_LEARN_STEADY, now);
		break;
	default:
		/*
		 * The window ends with the park but starts with the vCPU
		 * already in debt, held at the cap in use: after a slow
		 * overrun it reads low by up to the debt a park allows over
		 * its length (7-15 %). A long whole cycle that agrees with the
		 * estimate says that was all: a step would show in it too,
		 * at the next park, its cycle short.
		 */
		if (!l->est_pm || l->est_pm >= XB_LEARN_FULL ||
		    (xb_learn_changed(s, l->est_pm) &&
		     (!whole || xb_learn_changed(whole, l->est_pm)))) {
			/* First contention, a step or a wrong hint. */
			l->agree = 0;
			l->probed = false;
			l->first_pm = s;
			xb_learn_enter(l, XB_LEARN_MEASURE, now);
			break;
		}
		/*
		 * Not the cap: run time the balloon held under the estimate
		 * says nothing of it. The guest overran it, unseen.
		 */
		if (l->conf_pm < XB_LEARN_FULL - 100)
			l->conf_pm += 100;
		if (!l->last_raise || now - l->last_raise >= XB_LEARN_HOLDOFF_NS) {
			l->last_raise = now;
			l->margin_pm += XB_LEARN_MARGIN_STEP_PM;
			if (l->margin_pm > XB_LEARN_MARGIN_MAX_PM)
				l->margin_pm = XB_LEARN_MARGIN_MAX_PM;
		}
		/*
		 * Nor does the margin decay back to where it overran: once
		 * per overrun (its debt can park the vCPU twice).
		 */
		if (!l->floor_raise ||
		    now - l->floor_raise >= XB_LEARN_FLOOR_HOLDOFF_NS) {
			l->floor_raise = now;
			l->floor_pm = xb_learn_floor_up(l->floor_pm);
		}
		break;
	}
}

static void xb_learn_add(struct xb_learn *l, u64 len, u64 run, bool thr,
			 bool used)
{
	u64 busy = thr || used ? len : 0;

	l->cyc_len += len;
	l->cyc_run += run;
	l->cyc_busy += busy;
	l->half_len[0] += len;
	l->half_run[0] += run;
	l->half_busy[0] += busy;
	l->half_thr[0] |= thr;
	if (l->half_len[0] < XB_LEARN_WIN_NS / 2)
		return;
	l->half_len[1] = l->half_len[0];
	l->half_run[1] = l->half_run[0];
	l->half_busy[1] = l->half_busy[0];
	l->half_thr[1] = l->half_thr[0];
	l->half_len[0] = 0;
	l->half_run[0] = 0;
	l->half_busy[0] = 0;
	l->half_thr[0] = false;
}

/* What an unthrottled window proves: the cap is at least this. */
static u32 xb_learn_lower_bound(u64 run, u64 len)
{
	return run > XB_LEARN_BURST_NS ?
	       xb_learn_ratio(run - XB_LEARN_BURST_NS, len) : 0;
}

/* Raise the estimate to a lower bound @lb proven by unthrottled running. */
static void xb_learn_raise(struct xb_learn *l, u32 lb, u64 now)
{
	if (lb >= XB_LEARN_UNCAPPED_PM) {
		l->est_pm = XB_LEARN_FULL;
		l->source = XB_LEARN_SRC_UNCAPPED;
		l->conf_pm = XB_LEARN_FULL / 2;
	} else if (lb > l->est_pm) {
		xb_learn_set(l, lb, XB_LEARN_FULL / 4);
	}
	l->agree = 0;
	l->next_probe = now + XB_LEARN_PROBE_GAP_NS;
}

static void xb_learn_quiet(struct xb_learn *l, u64 now, bool used)
{
	u64 len, run;
	u32 floor, lb;

	l->quiet++;
	l->busy = used ? l->busy + 1 : 0;
	switch (l->state) {
	case XB_LEARN_PROBE:
		if (!used) {
			/* The vCPU stopped asking for more: nothing to learn. */
			l->next_probe = now + XB_LEARN_PROBE_GAP_NS;
			xb_learn_enter(l, XB_LEARN_STEADY, now);
		} else if (l->state_periods >= XB_LEARN_PROBE_PERIODS) {
			xb_learn_raise(l, xb_learn_lower_bound(l->cyc_run,
							       l->cyc_len), now);
			xb_learn_enter(l, XB_LEARN_STEADY, now);
		}
		break;
	case XB_LEARN_MEASURE:
		if (l->state_periods >= XB_LEARN_MEASURE_PERIODS) {
			/*
			 * No second episode: the first sample will do if
			 * nothing better is known.
			 */
			if (!l->est_pm || l->est_pm >= XB_LEARN_FULL)
				xb_learn_set(l, l->first_pm, XB_LEARN_FULL / 4);
			l->next_probe = now + xb_learn_probe_gap(l);
			xb_learn_enter(l, XB_LEARN_STEADY, now);
		}
		break;
	default:
		if (!l->est_pm) {
			/* Unknown: a vCPU that runs nearly all the time unthrottled. */
			len = l->half_len[0] + l->half_len[1];
			run = l->half_run[0] + l->half_run[1];
			if (!l->half_thr[0] && !l->half_thr[1] &&
			    len >= XB_LEARN_WIN_NS / 2 &&
			    xb_learn_lower_bound(run, len) >= XB_LEARN_UNCAPPED_PM)
				xb_learn_raise(l, XB_LEARN_FULL, now);
			break;
		}
		if (l->est_pm >= XB_LEARN_FULL)
			break;
		/*
		 * The free contradiction of a too low estimate: the vCPU ran
		 * unthrottled well above it (no balloon held it, or the
		 * reserve was not met), more than any budget run ahead.
		 */
		len = l->half_len[0] + l->half_len[1];
		run = l->half_run[0] + l->half_run[1];
		lb = xb_learn_lower_bound(run, len);
		if (!l->half_thr[0] && !l->half_thr[1] &&
		    len >= XB_LEARN_WIN_NS / 2 && lb > l->est_pm &&
		    xb_learn_changed(lb, l->est_pm)) {
			xb_learn_raise(l, lb, now);
			break;
		}
		if (l->floor_pm && now - l->floor_at >= XB_LEARN_FLOOR_DECAY_NS) {
			l->floor_at = now;
			l->floor_pm -= l->floor_pm > XB_LEARN_MARGIN_DECAY_PM ?
				       XB_LEARN_MARGIN_DECAY_PM : l->floor_pm;
		}
		floor = l->floor_pm > XB_LEARN_MARGIN_PM ? l->floor_pm :
							    XB_LEARN_MARGIN_PM;
		if (l->quiet % XB_LEARN_MARGIN_QUIET == 0 &&
		    l->margin_pm > floor) {
			if (l->margin_pm >= floor + XB_LEARN_MARGIN_DECAY_PM)
				l->margin_pm -= XB_LEARN_MARGIN_DECAY_PM;
			else
				l->margin_pm = floor;
		}
		if (l->busy >= XB_LEARN_PROBE_QUIET &&
		    (s64)(now - l->next_probe) >= 0) {
			/* Has the cap risen? Only throttling can say. */
			l->cyc_len = 0;
			l->cyc_run = 0;
			l->cyc_busy = 0;
			l->have_edge = false;
			xb_learn_enter(l, XB_LEARN_PROBE, now);
		}
		break;
	}
}

/**
 * xb_learn_forget_margin() - drop the margin that throttling taught
 * @l: state of the vCPU
 *
 * For throttling that swc.c found was its own doing (jittered periods
 * under a refill grid): back to no margin and no floor, as for a fresh
 * estimate.
 */
void xb_learn_forget_margin(struct xb_learn *l)
{
	l->margin_pm = XB_LEARN_MARGIN_PM;
	l->floor_pm = 0;
}

/**
 * xb_learn_period() - learn from one period that ended at @now
 * @l: state of the vCPU
 * @now: end of the period (ns)
 * @len: its length (ns)
 * @run: time the vCPU ran in it: @len less halts, steal and timer gaps
 * @throttled_ns: time the hypervisor held the vCPU for its cap (Xen:
 *	offline; elsewhere steal, or timer gaps)
 *
 * xb_learn_cap() may change after this; it applies from the next period.
 */
void xb_learn_period(struct xb_learn *l, u64 now, u64 len, u64 run,
		     u64 throttled_ns)
{
	u32 cap = xb_learn_cap(l);
	bool thr, used, short_park;

	if (!l->can_learn || !len)
		return;
	if (run > len)
		run = len;
	thr = throttled_ns * XB_LEARN_FULL > len * XB_LEARN_THROTTLE_PM;
	/* It ran what it was let run (a tenth of a CPU of slack), or more. */
	if (cap >= XB_LEARN_FULL)
		used = run * XB_LEARN_FULL >= len * 900;
	else
		used = run * XB_LEARN_FULL + len * 100 >= len * cap;
	l->state_periods++;

	if (thr) {
		short_park = throttled_ns < l->short_ns;
		/*
		 * A refill grid (credit2: budget every 10 ms) parks a busy
		 * vCPU that reserves nothing in every period, each time
		 * until the next refill: such parks in a row are episodes of
		 * their own, or a probe or a measurement would never end.
		 */
		if (l->in_episode && short_park && l->short_park) {
			l->in_episode = false;
			xb_learn_episode_end(l, now - len);
		}
		l->short_park = short_park;
		l->floor_at = now;
		l->in_episode = true;
		l->quiet = 0;
		l->busy = 0;
		xb_learn_add(l, len, run, true, used);
		/*
		 * On a refill grid a probe's sample is complete with its
		 * first park: the next period would end the episode with
		 * these same data (it is not part of it, and a grid has no
		 * long park to merge it with), but only after a second
		 * park. A probe of a right estimate cost two parks where
		 * one says it all (credit2, cap 50: 10 ms parked, now 5).
		 */
		if (l->grid && l->state == XB_LEARN_PROBE && short_park) {
			l->in_episode = false;
			xb_learn_episode_end(l, now);
		}
		return;
	}
	if (l->in_episode) {
		l->in_episode = false;
		xb_learn_episode_end(l, now - len);
	}
	xb_learn_add(l, len, run, false, used);
	xb_learn_quiet(l, now, used);
}
