/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gntdev-common.h - kernel structures shared by the driver's glue files.
 *
 * One struct gntdev_file per open file descriptor, one struct gntdev_map per
 * successful IOCTL_GNTDEV_MAP_GRANT_REF.  A map is reachable from the file's
 * slot table (until IOCTL_GNTDEV_UNMAP_GRANT_REF or close) and from the VMA
 * it is mmapped into (until munmap or exit); it holds one reference for
 * each, and its grants are unmapped in the hypervisor before it is freed.
 */
#ifndef _GNTDEV_COMMON_H
#define _GNTDEV_COMMON_H

#include <linux/compat.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/features.h>
#include <xen/grant_table.h>

#include <xen/public/gntdev.h>

#include "gntdev-core.h"

struct gntdev_copy_batch;

/**
 * struct gntdev_file - state of one open /dev/xen/gntdev
 * @lock: Protects @slots, @maps, @exports, @imports, and the @listed,
 *	@index and @flags fields of every map of this file. Not held across
 *	hypercalls.
 * @users: References: one for the open file, one per dma-buf export not
 *	yet released (its grants stay counted in @slots until then).
 * @slots: The file's offset space: slot i is mmap offset i << PAGE_SHIFT.
 * @maps: Maps still in @slots, for close and introspection.
 * @nr_maps: Number of maps on @maps.
 * @node: Entry in the debugfs view's list of files (gntdev-debugfs.c).
 * @pid: Process that opened the file (thread group id).
 * @comm: Its command name then.
 * @copy_batch: A GRANT_COPY batch kept for the next call; taken with xchg().
 * @exports: dma-buf exports not yet released, for EXP_WAIT_RELEASED.
 * @imports: dma-buf imports not yet released by IMP_RELEASE or close.
 */
struct gntdev_file {
	struct mutex lock;
	refcount_t users;
	struct gntdev_slots slots;
	struct list_head maps;
	unsigned int nr_maps;
	struct list_head node;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	struct gntdev_copy_batch *copy_batch;
	struct list_head exports;
	struct list_head imports;
};

/**
 * struct gntdev_notify - what to do for the peer when a map is unmapped
 * @offset: Byte offset in the map of the byte to clear.
 * @flags: UNMAP_NOTIFY_CLEAR_BYTE and/or UNMAP_NOTIFY_SEND_EVENT.
 * @port: Event channel to signal; a reference is held on it.
 */
struct gntdev_notify {
	u64 offset;
	u32 flags;
	evtchn_port_t port;
};

/* Values of gntdev_map.being_removed[i] besides 0. */
#define GNTDEV_REMOVAL_BEGUN 1
#define GNTDEV_REMOVAL_DEFERRED 2

/**
 * struct gntdev_map - one MAP_GRANT_REF request and its mapping
 * @users: References: one while in the file's slot table, one per VMA,
 *	one per unmap in flight, one while @unmap_work is queued, one for
 *	MAP_GRANT_REF until it has told user space the offset. A map also
 *	holds a reference on the module, so no unmap outlives the module.
 * @mmapped: Set once by the first mmap(); a map is mmapped at most once.
 * @file: The file whose slot table holds the map, while @listed.
 * @link: Entry in @file->maps, while @listed.
 * @index: First slot in the file's table.
 * @count: Number of grants.
 * @flags: GNTMAP_* flags for the hypercalls, decided by the mmap() under
 *	@file->lock.
 * @live_grants: Grant handles (user and kernel) mapped and not yet unmapped.
 * @notify_lock: Protects @notify (the unmap path runs without @file).
 * @lock: Protects @being_removed, and the kernel-side handles in
 *	@kunmap_ops (PV) while the grant is not being removed.
 * @listed: Still in the file's slot table (not yet UNMAP_GRANT_REF'd).
 * @notifier_init: @notifier is registered.
 * @notify: Unmap notification.
 * @vm_start: User address the map is mmapped at.
 * @notifier: PV only: unmaps the grants when their PTEs go away.
 * @pages: Struct pages the grants are mapped over (kernel-side mapping on
 *	PV, the whole mapping on auto-translated guests); also the start of
 *	the one block that holds the per-grant arrays below.
 * @map_ops: Hypercall arguments and results, per grant.
 * @unmap_ops: Unmap arguments, per grant, handle filled in by the map.
 * @kunmap_ops: PV only: kernel-side unmap of each grant; the handle is
 *	INVALID_GRANT_HANDLE until that mapping exists.
 * @being_removed: Per grant: 0, or GNTDEV_REMOVAL_BEGUN once an unmap has
 *	been issued for it, or GNTDEV_REMOVAL_DEFERRED while @unmap_work has
 *	yet to issue it.
 * @unmap_work: Issues the unmaps that found no memory for a descriptor
 *	where they could not wait for it (the MMU notifier); holds a
 *	reference while queued.
 * @grants: The (domid, ref) pairs user space asked for.
 *
 * The per-grant arrays are allocated at mmap() time, so a map that is never
 * mmapped costs only @grants.  The fields are ordered to leave no holes: a
 * one-grant map, the commonest, fits a 256-byte slab on x86-64.
 */
