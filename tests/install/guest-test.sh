#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/guest-test.sh: the install layer's checks inside the booted
# Debian guest (tests/install/run.sh installs it as
# /usr/local/sbin/xb-install-test, run by xb-install-test.service at every
# boot). TAP goes to /dev/ttyS1, the kernel console stays on ttyS0.
#
# Boot 1: the packages installed in the image work: the module DKMS built is
# loaded, xballoond.service is active and ready (Type=notify), the cap of
# /etc/default/xballoon is the module's, metrics are written; then reboot.
# Boot 2: the same after the reboot; then apt purge of both packages, and
# nothing of them is left. Then power off. The harness reads the lines
# "XB-INSTALL-BOOT <n>" and "XB-INSTALL-DONE <n> rc=<rc>".
#
# /etc/xb-install-test.conf (written by run.sh): XB_CAP_PM, the cap_pm the
# configuration asks for; XB_KVER, the kernel the image should boot.

state=/var/lib/xb-install-test
mkdir -p "$state"
exec > /dev/ttyS1 2>&1
# The kernel booted quiet (a verbose console costs time under TCG): from
# here on every message reaches the console, and the whole kernel log goes
# to ttyS2 before each reboot or power-off, for the harness's splat scan.
dmesg -n 7
dump_dmesg() {
	dmesg > /dev/ttyS2 2>&1
}
. /etc/xb-install-test.conf

boot=$(($(cat "$state/boot" 2>/dev/null || echo 0) + 1))
echo "$boot" > "$state/boot"
sync
echo "XB-INSTALL-BOOT $boot uptime=$(cut -d' ' -f1 /proc/uptime)"

n=$(cat "$state/n" 2>/dev/null || echo 0)
fails=0
ok() { # status description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - boot $boot: $2"
	else
		echo "not ok $n - boot $boot: $2"
		fails=$((fails + 1))
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n - boot $boot: $1 # SKIP $2"
}
diag() {
	sed 's/^/# /'
}

# Boot finished, whichever way.
sysstate=$(timeout 240 systemctl is-system-running --wait 2>&1)
echo "# system state: $sysstate at $(cut -d' ' -f1 /proc/uptime) s"
failed=$(systemctl list-units --state=failed --no-legend --plain 2>&1 |
	grep -v xb-install-test)
[ -z "$failed" ]
ok $? "no failed units${failed:+: $(echo "$failed" | awk '{print $1}' | tr '\n' ' ')}"

[ "$(uname -r)" = "$XB_KVER" ]
ok $? "booted the image's stock kernel $XB_KVER ($(uname -r))"

ko=$(modinfo -n xballoon 2>&1)
case $ko in
/lib/modules/"$XB_KVER"/updates/dkms/xballoon.ko*) r=0 ;;
*) r=1 ;;
esac
ok $r "xballoon.ko is DKMS's ($ko)"
[ -d /sys/module/xballoon ]
ok $? "xballoon is loaded at boot ($(cat /sys/module/xballoon/version 2>/dev/null))"

active=$(systemctl is-active xballoond.service 2>&1)
[ "$active" = active ]
ok $? "xballoond.service is $active"
systemctl status --no-pager xballoond.service 2>&1 | head -n 12 | diag

# Type=notify: systemd calls it started only after READY=1, which the
# daemon sends once every online CPU holds its balloon.
ncpu=$(nproc --all)
st=$(systemctl show -P StatusText xballoond.service)
[ "$st" = "ballooning on $ncpu CPUs" ]
ok $? "readiness: StatusText '$st' ($ncpu CPUs)"
[ "$(systemctl show -P NRestarts xballoond.service)" = 0 ]
ok $? "xballoond.service never restarted"

pid=$(systemctl show -P MainPID xballoond.service)
cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
echo "# MainPID $pid: $cmd"
case $cmd in
*"--mode dynamic"*"--cap $XB_CAP_PCT "*) r=0 ;;
*) r=1 ;;
esac
ok $r "the unit runs the configured mode and cap"
pol=$(for t in /proc/"$pid"/task/*; do
	chrt -p "${t##*/}" 2>/dev/null | sed -n 's/.*policy: //p'
done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
case $pol in
*SCHED_OTHER* ) case $pol in *SCHED_FIFO*) r=1 ;; *) r=0 ;; esac ;;
*) r=1 ;;
esac
ok $r "dynamic mode: every thread SCHED_OTHER ($pol)"

# Blanks out: the layout may be spaced (json-c's default) or compact.
json=$(xballoonctl status --json 2>&1 | tr -d ' \n')
echo "$json" | cut -c1-400 | diag
conf=$(echo "$json" | grep -o '"config":{[^}]*}')
case $conf in
*"\"cap_pm\":$XB_CAP_PM"[,}]*) r=0 ;;
*) r=1 ;;
esac
ok $r "xballoonctl status --json: the configured cap ($conf, want cap_pm $XB_CAP_PM)"
# In dynamic mode the balloon is a SCHED_OTHER thread: while the boot's
# own work keeps it off its CPU for a whole period the module reports that
# CPU ABSENT (attached, no call yet this period). Held means NWC or WC;
# give a busy boot up to 30 s to let every balloon make its call.
modes_now() {
	xballoonctl status --json 2>&1 | tr -d ' \n' |
		grep -o '"mode":"[A-Za-z]*"' | sed 's/.*:"//; s/"$//'
}
tries=0
while :; do
	modes=$(modes_now)
	held=$(echo "$modes" | grep -c '^\(NWC\|WC\)$')
	[ "$held" = "$ncpu" ] || [ "$tries" -ge 30 ] && break
	tries=$((tries + 1))
	sleep 1
