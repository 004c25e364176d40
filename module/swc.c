// SPDX-License-Identifier: GPL-2.0
/*
 * swc.c - semi-work-conserving (SWC) reservation, pure: no kernel headers,
 * so the unit tests build this very file in user space (tests/unit/).
 *
 * A capped vCPU may run cap x P in every period P of the hypervisor. If the
 * guest itself keeps its run time under cap x P in every window of P, the
 * hypervisor never throttles it, whatever the phase of its own period. So
 * each period the balloon holds the vCPU off (NWC, non-work-conserving)
 * until the vCPU has been off-CPU for P x (1 - cap): from then on the rest
 * of the period can run in full without exceeding the cap, and the balloon
 * sleeps (WC, work-conserving) until the next period. Off-CPU time is what
 * the hypervisor did not charge: halts (ended at the waking interrupt's
 * entry, not when the halt returned) and steal.
 *
 * Jitter. Each period lasts a pseudo-random length between P - P/4 and P,
 * with a target in proportion. credit1 gives a vCPU credit only while it
 * is on its active list; it leaves the list when its credit exceeds one
 * accounting period's worth (the guest ran less than its cap) and comes
 * back only when a 10 ms scheduler tick finds it running. Those ticks stop
 * while the pCPU idles and restart on the 10 ms grid of Xen's clock, which
 * is the guest's clock too. With periods of exactly 10 ms the vCPU's run
 * time (the end of each period, WC) falls at the same phase of that grid
 * every time: if no tick lands in it, an inactive vCPU earns nothing while
 * it runs its share, and is parked the first time a stray tick finds it
 * deep in debt. Measured: static mode was bistable on the phase of the
 * first period (p99 6 or 80 ms). Jitter moves the run time over the whole
 * grid, so a tick soon finds the vCPU, whatever the phase. It also keeps
 * any other periodic sampling of the host from aliasing with ours.
 *
 * Refill grids. credit2 (and CFS bandwidth on a KVM host) gives a capped
 * vCPU its budget afresh at the start of each of its own periods (credit2:
 * every 10 ms) and parks it until the next one once it has spent it; it
 * samples nothing. With periods of exactly P, the reserve first, every
 * window of P holds at most cap x P of run time whatever the phase, so
 * such a hypervisor never parks the vCPU. Jitter breaks that: the run time
 * at the end of a full period and the whole of a short one that follows
 * fall into one window (cap 50: up to 0.625 P of run time), and the vCPU
 * is parked until the next refill. Such parks are short (less than the
 * refill period), credit1's are not (its accounting runs every 30 ms: 29-
 * 149 ms in every recorded trace). So XB_SWC_GRID_PARKS periods with a
 * park shorter than a period, and none with a longer one, end the jitter
 * for good (until the configuration changes and the state starts afresh).
 *
 * Run time owed. A period can end with less off-CPU time than its target:
 * the period timer fired late (the period was longer, the target was
 * not), or the balloon could not hold the vCPU (a CFS balloon behind a
 * CPU hog for a whole tick; under emulation, time the vCPU was charged
 * for while the emulator ran another CPU). The hypervisor charges that
 * run all the same: credit1 keeps a running balance (+cap x 30 ms of
 * credit each 30 ms, minus the time run) and parks the vCPU for 2-3 of
 * its periods once the balance falls below -cap x 30 ms. Measured on Xen
 * with a 10 ms period, parks came after a few such periods, never from
 * one. So each period's excess (run time - cap x its real length) is
 * carried over as debt and reserved on top of the next periods' share
 * until it is made up: over any few periods the guest then runs no more
 * than its cap, as credit1 counts it. Run time below the share is not
 * banked (the balance it would let us spend may already be gone), and the
 * debt is bounded by XB_SWC_DEBT_PERIODS periods' share: more than that
 * gets the vCPU parked, and parked time is off-CPU time that pays it.
 *
 * Control law. The cap in use comes from learn.c: the configured cap is
 * a hint, corrected by what throttling shows (a cycle from the end of one
 * throttling episode to the end of the next ran exactly the cap), in both
 * directions and at any time, and kept under by a margin that throttling
 * at the estimate widens and quiet periods narrow again (the guest cannot
 * see every cost the host charges: an emulator's own work, halt polling).
 * Throttling counts while a balloon reserves or not (Xen: time offline,
 * parked by the cap, and time runnable for a good part of a period, held
 * off by a busy neighbour on a shared pCPU, whose share is learned like a
 * cap; elsewhere steal, or timer gaps where nothing reports steal). While
 * the cap is unknown nothing is reserved: reserving against an unknown cap
 * could only hurt, and the first throttling teaches it.
 */
