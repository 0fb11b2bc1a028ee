/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gntdev-core.h - the pure part of the gntdev driver
 *
 * This is the logic that needs no kernel services: the per-file slot table
 * that hands out mmap() offsets, and the argument checks of every ioctl.
 * gntdev-core.c is compiled unchanged into the kernel module and into the
 * user-space unit tests in tools/tests/unit/. It allocates only through a
 * callback, takes no locks and calls no kernel function; the caller
 * serialises access with its per-file lock.
 *
 * Grants are always 4 KiB, so offsets are counted in GNTDEV_PAGE_SIZE
 * slots whatever the kernel's PAGE_SIZE is: slot i is file offset
 * i << GNTDEV_PAGE_SHIFT.
 */

#ifndef _GNTDEV_CORE_H
#define _GNTDEV_CORE_H

/*
 * In user space these are the small shims in tools/tests/unit/shim/, over
 * the system's uapi headers.
 */
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/types.h>

#include <xen/public/gntdev.h>

/* A grant is one 4 KiB Xen page, and so is one slot of the offset space. */
#define GNTDEV_PAGE_SHIFT 12
#define GNTDEV_PAGE_SIZE (1U << GNTDEV_PAGE_SHIFT)

/* Smallest table the first growth allocates (one 64-bit bitmap word). */
#define GNTDEV_SLOTS_MIN_CAPACITY 64U

/**
 * struct gntdev_slot_alloc - how the slot table gets memory
 * @zalloc: Returns @size bytes of zeroed memory, aligned for u64 and
 *	pointers, or NULL. Called with the caller's file lock held.
 * @free: Frees memory from @zalloc; never called with NULL.
 * @ctx: Passed unchanged to both callbacks.
 */
struct gntdev_slot_alloc {
	void *(*zalloc)(size_t size, void *ctx);
	void (*free)(void *ptr, void *ctx);
	void *ctx;
};

/**
 * struct gntdev_slots - one open file's offset space
 * @owner: @owner[i] is the map holding slot i, or NULL if slot i is free.
 * @used: Bitmap (<linux/bitmap.h>) of the same slots: bit i set iff
 *	@owner[i] is not NULL. A search skips a word of used or free slots
 *	per step. @used is also the start of the single allocation that
 *	holds both arrays (@owner follows the last bitmap word).
 * @capacity: Number of slots in @owner and @used.
 * @max: This file's cap on reserved slots, i.e. on the grants it holds
 *	(IOCTL_GNTDEV_SET_MAX_GRANTS).
 * @space: Ceiling on @capacity, fixed at gntdev_slots_init(): the offset
 *	space may grow up to it whatever @max is, so that fragmentation
 *	never refuses a reservation that @max allows.
 * @cursor: Next-fit position: the slot after the last reservation.
 * @in_use: Number of reserved slots.
 * @held: Grants the file holds outside the table (dma-buf exports and
 *	imports), counted against @max with @in_use.
 * @alloc: Memory callbacks, see struct gntdev_slot_alloc.
 *
 * Slot i is file offset i << GNTDEV_PAGE_SHIFT. A reservation is a run of
 * consecutive slots that all record the same owner, so finding the map
 * behind any offset is one array access.
 *
 * Invariants, kept by every function below and checked by
 * gntdev_slots_valid():
 *
 * 1. @capacity == 0 iff @used == NULL (and then @owner == NULL).
 * 2. For i < @capacity, bit i of @used is set iff @owner[i] != NULL;
 *    bitmap bits at and above @capacity are clear.
 * 3. @in_use equals the number of non-NULL @owner entries.
 * 4. @cursor <= @capacity.
 * 5. @capacity only grows, and never beyond @space; @max <= @space.
 * 6. @in_use + @held <= @max, except after gntdev_slots_set_max() lowered
 *    @max; then reservations fail until enough slots are released.
 *
 * Allocation policy (next-fit): a reservation of n slots takes the first
 * start position, going forward from @cursor to the end of the table and
 * then from 0 up to @cursor, where n free slots follow inside the table.
 * A hole of exactly n slots is reused. A fresh table therefore hands out
 * slot 0 first. If no position fits, the table grows and the run goes at
 * the start of the trailing free area. Releasing slots never moves
 * @cursor.
 */
struct gntdev_slots {
	void **owner;
	unsigned long *used;
	u32 capacity;
	u32 max;
	u32 space;
	u32 cursor;
	u32 in_use;
	u32 held;
	const struct gntdev_slot_alloc *alloc;
};

