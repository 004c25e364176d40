#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [--quick] - the xballoon benchmark (`make bench`,
# `make bench-quick`). See bench/README.md.
#
# The slides' experiment: a UDP request/response load at a fixed rate into
# a 1-vCPU guest whose CPU is capped, with and without a CPU hog beside the
# server, with and without xballoon, and against what a user would try
# instead. Two platforms:
#
#   tcg-cap  QEMU TCG, the QEMU process capped by the host's cgroup v1 CPU
#            controller (cpu.cfs_quota_us / cpu.cfs_period_us: how KVM
#            hosts cap vCPU threads); the client on the host, over a tap
#            device. Real time: other load on the host disturbs it.
#   xen      Xen 4.17 in QEMU TCG (tests/xen/run.sh --net --icount=2): a PV
#            domU with credit cap 50, the client in dom0 over netback/
#            netfront; time counts instructions, so results are repeatable.
#
# One boot per kernel and platform; every case runs inside it in turn. The
# driver (this script for tcg-cap, bench/xen-dom0.sh in dom0 for xen) sends
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
#   cgroup     server + hog SCHED_OTHER, the hog in a guest cgroup v2 with
#              cpu.max $XB_BENCH_HOG_QUOTA (default 40 % of 100 ms)
#   io_static, io_kthread, io_dynamic
#              (only on request, XB_BENCH_CASES) the server and a balloon,
#              no hog: what the balloon itself costs
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
#   XB_BENCH_PLATFORMS   "tcg xen" (default), or one of them
#   XB_BENCH_CASES       case names, XB_BENCH_CAPS "PCT/PERIOD_MS ..." (tcg-cap)
#   XB_BENCH_RATE        requests/s on tcg-cap (1000, TESTBED.md's load)
#   XB_BENCH_XEN_RATE    requests/s on xen (200, DESIGN.md's Xen runs)
#   XB_BENCH_XEN_CAP     credit cap of the domU in % (50)
#   XB_BENCH_XEN_DOM0_POLL  seconds between the Xen harness's checks in dom0
#                        for the guest's end (60; each check disturbs the
#                        domU, see run_xen_kernel)
#   XB_BENCH_XEN_CREDIT_LOG  seconds between samples of credit1's state of
#                        the domU during each measurement (0: none), as
#                        XB-XEN-CREDIT lines in the xen run's dom0-hook.log
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
#   XB_BENCH_ACCEL       tcg (default) or kvm; the platform is "<accel>-cap"
#   XB_BENCH_RESULTS     results directory (bench/results)
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

if [ "$mode" = quick ]; then
	def_cases="io hog static kthread dynamic"
	def_caps="50/100"
	def_platforms="tcg xen"
	def_warmup=2
	def_duration=8
else
	def_cases="io hog static kthread dynamic fifo_idle cgroup"
	def_caps="50/100 50/10"
	def_platforms="tcg xen"
	def_warmup=3
	def_duration=15
fi
cases=${XB_BENCH_CASES:-$def_cases}
caps=${XB_BENCH_CAPS:-$def_caps}
platforms=${XB_BENCH_PLATFORMS:-$def_platforms}
rate=${XB_BENCH_RATE:-1000}
xen_rate=${XB_BENCH_XEN_RATE:-200}
xen_cap=${XB_BENCH_XEN_CAP:-50}
xen_dom0_poll=${XB_BENCH_XEN_DOM0_POLL:-60}
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
# Credit1 accounts every 30 ms: the period a cap acts over on Xen.
xen_period_ms=30

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
for p in $platforms; do
	case $p in
	tcg) ;;
	xen)
		git -C "$top" show HEAD:tests/xen/run.sh 2> /dev/null | grep -q -- '--net' ||
			die "xen: no committed tests/xen/run.sh with --net"
		;;
	*) die "XB_BENCH_PLATFORMS: tcg and/or xen, not $p" ;;
	esac
done
cgroot=/sys/fs/cgroup/cpu
case " $platforms " in
*" tcg "*)
	[ -f "$cgroot/cpu.cfs_quota_us" ] ||
		die "no cgroup v1 CPU controller at $cgroot (tcg-cap wants v1)"
	;;
