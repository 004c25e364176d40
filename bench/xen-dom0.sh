#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xen-dom0.sh - the dom0 side of the benchmark on Xen. bench/run.sh puts it
# in the payload as dom0-run.sh; tests/xen/dom0-init.sh runs it in dom0
# beside the domU, which runs bench/guest.sh. It does what bench/run.sh
# does on the host for the capped-QEMU platform: send each command to the
# guest over the netfront/netback link, follow the guest's reports in the
# console log that xenconsoled writes, set the domU's cap for the
# measurement only and run udpping for the load.
#
# Input: ./bench-xen.conf (RATE WARMUP DURATION TIMEOUT_MS CAP_PCT, SCHED:
# the scheduler Xen runs, credit or credit2, whose xl sched-* command sets
# the cap; CREDIT_LOG; VCPUS: the domU's, whose caps here are per vCPU:
# Xen caps the domain, at VCPUS times that)
# and ./bench-xen.cases, one case a line: "<tag> <cap> <steps> <run
# arguments...>": the domU's cap in %, and "-" (the cap is set
# before the load) or "AT:PCT,...": udpping sets each cap AT seconds into
# the measured window (the first before the load, AT = -warm-up) and tells
# the guest when (bench/udpping.c, --step).
# Output, on stdout (the harness puts it in dom0-hook.log), one block per
# case attempt:
#   XB-XEN-CASE tag=<tag> attempt=<n>
#   XB-XEN-UDP <udpping's JSON>
#   XB-XEN-DOMCPU cpu0=<s> cpu1=<s> t0=<s> t1=<s> [ncpu0=<s> ncpu1=<s>]
#                      the domU's CPU seconds (xl list) and dom0's uptime
#                      before and after the whole udpping run (warm-up,
#                      window and drain: xl is too slow to run at the
#                      window's edges without delaying requests); with a
#                      busy neighbour on the domU's pCPU, its CPU seconds
#   XB-XEN-RESULT <the guest's RESULT line>
#   XB-XEN-SAMPLES <tag> <base64 line>...
#                      the RTT samples, gzipped (the report crosses an
#                      emulated serial port: a few KiB per case this way)
# plus XB-XEN-CALIB lines and XB-XEN-DONE at the end.
set -u

cd "${XB_PAYLOAD:-/xb}" || exit 1
# shellcheck source=/dev/null # written by bench/run.sh
. ./bench-xen.conf
CREDIT_LOG=${CREDIT_LOG:-0}
# xl sched-credit or xl sched-credit2: both take -d DOMAIN -c CAP (%).
SCHED=${SCHED:-credit}
VCPUS=${VCPUS:-1}
# JITTER=1: udpping --jitter (requests at random points of their slots).
jitter_opt=
[ "${JITTER:-0}" = 1 ] && jitter_opt=--jitter
domu=xbdomu
domid=${XB_DOMID:-1}
# The busy neighbour sharing the domU's pCPU (tests/xen XB_XEN_NEIGHBOUR),
# if any: paused while the hog is calibrated, so that the hog's share is
# of a whole pCPU on every platform.
nbr=${XB_NEIGHBOUR:-}
log=/var/log/xen/console/guest-$domu.log
guest=${XB_DOMU_IP:-10.0.0.2}
port=7000
cport=7001
id=0

# The first guest report line matching ERE $1 within $2 s, without the
# console prefix. One grep every half second: under -icount, whatever dom0
# runs takes emulated time from the domU too (QEMU runs both vCPUs in turn
# on one thread).
wait_line() {
	end=$(($(cut -d. -f1 /proc/uptime) + $2))
	while :; do
		line=$(grep -m1 -E -- "^XBTAP[|].*$1" "$log" 2> /dev/null)
		if [ -n "$line" ]; then
			echo "${line#XBTAP|}" | tr -d '\r'
			return 0
		fi
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
		sleep 0.5
	done
}

send_cmd() {
	id=$((id + 1))
	i=0
	while [ $i -lt 20 ]; do
		./bin/udpping --dst "$guest" --port "$cport" --cmd "$id $*" \
			--cmd-timeout 3 && return 0
		grep -q "id=$id " "$log" 2> /dev/null && return 0
		i=$((i + 1))
	done
	echo "XB-XEN-ERROR the guest does not take command $id $*"
	return 1
}

