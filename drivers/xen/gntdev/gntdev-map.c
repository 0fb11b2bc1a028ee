// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-map.c - mapping foreign grants into user space, and unmapping them.
 *
 * A map's grants are mapped when it is mmapped, with one batched
 * GNTTABOP_map_grant_ref for the whole range, and unmapped exactly once:
 *
 *  - x86 PV (gntdev_use_ptemod()): Xen writes the foreign frames straight
 *    into the user PTEs (GNTMAP_contains_pte), marked special so GUP-fast
 *    leaves them alone.  The kernel reaches a grant's page (get_user_pages,
 *    the unmap notify byte) through a second mapping at the kernel address
 *    of a spare struct page, with the page's p2m entry aimed at the foreign
 *    frame, both made only when first needed: most maps never need them,
 *    and they would double the hypervisor's work per grant and add a p2m
 *    update or two.  An MMU interval notifier unmaps exactly the range
 *    whose PTEs are going away: munmap (whole or part), mremap, exit.
 *
 *  - Auto-translated guests (PVH, HVM, Arm): Xen maps the foreign frames
 *    over the guest frames of unpopulated pages, which are then inserted
 *    into the VMA.  The grants stay mapped until the map's last reference
 *    goes, whatever happens to the PTEs.
 *
 * A grant nobody can hold (PV, no kernel-side mapping) is unmapped at once.
 * Others go through gnttab_unmap_refs_async(), which waits (off this
 * thread) for pages that someone else still holds; each unmap in flight
 * holds a reference on its map.  Nothing here ever waits for a holder: the
 * MMU notifier, munmap() and exit must not block on a page that, say, the
 * exiting task's own pipe holds.  @being_removed, under @lock, makes sure no
 * grant is unmapped twice when invalidations overlap, and that none gets a
 * kernel-side mapping once its unmap has begun.
 *
 * This file also owns the limits on grants (per request, per file, all
 * files together) and the module-wide count: a map's grants count from
 * gntdev_map_alloc() until its memory is freed.
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/hypervisor.h>
#include <asm/xen/page.h>

#include "gntdev-common.h"
#include "gntdev-compat.h"

static const struct vm_operations_struct gntdev_vmops;

/*
 * Test knobs: fail this many of the next allocations, as memory pressure
 * would, so the lab can drive the paths that handle it.
 */
static unsigned int gntdev_fail_unmap_alloc;
module_param_named(fail_unmap_alloc, gntdev_fail_unmap_alloc, uint, 0600);
MODULE_PARM_DESC(
	fail_unmap_alloc,
	"Testing: fail this many of the next non-blocking unmap descriptor allocations");

static unsigned int gntdev_fail_state_alloc;
module_param_named(fail_state_alloc, gntdev_fail_state_alloc, uint, 0600);
MODULE_PARM_DESC(fail_state_alloc,
		 "Testing: fail this many of the next mmap() state allocations");

static bool gntdev_inject_failure(unsigned int *knob)
{
	unsigned int seen, old = READ_ONCE(*knob);

	while (old) {
		seen = cmpxchg(knob, old, old - 1);
		if (seen == old)
			return true;
		old = seen;
	}
	return false;
}

static void gntdev_unmap_deferred(struct work_struct *work);

/* ------------------------------------------------------------------ */
/* Limits, and the module-wide count of grants */

static unsigned int gntdev_limit = 64 * 1024;
module_param_named(limit, gntdev_limit, uint, 0644);
MODULE_PARM_DESC(
	limit,
	"Maximum number of grants that may be mapped by one mapping request");

static unsigned int gntdev_file_limit = 1024 * 1024;
module_param_named(file_limit, gntdev_file_limit, uint, 0644);
MODULE_PARM_DESC(
	file_limit,
	"Maximum number of grants one open file may hold (and most SET_MAX_GRANTS can ask for)");

static unsigned long gntdev_total_limit = 1024 * 1024;
module_param_named(total_limit, gntdev_total_limit, ulong, 0644);
MODULE_PARM_DESC(total_limit,
		 "Maximum number of grants all open files may hold together");

/* Grants held by all maps and dma-bufs of all files, against the above. */
static atomic64_t gntdev_total = ATOMIC64_INIT(0);
/* Maps alive, listed or not, for introspection. */
static atomic_t gntdev_nr_maps = ATOMIC_INIT(0);

/**
 * gntdev_max_per_request() - the "limit" module parameter
 *
 * Context: Any context.
 * Return: Most grants one map or dma-buf request may name.
 */
u32 gntdev_max_per_request(void)
{
	return READ_ONCE(gntdev_limit);
}

