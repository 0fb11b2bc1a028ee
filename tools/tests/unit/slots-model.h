/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slots-model.h - the slot table's reference model and a test allocator
 *
 * One model of struct gntdev_slots, written from the contract in
 * gntdev-core.h and not from gntdev-core.c, for the tests that drive the
 * table at random and compare it with the model after every step: the
 * random unit test (test-slots-random.c) and the libFuzzer harness
 * (../fuzz/fuzz-core.c). The model keeps an owner id per slot (0: free)
 * and applies the next-fit rule literally: the first start from the
 * cursor to the end, then from 0, with enough free slots; else grow.
 *
 * The allocator is the one every slot-table test gives gntdev_slots_init():
 * it counts calls, frees and live blocks, and fails on request (a call
 * number, the next few calls, every call, any request over a size), so
 * -ENOMEM can be predicted by the model and checked against the table.
 */
#ifndef SLOTS_MODEL_H
#define SLOTS_MODEL_H

#include "gntdev-core.h"

/* The largest table a model holds (16 KiB / 8.125 bytes a slot). */
#define SLOTS_MODEL_CAP (1U << 11)

/*
 * The model's loops over every slot need no coverage feedback, and
 * tracing their compares costs libFuzzer most of its time.
 */
#if defined(__clang__)
#define SLOTS_NOCOV __attribute__((no_sanitize("coverage")))
#else
#define SLOTS_NOCOV
#endif

struct slots_alloc {
	size_t limit; /* fail any larger request */
	long fail_call; /* fail the call with this number; 0: never */
	unsigned int fail_next; /* fail this many calls from now */
	bool fail_all; /* fail every call while set */
	long calls; /* zalloc calls */
	long frees; /* free calls */
	long live; /* blocks not yet freed */
	size_t last_size; /* size of the most recent request */
};

/* Clears @a's counters and failures; requests up to @limit succeed. */
void slots_alloc_init(struct slots_alloc *a, size_t limit);
/* Whether the next request of @size bytes will succeed. */
bool slots_alloc_would_succeed(const struct slots_alloc *a, size_t size);
/* The struct gntdev_slot_alloc callbacks; @ctx is a struct slots_alloc. */
void *slots_alloc_zalloc(size_t size, void *ctx);
void slots_alloc_free(void *ptr, void *ctx);
/* A struct gntdev_slot_alloc's initializer for the allocator @mem. */
#define SLOTS_ALLOC_OPS(mem)                                            \
	{                                                               \
		.zalloc = slots_alloc_zalloc, .free = slots_alloc_free, \
		.ctx = (mem),                                           \
	}

/* A driver-like map: what struct gntdev_map keeps for the slot table. */
struct slots_map {
	u32 index;
	u32 count;
	bool live;
};

struct slots_model {
	u16 owner[SLOTS_MODEL_CAP]; /* owner id, 0: free */
	u32 run[SLOTS_MODEL_CAP + 1]; /* free slots from i on (scratch) */
	u32 capacity;
	u32 max;
	u32 space;
	u32 cursor;
	u32 in_use;
	u32 held; /* grants held outside the table (dma-buf) */
	long allocs; /* allocations the table should have asked for */
	const struct slots_alloc *mem; /* the table's, to predict -ENOMEM */
};

/* An empty table of at most @limit slots, as gntdev_slots_init(). */
void slots_model_init(struct slots_model *m, u32 limit,
		      const struct slots_alloc *mem);
/* What gntdev_slots_reserve() must do for owner @id (0: NULL). */
int slots_model_reserve(struct slots_model *m, u32 count, unsigned int id,
			u32 *index);
/* Whether @id owns every slot of the range, so that release succeeds. */
bool slots_model_owns(const struct slots_model *m, u32 index, u32 count,
		      unsigned int id);
/* What gntdev_slots_release() must do. */
int slots_model_release(struct slots_model *m, u32 index, u32 count,
			unsigned int id);
/* The owner id gntdev_slots_lookup() must find, 0 for none. */
unsigned int slots_model_lookup(const struct slots_model *m, u32 index);
/* What gntdev_slots_set_max() must do. */
int slots_model_set_max(struct slots_model *m, u32 max);
/* What gntdev_slots_hold() and gntdev_slots_unhold() must do. */
int slots_model_hold(struct slots_model *m, u32 count);
int slots_model_unhold(struct slots_model *m, u32 count);

/* Where a table and its model part: the first difference found. */
struct slots_diff {
	const char *what;
	u32 slot; /* for an owner */
	long long want; /* the model's */
	long long got; /* the table's */
};

/*
 * Whether @s differs from @m in its counters or, given @owners (the owner
 * pointer of each of the @nowners ids, NULL first), in gntdev_slots_valid()
 * or the owner of any slot. Fills @d when it does.
 */
bool slots_model_differs(const struct slots_model *m,
			 const struct gntdev_slots *s,
			 const void *const *owners, unsigned int nowners,
			 struct slots_diff *d);

#endif /* SLOTS_MODEL_H */
