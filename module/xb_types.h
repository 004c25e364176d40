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

#ifndef __KERNEL__
#include <stdbool.h>
typedef __u64 u64;
typedef __u32 u32;
typedef __s64 s64;
#endif

#endif /* _XB_TYPES_H */
