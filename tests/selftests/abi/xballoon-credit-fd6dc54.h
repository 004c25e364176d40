/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XB_IOC_CREDIT as the UAPI header had it from f56a0ba to fd6dc54, before
 * 55f5daf appended @cgroup_id: a structure of 0x38 bytes, so the number was
 * 0xc038ba47. The structure is renamed (xb_credit_fd6dc54) so that it can
 * sit beside xballoon-v0.1.0.h; its layout is the one shipped. Include
 * after xballoon-v0.1.0.h.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#ifndef XB_CREDIT_FD6DC54_H
#define XB_CREDIT_FD6DC54_H

struct xb_credit_fd6dc54 {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 pid;
	__u32 index;
	__u32 nr_entries;
	char comm[XB_COMM_LEN];
	__aligned_u64 restored;
	__aligned_u64 credited_ns;
};

#define XB_IOC_CREDIT_FD6DC54 _IOWR(XB_IOCTL_TYPE, XB_CMD_CREDIT, \
				    struct xb_credit_fd6dc54)

#endif /* XB_CREDIT_FD6DC54_H */
