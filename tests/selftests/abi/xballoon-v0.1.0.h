/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xballoon: user-space ABI of /dev/xballoon.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#ifndef _UAPI_LINUX_XBALLOON_H
#define _UAPI_LINUX_XBALLOON_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * DOC: General ioctl format
 *
 * Every ioctl takes a pointer to a structure that starts with
 * ``__u32 size; __u32 flags;``. ``size`` is sizeof() the structure as the
 * caller knows it; the kernel copies with copy_struct_from_user(), so an
 * older tool works with a newer module and the other way round. ``flags``
 * selects optional behaviour; every bit not defined for that ioctl must be
 * zero. Fields named ``__reserved*`` must be zero on input and read back as
 * zero. Output fields are written only when the ioctl succeeds.
 *
 * Every ioctl requires CAP_SYS_ADMIN, checked at call time (the device node is
 * also created mode 0600, root only).
 *
 * The errno of each failure is fixed:
 *
 *  - ENOTTY: unknown ioctl number.
 *  - EPERM: the caller lacks CAP_SYS_ADMIN.
 *  - EFAULT: the argument pointer is not readable or writable.
 *  - EINVAL: ``size`` is smaller than the first version of the structure,
 *    a reserved field is not zero, or an input value is out of range
 *    (for instance a CPU that is not online).
 *  - E2BIG: ``size`` is larger than the structure this module knows and the
 *    extra bytes are not all zero.
 *  - EOPNOTSUPP: an unknown bit is set in ``flags``.
 *  - EBUSY: XB_IOC_BALLOON on a CPU whose balloon another open file of
 *    /dev/xballoon holds.
 *  - EINTR: a signal interrupted XB_IOC_BALLOON; nothing is held.
 *  - ESRCH: XB_IOC_CREDIT adding a pid that names no task.
 *  - EEXIST: XB_IOC_CREDIT adding an entry that is already in the set.
 *  - ENOENT: XB_IOC_CREDIT removing or reading an entry that is not there.
 *  - ENOSPC: XB_IOC_CREDIT adding to a full set (XB_CREDIT_MAX entries).
 */

/* ABI version reported by XB_IOC_INFO; bumped only on incompatible change. */
#define XB_ABI_VERSION 1

#define XB_IOCTL_TYPE 0xba	/* free in Documentation/userspace-api/ioctl */

enum {
	XB_CMD_BASE = 0x40,
	XB_CMD_INFO = XB_CMD_BASE,
	XB_CMD_CPU_STEAL,
	XB_CMD_BALLOON,
	XB_CMD_GET_CONFIG,
	XB_CMD_SET_CONFIG,
	XB_CMD_CPU_STATS,
	XB_CMD_VCLOCK,
	XB_CMD_CREDIT,
};

/**
 * enum xb_hypervisor - what the module runs on
 * @XB_HV_NONE: bare metal (no CPUID hypervisor bit)
 * @XB_HV_OTHER: a hypervisor the module does not know (e.g. QEMU TCG)
 * @XB_HV_KVM: KVM
 * @XB_HV_XEN_PV: Xen, paravirtualised guest (dom0 or domU)
 * @XB_HV_XEN_PVH: Xen PVH guest
 * @XB_HV_XEN_HVM: Xen HVM guest
 */
enum xb_hypervisor {
	XB_HV_NONE = 0,
	XB_HV_OTHER = 1,
	XB_HV_KVM = 2,
	XB_HV_XEN_PV = 3,
	XB_HV_XEN_PVH = 4,
	XB_HV_XEN_HVM = 5,
};

/**
 * enum xb_steal_source - where a CPU's steal time comes from, best first
 * @XB_STEAL_NONE: nothing reports steal on this CPU; reads return 0
 * @XB_STEAL_XEN_RUNSTATE: Xen vCPU runstate, runnable + offline (exact)
 * @XB_STEAL_KVM: KVM steal-time area (exact, updated at every VM entry)
 * @XB_STEAL_KCPUSTAT: the kernel's kcpustat steal (tick granularity)
 * @XB_STEAL_GAP: estimated from late timers: an hrtimer that expires more
 *	than the module parameter gap_slack_us after its time was held up by
 *	the hypervisor (QEMU TCG under a host cap, KVM without steal time)
 */
