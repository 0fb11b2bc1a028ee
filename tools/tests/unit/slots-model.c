// SPDX-License-Identifier: GPL-2.0
/*
 * slots-model.c - the slot table's reference model and a test allocator
 *
 * See slots-model.h. Nothing here reads gntdev-core.c: the model follows
 * the contract of gntdev-core.h, so the table and the model can only agree
 * by both being right.
 */

#include <stdlib.h>
#include <string.h>

#include "slots-model.h"

/* ------------------------------------------------------------------------
 * Allocator
 */

void slots_alloc_init(struct slots_alloc *a, size_t limit)
{
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}

bool slots_alloc_would_succeed(const struct slots_alloc *a, size_t size)
{
	return !a->fail_all && !a->fail_next && a->calls + 1 != a->fail_call &&
	       size <= a->limit;
}

void *slots_alloc_zalloc(size_t size, void *ctx)
{
	struct slots_alloc *a = ctx;
	bool ok = slots_alloc_would_succeed(a, size);
	void *p;

	a->calls++;
	a->last_size = size;
	if (a->fail_next)
		a->fail_next--;
	if (!ok)
		return NULL;
	p = calloc(1, size);
	if (!p)
		abort(); /* the tests' tables are small; the host is not OOM */
	a->live++;
	return p;
}

void slots_alloc_free(void *ptr, void *ctx)
{
	struct slots_alloc *a = ctx;

	if (!ptr)
		abort(); /* the contract says never NULL */
	a->frees++;
	a->live--;
	free(ptr);
}

/* ------------------------------------------------------------------------
 * Model
 */

void slots_model_init(struct slots_model *m, u32 limit,
		      const struct slots_alloc *mem)
{
	memset(m->owner, 0, sizeof(m->owner));
	m->capacity = 0;
	m->max = limit;
	m->space = limit;
	m->cursor = 0;
	m->in_use = 0;
	m->held = 0;
	m->mem = mem;
}

/* Bytes of a table of @cap slots: a bitmap of longs, then a pointer each. */
static u64 slots_model_table_bytes(u64 cap)
{
	const u64 bits = sizeof(long) * 8;

	return (cap + bits - 1) / bits * sizeof(long) + cap * sizeof(void *);
}

static SLOTS_NOCOV void slots_model_mark(struct slots_model *m, u32 index,
					 u32 count, unsigned int id)
{
	u32 i;

	for (i = index; i < index + count; i++)
		m->owner[i] = (u16)id;
}

/* The first start of @count free slots, from the cursor on, then from 0. */
static SLOTS_NOCOV bool slots_model_find(struct slots_model *m, u32 count,
					 u32 *index)
{
	u32 i;

	m->run[m->capacity] = 0;
	for (i = m->capacity; i-- > 0;)
		m->run[i] = m->owner[i] ? 0 : m->run[i + 1] + 1;
	for (i = m->cursor; i < m->capacity; i++) {
		if (m->run[i] >= count)
			goto found;
	}
	for (i = 0; i < m->cursor && i < m->capacity; i++) {
		if (m->run[i] >= count)
			goto found;
	}
	return false;
found:
	*index = i;
	return true;
}

/* One past the last slot in use. */
static SLOTS_NOCOV u32 slots_model_tail(const struct slots_model *m)
{
	u32 i, tail = 0;

	for (i = 0; i < m->capacity; i++) {
		if (m->owner[i])
			tail = i + 1;
	}
	return tail;
}

/*
 * Next-fit as the header states it: the first start going forward from
 * the cursor to the end, then from 0 to the cursor, with @count free
 * slots inside the table; else grow (double, at least the need and 64,
 * at most space) and put the run at the start of the trailing free area.
 */
