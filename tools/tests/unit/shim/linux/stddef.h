/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/stddef.h for user space: the system's uapi header, plus NULL,
 * offsetof, bool, true and false, which the kernel's version provides.
 */
#ifndef _GNTDEV_SHIM_LINUX_STDDEF_H
#define _GNTDEV_SHIM_LINUX_STDDEF_H

#include_next <linux/stddef.h>
#include <stdbool.h>
#include <stddef.h>

#endif /* _GNTDEV_SHIM_LINUX_STDDEF_H */
