// SPDX-License-Identifier: GPL-2.0
/*
 * steal.c - where each CPU's steal time comes from, and reading it.
 *
 * Sources, best first:
 *  - Xen runstate: time in RUNSTATE_runnable (the pCPU ran someone else) plus
 *    RUNSTATE_offline (a cap parked us), exact, from VCPUOP_get_runstate_info.
 *    The kernel's own runstate area is not exported and a vCPU has only one
 *    registered area, so we ask the hypervisor: about a microsecond a read.
 *  - KVM steal-time area: exact, updated by the host at every VM entry. The
 *    kernel's area is static, but MSR_KVM_STEAL_TIME gives its physical
 *    address on the CPU it belongs to, so we read the same area.
 *  - kcpustat: what the kernel accounted at its ticks (tick granularity).
 *    Meaningful only where the hypervisor feeds the paravirt steal clock.
 *  - gap: where nothing reports steal (QEMU TCG under a host cap, KVM
 *    without steal time, bare metal), an estimate from late timers. A busy
 *    CPU always has an hrtimer armed (the tick, at worst 1/HZ away); one
 *    that expires later than gap_slack_us after its time means the vCPU
 *    was held that long, for the hrtimer code runs first thing on the
 *    timer interrupt. Granularity: the next timer, so at most a tick.
 *  - none: nothing, reads return 0.
 *
 * The choice is made per CPU when it comes online, so a CPU whose area is
 * missing falls back on its own. Readings go through steal_acct.c.
 */
#include <linux/cpuhotplug.h>
#include <linux/hrtimer.h>
#include <linux/io.h>
#include <linux/kernel_stat.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <asm/hypervisor.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>
#include <xen/xen-ops.h>
#include <asm/xen/hypercall.h>

#include "xballoon.h"
#include "steal_acct.h"

/* steal_source=auto: not a UAPI value, only the parameter's default. */
#define XB_STEAL_AUTO	(-1)
#define XB_STEAL_SOURCE_DEFAULT	"auto"

static const char * const xb_steal_names[] = {
	[XB_STEAL_NONE]		= "none",
	[XB_STEAL_XEN_RUNSTATE]	= "xen-runstate",
	[XB_STEAL_KVM]		= "kvm",
	[XB_STEAL_KCPUSTAT]	= "kcpustat",
	[XB_STEAL_GAP]		= "gap",
};

/* Parameter spelling of each source; "xen" reads better than the name. */
static const char * const xb_steal_param_names[] = {
	[XB_STEAL_NONE]		= "none",
	[XB_STEAL_XEN_RUNSTATE]	= "xen",
	[XB_STEAL_KVM]		= "kvm",
	[XB_STEAL_KCPUSTAT]	= "kcpustat",
	[XB_STEAL_GAP]		= "gap",
};

static int xb_steal_wanted = XB_STEAL_AUTO;

static int xb_steal_param_set(const char *val, const struct kernel_param *kp)
{
	int i;

	if (sysfs_streq(val, "auto")) {
		xb_steal_wanted = XB_STEAL_AUTO;
		return 0;
	}
	i = sysfs_match_string(xb_steal_param_names, val);
	if (i < 0)
		return -EINVAL;
	xb_steal_wanted = i;
	return 0;
}

static int xb_steal_param_get(char *buf, const struct kernel_param *kp)
{
	if (xb_steal_wanted == XB_STEAL_AUTO)
		return sysfs_emit(buf, "auto\n");
	return sysfs_emit(buf, "%s\n", xb_steal_param_names[xb_steal_wanted]);
}

static const struct kernel_param_ops xb_steal_param_ops = {
	.set = xb_steal_param_set,
	.get = xb_steal_param_get,
};

/* Read-only once loaded: a source change would need every CPU re-picked. */
module_param_cb(steal_source, &xb_steal_param_ops, NULL, 0444);
/* A forced source that some CPU lacks fails the load with -ENODEV. */
MODULE_PARM_DESC(steal_source,
		 "auto, xen, kvm, kcpustat, gap or none [DEFAULT: " XB_STEAL_SOURCE_DEFAULT "]");

/*
 * 2 ms: emulators deliver timers late on their own (QEMU TCG: up to about
 * a millisecond under load), which is not steal; a host cap parks a vCPU
 * for several milliseconds at a time (CFS bandwidth: the rest of its
 * period).
 */
