// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-core.c - libFuzzer target for the driver's pure core
 *
 * The input is decoded as a program: a short header (allocator budget,
 * the table's first cap) then a sequence of operations on one struct
 * gntdev_slots, each an opcode byte followed by its arguments:
 *
 *  - raw slot-table calls (reserve, release, lookup, set_max, hold,
 *    unhold, destroy) with arbitrary counts, owners (including NULL) and
 *    indexes;
 *  - allocation failures, injected for the next calls or by budget;
 *  - the driver's own compositions, as gntdev-main.c strings them
 *    together: MAP (reserve a map's slots), UNMAP (offset to index,
 *    lookup, check, release), mmap and unmap-notify lookups;
 *  - every argument check with arbitrary values;
 *  - the module-wide counter (gntdev_total_can_add) as a running total.
 *
 * The reference model of ../unit/slots-model.c (the random unit test's
 * too), written from the contract in gntdev-core.h and not from
 * gntdev-core.c, predicts every result: return value, chosen index,
 * capacity, cursor, counters and the owner of every slot.  After each
 * operation gntdev_slots_valid() must hold and the table must agree with
 * the model slot for slot.  The argument checks are compared with
 * references computed in 128-bit arithmetic, where nothing overflows.
 * Any disagreement aborts, so libFuzzer saves the input as a crash.
 *
 * Build: see the Makefile (clang -fsanitize=fuzzer,address,undefined).
 * Replay one input: ./fuzz-core FILE; decode it: FUZZ_CORE_TRACE=1
 * ./fuzz-core FILE prints every operation and its result.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gntdev-core.h"
#include "slots-model.h"

/* Raw owners (tokens) and driver-like maps: owner ids share one space. */
#define FZ_RAW_OWNERS 8
#define FZ_MAPS 24
/* Operations per input; longer inputs are cut, so runs stay fast. */
#define FZ_MAX_OPS 512

typedef uint8_t u8;
typedef unsigned __int128 u128;

#define U32_MAX 0xffffffffU

/* ------------------------------------------------------------------------
 * Failure reports
 */

static bool fz_trace;
static unsigned int fz_opno;

#define FZ_TRACE(...)                                 \
	do {                                          \
		if (fz_trace)                         \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

static void __attribute__((noreturn))
fz_fail(int line, const char *what, unsigned long long want,
	unsigned long long got)
{
	fprintf(stderr,
		"fuzz-core.c:%d: op %u: %s: model says %lld (%#llx), core says %lld (%#llx)\n",
		line, fz_opno, what, (long long)want, want, (long long)got,
		got);
	abort();
}

#define FZ_EQ(what, want, got)                                      \
	do {                                                        \
		unsigned long long w_ = (unsigned long long)(want); \
		unsigned long long g_ = (unsigned long long)(got);  \
		if (w_ != g_)                                       \
			fz_fail(__LINE__, what, w_, g_);            \
	} while (0)

/* ------------------------------------------------------------------------
 * Input decoding: reads past the end give zeros and stop the program.
 */

struct fz_input {
	const uint8_t *p;
	size_t left;
	bool ended;
};

static u64 fz_bytes(struct fz_input *in, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		} else {
			in->ended = true;
		}
	}
	return v;
}

static u8 fz_u8(struct fz_input *in)
{
	return (u8)fz_bytes(in, 1);
}

/*
 * A 32-bit number shaped by a selector byte, so that small values and the
 * edges (0, U32_MAX, values near @near) come up often, while any value is
 * still reachable.
 */
static u32 fz_num32(struct fz_input *in, u32 near)
{
	u8 sel = fz_u8(in);
	u32 small = sel >> 3;

	switch (sel & 7) {
	case 0:
	case 1:
		return small; /* 0..31 */
	case 2:
		return (u32)fz_bytes(in, 2);
	case 3:
		return (u32)fz_bytes(in, 4);
	case 4:
		return U32_MAX - small;
	case 5:
		return near + small;
	case 6:
		return near - small;
	default:
		return 1U << (small & 31);
	}
}

