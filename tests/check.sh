#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test layer, each writing TAP into build/test-results/,
# then one summary that ends with the plain line "N passed, N failed".
#
#   build  W=1, sparse, DKMS for each kernel; checkpatch   (tests/build)
#   unit   pure policy code under ASan/UBSan in user space (tests/unit)
#   vm     selftests inside each stock kernel under QEMU    (tests/vm)
#   vmcap  the steal and virtual clock tests in the same guest, its QEMU
#          capped at 50 % by the host's cgroup v1 CPU controller
#   xen    selftests inside a PV domU of a real Xen in QEMU (tests/xen)
#
# Environment: XB_KERNELS (default: every kernel with both an image in
# /boot and headers), XB_LAYERS (default: "build unit vm vmcap xen"),
# XB_XEN_ARGS (default: "--icount": Xen runs in instruction-counted time,
# so its timing tests do not depend on the load of the host). The VM layer
# runs single-threaded TCG without hardware KVM: see tests/vm/run.sh.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
export XB_RESULTS=$top/build/test-results
layers=${XB_LAYERS:-build unit vm vmcap xen}
# The vmcap layer's host cgroup: QEMU alone in it, 50 ms per 100 ms.
cap_cg=/sys/fs/cgroup/cpu/xb-check-$$
cap_pct=50

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
	local args= env=()
	[ "$harness" = xen ] && args=${XB_XEN_ARGS---icount}
	if [ "$harness" = vmcap ]; then
		if ! cap_cgroup; then
			echo "ok 1 # SKIP $harness $kver: no host cgroup v1 CPU controller" >"$tap"
			return
		fi
		# One vCPU: it alone owns QEMU's TCG thread and its time.
		env=(XB_VM_CGROUP="$cap_cg" XB_VM_SMP=1
		     XB_VM_APPEND="XB_STEAL_CAP_PCT=$cap_pct XB_TEST_SET=cap")
		harness=vm
	fi
	# shellcheck disable=SC2086 # options, split on purpose
	env "${env[@]}" "$top/tests/$harness/run.sh" "$kver" \
		"$top/build/$kver/payload" "$out" $args >"$out.log" 2>&1
	if [ -s "$out/result.tap" ]; then
		cp "$out/result.tap" "$tap"
	else
		echo "not ok 1 - $harness $kver: harness produced no result" >"$tap"
		tail -n 20 "$out.log" | sed 's/^/# /' >>"$tap"
	fi
	grep -E '^(not )?ok ' "$tap" | sed "s/^/  [$1 $kver] /"
}

# cap_cgroup: make the vmcap layer's host cgroup, once.
cap_cgroup() {
	local root=/sys/fs/cgroup/cpu

	[ -f "$root/cpu.cfs_quota_us" ] || return 1
	[ -d "$cap_cg" ] || mkdir "$cap_cg" || return 1
	echo 100000 > "$cap_cg/cpu.cfs_period_us" &&
		echo $((1000 * cap_pct)) > "$cap_cg/cpu.cfs_quota_us"
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
	vm|vmcap|xen)
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

[ -d "$cap_cg" ] && rmdir "$cap_cg" 2>/dev/null
echo
printf '%s' "$timings"
exec "$top/tests/lib/tap-summary.sh" "$XB_RESULTS"/*.tap
