#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh - the in-guest test runner (busybox sh), run as root with the
# payload directory as cwd (XB_PAYLOAD):
#
#   xballoon.ko  bin/xb_selftest  bin/xballoonctl  run-tests.sh
#
# It runs the kselftest binary, then shows `xballoonctl info` and unloads the
# module. Its stdout is one TAP 13 stream: the harness's results 1..N keep
# their numbers, this script's own results follow as N+1..N+3, and the one
# plan says N+3. Everything else becomes "# " diagnostics. Exit status 0 only
# if every result is "ok".
#
# XB_STEAL_CAP_PCT, when set, is passed on (the hypervisor's cap on this
# guest; see xb_selftest's steal_under_cap). A guest gets it from its kernel
# command line: the kernel hands unknown NAME=value words to init's
# environment, e.g. XB_VM_APPEND=XB_STEAL_CAP_PCT=50 for tests/vm/run.sh.

XB_PAYLOAD=${XB_PAYLOAD:-$(cd "$(dirname "$0")" && pwd)}
bin=$XB_PAYLOAD/bin
XB_MODULE=$XB_PAYLOAD/xballoon.ko
XB_CTL=$bin/xballoonctl
export XB_PAYLOAD XB_MODULE XB_CTL
[ -n "${XB_STEAL_CAP_PCT:-}" ] && export XB_STEAL_CAP_PCT

# Results this script adds after the harness's.
own=3

tmp=$(mktemp -d /tmp/xb-run.XXXXXX 2>/dev/null) || tmp=/tmp/xb-run.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "# xballoon selftests on $(uname -r), payload $XB_PAYLOAD"
[ -n "${XB_STEAL_CAP_PCT:-}" ] && echo "# XB_STEAL_CAP_PCT=$XB_STEAL_CAP_PCT"

cd "$XB_PAYLOAD" 2>/dev/null || echo "# cannot cd to $XB_PAYLOAD"

# The harness's stream, merged: its "TAP version" goes (printed above), its
# plan is replaced by one that counts our results too, stray lines become
# diagnostics. state: "<planned or -1> <results seen>".
{
	if [ -x "$bin/xb_selftest" ]; then
		"$bin/xb_selftest"
		echo $? > "$tmp/rc"
	else
		echo "$bin/xb_selftest is missing"
		echo 127 > "$tmp/rc"
	fi
} 2>&1 | awk -v own="$own" -v state="$tmp/state" '
	BEGIN { planned = -1; results = 0 }
	/^TAP version / { next }
	/^1\.\.[0-9]+/ && planned < 0 {
		planned = substr($0, 4) + 0
		print "1.." planned + own
		fflush()
		next
	}
	/^(not )?ok [0-9]+/ { results++; print; fflush(); next }
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

# Our results are numbered after the harness's plan, or after what it
# printed if it died before planning.
if [ "$planned" -ge 0 ]; then
	n=$planned
else
	n=$results
fi
fail=0
[ "$rc" = 0 ] || fail=1

result() { # ok|fail description
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

# 1. The harness ran to its end and reported every test it planned.
if [ "$planned" -ge 1 ] && [ "$results" = "$planned" ] && [ "$rc" -lt 128 ]; then
	result ok "xb_selftest reported all $planned planned tests (exit $rc)"
else
	result fail "xb_selftest reported $results of $planned planned tests (exit $rc)"
fi

# 2. What the module says, for the log.
"$XB_CTL" info > "$tmp/info" 2>&1
ctl=$?
sed 's/^/# /' "$tmp/info"
if [ "$ctl" = 0 ]; then
	result ok "xballoonctl info"
else
	result fail "xballoonctl info (exit $ctl)"
fi

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

# The harness never printed a plan: put ours at the end.
[ "$planned" -ge 0 ] || echo "1..$n"

exit $fail
