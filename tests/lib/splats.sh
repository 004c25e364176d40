# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/splats.sh, sourced: $splats, the extended regex of a kernel
# splat on a guest console (tests/vm/run.sh, tests/install/run.sh). Any
# match fails a run; the harness leaves out the kernel's command line echo.
splats='BUG:|WARNING:|Oops|Call Trace|Kernel panic|kernel BUG at'
splats="$splats|rcu_sched self-detected stall|rcu: INFO:|INFO: rcu_"
splats="$splats|self-detected stall|detected stalls on CPU|soft lockup"
splats="$splats|hung_task|blocked for more than"
splats="$splats|lockdep|possible recursive locking|circular locking"
splats="$splats|inconsistent lock state|UBSAN:|KASAN:|KFENCE:"
splats="$splats|general protection fault|Unable to handle kernel"
splats="$splats|stack-protector|list_add corruption|list_del corruption"
splats="$splats|Bad page state"
# The debug kernels' checkers (scripts/debug-kernel.sh); KASAN, KCSAN,
# lockdep's "Invalid wait context" and sleeping-in-atomic reports start with
# "BUG:", debug objects and RCU-usage reports come with a "WARNING:".
splats="$splats|KCSAN:|ODEBUG:|hard LOCKUP|unreferenced object 0x"
