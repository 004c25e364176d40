#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# record.sh - record a per-period trace of the balloon on a real platform,
# for the learner's unit tests (tests/unit/learn_test.c):
#
#   record.sh xen|vmcap KVER OUT HINTS SECONDS [CAP:SECONDS...]
#
# xen: a PV domU of Xen 4.17 in QEMU (tests/xen/run.sh, --icount), credit1
# cap XB_XEN_CAP (default 50) at the start, then each CAP:SECONDS step
# (xl sched-credit -c CAP after SECONDS more) from dom0. vmcap: the TCG
# guest of tests/vm/run.sh, QEMU in a host cgroup v1 capped at the first
# step's CAP % of 100 ms, then each step. The guest runs a CPU hog beside
# xballoond (kthread mode) with the module told each of HINTS in turn
# ("0 700": learn, then told 70 %), SECONDS each, and prints its periods
# (record-guest.sh); OUT-hint<H>.trace gets those of hint H, with the
# schedule and the logs as comments. Heavy: run one at a time (flock
# /tmp/xb-heavy.lock).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
[ $# -ge 5 ] || { sed -n 4,18p "$0" >&2; exit 64; }
plat=$1 kver=$2 trace=$3 hints=$4 secs=$5
shift 5
steps="$*"
work=$(mktemp -d /tmp/xb-rec.XXXXXX)

make -C "$top" --no-print-directory payload KVER="$kver" > "$work/payload.log"
cp -r "$top/build/$kver/payload" "$work/payload"
cp "$here/record-guest.sh" "$work/payload/run-tests.sh"
{
	echo "XB_REC_HINT=\"$hints\""
	echo "XB_REC_SECONDS=$secs"
	echo "XB_REC_CAPS=\"$steps\""
} > "$work/payload/rec.conf"

case $plat in
xen)
	cp "$here/record-dom0.sh" "$work/payload/dom0-run.sh"
	"$top/tests/xen/run.sh" "$kver" "$work/payload" "$work/out" \
		--icount --timeout $((secs * $(echo $hints | wc -w) * 5 + 300)) > /dev/null || true
	log=$work/out/tap.log
	;;
vmcap)
	cg=/sys/fs/cgroup/cpu/xb-rec-$$
	mkdir "$cg"
	echo 100000 > "$cg/cpu.cfs_period_us"
	first=${steps%% *}
	echo $((1000 * ${first%%:*})) > "$cg/cpu.cfs_quota_us"
	(
		while ! grep -q XB-REC-START "$work/out/tap.log" 2> /dev/null; do
			sleep 0.2
		done
		for step in ${steps#* }; do
			sleep "${step#*:}"
			echo $((1000 * ${step%%:*})) > "$cg/cpu.cfs_quota_us"
			echo "XB-REC-CAP cap=${step%%:*} host=$(date +%s.%N)" \
				>> "$work/steps.log"
		done
	) &
	stepper=$!
	mkdir -p "$work/out"
	XB_VM_CGROUP=$cg XB_VM_SMP=1 "$top/tests/vm/run.sh" "$kver" \
		"$work/payload" "$work/out" --timeout $((secs + 180)) \
		> /dev/null || true
	kill "$stepper" 2> /dev/null || true
	cat "$work/steps.log" 2> /dev/null || true
	rmdir "$cg"
	log=$work/out/tap.log
	;;
*)
	echo "record.sh: unknown platform $plat" >&2
	exit 64
	;;
esac

for hint in $hints; do
	{
		echo "# xballoon period trace: $plat, kernel $kver"
		echo "# hint: $hint"
		echo "# steps (cap %:seconds): $steps"
		grep -h 'XB-REC-\|^XBTAP|# \|^# ' "$log" "$work/out/dom0-hook.log" \
			"$work/steps.log" 2> /dev/null | sed 's/^XBTAP|//; s/^# //; s/^/# /'
		echo "# t_us eff_cap_pm off_us target_us throttled_us len_us halt_us steal_us est_pm learn_state"
		sed -n "s/^\(XBTAP|\)\{0,1\}XBTR $hint //p" "$log" | tr -d '\r'
	} > "$trace-hint$hint.trace"
	echo "record.sh: $(grep -vc '^#' "$trace-hint$hint.trace") periods in $trace-hint$hint.trace" >&2
done
echo "record.sh: logs in $work/out" >&2
