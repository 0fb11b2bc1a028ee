// SPDX-License-Identifier: GPL-2.0
/*
 * test-slots.c - unit tests of the gntdev slot table (gntdev-core.c)
 *
 * Walks every branch of gntdev_slots_*(): next-fit order, cursor,
 * wrap-around, exact-size hole reuse, first map at slot 0, growth,
 * -ENOSPC against -ENOMEM (allocation failure is injected through the
 * allocator callback), release validation and lookup. The invariants of
 * struct gntdev_slots are checked after every step.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gntdev-core.h"
#include "slots-model.h"
#include "t-harness.h"

/* The allocator with failure injection of slots-model.c. */
static struct slots_alloc t_state;
static const struct gntdev_slot_alloc t_alloc = SLOTS_ALLOC_OPS(&t_state);

/* Owners: distinct addresses. */
static char t_owner[16];
#define A ((void *)&t_owner[0])
#define B ((void *)&t_owner[1])
#define C ((void *)&t_owner[2])
#define D ((void *)&t_owner[3])
#define E ((void *)&t_owner[4])

static void t_setup(struct gntdev_slots *s, u32 max)
{
	slots_alloc_init(&t_state, 64 << 20);
	gntdev_slots_init(s, max, &t_alloc);
	T_ASSERT(gntdev_slots_valid(s));
}

static void t_teardown(struct gntdev_slots *s)
{
	T_ASSERT(gntdev_slots_valid(s));
	gntdev_slots_destroy(s);
	T_ASSERT(gntdev_slots_valid(s));
	T_EQ(0, t_state.live);
}

/* Reserve and check the index, then check the invariants. */
static void t_reserve_at(struct gntdev_slots *s, u32 count, void *owner,
			 u32 expected, int line)
{
	u32 index = 0xdeadbeef;
	int err;

	err = gntdev_slots_reserve(s, count, owner, &index);
	if (err || index != expected)
		t_fail(__FILE__, line, "reserve(%u): err %d index %u", count,
		       err, index);
	T_EQ(expected + count, s->cursor);
	T_ASSERT(gntdev_slots_valid(s));
}
#define RESERVE_AT(s, count, owner, expected) \
	t_reserve_at(s, count, owner, expected, __LINE__)

/* Reserve expecting failure; nothing may change. */
static void t_reserve_fails(struct gntdev_slots *s, u32 count, void *owner,
			    int expected, int line)
{
	struct gntdev_slots before = *s;
	u32 index = 0xdeadbeef;
	int err;

	err = gntdev_slots_reserve(s, count, owner, &index);
	if (err != expected || index != 0xdeadbeef ||
	    memcmp(&before, s, sizeof(before)))
		t_fail(__FILE__, line, "reserve(%u): err %d want %d, index %u",
		       count, err, expected, index);
	T_ASSERT(gntdev_slots_valid(s));
}
#define RESERVE_FAILS(s, count, owner, err) \
	t_reserve_fails(s, count, owner, err, __LINE__)

static void t_release(struct gntdev_slots *s, u32 index, u32 count, void *owner)
{
	T_EQ(0, gntdev_slots_release(s, index, count, owner));
	T_ASSERT(gntdev_slots_valid(s));
}

static void t_release_fails(struct gntdev_slots *s, u32 index, u32 count,
			    void *owner, int line)
{
	struct gntdev_slots before = *s;
	void **owners = NULL;
	int err;

	if (s->capacity) {
		owners = malloc(s->capacity * sizeof(*owners));
		T_ASSERT(owners != NULL);
		memcpy(owners, s->owner, s->capacity * sizeof(*owners));
	}
	err = gntdev_slots_release(s, index, count, owner);
	if (err != -EINVAL || memcmp(&before, s, sizeof(before)) ||
	    (owners && memcmp(owners, s->owner, s->capacity * sizeof(*owners))))
		t_fail(__FILE__, line,
		       "release(%u, %u): err %d, or state changed", index,
		       count, err);
	free(owners);
	T_ASSERT(gntdev_slots_valid(s));
}
#define RELEASE_FAILS(s, index, count, owner) \
	t_release_fails(s, index, count, owner, __LINE__)

