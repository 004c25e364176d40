// SPDX-License-Identifier: GPL-2.0
/*
 * hostpoll_policy.c - when the balloon turns the KVM host's halt polling
 * off, pure: no kernel headers, so the unit tests build this very file in
 * user space (tests/unit/hostpoll_policy_test.c). The why is in hostpoll.c.
 */
#include "hostpoll_policy.h"

/**
 * xb_hostpoll_offered() - does the host let this guest switch polling off
 * @kvm: the hypervisor is KVM (its CPUID signature was found)
 * @kvm_features: eax of the KVM_CPUID_FEATURES leaf
 *
 * Return: true if MSR_KVM_POLL_CONTROL exists and the host honours it.
 */
bool xb_hostpoll_offered(bool kvm, u32 kvm_features)
{
	return kvm && (kvm_features >> XB_KVM_FEATURE_POLL_CONTROL) & 1;
}

/**
 * xb_hostpoll_clear_for_halt() - clear the host's polling for one halt
 * @offered: xb_hostpoll_offered()
 * @wanted_off: the host_poll_off parameter
 * @msr: MSR_KVM_POLL_CONTROL as read before the halt
 *
 * Only a bit that is set is cleared, and only a bit that was cleared here
 * is set again after the halt: a vCPU whose bit is already clear belongs
 * to the guest's own halt polling (cpuidle-haltpoll clears it on every CPU
 * it drives), which must find it as it left it.
 *
 * Return: true to clear the bit now and set it again after the halt.
 */
bool xb_hostpoll_clear_for_halt(bool offered, bool wanted_off, u64 msr)
{
	return offered && wanted_off && (msr & XB_KVM_POLL_CONTROL_HOST_POLLS);
}
