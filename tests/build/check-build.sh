#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The build layer of `make check`, as TAP on stdout: for every kernel given,
# the module builds with W=1 and not one warning, sparse says nothing, and
# DKMS builds it from its registered source; once, checkpatch is clean and
# the man pages and the bash completion lint clean.
# Logs of each step go to $XB_RESULTS/build-logs/.
#
# Usage: check-build.sh KVER...
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
logs=${XB_RESULTS:-$top/build/test-results}/build-logs
mkdir -p "$logs"
n=0
failed=0

# tap_step NAME LOG CMD...: one TAP line for CMD, its output kept in LOG.
# Kbuild prints warnings among its progress lines and still succeeds, so
# with XB_DIAG=1 a step also fails when its log holds a diagnostic of the
# compiler or sparse ("file:line:col: warning:") or of modpost.
diag='(: (warning|error):)|((WARNING|ERROR): modpost)'
tap_step() {
	local name=$1 log=$2
	shift 2
	n=$((n + 1))
	if "$@" >"$log" 2>&1 &&
	   ! { [ "${XB_DIAG:-0}" = 1 ] && grep -qE "$diag" "$log"; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		grep -vE '^ +(CC|LD|MODPOST|CHECK|BTF|AR)' "$log" | tail -n 25 |
			sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

echo "TAP version 13"
echo "1..$((3 * $# + 3))"

tap_step "dkms add registers /usr/src/xballoon-$version" "$logs/dkms-add.log" \
	make -C "$top" --no-print-directory dkms-add

for kver in "$@"; do
	# From scratch: an incremental build would hide old warnings.
	rm -rf "$top/build/$kver/src"
	XB_DIAG=1 tap_step "$kver: module builds with W=1, warning-free" \
		"$logs/w1-$kver.log" \
		make -C "$top" --no-print-directory module KVER="$kver"
	XB_DIAG=1 tap_step "$kver: sparse clean" "$logs/sparse-$kver.log" \
		make -C "$top" --no-print-directory sparse KVER="$kver"
	tap_step "$kver: dkms build" "$logs/dkms-$kver.log" \
		dkms build -m xballoon -v "$version" -k "$kver" --force
done

tap_step "checkpatch clean" "$logs/checkpatch.log" \
	make -C "$top" --no-print-directory checkpatch

tap_step "man pages and completion lint clean" "$logs/doclint.log" \
	make -C "$top" --no-print-directory doclint

exit $((failed > 0))