done
[ "$held" = "$ncpu" ]
ok $? "every CPU holds a balloon ($held of $ncpu NWC or WC after $tries s: $(echo $modes))"

sec=$(systemd-analyze security xballoond.service 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: //p')
echo "# systemd-analyze security xballoond.service: $sec"
case $sec in
[0-1].* | 2.[0-4]*) r=0 ;;
*) r=1 ;;
esac
ok $r "systemd-analyze security: $sec (at most 2.4)"

if [ -f /lib/systemd/system/xballoon-metrics.timer ]; then
	systemctl is-active --quiet xballoon-metrics.timer
	ok $? "xballoon-metrics.timer is active"
	systemctl start xballoon-metrics.service
	r=$?
	ok $r "xballoon-metrics.service runs"
	[ "$r" = 0 ] || {
		systemctl status --no-pager -l xballoon-metrics.service
		journalctl -b --no-pager -u xballoon-metrics.service | tail -n 20
	} 2>&1 | diag
	prom=$(find /var/lib/prometheus /run -name 'xballoon*.prom' 2>/dev/null | head -n1)
	[ -n "$prom" ] && grep -q '^xballoon_' "$prom"
	ok $? "metrics written (${prom:-no xballoon*.prom under /var/lib/prometheus or /run})"
	[ -n "$prom" ] && head -n 20 "$prom" | diag
else
	skip "metrics" "no xballoon-metrics.timer in xballoon-tools (issue 8 item 7 is not in this tree)"
fi

if [ "$boot" = 1 ]; then
	echo "$n" > "$state/n"
	echo "XB-INSTALL-DONE $boot rc=$fails"
	dump_dmesg
	sync
	systemctl reboot
	exit 0
fi

# Boot 2: the other modes through the same configuration file, each
# restart returning only once the daemon is ready (kthread mode's balloon
# threads sleep in the module: readiness comes from the module's view).
for m in static kthread; do
	sed -i "s/^XBALLOON_MODE=.*/XBALLOON_MODE=$m/" /etc/default/xballoon
	timeout 60 systemctl restart xballoond.service
	r=$?
	st=$(systemctl show -P StatusText xballoond.service)
	pid=$(systemctl show -P MainPID xballoond.service)
	fifo=$(for t in /proc/"$pid"/task/*; do
		chrt -p "${t##*/}" 2>/dev/null | sed -n 's/.*policy: //p'
	done | grep -c SCHED_FIFO)
	[ "$r" = 0 ] && [ "$st" = "ballooning on $ncpu CPUs" ] && [ "$fifo" = "$ncpu" ]
	ok $? "$m mode from /etc/default/xballoon: restart ready (rc $r, '$st', $fifo SCHED_FIFO threads)"
done

# Then purge, and look for anything left behind.
dpkg-query -W -f '${Package} ${Version} ${Status}\n' xballoon-dkms xballoon-tools | diag
for p in xballoon-dkms xballoon-tools; do
	dpkg -L "$p"
	dpkg-query -W -f '${Conffiles}\n' "$p" | awk 'NF {print $1}'
done 2>/dev/null | sort -u > "$state/files"
echo "# $(wc -l < "$state/files") paths from dpkg -L and the conffiles"
timeout 300 apt-get purge -y -q xballoon-tools xballoon-dkms > "$state/purge.log" 2>&1
r=$?
tail -n 8 "$state/purge.log" | diag
ok $r "apt-get purge xballoon-tools xballoon-dkms"
left=$(while read -r f; do
	# Directories others share (/usr/sbin, /etc/default, /lib -> usr/lib)
	# stay.
	[ -d "$f" ] && continue
	if [ -e "$f" ] || [ -L "$f" ]; then
		echo "$f"
	fi
done < "$state/files")
[ -z "$left" ]
ok $? "no packaged file left${left:+: $(echo "$left" | tr '\n' ' ')}"
left=$(ls -d /lib/modules/*/updates/dkms/xballoon.ko* /var/lib/dkms/xballoon \
	/usr/src/xballoon-* /etc/default/xballoon /etc/modprobe.d/xballoon.conf \
	/etc/systemd/system/*/xballoond.service \
	/etc/systemd/system/*/xballoon-metrics.* \
	/var/lib/prometheus/node-exporter/*xballoon.prom* 2>/dev/null)
[ -z "$left" ]
ok $? "nothing of DKMS, the configuration, the units' enablement or the metrics left${left:+: $(echo "$left" | tr '\n' ' ')}"
known=$(dpkg-query -W -f '${Package} ${Status}\n' xballoon-dkms xballoon-tools \
	2>/dev/null | grep -v ' not-installed$')
[ -z "$known" ]
ok $? "dpkg has no trace of either package${known:+: $known}"
running=$(grep -lx xballoond /proc/[0-9]*/comm 2>/dev/null)
[ -z "$running" ]
ok $? "no xballoond running"

echo "1..$n"
echo "XB-INSTALL-DONE $boot rc=$fails"
dump_dmesg
sync
systemctl poweroff
