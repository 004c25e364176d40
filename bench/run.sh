#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [--quick] - the xballoon benchmark (`make bench`,
# `make bench-quick`). See bench/README.md.
#
# The slides' experiment: a UDP request/response load at a fixed rate into
# a 1-vCPU guest whose CPU is capped, with and without a CPU hog beside the
# server, with and without xballoon, and against what a user would try
# instead. The platforms:
#
#   tcg-cap  QEMU TCG, the whole QEMU process capped by the host's cgroup
#            v1 CPU controller (cpu.cfs_quota_us / cpu.cfs_period_us); the
#            client on the host, over a tap device. Real time: other load
#            on the host disturbs it.
#   tcg-vcpu-cap
#            as tcg-cap, but only the vCPU's thread capped, in a cgroup of
#            its own below the process's (as libvirt's vcpu_period/
#            vcpu_quota do on KVM hosts); the emulator's other threads (the
#            main loop doing virtio-net's I/O) uncapped. Multi-threaded TCG,
#            so that the vCPU has a thread of its own ("CPU 0/TCG").
#   xen      Xen 4.17 in QEMU TCG (tests/xen/run.sh --net --icount=2): a PV
#            domU with a credit1 cap (sched=credit, the paper's scheduler),
#            the client in dom0 over netback/netfront; time counts
#            instructions, so results are repeatable.
#   xen-credit2
#            the same under credit2, Xen's default scheduler (sched=credit2,
#            the cap set with xl sched-credit2 -c: a budget refilled every
#            10 ms).
#   xen-shared, xen-credit2-shared
#            the sharing case (issue 10): Xen under credit1 or credit2,
#            no cap, the domU's pCPU shared with a busy domain of the
#            same weight (tests/xen XB_XEN_NEIGHBOUR=busy), their own
#            cases (XB_BENCH_SHARING_CASES, below). The neighbour is
#            paused while the hog is calibrated: the hog's share is of a
#            whole pCPU, the domU's fair share half of it.
#
# One boot per kernel and platform; every case runs inside it in turn. The
# driver (this script for tcg-*, bench/xen-dom0.sh in dom0 for xen*) sends
# each command to the guest (bench/guest.sh) over UDP, reads the guest's
# reports from its console, sets the cap for the measurement only (the
# guest sets cases up and tears them down uncapped, which saves wall time)
# and runs bench/udpping for the load. The cases:
#
#   io         the server alone
#   hog        server + CPU hog, both SCHED_OTHER nice 0
#   static     server SCHED_FIFO 50 + hog nice 0 + xballoon static
#              (balloon SCHED_FIFO 1)
#   kthread    as static, the CPU held by the module's kernel thread at
#              the balloon's priority (xballoond --mode kthread): no page-
#              table switch between the server and the balloon
#   dynamic    server + hog SCHED_OTHER + xballoon dynamic (CFS balloon)
#   fifo_idle  server SCHED_FIFO 50 + hog SCHED_IDLE, no xballoon
#   floor      as fifo_idle with no cap at all, once per platform: the
#              testbed's own floor, what the platform adds to a server
#              that the guest already favours all it can (cap_pct 0)
#   cgroup     server + hog SCHED_OTHER, the hog in a guest cgroup v2 with
#              cpu.max $XB_BENCH_HOG_QUOTA (default 40 % of 100 ms)
#   io_static, io_kthread, io_dynamic
#              (only on request, XB_BENCH_CASES) the server and a balloon,
#              no hog: what the balloon itself costs
#   vclock     server + hog SCHED_OTHER, the module loaded for its
#              virtual clock alone (vclock=1, no balloon)
#   kthread_vclock
#              the kthread case with the virtual clock on
#
# On the -shared platforms the cases (XB_BENCH_SHARING_CASES) are io,
# hog, fifo_idle, vclock, kthread_learn (the balloon learning, cap_pm=0,
# the virtual clock off; see bench/README.md for the share) and
# kthread_vclock_learn (both), all with no cap; every case there sets the
# virtual clock explicitly (off unless the case turns it on), where the
# other platforms leave the module's default (on).
#
# xballoon gets cap_pm=500, told, not learned (under TCG nothing reports
# steal, so the module's learn mode has nothing to learn from; the Xen
# cases get the same for comparability), and its default 10 ms period.
#
# --quick: tcg-cap at cap 50 % of 100 ms, then xen, cases io hog static
# kthread dynamic, one kernel (the newest), 2 s warm-up + 8 s measured.
# Default (full): tcg-cap at caps 50 % of 100 ms and of 10 ms, then xen,
# all seven cases, every kernel, 3 s + 15 s.
#
# Output: bench/results/latest.{json,md} and latest-cdf.png (also as
# quick.* or full.*); raw data (RTT samples, serial and QEMU logs) under
# build/bench/run-<mode>/. A run with failures leaves bench/results alone.
#
# Environment (all optional):
#   XB_BENCH_KERNELS     kernel releases (default: see above)
#   XB_BENCH_PLATFORMS   "tcg tcg-vcpu-cap xen xen-credit2 xen-shared
#                        xen-credit2-shared" (default, quick too): any of
#                        tcg (= tcg-cap),
#                        tcg-cap, tcg-vcpu-cap, xen, xen-credit2,
#                        xen-shared, xen-credit2-shared (with
#                        XB_BENCH_ACCEL=kvm: kvm-cap, kvm-vcpu-cap)
#   XB_BENCH_CASES       case names, XB_BENCH_CAPS "PCT/PERIOD_MS ..." (tcg-cap)
#   XB_BENCH_VCPUS_CASES the cases of the xen*-Nvcpu platforms, at the
#                        first Xen cap ("io hog kthread_learn kthread_told
#                        floor")
#   XB_BENCH_SHARING_CASES  the cases of the -shared platforms ("io hog
#                        fifo_idle vclock kthread_learn kthread_vclock_learn";
#                        quick: "io hog kthread_learn")
#   XB_BENCH_RATE        requests/s on tcg-cap, or auto (default): 1000
#                        (TESTBED.md's load) scaled by this machine's
#                        hog calibration against the 49.6k iterations/s
#                        machine that load was measured on, so that the
#                        load takes about the same share of the cap
#   XB_BENCH_XEN_RATE    requests/s on xen (200, DESIGN.md's Xen runs)
#   XB_BENCH_XEN_CAPS    credit caps of the domU in % ("50 30 70"; quick
#                        50): every case at the first, the cases in
#                        XB_BENCH_XEN_MORE_CASES (the *_learn and *_told
#                        ones) at the others too (XB_BENCH_XEN_CAP: one)
#   XB_BENCH_STEP_CAPS   the caps (%) the step case goes to ("20 50")
#   XB_BENCH_XEN_DOM0_POLL  seconds between the Xen harness's checks in dom0
#                        for the guest's end (60; each check disturbs the
#                        domU, see run_xen_kernel)
#   XB_XEN_ARGS          more of Xen's command line for the xen* platforms
#                        (tests/xen/run.sh), e.g. sched_ratelimit_us=0
#   XB_BENCH_XEN_CREDIT_LOG  seconds between samples of the scheduler's
#                        state of the domU (the 'r' debug key; made for
#                        credit1) during each measurement (0: none), as
#                        XB-XEN-CREDIT lines in the xen run's dom0-hook.log
#   XB_BENCH_JITTER      1 (default): udpping --jitter, each request at a
#                        repeatable pseudo-random point of its slot; 0:
#                        exactly periodic, as every run before session 8
#   XB_BENCH_WARMUP, XB_BENCH_DURATION  seconds per case
#   XB_BENCH_CAP_PM      xballoon cap_pm (500), XB_BENCH_XB_PERIOD_US (10000)
#   XB_BENCH_TRACE      1: the guest sums up the balloon's xballoon_period
#                        events (TRACE lines in the guest's log)
#   XB_BENCH_HOG_QUOTA   QUOTA/PERIOD in us for the cgroup case (40000/100000)
#   XB_BENCH_DISTURBED   host CPUs used by others above which a tcg-cap case
#                        counts as disturbed and runs again (1.2), up to
#   XB_BENCH_ATTEMPTS    attempts per case (2); the least disturbed is kept
#   XB_BENCH_BALLOON     the balloon daemon: xballoond, xbloop (bench's own
#                        stand-in) or auto (default): xballoond once
#                        tools/xballoond.c is committed, xbloop until then
#   XB_BENCH_TAP         tap device (xbtap0), on 10.77.0.1/24, guest 10.77.0.2
#   XB_BENCH_ACCEL       tcg (default) or kvm; the platforms are
#                        "<accel>-cap" and "<accel>-vcpu-cap"
#   XB_BENCH_RESULTS     results directory (bench/results)
#   XB_BENCH_MERGE       results.json of an earlier run (its work directory
#                        kept): its platforms and kernels that this run did
#                        not run are added to the results, with their RTT
#                        samples (e.g. Xen and tcg-cap run at different
#                        times, for the lock other guests take)
#   XB_BENCH_NAME        the results' named copy (default: the mode)
#
# Needs root (tap device, host cgroup), qemu-system-x86_64, busybox-static,
# jq, gnuplot, a C compiler with a static libc; for xen what
# tests/xen/run.sh needs (the Xen hypervisor package, apt for its tools).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mode=full
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	*)
		echo "usage: $0 [--quick|--full]" >&2
		exit 64
		;;
	esac
	shift
