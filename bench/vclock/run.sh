#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/vclock/run.sh [--quick] - the virtual clock benchmark: short-term
# priority inversion on a Xen vCPU that shares its pCPU with a busy domain.
#
# Xen 4.17 in QEMU TCG under icount (tests/xen/run.sh --icount=2, so that
# the numbers do not depend on the host's load), credit1, no cap. The PV
# domU (1 vCPU) runs a periodic I/O-like task (SCHED_OTHER nice 0, a 1 ms
# absolute timer, ~60 us of work per wake-up, cyclictest's latency) beside
# two CPU hogs (nice 0). Per kernel, one boot, every case in turn
# (bench/vclock/guest.sh in the domU, bench/vclock/dom0-run.sh in dom0):
#
#   hook-overhead     a lone CPU-bound loop with vclock off and on,
#                     alternated, no steal: its throughput per second of
#                     vCPU time, on / off
#   reference         dom0 idle, vclock off
#   reference+vclock  the same, vclock on: what the hook costs without steal
#   steal             dom0 runs a CPU hog on the pCPU the domU's vCPU shares
#                     with it (XB_DOMU_CPUS=0): credit1 gives each half, the
#                     domU sees the rest as steal (runstate runnable);
#                     vclock off
#   steal+vclock      the same, vclock on
#   steal+vclock+schedstats
#                     the same with kernel.sched_schedstats=1 (and an empty
#                     fair-credit set): what schedstats alone change
#   steal+vclock+credit
#                     the same with the periodic task in the fair-credit
#                     set (xballoonctl credit add --comm vcb-io) and
#                     kernel.sched_schedstats=1, which fair credit needs;
#                     the case fails unless the module's counters of
#                     restored wake-ups and credit given back grew in it
#   steal+credit      the same, vclock off
#
# Every row carries vclock ("off"/"on"), fair_credit (true/false) and
# steal; rows with fair credit carry credit_restored and credit_given_ms
# (the window's growth of the module's counters).
#
# The domU shares pCPU0 with dom0 in every case, rather than moving there
# for the steal cases only: under icount QEMU runs the two emulated pCPUs
# in turn on one instruction clock, so a vCPU alone on pCPU1 silently loses
# time whenever pCPU0 works (dom0's housekeeping: a lone loop there ran
# 9 % slower and 3 % noisier, with no steal to show for it). On pCPU0 that
# housekeeping is steal the guest sees and can subtract; XB_DOM0_POLL=5
# makes it rare (dom0's poll for the guest's end forks a few processes,
# ~15 ms each under TCG, every 0.5 s by default).
#
# --quick: the newest kernel only, 8 s per case. Default: every kernel with
# headers and an image in /boot, newest first, 30 s per case.
#
# Output: bench/results/vclock-latest.{json,md} and vclock-latest-cdf.png;
# raw data (guest TAP, logs, CDF points) under build/vclock/run-<mode>/.
# The module is built from the working tree: every row records the commit
# and whether module/ or include/ differed from it (module_modified).
#
# Environment (all optional):
#   XB_VCLOCK_KERNELS   kernel releases to run
#   XB_VCLOCK_DURATION  measured seconds per case, XB_VCLOCK_WARMUP (s)
#   XB_VCLOCK_WORK_US   the periodic task's work per wake-up (60)
#   XB_VCLOCK_RESULTS   results directory (bench/results)
#
# Needs: what tests/xen/run.sh needs (root, qemu-system-x86_64, the Xen
# hypervisor), a C compiler with a static libc, jq, gnuplot.
set -eu
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
t_start=$(date +%s)
mode=full
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	*)
		echo "usage: $0 [--quick]" >&2
		exit 64
		;;
	esac
	shift
done

log() {
	echo "vclock-bench: $*" >&2
}

for tool in jq gnuplot cc; do
	command -v "$tool" > /dev/null || {
		log "missing tool: $tool"
		exit 2
	}
done

