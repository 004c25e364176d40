#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test layer, each writing TAP into build/test-results/,
# then one summary that ends with the plain line "N passed, N failed".
#
#   build  W=1, sparse, DKMS for each kernel; checkpatch   (tests/build)
#   unit   pure policy code under ASan/UBSan in user space (tests/unit)
#   install  make deb and lintian, then the two .debs installed with apt in
#          a Debian bookworm guest (debootstrap, cached outside the tree),
#          DKMS building the module for its stock kernel, booted twice
#          under QEMU with systemd, then purged (tests/install; root only)
#   vm     selftests inside each stock kernel under QEMU    (tests/vm)
#   stress the stress and fault tests in the same guest (XB_TEST_SET=stress:
#          ioctl fuzzer, daemon kill storms, unload under load, parameter
#          writes and CPU hotplug while ballooning, unprivileged callers),
#          each timed phase XB_STRESS_SECS long (default 6: about 3 minutes
#          a kernel under TCG; `make soak` runs it with 120)
#   vmcap  the steal and virtual clock tests in the same guest, its QEMU
#          capped at 50 % by the host's cgroup v1 CPU controller
#   xen    selftests inside a PV domU of a real Xen in QEMU (tests/xen),
#          capped at 50 %: the newest kernel under credit2 (Xen's default:
#          5 ms parks every 10 ms), the others under credit1 (the paper's
#          scheduler: parks of 60-90 ms); a lone kernel under credit1
#   debug  the vm layer's selftests on debug kernels built from Debian's
#          6.12 source (lockdep, KASAN, UBSAN, kmemleak, KCSAN, lockup
#          detectors; scripts/debug-kernel.sh, cached outside the tree)
#
# The vm layer boots the first kernel of XB_KERNELS (the oldest) with
# preempt=full: the debug kernels are 6.12 and fully preemptible already.
#
# Environment: XB_KERNELS (default: every kernel with both an image in
# /boot and headers), XB_LAYERS (default: "build unit install vm stress
# vmcap xen debug"), XB_STRESS_SECS, XB_STRESS_SEED and XB_STRESS_TESTS for the
# stress layer (see tests/selftests/xb_stress.c), XB_DEBUG_KERNELS
# (default: "kasan kcsan", see tests/debug/), XB_DEBUG_TIMEOUT (default
# 1800 s per debug guest),
# XB_XEN_ARGS (default: "--icount": Xen runs in instruction-counted time,
# so its timing tests do not depend on the load of the host),
# XB_XEN_CREDIT2_KERNEL (the one kernel whose xen layer runs under
# credit2; default: the newest of XB_KERNELS by version when there are two
# or more, none when there is one; empty: none), XB_CHECK_JOBS (default 2,
# see below). The VM layer
# runs single-threaded TCG without hardware KVM: see tests/vm/run.sh.
#
# Parallel layers. Every guest runs single-threaded TCG: one host CPU.
# The xen and debug layers do not depend on the host's timing (Xen counts
# instructions; the debug lanes look for the checkers' reports, and their
# few rate checks are relaxed for a debug kernel), so they run last, in
# XB_CHECK_JOBS streams at once (1: one after the other, as the others).
# The other layers time real things against the host's clock (a host
# cgroup's cap, a hog's share) and run alone.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
export XB_RESULTS=$top/build/test-results
layers=${XB_LAYERS:-build unit install vm stress vmcap xen debug}
# Streams for the layers that may run beside each other (see above).
jobs=${XB_CHECK_JOBS:-2}
case $jobs in
'' | *[!0-9]* | 0) echo "check: XB_CHECK_JOBS: a number >= 1, not '$jobs'" >&2; exit 1 ;;
esac
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

preempt_kver=${XB_PREEMPT_FULL_KERNEL-$1}
# Both of Xen's schedulers every run: their steal differs in shape.
newest=
[ $# -ge 2 ] && newest=$(printf '%s\n' "$@" | sort -V | tail -n 1)
credit2_kver=${XB_XEN_CREDIT2_KERNEL-$newest}
debug_dir=

rm -rf "$XB_RESULTS"
mkdir -p "$XB_RESULTS"
timings=

# A debug kernel is built once per machine and cached, but cold it takes
# 10-20 minutes of both CPUs: built after the guest layers, the two of them
# would push a fresh, slow machine past CI's budget. So a missing one is
# built now, in the background at nice 19, while the other layers run (a
# guest takes one CPU; the build yields it). debug_layer() then waits for
# it on the build's own lock. The log: $XB_RESULTS/debug-kernel-prebuild.log.
prebuild_debug_kernels() {
	local d dir todo=
	for d in ${XB_DEBUG_KERNELS-kasan kcsan}; do
		dir=$("$top/scripts/debug-kernel.sh" --dir "$d" 2>/dev/null | tail -n1)
		[ -f "$dir/.xb-complete" ] || todo="$todo $d"
	done
	[ -n "$todo" ] || return 0
	echo "=== debug kernels to build:$todo (in the background, nice 19)"
	(
		for d in $todo; do
			nice -n 19 "$top/scripts/debug-kernel.sh" "$d" \
				>/dev/null 2>>"$XB_RESULTS/debug-kernel-prebuild.log" ||
				true
		done
	) &
}
case " $layers " in
*" debug "*) prebuild_debug_kernels ;;
esac