enum xb_steal_source {
	XB_STEAL_NONE = 0,
	XB_STEAL_XEN_RUNSTATE = 1,
	XB_STEAL_KVM = 2,
	XB_STEAL_KCPUSTAT = 3,
	XB_STEAL_GAP = 4,
};

/* Feature bits reported in xb_info.features */
#define XB_FEATURE_CPU_STEAL	(1ULL << 0)	/* XB_IOC_CPU_STEAL works */
#define XB_FEATURE_BALLOON	(1ULL << 1)	/* XB_IOC_BALLOON, config, stats */
#define XB_FEATURE_VCLOCK	(1ULL << 2)	/* XB_IOC_VCLOCK */
#define XB_FEATURE_CREDIT	(1ULL << 3)	/* XB_IOC_CREDIT */

#define XB_VERSION_LEN 32

/**
 * struct xb_info - ioctl(XB_IOC_INFO)
 * @size: sizeof(struct xb_info)
 * @flags: must be 0
 * @abi_version: out, XB_ABI_VERSION of the module
 * @hypervisor: out, enum xb_hypervisor
 * @steal_source: out, enum xb_steal_source of the boot CPU
 * @nr_cpus: out, number of online CPUs
 * @nr_cpu_ids: out, one more than the highest possible CPU number
 * @__reserved: must be 0
 * @features: out, XB_FEATURE_* bits
 * @module_version: out, NUL-terminated module version string
 *
 * Describes the module and what it found. Per-CPU steal sources may differ
 * (a CPU can lack a registered area); ask XB_IOC_CPU_STEAL for each CPU.
 */
struct xb_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 hypervisor;
	__u32 steal_source;
	__u32 nr_cpus;
	__u32 nr_cpu_ids;
	__u32 __reserved;
	__aligned_u64 features;
	char module_version[XB_VERSION_LEN];
};

#define XB_IOC_INFO _IOWR(XB_IOCTL_TYPE, XB_CMD_INFO, struct xb_info)

/**
 * struct xb_cpu_steal - ioctl(XB_IOC_CPU_STEAL)
 * @size: sizeof(struct xb_cpu_steal)
 * @flags: must be 0
 * @cpu: in, an online CPU
 * @steal_source: out, enum xb_steal_source used for @cpu
 * @steal_ns: out, steal time of @cpu, monotonic, counted from module load
 * @clock_ns: out, CLOCK_MONOTONIC at the read, to turn deltas into rates
 *
 * Steal is time the vCPU wanted to run but the hypervisor ran something else
 * or kept it parked (Xen: runnable + offline). Compare deltas of two reads.
 */
struct xb_cpu_steal {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 steal_source;
	__aligned_u64 steal_ns;
	__aligned_u64 clock_ns;
};

#define XB_IOC_CPU_STEAL _IOWR(XB_IOCTL_TYPE, XB_CMD_CPU_STEAL, \
			       struct xb_cpu_steal)

/**
 * enum xb_balloon_mode - what the balloon of a CPU does
 * @XB_MODE_DETACHED: no balloon thread holds this CPU
 * @XB_MODE_NWC: non-work-conserving: the balloon halts the vCPU to keep
 *	budget in reserve for I/O
 * @XB_MODE_WC: work-conserving: this period's reserve is met, the balloon
 *	sleeps until the next period
 */
enum xb_balloon_mode {
	XB_MODE_DETACHED = 0,
	XB_MODE_NWC = 1,
	XB_MODE_WC = 2,
};

/**
 * enum xb_balloon_reason - why XB_IOC_BALLOON returned
 * @XB_BALLOON_WOKEN: an interrupt ended the halt; call again
 * @XB_BALLOON_RESERVED: this period's reserve is met: the CPU is now WC
 * @XB_BALLOON_PERIOD: a WC sleep ended because a new period started
 * @XB_BALLOON_YIELD: other work must run first (a task to schedule,
 *	pending softirqs, a woken ksoftirqd or interrupt thread); nothing was
 *	held; call again
 */
enum xb_balloon_reason {
	XB_BALLOON_WOKEN = 1,
	XB_BALLOON_RESERVED = 2,
	XB_BALLOON_PERIOD = 3,
	XB_BALLOON_YIELD = 4,
};

