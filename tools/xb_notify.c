// SPDX-License-Identifier: GPL-2.0
/*
 * xb_notify.c - sd_notify(3)'s protocol, as systemd documents it: send
 * @state ("READY=1", "STATUS=...", newline-separated assignments) in one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET, an absolute path
 * or, with a leading '@', an abstract address. Without $NOTIFY_SOCKET (not
 * started by systemd, or Type= is not notify) it does nothing.
 *
 * Copyright (C) 2026 The xballoon authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xb_notify.h"

/* 0 if sent or nothing to send to, -errno if the datagram was lost. */
int xb_notify(const char *state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;
	ssize_t n;
	int fd, err = 0;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	/* Only the AF_UNIX forms; systemd's vsock addresses are not for us. */
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sa.sun_path))
		return -EAFNOSUPPORT;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* An abstract address is exactly as long as its name: no NUL. */
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa,
		   offsetof(struct sockaddr_un, sun_path) + len +
		   (path[0] == '/'));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}