#include "swc.h"

static u64 xb_swc_target(u64 period_ns, u32 cap_pm)
{
	if (!cap_pm || cap_pm >= XB_SWC_CAP_FULL)
		return 0;
	return period_ns / XB_SWC_CAP_FULL * (XB_SWC_CAP_FULL - cap_pm);
}

/* xorshift32: cheap, and the same sequence in the unit tests. */
static u32 xb_swc_rnd(struct xb_swc *swc)
{
	u32 x = swc->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	swc->rnd = x;
	return x;
}

static void xb_swc_period_begin(struct xb_swc *swc, u64 now)
{
	u64 span = swc->period_ns / XB_SWC_JITTER_DIV;
	u64 target;

	/* span < 2^32 for any period the module accepts (<= 1 s). */
	swc->len_ns = swc->period_ns;
	if (swc->jitter && span && span < 0x100000000ULL)
		swc->len_ns -= (u64)xb_swc_rnd(swc) * span >> 32;
	target = xb_swc_target(swc->len_ns, swc->eff_cap_pm);
	swc->period_start = now;
	swc->off_ns = 0;
	swc->steal_ns = 0;
	swc->held_ns = 0;
	swc->halt_ns = 0;
	swc->idle_ns = 0;
	if (!target)
		swc->debt_ns = 0;	/* nothing reserved, nothing owed */
	target += swc->debt_ns;
	swc->target_off_ns = target < swc->len_ns ? target : swc->len_ns;
	swc->wc = !swc->target_off_ns;
}

/*
 * Carry this period's run time beyond the cap (in force during it) over
 * to the next ones, or what is left of it after paying earlier debt.
 */
static void xb_swc_settle(struct xb_swc *swc, u64 now)
{
	u64 len, run, allowed, max;

	if (!swc->target_off_ns)
		return;
	len = now > swc->period_start ? now - swc->period_start : 0;
	run = len > swc->off_ns ? len - swc->off_ns : 0;
	/* The complement of the target: no debt from rounding alone. */
	allowed = len - xb_swc_target(len, swc->eff_cap_pm);
	swc->debt_ns += run;
	swc->debt_ns = swc->debt_ns > allowed ? swc->debt_ns - allowed : 0;
	max = swc->period_ns / XB_SWC_CAP_FULL * swc->eff_cap_pm *
	      XB_SWC_DEBT_PERIODS;
	if (swc->debt_ns > max)
		swc->debt_ns = max;
}

/**
 * xb_swc_hold_left() - how much longer the balloon may hold the vCPU
 * @swc: state of the vCPU
 * @now: current time (ns)
 *
 * Return: time left before XB_SWC_HOLD_MAX_PM of the current period has
 * passed; 0 from then on, until the next period.
 */
u64 xb_swc_hold_left(const struct xb_swc *swc, u64 now)
{
	u64 until = swc->period_start +
		    swc->len_ns / XB_SWC_CAP_FULL * XB_SWC_HOLD_MAX_PM;

	return now < until ? until - now : 0;
}

/**
 * xb_swc_resume() - start a new period now, after a gap with no balloon
 * @swc: state, set up by xb_swc_init()
 * @now: current time (ns)
 *
 * The cap in use, what was learned and the run time owed are kept; the
 * time since the last period end is neither reserve nor run time owed.
 */
void xb_swc_resume(struct xb_swc *swc, u64 now)
{
	xb_swc_period_begin(swc, now);
}

/*
 * (Re)start the learner from the hint, parks shorter than our period
 * being a refill grid's, and open a period with the cap it gives.
 */
static void xb_swc_learn_from(struct xb_swc *swc, bool can_learn, u64 now)
{
	xb_learn_init(&swc->learn, swc->cap_pm, can_learn, now);
	swc->learn.short_ns = swc->period_ns;
	swc->eff_cap_pm = xb_learn_cap(&swc->learn);
	xb_swc_period_begin(swc, now);
}

/**
 * xb_swc_init() - start reserving
 * @swc: state to initialise
 * @period_ns: accounting period; must not be 0
 * @cap_pm: cap in per mille of one CPU, a hint; 0 learns it, 1000 means
 *	no cap (until throttling shows one)
 * @now: current time (ns)
 * @jitter: vary the periods' lengths (see above); false for the unit
 *	tests' exact arithmetic
 */
