// SPDX-License-Identifier: GPL-2.0
/*
 * block.c - block the current vCPU until the next interrupt.
 *
 * Xen PV: SCHEDOP_block, which unmasks event delivery and blocks in one
 * step, so an event that arrives between our check and the block still
 * wakes us. Elsewhere (KVM, Xen HVM/PVH, QEMU TCG, bare metal): STI;HLT
 * through safe_halt(), which has the same property because STI takes
 * effect only after the next instruction. Either way the hypervisor sees
 * an idle vCPU and charges nothing until an interrupt wakes it, at once.
 */
#include <linux/interrupt.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <xen/xen.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <asm/xen/hypercall.h>

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
 * Context: process context, preemption disabled, interrupts enabled.
 * Return: true if the vCPU halted, false if work came first.
 */
bool xb_block_vcpu(u64 *halted)
{
	local_irq_disable();
	if (xb_block_must_run()) {
		local_irq_enable();
		return false;
	}
	*halted = local_clock();
	if (xen_pv_domain())
		/* Returns once an event is pending, upcall delivered. */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	else
		safe_halt();
	local_irq_enable();
	return true;
}
