#include <linux/module.h>
#include <linux/export-internal.h>
#include <linux/compiler.h>

MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};



static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x4d924f20, "memremap" },
	{ 0x34db050b, "_raw_spin_lock_irqsave" },
	{ 0xb19a5453, "__per_cpu_offset" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0xe783e261, "sysfs_emit" },
	{ 0x65487097, "__x86_indirect_thunk_rax" },
	{ 0x122c3a7e, "_printk" },
	{ 0xf0fdf6cb, "__stack_chk_fail" },
	{ 0xc6cbbc89, "capable" },
	{ 0x476b165a, "sized_strscpy" },
	{ 0xcca5839d, "xen_vcpu_id" },
	{ 0x9e58ba2, "compat_ptr_ioctl" },
	{ 0xd6a2ebde, "__cpuhp_setup_state" },
	{ 0x9e9fdd9d, "memunmap" },
	{ 0x53a1e8d9, "_find_next_bit" },
	{ 0x5a5a2271, "__cpu_online_mask" },
	{ 0x75ca79b5, "__fortify_panic" },
	{ 0xd35cce70, "_raw_spin_unlock_irqrestore" },
	{ 0x169938c1, "__sysfs_match_string" },
	{ 0x9e683f75, "__cpu_possible_mask" },
	{ 0xfb578fc5, "memset" },
	{ 0xb1fc0a98, "misc_register" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x17de3d5, "nr_cpu_ids" },
	{ 0x6b10bee1, "_copy_to_user" },
	{ 0x114c2ae6, "nonseekable_open" },
	{ 0xb609be75, "pv_ops" },
	{ 0x4fc155c2, "__SCT__xen_hypercall" },
	{ 0x29ad8e33, "x86_hyper_type" },
	{ 0x6729d3df, "__get_user_4" },
	{ 0xb43f9365, "ktime_get" },
	{ 0x3426ac54, "boot_cpu_data" },
	{ 0xd4ec10e6, "BUG_func" },
	{ 0x756a9a7, "__cpuhp_remove_state" },
	{ 0xdd9dd80d, "xen_pvh" },
	{ 0x88db9f48, "__check_object_size" },
	{ 0xc145dc1e, "misc_deregister" },
	{ 0x13c49cc2, "_copy_from_user" },
	{ 0xc60d0620, "__num_online_cpus" },
	{ 0xb58aeaab, "kernel_cpustat" },
	{ 0x222e7ce2, "sysfs_streq" },
	{ 0x8810754a, "_find_first_bit" },
	{ 0x731dba7a, "xen_domain_type" },
	{ 0xbfc1d1a, "check_zeroed_user" },
	{ 0x5002fa32, "module_layout" },
};

MODULE_INFO(depends, "");


MODULE_INFO(srcversion, "5AB643E7115046D1591127A");
