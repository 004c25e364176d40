/* SPDX-License-Identifier: GPL-2.0 */
/*
 * learn.h - the vCPU's cap, learned from throttling, as pure policy.
 */
#ifndef _XB_LEARN_H
#define _XB_LEARN_H

#include "xb_types.h"

/* Caps in per mille of one CPU, as in swc.h. */
#define XB_LEARN_FULL		1000
/* The least cap the learner reports (the UAPI's XB_CAP_PM_MIN). */
#define XB_LEARN_MIN_PM		10
/* Throttled for more than this share of a period: a throttled period. */
#define XB_LEARN_THROTTLE_PM	20
/*
 * A whole cycle at least this long, the vCPU busy through it, that agrees
 * with the estimate makes throttling at it an overrun, not a change.
 */
#define XB_LEARN_EXACT_NS	1000000000ULL
/* The longest window a sample is taken over when no cycle is complete. */
#define XB_LEARN_WIN_NS		400000000ULL
/*
 * A measurement spans whole cycles over at least this long: one credit1
 * cycle is exact only to its 10 ms ticks. A shorter cycle is merged with
 * the next one (measuring), or the bounded window is used instead.
 */
#define XB_LEARN_MEASURE_NS	200000000ULL
/*
 * What a hypervisor lets a vCPU run beyond its cap before it throttles
 * (credit1: cap x 30 ms of debt plus the credit it had; CFS bandwidth:
 * the rest of the quota): an unthrottled window proves only run - this.
 */
#define XB_LEARN_BURST_NS	30000000ULL
/* Quiet periods in a row, with the vCPU using its share, before a probe. */
#define XB_LEARN_PROBE_QUIET	8
/*
 * On a refill grid, a probe that reads a rise goes on for this many
 * refills (learn.c): what the vCPU overran its budget by is paid back in
 * them, a rise is not.
 */
#define XB_LEARN_GRID_PROBE_REFILLS 4
/* A probe without throttling ends after this many periods. */
#define XB_LEARN_PROBE_PERIODS	30
/* A measurement waits at most this many periods for its cycle. */
#define XB_LEARN_MEASURE_PERIODS 80
/*
 * After a probe or a measurement (no reserve, so the vCPU ran into debt),
 * throttling this long is their aftermath, not a sign about the margin.
 */
#define XB_LEARN_AFTERMATH_NS	300000000ULL
/* Time to the next probe after one that found the estimate right. */
#define XB_LEARN_PROBE_GAP_NS	2000000000ULL
/* ... growing fourfold with each probe that agrees, up to this. */
#define XB_LEARN_PROBE_GAP_MAX_NS 64000000000ULL
/*
 * A told cap that one probe found right is probed again only after this
 * long without anything contradicting it, then ever more rarely, up to
 * the maximum: a right hint cannot be told from a too low one without a
 * park (see learn.c), so each check costs a right hint one.
 */
#define XB_LEARN_HINT_GAP_NS	64000000000ULL
#define XB_LEARN_HINT_GAP_MAX_NS 256000000000ULL
/* A sample this far from the estimate (per mille of it) is a change. */
#define XB_LEARN_CHANGE_PM	125
/*
 * The margin kept below the estimate, per mille of it: none at first (a
 * right hint is used as told), at most a quarter.
 */
#define XB_LEARN_MARGIN_PM	0
#define XB_LEARN_MARGIN_MAX_PM	250
/* ... after a measurement, exact only to a few per cent (credit1 ticks). */
#define XB_LEARN_MARGIN_MEAS_PM	30
/* Added per throttling episode at the estimate; once per this long. */
#define XB_LEARN_MARGIN_STEP_PM	50
/*
 * Each throttling episode at the estimate also raises the least margin
 * by this, up to the maximum: the margin decays to that floor, not back
 * to where the vCPU was parked (a measurement that read a few per cent
 * high, 714-729 for credit1's 700, is not parked again and again).
 */
#define XB_LEARN_FLOOR_STEP_PM	30
#define XB_LEARN_FLOOR_MAX_PM	100
/*
 * ... and loses XB_LEARN_MARGIN_DECAY_PM of it each this long without
 * throttling: credit1 also parks a vCPU now and then a few per cent under
 * its cap (every second or so at cap 20), which must not ratchet the
 * margin up for good.
 */