static void t_expect_owner(const struct gntdev_slots *s, u32 index, u32 count,
			   void *owner)
{
	u32 i;

	for (i = index; i < index + count; i++)
		T_PTR_EQ(owner, gntdev_slots_lookup(s, i));
}

static void test_empty(void)
{
	struct gntdev_slots s;

	t_setup(&s, 100);
	T_EQ(0, s.capacity);
	T_EQ(0, s.in_use);
	T_EQ(0, s.cursor);
	T_EQ(100, s.max);
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 0));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, UINT32_MAX));
	RELEASE_FAILS(&s, 0, 1, A);
	gntdev_slots_destroy(&s);
	T_EQ(0, t_state.calls);
	T_EQ(0, t_state.frees);
	T_EQ(100, s.max);
	T_PTR_EQ(&t_alloc, s.alloc);
	t_teardown(&s);
}

static void test_first_map_at_zero(void)
{
	struct gntdev_slots s;

	t_setup(&s, 1000);
	RESERVE_AT(&s, 3, A, 0);
	T_EQ(3, s.in_use);
	T_EQ(GNTDEV_SLOTS_MIN_CAPACITY, s.capacity);
	T_EQ(1, t_state.calls);
	T_EQ(8 + GNTDEV_SLOTS_MIN_CAPACITY * sizeof(void *), t_state.last_size);
	t_expect_owner(&s, 0, 3, A);
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 3));
	RESERVE_AT(&s, 2, B, 3);
	t_expect_owner(&s, 3, 2, B);
	t_teardown(&s);

	/* A fresh table with a cap below the minimum capacity. */
	t_setup(&s, 5);
	RESERVE_AT(&s, 5, A, 0);
	T_EQ(5, s.capacity);
	t_teardown(&s);
}

static void test_reserve_einval(void)
{
	struct gntdev_slots s;

	t_setup(&s, 10);
	RESERVE_FAILS(&s, 0, A, -EINVAL);
	RESERVE_FAILS(&s, 1, NULL, -EINVAL);
	RESERVE_FAILS(&s, 0, NULL, -EINVAL);
	T_EQ(0, t_state.calls);
	t_teardown(&s);
}

static void test_next_fit_cursor(void)
{
	struct gntdev_slots s;

	t_setup(&s, 1000);
	RESERVE_AT(&s, 2, A, 0);
	RESERVE_AT(&s, 3, B, 2);
	RESERVE_AT(&s, 1, C, 5);
	t_release(&s, 0, 2, A);
	T_EQ(6, s.cursor); /* release never moves the cursor */
	RESERVE_AT(&s, 2, D, 6); /* not the hole at 0 */
	t_release(&s, 2, 3, B);
	t_release(&s, 5, 1, C);
	t_release(&s, 6, 2, D);
	T_EQ(0, s.in_use);
	RESERVE_AT(&s, 1, E, 8); /* an empty table still continues */
	t_teardown(&s);
}

/* A request that fails after reserving must leave no trace. */
static void test_unreserve(void)
{
	struct gntdev_slots s;
	u32 cursor;

	t_setup(&s, 1000);
	cursor = s.cursor;
	RESERVE_AT(&s, 3, A, 0);
	T_EQ(0, gntdev_slots_unreserve(&s, 0, 3, A, cursor));
	T_EQ(0, s.in_use);
	T_EQ(0, s.cursor);
	RESERVE_AT(&s, 2, B, 0); /* where A would have gone: fresh file */
	T_ASSERT(gntdev_slots_valid(&s));

	/* Another reservation came in between: the cursor stays past it. */
	cursor = s.cursor;
	RESERVE_AT(&s, 1, C, 2);
	RESERVE_AT(&s, 1, D, 3);
	T_EQ(0, gntdev_slots_unreserve(&s, 2, 1, C, cursor));
	T_EQ(4, s.cursor);
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 2));

	/* Wrong owner, or a cursor past the table: nothing changes. */
	T_EQ(-EINVAL, gntdev_slots_unreserve(&s, 3, 1, A, 2));
	T_EQ(-EINVAL, gntdev_slots_unreserve(&s, 3, 1, D, s.capacity + 1));
	T_PTR_EQ(D, gntdev_slots_lookup(&s, 3));
	T_EQ(4, s.cursor);
	T_ASSERT(gntdev_slots_valid(&s));
	t_teardown(&s);
}

