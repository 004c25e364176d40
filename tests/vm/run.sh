#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/run.sh <KVER> <PAYLOAD_DIR> <OUT_DIR> [--timeout SEC] [--interactive]
#
# Boot Debian kernel KVER in QEMU with a busybox initramfs that carries
# PAYLOAD_DIR as /xb, run /xb/run-tests.sh in the guest and collect its TAP.
# The host cannot load modules, so every module test goes through here.
#
# OUT_DIR receives:
#   result.tap          the guest's TAP plus this harness's own checks
#   console.log         the kernel console (ttyS0)
#   tap.log             raw output of run-tests.sh (ttyS1), with the harness's
#                       XB-GUEST-* protocol lines
#   dmesg.log           the whole kernel log, dumped by /init at the end (ttyS2)
#   qemu.log            QEMU's own stdout/stderr
#   initramfs.cpio.gz   the initramfs, to re-run by hand
# Exit status: 0 if every test in result.tap passed, 1 if not, 2 if the run
# could not even be set up.
#
# PAYLOAD_DIR/modules.list (optional): kernel modules to load before the
# tests, one per line ("name [param=value...]", "#" comments).  They are
# resolved with their dependencies from /lib/modules/KVER/modules.dep and
# loaded in dependency order.  Note that on 6.1 virtio_pci is a module (it is
# built in on 6.12): a virtio NIC needs "virtio_pci" listed as well there.
# A kernel without loadable modules but ours (scripts/debug-kernel.sh) has
# modules.builtin and no modules.dep: every name must then be built in.
#
# Environment:
#   XB_VM_SMP=2          vCPUs
#   XB_VM_MEM=512        MiB of guest memory
#   XB_VM_ACCEL          tcg or kvm; default kvm only with hardware KVM
#                        (kvm_intel/kvm_amd), tcg,thread=single otherwise
#   XB_VM_CGROUP         a cgroup directory (e.g. /sys/fs/cgroup/cpu/xb): QEMU
#                        runs in it from its first instruction
#   XB_VM_APPEND         extra kernel command line
#   XB_QEMU_EXTRA        extra QEMU arguments, split at blanks (e.g. -netdev
#                        tap,... -device virtio-net-pci,...)
#   XB_VM_KERNEL         kernel image (default /boot/vmlinuz-KVER)
#   XB_VM_MODDIR         module tree (default /lib/modules/KVER)
#   XB_BUSYBOX           a static busybox (default: busybox on PATH)
#   XB_VM_SPLAT_IGNORE   an extended regex: splat lines it matches do not
#                        count (a checker's known false positive in the
#                        kernel itself; tests/check.sh names each one)
#   XB_VM_KCSAN_MODULE   a module name: KCSAN reports without a frame of it
#                        do not count (the kernel racing with itself)
set -eu

prog=xb-vm
here=$(cd "$(dirname "$0")" && pwd)
summary=$here/../lib/tap-summary.sh

usage() {
	echo "usage: $0 <KVER> <PAYLOAD_DIR> <OUT_DIR> [--timeout SEC] [--interactive]" >&2
	exit 2
}

msg() {
	echo "$prog: $*" >&2
}

kver='' payload='' out='' timeout=300 interactive=0
while [ $# -gt 0 ]; do
	case $1 in
	--timeout)
		[ $# -ge 2 ] || usage
		timeout=$2
		shift 2
		;;
	--timeout=*)
		timeout=${1#*=}
		shift
		;;
	--interactive)
		interactive=1
		shift
		;;
	-h | --help | -*)
		usage
		;;
	*)
		if [ -z "$kver" ]; then
			kver=$1
		elif [ -z "$payload" ]; then
			payload=$1
		elif [ -z "$out" ]; then
			out=$1
		else
			usage
		fi
		shift
		;;
	esac
done
[ -n "$out" ] || usage
case $timeout in
'' | *[!0-9]* | 0) msg "--timeout wants a positive number of seconds"; exit 2 ;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
# Stale artifacts of an earlier run must never pass for this one's.
rm -f "$out/result.tap" "$out/console.log" "$out/tap.log" "$out/dmesg.log" \
	"$out/qemu.log" "$out/initramfs.cpio.gz"

# A run that cannot even start still leaves a failing result.tap behind,
# so that the summary over all layers shows it.
die() {
	msg "$kver: $*"
	printf 'TAP version 13\nnot ok 1 - %s: %s\n1..1\n' "$kver" "$*" > "$out/result.tap"
	exit 2
}

