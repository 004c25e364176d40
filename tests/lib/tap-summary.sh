#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tap-summary.sh FILE...
#
# Sum up the TAP files of every test layer (host selftests, guest tests, the
# VM harness's own checks) into one verdict.  Per file it prints the counts
# and the failing lines; then a line "N skipped" and, as the very last line,
# exactly "N passed, N failed".  Exit status 0 only if nothing failed.
#
# Only top-level results count: lines at column 0 matching "ok N" or
# "not ok N".  The kselftest harness also prints indented nested results and
# "# " diagnostics; counting those would count a test twice or count noise.
# "ok N ... # SKIP" is a pass (the test decided it cannot run here), but the
# skips are counted separately so that a layer that skips everything shows.
# A missing or empty file, or one without a single result, counts as one
# failure: a layer that produced nothing did not pass.
# The first few "# " comment lines right after a failure (the harness puts
# the kernel's splat there) are shown under it: CI keeps only the tail of
# the output, and a failure without its reason cannot be acted on.
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 FILE..." >&2
	exit 2
fi

total_pass=0
total_fail=0
total_skip=0

for f in "$@"; do
	if [ ! -s "$f" ]; then
		echo "$f: missing or empty: counted as 1 failed"
		total_fail=$((total_fail + 1))
		continue
	fi

	# The first output line holds the counts "pass fail skip"; the rest are
	# the failing lines, to be shown under the file's summary.
	out=$(awk '
		{ sub(/\r$/, "") }
		/^ok [0-9]+([^0-9]|$)/ {
			pass++
			why = -1
			# A TAP directive is case-insensitive: "# SKIP", "# skip".
			if (tolower($0) ~ /#[ \t]*skip/)
				skip++
			next
		}
		/^not ok [0-9]+([^0-9]|$)/ {
			fail++
			failed[fail] = $0
			why = 0
			next
		}
		/^# / && fail && why >= 0 && why < 8 {
			failed[fail] = failed[fail] "\n  " $0
			why++
			next
		}
		{ why = -1 }
		# A whole file skipped by plan ("1..0 # SKIP why", what
		# ksft_exit_skip() prints before any test) is one skip.
		/^1\.\.0([^0-9]|$)/ { skipplan = 1; next }
		/^Bail out!/ { bail = $0 }
		END {
			if (pass + fail == 0) {
				if (skipplan) {
					pass = 1; skip = 1
				} else {
					fail = 1
					failed[1] = "(no test results in file)"
				}
			}
			if (bail != "") {
				fail++
				failed[fail] = bail
			}
			printf "%d %d %d\n", pass, fail, skip
			for (i = 1; i <= fail; i++)
				if (i in failed)
					print failed[i]
		}' "$f")

	read -r pass fail skip <<-COUNTS
	$(printf '%s\n' "$out" | sed -n 1p)
	COUNTS
	echo "$f: $pass passed, $fail failed, $skip skipped"
	printf '%s\n' "$out" | sed -n '2,$s/^/    /p'

	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
done

echo "$total_skip skipped"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
