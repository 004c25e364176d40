#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the in-guest tests of a payload inside a PV domU under Xen 4.17, with
# Xen itself running in QEMU (TCG): the host cannot load modules, and this
# is the hypervisor the project targets.  See tests/xen/README.md.
#
#   tests/xen/run.sh <KVER> <PAYLOAD_DIR> <OUT_DIR> [--timeout SEC]
#                    [--icount[=SHIFT]] [--net]
#
# Prints the combined TAP (also in OUT_DIR/result.tap) on stdout, progress
# on stderr; exits 0 only if every TAP line passed.
set -eu
set -o pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
t_start=$(date +%s)

XEN_VER=4.17
DOMU=xbdomu
DOM0_IP=10.0.0.1
DOMU_IP=10.0.0.2

usage() {
	cat <<EOF
usage: $prog <KVER> <PAYLOAD_DIR> <OUT_DIR> [options]

Boots Xen $XEN_VER (sched=XB_XEN_SCHED) in QEMU TCG with a PV dom0 on pCPU0 and
runs PAYLOAD_DIR/run-tests.sh in a PV domU (XB_DOMU_VCPUS vCPUs, default
1, vCPU i pinned to pCPU i+1, or all to XB_DOMU_CPUS) whose credit cap is
XB_XEN_CAP (default 50; 0 means uncapped).  Both run the Debian kernel KVER.  With XB_XEN_NEIGHBOUR=busy a
second PV domain that only burns CPU shares the domU's pCPU(s).

options:
  --timeout SEC      wall-clock limit for the whole run (default 600);
                     QEMU is killed when it expires
  --icount[=SHIFT]   deterministic guest time: -icount shift=SHIFT,sleep=off
                     (SHIFT defaults to 2)
  --net              dom0 <-> domU network: xen-netback in dom0, netfront in
                     the domU, dom0 $DOM0_IP, domU $DOMU_IP

environment:
  XB_XEN_CAP      cap of the domU in percent of one pCPU (default 50): Xen
                  caps a domain, not a vCPU, so 2 vCPUs at 50 % each is 100
  XB_XEN_SCHED    Xen's scheduler: credit (credit1, the default here) or
                  credit2 (Xen's own default: budget refilled every 10 ms)
  XB_DOMU_MEM     domU memory in MiB (default 256)
  XB_DOMU_MAXMEM  domU maximum memory in MiB (default XB_DOMU_MEM)
  XB_DOMU_VCPUS   the domU's vCPUs, 1-4 (default 1); QEMU emulates one
                  pCPU for dom0 and one per domU vCPU
  XB_DOMU_CPUS    pCPUs every vCPU of the domU may run on, an xl cpu list
                  (default: vCPU i on pCPU i+1 alone; 0 shares dom0's pCPU,
                  so dom0's load shows as steal)
  XB_XEN_NEIGHBOUR
                  none (default) or busy: a second PV domain (1 vCPU,
                  pinned to XB_DOMU_CPUS, no cap, default weight) whose
                  init is a busy loop, started before the domU; its CPU
                  time over the run is checked and reported
  XB_XEN_QEMU_CPU the CPU QEMU emulates (default max,-smap,-smep), e.g. to
                  try which of its features a platform problem follows
  XB_XEN_ARGS     more of Xen's command line, e.g. sched_ratelimit_us=0
                  (Xen's boot options, words without quotes)
  XB_DOM0_POLL    seconds between dom0's checks for the guest's end
                  (default 0.5); each forks a few processes
  XB_CACHE_DIR    cache for the Xen debs and the built images
                  (default /var/cache/xballoon, else ~/.cache/xballoon)
  XB_QEMU         QEMU binary (default qemu-system-x86_64)
EOF
}

log() {
	echo "$prog: $*" >&2
}

# Setup errors: still leave a TAP verdict for CI once OUT_DIR is known.
die() {
	log "$*"
	if [ -n "${out_ready:-}" ]; then
		printf 'TAP version 13\n1..0\nBail out! xen %s: %s\n' "$kver" "$*" |
			tee "$out/result.tap"
	fi
	exit 2
}

kver=
payload=
out=
timeout=600
icount=
net=0
while [ $# -gt 0 ]; do
	case $1 in
	--timeout)
		[ $# -ge 2 ] || die "--timeout needs a value"
		timeout=$2
		shift
		;;
	--timeout=*) timeout=${1#*=} ;;
	--icount) icount=2 ;;
	--icount=*) icount=${1#*=} ;;
	--net) net=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*)
		if [ -z "$kver" ]; then
			kver=$1
		elif [ -z "$payload" ]; then
			payload=$1
		elif [ -z "$out" ]; then
			out=$1
		else
			die "too many arguments (see --help)"
		fi
		;;
	esac
	shift
done
[ -n "$out" ] || {
	usage >&2
	exit 2
}

is_uint() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
}