/* The same for 64-bit numbers: byte offsets, addresses, totals. */
static u64 fz_num64(struct fz_input *in, u64 near)
{
	u8 sel = fz_u8(in);
	u64 small = sel >> 3;

	switch (sel & 7) {
	case 0:
		return small;
	case 1:
		return (u64)fz_num32(in, (u32)near);
	case 2:
		return fz_bytes(in, 8);
	case 3:
		return ~0ULL - small;
	case 4:
		return near + small;
	case 5:
		return near - small;
	case 6:
		return (u64)small << 44 | (near & 0xfff);
	default:
		return 1ULL << (small & 63);
	}
}

/* ------------------------------------------------------------------------
 * Allocator: a byte budget per allocation (its limit) and injected
 * failures (slots-model.c)
 */

static struct slots_alloc fz_mem;
static const struct gntdev_slot_alloc fz_alloc = SLOTS_ALLOC_OPS(&fz_mem);

/* ------------------------------------------------------------------------
 * Owners
 */

static char fz_tokens[FZ_RAW_OWNERS];
static struct slots_map fz_maps[FZ_MAPS];

/* Owner id 0 is NULL, 1..FZ_RAW_OWNERS tokens, then the maps. */
#define FZ_ID_MAP0 (1 + FZ_RAW_OWNERS)
#define FZ_IDS (FZ_ID_MAP0 + FZ_MAPS)

static void *fz_owner_ptr(unsigned int id)
{
	if (!id)
		return NULL;
	if (id < FZ_ID_MAP0)
		return &fz_tokens[id - 1];
	return &fz_maps[id - FZ_ID_MAP0];
}

static unsigned int fz_owner_id(const void *p)
{
	const char *c = p;
	const struct slots_map *m = p;

	if (!p)
		return 0;
	if (c >= fz_tokens && c < fz_tokens + FZ_RAW_OWNERS)
		return 1 + (unsigned int)(c - fz_tokens);
	if (m >= fz_maps && m < fz_maps + FZ_MAPS)
		return FZ_ID_MAP0 + (unsigned int)(m - fz_maps);
	fz_fail(__LINE__, "lookup returned a pointer that is no owner", 0,
		(uintptr_t)p);
}

/* ------------------------------------------------------------------------
 * The model (slots-model.c), and its own copies of the maps' records
 */

static struct slots_model fz_m;
static struct slots_map fz_mmaps[FZ_MAPS];
/* The owner pointer of each id, for the comparison. */
static const void *fz_owners[FZ_IDS];

static void fz_model_reset(u32 limit)
{
	unsigned int id;

	for (id = 0; id < FZ_IDS; id++)
		fz_owners[id] = fz_owner_ptr(id);
	slots_model_init(&fz_m, limit, &fz_mem);
	memset(fz_mmaps, 0, sizeof(fz_mmaps));
}

/* ------------------------------------------------------------------------
 * The table under test, compared with the model after every operation
 */

static struct gntdev_slots fz_s;

static void fz_compare(void)
{
	struct slots_diff d;

	if (slots_model_differs(&fz_m, &fz_s, fz_owners, FZ_IDS, &d)) {
		FZ_TRACE("  differs at slot %u\n", d.slot);
		fz_fail(__LINE__, d.what, d.want, d.got);
	}
	/* Invariant 5 of the header, directly. */
	if (fz_s.capacity > SLOTS_MODEL_CAP)
		fz_fail(__LINE__, "capacity beyond every budget",
			SLOTS_MODEL_CAP, fz_s.capacity);
}

/* An owner id for raw calls: NULL or a token, never a driver-like map. */
static unsigned int fz_raw_id(struct fz_input *in)
{
	return fz_u8(in) % (1 + FZ_RAW_OWNERS);
}

