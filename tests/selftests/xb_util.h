/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_util.h - the helpers every xballoon selftest shares: time, small
 * sysfs/proc files, loading the module, its ioctls, the names of its enums,
 * privileges, cgroup v2, and running a tool with its output captured.
 *
 * Copyright (C) 2026 The xballoon authors
 *
 * Header only (static inline), so each test binary stays one source file:
 * include it after kselftest_harness.h, with _GNU_SOURCE defined. Nothing
 * here asserts; each helper returns 0 or -errno (or says what it returns)
 * and the tests decide.
 */
#ifndef XB_UTIL_H
#define XB_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/xballoon.h>

#define XB_DEV		"/dev/xballoon"
#define XB_SYSFS	"/sys/module/xballoon"
#define CPU_SYSFS	"/sys/devices/system/cpu"
/* Where the tests mount cgroup2 if the guest has not. */
#define CG_MNT		"/sys/fs/cgroup"

#define NOBODY		65534
#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL

/* How long a device node may take to appear or vanish (devtmpfs). */
#define XB_NODE_WAIT_MS	2000

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif

/* ---------------------------------------------------------------------- */
/* Time */

static inline unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * NSEC_PER_MSEC,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---------------------------------------------------------------------- */
/* Files */

static inline bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Poll until @path exists (or is gone); true if it got there in time. */
static inline bool wait_path(const char *path, bool present, unsigned int ms)
{
	unsigned int waited;

	for (waited = 0; exists(path) != present; waited += 10) {
		if (waited >= ms)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* Read a small sysfs/proc file, without the trailing newline. */
static inline int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* The first character of @path, or @dflt if it cannot be read. */
static inline char read_char(const char *path, char dflt)
{
	char buf[16];

	return read_str(path, buf, sizeof(buf)) ? dflt : buf[0];
}

/* Write @s to @path in one write(); -EIO if it took less. */
static inline int write_str(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/*
 * Parse a kernel cpulist ("0-3,5") into a bitmap of @nbits bits. Returns
 * the number of CPUs set, or -1 if the list is malformed.
 */
static inline int parse_cpulist(const char *s, bool *map, unsigned int nbits)
{
	unsigned long a, b, c;
	char *end;
	int n = 0;

	memset(map, 0, nbits * sizeof(*map));
	while (*s) {
		a = strtoul(s, &end, 10);
		if (end == s)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		for (c = a; c <= b; c++) {
			if (c < nbits && !map[c]) {
				map[c] = true;
				n++;
			}
		}
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return n;
}

/* CPU_SYSFS/@name ("online", "possible", ...) as parse_cpulist() does. */
static inline int read_cpulist(const char *name, bool *map, unsigned int nbits)
{
	char path[128], buf[4096];

	snprintf(path, sizeof(path), CPU_SYSFS "/%s", name);
	if (read_str(path, buf, sizeof(buf)))
		return -1;
	return parse_cpulist(buf, map, nbits);
}

/* The run time in a schedstat file (its first field, ns); 0 if none. */
static inline unsigned long long schedstat_ns(const char *path)
{
	unsigned long long run = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &run) != 1)
		run = 0;
	fclose(f);
	return run;
}

/* ---------------------------------------------------------------------- */
/* The module: load and unload */

/*
 * A debug kernel (KASAN, KCSAN: tests/debug/) under single-threaded TCG:
 * its lanes look for splats, and rates a test checks only as mechanisms
 * (reserves met, samples taken) come out lower there.
 */
static inline bool xb_debug_kernel(void)
{
	const char *s = getenv("XB_DEBUG_KERNEL");

	return s && *s == '1';
}

static inline bool xb_loaded(void)
{
	return exists(XB_SYSFS);
}

/* finit_module(XB_MODULE, @params), then wait for XB_DEV; 0 or -errno. */
static inline int xb_load(const char *params)
{
	const char *path = getenv("XB_MODULE");
	int fd, ret = 0;

	if (!path || !*path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	if (!ret && !wait_path(XB_DEV, true, XB_NODE_WAIT_MS))
		ret = -ETIMEDOUT;
	return ret;
}

static inline int xb_unload_once(void)
{
	return syscall(SYS_delete_module, "xballoon", O_NONBLOCK) ? -errno : 0;
}

/*
 * delete_module(O_NONBLOCK), retried for a while: the previous test's
 * process may still be closing its file descriptor.
 */
static inline int xb_unload(void)
{
	int i, ret;

	for (i = 0; i < 100; i++) {
		ret = xb_unload_once();
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		sleep_ms(20);
	}
	if (!ret && !wait_path(XB_DEV, false, XB_NODE_WAIT_MS))
		ret = -ETIMEDOUT;
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The module's ioctls */

/* ioctl() that returns -errno, so ASSERT_EQ(-EINVAL, ...) reads well. */
static inline int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Every XB_IOC_* argument starts with its own size. */
#define XB_ARG_INIT(arg) do {				\
	memset((arg), 0, sizeof(*(arg)));		\
	(arg)->size = sizeof(*(arg));			\
} while (0)

static inline int xb_get_info(int fd, struct xb_info *info)
{
	XB_ARG_INIT(info);
	return ioctl(fd, XB_IOC_INFO, info);
}

static inline int xb_get_steal(int fd, unsigned int cpu,
			       struct xb_cpu_steal *cs)
{
	XB_ARG_INIT(cs);
	cs->cpu = cpu;
	return ioctl(fd, XB_IOC_CPU_STEAL, cs);
}

/* XB_IOC_VCLOCK: a read with @flags 0, XB_VCLOCK_SET to @enable it. */
static inline int vclock_ioc(int fd, __u32 flags, __u32 enable,
			     struct xb_vclock *vc)
{
	XB_ARG_INIT(vc);
	vc->flags = flags;
	vc->enable = enable;
	return ioctl(fd, XB_IOC_VCLOCK, vc);
}

static inline int vclock_read(int fd, struct xb_vclock *vc)
{
	return vclock_ioc(fd, 0, 0, vc);
}

static inline int vclock_set(int fd, __u32 enable)
{
	struct xb_vclock vc;

	return vclock_ioc(fd, XB_VCLOCK_SET, enable, &vc);
}

/* XB_IOC_CREDIT @op on a pid or a name (@comm may be NULL). */
static inline int credit(int fd, __u32 op, __u32 pid, const char *comm,
			 struct xb_credit *c)
{
	XB_ARG_INIT(c);
	c->op = op;
	c->pid = pid;
	if (comm)
		memcpy(c->comm, comm, strnlen(comm, sizeof(c->comm)));
	return ioctl(fd, XB_IOC_CREDIT, c);
}

/* XB_IOC_CREDIT @op on the cgroup of id @id. */
static inline int credit_cg(int fd, __u32 op, __u64 id, struct xb_credit *c)
{
	XB_ARG_INIT(c);
	c->op = op;
	c->cgroup_id = id;
	return ioctl(fd, XB_IOC_CREDIT, c);
}

/* Entry @index of the set into @c; 0, or the errno of XB_CREDIT_GET. */
static inline int credit_get(int fd, __u32 index, struct xb_credit *c)
{
	XB_ARG_INIT(c);
	c->op = XB_CREDIT_GET;
	c->index = index;
	return ioctl(fd, XB_IOC_CREDIT, c) ? errno : 0;
}

/* ---------------------------------------------------------------------- */
/* The names xballoonctl gives the module's enums */

static const char * const xb_hv_names[] = {
	[XB_HV_NONE]	= "none",
	[XB_HV_OTHER]	= "other",
	[XB_HV_KVM]	= "kvm",
	[XB_HV_XEN_PV]	= "xen-pv",
	[XB_HV_XEN_PVH]	= "xen-pvh",
	[XB_HV_XEN_HVM]	= "xen-hvm",
};

static const char * const xb_steal_names[] = {
	[XB_STEAL_NONE]		= "none",
	[XB_STEAL_XEN_RUNSTATE]	= "xen-runstate",
	[XB_STEAL_KVM]		= "kvm",
	[XB_STEAL_KCPUSTAT]	= "kcpustat",
	[XB_STEAL_GAP]		= "gap",
};

static const char * const xb_vclock_names[] = {
	[XB_VCLOCK_OFF]		= "off",
	[XB_VCLOCK_ON]		= "on",
	[XB_VCLOCK_KERNEL]	= "kernel",
	[XB_VCLOCK_NO_STEAL]	= "no-steal",
};

/* @names[@v] of a table of @n, "?" past its end. */
static inline const char *name_of(const char * const *names, size_t n,
				  unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

/* Is @s one of the @n @names? */
static inline bool name_known(const char * const *names, size_t n,
			      const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return true;
	return false;
}

static inline const char *hv_name(unsigned int hv)
{
	return name_of(xb_hv_names, ARRAY_SIZE(xb_hv_names), hv);
}

static inline const char *steal_name(unsigned int src)
{
	return name_of(xb_steal_names, ARRAY_SIZE(xb_steal_names), src);
}

/* ---------------------------------------------------------------------- */
/* Privileges */

/* Clear every capability, or only CAP_SYS_ADMIN. 0 or -errno. */
static inline int cap_clear(bool only_sys_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i, word = CAP_TO_INDEX(CAP_SYS_ADMIN);
	__u32 mask = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (!only_sys_admin) {
			data[i].effective = 0;
			data[i].permitted = 0;
			data[i].inheritable = 0;
		} else if (i == word) {
			data[i].effective &= ~mask;
			data[i].permitted &= ~mask;
			data[i].inheritable &= ~mask;
		}
	}
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static inline bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return true;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/* Become uid/gid NOBODY with no capability at all. 0 or -errno. */
static inline int drop_to_nobody(void)
{
	if (setgroups(0, NULL))
		return -errno;
	if (setresgid(NOBODY, NOBODY, NOBODY))
		return -errno;
	if (setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return cap_clear(false);
}

/* Stay uid 0 but lose CAP_SYS_ADMIN for good. 0 or -errno. */
static inline int drop_cap_sys_admin(void)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return cap_clear(true);
}

/* ---------------------------------------------------------------------- */
/* cgroup v2 */

static inline bool is_cgroup2(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Mount cgroup2 on CG_MNT unless it is there already. 0 or -errno. */
static inline int cg2_mount(void)
{
	if (is_cgroup2(CG_MNT))
		return 0;
	mkdir(CG_MNT, 0755);
	return mount("cgroup2", CG_MNT, "cgroup2", 0, NULL) ? -errno : 0;
}

/* The cgroup v2 id of directory @path (its inode number), 0 on error. */
static inline __u64 cg_id(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* Move @pid into the cgroup @dir. 0 or -errno. */
static inline int cg_move(const char *dir, pid_t pid)
{
	char path[PATH_MAX], val[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(val, sizeof(val), "%d", pid);
	return write_str(path, val);
}

/* ---------------------------------------------------------------------- */
/* Running the tools */

/* Longest a tool may take to its end. */
#define XB_RUN_TIMEOUT_MS	30000
/* Most arguments a tool gets, argv[0] not counted. */
#define XB_RUN_MAX_ARGS		23

/* How xb_spawn() and xb_run() run a tool. */
#define XB_RUN_NOBODY		(1U << 0)	/* as uid/gid NOBODY, no caps */
#define XB_RUN_NO_SYS_ADMIN	(1U << 1)	/* as root without CAP_SYS_ADMIN */
#define XB_RUN_MERGE		(1U << 2)	/* stderr into ->out too */

/* What a tool said and how it ended. */
struct xb_output {
	int status;		/* as from waitpid(), -1 if it did not end */
	int code;		/* exit code, 128 + signal, or -1 */
	size_t out_len, err_len;
	char out[65536];	/* stdout, NUL-terminated, maybe cut short */
	char err[16384];	/* stderr, the same */
};

/* A waitpid() status as a shell has it: the code, 128 + signal, or -1. */
static inline int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/*
 * A tool of the payload: XB_CTL for xballoonctl if set, else
 * $XB_PAYLOAD/bin/@name, else @name next to this binary. Into @buf.
 */
static inline const char *tool_path(const char *name, char *buf, size_t len)
{
	const char *ctl = getenv("XB_CTL");
	const char *payload = getenv("XB_PAYLOAD");
	char *slash;
	ssize_t n;

	if (!strcmp(name, "xballoonctl") && ctl && *ctl) {
		snprintf(buf, len, "%s", ctl);
		return buf;
	}
	if (payload && *payload) {
		snprintf(buf, len, "%s/bin/%s", payload, name);
		return buf;
	}
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0) {
		snprintf(buf, len, "./%s", name);
		return buf;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		snprintf(slash + 1, len - (slash + 1 - buf), "%s", name);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

/*
 * Start @path with @args (NULL-terminated, without argv[0]; NULL for none),
 * its stdout on @out_fd and its stderr on @err_fd, dropping privileges as
 * @flags say. Its pid, or -errno. A child that cannot drop them exits 126,
 * one that cannot run @path says so on its stderr and exits 127.
 */
static inline pid_t xb_spawn(const char *path, const char *const *args,
			     int out_fd, int err_fd, unsigned int flags)
{
	char *argv[XB_RUN_MAX_ARGS + 2];
	pid_t pid;
	int n;

	argv[0] = (char *)path;
	for (n = 1; args && args[n - 1] && n <= XB_RUN_MAX_ARGS; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	if ((flags & XB_RUN_NOBODY) && drop_to_nobody())
		_exit(126);
	if ((flags & XB_RUN_NO_SYS_ADMIN) && drop_cap_sys_admin())
		_exit(126);
	execv(path, argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

/*
 * waitpid() with a timeout of @ms: true if @pid ended, its status in
 * *@status and, if @took is not NULL, how long that took in *@took (ms).
 */
static inline bool wait_exit(pid_t pid, int *status, unsigned int ms,
			     unsigned int *took)
{
	unsigned long long t0 = now_ns(), end = t0 + ms * NSEC_PER_MSEC;

	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid) {
			if (took)
				*took = (now_ns() - t0) / NSEC_PER_MSEC;
			return true;
		}
		if (now_ns() > end)
			return false;
		sleep_ms(5);
	}
}

/* Milliseconds left until @end (CLOCK_MONOTONIC ns), rounded up; 0 if past. */
static inline unsigned int ms_until(unsigned long long end)
{
	unsigned long long now = now_ns();

	return now < end ? (end - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
}

/*
 * Run @path with @args (as xb_spawn() does, under @flags) to its end,
 * capturing its stdout and stderr in @o. 0 once it ended, its exit code in
 * o->code; -ETIMEDOUT if it did not end within @timeout_ms (it is killed),
 * another -errno if it could not run.
 */
static inline int xb_run(struct xb_output *o, const char *path,
			 const char *const *args, unsigned int flags,
			 unsigned int timeout_ms)
{
	unsigned long long end = now_ns() + timeout_ms * NSEC_PER_MSEC;
	char *buf[2] = { o->out, o->err };
	size_t *len[2] = { &o->out_len, &o->err_len };
	size_t cap[2] = { sizeof(o->out) - 1, sizeof(o->err) - 1 };
	struct pollfd pfd[2];
	int out[2], err[2] = { -1, -1 }, ret = 0, i;
	char sink[512];
	ssize_t got;
	pid_t pid;

	o->status = -1;
	o->code = -1;
	o->out_len = 0;
	o->err_len = 0;
	o->out[0] = '\0';
	o->err[0] = '\0';
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (!(flags & XB_RUN_MERGE) && pipe2(err, O_CLOEXEC)) {
		ret = -errno;
		close(out[0]);
		close(out[1]);
		return ret;
	}
	pid = xb_spawn(path, args, out[1], err[1] < 0 ? out[1] : err[1],
		       flags);
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	pfd[0] = (struct pollfd){ .fd = out[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = err[0], .events = POLLIN };
	if (pid < 0)
		ret = pid;

	/* Until both pipes are at their end: the tool closed them. */
	while (!ret && (pfd[0].fd >= 0 || pfd[1].fd >= 0)) {
		if (!ms_until(end)) {
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(pfd, 2, ms_until(end)) < 0) {
			if (errno != EINTR)
				ret = -errno;
			continue;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (*len[i] < cap[i])
				got = read(pfd[i].fd, buf[i] + *len[i],
					   cap[i] - *len[i]);
			else
				got = read(pfd[i].fd, sink, sizeof(sink));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			} else if (*len[i] < cap[i]) {
				*len[i] += got;
			}
		}
	}
	for (i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	o->out[o->out_len] = '\0';
	o->err[o->err_len] = '\0';
	if (pid < 0)
		return ret;

	if (!ret && !wait_exit(pid, &o->status, ms_until(end), NULL))
		ret = -ETIMEDOUT;
	if (ret) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		o->status = -1;
		return ret;
	}
	o->code = exit_code(o->status);
	return 0;
}

/* Print @text into the TAP stream as diagnostics, "# @what: " a line. */
static inline void log_text(const char *what, const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fprintf(stderr, "# %s: %.*s\n", what, (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* How @name ended and what it said, into the TAP stream. */
static inline void log_run(const char *name, const struct xb_output *o)
{
	fprintf(stderr, "# %s exited %d\n", name, o->code);
	log_text("stdout", o->out);
	log_text("stderr", o->err);
}

#endif /* XB_UTIL_H */
