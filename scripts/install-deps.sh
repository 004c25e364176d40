#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install, idempotently and as root, everything that the build, the tests,
# the demo, the packages (make deb) and the benchmarks need from Debian's
# archive: DKMS, QEMU, busybox, sparse, json-c (xballoonctl links it
# statically), groff and man-db (the man pages' lint), bash-completion (the
# completion's test), debhelper with dh-dkms, lintian, debootstrap (the
# install layer's guest), the kernel source (for
# checkpatch.pl and the debug kernels of scripts/debug-kernel.sh, with their
# build tools); and, on a test machine only, both Debian kernels (bookworm
# 6.1 and bookworm-backports 6.12, image and headers) and the Xen hypervisor
# (the Xen user space is only downloaded: it goes into the dom0 initramfs,
# never onto this host).
#
# Kernels and Xen change what a machine boots next (the newest kernel, or
# Xen, becomes the boot loader's default): they are installed only where
# that cannot matter or is wanted: XB_DEPS_ALLOW_KERNEL=1 (.ci/run sets it
# on its throw-away CI machines), or a machine that cannot boot them anyway
# (its running kernel has no loadable modules, as in a container or a
# micro-VM with an external kernel, or it has no boot loader installed).
# Elsewhere, e.g. on a real guest, they are left out with a message, and
# the guest layers use the kernels already there.
set -eu

stamp=/var/lib/xballoon-deps.stamp
want_version=8

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root (it calls apt-get)" >&2
	exit 1
fi

# May this machine get kernels and Xen? (see the top)
kernel_ok() {
	[ "${XB_DEPS_ALLOW_KERNEL:-}" = 1 ] && return 0
	[ "${XB_DEPS_ALLOW_KERNEL:-}" = 0 ] && return 1
	[ ! -e /proc/modules ] && return 0
	[ "$(cat /proc/sys/kernel/modules_disabled 2>/dev/null)" = 1 ] && return 0
	# No boot loader that a kernel package would update.
	dpkg-query -W -f '${Status}\n' grub-pc grub-efi-amd64 grub-efi-amd64-signed \
		grub-xen-host systemd-boot syslinux extlinux lilo 2>/dev/null |
		grep -q ' installed$' && return 1
	[ -d /boot/grub ] || [ -d /boot/efi/loader ] || [ -d /boot/loader ] && return 1
	return 0
}
if kernel_ok; then
	with_kernels=1
	want=$want_version
else
	with_kernels=0
	want="$want_version nokernel"
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
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

pkgs="build-essential bc kmod cpio gzip xz-utils zstd file dkms sparse perl
	qemu-system-x86 busybox-static e2fsprogs
	debhelper dh-dkms lintian debootstrap
	linux-source-6.12 flex bison libelf-dev libssl-dev
	gnuplot-nox sockperf iproute2 jq
	libjson-c-dev groff-base man-db bash-completion"
echo "install-deps: installing from Debian's archive:" $pkgs
# shellcheck disable=SC2086 # a list of packages
apt-get install -y -q --no-install-recommends $pkgs

if [ "$with_kernels" = 0 ]; then
	cat >&2 <<'MSG'
install-deps: NOT installing the Debian kernels 6.1 and 6.12 (bookworm-
install-deps: backports) nor the Xen hypervisor: this machine can boot them,
install-deps: and the newest kernel or Xen would become its default boot
install-deps: entry. The vm layers use the kernels already installed (those
install-deps: with headers); the xen layer skips. On a throw-away test
install-deps: machine: XB_DEPS_ALLOW_KERNEL=1 make deps
MSG
	echo "$want" > "$stamp"
	exit 0
fi

# The 6.1 kernel by its ABI name: the metapackages move to 6.12 once
# backports is installed, and asking for the bookworm ones would downgrade.
k61=$(apt-cache depends linux-image-amd64/bookworm 2>/dev/null |
      sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*\)$/\1/p' | head -n1)
[ -n "$k61" ] || { echo "install-deps: cannot resolve the 6.1 kernel" >&2; exit 1; }
echo "install-deps: installing kernels $k61 and linux-image-amd64 of bookworm-backports, with headers, and the Xen hypervisor"
apt-get install -y -q --no-install-recommends "$k61" \
	"$(echo "$k61" | sed 's/^linux-image-/linux-headers-/')"

apt-get install -y -q --no-install-recommends -t bookworm-backports \
	linux-image-amd64 linux-headers-amd64

apt-get install -y -q --no-install-recommends xen-hypervisor-4.17-amd64 || \
	apt-get install -y -q --no-install-recommends xen-hypervisor-common

echo "$want" > "$stamp"