/**
 * gntdev_slots_init() - set up an empty slot table
 * @s: The table.
 * @limit: Cap on reserved slots and on the table's size (@max and
 *	@space); 0 makes every reservation fail.
 * @alloc: Memory callbacks; must stay valid until gntdev_slots_destroy().
 *
 * Allocates nothing: the table grows on the first reservation.
 *
 * Context: Any context.
 */
void gntdev_slots_init(struct gntdev_slots *s, u32 limit,
		       const struct gntdev_slot_alloc *alloc);

/**
 * gntdev_slots_destroy() - free the table's memory
 * @s: The table. Owners still recorded are forgotten, not released.
 *
 * Leaves @s empty (as after gntdev_slots_init() with @space as the limit
 * and the same @alloc), so it may be reused.
 *
 * Context: Caller holds the file's lock or is the last user. Calls
 * @alloc->free.
 */
void gntdev_slots_destroy(struct gntdev_slots *s);

/**
 * gntdev_slots_reserve() - reserve a run of consecutive slots
 * @s: The table.
 * @count: Number of slots.
 * @owner: Recorded in every slot of the run; must not be NULL.
 * @index: Set to the first slot of the run on success.
 *
 * Picks the run by the next-fit policy of struct gntdev_slots, growing
 * the table through @alloc if no free run fits. On success @cursor moves
 * to @index + @count. On failure nothing changes.
 *
 * Context: Caller holds the file's lock. May call @alloc->zalloc and
 * @alloc->free.
 * Return: 0; -EINVAL if @count is 0 or @owner is NULL; -ENOSPC if @in_use
 * + @held + @count would exceed @max, or if no run fits even in a table of @space
 * slots; -ENOMEM if growing the table failed.
 */
int gntdev_slots_reserve(struct gntdev_slots *s, u32 count, void *owner,
			 u32 *index);

/**
 * gntdev_slots_hold() - count grants the file holds outside the table
 * @s: The table.
 * @count: Grants of a new dma-buf export or import.
 *
 * They share @max with the slots: SET_MAX_GRANTS bounds everything a file
 * holds. On failure nothing changes.
 *
 * Context: Caller holds the file's lock.
 * Return: 0; -EINVAL if @count is 0; -ENOSPC if @in_use + @held + @count
 * would exceed @max.
 */
int gntdev_slots_hold(struct gntdev_slots *s, u32 count);

/**
 * gntdev_slots_unhold() - give back what gntdev_slots_hold() counted
 * @s: The table.
 * @count: As passed to gntdev_slots_hold().
 *
 * Context: Caller holds the file's lock.
 * Return: 0, or -EINVAL, with nothing changed, if @count exceeds @held.
 */
int gntdev_slots_unhold(struct gntdev_slots *s, u32 count);

/**
 * gntdev_slots_release() - free a run of slots
 * @s: The table.
 * @index: First slot.
 * @count: Number of slots.
 * @owner: Must be recorded in every slot of [@index, @index + @count).
 *
 * The range may be all or part of a reservation. @cursor is not moved.
 *
 * Context: Caller holds the file's lock.
 * Return: 0; -EINVAL, with nothing changed, if @count is 0, @owner is
 * NULL, the range leaves the table or any of its slots is not @owner's.
 */
int gntdev_slots_release(struct gntdev_slots *s, u32 index, u32 count,
			 void *owner);

/**
 * gntdev_slots_unreserve() - undo a reservation, as if it never happened
 * @s: The table.
 * @index: First slot of the reservation.
 * @count: Its length.
 * @owner: Its owner.
 * @cursor: The @cursor the table had just before the reservation.
 *
 * Like gntdev_slots_release(), and also puts @cursor back, unless another
 * reservation has moved it since; so a request that fails after reserving
 * leaves the next reservation where it would have been.
 *
 * Context: Caller holds the file's lock.
 * Return: 0, or -EINVAL (nothing changed) if the slots are not all
 * @owner's or @cursor is past the table.
 */
int gntdev_slots_unreserve(struct gntdev_slots *s, u32 index, u32 count,
			   void *owner, u32 cursor);

/**
 * gntdev_slots_lookup() - find the owner of a slot
 * @s: The table.
 * @index: Any slot number, even one no u32 holds (an mmap() offset or
 *	a notify offset in slots); takes constant time.
 *
 * Context: Caller holds the file's lock.
 * Return: The owner recorded for @index, or NULL if the slot is free or
 * outside the table.
 */
void *gntdev_slots_lookup(const struct gntdev_slots *s, u64 index);

/**
 * gntdev_slots_set_max() - change the cap on reserved slots
 * @s: The table.
 * @max: New cap, clamped to @space. It may be below @in_use: that only
 *	blocks new reservations. The table never shrinks, and may still grow
 *	up to @space.
 *
 * Context: Caller holds the file's lock.
 * Return: 0, or -EINVAL if @max is 0.
 */
