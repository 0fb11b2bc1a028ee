// SPDX-License-Identifier: GPL-2.0
/*
 * conform-scale.c - the "scale" group of gntdev-conform: thousands of maps
 * on one file, thousands of map/mmap/munmap/unmap cycles, random churn of
 * the offset space, and the offset rules (first map at 0, offsets of live
 * maps never overlap, freed offsets are reused).
 *
 * Offsets themselves never appear in an observation: apart from "the
 * first map of a file is at 0" they are the driver's choice (mainline is
 * first-fit, ours next-fit).
 */
#include "conform-lib.h"

#define P CONFORM_PAGE

static void case_first_map(unsigned int arg)
{
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, 3);

	obs("%s", index ? "offset=other" : "ok");
}

/* Every file has its own offset space: each first map is at 0. */
static void case_files_independent(unsigned int nfiles)
{
	unsigned int i, nonzero = 0;

	for (i = 0; i < nfiles; i++)
		if (must_map_pool(gopen(), 0, 1))
			nonzero++;
	if (nonzero)
		obs("nonzero=%u", nonzero);
	else
		obs("ok");
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* 1-page maps: page-aligned and pairwise distinct? */
static bool offsets_sane(__u64 *index, unsigned int n)
{
	__u64 *sorted = must_calloc(n, sizeof(*sorted));
	unsigned int i;
	bool ok = true;

	memcpy(sorted, index, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	for (i = 0; i < n && ok; i++)
		ok = !(sorted[i] % P) && (!i || sorted[i] != sorted[i - 1]);
	free(sorted);
	return ok;
}

/* @n live 1-page maps, each mmap()ed and checked, then all torn down. */
static void case_live(unsigned int n)
{
	__u64 *index = must_calloc(n, sizeof(*index));
	void **p = must_calloc(n, sizeof(*p));
	int fd = gopen();
	unsigned int i;

	pool_fill(0, n, 50);
	for (i = 0; i < n; i++) {
		must(map_pool(fd, i, 1, &index[i]), "map#%u", i);
		p[i] = gmmap(fd, index[i], 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
		if (p[i] == MAP_FAILED)
			obs_end("mmap#%u=%s", i, ename(errno));
	}
	if (index[0])
		obs("first=other");
	if (!offsets_sane(index, n))
		obs("offsets-overlap");
	for (i = 0; i < n; i++)
		if (!verify_at(p[i], i, 1, 50))
			obs_end("data#%u=mismatch", i);
	for (i = 0; i < n; i++)
		must(munmap(p[i], P) ? -errno : 0, "munmap#%u", i);
	for (i = 0; i < n; i++)
		must(lab_unmap(fd, index[i], 1), "unmap#%u", i);
	obs("ok");
}

/* @n maps never mmap()ed, removed in a shuffled order. */
static void case_live_unmapped(unsigned int n)
{
	__u64 *index = must_calloc(n, sizeof(*index)), tmp;
	int fd = gopen();
	__u32 st = 12345;
	unsigned int i, j;

	for (i = 0; i < n; i++)
		must(map_pool(fd, i % pool.n, 1, &index[i]), "map#%u", i);
	if (!offsets_sane(index, n))
		obs("offsets-overlap");
	for (i = n - 1; i > 0; i--) {
		j = prng(&st) % (i + 1);
		tmp = index[i];
		index[i] = index[j];
		index[j] = tmp;
	}
	for (i = 0; i < n; i++)
		must(lab_unmap(fd, index[i], 1), "unmap#%u", i);
	obs("ok");
}

/*
 * @n cycles of MAP, mmap, read, munmap, UNMAP on one file: every cycle
 * works, and freed offsets come back (the offset space does not leak).
 */
static void case_cycles(unsigned int n)
{
	__u64 *seen = must_calloc(n, sizeof(*seen)), index;
	unsigned int i, j, distinct = 0;
	int fd = gopen();
	void *p;

	pool_fill(0, 64, 51);
	for (i = 0; i < n; i++) {
		must(map_pool(fd, i % 64, 1, &index), "map#%u", i);
		p = gmmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
		if (p == MAP_FAILED)
			obs_end("mmap#%u=%s", i, ename(errno));
		if (!verify_at(p, i % 64, 1, 51))
			obs_end("data#%u=mismatch", i);
		munmap(p, P);
		must(lab_unmap(fd, index, 1), "unmap#%u", i);
		for (j = 0; j < distinct && seen[j] != index; j++)
			;
		if (j == distinct)
			seen[distinct++] = index;
	}
	obs("ok %s", distinct < n ? "offsets-reused" : "offsets-not-reused");
}

struct live_map {
	__u64 index;
	unsigned int n, first;
};

/*
 * Random MAPs of 1-16 pages and UNMAPs on one file, up to 200 maps live;
 * every live map must sit on its own offsets, and every 20th is mmap()ed
 * and checked. Deterministic, so both drivers see the same sequence.
 */
static void case_churn(unsigned int steps)
{
	struct live_map live[200];
	unsigned int nlive = 0, nmaps = 0, i, k;
	int fd = gopen();
	__u32 st = 777;

	pool_fill(0, 272, 52);
	for (i = 0; i < steps; i++) {
		__u32 r = prng(&st);

		if (nlive && (nlive == 200 || r % 3 == 0)) {
			k = prng(&st) % nlive;
			must(lab_unmap(fd, live[k].index, live[k].n),
			     "unmap@%u", i);
			live[k] = live[--nlive];
			continue;
		}
		live[nlive].n = 1 + prng(&st) % 16;
		live[nlive].first = prng(&st) % 256;
		must(map_pool(fd, live[nlive].first, live[nlive].n,
			      &live[nlive].index),
		     "map@%u", i);
		if (live[nlive].index % P)
			obs_end("unaligned@%u", i);
		for (k = 0; k < nlive; k++) {
			__u64 a = live[k].index, b = live[nlive].index;

			if (a < b + live[nlive].n * P && b < a + live[k].n * P)
				obs_end("overlap@%u", i);
		}
		if (++nmaps % 20 == 0) {
			void *p = gmmap(fd, live[nlive].index, live[nlive].n,
					PROT_READ, MAP_SHARED);

			if (p == MAP_FAILED)
				obs_end("mmap@%u=%s", i, ename(errno));
			if (!verify_at(p, live[nlive].first, live[nlive].n, 52))
				obs_end("data@%u=mismatch", i);
			munmap(p, live[nlive].n * P);
		}
		nlive++;
	}
	for (k = 0; k < nlive; k++)
		must(lab_unmap(fd, live[k].index, live[k].n), "unmap-end");
	obs("ok");
}

/*
 * Eight 1-page maps, the fourth removed: is its exactly-1-page hole ever
 * given to a later 1-page map? Mainline's first-fit skips holes that are
 * exactly the requested size (it needs one page to spare); ours reuses
 * them once its next-fit search wraps.
 */
static void case_exact_hole(unsigned int tries)
{
	int fd = gopen();
	__u64 index, hole = 0;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		index = must_map_pool(fd, i, 1);
		if (i == 3)
			hole = index;
	}
	must(lab_unmap(fd, hole, 1), "unmap");
	for (i = 0; i < tries; i++) {
		must(map_pool(fd, 8 + i % 64, 1, &index), "map#%u", i);
		if (index == hole)
			obs_end("reused");
	}
	obs("skipped");
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("first-map-offset-0", case_first_map, 0, "ok", .need = 3),
	CONFORM_CASE("files-independent", case_files_independent, 64, "ok",
		     .need = 1),
	CONFORM_CASE("live-4000", case_live, 4000, "ok", .need = 4000,
		     .timeout = 120),
	CONFORM_CASE("live-4000-unmmapped", case_live_unmapped, 4000, "ok",
		     .need = 64, .timeout = 60),
	CONFORM_CASE("cycles-2000", case_cycles, 2000, "ok offsets-reused",
		     .need = 64, .timeout = 120),
	CONFORM_CASE("churn-3000", case_churn, 3000, "ok", .need = 272,
		     .timeout = 120),
	CONFORM_CASE("map-exact-hole-reuse", case_exact_hole, 1024, "reused",
		     .stock = "skipped", .need = 72),
};
/* clang-format on */

CONFORM_GROUP(conform_scale, "scale", .by_default = true);
