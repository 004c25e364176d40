#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the xballoon test VM: PID 1 in a busybox initramfs built by
# tests/vm/run.sh.  It sets up the bare minimum the payload needs, loads the
# kernel modules listed in the payload's modules.list, runs
# /xb/run-tests.sh with its TAP on the second serial port, reports the exit
# status and powers the machine off.
#
# The protocol with the host (all on ttyS1, one line each, never TAP):
#   XB-GUEST-START kver=<uname -r> uptime=<s> setup=<ok|what failed>
#                  modules=<n loaded> modfail=<-|names>
#   ... everything run-tests.sh prints ...
#   XB-GUEST-DONE rc=<exit status of run-tests.sh> uptime=<s>
# and a dump of the kernel log on ttyS2 at the end.
#
# No "set -e" here: PID 1 must never exit (the kernel would panic), it has to
# report what went wrong and still power off.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/xb/bin HOME=/ TERM=linux
umask 022

tap=/dev/ttyS1
klog=/dev/ttyS2
setup=
XB_INTERACTIVE=0
# Written by the host: XB_INTERACTIVE.
# shellcheck source=/dev/null
[ -r /etc/xb-harness.conf ] && . /etc/xb-harness.conf

# Record a setup failure but carry on: the host turns it into a "not ok".
need() {
	"$@" || setup="${setup:+$setup,}$(echo "$*" | tr ' ' _)"
}

# devtmpfs first: the serial ports, /dev/null and /dev/kmsg live there.
need mount -t devtmpfs -o mode=0755 devtmpfs /dev
need mount -t proc proc /proc
need mount -t sysfs sysfs /sys
mkdir -p /dev/shm /dev/pts
need mount -t tmpfs -o mode=1777 tmpfs /dev/shm
need mount -t tmpfs -o mode=1777 tmpfs /tmp
need mount -t tmpfs -o mode=0755 tmpfs /run
# Nice to have for module tests; not every kernel has them.
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# A KCSAN debug kernel boots with KCSAN off (tests/debug/kcsan.config): on
# from here, before the module comes.
if [ -e /sys/kernel/debug/kcsan ]; then
	need sh -c 'echo on > /sys/kernel/debug/kcsan'
fi

# "quiet" keeps the boot fast (every console byte is an emulated port
# write), but it also hides KERN_WARNING, which is the level of WARN()
# splats.  From here on, print everything but debug on the console, where
# the host looks for splats.
dmesg -n 7

need ip link set lo up

# Raw mode: no "\r\n" translation and no echo on the TAP port.
stty -F "$tap" raw -echo 2>/dev/null

# Modules from the payload's modules.list, dependencies first (the host
# resolved and ordered them, and decompressed them for busybox insmod).
modules=0
modfail=
if [ -r /lib/modules/xb/order ]; then
	while read -r ko args; do
		[ -n "$ko" ] || continue
		# $args holds the module parameters, one word each.
		# shellcheck disable=SC2086
		if insmod "/lib/modules/xb/$ko" $args; then
			modules=$((modules + 1))
		else
			modfail="${modfail:+$modfail,}$ko"
		fi
	done < /lib/modules/xb/order
fi

up() {
	read -r up _ < /proc/uptime
	echo "$up"
}

echo "XB-GUEST-START kver=$(uname -r) uptime=$(up) setup=${setup:-ok}" \
	"modules=$modules modfail=${modfail:--}" > "$tap"
echo "xb-init: running /xb/run-tests.sh" > /dev/kmsg

if ! cd /xb; then
	rc=127
elif [ "$XB_INTERACTIVE" = 1 ]; then
	# The demo: show the output on the console too, and let the payload
	# read the console.  A pipeline loses the exit status, hence the file.
	{
		XB_PAYLOAD=/xb sh /xb/run-tests.sh < /dev/console 2>&1
		echo $? > /tmp/.xb-rc
	} | tee "$tap"
	read -r rc < /tmp/.xb-rc
else
	XB_PAYLOAD=/xb sh /xb/run-tests.sh < /dev/null > "$tap" 2>&1
	rc=$?
fi
cd /

# If the payload's last line lacked its newline, the sentinel ends up in
# the middle of a line: the host finds it there too.
echo "XB-GUEST-DONE rc=$rc uptime=$(up)" > "$tap"

# Debug kernels with kmemleak (scripts/debug-kernel.sh) do not scan on their
# own: scan now, after the module is gone. An object must be unreferenced
# in the last scan to stay in the report, so the second scan drops what the
# first one flagged in passing. The report goes to the console, where the
# host looks for "unreferenced object".
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo "xb-init: kmemleak scan" > /dev/kmsg
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	echo "xb-init: kmemleak scan done" > /dev/kmsg
fi

# The whole kernel log, including what "quiet" kept off the console during
# boot, as an artifact and for the splat scan.
dmesg > "$klog" 2>/dev/null

sync
# A reboot, not a power-off: QEMU runs with -no-reboot, so it exits all the
# same, and a kernel whose ACPI cannot power off (the debug kernels have no
# PCI, so no DSDT: "Power off not available") would halt for ever instead.
reboot -f
# Not reached; if it is, exiting PID 1 panics, and panic=-1 plus QEMU's
# -no-reboot end the VM all the same.
sleep 5
