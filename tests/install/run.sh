#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/install/run.sh <DEB_DIR> <OUT_DIR> [--timeout SEC]: the install
# layer of make check. What an operator does, end to end, on a Debian
# bookworm guest with its stock kernel:
#   1. a copy of the cached root file system (tests/install/rootfs.sh: an
#      overlay on it, or a plain copy where overlayfs is not available);
#   2. apt installs DEB_DIR's xballoon-dkms and xballoon-tools in it (chroot):
#      DKMS must build and install the module for the image's kernel there;
#   3. the cap goes into the shipped /etc/default/xballoon;
#   4. the image boots under QEMU (TCG) with systemd, twice: the checks of
#      tests/install/guest-test.sh run at each boot (a unit of this test, not
#      of the packages) and print TAP on the second serial port; the first
#      boot ends in a reboot, the second purges both packages and checks that
#      nothing is left, then powers off.
# The kernel console and each boot's kernel log are scanned for splats
# (tests/lib/splats.sh, as in tests/vm/run.sh).
#
# OUT_DIR receives result.tap, console.log and dmesg.log (both boots),
# tap.log, apt.log, qemu.log. Exit status: 0 if every test passed, 1 if not, 2 if the run could
# not be set up. Needs root (chroot, mounts).
#
# Environment: XB_INSTALL_CAP (default 40: % of a CPU written into the
# configuration), XB_VM_SMP (default 2), XB_VM_MEM (default 1024 MiB),
# XB_VM_ACCEL (default tcg,thread=single, see tests/vm/run.sh),
# XB_INSTALL_LOCK (a file: hold flock on it while a guest runs, for a
# caller that is not itself under the machine's guest lock).
# No set -e: each step's status is a test result (check $? ...).
set -u

# Bash reads a script as it runs it: the whole body is one compound command,
# parsed before it starts, so an edit of this file under a running test
# cannot make it run a line cut in half.
{

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
prog=xb-install

usage() {
	echo "usage: $0 <DEB_DIR> <OUT_DIR> [--timeout SEC]" >&2
	exit 2
}

msg() {
	echo "$prog: $*" >&2
}

debs='' out='' timeout=420
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	-*) usage ;;
	*)
		if [ -z "$debs" ]; then debs=$1
		elif [ -z "$out" ]; then out=$1
		else usage; fi
		shift
		;;
	esac
done
[ -n "$out" ] || usage

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/result.tap "$out"/console.log "$out"/tap.log "$out"/dmesg.log \
	"$out"/apt.log "$out"/qemu.log
case $out in
*,*) echo "OUT_DIR must not contain a comma: $out" >&2; exit 2 ;;
esac

n=0
allok=1
echo 'TAP version 13' > "$out/result.tap"
check() { # 0|1|ok|fail description
	n=$((n + 1))
	case $1 in
	0 | ok) echo "ok $n - install: $2" >> "$out/result.tap" ;;
	*) echo "not ok $n - install: $2" >> "$out/result.tap"; allok=0 ;;
	esac
}
diag() { # file: its lines as TAP comments
	[ -s "$1" ] || return 0
	sed 's/^/# /' "$1" >> "$out/result.tap"
}
finish() {
	echo "1..$n" >> "$out/result.tap"
	"$top/tests/lib/tap-summary.sh" "$out/result.tap" >&2 || :
	[ "$allok" = 1 ]
	exit $?
}
die() {
	msg "$*"
	check fail "$*"
	echo "1..$n" >> "$out/result.tap"
	exit 2
}

[ "$(id -u)" = 0 ] || die "needs root (chroot, mounts)"
dkms_deb=$(ls "$debs"/xballoon-dkms_*_all.deb 2>/dev/null | tail -n1)
tools_deb=$(ls "$debs"/xballoon-tools_*_amd64.deb 2>/dev/null | tail -n1)
[ -n "$dkms_deb" ] && [ -n "$tools_deb" ] ||
	die "no xballoon-dkms and xballoon-tools .debs in $debs (make deb)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"
command -v mke2fs >/dev/null || die "mke2fs not found"

cap_pct=${XB_INSTALL_CAP:-40}
t0=$SECONDS

# --- 1. the image -------------------------------------------------------------