static void fz_op_reserve(struct fz_input *in)
{
	unsigned int id = fz_raw_id(in);
	u32 count = fz_num32(in, fz_m.max - fz_m.in_use);
	u32 want_idx = 0, got_idx = 0xdeadbeef;
	int want, got;

	want = slots_model_reserve(&fz_m, count, id, &want_idx);
	got = gntdev_slots_reserve(&fz_s, count, fz_owner_ptr(id), &got_idx);
	FZ_TRACE("  reserve(count=%u, owner=%u) = %d index %u\n", count, id,
		 got, got_idx);
	FZ_EQ("reserve: result", want, got);
	if (!got)
		FZ_EQ("reserve: index", want_idx, got_idx);
	else
		FZ_EQ("reserve: index untouched on failure", 0xdeadbeef,
		      got_idx);
}

static void fz_op_release(struct fz_input *in)
{
	unsigned int id = fz_raw_id(in);
	u32 index = fz_num32(in, fz_s.cursor);
	u32 count = fz_num32(in, fz_m.capacity - index);
	int want, got;

	want = slots_model_release(&fz_m, index, count, id);
	got = gntdev_slots_release(&fz_s, index, count, fz_owner_ptr(id));
	FZ_TRACE("  release(%u+%u, owner=%u) = %d\n", index, count, id, got);
	FZ_EQ("release: result", want, got);
}

static void fz_op_lookup(struct fz_input *in)
{
	u32 index = fz_num32(in, fz_m.capacity);
	unsigned int got = fz_owner_id(gntdev_slots_lookup(&fz_s, index));

	FZ_TRACE("  lookup(%u) = %u\n", index, got);
	FZ_EQ("lookup", slots_model_lookup(&fz_m, index), got);
}

static void fz_op_set_max(struct fz_input *in)
{
	u32 max = fz_num32(in, fz_m.in_use);
	int want = slots_model_set_max(&fz_m, max);
	int got = gntdev_slots_set_max(&fz_s, max);

	FZ_TRACE("  set_max(%u) = %d\n", max, got);
	FZ_EQ("set_max", want, got);
}

/* A dma-buf export or import counted against the cap, or its release. */
static void fz_op_hold(struct fz_input *in)
{
	bool unhold = fz_u8(in) & 1;
	u32 count = fz_num32(in, unhold ? fz_m.held : fz_m.max - fz_m.in_use);
	int want, got;

	if (unhold) {
		want = slots_model_unhold(&fz_m, count);
		got = gntdev_slots_unhold(&fz_s, count);
	} else {
		want = slots_model_hold(&fz_m, count);
		got = gntdev_slots_hold(&fz_s, count);
	}
	FZ_TRACE("  %s(%u) = %d\n", unhold ? "unhold" : "hold", count, got);
	FZ_EQ("hold/unhold", want, got);
}

static void fz_op_destroy(void)
{
	gntdev_slots_destroy(&fz_s);
	FZ_TRACE("  destroy()\n");
	FZ_EQ("allocations left after destroy", 0, fz_mem.live);
	fz_model_reset(fz_m.space);
	memset(fz_maps, 0, sizeof(fz_maps));
}

static void fz_op_inject(struct fz_input *in)
{
	u8 v = fz_u8(in);

	/* Low bits: fail the next 0..3 calls; bit 2: fail all; else stop. */
	fz_mem.fail_next = v & 3;
	fz_mem.fail_all = v & 4;
	FZ_TRACE("  inject(fail_next=%u, fail_all=%d)\n", fz_mem.fail_next,
		 fz_mem.fail_all);
}

/* ------------------------------------------------------------------------
 * Driver-like compositions (gntdev-main.c / gntdev-map.c)
 */

