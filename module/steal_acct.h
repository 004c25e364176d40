/* SPDX-License-Identifier: GPL-2.0 */
/*
 * steal_acct.h - turn raw steal readings into a steal total that is safe to
 * charge against: monotonic, and never faster than wall time.
 */
#ifndef _XB_STEAL_ACCT_H
#define _XB_STEAL_ACCT_H

#include "xb_types.h"

/**
 * struct xb_steal_acct - steal bookkeeping of one CPU
 * @last_raw: raw source reading at the last update
 * @last_clock: wall clock (ns) at the last update
 * @backlog: steal reported by the source but not yet granted, because it
 *	arrived faster than wall time passed
 * @total: steal granted since xb_steal_acct_init()
 */
struct xb_steal_acct {
	u64 last_raw;
	u64 last_clock;
	u64 backlog;
	u64 total;
};

void xb_steal_acct_init(struct xb_steal_acct *acct, u64 raw, u64 clock);
u64 xb_steal_acct_update(struct xb_steal_acct *acct, u64 raw, u64 clock);

/**
 * struct xb_steal_slice - steal seen by the scheduler hook on one CPU
 * @last_raw: fast source's reading at the previous event
 * @fast_base: fast source's reading that stands for @seen = 0
 * @exact: exact source's reading for the next xb_steal_slice_take()
 * @exact_off: smallest exact - fast difference of two raw readings at the
 *	same event: the exact reading on the fast source's scale
 * @seen: steal revealed so far by either source (the later one of them)
 * @pending: revealed and not yet taken off a charge
 * @carry: revealed in the current slice, more than its charge then held:
 *	taken off the slice's next charges
 * @primed: @last_raw and @fast_base hold readings
 * @calibrated: @exact_off holds a difference
 * @has_exact: @exact holds a reading not counted yet
 */
struct xb_steal_slice {
	u64 last_raw;
	u64 fast_base;
	u64 exact;
	u64 exact_off;
	u64 seen;
	u64 pending;
	u64 carry;
	bool primed;
	bool calibrated;
	bool has_exact;
};

u64 xb_steal_slice_take(struct xb_steal_slice *sl, u64 raw, u64 runtime,
			u64 slice_ran);
void xb_steal_slice_exact(struct xb_steal_slice *sl, u64 exact);
void xb_steal_slice_reset(struct xb_steal_slice *sl);
u64 xb_steal_vruntime(u64 take, unsigned long weight);

#endif /* _XB_STEAL_ACCT_H */
