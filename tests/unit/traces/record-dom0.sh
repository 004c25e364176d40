#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# record-dom0.sh - the dom0 side of record.sh on Xen: once the guest has
# started recording (its first XB-REC-START line in the console log that
# xenconsoled writes), apply the domU's credit cap schedule XB_REC_CAPS
# ("pct:seconds ...": the cap pct after that many more seconds), each
# change logged with dom0's uptime.
cd "${XB_PAYLOAD:-/xb}" || exit 1
# shellcheck source=/dev/null # written by record.sh
[ -r ./rec.conf ] && . ./rec.conf
log=/var/log/xen/console/guest-xbdomu.log
i=0
while ! grep -q 'XB-REC-START' "$log" 2> /dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || exit 1
	sleep 0.5
done
echo "XB-REC-DOM0 start seen uptime=$(cut -d' ' -f1 /proc/uptime)"
for step in ${XB_REC_CAPS:-}; do
	sleep "${step#*:}"
	xl sched-credit -d xbdomu -c "${step%%:*}"
	echo "XB-REC-CAP cap=${step%%:*} rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
done
xl sched-credit -d xbdomu