/**
 * gntdev_max_per_file() - the "file_limit" module parameter
 *
 * Context: Any context.
 * Return: Most grants one open file may hold, and the highest cap
 * IOCTL_GNTDEV_SET_MAX_GRANTS may set.
 */
u32 gntdev_max_per_file(void)
{
	return READ_ONCE(gntdev_file_limit);
}

/**
 * gntdev_max_total() - the "total_limit" module parameter
 *
 * Context: Any context.
 * Return: Most grants all open files may hold together.
 */
unsigned long gntdev_max_total(void)
{
	return READ_ONCE(gntdev_total_limit);
}

/**
 * gntdev_total_reserve() - account @count more grants module-wide
 * @count: Grants of a new map or dma-buf.
 *
 * Context: Any context.
 * Return: 0, or -ENOSPC if that would exceed the total_limit parameter.
 */
int gntdev_total_reserve(u32 count)
{
	s64 cur = atomic64_read(&gntdev_total);

	do {
		if (gntdev_total_can_add(cur, count, gntdev_max_total()))
			return -ENOSPC;
	} while (!atomic64_try_cmpxchg(&gntdev_total, &cur, cur + count));
	return 0;
}

/**
 * gntdev_total_release() - give back what gntdev_total_reserve() took
 * @count: Grants of the freed map or dma-buf.
 *
 * Context: Any context.
 */
void gntdev_total_release(u32 count)
{
	atomic64_sub(count, &gntdev_total);
}

/**
 * gntdev_total_grants() - grants held module-wide now
 *
 * Context: Any context.
 * Return: The sum of the grant counts of all live maps and dma-bufs.
 */
s64 gntdev_total_grants(void)
{
	return atomic64_read(&gntdev_total);
}

/**
 * gntdev_maps_alive() - maps not yet freed, listed or not
 *
 * Context: Any context.
 * Return: Their number, for introspection.
 */
int gntdev_maps_alive(void)
{
	return atomic_read(&gntdev_nr_maps);
}

/* ------------------------------------------------------------------ */
/* Map lifetime */

/**
 * gntdev_map_alloc() - allocate a map for @count grants
 * @count: Number of grants, already checked against the per-request limit.
 *
 * The map starts with one reference, the one its file's slot table will
 * hold, and its grants counted module-wide until gntdev_map_put() frees
 * it.  Nothing is mapped and no page is allocated until mmap().
 *
 * Context: Process context, may sleep; the caller holds a reference on the
 * module (an open file).
 * Return: The map; ERR_PTR(-ENOSPC) if the module-wide total would exceed
 * the total_limit parameter, ERR_PTR(-ENOMEM) if out of memory.
 */
struct gntdev_map *gntdev_map_alloc(u32 count)
{
	struct gntdev_map *map;
	int err;

	err = gntdev_total_reserve(count);
	if (err)
		return ERR_PTR(err);
	/* User space picks the size: fail quietly, as -ENOMEM, when absurd. */
	map = kvzalloc(struct_size(map, grants, count),
		       GFP_KERNEL | __GFP_NOWARN);
	if (!map) {
		gntdev_total_release(count);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&map->users, 1);
	INIT_LIST_HEAD(&map->link);
	spin_lock_init(&map->notify_lock);
	spin_lock_init(&map->lock);
	INIT_WORK(&map->unmap_work, gntdev_unmap_deferred);
	map->count = count;
	atomic_inc(&gntdev_nr_maps);
	__module_get(THIS_MODULE);
	return map;
}

static void gntdev_map_free_state(struct gntdev_map *map)
{
	int live;

	if (!map->pages)
		return;
	/*
	 * A grant the hypervisor refused to unmap still has a frame over its
	 * page: no page of the map may go back to any pool, where the next
	 * user would map over it.  Leak them, loudly.
	 */
	live = atomic_read(&map->live_grants);
	if (live) {
		pr_warn("map of %u grants: %d could not be unmapped, leaking its pages\n",
			map->count, live);
		kvfree(map->pages);
	} else {
		gntdev_spare_put(map->pages, map->count);
	}
	map->pages = NULL;
	map->map_ops = NULL;
	map->unmap_ops = NULL;
	map->kunmap_ops = NULL;
	map->being_removed = NULL;
}

/* Where each per-grant array lies in a block: aligned arrays first. */
static void gntdev_map_carve(struct gntdev_map *map, void *block)
{
	u32 n = map->count;

	map->map_ops = block + n * sizeof(*map->pages);
	map->unmap_ops = (void *)(map->map_ops + n);
	if (gntdev_use_ptemod()) {
		map->kunmap_ops = (void *)(map->unmap_ops + n);
		map->being_removed = (void *)(map->kunmap_ops + n);
	} else {
		map->being_removed = (void *)(map->unmap_ops + n);
	}
}

