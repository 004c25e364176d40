// SPDX-License-Identifier: GPL-2.0
/*
 * hostpoll.c - no host halt polling during the balloon's halts (KVM).
 *
 * A KVM host does not deschedule a vCPU that halts at once: it polls for
 * a wake-up first, up to its halt_poll_ns (200 us by default, grown for a
 * vCPU whose wake-ups come soon). The polling runs in the vCPU's thread,
 * so it is billed to that thread's CPU quota (libvirt's vcpu_quota, a
 * cgroup), and the pCPU stays busy: a balloon halt, which is there to give
 * the cap's budget back, would spend part of it. A host that offers
 * KVM_FEATURE_POLL_CONTROL lets the guest switch that polling off per vCPU
 * (MSR_KVM_POLL_CONTROL bit 0; the guest's cpuidle-haltpoll driver clears
 * it while it polls itself). The balloon clears it for each of its own
 * halts and sets it again after, so the guest's other idle halts keep the
 * host's polling and its wake-up latency. Three MSR accesses per balloon
 * halt, each a light exit; the decision is hostpoll_policy.c's.
 *
 * Not exercised here: the test machines have no hardware KVM (QEMU TCG
 * offers no KVM leaves), so the vm layer checks only that the feature is
 * found absent; the decision is unit-tested in user space.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <uapi/asm/kvm_para.h>

#include "xballoon.h"
#include "hostpoll_policy.h"

/* The host honours MSR_KVM_POLL_CONTROL: set once at load. */
static bool xb_hostpoll_host __read_mostly;
/*
 * Read locklessly at each halt: u8, not bool (GCC with UBSAN_BOOL turns a
 * READ_ONCE() of a _Bool into a plain load, which KCSAN reports).
 * Cleared if the MSR ever faults, despite the host's word.
 */
static u8 xb_hostpoll_works = 1;
static u8 xb_host_poll_off = 1;

void xb_hostpoll_detect(void)
{
	u32 base = 0, features = 0;

	if (xb_hv_type() == XB_HV_KVM)
		base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);
	if (base)
		features = cpuid_eax(base | KVM_CPUID_FEATURES);
	xb_hostpoll_host = xb_hostpoll_offered(base, features);
}

static void xb_hostpoll_broken(void)
{
	WRITE_ONCE(xb_hostpoll_works, 0);
	pr_warn_once("MSR_KVM_POLL_CONTROL faults although the host offers it: host halt polling left as it is\n");
}

/**
 * xb_hostpoll_before_halt() - switch the host's polling off for one halt
 * @msr: out, the value to write back after the halt
 *
 * Context: interrupts off, on the CPU about to halt.
 * Return: true if the caller must call xb_hostpoll_after_halt(@msr).
 */
bool xb_hostpoll_before_halt(u64 *msr)
{
	if (!xb_hostpoll_host || !READ_ONCE(xb_hostpoll_works))
		return false;
	if (xb_rdmsr_safe(MSR_KVM_POLL_CONTROL, msr)) {
		xb_hostpoll_broken();
		return false;
	}
	if (!xb_hostpoll_clear_for_halt(true, READ_ONCE(xb_host_poll_off),
					*msr))
		return false;
	if (xb_wrmsr_safe(MSR_KVM_POLL_CONTROL,
			  *msr & ~XB_KVM_POLL_CONTROL_HOST_POLLS)) {
		xb_hostpoll_broken();
		return false;
	}
	return true;
}

/* Context: migration off, on the CPU that halted. */
void xb_hostpoll_after_halt(u64 msr)
{
	if (xb_wrmsr_safe(MSR_KVM_POLL_CONTROL, msr))
		xb_hostpoll_broken();
}

static int xb_host_poll_off_set(const char *val, const struct kernel_param *kp)
{
	bool on;

	if (xb_param_strict_bool(val, &on))
		return -EINVAL;
	WRITE_ONCE(xb_host_poll_off, on);
	return 0;
}

static int xb_host_poll_off_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n", READ_ONCE(xb_host_poll_off) ? 'Y' : 'N');
}

static const struct kernel_param_ops xb_host_poll_off_ops = {
	.set = xb_host_poll_off_set,
	.get = xb_host_poll_off_get,
};

module_param_cb(host_poll_off, &xb_host_poll_off_ops, NULL, 0644);
MODULE_PARM_DESC(host_poll_off,
		 "Switch the KVM host's halt polling off for the balloon's halts, where the host offers KVM_FEATURE_POLL_CONTROL (default: Y)");

static int xb_host_poll_control_get(char *buf, const struct kernel_param *kp)
{
	if (!xb_hostpoll_host)
		return sysfs_emit(buf, "absent\n");
	return sysfs_emit(buf, "%s\n", READ_ONCE(xb_hostpoll_works) ?
			  "offered" : "faulted");
}

static const struct kernel_param_ops xb_host_poll_control_ops = {
	.get = xb_host_poll_control_get,
};

module_param_cb(host_poll_control, &xb_host_poll_control_ops, NULL, 0444);
MODULE_PARM_DESC(host_poll_control,
		 "Read only: whether the host offers KVM_FEATURE_POLL_CONTROL (absent, offered, faulted)");
