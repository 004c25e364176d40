#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the guest side of the xballoon benchmark. bench/run.sh puts it
# in the payload as run-tests.sh; tests/vm's /init runs it with its stdout
# on ttyS1, a file the host reads while the VM runs (tap.log).
#
# The host drives: this script only does what it is told, one command at a
# time, received as a UDP datagram by `udpecho --once` on the control port
# (the datagram's echo is the acknowledgement):
#
#   <id> calib seconds=S     run the hog alone for S s (the host lifts its
#                            cap first) and report its iteration rate
#   <id> run case=NAME server=other|fifo:PRIO hog=none|other|batch|idle
#            balloon=off|static|dynamic tool=xballoond|xbloop
#            hog_quota=none|QUOTA/PERIOD cap_pm=N xb_period_us=N
#            trace=0|1 steps=PM,PM... settle_ref=real|last
#            vclock=0|1 (the virtual clock off or on; unset: the
#            module's default, and no module loaded for it alone)
#                            set the case up, report READY, serve until the
#                            client's STOP, tear down, report RESULT
#   <id> end                 finish (the VM powers off)
#
# Reports are TAP comment lines, so that tests/vm/run.sh's TAP stays valid:
#   # XB-BENCH-UP kver=... (once the network is up)
#   # XB-BENCH-CALIB id=N iters=... wall_ns=... cpu_ns=...
#   # XB-BENCH-READY id=N case=NAME
#   # XB-BENCH-RESULT id=N case=NAME key=value ...
# plus one "ok"/"not ok" per command and the plan at the end. A command
# whose id is not above the last one is a retransmission: ignored.
#
# Environment (from the kernel command line, via tests/vm's XB_VM_APPEND):
# XB_BENCH_GUEST_IP, XB_BENCH_HOST_IP, XB_BENCH_HOST_MAC, XB_BENCH_PORT,
# XB_BENCH_CTL_PORT. Under tests/xen (a PV domU, the client in dom0) the
# harness has set the link up already and passes XB_DOMU_IP / XB_DOM0_IP.
set -u

P=${XB_PAYLOAD:-/xb}
bin=$P/bin
gip=${XB_BENCH_GUEST_IP:-${XB_DOMU_IP:-10.77.0.2}}
hip=${XB_BENCH_HOST_IP:-${XB_DOM0_IP:-10.77.0.1}}
hmac=${XB_BENCH_HOST_MAC:-}
port=${XB_BENCH_PORT:-7000}
cport=${XB_BENCH_CTL_PORT:-7001}
stats=/sys/kernel/debug/xballoon/stats
cg=/sys/fs/cgroup
tmp=/tmp/xb-bench
mkdir -p "$tmp"

n=0
fail=0
say() {
	echo "# XB-BENCH-$*"
}
result() { # ok|fail description
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
diag() { # file
	[ -s "$1" ] && sed 's/^/#   /' "$1"
}

echo "TAP version 13"

# --- network: the host's tap is the only link ------------------------------

ifc=
for d in /sys/class/net/*; do
	[ "${d##*/}" = lo ] || { ifc=${d##*/}; break; }
done
if [ -z "$ifc" ]; then
	say "UP error=no-nic"
	result fail "network: no NIC (virtio_net not loaded?)"
	echo "1..$n"
	exit 1
fi
ip link set "$ifc" up
# The Xen harness configures the link itself.
ip -4 addr show dev "$ifc" | grep -q inet || ip addr add "$gip/24" dev "$ifc"
# A permanent neighbour entry: no ARP exchange can ever delay a reply
# (busybox ip has no "neigh replace"; arp -s makes a permanent one).
if [ -n "$hmac" ] && ! arp -i "$ifc" -s "$hip" "$hmac"; then
	echo "# arp -s $hip $hmac failed; ARP will do"
fi
say "UP kver=$(uname -r) cpus=$(nproc) nic=$ifc ip=$gip" \
	"rt_runtime_us=$(cat /proc/sys/kernel/sched_rt_runtime_us)"

# --- the commands ----------------------------------------------------------

# Parse "key=value" words into variables k_<key>.
parse_kv() {
	for kv; do
		case $kv in
		*=*)
			k=${kv%%=*}
			case $k in
			*[!a-z0-9_]*) continue ;;
			esac
			eval "k_$k=\${kv#*=}"
			;;
		esac
	done
}

calib() { # id
	k_seconds=3
	parse_kv "$@"
	if "$bin/hog" --duration "$k_seconds" > "$tmp/calib.out" 2>&1; then
		say "CALIB id=$1 $(cat "$tmp/calib.out")"
		result ok "calibration: hog alone for ${k_seconds}s"
	else
		diag "$tmp/calib.out"
		say "CALIB id=$1 error=hog"
		result fail "calibration"
	fi
}

