// SPDX-License-Identifier: GPL-2.0
/*
 * credit.c - xballoonctl credit: the fair-credit set (list, add, del,
 * clear).
 *
 * Copyright (C) 2026 The xballoon authors
 */
#define _GNU_SOURCE	/* nftw() */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "ctl.h"

void help_credit(FILE *f)
{
	fprintf(f,
		"Usage: %s credit list [--json]\n"
		"       %s credit add --pid N | --comm NAME | --cgroup PATH | --cgroup-id ID\n"
		"                   [--no-schedstats]\n"
		"       %s credit del --pid N | --comm NAME | --cgroup PATH | --cgroup-id ID\n"
		"       %s credit clear\n"
		"\n"
		"The fair-credit set: tasks in it keep the vruntime credit they earned\n"
		"while sleeping.\n"
		"\n"
		"  list     the set (pids, command names, cgroups), wake-ups restored\n"
		"           and credit given back\n"
		"  add      add a task (a whole process if N is its pid), every task of\n"
		"           that command name, or every task of a cgroup v2 and the\n"
		"           cgroups below it; turns kernel.sched_schedstats on, which\n"
		"           fair credit needs (not with --no-schedstats)\n"
		"  del      remove that entry (--cgroup-id, as the list shows it, for a\n"
		"           removed cgroup)\n"
		"  clear    empty the set (schedstats stay as they are)\n"
		"\n"
		"A command name is 1-%u printable characters without '/' (the module\n"
		"checks: exit 1); a longer one is a usage error. A cgroup PATH is a\n"
		"directory of the cgroup2 filesystem, or a path below its mount point\n"
		"(as in /proc/PID/cgroup). The set holds %u entries.\n",
		prog, prog, prog, prog, XB_COMM_LEN - 1, XB_CREDIT_MAX);
	help_tail(f);
}

#define XB_SCHEDSTATS	"/proc/sys/kernel/sched_schedstats"

/* One line of a small file, without its newline; 0 or an errno. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* kernel.sched_schedstats: 1 on, 0 off, -1 with errno if unreadable. */
static int schedstats_on(void)
{
	char buf[16];
	int err = read_line(XB_SCHEDSTATS, buf, sizeof(buf));

	if (err) {
		errno = err;
		return -1;
	}
	return strcmp(buf, "0") != 0;
}

static int schedstats_enable(void)
{
	int fd = open(XB_SCHEDSTATS, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, "1\n", 2);
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	if (close(fd))
		return errno;
	return n == 2 ? 0 : EIO;
}

static bool credit_cgroup_op(const struct xb_credit *c)
{
	return c->op == XB_CREDIT_ADD_CGROUP || c->op == XB_CREDIT_DEL_CGROUP;
}

/*
 * "pid N", "comm NAME" or "cgroup PATH|ID", non-printable characters
 * shown as '?'.
 */