/* IOCTL_GNTDEV_MAP_GRANT_REF: the map's refs, then its slots. */
static void fz_op_map(struct fz_input *in, u32 limit)
{
	unsigned int k = fz_u8(in) % FZ_MAPS;
	u32 count = fz_num32(in, limit);
	u32 want_idx = 0, got_idx = 0;
	size_t size;
	int want, got;

	if (fz_maps[k].live)
		return; /* a map is in one table at most once */
	got = gntdev_check_map_count(count, limit);
	FZ_EQ("map: check_map_count", !count || count > limit ? -EINVAL : 0,
	      got);
	if (got)
		return;
	/* The refs array must be sizeable for any count the limit lets in. */
	FZ_EQ("map: request size", 0, gntdev_map_request_size(count, &size));
	FZ_EQ("map: request size value", 16 + (u64)count * 8, size);

	want = slots_model_reserve(&fz_m, count, FZ_ID_MAP0 + k, &want_idx);
	got = gntdev_slots_reserve(&fz_s, count, &fz_maps[k], &got_idx);
	FZ_TRACE("  MAP map%u count=%u = %d index %u\n", k, count, got,
		 got_idx);
	FZ_EQ("map: result", want, got);
	if (got)
		return;
	FZ_EQ("map: index", want_idx, got_idx);
	fz_maps[k] = (struct slots_map){ got_idx, count, true };
	fz_mmaps[k] = (struct slots_map){ want_idx, count, true };
	/* The offset returned to user space, computed in 64 bits. */
	FZ_EQ("map: offset", (u64)want_idx * 4096,
	      gntdev_index_to_offset(got_idx));
}

/* A byte offset near one of the live maps (or anywhere). */
static u64 fz_map_offset(struct fz_input *in)
{
	unsigned int k = fz_u8(in) % FZ_MAPS;
	u64 base = (u64)fz_mmaps[k].index * 4096;

	return fz_num64(in, base);
}

/* Model: the live map whose first slot is @index, or -1. */
static int fz_model_map_at(u32 index)
{
	int k;

	for (k = 0; k < FZ_MAPS; k++) {
		if (fz_mmaps[k].live && fz_mmaps[k].index == index)
			return k;
	}
	return -1;
}

/* Model: the live map holding slot @index, or -1. */
static int fz_model_map_holding(u64 index)
{
	int k;

	for (k = 0; k < FZ_MAPS; k++) {
		if (fz_mmaps[k].live && index >= fz_mmaps[k].index &&
		    index - fz_mmaps[k].index < fz_mmaps[k].count)
			return k;
	}
	return -1;
}

/* Core: the map behind a slot, as the driver finds it, or NULL. */
static struct slots_map *fz_core_map(u32 index)
{
	unsigned int id = fz_owner_id(gntdev_slots_lookup(&fz_s, index));

	return id >= FZ_ID_MAP0 ? &fz_maps[id - FZ_ID_MAP0] : NULL;
}

/* IOCTL_GNTDEV_UNMAP_GRANT_REF, as gntdev_ioctl_unmap_grant_ref() does. */
static void fz_op_unmap(struct fz_input *in)
{
	u64 offset = fz_map_offset(in);
	u32 count = fz_num32(in, 0);
	struct slots_map *map;
	int want, got, k = -1;
	u32 index = 0;

	/* Model: only the exact first offset of a live map, right count. */
	if (offset % 4096 || offset / 4096 > U32_MAX) {
		want = -EINVAL;
	} else {
		k = fz_model_map_at((u32)(offset / 4096));
		want = k >= 0 && (!count || count == fz_mmaps[k].count) ?
			       0 :
			       -ENOENT;
	}

	got = gntdev_offset_to_index(offset, &index);
	if (!got) {
		FZ_EQ("unmap: index", offset / 4096, index);
		map = fz_core_map(index);
		if (!map ||
		    gntdev_check_unmap(index, count, map->index, map->count)) {
			got = -ENOENT;
		} else {
			/* gntdev_unlist() WARNs if this ever fails. */
			FZ_EQ("unmap: release of a found map", 0,
			      gntdev_slots_release(&fz_s, map->index,
						   map->count, map));
			map->live = false;
		}
	}
	FZ_TRACE("  UNMAP offset=%#llx count=%u = %d\n",
		 (unsigned long long)offset, count, got);
	FZ_EQ("unmap: result", want, got);
	if (!want) {
		FZ_EQ("unmap: model release", 0,
		      slots_model_release(&fz_m, fz_mmaps[k].index,
					  fz_mmaps[k].count, FZ_ID_MAP0 + k));
		fz_mmaps[k].live = false;
	}
}