# The balloon's debugfs line of CPU 0, as PREFIX<column>=<value> words,
# from one of udpecho's snapshot files; with several vCPUs, also each other
# CPU's periods, reserves met, throttled periods and cap in use, as
# PREFIXc<cpu>_<column>=<value> (several vCPUs share a domain's budget, and
# one vCPU's counters do not tell where the parks fell).
xb_stats_kv() { # prefix file
	[ -r "$2" ] || return 0
	awk -v pre="$1" '
	/^@@ / { on = ($2 ~ /xballoon\/stats$/); hdr = 0; next }
	on && $1 == "cpu" { for (i = 1; i <= NF; i++) name[i] = $i; hdr = 1; next }
	on && hdr && $1 == "0" {
		for (i = 2; i <= NF; i++)
			printf " %s%s=%s", pre, name[i], $i
	}
	on && hdr && $1 ~ /^[1-9][0-9]*$/ {
		for (i = 2; i <= NF; i++)
			if (name[i] ~ /^(periods|periods_reserved|periods_throttled|eff_cap_pm)$/)
				printf " %sc%s_%s=%s", pre, $1, name[i], $i
	}' "$2"
}

# With trace=1, the balloon's xballoon_period events of CPU 0 over the
# whole case, summed up as TRACE report lines: each period's length (from
# the events' timestamps), off-CPU time, run time (length - off-CPU) and
# time parked by the cap (offline), their percentiles, the run time over
# sliding windows of three periods (credit1's 30 ms), and the periods
# before the first throttled ones.
tr=/sys/kernel/tracing
trace_start() {
	[ -d "$tr/events" ] || mount -t tracefs nodev "$tr" 2> /dev/null ||
		return 0
	[ -d "$tr/events/xballoon" ] || return 0
	echo 0 > "$tr/tracing_on"
	echo 8192 > "$tr/buffer_size_kb"
	# udpecho's marks are CLOCK_MONOTONIC: the steps' place in the trace.
	echo mono > "$tr/trace_clock"
	: > "$tr/trace"
	echo 1 > "$tr/events/xballoon/xballoon_period/enable"
	echo 1 > "$tr/tracing_on"
}
# With trace=1, also the run-queue waits (/proc/PID/schedstat: run time,
# wait time, timeslices) of the I/O path's tasks over the case.
ksirq_pid() {
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2> /dev/null)" = ksoftirqd/0 ] && { echo "${d#/proc/}"; return; }
	done
}
schedstat_kv() { # prefix pid
	[ -n "$2" ] && [ -r "/proc/$2/schedstat" ] || return 0
	# shellcheck disable=SC2046 # three numbers, one word each
	set -- "$1" $(cat "/proc/$2/schedstat")
	echo " ${1}run_ns=$2 ${1}wait_ns=$3 ${1}slices=$4"
}
trace_report() { # id case
	[ -r "$tr/trace" ] && [ -d "$tr/events/xballoon" ] || return 0
	echo 0 > "$tr/tracing_on"
	# The steps (udpping --step) as udpecho saw them, and the window's end.
	marks=$(sed -n 's/^step_t_ns=//p' "$tmp/echo.result" 2> /dev/null)
	wend=$(sed -n 's/^end_t_ns=//p' "$tmp/echo.result" 2> /dev/null)
	awk -v id="$1" -v c="$2" -v marks="$marks" -v wend="${wend:-0}" \
		-v caps="$k_steps" -v ref="$k_settle_ref" -v kvfile="$tmp/steps.kv" '
	# Percentile p of a[1..n], to 50 us: a histogram, not a sort (n is
	# a few thousand, and busybox awk in a capped domU is slow).
	function pct(a, n, p,   i, h, k, want, m, top) {
		top = 0
		for (i = 1; i <= n; i++) {
			k = int(a[i] / 50); h[k]++
			if (k > top) top = k
		}
		want = n * p / 100; m = 0
		for (k = 0; k <= top; k++) { m += h[k]; if (m >= want) break }
		return k * 50
	}
	/xballoon_period:/ {
		for (i = 1; i <= NF; i++) if ($i == "xballoon_period:") break
		ts = $(i - 1); sub(/:$/, "", ts); ts *= 1e6	# us
		for (; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["cpu"] != 0) next
		if (have) {
			n++
			len[n] = ts - last; off[n] = v["off_ns"] / 1000
			thr[n] = v["throttled_ns"] / 1000; cap[n] = v["cap_pm"]
			tgt[n] = v["target_ns"] / 1000
			run[n] = len[n] - off[n]; if (run[n] < 0) run[n] = 0
			est[n] = v["est_pm"]; at[n] = ts; lst[n] = v["learn"]
		}
		have = 1; last = ts
	}
	# Per step: the periods that ended between its mark and the next (or
	# the window'"'"'s end), and how many passed before the estimate came
	# within 10 % of the reference for good (the real cap; on TCG, whose
	# guest sees its host'"'"'s quota only as late timers, the estimate the
	# step ended with): 0 if at once, -1 if never. The learner'"'"'s unit
	# tests use the same 10 %.
	function steps_report(   nm, m, nc, cp, k, lo, hi, i, r, q, np, nthr, st, ps, ts_, es, rs, ends, line, pe, pst) {
		nm = split(marks, m, ",")
		if (nm < 1) return
		nc = split(caps, cp, ",")
		for (k = 1; k <= nm; k++) {
			# The cap of the case was in force before the module loaded:
			# its step starts with the trace.
			lo = k > 1 ? m[k] / 1000 : -1
			hi = k < nm ? m[k + 1] / 1000 : (wend > 0 ? wend / 1000 : 1e18)
			np = 0; nthr = 0; q = 0; r = -1
			for (i = 1; i <= n; i++) {
				if (at[i] <= lo || at[i] > hi) continue
				np++
				if (thr[i] > 200) nthr++
				r = est[i]
			}
			if (ref != "last" && k <= nc) r = cp[k]
			st = (np ? 0 : -1)
			np = 0
			for (i = 1; i <= n; i++) {
				if (at[i] <= lo || at[i] > hi) continue
				np++
				if (est[i] - r > r / 10 || r - est[i] > r / 10) st = np
			}
			if (st == np && np > 0) st = -1
			ps = ps (k > 1 ? "," : "") np
			ts_ = ts_ (k > 1 ? "," : "") nthr
			es = es (k > 1 ? "," : "") (np ? r : -1)
			rs = rs (k > 1 ? "," : "") st
			# Last period of the segment: what the learner ended with.
			for (i = n; i >= 1; i--) if (at[i] > lo && at[i] <= hi) break
			ends = ends (k > 1 ? "," : "") (i >= 1 ? est[i] : -1)
		}
		# Where the learner went after each step: each change of its
		# estimate or state, as period:est/state (t: throttled), the
		# first 40 of them.
		for (k = 1; k <= nm; k++) {
			lo = k > 1 ? m[k] / 1000 : -1
			hi = k < nm ? m[k + 1] / 1000 : (wend > 0 ? wend / 1000 : 1e18)
			np = 0; q = 0; line = ""; pe = -1; pst = -1
			for (i = 1; i <= n && q < 40; i++) {
				if (at[i] <= lo || at[i] > hi) continue
				np++
				if (est[i] != pe || lst[i] != pst || thr[i] > 200) {
					line = line " " np ":" est[i] "/" lst[i] (thr[i] > 200 ? "t" : "")
					pe = est[i]; pst = lst[i]; q++
				}
			}
			printf "# XB-BENCH-STEPLOG id=%s case=%s step=%d%s\n", id, c, k - 1, line
		}
		printf "# XB-BENCH-STEPS id=%s case=%s settle=%s periods=%s throttled=%s ref_pm=%s est_end_pm=%s\n", id, c, rs, ps, ts_, es, ends
		# ... and into the RESULT line.
		printf " step_settle=%s step_periods=%s step_throttled=%s step_ref_pm=%s step_est_end_pm=%s", rs, ps, ts_, es, ends > kvfile
	}
	END {
		steps_report()
		if (n < 4) { printf "# XB-BENCH-TRACE id=%s case=%s periods=%d\n", id, c, n; exit }
		nt = 0; met = 0; thrsum = 0; over = 0
		for (i = 1; i <= n; i++) {
			if (thr[i] > 200) nt++
			thrsum += thr[i]
			if (off[i] + 100 >= tgt[i]) met++	# XB_SWC_SLACK_NS
			if (run[i] > len[i] - tgt[i] + 100) over++
			if (i >= 3) { w[i - 2] = run[i] + run[i - 1] + run[i - 2]; wl[i - 2] = len[i] + len[i - 1] + len[i - 2] }
		}
		nw = n - 2; wover = 0
		for (i = 1; i <= nw; i++) if (w[i] > wl[i] / 2 + 100) wover++
		printf "# XB-BENCH-TRACE id=%s case=%s periods=%d met=%d over_share=%d throttled=%d throttled_ms=%.1f", id, c, n, met, over, nt, thrsum / 1000
		printf " len_us_p50=%d len_us_p99=%d len_us_max=%d", pct(len, n, 50), pct(len, n, 99), pct(len, n, 100)
		printf " run_us_p50=%d run_us_p90=%d run_us_p99=%d run_us_max=%d", pct(run, n, 50), pct(run, n, 90), pct(run, n, 99), pct(run, n, 100)
		printf " run30_us_p50=%d run30_us_p99=%d run30_us_max=%d windows_over_half=%d\n", pct(w, nw, 50), pct(w, nw, 99), pct(w, nw, 100), wover
		shown = 0
		for (i = 1; i <= n && shown < 6; i++) {
			if (thr[i] <= 200) continue
			shown++
			printf "# XB-BENCH-TRACE-THR id=%s case=%s period=%d", id, c, i
			for (j = (i > 9 ? i - 9 : 1); j <= i + 1 && j <= n; j++)
				printf " %d:len=%d,off=%d,thr=%d,cap=%d", j - i, len[j], off[j], thr[j], cap[j]
			printf "\n"
		}
	}' "$tr/trace"
	echo 0 > "$tr/events/xballoon/xballoon_period/enable"
	: > "$tr/trace"
}

