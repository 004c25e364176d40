/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the only place where kernel-version differences live.
 *
 * Kbuild probes the target kernel's headers (xb_has) and defines XB_HAVE_*
 * for each capability it finds; this header, force-included into every
 * file, maps each capability to the one spelling the mechanism files use.
 * There is no LINUX_VERSION_CODE anywhere: distributions backport, so we
 * test for the feature, not for the version.
 *
 * Today the files built agree on 6.1 and 6.12 as they are; entries are
 * added here, with their probe in Kbuild, as the mechanisms need them.
 */
#ifndef _XB_COMPAT_H
#define _XB_COMPAT_H

#endif /* _XB_COMPAT_H */