# QEMU's -serial file:PATH and logfile=PATH cannot carry a comma.
case $out in
*,*) die "OUT_DIR must not contain a comma: $out" ;;
esac

kernel=${XB_VM_KERNEL:-/boot/vmlinuz-$kver}
moddir=${XB_VM_MODDIR:-/lib/modules/$kver}
smp=${XB_VM_SMP:-2}
mem=${XB_VM_MEM:-512}
cgroup=${XB_VM_CGROUP:-}

[ -r "$kernel" ] || die "no kernel image $kernel"
[ -d "$payload" ] || die "payload directory $payload does not exist"
payload=$(cd "$payload" && pwd)
[ -f "$payload/run-tests.sh" ] ||
	die "payload $payload has no run-tests.sh: nothing to run in the guest"
command -v qemu-system-x86_64 > /dev/null || die "qemu-system-x86_64 not found"
[ -r "$here/init.sh" ] || die "missing $here/init.sh"

busybox=${XB_BUSYBOX:-$(command -v busybox || :)}
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
	die "busybox not found (busybox-static)"
fi
# The guest has no libc: a dynamically linked busybox would not even start.
if ldd "$busybox" > /dev/null 2>&1; then
	die "$busybox is dynamically linked; install busybox-static or set XB_BUSYBOX"
fi

if [ -n "$cgroup" ]; then
	if [ -f "$cgroup/cgroup.procs" ]; then
		cgfile=$cgroup/cgroup.procs
	elif [ -f "$cgroup/tasks" ]; then
		cgfile=$cgroup/tasks
	else
		die "XB_VM_CGROUP=$cgroup is not a cgroup directory"
	fi
	[ -w "$cgfile" ] || die "cannot write $cgfile"
fi

if [ -n "${XB_VM_ACCEL:-}" ]; then
	accel=$XB_VM_ACCEL
elif { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } &&
	[ -w /dev/kvm ]; then
	accel=kvm
else
	# /dev/kvm alone may be kvm_pvm, which cannot boot a stock kernel.
	# One host thread for all vCPUs: multi-threaded TCG (QEMU 7.2) lets a
	# vCPU run kernel text another vCPU is live-patching (a static key
	# flipping as a tracepoint is hooked), and the guest dies of an
	# "Oops: int3"; seen with xballoon and without it.
	accel=tcg,thread=single
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xb-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# --- the initramfs -----------------------------------------------------------

root=$work/root
for d in bin sbin usr/bin usr/sbin dev proc sys tmp run etc root xb \
	lib/modules/xb; do
	mkdir -p "$root/$d"
done
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	mkdir -p "$root/${applet%/*}"
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
ln -s /proc/mounts "$root/etc/mtab"
echo "XB_INTERACTIVE=$interactive" > "$root/etc/xb-harness.conf"
cp -a "$payload/." "$root/xb/"