/* xb_balloon.flags: a CFS balloon thread (dynamic priority mode) */
#define XB_BALLOON_DYNAMIC	(1U << 0)
/*
 * xb_balloon.flags: hold the CPU from a kernel thread of the module, at the
 * caller's SCHED_FIFO priority (static mode only), until a signal
 */
#define XB_BALLOON_KTHREAD	(1U << 1)

/**
 * struct xb_balloon - ioctl(XB_IOC_BALLOON)
 * @size: sizeof(struct xb_balloon)
 * @flags: XB_BALLOON_DYNAMIC: the caller is a SCHED_NORMAL balloon and its
 *	halted time is not charged to it by the scheduler, so it keeps its
 *	claim on the CPU; without it the caller should be SCHED_FIFO, just
 *	below the real-time I/O tasks (static priority mode).
 *	XB_BALLOON_KTHREAD (static mode, SCHED_FIFO caller): the module holds
 *	@cpu from a kernel thread at the caller's priority, the same way, and
 *	the call sleeps until a signal (EINTR) or until @cpu goes offline (0,
 *	reason XB_BALLOON_PERIOD). A kernel thread has no address space of
 *	its own, so running it between two slices of the I/O task switches
 *	no page tables (an emulator without PCIDs flushes its TLB on each);
 *	@held_ns is then 0: XB_IOC_CPU_STATS has the counters.
 * @cpu: in, the CPU the caller is bound to (its only allowed CPU)
 * @reason: out, enum xb_balloon_reason
 * @mode: out, enum xb_balloon_mode of @cpu at return
 * @__reserved: must be 0
 * @held_ns: out, off-CPU time this call held the vCPU, up to the entry of
 *	the interrupt that ended the halt
 *
 * Called in a loop by one balloon thread per CPU. In NWC mode it halts the
 * vCPU (SCHEDOP_block on Xen PV, HLT elsewhere) until an interrupt leaves
 * work for this CPU or the period's reserve is met; an interrupt that
 * leaves nothing to do (the tick) is followed by the next halt within the
 * same call, and @held_ns sums them. In WC mode it sleeps until the next
 * period. The first call attaches the
 * calling open file to @cpu; closing it (or the process dying) detaches,
 * so no CPU stays reserved without a live balloon.
 */
struct xb_balloon {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 reason;
	__u32 mode;
	__u32 __reserved;
	__aligned_u64 held_ns;
};

#define XB_IOC_BALLOON _IOWR(XB_IOCTL_TYPE, XB_CMD_BALLOON, struct xb_balloon)

/* Limits of xb_config.period_us */
#define XB_PERIOD_US_MIN	1000
#define XB_PERIOD_US_MAX	1000000
/* xb_config.cap_pm: 0 learns the cap from steal; 1000 is one full CPU */
#define XB_CAP_PM_LEARN		0
#define XB_CAP_PM_MIN		10
#define XB_CAP_PM_MAX		1000

/* xb_config.flags for XB_IOC_SET_CONFIG: the fields to change */
#define XB_CONFIG_PERIOD	(1U << 0)
#define XB_CONFIG_CAP		(1U << 1)

/**
 * struct xb_config - ioctl(XB_IOC_GET_CONFIG), ioctl(XB_IOC_SET_CONFIG)
 * @size: sizeof(struct xb_config)
 * @flags: GET: must be 0; SET: XB_CONFIG_* bits naming the fields to apply
 *	(at least one)
 * @period_us: accounting period of the reservation, XB_PERIOD_US_MIN to
 *	XB_PERIOD_US_MAX
 * @cap_pm: the vCPU's cap in per mille of one CPU (500: half a CPU),
 *	XB_CAP_PM_MIN to XB_CAP_PM_MAX, or XB_CAP_PM_LEARN to learn it from
 *	the steal of busy periods
 * @__reserved: must be 0
 *
 * Applies to every CPU from its next period. Values out of range give
 * EINVAL and change nothing.
 */
struct xb_config {
	__u32 size;
	__u32 flags;
	__u32 period_us;
	__u32 cap_pm;
	__u32 __reserved;
};

