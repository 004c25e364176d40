#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - the in-guest test runner (busybox sh), run as root with the
# payload directory as cwd (XB_PAYLOAD):
#
#   xballoon.ko  run-tests.sh  bin/xballoonctl  bin/xb_selftest
#   bin/xb_*_test (more kselftest binaries, optional)
#
# It runs the kselftest binaries, then shows `xballoonctl info` and unloads
# the module. Its stdout is one TAP 13 stream: the binaries' results,
# renumbered one after the other, each binary followed by one result of ours
# (it reported all it planned), then ours for xballoonctl and rmmod, and one
# plan at the end. The binaries' own plans and everything else become "# "
# diagnostics. Exit status 0 only if every result is "ok" and every binary
# exited 0.
#
# XB_STEAL_CAP_PCT, when set, is passed on (the hypervisor's cap on this
# guest; see xb_selftest's steal_under_cap). XB_TEST_SET=cap runs only the
# tests that need a vCPU losing time (steal under the cap, the virtual
# clock's charges), for a guest the host caps. XB_TEST_SET=stress runs
# only bin/xb_stress, the stress and fault tests (fuzzer, kill storms,
# unload under load, parameter writes, CPU hotplug, unprivileged callers),
# each phase XB_STRESS_SECS long (default 6; `make soak` uses more), with
# XB_STRESS_FUZZ_CALLS, XB_STRESS_SEED and XB_STRESS_TESTS passed on (see
# tests/selftests/xb_stress.c). XB_TEST_ONLY=BINARY:FIXTURE.TEST runs
# only that test of bin/BINARY (kselftest's -r), e.g. to reproduce one
# failure on a debug kernel. A guest gets these from its kernel command line: the kernel hands unknown NAME=value words to init's
# environment, e.g. XB_VM_APPEND=XB_STEAL_CAP_PCT=50 for tests/vm/run.sh.

XB_PAYLOAD=${XB_PAYLOAD:-$(cd "$(dirname "$0")" && pwd)}
bin=$XB_PAYLOAD/bin
XB_MODULE=$XB_PAYLOAD/xballoon.ko
XB_CTL=$bin/xballoonctl
export XB_PAYLOAD XB_MODULE XB_CTL
[ -n "${XB_STEAL_CAP_PCT:-}" ] && export XB_STEAL_CAP_PCT
for v in XB_STRESS_SECS XB_STRESS_FUZZ_CALLS XB_STRESS_SEED XB_STRESS_TESTS \
	 XB_STRESS_FREE_PCT XB_STRESS_DEBUG_KERNEL XB_DEBUG_KERNEL; do
	eval "[ -n \"\${$v:-}\" ] && export $v"
done
set=${XB_TEST_SET:-all}

tmp=$(mktemp -d /tmp/xb-run.XXXXXX 2>/dev/null) || tmp=/tmp/xb-run.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "# xballoon selftests on $(uname -r), payload $XB_PAYLOAD"
[ -n "${XB_STEAL_CAP_PCT:-}" ] && echo "# XB_STEAL_CAP_PCT=$XB_STEAL_CAP_PCT"
echo "# test set: $set"

cd "$XB_PAYLOAD" 2>/dev/null || echo "# cannot cd to $XB_PAYLOAD"

n=0	# results printed so far
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

# Run one kselftest binary and merge its stream into ours: its "TAP
# version" and plan become diagnostics, its results are renumbered after
# ours, stray lines become diagnostics. Then one result of our own: the
# binary reported every test it planned and exited normally.
run_kselftest() { # path [args]
	name=${1##*/}
	rm -f "$tmp/rc" "$tmp/state"
	echo "# running $name"
	{
		if [ -x "$1" ]; then
			"$@"
			echo $? > "$tmp/rc"
		else
			echo "$1 is missing"
			echo 127 > "$tmp/rc"
		fi
	} 2>&1 | awk -v off="$n" -v name="$name" -v state="$tmp/state" '
		BEGIN { planned = -1; results = 0 }
		/^TAP version / { next }
		/^1\.\.[0-9]+/ && planned < 0 {
			planned = substr($0, 4) + 0
			print "# " name ": " $0
			fflush()
			next
		}
		/^(not )?ok [0-9]+/ {
			results++
			match($0, /ok [0-9]+/)
			num = substr($0, RSTART + 3, RLENGTH - 3) + off
			print substr($0, 1, RSTART + 2) num substr($0, RSTART + RLENGTH)
			fflush()
			next
		}
		/^#/ { print; fflush(); next }
		/^[ \t]*$/ { next }
		{ print "# " $0; fflush() }
		END { print planned, results > state }
	'
	rc=127
	[ -r "$tmp/rc" ] && read -r rc < "$tmp/rc"
	planned=-1
	results=0
	[ -r "$tmp/state" ] && read -r planned results < "$tmp/state"
	n=$((n + results))
	[ "$rc" = 0 ] || fail=1
	if [ "$planned" -ge 1 ] && [ "$results" = "$planned" ] &&
		[ "$rc" -lt 128 ]; then
		result ok "$name reported all $planned planned tests (exit $rc)"
	else
		result fail "$name reported $results of $planned planned tests (exit $rc)"
	fi
}

# 1. The selftests: xb_selftest first (it checks loading and unloading),
# then every other test binary of the payload.
[ -n "${XB_TEST_ONLY:-}" ] && set=only
case $set in
only)
	run_kselftest "$bin/${XB_TEST_ONLY%%:*}" -r "${XB_TEST_ONLY#*:}"
	;;
cap)
	run_kselftest "$bin/xb_selftest" -r xb.steal_under_cap
	run_kselftest "$bin/xb_vclock_test"
	;;
stress)
	run_kselftest "$bin/xb_stress"
	;;
*)
	run_kselftest "$bin/xb_selftest"
	for t in "$bin"/xb_*_test; do
		[ -e "$t" ] || continue
		run_kselftest "$t"
	done
	;;
esac

# 2. What the module says, for the log.
"$XB_CTL" info > "$tmp/info" 2>&1
ctl=$?
sed 's/^/# /' "$tmp/info"
if [ "$ctl" = 0 ]; then
	result ok "xballoonctl info"
else
	result fail "xballoonctl info (exit $ctl)"
fi

# What the metrics say at the end, for the log (tests check them).
"$XB_CTL" metrics 2>&1 | sed 's/^/# metrics: /'

# 3. The module unloads cleanly at the end.
if [ ! -d /sys/module/xballoon ]; then
	result fail "rmmod xballoon: the module was not loaded after the selftests"
elif rmmod xballoon > "$tmp/rmmod" 2>&1 && [ ! -d /sys/module/xballoon ]; then
	i=0
	while [ -e /dev/xballoon ] && [ $i -lt 20 ]; do
		sleep 0.1 2>/dev/null || sleep 1
		i=$((i + 1))
	done
	if [ -e /dev/xballoon ]; then
		result fail "rmmod xballoon: /dev/xballoon still there"
	else
		result ok "rmmod xballoon"
	fi
else
	sed 's/^/# /' "$tmp/rmmod"
	result fail "rmmod xballoon"
fi

# One plan for the whole stream, at its end (TAP 13 allows it there): the
# number of results is known only now. A binary that died early shows as
# its "reported all ... planned tests" result, not as a short plan.
echo "1..$n"

exit $fail