/*
 * The per-grant state an mmap() needs, in one block, and the pages to map
 * over.  The block starts with @pages, so freeing @pages frees it all.
 */
static int gntdev_map_alloc_state(struct gntdev_map *map)
{
	size_t per_grant = sizeof(*map->pages) + sizeof(*map->map_ops) +
			   sizeof(*map->unmap_ops) +
			   sizeof(*map->being_removed);
	u32 n = map->count;
	void *block;

	if (gntdev_inject_failure(&gntdev_fail_state_alloc))
		return -ENOMEM;
	block = gntdev_spare_get(n);
	if (block) {
		gntdev_map_carve(map, block);
		/* The rest is written before it is read. */
		memset(map->being_removed, 0, n * sizeof(*map->being_removed));
		map->pages = block;
		return 0;
	}
	if (gntdev_use_ptemod())
		per_grant += sizeof(*map->kunmap_ops);
	/* The size is user-chosen: fail quietly, as -ENOMEM, when absurd. */
	block = kvzalloc(size_mul(n, per_grant), GFP_KERNEL | __GFP_NOWARN);
	if (!block)
		return -ENOMEM;
	if (gntdev_pages_get(block, n)) {
		kvfree(block);
		return -ENOMEM;
	}
	gntdev_map_carve(map, block);
	/* Only now: gntdev_map_free_state() frees pages iff @pages is set. */
	map->pages = block;
	return 0;
}

static void gntdev_unmap_range(struct gntdev_map *map, u32 first, u32 n);

static void gntdev_map_notify_event(struct gntdev_map *map)
{
	if (!(map->notify.flags & UNMAP_NOTIFY_SEND_EVENT))
		return;
	notify_remote_via_evtchn(map->notify.port);
	evtchn_put(map->notify.port);
	map->notify.flags &= ~UNMAP_NOTIFY_SEND_EVENT;
}

/**
 * gntdev_map_put() - drop a reference to a map; free it with the last one
 * @map: The map.
 *
 * With the last reference every grant still mapped is unmapped, the unmap
 * notification's event is sent, and the map's memory is freed.  Because an
 * unmap in flight holds a reference of its own, the map outlives it.
 *
 * Context: Process context, may sleep.  The map must not be listed.
 */
void gntdev_map_put(struct gntdev_map *map)
{
	if (!refcount_dec_and_test(&map->users))
		return;
	WARN_ON_ONCE(map->listed);

	if (map->pages && !gntdev_use_ptemod()) {
		/*
		 * Revive the map for the unmap below: it takes and drops
		 * references of its own, possibly later from a work item.
		 * refcount_inc() on zero would warn, hence the set.
		 */
		refcount_set(&map->users, 1);
		gntdev_unmap_range(map, 0, map->count);
		if (!refcount_dec_and_test(&map->users))
			return;
	}

	if (map->notifier_init)
		mmu_interval_notifier_remove(&map->notifier);
	gntdev_map_notify_event(map);
	gntdev_total_release(map->count);
	gntdev_map_free_state(map);
	kvfree(map);
	atomic_dec(&gntdev_nr_maps);
	/* Last: the caller may be an unmap's completion, in our text. */
	module_put(THIS_MODULE);
}

/* ------------------------------------------------------------------ */
/* Unmapping */

/**
 * struct gntdev_unmap - one unmap of a range of a map, possibly deferred
 * @queue: What gnttab_unmap_refs_async() works on.
 * @map: The map; this unmap holds a reference on it.
 * @first: First grant of the range.
 */
struct gntdev_unmap {
	struct gntab_unmap_queue_data queue;
	struct gntdev_map *map;
	u32 first;
};

/*
 * Count and forget the handles that a batch of unmap ops, for grants
 * [@first, @first + @n), released.  A refused unmap leaves the grant
 * mapped in the hypervisor for good, and its page with it.
 */
static void gntdev_unmap_account(struct gntdev_map *map, u32 first,
				 struct gnttab_unmap_grant_ref *ops, u32 n)
{
	int released = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (ops[i].handle == INVALID_GRANT_HANDLE)
			continue;
		if (ops[i].status == GNTST_okay)
			released++;
		else
			pr_warn_ratelimited(
				"cannot unmap grant %u of domain %u: status %d\n",
				map->grants[first + i].ref,
				map->grants[first + i].domid, ops[i].status);
		ops[i].handle = INVALID_GRANT_HANDLE;
	}
	atomic_sub(released, &map->live_grants);
}

