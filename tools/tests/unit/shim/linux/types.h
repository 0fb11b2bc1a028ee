/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/types.h for user space: the system's uapi types (__u32 and
 * friends, which the uapi header needs) plus the kernel-internal names
 * gntdev-core.c uses, so the core builds unchanged in the unit tests and
 * the fuzzer.
 */
#ifndef _GNTDEV_SHIM_LINUX_TYPES_H
#define _GNTDEV_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int16_t s16;

#endif /* _GNTDEV_SHIM_LINUX_TYPES_H */