struct gntdev_map {
	refcount_t users;
	atomic_t mmapped;
	struct gntdev_file *file;
	struct list_head link;
	u32 index;
	u32 count;
	u32 flags;
	atomic_t live_grants;
	spinlock_t notify_lock; /* protects @notify */
	spinlock_t lock; /* protects @being_removed, kernel-side handles */
	bool listed;
	bool notifier_init;
	struct gntdev_notify notify;
	unsigned long vm_start;
	struct mmu_interval_notifier notifier;
	struct page **pages;
	struct gnttab_map_grant_ref *map_ops;
	struct gnttab_unmap_grant_ref *unmap_ops;
	struct gnttab_unmap_grant_ref *kunmap_ops;
	u8 *being_removed;
	struct work_struct unmap_work;
	struct ioctl_gntdev_grant_ref grants[];
};

/**
 * gntdev_use_ptemod() - whether grants are mapped into user PTEs
 *
 * Context: Any context.
 * Return: true on x86 PV, where Xen writes the foreign frames into the
 * PTEs; false on auto-translated guests, where they are mapped over pages'
 * guest frames (see gntdev-map.c). Fixed for the boot.
 */
static inline bool gntdev_use_ptemod(void)
{
	return !xen_feature(XENFEAT_auto_translated_physmap);
}

/**
 * gntdev_file_put() - drop a reference on an open file's state
 * @priv: The state; freed with the last reference.
 *
 * The file holds one until it is released, each dma-buf export one until
 * the dma-buf is: an export may outlive the file it came from.
 *
 * Context: Process context, may sleep.
 */
static inline void gntdev_file_put(struct gntdev_file *priv)
{
	if (!refcount_dec_and_test(&priv->users))
		return;
	gntdev_slots_destroy(&priv->slots);
	kfree(priv);
}

/*
 * What each file offers the others, lowest first: a file calls only into
 * the ones listed before it and the core, never back; gntdev-main.c, which
 * offers nothing, calls them all.
 */

/* gntdev-cache.c: spare pages and state blocks */
void gntdev_cache_init(void);
void gntdev_cache_exit(void);
int gntdev_pages_get(struct page **pages, u32 n);
void gntdev_pages_put(struct page **pages, u32 n);
void *gntdev_spare_get(u32 count);
void gntdev_spare_put(void *block, u32 count);

/* gntdev-map.c: limits, the module-wide total, maps and their mmap() */
u32 gntdev_max_per_request(void);
u32 gntdev_max_per_file(void);
unsigned long gntdev_max_total(void);
int gntdev_total_reserve(u32 count);
void gntdev_total_release(u32 count);
s64 gntdev_total_grants(void);
int gntdev_maps_alive(void);
struct gntdev_map *gntdev_map_alloc(u32 count);
void gntdev_map_put(struct gntdev_map *map);
int gntdev_status_errno(s16 status);
int gntdev_mmap(struct file *file, struct vm_area_struct *vma);
bool gntdev_vma_is_ours(struct vm_area_struct *vma, struct gntdev_file *priv);

/* gntdev-debugfs.c: the introspection view */
void gntdev_debugfs_init(void);
void gntdev_debugfs_exit(void);
void gntdev_debugfs_add_file(struct gntdev_file *priv);
void gntdev_debugfs_remove_file(struct gntdev_file *priv);

/* gntdev-copy.c: IOCTL_GNTDEV_GRANT_COPY */
void gntdev_copy_release(struct gntdev_file *priv);
long gntdev_ioctl_grant_copy(struct gntdev_file *priv,
			     struct ioctl_gntdev_grant_copy __user *u);
#ifdef CONFIG_COMPAT
/**
 * struct ioctl_gntdev_grant_copy32 - IOCTL_GNTDEV_GRANT_COPY's argument as
 * a 32-bit process lays it out (i386 and x32 alike)
 * @count: As in struct ioctl_gntdev_grant_copy.
 * @segments: Its 32-bit user address.
 */
struct ioctl_gntdev_grant_copy32 {
	u32 count;
	compat_uptr_t segments;
};

#define IOCTL_GNTDEV_GRANT_COPY32 \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy32))

long gntdev_ioctl_grant_copy32(struct gntdev_file *priv,
			       struct ioctl_gntdev_grant_copy32 __user *u);
#endif /* CONFIG_COMPAT */

/* gntdev-dmabuf.c: the dma-buf ioctls */
void gntdev_dmabuf_init(struct device *dev);
void gntdev_dmabuf_release(struct gntdev_file *priv);
long gntdev_ioctl_dmabuf_exp_from_refs(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_exp_from_refs __user *u);
long gntdev_ioctl_dmabuf_exp_wait_released(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_exp_wait_released __user *u);
long gntdev_ioctl_dmabuf_imp_to_refs(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_imp_to_refs __user *u);
long gntdev_ioctl_dmabuf_imp_release(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_imp_release __user *u);

#endif /* _GNTDEV_COMMON_H */
