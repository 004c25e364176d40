/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_notify.h - systemd's readiness notification (sd_notify(3)) without
 * libsystemd: the tools link statically, and the protocol is one datagram.
 */
#ifndef _XB_NOTIFY_H
#define _XB_NOTIFY_H

int xb_notify(const char *state);

#endif /* _XB_NOTIFY_H */
