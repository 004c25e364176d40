/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xballoon.h - what the mechanism files of xballoon.ko offer each other.
 */
#ifndef _XB_XBALLOON_H
#define _XB_XBALLOON_H

#include <linux/types.h>
#include <linux/xballoon.h>

struct file;
struct task_struct;

/* hv.c: which hypervisor we run on, decided once at load. */
void xb_hv_detect(void);
enum xb_hypervisor xb_hv_type(void);
bool xb_hv_is_xen(void);
const char *xb_hv_name(enum xb_hypervisor hv);

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

/* vclock.c: charge tasks only for time their vCPU ran. */
struct xb_vclock;
int xb_vclock_init(void);
void xb_vclock_exit(void);
int xb_vclock_ctl(struct xb_vclock *vc);

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
