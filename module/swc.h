/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swc.h - the semi-work-conserving reservation of one vCPU, as pure policy.
 */
#ifndef _XB_SWC_H
#define _XB_SWC_H

#include "xb_types.h"
#include "learn.h"

/* Caps are in per mille of one CPU: 500 is the slides' "cap 50". */
#define XB_SWC_CAP_FULL		1000
/* Parking above this share of a period, while reserving, is throttling. */
#define XB_SWC_THROTTLE_PM	20
/* Run time owed is carried over at most this many periods' share. */
#define XB_SWC_DEBT_PERIODS	3
/* Off-CPU time this close to the target meets it (see xb_swc_add_off()). */
#define XB_SWC_SLACK_NS		100000ULL
/* Each period lasts between P - P / XB_SWC_JITTER_DIV and P. */
#define XB_SWC_JITTER_DIV	4
/*
 * Time held off runnable (Xen: a busy neighbour on our pCPU) counts as
 * throttling only from this share of a period (per mille): a vCPU alone on
 * its pCPU waits out a context switch's rate limit (1-2 ms) now and then.
 * Nor in a period the vCPU was blocked for this share of: it gave the pCPU
 * away and waited for it back, which is not its share (swc.c).
 */
#define XB_SWC_HELD_PM		250
/* Periods with a short park, none long, that show a refill grid (swc.c). */
#define XB_SWC_GRID_PARKS	4
/*
 * The balloon holds the vCPU for at most this share of a period (per
 * mille), whatever the reserve: a SCHED_FIFO balloon that held a whole
 * second would meet the kernel's RT throttling (95 %), and a reserve that
 * could not be met by then is owed to the next periods anyway.
 */
#define XB_SWC_HOLD_MAX_PM	900

/**
 * struct xb_swc - reservation state of one vCPU
 * @period_ns: accounting period, the longest one
 * @len_ns: length of the current period, at most @period_ns (jittered)
 * @jitter: periods have pseudo-random lengths; else exactly @period_ns
 *	(cleared for good once throttling shows a refill grid)
 * @rnd: state of the jitter's pseudo-random sequence, never 0
 * @cap_pm: configured cap, a hint; 0 to learn it from steal alone
 * @eff_cap_pm: cap in use: what @learn makes of the hint and the steal
 * @learn: the cap learned from throttling (learn.c)
 * @debt_ns: run time beyond the cap in earlier periods, not yet made up:
 *	reserved on top of this period's share
 * @period_start: start of the current period (ns)
 * @off_ns: off-CPU time in the current period: halts and steal
 * @steal_ns: steal (involuntary off-CPU) in the current period
 * @held_ns: of it, held off runnable (xb_swc_add_held())
 * @halt_ns: halted (voluntary off-CPU) time in the current period
 * @idle_ns: idle time of the CPU in the current period that the balloon
 *	did not hold, as the kernel accounts it (0 if unknown)
 * @target_off_ns: off-CPU time after which the rest of the period may run
 *	in full without exceeding the cap
 * @wc: the target is met (or there is nothing to reserve): work-conserving
 *	until the period ends
 * @throttled: the last period ended with throttling
 * @grid_parks: periods with a park shorter than a period since the last
 *	longer one
 * @grid_whole: one of them was throttled whole (jittered short)
 */
struct xb_swc {
	u64 period_ns;
	u64 len_ns;
	bool jitter;
	u32 rnd;
	u32 cap_pm;
	u32 eff_cap_pm;
	struct xb_learn learn;
	u64 debt_ns;
	u64 period_start;
	u64 off_ns;
	u64 steal_ns;
	u64 held_ns;
	u64 halt_ns;
	u64 idle_ns;
	u64 target_off_ns;
	bool wc;
	bool throttled;
	u32 grid_parks;
	bool grid_whole;
};

void xb_swc_init(struct xb_swc *swc, u64 period_ns, u32 cap_pm, u64 now,
		 bool jitter);
void xb_swc_cannot_learn(struct xb_swc *swc);
bool xb_swc_add_halt(struct xb_swc *swc, u64 ns);
bool xb_swc_add_steal(struct xb_swc *swc, u64 ns);
bool xb_swc_add_held(struct xb_swc *swc, u64 ns);
bool xb_swc_add_gap(struct xb_swc *swc, u64 ns);
void xb_swc_add_idle(struct xb_swc *swc, u64 ns);
u64 xb_swc_off_needed(const struct xb_swc *swc);
void xb_swc_resume(struct xb_swc *swc, u64 now);
u64 xb_swc_hold_left(const struct xb_swc *swc, u64 now);
void xb_swc_period_end(struct xb_swc *swc, u64 now, bool reserving,
		       u64 throttled_ns);

#endif /* _XB_SWC_H */
