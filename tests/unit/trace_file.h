/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_file.h - open a recorded trace of tests/unit/traces/ by name,
 * wherever the tests are built from (the unit tests' shared helper).
 */
#ifndef _XB_TRACE_FILE_H
#define _XB_TRACE_FILE_H

#include <stdio.h>
#include <string.h>

static inline FILE *trace_open(const char *name)
{
	char path[512], *dir;

	snprintf(path, sizeof(path), "%s", __FILE__);
	dir = strrchr(path, '/');
	snprintf(dir ? dir + 1 : path,
		 sizeof(path) - (dir ? dir + 1 - path : 0), "traces/%s", name);
	return fopen(path, "r");
}

#endif /* _XB_TRACE_FILE_H */
