// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-core.c - slot table and argument checks of the gntdev driver
 *
 * Owns the decisions that need no kernel services: which mmap() offset a
 * new map gets (a next-fit search over a per-file slot table), which map
 * an offset belongs to, and whether an ioctl's numbers make sense. The
 * glue in gntdev-main.c copies arguments in and out, takes the file's lock and
 * calls into here; the unit tests in tools/tests/unit/ build this very
 * file in user space. See gntdev-core.h for the contract of each function
 * and the invariants of struct gntdev_slots.
 */

#include <linux/bitmap.h>

#include "gntdev-core.h"

/* ------------------------------------------------------------------------
 * Bitmap helpers
 */

/* The slot after the last used one: the start of the trailing free area. */
static u32 gntdev_slots_tail(const struct gntdev_slots *s)
{
	unsigned long last;

	if (!s->capacity)
		return 0;
	last = find_last_bit(s->used, s->capacity);
	return last < s->capacity ? last + 1 : 0;
}

/*
 * Find the first start in [@from, @start_end) followed by @count free
 * slots inside the table.
 */
static bool gntdev_slots_fit(struct gntdev_slots *s, u32 from, u32 start_end,
			     u32 count, u32 *index)
{
	/* A run that starts below @start_end ends below this. */
	u64 size = (u64)start_end + count - 1;
	unsigned long start;

	if (from >= start_end)
		return false;
	if (size > s->capacity)
		size = s->capacity;
	start = bitmap_find_next_zero_area(s->used, size, from, count, 0);
	if (start + count > size)
		return false;
	*index = start;
	return true;
}

/* Record @owner (or NULL) in [@index, @index + @count). */
static void gntdev_slots_mark(struct gntdev_slots *s, u32 index, u32 count,
			      void *owner)
{
	u32 i;

	for (i = index; i < index + count; i++)
		s->owner[i] = owner;
	if (owner)
		bitmap_set(s->used, index, count);
	else
		bitmap_clear(s->used, index, count);
}

/*
 * Grow the table so that @count slots fit at the start of the trailing
 * free area, and return that start in @index. Doubles the table, or more
 * if needed, within @space. Changes nothing on failure.
 */
static int gntdev_slots_grow(struct gntdev_slots *s, u32 count, u32 *index)
{
	u32 start = gntdev_slots_tail(s);
	u64 need = (u64)start + count;
	u64 cap = (u64)s->capacity * 2;
	u64 words;
	u64 bytes;
	unsigned long *used;
	void **owner;
	u32 i;

	if (need > s->space)
		return -ENOSPC;
	if (cap < need)
		cap = need;
	if (cap < GNTDEV_SLOTS_MIN_CAPACITY)
		cap = GNTDEV_SLOTS_MIN_CAPACITY;
	if (cap > s->space)
		cap = s->space;

	words = BITS_TO_LONGS(cap);
	bytes = words * sizeof(*used) + cap * sizeof(*owner);
	if (bytes != (size_t)bytes)
		return -ENOMEM;
	used = s->alloc->zalloc((size_t)bytes, s->alloc->ctx);
	if (!used)
		return -ENOMEM;
	owner = (void **)(used + words);

	if (s->used) {
		bitmap_copy(used, s->used, s->capacity);
		for (i = 0; i < s->capacity; i++)
			owner[i] = s->owner[i];
		s->alloc->free(s->used, s->alloc->ctx);
	}

	s->used = used;
	s->owner = owner;
	s->capacity = (u32)cap;
	*index = start;
	return 0;
}

/* ------------------------------------------------------------------------
 * Slot table
 */

void gntdev_slots_init(struct gntdev_slots *s, u32 limit,
		       const struct gntdev_slot_alloc *alloc)
{
	s->owner = NULL;
	s->used = NULL;
	s->capacity = 0;
	s->max = limit;
	s->space = limit;
	s->cursor = 0;
	s->in_use = 0;
	s->held = 0;
	s->alloc = alloc;
}

void gntdev_slots_destroy(struct gntdev_slots *s)
{
	if (s->used)
		s->alloc->free(s->used, s->alloc->ctx);
	gntdev_slots_init(s, s->space, s->alloc);
}

int gntdev_slots_reserve(struct gntdev_slots *s, u32 count, void *owner,
			 u32 *index)
{
	u32 start;
	int err;

	if (!count || !owner)
		return -EINVAL;
	if ((u64)s->in_use + s->held + count > s->max)
		return -ENOSPC;

	if (!gntdev_slots_fit(s, s->cursor, s->capacity, count, &start) &&
	    !gntdev_slots_fit(s, 0, s->cursor, count, &start)) {
		err = gntdev_slots_grow(s, count, &start);
		if (err)
			return err;
	}

	gntdev_slots_mark(s, start, count, owner);
	s->in_use += count;
	s->cursor = start + count;
	*index = start;
	return 0;
}

int gntdev_slots_hold(struct gntdev_slots *s, u32 count)
{
	if (!count)
		return -EINVAL;
	if ((u64)s->in_use + s->held + count > s->max)
		return -ENOSPC;
	s->held += count;
	return 0;
}

int gntdev_slots_unhold(struct gntdev_slots *s, u32 count)
{
	if (count > s->held)
		return -EINVAL;
	s->held -= count;
	return 0;
}

int gntdev_slots_release(struct gntdev_slots *s, u32 index, u32 count,
			 void *owner)
{
	u32 i;

	if (!count || !owner || index >= s->capacity ||
	    count > s->capacity - index)
		return -EINVAL;
	for (i = index; i < index + count; i++) {
		if (s->owner[i] != owner)
			return -EINVAL;
	}

	gntdev_slots_mark(s, index, count, NULL);
	s->in_use -= count;
	return 0;
}

