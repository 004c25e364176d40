#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/unit/completion_test.sh - xballoonctl's bash completion, run as bash
# runs it: bash-completion's own library loaded, then each command line
# completed through the function the file registers for xballoonctl. Each
# case names what must be offered (and what must not); TAP on stdout.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lib=/usr/share/bash-completion/bash_completion
comp=$here/../../tools/completion/xballoonctl.bash

echo "TAP version 13"
if [ ! -r "$lib" ]; then
	echo "1..0 # SKIP no $lib (Debian's bash-completion; make deps installs it)"
	exit 0
fi

# shellcheck disable=SC1090 # the library and the file under test
. "$lib"
# shellcheck disable=SC1090
. "$comp"

n=0
fail=0

# complete LINE: COMPREPLY for LINE, the cursor at its end (a trailing
# space starts a new, empty word).
complete_line() {
	local line=$1 fn
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	fn=$(complete -p xballoonctl 2>/dev/null | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	[ -n "$fn" ] || return 1
	"$fn" xballoonctl "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]:-}"
}

# offers LINE WANT... [-- UNWANTED...]: LINE completes to every WANT and to
# none of UNWANTED.
offers() {
	local line=$1 w got bad=
	shift
	n=$((n + 1))
	if ! complete_line "$line"; then
		echo "not ok $n - '$line': no completion registered for xballoonctl"
		fail=$((fail + 1))
		return
	fi
	got=" ${COMPREPLY[*]} "
	local want=1
	for w in "$@"; do
		if [ "$w" = -- ]; then
			want=0
			continue
		fi
		if [ $want = 1 ] && [[ $got != *" $w "* ]]; then
			bad="$bad missing '$w';"
		elif [ $want = 0 ] && [[ $got == *" $w "* ]]; then
			bad="$bad unwanted '$w';"
		fi
	done
	if [ -n "$bad" ]; then
		echo "not ok $n - '$line' ->${got% }:$bad"
		fail=$((fail + 1))
	else
		echo "ok $n - '$line' ->${got% }"
	fi
}

offers "xballoonctl " info steal status set vclock credit metrics help
offers "xballoonctl st" steal status -- set info
offers "xballoonctl -" --help --version
offers "xballoonctl set --cap " learn 50
offers "xballoonctl set --cap-pm " 0 500 1000
offers "xballoonctl set --period-us " 10000
offers "xballoonctl help " set status credit -- help
offers "xballoonctl credit " list add del clear
offers "xballoonctl credit add --" --pid --comm --cgroup --cgroup-id -- --json
offers "xballoonctl vclock " on off
offers "xballoonctl metrics --" --textfile

echo "1..$n"
[ "$fail" = 0 ]