#define XB_IOC_GET_CONFIG _IOWR(XB_IOCTL_TYPE, XB_CMD_GET_CONFIG, \
				struct xb_config)
#define XB_IOC_SET_CONFIG _IOWR(XB_IOCTL_TYPE, XB_CMD_SET_CONFIG, \
				struct xb_config)

/**
 * struct xb_cpu_stats - ioctl(XB_IOC_CPU_STATS)
 * @size: sizeof(struct xb_cpu_stats)
 * @flags: must be 0
 * @cpu: in, a possible CPU
 * @mode: out, enum xb_balloon_mode now
 * @period_us: out, period in use
 * @cap_pm: out, configured cap (0: learning)
 * @eff_cap_pm: out, cap in use after adaptation (0: not known yet)
 * @__reserved: must be 0
 * @reserve_ns: out, off-CPU target of the current period
 * @periods: out, periods with a balloon attached
 * @periods_reserved: out, of those, periods whose target was met
 * @periods_throttled: out, of those, periods with throttling observed
 * @halts: out, halts by the balloon
 * @halt_ns: out, time halted by the balloon, to the waking interrupt
 * @nwc_ns: out, time attached in NWC mode
 * @wc_ns: out, time attached in WC mode
 * @steal_ns: out, steal observed while attached
 * @yields: out, times the balloon gave way to other work: ended a hold
 *	for a woken task of the I/O path, or stood aside before one (a wake-up
 *	may count in both)
 *
 * Counters run from module load and survive detach.
 */
struct xb_cpu_stats {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 mode;
	__u32 period_us;
	__u32 cap_pm;
	__u32 eff_cap_pm;
	__u32 __reserved;
	__aligned_u64 reserve_ns;
	__aligned_u64 periods;
	__aligned_u64 periods_reserved;
	__aligned_u64 periods_throttled;
	__aligned_u64 halts;
	__aligned_u64 halt_ns;
	__aligned_u64 nwc_ns;
	__aligned_u64 wc_ns;
	__aligned_u64 steal_ns;
	__aligned_u64 yields;
};

#define XB_IOC_CPU_STATS _IOWR(XB_IOCTL_TYPE, XB_CMD_CPU_STATS, \
			       struct xb_cpu_stats)

/**
 * enum xb_vclock_state - what the steal-adjusted scheduler clock does
 * @XB_VCLOCK_OFF: turned off: tasks are charged for stolen time
 * @XB_VCLOCK_ON: tasks are charged only for time their vCPU ran
 * @XB_VCLOCK_KERNEL: the kernel subtracts steal itself
 *	(CONFIG_PARAVIRT_TIME_ACCOUNTING): the module stands down
 * @XB_VCLOCK_NO_STEAL: wanted, but no CPU has a source cheap enough for
 *	the scheduler (QEMU TCG, bare metal): nothing to subtract, so the
 *	scheduler is not hooked at all
 */
enum xb_vclock_state {
	XB_VCLOCK_OFF = 0,
	XB_VCLOCK_ON = 1,
	XB_VCLOCK_KERNEL = 2,
	XB_VCLOCK_NO_STEAL = 3,
};

/* xb_vclock.flags: apply @enable; without it the call only reads. */
#define XB_VCLOCK_SET	(1U << 0)

/**
 * struct xb_vclock - ioctl(XB_IOC_VCLOCK)
 * @size: sizeof(struct xb_vclock)
 * @flags: XB_VCLOCK_SET or 0
 * @enable: in with XB_VCLOCK_SET: 1 on, 0 off; other values: EINVAL
 * @state: out, enum xb_vclock_state after the call
 * @uncharged_ns: out, stolen time taken off tasks' charges, all CPUs,
 *	since load
 * @events: out, scheduler charges the hook saw
 * @hook_ns: out, time spent in the hook, sampled on 1 event in 64 and
 *	scaled, to report its cost
 */
struct xb_vclock {
	__u32 size;
	__u32 flags;
	__u32 enable;
	__u32 state;
	__aligned_u64 uncharged_ns;
	__aligned_u64 events;
	__aligned_u64 hook_ns;
};

#define XB_IOC_VCLOCK _IOWR(XB_IOCTL_TYPE, XB_CMD_VCLOCK, struct xb_vclock)