/* Count the handles this unmap released, and let go of the map. */
static void gntdev_unmap_done(int result, struct gntab_unmap_queue_data *q)
{
	struct gntdev_unmap *u = container_of(q, struct gntdev_unmap, queue);
	struct gntdev_map *map = u->map;

	/* A failed hypercall left the preset statuses: each one warns. */
	gntdev_unmap_account(map, u->first, q->unmap_ops, q->count);
	kfree(u);
	gntdev_map_put(map);
}

/*
 * PV: unmap the grants behind user PTEs now, whoever holds the pages.  The
 * PTEs are about to be zapped, and a zap that still finds our special PTEs
 * corrupts the page's map count ("Bad page map"); only the kernel-side
 * mapping, which holders of the page use, has to wait for them.
 */
static void gntdev_unmap_user_ptes(struct gntdev_map *map, u32 first, u32 n)
{
	struct gnttab_unmap_grant_ref *ops = map->unmap_ops + first;
	u32 i;

	/* What the hypercall does not reach must not count as released. */
	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	/* A failure leaves the preset statuses: each grant's warns. */
	HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, ops, n);
	gntdev_unmap_account(map, first, ops, n);
}

/* __set_phys_to_machine()'s fast path, which modules cannot call. */
static bool gntdev_p2m_store(unsigned long pfn, unsigned long mfn)
{
	return pfn < xen_p2m_size &&
	       !xen_safe_write_ulong(xen_p2m_addr + pfn, mfn);
}

/*
 * PV: the kernel-side mapping of grant @i and its p2m entry, which users of
 * the page (DMA through swiotlb-xen) need: what gnttab_map_refs() does, less
 * what could sleep.  Runs under @map->lock and, from find_special_page(),
 * under a PTE lock, so it must not sleep, and does not:
 *  - one GNTTABOP_map_grant_ref, never retried: the user PTE holds the
 *    frame, so Xen answers from the pinned active entry and never with
 *    GNTST_eagain; should it, this fails like any refusal;
 *  - the p2m entry is written with one store that cannot allocate:
 *    gntdev_pages_prepare_p2m() gave it a leaf when the page was taken.
 * gnttab_unmap_refs() undoes both, as after gnttab_map_refs().
 */
static bool gntdev_kmap_grant(struct gntdev_map *map, u32 i)
{
	struct gnttab_unmap_grant_ref *unmap = &map->kunmap_ops[i];
	struct page *page = map->pages[i];
	unsigned long pfn = page_to_pfn(page);
	unsigned long addr = (unsigned long)pfn_to_kaddr(pfn);
	struct xen_page_foreign *foreign;
	unsigned long mfn;
	struct gnttab_map_grant_ref op;

	lockdep_assert_held(&map->lock);
	gnttab_set_map_op(&op, addr, map->flags | GNTMAP_host_map,
			  map->grants[i].ref, map->grants[i].domid);
	op.status = GNTST_general_error;
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1) ||
	    op.status != GNTST_okay)
		return false;
	gnttab_set_unmap_op(unmap, addr, map->flags | GNTMAP_host_map,
			    op.handle);
	atomic_inc(&map->live_grants);
	mfn = PFN_DOWN(op.dev_bus_addr);
	if (unlikely(!gntdev_p2m_store(pfn, FOREIGN_FRAME(mfn)))) {
		/* The leaf was prepared: not expected, so undo, loudly. */
		pr_warn_once("no p2m leaf for pfn %#lx\n", pfn);
		unmap->status = GNTST_general_error;
		HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, unmap, 1);
		gntdev_unmap_account(map, i, unmap, 1);
		return false;
	}
	SetPageForeign(page);
	foreign = xen_page_foreign(page);
	foreign->domid = map->grants[i].domid;
	foreign->gref = map->grants[i].ref;
	return true;
}

/*
 * PV: give a grant its kernel-side mapping, unless it has one or its unmap
 * has begun (@owned: the caller began it, and needs the mapping itself).
 * Context: process context or under a PTE lock, never in an interrupt;
 * takes @map->lock; never sleeps.
 */
static bool gntdev_kmap(struct gntdev_map *map, u32 i, bool owned)
{
	bool mapped = false;

	spin_lock(&map->lock);
	/* Once removal began, only its owner may touch the handles. */
	if (map->being_removed[i] && !owned)
		goto out_unlock;
	mapped = map->kunmap_ops[i].handle != INVALID_GRANT_HANDLE;
	if (!mapped && map->unmap_ops[i].handle != INVALID_GRANT_HANDLE)
		mapped = gntdev_kmap_grant(map, i);
out_unlock:
	spin_unlock(&map->lock);
	return mapped;
}

