#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cap-tables.sh RESULTS.json - the cap rows of a benchmark run
# (issue 9) as markdown tables, each against its target: learned against
# told right, told wrong, and the cap steps. bench/run.sh appends them to
# latest.md; run alone, it redoes them from any results file.
#
# Rows: .case is the balloon mode, .variant learn|told|high|low|step,
# .cap_pct the real cap, .xb_cap_pm what the module was told (0: learn).
# Per cap applied (.step_detail, in order; the first is the case's cap,
# in force before the module loads): .settle_periods, the balloon periods
# from the cap's change (the first: from the module's load) until the learner's estimate came within 10 % of it for
# good (on Xen the real cap; on TCG, whose guest sees its host's quota only
# as late timers, where the estimate ended; null: never), and
# .max_rtt_us, the largest round trip from the change to the next one.
set -eu
[ $# = 1 ] || { echo "usage: $0 RESULTS.json" >&2; exit 64; }

jq -L "$(dirname "$0")" -r '
include "tables";
def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
def hv_ms: .period_ms;
def key: "\(.platform)|\(.kernel)|\(.cap_pct)|\(.period_ms)|\(.case)";
def where: if .platform | startswith("xen") then "\(.platform) \(.kernel), cap \(.cap_pct)"
	else "\(.platform) \(.kernel), \(.cap_pct) % of \(.period_ms) ms" end;

[.[] | select(.platform | endswith("-shared") | not)] as $all |
([$all[] | select(.variant == "told")] | map({(key): .}) | add // {}) as $told |

"",
"## The cap: learned, told right, told wrong (issue 9)",
"",
"*learned*: the module told nothing (`cap_pm=0`); *told right*: the real cap;",
"*settle*: balloon periods (10 ms) from the module'"'"'s load (the cap is in force",
"before; the hog starts a few periods later) until the learner'"'"'s estimate is",
"within 10 % of the cap for good (Xen: the real cap; TCG: where the estimate",
"ends, see below), \"never\" if not in the run;",
"*est.*: the estimate at the end (per mille); *thr.*: balloon periods the",
"hypervisor throttled from the load to the end, learned / told right (on Xen",
"each throttling is a credit1 park of 60-90 ms, ~15 requests at 200/s: two or",
"three of them decide a p99 over 3000 requests). Ratios learned / told right;",
"target: within 5 % (p99 at most 1.05x, hog share at least 0.95x).",
"",
"| where | mode | p99 learned | p99 told | p99 ratio | hog % learned | hog % told | hog ratio | settle | est. | thr. | target |",
"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
($all[] | select(.variant == "learn") | . as $l | $told[key] as $t |
	ratio($l.p99_us; $t.p99_us) as $pr | ratio($l.hog_cpu_pct; $t.hog_cpu_pct) as $hr |
	"| \(where) | \(.case) | \(.p99_us | ms) | \($t.p99_us | ms) | \($pr | r2) | \(.hog_cpu_pct | num) | \($t.hog_cpu_pct | num) | \($hr | r2) | \(.learn_settle_periods // "never") | \(.step_detail[0].est_end_pm | num) | \(.step_detail[0].throttled_periods | num) / \($t.step_detail[0].throttled_periods | num) | \(if $pr == null or $hr == null then null else ($pr <= 1.05 and $hr >= 0.95) end | yn) |"),
"",
"Told wrong: 20 points too high or too low. *settle*: periods until the",
"estimate is right (from then on the module does what told-right does);",
"target: at most 10. *thr.*: balloon periods the hypervisor throttled in the",
"whole run (warm-up and window). p99 and hog share over the whole window,",
"against told right.",
"",
"| where | mode | told (pm) | settle | thr. | est. | p99 | p99 told right | ratio | hog % | hog % told right | ratio | target |",
"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
($all[] | select(.variant == "high" or .variant == "low") | $told[key] as $t |
	"| \(where) | \(.case) | \(.xb_cap_pm) | \(.learn_settle_periods // "never") | \(.step_detail[0].throttled_periods | num) | \(.step_detail[0].est_end_pm | num) | \(.p99_us | ms) | \($t.p99_us | ms) | \(ratio(.p99_us; $t.p99_us) | r2) | \(.hog_cpu_pct | num) | \($t.hog_cpu_pct | num) | \(ratio(.hog_cpu_pct; $t.hog_cpu_pct) | r2) | \(if .learn_settle_periods == null then false else .learn_settle_periods <= 10 end | yn) |"),
"",
"Cap steps, learning (`cap_pm=0`): per cap in force, from its change to the",
"next: *settle* (periods), *stall* (the largest round trip, ms), *thr.*",
"(periods throttled), *est.* (the estimate at its end). Target: settled",
"within 10 periods and no stall longer than one hypervisor period (credit1'"'"'s",
"30 ms on xen, credit2'"'"'s 10 ms on xen-credit2, the cfs period on TCG). The first cap is in force before the",
"module loads: its settle counts from the load, its stall from the load'"'"'s start.",
"",
"| where | mode | cap | settle | stall | thr. | est. | period | target |",
"|---|---|---:|---:|---:|---:|---:|---:|---|",
($all[] | select(.variant == "step") | . as $s | hv_ms as $hv |
	.step_detail[] |
	"| \($s | where) | \($s.case) | \(.cap_pct) | \(.settle_periods // "never") | \(.max_rtt_us | ms) | \(.throttled_periods | num) | \(.est_end_pm | num) | \($hv) ms | \(if .settle_periods == null then false else (.settle_periods <= 10 and .max_rtt_us <= $hv * 1000) end | yn) |")
' "$1"
