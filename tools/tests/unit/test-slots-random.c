// SPDX-License-Identifier: GPL-2.0
/*
 * test-slots-random.c - the slot table against a naive reference model
 *
 * Runs a seeded random mix of reserve, release (valid, partial and
 * invalid), lookup, set_max and destroy operations on a struct gntdev_slots
 * and on the reference model of slots-model.c (shared with the fuzzer),
 * which applies the next-fit rule of gntdev-core.h literally.
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
#include "slots-model.h"
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
 * Allocator with failure injection (slots-model.c)
 */

static struct slots_alloc t_mem;
static const struct gntdev_slot_alloc t_alloc = SLOTS_ALLOC_OPS(&t_mem);

/* ------------------------------------------------------------------------
 * Maps (the owners) and the reference model
 */

static struct slots_map t_maps[T_MAPS];
static int t_live[T_MAPS]; /* ids of live maps, in no order */
static int t_nlive;

/* The model (slots-model.c) knows map t_maps[i] as owner id i + 1. */
static struct slots_model t_m;
static const void *t_owners[1 + T_MAPS];

static void *t_owner(int id)
{
	return id < 0 ? NULL : &t_maps[id];
}

static unsigned int t_id_of(const void *owner)
{
	return owner ? (unsigned int)((const struct slots_map *)owner -
				      t_maps) +
			       1 :
		       0;
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

/* The counters, or everything: invariants, owners, lookups past the end. */
static void t_compare(bool all)
{
	struct slots_diff d;
	u32 i;

	if (slots_model_differs(&t_m, &t_s, all ? t_owners : NULL,
				T_ARRAY_SIZE(t_owners), &d))
		t_fail_op(__LINE__, d.what, d.want, d.got);
	for (i = 0; all && i < T_MAX_CAP + 70; i++) {
		if (t_id_of(gntdev_slots_lookup(&t_s, i)) !=
		    slots_model_lookup(&t_m, i))
			t_fail_op(__LINE__, "owner of slot",
				  slots_model_lookup(&t_m, i), (long long)i);
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
	u32 want = 0, got = 0xdeadbeef;
	long calls = t_mem.calls, allocs = t_m.allocs;
	int id = -1, i, err, expect;

	for (i = 0; i < T_MAPS; i++) {
		if (!t_maps[i].live) {
			id = i;
			break;
		}
	}
	if (id < 0)
		return;
	t_mem.fail_all = t_below(4) == 0;
	expect =
		slots_model_reserve(&t_m, count, has_owner ? id + 1 : 0, &want);
	err = gntdev_slots_reserve(&t_s, count, has_owner ? &t_maps[id] : NULL,
				   &got);
	t_mem.fail_all = false;
	CHECK("reserve error", expect, err);
	CHECK("allocations", t_m.allocs - allocs, t_mem.calls - calls);
	if (t_m.allocs != allocs)
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
	t_maps[id] = (struct slots_map){ .index = got,
					 .count = count,
					 .live = true };
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
	struct slots_map *map = &t_maps[id];
	u32 index = map->index;
	u32 count = map->count;
	u32 part = t_below(4) ? 0 : t_below(count);

	if (part) {
		count = part;
		if (t_below(2))
			index += map->count - part;
	}
	CHECK("release", 0, gntdev_slots_release(&t_s, index, count, map));
	CHECK("model release", 0,
	      slots_model_release(&t_m, index, count, id + 1));
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
	if (slots_model_owns(&t_m, index, count, id + 1))
		return;
	CHECK("bad release", -EINVAL,
	      gntdev_slots_release(&t_s, index, count, t_owner(id)));
	t_st.release_bad++;
}

static void t_op_lookup(void)
{
	u32 i = t_below(2) ? t_below(T_MAX_CAP + 70) : UINT32_MAX - t_below(3);
	unsigned int id = slots_model_lookup(&t_m, i);

	if (t_id_of(gntdev_slots_lookup(&t_s, i)) != id)
		t_fail_op(__LINE__, "lookup", id, (long long)i);
	t_st.lookups++;
}

static void t_op_set_max(void)
{
	u32 max = t_below(T_MAX_CAP + 1);

	CHECK(max ? "set_max" : "set_max(0)", slots_model_set_max(&t_m, max),
	      gntdev_slots_set_max(&t_s, max));
}

/* Start over: release everything (or just forget it) and destroy. */
static void t_op_reset(void)
{
	u32 max = 1 + t_below(T_MAX_CAP);

	while (t_nlive) {
		if (t_below(2)) {
			struct slots_map *map = &t_maps[t_live[0]];

			CHECK("release on reset", 0,
			      gntdev_slots_release(&t_s, map->index, map->count,
						   map));
		}
		t_forget(0);
	}
	gntdev_slots_destroy(&t_s);
	CHECK("memory after destroy", 0, t_mem.live);
	gntdev_slots_init(&t_s, max, &t_alloc);
	slots_model_init(&t_m, max, &t_mem);
	t_st.resets++;
}

static long t_ops = T_OPS;

static void test_random_ops(void)
{
	u32 r;
	int id;

	for (id = 0; id < T_MAPS; id++)
		t_owners[id + 1] = &t_maps[id];
	printf("# seed %llu, %ld operations (replay: test-slots-random SEED OPS)\n",
	       t_seed, t_ops);
	t_rng = t_seed;
	slots_alloc_init(&t_mem, SIZE_MAX);
	gntdev_slots_init(&t_s, T_MAX_CAP, &t_alloc);
	slots_model_init(&t_m, T_MAX_CAP, &t_mem);
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
		t_compare(t_op % 64 == 0);
	}
	t_compare(true);
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