#define XB_LEARN_FLOOR_DECAY_NS	5000000000ULL
/* The floor is raised at most once per this long. */
#define XB_LEARN_FLOOR_HOLDOFF_NS 1000000000ULL
#define XB_LEARN_HOLDOFF_NS	100000000ULL
/* Taken off again after this many quiet periods in a row. */
#define XB_LEARN_MARGIN_QUIET	8
#define XB_LEARN_MARGIN_DECAY_PM 5
/* A vCPU that ran more than this unthrottled is taken as uncapped. */
#define XB_LEARN_UNCAPPED_PM	850

/*
 * Where the cap in use comes from: the UAPI's enum xb_cap_source (the
 * pure files include no UAPI header; balloon.c maps these to it).
 */
#define XB_LEARN_SRC_UNKNOWN	1	/* no throttling seen yet */
#define XB_LEARN_SRC_NO_STEAL	2	/* nothing to learn from, or told not to */
#define XB_LEARN_SRC_TOLD	3	/* the configured hint, not contradicted */
#define XB_LEARN_SRC_LEARNED	4	/* measured from throttling */
#define XB_LEARN_SRC_UNCAPPED	5	/* ran nearly all the time, unthrottled */

enum xb_learn_state {
	XB_LEARN_STEADY = 0,	/* reserve for the estimate less the margin */
	XB_LEARN_PROBE = 1,	/* reserve nothing: is the cap higher? */
	XB_LEARN_MEASURE = 2,	/* reserve nothing until a whole cycle */
};

/**
 * struct xb_learn - what one vCPU knows of its cap
 * @hint_pm: the configured cap, 0 if none
 * @est_pm: the estimate of the hypervisor's cap, 0 if unknown, 1000 none
 * @conf_pm: confidence in @est_pm, 0-1000
 * @source: XB_LEARN_SRC_*
 * @margin_pm: kept below @est_pm, per mille of it
 * @floor_pm: the least @margin_pm: what throttling at the estimate taught
 * @floor_at: when @floor_pm last changed, or throttling was last seen (ns)
 * @floor_raise: when @floor_pm was last raised (ns)
 * @state: enum xb_learn_state
 * @can_learn: something reports steal or gaps on this vCPU
 * @short_ns: a park shorter than this is a refill grid's (the period's
 *	length, set by swc.c; 0: never): parks in a row are episodes of their own
 * @grid: swc.c found a refill grid (short parks, no long one): a probe's
 *	first park gives its sample
 * @in_episode: the last period was throttled
 * @short_park: ... for less than @short_ns
 * @have_edge: @cyc_* started at the end of a throttling episode
 * @probed: the measurement under way follows a probe that read a rise
 * @quiet: unthrottled periods in a row
 * @busy: of those, periods in a row that used their share
 * @state_periods: periods in @state
 * @agree: probes in a row that found the estimate right
 * @first_pm: a measurement's first, approximate sample
 * @last_raise: when the margin last grew (ns)
 * @calm_at: throttling before this time (ns) follows a probe or a
 *	measurement: it teaches nothing
 * @next_probe: no probe before this time (ns)
 * @cyc_len: wall time since the last episode's end (or probe start)
 * @cyc_run: run time in it
 * @cyc_busy: time in it the vCPU wanted to run: periods that used their
 *	share, or were throttled
 * @half_len: the two halves of the bounded window, current first
 * @half_run: run time in each
 * @half_busy: as @cyc_busy, in each
 * @half_thr: throttling seen in each
 * @samples: samples taken
 */
struct xb_learn {
	u32 hint_pm;
	u32 est_pm;
	u32 conf_pm;
	u32 source;
	u32 margin_pm;
	u32 floor_pm;
	u32 state;
	bool can_learn;
	u64 short_ns;
	bool grid;
	bool in_episode;
	bool short_park;
	bool have_edge;
	bool probed;
	u32 quiet;
	u32 busy;
	u32 state_periods;
	u32 agree;
	u32 first_pm;
	u64 last_raise;
	u64 floor_at;
	u64 floor_raise;
	u64 calm_at;
	u64 next_probe;
	u64 cyc_len;
	u64 cyc_run;
	u64 cyc_busy;
	u64 half_len[2];
	u64 half_run[2];
	u64 half_busy[2];
	bool half_thr[2];
	u32 samples;
};

void xb_learn_init(struct xb_learn *l, u32 hint_pm, bool can_learn, u64 now);
void xb_learn_period(struct xb_learn *l, u64 now, u64 len, u64 run,
		     u64 throttled_ns);
u32 xb_learn_cap(const struct xb_learn *l);
void xb_learn_forget_margin(struct xb_learn *l);

#endif /* _XB_LEARN_H */
