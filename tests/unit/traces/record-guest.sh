#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# record-guest.sh - the guest side of record.sh (busybox sh), run by the
# harness in place of run-tests.sh: for each hint of XB_REC_HINT (per
# mille, 0 learns), load the module with it, run a CPU hog beside
# xballoond (kthread mode) for XB_REC_SECONDS, and print each period of
# CPU 0 from the xballoon_period tracepoint, one line each:
#   XBTR <hint> <t_us> <eff_cap_pm> <off_us> <target_us> <throttled_us>
#        <len_us> <halt_us> <steal_us> <est_pm> <learn_state>
# with the final `xballoonctl status` and the daemon's log as "# " lines.
cd "${XB_PAYLOAD:-/xb}" || exit 1
# shellcheck source=/dev/null # written by record.sh
[ -r ./rec.conf ] && . ./rec.conf
secs=${XB_REC_SECONDS:-20}
t=/sys/kernel/tracing
[ -d $t/events ] || mount -t tracefs tracefs $t 2>/dev/null

echo "TAP version 13"
n=0
for hint in ${XB_REC_HINT:-0}; do
	n=$((n + 1))
	insmod ./xballoon.ko cap_pm="$hint" || { echo "not ok $n insmod"; continue; }
	echo 16384 > $t/buffer_size_kb
	echo > $t/trace
	echo 1 > $t/events/xballoon/xballoon_period/enable
	echo "XB-REC-START hint=$hint uptime=$(cut -d' ' -f1 /proc/uptime)"
	(while :; do :; done) &
	hog=$!
	./bin/xballoond --mode kthread > /tmp/xbd.log 2>&1 &
	daemon=$!
	sleep "$secs"
	./bin/xballoonctl status | sed 's/^/# /'
	kill "$daemon"
	kill "$hog"
	wait "$daemon" 2> /dev/null
	echo 0 > $t/events/xballoon/xballoon_period/enable
	echo "XB-REC-END uptime=$(cut -d' ' -f1 /proc/uptime)"
	sed 's/^/# /' /tmp/xbd.log
	# "<task>-<pid> [cpu] flags <ts>: xballoon_period: cpu=0 cap_pm=..."
	awk -v hint="$hint" '/xballoon_period:/ && / cpu=0 / {
		ts = $0; sub(/: xballoon_period:.*/, "", ts); n = split(ts, a, " ")
		ts = a[n]; sub(/\./, "", ts)
		line = "XBTR " hint " " ts + 0
		for (i = 1; i <= NF; i++)
			if (split($i, kv, "=") == 2 && kv[1] != "cpu") {
				v = kv[2]
				if (kv[1] ~ /_ns$/)
					v = int(v / 1000)
				line = line " " v
			}
		print line
	}' $t/trace
	rmmod xballoon
	echo "ok $n recorded with hint $hint"
done
echo "1..$n"