static const char *credit_label(const struct xb_credit *c, const char *cgpath,
				char *buf, size_t len)
{
	char comm[XB_COMM_LEN];
	size_t i;

	if (c->op == XB_CREDIT_ADD_PID || c->op == XB_CREDIT_DEL_PID) {
		snprintf(buf, len, "pid %u", c->pid);
		return buf;
	}
	if (credit_cgroup_op(c)) {
		if (cgpath)
			snprintf(buf, len, "cgroup %s (id %llu)", cgpath,
				 (unsigned long long)c->cgroup_id);
		else
			snprintf(buf, len, "cgroup id %llu",
				 (unsigned long long)c->cgroup_id);
		for (i = 0; buf[i]; i++)
			if (buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = '?';
		return buf;
	}
	for (i = 0; i < XB_COMM_LEN - 1 && c->comm[i]; i++)
		comm[i] = c->comm[i] >= 0x20 && c->comm[i] < 0x7f ?
			  c->comm[i] : '?';
	comm[i] = '\0';
	snprintf(buf, len, "comm %s", comm);
	return buf;
}

static int credit_invalid(void)
{
	errmsg("invalid pid or command name (1-%u printable characters, no '/')",
	       XB_COMM_LEN - 1);
	return XB_EXIT_ERROR;
}

/*
 * XB_IOC_CREDIT failed with @err: the errno list of the UAPI, in words.
 * @cgpath: the directory of a cgroup op, NULL if it was given by id
 */
static int credit_errno(int err, const struct xb_credit *c,
			const char *cgpath)
{
	char label[PATH_MAX + 48];

	switch (err) {
	case ESRCH:
		errmsg("no such task: pid %u", c->pid);
		return XB_EXIT_ERROR;
	case EEXIST:
		errmsg("%s: already in the set",
		       credit_label(c, cgpath, label, sizeof(label)));
		return XB_EXIT_ERROR;
	case ENOENT:
		if (c->op == XB_CREDIT_ADD_CGROUP) {
			errmsg("%s: no such cgroup (removed, or outside this cgroup namespace)",
			       credit_label(c, cgpath, label, sizeof(label)));
			return XB_EXIT_ERROR;
		}
		errmsg("%s: not in the set",
		       credit_label(c, cgpath, label, sizeof(label)));
		return XB_EXIT_ERROR;
	case ENOSPC:
		errmsg("the set is full (%u entries)", XB_CREDIT_MAX);
		return XB_EXIT_ERROR;
	case EINVAL:
		/*
		 * We never send a cgroup id of 0 (a usage error here): a
		 * module that refuses a cgroup op does not know it.
		 */
		if (credit_cgroup_op(c)) {
			errmsg("the module does not know cgroup entries: " XB_ABI_HINT);
			return XB_EXIT_ABI;
		}
		return credit_invalid();
	case EOPNOTSUPP:
		errmsg("fair credit is not available: this kernel lacks the scheduler tracepoints it needs");
		return XB_EXIT_ERROR;
	default:
		return balloon_errno(err, "XB_IOC_CREDIT");
	}
}

/* One XB_IOC_CREDIT call; 0 or the errno. */
static int credit_call(int fd, struct xb_credit *c)
{
	c->size = sizeof(*c);
	return xb_ioctl(fd, XB_IOC_CREDIT, c) ? errno : 0;
}

struct credit_list {
	unsigned int n;			/* entries read */
	bool counters;			/* restored, credited_ns are known */
	__u64 restored;
	__u64 credited_ns;
	struct {
		__u32 pid;
		char comm[XB_COMM_LEN];
		char task_comm[64];	/* pid entries: /proc/<pid>/comm */
		bool task_known;
		__u64 cgroup_id;	/* cgroup entries: its id, else 0 */
		char cg_path[PATH_MAX];	/* where it is now, "" if not found */
	} e[XB_CREDIT_MAX];
};

/* The mount point of the cgroup2 filesystem; 0, or an errno (ENOENT). */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[4096], mp[4096], fs[64], *sep, *src, *dst;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int ret = ENOENT;

	if (!f)
		return errno;
	/* id parent maj:min root mount-point options... - fstype source ... */
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep, " - %63s", fs) != 1 ||
		    strcmp(fs, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		/* Undo the octal escapes of mountinfo (\040 for a space). */
		for (src = dst = mp; *src; dst++) {
			if (src[0] == '\\' && src[1] >= '0' && src[1] <= '3' &&
			    src[2] >= '0' && src[2] <= '7' &&
			    src[3] >= '0' && src[3] <= '7') {
				*dst = (src[1] - '0') << 6 | (src[2] - '0') << 3 |
				       (src[3] - '0');
				src += 4;
			} else {
				*dst = *src++;
			}
		}
		*dst = '\0';
		if ((size_t)snprintf(buf, len, "%s", mp) < len) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* @path is a directory of a cgroup2 filesystem: its id in *@id. */
static bool cgroup2_dir(const char *path, __u64 *id)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return false;
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return false;
	*id = st.st_ino;
	return true;
}

/*
 * --cgroup PATH: a cgroup2 directory as given, or else PATH below the
 * cgroup2 mount point (the form of /proc/PID/cgroup). The cgroup's id is
 * the inode number of its directory (kernfs, 64-bit). Exit code on error.
 */
static int cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id)
{
	char mnt[PATH_MAX];
	int err;

	if (cgroup2_dir(arg, id)) {
		snprintf(path, len, "%s", arg);
		return XB_EXIT_OK;
	}
	err = cgroup2_mount(mnt, sizeof(mnt));
	if (err) {
		errmsg("%s: not a cgroup2 directory, and %s", arg,
		       err == ENOENT ? "no cgroup2 filesystem is mounted" :
		       "cannot read /proc/self/mountinfo");
		return XB_EXIT_ERROR;
	}
	while (*arg == '/')
		arg++;
	if ((size_t)snprintf(path, len, "%s/%s", mnt, arg) < len &&
	    cgroup2_dir(path, id))
		return XB_EXIT_OK;
	errmsg("%s: not a cgroup2 directory (cgroup2 is mounted at %s)",
	       path, mnt);
	return XB_EXIT_ERROR;
}

