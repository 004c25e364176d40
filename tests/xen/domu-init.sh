#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the PV domU that tests/xen/run.sh starts: runs the payload's
# run-tests.sh from /xb and writes everything to hvc0, whose bytes
# xenconsoled logs in dom0.  hvc0 is also this kernel's console, so every
# line of ours carries a prefix that the host strips again:
#
#   XBTAP|<line>    run-tests.sh stdout (the TAP stream)
#   XBERR|<line>    run-tests.sh stderr
#   XBKMSG|<line>   the kernel log, dumped after the tests (the console only
#                   shows err and above under "quiet": the splat check needs
#                   the warnings too)
#   XB-GUEST-DONE rc=<n>   the sentinel dom0 waits for; n is the exit code
#                          of run-tests.sh
#
# No "set -e": the sentinel must come whatever fails.
set -u

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp
mount -t devpts devpts /dev/pts
# cyclictest and friends want POSIX shared memory.
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

# XB_CAP, XB_NET, XB_DOMU_IP, XB_DOM0_IP
# shellcheck source=/dev/null # written by run.sh
. /etc/xb/domu.conf

# Prefix every line read from stdin; one printf is one write, so lines from
# the two prefixers never mix inside a line.
prefix() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s|%s\n' "$1" "$line"
	done
}

while read -r ko; do
	insmod "$ko" || echo "XBERR|xb-domu: insmod $ko failed"
done < /etc/xb/modules

ip link set lo up 2>/dev/null
net_rc=-
if [ "$XB_NET" = 1 ]; then
	# netfront's device appears when its backend connects: wait for it.
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ip link set eth0 up
	ip addr add "$XB_DOMU_IP/24" dev eth0
	net_rc=1
	i=0
	while [ $i -lt 20 ]; do
		if ping -c 1 -W 1 "$XB_DOM0_IP" > /dev/null 2>&1; then
			net_rc=0
			break
		fi
		i=$((i + 1))
	done
	echo "XB-NET rc=$net_rc"
fi

echo "XB-GUEST-START uptime=$(cut -d' ' -f1 /proc/uptime)"

# Both streams go through FIFOs to background prefixers so that the tests
# can be waited for by pid: a test that leaves a daemon holding stdout
# must not hang the guest.
mkfifo /tmp/xb-out /tmp/xb-err
prefix XBTAP < /tmp/xb-out &
outpid=$!
prefix XBERR < /tmp/xb-err &
errpid=$!

if [ "$XB_CAP" -gt 0 ]; then
	XB_STEAL_CAP_PCT=$XB_CAP
	export XB_STEAL_CAP_PCT
fi
(
	cd /xb && XB_PAYLOAD=/xb XB_NET=$XB_NET XB_DOMU_IP=$XB_DOMU_IP \
		XB_DOM0_IP=$XB_DOM0_IP exec sh /xb/run-tests.sh
) > /tmp/xb-out 2> /tmp/xb-err &
testpid=$!
wait "$testpid"
rc=$?
echo "XB-GUEST-TESTS-END rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"

# Give the prefixers a few seconds to drain; if something the tests left
# behind still holds the FIFOs open, end it (kill -1 spares init).
i=0
while { kill -0 "$outpid" || kill -0 "$errpid"; } 2>/dev/null && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
if { kill -0 "$outpid" || kill -0 "$errpid"; } 2>/dev/null; then
	echo "XBERR|xb-domu: processes left behind by run-tests.sh, killing them"
	kill -9 -1
	sleep 0.5
fi

# Through a file: cat writes pages where sed would write lines, and
# xenconsoled rate-limits the guest's console events (30 per 200 ms), which
# made a line-by-line dump of a boot log take 3 s.
dmesg | sed 's/^/XBKMSG|/' > /tmp/xb-kmsg
cat /tmp/xb-kmsg
echo "XB-GUEST-DONE rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
# dom0 destroys us once it has read the sentinel; power off in case it
# does not, after giving xenconsoled time to read the console ring.
sleep 3
poweroff -f