# layer NAME CMD...: run one layer, time it, never stop the others.
layer() {
	local name=$1 start=$SECONDS
	shift
	echo "=== $name"
	"$@"
	timings="$timings# layer $name: $((SECONDS - start)) s"$'\n'
}

# payload KVER [KDIR]: the module for KVER plus the static tools and tests.
payload() {
	make -C "$top" --no-print-directory payload KVER="$1" ${2:+KDIR="$2"} \
		>"$XB_RESULTS/payload-$1.log" 2>&1
}

# guest_layer HARNESS KVER: boot HARNESS with KVER's payload; its TAP lands
# in $XB_RESULTS/<harness>-<kver>.tap whatever happens.
guest_layer() {
	local harness=$1 kver=$2 out=$XB_RESULTS/$1-$2
	local tap=$XB_RESULTS/$1-$2.tap

	if ! payload "$kver" ${debug_dir:+"$debug_dir"}; then
		echo "not ok 1 - $harness $kver: payload builds" >"$tap"
		tail -n 20 "$XB_RESULTS/payload-$kver.log" | sed 's/^/# /' >>"$tap"
		return
	fi
	local args= env=() stress=
	if [ "$harness" = xen ]; then
		args=${XB_XEN_ARGS---icount}
		[ "$kver" = "$credit2_kver" ] && env=(XB_XEN_SCHED=credit2)
	fi
	if [ "$harness" = xen ] && ! ls /boot/xen-*-amd64.gz >/dev/null 2>&1; then
		echo "ok 1 # SKIP $harness $kver: no Xen hypervisor in /boot (make deps installs it only on a test machine: XB_DEPS_ALLOW_KERNEL=1)" >"$tap"
		return
	fi
	if [ "$harness" = vmcap ]; then
		if ! cap_cgroup; then
			echo "ok 1 # SKIP $harness $kver: no host cgroup v1 CPU controller" >"$tap"
			return
		fi
		# One vCPU: it alone owns QEMU's TCG thread and its time.
		env=(XB_VM_CGROUP="$cap_cg" XB_VM_SMP=1
		     XB_VM_APPEND="XB_STEAL_CAP_PCT=$cap_pct XB_TEST_SET=cap")
		harness=vm
	elif [ "$harness" = debug ] || [ "$harness" = debug-stress ]; then
		# Everything but xballoon is built in: no modules to load.
		# KCSAN: only races with a frame of the module count, but
		# two are the kernel's own, between two of its functions,
		# reached from ours: 6.12's seqcount latch has no KCSAN
		# annotations (later kernels have them): the NMI-safe clock's
		# reader races its writer by design, and the reader retries;
		# and the hotplug state machine kicks a CPU's cpuhp thread
		# with a plain store to the flag that thread reads plainly
		# (cpuhp_setup_state(), which we call at load); and the
		# hrtimer sleeper's task pointer, cleared plainly by
		# hrtimer_wakeup() and read plainly by the wait.h macro
		# (wait_event_interruptible_hrtimeout(), expanded in
		# xb_give_way_to()), as the kernel's own do_nanosleep() does.
		env=(XB_VM_KERNEL="$debug_dir/arch/x86/boot/bzImage"
		     XB_VM_MODDIR="$debug_dir" XB_VM_SMP=2 XB_VM_KCSAN_MODULE=xballoon
		     XB_VM_SPLAT_IGNORE="BUG: KCSAN: data-race in (ktime_get_mono_fast_ns / timekeeping_update|timekeeping_update / ktime_get_mono_fast_ns|__cpuhp_kick_ap / cpuhp_should_run|cpuhp_should_run / __cpuhp_kick_ap|hrtimer_wakeup / xb_give_way_to[^ ]* \\[xballoon\\]|xb_give_way_to[^ ]* \\[xballoon\\] / hrtimer_wakeup)\$"
		     XB_VM_APPEND="XB_DEBUG_KERNEL=1")
		args="--timeout ${XB_DEBUG_TIMEOUT:-1800}"
		[ "$harness" = debug-stress ] && stress=1
		harness=vm
	elif [ "$harness" = vm ] && [ "$kver" = "$preempt_kver" ]; then
		env=(XB_VM_APPEND=preempt=full)
	fi
	if [ "$harness" = stress ] || [ -n "$stress" ]; then
		# A guest that hard-locks is killed at the timeout and fails
		# (no sentinel, no TAP after the heartbeat's last line).
		local secs=${XB_STRESS_SECS:-6}
		local append="XB_TEST_SET=stress XB_STRESS_SECS=$secs"
		[ -n "${XB_STRESS_SEED:-}" ] &&
			append="$append XB_STRESS_SEED=$XB_STRESS_SEED"
		[ -n "${XB_STRESS_TESTS:-}" ] &&
			append="$append XB_STRESS_TESTS=$XB_STRESS_TESTS"
		# A debug kernel takes a tenth of each CPU for itself.
		[ -n "$stress" ] &&
			append="$append XB_STRESS_FREE_PCT=75 XB_STRESS_DEBUG_KERNEL=1"
		[ -n "$stress" ] && append="$append XB_DEBUG_KERNEL=1"
		env+=(XB_VM_APPEND="$append")
		# A debug kernel keeps its own, longer timeout.
		[ -n "$stress" ] || args="--timeout $((180 + 30 * secs))"
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
	if [ "$1" = vm ] && [ "$kver" = "$preempt_kver" ]; then
		# The kernel says which preemption model it took.
		local ok=ok
		grep -q 'Dynamic Preempt: full' "$out/dmesg.log" 2>/dev/null ||
			ok='not ok'
		echo "$ok 1 - $kver: booted with preempt=full" |
			tee "$XB_RESULTS/vm-$kver-preempt.tap" | sed "s/^/  [vm $kver] /"
	fi
	grep -E '^(not )?ok ' "$tap" | sed "s/^/  [$1 $kver] /"
}