int gntdev_slots_set_max(struct gntdev_slots *s, u32 max);

/**
 * gntdev_slots_valid() - check the invariants of struct gntdev_slots
 * @s: The table.
 *
 * Takes time linear in @capacity; meant for tests and debug checks.
 *
 * Context: Caller holds the file's lock.
 * Return: true if every invariant holds.
 */
bool gntdev_slots_valid(const struct gntdev_slots *s);

/**
 * gntdev_check_map_count() - check the grant count of a map request
 * @count: Grants requested.
 * @limit: Per-request maximum (the "limit" module parameter).
 *
 * Context: Any context.
 * Return: 0 if 0 < @count <= @limit, else -EINVAL.
 */
int gntdev_check_map_count(u32 count, u32 limit);

/**
 * gntdev_array_size() - size of a header followed by an array
 * @head: Bytes before the array.
 * @count: Array entries.
 * @elem: Bytes per entry.
 * @size: Set to @head + @count * @elem on success.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if the size does not fit in size_t.
 */
int gntdev_array_size(size_t head, u32 count, size_t elem, size_t *size);

/**
 * gntdev_map_request_size() - bytes of an IOCTL_GNTDEV_MAP_GRANT_REF request
 * @count: Grants in the request.
 * @size: Set to 16 + 8 * @count on success.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if the size does not fit in size_t.
 */
int gntdev_map_request_size(u32 count, size_t *size);

/**
 * gntdev_dmabuf_request_size() - bytes of a dma-buf request with refs
 * @count: Grant references in the request.
 * @size: Set to 16 + 4 * @count on success.
 *
 * For IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS and IOCTL_GNTDEV_DMABUF_IMP_TO_REFS.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if the size does not fit in size_t.
 */
int gntdev_dmabuf_request_size(u32 count, size_t *size);

/* First reserved domain id (DOMID_FIRST_RESERVED): DOMID_SELF and up. */
#define GNTDEV_DOMID_FIRST_RESERVED 0x7ff0U

/* Most pages one dma-buf import can grant (gnttab takes a u16 count). */
#define GNTDEV_DMABUF_IMP_MAX 0xffffU

/**
 * gntdev_check_dmabuf_exp() - check an IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS
 * @flags: Requested GNTDEV_DMA_FLAG_*.
 * @count: Grants to map.
 * @domid: Domain that granted them.
 * @limit: Per-request maximum (the "limit" module parameter).
 *
 * The exported pages are ordinary pages that the grants are mapped over:
 * no DMA-allocated (write-combined or coherent) backing is offered, since
 * in a PV domain a foreign frame mapped into a DMA allocation is not
 * contiguous for the device, which is what those flags are for.
 *
 * Context: Any context.
 * Return: 0; -EINVAL if @count is 0 or above @limit, @flags has unknown
 * bits or both WC and COHERENT (as mainline), or @domid is not a domain
 * (DOMID_FIRST_RESERVED and up); -EOPNOTSUPP for WC or COHERENT alone.
 */
int gntdev_check_dmabuf_exp(u32 flags, u32 count, u32 domid, u32 limit);

/**
 * gntdev_check_dmabuf_imp() - check an IOCTL_GNTDEV_DMABUF_IMP_TO_REFS
 * @count: Pages to grant.
 * @domid: Domain to grant them to.
 * @limit: Per-request maximum (the "limit" module parameter).
 *
 * Context: Any context.
 * Return: 0; -EINVAL if @count is 0, above @limit or above
 * GNTDEV_DMABUF_IMP_MAX, or @domid is not a domain.
 */
int gntdev_check_dmabuf_imp(u32 count, u32 domid, u32 limit);

/**
 * gntdev_offset_to_index() - turn a map's file offset into its first slot
 * @offset: Byte offset, as returned by IOCTL_GNTDEV_MAP_GRANT_REF.
 * @index: Set to @offset >> GNTDEV_PAGE_SHIFT on success.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @offset is not a multiple of GNTDEV_PAGE_SIZE
 * or its slot number does not fit in u32.
 */
int gntdev_offset_to_index(u64 offset, u32 *index);

/**
 * gntdev_index_to_offset() - file offset of a slot
 * @index: Slot number.
 *
 * Context: Any context.
 * Return: @index << GNTDEV_PAGE_SHIFT, computed in 64 bits.
 */
u64 gntdev_index_to_offset(u32 index);

/**
 * gntdev_check_unmap() - check an unmap request against the map it names
 * @index: Slot of the request's offset.
 * @count: The request's count; 0 stands for the map's count.
 * @map_index: First slot of the map that owns slot @index.
 * @map_count: Number of slots of that map.
 *
 * Context: Any context.
 * Return: 0 if the request names the whole map, else -ENOENT (@index is
 * inside the map but not its start, or @count does not match).
 */