void xb_swc_init(struct xb_swc *swc, u64 period_ns, u32 cap_pm, u64 now,
		 bool jitter)
{
	*swc = (struct xb_swc){
		.period_ns = period_ns,
		.cap_pm = cap_pm < XB_SWC_CAP_FULL ? cap_pm : XB_SWC_CAP_FULL,
		.jitter = jitter,
		/* Any seed but 0; per CPU, the start times differ. */
		.rnd = (u32)(now ^ now >> 32) | 1,
	};
	xb_swc_learn_from(swc, true, now);
}

/**
 * xb_swc_cannot_learn() - nothing reports steal: use the hint as told
 * @swc: state, just set up by xb_swc_init()
 */
void xb_swc_cannot_learn(struct xb_swc *swc)
{
	xb_swc_learn_from(swc, false, swc->period_start);
}

/*
 * Met within XB_SWC_SLACK_NS is met: the budget timer that ends a halt
 * fires up to Xen's timer slop (50 us) early, and another halt for the
 * last microseconds costs a whole wake-up cycle. What is missing is owed
 * to the next period like any other overrun.
 */
static bool xb_swc_add_off(struct xb_swc *swc, u64 ns)
{
	swc->off_ns += ns;
	if (swc->wc || swc->off_ns + XB_SWC_SLACK_NS < swc->target_off_ns)
		return false;
	swc->wc = true;
	return true;
}

/**
 * xb_swc_add_halt() - account time the vCPU was halted
 * @swc: state of the vCPU
 * @ns: halted time, up to the entry of the interrupt that ended it
 *
 * Return: true if this switched the period to WC.
 */
bool xb_swc_add_halt(struct xb_swc *swc, u64 ns)
{
	swc->halt_ns += ns;
	return xb_swc_add_off(swc, ns);
}

/**
 * xb_swc_add_steal() - account time the hypervisor kept the vCPU off
 * @swc: state of the vCPU
 * @ns: steal time
 *
 * Return: true if this switched the period to WC.
 */
bool xb_swc_add_steal(struct xb_swc *swc, u64 ns)
{
	swc->steal_ns += ns;
	return xb_swc_add_off(swc, ns);
}

/**
 * xb_swc_add_held() - account steal the vCPU spent runnable, held off
 * @swc: state of the vCPU
 * @ns: the time (Xen's runstate: runnable)
 *
 * Steal, and with no cap at all, throttling: beside a busy neighbour on
 * its pCPU the vCPU is held off once it has run its share, and loses the
 * scheduler's wake-up preference for its I/O. Keeping it under that share
 * is what keeps its wake-ups preferred, so the share is learned like a
 * cap: xb_swc_period_end() adds this to the period's throttling once it is
 * XB_SWC_HELD_PM of the period, in a period the vCPU blocked for less than
 * that (xb_swc_held_is_share()). Below that it is a context switch's rate
 * limit (credit1 made a vCPU alone on its pCPU wait 1-2 ms in most periods
 * beside a busy dom0), not a share.
 *
 * Return: true if this switched the period to WC.
 */
bool xb_swc_add_held(struct xb_swc *swc, u64 ns)
{
	swc->held_ns += ns;
	return xb_swc_add_steal(swc, ns);
}

/**
 * xb_swc_add_gap() - account time the vCPU was held off, as estimated
 * @swc: state of the vCPU
 * @ns: the gap (a timer that fired that late), where nothing reports steal
 *
 * Off-CPU time like steal, but an estimate from timing alone: an emulator
 * that runs two vCPUs on one thread, or a loaded host, makes gaps too.
 * Only gaps above the slack count, and the cap is learned from them like
 * from steal (passed as throttling to xb_swc_period_end()).
 *
 * Return: true if this switched the period to WC.
 */
bool xb_swc_add_gap(struct xb_swc *swc, u64 ns)
{
	return xb_swc_add_off(swc, ns);
}

/**
 * xb_swc_add_idle() - account idle time of the CPU, as the kernel saw it
 * @swc: state of the vCPU
 * @ns: idle time the balloon did not hold (the idle task's halts)
 *
 * Not off-CPU time for the reservation (an idle task may have halted
 * through a poll that the hypervisor charged), but where only the
 * balloon's halts are seen (everywhere but Xen), the idle task's halts
 * would otherwise count as run time when the cap is learned.
 */
void xb_swc_add_idle(struct xb_swc *swc, u64 ns)
{
	swc->idle_ns += ns;
}