/* mmap(): gntdev_mmap_claim()'s lookup and gntdev_check_mmap(). */
static void fz_op_mmap(struct fz_input *in)
{
	u64 pgoff = fz_map_offset(in) / 4096;
	u64 npages = fz_num64(in, 1);
	struct slots_map *map = NULL;
	int want = -EINVAL, got = -EINVAL, k;

	if (pgoff <= U32_MAX) {
		k = fz_model_map_at((u32)pgoff);
		if (k >= 0 && npages == fz_mmaps[k].count)
			want = 0;
		map = fz_core_map((u32)pgoff);
	}
	if (map)
		got = gntdev_check_mmap(pgoff, npages, map->index, map->count);
	FZ_TRACE("  mmap pgoff=%#llx npages=%llu = %d\n",
		 (unsigned long long)pgoff, (unsigned long long)npages, got);
	FZ_EQ("mmap: result", want, got);
}

/* IOCTL_GNTDEV_SET_UNMAP_NOTIFY's lookup and gntdev_check_notify(). */
static void fz_op_notify(struct fz_input *in)
{
	u64 offset = fz_map_offset(in);
	u32 action = fz_num32(in, 3);
	bool ro = fz_u8(in) & 1;
	struct slots_map *map = NULL;
	int want, got, k = -1;

	/* Model: any byte of a live map; clear-byte not on read-only. */
	if (action & ~3U)
		want = -EINVAL;
	else if ((k = fz_model_map_holding(offset / 4096)) < 0)
		want = -ENOENT;
	else if ((action & 1) && ro)
		want = -EINVAL;
	else
		want = 0;

	got = gntdev_check_notify_action(action);
	if (!got) {
		map = offset >> 12 > U32_MAX ? NULL :
					       fz_core_map((u32)(offset >> 12));
		if (!map)
			got = -ENOENT;
		else
			got = gntdev_check_notify(
				action,
				offset - gntdev_index_to_offset(map->index),
				map->count, ro);
	}
	FZ_TRACE("  notify offset=%#llx action=%#x ro=%d = %d\n",
		 (unsigned long long)offset, action, ro, got);
	FZ_EQ("notify: result", want, got);
}

/* ------------------------------------------------------------------------
 * Argument checks against 128-bit references
 */