static void test_wrap_around(void)
{
	struct gntdev_slots s;

	t_setup(&s, 8);
	RESERVE_AT(&s, 4, A, 0);
	RESERVE_AT(&s, 4, B, 4);
	T_EQ(8, s.cursor);
	T_EQ(8, s.capacity);
	t_release(&s, 0, 4, A);
	RESERVE_AT(&s, 2, C, 0); /* cursor at the end: wrap to 0 */
	RESERVE_AT(&s, 1, D, 2); /* continue from the cursor */
	t_release(&s, 4, 4, B);
	RESERVE_AT(&s, 4, A, 3); /* from cursor 3: [3, 8) is free */
	t_teardown(&s);

	/*
	 * Second pass: a run starting before the cursor may extend past it.
	 * Free [2, 8), cursor 5, request 4: [5, 8) is too short, [2, 6) fits.
	 */
	t_setup(&s, 8);
	RESERVE_AT(&s, 2, A, 0);
	RESERVE_AT(&s, 3, B, 2);
	RESERVE_AT(&s, 3, C, 5);
	t_release(&s, 2, 3, B);
	t_release(&s, 5, 3, C);
	RESERVE_AT(&s, 3, D, 2);
	T_EQ(5, s.cursor);
	t_release(&s, 2, 3, D);
	RESERVE_AT(&s, 4, E, 2);
	T_EQ(1, t_state.calls);
	t_teardown(&s);

	/* First pass: the cursor inside a free run starts the run there. */
	t_setup(&s, 8);
	RESERVE_AT(&s, 3, A, 0);
	t_release(&s, 0, 3, A);
	RESERVE_AT(&s, 2, B, 3);
	t_teardown(&s);
}

static void test_exact_hole_reuse(void)
{
	struct gntdev_slots s;

	t_setup(&s, 64);
	RESERVE_AT(&s, 1, A, 0);
	RESERVE_AT(&s, 2, B, 1);
	RESERVE_AT(&s, 1, C, 3);
	RESERVE_AT(&s, 60, D, 4);
	T_EQ(64, s.in_use);
	t_release(&s, 1, 2, B);
	RESERVE_AT(&s, 2, E, 1); /* exactly the hole; mainline skips it */
	t_release(&s, 3, 1, C);
	RESERVE_AT(&s, 1, B, 3);
	t_teardown(&s);

	/* A hole one slot too short is skipped. */
	t_setup(&s, 64);
	RESERVE_AT(&s, 1, A, 0);
	RESERVE_AT(&s, 1, B, 1);
	RESERVE_AT(&s, 1, C, 2);
	RESERVE_AT(&s, 3, D, 3);
	RESERVE_AT(&s, 58, E, 6);
	t_release(&s, 1, 1, B);
	t_release(&s, 3, 3, D);
	RESERVE_AT(&s, 2, B, 3);
	RESERVE_AT(&s, 1, D, 5);
	RESERVE_AT(&s, 1, &t_owner[5], 1);
	t_teardown(&s);
}

static void test_word_boundaries(void)
{
	struct gntdev_slots s;

	t_setup(&s, 1000);
	RESERVE_AT(&s, 63, A, 0);
	RESERVE_AT(&s, 2, B, 63); /* crosses word 0 into word 1 */
	T_EQ(128, s.capacity);
	t_expect_owner(&s, 63, 2, B);
	RESERVE_AT(&s, 63, C, 65);
	t_release(&s, 0, 63, A);
	RESERVE_AT(&s, 63, D, 0); /* wraps into the 63-slot hole */
	RESERVE_AT(&s, 64, E, 128); /* no 64-slot hole: grows */
	T_EQ(256, s.capacity);
	t_expect_owner(&s, 0, 63, D);
	t_expect_owner(&s, 63, 2, B);
	t_expect_owner(&s, 65, 63, C);
	t_expect_owner(&s, 128, 64, E);
	t_teardown(&s);
}

