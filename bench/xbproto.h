/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xbproto.h - the datagrams of the xballoon benchmark, shared by the host
 * client (udpping) and the guest server (udpecho).
 *
 * The server echoes every datagram unchanged, so only the client reads the
 * timestamp and the sequence number. The type and phase fields tell the
 * server where the measured window starts and ends (it snapshots its CPU
 * counters there) and when to exit. Both ends are x86-64: native byte
 * order is fine.
 */
#ifndef XB_BENCH_PROTO_H
#define XB_BENCH_PROTO_H

#include <stdint.h>

#define XBP_MAGIC	0x78627031u	/* "xbp1" */

enum xbp_type {
	XBP_DATA = 1,	/* a request: echo it */
	XBP_END = 2,	/* the measured window is over: snapshot, echo */
	XBP_STOP = 3,	/* echo and exit */
	XBP_CMD = 4,	/* control: text for the guest script (udpecho --once) */
	XBP_MARK = 5,	/* step seq done (udpping --step): note the time, echo */
};

enum xbp_phase {
	XBP_WARMUP = 0,	/* before the measured window */
	XBP_MEASURE = 1,	/* inside it: the first one seen is the mark */
};

struct xbp_msg {
	uint32_t magic;
	uint32_t type;		/* enum xbp_type */
	uint32_t phase;		/* enum xbp_phase */
	uint32_t pad;
	uint64_t seq;
	uint64_t t_ns;		/* client's CLOCK_MONOTONIC at send */
	char text[];		/* XBP_CMD: NUL-terminated command */
};

/* Largest datagram either side sends or accepts. */
#define XBP_MAX_SIZE	1024

#endif /* XB_BENCH_PROTO_H */
