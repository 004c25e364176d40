// SPDX-License-Identifier: GPL-2.0
/*
 * credit.c - fair credit: chosen I/O tasks keep, across a sleep, the
 * vruntime credit they earned by running less than their share.
 *
 * On wake-up the scheduler re-places a sleeper near the runqueue's minimum
 * vruntime, so a light I/O task that ran little has the same claim as one
 * that just woke from a busy spell; charged steal (see vclock.c) makes it
 * worse. The slides' "dynamic priority" fix kept the vruntime of named tasks
 * across sleeps. We do the same for a set of pids, command names and cgroup
 * v2 subtrees, bounded by credit_max_us below the scheduler's placement (the
 * decision is pure code in credit_policy.c).
 *
 * Where: a sleeping member's vruntime is noted at sched_switch (it is
 * final there). On wake-up, enqueue_entity() places the entity, then
 * reports the sleep through the sched_stat_sleep / sched_stat_blocked
 * events, then inserts it into the run-queue tree: between the two the
 * entity is off the tree (and, on EEVDF, out of the average vruntime), the
 * one point where it may be moved. Those events only fire with schedstats
 * on (sysctl kernel.sched_schedstats=1). A member that wakes on another
 * CPU is left alone: vruntimes of two runqueues do not compare.
 *
 * The probes stay registered while the module is loaded: the wake-up events
 * cost nothing unless schedstats are on, and sched_switch is hooked by the
 * balloon anyway, while every registration patches kernel text (static
 * keys) under the feet of running CPUs. With an empty set a probe returns
 * after one load.
 *
 * Cgroups: an entry holds a reference on its struct cgroup, taken by
 * cgroup_get_from_id(), so the probes may follow the pointer without a
 * lookup. Each version of the set holds its own references and drops them
 * from its RCU callback: a probe that still reads an old version finds its
 * cgroups alive, and no one has to wait for a grace period under the mutex.
 * The id comes from user space rather than an fd: cgroup_get_from_id() is
 * exported by both kernels we build for, checks the caller's cgroup
 * namespace, and a removed cgroup's entry can still be named by its id.
 */
#include <linux/cgroup.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/deadline.h>
#include <linux/sched/rt.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "xballoon.h"
#include "credit_policy.h"

#define XB_CREDIT_MAX_US_DEFAULT	10000
/* Sleeping members remembered at once; a hash on the pid. */
#define XB_CREDIT_SLOTS			256

/**
 * struct xb_credit_entry - one member of the set
 * @pid: global pid, or 0 for a command name or a cgroup
 * @comm: command name, if @pid is 0 and @cgrp NULL
 * @cgrp: a cgroup v2 whose subtree is in the set (a reference), or NULL
 * @cgroup_id: cgroup_id(@cgrp), kept to match it once the cgroup is removed
 */
struct xb_credit_entry {
	pid_t pid;
	char comm[XB_COMM_LEN];
	struct cgroup *cgrp;
	u64 cgroup_id;
};

/**
 * struct xb_credit_set - the set, replaced as a whole on change (RCU)
 * @rcu: to free it after readers are done
 * @nr: entries used
 * @e: the entries
 */
struct xb_credit_set {
	struct rcu_head rcu;
	unsigned int nr;
	struct xb_credit_entry e[XB_CREDIT_MAX];
};

/**
 * struct xb_credit_slot - a member's vruntime when it went to sleep
 * @pid: the task, 0 if the slot is free
 * @cpu: where it slept
 * @vruntime: its vruntime then
 */
struct xb_credit_slot {
	pid_t pid;
	unsigned int cpu;
	u64 vruntime;
};