esac

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

# The guest's view of each case: what guest.sh sets up.
case_args() {
	case $1 in
	io) echo "server=other hog=none balloon=off" ;;
	hog) echo "server=other hog=other balloon=off" ;;
	static) echo "server=fifo:50 hog=other balloon=static" ;;
	dynamic) echo "server=other hog=other balloon=dynamic" ;;
	kthread) echo "server=fifo:50 hog=other balloon=kthread" ;;
	fifo_idle) echo "server=fifo:50 hog=idle balloon=off" ;;
	cgroup) echo "server=other hog=other balloon=off hog_quota=$hog_quota" ;;
	# Not in the default lists: the balloon's own cost, without a hog.
	io_static) echo "server=fifo:50 hog=none balloon=static" ;;
	io_dynamic) echo "server=other hog=none balloon=dynamic" ;;
	io_kthread) echo "server=fifo:50 hog=none balloon=kthread" ;;
	*) return 1 ;;
	esac
}
for c in $cases; do
	case_args "$c" > /dev/null || die "unknown case $c"
	# A case's name is its key in the results.
	[ "$(echo "$cases" | tr ' ' '\n' | grep -cx -- "$c")" = 1 ] ||
		die "case $c listed twice"
done
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
run_args() { # case: the guest's "run" command
	echo "case=$1 $(case_args "$1") cap_pm=$cap_pm xb_period_us=$xb_period_us tool=$balloon_tool trace=$xb_trace"
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
		--argjson cap_pm "$cap_pm" --argjson xb_period_us "$xb_period_us" '
	def kv: [splits(" +") | select(test("=")) |
		capture("^(?<k>[^=]+)=(?<v>.*)$") |
		{(.k): (.v | (tonumber? // .))}] | add // {};
	def pre(p): with_entries(select(.key | startswith(p)) |
		.key |= ltrimstr(p));
	$u[0] as $u | ($g | kv) as $G | ($args | kv) as $A |
	{
		platform: $platform, kernel: $kernel, case: $case,
		cap_pct: $cap, period_ms: $period,
		hog: ($A.hog != "none"),
		hog_policy: $A.hog,
		server_policy: $A.server,
		xballoon: $A.balloon,
		p50_us: $u.p50_us, p99_us: $u.p99_us, p999_us: $u.p999_us,
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
	}'
}

# Append a kernel's cases to the results, with the hog's share of a real
# CPU: its iteration rate in the window against the faster of the two
# uncapped calibrations (one slowed by other load can only be too low).
add_cases() { # cases.jsonl calib0 calib1
	jq -c --argjson c0 "${2:-null}" --argjson c1 "${3:-null}" '
		([$c0, $c1] | map(select(. != null)) | max) as $cal |
		.calib_iters_per_s = $cal |
		.calib_iters_per_s_start = $c0 | .calib_iters_per_s_end = $c1 |
		.hog_cpu_pct = (if .hog_iters_per_s and $cal
			then (.hog_iters_per_s / $cal * 1000 | round / 10)
			else null end)' "$1" >> "$all"
}

summary_line() { # case.json calib tag
	jq -r --argjson cal "$2" --arg tag "$3" '"bench: \($tag) #\(.attempt): p50 \(.p50_us) us, p99 \(.p99_us) us, p99.9 \(.p999_us) us, max \(.max_us) us, loss \(.loss_pct) %, hog ~\(if .hog_iters_per_s and $cal then (.hog_iters_per_s / $cal * 100 | floor) else "-" end) %, server \(.server_cpu_pct) %, throttled \(.host_throttled_pct) %, steal \(.guest_steal_pct) %, others \(.host_other_cpus) CPUs"' "$1" >&2
}

# --- tcg-cap: the host side, tap link and cgroup ---------------------------

cg=$cgroot/xb-bench-$$
vmpid=
made_tap=0

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
	echo -1 > "$cg/cpu.cfs_quota_us"
}
set_cap() { # pct period_ms
	local per=$(($2 * 1000))
	echo -1 > "$cg/cpu.cfs_quota_us"
	echo "$per" > "$cg/cpu.cfs_period_us"
	echo $((per * $1 / 100)) > "$cg/cpu.cfs_quota_us"
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
	local k=$1 c=$2 pct=$3 per=$4 attempt=$5 a=$6 ready res d0 d1
	send_cmd run "$(run_args "$c")" || return 2
	ready=$(wait_line "XB-BENCH-READY id=$cmd_id " 90) || return 2
	case $ready in
	*error=*)
		msg "$k: $c: the guest could not set the case up"
		wait_line "XB-BENCH-RESULT id=$cmd_id " 60 > "$a.result" || :
		sed 's/^/bench:   /' "$a.result" >&2
		return 1
		;;
	esac
	set_cap "$pct" "$per"
	d0=$(tap_tx_dropped)
	"$udpping" --dst "$guest_ip" --port "$port" --rate "$rate" \
		--warmup "$warmup" --duration "$duration" \
		--timeout "$timeout_ms" --samples "$a.samples" \
		--cgroup "$cg" --rt 20 > "$a.udp0.json" || :
	d1=$(tap_tx_dropped)
	uncap
	# Requests the host's tap could not hand to QEMU (its queue full
	# while the vCPU was throttled): loss outside the guest.
	jq -c --argjson d $((d1 - d0)) \
		'. + {tap_tx_dropped: $d, vm_cpu_method: "host: utime+stime of the QEMU process over the window"}' \
		"$a.udp0.json" > "$a.udp.json"
	res=$(wait_line "XB-BENCH-RESULT id=$cmd_id " 90) || return 2
	echo "$res" > "$a.result"
	case_json "$a.udp.json" "$res" "$platform_tcg" "$k" "$c" "$pct" "$per" \
		"$attempt" > "$a.json"
}

run_tcg_kernel() { # k
	local k=$1
	local dir=$work/$platform_tcg-$k c0 c1 calib0 calib1 up ok=1
	local cap pct per c tag attempt others best a other rc out
	out=$dir/vm
	tap=$out/tap.log
	mkdir -p "$out" "$dir/cases"
	: > "$dir/cases.jsonl"
	printf '%s\n' virtio_pci virtio_net > "$work/payload-$k/modules.list"
	msg "tcg $k: booting (timeout ${vm_timeout}s)"
	uncap
	XB_VM_SMP=1 XB_VM_MEM=512 XB_VM_ACCEL=$accel XB_VM_CGROUP=$cg \
	XB_VM_APPEND="XB_BENCH_GUEST_IP=$guest_ip XB_BENCH_HOST_IP=$host_ip XB_BENCH_HOST_MAC=$host_mac XB_BENCH_PORT=$port XB_BENCH_CTL_PORT=$cport" \
	XB_QEMU_EXTRA="-netdev tap,id=n0,ifname=$tapdev,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=$guest_mac" \
		nice -n -5 "$harness/tests/vm/run.sh" "$k" "$work/payload-$k" "$out" \
		--timeout "$vm_timeout" > "$dir/harness.log" 2>&1 &
	vmpid=$!
	local t_boot=$SECONDS

	if ! up=$(wait_line 'XB-BENCH-UP ' 240); then
		msg "tcg $k: the guest never came up; see $out"
		failed=1
		kill_vm
		wait "$vmpid" || :
		vmpid=
		return
	fi
	msg "tcg $k: up after $((SECONDS - t_boot))s: ${up#*XB-BENCH-UP }"

	c0=
	send_cmd calib seconds=3 && c0=$(wait_line "XB-BENCH-CALIB id=$cmd_id " 60) || :
	calib0=$(calib_rate "$c0")
	msg "tcg $k: hog calibration (uncapped): $calib0 iterations/s"

	for cap in $caps; do
		pct=${cap%/*}
		per=${cap#*/}
		for c in $cases; do
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
				summary_line "$a.json" "$calib0" "tcg $k $tag"
				awk -v o="$other" -v d="$disturbed" 'BEGIN { exit !(o > d) }' || break
				if [ "$attempt" -lt "$attempts_max" ]; then
					msg "tcg $k: $tag: disturbed (others used $other CPUs), again"
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
		msg "tcg $k: hog calibration at the end: $calib1 iterations/s"
		send_cmd end || :
	else
		failed=1
		calib1=null
		msg "tcg $k: aborted; see $out and $dir/harness.log"
		# Nothing more will come: no use waiting for the timeout.
		kill_vm
	fi
	add_cases "$dir/cases.jsonl" "$calib0" "$calib1"
	wait "$vmpid" || msg "tcg $k: the VM harness reports failures (see $dir/harness.log)"
	vmpid=
	msg "tcg $k: done in $((SECONDS - t_boot))s"
}

# --- xen: the harness runs everything, bench/xen-dom0.sh drives ------------

run_xen_kernel() { # k
	local k=$1
	local dir=$work/xen-$k pl=$work/xen-$k/payload out=$work/xen-$k/out
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
		CAP_PCT=$xen_cap
		CREDIT_LOG=${XB_BENCH_XEN_CREDIT_LOG:-0}
	EOF
	for c in $cases; do
		echo "$c-$xen_cap-$xen_period_ms $(run_args "$c")"
	done > "$pl/bench-xen.cases"
	# Boot and toolstack ~1 min, per case set-up, warm-up, window, drain.
	local xen_timeout=$((420 + xen_dom0_poll + $(echo "$cases" | wc -w) * (warmup + duration + 90)))
	msg "xen $k: booting Xen with a PV dom0 and domU (icount, timeout ${xen_timeout}s)"
	# dom0's harness polls for the guest's end every XB_DOM0_POLL s, and
	# each round forks processes for ~50 ms; QEMU runs dom0's and the
	# domU's pCPUs in turn on one thread, so every round stalled the domU
	# (Xen still charging it) and delayed ~11 requests in a row by 2-15
	# ms, and its 12 ms periods were what tipped credit1 into parking it.
	# Rounds a minute apart leave the measured windows alone.
	XB_DOM0_POLL=$xen_dom0_poll \
	XB_XEN_CAP=$xen_cap "$harness/tests/xen/run.sh" "$k" "$pl" "$out" --net --icount=2 \
		--timeout "$xen_timeout" > "$dir/harness.log" 2>&1 || rc=$?
	hook=$out/dom0-hook.log
	[ "$rc" = 0 ] || msg "xen $k: the harness reports failures (rc $rc, see $dir/harness.log)"
	if ! grep -q '^XB-XEN-DONE' "$hook" 2> /dev/null; then
		msg "xen $k: the dom0 side did not finish; see $hook"
		grep '^XB-XEN-ERROR' "$hook" 2> /dev/null | sed 's/^/bench:   /' >&2 || :
		failed=1
	fi
	c0=$(grep -m1 '^XB-XEN-CALIB ' "$hook" 2> /dev/null || :)
	c1=$(grep '^XB-XEN-CALIB ' "$hook" 2> /dev/null | sed -n 2p || :)
	calib0=$(calib_rate "$c0")
	calib1=$(calib_rate "$c1")
	msg "xen $k: hog calibration (uncapped): $calib0 and $calib1 iterations/s"
	for c in $cases; do
		tag=$c-$xen_cap-$xen_period_ms
		a=$dir/cases/$tag
		# This case's block of the hook's report.
		awk -v t="$tag" '
			/^XB-XEN-CASE / { on = ($2 == "tag=" t) }
			on && /^XB-XEN-(UDP|DOMCPU|RESULT) / { print }
			/^XB-XEN-SAMPLES / && $2 == t { print }' "$hook" > "$a.block" 2> /dev/null || :
		u=$(sed -n 's/^XB-XEN-UDP //p' "$a.block")
		res=$(sed -n 's/^XB-XEN-RESULT //p' "$a.block")
		if [ -z "$u" ] || [ -z "$res" ]; then
			msg "xen $k: $tag: no result"
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
			     vm_cpu_method: "xl list: the domU CPU time over the whole udpping run (warm-up, window, drain)",
			     host_throttled_pct: null, host_busy_cpus: null, host_other_cpus: null}' \
			> "$a.udp.json"
		sed -n "s/^XB-XEN-SAMPLES $tag //p" "$a.block" | base64 -d 2> /dev/null |
			gunzip > "$a.samples" 2> /dev/null || rm -f "$a.samples"
		case_json "$a.udp.json" "$res" xen "$k" "$c" "$xen_cap" "$xen_period_ms" 1 \
			>> "$dir/cases.jsonl"
		summary_line <(tail -n1 "$dir/cases.jsonl") "$calib0" "xen $k $tag"
	done
	add_cases "$dir/cases.jsonl" "$calib0" "$calib1"
	msg "xen $k: done in $((SECONDS - t_boot))s"
}

# --- run -------------------------------------------------------------------

platform_tcg=$accel-cap
ncases=$(($(echo "$caps" | wc -w) * $(echo "$cases" | wc -w)))
# Boot, calibration twice, per case set-up + measurement + drain, attempts.
vm_timeout=$((300 + ncases * attempts_max * (warmup + duration + 60)))
for p in $platforms; do
	case $p in
	tcg)
		setup_host
		for k in $kernels; do
			run_tcg_kernel "$k"
		done
		;;
	xen)
		for k in $kernels; do
			run_xen_kernel "$k"
		done
		;;
	esac
