// SPDX-License-Identifier: GPL-2.0
/*
 * vclock.c - charge tasks only for the time their vCPU ran.
 *
 * When the hypervisor deschedules a vCPU the guest's clock runs on, and the
 * task that was running is charged for the stolen time: its vruntime
 * dilates, and a light I/O task looks CPU-bound and loses its wake-up
 * priority. Linux subtracts steal itself with PARAVIRT_TIME_ACCOUNTING, but
 * Debian's kernels are built without it.
 *
 * We hook sched_stat_runtime, which update_curr() fires for the running
 * task right after charging it, with its runqueue locked: the one point
 * where the scheduler itself touches that entity and where it is not in the
 * run-queue tree. There the steal since the previous event (steal.c's fast
 * reading, and before a charge longer than a tick the exact one) comes off
 * what was just charged (steal_acct.c decides how much, as pure code):
 * sum_exec_runtime at once, and vruntime in the entity's own weight where
 * the scheduler lets us:
 *
 *  - EEVDF (6.6+) places a waking task at the queue's weighted average
 *    vruntime, which counts the running entity's current vruntime: taking
 *    time back off it at once is seen by the next placement and pick. The
 *    virtual deadline stays where the request began (the slice is served
 *    in run time, not in wall time), unless update_curr() has just renewed
 *    it from the inflated vruntime: then it moves back with the vruntime,
 *    and with it the copy RUN_TO_PARITY keeps of a protected deadline.
 *  - CFS (before 6.6) places a waking task from min_vruntime, which
 *    update_curr() has already advanced by the inflated vruntime and which
 *    never goes back. Lowering the running task's vruntime there would put
 *    every waking task behind it (a lone hog would no longer be preempted
 *    after a steal: the opposite of the goal), and min_vruntime is in a
 *    private structure. So on CFS a task's vruntime is given back when it
 *    goes to sleep (sched_switch, its runqueue locked, the task dequeued):
 *    from there place_entity() re-places it no earlier than the kernel's
 *    own sleeper credit allows, and min_vruntime never ran ahead of what it
 *    would have been without us. A task that never sleeps (a hog) keeps its
 *    vruntime as charged; its sum_exec_runtime is still right.
 *
 * With group scheduling the task's cgroup entities are charged too, each
 * by its own update_curr() and with no event of its own: their exec_start
 * moves forward by what the task was spared, so that their next charge
 * leaves the steal out (they are running, hence off their trees, too, and
 * vruntime never goes back: fine on CFS as well). A group entity charged
 * before the task's event (an enqueue at its level) has already paid for
 * part of the steal: the next charge gives it back, but exec_start never
 * passes the runqueue's clock, so what does not fit is dropped.
 *
 * A dynamic balloon (balloon.c) is not charged for its halts: its CPU's
 * interrupt-entry probe counts them, and this hook, on that CPU, takes them
 * off the balloon's charge with the steal, its vruntime at once on both
 * schedulers (the balloon gives way to every waking task anyway). The hook
 * is registered for that, vclock off or not, while a dynamic balloon is
 * attached.
 *
 * Steal a source reveals only after the charge that paid for it (the gap
 * estimate: a hold inside the tick's handler shows as the next tick coming
 * late) comes off the same slice's next charges, each at most what it
 * charged, so that sum_exec_runtime never goes back.
 *
 * Limits: steal that fell while the CPU idled is taken, up to its charge,
 * off the next task to run, and where the fast source lags (kcpustat, up
 * to a tick) steal of the task that ran before comes off the next task's
 * slice as far as that slice ran before the source showed it; a task
 * switched out before its carry is taken keeps it; CFS bandwidth
 * (cpu.max) and cgroup usage (cpu.stat) are charged before our event and
 * still include steal.
 *
 * On/off is registering the probes or not: when off the scheduler pays
 * nothing.
 */
#include <linux/cpumask.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/deadline.h>
#include <linux/sched/rt.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/tracepoint.h>

#include "xballoon.h"
#include "steal_acct.h"
#include "trace.h"

#define XB_VCLOCK_DEFAULT	true
/*
 * A charge longer than a tick (and an eighth, for the tick's own jitter)
 * spans a tick that came late, a gap the tick has not accounted yet: read
 * the exact source (Xen: a hypercall), not only the fast one. 1.5 ticks
 * missed most of credit2's 5 ms parks, charged by a timer before the tick.
 */
