#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/sharing-tables.sh RESULTS.json - the sharing case of a benchmark
# run (issue 10, item 3) as a markdown table per platform and kernel, each
# row against its targets. bench/run.sh appends it to the results' .md;
# run alone, it redoes it from any results file. Prints nothing when the
# run has no -shared platform.
#
# Rows: the -shared platforms' cases (no cap, the domU's pCPU shared with
# a busy domain). References in the same run: io (the server alone) and
# hog (server + hog, stock). Targets for the other rows: p99 at most 3x
# io's, and at least 5x better than hog's. The hog's share is of a whole
# pCPU; the domU's fair share is half of it, so what the hog could have is
# 50 % less the domU's CPU in io (xl list).
set -eu
[ $# = 1 ] || { echo "usage: $0 RESULTS.json" >&2; exit 64; }

jq -L "$(dirname "$0")" -r '
include "tables";
def r1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
def name: "\(.case)\(if .variant then "_\(.variant)" else "" end)";
def d(k): if .xb_stats_after and .xb_stats_before
	then .xb_stats_after[k] - .xb_stats_before[k] else null end;

[.[] | select(.platform | endswith("-shared"))] as $all |
if ($all | length) == 0 then empty else
"",
"## The sharing case: no cap, the pCPU shared with a busy domain (issue 10)",
"",
"References in the same run: *io* (the server alone beside the neighbour) and",
"*hog* (server + hog, stock). Targets: p99 at most 3x io'"'"'s (*x io*) and at",
"least 5x better than hog'"'"'s (*hog / p99*). p99.9 is shown only over 20k",
"samples or more; in brackets, over fewer (the 0.1 % worst of those). *hog %*:",
"of a whole pCPU; *of left*: of 50 % (the domU'"'"'s fair share) less the domU'"'"'s",
"CPU in io. *VM / nbr.*: the domU'"'"'s and the neighbour'"'"'s CPU (xl list, % of a",
"pCPU). *share*: the learner'"'"'s estimate and the share in use at the end (per",
"mille); *thr.*: balloon periods with runnable steal over 2 %, in the window.",
"",
($all | group_by("\(.platform) \(.kernel)")[] |
	(map(select(.case == "io" and .variant == null)) | first) as $io |
	(map(select(.case == "hog" and .variant == null)) | first) as $hog |
	($io.vm_cpu_host_pct // null) as $iovm |
	(if $iovm == null then null else 50 - $iovm end) as $left |
	"### \(.[0].platform), \(.[0].kernel)",
	"",
	"| case | server | xballoon | vclock | samples | p50 | p99 | p99.9 | x io | hog / p99 | hog % | of left | VM / nbr. % | share | thr. | target |",
	"|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
	(.[] |
		ratio(.p99_us; $io.p99_us) as $xio |
		ratio($hog.p99_us; .p99_us) as $better |
		(.case == "io" or (.case == "hog" and .variant == null)) as $ref |
		"| \(name) | \(.server_policy) | \(.xballoon)\(if .xb_cap_pm != null then " (cap_pm \(.xb_cap_pm))" else "" end) | \(.vclock // "-") | \(.samples | num) | \(.p50_us | ms) | \(.p99_us | ms) | \(if .p999_us then (.p999_us | ms) else "(\(.p999_us_few_samples | ms))" end) | \($xio | r1) | \($better | r1) | \(.hog_cpu_pct | num) | \(if .hog and $left != null and $left > 0 and .hog_cpu_pct != null then (.hog_cpu_pct / $left * 100 | round | tostring) + " %" else "-" end) | \(.vm_cpu_host_pct | num) / \(.neighbour_cpu_host_pct | num) | \(if .xb_stats_after then "\(.xb_stats_after.cap_est_pm) / \(.xb_stats_after.eff_cap_pm)" else "-" end) | \(d("periods_throttled") | num) | \(if $ref then "reference" else (if $xio == null or $better == null then null else ($xio <= 3 and $better >= 5) end | yn) end) |"),
	"")
end
' "$1"
