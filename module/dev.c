// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - /dev/xballoon and its ioctls.
 *
 * Shaped like iommufd: every argument starts with { size, flags }, the
 * numbers carry no size (_IO), the command table holds each structure's
 * minimum size, and copy_struct_from_user() lets older and newer tools work
 * with this module. The _IOWR numbers that releases shipped stay accepted
 * as aliases, so old binaries keep working. The errno of every failure is
 * fixed by the DOC comment of the UAPI header.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "xballoon.h"

/* Every ioctl argument, so one buffer on the stack holds any of them. */
union xb_ucmd_buffer {
	struct xb_info info;
	struct xb_cpu_steal cpu_steal;
	struct xb_balloon balloon;
	struct xb_config config;
	struct xb_cpu_stats cpu_stats;
	struct xb_vclock vclock;
	struct xb_credit credit;
};

/*
 * A number that a release shipped: _IOWR() with the size of the structure of
 * that release, spelled out, since the structure may have grown since.
 */
#define XB_IOC_LEGACY(_cmd, _size)					\
	_IOC(_IOC_READ | _IOC_WRITE, XB_IOCTL_TYPE, _cmd, _size)

/* Most legacy numbers of one command (XB_IOC_CREDIT has two). */
#define XB_IOC_MAX_LEGACY 2

/**
 * struct xb_ioctl_op - one ioctl
 * @size: sizeof() the structure this module knows
 * @min_size: size of its first version; smaller callers get -EINVAL
 * @legacy: the numbers releases shipped for it, also accepted; 0 ends
 * @execute: the command; fills in the output fields of the buffer
 *
 * The number is _IO(XB_IOCTL_TYPE, nr), nr the index in xb_ioctl_ops[]
 * plus XB_CMD_BASE.
 */
struct xb_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int legacy[XB_IOC_MAX_LEGACY];
	int (*execute)(struct file *file, union xb_ucmd_buffer *buf);
};

static int xb_ioctl_info(struct file *file, union xb_ucmd_buffer *buf)
{
	struct xb_info *info = &buf->info;

	if (info->flags)
		return -EOPNOTSUPP;
	if (info->__reserved)
		return -EINVAL;

	info->abi_version = XB_ABI_VERSION;
	info->hypervisor = xb_hv_type();
	info->steal_source = xb_steal_source_of(cpumask_first(cpu_online_mask));
	info->nr_cpus = num_online_cpus();
	info->nr_cpu_ids = nr_cpu_ids;
	info->features = XB_FEATURE_CPU_STEAL | XB_FEATURE_BALLOON |
			  XB_FEATURE_VCLOCK | XB_FEATURE_CREDIT;
	strscpy(info->module_version, XB_MODULE_VERSION,
		sizeof(info->module_version));
	return 0;
}

static int xb_ioctl_cpu_steal(struct file *file, union xb_ucmd_buffer *buf)
{
	struct xb_cpu_steal *cs = &buf->cpu_steal;
	enum xb_steal_source source;
	u64 steal_ns, clock_ns;
	int ret;

	if (cs->flags)
		return -EOPNOTSUPP;

	ret = xb_steal_read(cs->cpu, &source, &steal_ns, &clock_ns);
	if (ret)
		return ret;
	cs->steal_source = source;
	cs->steal_ns = steal_ns;
	cs->clock_ns = clock_ns;
	return 0;
}

static int xb_ioctl_balloon(struct file *file, union xb_ucmd_buffer *buf)
{
	return xb_balloon_run(file, &buf->balloon);
}

static int xb_ioctl_get_config(struct file *file, union xb_ucmd_buffer *buf)
{
	struct xb_config *cfg = &buf->config;

	if (cfg->flags)
		return -EOPNOTSUPP;
	if (cfg->__reserved)
		return -EINVAL;
	xb_balloon_get_config(cfg);
	return 0;
}

static int xb_ioctl_set_config(struct file *file, union xb_ucmd_buffer *buf)
{
	struct xb_config *cfg = &buf->config;

	if (cfg->flags & ~(XB_CONFIG_PERIOD | XB_CONFIG_CAP))
		return -EOPNOTSUPP;
	if (!cfg->flags || cfg->__reserved)
		return -EINVAL;
	return xb_balloon_set_config(cfg);
}

static int xb_ioctl_cpu_stats(struct file *file, union xb_ucmd_buffer *buf)
{
	struct xb_cpu_stats *st = &buf->cpu_stats;

	/* Ending inside the appended fields is as short as short. */
	if (st->size > offsetofend(struct xb_cpu_stats, yields) &&
	    st->size < sizeof(*st))
		return -EINVAL;
	if (st->flags)
		return -EOPNOTSUPP;
	if (st->__reserved || st->__reserved2)
		return -EINVAL;
	return xb_balloon_stats(st->cpu, st);
}