static void test_growth(void)
{
	struct gntdev_slots s;

	t_setup(&s, 400);
	RESERVE_AT(&s, 64, A, 0);
	T_EQ(64, s.capacity);
	T_EQ(1, t_state.calls);
	RESERVE_AT(&s, 1, B, 64); /* doubles */
	T_EQ(128, s.capacity);
	T_EQ(2, t_state.calls);
	T_EQ(1, t_state.frees);
	t_expect_owner(&s, 0, 64, A); /* old entries were copied */
	RESERVE_AT(&s, 200, C, 65); /* more than double: exactly enough */
	T_EQ(265, s.capacity);
	RESERVE_AT(&s, 100, D, 265); /* double clamped to max */
	T_EQ(400, s.capacity);
	T_EQ(4, t_state.calls);
	t_expect_owner(&s, 64, 1, B);
	t_expect_owner(&s, 65, 200, C);
	t_teardown(&s);
	T_EQ(4, t_state.frees);

	/* The run goes at the start of the trailing free area. */
	t_setup(&s, 1000);
	RESERVE_AT(&s, 60, A, 0);
	RESERVE_AT(&s, 10, B, 60);
	T_EQ(128, s.capacity);
	t_teardown(&s);

	/* ... which is 0 if the table is empty but too small. */
	t_setup(&s, 1000);
	RESERVE_AT(&s, 10, A, 0);
	t_release(&s, 0, 10, A);
	RESERVE_AT(&s, 100, B, 0);
	T_EQ(128, s.capacity);
	t_teardown(&s);
}

static void test_enomem(void)
{
	struct gntdev_slots s;

	/* First growth fails: the table stays empty. */
	t_setup(&s, 100);
	t_state.fail_call = 1;
	RESERVE_FAILS(&s, 1, A, -ENOMEM);
	T_EQ(0, s.capacity);
	RESERVE_AT(&s, 1, A, 0);
	t_teardown(&s);

	/* Later growth fails: nothing moves, the old table is kept. */
	t_setup(&s, 1000);
	RESERVE_AT(&s, 64, A, 0);
	t_state.fail_call = 2;
	RESERVE_FAILS(&s, 1, B, -ENOMEM);
	T_EQ(0, t_state.frees);
	t_expect_owner(&s, 0, 64, A);
	RESERVE_AT(&s, 1, B, 64);
	t_teardown(&s);

	/* A table too large for the allocator. */
	t_setup(&s, UINT32_MAX);
	RESERVE_AT(&s, 1, A, 0);
	RESERVE_FAILS(&s, UINT32_MAX - 1, B, -ENOMEM);
	T_EQ(8ULL * 0x4000000 + sizeof(void *) * 0xffffffffULL,
	     t_state.last_size);
	t_teardown(&s);
}

static void test_hold(void)
{
	struct gntdev_slots s;

	/* Held grants share the cap with reserved slots, both ways. */
	t_setup(&s, 10);
	T_EQ(-EINVAL, gntdev_slots_hold(&s, 0));
	T_EQ(0, gntdev_slots_hold(&s, 4));
	RESERVE_AT(&s, 6, A, 0);
	RESERVE_FAILS(&s, 1, B, -ENOSPC);
	T_EQ(-ENOSPC, gntdev_slots_hold(&s, 1));
	T_EQ(4, s.held);
	T_EQ(-EINVAL, gntdev_slots_unhold(&s, 5));
	T_EQ(4, s.held);
	T_EQ(0, gntdev_slots_unhold(&s, 4));
	RESERVE_AT(&s, 4, B, 6);
	T_EQ(-ENOSPC, gntdev_slots_hold(&s, 1));
	T_ASSERT(gntdev_slots_valid(&s));
	t_teardown(&s);

	/* in_use + held + count must not wrap. */
	t_setup(&s, UINT32_MAX);
	T_EQ(0, gntdev_slots_hold(&s, UINT32_MAX - 1));
	T_EQ(-ENOSPC, gntdev_slots_hold(&s, 2));
	RESERVE_AT(&s, 1, A, 0);
	T_EQ(-ENOSPC, gntdev_slots_hold(&s, UINT32_MAX));
	t_teardown(&s);
}

