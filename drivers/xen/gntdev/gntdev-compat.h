/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gntdev-compat.h - the differences between the kernels the driver builds
 * for, kept here as small helpers and names so that no function body needs
 * an #if.  Each is told by a GNTDEV_HAVE_* feature test in Kbuild, which
 * looks at the headers being built against rather than at the version:
 * distributions backport.
 */
#ifndef _GNTDEV_COMPAT_H
#define _GNTDEV_COMPAT_H

#include <linux/mm.h>

#ifdef GNTDEV_HAVE_VM_FLAGS_SET /* 6.3: vm_flags behind helpers */
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
#else
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
#endif

/*
 * The vm_operations_struct hook that hands out the page behind a special
 * PTE: find_special_page until 6.17, find_normal_page since (same type).
 */
#ifdef GNTDEV_HAVE_FIND_NORMAL_PAGE
#define GNTDEV_VM_OPS_FIND_PAGE find_normal_page
#else
#define GNTDEV_VM_OPS_FIND_PAGE find_special_page
#endif

/*
 * The dma-buf symbols live in the DMA_BUF namespace, named by a bare
 * token until 6.13 and by a string literal since.
 */
#ifdef GNTDEV_HAVE_IMPORT_NS_STRING
#define GNTDEV_MODULE_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS("DMA_BUF")
#else
#define GNTDEV_MODULE_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS(DMA_BUF)
#endif

#endif /* _GNTDEV_COMPAT_H */