#define XB_GAP_SLACK_US_DEFAULT	2000
#define XB_GAP_SLACK_US_MIN	200
#define XB_GAP_SLACK_US_MAX	100000
static unsigned int xb_gap_slack_us = XB_GAP_SLACK_US_DEFAULT;
XB_PARAM_UINT_RANGE(gap_slack_us, xb_gap_slack_us, XB_GAP_SLACK_US_MIN,
		    XB_GAP_SLACK_US_MAX, 0644);
MODULE_PARM_DESC(gap_slack_us,
		 "A timer later than this counts as steal (gap source), us, "
		 __stringify(XB_GAP_SLACK_US_MIN) "-" __stringify(XB_GAP_SLACK_US_MAX)
		 " [DEFAULT: " __stringify(XB_GAP_SLACK_US_DEFAULT) "]");

/**
 * struct xb_steal_cpu - steal state of one CPU
 * @lock: serialises readers of this CPU with its hotplug callbacks
 * @ready: the CPU is online and @source is usable
 * @source: enum xb_steal_source picked when the CPU came online
 * @kvm_area: the kernel's KVM steal-time area of this CPU, if @source is KVM
 * @gap_ns: steal seen as late timers (gap source); written by this CPU only
 * @gap_end: CLOCK_MONOTONIC (fast) end of the last gap counted
 * @acct: bookkeeping from raw readings to the reported steal
 */
struct xb_steal_cpu {
	/* Readers on any CPU vs. this CPU's hotplug callbacks */
	raw_spinlock_t lock;
	bool ready;
	enum xb_steal_source source;
	struct kvm_steal_time *kvm_area;
	u64 gap_ns;
	u64 gap_end;
	struct xb_steal_acct acct;
};

static DEFINE_PER_CPU(struct xb_steal_cpu, xb_steal_cpus);
static enum cpuhp_state xb_steal_hp_state;
static struct tracepoint *xb_tp_hrtimer_expire;
static bool xb_gap_hooked;
/* Every CPU online at load has its source: later CPUs may fall back. */
static bool xb_steal_loaded;

/*
 * Context: the timer interrupt, before the timer's callback (which may
 * wake a task and charge the running one for the gap: the steal is known
 * by then). Soft timers expire in softirq context, late by design.
 */
static void xb_probe_hrtimer_expire(void *data, struct hrtimer *timer,
				    ktime_t *now)
{
	struct xb_steal_cpu *sc = this_cpu_ptr(&xb_steal_cpus);
	s64 late;
	u64 end, start;

	if (READ_ONCE(sc->source) != XB_STEAL_GAP || timer->is_soft)
		return;
	late = ktime_to_ns(ktime_sub(*now, hrtimer_get_expires(timer)));
	if (late <= (s64)READ_ONCE(xb_gap_slack_us) * NSEC_PER_USEC)
		return;
	/* Timers expiring together were held by the same gap: count it once. */
	end = ktime_get_mono_fast_ns();
	start = max(end - late, sc->gap_end);
	if (end > start)
		WRITE_ONCE(sc->gap_ns, sc->gap_ns + end - start);
	sc->gap_end = end;
}

static void xb_steal_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "hrtimer_expire_entry"))
		xb_tp_hrtimer_expire = tp;
}

/* The gap source's probe, only where it may be used. */
static void xb_gap_hook(void)
{
	if (xb_steal_wanted != XB_STEAL_AUTO && xb_steal_wanted != XB_STEAL_GAP)
		return;
	for_each_kernel_tracepoint(xb_steal_find, NULL);
	if (!xb_tp_hrtimer_expire) {
		pr_info("tracepoint hrtimer_expire_entry not found: no gap steal\n");
		return;
	}
	xb_gap_hooked = !tracepoint_probe_register(xb_tp_hrtimer_expire,
						   xb_probe_hrtimer_expire,
						   NULL);
}

static void xb_gap_unhook(void)
{
	if (!xb_gap_hooked)
		return;
	tracepoint_probe_unregister(xb_tp_hrtimer_expire,
				    xb_probe_hrtimer_expire, NULL);
	tracepoint_synchronize_unregister();
	xb_gap_hooked = false;
}