cap=${XB_XEN_CAP:-50}
sched=${XB_XEN_SCHED:-credit}
case $sched in
credit | credit2) ;;
*) die "XB_XEN_SCHED: credit or credit2, not '$sched'" ;;
esac
xen_args=${XB_XEN_ARGS:-}
case $xen_args in
*[!a-zA-Z0-9_=,.:\ -]*) die "XB_XEN_ARGS: Xen boot options (name=value words), not '$xen_args'" ;;
esac
domu_mem=${XB_DOMU_MEM:-256}
domu_maxmem=${XB_DOMU_MAXMEM:-$domu_mem}
domu_vcpus=${XB_DOMU_VCPUS:-1}
case $domu_vcpus in
[1-4]) ;;
*) die "XB_DOMU_VCPUS: 1 to 4, not '$domu_vcpus'" ;;
esac
# xl's cpus: one list for every vCPU, or one per vCPU (["1", "2"]).
domu_cpus=${XB_DOMU_CPUS:-}
if [ -n "$domu_cpus" ]; then
	domu_cpus_cfg="\"$domu_cpus\""
elif [ "$domu_vcpus" = 1 ]; then
	domu_cpus=1
	domu_cpus_cfg='"1"'
else
	domu_cpus=1-$domu_vcpus
	domu_cpus_cfg=$(seq 1 "$domu_vcpus" | sed 's/.*/"&"/' | paste -sd, -)
	domu_cpus_cfg="[ $domu_cpus_cfg ]"
fi
neighbour=${XB_XEN_NEIGHBOUR:-none}
case $neighbour in
none | busy) ;;
*) die "XB_XEN_NEIGHBOUR: none or busy, not '$neighbour'" ;;
esac
dom0_poll=${XB_DOM0_POLL:-0.5}
qemu=${XB_QEMU:-qemu-system-x86_64}
xen_gz=/boot/xen-$XEN_VER-amd64.gz
vmlinuz=/boot/vmlinuz-$kver

is_uint "$timeout" || die "--timeout: not a number: $timeout"
is_uint "$cap" || die "XB_XEN_CAP: not a number: $cap"
is_uint "$domu_mem" || die "XB_DOMU_MEM: not a number: $domu_mem"
is_uint "$domu_maxmem" || die "XB_DOMU_MAXMEM: not a number: $domu_maxmem"
case $domu_cpus in
'' | *[!0-9,-]*) die "XB_DOMU_CPUS: not a cpu list (e.g. 0, 1, 0-1): $domu_cpus" ;;
esac
# One emulated pCPU for dom0, then enough for the highest one listed.
npcpu=$(echo "$domu_cpus" | sed 's/[,-]/\n/g' | sort -n | tail -n1)
npcpu=$((npcpu + 1))
[ "$npcpu" -ge 2 ] || npcpu=2
case $dom0_poll in
'' | *[!0-9.]* | *.*.* | .) die "XB_DOM0_POLL: not a number of seconds: $dom0_poll" ;;
esac
[ -z "$icount" ] || is_uint "$icount" || die "--icount: not a number: $icount"
[ -f "$vmlinuz" ] || die "no kernel $vmlinuz"
[ -d "/lib/modules/$kver" ] || die "no modules in /lib/modules/$kver"
[ -f "$xen_gz" ] || die "no hypervisor $xen_gz (scripts/install-deps.sh)"
[ -f "$payload/run-tests.sh" ] || die "no run-tests.sh in payload dir $payload"
command -v "$qemu" > /dev/null || die "no $qemu"
for tool in cpio ldd modprobe apt-get dpkg-deb flock timeout sha256sum xz zstd; do
	command -v "$tool" > /dev/null || die "missing tool: $tool"
