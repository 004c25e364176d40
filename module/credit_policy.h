/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credit_policy.h - fair credit decisions, pure (tested in user space).
 */
#ifndef _XB_CREDIT_POLICY_H
#define _XB_CREDIT_POLICY_H

#include "xb_types.h"

u64 xb_credit_target(u64 slept_vruntime, u64 placed_vruntime, u64 bound);
bool xb_credit_comm_valid(const char *comm, unsigned int len);

#endif /* _XB_CREDIT_POLICY_H */