static bool xb_xen_runstate_steal(unsigned int cpu, u64 *steal)
{
#ifdef CONFIG_XEN
	struct vcpu_runstate_info rs;

	if (HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, xen_vcpu_nr(cpu), &rs))
		return false;
	*steal = rs.time[RUNSTATE_runnable] + rs.time[RUNSTATE_offline];
	return true;
#else
	return false;
#endif
}

/**
 * xb_steal_runstate() - a Xen vCPU's off-CPU times, exactly
 * @cpu: CPU to read
 * @off: out, off-CPU time by cause (ns, since the vCPU was created)
 *
 * Return: false when not on Xen or the hypervisor refused.
 */
bool xb_steal_runstate(unsigned int cpu, struct xb_offcpu *off)
{
#ifdef CONFIG_XEN
	struct vcpu_runstate_info rs;

	if (!xb_hv_is_xen() ||
	    HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, xen_vcpu_nr(cpu), &rs))
		return false;
	off->blocked_ns = rs.time[RUNSTATE_blocked];
	off->runnable_ns = rs.time[RUNSTATE_runnable];
	off->offline_ns = rs.time[RUNSTATE_offline];
	return true;
#else
	return false;
#endif
}

/* Same protocol as the kernel's kvm_steal_clock(): odd version = in flux. */
static u64 xb_kvm_area_steal(struct kvm_steal_time *st)
{
	u32 version;
	u64 steal;

	do {
		version = READ_ONCE(st->version);
		virt_rmb();	/* the host writes version, then steal */
		steal = READ_ONCE(st->steal);
		virt_rmb();	/* and bumps version again when done */
	} while ((version & 1) || version != READ_ONCE(st->version));
	return steal;
}

static bool xb_kvm_has_steal_time(void)
{
	u32 base;

	if (!hypervisor_is_type(X86_HYPER_KVM))
		return false;
	/* kvm_arch_para_features() is not exported: ask CPUID directly. */
	base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);
	return base && (cpuid_eax(base | KVM_CPUID_FEATURES) &
			BIT(KVM_FEATURE_STEAL_TIME));
}

/* Runs on @cpu itself: the MSR names the area of the CPU that reads it. */
static struct kvm_steal_time *xb_kvm_area_map(void)
{
	u64 msr;

	if (!xb_kvm_has_steal_time())
		return NULL;
	if (rdmsrl_safe(MSR_KVM_STEAL_TIME, &msr) || !(msr & KVM_MSR_ENABLED))
		return NULL;
	return memremap(msr & KVM_STEAL_VALID_BITS,
			sizeof(struct kvm_steal_time), MEMREMAP_WB);
}

/*
 * Where the hypervisor feeds the paravirt steal clock, kcpustat has it.
 * Decided once at load: CPUID traps to the hypervisor, far too slow for
 * the scheduler hook that asks.
 */
static bool xb_kcpustat_fed __read_mostly;

static bool xb_kcpustat_is_fed(void)
{
	return xb_kcpustat_fed;
}

static u64 xb_steal_raw(unsigned int cpu, struct xb_steal_cpu *sc)
{
	u64 raw = sc->acct.last_raw;

	switch (sc->source) {
	case XB_STEAL_XEN_RUNSTATE:
		/* On a failed hypercall keep the last value: no steal. */
		xb_xen_runstate_steal(cpu, &raw);
		break;
	case XB_STEAL_KVM:
		raw = xb_kvm_area_steal(sc->kvm_area);
		break;
	case XB_STEAL_KCPUSTAT:
		raw = READ_ONCE(kcpustat_cpu(cpu).cpustat[CPUTIME_STEAL]);
		break;
	case XB_STEAL_GAP:
		raw = READ_ONCE(sc->gap_ns);
		break;
	case XB_STEAL_NONE:
		raw = 0;
		break;
	}
	return raw;
}

/* Try @source on @cpu; on success, fill in what reading it needs. */
static bool xb_steal_try(unsigned int cpu, enum xb_steal_source source,
			 struct kvm_steal_time **kvm_area)
{
	u64 unused;