# Print "load<TAB>path<TAB>params" for the modules named in $1 and their
# dependencies, dependencies first; "builtin<TAB>name" or "missing<TAB>name"
# for names that need no loading or cannot be found.  Names compare like
# modprobe does: without directory and .ko[.xz], "-" and "_" alike.
resolve_modules() {
	builtin=$moddir/modules.builtin
	[ -r "$builtin" ] || builtin=/dev/null
	awk -v listf="$1" -v builtinf="$builtin" -v depf="$depf" '
	function norm(p,   n) {
		n = p
		sub(/.*\//, "", n)
		sub(/\.ko(\.[a-z]+)?$/, "", n)
		gsub(/-/, "_", n)
		return n
	}
	# Depth-first, post-order: a module is printed after all it needs.
	function visit(k,   i, n, d) {
		if (state[k])
			return
		state[k] = 1
		n = split(deps[k], d, " ")
		for (i = 1; i <= n; i++)
			visit(norm(d[i]))
		printf "load\t%s\t%s\n", path[k], params[k]
	}
	FILENAME == listf {
		sub(/#.*/, "")
		if (NF == 0)
			next
		k = norm($1)
		want[++nwant] = k
		name[nwant] = $1
		p = $0
		sub(/^[ \t]*[^ \t]+[ \t]*/, "", p)
		sub(/[ \t]+$/, "", p)
		params[k] = p
		next
	}
	FILENAME == builtinf {
		isbuiltin[norm($1)] = 1
		next
	}
	FILENAME == depf {
		p = $1
		sub(/:$/, "", p)
		k = norm(p)
		path[k] = p
		d = $0
		sub(/^[^:]*:[ \t]*/, "", d)
		deps[k] = d
	}
	END {
		for (i = 1; i <= nwant; i++) {
			k = want[i]
			if (k in path)
				visit(k)
			else if (k in isbuiltin)
				printf "builtin\t%s\n", name[i]
			else
				printf "missing\t%s\n", name[i]
		}
	}' "$1" "$builtin" "$depf"
}

nmod=0
if [ -f "$payload/modules.list" ]; then
	depf=$moddir/modules.dep
	if [ ! -r "$depf" ]; then
		[ -r "$moddir/modules.builtin" ] ||
			die "no $moddir/modules.dep for modules.list"
		depf=/dev/null
	fi
	resolve_modules "$payload/modules.list" > "$work/modules"
	tab=$(printf '\t')
	while IFS=$tab read -r kind path params; do
		case $kind in
		missing)
			die "module $path (modules.list) is not in $moddir/modules.dep"
			;;
		builtin)
			msg "$kver: $path is built into the kernel, nothing to load"
			continue
			;;
		esac
		case $path in
		/*) src=$path ;;
		*) src=$moddir/$path ;;
		esac
		ko=${path##*/}
		ko=${ko%%.ko*}.ko
		# busybox insmod reads plain ELF only; 6.12 ships .ko.xz.
		case $src in
		*.ko.xz) xz -dc "$src" > "$root/lib/modules/xb/$ko" ;;
		*.ko.zst) zstd -qdc "$src" > "$root/lib/modules/xb/$ko" ;;
		*.ko.gz) gzip -dc "$src" > "$root/lib/modules/xb/$ko" ;;
		*) cp "$src" "$root/lib/modules/xb/$ko" ;;
		esac || die "cannot unpack $src"
		echo "$ko $params" >> "$root/lib/modules/xb/order"
		nmod=$((nmod + 1))
	done < "$work/modules"
fi

