/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_types.h - the fixed-width types of the pure policy files.
 *
 * The policy files (steal bookkeeping, later the SWC state machine) include
 * no kernel header but this one, so the very same .c file is built into the
 * module and into the user-space unit tests under ASan/UBSan.
 */
#ifndef _XB_TYPES_H
#define _XB_TYPES_H

#include <linux/types.h>

#ifdef __KERNEL__
#include <linux/compiler.h>
/* A word that other CPUs read and write too, with no common lock. */
#define XB_READ_ONCE(x)		READ_ONCE(x)
#define XB_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
#else
#include <stdbool.h>
typedef __u64 u64;
typedef __u32 u32;
typedef __u8 u8;
typedef __s64 s64;
#define XB_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define XB_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#endif

#endif /* _XB_TYPES_H */
