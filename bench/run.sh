#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [--quick] - the xballoon benchmark on a capped QEMU guest
# (`make bench`, `make bench-quick`).
#
# The slides' experiment: a UDP request/response load at a fixed rate from
# the host into a 1-vCPU guest whose QEMU process the host caps with its
# cgroup v1 CPU controller (cpu.cfs_quota_us / cpu.cfs_period_us: how KVM
# hosts cap vCPU threads), with and without a CPU hog beside the server,
# with and without xballoon, and against what a user would try instead.
#
# One VM boot per kernel; every case runs inside it in turn. This script
# drives: it sends each command to the guest (bench/guest.sh) over UDP on
# the tap link, reads the guest's reports from the serial log, sets the cap
# for the measurement only (the guest sets up and tears down uncapped, so a
# case costs less wall time) and runs bench/udpping for the load. Per case:
#
#   io         the server alone
#   hog        server + CPU hog, both SCHED_OTHER nice 0
#   static     server SCHED_FIFO 50 + hog nice 0 + xballoon static
#              (balloon SCHED_FIFO 1)
#   dynamic    server + hog SCHED_OTHER + xballoon dynamic (CFS balloon)
#   fifo_idle  server SCHED_FIFO 50 + hog SCHED_IDLE, no xballoon
#   cgroup     server + hog SCHED_OTHER, the hog in a guest cgroup v2 with
#              cpu.max $XB_BENCH_HOG_QUOTA (default 40 % of 100 ms)
#   io_static, io_dynamic
#              (only on request, XB_BENCH_CASES) the server and a balloon,
#              no hog: what the balloon itself costs
#
# xballoon gets cap_pm=500 (the cap, told, not learned: under TCG nothing
# reports steal, so the module's learn mode has nothing to learn from) and
# its default 10 ms period.
#
# --quick: cap 50 % of 100 ms, cases io hog static dynamic, one kernel (the
# newest), 2 s warm-up + 8 s measured. Default (full): caps 50 % of 100 ms
# and of 10 ms, all six cases, every kernel, 3 s + 15 s.
#
# Output: bench/results/latest.{json,md} and latest-cdf.png (also as
# quick.* or full.*); raw data (RTT samples, serial and QEMU logs) under
# build/bench/run-<mode>/.
#
# Environment (all optional):
#   XB_BENCH_KERNELS     kernel releases (default: see above)
#   XB_BENCH_CASES       case names, XB_BENCH_CAPS "PCT/PERIOD_MS ..."
#   XB_BENCH_RATE        requests/s (1000), XB_BENCH_WARMUP, XB_BENCH_DURATION (s)
#   XB_BENCH_CAP_PM      xballoon cap_pm (500), XB_BENCH_XB_PERIOD_US (10000)
#   XB_BENCH_HOG_QUOTA   QUOTA/PERIOD in us for the cgroup case (40000/100000)
#   XB_BENCH_DISTURBED   host CPUs used by others above which a case counts
#                        as disturbed and is repeated (1.2), up to
#   XB_BENCH_ATTEMPTS    attempts per case (3); the least disturbed is kept
#   XB_BENCH_BALLOON     the balloon daemon: xballoond, xbloop (bench's own
#                        stand-in) or auto (default): xballoond once
#                        tools/xballoond.c is committed, xbloop until then
#   XB_BENCH_TAP         tap device (xbtap0), on 10.77.0.1/24, guest 10.77.0.2
#   XB_BENCH_ACCEL       tcg (default) or kvm; the platform is "<accel>-cap"
#   XB_BENCH_RESULTS     results directory (bench/results)
#
# Needs root (tap device, host cgroup), qemu-system-x86_64, busybox-static,
# jq, gnuplot, a C compiler with a static libc.
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
	def_cases="io hog static dynamic"
	def_caps="50/100"
	def_warmup=2
	def_duration=8
else
	def_cases="io hog static dynamic fifo_idle cgroup"
	def_caps="50/100 50/10"
	def_warmup=3
	def_duration=15
