// SPDX-License-Identifier: GPL-2.0
/*
 * steal_acct.c - steal bookkeeping, pure: no kernel headers, so the unit
 * tests build this very file in user space (tests/unit/).
 *
 * Sources differ in how they report. Xen's runstate and KVM's steal area
 * are exact, but kcpustat is updated at the tick in bulk, so two reads a
 * few microseconds apart can see a whole tick of steal appear. A source can
 * also restart from a lower value (a vCPU re-registered after hotplug).
 * Whoever charges steal against tasks or budgets needs neither surprise:
 * the total here only grows, and never by more than the wall time that
 * passed. Steal that arrives early waits in a backlog and is granted as
 * wall time allows, so nothing is lost.
 */
#include "steal_acct.h"

/**
 * xb_steal_acct_init() - start counting from a raw reading
 * @acct: bookkeeping to reset
 * @raw: current raw reading of the source (ns)
 * @clock: current wall clock (ns)
 */
void xb_steal_acct_init(struct xb_steal_acct *acct, u64 raw, u64 clock)
{
	acct->last_raw = raw;
	acct->last_clock = clock;
	acct->backlog = 0;
	acct->total = 0;
}

/**
 * xb_steal_acct_update() - account a new raw reading
 * @acct: bookkeeping of the CPU the reading belongs to
 * @raw: raw reading of the source (ns)
 * @clock: wall clock at the reading (ns)
 *
 * Return: steal granted since init, monotonic, and growing by no more than
 * @clock grew since the previous update.
 */
u64 xb_steal_acct_update(struct xb_steal_acct *acct, u64 raw, u64 clock)
{
	u64 wall = 0, grant;

	/* A source that went backwards restarted: rebase, count nothing. */
	if (raw >= acct->last_raw)
		acct->backlog += raw - acct->last_raw;
	acct->last_raw = raw;

	/* Readers on other CPUs may pass a slightly older clock. */
	if (clock > acct->last_clock) {
		wall = clock - acct->last_clock;
		acct->last_clock = clock;
	}

	grant = acct->backlog < wall ? acct->backlog : wall;
	acct->backlog -= grant;
	acct->total += grant;
	return acct->total;
}

/*
 * Two sources count the same steal: a fast one read at every scheduler
 * event (Xen: kcpustat, which the kernel brings up to date only at its
 * tick) and, now and then, an exact one (Xen's runstate, a hypercall).
 * The fast one is kept relative to a base, so that it counts from the
 * slice's zero; the exact one is put on the same scale by the offset
 * between the two raw readings, measured whenever both are read at the
 * same event. The fast source only ever lags (by the steal since the last
 * tick), so that offset is at its smallest, and right, when the fast
 * source is up to date: the smallest one measured is kept, and until it is
 * right the exact source shows a little less than it could, never more.
 * Whichever source shows more has revealed that much, and the other
 * catching up later reveals nothing twice.
 *
 * Basing the exact source on what had been revealed when it was first
 * read instead (the first version) went wrong both ways: read after a
 * steal that the fast source had not shown yet, it stayed that steal
 * behind for good and revealed no later gap shorter than it; read after
 * a reset that kept its base, it jumped ahead by all the steal of the
 * time in between, and the fast source revealed nothing until it had
 * caught up that much (Xen credit2: about a fifth of the steal charged).
 */
static void xb_steal_slice_reveal(struct xb_steal_slice *sl, u64 total)
{
	if ((long long)(total - sl->seen) <= 0)
		return;
	sl->pending += total - sl->seen;
	sl->seen = total;
}

/* Put the exact reading of this event on the fast source's scale. */
static void xb_steal_slice_calibrate(struct xb_steal_slice *sl, u64 raw)
{
	u64 off = sl->exact - raw;

	sl->has_exact = false;
	/* Smaller: the fast source lagged less (or the exact one restarted). */
	if (!sl->calibrated || (long long)(off - sl->exact_off) < 0) {
		sl->exact_off = off;
		sl->calibrated = true;
	}
	xb_steal_slice_reveal(sl, sl->exact - sl->exact_off - sl->fast_base);
}

