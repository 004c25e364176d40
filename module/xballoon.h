/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xballoon.h - what the mechanism files of xballoon.ko offer each other.
 */
#ifndef _XB_XBALLOON_H
#define _XB_XBALLOON_H

#include <linux/types.h>
#include <linux/xballoon.h>

/* hv.c: which hypervisor we run on, decided once at load. */
void xb_hv_detect(void);
enum xb_hypervisor xb_hv_type(void);
bool xb_hv_is_xen(void);
const char *xb_hv_name(enum xb_hypervisor hv);

/* steal.c: the best steal source of each CPU, and its reading. */
int xb_steal_init(void);
void xb_steal_exit(void);
enum xb_steal_source xb_steal_source_of(unsigned int cpu);
int xb_steal_read(unsigned int cpu, enum xb_steal_source *source,
		  u64 *steal_ns, u64 *clock_ns);
const char *xb_steal_source_name(enum xb_steal_source source);

/* dev.c: /dev/xballoon and its ioctls. */
int xb_dev_init(void);
void xb_dev_exit(void);

#endif /* _XB_XBALLOON_H */
