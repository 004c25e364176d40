#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# record-vclock.sh - record the virtual clock's charges on Xen, with both
# steal sources read at every one, for the steal bookkeeping's unit tests
# (tests/unit/steal_acct_test.c):
#
#   record-vclock.sh KVER OUT [credit|credit2]
#
# A PV domU of Xen 4.17 in QEMU (tests/xen/run.sh, --icount), capped at
# XB_XEN_CAP (default 50) under the given scheduler (default credit2), runs
# the selftests XB_REC_TESTS names (kselftest -r arguments; default the
# busy-loop charge and the wake-up beside a hog) with the xballoon_vclock
# tracepoint on (record-vclock-guest.sh); OUT.trace gets CPU 0's charges,
# an "R" line before the first of each time steal was switched on, and the
# tests' logs as comments. Heavy: run one at a time (flock
# /tmp/xb-heavy.lock).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
[ $# -ge 2 ] || { sed -n 4,17p "$0" >&2; exit 64; }
kver=$1 trace=$2 sched=${3:-credit2}
work=$(mktemp -d /tmp/xb-rec.XXXXXX)

make -C "$top" --no-print-directory payload KVER="$kver" > "$work/payload.log"
cp -r "$top/build/$kver/payload" "$work/payload"
cp "$here/record-vclock-guest.sh" "$work/payload/run-tests.sh"
[ -n "${XB_REC_TESTS:-}" ] &&
	echo "XB_REC_TESTS=\"$XB_REC_TESTS\"" > "$work/payload/rec.conf"
XB_XEN_SCHED=$sched "$top/tests/xen/run.sh" "$kver" "$work/payload" \
	"$work/out" --icount --timeout 900 > /dev/null || true
log=$work/out/tap.log
{
	echo "# xballoon vclock trace: Xen 4.17 $sched, cap ${XB_XEN_CAP:-50} %, PV domU $kver, CPU 0"
	grep -h 'XB-REC-\|^XBTAP|# \|^# ' "$log" 2> /dev/null |
		sed 's/^XBTAP|//; s/^# //; s/^/# /'
	echo "# t_us runtime_ns slice_ran_ns fast_ns exact_ns"
	sed -n 's/^\(XBTAP|\)\{0,1\}XBVC //p' "$log" | tr -d '\r' |
		awk '$6 == 1 { print "R" } { print $1, $2, $3, $4, $5 }'
} > "$trace.trace"
echo "record-vclock.sh: $(grep -c '^[0-9]' "$trace.trace") charges in $trace.trace" >&2
echo "record-vclock.sh: logs in $work/out" >&2
