// SPDX-License-Identifier: GPL-2.0
/*
 * balloon.c - the CPU balloon of each vCPU and its semi-work-conserving
 * (SWC) period timer.
 *
 * One balloon thread per CPU calls XB_IOC_BALLOON in a loop. While the
 * period's reserve is not met (NWC) each call halts the vCPU until the next
 * interrupt: the guest scheduler sees a busy CPU and keeps CPU-bound tasks
 * off it, the hypervisor sees an idle vCPU and charges nothing. Once the
 * vCPU has been off-CPU long enough this period (swc.c decides), the call
 * sleeps until the period timer starts the next period (WC).
 *
 * Off-CPU time comes, per CPU, from:
 *  - Xen's runstate when we run on Xen: blocked (our halts and idle), and
 *    runnable + offline (steal), exact; offline is the cap parking us, the
 *    throttling signal of the control loop, and so is runnable for a good
 *    part of a period: a busy neighbour on our pCPU holding us off once we
 *    ran our share (no cap), whose share is then learned like a cap;
 *  - elsewhere: the balloon's halts, measured up to the entry of the
 *    interrupt that ended them (hooks.c), plus steal from steal.c; where
 *    nothing reports steal (QEMU TCG under a host cap), late period timers
 *    are the steal and the throttling signal.
 *
 * The balloon never holds the CPU against the I/O path: a task to switch
 * to or pending softirqs end a halt before it starts (block.c), and a woken
 * ksoftirqd or interrupt thread (and, in dynamic mode, any woken task)
 * makes the next call give way until that task has run.
 *
 * Locking: xb_attach_mutex serialises attach and detach (both sleep on the
 * timer). bc->lock, a raw spinlock taken with interrupts off, guards the SWC
 * state and the statistics against the period timer. halt_start and wake_at
 * are touched only on their own CPU: by the balloon with interrupts off and
 * by the interrupt-entry probe.
 */
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <uapi/linux/sched/types.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/tick.h>
#include <linux/wait.h>

#include "xballoon.h"
#include "swc.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * 10 ms: short enough that keeping the run time under cap x P in every
 * window of P keeps a hypervisor with a longer period (Xen credit: 30 ms,
 * CFS bandwidth: 100 ms) from ever throttling us whatever its phase; long
 * enough that the period timer costs little (2.5 ticks at HZ=250).
 */
#define XB_PERIOD_US_DEFAULT	10000
/* 0: learn the cap from steal; the safe default, it reserves nothing blind. */
#define XB_CAP_PM_DEFAULT	XB_CAP_PM_LEARN
/*
 * A period timer later than this was held up by the hypervisor. Emulators
 * deliver timers hundreds of microseconds late on their own (QEMU TCG:
 * 0.5-1 ms under load), which must not read as throttling; a host cap
 * that parks the vCPU shows as gaps of several milliseconds.
 */
#define XB_GAP_SLACK_NS		(2 * NSEC_PER_MSEC)
/* Giving way to a woken task lasts until it blocks, or at most this. */
#define XB_GIVE_WAY_MAX_NS	(2 * NSEC_PER_MSEC)

/**
 * struct xb_balloon_cpu - the balloon of one CPU
 * @lock: guards @swc, the off-CPU baselines and the statistics
 * @cpu: the CPU this balloon belongs to
 * @swc: the reservation (swc.c)
 * @period_timer: starts each period; runs only while a balloon is attached
 * @budget_timer: ends a halt the moment the period's reserve is met
 * @wq: WC sleepers wait here for the next period
 * @period_seq: bumped at every period start
 * @cfg_gen: configuration generation @swc was set up with
 * @owner: the open file whose balloon holds this CPU, NULL if none
 * @owner_pid: pid of the balloon thread
 * @dynamic: the balloon is a CFS thread (XB_BALLOON_DYNAMIC)
 * @io_pid: a task of the I/O path woke on this CPU and may still wait
 * @ksoftirqd_pid: this CPU's ksoftirqd
 * @way_pid: the task the balloon gives way to, 0 if none
 * @way_done: @way_pid blocked again: the balloon may go on
 * @way_wq: the balloon waits here while giving way
 * @way_work: wakes @way_wq from outside the scheduler's locks
 * @halt_start: local_clock() at the start of the current halt, 0 if none
 * @wake_at: local_clock() at the first interrupt entry of the halt
 * @use_runstate: off-CPU time comes from Xen's runstate
 * @last_off: runstate at the previous sample
 * @last_steal: steal total at the previous sample
 * @last_idle: the CPU's idle time (tick accounting) at the period start
 * @injected_ns: of the idle time since, what the balloon kernel thread
 *	injected (counted as its halts already)
 * @throttled_ns: throttling seen in the current period
 * @reserving: the balloon held this CPU in NWC this period
 * @mode: enum xb_balloon_mode
 * @mode_since: ktime_get_ns() of the last mode change
 * @stats: counters, reported by XB_IOC_CPU_STATS and debugfs
 * @kthread: the kernel thread holding this CPU for an XB_BALLOON_KTHREAD
 *	call, NULL if none; set and taken under xb_attach_mutex
 * @kt_wq: that call sleeps here until a signal or a detach (not woken at
 *	every period: the caller's address space stays off the CPU)
 * @online: the CPU is online as far as the balloon is concerned: set by
 *	its online callback, cleared by its offline callback, under
 *	xb_attach_mutex; nothing attaches to a CPU on its way down
 * @in_call: the holder is inside XB_IOC_BALLOON on this CPU
 * @calls: calls of the holder since the last period start
 * @futile: calls in a row that neither halted, slept nor gave way
 */
struct xb_balloon_cpu {
	raw_spinlock_t lock;
	unsigned int cpu;
	struct xb_swc swc;
	struct hrtimer period_timer;
	struct hrtimer budget_timer;
	wait_queue_head_t wq;
	unsigned long period_seq;
	unsigned int cfg_gen;
	struct file *owner;
	pid_t owner_pid;
	/*
	 * u8, not bool: read locklessly with READ_ONCE() from probes, and
	 * GCC 12 instruments a volatile _Bool load as a plain one (KCSAN).
	 */
	u8 dynamic;
	pid_t io_pid;
	pid_t ksoftirqd_pid;
	pid_t way_pid;
	u8 way_done;		/* u8 for the same reason as @dynamic */
	wait_queue_head_t way_wq;
	struct irq_work way_work;
	struct task_struct *kthread;
	wait_queue_head_t kt_wq;
	u64 halt_start;
	u64 wake_at;
	bool use_runstate;
	struct xb_offcpu last_off;
	u64 last_steal;
	u64 last_idle;
	u64 injected_ns;
	u64 throttled_ns;
	bool reserving;
	enum xb_balloon_mode mode;
	u64 mode_since;
	struct xb_cpu_stats stats;
	bool online;
	bool in_call;
	unsigned int calls;
	unsigned int futile;
};

