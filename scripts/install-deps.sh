#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install, idempotently and as root, everything that the build, the tests,
# the demo and the benchmarks need from Debian's archive: both Debian kernels
# (bookworm 6.1 and bookworm-backports 6.12, image and headers), DKMS, QEMU,
# busybox, sparse, the kernel source (for checkpatch.pl), and the Xen
# hypervisor (the Xen user space is only downloaded: it goes into the dom0
# initramfs, never onto this host).
set -eu

stamp=/var/lib/xballoon-deps.stamp
want_version=4

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (it calls apt-get)" >&2
	exit 1
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_version" ]; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# bookworm-backports from the same mirror that the machine already uses.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
		 /etc/apt/sources.list.d/ 2>/dev/null | head -n1 | tr -d ' ')
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
	cat > /etc/apt/sources.list.d/xballoon-backports.sources <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

apt-get update -q

apt-get install -y -q --no-install-recommends \
	build-essential bc kmod cpio gzip xz-utils zstd file \
	dkms sparse perl \
	qemu-system-x86 busybox-static \
	linux-source-6.12 \
	gnuplot-nox sockperf iproute2 jq

# The 6.1 kernel by its ABI name: the metapackages move to 6.12 once
# backports is installed, and asking for the bookworm ones would downgrade.
k61=$(apt-cache depends linux-image-amd64/bookworm 2>/dev/null |
      sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*\)$/\1/p' | head -n1)
[ -n "$k61" ] || { echo "install-deps: cannot resolve the 6.1 kernel" >&2; exit 1; }
apt-get install -y -q --no-install-recommends "$k61" \
	"$(echo "$k61" | sed 's/^linux-image-/linux-headers-/')"

apt-get install -y -q --no-install-recommends -t bookworm-backports \
	linux-image-amd64 linux-headers-amd64

apt-get install -y -q --no-install-recommends xen-hypervisor-4.17-amd64 || \
	apt-get install -y -q --no-install-recommends xen-hypervisor-common

echo "$want_version" > "$stamp"
