#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/debug-kernel.sh [--dir] NAME: build (or reuse) the debug kernel
# NAME, one of tests/debug/*.config but base.config (kasan, kcsan), from
# Debian's linux-source-6.12, and print its build directory on the last line
# of stdout. Everything else goes to stderr. --dir: only print where it is
# or would be, build nothing.
#
# The kernel is `make allnoconfig` plus tests/debug/base.config plus
# tests/debug/NAME.config, merged by the kernel's merge_config.sh; every
# option that a fragment sets (=y, =value or "is not set") is checked in the
# final .config, since Kconfig silently drops an option whose dependencies
# are not met.
#
# The build is cached outside the work tree, so that a fresh clone on the
# same machine (CI) reuses it:
#   $XB_KERNEL_CACHE/src-<package version>/   the unpacked source, shared
#   $XB_KERNEL_CACHE/NAME-<hash>/             the O= build: bzImage, .config,
#       Module.symvers, scripts, generated headers: what `make -C DIR M=...`
#       needs to build the module (object files are pruned); .xb-complete is
#       written last, after a test module built against the pruned tree.
# <hash> covers the package version, the options of both fragments (not
# their comments), the compiler version and this script's $layout. A directory without .xb-complete is a partial
# build (killed, or in progress under the lock): it is never used; the next
# run resumes it. $XB_KERNEL_CACHE/READY lists the complete builds.
#
# Environment: XB_KERNEL_CACHE (default /var/cache/xballoon/kernels),
# XB_LINUX_SOURCE (default /usr/src/linux-source-6.12.tar.xz),
# XB_JOBS (default: nproc).
set -euo pipefail