done

# The cap rows (issue 9): every balloon mode with the cap learned and
# told right; told wrong and the step in one mode, kthread (the learner is
# the same per-CPU code in every mode: only the time limits this).
learn_cases="static_learn static_told kthread_learn kthread_told dynamic_learn dynamic_told"
wrong_cases="kthread_high kthread_low kthread_step"
if [ "$mode" = quick ]; then
	def_cases="io hog kthread_learn kthread_told kthread_step floor"
	def_caps="50/100"
	def_platforms="tcg tcg-vcpu-cap xen xen-credit2 xen-shared xen-credit2-shared"
	def_sharing="io hog kthread_learn"
	def_warmup=2
	def_duration=9
	def_xen_caps="50"
	def_xen_more=
else
	def_cases="io hog $learn_cases $wrong_cases fifo_idle cgroup floor"
	def_caps="50/100 50/10"
	def_platforms="tcg tcg-vcpu-cap xen xen-credit2 xen-shared xen-credit2-shared xen-2vcpu xen-credit2-2vcpu xen-4vcpu xen-credit2-4vcpu"
	def_sharing="io hog fifo_idle vclock kthread_learn kthread_vclock_learn"
	def_warmup=3
	def_duration=15
	def_xen_caps="50 30 70"
	def_xen_more=$learn_cases
fi
cases=${XB_BENCH_CASES:-$def_cases}
# The sharing case (issue 10): stock, the guest's own priorities, the
# virtual clock alone, the balloon with the share learned, both.
sharing_cases=${XB_BENCH_SHARING_CASES:-$def_sharing}
# Several vCPUs (xen*-Nvcpu): the ratios against 1 vCPU, at the first cap.
vcpus_cases=${XB_BENCH_VCPUS_CASES:-io hog kthread_learn kthread_told floor}
caps=${XB_BENCH_CAPS:-$def_caps}
# Xen: every case at the first cap, XB_BENCH_XEN_MORE_CASES also at the
# others (all in one boot: each case sets its own cap).
xen_caps=${XB_BENCH_XEN_CAPS:-${XB_BENCH_XEN_CAP:-$def_xen_caps}}
xen_more=${XB_BENCH_XEN_MORE_CASES-$def_xen_more}
platforms=${XB_BENCH_PLATFORMS:-$def_platforms}
rate_opt=${XB_BENCH_RATE:-auto}
rate=$rate_opt
xen_rate=${XB_BENCH_XEN_RATE:-200}
xen_cap=${xen_caps%% *}
# The step case: the cap starts at the case's, then goes to each of these
# (pct), at equal intervals in the measured window.
step_caps=${XB_BENCH_STEP_CAPS:-20 50}
xen_dom0_poll=${XB_BENCH_XEN_DOM0_POLL:-60}
jitter=${XB_BENCH_JITTER:-1}
case $jitter in
0) jitter_opt= ;;
1) jitter_opt=--jitter ;;
*) echo "bench: XB_BENCH_JITTER: 0 or 1, not $jitter" >&2; exit 64 ;;
esac
warmup=${XB_BENCH_WARMUP:-$def_warmup}
duration=${XB_BENCH_DURATION:-$def_duration}
cap_pm=${XB_BENCH_CAP_PM:-500}
xb_period_us=${XB_BENCH_XB_PERIOD_US:-10000}
xb_trace=${XB_BENCH_TRACE:-0}
hog_quota=${XB_BENCH_HOG_QUOTA:-40000/100000}
disturbed=${XB_BENCH_DISTURBED:-1.2}
attempts_max=${XB_BENCH_ATTEMPTS:-2}
tapdev=${XB_BENCH_TAP:-xbtap0}
balloon_tool=${XB_BENCH_BALLOON:-auto}
accel=${XB_BENCH_ACCEL:-tcg}
results=${XB_BENCH_RESULTS:-$top/bench/results}
host_ip=10.77.0.1
guest_ip=10.77.0.2
host_mac=02:77:00:00:00:01
guest_mac=52:54:00:77:00:02
port=7000
cport=7001
timeout_ms=2000
# The period a cap acts over on Xen: credit1 accounts every 30 ms, credit2
# refills a capped domain's budget every 10 ms.
#
# A Xen platform with several vCPUs is <platform>-<N>vcpu (N 2-4): a hog
# per vCPU, the cap per vCPU (Xen caps the domain: N times it).
plat_vcpus() { # platform
	case $1 in
	xen*-[2-4]vcpu) echo "${1: -5:1}" ;;
	*) echo 1 ;;
	esac
}
plat_base() { # platform: without its -<N>vcpu
	case $1 in
	xen*-[2-4]vcpu) echo "${1%-*}" ;;
	*) echo "$1" ;;
	esac
}
xen_sched() { # platform
	case $(plat_base "$1") in
	xen-credit2 | xen-credit2-shared) echo credit2 ;;
	*) echo credit ;;
	esac
}
xen_period() { # platform
	case $(plat_base "$1") in
	xen-credit2 | xen-credit2-shared) echo 10 ;;
	*) echo 30 ;;
	esac
}
# The sharing platforms: no cap, a busy neighbour on the domU's pCPU.
is_shared() { # platform
	case $1 in
	*-shared) return 0 ;;
	*) return 1 ;;
	esac
}
# The cases a platform runs: its own on the sharing and several-vCPU ones.
plat_cases() { # platform
	if is_shared "$1"; then
		echo "$sharing_cases"
	elif [ "$(plat_vcpus "$1")" != 1 ]; then
		echo "$vcpus_cases"
	else
		echo "$cases"
	fi
}

msg() {
	echo "bench: $*" >&2
}
die() {
	msg "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (tap device, host cgroup, Xen in QEMU)"
for t in qemu-system-x86_64 jq gnuplot make cc ip base64 gzip; do
	command -v "$t" > /dev/null || die "$t not found (make deps)"
done
# The platforms by their names in the results (tcg: the process capped).
plist=
need_cg=0
for p in $platforms; do
	case $p in
	tcg | "$accel-cap") p=$accel-cap need_cg=1 ;;
	"$accel-vcpu-cap") need_cg=1 ;;
	xen | xen-credit2 | xen-shared | xen-credit2-shared | xen-[2-4]vcpu | xen-credit2-[2-4]vcpu)
		[ "$(plat_vcpus "$p")" = 1 ] ||
			git -C "$top" show HEAD:tests/xen/run.sh 2> /dev/null | grep -q XB_DOMU_VCPUS ||
			die "$p: no committed tests/xen/run.sh with XB_DOMU_VCPUS"
		git -C "$top" show HEAD:tests/xen/run.sh 2> /dev/null | grep -q -- '--net' ||
			die "$p: no committed tests/xen/run.sh with --net"
		[ "$(plat_base "$p")" = xen ] ||
			git -C "$top" show HEAD:tests/xen/run.sh 2> /dev/null | grep -q XB_XEN_SCHED ||
			die "$p: no committed tests/xen/run.sh with XB_XEN_SCHED"
		! is_shared "$p" ||
			git -C "$top" show HEAD:tests/xen/run.sh 2> /dev/null | grep -q XB_XEN_NEIGHBOUR ||
			die "$p: no committed tests/xen/run.sh with XB_XEN_NEIGHBOUR"
		;;
	*) die "XB_BENCH_PLATFORMS: tcg, $accel-cap, $accel-vcpu-cap, xen, xen-credit2, xen-shared, xen-credit2-shared, xen-Nvcpu or xen-credit2-Nvcpu (N 2-4), not $p" ;;
	esac
	case " $plist " in
	*" $p "*) die "XB_BENCH_PLATFORMS: $p listed twice" ;;
	esac
	plist="$plist${plist:+ }$p"
done
platforms=$plist
cgroot=/sys/fs/cgroup/cpu
if [ "$need_cg" = 1 ]; then
	[ -f "$cgroot/cpu.cfs_quota_us" ] ||
		die "no cgroup v1 CPU controller at $cgroot (the $accel platforms want v1)"
fi