static struct xb_credit_set __rcu *xb_credit_members;
static DEFINE_MUTEX(xb_credit_mutex);
static DEFINE_RAW_SPINLOCK(xb_credit_slots_lock);
static struct xb_credit_slot xb_credit_slots[XB_CREDIT_SLOTS];
static struct tracepoint *xb_tp_switch, *xb_tp_sleep, *xb_tp_blocked;
static bool xb_credit_hooked;
static atomic64_t xb_credit_restored = ATOMIC64_INIT(0);
static atomic64_t xb_credit_given_ns = ATOMIC64_INIT(0);

#define XB_CREDIT_MAX_US_MIN	100
#define XB_CREDIT_MAX_US_MAX	100000
static unsigned int xb_credit_max_us = XB_CREDIT_MAX_US_DEFAULT;
XB_PARAM_UINT_RANGE(credit_max_us, xb_credit_max_us, XB_CREDIT_MAX_US_MIN,
		    XB_CREDIT_MAX_US_MAX, 0644);
MODULE_PARM_DESC(credit_max_us,
		 "Most vruntime credit a fair-credit task keeps per wake-up, us, "
		 __stringify(XB_CREDIT_MAX_US_MIN) "-" __stringify(XB_CREDIT_MAX_US_MAX)
		 " [DEFAULT: " __stringify(XB_CREDIT_MAX_US_DEFAULT) "]");

/*
 * Context: a scheduler tracepoint, preemption off (an RCU reader), the rq
 * lock of @p held. That makes task_dfl_cgroup() safe too: css_sets and
 * cgroups are freed only after a grace period, and task_css_set_check()
 * accepts rcu_read_lock_sched_held(). cgroup_is_descendant() is a compare
 * of the task's ancestor array at the entry's level: no lock, no walk.
 */
static bool xb_credit_member(struct task_struct *p)
{
	struct xb_credit_set *set = rcu_dereference_sched(xb_credit_members);
	struct cgroup *cgrp = NULL;
	unsigned int i;

	if (!set || rt_task(p) || dl_task(p) || p->policy == SCHED_IDLE)
		return false;
	for (i = 0; i < set->nr; i++) {
		const struct xb_credit_entry *e = &set->e[i];

		if (e->pid) {
			if (e->pid == p->pid || e->pid == p->tgid)
				return true;
		} else if (e->cgrp) {
			if (!cgrp)
				cgrp = task_dfl_cgroup(p);
			if (cgroup_is_descendant(cgrp, e->cgrp))
				return true;
		} else if (!strncmp(e->comm, p->comm, XB_COMM_LEN)) {
			return true;
		}
	}
	return false;
}

static struct xb_credit_slot *xb_credit_slot(pid_t pid)
{
	return &xb_credit_slots[(unsigned int)pid % XB_CREDIT_SLOTS];
}

static void xb_probe_switch(void *data, bool preempt, struct task_struct *prev,
			    struct task_struct *next, unsigned int prev_state)
{
	struct xb_credit_slot *slot;

	/* Only a member going to sleep: a preempted task keeps its place. */
	if (preempt || prev_state == TASK_RUNNING || !xb_credit_member(prev))
		return;
	slot = xb_credit_slot(prev->pid);
	raw_spin_lock(&xb_credit_slots_lock);
	slot->pid = prev->pid;
	slot->cpu = task_cpu(prev);
	slot->vruntime = prev->se.vruntime;
	raw_spin_unlock(&xb_credit_slots_lock);
}

/* Context: enqueue_entity(), the entity placed but not yet in the tree. */
static void xb_probe_wake(void *data, struct task_struct *p, u64 delay)
{
	struct sched_entity *se = &p->se;
	struct xb_credit_slot *slot;
	u64 slept, target, bound;
	bool found;

	if (!xb_credit_member(p))
		return;
	slot = xb_credit_slot(p->pid);
	raw_spin_lock(&xb_credit_slots_lock);
	found = slot->pid == p->pid && slot->cpu == task_cpu(p);
	slept = slot->vruntime;
	if (slot->pid == p->pid)
		slot->pid = 0;
	raw_spin_unlock(&xb_credit_slots_lock);
	if (!found)
		return;

	bound = (u64)READ_ONCE(xb_credit_max_us) * NSEC_PER_USEC;
	target = xb_credit_target(slept, se->vruntime, bound);
	if (target == se->vruntime)
		return;
	atomic64_add(se->vruntime - target, &xb_credit_given_ns);
	atomic64_inc(&xb_credit_restored);
	xb_se_shift_deadline(se, se->vruntime - target);
	se->vruntime = target;
}

