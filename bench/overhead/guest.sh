#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/overhead/guest.sh - the guest side of bench/overhead/run.sh, run as
# the payload's run-tests.sh (busybox sh, root, cwd = the payload).
#
# With no cap and nothing else running, a CPU hog counts its chunks of
# arithmetic for XB_OVH_DURATION seconds in each case, in rounds whose order
# alternates (so that a drift cannot favour a case):
#
#   off      xballoon not loaded
#   loaded   loaded: the scheduler clock's hook and the gap steal probe,
#            no balloon
#   static   xballoond --mode static (cap: learn, the default)
#   kthread  xballoond --mode kthread
#   dynamic  xballoond --mode dynamic
#
# One line per measurement on stdout ("# RESULT case=C round=R iters=N
# wall_ns=W cpu_ns=C"), then the module's own counters, as TAP comments.
XB_PAYLOAD=${XB_PAYLOAD:-$(cd "$(dirname "$0")" && pwd)}
bin=$XB_PAYLOAD/bin
rounds=${XB_OVH_ROUNDS:-3}
duration=${XB_OVH_DURATION:-5}
cases="off loaded static kthread dynamic"

echo "TAP version 13"
echo "# overhead: $(uname -r), $rounds rounds of ${duration}s per case"
cd "$XB_PAYLOAD" || exit 1

n=0
fail=0
result() { # ok|fail description
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fail=1
	fi
}

daemon=
start_case() { # case
	[ "$1" = off ] && return 0
	insmod "$XB_PAYLOAD/xballoon.ko" || return 1
	case $1 in
	static | kthread | dynamic)
		"$bin/xballoond" --mode "$1" > /tmp/xballoond.log 2>&1 &
		daemon=$!
		sleep 1
		kill -0 "$daemon" 2> /dev/null || return 1
		;;
	esac
	return 0
}

stop_case() { # case
	[ "$1" = off ] && return 0
	if [ -n "$daemon" ]; then
		"$bin/xballoonctl" status | sed 's/^/#   /'
		kill "$daemon"
		wait "$daemon"
		daemon=
	fi
	"$bin/xballoonctl" vclock | sed 's/^/#   /'
	rmmod xballoon
}

# The guest is still settling after boot (its first seconds gave the hog
# half a CPU): warm up until the hog gets all of it, at most 30 s.
i=0
while [ $i -lt 10 ]; do
	out=$("$bin/hog" --duration "$duration")
	echo "# warm-up: $out"
	echo "$out" | tr ' ' '\n' | awk -F= '$1 == "wall_ns" { w = $2 }
		$1 == "cpu_ns" { c = $2 } END { exit !(c > 0.99 * w) }' && break
	i=$((i + 1))
done

r=1
while [ "$r" -le "$rounds" ]; do
	order=$cases
	[ $((r % 2)) = 0 ] && order="dynamic kthread static loaded off"
	for c in $order; do
		if ! start_case "$c"; then
			result fail "round $r: $c starts"
			stop_case "$c"
			continue
		fi
		out=$("$bin/hog" --duration "$duration")
		echo "# RESULT case=$c round=$r $out"
		if stop_case "$c"; then
			result ok "round $r: $c"
		else
			result fail "round $r: $c stops cleanly"
		fi
	done
	r=$((r + 1))
done
echo "1..$n"
exit $fail