fi
cases=${XB_BENCH_CASES:-$def_cases}
caps=${XB_BENCH_CAPS:-$def_caps}
rate=${XB_BENCH_RATE:-1000}
warmup=${XB_BENCH_WARMUP:-$def_warmup}
duration=${XB_BENCH_DURATION:-$def_duration}
cap_pm=${XB_BENCH_CAP_PM:-500}
xb_period_us=${XB_BENCH_XB_PERIOD_US:-10000}
hog_quota=${XB_BENCH_HOG_QUOTA:-40000/100000}
disturbed=${XB_BENCH_DISTURBED:-1.2}
attempts_max=${XB_BENCH_ATTEMPTS:-3}
tapdev=${XB_BENCH_TAP:-xbtap0}
balloon_tool=${XB_BENCH_BALLOON:-auto}
accel=${XB_BENCH_ACCEL:-tcg}
platform=$accel-cap
results=${XB_BENCH_RESULTS:-$top/bench/results}
host_ip=10.77.0.1
guest_ip=10.77.0.2
host_mac=02:77:00:00:00:01
guest_mac=52:54:00:77:00:02
port=7000
cport=7001
timeout_ms=2000

msg() {
	echo "bench: $*" >&2
}
die() {
	msg "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (tap device, host cgroup)"
for t in qemu-system-x86_64 jq gnuplot make cc ip; do
	command -v "$t" > /dev/null || die "$t not found (make deps)"
done
cgroot=/sys/fs/cgroup/cpu
[ -f "$cgroot/cpu.cfs_quota_us" ] ||
	die "no cgroup v1 CPU controller at $cgroot (this script wants v1)"

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
	fifo_idle) echo "server=fifo:50 hog=idle balloon=off" ;;
	cgroup) echo "server=other hog=other balloon=off hog_quota=$hog_quota" ;;
	# Not in the default lists: the balloon's own cost, without a hog.
	io_static) echo "server=fifo:50 hog=none balloon=static" ;;
	io_dynamic) echo "server=other hog=none balloon=dynamic" ;;
	*) return 1 ;;
	esac
}
for c in $cases; do
	case_args "$c" > /dev/null || die "unknown case $c"
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

t_start=$SECONDS
work=$top/build/bench/run-$mode
rm -rf "$work"
mkdir -p "$work" "$results"

# --- build -----------------------------------------------------------------

msg "building the bench programs and the payloads ($kernels)"
make -C "$top/bench" --no-print-directory -s O="$top/build/bench" > "$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; die "bench programs do not build"; }
udpping=$top/build/bench/udpping
for k in $kernels; do
	make -C "$top" --no-print-directory payload KVER="$k" > "$work/payload-$k.log" 2>&1 ||
		{ tail -n 20 "$work/payload-$k.log" >&2; die "payload for $k does not build"; }
	# Our own copy: the shared payload directory may be rebuilt meanwhile.
	pl=$work/$k/payload
	mkdir -p "$work/$k"
	cp -a "$top/build/$k/payload" "$pl"
	cp "$top/build/bench/guest/udpecho" "$top/build/bench/guest/hog" "$pl/bin/"
	cp "$top/build/bench/guest/xbloop" "$pl/bin/"
	[ -x "$pl/bin/$balloon_tool" ] || die "the payload for $k has no $balloon_tool"
	cp "$top/bench/guest.sh" "$pl/run-tests.sh"
	printf '%s\n' virtio_pci virtio_net > "$pl/modules.list"
done

# --- the host side: tap link and cgroup ------------------------------------

cg=$cgroot/xb-bench-$$
vmpid=
made_tap=0