	switch (source) {
	case XB_STEAL_XEN_RUNSTATE:
		return xb_hv_is_xen() && xb_xen_runstate_steal(cpu, &unused);
	case XB_STEAL_KVM:
		*kvm_area = xb_kvm_area_map();
		return *kvm_area;
	case XB_STEAL_KCPUSTAT:
		/* Forced kcpustat is always readable, fed or not. */
		return xb_steal_wanted == XB_STEAL_KCPUSTAT ||
		       xb_kcpustat_is_fed();
	case XB_STEAL_GAP:
		return xb_gap_hooked;
	case XB_STEAL_NONE:
		return true;
	}
	return false;
}

static int xb_steal_cpu_online(unsigned int cpu)
{
	static const enum xb_steal_source best_first[] = {
		XB_STEAL_XEN_RUNSTATE, XB_STEAL_KVM, XB_STEAL_KCPUSTAT,
		XB_STEAL_GAP, XB_STEAL_NONE,
	};
	struct xb_steal_cpu *sc = per_cpu_ptr(&xb_steal_cpus, cpu);
	struct kvm_steal_time *kvm_area = NULL;
	enum xb_steal_source source = XB_STEAL_NONE;
	unsigned long irqflags;
	bool first = !sc->acct.last_clock;
	unsigned int i;
	u64 raw;

	if (xb_steal_wanted != XB_STEAL_AUTO &&
	    xb_steal_try(cpu, xb_steal_wanted, &kvm_area)) {
		source = xb_steal_wanted;
	} else {
		/*
		 * A forced source that a CPU lacks fails the load; a CPU
		 * that comes online later must not be refused for it.
		 */
		if (xb_steal_wanted != XB_STEAL_AUTO) {
			if (!xb_steal_loaded) {
				pr_err("steal_source=%s is not available on CPU %u\n",
				       xb_steal_param_names[xb_steal_wanted], cpu);
				return -ENODEV;
			}
			pr_warn("steal_source=%s is not available on CPU %u: picking its best\n",
				xb_steal_param_names[xb_steal_wanted], cpu);
		}
		for (i = 0; i < ARRAY_SIZE(best_first); i++) {
			source = best_first[i];
			if (xb_steal_try(cpu, source, &kvm_area))
				break;
		}
	}

	raw_spin_lock_irqsave(&sc->lock, irqflags);
	sc->source = source;
	sc->kvm_area = kvm_area;
	raw = xb_steal_raw(cpu, sc);
	/*
	 * Restart from the current reading: steal while the CPU was offline is
	 * not steal, and a new source's raw values do not continue the old.
	 */
	if (first)
		xb_steal_acct_init(&sc->acct, raw, ktime_get_ns());
	else
		sc->acct.last_raw = raw;
	sc->ready = true;
	raw_spin_unlock_irqrestore(&sc->lock, irqflags);
	return 0;
}

static int xb_steal_cpu_offline(unsigned int cpu)
{
	struct xb_steal_cpu *sc = per_cpu_ptr(&xb_steal_cpus, cpu);
	struct kvm_steal_time *kvm_area;
	unsigned long irqflags;

	raw_spin_lock_irqsave(&sc->lock, irqflags);
	sc->ready = false;
	/* Its area is going: what this CPU reports must not name it. */
	WRITE_ONCE(sc->source, XB_STEAL_NONE);
	kvm_area = sc->kvm_area;
	WRITE_ONCE(sc->kvm_area, NULL);
	raw_spin_unlock_irqrestore(&sc->lock, irqflags);

	if (kvm_area) {
		/*
		 * The scheduler hook reads the area locklessly, with
		 * preemption off: let every such reader finish first.
		 */
		synchronize_rcu();
		memunmap(kvm_area);
	}
	return 0;
}

/**
 * xb_steal_fast() - a raw steal reading cheap enough for a scheduler hook
 * @cpu: CPU to read
 * @raw: out, raw steal of @cpu (ns, monotonic while the source stays)
 *
 * The KVM area and the gap total are read directly; Xen's runstate would
 * cost a hypercall per
 * scheduler event, so there (and with VMware) the kernel's kcpustat steal,
 * which the kernel's own steal clock brings up to date at every tick, is
 * read instead. Lock-free: the caller holds the CPU's runqueue lock, and
 * the KVM area stays mapped while the CPU is online.
 *
 * Context: any, with @cpu online.
 * Return: false when nothing cheap reports steal on @cpu.
 */