static DEFINE_PER_CPU(struct xb_balloon_cpu, xb_balloon_cpus);
static DEFINE_MUTEX(xb_attach_mutex);
static enum cpuhp_state xb_balloon_hp_state;

/*
 * The configuration every CPU picks up at its next period. The period
 * timer reads it in hard interrupt context, under the raw bc->lock: a raw
 * lock, taken with interrupts off everywhere, or a writer interrupted by
 * the timer on its own CPU would spin on itself for good.
 */
static DEFINE_RAW_SPINLOCK(xb_cfg_lock);
static unsigned int xb_period_us = XB_PERIOD_US_DEFAULT;
static unsigned int xb_cap_pm = XB_CAP_PM_DEFAULT;
static bool xb_cap_learn = true;
static unsigned int xb_cfg_gen = 1;

static int xb_cfg_check(unsigned int period_us, unsigned int cap_pm)
{
	if (period_us < XB_PERIOD_US_MIN || period_us > XB_PERIOD_US_MAX)
		return -EINVAL;
	if (cap_pm != XB_CAP_PM_LEARN &&
	    (cap_pm < XB_CAP_PM_MIN || cap_pm > XB_CAP_PM_MAX))
		return -EINVAL;
	return 0;
}

/*
 * One consistent snapshot of the configuration. Every reader takes it
 * here, under the lock its writers hold: a lockless READ_ONCE() of the
 * bool would not even be a marked access for KCSAN (GCC with UBSAN_BOOL
 * instruments a volatile _Bool load as a plain one).
 */
static void xb_cfg_read(unsigned int *period_us, unsigned int *cap_pm,
			bool *learn, unsigned int *gen)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&xb_cfg_lock, irqflags);
	*period_us = xb_period_us;
	*cap_pm = xb_cap_pm;
	*learn = xb_cap_learn;
	*gen = xb_cfg_gen;
	raw_spin_unlock_irqrestore(&xb_cfg_lock, irqflags);
}

/* The sysfs side of period_us, cap_pm and cap_learn: the same snapshot. */
static int xb_param_get_cfg(char *buf, const struct kernel_param *kp)
{
	unsigned int period_us, cap_pm, gen;
	bool learn;

	xb_cfg_read(&period_us, &cap_pm, &learn, &gen);
	if (kp->arg == &xb_cap_learn)
		return sysfs_emit(buf, "%c\n", learn ? 'Y' : 'N');
	return sysfs_emit(buf, "%u\n",
			  kp->arg == &xb_period_us ? period_us : cap_pm);
}

/* cap_learn: a change applies at each CPU's next period, like the others. */
static int xb_param_set_learn(const char *val, const struct kernel_param *kp)
{
	unsigned long irqflags;
	bool v;

	if (xb_param_strict_bool(val, &v))
		return -EINVAL;
	raw_spin_lock_irqsave(&xb_cfg_lock, irqflags);
	xb_cap_learn = v;
	xb_cfg_gen++;
	raw_spin_unlock_irqrestore(&xb_cfg_lock, irqflags);
	return 0;
}

static const struct kernel_param_ops xb_param_learn_ops = {
	.set = xb_param_set_learn,
	.get = xb_param_get_cfg,
};

module_param_cb(cap_learn, &xb_param_learn_ops, &xb_cap_learn, 0644);
MODULE_PARM_DESC(cap_learn,
		 "correct the cap from throttling (a configured cap is a hint); N uses it as told [DEFAULT: Y]");

static int xb_cfg_write(const unsigned int *period_us,
			const unsigned int *cap_pm)
{
	unsigned long irqflags;
	int ret;

	raw_spin_lock_irqsave(&xb_cfg_lock, irqflags);
	ret = xb_cfg_check(period_us ? *period_us : xb_period_us,
			   cap_pm ? *cap_pm : xb_cap_pm);
	if (!ret) {
		if (period_us)
			xb_period_us = *period_us;
		if (cap_pm)
			xb_cap_pm = *cap_pm;
		xb_cfg_gen++;
	}
	raw_spin_unlock_irqrestore(&xb_cfg_lock, irqflags);
	return ret;
}

static int xb_param_set_period(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v))
		return -EINVAL;
	return xb_cfg_write(&v, NULL);
}

static int xb_param_set_cap(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v))
		return -EINVAL;
	return xb_cfg_write(NULL, &v);
}

static const struct kernel_param_ops xb_param_period_ops = {
	.set = xb_param_set_period,
	.get = xb_param_get_cfg,
};

static const struct kernel_param_ops xb_param_cap_ops = {
	.set = xb_param_set_cap,
	.get = xb_param_get_cfg,
};

module_param_cb(period_us, &xb_param_period_ops, &xb_period_us, 0644);
MODULE_PARM_DESC(period_us,
		 "SWC accounting period in microseconds, 1000-1000000 [DEFAULT: "
		 __stringify(XB_PERIOD_US_DEFAULT) "]");
module_param_cb(cap_pm, &xb_param_cap_ops, &xb_cap_pm, 0644);
MODULE_PARM_DESC(cap_pm,
		 "vCPU cap in per mille of a CPU, 10-1000, 0 learns it [DEFAULT: "
		 __stringify(XB_CAP_PM_DEFAULT) "]");

static void xb_set_mode(struct xb_balloon_cpu *bc, unsigned int cpu,
			enum xb_balloon_mode mode, u64 now)
{
	u64 spent = now - bc->mode_since;

	if (bc->mode == XB_MODE_NWC)
		bc->stats.nwc_ns += spent;
	else if (bc->mode == XB_MODE_WC)
		bc->stats.wc_ns += spent;
	bc->mode_since = now;
	if (bc->mode != mode)
		trace_xballoon_mode(cpu, mode, bc->swc.off_ns,
				    bc->swc.target_off_ns);
	bc->mode = mode;
}