cleanup() {
	local p
	# Only our QEMU (the only process in our cgroup), by its pid.
	if [ -f "$cg/cgroup.procs" ]; then
		for p in $(cat "$cg/cgroup.procs"); do
			kill "$p" 2> /dev/null || :
		done
	fi
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

ip link show "$tapdev" > /dev/null 2>&1 && die "$tapdev exists already (another bench running?)"
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

uncap() {
	echo -1 > "$cg/cpu.cfs_quota_us"
}
set_cap() { # pct period_ms
	local per=$(($2 * 1000))
	echo -1 > "$cg/cpu.cfs_quota_us"
	echo "$per" > "$cg/cpu.cfs_period_us"
	echo $((per * $1 / 100)) > "$cg/cpu.cfs_quota_us"
}
uncap

# --- talking to the guest --------------------------------------------------

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
	local i
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

calib_rate() { # the CALIB line -> iterations per second
	echo "$1" | tr ' ' '\n' | awk -F= '
		$1 == "iters" { i = $2 } $1 == "wall_ns" { w = $2 }
		END { if (w > 0) printf "%.1f", i * 1e9 / w; else print "null" }'
}

# One JSON object for a case from the client's summary, the guest's RESULT
# line and what we know.
case_json() { # udp.json result-line kernel case pct period attempt nattempts others
	jq -c -n --slurpfile u "$1" --arg g "$2" --arg kernel "$3" --arg case "$4" \
		--argjson cap "$5" --argjson period "$6" --argjson attempt "$7" \
		--arg args "$(case_args "$4")" --arg platform "$platform" --arg mode "$mode" \
		--argjson cap_pm "$cap_pm" --argjson xb_period_us "$xb_period_us" \
		--arg others "$8" '
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
		hog_cpu_method: "iterations in the window / calibrated uncapped rate (share of a real CPU)",
		hog_cpu_guest_pct: $G.hog_cpu_pct,
		server_cpu_method: "guest view: CLOCK_PROCESS_CPUTIME_ID / guest wall time",
		balloon_cpu_guest_pct: $G.balloon_cpu_pct,
		vm_cpu_host_pct: $u.vm_cpu_host_pct,
		host_nr_periods: $u.host_nr_periods,
		host_nr_throttled: $u.host_nr_throttled,
		host_throttled_ms: $u.host_throttled_ms,
		min_us: $u.min_us, mean_us: $u.mean_us, p90_us: $u.p90_us,
		sent: $u.sent, received: $u.received, rate: $u.rate,
		window_s: $u.window_s, window_guest_s: $G.window_guest_s,
		timeout_ms: $u.timeout_ms, size: $u.size,
		late_sends: $u.late_sends, max_send_lag_us: $u.max_send_lag_us,
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
		attempts_host_other_cpus: ($others | [splits(" +") | select(. != "") | tonumber]),
		end_late: ($G.end_late == 1),
		error: $G.error,
		bench_mode: $mode
	}'
}

# --- one kernel: boot, calibrate, every case -------------------------------

all=$work/cases.jsonl
: > "$all"
ncases=$(($(echo "$caps" | wc -w) * $(echo "$cases" | wc -w)))
# Boot, calibration twice, per case set-up + measurement + drain, attempts.
vm_timeout=$((300 + ncases * attempts_max * (warmup + duration + 60)))
failed=0

