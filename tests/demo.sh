#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot a stock Debian kernel in QEMU with xballoon, show what
# it found (`xballoonctl info`) and a balloon daemon at work, then the
# before/after table of the last benchmark run (bench/results/latest.md).
#
# Environment: XB_DEMO_KERNEL (default: the newest kernel with both an
# image and headers).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${XB_DEMO_KERNEL:-}
if [ -z "$kver" ]; then
	for img in /boot/vmlinuz-*; do
		k=${img#/boot/vmlinuz-}
		[ -f "/lib/modules/$k/build/Makefile" ] && kver=$k
	done
fi
[ -n "$kver" ] || { echo "demo: no kernel with headers; run make deps" >&2; exit 1; }

echo "== building xballoon for $kver"
make -C "$top" --no-print-directory -s payload KVER="$kver" >/dev/null
demo=$top/build/demo/payload
rm -rf "$demo" && mkdir -p "$(dirname "$demo")"
cp -r "$top/build/$kver/payload" "$demo"
cp "$top/tests/guest/demo.sh" "$demo/run-tests.sh"

echo "== booting $kver in QEMU (TCG unless hardware KVM is present)"
status=0
"$top/tests/vm/run.sh" "$kver" "$demo" "$top/build/demo/out" \
	>"$top/build/demo/harness.log" 2>&1 || status=$?
# The guest's output, without the harness's protocol lines.
grep -v '^XB-GUEST' "$top/build/demo/out/tap.log" | sed 's/^# //'
echo
tail -n 3 "$top/build/demo/harness.log"

if [ -f "$top/bench/results/latest.md" ]; then
	echo
	echo "== before/after: the last benchmark run (make bench-quick to redo)"
	cat "$top/bench/results/latest.md"
fi
exit $status
