/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - xballoon's tracepoints: the reservation's mode switches, the
 * end of each period, and the virtual clock's charges (events/xballoon/
 * in tracefs).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xballoon

#if !defined(_XB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XB_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(xballoon_mode,
	TP_PROTO(unsigned int cpu, unsigned int mode, u64 off_ns,
		 u64 target_ns),
	TP_ARGS(cpu, mode, off_ns, target_ns),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(unsigned int, mode)
		__field(u64, off_ns)
		__field(u64, target_ns)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->mode = mode;
		__entry->off_ns = off_ns;
		__entry->target_ns = target_ns;
	),
	TP_printk("cpu=%u mode=%s off_ns=%llu target_ns=%llu",
		  __entry->cpu,
		  __print_symbolic(__entry->mode, { 0, "detached" },
				   { 1, "NWC" }, { 2, "WC" }),
		  __entry->off_ns, __entry->target_ns)
);

/*
 * The end of a period, with what the cap learner sees of it (len, off,
 * throttled) and what it knows (est, state): enough to replay the period
 * in the unit tests (tests/unit/traces/).
 */
TRACE_EVENT(xballoon_period,
	TP_PROTO(unsigned int cpu, u32 eff_cap_pm, u64 off_ns, u64 target_ns,
		 u64 throttled_ns, u64 len_ns, u64 halt_ns, u64 steal_ns,
		 u32 est_pm, u32 learn_state),
	TP_ARGS(cpu, eff_cap_pm, off_ns, target_ns, throttled_ns, len_ns,
		halt_ns, steal_ns, est_pm, learn_state),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(u32, eff_cap_pm)
		__field(u64, off_ns)
		__field(u64, target_ns)
		__field(u64, throttled_ns)
		__field(u64, len_ns)
		__field(u64, halt_ns)
		__field(u64, steal_ns)
		__field(u32, est_pm)
		__field(u32, learn_state)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->eff_cap_pm = eff_cap_pm;
		__entry->off_ns = off_ns;
		__entry->target_ns = target_ns;
		__entry->throttled_ns = throttled_ns;
		__entry->len_ns = len_ns;
		__entry->halt_ns = halt_ns;
		__entry->steal_ns = steal_ns;
		__entry->est_pm = est_pm;
		__entry->learn_state = learn_state;
	),
	TP_printk("cpu=%u cap_pm=%u off_ns=%llu target_ns=%llu throttled_ns=%llu len_ns=%llu halt_ns=%llu steal_ns=%llu est_pm=%u learn=%u",
		  __entry->cpu, __entry->eff_cap_pm, __entry->off_ns,
		  __entry->target_ns, __entry->throttled_ns, __entry->len_ns,
		  __entry->halt_ns, __entry->steal_ns, __entry->est_pm,
		  __entry->learn_state)
);

/*
 * A charge the virtual clock saw, with both steal sources read (the exact
 * one at every event while this is enabled, only for the record): enough
 * to replay the steal bookkeeping in the unit tests (tests/unit/traces/).
 * @reset: the first event since steal was switched on.
 */
TRACE_EVENT(xballoon_vclock,
	TP_PROTO(unsigned int cpu, u64 runtime_ns, u64 slice_ran_ns,
		 u64 fast_ns, u64 exact_ns, u64 take_ns, bool reset),
	TP_ARGS(cpu, runtime_ns, slice_ran_ns, fast_ns, exact_ns, take_ns,
		reset),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(u64, runtime_ns)
		__field(u64, slice_ran_ns)
		__field(u64, fast_ns)
		__field(u64, exact_ns)
		__field(u64, take_ns)
		__field(bool, reset)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->runtime_ns = runtime_ns;
		__entry->slice_ran_ns = slice_ran_ns;
		__entry->fast_ns = fast_ns;
		__entry->exact_ns = exact_ns;
		__entry->take_ns = take_ns;
		__entry->reset = reset;
	),
	TP_printk("cpu=%u runtime_ns=%llu slice_ran_ns=%llu fast_ns=%llu exact_ns=%llu take_ns=%llu reset=%d",
		  __entry->cpu, __entry->runtime_ns, __entry->slice_ran_ns,
		  __entry->fast_ns, __entry->exact_ns, __entry->take_ns,
		  __entry->reset)
);

#endif /* _XB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
