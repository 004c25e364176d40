// SPDX-License-Identifier: GPL-2.0
/*
 * block.c - block the current vCPU until the next interrupt.
 *
 * STI;HLT through safe_halt(): STI takes effect only after the next
 * instruction, so an interrupt that arrives between our check and the halt
 * still wakes us. On a Xen PV guest safe_halt() is the paravirt op
 * xen_safe_halt(), SCHEDOP_block, which unmasks event delivery and blocks
 * in one step, with the same property; going through safe_halt() keeps the
 * irq-flags tracing (lockdep) right on every platform. Either way the
 * hypervisor sees an idle vCPU and charges nothing until an interrupt
 * wakes it, at once. On KVM the host's halt polling is off for the halt
 * (hostpoll.c).
 */
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>

#include "xballoon.h"

/* Work that must run before the vCPU may be given back. */
static bool xb_block_must_run(void)
{
	return need_resched() || local_softirq_pending();
}

/**
 * xb_block_vcpu() - halt this vCPU until the next interrupt
 * @halted: out, local_clock() when the vCPU was about to halt
 *
 * Never blocks with interrupts lost, nor when this CPU has work that must
 * run first (a task to switch to, pending softirqs). Interrupts are
 * enabled again on return, after the waking interrupt's handler ran.
 *
 * Context: process context, interrupts enabled, migration disabled (the
 * caller stays on this CPU; it may be preempted once the halt is over).
 * Return: true if the vCPU halted, false if work came first.
 */
bool xb_block_vcpu(u64 *halted)
{
	bool host_polls;
	u64 poll_ctl;

	local_irq_disable();
	if (xb_block_must_run()) {
		local_irq_enable();
		return false;
	}
	host_polls = xb_hostpoll_before_halt(&poll_ctl);
	*halted = local_clock();
	safe_halt();
	if (host_polls)
		xb_hostpoll_after_halt(poll_ctl);
	return true;
}