# /dev/console must exist before /init runs (the kernel opens it for init's
# stdin/stdout/stderr), but creating a device node needs root.  So append a
# second newc archive, written by hand, with only that node: the kernel
# unpacks concatenated archives in order, after the one that made /dev.
newc() { # name mode rdevmajor rdevminor
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		1 "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#1} + 1)) 0
	printf '%s\000' "$1"
	# Header (110 bytes) plus name, padded to a multiple of 4.
	pad=$(((4 - (110 + ${#1} + 1) % 4) % 4))
	while [ "$pad" -gt 0 ]; do
		printf '\000'
		pad=$((pad - 1))
	done
}
{
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
	newc dev/console $((0020600)) 5 1
	newc 'TRAILER!!!' 0 0 0
} | gzip -6 -n > "$out/initramfs.cpio.gz"

# --- the VM ------------------------------------------------------------------

# quiet: every console byte is an emulated port write, a verbose boot costs
# seconds under TCG.  /init raises the console log level once it runs.
# panic=-1 and -no-reboot: a panic reboots at once and QEMU exits.
# oops=panic: an oops leaves the kernel in an unknown state (a test would
# likely hang on a lock until the timeout); end the run right there, the
# splat stays on the console.  The same for soft lockups, hung tasks and RCU
# stalls: each is a failure anyway, so stop instead of waiting for the
# timeout.  WARN() does not panic: the run goes on, the scan catches it.
# printk.devkmsg=on: tests may write markers to /dev/kmsg, unthrottled.
cmdline="console=ttyS0 quiet panic=-1 oops=panic softlockup_panic=1"
cmdline="$cmdline hung_task_panic=1 sysctl.kernel.panic_on_rcu_stall=1"
cmdline="$cmdline printk.devkmsg=on"
cmdline="$cmdline ${XB_VM_APPEND:-}"

if [ "$interactive" = 1 ]; then
	# The console on the terminal, and still in console.log for the scan.
	console="-chardev stdio,id=xbcon,signal=on,logfile=$out/console.log"
	console="$console -serial chardev:xbcon"
else
	console="-serial file:$out/console.log"
fi

# -nodefaults: no default NIC, VGA, floppy or CD-ROM to probe; the serial
# ports are given explicitly: ttyS0 console, ttyS1 TAP, ttyS2 kernel log.
# $console and $XB_QEMU_EXTRA are split at blanks on purpose, never globbed.
set -f
# shellcheck disable=SC2086
set -- qemu-system-x86_64 -accel "$accel" -cpu max -smp "$smp" -m "$mem" \
	-nodefaults -display none -monitor none -no-reboot \
	-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" -append "$cmdline" \
	$console -serial "file:$out/tap.log" -serial "file:$out/dmesg.log" \
	${XB_QEMU_EXTRA:-}
set +f

# The launcher joins the cgroup and then becomes QEMU (exec keeps the pid),
# so QEMU and every thread it creates run under the cap from the start.
# shellcheck disable=SC2016
launcher='
	if [ -n "$1" ]; then
		echo $$ > "$1" || { echo "xb-vm: cannot join $1" >&2; exit 125; }
		echo "xb-vm: QEMU pid $$ in $1" >&2
	fi
	shift
	exec "$@"'

msg "$kver: booting ($accel, $smp vCPUs, $mem MiB, $nmod modules, timeout ${timeout}s)"
# The command line first, quoted enough to paste it into a shell.
for a; do
	case $a in
	*[!A-Za-z0-9_.,:/=+-]*) printf "'%s' " "$a" ;;
	*) printf '%s ' "$a" ;;
	esac
done > "$out/qemu.log"
echo >> "$out/qemu.log"
t0=$(date +%s.%N)
set +e
if [ "$interactive" = 1 ]; then
	# --foreground: QEMU must stay in the terminal's foreground process
	# group to read it and to get Ctrl-C.
	timeout --foreground -k 10 "$timeout" \
		sh -c "$launcher" xb-launch "${cgfile:-}" "$@"
else
	timeout -k 10 "$timeout" sh -c "$launcher" xb-launch "${cgfile:-}" "$@" \
		< /dev/null >> "$out/qemu.log" 2>&1
fi
qrc=$?
set -e
t1=$(date +%s.%N)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

# --- the verdict -------------------------------------------------------------

touch "$out/console.log" "$out/tap.log" "$out/dmesg.log"

# Split tap.log into the guest's TAP ($work/guest.tap) and the protocol
# lines, which become shell assignments (values reduced to a safe alphabet,
# they come from the guest).  The guest's "TAP version" and plan lines are
# taken out: result.tap gets one version line and one plan for everything.
parse_tap_log() {
	tr -d '\r' < "$out/tap.log" | awk -v body="$work/guest.tap" '
	# Values go through eval in single quotes: no quotes, no backslashes.
	function safe(s) {
		gsub(/[^A-Za-z0-9._,+=: -]/, "_", s)
		return s
	}
	function field(s, key,   n, i, kv) {
		n = split(s, kv, " ")
		for (i = 1; i <= n; i++)
			if (index(kv[i], key "=") == 1)
				return safe(substr(kv[i], length(key) + 2))
		return ""
	}
	function emit(line) {
		if (line ~ /^TAP version/)
			return
		if (line ~ /^1\.\.[0-9]+/) {
			nplans++
			planned += substr(line, 4) + 0
			# "1..0 # SKIP why": the guest skipped everything.
			if (line ~ /^1\.\.0[^0-9]/ && tolower(line) ~ /#[ \t]*skip/) {
				skipall = line
				sub(/^[^#]*#[ \t]*[A-Za-z]*[ \t]*/, "", skipall)
				skipall = safe(skipall)
				if (skipall == "")
					skipall = "skipped"
			}
			print "# guest plan: " line > body
			return
		}
		if (line ~ /^(not )?ok [0-9]+([^0-9]|$)/)
			ntests++
		if (line ~ /^Bail out!/)
			bail = 1
		print line > body
	}
	{
		line = $0
		if ((i = index(line, "XB-GUEST-START ")) > 0) {
			if (i > 1)
				emit(substr(line, 1, i - 1))
			s = substr(line, i)
			started = 1
			g_kver = field(s, "kver")
			boot_up = field(s, "uptime")
			setup = field(s, "setup")
			modules = field(s, "modules")
			modfail = field(s, "modfail")
		} else if ((i = index(line, "XB-GUEST-DONE ")) > 0) {
			if (i > 1)
				emit(substr(line, 1, i - 1))
			s = substr(line, i)
			done = 1
			rc = field(s, "rc")
			done_up = field(s, "uptime")
		} else {
			emit(line)
		}
	}
	END {
		printf "started=%d g_kver=\047%s\047 boot_up=\047%s\047", started, g_kver, boot_up
		printf " setup=\047%s\047 modules=\047%s\047 modfail=\047%s\047\n",
			setup, modules, modfail
		printf "done=%d rc=\047%s\047 done_up=\047%s\047\n", done, rc, done_up
		printf "nplans=%d planned=%d ntests=%d bail=%d skipall=\047%s\047\n",
			nplans, planned, ntests, bail, skipall
		close(body)
	}'
}
: > "$work/guest.tap"
started=0 g_kver='' boot_up='' setup='' modules=0 modfail=''
done=0 rc='' done_up='' nplans=0 planned=0 ntests=0 bail=0 skipall=''
eval "$(parse_tap_log)"

# Kernel splats ($splats, shared with tests/install/run.sh).  The command
# line echo is left out: it may legitimately name things like
# hung_task_panic=1.
. "$here/../lib/splats.sh"
# Print each splat line with two lines of context (the line before a "Call
# Trace:" says whose trace it is), "file:line: text" for hits and
# "file-line- text" for context.  dmesg.log mostly repeats the console:
# from it, only lines the console does not have.  With --interactive the
# console also shows the payload's output, which is not the kernel's: lines
# that are in tap.log are skipped.
scan_splats() {
	if [ "$interactive" = 1 ]; then
		payload_out=$out/tap.log
	else
		payload_out=/dev/null
	fi
	# KCSAN reports (up to their closing "====" line) without a frame of
	# $XB_VM_KCSAN_MODULE: races of the kernel with itself, not counted.
	# Only an access's own frames count: below an interrupt entry
	# (asm_sysvec_*, asm_common_interrupt, asm_exc_*) is the code the
	# interrupt happened to hit, which may be ours without taking part.
	# Reports whose title XB_VM_SPLAT_IGNORE matches are not counted
	# either. Every line of a report not counted is skipped, not only its
	# title: its frames may name functions the splat patterns match (an
	# interrupt that hit debug_lockdep_rcu_enabled(), "lockdep").
	: > "$work/kcsan-skip"
	if [ -n "${XB_VM_KCSAN_MODULE:-}" ]; then
		awk -v mod="[$XB_VM_KCSAN_MODULE]" -v ign="${XB_VM_SPLAT_IGNORE:-}" '
		{ sub(/\r$/, "") }
		FNR == 1 { file = FILENAME; sub(/.*\//, "", file); inrep = 0 }
		/BUG: KCSAN:/ {
			inrep = 1; start = FNR; hit = 0; below = 0
			ignored = ign != "" && $0 ~ ign
			next
		}
		inrep && /^(read|write|race)/ { below = 0 }
		inrep && / asm_(sysvec_|common_interrupt|exc_)/ { below = 1 }
		inrep && !below && index($0, mod) { hit = 1 }
		inrep && /^=+$/ {
			if (!hit || ignored)
				for (i = start; i <= FNR; i++)
					print file ":" i
			inrep = 0
		}
		' "$out/console.log" "$out/dmesg.log" > "$work/kcsan-skip"
	fi
	awk -v re="$splats" -v ign="${XB_VM_SPLAT_IGNORE:-}" \
		-v payload_out="$payload_out" -v skipf="$work/kcsan-skip" '
	{ sub(/\r$/, "") }
	FILENAME == skipf {
		skip[$0] = 1
		next
	}
	FILENAME == payload_out {
		mine[$0] = 1
		next
	}
	FNR == 1 {
		file = FILENAME
		sub(/.*\//, "", file)
		p1 = p2 = ""
		last = 0
	}
	file == "console.log" && ($0 in mine) { next }
	file == "console.log" { seen[$0] = 1 }
	file != "console.log" && ($0 in seen) { next }
	$0 ~ re && !((file ":" FNR) in skip) &&
	    $0 !~ /Kernel command line:|Command line:|RCU lockdep checking is enabled/ &&
	    !(ign != "" && $0 ~ ign) {
		if (p2 != "" && last < FNR - 2)
			print file "-" (FNR - 2) "- " p2
		if (p1 != "" && last < FNR - 1)
			print file "-" (FNR - 1) "- " p1
		print file ":" FNR ": " $0
		last = FNR
	}
	{ p2 = p1; p1 = $0 }
	' "$work/kcsan-skip" "$payload_out" "$out/console.log" "$out/dmesg.log"
}
# A scanner that breaks must not pass for a clean log.
scan_splats > "$work/splats.all" ||
	echo "(the splat scan itself failed)" > "$work/splats.all"
head -n 60 "$work/splats.all" > "$work/splats"

# The harness's checks, numbered after the guest's results.
n=$ntests
allok=1
{
	echo 'TAP version 13'
	cat "$work/guest.tap"
} > "$out/result.tap"
check() { # ok|fail description [diagnostic lines on stdin follow if any]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $kver: $2" >> "$out/result.tap"
	else
		echo "not ok $n - $kver: $2" >> "$out/result.tap"
		allok=0
	fi
}
diag() { # file: its lines as TAP comments, and on stderr
	[ -s "$1" ] || return 0
	sed 's/^/# /' "$1" >> "$out/result.tap"
	sed "s/^/$prog: $kver: /" "$1" >&2
}

case $qrc in
0) check ok "VM exited by itself within the ${timeout}s timeout (wall ${wall}s)" ;;
124 | 137)
	check fail "VM killed after the ${timeout}s timeout"
	# Where the guest stopped: its last lines (a stress test's heartbeat
	# names the test it froze in).
	tr -d '\r' < "$out/tap.log" | grep -v '^XB-GUEST-' | tail -n 3 |
		sed 's/^/last guest output: /' > "$work/tap.tail"
	diag "$work/tap.tail"
	;;
*)
	check fail "QEMU failed (exit $qrc)"
	tail -n 20 "$out/qemu.log" > "$work/qemu.tail"
	diag "$work/qemu.tail"
	;;
esac

if [ "$started" = 1 ] && [ "$g_kver" = "$kver" ]; then
	check ok "guest booted $g_kver and reached the test runner (${boot_up}s)"
elif [ "$started" = 1 ]; then
	check fail "guest booted $g_kver, not $kver"
else
	check fail "guest never reached the test runner"
	tail -n 20 "$out/console.log" | tr -d '\r' > "$work/console.tail"
	diag "$work/console.tail"
fi

if [ "$started" = 1 ] && [ "$setup" = ok ] && [ "$modfail" = - ]; then
	check ok "guest setup: mounts, lo, $modules of $nmod modules loaded"
elif [ "$started" = 1 ]; then
	why=
	[ "$setup" = ok ] || why="failed: $setup"
	[ "$modfail" = - ] || why="${why:+$why; }modules not loaded: $modfail"
	check fail "guest setup $why"
else
	check fail "guest setup (no report)"
fi

if [ "$done" = 1 ]; then
	check ok "run-tests.sh finished (sentinel seen, rc=$rc, at ${done_up}s)"
else
	check fail "run-tests.sh did not finish (no sentinel)"
fi

if [ "$done" = 1 ] && [ "$rc" = 0 ]; then
	check ok "run-tests.sh exit status 0"
else
	check fail "run-tests.sh exit status ${rc:-unknown}"
fi

if [ "$nplans" -ge 1 ] && [ "$planned" = "$ntests" ] && [ "$bail" = 0 ]; then
	check ok "guest TAP complete ($ntests results, as planned)"
elif [ "$bail" = 1 ]; then
	check fail "guest TAP bailed out"
elif [ "$nplans" = 0 ]; then
	check fail "guest TAP has no plan ($ntests results)"
else
	check fail "guest TAP incomplete ($ntests results, $planned planned)"
fi

# A guest that skipped everything passes, but the summary should say so.
if [ -n "$skipall" ] && [ "$ntests" = 0 ]; then
	check ok "guest tests # SKIP $skipall"
fi

if [ -s "$work/splats" ]; then
	check fail "kernel log free of splats"
	diag "$work/splats"
else
	check ok "kernel log free of splats"
fi

echo "1..$n" >> "$out/result.tap"

tests_s=$(awk -v a="$boot_up" -v b="$done_up" \
	'BEGIN { if (a != "" && b != "") printf "%.1f", b - a; else print "?" }')
msg "$kver: wall ${wall}s, boot to /init ${boot_up:-?}s, run-tests.sh ${tests_s}s (guest clock)"
if "$summary" "$out/result.tap" >&2 && [ "$allok" = 1 ]; then
	exit 0
fi
msg "$kver: FAILED; artifacts in $out"
exit 1