/* The list whose cgroup entries cgroup_find() fills in, for nftw(). */
static struct credit_list *cg_list;
static unsigned int cg_missing;

static int cgroup_find(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	unsigned int i;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	for (i = 0; i < cg_list->n; i++) {
		if (cg_list->e[i].cgroup_id != (__u64)st->st_ino ||
		    cg_list->e[i].cg_path[0])
			continue;
		snprintf(cg_list->e[i].cg_path, sizeof(cg_list->e[i].cg_path),
			 "%s", path);
		cg_missing--;
	}
	/* Stop the walk once every entry is found. */
	return !cg_missing;
}

/*
 * Where the set's cgroups are: one walk of the cgroup2 tree, stopped as
 * soon as all are found, and only if the set has cgroup entries. A removed
 * cgroup (or one outside this cgroup namespace) keeps an empty path.
 */
static void cgroup_paths(struct credit_list *l)
{
	char mnt[PATH_MAX];
	unsigned int i;

	cg_missing = 0;
	for (i = 0; i < l->n; i++)
		cg_missing += !!l->e[i].cgroup_id;
	if (!cg_missing || cgroup2_mount(mnt, sizeof(mnt)))
		return;
	cg_list = l;
	nftw(mnt, cgroup_find, 16, FTW_PHYS | FTW_MOUNT);
	cg_list = NULL;
}

/*
 * Read the set with XB_CREDIT_GET, index 0 up, until ENOENT. A set that
 * changes meanwhile gives a mix of before and after, never garbage.
 */
static int credit_read(int fd, struct credit_list *l)
{
	struct xb_credit c;
	char path[64];
	int err;

	memset(l, 0, sizeof(*l));
	while (l->n < XB_CREDIT_MAX) {
		memset(&c, 0, sizeof(c));
		c.op = XB_CREDIT_GET;
		c.index = l->n;
		err = credit_call(fd, &c);
		if (err == ENOENT)
			break;
		if (err)
			return credit_errno(err, &c, NULL);
		/* Only a successful call reports the counters. */
		l->counters = true;
		l->restored = c.restored;
		l->credited_ns = c.credited_ns;
		l->e[l->n].pid = c.pid;
		l->e[l->n].cgroup_id = c.cgroup_id;
		memcpy(l->e[l->n].comm, c.comm, XB_COMM_LEN);
		l->e[l->n].comm[XB_COMM_LEN - 1] = '\0';
		if (c.pid) {
			snprintf(path, sizeof(path), "/proc/%u/comm", c.pid);
			l->e[l->n].task_known =
				!read_line(path, l->e[l->n].task_comm,
					   sizeof(l->e[l->n].task_comm));
		}
		l->n++;
	}
	cgroup_paths(l);
	return XB_EXIT_OK;
}

/* A string member, or null (@known false). */
static struct json_object *jstr_or_null(bool known, const char *s)
{
	return known ? jstr(s) : NULL;
}

static int credit_list_json(const struct credit_list *l, int schedstats)
{
	struct json_object *doc = jdoc(), *arr, *o;
	unsigned int i;

	jadd(doc, "nr_entries", json_object_new_int64(l->n));
	jadd(doc, "max_entries", json_object_new_int64(XB_CREDIT_MAX));
	arr = json_object_new_array();
	for (i = 0; i < l->n; i++) {
		o = json_object_new_object();
		jadd(o, "pid", json_object_new_int64(l->e[i].pid));
		jadd(o, "comm", jstr(l->e[i].comm));
		jadd(o, "task_comm", jstr_or_null(l->e[i].task_known,
						  l->e[i].task_comm));
		jadd_u64(o, "cgroup_id", l->e[i].cgroup_id);
		jadd(o, "cgroup_path", jstr_or_null(l->e[i].cg_path[0],
						    l->e[i].cg_path));
		json_object_array_add(arr, o);
	}
	jadd(doc, "entries", arr);
	jadd(doc, "restored", l->counters ?
	     json_object_new_uint64(l->restored) : NULL);
	jadd(doc, "credited_ns", l->counters ?
	     json_object_new_uint64(l->credited_ns) : NULL);
	jadd(doc, "schedstats", schedstats < 0 ? NULL :
	     json_object_new_boolean(schedstats));
	return jprint(doc);
}
/* @s for a terminal: non-printable characters as '?'. */
static void print_safe(const char *s)
{
	for (; *s; s++)
		putchar(*s >= 0x20 && *s < 0x7f ? *s : '?');
}