/* Idle time of @cpu by the tick's own accounting (ns), or 0 without NOHZ. */
static u64 xb_cpu_idle_ns(unsigned int cpu)
{
	u64 idle = get_cpu_idle_time_us(cpu, NULL);
	u64 iowait = get_cpu_iowait_time_us(cpu, NULL);

	if (idle == (u64)-1 || iowait == (u64)-1)
		return 0;
	return (idle + iowait) * NSEC_PER_USEC;
}

static void xb_sample_start(struct xb_balloon_cpu *bc, unsigned int cpu)
{
	enum xb_steal_source source;
	u64 clock;

	bc->last_idle = xb_cpu_idle_ns(cpu);
	bc->injected_ns = 0;
	bc->use_runstate = xb_steal_runstate(cpu, &bc->last_off);
	if (!bc->use_runstate &&
	    xb_steal_read(cpu, &source, &bc->last_steal, &clock))
		bc->last_steal = 0;
}

/*
 * Fold the off-CPU time since the previous sample into the reservation.
 * @halt_ns is the balloon's own halt, used where no runstate reports it.
 * Return: true if the period switched to WC.
 */
static bool xb_sample(struct xb_balloon_cpu *bc, unsigned int cpu, u64 halt_ns)
{
	enum xb_steal_source source;
	struct xb_offcpu off;
	u64 steal, held, clock;
	bool wc = false;

	if (bc->use_runstate) {
		if (!xb_steal_runstate(cpu, &off))
			return false;
		held = off.runnable_ns - bc->last_off.runnable_ns;
		steal = off.offline_ns - bc->last_off.offline_ns;
		wc |= xb_swc_add_halt(&bc->swc,
				      off.blocked_ns - bc->last_off.blocked_ns);
		bc->throttled_ns += steal;
		bc->last_off = off;
		if (held) {
			/* A busy neighbour's share, if long enough (swc.c). */
			bc->stats.steal_ns += held;
			wc |= xb_swc_add_held(&bc->swc, held);
		}
	} else {
		if (halt_ns)
			wc |= xb_swc_add_halt(&bc->swc, halt_ns);
		/*
		 * Where steal is only estimated from timer gaps, the period
		 * timer counts them (xb_period_timer_fn()): the gap source
		 * would also count gaps inside our own halts.
		 */
		if (xb_steal_is_estimate(cpu) ||
		    xb_steal_read(cpu, &source, &steal, &clock))
			return wc;
		steal -= bc->last_steal;
		bc->last_steal += steal;
		bc->throttled_ns += steal;
	}
	if (steal) {
		bc->stats.steal_ns += steal;
		wc |= xb_swc_add_steal(&bc->swc, steal);
	}
	return wc;
}

/* Apply a new configuration, if any, at the start of a period. */
static void xb_swc_refresh(struct xb_balloon_cpu *bc, u64 now)
{
	unsigned int period_us, cap_pm, gen;
	bool learn;

	xb_cfg_read(&period_us, &cap_pm, &learn, &gen);
	if (gen == bc->cfg_gen)
		return;
	bc->cfg_gen = gen;
	xb_swc_init(&bc->swc, (u64)period_us * NSEC_PER_USEC, cap_pm, now,
		    true);
	/* Nothing to learn from: the hint, if any, is used as told. */
	if (xb_steal_source_of(bc->cpu) == XB_STEAL_NONE || !learn)
		xb_swc_cannot_learn(&bc->swc);
}

static enum hrtimer_restart xb_period_timer_fn(struct hrtimer *timer)
{
	struct xb_balloon_cpu *bc = container_of(timer, struct xb_balloon_cpu,
						 period_timer);
	unsigned int cpu = bc->cpu;
	u64 now = ktime_get_ns();
	s64 late = now - ktime_to_ns(hrtimer_get_expires(timer));
	enum hrtimer_restart restart = HRTIMER_NORESTART;
	u64 idle;

	/* Pinned, and cancelled before its CPU goes: never elsewhere. */
	WARN_ON_ONCE(smp_processor_id() != cpu);
	raw_spin_lock(&bc->lock);
	xb_sample(bc, cpu, 0);
	/*
	 * Nothing reports steal here: a timer that fired late while the vCPU
	 * was not halted means the hypervisor held the vCPU that long.
	 */
	if (!bc->use_runstate && xb_steal_is_estimate(cpu) &&
	    late > XB_GAP_SLACK_NS) {
		bc->throttled_ns += late;
		if (!READ_ONCE(bc->halt_start)) {
			bc->stats.steal_ns += late;
			xb_swc_add_gap(&bc->swc, late);
		}
	}

	/*
	 * Idle time the balloon did not hold (the idle task's halts): the
	 * learner must not take it for run time. Xen's runstate has it
	 * already (blocked).
	 */
	idle = xb_cpu_idle_ns(cpu);
	if (!bc->use_runstate && idle > bc->last_idle + bc->injected_ns)
		xb_swc_add_idle(&bc->swc,
				idle - bc->last_idle - bc->injected_ns);
	bc->last_idle = idle;
	bc->injected_ns = 0;

	if (bc->owner) {
		bc->stats.periods++;
		if (bc->swc.target_off_ns && bc->swc.wc)
			bc->stats.periods_reserved++;
	}
	trace_xballoon_period(cpu, bc->swc.eff_cap_pm, bc->swc.off_ns,
			      bc->swc.target_off_ns, bc->throttled_ns,
			      now - bc->swc.period_start, bc->swc.halt_ns,
			      bc->swc.steal_ns, bc->swc.learn.est_pm,
			      bc->swc.learn.state);
	xb_swc_period_end(&bc->swc, now, bc->reserving, bc->throttled_ns);
	if (bc->owner && bc->swc.throttled)
		bc->stats.periods_throttled++;
	xb_swc_refresh(bc, now);
	bc->throttled_ns = 0;
	bc->reserving = false;
	bc->period_seq++;

	if (bc->owner && !bc->in_call && !bc->calls) {
		/*
		 * No call in a whole period: the holder is stopped (SIGSTOP),
		 * or kept off the CPU by work above it. Nothing is held, so
		 * say so and stop the timer; its next call starts afresh.
		 */
		xb_set_mode(bc, cpu, XB_MODE_ABSENT, now);
	} else if (bc->owner) {
		xb_set_mode(bc, cpu, bc->swc.wc ? XB_MODE_WC : XB_MODE_NWC,
			    now);
		hrtimer_forward_now(timer, ns_to_ktime(bc->swc.len_ns));
		restart = HRTIMER_RESTART;
	}
	bc->calls = 0;
	raw_spin_unlock(&bc->lock);

	wake_up_all(&bc->wq);
	return restart;
}

