#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vif hotplug script for the dom0 <-> domU network of the Xen harness: a
# routed /32 link per vif instead of a bridge, so dom0 needs no bridge
# utilities, udev or python.  libxl runs it with "online" or "offline" and
# the environment variables vif (vifD.0) and XENBUS_PATH (the backend's
# xenstore directory); netback waits for hotplug-status=connected.
set -eu

# shellcheck source=/dev/null # written by run.sh
. /etc/xb/run.conf
: "${vif:?set by libxl}" "${XENBUS_PATH:?set by libxl}"

case "${1:-}" in
online|add)
	guest_ip=$(xenstore-read "$XENBUS_PATH/ip")
	ip link set "$vif" up
	ip addr add "$XB_DOM0_IP/32" dev "$vif"
	ip route add "$guest_ip/32" dev "$vif"
	xenstore-write "$XENBUS_PATH/hotplug-status" connected
	;;
offline|remove)
	ip link set "$vif" down 2>/dev/null || true
	;;
esac
exit 0
