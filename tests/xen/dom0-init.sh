#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the dom0 initramfs that tests/xen/run.sh builds.
#
# Brings up the minimal Xen toolstack (no systemd, python or bridge), starts
# one PV domU from /var/lib/xb/{vmlinux,domu.cpio} paused, caps it with
# credit1, unpauses it, waits for the guest's sentinel line in the console
# log that xenconsoled writes, and then sends everything the host needs over
# the second serial port (/dev/ttyS1, a plain file on the host) in sections:
#
#   XB-BEGIN <file>
#   ...lines...
#   XB-END <file>
#   ...
#   XB-DOM0-DONE
#
# Xen owns com1 (the first serial port, which carries Xen's and this dom0's
# console), so ttyS1 is the only byte stream to the host that nothing else
# writes to.  Finally it reboots, which ends QEMU (-no-reboot).
#
# No "set -e": whatever fails, the report must still go out and the machine
# must still reboot, or the host only sees a timeout.
set -u

XEN_BIN=/usr/lib/xen-4.17/bin
PATH=$XEN_BIN:/usr/sbin:/usr/bin:/sbin:/bin
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu
export PATH LD_LIBRARY_PATH

/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/xb /run/xen /run/xenstored /var/lib/xen /var/log/xen/console

# XB_CAP, XB_NET, XB_GUEST_TIMEOUT, XB_DOM0_POLL, XB_HOOK, XB_DOMU_IP, XB_DOM0_IP,
# XB_NEIGHBOUR
# shellcheck source=/dev/null # written by run.sh
. /etc/xb/run.conf

DOMU=xbdomu
NBR=xbnbr
STATUS=/run/xb/status
CONSLOG=/var/log/xen/console/guest-$DOMU.log
NBRLOG=/var/log/xen/console/guest-$NBR.log

