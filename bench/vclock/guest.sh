#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/vclock/guest.sh - the payload's run-tests.sh for the virtual clock
# benchmark: runs in the Xen PV domU (busybox sh, /xb), whose one vCPU
# shares pCPU0 with dom0's. Every case runs in this one boot, in this order:
#
#   settle      wait until the kernel's own boot work is over
#   calib       the periodic task's work: WORK_US of vCPU time, in loop
#               iterations (dom0 idle, nothing else running)
#   tput        a lone CPU-bound loop, vclock off/on alternated TPUT_ROUNDS
#               times (dom0 idle): the hook's cost
#   reference, reference+vclock
#               periodic task + 2 hogs, dom0 idle, vclock off then on
#   (dom0 starts its hog: "XBVC-CMD hog-on", confirmed by the steal we
#   then see)
#   steal, steal+vclock
#               the same beside dom0's hog, vclock off then on
#   steal+vclock+schedstats
#               steal+vclock with kernel.sched_schedstats=1 and nothing
#               in the fair-credit set: what schedstats alone change
#   steal+vclock+credit, steal+credit
#               the same with the periodic task (vcbench names it vcb-io)
#               in the fair-credit set and kernel.sched_schedstats=1,
#               vclock on then off; schedstats go off again after each
#   tput        the lone loop under steal, vclock off and on
#   (dom0 stops its hog: "XBVC-CMD hog-off", confirmed by the steal going;
#   then "XBVC-CMD done")
#
# dom0 (dom0-run.sh) follows our console for the XBVC-CMD lines: a command
# then waits for its effect, not for a fixed time. "dom0 idle" still
# leaves dom0's own housekeeping (the harness's poll for our end, every
# XB_DOM0_POLL s), which shows as a little steal.
# stdout is TAP; results are diagnostics "# XBVC-<KIND> <json>" that
# bench/vclock/run.sh collects from the console.
set -eu

cd "${XB_PAYLOAD:-/xb}"
# WARMUP_S DURATION_S WORK_US TPUT_S TPUT_ROUNDS (and dom0's settings)
# shellcheck source=/dev/null # written by bench/vclock/run.sh
. ./bench.conf
vc=./bin/vcbench
ctl=./bin/xballoonctl
param=/sys/module/xballoon/parameters/vclock
schedstats=/proc/sys/kernel/sched_schedstats
io_comm=vcb-io

n=0
fail=0
result() { # ok|fail description
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

# A command's output as one diagnostic line per line; its status returned.
diag() { # kind cmd...
	kind=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	[ -z "$out" ] ||
		echo "$out" | while IFS= read -r l; do echo "# XBVC-$kind $l"; done
	return $rc
}

set_vclock() { # 0|1
	echo "$1" > "$param"
	[ "$(cat "$param")" = "$( [ "$1" = 1 ] && echo Y || echo N)" ]
}

set_schedstats() { # 0|1
	echo "$1" > "$schedstats"
	[ "$(cat "$schedstats")" = "$1" ]
}

# Fair credit for the periodic task, by name: xballoonctl turns schedstats
# on, which fair credit needs (and which cost a little on every scheduler
# event); vcbench checks both before the case.
credit_on() {
	diag CREDIT "$ctl" credit add --comm "$io_comm"
}

# The tool's own view of the counters, then back to no fair credit and no
# schedstats: the other cases run without either.
credit_off() {
	c_ok=0
	diag CREDIT "$ctl" credit list --json || c_ok=1
	diag CREDIT "$ctl" credit del --comm "$io_comm" || c_ok=1
	set_schedstats 0 || c_ok=1
	return $c_ok
}

# extra: none, schedstats (on, empty fair-credit set) or credit.
run_case() { # name steal(0|1) vclock(0|1) extra
	case_ok=ok
	credit=0
	set_vclock "$3" || case_ok=fail
	case $4 in
	credit)
		credit=1
		credit_on || case_ok=fail
		;;
	schedstats) set_schedstats 1 || case_ok=fail ;;
	esac
	if [ "$case_ok" = ok ]; then
		diag RESULT "$vc" case "$1" "$2" "$credit" "$WARMUP_S" \
			"$DURATION_S" "$iters" || case_ok=fail
	fi
	case $4 in
	credit) credit_off || case_ok=fail ;;
	schedstats) set_schedstats 0 || case_ok=fail ;;
	esac
	result "$case_ok" "case $1"
}

echo "TAP version 13"
echo "# vclock benchmark on $(uname -r): warm-up ${WARMUP_S} s, ${DURATION_S} s per case"

if insmod ./xballoon.ko; then
	result ok "insmod xballoon.ko"
else
	result fail "insmod xballoon.ko"
	echo "1..$n"
	exit 1
fi
diag INFO "$ctl" info --json || true

# The kernel's boot work must be over before anything is measured.
if diag SETTLE "$vc" settle 60; then
	result ok "nothing else running"
else
	result fail "nothing else running"
fi

if calib=$("$vc" calib "$WORK_US"); then
	# shellcheck disable=SC2086 # three numbers
	set -- $calib
	iters=$1
	echo "# XBVC-CALIB {\"work_us\":$WORK_US,\"work_iters\":$1,\"rdtsc_ns\":$2,\"clock_gettime_ns\":$3}"
	result ok "calibrated ${WORK_US} us of work: $iters iterations"
else
	result fail "calibration"
	iters=1000
fi

tput_ok=ok
r=1
while [ "$r" -le "$TPUT_ROUNDS" ]; do
	for v in 0 1; do
		set_vclock "$v" && diag TPUT "$vc" tput "$TPUT_S" || tput_ok=fail
	done
	r=$((r + 1))
done
result "$tput_ok" "throughput, vclock off/on x $TPUT_ROUNDS"

run_case reference 0 0 none
run_case reference+vclock 0 1 none

# Flushed by the time echo returns: dom0 reads it from the console log.
echo "# XBVC-CMD hog-on"
if diag WAIT "$vc" steal-wait on 60; then
	result ok "dom0's hog shows as steal"
	run_case steal 1 0 none
	run_case steal+vclock 1 1 none
	run_case steal+vclock+schedstats 1 1 schedstats
	run_case steal+vclock+credit 1 1 credit
	run_case steal+credit 1 0 credit
	# The lone loop again, now under steal: how much of the steal the
	# vclock takes off when nothing but the tick charges the task.
	steal_ok=ok
	for v in 0 1; do
		set_vclock "$v" && diag TPUT_STEAL "$vc" tput "$TPUT_S" || steal_ok=fail
	done
	result "$steal_ok" "throughput under steal, vclock off/on"
else
	result fail "dom0's hog shows as steal"
fi

echo "# XBVC-CMD hog-off"
if diag WAIT "$vc" steal-wait off 60; then
	result ok "dom0 idle again"
else
	result fail "dom0 idle again"
fi
echo "# XBVC-CMD done"

set_vclock 1 || true
diag VCLOCK cat "$param" || true
if rmmod xballoon; then
	result ok "rmmod xballoon"
else
	result fail "rmmod xballoon"
fi
echo "1..$n"
exit "$fail"