static void credit_list_human(const struct credit_list *l, int schedstats)
{
	unsigned int i;

	if (!l->n)
		printf("fair credit: the set is empty\n");
	else
		printf("fair credit: %u of %u entries\n", l->n, XB_CREDIT_MAX);
	for (i = 0; i < l->n; i++) {
		if (l->e[i].pid) {
			printf("  pid %-8u ", l->e[i].pid);
			if (l->e[i].task_known) {
				putchar('(');
				print_safe(l->e[i].task_comm);
				printf(")\n");
			} else {
				printf("(no such task now)\n");
			}
		} else if (l->e[i].cgroup_id) {
			printf("  cgroup %-8llu ",
			       (unsigned long long)l->e[i].cgroup_id);
			if (l->e[i].cg_path[0]) {
				putchar('(');
				print_safe(l->e[i].cg_path);
				printf(")\n");
			} else {
				printf("(removed, or outside this cgroup namespace)\n");
			}
		} else if (l->e[i].comm[0]) {
			printf("  comm ");
			print_safe(l->e[i].comm);
			putchar('\n');
		} else {
			printf("  a pid whose task has exited, or outside this pid namespace\n");
		}
	}
	if (l->counters)
		printf("restored wake-ups: %llu, credited time: %.3f ms\n",
		       (unsigned long long)l->restored,
		       (double)l->credited_ns / 1e6);
	else
		printf("restored wake-ups, credited time: reported only while the set has entries\n");
	if (schedstats == 0)
		printf("schedstats off (kernel.sched_schedstats=0): fair credit does not act\n");
	else if (schedstats < 0)
		printf("no kernel.sched_schedstats: fair credit does not act\n");
}

static int credit_list(int argc, char **argv)
{
	struct credit_list *l;
	bool json;
	int fd, ret, c;

	ret = parse_json_opts(argc, argv, "credit", true, help_credit,
			      &json);
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return usage_error("credit", "credit list: unexpected argument '%s'",
				   argv[optind]);

	l = malloc(sizeof(*l));
	if (!l) {
		errmsg("out of memory");
		return XB_EXIT_ERROR;
	}
	ret = xb_open_feature(&fd, NULL, XB_FEATURE_CREDIT, "fair credit");
	if (!ret) {
		ret = credit_read(fd, l);
		close(fd);
	}
	if (!ret) {
		c = schedstats_on();
		if (json)
			ret = credit_list_json(l, c);
		else
			credit_list_human(l, c);
	}
	free(l);
	return ret;
}

/* Fair credit acts only with schedstats on: see to it after an add. */
static void credit_schedstats(bool leave_off)
{
	int on = schedstats_on(), err;

	if (on < 0) {
		errmsg("warning: cannot read " XB_SCHEDSTATS " (%s): fair credit needs schedstats and will not act without them",
		       strerror(errno));
		return;
	}
	if (on)
		return;
	if (leave_off) {
		errmsg("warning: kernel.sched_schedstats is 0: fair credit will not act until it is 1");
		return;
	}
	err = schedstats_enable();
	if (err)
		errmsg("warning: fair credit needs schedstats, but enabling kernel.sched_schedstats failed (%s): it will not act",
		       strerror(err));
	else
		errmsg("fair credit needs schedstats: enabled kernel.sched_schedstats");
}

/*
 * credit add, credit del: one entry, --pid N, --comm NAME, --cgroup PATH
 * or --cgroup-id ID.
 */