/* Clear the notify byte if it lies in the range, before the grant goes. */
static void gntdev_unmap_clear_byte(struct gntdev_map *map, u32 first, u32 n)
{
	u64 offset;
	u8 *addr;
	u32 pg;

	spin_lock(&map->notify_lock);
	offset = map->notify.offset;
	pg = offset >> PAGE_SHIFT;
	if (!(map->notify.flags & UNMAP_NOTIFY_CLEAR_BYTE) || pg < first ||
	    pg >= first + n) {
		spin_unlock(&map->notify_lock);
		return;
	}
	map->notify.flags &= ~UNMAP_NOTIFY_CLEAR_BYTE;
	spin_unlock(&map->notify_lock);
	/* Only through a kernel mapping that really exists. */
	if (gntdev_use_ptemod()) {
		if (!gntdev_kmap(map, pg, true))
			return;
	} else if (map->unmap_ops[pg].handle == INVALID_GRANT_HANDLE) {
		return;
	}
	addr = pfn_to_kaddr(page_to_pfn(map->pages[pg]));
	addr[offset & ~PAGE_MASK] = 0;
}

/*
 * Hand grants [first, first + n), whose pages holders may still use, to
 * gnttab_unmap_refs_async(), which unmaps them once the holders let go.
 */
static void gntdev_unmap_queue(struct gntdev_map *map, struct gntdev_unmap *u,
			       u32 first, u32 n)
{
	/* What is left: the kernel-side mapping (PV), or the only one. */
	struct gnttab_unmap_grant_ref *ops = gntdev_use_ptemod() ?
						     map->kunmap_ops + first :
						     map->unmap_ops + first;
	u32 i;

	/* What the hypercall does not reach must not count as released. */
	for (i = 0; i < n; i++)
		ops[i].status = GNTST_general_error;
	u->map = map;
	u->first = first;
	u->queue.unmap_ops = ops;
	u->queue.kunmap_ops = NULL;
	u->queue.pages = map->pages + first;
	u->queue.count = n;
	u->queue.done = gntdev_unmap_done;
	refcount_inc(&map->users);
	gnttab_unmap_refs_async(&u->queue);
}

/* Issue the unmaps gntdev_unmap_held() could not, with memory to wait for. */
static void gntdev_unmap_deferred(struct work_struct *work)
{
	struct gntdev_map *map =
		container_of(work, struct gntdev_map, unmap_work);
	struct gntdev_unmap *u;
	u32 first = 0, run;

	while (first < map->count) {
		spin_lock(&map->lock);
		for (; first < map->count &&
		       map->being_removed[first] != GNTDEV_REMOVAL_DEFERRED;
		     first++)
			;
		for (run = 0;
		     first + run < map->count &&
		     map->being_removed[first + run] == GNTDEV_REMOVAL_DEFERRED;
		     run++)
			map->being_removed[first + run] = GNTDEV_REMOVAL_BEGUN;
		spin_unlock(&map->lock);
		if (run) {
			u = kzalloc(sizeof(*u), GFP_KERNEL | __GFP_NOFAIL);
			gntdev_unmap_queue(map, u, first, run);
		}
		first += run;
	}
	gntdev_map_put(map);
}

static void gntdev_unmap_held(struct gntdev_map *map, u32 first, u32 n)
{
	struct gntdev_unmap *u = NULL;
	u32 i;

	if (gntdev_use_ptemod())
		gntdev_unmap_user_ptes(map, first, n);
	/* Called by the MMU notifier: no reclaim, and never any waiting. */
	if (!gntdev_inject_failure(&gntdev_fail_unmap_alloc))
		u = kzalloc(sizeof(*u), GFP_NOWAIT | __GFP_NOWARN);
	if (u) {
		gntdev_unmap_queue(map, u, first, n);
		return;
	}
	/* No memory now: the work item waits for some and queues these. */
	spin_lock(&map->lock);
	for (i = first; i < first + n; i++)
		map->being_removed[i] = GNTDEV_REMOVAL_DEFERRED;
	spin_unlock(&map->lock);
	refcount_inc(&map->users);
	/* Already queued: that run holds a reference and will see these. */
	if (!schedule_work(&map->unmap_work))
		refcount_dec(&map->users);
}

/* Whether grant @i has a kernel-side mapping that holders may be using. */
static bool gntdev_is_held(struct gntdev_map *map, u32 i)
{
	return !gntdev_use_ptemod() ||
	       map->kunmap_ops[i].handle != INVALID_GRANT_HANDLE;
}

/*
 * Unmap a run of grants whose unmap this thread began: all at once, except
 * for those some holder may still reach through the kernel.
 */
