#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - what `make demo` shows inside the guest (busybox sh): load the
# module, `xballoonctl info`, then a balloon daemon for a few seconds and
# `xballoonctl status`. Output is TAP with the tool's output as comments,
# so the VM harness checks it like any test run.

XB_PAYLOAD=${XB_PAYLOAD:-$(cd "$(dirname "$0")" && pwd)}
bin=$XB_PAYLOAD/bin
n=0
failed=0

step() {
	n=$((n + 1))
	desc=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	if [ $rc -eq 0 ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (exit $rc)"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..5"
echo "# kernel $(uname -r), $(nproc) vCPUs"
step "insmod xballoon.ko cap_pm=500" insmod "$XB_PAYLOAD/xballoon.ko" cap_pm=500
step "xballoonctl info" "$bin/xballoonctl" info

if [ -x "$bin/xballoond" ]; then
	"$bin/xballoond" --mode static >/dev/null 2>&1 &
	daemon=$!
	sleep 3
	step "xballoonctl status (xballoond static, cap 50 %, 3 s)" \
		"$bin/xballoonctl" status
	kill "$daemon"
	wait "$daemon"
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 0 ]; then
		echo "ok $n - xballoond stopped cleanly on SIGTERM"
	else
		echo "not ok $n - xballoond exit $rc on SIGTERM"
		failed=1
	fi
else
	n=$((n + 2))
	echo "ok $((n - 1)) - xballoonctl status # SKIP no xballoond in payload"
	echo "ok $n - xballoond # SKIP no xballoond in payload"
fi
step "rmmod xballoon" rmmod xballoon
exit $failed