#define XB_VCLOCK_EXACT_NS	(TICK_NSEC * 9 / 8)
/* The hook's cost is sampled on one event in this many. */
#define XB_VCLOCK_SAMPLE	64

/**
 * struct xb_vclock_cpu - the hooks' state on one CPU
 * @slice: steal seen at the previous scheduler event
 * @slice_gen: the xb_vclock_gen that @slice was last primed under
 * @owed_task: CFS: the task whose vruntime is owed @owed_vruntime
 * @owed_vruntime: CFS: vruntime taken off @owed_task's charges, given back
 *	when it sleeps on this CPU
 * @uncharged_ns: steal taken off charges
 * @events: charges seen
 * @hook_ns: sampled cost of the hook, scaled to all events
 *
 * Touched only under the runqueue lock of this CPU. @owed_task is only
 * compared, never dereferenced: a task that left is just never matched.
 */
struct xb_vclock_cpu {
	struct xb_steal_slice slice;
	unsigned int slice_gen;
	struct task_struct *owed_task;
	u64 owed_vruntime;
	u64 uncharged_ns;
	u64 events;
	u64 hook_ns;
};

static DEFINE_PER_CPU(struct xb_vclock_cpu, xb_vclock_cpus);
static DEFINE_MUTEX(xb_vclock_mutex);
static struct tracepoint *xb_tp_stat_runtime;
static struct tracepoint *xb_tp_switch;
static bool xb_vclock_wanted = XB_VCLOCK_DEFAULT;
/* The runtime probe is registered; the switch probe too on CFS. */
static bool xb_vclock_registered;
/*
 * The two flags the probes read locklessly are u8, not bool: GCC with
 * UBSAN_BOOL instruments a READ_ONCE() of a _Bool as a plain load, which
 * KCSAN then reports against the WRITE_ONCE() under xb_vclock_mutex.
 *
 * Steal comes off charges (else the probe serves the balloon only).
 */
static u8 xb_vclock_steal_on;
/*
 * Bumped each time steal is switched on: a CPU whose slice is of an older
 * generation drops its readings and starts afresh. Each CPU does this
 * itself, under its runqueue lock; writing another CPU's slice from here
 * would race a probe that read xb_vclock_steal_on just before it went off.
 */
static unsigned int xb_vclock_gen;
/* A dynamic balloon is attached: the runtime probe takes its halts. */
static u8 xb_vclock_for_balloon;
static bool xb_vclock_ready;

/* CFS tasks only: RT and deadline tasks are charged by other means. */
static bool xb_task_is_fair(struct task_struct *tsk)
{
	return !rt_task(tsk) && !dl_task(tsk) &&
	       (tsk->policy == SCHED_NORMAL || tsk->policy == SCHED_BATCH ||
		tsk->policy == SCHED_IDLE);
}

/*
 * The task's ancestors are charged after it (update_curr() goes up level
 * by level: the tick, put_prev) or before it (an enqueue or a wake-up
 * check at their own level). Either way the interval from a group's
 * exec_start to now is charged to it next, so moving exec_start forward
 * takes @take off that charge, in the right total; only never past now
 * (the task's exec_start, which update_curr() just set to the runqueue's
 * task clock), or the group would run uncharged, or look asleep.
 */
static void xb_vclock_spare_groups(struct sched_entity *se, u64 take)
{
#ifdef CONFIG_FAIR_GROUP_SCHED
	u64 now = se->exec_start;

	for (se = se->parent; se; se = se->parent) {
		if ((s64)(now - se->exec_start) <= 0)
			continue;
		se->exec_start += min(take, now - se->exec_start);
	}
#endif
}

/*
 * EEVDF: the deadline a charge renewed came from the inflated vruntime.
 * update_deadline() set it to vruntime + calc_delta_fair(slice), which
 * rounds through the weight's inverse: compare within 1/256 of the slice.
 */
static bool xb_deadline_just_renewed(struct sched_entity *se, u64 vruntime)
{
	u64 vslice = xb_steal_vruntime(xb_se_slice(se), se->load.weight);
	s64 off = (s64)(xb_se_deadline(se) - vruntime - vslice);

	return XB_SCHED_EEVDF && abs(off) <= (s64)(vslice >> 8) + 1;
}