static void gntdev_unmap_issue(struct gntdev_map *map, u32 first, u32 n)
{
	u32 end = first + n, run;
	bool held;

	gntdev_unmap_clear_byte(map, first, n);
	/* Nobody else changes whether these are held: they are ours now. */
	while (first < end) {
		held = gntdev_is_held(map, first);
		for (run = 1; first + run < end; run++)
			if (gntdev_is_held(map, first + run) != held)
				break;
		/*
		 * Without a kernel-side mapping nothing but the user PTE
		 * reaches a page, and its p2m entry was never set: only the
		 * user PTE has to go, now.
		 */
		if (held)
			gntdev_unmap_held(map, first, run);
		else
			gntdev_unmap_user_ptes(map, first, run);
		first += run;
	}
}

/*
 * Unmap grants [first, first + n) of a map, skipping those already being
 * unmapped, in as few batches as the holes allow.
 */
static void gntdev_unmap_range(struct gntdev_map *map, u32 first, u32 n)
{
	u32 end = first + n, run;

	if (!map->pages || !atomic_read(&map->live_grants))
		return;
	while (first < end) {
		spin_lock(&map->lock);
		for (; first < end && map->being_removed[first]; first++)
			;
		for (run = 0; first + run < end; run++) {
			if (map->being_removed[first + run])
				break;
			map->being_removed[first + run] = GNTDEV_REMOVAL_BEGUN;
		}
		spin_unlock(&map->lock);
		if (run)
			gntdev_unmap_issue(map, first, run);
		first += run;
	}
}

/* ------------------------------------------------------------------ */
/* Mapping */

/**
 * gntdev_status_errno() - a GNTST_* status as the errno user space gets
 * @status: Status of one GNTTABOP_map_grant_ref.
 *
 * Context: Any context.
 * Return: 0 for GNTST_okay, else a negative errno (mmap()'s and the dma-buf
 * export's).
 */
int gntdev_status_errno(s16 status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
		return -EFAULT;
	case GNTST_no_device_space:
		return -ENOSPC;
	case GNTST_permission_denied:
		return -EPERM;
	default:
		/*
		 * Also GNTST_eagain, still paged out after the retries: a map
		 * is mmapped once, so EAGAIN would only send libxengnttab into
		 * retries that cannot work.  Mainline says EINVAL too.
		 */
		return -EINVAL;
	}
}

/**
 * struct gntdev_pte_walk - gntdev_set_pte_op()'s state over one range
 * @map: The map being mmapped.
 * @table: Kernel address of the page table page seen last.
 * @table_maddr: Its machine address.
 */
struct gntdev_pte_walk {
	struct gntdev_map *map;
	unsigned long table;
	u64 table_maddr;
};

/* apply_to_page_range() callback: aim each grant at its user PTE. */
static int gntdev_set_pte_op(pte_t *pte, unsigned long addr, void *data)
{
	struct gntdev_pte_walk *walk = data;
	struct gntdev_map *map = walk->map;
	unsigned long i = (addr - map->vm_start) >> PAGE_SHIFT;
	unsigned long table = (unsigned long)pte & PAGE_MASK;
	u32 flags = map->flags | GNTMAP_application_map | GNTMAP_contains_pte |
		    (1 << _GNTMAP_guest_avail0);
	u64 maddr;

	if (WARN_ON_ONCE(i >= map->count))
		return -EINVAL;
	/* A p2m lookup per page table page, not per PTE. */
	if (table != walk->table) {
		walk->table = table;
		walk->table_maddr = arbitrary_virt_to_machine(pte).maddr &
				    XEN_PAGE_MASK;
	}
	maddr = walk->table_maddr | offset_in_page(pte);
	gnttab_set_map_op(&map->map_ops[i], maddr, flags, map->grants[i].ref,
			  map->grants[i].domid);
	gnttab_set_unmap_op(&map->unmap_ops[i], maddr, flags,
			    INVALID_GRANT_HANDLE);
	return 0;
}

/* Auto-translated: aim each grant at the guest frame of its page. */
static void gntdev_set_frame_ops(struct gntdev_map *map)
{
	unsigned long addr;
	u32 i;

	for (i = 0; i < map->count; i++) {
		addr = (unsigned long)pfn_to_kaddr(page_to_pfn(map->pages[i]));
		gnttab_set_map_op(&map->map_ops[i], addr, map->flags,
				  map->grants[i].ref, map->grants[i].domid);
		gnttab_set_unmap_op(&map->unmap_ops[i], addr, map->flags,
				    INVALID_GRANT_HANDLE);
	}
}

/*
 * PV: map the user PTEs, and nothing else (see gntdev_kmap()), retrying the
 * grants whose frames the granting domain has paged out, as
 * gnttab_map_refs() would.
 */