static void xb_credit_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		xb_tp_switch = tp;
	else if (!strcmp(tp->name, "sched_stat_sleep"))
		xb_tp_sleep = tp;
	else if (!strcmp(tp->name, "sched_stat_blocked"))
		xb_tp_blocked = tp;
}

static void xb_credit_unhook(void)
{
	if (!xb_credit_hooked)
		return;
	tracepoint_probe_unregister(xb_tp_blocked, xb_probe_wake, NULL);
	tracepoint_probe_unregister(xb_tp_sleep, xb_probe_wake, NULL);
	tracepoint_probe_unregister(xb_tp_switch, xb_probe_switch, NULL);
	tracepoint_synchronize_unregister();
	xb_credit_hooked = false;
}

static int xb_credit_hook(void)
{
	int ret;

	ret = tracepoint_probe_register(xb_tp_switch, xb_probe_switch, NULL);
	if (ret)
		return ret;
	ret = tracepoint_probe_register(xb_tp_sleep, xb_probe_wake, NULL);
	if (ret)
		goto err_sleep;
	ret = tracepoint_probe_register(xb_tp_blocked, xb_probe_wake, NULL);
	if (ret)
		goto err_blocked;
	xb_credit_hooked = true;
	return 0;

err_blocked:
	tracepoint_probe_unregister(xb_tp_sleep, xb_probe_wake, NULL);
err_sleep:
	tracepoint_probe_unregister(xb_tp_switch, xb_probe_switch, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

/* The pid as the module sees it (global), from one in the caller's view. */
static int xb_credit_global_pid(u32 upid, pid_t *pid)
{
	struct task_struct *t;

	if (!upid || upid > PID_MAX_LIMIT)
		return -EINVAL;
	rcu_read_lock();
	t = pid_task(find_vpid(upid), PIDTYPE_PID);
	if (t)
		*pid = t->pid;
	rcu_read_unlock();
	return t ? 0 : -ESRCH;
}

/* The entry for @pid, @cgroup_id or @comm (in that order), or -1. */
static int xb_credit_find_entry(const struct xb_credit_set *set, pid_t pid,
				u64 cgroup_id, const char *comm)
{
	const struct xb_credit_entry *e;
	unsigned int i;

	for (i = 0; i < set->nr; i++) {
		e = &set->e[i];
		if (pid ? e->pid == pid :
		    cgroup_id ? e->cgrp && e->cgroup_id == cgroup_id :
		    !e->pid && !e->cgrp &&
		    !strncmp(e->comm, comm, XB_COMM_LEN))
			return i;
	}
	return -1;
}

/* Drop a set's cgroup references and free it; no reader may be left. */
static void xb_credit_set_free(struct xb_credit_set *set)
{
	unsigned int i;

	if (!set)
		return;
	for (i = 0; i < set->nr; i++)
		if (set->e[i].cgrp)
			cgroup_put(set->e[i].cgrp);
	kfree(set);
}

/* Context: RCU callback (softirq); cgroup_put() only queues the release. */
static void xb_credit_set_free_rcu(struct rcu_head *rcu)
{
	xb_credit_set_free(container_of(rcu, struct xb_credit_set, rcu));
}

/*
 * The live cgroup v2 @id, with a reference: -EINVAL for 0, -ENOENT if no
 * cgroup has it in the caller's cgroup namespace or it is being removed.
 */
static struct cgroup *xb_credit_cgroup(u64 id)
{
	struct cgroup *cgrp;

	if (!id)
		return ERR_PTR(-EINVAL);
	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return cgrp;
	/* Removed but still referenced: it will never hold a task again. */
	if (css_is_dying(&cgrp->self)) {
		cgroup_put(cgrp);
		return ERR_PTR(-ENOENT);
	}
	return cgrp;
}

/* Apply @op to a copy of the set; on success the copy replaces it. */
static int xb_credit_change(struct xb_credit *arg)
{
	struct xb_credit_set *old, *new;
	struct cgroup *cgrp = NULL;
	u64 cgid = 0;
	unsigned int j;
	pid_t pid = 0;
	int i, ret;

	switch (arg->op) {
	case XB_CREDIT_ADD_PID:
	case XB_CREDIT_DEL_PID:
		if (arg->comm[0] || arg->cgroup_id)
			return -EINVAL;
		ret = xb_credit_global_pid(arg->pid, &pid);
		/* A task that is gone may still be removed from the set. */
		if (ret == -ESRCH && arg->op == XB_CREDIT_DEL_PID)
			pid = arg->pid;
		else if (ret)
			return ret;
		break;
	case XB_CREDIT_ADD_COMM:
	case XB_CREDIT_DEL_COMM:
		if (arg->pid || arg->cgroup_id ||
		    !xb_credit_comm_valid(arg->comm, XB_COMM_LEN))
			return -EINVAL;
		break;
	case XB_CREDIT_ADD_CGROUP:
	case XB_CREDIT_DEL_CGROUP:
		if (arg->pid || arg->comm[0] || !arg->cgroup_id)
			return -EINVAL;
		cgid = arg->cgroup_id;
		break;
	}

	old = rcu_dereference_protected(xb_credit_members,
					lockdep_is_held(&xb_credit_mutex));
	i = old ? xb_credit_find_entry(old, pid, cgid, arg->comm) : -1;
	if (arg->op == XB_CREDIT_ADD_CGROUP) {
		/* ENOENT for a removed cgroup beats EEXIST for its entry. */
		cgrp = xb_credit_cgroup(cgid);
		if (IS_ERR(cgrp))
			return PTR_ERR(cgrp);
	}

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new) {
		ret = -ENOMEM;
		goto out_put;
	}
	if (old) {
		memcpy(new->e, old->e, sizeof(new->e));
		new->nr = old->nr;
		/* This version holds its own references: see the top. */
		for (j = 0; j < new->nr; j++)
			if (new->e[j].cgrp)
				cgroup_get(new->e[j].cgrp);
	}

	switch (arg->op) {
	case XB_CREDIT_ADD_PID:
	case XB_CREDIT_ADD_COMM:
	case XB_CREDIT_ADD_CGROUP:
		ret = i >= 0 ? -EEXIST : new->nr >= XB_CREDIT_MAX ? -ENOSPC : 0;
		if (ret)
			break;
		new->e[new->nr].pid = pid;
		strscpy(new->e[new->nr].comm, pid || cgrp ? "" : arg->comm,
			XB_COMM_LEN);
		new->e[new->nr].cgrp = cgrp;
		new->e[new->nr].cgroup_id = cgrp ? cgroup_id(cgrp) : 0;
		/* The set owns the lookup's reference now. */
		cgrp = NULL;
		new->nr++;
		break;
	case XB_CREDIT_DEL_PID:
	case XB_CREDIT_DEL_COMM:
	case XB_CREDIT_DEL_CGROUP:
		ret = i < 0 ? -ENOENT : 0;
		if (ret)
			break;
		if (new->e[i].cgrp)
			cgroup_put(new->e[i].cgrp);
		new->e[i] = new->e[--new->nr];
		break;
	default:	/* XB_CREDIT_CLEAR */
		for (j = 0; j < new->nr; j++)
			if (new->e[j].cgrp)
				cgroup_put(new->e[j].cgrp);
		new->nr = 0;
		ret = 0;
		break;
	}
	if (ret) {
		/* Never published: no reader, free it now. */
		xb_credit_set_free(new);
		goto out_put;
	}
	rcu_assign_pointer(xb_credit_members, new);
	if (old)
		call_rcu(&old->rcu, xb_credit_set_free_rcu);
	arg->nr_entries = new->nr;
	return 0;

out_put:
	if (cgrp)
		cgroup_put(cgrp);
	return ret;
}

static int xb_credit_get(struct xb_credit *arg)
{
	struct xb_credit_set *set;
	const struct xb_credit_entry *e;

	if (arg->pid || arg->comm[0] || arg->cgroup_id)
		return -EINVAL;
	set = rcu_dereference_protected(xb_credit_members,
					lockdep_is_held(&xb_credit_mutex));
	arg->nr_entries = set ? set->nr : 0;
	if (arg->index >= arg->nr_entries)
		return -ENOENT;
	e = &set->e[arg->index];
	/* Report the pid as the caller sees it; 0 if outside its view. */
	arg->pid = e->pid ? pid_vnr(find_pid_ns(e->pid, &init_pid_ns)) : 0;
	strscpy(arg->comm, e->comm, XB_COMM_LEN);
	arg->cgroup_id = e->cgroup_id;
	return 0;
}

/**
 * xb_credit_ctl() - XB_IOC_CREDIT: change or read the fair-credit set
 * @arg: the ioctl argument, copied in
 *
 * Return: 0, or a negative errno (see the UAPI).
 */
int xb_credit_ctl(struct xb_credit *arg)
{
	int ret;

	/*
	 * dev.c takes any size from the first version up; one that ends inside
	 * @cgroup_id would hand us half an id. A short size is EINVAL before
	 * anything else, as the UAPI orders the checks.
	 */
	if (arg->size > offsetofend(struct xb_credit, credited_ns) &&
	    arg->size < offsetofend(struct xb_credit, cgroup_id))
		return -EINVAL;
	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->op < XB_CREDIT_ADD_PID || arg->op > XB_CREDIT_DEL_CGROUP)
		return -EINVAL;
	if (arg->op != XB_CREDIT_GET && arg->index)
		return -EINVAL;
	if (!xb_credit_hooked)
		return -EOPNOTSUPP;

	mutex_lock(&xb_credit_mutex);
	if (arg->op == XB_CREDIT_GET) {
		rcu_read_lock();
		ret = xb_credit_get(arg);
		rcu_read_unlock();
	} else {
		ret = xb_credit_change(arg);
	}
	mutex_unlock(&xb_credit_mutex);

	arg->restored = atomic64_read(&xb_credit_restored);
	arg->credited_ns = atomic64_read(&xb_credit_given_ns);
	return ret;
}

/* Fair credit is optional: without its tracepoints the ioctl says so. */
void xb_credit_init(void)
{
	int ret;

	for_each_kernel_tracepoint(xb_credit_find, NULL);
	if (!xb_tp_switch || !xb_tp_sleep || !xb_tp_blocked) {
		pr_info("scheduler tracepoints missing: no fair credit\n");
		return;
	}
	ret = xb_credit_hook();
	if (ret)
		pr_warn("cannot hook the scheduler (%d): no fair credit\n", ret);
}

void xb_credit_exit(void)
{
	struct xb_credit_set *set;

	mutex_lock(&xb_credit_mutex);
	xb_credit_unhook();
	set = rcu_dereference_protected(xb_credit_members,
					lockdep_is_held(&xb_credit_mutex));
	RCU_INIT_POINTER(xb_credit_members, NULL);
	mutex_unlock(&xb_credit_mutex);
	/* Probes are gone (tracepoint_synchronize_unregister): no reader. */
	xb_credit_set_free(set);
	/* Older versions' callbacks are this module's code: let them run. */
	rcu_barrier();
}
