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
 * EEVDF (6.6) picks by virtual deadline = vruntime + slice; taking time off
 * vruntime must move the deadline with it, or the slice would grow.
 */
#include <linux/sched.h>

static inline void xb_se_shift_deadline(struct sched_entity *se, u64 delta)
{
#ifdef XB_HAVE_SE_DEADLINE
	se->deadline -= delta;
#endif
}

#endif /* _XB_COMPAT_H */