done
busybox=$(command -v busybox) || die "no busybox (busybox-static)"
payload=$(cd "$payload" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Only what this script writes: OUT_DIR may hold other things.
for f in console.log serial1.log qemu.log status.txt sched-credit.txt \
	xl-create.log domu-console.log dom0-hook.log dom0-dmesg.log \
	xen-dmesg.log tap.log domu-stderr.log domu-dmesg.log result.tap \
	neighbour.txt neighbour-console.log; do
	rm -f "${out:?}/$f"
done
out_ready=1

# ---------------------------------------------------------------------------
# Cache: the Xen user space debs (downloaded once), and per kernel the
# hypervisor ELF, the domU vmlinux and the two base initramfs images, keyed
# by everything they are built from.

cache_root=${XB_CACHE_DIR:-/var/cache/xballoon}
if ! mkdir -p "$cache_root" 2> /dev/null || [ ! -w "$cache_root" ]; then
	cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/xballoon
	mkdir -p "$cache_root"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xb-xen.XXXXXX")
runner=
# shellcheck disable=SC2317 # called from traps
cleanup() {
	if [ -n "$runner" ] && kill -0 "$runner" 2> /dev/null; then
		kill "$runner" 2> /dev/null || true
	fi
	rm -rf "$work"
}
# Clean up from the signal handlers too: an interrupted run must not leave
# QEMU (in its own process group under timeout(1)) or 100 MB of images.
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM

# Serialise cache updates between concurrent runs (the two kernels, say).
exec 9> "$cache_root/.xen-harness.lock"
flock 9

debs=$cache_root/xen-debs
fetch_debs() {
	[ -s "$debs/.complete" ] && return 0
	log "downloading the Xen $XEN_VER user space debs into $debs"
	mkdir -p "$debs"
	# The Xen packages of the closure; glibc and friends come from the
	# host, which runs the same Debian release.
	local pkgs p f sandbox=
	# apt's _apt user may not be able to write to the cache directory.
	[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"xen-utils-$XEN_VER" xenstore-utils 2> /dev/null |
		grep -E '^(libxen|xen-utils-[0-9]|xenstore-utils|libyajl)' | sort -u) ||
		die "apt-cache cannot resolve xen-utils-$XEN_VER (apt-get update?)"
	# shellcheck disable=SC2086 # lists of words
	(cd "$debs" && apt-get download -q $sandbox $pkgs) >&2 ||
		die "apt-get download failed"
	: > "$debs/.complete.tmp"
	for p in $pkgs; do
		f=$(find "$debs" -maxdepth 1 -name "${p}_*.deb" -printf '%f\n' |
			sort -V | tail -n1)
		[ -n "$f" ] || die "package $p was not downloaded"
		echo "$f" >> "$debs/.complete.tmp"
	done
	mv "$debs/.complete.tmp" "$debs/.complete"
}
fetch_debs

# Host paths of the modules (dependencies first) that loading $@ needs.
# Fails (modprobe says why) on an unknown module; callers die: this runs
# in a command substitution.
resolve_modules() {
	local m
	for m; do
		modprobe --show-depends -S "$kver" "$m" || return 1
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# Copy host modules into a staging root, decompressed (busybox insmod takes
# plain .ko only), and write their in-guest paths, in order, to $2.
install_modules() {
	local root=$1 list=$2 path rel dst
	shift 2
	: > "$list"
	for path; do
		rel=${path#/lib/modules/}
		dst=${rel%.xz}
		dst=${dst%.zst}
		dst=${dst%.gz}
		mkdir -p "$root/usr/lib/modules/$(dirname "$dst")"
		case $path in
		*.xz) xz -dc "$path" > "$root/usr/lib/modules/$dst" ;;
		*.zst) zstd -dcq "$path" > "$root/usr/lib/modules/$dst" ;;
		*.gz) gzip -dc "$path" > "$root/usr/lib/modules/$dst" ;;
		*) cp "$path" "$root/usr/lib/modules/$dst" ;;
		esac
		echo "/lib/modules/$dst" >> "$list"
	done
}

# A usrmerged skeleton with busybox as /bin/sh and $2 as /init.
make_skeleton() {
	local root=$1
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64} \
		"$root"/{etc/xb,proc,sys,dev,run,tmp,root,var/lib/xb,var/log}
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	ln -s ../run "$root/var/run"
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 0755 "$2" "$root/init"
}

make_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$2"
}