kernels=${XB_BENCH_KERNELS:-}
if [ -z "$kernels" ]; then
	for img in /boot/vmlinuz-*; do
		k=${img#/boot/vmlinuz-}
		[ -f "/lib/modules/$k/build/Makefile" ] && kernels="$kernels $k"
	done
	kernels=$(echo "$kernels" | tr ' ' '\n' | sed '/^$/d' | sort -V | tr '\n' ' ')
	# The quick run: the newest kernel (6.12, EEVDF) only.
	[ "$mode" = quick ] && kernels=$(echo "$kernels" | tr ' ' '\n' | sed '/^$/d' | tail -n1)
fi
[ -n "$kernels" ] || die "no kernel with both image and headers; run make deps"

# The cap rows: <mode>_<hint>, the mode's case with the module told
# nothing (learn: cap_pm=0), the real cap (told), 20 points too much
# (high) or too little (low), or learning while the cap steps (step).
case_base() {
	case $1 in
	*_learn | *_told | *_high | *_low | *_step) echo "${1%_*}" ;;
	*) echo "$1" ;;
	esac
}
case_hint() {
	case $1 in
	*_learn | *_told | *_high | *_low | *_step) echo "${1##*_}" ;;
	*) echo fixed ;;
	esac
}
# What the module is told for case $1 under a real cap of $2 %.
hint_pm() {
	case $(case_hint "$1") in
	learn | step) echo 0 ;;
	told) echo $(($2 * 10)) ;;
	high) echo $((($2 + 20) * 10)) ;;
	low) echo $(($2 > 21 ? ($2 - 20) * 10 : 10)) ;;
	*) echo "$cap_pm" ;;
	esac
}
# The caps (%) a case runs under, in order.
case_caps() { # case pct
	if [ "$(case_hint "$1")" = step ]; then
		echo "$2 $step_caps"
	else
		echo "$2"
	fi
}
# The seconds into the measured window of each cap after the first: the
# window cut into equal parts.
step_times() { # ncaps
	awk -v n="$1" -v d="$duration" 'BEGIN {
		for (i = 1; i < n; i++) printf "%s%g", (i > 1 ? " " : ""), d * i / n }'
}

# The guest's view of each case: what guest.sh sets up.
case_args() {
	case $(case_base "$1") in
	io) echo "server=other hog=none balloon=off" ;;
	hog) echo "server=other hog=other balloon=off" ;;
	static) echo "server=fifo:50 hog=other balloon=static" ;;
	dynamic) echo "server=other hog=other balloon=dynamic" ;;
	kthread) echo "server=fifo:50 hog=other balloon=kthread" ;;
	fifo_idle | floor) echo "server=fifo:50 hog=idle balloon=off" ;;
	cgroup) echo "server=other hog=other balloon=off hog_quota=$hog_quota" ;;
	# Not in the default lists: the balloon's own cost, without a hog.
	io_static) echo "server=fifo:50 hog=none balloon=static" ;;
	io_dynamic) echo "server=other hog=none balloon=dynamic" ;;
	io_kthread) echo "server=fifo:50 hog=none balloon=kthread" ;;
	# The virtual clock alone, and with the kthread balloon.
	vclock) echo "server=other hog=other balloon=off vclock=1" ;;
	kthread_vclock) echo "server=fifo:50 hog=other balloon=kthread vclock=1" ;;
	*) return 1 ;;
	esac
}
for c in $cases $xen_more $sharing_cases $vcpus_cases; do
	case_args "$c" > /dev/null || die "unknown case $c"
done
for l in "$cases" "$sharing_cases" "$vcpus_cases"; do
	for c in $l; do
		# A case's name is its key in the results.
		[ "$(echo "$l" | tr ' ' '\n' | grep -cx -- "$c")" -le 1 ] ||
			die "case $c listed twice"
	done
done
# On the -shared platforms every case sets the virtual clock: off unless
# the case turns it on (run_args), so that the balloon's row is the
# balloon's alone. Elsewhere the module's default (on) is left alone.
plat_vclock=
# A daemon still being written in the shared tree is not used by default.
if [ "$balloon_tool" = auto ]; then
	if git -C "$top" ls-files --error-unmatch tools/xballoond.c > /dev/null 2>&1; then
		balloon_tool=xballoond
	else
		balloon_tool=xbloop
	fi
fi
case $balloon_tool in
xballoond | xbloop) ;;
*) die "XB_BENCH_BALLOON: xballoond, xbloop or auto, not $balloon_tool" ;;
esac
run_args() { # case pct settle_ref: the guest's "run" command
	local t=$xb_trace st=""
	if [ "$(case_hint "$1")" != fixed ]; then
		# The learner's progress comes from the balloon's trace.
		t=1
		st="steps=$(case_caps "$1" "$2" | awk '{ for (i = 1; i <= NF; i++) printf "%s%d", (i > 1 ? "," : ""), $i * 10 }') settle_ref=$3"
	fi
	case $(case_args "$1") in
	*vclock=*) ;;
	*) [ -z "$plat_vclock" ] || st="$st vclock=$plat_vclock" ;;
	esac
	echo "case=$1 $(case_args "$1") cap_pm=$(hint_pm "$1" "$2") xb_period_us=$xb_period_us tool=$balloon_tool trace=$t $st"
}

t_start=$SECONDS
work=$top/build/bench/run-$mode
rm -rf "$work"
mkdir -p "$work" "$results"

# The VM harnesses as committed: other engineers edit the shared tree, and
# bash reads a script while it runs it.
harness=$work/harness
mkdir -p "$harness"
git -C "$top" archive HEAD tests/vm tests/xen tests/lib | tar -x -C "$harness" ||
	die "cannot take the committed tests/ harnesses"

# --- build -----------------------------------------------------------------

msg "building the bench programs and the payloads ($kernels)"
make -C "$top/bench" --no-print-directory -s O="$top/build/bench" > "$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; die "bench programs do not build"; }
udpping=$top/build/bench/udpping
for k in $kernels; do
	make -C "$top" --no-print-directory payload KVER="$k" > "$work/payload-$k.log" 2>&1 ||
		{ tail -n 20 "$work/payload-$k.log" >&2; die "payload for $k does not build"; }
	# Our own copy: the shared payload directory may be rebuilt meanwhile.
	pl=$work/payload-$k
	cp -a "$top/build/$k/payload" "$pl"
	cp "$top/build/bench/guest/udpecho" "$top/build/bench/guest/hog" \
		"$top/build/bench/guest/xbloop" "$pl/bin/"
	[ -x "$pl/bin/$balloon_tool" ] || die "the payload for $k has no $balloon_tool"
	cp "$top/bench/guest.sh" "$pl/run-tests.sh"
done

# --- shared by both platforms ----------------------------------------------

all=$work/cases.jsonl
: > "$all"
failed=0

calib_rate() { # a CALIB line -> iterations per second, or null
	echo "$1" | tr ' ' '\n' | awk -F= '
		$1 == "iters" { i = $2 } $1 == "wall_ns" { w = $2 }
		END { if (w > 0) printf "%.1f", i * 1e9 / w; else print "null" }'
}