static void test_enospc(void)
{
	struct gntdev_slots s;
	u32 i;

	/* The cap counts slots. */
	t_setup(&s, 10);
	RESERVE_AT(&s, 6, A, 0);
	RESERVE_FAILS(&s, 5, B, -ENOSPC);
	RESERVE_AT(&s, 4, B, 6);
	RESERVE_FAILS(&s, 1, C, -ENOSPC);
	t_teardown(&s);

	/* in_use + count must not wrap. */
	t_setup(&s, UINT32_MAX);
	RESERVE_AT(&s, 1, A, 0);
	t_state.calls = 0;
	RESERVE_FAILS(&s, UINT32_MAX, B, -ENOSPC);
	T_EQ(0, t_state.calls);
	t_teardown(&s);

	/* Fragmentation with the table at the cap. */
	t_setup(&s, 8);
	for (i = 0; i < 8; i++)
		RESERVE_AT(&s, 1, &t_owner[i], i);
	for (i = 0; i < 8; i += 2)
		t_release(&s, i, 1, &t_owner[i]);
	T_EQ(4, s.in_use);
	RESERVE_FAILS(&s, 2, A, -ENOSPC);
	T_EQ(1, t_state.calls);
	RESERVE_AT(&s, 1, &t_owner[8], 0);
	t_teardown(&s);

	/* Fragmentation below the cap: growing would pass it. */
	t_setup(&s, 100);
	RESERVE_AT(&s, 50, A, 0);
	RESERVE_AT(&s, 10, B, 50);
	t_release(&s, 0, 50, A);
	RESERVE_FAILS(&s, 55, C, -ENOSPC);
	T_EQ(1, t_state.calls);
	T_EQ(64, s.capacity);
	RESERVE_AT(&s, 40, C, 0);
	T_EQ(64, s.capacity);
	t_teardown(&s);

	/* A zero cap admits nothing. */
	t_setup(&s, 0);
	RESERVE_FAILS(&s, 1, A, -ENOSPC);
	t_teardown(&s);
}

static void test_release_validation(void)
{
	struct gntdev_slots s;

	t_setup(&s, 1000);
	RESERVE_AT(&s, 4, A, 0);
	RESERVE_AT(&s, 4, B, 4);
	RESERVE_AT(&s, 4, C, 8);
	RELEASE_FAILS(&s, 4, 4, A); /* wrong owner */
	RELEASE_FAILS(&s, 3, 4, B); /* starts in A */
	RELEASE_FAILS(&s, 4, 5, B); /* runs into C */
	RELEASE_FAILS(&s, 4, 0, B); /* empty range */
	RELEASE_FAILS(&s, 4, 4, NULL); /* no owner */
	RELEASE_FAILS(&s, 12, 1, B); /* free slot */
	RELEASE_FAILS(&s, 63, 2, B); /* leaves the table */
	RELEASE_FAILS(&s, 64, 1, B); /* outside the table */
	RELEASE_FAILS(&s, UINT32_MAX, 1, B); /* far outside */
	RELEASE_FAILS(&s, 4, UINT32_MAX, B); /* index + count wraps */
	RELEASE_FAILS(&s, 1, UINT32_MAX, A);

	/* Part of a run may be released; the rest stays. */
	t_release(&s, 4, 1, B);
	t_expect_owner(&s, 5, 3, B);
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 4));
	RELEASE_FAILS(&s, 4, 4, B); /* slot 4 is free now */
	t_release(&s, 5, 3, B);
	RELEASE_FAILS(&s, 5, 3, B); /* twice */
	T_EQ(8, s.in_use);
	T_EQ(12, s.cursor);
	t_teardown(&s);
}

static void test_lookup(void)
{
	struct gntdev_slots s;

	t_setup(&s, 100);
	RESERVE_AT(&s, 3, A, 0);
	RESERVE_AT(&s, 1, B, 3);
	T_PTR_EQ(A, gntdev_slots_lookup(&s, 2));
	T_PTR_EQ(B, gntdev_slots_lookup(&s, 3));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 4));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 63));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 64));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, UINT32_MAX));
	/* Offsets past 2^32 slots name no slot; truncated, they would. */
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, 1ULL << 32));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, (1ULL << 32) + 3));
	T_PTR_EQ(NULL, gntdev_slots_lookup(&s, UINT64_MAX));
	t_teardown(&s);
}