SLOTS_NOCOV int slots_model_reserve(struct slots_model *m, u32 count,
				    unsigned int id, u32 *index)
{
	u64 cap, need;
	u32 i;

	if (!count || !id)
		return -EINVAL;
	if ((u64)m->in_use + m->held + count > m->max)
		return -ENOSPC;
	if (!slots_model_find(m, count, &i)) {
		i = slots_model_tail(m);
		need = (u64)i + count;
		if (need > m->space)
			return -ENOSPC;
		cap = (u64)m->capacity * 2;
		if (cap < need)
			cap = need;
		if (cap < GNTDEV_SLOTS_MIN_CAPACITY)
			cap = GNTDEV_SLOTS_MIN_CAPACITY;
		if (cap > m->space)
			cap = m->space;
		m->allocs++;
		if (!slots_alloc_would_succeed(m->mem,
					       slots_model_table_bytes(cap)))
			return -ENOMEM;
		if (cap > SLOTS_MODEL_CAP)
			abort(); /* the tests' limits keep this from happening */
		m->capacity = (u32)cap;
	}
	*index = i;
	slots_model_mark(m, i, count, id);
	m->in_use += count;
	m->cursor = i + count;
	return 0;
}

SLOTS_NOCOV bool slots_model_owns(const struct slots_model *m, u32 index,
				  u32 count, unsigned int id)
{
	u32 i;

	if (!count || !id || (u64)index + count > m->capacity)
		return false;
	for (i = index; i < index + count; i++) {
		if (m->owner[i] != id)
			return false;
	}
	return true;
}

SLOTS_NOCOV int slots_model_release(struct slots_model *m, u32 index, u32 count,
				    unsigned int id)
{
	if (!slots_model_owns(m, index, count, id))
		return -EINVAL;
	slots_model_mark(m, index, count, 0);
	m->in_use -= count;
	return 0;
}

unsigned int slots_model_lookup(const struct slots_model *m, u32 index)
{
	return index < m->capacity ? m->owner[index] : 0;
}

int slots_model_set_max(struct slots_model *m, u32 max)
{
	if (!max)
		return -EINVAL;
	m->max = max < m->space ? max : m->space;
	return 0;
}

/* From gntdev-core.h: @held shares @max with @in_use; unhold gives back. */
int slots_model_hold(struct slots_model *m, u32 count)
{
	if (!count)
		return -EINVAL;
	if ((u64)m->in_use + m->held + count > m->max)
		return -ENOSPC;
	m->held += count;
	return 0;
}

int slots_model_unhold(struct slots_model *m, u32 count)
{
	if (count > m->held)
		return -EINVAL;
	m->held -= count;
	return 0;
}

/* ------------------------------------------------------------------------
 * Comparison
 */

static SLOTS_NOCOV bool slots_differ(struct slots_diff *d, const char *what,
				     u32 slot, long long want, long long got)
{
	if (want == got)
		return false;
	d->what = what;
	d->slot = slot;
	d->want = want;
	d->got = got;
	return true;
}

/* The id of @owner in @owners, or -1. */
static long long slots_owner_id(const void *owner, const void *const *owners,
				unsigned int nowners)
{
	unsigned int id;

	for (id = 0; id < nowners; id++) {
		if (owners[id] == owner)
			return id;
	}
	return -1;
}

SLOTS_NOCOV bool slots_model_differs(const struct slots_model *m,
				     const struct gntdev_slots *s,
				     const void *const *owners,
				     unsigned int nowners, struct slots_diff *d)
{
	u32 i;

	if ((owners && slots_differ(d, "gntdev_slots_valid()", 0, 1,
				    gntdev_slots_valid(s))) ||
	    slots_differ(d, "capacity", 0, m->capacity, s->capacity) ||
	    slots_differ(d, "max", 0, m->max, s->max) ||
	    slots_differ(d, "space", 0, m->space, s->space) ||
	    slots_differ(d, "cursor", 0, m->cursor, s->cursor) ||
	    slots_differ(d, "in_use", 0, m->in_use, s->in_use) ||
	    slots_differ(d, "held", 0, m->held, s->held))
		return true;
	for (i = 0; owners && i < s->capacity; i++) {
		if (m->owner[i] >= nowners ||
		    s->owner[i] != owners[m->owner[i]])
			return slots_differ(
				d, "owner of a slot", i, m->owner[i],
				slots_owner_id(s->owner[i], owners, nowners));
	}
	return false;
}