done

# --- results ---------------------------------------------------------------

wall=$((SECONDS - t_start))
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -s --arg stamp "$stamp" --argjson wall "$wall" \
	'map(. + {run_at: $stamp, run_wall_s: $wall})' "$all" > "$work/results.json"
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
	echo "is lost. xballoon: cap_pm=$cap_pm, told, not learned (under TCG nothing reports steal,"
	echo "so the module cannot learn the cap), period ${xb_period_us} us, daemon $balloon_tool."
	echo
	echo "- \`$platform_tcg\`: QEMU ${accel^^}, 1 vCPU, the QEMU process capped by the host's cgroup v1"
	echo "  CPU controller; bench/udpping on the host, $rate req/s, over a tap device. Real time:"
	echo "  other load on the host disturbs it (a case runs again when others used more than"
	echo "  $disturbed CPUs, the least disturbed of $attempts_max attempts is kept)."
	echo "- \`xen\`: Xen 4.17 (credit1) in QEMU TCG with \`-icount shift=2,sleep=off\`; PV domU,"
	echo "  1 vCPU on its own pCPU, credit cap $xen_cap; udpping in dom0, $xen_rate req/s, over"
	echo "  netback/netfront. Guest time counts instructions: repeatable."
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
		if [ "$p" = xen ]; then
			echo "## $p, $k, credit cap $pct"
		else
			echo "## $p, $k, cap $pct % of $per ms"
		fi
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
		"| \(.case) | \(.server_policy) | \(if .hog then .hog_policy else "-" end)\($hq) | \(.xballoon) | \(.p50_us | ms) | \(.p99_us | ms) | \(.p999_us | ms) | \(.max_us | ms) | \(.loss_pct | num) | \(.hog_cpu_pct | num) | \(.server_cpu_pct | num) | \(.host_throttled_pct | num) | \(.guest_steal_pct | num) | \(.vm_cpu_host_pct | num) | \($b) |"' \
			"$work/results.json"
	done
} > "$work/results.md"

# The latency CDFs: one panel per group, one curve per case.
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
	echo "set ylabel 'fraction of answered requests'"
	echo "set yrange [0:1]"
	echo "set xrange [0.05:*]"
	echo "set key right bottom"
	echo "set grid"
	echo "$groups" | while read -r p k pct per; do
		[ -n "$p" ] || continue
		if [ "$p" = xen ]; then
			echo "set title '$p, $k, credit cap $pct'"
		else
			echo "set title '$p, $k, cap $pct % of $per ms'"
		fi
		sep="plot"
		line=
		for c in $cases; do
			f=$work/$p-$k/cases/$c-$pct-$per.samples
			[ -s "$f" ] || continue
			line="$line$sep '$f' using (\$1/1000):(1) smooth cnormal lw 2 title '$c'"
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
for f in latest $mode; do
	cp "$work/results.json" "$results/$f.json"
	cp "$work/results.md" "$results/$f.md"
	cp "$work/cdf.png" "$results/$f-cdf.png"
done
msg "$nres cases in ${wall}s; results in $results/latest.{json,md} and latest-cdf.png"