int gntdev_slots_unreserve(struct gntdev_slots *s, u32 index, u32 count,
			   void *owner, u32 cursor)
{
	int err;

	if (cursor > s->capacity)
		return -EINVAL;
	err = gntdev_slots_release(s, index, count, owner);
	if (err)
		return err;
	/* Only if no reservation came since: it moved the cursor on. */
	if (s->cursor == index + count)
		s->cursor = cursor;
	return 0;
}

void *gntdev_slots_lookup(const struct gntdev_slots *s, u64 index)
{
	return index < s->capacity ? s->owner[index] : NULL;
}

int gntdev_slots_set_max(struct gntdev_slots *s, u32 max)
{
	if (!max)
		return -EINVAL;
	s->max = max < s->space ? max : s->space;
	return 0;
}

bool gntdev_slots_valid(const struct gntdev_slots *s)
{
	unsigned long bits = BITS_TO_LONGS(s->capacity) * BITS_PER_LONG;
	u32 in_use = 0;
	bool used;
	u32 i;

	if (s->max > s->space || s->capacity > s->space)
		return false;
	if (!s->capacity)
		return !s->used && !s->owner && !s->cursor && !s->in_use;
	if (!s->used ||
	    s->owner != (void **)(s->used + BITS_TO_LONGS(s->capacity)))
		return false;
	if (s->cursor > s->capacity)
		return false;
	if (find_next_bit(s->used, bits, s->capacity) != bits)
		return false;

	for (i = 0; i < s->capacity; i++) {
		used = test_bit(i, s->used);
		if (used != !!s->owner[i])
			return false;
		in_use += used;
	}
	return in_use == s->in_use;
}

/* ------------------------------------------------------------------------
 * Argument checks
 */

int gntdev_check_map_count(u32 count, u32 limit)
{
	if (!count || count > limit)
		return -EINVAL;
	return 0;
}

int gntdev_array_size(size_t head, u32 count, size_t elem, size_t *size)
{
	if (elem && count > ((size_t)-1 - head) / elem)
		return -EINVAL;
	*size = head + (size_t)count * elem;
	return 0;
}

int gntdev_map_request_size(u32 count, size_t *size)
{
	const size_t head = offsetof(struct ioctl_gntdev_map_grant_ref, refs);
	const size_t ref = sizeof(struct ioctl_gntdev_grant_ref);

	return gntdev_array_size(head, count, ref, size);
}

/* EXP_FROM_REFS and IMP_TO_REFS: their refs follow the same 16 bytes. */
int gntdev_dmabuf_request_size(u32 count, size_t *size)
{
	const size_t head =
		offsetof(struct ioctl_gntdev_dmabuf_imp_to_refs, refs);

	return gntdev_array_size(head, count, sizeof(__u32), size);
}

static int gntdev_check_domid(u32 domid)
{
	return domid >= GNTDEV_DOMID_FIRST_RESERVED ? -EINVAL : 0;
}

int gntdev_check_dmabuf_exp(u32 flags, u32 count, u32 domid, u32 limit)
{
	const u32 both = GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT;

	if (flags & ~both || (flags & both) == both)
		return -EINVAL;
	if (gntdev_check_map_count(count, limit) || gntdev_check_domid(domid))
		return -EINVAL;
	return flags ? -EOPNOTSUPP : 0;
}

int gntdev_check_dmabuf_imp(u32 count, u32 domid, u32 limit)
{
	if (gntdev_check_map_count(count, limit) ||
	    count > GNTDEV_DMABUF_IMP_MAX || gntdev_check_domid(domid))
		return -EINVAL;
	return 0;
}

int gntdev_offset_to_index(u64 offset, u32 *index)
{
	u64 slot = offset >> GNTDEV_PAGE_SHIFT;

	if (offset & (GNTDEV_PAGE_SIZE - 1) || slot != (u32)slot)
		return -EINVAL;
	*index = (u32)slot;
	return 0;
}

u64 gntdev_index_to_offset(u32 index)
{
	return (u64)index << GNTDEV_PAGE_SHIFT;
}

int gntdev_check_unmap(u32 index, u32 count, u32 map_index, u32 map_count)
{
	if (index != map_index || (count && count != map_count))
		return -ENOENT;
	return 0;
}

int gntdev_check_mmap(u64 pgoff, u64 npages, u32 map_index, u32 map_count)
{
	if (!npages || pgoff != map_index || npages != map_count)
		return -EINVAL;
	return 0;
}

int gntdev_check_max_grants(u32 count, u32 ceiling, u32 *max)
{
	if (!count || !ceiling)
		return -EINVAL;
	*max = count < ceiling ? count : ceiling;
	return 0;
}

int gntdev_check_notify_action(u32 action)
{
	if (action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return -EINVAL;
	return 0;
}

int gntdev_check_notify(u32 action, u64 offset_in_map, u32 map_count,
			bool readonly)
{
	int err;

	err = gntdev_check_notify_action(action);
	if (err)
		return err;
	if (offset_in_map >= (u64)map_count << GNTDEV_PAGE_SHIFT)
		return -ENOENT;
	if ((action & UNMAP_NOTIFY_CLEAR_BYTE) && readonly)
		return -EINVAL;
	return 0;
}

int gntdev_total_can_add(u64 cur, u32 count, u64 max)
{
	if (cur > max || count > max - cur)
		return -ENOSPC;
	return 0;
}