static int gntdev_map_user_ptes(struct gntdev_map *map)
{
	struct gnttab_map_grant_ref *op;
	unsigned int delay;
	u32 i;

	for (i = 0; i < map->count; i++) {
		map->map_ops[i].status = GNTST_general_error;
		map->kunmap_ops[i].handle = INVALID_GRANT_HANDLE;
	}
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, map->map_ops,
				      map->count))
		return -EFAULT;
	for (op = map->map_ops; op < map->map_ops + map->count; op++) {
		for (delay = 1; op->status == GNTST_eagain && delay < 256;
		     delay++) {
			msleep(delay);
			if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
						      op, 1))
				return -EFAULT;
		}
	}
	return 0;
}

/*
 * One hypercall for all grants.  Every op's status is checked and only
 * successes are recorded, so a later unmap releases exactly what was
 * mapped.
 */
static int gntdev_map_grants(struct gntdev_map *map)
{
	int err, first_err = 0, live = 0;
	u32 i;

	if (gntdev_use_ptemod()) {
		err = gntdev_map_user_ptes(map);
	} else {
		gntdev_set_frame_ops(map);
		err = gnttab_map_refs(map->map_ops, NULL, map->pages,
				      map->count);
	}

	for (i = 0; i < map->count; i++) {
		if (map->map_ops[i].status == GNTST_okay) {
			map->unmap_ops[i].handle = map->map_ops[i].handle;
			live++;
		} else if (!first_err) {
			first_err = gntdev_status_errno(map->map_ops[i].status);
		}
	}
	atomic_add(live, &map->live_grants);
	if (first_err)
		return first_err;
	return err;
}

/* ------------------------------------------------------------------ */
/* VMA operations */

static void gntdev_vma_open(struct vm_area_struct *vma)
{
	struct gntdev_map *map = vma->vm_private_data;

	/* A split or a copy: each VMA holds its own reference. */
	refcount_inc(&map->users);
}

static void gntdev_vma_close(struct vm_area_struct *vma)
{
	struct gntdev_map *map = vma->vm_private_data;

	vma->vm_private_data = NULL;
	gntdev_map_put(map);
}

/*
 * GUP (or a page walk) on a special PTE of ours: the page of that grant,
 * which the kernel can reach once it has its kernel-side mapping.  None for
 * a grant being unmapped: its page is on its way out.
 *
 * Context: the PTE's lock held.
 */
static struct page *gntdev_vma_find_page(struct vm_area_struct *vma,
					 unsigned long addr)
{
	struct gntdev_map *map = vma->vm_private_data;
	unsigned long i = (addr - map->vm_start) >> PAGE_SHIFT;

	if (i >= map->count || !gntdev_kmap(map, i, false))
		return NULL;
	return map->pages[i];
}

static const struct vm_operations_struct gntdev_vmops = {
	.open = gntdev_vma_open,
	.close = gntdev_vma_close,
	.GNTDEV_VM_OPS_FIND_PAGE = gntdev_vma_find_page,
};

/**
 * gntdev_vma_is_ours() - whether a VMA is a gntdev mapping of this file
 * @vma: The VMA.
 * @priv: The file asking.
 *
 * Context: mmap_lock held.
 * Return: true if @vma maps a map of @priv.
 */
bool gntdev_vma_is_ours(struct vm_area_struct *vma, struct gntdev_file *priv)
{
	return vma->vm_ops == &gntdev_vmops && vma->vm_file &&
	       vma->vm_file->private_data == priv && vma->vm_private_data;
}

/* PV: the user PTEs are about to change; unmap the grants behind them. */
static bool gntdev_invalidate(struct mmu_interval_notifier *mn,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct gntdev_map *map = container_of(mn, struct gntdev_map, notifier);
	unsigned long start = map->vm_start;
	unsigned long end = start + ((unsigned long)map->count << PAGE_SHIFT);

	if (!mmu_notifier_range_blockable(range))
		return false;
	start = max(start, range->start);
	end = min(end, range->end);
	if (start >= end)
		return true;
	gntdev_unmap_range(map, (start - map->vm_start) >> PAGE_SHIFT,
			   (end - start) >> PAGE_SHIFT);
	return true;
}

static const struct mmu_interval_notifier_ops gntdev_mmu_ops = {
	.invalidate = gntdev_invalidate,
};

/* ------------------------------------------------------------------ */
/* mmap */

/* Find the map an mmap() asks for and claim it; returns with a reference. */
static struct gntdev_map *gntdev_mmap_claim(struct gntdev_file *priv,
					    struct vm_area_struct *vma)
{
	struct gntdev_map *map = NULL;

