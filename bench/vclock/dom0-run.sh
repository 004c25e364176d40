#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/vclock/dom0-run.sh - the payload's dom0 hook: runs in dom0 beside
# the guest (tests/xen/dom0-init.sh starts it). dom0's vCPU shares pCPU0
# with the domU's (XB_DOMU_CPUS=0); vcbench follows the domU's console log
# that xenconsoled writes and keeps dom0's vCPU busy with a CPU hog while
# the guest asks for steal. It also copies xl's log of the domain, which
# says why the domain ended if it ends early.
set -eu

cd "${XB_PAYLOAD:-/xb}"
# DOM0_TIMEOUT_S
# shellcheck source=/dev/null # written by bench/vclock/run.sh
. ./bench.conf
exec ./bin/vcbench dom0 /var/log/xen/console/guest-xbdomu.log \
	/var/log/xen/xl-xbdomu.log "$DOM0_TIMEOUT_S"