static void test_set_max(void)
{
	struct gntdev_slots s;

	t_setup(&s, 100);
	T_EQ(-EINVAL, gntdev_slots_set_max(&s, 0));
	T_EQ(100, s.max);
	RESERVE_AT(&s, 30, A, 0);
	RESERVE_AT(&s, 10, B, 30);
	T_EQ(0, gntdev_slots_set_max(&s, 20)); /* below in_use */
	T_EQ(20, s.max);
	T_ASSERT(gntdev_slots_valid(&s));
	RESERVE_FAILS(&s, 1, C, -ENOSPC);
	t_release(&s, 0, 30, A);
	RESERVE_AT(&s, 5, C, 40); /* capacity 64 > max 20 is fine */
	RESERVE_FAILS(&s, 6, D, -ENOSPC);
	RESERVE_AT(&s, 5, D, 45);
	T_EQ(64, s.capacity);
	RESERVE_FAILS(&s, 1, E, -ENOSPC);
	T_EQ(0, gntdev_slots_set_max(&s, UINT32_MAX));
	RESERVE_AT(&s, 14, E, 50);
	RESERVE_AT(&s, 20, A, 0); /* wraps into the free start */
	t_teardown(&s);

	/* With @max lowered, the table still grows, up to @space. */
	t_setup(&s, 100);
	RESERVE_AT(&s, 20, A, 0);
	RESERVE_AT(&s, 1, B, 20);
	RESERVE_AT(&s, 19, C, 21);
	RESERVE_AT(&s, 1, D, 40);
	RESERVE_AT(&s, 19, E, 41);
	RESERVE_AT(&s, 4, &t_owner[5], 60);
	T_EQ(64, s.capacity);
	T_EQ(0, gntdev_slots_set_max(&s, 50));
	T_EQ(50, s.max);
	T_EQ(100, s.space);
	t_release(&s, 0, 20, A);
	t_release(&s, 21, 19, C);
	t_release(&s, 41, 19, E);
	RESERVE_AT(&s, 21, A, 64); /* no 21-run below 64: grows */
	T_EQ(100, s.capacity);
	T_EQ(2, t_state.calls);
	RESERVE_FAILS(&s, 24, C, -ENOSPC); /* 27 held + 24 > 50 */
	RESERVE_AT(&s, 20, C, 0);
	T_ASSERT(gntdev_slots_valid(&s));
	t_teardown(&s);

	/* A cap above @space is clamped to it. */
	t_setup(&s, 100);
	T_EQ(0, gntdev_slots_set_max(&s, 1000));
	T_EQ(100, s.max);
	t_teardown(&s);
}

/*
 * The cap counts grants held, not offsets (a fragmented offset space never
 * refuses a map that fits the cap): cap 4, four 1-slot maps, the first and
 * third released, a 2-slot map fits; a fifth slot does not.
 */
static void test_max_counts_held(void)
{
	struct gntdev_slots s;

	t_setup(&s, 100);
	T_EQ(0, gntdev_slots_set_max(&s, 4));
	RESERVE_AT(&s, 1, A, 0);
	RESERVE_AT(&s, 1, B, 1);
	RESERVE_AT(&s, 1, C, 2);
	RESERVE_AT(&s, 1, D, 3);
	t_release(&s, 0, 1, A);
	t_release(&s, 2, 1, C);
	RESERVE_AT(&s, 2, E, 4);
	RESERVE_FAILS(&s, 1, A, -ENOSPC);
	T_ASSERT(gntdev_slots_valid(&s));
	t_teardown(&s);
}

static void test_destroy_reuse(void)
{
	struct gntdev_slots s;

	t_setup(&s, 1000);
	RESERVE_AT(&s, 100, A, 0);
	RESERVE_AT(&s, 5, B, 100);
	gntdev_slots_destroy(&s); /* owners are forgotten, not released */
	T_ASSERT(gntdev_slots_valid(&s));
	T_EQ(0, t_state.live);
	T_EQ(0, s.capacity);
	T_EQ(1000, s.max);
	RESERVE_AT(&s, 2, C, 0); /* fresh again: slot 0 */
	t_teardown(&s);
}