static void xb_vclock_give_vruntime(struct sched_entity *se, u64 vdelta)
{
	if (xb_deadline_just_renewed(se, se->vruntime))
		xb_se_move_deadline(se, vdelta);
	se->vruntime -= vdelta;
}

/* CFS: give a sleeping task back the vruntime its steal cost it. */
static void xb_probe_switch(void *data, bool preempt,
			    struct task_struct *prev, struct task_struct *next,
			    unsigned int prev_state)
{
	struct xb_vclock_cpu *vc = this_cpu_ptr(&xb_vclock_cpus);

	/* Still queued (preempted): it may sleep later on this CPU. */
	if (vc->owed_task != prev || READ_ONCE(prev->on_rq))
		return;
	if (xb_task_is_fair(prev) && !prev->se.on_rq)
		prev->se.vruntime -= vc->owed_vruntime;
	vc->owed_task = NULL;
	vc->owed_vruntime = 0;
}

static void xb_vclock_uncharge(struct task_struct *tsk, u64 runtime,
			       struct xb_vclock_cpu *vc)
{
	struct sched_entity *se = &tsk->se;
	unsigned int cpu = task_cpu(tsk);
	u64 slice_ran = se->sum_exec_runtime - se->prev_sum_exec_runtime;
	u64 raw, exact, take = 0, halted, vsteal;

	if (!xb_task_is_fair(tsk))
		return;
	if (READ_ONCE(xb_vclock_steal_on) && xb_steal_fast(cpu, &raw)) {
		unsigned int gen;
		bool reset = false, have_exact;

		smp_rmb();	/* pairs with xb_vclock_apply()'s smp_wmb() */
		gen = READ_ONCE(xb_vclock_gen);
		if (vc->slice_gen != gen) {
			vc->slice_gen = gen;
			/* Steal while off is no one's: drop it all. */
			xb_steal_slice_reset(&vc->slice);
			reset = true;
		}
		/* Uncalibrated: an exact reading puts it on the fast scale. */
		have_exact = (runtime > XB_VCLOCK_EXACT_NS ||
			      !vc->slice.calibrated) &&
			     xb_steal_exact(cpu, &exact);
		if (have_exact)
			xb_steal_slice_exact(&vc->slice, exact);
		take = xb_steal_slice_take(&vc->slice, raw, runtime,
					   slice_ran);
		/* A trace records both sources at every charge, read once. */
		if (trace_xballoon_vclock_enabled()) {
			if (!have_exact && !xb_steal_exact(cpu, &exact))
				exact = 0;
			trace_xballoon_vclock(cpu, runtime, slice_ran, raw,
					      exact, take, reset);
		}
	}
	/*
	 * Halts are not steal (blocked, not runnable): they add up, and may
	 * include what other CPUs charged mid-halt, but never exceed the
	 * slice's run time, which the scheduler needs non-negative.
	 */
	halted = min(xb_balloon_halt_owed(tsk, runtime), slice_ran - take);
	if (!take && !halted)
		return;

	/*
	 * Racy by design, as the scheduler's own update_curr() write: the
	 * runqueue lock serialises the writers, and /proc/<pid>/schedstat
	 * and friends read it without it (KCSAN, which does not instrument
	 * kernel/sched, saw only ours: proc_pid_schedstat / this function).
	 */
	data_race(se->sum_exec_runtime -= take + halted);
	vc->uncharged_ns += take;
	vsteal = xb_steal_vruntime(take, se->load.weight);
	if (XB_SCHED_EEVDF) {
		xb_vclock_give_vruntime(se, vsteal +
					xb_steal_vruntime(halted,
							  se->load.weight));
	} else {
		if (halted)
			xb_vclock_give_vruntime(se,
						xb_steal_vruntime(halted,
								  se->load.weight));
		if (vsteal) {
			if (vc->owed_task != tsk) {
				vc->owed_task = tsk;
				vc->owed_vruntime = 0;
			}
			vc->owed_vruntime += vsteal;
		}
	}
	xb_vclock_spare_groups(se, take + halted);
}