/**
 * xb_swc_off_needed() - off-CPU time still to reserve in this period
 * @swc: state of the vCPU
 *
 * Return: 0 once WC, else how long the balloon should still hold the vCPU,
 * so that it can arm a timer to stop halting the moment the target is met.
 */
u64 xb_swc_off_needed(const struct xb_swc *swc)
{
	if (swc->wc)
		return 0;
	return swc->target_off_ns - swc->off_ns;
}

/*
 * A throttled period holds either a short park (less than the period:
 * parked until the next refill) or part of a long one (credit1's, 29-149 ms
 * in every recorded trace, are seen as one late period throttled longer
 * than a period). Enough short ones with no long one show a refill grid.
 * Throttling below @limit_ns is too short to tell.
 */
static void xb_swc_grid_period(struct xb_swc *swc, u64 throttled_ns,
			       u64 limit_ns, u64 len_ns)
{
	if (throttled_ns >= swc->period_ns) {
		swc->grid_parks = 0;
		swc->grid_whole = false;
	} else if (throttled_ns > limit_ns && swc->jitter) {
		/*
		 * A jittered period throttled whole is shorter than the
		 * longest one, yet part of a long park (a shared pCPU's
		 * 30 ms time slices): that ends the jitter all the same,
		 * but the learner is not told of a grid (below).
		 */
		swc->grid_whole |= throttled_ns >= len_ns;
		if (++swc->grid_parks < XB_SWC_GRID_PARKS)
			return;
		swc->jitter = false;
		/*
		 * Those parks were the jitter's, not a sign that the
		 * estimate is high: the margin they taught goes (credit2,
		 * cap 50: it stayed at 8-9 % for the rest of the run).
		 */
		xb_learn_forget_margin(&swc->learn);
		/*
		 * A grid refills within every period: each park is over
		 * by the end of its period, which the learner's probes use.
		 */
		swc->learn.grid = !swc->grid_whole;
	}
}

/*
 * Time held off runnable shows the share only where the vCPU wanted the
 * pCPU for the whole period: long enough to be a neighbour's slice, not a
 * context switch's rate limit (XB_SWC_HELD_PM), and in a period the vCPU
 * did not block for a good part of (XB_SWC_HELD_PM: halted by the balloon
 * or idle). A vCPU that blocks gives its pCPU away, and credit2 then lets
 * the neighbour keep it for up to its whole time slice (csched2_runtime():
 * up to 10 ms, the rate limit's 1 ms at least) whatever the vCPU used:
 * beside a busy neighbour the I/O-only guest, 92 % idle, was runnable 44-
 * 55 % of the time, and the balloon's own halts did the same to it. Read
 * as a share, that drove the share in use down to 54 (of 500) and starved
 * the hog. A vCPU held off over its share still shows: its period
 * stretches by the neighbour's slice, which outweighs what it blocked.
 */
static bool xb_swc_held_is_share(const struct xb_swc *swc, u64 len)
{
	u64 blocked = swc->halt_ns + swc->idle_ns;

	return swc->held_ns >= swc->len_ns / XB_SWC_CAP_FULL * XB_SWC_HELD_PM &&
	       blocked < len / XB_SWC_CAP_FULL * XB_SWC_HELD_PM;
}

/**
 * xb_swc_period_end() - close the period, adapt the cap, open the next one
 * @swc: state of the vCPU
 * @now: current time (ns), the start of the next period
 * @reserving: a balloon was holding the vCPU in this period
 * @throttled_ns: how long the hypervisor parked the vCPU in this period
 *	for exceeding its cap (a share of the steal); the time it held the
 *	vCPU off runnable (xb_swc_add_held()) is added once it is
 *	XB_SWC_HELD_PM of the period
 */
void xb_swc_period_end(struct xb_swc *swc, u64 now, bool reserving,
		       u64 throttled_ns)
{
	u64 limit_ns = swc->period_ns / XB_SWC_CAP_FULL * XB_SWC_THROTTLE_PM;
	u64 len = now > swc->period_start ? now - swc->period_start : 0;
	u64 off = swc->off_ns + swc->idle_ns;

	if (xb_swc_held_is_share(swc, len))
		throttled_ns += swc->held_ns;
	xb_swc_settle(swc, now);
	swc->throttled = reserving && swc->target_off_ns &&
			 throttled_ns > limit_ns;
	xb_swc_grid_period(swc, throttled_ns, limit_ns, len);
	xb_learn_period(&swc->learn, now, len, len > off ? len - off : 0,
			throttled_ns);
	swc->eff_cap_pm = xb_learn_cap(&swc->learn);
	xb_swc_period_begin(swc, now);
}