# One JSON object for a case from the client's summary ($1, a file), the
# guest's RESULT line and what we know.
case_json() { # udp.json result-line platform kernel case pct period attempt
	jq -c -n --slurpfile u "$1" --arg g "$2" --arg platform "$3" \
		--arg kernel "$4" --arg case "$5" --argjson cap "$6" \
		--argjson period "$7" --argjson attempt "$8" \
		--arg args "$(case_args "$5")" --arg mode "$mode" \
		--argjson cap_pm "$(hint_pm "$5" "$6")" --argjson xb_period_us "$xb_period_us" \
		--arg base "$(case_base "$5")" --arg hint "$(case_hint "$5")" \
		--arg caps "$(case_caps "$5" "$6")" --argjson vcpus "$(plat_vcpus "$3")" '
	def kv: [splits(" +") | select(test("=")) |
		capture("^(?<k>[^=]+)=(?<v>.*)$") |
		{(.k): (.v | (tonumber? // .))}] | add // {};
	def pre(p): with_entries(select(.key | startswith(p)) |
		.key |= ltrimstr(p));
	def nums: if . == null then null else
		[tostring | splits(",") | tonumber | if . < 0 then null else . end] end;
	$u[0] as $u | ($g | kv) as $G | ($args | kv) as $A |
	($caps | [splits(" +") | select(. != "") | tonumber]) as $C |
	{
		platform: $platform, kernel: $kernel, case: $base,
		cap_pct: $cap, period_ms: $period,
		hog: ($A.hog != "none"),
		hog_policy: $A.hog,
		server_policy: $A.server,
		xballoon: $A.balloon,
		p50_us: $u.p50_us, p99_us: $u.p99_us,
		send_jitter: ($u.jitter // false),
		# Fewer than 20k samples put p99.9 on the 20 worst or fewer:
		# not reported (issue 10), only kept aside.
		p999_us: (if ($u.received // 0) >= 20000 then $u.p999_us else null end),
		p999_us_few_samples: (if ($u.received // 0) >= 20000 then null else $u.p999_us end),
		max_us: $u.max_us, loss_pct: $u.loss_pct,
		hog_cpu_pct: null,
		server_cpu_pct: $G.server_cpu_pct,
		host_throttled_pct: $u.host_throttled_pct,
		guest_steal_pct: $G.steal_pct,
		hog_cpu_method: "iterations in the window / calibrated uncapped rate (share of a real CPU)",
		hog_cpu_guest_pct: $G.hog_cpu_pct,
		server_cpu_method: "guest view: CLOCK_PROCESS_CPUTIME_ID / guest wall time",
		balloon_cpu_guest_pct: $G.balloon_cpu_pct,
		vm_cpu_host_pct: $u.vm_cpu_host_pct,
		vm_cpu_method: $u.vm_cpu_method,
		vcpu_thread_cpu_host_pct: $u.vcpu_thread_cpu_host_pct,
		neighbour_cpu_host_pct: $u.neighbour_cpu_host_pct,
		vclock: $G.vclock,
		vcpus: $vcpus, samples: $u.received,
		host_nr_periods: $u.host_nr_periods,
		host_nr_throttled: $u.host_nr_throttled,
		host_throttled_ms: $u.host_throttled_ms,
		min_us: $u.min_us, mean_us: $u.mean_us, p90_us: $u.p90_us,
		sent: $u.sent, received: $u.received, rate: $u.rate,
		window_s: $u.window_s, window_guest_s: $G.window_guest_s,
		timeout_ms: $u.timeout_ms, size: $u.size,
		late_sends: $u.late_sends, max_send_lag_us: $u.max_send_lag_us,
		lost_in_guest_socket: $G.udp_rcvbuf_errors,
		guest_udp_in_errors: $G.udp_in_errors,
		guest_nic_rx_dropped: $G.nic_rx_dropped,
		host_tap_tx_dropped: $u.tap_tx_dropped,
		hog_quota: (if $A.hog_quota then $A.hog_quota else null end),
		xb_cap_pm: (if $A.balloon != "off" then $cap_pm else null end),
		xb_period_us: (if $A.balloon != "off" then $xb_period_us else null end),
		balloon_tool: $G.balloon_tool,
		xb_stats_before: ($G | pre("xbb_") | if . == {} then null else . end),
		xb_stats_after: ($G | pre("xba_") | if . == {} then null else . end),
		hog_iters_per_s: $G.hog_iters_per_s,
		calib_iters_per_s: null,
		calib_iters_per_s_start: null, calib_iters_per_s_end: null,
		host_busy_cpus: $u.host_busy_cpus,
		host_other_cpus: $u.host_other_cpus,
		attempt: $attempt,
		end_late: ($G.end_late == 1),
		error: $G.error,
		bench_mode: $mode
	} + (if $hint == "fixed" then {} else
	# Per cap (step): when it was applied, what the learner did (the
	# balloon trace) and the worst wait for a reply (udpping) until the next.
	(($u.steps // []) | map(.max_rtt_us)) as $stall |
	($G.step_settle | nums) as $settle |
	{
		case_name: $case, variant: $hint,
		step_detail: [range(0; ($u.steps // []) | length) as $i |
			$u.steps[$i] + {cap_pct: $C[$i],
				settle_periods: ($settle // [])[$i],
				periods: (($G.step_periods | nums) // [])[$i],
				throttled_periods: (($G.step_throttled | nums) // [])[$i],
				ref_pm: (($G.step_ref_pm | nums) // [])[$i],
				est_end_pm: (($G.step_est_end_pm | nums) // [])[$i]}]
	} + (if $hint == "step" then
		{cap_steps: $C, settle_periods: $settle, worst_stall_us: $stall}
	else
		{learn_settle_periods: ($settle // [])[0],
		 learn_worst_stall_us: $stall[0]}
	end) end)'
}

# Append a kernel's cases to the results, with the hog's share of a real
# CPU: its iteration rate in the window against the faster of the two
# uncapped calibrations (one slowed by other load can only be too low).
# With several vCPUs (Xen under icount) none: QEMU runs the emulated pCPUs
# in turn, so a hog thread does fewer iterations a second while the other
# vCPUs are busy, and the guest's CPU time of the hog threads includes the
# steal (Xen PV without runstate_update_flag: steal leaves the task clock
# alone; cap 50 x 2 measured 169 % of a CPU for the hogs of a domain Xen
# charged 99 %). bench/vcpus-tables.sh compares the domain's CPU instead.
add_cases() { # cases.jsonl calib0 calib1
	jq -c --argjson c0 "${2:-null}" --argjson c1 "${3:-null}" '
		([$c0, $c1] | map(select(. != null)) | max) as $cal |
		.calib_iters_per_s = $cal |
		.calib_iters_per_s_start = $c0 | .calib_iters_per_s_end = $c1 |
		if .vcpus > 1 then
			.hog_cpu_pct = null |
			.hog_cpu_method = "not measured with several vCPUs: iterations slow down with the other emulated pCPUs busy (icount), and the guest charges the hog threads for steal (hog_cpu_guest_pct); see vm_cpu_host_pct"
		else
			.hog_cpu_pct = (if .hog_iters_per_s and $cal
				then (.hog_iters_per_s / $cal * 1000 | round / 10)
				else null end)
		end' "$1" >> "$all"
}

summary_line() { # case.json calib tag
	jq -r --argjson cal "$2" --arg tag "$3" '"bench: \($tag) #\(.attempt): p50 \(.p50_us) us, p99 \(.p99_us) us, p99.9 \(.p999_us) us, max \(.max_us) us, loss \(.loss_pct) %, hog ~\(if .hog_iters_per_s and $cal then (.hog_iters_per_s / $cal * 100 | floor) else "-" end) %, server \(.server_cpu_pct) %, throttled \(.host_throttled_pct) %, steal \(.guest_steal_pct) %, others \(.host_other_cpus) CPUs"' "$1" >&2
}

# --- tcg-cap, tcg-vcpu-cap: the host side, tap link and cgroups -----------

# QEMU runs in $cg; the cap is set on $capcg: $cg itself (tcg-cap), or
# $vcg below it that holds only the vCPU's thread (tcg-vcpu-cap), the way
# libvirt nests vcpuN beside emulator below a machine's group.
cg=$cgroot/xb-bench-$$
vcg=$cg/vcpu0
capcg=$cg
vmpid=
made_tap=0
# tcg-vcpu-cap: QEMU's pid and its vCPU thread's id
qpid=
vtid=

# Our QEMU is the only process in our cgroup: stop it by its pid.
kill_vm() {
	local p
	[ -f "$cg/cgroup.procs" ] || return 0
	for p in $(cat "$cg/cgroup.procs"); do
		kill "$p" 2> /dev/null || :
	done
}
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	kill_vm
	if [ -n "$vmpid" ]; then
		wait "$vmpid" 2> /dev/null || :
	fi
	# The child first: a cgroup with children cannot go.
	if [ -d "$vcg" ]; then
		rmdir "$vcg" 2> /dev/null || :
	fi
	if [ -d "$cg" ]; then
		rmdir "$cg" 2> /dev/null || :
	fi
	if [ "$made_tap" = 1 ]; then
		ip link del "$tapdev" 2> /dev/null || :
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_host() {
	[ "$made_tap" = 0 ] || return 0
	ip link show "$tapdev" > /dev/null 2>&1 &&
		die "$tapdev exists already (another bench running?)"
	ip tuntap add dev "$tapdev" mode tap
	made_tap=1
	ip link set "$tapdev" address "$host_mac"
	ip addr add "$host_ip/24" dev "$tapdev"
	ip link set "$tapdev" up
	# Permanent neighbour entries both ways: no ARP in the measurements.
	ip neigh replace "$guest_ip" lladdr "$guest_mac" dev "$tapdev" nud permanent
	mkdir "$cg"
	# Shield the VM a little from whatever else the host runs (TESTBED.md).
	echo 8192 > "$cg/cpu.shares"
	uncap
}

uncap() {
	echo -1 > "$capcg/cpu.cfs_quota_us"
}
set_cap() { # pct (0: none) period_ms
	local per=$(($2 * 1000))
	[ "$1" != 0 ] || { uncap; return; }
	echo -1 > "$capcg/cpu.cfs_quota_us"
	echo "$per" > "$capcg/cpu.cfs_period_us"
	echo $((per * $1 / 100)) > "$capcg/cpu.cfs_quota_us"
}

# tcg-vcpu-cap: move vCPU 0's thread from QEMU's cgroup into $vcg. QEMU
# names its threads (-name debug-threads=on): "CPU 0/TCG" under
# multi-threaded TCG ("CPU 0/KVM" under KVM).
vcpu_thread_to_cgroup() {
	local t name="CPU 0/${accel^^}"
	qpid=$(head -n1 "$cg/cgroup.procs")
	vtid=
	[ -n "$qpid" ] || { msg "no QEMU process in $cg"; return 1; }
	for t in /proc/"$qpid"/task/*; do
		if [ "$(cat "$t/comm" 2> /dev/null)" = "$name" ]; then
			vtid=${t##*/}
			break
		fi
	done
	if [ -z "$vtid" ]; then
		msg "QEMU (pid $qpid) has no thread \"$name\": $(cat /proc/"$qpid"/task/*/comm 2> /dev/null | tr '\n' ',')"
		return 1
	fi
	echo "$vtid" > "$vcg/tasks" || return 1
	grep -qx "$vtid" "$vcg/tasks" || { msg "thread $vtid is not in $vcg"; return 1; }
	msg "QEMU pid $qpid: the vCPU thread $vtid (\"$name\") alone in $vcg," \
		"$(($(wc -l < "$cg/tasks"))) other threads uncapped in $cg"
}

# The vCPU thread's CPU time in clock ticks (utime + stime), "-" if none.
vcpu_ticks() {
	local st
	[ -n "$vtid" ] || { echo -; return; }
	st=$(cat "/proc/$qpid/task/$vtid/stat" 2> /dev/null) || { echo -; return; }
	# The name may hold blanks ("CPU 0/TCG"): count fields after ')'.
	echo "${st##*) }" | awk '{ print $12 + $13 }'
}

tap=
vm_alive() {
	kill -0 "$vmpid" 2> /dev/null
}

# The first line of the guest's serial log matching ERE $1, within $2 s.
wait_line() {
	local end=$((SECONDS + $2)) line
	while :; do
		# The log appears only once QEMU runs.
		line=$({ tr -d '\r' < "$tap"; } 2> /dev/null | grep -E -m1 -- "$1" || :)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		vm_alive || { msg "the VM is gone (waiting for /$1/)"; return 1; }
		[ "$SECONDS" -lt "$end" ] || { msg "timed out waiting for /$1/"; return 1; }
		sleep 0.2
	done
}

cmd_id=0
# Send command "$cmd_id $*" until the guest acknowledges it or has already
# answered it (an acknowledgement can be lost like any datagram).
send_cmd() {
	cmd_id=$((cmd_id + 1))
	for _ in $(seq 20); do
		"$udpping" --dst "$guest_ip" --port "$cport" --cmd "$cmd_id $*" \
			--cmd-timeout 3 && return 0
		grep -q "id=$cmd_id " "$tap" 2> /dev/null && return 0
		vm_alive || return 1
	done
	msg "the guest does not take command $cmd_id $*"
	return 1
}

tap_tx_dropped() {
	cat "/sys/class/net/$tapdev/statistics/tx_dropped"
}

# One measured attempt of a case on tcg-cap; $a.json on success.
tcg_attempt() { # k case pct per attempt prefix
	local k=$1 c=$2 pct=$3 per=$4 attempt=$5 a=$6 ready res d0 d1 q at
	local v0 v1 t0 t1
	local -a steps=()
	# The cap rows: the cap in force before the module loads, as on a
	# real host (set up uncapped, the learner rightly takes the vCPU for
	# uncapped, and even a right hint for wrong, then sees a step).
	[ "$(case_hint "$c")" = fixed ] || set_cap "$pct" "$per"
	# The guest sees its host's quota only as late timers: a step has
	# settled once the estimate stays near where it ends (settle_ref=last).
	send_cmd run "$(run_args "$c" "$pct" last)" || return 2
	ready=$(wait_line "XB-BENCH-READY id=$cmd_id " 90) || return 2
	case $ready in
	*error=*)
		msg "$k: $c: the guest could not set the case up"
		wait_line "XB-BENCH-RESULT id=$cmd_id " 60 > "$a.result" || :
		sed 's/^/bench:   /' "$a.result" >&2
		return 1
		;;
	esac
	if [ "$(case_hint "$c")" = fixed ]; then
		set_cap "$pct" "$per"
	else
		# udpping applies the cap again as the load starts (and its
		# steps), and marks each.
		at=-$warmup
		# shellcheck disable=SC2046 # the times, one word each
		set -- $(step_times "$(case_caps "$c" "$pct" | wc -w)")
		for q in $(case_caps "$c" "$pct"); do
			steps+=(--step "$at:echo $((per * 1000 * q / 100)) > $capcg/cpu.cfs_quota_us")
			at=${1:-}
			shift || :
		done
	fi
	d0=$(tap_tx_dropped)
	v0=$(vcpu_ticks)
	t0=$(date +%s%N)
	# The throttling udpping reports is the capped group's; the VM's CPU
	# is QEMU's (cgroup.procs lists the process of a thread in the group).
	# shellcheck disable=SC2086 # $jitter_opt: one option or none
	"$udpping" --dst "$guest_ip" --port "$port" --rate "$rate" $jitter_opt \
		--warmup "$warmup" --duration "$duration" \
		--timeout "$timeout_ms" --samples "$a.samples" \
		--cgroup "$capcg" --rt 20 "${steps[@]}" > "$a.udp0.json" || :
	t1=$(date +%s%N)
	v1=$(vcpu_ticks)
	d1=$(tap_tx_dropped)
	uncap
	# Requests the host's tap could not hand to QEMU (its queue full
	# while the vCPU was throttled): loss outside the guest. The vCPU
	# thread's own CPU (tcg-vcpu-cap; over the whole udpping run).
	jq -c --argjson d $((d1 - d0)) --arg v0 "$v0" --arg v1 "$v1" \
		--argjson dt $((t1 - t0)) --argjson hz "$(getconf CLK_TCK)" \
		'. + {tap_tx_dropped: $d, vm_cpu_method: "host: utime+stime of the QEMU process over the window",
		      vcpu_thread_cpu_host_pct: (if $v0 == "-" or $v1 == "-" or $dt <= 0 then null
			else (($v1 | tonumber) - ($v0 | tonumber)) / $hz / ($dt / 1e9) * 1000 | round / 10 end)}' \
		"$a.udp0.json" > "$a.udp.json"
	res=$(wait_line "XB-BENCH-RESULT id=$cmd_id " 90) || return 2
	echo "$res" > "$a.result"
	case_json "$a.udp.json" "$res" "$plat" "$k" "$c" "$pct" "$per" \
		"$attempt" > "$a.json"
}

run_tcg_kernel() { # platform k
	plat=$1
	local k=$2
	local dir=$work/$plat-$k c0 c1 calib0 calib1 up ok=1 qaccel=$accel qextra=
	local cap pct per c tag attempt others best a other rc out
	out=$dir/vm
	tap=$out/tap.log
	mkdir -p "$out" "$dir/cases"
	: > "$dir/cases.jsonl"
	printf '%s\n' virtio_pci virtio_net > "$work/payload-$k/modules.list"
	capcg=$cg
	qpid=
	vtid=
	if [ "$plat" = "$accel-vcpu-cap" ]; then
		# The vCPU needs a thread of its own, named: multi-threaded
		# TCG (one vCPU: none of the cross-vCPU code patching that
		# makes tests/vm/run.sh default to thread=single) and QEMU's
		# thread names.
		[ "$accel" != tcg ] || qaccel=tcg,thread=multi
		qextra="-name xb-bench,debug-threads=on "
		[ -d "$vcg" ] || mkdir "$vcg"
		# As shielded from the host's other load as the process.
		echo 8192 > "$vcg/cpu.shares"
		capcg=$vcg
	fi
	msg "$plat $k: booting (timeout ${vm_timeout}s)"
	uncap
	XB_VM_SMP=1 XB_VM_MEM=512 XB_VM_ACCEL=$qaccel XB_VM_CGROUP=$cg \
	XB_VM_APPEND="XB_BENCH_GUEST_IP=$guest_ip XB_BENCH_HOST_IP=$host_ip XB_BENCH_HOST_MAC=$host_mac XB_BENCH_PORT=$port XB_BENCH_CTL_PORT=$cport" \
	XB_QEMU_EXTRA="$qextra-netdev tap,id=n0,ifname=$tapdev,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=$guest_mac" \
		nice -n -5 "$harness/tests/vm/run.sh" "$k" "$work/payload-$k" "$out" \
		--timeout "$vm_timeout" > "$dir/harness.log" 2>&1 &
	vmpid=$!
	local t_boot=$SECONDS

	if ! up=$(wait_line 'XB-BENCH-UP ' 240); then
		msg "$plat $k: the guest never came up; see $out"
		failed=1
		kill_vm
		wait "$vmpid" || :
		vmpid=
		return
	fi
	msg "$plat $k: up after $((SECONDS - t_boot))s: ${up#*XB-BENCH-UP }"
	if [ "$capcg" = "$vcg" ] && ! vcpu_thread_to_cgroup; then
		msg "$plat $k: cannot cap the vCPU thread alone"
		failed=1
		send_cmd end || :
		kill_vm
		wait "$vmpid" || :
		vmpid=
		return
	fi

	c0=
	send_cmd calib seconds=3 && c0=$(wait_line "XB-BENCH-CALIB id=$cmd_id " 60) || :
	calib0=$(calib_rate "$c0")
	msg "$plat $k: hog calibration (uncapped): $calib0 iterations/s"
	if [ "$rate_opt" = auto ]; then
		# TESTBED.md: 1000 req/s took QEMU to 23-26 % of a host CPU on
		# a machine calibrated at 49.6k iterations/s, 47.5 % on one at
		# 14.5k: scale the load to keep its share of the cap.
		rate=$(awk -v c="$calib0" 'BEGIN {
			r = (c > 0 ? 1000 * c / 49600 : 1000)
			r = int(r / 50 + 0.5) * 50
			print (r < 100 ? 100 : (r > 1000 ? 1000 : r)) }')
		msg "$plat $k: load scaled to this machine: $rate requests/s"
	else
		rate=$rate_opt
	fi

	for cap in $caps; do
		for c in $cases; do
			pct=${cap%/*}
			per=${cap#*/}
			# The floor: once, with no cap.
			if [ "$c" = floor ]; then
				[ "$cap" = "${caps%% *}" ] || continue
				pct=0
			fi
			tag=$c-$pct-$per
			attempt=0
			others=
			best=
			while [ "$attempt" -lt "$attempts_max" ]; do
				attempt=$((attempt + 1))
				a=$dir/cases/$tag.a$attempt
				rc=0
				tcg_attempt "$k" "$c" "$pct" "$per" "$attempt" "$a" || rc=$?
				[ "$rc" = 2 ] && { ok=0; break 3; }
				[ "$rc" = 0 ] || { failed=1; break; }
				other=$(jq -r '.host_other_cpus // 0' "$a.json")
				others="$others $other"
				# Keep the least disturbed attempt.
				if [ -z "$best" ] || awk -v a="$other" -v b="$(jq -r .host_other_cpus "$best.json")" \
					'BEGIN { exit !(a < b) }'; then
					best=$a
				fi
				summary_line "$a.json" "$calib0" "$plat $k $tag"
				awk -v o="$other" -v d="$disturbed" 'BEGIN { exit !(o > d) }' || break
				if [ "$attempt" -lt "$attempts_max" ]; then
					msg "$plat $k: $tag: disturbed (others used $other CPUs), again"
				fi
			done
			if [ -n "$best" ]; then
				# Record every attempt's disturbance in the kept one.
				jq -c --arg o "$others" --argjson n "$attempt" \
					'.attempts = $n | .attempts_host_other_cpus = ($o | [splits(" +") | select(. != "") | tonumber])' \
					"$best.json" >> "$dir/cases.jsonl"
				cp "$best.samples" "$dir/cases/$tag.samples"
			fi
		done
	done

	c1=
	if [ "$ok" = 1 ]; then
		send_cmd calib seconds=3 && c1=$(wait_line "XB-BENCH-CALIB id=$cmd_id " 60) || :
		calib1=$(calib_rate "$c1")
		msg "$plat $k: hog calibration at the end: $calib1 iterations/s"
		send_cmd end || :
	else
		failed=1
		calib1=null
		msg "$plat $k: aborted; see $out and $dir/harness.log"
		# Nothing more will come: no use waiting for the timeout.
		kill_vm
	fi
	add_cases "$dir/cases.jsonl" "$calib0" "$calib1"
	wait "$vmpid" || msg "$plat $k: the VM harness reports failures (see $dir/harness.log)"
	vmpid=
	msg "$plat $k: done in $((SECONDS - t_boot))s"
}

# --- xen: the harness runs everything, bench/xen-dom0.sh drives ------------

# "case cap" per Xen case of platform $xen_plat, in the order run: every
# case at the first cap, the XB_BENCH_XEN_MORE_CASES ones at the others;
# on the -shared platforms their own cases, all with no cap; with several
# vCPUs XB_BENCH_VCPUS_CASES at the first cap.
xen_plat=
xen_case_list() {
	local cap c
	if is_shared "$xen_plat"; then
		for c in $sharing_cases; do
			echo "$c 0"
		done
		return
	fi
	for cap in $xen_caps; do
		# Several vCPUs: their own cases, at the first cap only.
		[ "$(plat_vcpus "$xen_plat")" = 1 ] || [ "$cap" = "$xen_cap" ] ||
			continue
		for c in $(plat_cases "$xen_plat"); do
			[ "$cap" = "$xen_cap" ] ||
				case " $xen_more " in *" $c "*) ;; *) continue ;; esac
			# The floor: once, uncapped (dom0's cap 0).
			if [ "$c" = floor ]; then
				[ "$cap" = "$xen_cap" ] && echo "floor 0"
				continue
			fi
			echo "$c $cap"
		done
	done
}
# dom0's steps for a case: "-" (dom0 sets the cap before the load), or
# "AT:PCT,..." for udpping --step (the first before the load).
xen_steps() { # case cap
	local at=-$warmup q out="" caps
	[ "$(case_hint "$1")" != fixed ] || { echo -; return; }
	caps=$(case_caps "$1" "$2")
	# shellcheck disable=SC2046 # the times, one word each
	set -- $(step_times "$(echo "$caps" | wc -w)")
	for q in $caps; do
		out="$out${out:+,}$at:$q"
		at=${1:-}
		shift || :
	done
	echo "$out"
}

run_xen_kernel() { # platform k
	local p=$1 k=$2
	local dir=$work/$1-$2 pl=$work/$1-$2/payload out=$work/$1-$2/out
	local sched per cap0=$xen_cap nbr=none ref=real
	sched=$(xen_sched "$p")
	per=$(xen_period "$p")
	xen_plat=$p
	plat_vclock=
	if is_shared "$p"; then
		# No cap; the share the learner finds has no told reference:
		# a learned case has settled once the estimate stays near
		# where it ends.
		cap0=0
		nbr=busy
		ref=last
		plat_vclock=0
	fi
	local hook c0 c1 calib0 calib1 tag c rc=0 t_boot=$SECONDS a u d res
	mkdir -p "$dir/cases"
	: > "$dir/cases.jsonl"
	cp -a "$work/payload-$k" "$pl"
	# The domU gets netfront from the harness; no virtio here.
	rm -f "$pl/modules.list"
	cp "$top/build/bench/guest/udpping" "$pl/bin/"
	cp "$top/bench/xen-dom0.sh" "$pl/dom0-run.sh"
	cat > "$pl/bench-xen.conf" <<-EOF
		RATE=$xen_rate
		WARMUP=$warmup
		DURATION=$duration
		TIMEOUT_MS=$timeout_ms
		CAP_PCT=$cap0
		JITTER=$jitter
		VCPUS=$(plat_vcpus "$p")
		SCHED=$sched
		CREDIT_LOG=${XB_BENCH_XEN_CREDIT_LOG:-0}
	EOF
	xen_case_list | while read -r c cap; do
		echo "$c-$cap-$per $cap $(xen_steps "$c" "$cap") $(run_args "$c" "$cap" "$ref")"
	done > "$pl/bench-xen.cases"
	# Boot and toolstack ~1 min, per case set-up, warm-up, window, drain,
	# and dom0 passing each case's samples on over its console, which
	# grows with the window: two 100 s windows on credit1 (20k samples
	# each) ran out of a timeout that counted each window once, so it
	# counts them twice.
	# Beside the busy neighbour the domU sets each case up at half speed.
	local slack=90
	! is_shared "$p" || slack=150
	local xen_timeout=$((420 + xen_dom0_poll + $(wc -l < "$pl/bench-xen.cases") * (warmup + 2 * duration + slack)))
	msg "$p $k: booting Xen ($sched) with a PV dom0 and domU, neighbour $nbr (icount, timeout ${xen_timeout}s)"
	# dom0's harness polls for the guest's end every XB_DOM0_POLL s, and
	# each round forks processes for ~50 ms; QEMU runs dom0's and the
	# domU's pCPUs in turn on one thread, so every round stalled the domU
	# (Xen still charging it) and delayed ~11 requests in a row by 2-15
	# ms, and its 12 ms periods were what tipped credit1 into parking it.
	# Rounds a minute apart leave the measured windows alone.
	# Beside the busy neighbour, credit2 corrupted the domU's user memory
	# in 3 runs of 3 while QEMU offered PCID and INVPCID, and in none of
	# one without (session 8): the neighbour's platforms go without,
	# unless XB_XEN_QEMU_CPU says otherwise.
	local qcpu=${XB_XEN_QEMU_CPU:-}
	[ -n "$qcpu" ] || ! is_shared "$p" || qcpu=max,-smap,-smep,-pcid,-invpcid
	XB_XEN_QEMU_CPU=$qcpu \
	XB_DOM0_POLL=$xen_dom0_poll XB_XEN_SCHED=$sched XB_XEN_NEIGHBOUR=$nbr \
	XB_DOMU_VCPUS=$(plat_vcpus "$p") \
	XB_XEN_CAP=$((cap0 * $(plat_vcpus "$p"))) "$harness/tests/xen/run.sh" "$k" "$pl" "$out" --net --icount=2 \
		--timeout "$xen_timeout" > "$dir/harness.log" 2>&1 || rc=$?
	hook=$out/dom0-hook.log
	[ "$rc" = 0 ] || msg "$p $k: the harness reports failures (rc $rc, see $dir/harness.log)"
	# User space crashing in the domU is the platform's fault, not a
	# result: under credit2 with a busy neighbour (Xen in QEMU TCG) heaps
	# of programs that never touch the module were found corrupted
	# (busybox segfaults before the module's first load, udpecho's
	# general protection fault, xballoond's "malloc(): corrupted top
	# size"), in every run of that platform and in no other's.
	if grep -E -m3 'segfault at|general protection fault ip:|malloc\(\): |corrupted (top )?size' \
		"$out/domu-console.log" > "$dir/userspace-crashes" 2> /dev/null; then
		msg "$p $k: programs crashed in the domU, results not trustworthy:"
		sed 's/^/bench:   /' "$dir/userspace-crashes" >&2
		failed=1
	fi
	if ! grep -q '^XB-XEN-DONE' "$hook" 2> /dev/null; then
		msg "$p $k: the dom0 side did not finish; see $hook"
		grep '^XB-XEN-ERROR' "$hook" 2> /dev/null | sed 's/^/bench:   /' >&2 || :
		failed=1
	fi
	c0=$(grep -m1 '^XB-XEN-CALIB ' "$hook" 2> /dev/null || :)
	c1=$(grep '^XB-XEN-CALIB ' "$hook" 2> /dev/null | sed -n 2p || :)
	calib0=$(calib_rate "$c0")
	calib1=$(calib_rate "$c1")
	msg "$p $k: hog calibration (uncapped): $calib0 and $calib1 iterations/s"
	while read -r c cap; do
		tag=$c-$cap-$per
		a=$dir/cases/$tag
		# This case's block of the hook's report.
		awk -v t="$tag" '
			/^XB-XEN-CASE / { on = ($2 == "tag=" t) }
			on && /^XB-XEN-(UDP|DOMCPU|RESULT) / { print }
			/^XB-XEN-SAMPLES / && $2 == t { print }' "$hook" > "$a.block" 2> /dev/null || :
		u=$(sed -n 's/^XB-XEN-UDP //p' "$a.block")
		res=$(sed -n 's/^XB-XEN-RESULT //p' "$a.block")
		if [ -z "$u" ] || [ -z "$res" ]; then
			msg "$p $k: $tag: no result"
			failed=1
			continue
		fi
		d=$(sed -n 's/^XB-XEN-DOMCPU //p' "$a.block")
		# The domU's CPU time as Xen counts it, over the whole udpping run.
		echo "$u" | jq -c --arg d "$d" '
			($d | [splits(" +") | select(test("=")) |
				capture("^(?<k>[^=]+)=(?<v>.*)$") | {(.k): (.v | tonumber)}] | add) as $D |
			. + {vm_cpu_host_pct: (if $D.t1 > $D.t0
				then (($D.cpu1 - $D.cpu0) / ($D.t1 - $D.t0) * 1000 | round / 10)
				else null end),
			     neighbour_cpu_host_pct: (if $D.t1 > $D.t0 and $D.ncpu1 != null
				then (($D.ncpu1 - $D.ncpu0) / ($D.t1 - $D.t0) * 1000 | round / 10)
				else null end),
			     vm_cpu_method: "xl list: the domU CPU time over the whole udpping run (warm-up, window, drain)",
			     host_throttled_pct: null, host_busy_cpus: null, host_other_cpus: null}' \
			> "$a.udp.json"
		sed -n "s/^XB-XEN-SAMPLES $tag //p" "$a.block" | base64 -d 2> /dev/null |
			gunzip > "$a.samples" 2> /dev/null || rm -f "$a.samples"
		case_json "$a.udp.json" "$res" "$p" "$k" "$c" "$cap" "$per" 1 \
			>> "$dir/cases.jsonl"
		summary_line <(tail -n1 "$dir/cases.jsonl") "$calib0" "$p $k $tag"
	done < <(xen_case_list)
	add_cases "$dir/cases.jsonl" "$calib0" "$calib1"
	msg "$p $k: done in $((SECONDS - t_boot))s"
}

# --- run -------------------------------------------------------------------

ncases=$(($(echo "$caps" | wc -w) * $(echo "$cases" | wc -w)))
# Boot, calibration twice, per case set-up + measurement + drain, attempts.
vm_timeout=$((300 + ncases * attempts_max * (warmup + duration + 60)))
for p in $platforms; do
	case $p in
	xen*)
		for k in $kernels; do
			run_xen_kernel "$p" "$k"
		done
		;;
	*)
		setup_host
		for k in $kernels; do
			run_tcg_kernel "$p" "$k"
		done
		;;
	esac
done

# --- results ---------------------------------------------------------------

wall=$((SECONDS - t_start))
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -s --arg stamp "$stamp" --argjson wall "$wall" \
	'map(. + {run_at: $stamp, run_wall_s: $wall})' "$all" > "$work/results.json"
if [ -n "${XB_BENCH_MERGE:-}" ]; then
	# The earlier run's groups this one does not have, first.
	jq -s '.[1] as $new | ($new | map("\(.platform) \(.kernel)") | unique) as $have |
		[.[0][] | select(("\(.platform) \(.kernel)") as $g | $have | index($g) | not)] + $new' \
		"$XB_BENCH_MERGE" "$work/results.json" > "$work/results.merged.json"
	mv "$work/results.merged.json" "$work/results.json"
	for d in "$(dirname "$XB_BENCH_MERGE")"/*-*/; do
		[ -d "$d/cases" ] && [ ! -e "$work/$(basename "$d")" ] &&
			cp -a "$d" "$work/"
	done
	msg "merged the earlier run's other groups from $XB_BENCH_MERGE"
fi
nres=$(jq length "$work/results.json")
[ "$nres" -gt 0 ] || die "no case produced a result; see $work"

# The groups of cases: "platform kernel cap period", in the order run.
groups=$(jq -r '[.[] | "\(.platform) \(.kernel) \(.cap_pct) \(.period_ms)"] |
	reduce .[] as $g ([]; if any(.[]; . == $g) then . else . + [$g] end) | .[]' \
	"$work/results.json")

# The markdown table, one section per group.
{
	echo "# xballoon benchmark ($mode, $stamp)"
	echo
	echo "Wall time ${wall} s. Each case: ${warmup} s warm-up, then ${duration} s measured, all"
	echo "cases of a kernel and platform in one boot. A request unanswered after ${timeout_ms} ms"
	echo "is lost. xballoon: period ${xb_period_us} us, daemon $balloon_tool; the module is told"
	echo "cap_pm=$cap_pm in the cases static, kthread and dynamic, and in the cap rows"
	echo "(*mode (variant)*) nothing (learn, step), the real cap (told) or 20 points"
	echo "too much or too little (high, low): see the last tables."
	echo
	# The platforms in the results (a merged run's too), with each one's
	# load as udpping reports it.
	jq -r '[.[] | {p: .platform, r: .rate}] | group_by(.p) | .[] |
		"\(.[0].p) \(map(.r) | unique | map(tostring) | join("/"))"' \
		"$work/results.json" | while read -r p r; do
		case $p in
		*-vcpu-cap)
			echo "- \`$p\`: QEMU ${p%%-*} (multi-threaded), 1 vCPU, only the vCPU's thread capped,"
			echo "  in a host cgroup v1 CPU group of its own (libvirt's vcpu_quota); QEMU's other threads"
			echo "  (main loop, virtio-net's I/O) uncapped. *thr.* is the vCPU group's, *VM CPU* the"
			echo "  whole QEMU process / the vCPU thread alone (over the whole udpping run)."
			;;
		*-cap)
			echo "- \`$p\`: QEMU ${p%%-*}, 1 vCPU, the whole QEMU process capped by the host's cgroup v1"
			echo "  CPU controller."
			;;
		xen-shared | xen-credit2-shared)
			echo "- \`$p\`: Xen 4.17 ($(xen_sched "$p")) in QEMU TCG with \`-icount shift=2,sleep=off\`; PV"
			echo "  domU, 1 vCPU, **no cap**, its pCPU shared with a busy PV domain of the same weight (a"
			echo "  shell loop; paused while the hog is calibrated, so *hog CPU* is of a whole pCPU and the"
			echo "  domU's fair share is 50 %); udpping in dom0 (its own pCPU), $r req/s. Every case sets"
			echo "  the virtual clock (*vclock*): off unless the case turns it on. *nbr. CPU*: the"
			echo "  neighbour's CPU (xl list, over the whole udpping run)."
			continue
			;;
		xen | xen-credit2)
			echo "- \`$p\`: Xen 4.17 ($(xen_sched "$p"), cap period $(xen_period "$p") ms) in QEMU TCG with"
			echo "  \`-icount shift=2,sleep=off\`; PV domU, 1 vCPU on its own pCPU, credit caps $xen_caps;"
			echo "  udpping in dom0, $r req/s, over netback/netfront. Guest time counts instructions:"
			echo "  repeatable."
			continue
			;;
		xen*-[2-4]vcpu)
			n=$(plat_vcpus "$p")
			echo "- \`$p\`: as \`$(plat_base "$p")\`, with $n vCPUs, each on a pCPU of its own; the caps are"
			echo "  per vCPU (Xen caps the domain at $n times them), a hog thread bound to each vCPU, one"
			echo "  server, unbound. *hog CPU* is the hog threads' CPU time in the guest over the window"
			echo "  (Xen reports steal), summed: the iteration count is no measure here, QEMU's icount"
			echo "  runs the emulated pCPUs in turn, so each runs slower while others are busy."
			continue
			;;
		esac
		echo "  bench/udpping on the host, $r req/s, over a tap device. Real time: other load on the"
		echo "  host disturbs it (a case runs again when others used more than $disturbed CPUs, the"
		echo "  least disturbed of $attempts_max attempts is kept). The load is scaled to the"
		echo "  machine's speed (XB_BENCH_RATE=auto, see bench/README.md)."
	done
	echo
	echo "Latencies are round trips in ms (percentiles over the answered requests). *hog CPU*:"
	echo "the hog's iterations in the window against its uncapped rate in the same guest, i.e. its"
	echo "share of a real CPU. *server CPU*: the guest's own view (guest CPU time over guest wall"
	echo "time; under TCG the guest cannot see the host's throttling, so this over-states). *thr.*:"
	echo "host cgroup periods throttled (nr_throttled / nr_periods over the window; tcg-cap only)."
	echo "*steal*: the guest's steal time over the window (Xen: runstate runnable + offline; TCG"
	echo "reports none). *VM CPU*: what the host (QEMU's utime+stime) or Xen (xl list) charged the"
	echo "VM. *balloon*: periods whose reserve was met / periods, periods with throttling seen,"
	echo "effective cap (per mille) at the end."
	echo "$groups" | while read -r p k pct per; do
		[ -n "$p" ] || continue
		echo
		case $p:$pct in
		*-shared:*) echo "## $p, $k, $(xen_sched "$p"), no cap, the pCPU shared with a busy domain" ;;
		*:0) echo "## $p, $k, no cap: the testbed's floor" ;;
		xen*) echo "## $p, $k, $(xen_sched "$p") cap $pct" ;;
		*-vcpu-cap:*) echo "## $p, $k, the vCPU thread capped at $pct % of $per ms" ;;
		*) echo "## $p, $k, cap $pct % of $per ms" ;;
		esac
		echo
		echo "| case | server | hog | xballoon | p50 | p99 | p99.9 | max | loss % | hog CPU % | server CPU % | thr. % | steal % | VM CPU % | balloon |"
		echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		jq -r --arg p "$p" --arg k "$k" --argjson c "$pct" --argjson q "$per" '
		def ms: if . == null then "-" else (. / 10 | round / 100 | tostring) end;
		def num: if . == null then "-" else tostring end;
		.[] | select(.platform == $p and .kernel == $k and .cap_pct == $c and .period_ms == $q) |
		(if .xb_stats_after and .xb_stats_before then
			(.xb_stats_after.periods - .xb_stats_before.periods) as $n |
			(.xb_stats_after.periods_reserved - .xb_stats_before.periods_reserved) as $r |
			(.xb_stats_after.periods_throttled - .xb_stats_before.periods_throttled) as $t |
			"\($r)/\($n) met, \($t) thr., cap \(.xb_stats_after.eff_cap_pm)"
		 else "-" end) as $b |
		(if .hog_quota then " (cpu.max \(.hog_quota))" else "" end) as $hq |
		"| \(.case)\(if .variant then " (\(.variant))" else "" end) | \(.server_policy) | \(if .hog then .hog_policy else "-" end)\($hq) | \(.xballoon)\(if .xb_cap_pm != null then ", told \(.xb_cap_pm)" else "" end)\(if .vclock == "on" or .vclock == "off" then ", vclock \(.vclock)" else "" end) | \(.p50_us | ms) | \(.p99_us | ms) | \(.p999_us | ms) | \(.max_us | ms) | \(.loss_pct | num) | \(.hog_cpu_pct | num) | \(.server_cpu_pct | num) | \(.host_throttled_pct | num) | \(.guest_steal_pct | num) | \(.vm_cpu_host_pct | num)\(if .vcpu_thread_cpu_host_pct then " / \(.vcpu_thread_cpu_host_pct)" else "" end)\(if .neighbour_cpu_host_pct then " (nbr. \(.neighbour_cpu_host_pct))" else "" end) | \($b) |"' \
			"$work/results.json"
	done
	"$top/bench/cap-tables.sh" "$work/results.json"
	"$top/bench/sharing-tables.sh" "$work/results.json"
	"$top/bench/vcpus-tables.sh" "$work/results.json"
} > "$work/results.md"

# The latency tails: one panel per group, one curve per case, the share
# of requests slower than x on a log scale (a linear CDF hides the p99 and
# beyond in its last pixel).
plot=$work/cdf.gp
ng=$(echo "$groups" | grep -c . || :)
ncol=2
[ "$ng" -ge 2 ] || ncol=1
nrow=$(((ng + ncol - 1) / ncol))
{
	echo "set terminal pngcairo size $((620 * ncol)),$((420 * nrow)) font ',9'"
	# Case names have underscores, not subscripts.
	echo "set termoption noenhanced"
	echo "set output '$work/cdf.png'"
	echo "set multiplot layout $nrow,$ncol"
	echo "set logscale x"
	echo "set xlabel 'round-trip time (ms)'"
	echo "set ylabel 'share of answered requests slower (log)'"
	echo "set logscale y"
	echo "set format y '%g'"
	echo "set yrange [1e-4:1]"
	echo "set xrange [0.05:*]"
	echo "set key right top"
	echo "set grid"
	echo "$groups" | while read -r p k pct per; do
		[ -n "$p" ] || continue
		case $p:$pct in
		*-shared:*) echo "set title '$p, $k, no cap, pCPU shared with a busy domain'" ;;
		*:0) echo "set title '$p, $k, no cap (the floor)'" ;;
		xen*) echo "set title '$p, $k, $(xen_sched "$p") cap $pct'" ;;
		*) echo "set title '$p, $k, cap $pct % of $per ms'" ;;
		esac
		sep="plot"
		line=
		for c in $(plat_cases "$p"); do
			f=$work/$p-$k/cases/$c-$pct-$per.samples
			[ -s "$f" ] || continue
			# x in ms, y the share at or above x: (n - i + 1) / n.
			sort -n "$f" | awk '{ v[NR] = $1 } END {
				for (i = 1; i <= NR; i++) print v[i] / 1000, (NR - i + 1) / NR }' > "$f.tail"
			line="$line$sep '$f.tail' using 1:2 with lines lw 2 title '$c'"
			sep=","
		done
		if [ -n "$line" ]; then
			echo "$line"
		else
			echo "set label 1 'no samples' at graph 0.5,0.5 center"
			echo "plot NaN notitle"
			echo "unset label 1"
		fi
	done
	echo "unset multiplot"
} > "$plot"
gnuplot "$plot" 2> "$work/gnuplot.log" || { cat "$work/gnuplot.log" >&2; die "gnuplot failed"; }

cat "$work/results.md"
# A run that failed somewhere must not replace a complete one.
if [ "$failed" != 0 ]; then
	msg "$nres cases in ${wall}s, with failures: results only in $work/results.{json,md}, cdf.png"
	exit 1
fi
for f in latest ${XB_BENCH_NAME:-$mode}; do
	cp "$work/results.json" "$results/$f.json"
	cp "$work/results.md" "$results/$f.md"
	cp "$work/cdf.png" "$results/$f-cdf.png"
done
msg "$nres cases in ${wall}s; results in $results/latest.{json,md} and latest-cdf.png"
