/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gntdev-compat.h - the kernel-version differences the driver builds over,
 * kept here as small helpers so that no function body needs an #if.
 */
#ifndef _GNTDEV_COMPAT_H
#define _GNTDEV_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline void gntdev_vm_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void gntdev_vm_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else /* LINUX_VERSION_CODE < 6.3 */
static inline void gntdev_vm_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void gntdev_vm_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif /* LINUX_VERSION_CODE >= 6.3 */

#endif /* _GNTDEV_COMPAT_H */