static void fz_op_args(struct fz_input *in, u32 limit)
{
	u8 which = fz_u8(in);
	u32 a = fz_num32(in, limit), b = fz_num32(in, a);
	u64 x = fz_num64(in, a), y = fz_num64(in, x);
	u32 c = fz_num32(in, b), d = fz_num32(in, c);
	size_t size = 0x5a5a;
	u128 want128;
	u32 idx = 0x5a5a, m = 0x5a5a;
	int got;

	switch (which % 14) {
	case 0:
		FZ_EQ("check_map_count", !a || a > b ? -EINVAL : 0,
		      gntdev_check_map_count(a, b));
		break;
	case 1: /* any head and element size */
		want128 = (u128)x + (u128)a * (u128)(y & 0xffff);
		got = gntdev_array_size((size_t)x, a, (size_t)(y & 0xffff),
					&size);
		FZ_EQ("array_size", want128 > SIZE_MAX ? -EINVAL : 0, got);
		if (!got)
			FZ_EQ("array_size value", (u64)want128, size);
		break;
	case 2:
		got = gntdev_map_request_size(a, &size);
		FZ_EQ("map_request_size", 0, got); /* 16 + 8 * 2^32 fits */
		FZ_EQ("map_request_size value", 16 + 8 * (u64)a, size);
		got = gntdev_dmabuf_request_size(a, &size);
		FZ_EQ("dmabuf_request_size", 0, got);
		FZ_EQ("dmabuf_request_size value", 16 + 4 * (u64)a, size);
		break;
	case 3:
		got = gntdev_offset_to_index(x, &idx);
		FZ_EQ("offset_to_index",
		      x % 4096 || x / 4096 > U32_MAX ? -EINVAL : 0, got);
		FZ_EQ("offset_to_index value", got ? 0x5a5a : x / 4096, idx);
		FZ_EQ("index_to_offset", (u64)a * 4096,
		      gntdev_index_to_offset(a));
		break;
	case 4: /* request (a, b) against a map at c of d slots */
		FZ_EQ("check_unmap", a == c && (!b || b == d) ? 0 : -ENOENT,
		      gntdev_check_unmap(a, b, c, d));
		break;
	case 5:
		FZ_EQ("check_mmap", x && y == c && x == d ? 0 : -EINVAL,
		      gntdev_check_mmap(y, x, c, d));
		break;
	case 6:
		got = gntdev_check_max_grants(a, b, &m);
		FZ_EQ("check_max_grants", !a || !b ? -EINVAL : 0, got);
		FZ_EQ("check_max_grants value",
		      got   ? 0x5a5a :
		      a < b ? a :
			      b,
		      m);
		break;
	case 7:
		FZ_EQ("check_notify_action", a & ~3U ? -EINVAL : 0,
		      gntdev_check_notify_action(a));
		break;
	case 8:
		if (a & ~3U)
			got = -EINVAL;
		else if ((u128)x >= (u128)b * 4096)
			got = -ENOENT;
		else if ((a & 1) && (c & 1))
			got = -EINVAL;
		else
			got = 0;
		FZ_EQ("check_notify", got, gntdev_check_notify(a, x, b, c & 1));
		break;
	case 9: { /* flags, len, source offset, dest offset: all u16 */
		u16 fl = a & 0xffff, len = b & 0xffff;
		u16 so = c & 0xffff, dof = d & 0xffff;

		if (!(fl & 3))
			got = -EINVAL;
		else if ((fl & 1) && so + len > 4096)
			got = -EINVAL;
		else if ((fl & 2) && dof + len > 4096)
			got = -EINVAL;
		else
			got = 0;
		FZ_EQ("check_copy_segment", got,
		      gntdev_check_copy_segment(fl, len, so, dof));
		break;
	}
	case 10: { /* a local buffer split as gntdev-copy.c does */
		u64 addr = x, left = b & 0xffff, pieces = 0;
		u32 n;

		while (left) {
			n = gntdev_copy_chunk(addr, (u32)left);
			FZ_EQ("copy_chunk: progress", 1, n >= 1 && n <= left);
			FZ_EQ("copy_chunk: stays in one page", addr / 4096,
			      (addr + n - 1) / 4096);
			if (n < left)
				FZ_EQ("copy_chunk: ends at a page boundary", 0,
				      (addr + n) % 4096);
			addr += n;
			left -= n;
			pieces++;
		}
		FZ_EQ("copy_chunk: pieces", 1,
		      pieces <= (u64)(b & 0xffff) / 4096 + 2);
		break;
	}
	case 11: /* flags, count, domid, limit: uapi's dma-buf export rules */
		if (a & ~3U || (a & 3) == 3)
			got = -EINVAL;
		else if (!b || b > d || c >= 0x7ff0)
			got = -EINVAL;
		else
			got = a ? -EOPNOTSUPP : 0;
		FZ_EQ("check_dmabuf_exp", got,
		      gntdev_check_dmabuf_exp(a, b, c, d));
		break;
	case 12: /* count, domid, limit: at most 65535 grants at once */
		FZ_EQ("check_dmabuf_imp",
		      !b || b > d || b > 0xffff || c >= 0x7ff0 ? -EINVAL : 0,
		      gntdev_check_dmabuf_imp(b, c, d));
		break;
	default:
		want128 = (u128)x + a;
		FZ_EQ("total_can_add", want128 > y ? -ENOSPC : 0,
		      gntdev_total_can_add(x, a, y));
		break;
	}
	FZ_TRACE("  args #%u(%#x, %#x, %#llx, %#llx, %#x, %#x)\n", which % 14,
		 a, b, (unsigned long long)x, (unsigned long long)y, c, d);
}