int gntdev_check_unmap(u32 index, u32 count, u32 map_index, u32 map_count);

/**
 * gntdev_check_mmap() - check that an mmap() covers exactly one whole map
 * @pgoff: The mapping's offset in GNTDEV_PAGE_SIZE units.
 * @npages: The mapping's length in GNTDEV_PAGE_SIZE units.
 * @map_index: First slot of the map that owns slot @pgoff.
 * @map_count: Number of slots of that map.
 *
 * Context: Any context.
 * Return: 0 if @pgoff == @map_index and @npages == @map_count, else
 * -EINVAL.
 */
int gntdev_check_mmap(u64 pgoff, u64 npages, u32 map_index, u32 map_count);

/**
 * gntdev_check_max_grants() - check and clamp an IOCTL_GNTDEV_SET_MAX_GRANTS
 * @count: Requested cap.
 * @ceiling: Module-wide maximum per file.
 * @max: Set to the smaller of @count and @ceiling on success.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @count or @ceiling is 0.
 */
int gntdev_check_max_grants(u32 count, u32 ceiling, u32 *max);

/**
 * gntdev_check_notify_action() - check the action bits of an unmap notify
 * @action: UNMAP_NOTIFY_* bits.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @action has unknown bits.
 */
int gntdev_check_notify_action(u32 action);

/**
 * gntdev_check_notify() - check an IOCTL_GNTDEV_SET_UNMAP_NOTIFY request
 * @action: UNMAP_NOTIFY_* bits.
 * @offset_in_map: The request's byte offset minus the map's offset.
 * @map_count: Number of slots of the map.
 * @readonly: Whether the map is read-only.
 *
 * Context: Any context.
 * Return: 0; -EINVAL if @action has unknown bits; -ENOENT if the byte is
 * not inside the map; -EINVAL if @action clears a byte of a read-only map.
 */
int gntdev_check_notify(u32 action, u64 offset_in_map, u32 map_count,
			bool readonly);

/**
 * gntdev_check_copy_segment() - check one IOCTL_GNTDEV_GRANT_COPY segment
 * @flags: The segment's GNTCOPY_* flags.
 * @len: Bytes to copy.
 * @src_foreign_offset: source.foreign.offset (used if GNTCOPY_source_gref).
 * @dst_foreign_offset: dest.foreign.offset (used if GNTCOPY_dest_gref).
 *
 * Other flag bits are ignored, as mainline ignores them: only the two
 * GREF bits reach Xen.  Inline,
 * like gntdev_copy_chunk(): both run for every segment of every copy.
 *
 * Context: Any context.
 * Return: 0; -EINVAL if neither side is a grant, or a foreign side's
 * offset + @len exceeds GNTDEV_PAGE_SIZE.
 */
static inline int gntdev_check_copy_segment(u16 flags, u16 len,
					    u16 src_foreign_offset,
					    u16 dst_foreign_offset)
{
	if (!(flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)))
		return -EINVAL;
	if ((flags & GNTCOPY_source_gref) &&
	    (u32)src_foreign_offset + len > GNTDEV_PAGE_SIZE)
		return -EINVAL;
	if ((flags & GNTCOPY_dest_gref) &&
	    (u32)dst_foreign_offset + len > GNTDEV_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/**
 * gntdev_copy_chunk() - bytes of a local buffer before its next page
 * @local_addr: User virtual address of the next byte to copy.
 * @len: Bytes left to copy.
 *
 * A local buffer is copied in pieces that do not cross a 4 KiB boundary.
 *
 * Context: Any context.
 * Return: min(@len, bytes from @local_addr up to the next multiple of
 * GNTDEV_PAGE_SIZE).
 */
static inline u32 gntdev_copy_chunk(u64 local_addr, u32 len)
{
	u32 off = (u32)(local_addr & (GNTDEV_PAGE_SIZE - 1));
	u32 room = GNTDEV_PAGE_SIZE - off;

	return len < room ? len : room;
}

/**
 * gntdev_total_can_add() - check the module-wide count of mapped grants
 * @cur: Grants mapped now, as read by the caller.
 * @count: Grants to add.
 * @max: Module-wide maximum.
 *
 * The caller does the atomic update (e.g. add, then undo if this fails on
 * the new value, or a cmpxchg loop around this check).
 *
 * Context: Any context.
 * Return: 0 if @cur + @count <= @max, else -ENOSPC. Never overflows.
 */
int gntdev_total_can_add(u64 cur, u32 count, u64 max);

#endif /* _GNTDEV_CORE_H */