/* The interrupt is the wake-up: nothing to do but end the halt. */
static enum hrtimer_restart xb_budget_timer_fn(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

/* This CPU's ksoftirqd, found by name: the kernel does not export it. */
static pid_t xb_find_ksoftirqd(unsigned int cpu)
{
	/* "ksoftirqd/" and any CPU number fit; comm keeps 15 characters. */
	char name[24];
	struct task_struct *p;
	pid_t pid = 0;

	snprintf(name, sizeof(name), "ksoftirqd/%u", cpu);
	rcu_read_lock();
	for_each_process(p) {
		if ((p->flags & PF_KTHREAD) &&
		    !strncmp(p->comm, name, TASK_COMM_LEN - 1)) {
			pid = p->pid;
			break;
		}
	}
	rcu_read_unlock();
	return pid;
}

/*
 * Make @file the balloon of @cpu; we run on @cpu, so the pinned period
 * timer starts there.
 */
static int xb_attach(struct file *file, unsigned int cpu, bool dynamic)
{
	struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);
	u64 now;
	int ret = 0;

	/* The common case, every call of an attached balloon: no lock. */
	if (READ_ONCE(bc->owner) == file) {
		WRITE_ONCE(bc->dynamic, dynamic);
		return 0;
	}

	mutex_lock(&xb_attach_mutex);
	if (bc->owner == file)
		goto out;
	if (bc->owner) {
		ret = -EBUSY;
		goto out;
	}
	/*
	 * The offline callback has run: a timer started now would be moved
	 * to another CPU with the dead CPU's timers, and run there.
	 */
	if (!bc->online) {
		ret = -EINVAL;
		goto out;
	}
	if (!bc->ksoftirqd_pid)
		bc->ksoftirqd_pid = xb_find_ksoftirqd(cpu);

	preempt_disable();
	if (smp_processor_id() != cpu) {
		preempt_enable();
		ret = -EINVAL;
		goto out;
	}
	raw_spin_lock_irq(&bc->lock);
	now = ktime_get_ns();
	bc->cfg_gen = 0;
	xb_swc_refresh(bc, now);
	xb_sample_start(bc, cpu);
	bc->throttled_ns = 0;
	bc->reserving = false;
	bc->io_pid = 0;
	bc->calls = 0;
	bc->futile = 0;
	bc->owner_pid = current->pid;
	WRITE_ONCE(bc->dynamic, dynamic);
	WRITE_ONCE(bc->owner, file);
	bc->mode_since = now;
	xb_set_mode(bc, cpu, bc->swc.wc ? XB_MODE_WC : XB_MODE_NWC, now);
	raw_spin_unlock_irq(&bc->lock);
	hrtimer_start(&bc->period_timer,
		      ns_to_ktime(now + bc->swc.len_ns),
		      HRTIMER_MODE_ABS_PINNED);
	preempt_enable();
out:
	mutex_unlock(&xb_attach_mutex);
	return ret;
}

static void xb_detach(struct xb_balloon_cpu *bc, unsigned int cpu)
{
	raw_spin_lock_irq(&bc->lock);
	WRITE_ONCE(bc->owner, NULL);
	bc->owner_pid = 0;
	xb_set_mode(bc, cpu, XB_MODE_DETACHED, ktime_get_ns());
	raw_spin_unlock_irq(&bc->lock);
	hrtimer_cancel(&bc->period_timer);
	hrtimer_cancel(&bc->budget_timer);
	wake_up_all(&bc->wq);
	wake_up_all(&bc->kt_wq);
}

/**
 * xb_balloon_release() - the file is closed: detach it from every CPU
 * @file: the closing file of /dev/xballoon
 *
 * Runs when the last reference goes, so also when the daemon is killed: no
 * CPU stays reserved without a live balloon.
 */
void xb_balloon_release(struct file *file)
{
	bool dynamic = false;
	unsigned int cpu;

	mutex_lock(&xb_attach_mutex);
	for_each_possible_cpu(cpu) {
		struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);

		if (READ_ONCE(bc->owner) == file)
			xb_detach(bc, cpu);
		else if (READ_ONCE(bc->owner) && READ_ONCE(bc->dynamic))
			dynamic = true;
	}
	mutex_unlock(&xb_attach_mutex);
	/* The last dynamic balloon: its halts need the runtime hook no more. */
	if (!dynamic)
		xb_vclock_balloon_done();
}

/*
 * Halt time of this CPU's dynamic balloon not yet taken off its charge:
 * added by the interrupt-entry probe, taken by vclock.c's runtime probe
 * when update_curr() charges the balloon, both on this CPU with
 * interrupts off. Scheduler state is written only there, under the
 * runqueue lock; a remote update_curr() could race a write from here.
 */
static DEFINE_PER_CPU(u64, xb_halt_owed);
/*
 * What other CPUs charged this CPU's balloon since its last charge here
 * (reading its run time, a remote wake-up's enqueue), often in the middle
 * of a halt: under this CPU's runqueue lock, like the charge here.
 */
static DEFINE_PER_CPU(u64, xb_halt_remote);

/**
 * xb_balloon_irq_entry() - an interrupt entered on this CPU
 *
 * If the balloon was halting, this is the end of its off-CPU time. A CFS
 * balloon (dynamic mode) is not charged for it (xb_balloon_halt_owed()),
 * so it keeps its claim on the CPU, as the slides' dynamic priority needs.
 *
 * Context: hard interrupt, from a tracepoint; must be cheap.
 */
void xb_balloon_irq_entry(void)
{
	struct xb_balloon_cpu *bc = this_cpu_ptr(&xb_balloon_cpus);
	u64 start = READ_ONCE(bc->halt_start);
	u64 now;

	if (!start || READ_ONCE(bc->wake_at))
		return;
	now = local_clock();
	WRITE_ONCE(bc->wake_at, now);
	if (READ_ONCE(bc->dynamic))
		__this_cpu_add(xb_halt_owed, now - start);
}

/**
 * xb_balloon_halt_owed() - halts to take off a charge update_curr() made
 * @tsk: the task just charged
 * @runtime: what it was charged
 *
 * Return: if @tsk is a CPU's dynamic balloon charged on that CPU, its halt
 * time since its previous charge there, up to what it was charged since
 * (here and by other CPUs); else 0. A charge by another CPU, often in
 * the middle of a halt, only counts for the next one on the balloon's CPU,
 * the one that knows how long the halt was.
 *
 * Context: sched_stat_runtime, @tsk's runqueue locked, interrupts off.
 */