# Stop a background process and reap it; its exit status is in $?.
stop() { # pid
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2> /dev/null
	wait "$1"
}

# Stop the balloon daemon: SIGTERM, and SIGKILL if it is still there after
# 10 s (closing the device detaches it all the same). Sets $why if so.
stop_balloon() { # pid
	kill -TERM "$1" 2> /dev/null
	i=0
	while kill -0 "$1" 2> /dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2> /dev/null; then
		why="${why:+$why; }$k_tool still running 10 s after SIGTERM, killed"
		kill -KILL "$1" 2> /dev/null
		wait "$1"
		return 0
	fi
	wait "$1"
	brc=$?
	[ "$brc" = 0 ] || why="${why:+$why; }$k_tool exit $brc"
}

run_case() { # id key=value...
	id=$1
	shift
	k_case='?' k_server=other k_hog=none k_balloon=off k_hog_quota=none
	k_cap_pm=500 k_xb_period_us=10000 k_tool=xbloop k_trace=0
	k_steps='' k_settle_ref=real k_vclock=
	parse_kv "$@"
	c=$k_case
	rm -f "$tmp"/*
	why=
	bpid='' hpid='' epid='' kpid='' sched0=
	extra=

	# The module's virtual clock (default on) set as asked: vclock=1
	# loads the module for it even with no balloon, which then reserves
	# nothing (no daemon attaches).
	vcarg=
	[ -z "$k_vclock" ] || vcarg="vclock=$k_vclock"
	if [ "$k_balloon" = off ] && [ "$k_vclock" = 1 ]; then
		# shellcheck disable=SC2086 # $vcarg: one word or none
		insmod "$P/xballoon.ko" $vcarg > "$tmp/insmod" 2>&1 ||
			why="insmod failed: $(cat "$tmp/insmod")"
	fi
	if [ "$k_balloon" != off ]; then
		# shellcheck disable=SC2086 # $vcarg: one word or none
		if ! insmod "$P/xballoon.ko" cap_pm="$k_cap_pm" \
			period_us="$k_xb_period_us" $vcarg > "$tmp/insmod" 2>&1; then
			why="insmod failed: $(cat "$tmp/insmod")"
		else
			[ "$k_trace" = 1 ] && trace_start
			"$bin/$k_tool" --mode "$k_balloon" > "$tmp/balloon.out" 2>&1 &
			bpid=$!
			extra="$extra --watch balloon=$bpid --snap $stats"
		fi
	fi
	if [ -z "$why" ] && [ "$k_hog" != none ]; then
		# One hog per vCPU (a thread bound to each), counting into one
		# counter: the hog's share is their sum, of one CPU each.
		"$bin/hog" --policy "$k_hog" --counter "$tmp/hog.cnt" \
			--threads "$(nproc)" > "$tmp/hog.out" 2>&1 &
		hpid=$!
		extra="$extra --watch hog=$hpid --counter $tmp/hog.cnt"
		if [ "$k_hog_quota" != none ]; then
			# The guest's own cgroup v2 CPU controller; the server
			# stays in the root group.
			grep -q " $cg cgroup2 " /proc/mounts ||
				mount -t cgroup2 none "$cg"
			echo +cpu > "$cg/cgroup.subtree_control"
			mkdir -p "$cg/xbhog"
			echo "${k_hog_quota%/*} ${k_hog_quota#*/}" > "$cg/xbhog/cpu.max"
			echo "$hpid" > "$cg/xbhog/cgroup.procs" ||
				why="cannot move the hog into $cg/xbhog"
		fi
	fi
	case $k_server in
	fifo:* | rr:*) spol=${k_server%%:*} sprio=${k_server#*:} ;;
	*) spol=$k_server sprio=0 ;;
	esac
	if [ -z "$why" ]; then
		# shellcheck disable=SC2086 # $extra: option words
		"$bin/udpecho" --port "$port" --policy "$spol" --prio "$sprio" \
			--out "$tmp/echo" --max-wait 120 $extra \
			> "$tmp/echo.out" 2>&1 &
		epid=$!
		i=0
		while ! grep -q '^listening' "$tmp/echo.out" 2> /dev/null; do
			i=$((i + 1))
			if [ $i -gt 100 ] || ! kill -0 "$epid" 2> /dev/null; then
				why="udpecho did not start: $(cat "$tmp/echo.out")"
				break
			fi
			sleep 0.1
		done
	fi

	if [ -z "$why" ]; then
		# Let the balloon attach and the hog get going before the load.
		sleep 1
		if [ "$k_trace" = 1 ]; then
			kpid=$(ksirq_pid)
			sched0=$(schedstat_kv ksoftirqd_ "$kpid")
		fi
		say "READY id=$id case=$c"
		wait "$epid"
		erc=$?
		[ "$erc" = 0 ] || why="udpecho exit $erc (no measured window)"
	else
		say "READY id=$id case=$c error=setup"
		stop "$epid"
	fi

	stop "$hpid"
	hog_out=$(cat "$tmp/hog.out" 2> /dev/null)
	[ -z "$bpid" ] || stop_balloon "$bpid"
	[ "$k_trace" = 1 ] && [ -n "$bpid" ] && trace_report "$id" "$c"
	if [ "$k_trace" = 1 ]; then
		echo "# XB-BENCH-SCHED id=$id case=$c$sched0 |$(schedstat_kv ksoftirqd_ "$kpid")"
	fi
	# What the case really ran with: the module's vclock, none if the
	# module was not loaded.
	vclock_state=none
	if [ -r /sys/module/xballoon/parameters/vclock ]; then
		case $(cat /sys/module/xballoon/parameters/vclock) in
		Y) vclock_state=on ;;
		*) vclock_state=off ;;
		esac
	fi
	if [ -d /sys/module/xballoon ]; then
		rmmod xballoon > "$tmp/rmmod" 2>&1 ||
			why="${why:+$why; }rmmod: $(cat "$tmp/rmmod")"
	fi
	if [ -d "$cg/xbhog" ]; then
		rmdir "$cg/xbhog"
		echo -cpu > "$cg/cgroup.subtree_control"
	fi

	kv=$(tr '\n' ' ' < "$tmp/echo.result" 2> /dev/null)
	kv="$kv$(xb_stats_kv xbb_ "$tmp/echo.mark")$(xb_stats_kv xba_ "$tmp/echo.end")"
	[ -n "$bpid" ] && kv="$kv balloon_tool=$k_tool"
	kv="$kv vclock=$vclock_state"
	[ -s "$tmp/steps.kv" ] && kv="$kv$(cat "$tmp/steps.kv")"
	# "iters=N wall_ns=W cpu_ns=C" of the whole hog run, prefixed.
	for w in $hog_out; do
		case $w in
		*=*) kv="$kv hog_total_$w" ;;
		esac
	done
	[ -n "$why" ] && kv="$kv error=$(echo "$why" | tr -c 'A-Za-z0-9_.:/-' _)"
	say "RESULT id=$id case=$c $kv"
	if [ -z "$why" ]; then
		result ok "case $c"
	else
		result fail "case $c: $why"
		diag "$tmp/balloon.out"
		diag "$tmp/echo.out"
	fi
}

last=0
while :; do
	# 15 minutes without a command: the host is gone, stop.
	if ! line=$("$bin/udpecho" --once --port "$cport" --max-wait 900); then
		result fail "no command from the host for 15 minutes"
		break
	fi
	# shellcheck disable=SC2086 # split the command into words
	set -- $line
	[ $# -ge 2 ] || continue
	case $1 in
	'' | *[!0-9]*) continue ;;
	esac
	[ "$1" -gt "$last" ] || continue
	last=$1
	id=$1
	verb=$2
	shift 2
	case $verb in
	calib) calib "$id" "$@" ;;
	run) run_case "$id" "$@" ;;
	end) break ;;
	*) result fail "unknown command $verb" ;;
	esac
done

echo "1..$n"
exit $fail