	mutex_lock(&priv->lock);
	map = gntdev_slots_lookup(&priv->slots, vma->vm_pgoff);
	if (!map ||
	    gntdev_check_mmap(vma->vm_pgoff, vma_pages(vma), map->index,
			      map->count) ||
	    atomic_cmpxchg(&map->mmapped, 0, 1)) {
		map = NULL;
		goto out_unlock;
	}
	/* No clear-byte notify on a read-only mapping: it could not write. */
	if (!(vma->vm_flags & VM_WRITE) &&
	    (map->notify.flags & UNMAP_NOTIFY_CLEAR_BYTE)) {
		atomic_set(&map->mmapped, 0);
		map = NULL;
		goto out_unlock;
	}
	/*
	 * Decided under the lock, so SET_UNMAP_NOTIFY (which checks the
	 * flags under it) sees a read-only map as one from now on.
	 */
	map->flags = GNTMAP_host_map;
	if (!(vma->vm_flags & VM_WRITE))
		map->flags |= GNTMAP_readonly;
	refcount_inc(&map->users);
out_unlock:
	mutex_unlock(&priv->lock);
	return map;
}

/**
 * gntdev_mmap() - map a whole map's grants at a new VMA
 * @file: The gntdev file.
 * @vma: The VMA: its offset and length must be exactly one map's.
 *
 * A map can be mmapped once in its lifetime.  Writable private mappings are
 * refused, and a read-only mapping can never become writable.
 *
 * Context: Process context, mmap_lock held for writing.
 * Return: 0, or -EINVAL for a bad offset, length or mode, -ENOMEM, or the
 * errno of the first grant the hypervisor refused (then none stay mapped).
 */
int gntdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gntdev_file *priv = file->private_data;
	struct gntdev_pte_walk walk = {};
	struct gntdev_map *map;
	int err;

	if ((vma->vm_flags & VM_WRITE) && !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	map = gntdev_mmap_claim(priv, vma);
	if (!map)
		return -EINVAL;

	err = gntdev_map_alloc_state(map);
	if (err) {
		/* Nothing was mapped or registered: a later mmap() may retry. */
		atomic_set(&map->mmapped, 0);
		goto out_put;
	}

	/* A read-only mapping: mprotect() must not make it writable later. */
	if (map->flags & GNTMAP_readonly)
		gntdev_vm_flags_clear(vma, VM_MAYWRITE);
	gntdev_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	/*
	 * PV: Xen writes the PTEs, and without VM_MIXEDMAP fork never copies
	 * them, even after MADV_DOFORK: a child's copy would take page
	 * references that no zap of ours drops.  Auto-translated: the pages
	 * are inserted, which VM_MIXEDMAP allows.
	 */
	if (gntdev_use_ptemod())
		gntdev_vm_flags_set(vma, VM_DONTCOPY);
	else
		gntdev_vm_flags_set(vma, VM_MIXEDMAP);
	WRITE_ONCE(map->vm_start, vma->vm_start);

	if (gntdev_use_ptemod()) {
		err = mmu_interval_notifier_insert_locked(
			&map->notifier, vma->vm_mm, vma->vm_start,
			vma->vm_end - vma->vm_start, &gntdev_mmu_ops);
		if (err)
			goto out_put;
		map->notifier_init = true;
		/*
		 * While an invalidation of this mm hits a notifier, a new
		 * one only joins the tree when that ends, and until then no
		 * munmap() of the range would call us: the zap would clear
		 * our grant PTEs behind the hypervisor's back and leak the
		 * grants.  mmap_lock no longer rules that out: with
		 * per-VMA locking, MADV_DONTNEED (glibc's, on a finished
		 * thread's stack) may run without it.  Wait.
		 */
		mmu_interval_read_begin(&map->notifier);
		/*
		 * The hypervisor gets the PTEs' machine addresses; the
		 * notifier keeps them from going stale.  mmap_lock is held
		 * for writing, so no page table under the range can go.
		 */
		walk.map = map;
		err = apply_to_page_range(vma->vm_mm, vma->vm_start,
					  vma->vm_end - vma->vm_start,
					  gntdev_set_pte_op, &walk);
		if (err)
			goto out_put;
	}

	err = gntdev_map_grants(map);
	if (err)
		goto out_unmap;
	if (!gntdev_use_ptemod()) {
		err = vm_map_pages_zero(vma, map->pages, map->count);
		if (err)
			goto out_unmap;
	}
	vma->vm_ops = &gntdev_vmops;
	vma->vm_private_data = map;
	pr_debug("map %u+%u mmapped at %lx\n", map->index, map->count,
		 vma->vm_start);
	return 0;

out_unmap:
	gntdev_unmap_range(map, 0, map->count);
out_put:
	/* The VMA never got our vm_ops, so its teardown cannot put the map. */
	gntdev_map_put(map);
	return err;
}