rootfs=$("$here/rootfs.sh" 2>"$out/rootfs.log" | tail -n1) || rootfs=
if [ -z "$rootfs" ] || [ ! -f "$rootfs/.xb-complete" ]; then
	tail -n 20 "$out/rootfs.log" > "$out/rootfs.tail" 2>/dev/null || :
	diag "$out/rootfs.tail"
	die "the cached bookworm root file system builds (tests/install/rootfs.sh)"
fi
kver=$(sed -n 's/^kernelrelease //p' "$rootfs/.xb-complete")
check ok "bookworm root file system with kernel $kver ($rootfs)"

work=$(mktemp -d /var/tmp/xb-install.XXXXXX)
root=$work/root
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || :
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$root" "$work/upper" "$work/ow"
if mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/ow" \
	"$root" 2>/dev/null; then
	mounts+=("$root")
	how=overlay
else
	cp -a --reflink=auto "$rootfs/." "$root/" || die "cannot copy $rootfs"
	how=copy
fi
msg "image: $how of $rootfs ($((SECONDS - t0)) s)"

# --- 2. apt install in a chroot ------------------------------------------------

for m in proc sys dev dev/pts; do
	case $m in
	proc) mount -t proc proc "$root/proc" ;;
	sys) mount -t sysfs sys "$root/sys" ;;
	dev) mount --bind /dev "$root/dev" ;;
	dev/pts) mount -t devpts devpts "$root/dev/pts" ;;
	esac
	mounts+=("$root/$m")
done
# Nothing starts in the chroot (there is no systemd running there anyway).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/xb-debs"
cp "$dkms_deb" "$tools_deb" "$root/tmp/xb-debs/"
t1=$SECONDS
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
	apt-get install -y -q \
	"/tmp/xb-debs/${dkms_deb##*/}" "/tmp/xb-debs/${tools_deb##*/}" \
	> "$out/apt.log" 2>&1
r=$?
tail -n 12 "$out/apt.log" > "$work/apt.tail"
check $r "apt-get install ${dkms_deb##*/} ${tools_deb##*/} ($((SECONDS - t1)) s)"
[ $r = 0 ] || diag "$work/apt.tail"

ko=$(ls "$root/lib/modules/$kver/updates/dkms/"xballoon.ko* 2>/dev/null | head -n1)
[ -n "$ko" ]
check $? "DKMS built and installed xballoon.ko for $kver"
chroot "$root" dkms status xballoon > "$work/dkms.status" 2>&1 || :
grep -q "$kver.*installed" "$work/dkms.status"
check $? "dkms status: $(head -n1 "$work/dkms.status")"
[ -n "$ko" ] && [ "$(chroot "$root" modinfo -k "$kver" -F version xballoon 2>/dev/null)" = \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")" ]
check $? "the module's version is the tree's"
[ -L "$root/etc/systemd/system/multi-user.target.wants/xballoond.service" ]
check $? "the package enabled xballoond.service"

# --- 3. configuration, and the test's own unit -------------------------------

sed -i "s/^XBALLOON_CAP=.*/XBALLOON_CAP=$cap_pct/" "$root/etc/default/xballoon"
grep -q "^XBALLOON_CAP=$cap_pct\$" "$root/etc/default/xballoon"
check $? "cap $cap_pct % set in the shipped /etc/default/xballoon"
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root/tmp/xb-debs"
install -m 0755 "$here/guest-test.sh" "$root/usr/local/sbin/xb-install-test"
printf 'XB_CAP_PCT=%s\nXB_CAP_PM=%s\nXB_KVER=%s\n' "$cap_pct" $((cap_pct * 10)) \
	"$kver" > "$root/etc/xb-install-test.conf"
cat > "$root/etc/systemd/system/xb-install-test.service" <<'EOF'
[Unit]
Description=xballoon install test (tests/install/guest-test.sh)
After=xballoond.service

[Service]
# Not oneshot: it waits for the boot to finish, which would wait for it.
Type=simple
ExecStart=/usr/local/sbin/xb-install-test

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/xb-install-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/xb-install-test.service"

for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
	[ "${mounts[i]}" = "$root" ] && continue
	umount "${mounts[i]}"
	unset 'mounts[i]'
done

# The disk: the tree as an ext4 image (no loop device needed).
t1=$SECONDS
size=$(( $(du -sm "$root" | cut -f1) + 1024 ))
mke2fs -q -F -t ext4 -L root -d "$root" "$work/disk.img" "${size}M" \
	> "$work/mke2fs.log" 2>&1
