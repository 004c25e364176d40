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
 * what was just charged: sum_exec_runtime, vruntime in
 * the entity's own weight, and on EEVDF the virtual deadline with it so
 * the slice stays the same (steal_acct.c decides how much, as pure code).
 *
 * With group scheduling the task's cgroup entities are charged too, each
 * by its own update_curr() and with no event of its own: their exec_start
 * moves forward by what the task was spared, so that their next charge
 * leaves the steal out (they are running, hence off their trees, too).
 *
 * Limits: steal that fell while the CPU idled is taken, up to its charge,
 * off the next task to run; CFS bandwidth (cpu.max) and cgroup usage
 * (cpu.stat) are charged before our event and still include steal.
 *
 * On/off is registering the probe or not: when off the scheduler pays
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
#include <linux/tracepoint.h>

#include "xballoon.h"
#include "steal_acct.h"

#define XB_VCLOCK_DEFAULT	true
/*
 * A charge longer than this spans a gap the tick has not accounted yet:
 * read the exact source (Xen: a hypercall), not only the fast one.
 */
#define XB_VCLOCK_EXACT_NS	(TICK_NSEC * 3 / 2)
/* The hook's cost is sampled on one event in this many. */
#define XB_VCLOCK_SAMPLE	64

/**
 * struct xb_vclock_cpu - the hook's state on one CPU
 * @slice: steal seen at the previous scheduler event
 * @uncharged_ns: steal taken off charges
 * @events: charges seen
 * @hook_ns: sampled cost of the hook, scaled to all events
 *
 * Touched only under the runqueue lock of this CPU.
 */
struct xb_vclock_cpu {
	struct xb_steal_slice slice;
	u64 uncharged_ns;
	u64 events;
	u64 hook_ns;
};

static DEFINE_PER_CPU(struct xb_vclock_cpu, xb_vclock_cpus);
static DEFINE_MUTEX(xb_vclock_mutex);
static struct tracepoint *xb_tp_stat_runtime;
static bool xb_vclock_wanted = XB_VCLOCK_DEFAULT;
static bool xb_vclock_registered;
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
 * by level) or at a later event. A charge that comes out negative is
 * skipped by the scheduler and caught up later: the net is the same.
 */
static void xb_vclock_spare_groups(struct sched_entity *se, u64 take)
{
#ifdef CONFIG_FAIR_GROUP_SCHED
	for (se = se->parent; se; se = se->parent)
		se->exec_start += take;
#endif
}

static void xb_vclock_uncharge(struct task_struct *tsk, u64 runtime,
			       struct xb_vclock_cpu *vc)
{
	struct sched_entity *se = &tsk->se;
	unsigned int cpu = task_cpu(tsk);
	u64 raw, exact, take, vdelta;

	if (!xb_task_is_fair(tsk) || !xb_steal_fast(cpu, &raw))
		return;
	if (runtime > XB_VCLOCK_EXACT_NS && xb_steal_exact(cpu, &exact))
		xb_steal_slice_exact(&vc->slice, exact);
	take = xb_steal_slice_take(&vc->slice, raw, runtime,
				   se->sum_exec_runtime -
				   se->prev_sum_exec_runtime);
	if (!take)
		return;
	vdelta = xb_steal_vruntime(take, se->load.weight);
	se->sum_exec_runtime -= take;
	se->vruntime -= vdelta;
	xb_se_shift_deadline(se, vdelta);
	vc->uncharged_ns += take;
	xb_vclock_spare_groups(se, take);
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

/* Make the probe's registration match what is wanted. */
static int xb_vclock_apply(void)
{
	bool want;
	unsigned int cpu;
	int ret = 0;

	lockdep_assert_held(&xb_vclock_mutex);
	/* Nothing reports steal (QEMU TCG, bare metal): no hook, no cost. */
	want = xb_vclock_ready && xb_vclock_wanted && xb_tp_stat_runtime &&
	       !xb_vclock_kernel_does_it() && xb_vclock_has_steal();
	if (want == xb_vclock_registered)
		return 0;

	if (want) {
		/* Start every CPU from a fresh reading, not a stale one. */
		for_each_possible_cpu(cpu)
			per_cpu_ptr(&xb_vclock_cpus, cpu)->slice.primed = false;
		ret = tracepoint_probe_register(xb_tp_stat_runtime,
						xb_probe_stat_runtime, NULL);
	} else {
		ret = tracepoint_probe_unregister(xb_tp_stat_runtime,
						  xb_probe_stat_runtime, NULL);
		tracepoint_synchronize_unregister();
	}
	if (!ret)
		xb_vclock_registered = want;
	return ret;
}

static int xb_vclock_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	if (kstrtobool(val, &on))
		return -EINVAL;
	mutex_lock(&xb_vclock_mutex);
	xb_vclock_wanted = on;
	ret = xb_vclock_apply();
	mutex_unlock(&xb_vclock_mutex);
	return ret;
}

static const struct kernel_param_ops xb_vclock_param_ops = {
	.set = xb_vclock_param_set,
	.get = param_get_bool,
};

module_param_cb(vclock, &xb_vclock_param_ops, &xb_vclock_wanted, 0644);
MODULE_PARM_DESC(vclock,
		 "Charge tasks only for time their vCPU ran [DEFAULT: "
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
	else if (!xb_vclock_registered)
		vc->state = XB_VCLOCK_NO_STEAL;
	else
		vc->state = XB_VCLOCK_ON;
	mutex_unlock(&xb_vclock_mutex);

	vc->enable = xb_vclock_wanted;
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
}

int xb_vclock_init(void)
{
	int ret;

	for_each_kernel_tracepoint(xb_vclock_find, NULL);
	if (!xb_tp_stat_runtime)
		pr_info("tracepoint sched_stat_runtime not found: no vclock\n");
	else if (xb_vclock_kernel_does_it())
		pr_info("the kernel subtracts steal itself: vclock stands down\n");

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
