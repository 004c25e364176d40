/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xballoon.h - what the mechanism files of xballoon.ko offer each other.
 */
#ifndef _XB_XBALLOON_H
#define _XB_XBALLOON_H

#include <linux/moduleparam.h>
#include <linux/types.h>
#include <linux/xballoon.h>

struct file;
struct task_struct;

/* hv.c: which hypervisor we run on, decided once at load. */
void xb_hv_detect(void);
enum xb_hypervisor xb_hv_type(void);
bool xb_hv_is_xen(void);
const char *xb_hv_name(enum xb_hypervisor hv);

/* params.c: run-time parameters with a range, strict booleans. */

/**
 * struct xb_param_uint_range - an unsigned parameter and its range
 * @value: the variable
 * @min: least value accepted
 * @max: greatest value accepted
 */
struct xb_param_uint_range {
	unsigned int *value;
	unsigned int min;
	unsigned int max;
};

extern const struct kernel_param_ops xb_param_uint_range_ops;

/*
 * A run-time parameter that refuses values outside [lo, hi] with EINVAL;
 * its description states the range.
 */
#define XB_PARAM_UINT_RANGE(name, var, lo, hi, perm)			\
	static struct xb_param_uint_range xb_param_range_##name = {	\
		.value = &(var), .min = (lo), .max = (hi),		\
	};								\
	module_param_cb(name, &xb_param_uint_range_ops,			\
			&xb_param_range_##name, perm)

int xb_param_strict_bool(const char *val, bool *res);

/* steal.c: the best steal source of each CPU, and its reading. */
int xb_steal_init(void);
void xb_steal_exit(void);
enum xb_steal_source xb_steal_source_of(unsigned int cpu);
bool xb_steal_is_estimate(unsigned int cpu);
int xb_steal_read(unsigned int cpu, enum xb_steal_source *source,
		  u64 *steal_ns, u64 *clock_ns);
const char *xb_steal_source_name(enum xb_steal_source source);

/**
 * struct xb_offcpu - why a vCPU was not running (Xen runstate)
 * @blocked_ns: halted, waiting for an event
 * @runnable_ns: wanted to run, the pCPU ran someone else
 * @offline_ns: parked, by a cap among other things
 */
struct xb_offcpu {
	u64 blocked_ns;
	u64 runnable_ns;
	u64 offline_ns;
};

bool xb_steal_runstate(unsigned int cpu, struct xb_offcpu *off);
bool xb_steal_fast(unsigned int cpu, u64 *raw);
bool xb_steal_exact(unsigned int cpu, u64 *raw);

/* hostpoll.c: no KVM host halt polling during the balloon's halts. */
void xb_hostpoll_detect(void);
bool xb_hostpoll_before_halt(u64 *msr);
void xb_hostpoll_after_halt(u64 msr);

/* block.c: halt this vCPU until the next interrupt. */
bool xb_block_vcpu(u64 *halted);

/* hooks.c: the kernel events the balloon listens to. */
int xb_hooks_init(void);
void xb_hooks_exit(void);

/* balloon.c: the per-CPU balloon and its semi-work-conserving timer. */
struct xb_balloon;
struct xb_config;
struct xb_cpu_stats;
int xb_balloon_init(void);
void xb_balloon_exit(void);
int xb_balloon_run(struct file *file, struct xb_balloon *arg);
void xb_balloon_release(struct file *file);
void xb_balloon_get_config(struct xb_config *cfg);
int xb_balloon_set_config(const struct xb_config *cfg);
int xb_balloon_stats(unsigned int cpu, struct xb_cpu_stats *stats);
void xb_balloon_irq_entry(void);
void xb_balloon_task_woken(struct task_struct *p);
void xb_balloon_task_switched(struct task_struct *prev,
			      unsigned int prev_state);
u64 xb_balloon_halt_owed(struct task_struct *tsk, u64 runtime);

/* vclock.c: charge tasks only for time their vCPU ran. */
struct xb_vclock;
int xb_vclock_init(void);
void xb_vclock_exit(void);
int xb_vclock_ctl(struct xb_vclock *vc);
void xb_vclock_balloon_hook(void);
void xb_vclock_balloon_done(void);

/* credit.c: fair credit for chosen I/O tasks. */
struct xb_credit;
void xb_credit_init(void);
void xb_credit_exit(void);
int xb_credit_ctl(struct xb_credit *arg);

/* stats.c: per-CPU statistics in debugfs. */
void xb_stats_init(void);
void xb_stats_exit(void);

/* dev.c: /dev/xballoon and its ioctls. */
int xb_dev_init(void);
void xb_dev_exit(void);

#endif /* _XB_XBALLOON_H */
