#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/rootfs.sh [--dir]: build (or reuse) the Debian bookworm root
# file system that the install layer (tests/install/run.sh) copies for each
# run, and print its directory on the last line of stdout; everything else
# goes to stderr. --dir: only print where it is or would be, build nothing.
#
# It is what an operator's guest would have before installing xballoon:
# debootstrap from the machine's own Debian mirror, systemd, the stock kernel
# (linux-image-amd64 and linux-headers-amd64 of bookworm: 6.1), dkms and
# build-essential. Nothing of xballoon: the layer installs the .debs of the
# tree under test into a copy.
#
# Cached outside the work tree, so a fresh clone on the same machine (CI)
# reuses it, like the debug kernels (scripts/debug-kernel.sh):
#   $XB_ROOTFS_CACHE/rootfs-<hash>/    the tree; .xb-complete written last,
#                                      with the kernel release in it
# <hash> covers what goes in: the suite, the mirror, the package list, the
# debootstrap version and this script's $layout. A directory without
# .xb-complete is a partial build (killed, or in progress under the lock):
# never used, rebuilt from scratch by the next run.
#
# Needs root (debootstrap, chroot). Environment: XB_ROOTFS_CACHE (default
# /var/cache/xballoon), XB_ROOTFS_MIRROR (default: the first Debian mirror
# in /etc/apt/sources.list*).
set -euo pipefail

{

# Bump when the customisation below changes what ends up in the tree.
layout=1

cache=${XB_ROOTFS_CACHE:-/var/cache/xballoon}
suite=bookworm
include=systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64,linux-headers-amd64,dkms,build-essential,ca-certificates

msg() {
	echo "rootfs: $*" >&2
}

die() {
	msg "$*"
	exit 1
}

dironly=0
if [ "${1:-}" = --dir ]; then
	dironly=1
	shift
fi

# The mirror apt already uses: the machine may reach no other.
mirror=${XB_ROOTFS_MIRROR:-$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' \
	/etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	head -n1 | tr -d ' ' || :)}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

dbsver=$(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null) || dbsver=
hash=$(
	{
		echo "layout $layout"
		echo "suite $suite"
		echo "mirror $mirror"
		echo "include $include"
		echo "debootstrap $dbsver"
	} | sha256sum | cut -c1-16
)
out=$cache/rootfs-$hash
if [ "$dironly" = 1 ]; then
	echo "$out"
	exit 0
fi

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
[ -n "$dbsver" ] || die "debootstrap is not installed: run make deps"

if [ -f "$out/.xb-complete" ]; then
	msg "cached in $out"
	echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.xb-complete" ]; then
	msg "built meanwhile in $out"
	echo "$out"
	exit 0
fi

start=$SECONDS
rm -rf "$out"
msg "debootstrap $suite from $mirror into $out"
# minbase plus what a server guest has for this: systemd as init, the
# stock kernel and its headers, DKMS and a compiler.
debootstrap --variant=minbase --include="$include" \
	--components=main "$suite" "$out" "$mirror" >&2 ||
	die "debootstrap failed (log: $out/debootstrap/debootstrap.log)"

# The guest boots from a virtio disk with no network: the initramfs needs
# only the disk's modules (MODULES=most, the default, makes it 30 MiB that
# TCG unpacks on every boot), and nothing waits for a network.
cat > "$out/etc/initramfs-tools/conf.d/xballoon-test" <<'EOF'
MODULES=list
COMPRESS=gzip
EOF
printf '%s\n' virtio_pci virtio_blk ext4 > "$out/etc/initramfs-tools/modules"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$out/etc/fstab"
echo xb-install > "$out/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\txb-install\n' > "$out/etc/hosts"
# No login prompt on the console the test reads, no timers that start
# apt or fstrim in the middle of a test.
for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer \
	apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "$out/etc/systemd/system/$u"
done
# apt inside the guest works offline on the packages it already has.
echo "deb $mirror $suite main" > "$out/etc/apt/sources.list"

mount -t proc proc "$out/proc"
trap 'umount "$out/proc" 2>/dev/null || :' EXIT
chroot "$out" update-initramfs -u -k all >&2 || die "update-initramfs failed"
umount "$out/proc"
trap - EXIT
chroot "$out" apt-get clean

kver=$(cd "$out/lib/modules" && ls | sort -V | tail -n1)
[ -f "$out/boot/vmlinuz-$kver" ] || die "no kernel image for $kver"
[ -f "$out/lib/modules/$kver/build/Makefile" ] || die "no headers for $kver"
rm -rf "$out/debootstrap"
{
	echo "kernelrelease $kver"
	echo "built $(date -u +%FT%TZ) in $((SECONDS - start)) s"
} > "$out/.xb-complete"
msg "built in $((SECONDS - start)) s: $out (kernel $kver)"
echo "$out"
exit 0
}
