/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place where kernel-version differences live.
 *
 * Kbuild probes the target kernel's headers (xb_has) and defines XB_HAVE_*
 * for each capability it finds; this header, force-included into every
 * file, maps each capability to the one spelling the mechanism files use.
 * There is no LINUX_VERSION_CODE anywhere: distributions backport, so we
 * test for the feature, not for the version.
 *
 * Entries are added here, with their probe in Kbuild, as the mechanisms
 * need them.
 */
#ifndef _XB_COMPAT_H
#define _XB_COMPAT_H

/*
 * hrtimer_setup() (6.13) sets the callback with the clock and mode, and
 * hrtimer_init() is gone from 6.15. Both Debian kernels (6.1, 6.12) have
 * only hrtimer_init(): give them hrtimer_setup().
 */
#ifndef XB_HAVE_HRTIMER_SETUP
#include <linux/hrtimer.h>

static inline void
hrtimer_setup(struct hrtimer *timer,
	      enum hrtimer_restart (*function)(struct hrtimer *),
	      clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * The sched_stat_runtime tracepoint passed the entity's vruntime until 6.8;
 * a probe's prototype must match the tracepoint's.
 */
#ifdef XB_HAVE_STAT_RUNTIME_VRUNTIME
#define XB_STAT_RUNTIME_ARGS struct task_struct *tsk, u64 runtime, u64 vruntime
#else
#define XB_STAT_RUNTIME_ARGS struct task_struct *tsk, u64 runtime
#endif

/*
 * EEVDF (6.6) picks by eligibility and virtual deadline = vruntime at the
 * request + slice, and places waking tasks at the average vruntime, which
 * counts the running entity's own: vclock.c gives vruntime back at once
 * there. CFS places them from min_vruntime, which only goes forward:
 * vclock.c gives it back when the task sleeps. XB_SCHED_EEVDF tells which.
 */
#include <linux/sched.h>

#ifdef XB_HAVE_SE_DEADLINE
#define XB_SCHED_EEVDF	1

static inline u64 xb_se_slice(const struct sched_entity *se)
{
	return se->slice;
}

static inline u64 xb_se_deadline(const struct sched_entity *se)
{
	return se->deadline;
}

/*
 * Move a deadline back by @delta. With RUN_TO_PARITY, 6.6 to 6.16 keep a
 * copy of the deadline the entity was picked with in vlag (unused until
 * dequeue) and protect its slice while the two are equal: the copy moves
 * with the deadline, or the protection would end. Later kernels keep a
 * protected vruntime (vprot) instead, measured against vruntime, which
 * vclock.c moves with the charge: it stays.
 */
static inline void xb_se_move_deadline(struct sched_entity *se, u64 delta)
{
#ifndef XB_HAVE_SE_VPROT
	if (se->vlag == (s64)se->deadline)
		se->vlag -= delta;
#endif
	se->deadline -= delta;
}

/* A placed entity's deadline, with its vruntime (credit.c). */
static inline void xb_se_shift_deadline(struct sched_entity *se, u64 delta)
{
	se->deadline -= delta;
}
#else
#define XB_SCHED_EEVDF	0

static inline u64 xb_se_slice(const struct sched_entity *se)
{
	return 0;
}

static inline u64 xb_se_deadline(const struct sched_entity *se)
{
	return 0;
}

static inline void xb_se_move_deadline(struct sched_entity *se, u64 delta)
{
}

static inline void xb_se_shift_deadline(struct sched_entity *se, u64 delta)
{
}
#endif

/*
 * The 64-bit MSR accessors were renamed from rdmsrl_safe()/wrmsrl_safe()
 * to rdmsrq_safe()/wrmsrq_safe() in 6.16, with no old spelling left.
 */
#ifdef XB_HAVE_RDMSRQ
#define xb_rdmsr_safe(msr, p)	rdmsrq_safe(msr, p)
#define xb_wrmsr_safe(msr, v)	wrmsrq_safe(msr, v)
#else
#define xb_rdmsr_safe(msr, p)	rdmsrl_safe(msr, p)
#define xb_wrmsr_safe(msr, v)	wrmsrl_safe(msr, v)
#endif

#endif /* _XB_COMPAT_H */