r=$?
check $r "ext4 image of ${size} MiB ($((SECONDS - t1)) s)"
[ $r = 0 ] || { diag "$work/mke2fs.log"; finish; }
cp "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" "$work/"
msg "image ready in $((SECONDS - t0)) s"

# --- 4. two boots --------------------------------------------------------------

accel=${XB_VM_ACCEL:-tcg,thread=single}
cmdline="root=/dev/vda rw console=ttyS0 quiet panic=-1 oops=panic"
cmdline="$cmdline softlockup_panic=1 hung_task_panic=1"
cmdline="$cmdline sysctl.kernel.panic_on_rcu_stall=1"
: > "$out/console.log"
: > "$out/tap.log"
: > "$out/dmesg.log"
if [ -n "${XB_INSTALL_LOCK:-}" ]; then
	# Both boots under one hold: the reboot is one machine's.
	exec 8> "$XB_INSTALL_LOCK" && flock 8 ||
		die "cannot hold the lock $XB_INSTALL_LOCK"
fi
for b in 1 2; do
	t1=$SECONDS
	timeout -k 10 "$timeout" qemu-system-x86_64 -accel "$accel" -cpu max \
		-smp "${XB_VM_SMP:-2}" -m "${XB_VM_MEM:-1024}" \
		-nodefaults -display none -monitor none -no-reboot \
		-kernel "$work/vmlinuz-$kver" -initrd "$work/initrd.img-$kver" \
		-append "$cmdline" \
		-drive "file=$work/disk.img,format=raw,if=virtio,cache=unsafe" \
		-chardev "file,id=con,path=$work/console.$b" -serial chardev:con \
		-chardev "file,id=tap,path=$work/tap.$b" -serial chardev:tap \
		-chardev "file,id=dmesg,path=$work/dmesg.$b" -serial chardev:dmesg \
		< /dev/null >> "$out/qemu.log" 2>&1
	qrc=$?
	cat "$work/console.$b" >> "$out/console.log"
	cat "$work/tap.$b" >> "$out/tap.log"
	cat "$work/dmesg.$b" >> "$out/dmesg.log"
	case $qrc in
	0) check ok "boot $b: the guest stopped by itself ($((SECONDS - t1)) s)" ;;
	124 | 137) check fail "boot $b: killed after the ${timeout}s timeout" ;;
	*) check fail "boot $b: QEMU failed (exit $qrc)" ;;
	esac
	tr -d '\r' < "$work/tap.$b" | grep -E '^(not )?ok |^# ' > "$work/guest.$b" || :
	# The guest's results, renumbered after ours.
	while IFS= read -r line; do
		case $line in
		'ok '* | 'not ok '*)
			n=$((n + 1))
			st=${line%% [0-9]*}
			rest=${line#* [0-9]* - }
			[ "$st" = ok ] || allok=0
			echo "$st $n - install: $rest" >> "$out/result.tap"
			;;
		*) echo "$line" >> "$out/result.tap" ;;
		esac
	done < "$work/guest.$b"
	grep -q "^XB-INSTALL-DONE $b rc=" "$work/tap.$b"
	check $? "boot $b: the guest's checks ran to the end"
	if [ "$qrc" != 0 ] || ! grep -q "^XB-INSTALL-DONE $b rc=" "$work/tap.$b"; then
		tail -n 25 "$work/console.$b" | tr -d '\r' > "$work/console.tail"
		diag "$work/console.tail"
		break
	fi
done

# Kernel splats over both boots, the kernel command line echo left out.
. "$top/tests/lib/splats.sh"
cat "$out/console.log" "$out/dmesg.log" | tr -d '\r' | grep -nE "$splats" |
	grep -vE 'Kernel command line:|Command line:' | head -n 40 > "$work/splats" || :
logs=$(grep -c 'Linux version' "$out/dmesg.log")
[ "$logs" = 2 ]
check $? "the kernel log of each boot came back ($logs of 2)"
[ ! -s "$work/splats" ]
check $? "kernel log free of splats (both boots)"
diag "$work/splats"

msg "done in $((SECONDS - t0)) s"
echo "# install layer: $((SECONDS - t0)) s" >> "$out/result.tap"
finish
}