/**
 * xb_steal_slice_take() - how much of a charge was stolen time
 * @sl: the CPU's hook state
 * @raw: the fast source's raw steal of the CPU now
 * @runtime: run time the scheduler just charged to the running task
 * @slice_ran: run time charged to it since it was last picked
 *
 * The steal revealed since the previous scheduler event (by @raw, and by
 * an exact reading given to xb_steal_slice_exact() just before) fell
 * inside the time just charged, as far as it fits: a task is never
 * credited more than this charge, nor more than its current slice (the
 * scheduler measures slices as sum_exec_runtime - prev_sum_exec_runtime,
 * which must not go negative).
 *
 * What does not fit a charge later in a slice is carried, as far as the
 * slice has run, and taken off the slice's next charges: a source may
 * reveal steal after the charge that paid for it (the gap estimate sees a
 * hold inside the tick's handler only when the re-armed tick comes late,
 * after the tick charged the task; kcpustat is brought up to date only at
 * the tick). Taking it at once instead would make sum_exec_runtime go
 * back, which readers of a task's CPU time do not expect. What does not
 * fit the first charge of a slice was not this task's (steal while the
 * CPU idled, or while another task ran): dropped, and so is a carry when a
 * new slice starts.
 *
 * Return: nanoseconds to take off the charge.
 */
u64 xb_steal_slice_take(struct xb_steal_slice *sl, u64 raw, u64 runtime,
			u64 slice_ran)
{
	u64 owed, take;

	/* The first charge of a slice: what was carried was the last one's. */
	if (runtime >= slice_ran)
		sl->carry = 0;
	if (!sl->primed || raw < sl->last_raw) {
		/*
		 * First reading, or the source restarted: rebase, reveal
		 * nothing; the exact source's offset to it is measured anew.
		 */
		sl->fast_base = raw - sl->seen;
		sl->last_raw = raw;
		sl->primed = true;
		sl->calibrated = false;
		sl->carry = 0;
		if (sl->has_exact)
			xb_steal_slice_calibrate(sl, raw);
		return 0;
	}
	sl->last_raw = raw;
	if (sl->has_exact)
		xb_steal_slice_calibrate(sl, raw);
	xb_steal_slice_reveal(sl, raw - sl->fast_base);

	owed = sl->pending + sl->carry;
	take = owed < runtime ? owed : runtime;
	if (take > slice_ran)
		take = slice_ran;
	sl->pending = 0;
	sl->carry = owed - take < slice_ran - take ? owed - take :
						     slice_ran - take;
	return take;
}

/**
 * xb_steal_slice_exact() - an exact reading, before a long charge
 * @sl: the CPU's hook state
 * @exact: the exact source's raw steal of the CPU now
 *
 * A vCPU that comes back from a long steal often runs a timer that wakes a
 * task, and so charges the running task for the whole gap, before the
 * kernel's tick has brought the fast source up to date: only an exact
 * reading can take that gap off that charge. The reading counts at the
 * xb_steal_slice_take() of the same event, against the fast reading there.
 */
void xb_steal_slice_exact(struct xb_steal_slice *sl, u64 exact)
{
	sl->exact = exact;
	sl->has_exact = true;
}

/**
 * xb_steal_slice_reset() - forget all steal seen so far
 * @sl: the CPU's hook state
 *
 * For when steal starts counting again (the clock switched back on): what
 * fell while it was off is no one's, and the next event starts afresh from
 * both sources.
 */
void xb_steal_slice_reset(struct xb_steal_slice *sl)
{
	*sl = (struct xb_steal_slice){ 0 };
}

/* The scheduler's fixed-point unit: a nice-0 weight (NICE_0_LOAD, 64-bit). */
#define XB_NICE_0_SHIFT 20

/**
 * xb_steal_vruntime() - virtual run time of @take ns for a weight
 * @take: run time (ns)
 * @weight: the entity's load weight, scaled (se->load.weight)
 *
 * The inverse of what the scheduler added: calc_delta_fair().
 *
 * Return: vruntime to subtract.
 */
u64 xb_steal_vruntime(u64 take, unsigned long weight)
{
	/* A charge of more than 2^40 ns (18 min) would not fit: clamp. */
	if (take > (1ULL << 40))
		take = 1ULL << 40;
	if (!weight)
		return 0;
	return (take << XB_NICE_0_SHIFT) / weight;
}
