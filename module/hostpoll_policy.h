/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostpoll_policy.h - when the balloon turns the KVM host's halt polling
 * off, pure (tested in user space).
 */
#ifndef _XB_HOSTPOLL_POLICY_H
#define _XB_HOSTPOLL_POLICY_H

#include "xb_types.h"

/* KVM_CPUID_FEATURES eax: the host honours MSR_KVM_POLL_CONTROL. */
#define XB_KVM_FEATURE_POLL_CONTROL	12
/* MSR_KVM_POLL_CONTROL bit 0: the host may poll this vCPU when it halts. */
#define XB_KVM_POLL_CONTROL_HOST_POLLS	1ULL

bool xb_hostpoll_offered(bool kvm, u32 kvm_features);
bool xb_hostpoll_clear_for_halt(bool offered, bool wanted_off, u64 msr);

#endif /* _XB_HOSTPOLL_POLICY_H */