bool xb_steal_fast(unsigned int cpu, u64 *raw)
{
	struct xb_steal_cpu *sc = per_cpu_ptr(&xb_steal_cpus, cpu);
	struct kvm_steal_time *kvm_area = READ_ONCE(sc->kvm_area);
	enum xb_steal_source source = READ_ONCE(sc->source);

	if (kvm_area) {
		*raw = xb_kvm_area_steal(kvm_area);
		return true;
	}
	if (source == XB_STEAL_GAP) {
		*raw = READ_ONCE(sc->gap_ns);
		return true;
	}
	if (source == XB_STEAL_NONE || !xb_kcpustat_is_fed())
		return false;
	*raw = READ_ONCE(kcpustat_cpu(cpu).cpustat[CPUTIME_STEAL]);
	return true;
}

/**
 * xb_steal_exact() - a CPU's exact steal, where reading it costs a hypercall
 * @cpu: CPU to read
 * @raw: out, raw steal of @cpu (ns)
 *
 * Context: any; the hypercall is fine with interrupts off.
 * Return: false unless @cpu uses Xen's runstate (the KVM area, the other
 * exact source, is what xb_steal_fast() reads already).
 */
bool xb_steal_exact(unsigned int cpu, u64 *raw)
{
	struct xb_steal_cpu *sc = per_cpu_ptr(&xb_steal_cpus, cpu);

	if (READ_ONCE(sc->source) != XB_STEAL_XEN_RUNSTATE)
		return false;
	return xb_xen_runstate_steal(cpu, raw);
}

/**
 * xb_steal_read() - steal of a CPU since the module was loaded
 * @cpu: CPU to read
 * @source: out, the source used for @cpu
 * @steal_ns: out, monotonic steal total (ns)
 * @clock_ns: out, CLOCK_MONOTONIC at the reading (ns)
 *
 * Return: 0, or -EINVAL if @cpu is not an online CPU.
 */
int xb_steal_read(unsigned int cpu, enum xb_steal_source *source,
		  u64 *steal_ns, u64 *clock_ns)
{
	struct xb_steal_cpu *sc;
	unsigned long irqflags;
	int ret = -EINVAL;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	sc = per_cpu_ptr(&xb_steal_cpus, cpu);

	raw_spin_lock_irqsave(&sc->lock, irqflags);
	if (sc->ready) {
		u64 raw = xb_steal_raw(cpu, sc);

		*clock_ns = ktime_get_ns();
		*steal_ns = xb_steal_acct_update(&sc->acct, raw, *clock_ns);
		*source = sc->source;
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&sc->lock, irqflags);
	return ret;
}

enum xb_steal_source xb_steal_source_of(unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(&xb_steal_cpus, cpu)->source);
}

/**
 * xb_steal_is_estimate() - nothing on @cpu reports steal for real
 * @cpu: CPU to ask
 *
 * Return: true if @cpu's steal is the timer-gap estimate, or nothing.
 */
bool xb_steal_is_estimate(unsigned int cpu)
{
	enum xb_steal_source source = xb_steal_source_of(cpu);

	return source == XB_STEAL_GAP || source == XB_STEAL_NONE;
}

const char *xb_steal_source_name(enum xb_steal_source source)
{
	if ((unsigned int)source >= ARRAY_SIZE(xb_steal_names))
		return "invalid";
	return xb_steal_names[source];
}

int xb_steal_init(void)
{
	unsigned int cpu;
	int ret;

	xb_kcpustat_fed = xb_hv_is_xen() || xb_kvm_has_steal_time() ||
			  hypervisor_is_type(X86_HYPER_VMWARE);
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&per_cpu_ptr(&xb_steal_cpus, cpu)->lock);
	xb_gap_hook();

	/* Calls xb_steal_cpu_online() on every online CPU, now and later. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "xballoon/steal:online",
				xb_steal_cpu_online, xb_steal_cpu_offline);
	if (ret < 0) {
		xb_gap_unhook();
		return ret;
	}
	xb_steal_hp_state = ret;
	xb_steal_loaded = true;
	return 0;
}

void xb_steal_exit(void)
{
	cpuhp_remove_state(xb_steal_hp_state);
	xb_gap_unhook();
}