u64 xb_balloon_halt_owed(struct task_struct *tsk, u64 runtime)
{
	unsigned int cpu = task_cpu(tsk);
	struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);
	u64 owed, charged;

	if (cpu != smp_processor_id()) {
		if (tsk->pid == READ_ONCE(bc->owner_pid))
			*per_cpu_ptr(&xb_halt_remote, cpu) += runtime;
		return 0;
	}
	owed = __this_cpu_read(xb_halt_owed);
	if (!owed)
		return 0;
	/* Whoever is charged first after a halt: the balloon, or nobody. */
	__this_cpu_write(xb_halt_owed, 0);
	charged = runtime + __this_cpu_read(xb_halt_remote);
	__this_cpu_write(xb_halt_remote, 0);
	if (tsk->pid != READ_ONCE(bc->owner_pid))
		return 0;
	return min(owed, charged);
}

/**
 * xb_balloon_task_woken() - a task was woken (sched_wakeup)
 * @p: the task, already queued on its CPU
 *
 * Remember the I/O path: the kernel's ksoftirqd and interrupt threads
 * always; in dynamic mode any task but the balloon, since the balloon and
 * the I/O task then share the CFS class and only a wake-up tells them apart
 * from a CPU-bound task (which never sleeps).
 *
 * Context: scheduler, runqueue locked; must be cheap.
 */
void xb_balloon_task_woken(struct task_struct *p)
{
	struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, task_cpu(p));

	if (!READ_ONCE(bc->owner) || p->pid == READ_ONCE(bc->owner_pid))
		return;
	if ((p->flags & PF_KTHREAD) &&
	    (!strncmp(p->comm, "ksoftirqd/", 10) || !strncmp(p->comm, "irq/", 4)))
		WRITE_ONCE(bc->io_pid, p->pid);
	else if (READ_ONCE(bc->dynamic))
		WRITE_ONCE(bc->io_pid, p->pid);
}

static bool xb_pid_runnable(pid_t pid)
{
	struct task_struct *t;
	bool runnable;

	rcu_read_lock();
	t = pid_task(find_pid_ns(pid, &init_pid_ns), PIDTYPE_PID);
	runnable = t && task_is_running(t);
	rcu_read_unlock();
	return runnable;
}

/**
 * xb_balloon_task_switched() - a task left a CPU (sched_switch)
 * @prev: the task
 * @prev_state: its state; TASK_RUNNING if it was only preempted
 *
 * If the balloon gives way to @prev and @prev blocked again, its turn is
 * over: let the balloon go on. The runqueue is locked here, so the wake-up
 * goes through an irq_work, which runs as soon as interrupts are back on.
 *
 * Context: scheduler, runqueue locked; must be cheap.
 */
void xb_balloon_task_switched(struct task_struct *prev,
			      unsigned int prev_state)
{
	struct xb_balloon_cpu *bc = this_cpu_ptr(&xb_balloon_cpus);

	if (READ_ONCE(bc->way_pid) != prev->pid || prev_state == TASK_RUNNING)
		return;
	WRITE_ONCE(bc->way_done, true);
	irq_work_queue(&bc->way_work);
}

static void xb_way_work_fn(struct irq_work *work)
{
	struct xb_balloon_cpu *bc = container_of(work, struct xb_balloon_cpu,
						 way_work);

	wake_up_interruptible(&bc->way_wq);
}

/*
 * Sleep until task @pid has run and blocked again (or a bounded time
 * passed), so that even a SCHED_FIFO balloon lets a CFS ksoftirqd through,
 * and is back the moment it is done: a CPU hog gets no more than the
 * scheduler gives it while that task runs. Return: true if we gave way.
 */
static bool xb_give_way_to(struct xb_balloon_cpu *bc, pid_t pid)
{
	if (!pid)
		return false;
	WRITE_ONCE(bc->way_done, false);
	WRITE_ONCE(bc->way_pid, pid);
	/* Checked after way_pid is set: a switch in between is not lost. */
	if (!xb_pid_runnable(pid)) {
		WRITE_ONCE(bc->way_pid, 0);
		return false;
	}
	wait_event_interruptible_hrtimeout(bc->way_wq, READ_ONCE(bc->way_done),
					   ns_to_ktime(XB_GIVE_WAY_MAX_NS));
	WRITE_ONCE(bc->way_pid, 0);
	return true;
}

/*
 * Who must run before the balloon holds this CPU again: a task of the I/O
 * path that woke here, or this CPU's ksoftirqd while softirqs are pending.
 * Once ksoftirqd is runnable the kernel hands it every later softirq and
 * no longer runs them at interrupt exit (6.1), so a FIFO balloon that only
 * refused to halt would spin, and the softirqs would wait for good.
 */
static bool xb_give_way(struct xb_balloon_cpu *bc)
{
	bool pending;

	if (xb_give_way_to(bc, xchg(&bc->io_pid, 0)))
		return true;
	preempt_disable();
	pending = local_softirq_pending();
	preempt_enable();
	if (!pending || xb_give_way_to(bc, READ_ONCE(bc->ksoftirqd_pid)))
		return pending;
	/*
	 * Pending, and no ksoftirqd to run them (parked while the CPU goes
	 * down, or not woken): run them here, as local_bh_enable() does.
	 * Refusing to halt until an interrupt exit runs them would make a
	 * FIFO balloon spin, for good if the tick is stopped.
	 */
	local_bh_disable();
	local_bh_enable();
	return false;
}

/* A balloon kernel thread (XB_BALLOON_KTHREAD) is asked to stop. */
static bool xb_should_stop(void)
{
	return (current->flags & PF_KTHREAD) && kthread_should_stop();
}

/*
 * Nothing needs this CPU but the balloon: no task to switch to, no signal,
 * no softirq, no woken task of the I/O path to give way to.
 */
static bool xb_may_halt_again(struct xb_balloon_cpu *bc)
{
	bool pending;

	if (need_resched() || signal_pending(current) || xb_should_stop() ||
	    READ_ONCE(bc->io_pid))
		return false;
	preempt_disable();
	pending = local_softirq_pending();
	preempt_enable();
	return !pending;
}

/*
 * One halt of the vCPU, bounded by the period's remaining reserve.
 * Return: 1 if the vCPU halted, 0 if work came first, -EINVAL if the
 * caller is no longer on @bc's CPU (its affinity changed, or preemption
 * moved it between two halts): it must not halt another vCPU while
 * writing this one's state.
 */