/* Context: update_curr(), the task's runqueue locked, interrupts off. */
static void xb_probe_stat_runtime(void *data, XB_STAT_RUNTIME_ARGS)
{
	struct xb_vclock_cpu *vc = per_cpu_ptr(&xb_vclock_cpus, task_cpu(tsk));
	u64 t0;

	if (vc->events++ % XB_VCLOCK_SAMPLE) {
		xb_vclock_uncharge(tsk, runtime, vc);
		return;
	}
	t0 = local_clock();
	xb_vclock_uncharge(tsk, runtime, vc);
	vc->hook_ns += (local_clock() - t0) * XB_VCLOCK_SAMPLE;
}

static bool xb_vclock_kernel_does_it(void)
{
	/* The kernel then takes steal out of every runqueue's task clock. */
	return IS_ENABLED(CONFIG_PARAVIRT_TIME_ACCOUNTING);
}

static bool xb_vclock_has_steal(void)
{
	unsigned int cpu;
	u64 raw;

	for_each_online_cpu(cpu)
		if (xb_steal_fast(cpu, &raw))
			return true;
	return false;
}

/* CFS only: the sleep that gives a task's vruntime back. */
static bool xb_vclock_uses_switch(void)
{
	return !XB_SCHED_EEVDF && xb_tp_switch;
}