# With CREDIT_LOG=S (seconds, bench-xen.conf), sample credit1's view of
# the domU every S s during each measurement: the scheduler dump of the
# 'r' debug key (each active vCPU's credit, its priority and the parked
# flag, bit 0 of flags) from Xen's console ring, as
#   XB-XEN-CREDIT t=<dom0 uptime> <the domU's lines, ';'-separated>
# A vCPU missing from "active units" is off credit1's active list: it
# burns credit when it runs but earns none. Under credit2 the domU's
# lines come from its "Domain info" section (credit, budget) instead.
# With a busy neighbour (XB_NEIGHBOUR) its lines are logged as well.
credit_log() {
	# The neighbour's lines too, if there is one (the sharing case).
	nid=
	[ -z "$nbr" ] || nid=$(xl domid "$nbr" 2> /dev/null)
	xl dmesg -c > /dev/null 2>&1
	while :; do
		xl debug-keys r > /dev/null 2>&1
		l=$(xl dmesg -c 2> /dev/null | awk -v u="[$domid." -v n="${nid:+[$nid.}" '
			/active units:/ { sec = "active" }
			/Domain info:/ { sec = "domain" }
			/CPU\[/ { sec = "cpu" }
			sec && (index($0, u) || (n != "" && index($0, n))) {
				sub(/^\([^)]*\) */, "")
				printf "%s %s;", sec, $0
			}')
		echo "XB-XEN-CREDIT t=$(cut -d' ' -f1 /proc/uptime) ${l:-inactive}"
		sleep "$CREDIT_LOG"
	done
}

cap() { # percent of a pCPU per vCPU, 0: uncapped
	xl "sched-$SCHED" -d "$domu" -c "$(($1 * VCPUS))" > /dev/null
}

domcpu() { # [domain] its CPU time in seconds, as xl list reports it
	xl list "${1:-$domu}" 2> /dev/null | awk 'NR == 2 { print $6 }'
}

calib() {
	cap 0
	[ -z "$nbr" ] || xl pause "$nbr" || echo "XB-XEN-ERROR cannot pause $nbr"
	send_cmd calib seconds=3 || return 1
	# Quiet while the hog runs alone: its rate is the reference.
	sleep 4
	l=$(wait_line "XB-BENCH-CALIB id=$id " 120) || return 1
	[ -z "$nbr" ] || xl unpause "$nbr" || echo "XB-XEN-ERROR cannot unpause $nbr"
	echo "XB-XEN-CALIB ${l#*XB-BENCH-CALIB }"
}

# Whatever goes wrong, tell the guest to finish, or it waits for commands
# until the harness's timeout.
fail() {
	echo "XB-XEN-ERROR $*"
	send_cmd end
	exit 1
}

wait_line 'XB-BENCH-UP ' 300 > /dev/null || fail "the guest never came up"
calib || fail "calibration"

while read -r tag cappct steps args; do
	[ -n "$tag" ] || continue
	# Guest time follows the instruction count (-icount): nothing else on
	# the host disturbs it, one attempt is enough.
	attempt=1
	# The cap rows: the cap in force before the module loads, as on a
	# real host (set up uncapped, the learner rightly takes the vCPU for
	# uncapped, and even a right hint for wrong, then sees a step).
	[ "$steps" = - ] || cap "$cappct"
	# shellcheck disable=SC2086 # the case's arguments, one word each
	send_cmd run $args || fail "run $tag"
	ready=$(wait_line "XB-BENCH-READY id=$id " 120) || fail "no READY for $tag"
	echo "XB-XEN-CASE tag=$tag attempt=$attempt"
	case $ready in
	*error=*)
		wait_line "XB-BENCH-RESULT id=$id " 60 | sed 's/^/XB-XEN-RESULT /'
		continue
		;;
	esac
	set --
	if [ "$steps" = - ]; then
		cap "$cappct"
	else
		for s in $(echo "$steps" | tr ',' ' '); do
			set -- "$@" --step "${s%%:*}:xl sched-$SCHED -d $domu -c $((${s#*:} * VCPUS)) > /dev/null"
		done
	fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	c0=$(domcpu)
	n0=
	[ -z "$nbr" ] || n0=$(domcpu "$nbr")
	lpid=
	if [ "$CREDIT_LOG" != 0 ]; then
		credit_log &
		lpid=$!
	fi
	# shellcheck disable=SC2086 # $jitter_opt: one option or none
	u=$(./bin/udpping --dst "$guest" --port "$port" --rate "$RATE" $jitter_opt \
		--warmup "$WARMUP" --duration "$DURATION" \
		--timeout "$TIMEOUT_MS" --samples /tmp/samples --rt 20 "$@")
	[ -z "$lpid" ] || kill "$lpid" 2> /dev/null
	c1=$(domcpu)
	n1=
	[ -z "$nbr" ] || n1=$(domcpu "$nbr")
	t1=$(cut -d' ' -f1 /proc/uptime)
	cap 0
	echo "XB-XEN-UDP $u"
	echo "XB-XEN-DOMCPU cpu0=$c0 cpu1=$c1 t0=$t0 t1=$t1${nbr:+ ncpu0=$n0 ncpu1=$n1}"
	res=$(wait_line "XB-BENCH-RESULT id=$id " 120) || fail "no RESULT for $tag"
	echo "XB-XEN-RESULT $res"
	gzip -c /tmp/samples | base64 | sed "s/^/XB-XEN-SAMPLES $tag /"
done < ./bench-xen.cases

calib
send_cmd end
echo "XB-XEN-DONE"
