#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# record-vclock-guest.sh - the guest side of record-vclock.sh (busybox
# sh), run by the harness in place of run-tests.sh: load the module, run
# the virtual clock's selftests named by XB_REC_TESTS (kselftest -r
# arguments) with the xballoon_vclock tracepoint on, and print each charge
# it saw on CPU 0, one line each:
#   XBVC <t_us> <runtime_ns> <slice_ran_ns> <fast_ns> <exact_ns> <reset>
# with the tests' own lines as "# " lines.
cd "${XB_PAYLOAD:-/xb}" || exit 1
# shellcheck source=/dev/null # written by record-vclock.sh
[ -r ./rec.conf ] && . ./rec.conf
tests=${XB_REC_TESTS:--r vclock.charge_excludes_steal_only_when_on -r vclock.wakeup_preempts_a_lone_hog_under_steal}
t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t 2>/dev/null

echo "TAP version 13"
insmod ./xballoon.ko || { echo "not ok 1 insmod"; echo "1..1"; exit 1; }
echo 32768 > $t/buffer_size_kb
echo > $t/trace
echo 1 > $t/events/xballoon/xballoon_vclock/enable
echo "XB-REC-START uptime=$(cut -d' ' -f1 /proc/uptime)"
# shellcheck disable=SC2086 # a list of arguments
./bin/xb_vclock_test $tests 2>&1 | sed 's/^/# /'
echo 0 > $t/events/xballoon/xballoon_vclock/enable
echo "XB-REC-END uptime=$(cut -d' ' -f1 /proc/uptime)"
grep -c xballoon_vclock: $t/trace | sed 's/^/# events: /'
# "<task>-<pid> [cpu] flags <ts>: xballoon_vclock: cpu=0 runtime_ns=..."
awk '/xballoon_vclock:/ && / cpu=0 / {
	ts = $0; sub(/: xballoon_vclock:.*/, "", ts); n = split(ts, a, " ")
	ts = a[n]; sub(/\./, "", ts)
	line = "XBVC " ts + 0
	for (i = 1; i <= NF; i++)
		if (split($i, kv, "=") == 2 && kv[1] != "cpu" &&
		    kv[1] != "take_ns")
			line = line " " kv[2]
	print line
}' $t/trace
rmmod xballoon
echo "ok 1 recorded"
echo "1..1"
