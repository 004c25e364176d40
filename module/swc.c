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
 * Control law. The guest cannot see every cost the host charges (an
 * emulator's own work, halt polling), so an open-loop cap overruns.
 * Throttling seen in a period while the balloon was reserving (Xen: time
 * offline, parked by the cap; elsewhere steal or timer gaps) means the
 * guest overran its real share: the cap in use drops by an eighth (multiplicative
 * decrease: a few periods reach any lower level). Every
 * XB_SWC_QUIET_PERIODS quiet periods it creeps back up by
 * XB_SWC_RECOVER_PM (additive increase: slow, so it hovers just under the
 * level where throttling starts). It never drops below half the
 * configured cap, so a burst of unrelated steal (a noisy neighbour) cannot
 * turn the balloon into a brake.
 *
 * Learning (cap 0). A fully busy vCPU under a cap sees steal / P close to
 * 1 - cap. Busy periods (almost no halts) give samples; after
 * XB_SWC_LEARN_PERIODS of them their EWMA becomes the cap. Until then the
 * balloon stays WC: reserving against an unknown cap could only hurt.
 */
#include "swc.h"

static u64 xb_swc_target(u64 period_ns, u32 cap_pm)
{
	if (!cap_pm || cap_pm >= XB_SWC_CAP_FULL)
		return 0;
	return period_ns / XB_SWC_CAP_FULL * (XB_SWC_CAP_FULL - cap_pm);
}

static void xb_swc_period_begin(struct xb_swc *swc, u64 now)
{
	swc->period_start = now;
	swc->off_ns = 0;
	swc->steal_ns = 0;
	swc->halt_ns = 0;
	swc->target_off_ns = xb_swc_target(swc->period_ns, swc->eff_cap_pm);
	swc->wc = !swc->target_off_ns;
}

/**
 * xb_swc_init() - start reserving
 * @swc: state to initialise
 * @period_ns: accounting period; must not be 0
 * @cap_pm: cap in per mille of one CPU; 0 learns it, 1000 means no cap
 * @now: current time (ns)
 */
void xb_swc_init(struct xb_swc *swc, u64 period_ns, u32 cap_pm, u64 now)
{
	*swc = (struct xb_swc){
		.period_ns = period_ns,
		.cap_pm = cap_pm < XB_SWC_CAP_FULL ? cap_pm : XB_SWC_CAP_FULL,
	};
	swc->eff_cap_pm = swc->cap_pm;
	xb_swc_period_begin(swc, now);
}

static bool xb_swc_add_off(struct xb_swc *swc, u64 ns)
{
	swc->off_ns += ns;
	if (swc->wc || swc->off_ns < swc->target_off_ns)
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
 * xb_swc_add_gap() - account time the vCPU was held off, as estimated
 * @swc: state of the vCPU
 * @ns: the gap (a timer that fired that late), where nothing reports steal
 *
 * Off-CPU time like steal, but an estimate from timing alone: an emulator
 * that runs two vCPUs on one thread, or a loaded host, makes gaps too. It
 * is never used to learn the cap, which would then be learned from noise.
 *
 * Return: true if this switched the period to WC.
 */
bool xb_swc_add_gap(struct xb_swc *swc, u64 ns)
{
	return xb_swc_add_off(swc, ns);
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

static void xb_swc_learn(struct xb_swc *swc)
{
	u64 halt_limit = swc->period_ns / XB_SWC_CAP_FULL * XB_SWC_BUSY_HALT_PM;
	u64 steal_pm;
	u32 sample;

	if (swc->halt_ns > halt_limit)
		return;		/* not fully busy: steal says nothing */

	steal_pm = swc->steal_ns * XB_SWC_CAP_FULL / swc->period_ns;
	/* A cap this small would reserve nearly all: take it as the least. */
	sample = steal_pm + XB_SWC_CAP_MIN_PM >= XB_SWC_CAP_FULL ?
		 XB_SWC_CAP_MIN_PM : XB_SWC_CAP_FULL - steal_pm;
	if (!swc->learn_samples++)
		swc->learned_pm = sample;
	else
		swc->learned_pm = (7 * swc->learned_pm + sample) / 8;

	if (swc->learn_samples >= XB_SWC_LEARN_PERIODS)
		swc->eff_cap_pm = swc->learned_pm;
}

/**
 * xb_swc_period_end() - close the period, adapt the cap, open the next one
 * @swc: state of the vCPU
 * @now: current time (ns), the start of the next period
 * @reserving: a balloon was holding the vCPU in this period
 * @throttled_ns: how long the hypervisor parked the vCPU in this period
 *	for exceeding its cap (a share of the steal)
 */
void xb_swc_period_end(struct xb_swc *swc, u64 now, bool reserving,
		       u64 throttled_ns)
{
	u64 limit_ns = swc->period_ns / XB_SWC_CAP_FULL * XB_SWC_THROTTLE_PM;
	u32 base = swc->cap_pm ? swc->cap_pm : swc->learned_pm;
	u32 floor = base * XB_SWC_CAP_FLOOR_PM / XB_SWC_CAP_FULL;

	if (!swc->cap_pm && !swc->eff_cap_pm) {
		xb_swc_learn(swc);
	} else if (reserving && swc->target_off_ns &&
		   throttled_ns > limit_ns) {
		swc->throttled = true;
		swc->quiet = 0;
		swc->eff_cap_pm -= swc->eff_cap_pm / 8;
		if (swc->eff_cap_pm < floor)
			swc->eff_cap_pm = floor;
	} else {
		swc->throttled = false;
		if (++swc->quiet >= XB_SWC_QUIET_PERIODS) {
			swc->quiet = 0;
			swc->eff_cap_pm += XB_SWC_RECOVER_PM;
			if (swc->eff_cap_pm > base)
				swc->eff_cap_pm = base;
		}
	}
	xb_swc_period_begin(swc, now);
}