# Kernels with an image and headers, newest first (6.12's EEVDF before
# 6.1's CFS).
kernels=${XB_VCLOCK_KERNELS:-}
if [ -z "$kernels" ]; then
	kernels=$(for img in /boot/vmlinuz-*; do
		k=${img#/boot/vmlinuz-}
		[ -f "/lib/modules/$k/build/Makefile" ] && echo "$k"
	done | sort -rV)
	[ "$mode" = full ] || kernels=$(echo "$kernels" | head -n1)
fi
[ -n "$kernels" ] || {
	log "no kernel with both an image and headers"
	exit 2
}

if [ "$mode" = quick ]; then
	warmup=${XB_VCLOCK_WARMUP:-1}
	duration=${XB_VCLOCK_DURATION:-8}
	tput_s=2
	tput_rounds=2
else
	warmup=${XB_VCLOCK_WARMUP:-2}
	duration=${XB_VCLOCK_DURATION:-30}
	tput_s=4
	tput_rounds=3
fi
work_us=${XB_VCLOCK_WORK_US:-60}
results=${XB_VCLOCK_RESULTS:-$top/bench/results}
icount=2
# Guest time per kernel (7 cases and the throughput runs), plus boot; TCG
# under icount runs at about guest speed, a loaded host makes that
# slower: generous.
timeout=$((300 + 4 * 11 * (warmup + duration + 2)))

# What the module was built from.
commit=$(git -C "$top" rev-parse HEAD 2> /dev/null || echo unknown)
module_modified=false
git -C "$top" diff --quiet HEAD -- module include 2> /dev/null ||
	module_modified=true
[ "$module_modified" = false ] ||
	log "warning: module/ or include/ differ from $commit: the results say so"

run=$top/build/vclock/run-$mode
rm -rf "$run"
mkdir -p "$run" "$results"

log "building vcbench"
cc -std=gnu11 -O2 -Wall -Wextra -Werror -static -I"$top/include/uapi" -I"$top/bench" \
	-o "$run/vcbench" "$top/bench/vclock/vcbench.c" -lm

failed=
for k in $kernels; do
	log "=== $k: payload"
	kdir=$run/$k
	p=$kdir/payload
	mkdir -p "$p/bin"
	# Only the module and xballoonctl: `make payload` would also build
	# every selftest, which this benchmark does not run.
	make -C "$top" --no-print-directory module KVER="$k" > "$kdir/build.log" 2>&1 || {
		log "make module KVER=$k failed (see $kdir/build.log)"
		failed="$failed $k"
		continue
	}
	cp "$top/build/$k/src/module/xballoon.ko" "$run/vcbench" "$p/"
	mv "$p/vcbench" "$p/bin/"
	# xballoonctl puts the periodic task in the fair-credit set.
	make -C "$top" --no-print-directory tools >> "$kdir/build.log" 2>&1 || {
		log "make tools failed (see $kdir/build.log)"
		failed="$failed $k"
		continue
	}
	cp "$top/build/user/tools/xballoonctl" "$p/bin/"
	install -m 0755 "$top/bench/vclock/guest.sh" "$p/run-tests.sh"
	install -m 0755 "$top/bench/vclock/dom0-run.sh" "$p/dom0-run.sh"
	cat > "$p/bench.conf" <<-EOF
		WARMUP_S=$warmup
		DURATION_S=$duration
		WORK_US=$work_us
		TPUT_S=$tput_s
		TPUT_ROUNDS=$tput_rounds
		DOM0_TIMEOUT_S=$timeout
	EOF

	log "=== $k: Xen run (icount $icount, timeout ${timeout}s)"
	t0=$(date +%s)
	rc=0
	XB_XEN_CAP=0 XB_DOMU_CPUS=0 XB_DOM0_POLL=5 \
		"$top/tests/xen/run.sh" "$k" "$p" "$kdir/out" --icount="$icount" \
		--timeout "$timeout" > "$kdir/result.tap" 2> "$kdir/xen.log" || rc=$?
	echo "$(($(date +%s) - t0))" > "$kdir/wall_s"
	grep -E '^(not ok|ok|# xen)' "$kdir/result.tap" | sed 's/^/  /' >&2 || true
	[ "$rc" = 0 ] || {
		log "$k: the Xen run failed (rc $rc, see $kdir)"
		failed="$failed $k"
	}
done

# ---------------------------------------------------------------------------
# Collect. Each case's JSON line from the guest, plus what the guest cannot
# know; its CDF points go to a data file for the plot.

cases=$run/cases.jsonl
: > "$cases"
for k in $kernels; do
	kdir=$run/$k
	tap=$kdir/out/tap.log
	[ -f "$tap" ] || continue
	calib=$(sed -n 's/^# XBVC-CALIB //p' "$tap" | tail -n1)
	[ -n "$calib" ] || calib='{}'
	wall=$(cat "$kdir/wall_s" 2> /dev/null || echo null)
	sed -n 's/^# XBVC-TPUT //p' "$tap" > "$kdir/tput.jsonl"
	sed -n 's/^# XBVC-TPUT_STEAL //p' "$tap" > "$kdir/tput-steal.jsonl"
	# JSON lines only: a failing case's message goes to the TAP alone.
	sed -n 's/^# XBVC-RESULT \({.*}\)$/\1/p' "$tap" > "$kdir/results.jsonl"
	while IFS= read -r line; do
		c=$(echo "$line" | jq -r .case)
		echo "$line" | jq -r '.cdf[] | "\(.[1] / 1000) \(1 - .[0])"' \
			> "$kdir/cdf-$c.dat"
		echo "$line" | jq -r '.guest_cdf[] | "\(.[1] / 1000) \(1 - .[0])"' \
			> "$kdir/guest-cdf-$c.dat"
	done < "$kdir/results.jsonl"

	# fair_credit and schedstats: false unless the case's own row says
	# otherwise (hook-overhead runs with neither).
	common=$(jq -n --arg k "$k" --arg mode "$mode" --argjson icount "$icount" \
		--argjson calib "$calib" --argjson wall "$wall" \
		--arg commit "$commit" --argjson modified "$module_modified" '{
			platform: "xen", kernel: $k, fair_credit: false,
			schedstats: false, cap_pct: 0, icount_shift: $icount,
			bench_mode: $mode, work_us: $calib.work_us,
			run_wall_s: $wall, commit: $commit,
			module_modified: $modified }')
	# The hook's cost: mean throughput per state over the alternated runs.
	if [ -s "$kdir/tput.jsonl" ]; then
		jq -s --argjson c "$common" --slurpfile st "$kdir/tput-steal.jsonl" '
			def mean(f): (map(f) | add / length);
			(map(select(.vclock == "off")) | mean(.iters_per_s)) as $off |
			(map(select(.vclock == "on")) | mean(.iters_per_s)) as $on |
			$c + { case: "hook-overhead", vclock: "off vs on",
			  steal: false,
			  tput_off_iters_per_s: ($off | round),
			  tput_on_iters_per_s: ($on | round),
			  tput_ratio: (($on / $off) * 100000 | round / 100000),
			  hook_loss_pct: ((1 - $on / $off) * 100 * 1000 | round / 1000),
			  target_hook_loss_lt_1pct: ((1 - $on / $off) * 100 < 1),
			  steal_pct: (map(.steal_ms / 10 / .wall_s) | add / length),
			  events_per_s: (map(select(.vclock == "on")) | mean(.events_per_s)),
			  hook_ns_per_event: (map(select(.vclock == "on")) | mean(.hook_ns_per_event)),
			  self_cpu_pct_off: (map(select(.vclock == "off")) | mean(.self_cpu_pct)),
			  self_cpu_pct_on: (map(select(.vclock == "on")) | mean(.self_cpu_pct)),
			  runs: ., runs_under_steal: $st }' "$kdir/tput.jsonl" >> "$cases"
	fi
	# Cases; the p99 target is judged on steal+vclock against reference.
	jq -s -c --argjson c "$common" '
		(map(select(.case == "reference")) | .[0]) as $r |
		$r.p99_us as $ref |
		.[] | del(.cdf, .guest_cdf) | $c + . |
		if .steal then
			. + { p99_vs_reference: (if $ref then
				(.p99_us / $ref * 100 | round / 100) else null end),
			      guest_p99_vs_reference: (if $r.guest_p99_us then
				(.guest_p99_us / $r.guest_p99_us * 100 | round / 100)
				else null end) }
		else . end |
		if .vclock == "on" and .steal_pct > 0 then
			. + { uncharged_pct_of_steal: (.uncharged_ms /
				(.steal_pct / 100 * .window_s * 1000) * 1000 | round / 10) }
		else . end |
		if .steal and .vclock == "on" then
			. + { target_p99_le_1_5x_reference:
				(if .p99_vs_reference then .p99_vs_reference <= 1.5
				 else null end) }
		else . end' "$kdir/results.jsonl" >> "$cases"
done

json=$run/vclock.json
jq -s . "$cases" > "$json"

# A row that claims fair credit must show it acted (vcbench fails such a
# case in the guest too): restored wake-ups and credit given back grew.
bad=$(jq -r '.[] | select(.fair_credit and
	((.credit_restored // 0) <= 0 or (.credit_given_ms // 0) <= 0)) |
	"\(.kernel)/\(.case)"' "$json")
if [ -n "$bad" ]; then
	log "fair credit did not act in: $(echo "$bad" | tr '\n' ' ')"
	for b in $bad; do
		case " $failed " in
		*" ${b%%/*} "*) ;;
		*) failed="$failed ${b%%/*}" ;;
		esac
	done
fi

# ---------------------------------------------------------------------------
# Markdown.

t_total=$(($(date +%s) - t_start))
md=$run/vclock.md
credit_max_us=$(jq -r '[.[] | .credit_max_us // empty] | unique |
	if length == 0 then "?" else map(tostring) | join("/") end' "$json")
{
	echo "# xballoon virtual clock benchmark ($mode, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
	echo
	echo "Platform \`xen\`: Xen 4.17 (credit1, no cap) in QEMU TCG with \`-icount"
	echo "shift=$icount,sleep=off\` (guest time counts instructions: independent of host"
	echo "load, but everything costs what it costs under emulation, e.g. the timer"
	echo "interrupt path is ~140 us). PV domU, 1 vCPU: a periodic task (SCHED_OTHER"
	echo "nice 0, absolute 1 ms timer, ${work_us} us of work per wake-up, cyclictest's"
	echo "latency: actual - intended wake-up; intended times already passed are skipped"
	echo "and counted as missed) beside 2 CPU hogs (nice 0). The domU's vCPU shares pCPU0"
	echo "with dom0's. *reference*: dom0 idle (its housekeeping shows as ~1 % steal)."
	echo "*steal*: dom0 runs a CPU hog; credit1 shares the pCPU in 30 ms slices and the"
	echo "domU sees the wait as steal (runstate runnable). *credit*: the periodic task in"
	echo "xballoon's fair-credit set (\`xballoonctl credit add --comm vcb-io\`, credit_max_us"
	echo "$credit_max_us) with \`kernel.sched_schedstats=1\`, which fair credit needs;"
	echo "*+schedstats*: schedstats on, nobody in the set (what schedstats alone change:"
	echo "they cost a little on every scheduler event; the other cases run without them)."
	echo "One boot per kernel; ${warmup} s warm-up + ${duration} s measured per case."
	echo "Module built from $commit$(
		[ "$module_modified" = false ] || echo ' with uncommitted changes to module/ or include/'
	). Wall time of this script: ${t_total} s."
	echo
	echo "Latencies in ms. *guest p99/p99.9*: latency minus the steal since the previous"
	echo "wake-up (the part the guest's own scheduler caused; a lower bound). *missed*:"
	echo "intended wake-ups skipped / all. *server/hog CPU*: run time the scheduler"
	echo "charged (/proc/PID/schedstat) over wall time, the 2 hogs summed: with vclock"
	echo "off it includes the steal charged to the task. *hog Mit/s*: the hogs' loop"
	echo "iterations per second (work actually done). *uncharged*: steal the vclock took"
	echo "off charges in the window (share of the window's steal). *away %*: wake-ups that"
	echo "found the vCPU away (over 1 ms of steal since the previous one; more than 1 % of"
	echo "them set the p99, whatever the guest does). *max gap*: the longest steal between"
	echo "two wake-ups. *hook ns*: the hook's self-measured cost per event (1 event in 64"
	echo "timed with two local_clock() reads, scaled by 64): mostly the cost of those reads,"
	echo "as Xen emulates RDTSC here (see each kernel's RDTSC cost); under steal, a timed"
	echo "event that spans a vCPU preemption adds 64 x the preemption. The real cost is the"
	echo "throughput ratio below. *restored*: the periodic task's wake-ups whose vruntime"
	echo "fair credit restored in the window (share of its recorded wake-ups), and the"
	echo "virtual run time it gave back in all."
	for k in $kernels; do
		calib=$(sed -n 's/^# XBVC-CALIB //p' "$run/$k/out/tap.log" 2> /dev/null |
			tail -n1)
		echo
		echo "## $k"
		echo
		echo "${calib:-{\}}" | jq -r '"Clock reads in this guest: RDTSC \(.rdtsc_ns // "?") ns (Xen emulates it), clock_gettime \(.clock_gettime_ns // "?") ns; \(.work_us // "?") us of work = \(.work_iters // "?") loop iterations."' || true
		echo
		echo "| case | steal | vclock | credit | schedstats | p50 | p99 | p99.9 | max | guest p99 | guest p99.9 | missed % | server CPU % | hog CPU % | hog Mit/s | steal % | away % | max gap | uncharged ms | hook ns | restored |"
		echo "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		jq -r --arg k "$k" '
			def ms: if . == null then "-" else (. / 1000 * 100 | round / 100 | tostring) end;
			def n1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
			def n2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
			.[] | select(.kernel == $k and .case != "hook-overhead") |
			"| \(.case) | \(.steal) | \(.vclock) | \(.fair_credit) | \(.schedstats) | \(.p50_us | ms) | \(.p99_us | ms) | \(.p999_us | ms) | \(.max_us | ms) | \(.guest_p99_us | ms) | \(.guest_p999_us | ms) | \(.missed_pct | n1) | \(.server_cpu_pct | n1) | \(.hog_cpu_pct | n1) | \(.hog_iters_per_s / 1e6 | n2) | \(.steal_pct | n1) | \(.vcpu_away_wakeups_pct | n1) | \(.max_steal_gap_ms | n1) | \(.uncharged_ms | n1)\(if .uncharged_pct_of_steal then " (\(.uncharged_pct_of_steal) %)" else "" end) | \(.hook_ns_per_event | if . == null then "-" else round end) | \(if .fair_credit then "\(.credit_restored // "-") (\(.credit_restored_pct_of_wakeups | n1) %), \(.credit_given_ms | n1) ms" else "-" end) |"' "$json"
		echo
		jq -r --arg k "$k" '
			.[] | select(.kernel == $k and .case == "hook-overhead") |
			"Hook overhead, no steal: a lone CPU-bound loop makes \(.tput_off_iters_per_s) iterations/s of vCPU time with vclock off, \(.tput_on_iters_per_s) with it on (mean of \(.runs | length / 2) alternated runs of each): ratio \(.tput_ratio), loss \(.hook_loss_pct) % at \(.events_per_s | round) scheduler events/s (target < 1 %: \(if .target_hook_loss_lt_1pct then "met" else "NOT met" end)). Its share of its own vCPU as the scheduler charged it: \(.self_cpu_pct_off * 10 | round / 10) % (off), \(.self_cpu_pct_on * 10 | round / 10) % (on)."' "$json"
		jq -r --arg k "$k" '
			.[] | select(.kernel == $k and .case == "hook-overhead") |
			.runs_under_steal[] | select(.vclock == "on") |
			"The lone loop under steal, vclock on: \(.steal_ms | round) ms of steal, \(.uncharged_ms | round) ms (\(.uncharged_ms / .steal_ms * 1000 | round / 10) %) taken off its charge; beside the periodic task (steal+vclock) the vclock took off only what the column *uncharged* shows."' "$json"
		jq -r --arg k "$k" '
			(map(select(.kernel == $k)) | map({(.case): .}) | add) as $c |
			if $c.reference and $c["reference+vclock"] then
			"Hook overhead beside the periodic task (no steal, \($c["reference+vclock"].vclock_events / $c["reference+vclock"].window_s | round) events/s): hogs \($c["reference+vclock"].hog_iters_per_s / $c.reference.hog_iters_per_s * 10000 | round / 10000) x, periodic-task CPU \($c["reference+vclock"].server_cpu_pct / $c.reference.server_cpu_pct * 1000 | round / 1000) x of vclock off."
			else empty end' "$json"
		echo
		jq -r --arg k "$k" '
			.[] | select(.kernel == $k and .case == "steal+vclock") |
			"Target, periodic task p99 under sharing with vclock on <= 1.5 x its p99 without steal: \(.p99_us / 1000 * 100 | round / 100) ms vs \(.p99_us / .p99_vs_reference / 1000 * 100 | round / 100) ms = \(.p99_vs_reference) x: \(if .target_p99_le_1_5x_reference then "met" else "NOT met" end). \(.vcpu_away_wakeups_pct * 10 | round / 10) % of the wake-ups found the vCPU away, which no guest can change; the guest-side p99 (latency minus steal) is \(.guest_p99_vs_reference) x the reference'"'"'s."' "$json"
		jq -r --arg k "$k" '
			def ms: if . == null then "-" else (. / 1000 * 100 | round / 100 | tostring) end;
			def n1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
			(map(select(.kernel == $k)) | map({(.case): .}) | add) as $c |
			[["Schedstats alone", "steal+vclock", "steal+vclock+schedstats"],
			 ["Fair credit", "steal+vclock+schedstats", "steal+vclock+credit"],
			 ["Fair credit", "steal", "steal+credit"]][] |
			select($c[.[1]] and $c[.[2]]) | .[0] as $what |
			$c[.[1]] as $a | $c[.[2]] as $b |
			"\($what), \($a.case) -> \($b.case): p99 \($a.p99_us | ms) -> \($b.p99_us | ms) ms, p99.9 \($a.p999_us | ms) -> \($b.p999_us | ms), guest p99 \($a.guest_p99_us | ms) -> \($b.guest_p99_us | ms), guest p99.9 \($a.guest_p999_us | ms) -> \($b.guest_p999_us | ms), missed \($a.missed_pct | n1) -> \($b.missed_pct | n1) %, periodic-task CPU \($a.server_cpu_pct | n1) -> \($b.server_cpu_pct | n1) %, hogs \($a.hog_cpu_pct | n1) -> \($b.hog_cpu_pct | n1) % (\($b.hog_iters_per_s / $a.hog_iters_per_s * 1000 | round / 1000) x the work)\(if $b.fair_credit then "; \($b.credit_restored) wake-ups restored (\($b.credit_restored_pct_of_wakeups | n1) % of them), \($b.credit_given_ms | n1) ms of virtual run time given back, \(if $b.credit_restored > 0 then ($b.credit_given_ms * 1000 / $b.credit_restored | round | tostring) else "-" end) us a wake-up" else "" end)."' "$json"
		echo
		n_ok=$(grep -c '^ok' "$run/$k/result.tap" 2> /dev/null) || true
		n_nok=$(grep -c '^not ok' "$run/$k/result.tap" 2> /dev/null) || true
		echo "Xen run: $(cat "$run/$k/wall_s" 2> /dev/null || echo '?') s; TAP ${n_ok:-0} ok, ${n_nok:-?} not ok."
	done
	echo
	echo "Raw data: build/vclock/run-$mode/ (guest TAP with every case's JSON, CDF points, logs)."
} > "$md"

# ---------------------------------------------------------------------------
# Plot: the fraction of wake-ups later than x, log-log, one panel per kernel.

png=$run/vclock-cdf.png
nk=$(echo "$kernels" | wc -w)
{
	echo "set terminal pngcairo size $((640 * nk)),900 font ',10'"
	echo "set output '$png'"
	echo "set multiplot layout 2,$nk"
	echo "set logscale xy"
	echo "set ylabel 'fraction of wake-ups later'"
	echo "set yrange [1e-4:1]"
	echo "set xrange [0.1:300]"
	echo "set grid"
	echo "set key bottom left"
	for row in cdf guest-cdf; do
	for k in $kernels; do
		if [ "$row" = cdf ]; then
			echo "set title '$k: wake-up latency'"
			echo "set xlabel 'latency (ms)'"
		else
			echo "set title '$k: latency minus the steal since the previous wake-up'"
			echo "set xlabel 'guest-side latency (ms)'"
		fi
		plot="plot"
		for c in reference reference+vclock steal steal+vclock \
			steal+vclock+schedstats steal+vclock+credit steal+credit; do
			f=$run/$k/$row-$c.dat
			[ -s "$f" ] || continue
			case $c in
			reference) style="lc rgb '#777777' dt 2" ;;
			reference+vclock) style="lc rgb '#2ca02c' dt 3" ;;
			steal) style="lc rgb '#d62728'" ;;
			steal+vclock) style="lc rgb '#1f77b4'" ;;
			steal+vclock+schedstats) style="lc rgb '#17becf' dt 3" ;;
			steal+vclock+credit) style="lc rgb '#9467bd' dt 4" ;;
			steal+credit) style="lc rgb '#ff7f0e' dt 4" ;;
			esac
			plot="$plot '$f' using 1:(\$2 > 0 ? \$2 : 1e-9) with steps lw 2 $style title '$c',"
		done
		if [ "$plot" = plot ]; then
			echo "set label 1 'no data' at graph 0.5,0.5; plot 2 notitle; unset label 1"
		else
			echo "${plot%,}"
		fi
	done
	done
	echo "unset multiplot"
} > "$run/cdf.gp"
gnuplot "$run/cdf.gp" || log "gnuplot failed"

cat "$md"
# A failed run leaves the last good results alone.
if [ -n "$failed" ]; then
	log "failed:$failed; partial results in $run"
	exit 1
fi
cp "$json" "$results/vclock-latest.json"
cp "$md" "$results/vclock-latest.md"
[ ! -f "$png" ] || cp "$png" "$results/vclock-latest-cdf.png"
log "results: $results/vclock-latest.{json,md} and vclock-latest-cdf.png (${t_total}s)"
