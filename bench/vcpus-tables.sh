#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/vcpus-tables.sh RESULTS.json - several vCPUs (issue 10, item 4) as
# a markdown table per base platform and kernel: each case's ratios with
# N vCPUs against the same case with one, in the same run. bench/run.sh
# appends it to the results' .md; run alone, it redoes it from any results
# file. Prints nothing when the run has no row with more than one vCPU.
#
# Rows: the cases of the xen*-Nvcpu platforms (.vcpus N) and of their base
# platform (.vcpus 1), grouped by case and cap. Per vCPU count: p99 over
# io's p99 (the server alone, same platform and vCPUs), and the share of
# what io leaves of the cap that the case used beyond io: (VM CPU - io's
# VM CPU) / (N x cap - io's VM CPU), all from xl list, for one vCPU too
# (the hog's own CPU is not measurable with several: bench/README.md); an
# upper bound of the hogs' share, as it includes what the balloon costs.
# Target, for the rows with a balloon: both ratios with N vCPUs within
# 20 % of one vCPU's; the others are references.
set -eu
[ $# = 1 ] || { echo "usage: $0 RESULTS.json" >&2; exit 64; }

jq -L "$(dirname "$0")" -r '
include "tables";
def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
def base: .platform | sub("-[0-9]vcpu$"; "");
def name: "\(.case)\(if .variant then " (\(.variant))" else "" end)";
# The balloon counters per vCPU over the window (bench/guest.sh: CPU 0 as
# plain columns, the others as c<cpu>_<column>): "reserves met/periods,
# throttled periods, cap in use" each, CPU 0 first; "-" without a balloon.
def per_cpu: .xb_stats_before as $b | .xb_stats_after as $a |
	if $a == null or $b == null then "-" else
	([0] + ([$a | keys[] | capture("^c(?<n>[0-9]+)_periods$") | .n | tonumber] | sort)) |
	map(. as $n | (if $n == 0 then "" else "c\($n)_" end) as $p |
		"\($n): \(($a[$p + "periods_reserved"] // 0) - ($b[$p + "periods_reserved"] // 0))/\(($a[$p + "periods"] // 0) - ($b[$p + "periods"] // 0)), \(($a[$p + "periods_throttled"] // 0) - ($b[$p + "periods_throttled"] // 0)) thr., \($a[$p + "eff_cap_pm"] // "-")") |
	join("; ") end;
def within(a; b): if a == null or b == null or b == 0 then null
	else ((a / b - 1) | fabs) <= 0.2 end;

[.[] | select(.platform | startswith("xen")) |
	select(.platform | endswith("-shared") | not)] as $xen |
if ([$xen[] | select(.vcpus > 1)] | length) == 0 then empty else
# io per platform, kernel, cap: the reference of each row.
($xen | map(select(.case == "io" and .variant == null)) |
	map({("\(.platform)|\(.kernel)|\(.cap_pct)"): .}) | add // {}) as $io |
def xio: ratio(.p99_us; $io["\(.platform)|\(.kernel)|\(.cap_pct)"].p99_us);
def left: $io["\(.platform)|\(.kernel)|\(.cap_pct)"].vm_cpu_host_pct as $v |
	if $v == null then null else .cap_pct * (.vcpus // 1) - $v end;
def share: left as $l |
	$io["\(.platform)|\(.kernel)|\(.cap_pct)"].vm_cpu_host_pct as $v |
	if .hog and $l != null and $l > 0 and .vm_cpu_host_pct != null
	then (.vm_cpu_host_pct - $v) / $l else null end;
"",
"## Several vCPUs (issue 10)",
"",
"Each case with N vCPUs against the same case with one, same run. *x io*:",
"p99 over io'"'"'s p99 (same platform and vCPUs); *of left*: the VM'"'"'s CPU beyond",
"io'"'"'s over what io leaves of the cap (N x cap less io'"'"'s), from xl list for any",
"vCPU count (a hog'"'"'s own CPU is not measurable with several under icount; this",
"counts the balloon'"'"'s cost as the hogs'"'"'). Target: both within 20 % of one",
"vCPU'"'"'s (the *1 vCPU* columns). *balloon per vCPU*: CPU: reserves met /",
"periods, periods throttled, cap in use at the end (per mille).",
"",
($xen | group_by("\(base)|\(.kernel)")[] |
	. as $g | ([$g[] | .vcpus // 1] | unique) as $ns |
	select(($ns | length) > 1 or ($ns[0] // 1) > 1) |
	"### \($g[0] | base), \($g[0].kernel)",
	"",
	"| case | cap | vCPUs | p99 | x io | 1 vCPU x io | VM CPU % | of left | 1 vCPU of left | target | balloon per vCPU |",
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
	($g | map(select(.vcpus > 1))[] | . as $r |
		($g | map(select((.vcpus // 1) == 1 and .case == $r.case and
			.variant == $r.variant and .cap_pct == $r.cap_pct)) | first) as $one |
		($r | xio) as $x | ($one | if . == null then null else xio end) as $x1 |
		($r | share) as $s | ($one | if . == null then null else share end) as $s1 |
		"| \($r | name) | \($r.cap_pct) | \($r.vcpus) | \($r.p99_us | ms) | \($x | r2) | \($x1 | r2) | \($r.vm_cpu_host_pct | num) | \($s | r2) | \($s1 | r2) | \(if ($r.xballoon // "off") == "off" then "reference" elif $one == null then "no 1-vCPU row" else (within($x; $x1) as $a | within($s; $s1) as $b | if $a == null then null elif $b == null then $a else ($a and $b) end | yn) end) | \($r | per_cpu) |"),
	"")
end
' "$1"
