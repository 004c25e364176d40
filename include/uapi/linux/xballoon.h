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
 */

/* ABI version reported by XB_IOC_INFO; bumped only on incompatible change. */
#define XB_ABI_VERSION 1

#define XB_IOCTL_TYPE 0xba	/* free in Documentation/userspace-api/ioctl */

enum {
	XB_CMD_BASE = 0x40,
	XB_CMD_INFO = XB_CMD_BASE,
	XB_CMD_CPU_STEAL,
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
 */
enum xb_steal_source {
	XB_STEAL_NONE = 0,
	XB_STEAL_XEN_RUNSTATE = 1,
	XB_STEAL_KVM = 2,
	XB_STEAL_KCPUSTAT = 3,
};

/* Feature bits reported in xb_info.features */
#define XB_FEATURE_CPU_STEAL	(1ULL << 0)	/* XB_IOC_CPU_STEAL works */

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

#endif /* _UAPI_LINUX_XBALLOON_H */