# Bash reads a script as it runs it: the whole body is one compound command,
# parsed before it starts, so a checkout that changes this file under a
# running build cannot make it run a line cut in half.
{

# Bump when the build or the pruning changes what ends up in the cache.
layout=1

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${XB_KERNEL_CACHE:-/var/cache/xballoon/kernels}
tarball=${XB_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
jobs=${XB_JOBS:-$(nproc)}

msg() {
	echo "debug-kernel: $*" >&2
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
[ $# -eq 1 ] || die "usage: $0 [--dir] NAME (one of: $(cd "$top/tests/debug" &&
	ls ./*.config | sed 's|^\./||; s|\.config$||' | grep -vx base | tr '\n' ' '))"
name=$1
base=$top/tests/debug/base.config
frag=$top/tests/debug/$name.config
case $name in
base | *[!a-z0-9_-]*) die "bad name: $name" ;;
esac
[ -f "$frag" ] || die "no fragment $frag"
[ -r "$tarball" ] || die "no $tarball: run make deps"
for tool in flex bison bc gcc make; do
	command -v "$tool" >/dev/null || die "$tool not found: run make deps"
done
[ -f /usr/include/gelf.h ] || die "no libelf headers (objtool): run make deps"

# The package version, not the tarball's mtime: a reinstall of the same
# version must reuse the cache.
pkgver=$(dpkg-query -W -f '${Version}' \
	"$(dpkg -S "$tarball" 2>/dev/null | cut -d: -f1 | head -n1)" 2>/dev/null) ||
	pkgver=
[ -n "$pkgver" ] || pkgver=$(stat -c %s-%Y "$tarball")
gccver=$(gcc --version | head -n1)
hash=$(
	{
		echo "layout $layout"
		echo "name $name"
		echo "source $pkgver"
		echo "gcc $gccver"
		# The options only: a comment edit keeps the cache.
		grep -hE '^(CONFIG_|# CONFIG_.* is not set)' "$base" "$frag"
	} | sha256sum | cut -c1-16
)
safe_ver=$(echo "$pkgver" | tr -c 'A-Za-z0-9._\n-' '_')
src=$cache/src-$safe_ver
out=$cache/$name-$hash
if [ "$dironly" = 1 ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"

# ready: rewrite READY, the list of complete builds, for whoever wants one.
ready() {
	local d
	for d in "$cache"/*/.xb-complete; do
		[ -e "$d" ] && dirname "$d"
	done > "$cache/.READY.$$"
	mv "$cache/.READY.$$" "$cache/READY"
}

if [ -f "$out/.xb-complete" ]; then
	msg "$name: cached in $out"
	echo "$out"
	exit 0
fi

# One builder per directory; a second caller waits and then reuses.
exec 9>"$out.lock"
flock 9
if [ -f "$out/.xb-complete" ]; then
	msg "$name: built meanwhile in $out"
	echo "$out"
	exit 0
fi

start=$SECONDS
# The source, unpacked once for all builds: renamed into place only when
# complete, and never written to after (builds go to O=).
exec 8>"$src.lock"
flock 8
if [ ! -d "$src" ]; then
	msg "unpacking $tarball ($pkgver)"
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi
flock -u 8

# A directory without the marker is a build that was cut short: resume it.
# Same hash, same inputs; Kbuild rebuilds every target whose .cmd file is
# missing, and writes that file only once the target is complete.
[ -d "$out" ] && msg "$name: resuming the partial build in $out"
mkdir -p "$out"
# LOCALVERSION names the kernel: `uname -r` in the guest is the KVER the
# harness is given, and the payload's directory.
cat > "$out/.xb-local.config" <<EOF
CONFIG_LOCALVERSION="-xb-$name"
# CONFIG_LOCALVERSION_AUTO is not set
EOF
msg "$name: configuring in $out"
# merge_config.sh makes its temporary files in the current directory.
# -m: merge only; allnoconfig below, with the merged fragments as
# KCONFIG_ALLCONFIG (merge_config.sh would run make in the current
# directory, which must not be the shared source).
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -n -O "$out" \
	-m "$base" "$frag" "$out/.xb-local.config" >"$out/.xb-config.log" 2>&1 &&
	mv "$out/.config" "$out/.xb-merged.config" &&
	make -C "$src" O="$out" KCONFIG_ALLCONFIG="$out/.xb-merged.config" \
	allnoconfig >>"$out/.xb-config.log" 2>&1) ||
	{ tail -n 20 "$out/.xb-config.log" >&2; die "$name: configuration failed"; }

# Every option the fragments set must be in the final .config as set.
missing=0
while read -r line; do
	case $line in
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$out/.config"; then
			msg "$name: $opt is set, wanted off: $(grep "^$opt=" "$out/.config")"
			missing=$((missing + 1))
		fi
		;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$out/.config"; then
			have=$(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || :)
			msg "$name: wanted $line, got ${have:-nothing}"
			missing=$((missing + 1))
		fi
		;;
	esac
done < <(cat "$base" "$frag" "$out/.xb-local.config")
[ "$missing" = 0 ] || die "$name: $missing options of the fragments not in .config"

krel=$(make -s -C "$src" O="$out" kernelrelease)
msg "$name: building $krel with $jobs jobs (log: $out/.xb-build.log)"
if ! make -C "$src" O="$out" -j"$jobs" all >"$out/.xb-build.log" 2>&1; then
	grep -E 'error|Error' "$out/.xb-build.log" | tail -n 20 >&2
	die "$name: build failed, see $out/.xb-build.log"
fi
[ -f "$out/arch/x86/boot/bzImage" ] && [ -f "$out/Module.symvers" ] ||
	die "$name: no bzImage or Module.symvers after the build"
built=$((SECONDS - start))

# Prune what an out-of-tree module build never reads: object files and
# archives outside scripts/ and tools/ (their host programs stay), the
# vmlinux images (no debug info in them; System.map stays, for symbols).
find "$out" \( -path "$out/scripts" -o -path "$out/tools" \) -prune -o \
	-type f \( -name '*.o' -o -name '*.a' -o -name '*.o.cmd' \
	-o -name '*.a.cmd' -o -name '.*.o.cmd' -o -name '.*.a.cmd' \) \
	-print0 | xargs -0 rm -f
rm -f "$out"/.tmp_vmlinux* "$out/vmlinux" "$out/vmlinux.o" "$out/vmlinux.a" "$out/arch/x86/boot/compressed/vmlinux" \
	"$out/arch/x86/boot/compressed/vmlinux.bin"*

# The pruned tree must still build a module: try one before saying so.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat > "$probe/xbprobe.c" <<'EOF'
#include <linux/module.h>
#include <linux/spinlock.h>
static DEFINE_SPINLOCK(xbprobe_lock);
static int __init xbprobe_init(void)
{
	spin_lock(&xbprobe_lock);
	spin_unlock(&xbprobe_lock);
	return 0;
}
module_init(xbprobe_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := xbprobe.o' > "$probe/Kbuild"
make -C "$out" M="$probe" modules >"$out/.xb-probe.log" 2>&1 &&
	[ -f "$probe/xbprobe.ko" ] ||
	{ tail -n 20 "$out/.xb-probe.log" >&2; die "$name: a module does not build against $out"; }

{
	echo "kernelrelease $krel"
	echo "source $pkgver"
	echo "gcc $gccver"
	echo "layout $layout"
	echo "build_seconds $built"
	echo "jobs $jobs"
	date -u +"built %Y-%m-%dT%H:%M:%SZ"
} > "$out/.xb-complete.tmp"
sync
mv "$out/.xb-complete.tmp" "$out/.xb-complete"
ready
msg "$name: $krel built in ${built}s, $(du -sh "$out" | cut -f1) in $out"
echo "$out"
exit 0
}