for k in $kernels; do
	out=$work/$k/vm
	tap=$out/tap.log
	mkdir -p "$out" "$work/$k/cases"
	: > "$work/$k/cases.jsonl"
	msg "$k: booting (timeout ${vm_timeout}s)"
	uncap
	XB_VM_SMP=1 XB_VM_MEM=512 XB_VM_ACCEL=$accel XB_VM_CGROUP=$cg \
	XB_VM_APPEND="XB_BENCH_GUEST_IP=$guest_ip XB_BENCH_HOST_IP=$host_ip XB_BENCH_HOST_MAC=$host_mac XB_BENCH_PORT=$port XB_BENCH_CTL_PORT=$cport" \
	XB_QEMU_EXTRA="-netdev tap,id=n0,ifname=$tapdev,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=$guest_mac" \
		nice -n -5 "$top/tests/vm/run.sh" "$k" "$work/$k/payload" "$out" \
		--timeout "$vm_timeout" > "$work/$k/harness.log" 2>&1 &
	vmpid=$!
	t_boot=$SECONDS

	if ! up=$(wait_line 'XB-BENCH-UP ' 240); then
		msg "$k: the guest never came up; see $out"
		failed=1
		wait "$vmpid" || :
		vmpid=
		continue
	fi
	msg "$k: up after $((SECONDS - t_boot))s: ${up#*XB-BENCH-UP }"

	send_cmd calib seconds=3 && c0=$(wait_line "XB-BENCH-CALIB id=$cmd_id " 60) || c0=
	calib0=$(calib_rate "$c0")
	msg "$k: hog calibration (uncapped): $calib0 iterations/s"

	ok=1
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
				a=$work/$k/cases/$tag.a$attempt
				send_cmd run "case=$c $(case_args "$c") cap_pm=$cap_pm xb_period_us=$xb_period_us tool=$balloon_tool" || { ok=0; break 3; }
				ready=$(wait_line "XB-BENCH-READY id=$cmd_id " 90) || { ok=0; break 3; }
				case $ready in
				*error=*)
					msg "$k: $tag: the guest could not set the case up"
					wait_line "XB-BENCH-RESULT id=$cmd_id " 60 > "$a.result" || :
					sed 's/^/bench:   /' "$a.result" >&2
					failed=1
					break
					;;
				esac
				set_cap "$pct" "$per"
				"$udpping" --dst "$guest_ip" --port "$port" --rate "$rate" \
					--warmup "$warmup" --duration "$duration" \
					--timeout "$timeout_ms" --samples "$a.samples" \
					--cgroup "$cg" --rt 20 > "$a.udp.json" || :
				uncap
				res=$(wait_line "XB-BENCH-RESULT id=$cmd_id " 90) || { ok=0; break 3; }
				echo "$res" > "$a.result"
				other=$(jq -r '.host_other_cpus // 0' "$a.udp.json" 2> /dev/null || echo 0)
				others="$others $other"
				case_json "$a.udp.json" "$res" "$k" "$c" "$pct" "$per" \
					"$attempt" "$others" > "$a.json" ||
					{ msg "$k: $tag: no result"; failed=1; break; }
				# Keep the least disturbed attempt.
				if [ -z "$best" ] || awk -v a="$other" -v b="$(jq -r .host_other_cpus "$best.json")" \
					'BEGIN { exit !(a < b) }'; then
					best=$a
				fi
				jq -r --argjson cal "$calib0" '"bench: '"$k $tag"' #\(.attempt): p50 \(.p50_us) us, p99 \(.p99_us) us, p99.9 \(.p999_us) us, max \(.max_us) us, loss \(.loss_pct) %, hog ~\(if .hog_iters_per_s and $cal then (.hog_iters_per_s / $cal * 100 | floor) else "-" end) %, server \(.server_cpu_pct) %, throttled \(.host_throttled_pct) %, others \(.host_other_cpus) CPUs"' "$a.json" >&2
				awk -v o="$other" -v d="$disturbed" 'BEGIN { exit !(o > d) }' || break
				[ "$attempt" -lt "$attempts_max" ] &&
					msg "$k: $tag: disturbed (others used $other CPUs), again"
			done
			if [ -n "$best" ]; then
				# Record every attempt's disturbance in the kept one.
				jq -c --arg o "$others" --argjson n "$attempt" \
					'.attempts = $n | .attempts_host_other_cpus = ($o | [splits(" +") | select(. != "") | tonumber])' \
					"$best.json" >> "$work/$k/cases.jsonl"
				cp "$best.samples" "$work/$k/cases/$tag.samples"
			fi
		done
	done

	if [ "$ok" = 1 ]; then
		send_cmd calib seconds=3 && c1=$(wait_line "XB-BENCH-CALIB id=$cmd_id " 60) || c1=
		calib1=$(calib_rate "$c1")
		msg "$k: hog calibration at the end: $calib1 iterations/s"
		send_cmd end || :
	else
		failed=1
		calib1=null
		msg "$k: aborted; see $out and $work/$k/harness.log"
		# Nothing more will come: stop our QEMU (the only process in
		# our cgroup) instead of waiting for the harness's timeout.
		for p in $(cat "$cg/cgroup.procs"); do
			kill "$p" 2> /dev/null || :
		done
	fi
	# The hog's share of a real CPU: its iteration rate in the window
	# against the faster of the two uncapped calibrations (a calibration
	# slowed by other load on the host can only be too low).
	jq -c --argjson c0 "${calib0:-null}" --argjson c1 "${calib1:-null}" '
		([$c0, $c1] | map(select(. != null)) | max) as $cal |
		.calib_iters_per_s = $cal |
		.calib_iters_per_s_start = $c0 | .calib_iters_per_s_end = $c1 |
		.hog_cpu_pct = (if .hog_iters_per_s and $cal
			then (.hog_iters_per_s / $cal * 1000 | round / 10)
			else null end)' "$work/$k/cases.jsonl" >> "$all"
	wait "$vmpid" || msg "$k: the VM harness reports failures (see $work/$k/harness.log)"
	vmpid=
	msg "$k: done in $((SECONDS - t_boot))s"
done

# --- results ---------------------------------------------------------------

wall=$((SECONDS - t_start))
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -s --arg stamp "$stamp" --argjson wall "$wall" \
	'map(. + {run_at: $stamp, run_wall_s: $wall})' "$all" > "$work/results.json"
nres=$(jq length "$work/results.json")
[ "$nres" -gt 0 ] || die "no case produced a result; see $work"

