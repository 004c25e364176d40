#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test layer, each writing TAP into build/test-results/,
# then one summary that ends with the plain line "N passed, N failed".
#
#   build  W=1, sparse, DKMS for each kernel; checkpatch   (tests/build)
#   unit   pure policy code under ASan/UBSan in user space (tests/unit)
#   vm     selftests inside each stock kernel under QEMU    (tests/vm)
#   xen    selftests inside a PV domU of a real Xen in QEMU (tests/xen)
#
# Environment: XB_KERNELS (default: every kernel with both an image in
# /boot and headers), XB_LAYERS (default: "build unit vm xen"),
# XB_XEN_ARGS (default: "--icount": Xen runs in instruction-counted time,
# so its timing tests do not depend on the load of the host). The VM layer
# runs single-threaded TCG without hardware KVM: see tests/vm/run.sh.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
export XB_RESULTS=$top/build/test-results
layers=${XB_LAYERS:-build unit vm xen}

if [ -z "${XB_KERNELS:-}" ]; then
	XB_KERNELS=
	for img in /boot/vmlinuz-*; do
		k=${img#/boot/vmlinuz-}
		[ -f "/lib/modules/$k/build/Makefile" ] && XB_KERNELS="$XB_KERNELS $k"
	done
fi
# shellcheck disable=SC2086 # a list of kernel releases
set -- $XB_KERNELS
if [ $# -eq 0 ]; then
	echo "check: no kernel with both image and headers; run make deps" >&2
	exit 1
fi

rm -rf "$XB_RESULTS"
mkdir -p "$XB_RESULTS"
timings=

# layer NAME CMD...: run one layer, time it, never stop the others.
layer() {
	local name=$1 start=$SECONDS
	shift
	echo "=== $name"
	"$@"
	timings="$timings# layer $name: $((SECONDS - start)) s"$'\n'
}

# payload KVER: the module for KVER plus the static tools and tests.
payload() {
	make -C "$top" --no-print-directory payload KVER="$1" \
		>"$XB_RESULTS/payload-$1.log" 2>&1
}

# guest_layer HARNESS KVER: boot HARNESS with KVER's payload; its TAP lands
# in $XB_RESULTS/<harness>-<kver>.tap whatever happens.
guest_layer() {
	local harness=$1 kver=$2 out=$XB_RESULTS/$1-$2
	local tap=$XB_RESULTS/$1-$2.tap

	if ! payload "$kver"; then
		echo "not ok 1 - $harness $kver: payload builds" >"$tap"
		tail -n 20 "$XB_RESULTS/payload-$kver.log" | sed 's/^/# /' >>"$tap"
		return
	fi
	local args=
	[ "$harness" = xen ] && args=${XB_XEN_ARGS---icount}
	# shellcheck disable=SC2086 # options, split on purpose
	"$top/tests/$harness/run.sh" "$kver" "$top/build/$kver/payload" "$out" \
		$args >"$out.log" 2>&1
	if [ -s "$out/result.tap" ]; then
		cp "$out/result.tap" "$tap"
	else
		echo "not ok 1 - $harness $kver: harness produced no result" >"$tap"
		tail -n 20 "$out.log" | sed 's/^/# /' >>"$tap"
	fi
	grep -E '^(not )?ok ' "$tap" | sed "s/^/  [$harness $kver] /"
}

for l in $layers; do
	case $l in
	build)
		layer build sh -c '"$0"/tests/build/check-build.sh "$@" \
			>"$XB_RESULTS/build.tap"; grep -E "^(not )?ok " \
			"$XB_RESULTS/build.tap"' "$top" "$@"
		;;
	unit)
		layer unit sh -c 'make -C "$0" --no-print-directory -s unit \
			>"$XB_RESULTS/unit.tap" 2>&1; grep -E "^(not )?ok " \
			"$XB_RESULTS/unit.tap"' "$top"
		;;
	vm|xen)
		for k in "$@"; do
			layer "$l $k" guest_layer "$l" "$k"
		done
		;;
	*)
		echo "check: unknown layer $l" >&2
		exit 1
		;;
	esac
done

echo
printf '%s' "$timings"
exec "$top/tests/lib/tap-summary.sh" "$XB_RESULTS"/*.tap