# The uncompressed ELF inside a bzImage (scripts/extract-vmlinux's method):
# find a compressed stream that decompresses to an ELF.  libxenguest could
# unpack the bzImage itself, but in dom0 under TCG that is far slower.
extract_vmlinux() {
	local img=$1 dst=$2 magic dec off
	for magic in '\xfd7zXZ\x00:xz -dcq' '\x28\xb5\x2f\xfd:zstd -dcq' \
		'\x1f\x8b\x08:gzip -dcq' '\x02\x21\x4c\x18:lz4 -dcq'; do
		dec=${magic#*:}
		command -v "${dec%% *}" > /dev/null || continue
		# shellcheck disable=SC2013 # offsets: one number a line
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$img" | cut -d: -f1); do
			# The stream is followed by other data: ignore the
			# decompressor's complaint, check the result.
			tail -c "+$((off + 1))" "$img" | $dec > "$dst" 2> /dev/null || true
			if [ "$(head -c 4 "$dst" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				return 0
			fi
		done
	done
	return 1
}

# Copy the Xen binaries and the shared libraries they need into a staging
# root.  ldd resolves the Xen libraries from the extracted debs and the rest
# from the host (same Debian release); glibc dlopens libgcc_s.so.1 at run
# time (pthread_cancel/exit unwinding), which ldd does not list: without it
# "xl create" aborts.
install_xen_userspace() {
	local root=$1 xr=$2 bin lib libs
	local bins="usr/lib/xen-$XEN_VER/bin/xl usr/lib/xen-$XEN_VER/bin/xenstored
		usr/lib/xen-$XEN_VER/bin/xenconsoled
		usr/lib/xen-$XEN_VER/bin/xen-init-dom0 usr/bin/xenstore"
	mkdir -p "$root/usr/lib/xen-$XEN_VER/bin"
	for bin in $bins; do
		cp "$xr/$bin" "$root/$bin"
		libs=$(LD_LIBRARY_PATH=$xr/usr/lib/x86_64-linux-gnu ldd "$xr/$bin") ||
			die "ldd $bin failed"
		if echo "$libs" | grep -q 'not found'; then
			die "ldd $bin: $(echo "$libs" | grep 'not found' | tr -s ' \t\n' ' ')"
		fi
		for lib in $(echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
			cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/${lib##*/}"
		done
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$root/usr/lib64/"
	lib=$(/sbin/ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !n++ { print $NF }')
	[ -n "$lib" ] || die "no libgcc_s.so.1 on the host"
	cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"
	# xenstore-utils is one binary that acts on its name.
	for bin in read write exists ls list rm chmod watch; do
		ln -s xenstore "$root/usr/bin/xenstore-$bin"
	done
}

build_artifacts() {
	local dir=$1 xr=$work/xen-root root deb mods
	log "building the Xen images for $kver in $dir"
	mkdir -p "$dir"
	gzip -dc "$xen_gz" > "$dir/xen.elf"

	mkdir -p "$xr"
	while read -r deb; do
		dpkg-deb -x "$debs/$deb" "$xr"
	done < "$debs/.complete"

	root=$work/dom0-root
	make_skeleton "$root" "$here/dom0-init.sh"
	install -m 0755 "$here/vif-xb.sh" "$root/etc/xb/vif-xb"
	# dom0's memory is fixed by dom0_mem: xl must not balloon it down
	# (and without a config file it complains on every call).
	mkdir -p "$root/etc/xen"
	echo 'autoballoon = "off"' > "$root/etc/xen/xl.conf"
	install_xen_userspace "$root" "$xr"
	# Resolved into variables first: set -e ignores a failing command
	# substitution inside an argument list.  Module paths have no spaces.
	mods=$(resolve_modules xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc) ||
		die "cannot resolve the dom0 modules for $kver"
	# shellcheck disable=SC2086
	install_modules "$root" "$root/etc/xb/dom0-modules" $mods
	mods=$(resolve_modules xen-netback) ||
		die "cannot resolve xen-netback for $kver"
	# shellcheck disable=SC2086
	install_modules "$root" "$root/etc/xb/dom0-net-modules" $mods
	extract_vmlinux "$vmlinuz" "$root/var/lib/xb/vmlinux" ||
		die "cannot extract an ELF vmlinux from $vmlinuz"
	make_cpio "$root" "$dir/dom0-base.cpio"

	root=$work/domu-root
	make_skeleton "$root" "$here/domu-init.sh"
	make_cpio "$root" "$dir/domu-base.cpio"

	# The busy neighbour (XB_XEN_NEIGHBOUR=busy): busybox and a loop.
	root=$work/neighbour-root
	make_skeleton "$root" "$here/neighbour-init.sh"
	make_cpio "$root" "$dir/neighbour.cpio"
	rm -rf "$work/dom0-root" "$work/domu-root" "$work/neighbour-root" "$xr"
	touch "$dir/.complete"
}

key=$( (
	cat "$here/run.sh" "$here/dom0-init.sh" "$here/domu-init.sh" \
		"$here/neighbour-init.sh" "$here/vif-xb.sh" "$vmlinuz" "$xen_gz" "$debs/.complete" "$busybox"
) | sha256sum | cut -c1-16)
art=$cache_root/xen-harness/$kver-$key
if [ ! -f "$art/.complete" ]; then
	# Older builds for this kernel are stale now.
	rm -rf "$cache_root/xen-harness/$kver"-*
	build_artifacts "$art.tmp"
	mv "$art.tmp" "$art"
fi
exec 9>&-

# ---------------------------------------------------------------------------
# Per-run images: the domU initramfs (payload at /xb, modules.list) goes into
# the dom0 initramfs, appended as a second cpio archive (the kernel unpacks
# concatenated archives).  Everything stays uncompressed: decompression
# under TCG costs seconds, copying does not.

elapsed=$(($(date +%s) - t_start))
remaining=$((timeout - elapsed))
[ "$remaining" -ge 60 ] || die "only ${remaining}s of the ${timeout}s timeout left to boot Xen"
# dom0 gives up on the guest early enough to still send its logs (Xen and
# dom0 boot in ~20 s, the report and reboot take a few more).
guest_timeout=$((remaining - 60))
[ "$guest_timeout" -ge 30 ] || guest_timeout=30

domu_mods=()
if [ -f "$payload/modules.list" ]; then
	while read -r m; do
		case $m in '' | '#'*) continue ;; esac
		domu_mods+=("$m")
	done < "$payload/modules.list"
fi
[ "$net" = 0 ] || domu_mods+=(xen-netfront)

root=$work/domu-run
mkdir -p "$root/etc/xb" "$root/xb"
cp -a "$payload/." "$root/xb/"
mods=
if [ ${#domu_mods[@]} != 0 ]; then
	mods=$(resolve_modules "${domu_mods[@]}") ||
		die "cannot resolve the domU modules (${domu_mods[*]}) for $kver"
fi
# shellcheck disable=SC2086 # module paths have no spaces
install_modules "$root" "$root/etc/xb/modules" $mods
cat > "$root/etc/xb/domu.conf" <<EOF
XB_CAP=$cap
XB_NET=$net
XB_DOMU_IP=$DOMU_IP
XB_DOM0_IP=$DOM0_IP
EOF
make_cpio "$root" "$work/domu-run.cpio"

hook=0
[ ! -f "$payload/dom0-run.sh" ] || hook=1
root=$work/dom0-run
mkdir -p "$root/etc/xb" "$root/var/lib/xb"
cat "$art/domu-base.cpio" "$work/domu-run.cpio" > "$root/var/lib/xb/domu.cpio"
if [ "$hook" = 1 ]; then
	mkdir -p "$root/xb"
	cp -a "$payload/." "$root/xb/"
fi
cat > "$root/etc/xb/run.conf" <<EOF
XB_KVER=$kver
XB_CAP=$cap
XB_SCHED=$sched
XB_NET=$net
XB_HOOK=$hook
XB_NEIGHBOUR=$neighbour
XB_GUEST_TIMEOUT=$guest_timeout
XB_DOM0_POLL=$dom0_poll
XB_DOMU_IP=$DOMU_IP
XB_DOM0_IP=$DOM0_IP
EOF
# quiet: below err, kernel messages stay off the console that carries the
# TAP; the domU dumps its whole kernel log after the tests instead.
{
	echo "name = \"$DOMU\""
	echo 'type = "pv"'
	echo 'kernel = "/var/lib/xb/vmlinux"'
	echo 'ramdisk = "/var/lib/xb/domu.cpio"'
	echo 'cmdline = "console=hvc0 quiet"'
	echo "memory = $domu_mem"
	echo "maxmem = $domu_maxmem"
	echo "vcpus = $domu_vcpus"
	echo "cpus = $domu_cpus_cfg"
	echo 'on_poweroff = "destroy"'
	echo 'on_reboot = "destroy"'
	echo 'on_crash = "destroy"'
	if [ "$net" = 1 ]; then
		echo "vif = [ 'script=/etc/xb/vif-xb,ip=$DOMU_IP,mac=00:16:3e:78:62:02' ]"
	fi
} > "$root/etc/xb/domu.cfg"
if [ "$neighbour" = busy ]; then
	cp "$art/neighbour.cpio" "$root/var/lib/xb/neighbour.cpio"
	# On the domU's pCPUs, no cap, the default weight (256): as much
	# right to the pCPU as the domU.
	{
		echo 'name = "xbnbr"'
		echo 'type = "pv"'
		echo 'kernel = "/var/lib/xb/vmlinux"'
		echo 'ramdisk = "/var/lib/xb/neighbour.cpio"'
		echo 'cmdline = "console=hvc0 quiet"'
		echo 'memory = 128'
		echo 'vcpus = 1'
		echo "cpus = \"$domu_cpus\""
		echo 'on_poweroff = "destroy"'
		echo 'on_reboot = "destroy"'
		echo 'on_crash = "destroy"'
	} > "$root/etc/xb/neighbour.cfg"
fi
make_cpio "$root" "$work/dom0-run.cpio"
cat "$art/dom0-base.cpio" "$work/dom0-run.cpio" > "$work/dom0.cpio"
rm -rf "$work/domu-run" "$work/dom0-run" "$work/domu-run.cpio" "$work/dom0-run.cpio"

# ---------------------------------------------------------------------------
# Boot.  QEMU's multiboot loader hands Xen the dom0 kernel (with its command
# line) and the initramfs as modules; commas in -initrd separate modules, so
# commas in paths must be doubled.

qarg() {
	printf '%s' "$1" | sed 's/,/,,/g'
}

# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
qemu_args=(
	-nodefaults -no-user-config -display none -no-reboot
	-accel tcg -machine q35 -cpu "${XB_XEN_QEMU_CPU:-max,-smap,-smep}" -smp "$npcpu" -m 2048
	-kernel "$art/xen.elf"
	-append "console=com1 com1=115200,8n1 sched=$sched dom0_mem=768M,max:768M dom0_max_vcpus=1 dom0_vcpus_pin${xen_args:+ $xen_args}"
	-initrd "$(qarg "$vmlinuz") console=hvc0 earlyprintk=xen quiet,$(qarg "$work/dom0.cpio")"
	-chardev "file,id=com1,path=$(qarg "$out/console.log")" -serial chardev:com1
	-chardev "file,id=com2,path=$(qarg "$out/serial1.log")" -serial chardev:com2
)
[ -z "$icount" ] || qemu_args+=(-icount "shift=$icount,sleep=off")

elapsed=$(($(date +%s) - t_start))
remaining=$((timeout - elapsed))
log "booting Xen + $kver (cap $cap, domU: $domu_vcpus vCPU on pCPU $domu_cpus, neighbour $neighbour, net $net${icount:+, icount $icount}), ${remaining}s left"
t_boot=$(date +%s)
qemu_rc=0
timeout -k 10 "$remaining" "$qemu" "${qemu_args[@]}" < /dev/null 2> "$out/qemu.log" &
runner=$!
wait "$runner" || qemu_rc=$?
runner=
t_qemu=$(($(date +%s) - t_boot))
log "QEMU ended after ${t_qemu}s (rc $qemu_rc)"

# ---------------------------------------------------------------------------
# Split dom0's report into OUT, then judge.  Diagnostics are best effort: a
# grep that finds nothing must not end the script.
set +o pipefail

# $1: the stream, $2: the output directory.
split_report() {
	tr -d '\r' < "$1" | awk -v dir="$2" '
		/^XB-BEGIN [A-Za-z0-9._-]+$/ { f = dir "/" $2; printf "" > f; next }
		/^XB-END / { if (f != "") close(f); f = ""; next }
		f != "" { print > f }'
}

report=none
if grep -q '^XB-DOM0-DONE' "$out/serial1.log" 2> /dev/null; then
	report=serial1
	split_report "$out/serial1.log" "$out"
elif grep -q '^XB-DOM0-DONE' "$out/console.log" 2> /dev/null; then
	report=console
	split_report "$out/console.log" "$out"
elif [ -s "$out/serial1.log" ]; then
	report=partial
	split_report "$out/serial1.log" "$out"
fi
domu_log=$out/domu-console.log
have_domu_log=0
[ ! -f "$domu_log" ] || have_domu_log=1
touch "$domu_log" "$out/status.txt" "$out/sched-credit.txt"
sed -n 's/^XBTAP|//p' "$domu_log" > "$out/tap.log"
sed -n 's/^XBERR|//p' "$domu_log" > "$out/domu-stderr.log"
sed -n 's/^XBKMSG|//p' "$domu_log" > "$out/domu-dmesg.log"

# The harness's own results, numbered when result.tap is assembled (tap is
# called at the end of pipelines, in subshells: no counters here).
results=$work/harness.tap
: > "$results"
# $1: 0 = pass, else fail; $2: description; stdin: diagnostics
tap() {
	if [ "$1" = 0 ]; then
		echo "ok - xen $kver: $2" >> "$results"
	else
		echo "not ok - xen $kver: $2" >> "$results"
	fi
	sed 's/^/#   /' >> "$results"
}
statusv() {
	sed -n "s/^.*\\<$1=\\([^ ]*\\).*/\\1/p" "$out/status.txt" | tail -n1
}

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "timed out after ${timeout}s; QEMU killed" | tap 1 "run completed within the timeout"
elif [ "$qemu_rc" != 0 ]; then
	tail -n 10 "$out/qemu.log" | tap 1 "run completed within the timeout (QEMU failed, rc $qemu_rc)"
else
	tap 0 "run completed within the timeout (QEMU ${t_qemu}s)" < /dev/null
fi

if [ "$(statusv toolstack)" = ok ]; then
	tap 0 "dom0 toolstack came up" < /dev/null
else
	{
		echo "report: $report"
		cat "$out/status.txt"
		tail -n 15 "$out/console.log" 2> /dev/null || true
	} | tap 1 "dom0 toolstack came up"
fi

cap_seen=$(awk -v d="$DOMU" '$1 == d { print $4 }' "$out/sched-credit.txt")
if [ "$(statusv unpause)" = ok ] && [ "$cap_seen" = "$cap" ]; then
	tap 0 "domU started with $sched cap $cap (xl sched-$sched)" < /dev/null
else
	{
		cat "$out/status.txt" "$out/sched-credit.txt"
		cat "$out/xl-create.log" 2> /dev/null || true
	} | tap 1 "domU started with $sched cap $cap (xl sched-$sched)"
fi

guest_rc=$(sed -n 's/^XB-GUEST-DONE rc=\([0-9]*\).*/\1/p' "$domu_log" | tail -n1)
if [ "$guest_rc" = 0 ]; then
	tap 0 "guest tests finished (rc 0)" < /dev/null
elif [ -n "$guest_rc" ]; then
	tap 1 "guest tests finished (rc $guest_rc)" < /dev/null
else
	{
		echo "no XB-GUEST-DONE sentinel; dom0 says guest=$(statusv guest)"
		grep -v '^XB\(TAP\|ERR\|KMSG\)|' "$domu_log" | tail -n 20 || true
	} | tap 1 "guest tests finished"
fi

# The neighbour: it booted to its loop and took CPU time all along (xl
# list's CPU seconds over dom0's uptime, from its start to the domU's end).
# Beside a domU of the same weight it gets at least half of the pCPU
# whenever both want it, and all of it while the domU idles.
if [ "$neighbour" = busy ]; then
	nb=$(awk 'NR == 1 {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["t1"] > v["t0"])
			printf "%.1f %.1f %.1f", v["cpu1"] - v["cpu0"], v["t1"] - v["t0"],
				(v["cpu1"] - v["cpu0"]) * 100 / (v["t1"] - v["t0"])
	}' "$out/neighbour.txt" 2> /dev/null | head -n1)
	# shellcheck disable=SC2086 # three numbers, one word each
	set -- $nb
	touch "$out/neighbour-console.log"
	if [ $# = 3 ] && grep -q XB-NEIGHBOUR-BUSY "$out/neighbour-console.log" &&
		awk -v p="$3" 'BEGIN { exit !(p >= 25) }'; then
		log "neighbour xbnbr: busy, $1 s of CPU in $2 s ($3 % of a pCPU)"
		tap 0 "busy neighbour ran on pCPU $domu_cpus: $1 s of CPU in $2 s ($3 %)" \
			< "$out/neighbour.txt"
	else
		{
			echo "neighbour.txt:"
			cat "$out/neighbour.txt" 2> /dev/null
			echo "its console:"
			tail -n 5 "$out/neighbour-console.log"
		} | tap 1 "busy neighbour ran on pCPU $domu_cpus (at least 25 % of it)"
	fi
fi

if [ "$net" = 1 ]; then
	if grep -q '^XB-NET rc=0' "$domu_log"; then
		tap 0 "domU pinged dom0 over netfront/netback" < /dev/null
	else
		grep '^XB-NET' "$domu_log" | tap 1 "domU pinged dom0 over netfront/netback"
	fi
fi
if [ "$hook" = 1 ]; then
	if [ "$(statusv hook-rc)" = 0 ]; then
		tap 0 "dom0-run.sh exited 0" < /dev/null
	else
		tail -n 20 "$out/dom0-hook.log" 2> /dev/null |
			tap 1 "dom0-run.sh exited $(statusv hook-rc)"
	fi
fi

# Kernel splats (dom0, domU) and Xen crashes.  Xen prints benign lines such
# as "(XEN) *** Building a PV Dom0 ***", so its panics are matched by their
# banner of asterisks and their own words instead of "(XEN) ***".
linux_re='BUG:|WARNING:|(^|[^[:alnum:]_])Oops([^[:alnum:]_]|$)|Call Trace|Kernel panic'
linux_re+='|self-detected stall|rcu: INFO:|detected stalls on CPUs|soft lockup|hard LOCKUP'
linux_re+='|hung_task|blocked for more than|UBSAN:|KASAN:|general protection fault'
linux_re+='|kernel BUG at|Unable to handle|possible (circular|recursive) locking'
linux_re+='|inconsistent lock state|suspicious RCU usage|lock held when returning'
xen_re='\(XEN\) \*{20,}|Panic on CPU|Assertion .* failed|Xen BUG at|Xen WARN at'
xen_re+='|FATAL TRAP|FATAL PAGE FAULT|Xen call trace'
# $1: description, $2: file, $3: regex
splat_check() {
	local hits
	if [ ! -f "$2" ]; then
		echo "missing ${2##*/}" | tap 1 "no splat in $1"
		return
	fi
	hits=$(tr -d '\r' < "$2" | grep -E -- "$3" | awk 'NR <= 10') || true
	if [ -z "$hits" ]; then
		tap 0 "no splat in $1" < /dev/null
	else
		echo "$hits" | tap 1 "no splat in $1 (${2##*/})"
	fi
}
splat_check "the Xen + dom0 console" "$out/console.log" "$linux_re|$xen_re"
splat_check "the dom0 kernel log" "$out/dom0-dmesg.log" "$linux_re"
# The domU's own output (TAP, stderr) is the payload's business: judge the
# kernel's lines only (console + dumped log).
if [ "$have_domu_log" = 1 ]; then
	grep -v '^XB\(TAP\|ERR\)|' "$domu_log" > "$work/domu-console.log" || true
fi
splat_check "the domU console and kernel log" "$work/domu-console.log" "$linux_re"

# ---------------------------------------------------------------------------
# result.tap: one TAP document, the guest's results first (its own plan and
# version line dropped), then the harness's, numbered on, plan in front.

guest_plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$out/tap.log" | awk 'NR == 1')
guest_n=$(grep -cE '^(not )?ok([^[:alnum:]]|$)' "$out/tap.log") || true
guest_fail=$(grep -E '^not ok([^[:alnum:]]|$)' "$out/tap.log" |
	grep -cviE '#[[:space:]]*(TODO|SKIP)') || true
bail=$(grep -c '^Bail out!' "$out/tap.log") || true
if [ -n "$guest_plan" ] && [ "$guest_plan" = "$guest_n" ] && [ "$bail" = 0 ]; then
	tap 0 "guest TAP complete ($guest_n results, plan 1..$guest_plan)" < /dev/null
else
	echo "plan 1..${guest_plan:-?}, $guest_n results, $bail bail-outs" |
		tap 1 "guest TAP complete"
fi

n_h=$(grep -cE '^(not )?ok ' "$results") || true
n_fail=$(grep -c '^not ok ' "$results") || true
total=$((guest_n + n_h))
{
	echo "TAP version 13"
	echo "1..$total"
	grep -vE '^(TAP version|1\.\.[0-9])' "$out/tap.log" || true
	awk -v n="$guest_n" '
		/^ok - / { $0 = "ok " ++n substr($0, 3) }
		/^not ok - / { $0 = "not ok " ++n substr($0, 7) }
		{ print }' "$results"
	echo "# xen $kver: cap $cap, guest rc ${guest_rc:-none}, QEMU ${t_qemu}s, total $(($(date +%s) - t_start))s, report via $report"
} > "$out/result.tap"
cat "$out/result.tap"

if [ "$n_fail" = 0 ] && [ "$guest_fail" = 0 ]; then
	exit 0
fi
exit 1