# debug_layer NAME: build or reuse the debug kernel NAME, then run the vm
# layer's suite and the stress layer's on it.
debug_layer() {
	local log=$XB_RESULTS/debug-kernel-$1.log dir kver
	dir=$("$top/scripts/debug-kernel.sh" "$1" 2>"$log" | tail -n1)
	if [ ! -f "$dir/.xb-complete" ]; then
		echo "not ok 1 - debug kernel $1 builds" >"$XB_RESULTS/debug-$1.tap"
		tail -n 20 "$log" | sed 's/^/# /' >>"$XB_RESULTS/debug-$1.tap"
		cat "$XB_RESULTS/debug-$1.tap"
		return
	fi
	sed 's/^/  /' "$log"
	kver=$(sed -n 's/^kernelrelease //p' "$dir/.xb-complete")
	debug_dir=$dir guest_layer debug "$kver"
	debug_dir=$dir guest_layer debug-stress "$kver"
}

# install_layer: build both .debs (no tests in the package build), lint
# them, then install, boot, reboot and purge them in a Debian guest.
install_layer() {
	local tap=$XB_RESULTS/install.tap out=$XB_RESULTS/install deb=$top/build/deb

	if [ "$(id -u)" != 0 ]; then
		echo "ok 1 # SKIP install: needs root (debootstrap, chroot)" | tee "$tap"
		return
	fi
	if ! DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
		make -C "$top" --no-print-directory deb >"$XB_RESULTS/deb.log" 2>&1; then
		echo "not ok 1 - install: make deb" >"$tap"
		tail -n 20 "$XB_RESULTS/deb.log" | sed 's/^/# /' >>"$tap"
		cat "$tap"
		return
	fi
	{
		echo "ok 1 - install: make deb"
		stat -c '# %n: %s bytes' "$deb"/*.deb | sed "s|$deb/||"
		if command -v lintian >/dev/null; then
			lintian "$deb"/*.changes >"$XB_RESULTS/lintian.log" 2>&1
			sed 's/^/# /' "$XB_RESULTS/lintian.log"
			if grep -q '^E: ' "$XB_RESULTS/lintian.log"; then
				echo "not ok 2 - install: lintian reports no errors"
			else
				echo "ok 2 - install: lintian reports no errors ($(grep -c '^W: ' "$XB_RESULTS/lintian.log") warnings)"
			fi
		else
			echo "ok 2 # SKIP install: lintian not installed"
		fi
		# make install and make uninstall into a staging directory.
		local dest=$XB_RESULTS/install-dest left
		rm -rf "$dest"
		if make -C "$top" --no-print-directory install DESTDIR="$dest" \
			>"$XB_RESULTS/make-install.log" 2>&1 &&
			[ -x "$dest/usr/local/sbin/xballoond" ] &&
			[ -f "$dest/usr/local/lib/systemd/system/xballoond.service" ] &&
			[ -f "$dest/etc/default/xballoon" ]; then
			echo "ok 3 - install: make install DESTDIR=... ($(find "$dest" -type f | wc -l) files)"
		else
			echo "not ok 3 - install: make install DESTDIR=..."
			tail -n 5 "$XB_RESULTS/make-install.log" | sed 's/^/# /'
		fi
		make -C "$top" --no-print-directory uninstall DESTDIR="$dest" \
			>>"$XB_RESULTS/make-install.log" 2>&1
		left=$(find "$dest" -type f 2>/dev/null)
		if [ -z "$left" ]; then
			echo "ok 4 - install: make uninstall leaves no file"
		else
			echo "not ok 4 - install: make uninstall leaves no file"
			echo "$left" | sed 's/^/# left: /'
		fi
		rm -rf "$dest"
	} >"$XB_RESULTS/install-deb.tap"
	grep -E '^(not )?ok ' "$XB_RESULTS/install-deb.tap" | sed 's/^/  [install] /'
	"$top/tests/install/run.sh" "$deb" "$out" >"$out.log" 2>&1
	if [ -s "$out/result.tap" ]; then
		cp "$out/result.tap" "$tap"
	else
		echo "not ok 1 - install: harness produced no result" >"$tap"
		tail -n 20 "$out.log" | sed 's/^/# /' >>"$tap"
	fi
	grep -E '^(not )?ok ' "$tap" | sed 's/^/  [install] /'
}

# cap_cgroup: make the vmcap layer's host cgroup, once.
cap_cgroup() {
	local root=/sys/fs/cgroup/cpu

	[ -f "$root/cpu.cfs_quota_us" ] || return 1
	[ -d "$cap_cg" ] || mkdir "$cap_cg" || return 1
	echo 100000 > "$cap_cg/cpu.cfs_period_us" &&
		echo $((1000 * cap_pct)) > "$cap_cg/cpu.cfs_quota_us"
}

# Layers that may run beside each other: "xen KVER" and "debug KIND",
# each with a rough weight (minutes on a slow machine) to balance the
# streams.
deferred=()

# run_deferred: the deferred layers in $jobs streams, their output and
# timings printed in stream order once all are done.
run_deferred() {
	local -a load stream_of
	local i j w t best n=${#deferred[@]}

	[ "$n" -gt 0 ] || return 0
	for ((i = 0; i < jobs; i++)); do
		load[i]=0
	done
	# Heaviest first, each to the least loaded stream.
	for ((j = 0; j < n; j++)); do
		w=${deferred[j]%% *}
		best=0
		for ((i = 1; i < jobs; i++)); do
			[ "${load[i]}" -lt "${load[best]}" ] && best=$i
		done
		stream_of[j]=$best
		load[best]=$((load[best] + w))
	done
	for ((i = 0; i < jobs; i++)); do
		(
			timings=
			for ((j = 0; j < n; j++)); do
				[ "${stream_of[j]}" = "$i" ] || continue
				# shellcheck disable=SC2086 # "KIND ARG", split on purpose
				set -- ${deferred[j]#* }
				case $1 in
				xen) layer "xen $2" guest_layer xen "$2" ;;
				debug) layer "debug $2" debug_layer "$2" ;;
				esac
			done
			printf '%s' "$timings" >"$XB_RESULTS/.stream-$i.timings"
		) >"$XB_RESULTS/.stream-$i.out" 2>&1 &
	done
	wait
	for ((i = 0; i < jobs; i++)); do
		[ "$jobs" -gt 1 ] && echo "=== stream $((i + 1)) of $jobs"
		cat "$XB_RESULTS/.stream-$i.out"
		t=$(cat "$XB_RESULTS/.stream-$i.timings")
		[ -n "$t" ] && timings="$timings$t"$'\n'
		rm -f "$XB_RESULTS/.stream-$i.out" "$XB_RESULTS/.stream-$i.timings"
	done
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
	install)
		layer install install_layer
		;;
	debug)
		# KCSAN's lane is the longest (13 min here), KASAN's 10.
		for d in ${XB_DEBUG_KERNELS-kasan kcsan}; do
			case $d in
			kcsan) deferred+=("13 debug $d") ;;
			*) deferred+=("10 debug $d") ;;
			esac
		done
		;;
	xen)
		for k in "$@"; do
			deferred+=("4 xen $k")
		done
		;;
	vm|stress|vmcap)
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
# Heaviest first.
mapfile -t deferred < <(printf '%s\n' "${deferred[@]}" | sort -rn -s -k1,1 | grep .)
run_deferred
echo
printf '%s' "$timings"
exec "$top/tests/lib/tap-summary.sh" "$XB_RESULTS"/*.tap