/**
 * enum xb_credit_op - what XB_IOC_CREDIT does with the fair-credit set
 * @XB_CREDIT_ADD_PID: add the task (thread or process) @pid
 * @XB_CREDIT_DEL_PID: remove @pid
 * @XB_CREDIT_ADD_COMM: add every task whose command name is @comm
 * @XB_CREDIT_DEL_COMM: remove @comm
 * @XB_CREDIT_GET: read entry number @index into @pid, @comm or @cgroup_id
 * @XB_CREDIT_CLEAR: empty the set
 * @XB_CREDIT_ADD_CGROUP: add every task of the cgroup v2 @cgroup_id and of
 *	its descendants
 * @XB_CREDIT_DEL_CGROUP: remove @cgroup_id, even once the cgroup is gone
 */
enum xb_credit_op {
	XB_CREDIT_ADD_PID = 1,
	XB_CREDIT_DEL_PID = 2,
	XB_CREDIT_ADD_COMM = 3,
	XB_CREDIT_DEL_COMM = 4,
	XB_CREDIT_GET = 5,
	XB_CREDIT_CLEAR = 6,
	XB_CREDIT_ADD_CGROUP = 7,
	XB_CREDIT_DEL_CGROUP = 8,
};

#define XB_CREDIT_MAX	64
#define XB_COMM_LEN	16	/* TASK_COMM_LEN, NUL included */

/**
 * struct xb_credit - ioctl(XB_IOC_CREDIT): the fair-credit set
 * @size: sizeof(struct xb_credit)
 * @flags: must be 0
 * @op: enum xb_credit_op
 * @pid: in for the *_PID ops (a pid in the caller's pid namespace); out for
 *	GET (0 if the entry is a command name or a cgroup)
 * @index: in for GET: 0 to @nr_entries - 1
 * @nr_entries: out, entries in the set after the call
 * @comm: in for the *_COMM ops: 1 to 15 printable characters, NUL
 *	terminated, no '/'; out for GET (empty if the entry is a pid or a
 *	cgroup)
 * @restored: out, wake-ups of set members whose credit was restored
 * @credited_ns: out, virtual run time given back in all
 * @cgroup_id: in for the *_CGROUP ops: the cgroup v2 id, which on 64-bit
 *	kernels is the inode number (st_ino) of the cgroup's directory in the
 *	cgroup2 filesystem; out for GET (0 if the entry is a pid or a command
 *	name). Must be 0 for the *_PID, *_COMM ops and GET. Appended to the
 *	first version, which ends at @credited_ns: a caller of that size still
 *	works (its @cgroup_id reads as 0), but a @size that ends inside
 *	@cgroup_id is EINVAL.
 *
 * Tasks in the set keep the vruntime credit they earned while sleeping
 * instead of being re-placed near the runqueue's minimum on wake-up, up to
 * the module parameter credit_max_us below it, so that a light I/O task
 * cannot monopolise the CPU. Needs the kernel's schedstats on
 * (sysctl kernel.sched_schedstats=1): the restore point is the wake-up's
 * sched_stat_sleep event. Bad values get EINVAL; see the errno list.
 *
 * A cgroup entry covers the tasks of that cgroup and of every cgroup below
 * it, as they are at each wake-up: a task that moves in or out gains or
 * loses the credit at once. XB_CREDIT_ADD_CGROUP fails with EINVAL for
 * @cgroup_id 0, ENOENT if no live cgroup v2 has that id in the caller's
 * cgroup namespace, EEXIST if it is in the set already. The entry holds a
 * reference on the cgroup: its directory may still be removed (rmdir), and
 * the entry then stays, matching no task, until XB_CREDIT_DEL_CGROUP or
 * XB_CREDIT_CLEAR, which take a removed cgroup's id too (ENOENT only if
 * the id is not in the set).
 */
struct xb_credit {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 pid;
	__u32 index;
	__u32 nr_entries;
	char comm[XB_COMM_LEN];
	__aligned_u64 restored;
	__aligned_u64 credited_ns;
	__aligned_u64 cgroup_id;
};

#define XB_IOC_CREDIT _IOWR(XB_IOCTL_TYPE, XB_CMD_CREDIT, struct xb_credit)

#endif /* _UAPI_LINUX_XBALLOON_H */
