#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the busy neighbour domain that tests/xen/run.sh starts with
# XB_XEN_NEIGHBOUR=busy: a PV domain pinned to the test domU's pCPU(s),
# no cap, default weight, that only burns CPU.  Beside it the domU gets
# its share of the pCPU and waits (runstate runnable) for the rest: the
# shared, uncapped CPU that users run on.
#
# A shell loop of builtins: no fork, no system call, nothing but CPU.  The
# line below tells dom0 (in xenconsoled's log) that it got this far.
echo "XB-NEIGHBOUR-BUSY"
while :; do :; done
