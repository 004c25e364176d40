/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swc.h - the semi-work-conserving reservation of one vCPU, as pure policy.
 */
#ifndef _XB_SWC_H
#define _XB_SWC_H

#include "xb_types.h"

/* Caps are in per mille of one CPU: 500 is the slides' "cap 50". */
#define XB_SWC_CAP_FULL		1000
/* The least cap learned from steal (the UAPI's XB_CAP_PM_MIN). */
#define XB_SWC_CAP_MIN_PM	10
/* The adapted cap never goes below this share of the configured one. */
#define XB_SWC_CAP_FLOOR_PM	500
/* Parking above this share of a period, while reserving, is throttling. */
#define XB_SWC_THROTTLE_PM	20
/*
 * After a cut of the cap, throttling within this long is the same
 * episode: Xen's credit1 releases a parked vCPU only 2-3 of its 30 ms
 * accounting periods later, so one park spans several of our periods.
 */
#define XB_SWC_HOLDOFF_NS	100000000ULL
/* Run time owed is carried over at most this many periods' share. */
#define XB_SWC_DEBT_PERIODS	3
/* Off-CPU time this close to the target meets it (see xb_swc_add_off()). */
#define XB_SWC_SLACK_NS		100000ULL
/* Each period lasts between P - P / XB_SWC_JITTER_DIV and P. */
#define XB_SWC_JITTER_DIV	4
/* Quiet periods in a row before the adapted cap creeps back up. */
#define XB_SWC_QUIET_PERIODS	8
/* How far it creeps each time (per mille of one CPU). */
#define XB_SWC_RECOVER_PM	5
/* Busy periods that must agree before a learned cap is used. */
#define XB_SWC_LEARN_PERIODS	4
/* A period with less halted time than this (per mille) was fully busy. */
#define XB_SWC_BUSY_HALT_PM	20

/**
 * struct xb_swc - reservation state of one vCPU
 * @period_ns: accounting period, the longest one
 * @len_ns: length of the current period, at most @period_ns (jittered)
 * @jitter: periods have pseudo-random lengths; else exactly @period_ns
 * @rnd: state of the jitter's pseudo-random sequence, never 0
 * @cap_pm: configured cap, or 0 to learn it from steal
 * @eff_cap_pm: cap in use after adaptation; 0 while it is being learned
 * @learned_pm: cap estimated from busy periods (EWMA), when learning
 * @learn_samples: busy periods seen while learning
 * @quiet: periods in a row without throttling
 * @last_cut: when the cap in use was last lowered (ns); 0 never
 * @debt_ns: run time beyond the cap in earlier periods, not yet made up:
 *	reserved on top of this period's share
 * @period_start: start of the current period (ns)
 * @off_ns: off-CPU time in the current period: halts and steal
 * @steal_ns: steal (involuntary off-CPU) in the current period
 * @halt_ns: halted (voluntary off-CPU) time in the current period
 * @target_off_ns: off-CPU time after which the rest of the period may run
 *	in full without exceeding the cap
 * @wc: the target is met (or there is nothing to reserve): work-conserving
 *	until the period ends
 * @throttled: the last period ended with throttling
 */
struct xb_swc {
	u64 period_ns;
	u64 len_ns;
	bool jitter;
	u32 rnd;
	u32 cap_pm;
	u32 eff_cap_pm;
	u32 learned_pm;
	u32 learn_samples;
	u32 quiet;
	u64 last_cut;
	u64 debt_ns;
	u64 period_start;
	u64 off_ns;
	u64 steal_ns;
	u64 halt_ns;
	u64 target_off_ns;
	bool wc;
	bool throttled;
};

void xb_swc_init(struct xb_swc *swc, u64 period_ns, u32 cap_pm, u64 now,
		 bool jitter);
bool xb_swc_add_halt(struct xb_swc *swc, u64 ns);
bool xb_swc_add_steal(struct xb_swc *swc, u64 ns);
bool xb_swc_add_gap(struct xb_swc *swc, u64 ns);
u64 xb_swc_off_needed(const struct xb_swc *swc);
void xb_swc_period_end(struct xb_swc *swc, u64 now, bool reserving,
		       u64 throttled_ns);

#endif /* _XB_SWC_H */