static int xb_vclock_register(void)
{
	int ret;

	ret = tracepoint_probe_register(xb_tp_stat_runtime,
					xb_probe_stat_runtime, NULL);
	if (ret || !xb_vclock_uses_switch())
		return ret;
	/*
	 * Before fair credit's probe (credit.c), which records the vruntime
	 * a member sleeps with: it must see the vruntime given back.
	 */
	ret = tracepoint_probe_register_prio(xb_tp_switch, xb_probe_switch,
					     NULL, TRACEPOINT_DEFAULT_PRIO + 1);
	if (ret) {
		tracepoint_probe_unregister(xb_tp_stat_runtime,
					    xb_probe_stat_runtime, NULL);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

static int xb_vclock_unregister(void)
{
	int ret;

	ret = tracepoint_probe_unregister(xb_tp_stat_runtime,
					  xb_probe_stat_runtime, NULL);
	if (xb_vclock_uses_switch())
		tracepoint_probe_unregister(xb_tp_switch, xb_probe_switch,
					    NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

/* Make the probes' registration match what is wanted. */
static int xb_vclock_apply(void)
{
	bool steal, want;
	int ret = 0;

	lockdep_assert_held(&xb_vclock_mutex);
	/* Nothing reports steal (QEMU TCG, bare metal): no hook, no cost. */
	steal = xb_vclock_ready && xb_vclock_wanted && xb_tp_stat_runtime &&
		!xb_vclock_kernel_does_it() && xb_vclock_has_steal();
	want = steal ||
	       (xb_vclock_ready && xb_tp_stat_runtime && xb_vclock_for_balloon);
	/* Start every CPU from a fresh reading, not a stale one. */
	if (steal && !xb_vclock_steal_on) {
		WRITE_ONCE(xb_vclock_gen, xb_vclock_gen + 1);
		smp_wmb();	/* the new generation before steal_on */
	}
	WRITE_ONCE(xb_vclock_steal_on, steal);
	if (want == xb_vclock_registered)
		return 0;

	ret = want ? xb_vclock_register() : xb_vclock_unregister();
	if (!ret)
		xb_vclock_registered = want;
	else if (want)
		WRITE_ONCE(xb_vclock_steal_on, false);
	return ret;
}

/**
 * xb_vclock_balloon_hook() - a dynamic balloon is about to halt
 *
 * Its halts come off its charge in the runtime probe: register it, vclock
 * on or off, until xb_vclock_balloon_done(). Each call of a dynamic
 * balloon comes here, so a done() that raced an attach heals at once.
 *
 * Context: process, may sleep (not when already hooked).
 */
void xb_vclock_balloon_hook(void)
{
	if (READ_ONCE(xb_vclock_for_balloon))
		return;
	mutex_lock(&xb_vclock_mutex);
	WRITE_ONCE(xb_vclock_for_balloon, true);
	if (xb_vclock_apply())
		pr_warn_once("no runtime hook: a dynamic balloon is charged for its halts\n");
	mutex_unlock(&xb_vclock_mutex);
}

/**
 * xb_vclock_balloon_done() - no dynamic balloon is attached any more
 *
 * Context: process, may sleep.
 */
void xb_vclock_balloon_done(void)
{
	if (!READ_ONCE(xb_vclock_for_balloon))
		return;
	mutex_lock(&xb_vclock_mutex);
	WRITE_ONCE(xb_vclock_for_balloon, false);
	xb_vclock_apply();
	mutex_unlock(&xb_vclock_mutex);
}

static int xb_vclock_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	if (xb_param_strict_bool(val, &on))
		return -EINVAL;
	mutex_lock(&xb_vclock_mutex);
	xb_vclock_wanted = on;
	ret = xb_vclock_apply();
	mutex_unlock(&xb_vclock_mutex);
	return ret;
}

/* Under the mutex that XB_IOC_VCLOCK writes it under, not only sysfs's. */
static int xb_vclock_param_get(char *buf, const struct kernel_param *kp)
{
	bool on;

	mutex_lock(&xb_vclock_mutex);
	on = xb_vclock_wanted;
	mutex_unlock(&xb_vclock_mutex);
	return sysfs_emit(buf, "%c\n", on ? 'Y' : 'N');
}

static const struct kernel_param_ops xb_vclock_param_ops = {
	.set = xb_vclock_param_set,
	.get = xb_vclock_param_get,
};

module_param_cb(vclock, &xb_vclock_param_ops, &xb_vclock_wanted, 0644);
MODULE_PARM_DESC(vclock,
		 "Charge tasks only for time their vCPU ran: run time at once, vruntime at once on EEVDF, at sleep on CFS [DEFAULT: "
		 __stringify(XB_VCLOCK_DEFAULT) "]");

/**
 * xb_vclock_ctl() - XB_IOC_VCLOCK: turn on or off, and report
 * @vc: the ioctl argument, copied in
 *
 * Return: 0, or a negative errno (see the UAPI).
 */
int xb_vclock_ctl(struct xb_vclock *vc)
{
	unsigned int cpu;
	int ret = 0;

	if (vc->flags & ~XB_VCLOCK_SET)
		return -EOPNOTSUPP;
	if ((vc->flags & XB_VCLOCK_SET) && vc->enable > 1)
		return -EINVAL;

	mutex_lock(&xb_vclock_mutex);
	if (vc->flags & XB_VCLOCK_SET) {
		xb_vclock_wanted = vc->enable;
		ret = xb_vclock_apply();
	}
	if (xb_vclock_kernel_does_it())
		vc->state = XB_VCLOCK_KERNEL;
	else if (!xb_vclock_wanted)
		vc->state = XB_VCLOCK_OFF;
	else if (!xb_vclock_steal_on)
		vc->state = XB_VCLOCK_NO_STEAL;
	else
		vc->state = XB_VCLOCK_ON;
	vc->enable = xb_vclock_wanted;
	mutex_unlock(&xb_vclock_mutex);

	vc->uncharged_ns = 0;
	vc->events = 0;
	vc->hook_ns = 0;
	/* Racy sums of per-CPU counters: a report, not an invariant. */
	for_each_possible_cpu(cpu) {
		struct xb_vclock_cpu *c = per_cpu_ptr(&xb_vclock_cpus, cpu);

		vc->uncharged_ns += READ_ONCE(c->uncharged_ns);
		vc->events += READ_ONCE(c->events);
		vc->hook_ns += READ_ONCE(c->hook_ns);
	}
	return ret;
}

static void xb_vclock_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_stat_runtime"))
		xb_tp_stat_runtime = tp;
	else if (!strcmp(tp->name, "sched_switch"))
		xb_tp_switch = tp;
}

int xb_vclock_init(void)
{
	int ret;

	for_each_kernel_tracepoint(xb_vclock_find, NULL);
	if (!xb_tp_stat_runtime)
		pr_info("tracepoint sched_stat_runtime not found: no vclock\n");
	else if (xb_vclock_kernel_does_it())
		pr_info("the kernel subtracts steal itself: vclock stands down\n");
	else if (!XB_SCHED_EEVDF && !xb_tp_switch)
		pr_info("tracepoint sched_switch not found: vclock spares run time only\n");

	mutex_lock(&xb_vclock_mutex);
	xb_vclock_ready = true;
	ret = xb_vclock_apply();
	mutex_unlock(&xb_vclock_mutex);
	return ret;
}

void xb_vclock_exit(void)
{
	mutex_lock(&xb_vclock_mutex);
	xb_vclock_ready = false;
	xb_vclock_apply();
	mutex_unlock(&xb_vclock_mutex);
}