static int xb_halt(struct xb_balloon_cpu *bc, u64 needed_ns, u64 *held_ns)
{
	u64 start = 0, end;
	bool halted;

	/*
	 * Migration, not preemption, is off: the halt itself runs with
	 * preemption on, so the tick that ends it can report an RCU
	 * quiescent state (PREEMPT_RCU) and a task woken above us runs
	 * at once.
	 */
	migrate_disable();
	if (smp_processor_id() != bc->cpu) {
		migrate_enable();
		return -EINVAL;
	}
	hrtimer_start(&bc->budget_timer, ns_to_ktime(needed_ns),
		      HRTIMER_MODE_REL_PINNED_HARD);
	WRITE_ONCE(bc->wake_at, 0);
	halted = xb_block_vcpu(&bc->halt_start);
	if (halted) {
		start = READ_ONCE(bc->halt_start);
		end = READ_ONCE(bc->wake_at);
		*held_ns = (end ?: local_clock()) - start;
	}
	WRITE_ONCE(bc->halt_start, 0);
	hrtimer_try_to_cancel(&bc->budget_timer);
	migrate_enable();
	return halted;
}

/*
 * Calls in a row that neither halted, slept nor gave way before the
 * balloon sleeps a tick. Each is a few microseconds; a SCHED_FIFO balloon
 * that spun on them would keep every CFS task, ksoftirqd included, off the
 * CPU (the kernel's RT throttling is the last line, at 95 %).
 */
#define XB_FUTILE_MAX	256

/* How long a balloon thread moved off its CPU sleeps before it looks again. */
#define XB_KTHREAD_OFF_CPU_MS	10

/* A call that held nothing: never let a run of them become a spin. */
static void xb_hold_futile(struct xb_balloon_cpu *bc)
{
	if (++bc->futile < XB_FUTILE_MAX)
		return;
	bc->futile = 0;
	schedule_timeout_interruptible(1);
}

/*
 * The holder is in a call: it holds again. If it was absent (no call in a
 * whole period, see xb_period_timer_fn()), a new period starts now, with
 * the off-CPU baselines taken afresh: its absence was not reserve.
 * Return: 0, or -EINVAL if the caller is not on @bc's CPU.
 */
static int xb_hold_enter(struct file *file, struct xb_balloon_cpu *bc,
			 unsigned int cpu)
{
	int ret = 0;
	u64 now;

	raw_spin_lock_irq(&bc->lock);
	if (smp_processor_id() != cpu) {
		ret = -EINVAL;
		goto out;
	}
	bc->in_call = true;
	bc->calls++;
	if (bc->mode != XB_MODE_ABSENT || bc->owner != file)
		goto out;
	now = ktime_get_ns();
	xb_swc_resume(&bc->swc, now);
	xb_sample_start(bc, cpu);
	bc->throttled_ns = 0;
	bc->reserving = false;
	xb_set_mode(bc, cpu, bc->swc.wc ? XB_MODE_WC : XB_MODE_NWC, now);
	/* Pinned: we run on @cpu with interrupts off. */
	hrtimer_start(&bc->period_timer, ns_to_ktime(now + bc->swc.len_ns),
		      HRTIMER_MODE_ABS_PINNED);
out:
	raw_spin_unlock_irq(&bc->lock);
	return ret;
}

static void xb_hold_exit(struct xb_balloon_cpu *bc)
{
	raw_spin_lock_irq(&bc->lock);
	bc->in_call = false;
	raw_spin_unlock_irq(&bc->lock);
}

static void xb_balloon_out(struct xb_balloon_cpu *bc, struct xb_balloon *arg,
			   enum xb_balloon_reason reason)
{
	arg->reason = reason;
	arg->mode = READ_ONCE(bc->mode);
}

/* The hold itself; xb_hold() brackets it. */
static int __xb_hold(struct file *file, struct xb_balloon_cpu *bc,
		     unsigned int cpu, bool dynamic, struct xb_balloon *arg)
{
	unsigned long seq;
	u64 needed, held = 0;
	bool wc, switched = false;
	int halted;

	arg->held_ns = 0;
	if (signal_pending(current))
		return -EINTR;

	if (xb_give_way(bc)) {
		bc->futile = 0;
		raw_spin_lock_irq(&bc->lock);
		bc->stats.yields++;
		raw_spin_unlock_irq(&bc->lock);
		xb_balloon_out(bc, arg, XB_BALLOON_YIELD);
		return 0;
	}

	raw_spin_lock_irq(&bc->lock);
	if (xb_sample(bc, cpu, 0))
		xb_set_mode(bc, cpu, XB_MODE_WC, ktime_get_ns());
	needed = min(xb_swc_off_needed(&bc->swc),
		     xb_swc_hold_left(&bc->swc, ktime_get_ns()));
	wc = bc->swc.wc || !needed;
	seq = bc->period_seq;
	raw_spin_unlock_irq(&bc->lock);

	if (wc) {
		bc->futile = 0;
		if (wait_event_interruptible(bc->wq,
					     READ_ONCE(bc->period_seq) != seq ||
					     READ_ONCE(bc->owner) != file ||
					     xb_should_stop()))
			return -EINTR;
		xb_balloon_out(bc, arg, XB_BALLOON_PERIOD);
		return 0;
	}

	for (;;) {
		halted = xb_halt(bc, needed, &held);
		if (halted < 0)
			return halted;
		if (!halted) {
			if (arg->held_ns)
				break;	/* what we held is reported */
			raw_spin_lock_irq(&bc->lock);
			bc->stats.yields++;
			raw_spin_unlock_irq(&bc->lock);
			xb_balloon_out(bc, arg, XB_BALLOON_YIELD);
			xb_hold_futile(bc);
			return 0;
		}
		bc->futile = 0;

		raw_spin_lock_irq(&bc->lock);
		bc->reserving = true;
		bc->stats.halts++;
		bc->stats.halt_ns += held;
		if (current->flags & PF_KTHREAD)
			bc->injected_ns += held;
		switched = xb_sample(bc, cpu, held);
		if (switched)
			xb_set_mode(bc, cpu, XB_MODE_WC, ktime_get_ns());
		needed = min(xb_swc_off_needed(&bc->swc),
			     xb_swc_hold_left(&bc->swc, ktime_get_ns()));
		raw_spin_unlock_irq(&bc->lock);
		arg->held_ns += held;

		/*
		 * Most halts end at an interrupt that leaves nothing to do
		 * here (the guest's tick, a timer): halt again at once. A
		 * return to user space and back costs more than the halt
		 * itself in a PV guest (two page-table switches through
		 * the hypervisor), and the CPU-bound tasks pay for it.
		 */
		if (switched || !needed)
			break;
		if (!xb_may_halt_again(bc)) {
			/*
			 * A woken task of the I/O path ends the hold: that is
			 * giving way, even if it has run and blocked again by
			 * the next call (which then has nothing to wait for).
			 */
			if (READ_ONCE(bc->io_pid)) {
				raw_spin_lock_irq(&bc->lock);
				bc->stats.yields++;
				raw_spin_unlock_irq(&bc->lock);
			}
			break;
		}
		/* A quiescent state for RCU without PREEMPT_RCU; else free. */
		cond_resched();
	}

	xb_balloon_out(bc, arg, switched ? XB_BALLOON_RESERVED :
					    XB_BALLOON_WOKEN);
	return 0;
}