static void test_valid_detects_damage(void)
{
	struct gntdev_slots s;
	struct gntdev_slots saved;

	t_setup(&s, 100);
	RESERVE_AT(&s, 3, A, 0);
	saved = s;

	s.in_use = 2;
	T_ASSERT(!gntdev_slots_valid(&s));
	s = saved;
	s.cursor = 65;
	T_ASSERT(!gntdev_slots_valid(&s));
	s = saved;
	s.used[0] ^= 1;
	T_ASSERT(!gntdev_slots_valid(&s));
	s.used[0] ^= 1;
	s.owner[5] = B;
	T_ASSERT(!gntdev_slots_valid(&s));
	s.owner[5] = NULL;
	s.owner = NULL;
	T_ASSERT(!gntdev_slots_valid(&s));
	s = saved;
	s.capacity = 0;
	T_ASSERT(!gntdev_slots_valid(&s));
	s = saved;
	s.used = NULL;
	T_ASSERT(!gntdev_slots_valid(&s));
	s = saved;
	T_ASSERT(gntdev_slots_valid(&s));
	t_teardown(&s);

	/* Bits beyond a capacity that is not a multiple of 64. */
	t_setup(&s, 100);
	RESERVE_AT(&s, 100, A, 0);
	T_EQ(100, s.capacity);
	s.used[1] |= 1UL << 40;
	T_ASSERT(!gntdev_slots_valid(&s));
	s.used[1] &= ~(1UL << 40);
	t_teardown(&s);

	/* An empty table with stray state. */
	t_setup(&s, 100);
	s.cursor = 1;
	T_ASSERT(!gntdev_slots_valid(&s));
	s.cursor = 0;
	s.in_use = 1;
	T_ASSERT(!gntdev_slots_valid(&s));
	s.in_use = 0;
	t_teardown(&s);
}

/* Thousands of live maps: lookups are O(1), searches skip whole words. */
static void test_many_maps(void)
{
	enum { N = 20000 };
	static unsigned char owners[N];
	static u32 index[N];
	static u32 count[N];
	struct gntdev_slots s;
	u32 total = 0;
	u32 i;

	t_setup(&s, 1 << 20);
	for (i = 0; i < N; i++) {
		count[i] = 1 + i % 3;
		total += count[i];
		T_EQ(0,
		     gntdev_slots_reserve(&s, count[i], &owners[i], &index[i]));
	}
	T_EQ(0, index[0]);
	T_EQ(total, s.in_use);
	T_EQ(total, s.cursor);
	T_ASSERT(gntdev_slots_valid(&s));
	for (i = 0; i < N; i += 2) {
		T_EQ(0,
		     gntdev_slots_release(&s, index[i], count[i], &owners[i]));
	}
	T_ASSERT(gntdev_slots_valid(&s));
	for (i = 0; i < N; i += 2) {
		T_EQ(0,
		     gntdev_slots_reserve(&s, count[i], &owners[i], &index[i]));
	}
	T_ASSERT(gntdev_slots_valid(&s));
	for (i = 0; i < N; i++) {
		T_PTR_EQ(&owners[i], gntdev_slots_lookup(&s, index[i]));
		T_PTR_EQ(&owners[i],
			 gntdev_slots_lookup(&s, index[i] + count[i] - 1));
	}
	t_teardown(&s);
}

static const struct t_case cases[] = {
	T_CASE(test_empty),
	T_CASE(test_first_map_at_zero),
	T_CASE(test_reserve_einval),
	T_CASE(test_next_fit_cursor),
	T_CASE(test_unreserve),
	T_CASE(test_wrap_around),
	T_CASE(test_exact_hole_reuse),
	T_CASE(test_word_boundaries),
	T_CASE(test_growth),
	T_CASE(test_enomem),
	T_CASE(test_enospc),
	T_CASE(test_release_validation),
	T_CASE(test_lookup),
	T_CASE(test_set_max),
	T_CASE(test_max_counts_held),
	T_CASE(test_hold),
	T_CASE(test_destroy_reuse),
	T_CASE(test_valid_detects_damage),
	T_CASE(test_many_maps),
};

int main(int argc, char **argv)
{
	return t_run("test-slots: the slot table", cases, T_ARRAY_SIZE(cases),
		     argc > 1 ? argv[1] : NULL);
}
