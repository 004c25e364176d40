// SPDX-License-Identifier: GPL-2.0
/*
 * hooks.c - the kernel events the balloon listens to.
 *
 * The kernel's tracepoint symbols (__tracepoint_*) are not exported, but
 * for_each_kernel_tracepoint() walks them all, so we find ours by name.
 *
 * - Interrupt entry: a halt ends when the waking interrupt enters, not when
 *   safe_halt() returns after its handlers and softirqs ran; the time in
 *   between is work, not off-CPU time. irq_handler_entry covers device
 *   interrupts (and every Xen event channel, the timer included); the x86
 *   vector events cover the local APIC timer and the IPIs.
 * - sched_wakeup: a woken ksoftirqd or interrupt thread is the I/O path,
 *   and a balloon must not hold the CPU against it; sched_switch tells
 *   when that task blocked again and the balloon may go on.
 *
 * A tracepoint that is missing only costs precision (the halt then ends
 * when safe_halt() returns), so only irq_handler_entry is required.
 */
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "xballoon.h"

static void xb_probe_irq_handler(void *data, int irq,
				 struct irqaction *action)
{
	xb_balloon_irq_entry();
}

static void xb_probe_irq_vector(void *data, int vector)
{
	xb_balloon_irq_entry();
}

static void xb_probe_sched_wakeup(void *data, struct task_struct *p)
{
	xb_balloon_task_woken(p);
}

static void xb_probe_sched_switch(void *data, bool preempt,
				  struct task_struct *prev,
				  struct task_struct *next,
				  unsigned int prev_state)
{
	xb_balloon_task_switched(prev, prev_state);
}

struct xb_hook {
	const char *name;
	void *probe;
	bool required;
	struct tracepoint *tp;
};

static struct xb_hook xb_hooks[] = {
	{ "irq_handler_entry", xb_probe_irq_handler, true },
	{ "local_timer_entry", xb_probe_irq_vector },
	{ "reschedule_entry", xb_probe_irq_vector },
	{ "call_function_entry", xb_probe_irq_vector },
	{ "call_function_single_entry", xb_probe_irq_vector },
	{ "sched_wakeup", xb_probe_sched_wakeup },
	{ "sched_switch", xb_probe_sched_switch },
};

static void xb_hooks_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xb_hooks); i++)
		if (!strcmp(tp->name, xb_hooks[i].name))
			xb_hooks[i].tp = tp;
}

int xb_hooks_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(xb_hooks_find, NULL);

	for (i = 0; i < ARRAY_SIZE(xb_hooks); i++) {
		struct xb_hook *h = &xb_hooks[i];

		if (!h->tp) {
			if (h->required) {
				pr_err("tracepoint %s not found\n", h->name);
				ret = -ENOENT;
				goto err_unregister;
			}
			pr_info("tracepoint %s not found; going without\n",
				h->name);
			continue;
		}
		ret = tracepoint_probe_register(h->tp, h->probe, NULL);
		if (ret) {
			pr_err("cannot hook %s: %d\n", h->name, ret);
			h->tp = NULL;
			goto err_unregister;
		}
	}
	return 0;

err_unregister:
	xb_hooks_exit();
	return ret;
}

void xb_hooks_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xb_hooks); i++) {
		if (!xb_hooks[i].tp)
			continue;
		tracepoint_probe_unregister(xb_hooks[i].tp, xb_hooks[i].probe,
					    NULL);
		xb_hooks[i].tp = NULL;
	}
	/* No probe may still be running when the module text goes away. */
	tracepoint_synchronize_unregister();
}