/*
 * The module-wide counter as gntdev_total_reserve()/release() use it:
 * reserve only what fits, release what was reserved; the total never
 * passes the limit, even when the limit is lowered below it.
 */
static u64 fz_total, fz_total_max;
static u32 fz_total_held[8];

static void fz_op_total(struct fz_input *in)
{
	u8 v = fz_u8(in);
	unsigned int k = (v >> 2) % 8;
	u32 count;

	switch (v & 3) {
	case 0: /* reserve */
		if (fz_total_held[k])
			break;
		count = fz_num32(in, (u32)(fz_total_max - fz_total));
		if (gntdev_total_can_add(fz_total, count, fz_total_max))
			break;
		fz_total += count;
		fz_total_held[k] = count;
		FZ_EQ("total within the limit", 1, fz_total <= fz_total_max);
		break;
	case 1: /* release */
		FZ_EQ("total covers what is held", 1,
		      fz_total >= fz_total_held[k]);
		fz_total -= fz_total_held[k];
		fz_total_held[k] = 0;
		break;
	default: /* the administrator changes total_limit */
		fz_total_max = fz_num64(in, fz_total);
		break;
	}
}

/* ------------------------------------------------------------------------
 * Entry point
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t budgets[4] = { 512, 2048, 8192, 16384 };
	struct fz_input in = { data, size, false };
	u8 head = fz_u8(&in);
	u32 max, limit;

	fz_trace = getenv("FUZZ_CORE_TRACE") != NULL;
	slots_alloc_init(&fz_mem, budgets[head & 3]);
	max = head & 4 ? fz_num32(&in, 64) : 1U << (fz_u8(&in) % 32);
	if (!max)
		max = 1; /* gntdev_open() never uses 0: file_limit >= 1 */
	/* The per-request limit the MAP op applies (module parameter). */
	limit = head & 8 ? fz_num32(&in, 65536) : 65536;
	memset(fz_maps, 0, sizeof(fz_maps));
	fz_model_reset(max);
	fz_total = 0;
	fz_total_max = 1024 * 1024;
	memset(fz_total_held, 0, sizeof(fz_total_held));
	gntdev_slots_init(&fz_s, max, &fz_alloc);
	FZ_TRACE("budget=%zu max=%u limit=%u\n", fz_mem.limit, max, limit);
	fz_compare();

	for (fz_opno = 0; fz_opno < FZ_MAX_OPS && !in.ended; fz_opno++) {
		u8 op = fz_u8(&in);

		if (in.ended)
			break;
		FZ_TRACE("op %u: %u\n", fz_opno, op % 16);
		switch (op % 16) {
		case 0:
		case 1:
			fz_op_reserve(&in);
			break;
		case 2:
			fz_op_release(&in);
			break;
		case 3:
			fz_op_lookup(&in);
			break;
		case 4:
			fz_op_set_max(&in);
			break;
		case 5:
			if (op & 0x80) /* rare: it wipes everything */
				fz_op_destroy();
			else
				fz_op_hold(&in);
			break;
		case 6:
			fz_op_inject(&in);
			break;
		case 7:
		case 8:
			fz_op_map(&in, limit);
			break;
		case 9:
		case 10:
			fz_op_unmap(&in);
			break;
		case 11:
			fz_op_mmap(&in);
			break;
		case 12:
			fz_op_notify(&in);
			break;
		case 13:
		case 14:
			fz_op_args(&in, limit);
			break;
		default:
			fz_op_total(&in);
			break;
		}
		fz_compare();
	}

	gntdev_slots_destroy(&fz_s);
	FZ_EQ("allocations left at the end", 0, fz_mem.live);
	return 0;
}
