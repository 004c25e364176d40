#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/once-bool-lint.sh FILE...: refuse READ_ONCE()/WRITE_ONCE() of a
# bool: a file-scope variable or a struct member declared bool.
#
# GCC with CONFIG_UBSAN_BOOL instruments a volatile _Bool load as a plain
# one (__tsan_read1, not __tsan_volatile_read1), so on the debug kernel a
# lockless READ_ONCE() of a bool is an unmarked access that KCSAN reports
# against the writer, now and then: CI went red on one (vclock.c,
# xb_vclock_steal_on). A flag read locklessly is a u8; a bool is read
# under its lock. Locals and parameters are not looked at.
set -eu

# "g NAME" for a file-scope bool, "m NAME" for a member of a struct
# defined at file scope. Function bodies (from a "{" in column 0 to a "}"
# in column 0) hold locals only.
decls=$(awk '
	/^struct [A-Za-z0-9_]+ \{/ { in_struct = 1; next }
	in_struct && /^\};/ { in_struct = 0; next }
	/^\{/ { in_func = 1; next }
	in_func && /^\}/ { in_func = 0; next }
	in_func { next }
	{
		if (match($0, /(^|[^A-Za-z0-9_])bool[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*[;=,\[]/)) {
			s = substr($0, RSTART, RLENGTH)
			sub(/^.*bool[ \t]+/, "", s)
			sub(/[ \t]*[;=,\[]$/, "", s)
			print (in_struct ? "m " : "g ") s
		}
	}' "$@" | sort -u)

bad=0
for d in $(echo "$decls" | awk '{ print $1 ":" $2 }'); do
	kind=${d%%:*} name=${d#*:}
	if [ "$kind" = g ]; then
		re="(READ|WRITE)_ONCE\([[:space:]]*$name[[:space:]]*[,)]"
	else
		re="(READ|WRITE)_ONCE\([^,)]*(->|\.)$name[[:space:]]*[,)]"
	fi
	grep -nE "$re" "$@" && bad=1
done
if [ "$bad" = 1 ]; then
	echo "once-bool-lint: READ_ONCE()/WRITE_ONCE() of a bool (see $0): make it u8, or read it under its lock" >&2
	exit 1
fi