/*
 * Hold @bc's CPU once, from the caller's context: a halt (or several, see
 * above), a WC sleep to the next period, or a yield. @file is attached.
 */
static int xb_hold(struct file *file, struct xb_balloon_cpu *bc,
		   unsigned int cpu, bool dynamic, struct xb_balloon *arg)
{
	int ret = xb_hold_enter(file, bc, cpu);

	if (ret)
		return ret;
	ret = __xb_hold(file, bc, cpu, dynamic, arg);
	xb_hold_exit(bc);
	return ret;
}

/*
 * The balloon thread runs off its CPU: the CPU is going down (the
 * scheduler pushes every task but the hotplug threads off an inactive CPU
 * and breaks their affinity) or coming back after a failed offline. Sleep,
 * never retry at once: a SCHED_FIFO thread that did would keep the other
 * CPU from every CFS task, the RCU grace-period thread that the offline
 * waits for included, until the kernel's RT throttling (issue 11, finding
 * 12). The offline detaches the CPU and stops us soon; if the CPU stays,
 * go back to it.
 */
static void xb_kthread_off_cpu(struct xb_balloon_cpu *bc)
{
	schedule_timeout_interruptible(msecs_to_jiffies(XB_KTHREAD_OFF_CPU_MS));
	if (cpu_active(bc->cpu))
		set_cpus_allowed_ptr(current, cpumask_of(bc->cpu));
}

/*
 * XB_BALLOON_KTHREAD: the same holds, from a kernel thread. A kernel
 * thread has no address space of its own and borrows the last one (lazy
 * TLB), so running it between two slices of the I/O task switches no page
 * tables; a balloon process costs a CR3 write each way, and an emulator
 * that does not model PCIDs (QEMU TCG) flushes its whole TLB on each.
 */
static int xb_balloon_kthread_fn(void *data)
{
	struct xb_balloon_cpu *bc = data;
	struct file *file = READ_ONCE(bc->owner);
	struct xb_balloon arg;

	while (!kthread_should_stop() && READ_ONCE(bc->owner) == file) {
		memset(&arg, 0, sizeof(arg));
		if (xb_hold(file, bc, bc->cpu, false, &arg) == -EINVAL) {
			xb_kthread_off_cpu(bc);
			continue;
		}
		/*
		 * What a balloon process gets on its way back to user space:
		 * a task that woke above us (the I/O task) runs now.
		 */
		cond_resched();
	}
	/* kthread_stop() wants the thread alive: wait for it. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Stop @bc's kernel thread, if any. Context: xb_attach_mutex held. */
static void xb_kthread_stop(struct xb_balloon_cpu *bc)
{
	struct task_struct *kt = bc->kthread;

	lockdep_assert_held(&xb_attach_mutex);
	if (!kt)
		return;
	bc->kthread = NULL;
	kthread_stop(kt);
	put_task_struct(kt);
}

/*
 * Hold @cpu from a kernel thread at the caller's SCHED_FIFO priority until
 * a signal; the caller sleeps meanwhile. Return: -EINTR, or 0 if the CPU
 * was detached (went offline).
 */
static int xb_balloon_run_kthread(struct file *file, struct xb_balloon_cpu *bc,
				  unsigned int cpu, struct xb_balloon *arg)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_FIFO,
		.sched_priority = current->rt_priority,
	};
	struct task_struct *kt;
	int ret;

	if (current->policy != SCHED_FIFO)
		return -EINVAL;
	kt = kthread_create(xb_balloon_kthread_fn, bc, "xballoon/%u", cpu);
	if (IS_ERR(kt))
		return PTR_ERR(kt);
	kthread_bind(kt, cpu);
	ret = sched_setattr_nocheck(kt, &attr);
	if (ret) {
		kthread_stop(kt);
		return ret;
	}

	mutex_lock(&xb_attach_mutex);
	if (bc->owner != file || bc->kthread) {
		ret = bc->owner != file ? 0 : -EBUSY;
		mutex_unlock(&xb_attach_mutex);
		kthread_stop(kt);
		return ret;
	}
	get_task_struct(kt);
	bc->kthread = kt;
	WRITE_ONCE(bc->owner_pid, kt->pid);
	wake_up_process(kt);
	mutex_unlock(&xb_attach_mutex);

	ret = wait_event_interruptible(bc->kt_wq, READ_ONCE(bc->owner) != file);

	mutex_lock(&xb_attach_mutex);
	if (bc->kthread == kt)
		xb_kthread_stop(bc);
	if (bc->owner == file)
		WRITE_ONCE(bc->owner_pid, current->pid);
	mutex_unlock(&xb_attach_mutex);

	arg->held_ns = 0;
	xb_balloon_out(bc, arg, XB_BALLOON_PERIOD);
	return ret ? -EINTR : 0;
}

/**
 * xb_balloon_run() - XB_IOC_BALLOON: hold this CPU once
 * @file: the open file of the balloon thread
 * @arg: the ioctl argument, copied in
 *
 * Return: 0 with @arg filled in, or a negative errno (see the UAPI).
 */