# The markdown table, one section per kernel and cap.
{
	echo "# xballoon benchmark ($mode, $stamp)"
	echo
	echo "Platform \`$platform\`: QEMU ${accel^^}, 1 vCPU, the QEMU process capped by the host's"
	echo "cgroup v1 CPU controller. UDP request/response at $rate req/s from the host over a tap"
	echo "device (bench/udpping, 64-byte datagrams, a request unanswered after ${timeout_ms} ms is"
	echo "lost), ${warmup} s warm-up then ${duration} s measured per case, all cases in one boot per"
	echo "kernel. xballoon: cap_pm=$cap_pm (configured: under TCG nothing reports steal, so the"
	echo "module cannot learn the cap), period ${xb_period_us} us. Wall time ${wall} s."
	echo
	echo "Latencies are round trips in ms (percentiles over the answered requests). *hog CPU*:"
	echo "the hog's iterations in the window against its uncapped rate in the same guest, i.e. its"
	echo "share of a real CPU. *server CPU*: the guest's own view (guest CPU time over guest wall"
	echo "time; under TCG the guest cannot see the host's throttling, so this over-states). *thr.*:"
	echo "host cgroup periods throttled (nr_throttled / nr_periods over the window). *VM CPU*:"
	echo "QEMU's CPU time on the host over the window. *balloon*: periods whose reserve was met /"
	echo "periods, periods with throttling seen, effective cap at the end."
	for k in $kernels; do
		for cap in $caps; do
			pct=${cap%/*}
			per=${cap#*/}
			jq -e --arg k "$k" --argjson p "$pct" --argjson q "$per" \
				'any(.[]; .kernel == $k and .cap_pct == $p and .period_ms == $q)' \
				"$work/results.json" > /dev/null || continue
			echo
			echo "## $k, cap $pct % of $per ms"
			echo
			echo "| case | server | hog | xballoon | p50 | p99 | p99.9 | max | loss % | hog CPU % | server CPU % | thr. % | VM CPU % | balloon |"
			echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
			jq -r --arg k "$k" --argjson p "$pct" --argjson q "$per" '
			def ms: if . == null then "-" else (. / 10 | round / 100 | tostring) end;
			def num: if . == null then "-" else tostring end;
			.[] | select(.kernel == $k and .cap_pct == $p and .period_ms == $q) |
			(if .xb_stats_after and .xb_stats_before then
				(.xb_stats_after.periods - .xb_stats_before.periods) as $n |
				(.xb_stats_after.periods_reserved - .xb_stats_before.periods_reserved) as $r |
				(.xb_stats_after.periods_throttled - .xb_stats_before.periods_throttled) as $t |
				"\($r)/\($n) met, \($t) thr., cap \(.xb_stats_after.eff_cap_pm)"
			 else "-" end) as $b |
			(if .hog_quota then " (cpu.max \(.hog_quota))" else "" end) as $q |
			"| \(.case) | \(.server_policy) | \(if .hog then .hog_policy else "-" end)\($q) | \(.xballoon) | \(.p50_us | ms) | \(.p99_us | ms) | \(.p999_us | ms) | \(.max_us | ms) | \(.loss_pct | num) | \(.hog_cpu_pct | num) | \(.server_cpu_pct | num) | \(.host_throttled_pct | num) | \(.vm_cpu_host_pct | num) | \($b) |"' \
				"$work/results.json"
		done
	done
} > "$work/results.md"

# The latency CDFs: one panel per kernel and cap, one curve per case.
plot=$work/cdf.gp
nk=$(echo "$kernels" | wc -w)
nc=$(echo "$caps" | wc -w)
{
	echo "set terminal pngcairo size $((620 * nc)),$((420 * nk)) font ',9'"
	echo "set output '$work/cdf.png'"
	echo "set multiplot layout $nk,$nc"
	echo "set logscale x"
	echo "set xlabel 'round-trip time (ms)'"
	echo "set ylabel 'fraction of answered requests'"
	echo "set yrange [0:1]"
	echo "set xrange [0.05:*]"
	echo "set key right bottom"
	echo "set grid"
	for k in $kernels; do
		for cap in $caps; do
			pct=${cap%/*}
			per=${cap#*/}
			echo "set title '$k, cap $pct % of $per ms ($platform)'"
			sep="plot"
			line=
			for c in $cases; do
				f=$work/$k/cases/$c-$pct-$per.samples
				[ -s "$f" ] || continue
				line="$line$sep '$f' using (\$1/1000):(1) smooth cnormal lw 2 title '$c'"
				sep=","
			done
			if [ -n "$line" ]; then
				echo "$line"
			else
				echo "set label 1 'no data' at graph 0.5,0.5 center"
				echo "plot NaN notitle"
				echo "unset label 1"
			fi
		done
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
