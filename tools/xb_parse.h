/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xb_parse.h - the command-line values xballoonctl and xballoond share.
 */
#ifndef _XB_PARSE_H
#define _XB_PARSE_H

#include <linux/types.h>

int parse_u32(const char *arg, __u32 *v);
int parse_cap(const char *arg, __u32 *pm);

#endif /* _XB_PARSE_H */