static int xb_ioctl_vclock(struct file *file, union xb_ucmd_buffer *buf)
{
	return xb_vclock_ctl(&buf->vclock);
}

static int xb_ioctl_credit(struct file *file, union xb_ucmd_buffer *buf)
{
	return xb_credit_ctl(&buf->credit);
}

#define XB_IOCTL_OP(_cmd, _fn, _struct, _last, ...)			\
	[(_cmd) - XB_CMD_BASE] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union xb_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.legacy = { __VA_ARGS__ },				\
		.execute = _fn,						\
	}

/*
 * The sizes are those of 0.1.0 (f3811f1); XB_IOC_CREDIT also keeps the one
 * it had before cgroup_id (55f5daf).
 */
static const struct xb_ioctl_op xb_ioctl_ops[] = {
	XB_IOCTL_OP(XB_CMD_INFO, xb_ioctl_info, struct xb_info,
		    module_version, XB_IOC_LEGACY(XB_CMD_INFO, 0x48)),
	XB_IOCTL_OP(XB_CMD_CPU_STEAL, xb_ioctl_cpu_steal, struct xb_cpu_steal,
		    clock_ns, XB_IOC_LEGACY(XB_CMD_CPU_STEAL, 0x20)),
	XB_IOCTL_OP(XB_CMD_BALLOON, xb_ioctl_balloon, struct xb_balloon,
		    held_ns, XB_IOC_LEGACY(XB_CMD_BALLOON, 0x20)),
	XB_IOCTL_OP(XB_CMD_GET_CONFIG, xb_ioctl_get_config, struct xb_config,
		    __reserved, XB_IOC_LEGACY(XB_CMD_GET_CONFIG, 0x14)),
	XB_IOCTL_OP(XB_CMD_SET_CONFIG, xb_ioctl_set_config, struct xb_config,
		    __reserved, XB_IOC_LEGACY(XB_CMD_SET_CONFIG, 0x14)),
	XB_IOCTL_OP(XB_CMD_CPU_STATS, xb_ioctl_cpu_stats, struct xb_cpu_stats,
		    yields, XB_IOC_LEGACY(XB_CMD_CPU_STATS, 0x70)),
	XB_IOCTL_OP(XB_CMD_VCLOCK, xb_ioctl_vclock, struct xb_vclock,
		    hook_ns, XB_IOC_LEGACY(XB_CMD_VCLOCK, 0x28)),
	XB_IOCTL_OP(XB_CMD_CREDIT, xb_ioctl_credit, struct xb_credit,
		    credited_ns, XB_IOC_LEGACY(XB_CMD_CREDIT, 0x40),
		    XB_IOC_LEGACY(XB_CMD_CREDIT, 0x38)),
};

/* Is @cmd one of the numbers that releases shipped for @op? */
static bool xb_ioctl_is_legacy(const struct xb_ioctl_op *op, unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(op->legacy) && op->legacy[i]; i++)
		if (cmd == op->legacy[i])
			return true;
	return false;
}

static long xb_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct xb_ioctl_op *op;
	union xb_ucmd_buffer buf;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	int ret;

	if (nr < XB_CMD_BASE || nr - XB_CMD_BASE >= ARRAY_SIZE(xb_ioctl_ops))
		return -ENOTTY;
	op = &xb_ioctl_ops[nr - XB_CMD_BASE];
	/* Another direction or size of a known nr is unknown too. */
	if (cmd != _IO(XB_IOCTL_TYPE, nr) && !xb_ioctl_is_legacy(op, cmd))
		return -ENOTTY;

	/* At call time: the fd may have been handed to a lesser process. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	/*
	 * Bounded before any copy: copy_struct_from_user() checks that the
	 * bytes past our structure are zero, and would otherwise scan up to
	 * 4 GiB of the caller's memory.
	 */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;

	ret = op->execute(file, &buf);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &buf, min_t(u32, usize, op->size)))
		return -EFAULT;
	return 0;
}

static int xb_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

/* Closing (or dying) detaches the file's balloons: see xb_balloon_release. */
static int xb_dev_release(struct inode *inode, struct file *file)
{
	xb_balloon_release(file);
	return 0;
}

static const struct file_operations xb_dev_fops = {
	.owner = THIS_MODULE,
	.open = xb_dev_open,
	.release = xb_dev_release,
	.unlocked_ioctl = xb_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice xb_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xballoon",
	.fops = &xb_dev_fops,
	.mode = 0600,
};

int xb_dev_init(void)
{
	return misc_register(&xb_miscdev);
}

void xb_dev_exit(void)
{
	misc_deregister(&xb_miscdev);
}
