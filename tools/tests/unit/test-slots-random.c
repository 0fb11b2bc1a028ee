// SPDX-License-Identifier: GPL-2.0
/*
 * test-slots-random.c - the slot table against a naive reference model
 *
 * Runs a seeded random mix of reserve, release (valid, partial and
 * invalid), lookup, set_max and destroy operations on a struct gntdev_slots
 * and on a byte-per-slot model that applies the next-fit rule of
 * gntdev-core.h literally (try every start in order from the cursor).
 * Every result, index, error and counter must agree, allocation failures
 * are injected at random, and the invariants and the whole owner array are
 * compared regularly.
 *
 * Usage: test-slots-random [SEED [OPS]]; SEED defaults to $T_SEED or the
 * clock and is printed first, so any failure can be replayed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gntdev-core.h"
#include "t-harness.h"

#define T_MAX_CAP 300 /* the largest cap used; not a multiple of 64 */
#define T_MAPS 512 /* more than T_MAX_CAP maps of one slot */
#define T_OPS 1000000

/* ------------------------------------------------------------------------
 * Random numbers (splitmix64) and failure reports
 */

static u64 t_rng;
static unsigned long long t_seed;
static long t_op;

static u64 t_rand(void)
{
	u64 z = (t_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 t_below(u32 n)
{
	return (u32)(t_rand() % n);
}

static void __attribute__((noreturn))
t_fail_op(int line, const char *what, long long want, long long got)
{
	t_fail(__FILE__, line, "seed %llu op %ld: %s: expected %lld got %lld",
	       t_seed, t_op, what, want, got);
}
#define CHECK(what, want, got)                                       \
	do {                                                         \
		if ((long long)(want) != (long long)(got))           \
			t_fail_op(__LINE__, what, (long long)(want), \
				  (long long)(got));                 \
	} while (0)

/* ------------------------------------------------------------------------
 * Allocator with failure injection
 */

struct t_alloc {
	long calls;
	long live;
	bool fail; /* fail every call while set */
};

static void *t_zalloc(size_t size, void *ctx)
{
	struct t_alloc *a = ctx;
	void *p;

	a->calls++;
	if (a->fail)
		return NULL;
	p = calloc(1, size);
	if (p)
		a->live++;
	return p;
}

static void t_free(void *ptr, void *ctx)
{
	struct t_alloc *a = ctx;

	a->live--;
	free(ptr);
}

static struct t_alloc t_mem;
static const struct gntdev_slot_alloc t_alloc_ops = {
	.zalloc = t_zalloc,
	.free = t_free,
	.ctx = &t_mem,
};

/* ------------------------------------------------------------------------
 * Maps (the owners) and the reference model
 */

struct t_map {
	u32 index;
	u32 count;
	bool live;
};

static struct t_map t_maps[T_MAPS];
static int t_live[T_MAPS]; /* ids of live maps, in no order */
static int t_nlive;

struct t_model {
	int owner[T_MAX_CAP]; /* map id, or -1 if free */
	u32 capacity;
	u32 max;
	u32 space;
	u32 cursor;
	u32 in_use;
};

static struct t_model t_m;

static void t_model_init(u32 limit)
{
	u32 i;

	for (i = 0; i < T_MAX_CAP; i++)
		t_m.owner[i] = -1;
	t_m.capacity = 0;
	t_m.max = limit;
	t_m.space = limit;
	t_m.cursor = 0;
	t_m.in_use = 0;
}

static bool t_model_free_run(u32 start, u32 count)
{
	u32 i;

	if ((u64)start + count > t_m.capacity)
		return false;
	for (i = start; i < start + count; i++) {
		if (t_m.owner[i] >= 0)
			return false;
	}
	return true;
}

/* Expected result of reserve; sets *grow if the table must grow. */
static int t_model_reserve(u32 count, bool has_owner, bool fail_alloc,
			   u32 *index, bool *grow)
{
	u64 cap;
	u32 tail = 0;
	u32 k, start, i;

	*grow = false;
	if (!count || !has_owner)
		return -EINVAL;
	if ((u64)t_m.in_use + count > t_m.max)
		return -ENOSPC;
	for (k = 0; k < t_m.capacity; k++) {
		start = (t_m.cursor + k) % t_m.capacity;
		if (t_model_free_run(start, count)) {
			*index = start;
			return 0;
		}
	}
	for (i = 0; i < t_m.capacity; i++) {
		if (t_m.owner[i] >= 0)
			tail = i + 1;
	}
	if ((u64)tail + count > t_m.space)
		return -ENOSPC;
	*grow = true;
	if (fail_alloc)
		return -ENOMEM;
	cap = (u64)t_m.capacity * 2;
	if (cap < (u64)tail + count)
		cap = (u64)tail + count;
	if (cap < GNTDEV_SLOTS_MIN_CAPACITY)
		cap = GNTDEV_SLOTS_MIN_CAPACITY;
	if (cap > t_m.space)
		cap = t_m.space;
	t_m.capacity = (u32)cap;
	*index = tail;
	return 0;
}

static void t_model_mark(u32 index, u32 count, int id)
{
	u32 i;

	for (i = index; i < index + count; i++)
		t_m.owner[i] = id;
}

/* Whether releasing the range would succeed. */
static bool t_model_owns(u32 index, u32 count, int id)
{
	u32 i;

	if (!count || id < 0 || index >= t_m.capacity ||
	    count > t_m.capacity - index)
		return false;
	for (i = index; i < index + count; i++) {
		if (t_m.owner[i] != id)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Operations
 */

static struct gntdev_slots t_s;

struct t_stats {
	long reserve_ok, enospc, enomem, einval;
	long release_ok, release_bad, lookups, growths, resets;
};

static struct t_stats t_st;

static void t_compare_counters(void)
{
	CHECK("capacity", t_m.capacity, t_s.capacity);
	CHECK("max", t_m.max, t_s.max);
	CHECK("space", t_m.space, t_s.space);
	CHECK("cursor", t_m.cursor, t_s.cursor);
	CHECK("in_use", t_m.in_use, t_s.in_use);
}

static void t_compare_all(void)
{
	u32 i;
	int id;

	CHECK("gntdev_slots_valid", 1, gntdev_slots_valid(&t_s));
	t_compare_counters();
	for (i = 0; i < T_MAX_CAP + 70; i++) {
		id = i < T_MAX_CAP ? t_m.owner[i] : -1;
		if (gntdev_slots_lookup(&t_s, i) !=
		    (id < 0 ? NULL : (void *)&t_maps[id]))
			t_fail_op(__LINE__, "owner of slot", id, (long long)i);
	}
}

static u32 t_random_count(void)
{
	u32 r = t_below(1000);

	if (r < 5)
		return 0;
	if (r < 8)
		return UINT32_MAX - t_below(3);
	if (r < 60)
		return 1 + t_below(T_MAX_CAP);
	if (r < 250)
		return 1 + t_below(32);
	return 1 + t_below(6);
}

static void t_op_reserve(void)
{
	u32 count = t_random_count();
	bool has_owner = t_below(100) != 0;
	bool grow = false;
	u32 want = 0, got = 0xdeadbeef;
	long calls = t_mem.calls;
	int id = -1, i, err, expect;

	for (i = 0; i < T_MAPS; i++) {
		if (!t_maps[i].live) {
			id = i;
			break;
		}
	}
	if (id < 0)
		return;
	t_mem.fail = t_below(4) == 0;
	expect = t_model_reserve(count, has_owner, t_mem.fail, &want, &grow);
	err = gntdev_slots_reserve(&t_s, count, has_owner ? &t_maps[id] : NULL,
				   &got);
	t_mem.fail = false;
	CHECK("reserve error", expect, err);
	CHECK("allocations", grow ? 1 : 0, t_mem.calls - calls);
	if (grow)
		t_st.growths++;
	switch (err) {
	case 0:
		break;
	case -ENOSPC:
		t_st.enospc++;
		return;
	case -ENOMEM:
		t_st.enomem++;
		return;
	default:
		t_st.einval++;
		return;
	}
	CHECK("reserve index", want, got);
	t_model_mark(got, count, id);
	t_m.in_use += count;
	t_m.cursor = got + count;
	t_maps[id] =
		(struct t_map){ .index = got, .count = count, .live = true };
	t_live[t_nlive++] = id;
	t_st.reserve_ok++;
}

static void t_forget(int k)
{
	t_maps[t_live[k]].live = false;
	t_live[k] = t_live[--t_nlive];
}

/* Release a whole map, or its first or last few slots. */
static void t_op_release(void)
{
	int k = t_below(t_nlive);
	int id = t_live[k];
	struct t_map *map = &t_maps[id];
	u32 index = map->index;
	u32 count = map->count;
	u32 part = t_below(4) ? 0 : t_below(count);

	if (part) {
		count = part;
		if (t_below(2))
			index += map->count - part;
	}
	CHECK("release", 0, gntdev_slots_release(&t_s, index, count, map));
	t_model_mark(index, count, -1);
	t_m.in_use -= count;
	if (count == map->count)
		t_forget(k);
	else if (index == map->index)
		map->index += count;
	map->count -= count;
	t_st.release_ok++;
}

/* A release that must fail: nothing may change. */
static void t_op_release_bad(void)
{
	int id = t_nlive ? t_live[t_below(t_nlive)] : (int)t_below(T_MAPS);
	u32 index = t_maps[id].index + t_below(5) - 2;
	u32 count = t_maps[id].count + t_below(5) - 2;

	switch (t_below(6)) {
	case 0:
		id = -1; /* no owner */
		break;
	case 1:
		id = t_below(T_MAPS); /* maybe another map, maybe no map */
		break;
	case 2:
		index = t_below(T_MAX_CAP + 10);
		break;
	case 3:
		count = UINT32_MAX - t_below(4);
		break;
	default:
		break;
	}
	if (t_model_owns(index, count, id))
		return;
	CHECK("bad release", -EINVAL,
	      gntdev_slots_release(&t_s, index, count,
				   id < 0 ? NULL : &t_maps[id]));
	t_st.release_bad++;
}

static void t_op_lookup(void)
{
	u32 i = t_below(2) ? t_below(T_MAX_CAP + 70) : UINT32_MAX - t_below(3);
	int id = i < T_MAX_CAP ? t_m.owner[i] : -1;

	if (gntdev_slots_lookup(&t_s, i) !=
	    (id < 0 ? NULL : (void *)&t_maps[id]))
		t_fail_op(__LINE__, "lookup", id, (long long)i);
	t_st.lookups++;
}

static void t_op_set_max(void)
{
	u32 max = t_below(T_MAX_CAP + 1);

	if (max == 0) {
		CHECK("set_max(0)", -EINVAL, gntdev_slots_set_max(&t_s, 0));
		return;
	}
	CHECK("set_max", 0, gntdev_slots_set_max(&t_s, max));
	t_m.max = max < t_m.space ? max : t_m.space;
}

/* Start over: release everything (or just forget it) and destroy. */
static void t_op_reset(void)
{
	u32 max = 1 + t_below(T_MAX_CAP);

	while (t_nlive) {
		if (t_below(2)) {
			struct t_map *map = &t_maps[t_live[0]];

			CHECK("release on reset", 0,
			      gntdev_slots_release(&t_s, map->index, map->count,
						   map));
		}
		t_forget(0);
	}
	gntdev_slots_destroy(&t_s);
	CHECK("memory after destroy", 0, t_mem.live);
	gntdev_slots_init(&t_s, max, &t_alloc_ops);
	t_model_init(max);
	t_st.resets++;
}

static long t_ops = T_OPS;

static void test_random_ops(void)
{
	u32 r;

	printf("# seed %llu, %ld operations (replay: test-slots-random SEED OPS)\n",
	       t_seed, t_ops);
	t_rng = t_seed;
	gntdev_slots_init(&t_s, T_MAX_CAP, &t_alloc_ops);
	t_model_init(T_MAX_CAP);
	for (t_op = 0; t_op < t_ops; t_op++) {
		r = t_below(1000);
		if (r < 470)
			t_op_reserve();
		else if (r < 900 && t_nlive)
			t_op_release();
		else if (r < 930)
			t_op_release_bad();
		else if (r < 980)
			t_op_lookup();
		else if (r < 999)
			t_op_set_max();
		else if (t_below(2))
			t_op_reset();
		t_compare_counters();
		if (t_op % 64 == 0)
			t_compare_all();
	}
	t_compare_all();
	t_op_reset();
	gntdev_slots_destroy(&t_s);
	CHECK("memory at exit", 0, t_mem.live);

	printf("# reserve: %ld ok, %ld ENOSPC, %ld ENOMEM, %ld EINVAL, %ld grew\n",
	       t_st.reserve_ok, t_st.enospc, t_st.enomem, t_st.einval,
	       t_st.growths);
	printf("# release: %ld ok, %ld rejected; %ld lookups, %ld resets\n",
	       t_st.release_ok, t_st.release_bad, t_st.lookups, t_st.resets);
}

static const struct t_case cases[] = {
	T_CASE(test_random_ops),
};

int main(int argc, char **argv)
{
	const char *env = getenv("T_SEED");

	if (argc > 1)
		t_seed = strtoull(argv[1], NULL, 0);
	else if (env)
		t_seed = strtoull(env, NULL, 0);
	else
		t_seed = (unsigned long long)time(NULL) ^ (u64)getpid() << 32;
	if (argc > 2)
		t_ops = strtol(argv[2], NULL, 0);
	return t_run("test-slots-random: the slot table against a model", cases,
		     T_ARRAY_SIZE(cases), NULL);
}