# Status lines go to the report and, for a live view, to the console.
status() {
	echo "$*" >> "$STATUS"
	echo "xb-dom0: $*"
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# Send one file as a section of the report; the host splits them again.
section() {
	echo "XB-BEGIN $1"
	[ -f "$2" ] && cat "$2"
	echo "XB-END $1"
}

finish() {
	status "phase=report uptime=$(uptime_s)"
	dmesg > /run/xb/dom0-dmesg.log 2>&1
	xl dmesg > /run/xb/xen-dmesg.log 2>&1
	out=/dev/ttyS1
	if [ ! -c "$out" ] || ! stty -F "$out" raw -echo 2>/dev/null; then
		# The host falls back to parsing the console; that loses
		# nothing but is exposed to interleaved kernel messages.
		echo "xb-dom0: no usable /dev/ttyS1, reporting on the console"
		out=/dev/console
	fi
	# Closing the tty waits for the UART to drain (closing_wait), so
	# nothing is lost to the reboot below.
	{
		section status.txt "$STATUS"
		section sched-credit.txt /run/xb/sched-credit.txt
		section xl-create.log /run/xb/xl-create.log
		section domu-console.log "$CONSLOG"
		section dom0-hook.log /run/xb/dom0-hook.log
		section neighbour.txt /run/xb/neighbour.txt
		section neighbour-console.log "$NBRLOG"
		section dom0-dmesg.log /run/xb/dom0-dmesg.log
		section xen-dmesg.log /run/xb/xen-dmesg.log
		echo "XB-DOM0-DONE"
	} > "$out"
	sync
	reboot -f
	# Not reached unless reboot failed; never let init exit (panic).
	poweroff -f
	while :; do sleep 60; done
}

status "phase=dom0-init uptime=$(uptime_s)"

while read -r ko; do
	insmod "$ko" || status "insmod-failed=$ko"
done < /etc/xb/dom0-modules
if [ "$XB_NET" = 1 ]; then
	while read -r ko; do
		insmod "$ko" || status "insmod-failed=$ko"
	done < /etc/xb/dom0-net-modules
fi

mount -t xenfs xenfs /proc/xen || status "mount-xenfs=failed"

# The C xenstored keeps its database in XENSTORED_ROOTDIR and its socket in
# /var/run/xenstored (compiled in; /var/run is a link to /run).
XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file=/run/xenstored.pid
i=0
while [ ! -S /run/xenstored/socket ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
xen-init-dom0 > /run/xb/xen-init-dom0.log 2>&1 || status "xen-init-dom0=failed"
xenconsoled --log=guest --log-dir=/var/log/xen/console \
	--pid-file=/run/xenconsoled.pid || status "xenconsoled=failed"

if xl list > /run/xb/xl-list.txt 2>&1 && grep -q '^Domain-0 ' /run/xb/xl-list.txt; then
	status "toolstack=ok uptime=$(uptime_s)"
else
	status "toolstack=failed"
	cat /run/xb/xl-list.txt
	finish
fi

# The busy neighbour (XB_NEIGHBOUR=busy), first: the domU starts on a pCPU
# that is already shared.  Its CPU time (xl list) from here to the guest's
# end says whether it really ran.
nbr_cpu() {
	xl list "$NBR" 2>/dev/null | awk 'NR == 2 { print $6 }'
}
nbr=
if [ "${XB_NEIGHBOUR:-none}" = busy ]; then
	if xl create /etc/xb/neighbour.cfg > /run/xb/neighbour-create.log 2>&1; then
		nbr=$NBR
		nbr_t0=$(uptime_s)
		nbr_c0=$(nbr_cpu)
		status "neighbour=created domid=$(xl domid "$NBR") uptime=$nbr_t0"
	else
		status "neighbour=failed"
		cat /run/xb/neighbour-create.log
	fi
fi

# Created paused so that the cap is in force from the domU's first
# instruction; the paused time already counts as steal in the domU, which
# is why its tests compare deltas.
if ! xl create -p /etc/xb/domu.cfg > /run/xb/xl-create.log 2>&1; then
	status "create=failed"
	cat /run/xb/xl-create.log
	finish
fi
domid=$(xl domid "$DOMU")
status "create=ok domid=$domid uptime=$(uptime_s)"
# credit1 or credit2 (XB_SCHED): both print "Name ID Weight Cap".
xl "sched-${XB_SCHED:-credit}" -d "$DOMU" -c "$XB_CAP" ||
	status "sched-credit-set=failed"
xl "sched-${XB_SCHED:-credit}" -d "$DOMU" > /run/xb/sched-credit.txt 2>&1
cat /run/xb/sched-credit.txt
xl unpause "$DOMU" || status "unpause=failed"
status "unpause=ok uptime=$(uptime_s)"

if [ "$XB_HOOK" = 1 ]; then
	# The payload's optional dom0 side (a load generator, say): runs
	# beside the guest tests; its output goes to the report.
	(
		cd /xb && XB_PAYLOAD=/xb XB_DOMID=$domid XB_NET=$XB_NET \
			XB_NEIGHBOUR=$nbr \
			XB_DOMU_IP=$XB_DOMU_IP XB_DOM0_IP=$XB_DOM0_IP \
			sh /xb/dom0-run.sh > /run/xb/dom0-hook.log 2>&1
		echo "$?" > /run/xb/dom0-hook.rc
	) &
	hookpid=$!
fi

# Poll the console log, not the domain: the sentinel is written after the
# guest's output, so once it is in the log the whole TAP stream is.  The
# xenstore check is cheap and ends the wait early if the guest died.  Each
# round forks a few processes (~15 ms each in a PV dom0 under TCG): a
# guest that shares dom0's pCPU sees that as steal, unless XB_DOM0_POLL
# spaces the rounds out.
start=$(cut -d. -f1 /proc/uptime)
result=timeout
while :; do
	if grep -q '^XB-GUEST-DONE' "$CONSLOG" 2>/dev/null; then
		result=finished
		break
	fi
	if ! xenstore-exists "/local/domain/$domid" 2>/dev/null; then
		sleep 1
		# A single failed read can be transient (seen with dom0 busy):
		# the guest has vanished only if it is still gone.
		if xenstore-exists "/local/domain/$domid" 2>/dev/null; then
			status "xenstore-exists-failed-once uptime=$(uptime_s)"
			continue
		fi
		result=vanished
		grep -q '^XB-GUEST-DONE' "$CONSLOG" 2>/dev/null && result=finished
		break
	fi
	now=$(cut -d. -f1 /proc/uptime)
	[ $((now - start)) -ge "$XB_GUEST_TIMEOUT" ] && break
	sleep "${XB_DOM0_POLL:-0.5}"
done
status "guest=$result uptime=$(uptime_s)"

if [ -n "$nbr" ]; then
	{
		echo "name=$NBR cpu0=$nbr_c0 cpu1=$(nbr_cpu) t0=$nbr_t0 t1=$(uptime_s)"
		xl vcpu-list 2>&1
	} > /run/xb/neighbour.txt
	status "neighbour=$(head -n1 /run/xb/neighbour.txt)"
fi

# Everything the guest had to say is in the log now: destroy it rather than
# wait for its own poweroff (its netback vif goes with it).
if xenstore-exists "/local/domain/$domid" 2>/dev/null; then
	xl destroy "$DOMU" || status "destroy=failed"
fi

if [ "$XB_HOOK" = 1 ]; then
	i=0
	while kill -0 "$hookpid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$hookpid" 2>/dev/null; then
		status "hook=timeout"
		kill "$hookpid" 2>/dev/null
	else
		status "hook-rc=$(cat /run/xb/dom0-hook.rc 2>/dev/null)"
	fi
fi

finish
