// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - xballoon: keep I/O-bound tasks fast in VMs whose vCPUs are
 * capped or shared. Load and unload: each step of init has its undo in
 * exit, in reverse order.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "xballoon.h"

static int __init xb_init(void)
{
	int ret;

	xb_hv_detect();
	xb_hostpoll_detect();

	ret = xb_steal_init();
	if (ret)
		goto err_steal;

	ret = xb_balloon_init();
	if (ret)
		goto err_balloon;

	ret = xb_vclock_init();
	if (ret)
		goto err_vclock;

	xb_credit_init();
	xb_stats_init();

	ret = xb_dev_init();
	if (ret)
		goto err_dev;

	pr_info("version %s loaded: hypervisor %s, steal source %s\n",
		XB_MODULE_VERSION, xb_hv_name(xb_hv_type()),
		xb_steal_source_name(xb_steal_source_of(0)));
	return 0;

err_dev:
	xb_stats_exit();
	xb_credit_exit();
	xb_vclock_exit();
err_vclock:
	xb_balloon_exit();
err_balloon:
	xb_steal_exit();
err_steal:
	return ret;
}

static void __exit xb_exit(void)
{
	xb_dev_exit();
	xb_stats_exit();
	xb_credit_exit();
	xb_vclock_exit();
	xb_balloon_exit();
	xb_steal_exit();
	pr_info("unloaded\n");
}

module_init(xb_init);
module_exit(xb_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The xballoon authors");
MODULE_DESCRIPTION("CPU balloon and steal-aware scheduling for capped vCPUs");
MODULE_VERSION(XB_MODULE_VERSION);
