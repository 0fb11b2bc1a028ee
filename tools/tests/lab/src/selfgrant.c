// SPDX-License-Identifier: GPL-2.0
/*
 * selfgrant - self-grant smoke test for a gntdev driver, run as root in a
 * PV dom0 by the stock and driver suites on every dom0 kernel.
 *
 * dom0 grants its own pages to itself (the lab library's pool) and maps
 * them back through gntdev: map, mmap, data both ways, grant copy both
 * ways, munmap, unmap. Only the plain path: what a driver must do in the
 * corners (offsets, unmapping twice, bad refs, empty copies, read-only
 * maps) is the conformance suite's, on both drivers.
 *
 * Usage: selfgrant [-d /dev/xen/gntdev] [N...]
 * Prints TAP-like lines and "N passed, N failed"; exits 0 only if all passed.
 *
 * selfgrant --hold [N] maps N (default 1) self-granted pages, prints
 * "HOLDING ..." and sleeps with them mapped: the lab's own test that its
 * leak check sees a leak, and the holder the driver's debugfs must list.
 */
#include "xenlab-xdom.h"

#include <sys/mman.h>

/* -d (and the other shared options, unused here). */
static struct lab_opts opts;

/* Room for one failure reason; tests run one at a time. */
static char why[256];

/*
 * The whole cycle for @n pages through the gntdev file @fd. With @hold,
 * stop once the mapping reads the granter's data: print HOLDING and sleep
 * with it mapped until killed.
 */
static void test_round(int fd, __u32 n, bool hold)
{
	size_t bytes = (size_t)n * LAB_PAGE_SIZE;
	struct lab_pool pool;
	__u64 *local, off;
	void *p;
	bool ok;
	int ret;

	lab_note("n=%u", n);
	lab_tap_current = "gntalloc";
	ret = lab_pool_get(&pool, n);
	if (!lab_check(ret == 0, lab_errwhy("gntalloc", -ret),
		       "n=%u: gntalloc grants the pages to d0, mapped", n))
		return;
	xdom_fill(pool.mem, n, 1, true);

	lab_tap_current = "map";
	ret = lab_map(fd, pool.refs, n, 0, &off);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "n=%u: MAP_GRANT_REF (d0, first ref 0x%x)", n,
		       pool.refs[0]))
		goto out_pool;
	p = lab_mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (!lab_check(p, lab_errwhy("mmap", errno),
		       "n=%u: mmap read-write at offset 0x%llx", n,
		       (unsigned long long)off))
		goto out_unmap;

	lab_tap_current = "data";
	ok = lab_check(xdom_verify(p, 0, n, 1, why, sizeof(why)), why,
		       "n=%u: the granter's data reads through the mapping", n);
	if (ok && hold) {
		printf("HOLDING granter=d0 refs=0x%x..0x%x (%u pages) mapped at %p\n",
		       pool.refs[0], pool.refs[n - 1], n, p);
		fflush(stdout);
		for (;;)
			pause();
	}
	xdom_fill(p, n, 2, true);
	lab_check(xdom_verify(pool.mem, 0, n, 2, why, sizeof(why)), why,
		  "n=%u: a write through the mapping reaches the granter", n);

	lab_tap_current = "grant copy";
	local = aligned_alloc(LAB_PAGE_SIZE, bytes);
	if (!local)
		lab_die(1, "out of memory");
	memset(local, 0, bytes);
	ok = xdom_copy(fd, pool.refs, n, 0, local, false, why, sizeof(why)) &&
	     xdom_verify(local, 0, n, 2, why, sizeof(why));
	lab_check(ok, why, "n=%u: GRANT_COPY gref -> local buffer", n);
	xdom_fill(local, n, 3, true);
	ok = xdom_copy(fd, pool.refs, n, 0, local, true, why, sizeof(why)) &&
	     xdom_verify(pool.mem, 0, n, 3, why, sizeof(why));
	lab_check(ok, why, "n=%u: GRANT_COPY local buffer -> gref", n);
	free(local);

	lab_tap_current = "cleanup";
	ret = munmap(p, bytes) ? -errno : 0;
	lab_check(ret == 0, lab_errwhy("munmap", -ret),
		  "n=%u: munmap the mapping", n);
out_unmap:
	ret = lab_unmap(fd, off, n);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret), "n=%u: UNMAP_GRANT_REF",
		  n);
out_pool:
	ret = lab_pool_put(&pool);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		  "n=%u: gntalloc DEALLOC_GREF", n);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [-d GNTDEV_NODE] [N...]\n"
		"       %s [-d GNTDEV_NODE] --hold [N]\n"
		"  Self-grant test: gntalloc grants N pages to dom0, gntdev\n"
		"  maps them back. Default N: 1 2 16 64 512 (max %d).\n"
		"  -d      gntdev device node (default %s)\n"
		"  --hold  map N (default 1) self-granted pages, print HOLDING,\n"
		"          then sleep until killed\n"
		"Exit status: 0 all checks passed, 1 some failed, 2 usage.\n",
		program_invocation_short_name, program_invocation_short_name,
		XDOM_MAX_PAGES, LAB_GNTDEV_NODE);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	static __u32 counts[64] = { 1, 2, 16, 64, 512 };
	unsigned int ncounts = 0, i;
	bool hold = false;
	int opt, fd;

	while ((opt = lab_getopt(argc, argv, "", longopts, &opts)) != -1) {
		if (opt != 'H')
			usage();
		hold = true;
	}
	for (; optind < argc; optind++) {
		unsigned long v = lab_num(argv[optind], usage);

		if (!v || v > XDOM_MAX_PAGES ||
		    ncounts == sizeof(counts) / sizeof(counts[0]) ||
		    (hold && ncounts))
			usage();
		counts[ncounts++] = v;
	}
	if (!ncounts)
		ncounts = hold ? 1 : 5;

	lab_catch_fatal_signals();
	lab_note("selfgrant: gntdev node %s", opts.node);
	/* Each node once up front, so a missing driver fails once, clearly. */
	fd = lab_gntalloc();
	if (!lab_check(fd >= 0, lab_errwhy("open", -fd), "open %s",
		       LAB_GNTALLOC_NODE))
		return lab_tap_summary();
	fd = lab_gntdev_open(opts.node);
	if (!lab_check(fd >= 0, lab_errwhy("open", -fd), "open %s", opts.node))
		return lab_tap_summary();
	for (i = 0; i < ncounts; i++)
		test_round(fd, counts[i], hold);
	close(fd);
	return lab_tap_summary();
}