static int credit_change(int argc, char **argv, bool add)
{
	enum { OPT_PID = 0x100, OPT_COMM, OPT_CGROUP, OPT_CGROUP_ID,
	       OPT_NO_SCHEDSTATS };
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "cgroup-id", required_argument, NULL, OPT_CGROUP_ID },
		{ "no-schedstats", no_argument, NULL, OPT_NO_SCHEDSTATS },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *cmd = add ? "credit add" : "credit del";
	struct xb_credit arg = { .size = sizeof(arg) };
	bool has_pid = false, has_comm = false, leave_off = false;
	bool bad_pid = false;
	const char *cgroup = NULL;
	char cgpath[PATH_MAX];
	int fd, ret, c, r, given = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (has_pid)
				return usage_error("credit", "%s: give --pid once", cmd);
			r = parse_u32(optarg, &arg.pid);
			if (r < 0)
				return usage_error("credit", "%s: --pid wants a number, not '%s'",
						   cmd, optarg);
			bad_pid = r > 0;
			has_pid = true;
			break;
		case OPT_COMM:
			if (has_comm)
				return usage_error("credit", "%s: give --comm once", cmd);
			if (strlen(optarg) > XB_COMM_LEN - 1)
				return usage_error("credit", "%s: --comm wants a command name of at most %u characters, not '%s'",
						   cmd, XB_COMM_LEN - 1,
						   optarg);
			memcpy(arg.comm, optarg, strlen(optarg));
			has_comm = true;
			break;
		case OPT_CGROUP:
			if (cgroup || arg.cgroup_id)
				return usage_error("credit", "%s: give --cgroup or --cgroup-id once",
						   cmd);
			if (!*optarg)
				return usage_error("credit", "%s: --cgroup wants a path",
						   cmd);
			cgroup = optarg;
			break;
		case OPT_CGROUP_ID:
			if (cgroup || arg.cgroup_id)
				return usage_error("credit", "%s: give --cgroup or --cgroup-id once",
						   cmd);
			/* A cgroup id is never 0. */
			if (parse_u64(optarg, &arg.cgroup_id) ||
			    !arg.cgroup_id)
				return usage_error("credit", "%s: --cgroup-id wants a non-zero number, not '%s'",
						   cmd, optarg);
			break;
		case OPT_NO_SCHEDSTATS:
			if (!add)
				return usage_error("credit", "%s: --no-schedstats is for credit add",
						   cmd);
			leave_off = true;
			break;
		case 'h':
			help_credit(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("credit", "%s: bad option", cmd);
		}
	}
	if (optind < argc)
		return usage_error("credit", "%s: unexpected argument '%s'", cmd,
				   argv[optind]);
	given = has_pid + has_comm + (cgroup || arg.cgroup_id);
	if (given > 1)
		return usage_error("credit", "%s: give one of --pid, --comm, --cgroup, --cgroup-id",
				   cmd);
	if (!given)
		return usage_error("credit", "%s: give --pid N, --comm NAME, --cgroup PATH or --cgroup-id ID",
				   cmd);
	if (bad_pid)
		return credit_invalid();
	if (has_pid)
		arg.op = add ? XB_CREDIT_ADD_PID : XB_CREDIT_DEL_PID;
	else if (has_comm)
		arg.op = add ? XB_CREDIT_ADD_COMM : XB_CREDIT_DEL_COMM;
	else
		arg.op = add ? XB_CREDIT_ADD_CGROUP : XB_CREDIT_DEL_CGROUP;

	ret = xb_open_feature(&fd, NULL, XB_FEATURE_CREDIT, "fair credit");
	if (ret)
		return ret;
	if (cgroup) {
		ret = cgroup_resolve(cgroup, cgpath, sizeof(cgpath),
				     &arg.cgroup_id);
		if (ret) {
			close(fd);
			return ret;
		}
	}
	r = credit_call(fd, &arg);
	close(fd);
	if (r)
		return credit_errno(r, &arg, cgroup ? cgpath : NULL);
	if (add)
		credit_schedstats(leave_off);
	return XB_EXIT_OK;
}

static int credit_clear(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct xb_credit arg = { .op = XB_CREDIT_CLEAR };
	int fd, ret, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help_credit(stdout);
			return XB_EXIT_OK;
		default:
			return usage_error("credit", "credit clear: bad option");
		}
	}
	if (optind < argc)
		return usage_error("credit", "credit clear: unexpected argument '%s'",
				   argv[optind]);

	ret = xb_open_feature(&fd, NULL, XB_FEATURE_CREDIT, "fair credit");
	if (ret)
		return ret;
	c = credit_call(fd, &arg);
	close(fd);
	return c ? credit_errno(c, &arg, NULL) : XB_EXIT_OK;
}

static int cmd_credit_add(int argc, char **argv)
{
	return credit_change(argc, argv, true);
}

static int cmd_credit_del(int argc, char **argv)
{
	return credit_change(argc, argv, false);
}

int cmd_credit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "list", credit_list },
		{ "add", cmd_credit_add },
		{ "del", cmd_credit_del },
		{ "clear", credit_clear },
	};
	unsigned int i;

	if (argc < 2)
		return usage_error("credit", "credit: missing subcommand: list, add, del or clear");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help_credit(stdout);
		return XB_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return usage_error("credit", "credit: unknown subcommand '%s'", argv[1]);
}