int xb_balloon_run(struct file *file, struct xb_balloon *arg)
{
	bool dynamic = arg->flags & XB_BALLOON_DYNAMIC;
	unsigned int cpu = arg->cpu;
	struct xb_balloon_cpu *bc;
	int ret;

	if (arg->flags & ~(XB_BALLOON_DYNAMIC | XB_BALLOON_KTHREAD))
		return -EOPNOTSUPP;
	if (arg->__reserved || (dynamic && (arg->flags & XB_BALLOON_KTHREAD)))
		return -EINVAL;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu) ||
	    current->nr_cpus_allowed != 1 ||
	    !cpumask_test_cpu(cpu, current->cpus_ptr))
		return -EINVAL;

	ret = xb_attach(file, cpu, dynamic);
	if (ret)
		return ret;
	bc = per_cpu_ptr(&xb_balloon_cpus, cpu);
	if (arg->flags & XB_BALLOON_KTHREAD)
		return xb_balloon_run_kthread(file, bc, cpu, arg);
	if (dynamic)
		xb_vclock_balloon_hook();
	return xb_hold(file, bc, cpu, dynamic, arg);
}

void xb_balloon_get_config(struct xb_config *cfg)
{
	unsigned int gen;
	bool learn;

	xb_cfg_read(&cfg->period_us, &cfg->cap_pm, &learn, &gen);
}

int xb_balloon_set_config(const struct xb_config *cfg)
{
	return xb_cfg_write(cfg->flags & XB_CONFIG_PERIOD ? &cfg->period_us : NULL,
			    cfg->flags & XB_CONFIG_CAP ? &cfg->cap_pm : NULL);
}

/* learn.c is pure: it spells the UAPI's enum xb_cap_source on its own. */
static const u32 xb_cap_sources[] = {
	[XB_LEARN_SRC_UNKNOWN] = XB_CAP_SRC_UNKNOWN,
	[XB_LEARN_SRC_NO_STEAL] = XB_CAP_SRC_NO_STEAL,
	[XB_LEARN_SRC_TOLD] = XB_CAP_SRC_TOLD,
	[XB_LEARN_SRC_LEARNED] = XB_CAP_SRC_LEARNED,
	[XB_LEARN_SRC_UNCAPPED] = XB_CAP_SRC_UNCAPPED,
};

/**
 * xb_balloon_stats() - counters and state of one CPU
 * @cpu: a possible CPU
 * @stats: out; the header fields (size, flags, cpu) are left alone
 *
 * Return: 0, or -EINVAL if @cpu is not a possible CPU.
 */
int xb_balloon_stats(unsigned int cpu, struct xb_cpu_stats *stats)
{
	struct xb_balloon_cpu *bc;
	struct xb_cpu_stats s;
	unsigned int period_us, cap_pm, gen;
	bool learn;

	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	bc = per_cpu_ptr(&xb_balloon_cpus, cpu);
	xb_cfg_read(&period_us, &cap_pm, &learn, &gen);

	raw_spin_lock_irq(&bc->lock);
	xb_set_mode(bc, cpu, bc->mode, ktime_get_ns());	/* fold time */
	s = bc->stats;
	s.mode = bc->mode;
	if (bc->mode == XB_MODE_DETACHED) {
		s.period_us = period_us;
		s.cap_pm = cap_pm;
		s.eff_cap_pm = cap_pm ?: XB_CAP_PM_MAX;
		s.reserve_ns = 0;
		s.cap_est_pm = cap_pm;
		s.cap_conf_pm = 0;
		if (cap_pm)
			s.cap_source = XB_CAP_SRC_TOLD;
		else if (xb_steal_source_of(cpu) == XB_STEAL_NONE || !learn)
			s.cap_source = XB_CAP_SRC_NO_STEAL;
		else
			s.cap_source = XB_CAP_SRC_UNKNOWN;
	} else {
		s.period_us = div_u64(bc->swc.period_ns, NSEC_PER_USEC);
		s.cap_pm = bc->swc.cap_pm;
		s.eff_cap_pm = bc->swc.eff_cap_pm;
		s.reserve_ns = bc->swc.target_off_ns;
		s.cap_source = bc->swc.learn.source < ARRAY_SIZE(xb_cap_sources) ?
			       xb_cap_sources[bc->swc.learn.source] :
			       XB_CAP_SRC_UNREPORTED;
		s.cap_conf_pm = bc->swc.learn.conf_pm;
		s.cap_est_pm = bc->swc.learn.est_pm;
	}
	raw_spin_unlock_irq(&bc->lock);

	s.size = stats->size;
	s.flags = stats->flags;
	s.cpu = stats->cpu;
	s.__reserved = 0;
	s.__reserved2 = 0;
	*stats = s;
	return 0;
}

static int xb_balloon_cpu_online(unsigned int cpu)
{
	struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);

	mutex_lock(&xb_attach_mutex);
	bc->online = true;
	mutex_unlock(&xb_attach_mutex);
	return 0;
}

/*
 * A CPU going offline takes its balloon with it: the thread's affinity is
 * broken (its next call gets EINVAL) and the period timer must not follow
 * the migrated timers to another CPU. Tasks still run here for a while
 * after this callback: @online keeps them from attaching again.
 */

static int xb_balloon_cpu_offline(unsigned int cpu)
{
	struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);

	mutex_lock(&xb_attach_mutex);
	bc->online = false;
	if (bc->owner)
		xb_detach(bc, cpu);
	xb_kthread_stop(bc);
	mutex_unlock(&xb_attach_mutex);
	return 0;
}

int xb_balloon_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		struct xb_balloon_cpu *bc = per_cpu_ptr(&xb_balloon_cpus, cpu);

		bc->cpu = cpu;
		raw_spin_lock_init(&bc->lock);
		init_waitqueue_head(&bc->wq);
		init_waitqueue_head(&bc->way_wq);
		init_waitqueue_head(&bc->kt_wq);
		init_irq_work(&bc->way_work, xb_way_work_fn);
		hrtimer_setup(&bc->period_timer, xb_period_timer_fn,
			      CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED);
		hrtimer_setup(&bc->budget_timer, xb_budget_timer_fn,
			      CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		bc->mode = XB_MODE_DETACHED;
	}

	/* Calls xb_balloon_cpu_online() on every online CPU, now and later. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "xballoon/balloon:online",
				xb_balloon_cpu_online, xb_balloon_cpu_offline);
	if (ret < 0)
		return ret;
	xb_balloon_hp_state = ret;

	ret = xb_hooks_init();
	if (ret)
		cpuhp_remove_state_nocalls(xb_balloon_hp_state);
	return ret;
}

/* Every file is closed by now (they hold a module reference). */
void xb_balloon_exit(void)
{
	unsigned int cpu;

	xb_hooks_exit();
	/* No probe can queue one now; let queued ones finish. */
	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&xb_balloon_cpus, cpu)->way_work);
	cpuhp_remove_state_nocalls(xb_balloon_hp_state);
}
