/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - xballoon's tracepoints: the reservation's mode switches and
 * the end of each period (events/xballoon/ in tracefs).
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

TRACE_EVENT(xballoon_period,
	TP_PROTO(unsigned int cpu, u32 eff_cap_pm, u64 off_ns, u64 target_ns,
		 u64 throttled_ns),
	TP_ARGS(cpu, eff_cap_pm, off_ns, target_ns, throttled_ns),
	TP_STRUCT__entry(
		__field(unsigned int, cpu)
		__field(u32, eff_cap_pm)
		__field(u64, off_ns)
		__field(u64, target_ns)
		__field(u64, throttled_ns)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->eff_cap_pm = eff_cap_pm;
		__entry->off_ns = off_ns;
		__entry->target_ns = target_ns;
		__entry->throttled_ns = throttled_ns;
	),
	TP_printk("cpu=%u cap_pm=%u off_ns=%llu target_ns=%llu throttled_ns=%llu",
		  __entry->cpu, __entry->eff_cap_pm, __entry->off_ns,
		  __entry->target_ns, __entry->throttled_ns)
);

#endif /* _XB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
