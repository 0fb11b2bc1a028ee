// SPDX-License-Identifier: GPL-2.0
/*
 * selfgrant - self-grant smoke test for a gntdev driver, run as root in a
 * PV dom0.
 *
 * dom0 grants its own pages to itself through gntalloc and maps them back
 * through gntdev, so the whole map/mmap/copy/unmap path is exercised
 * without a second domain. It uses only the userspace ABI, so the same
 * binary serves as the differential oracle between the stock xen-gntdev
 * driver and a replacement.
 *
 * Usage: selfgrant [-d /dev/xen/gntdev] [N...]
 * Prints TAP-like lines and "N passed, N failed"; exits 0 only if all passed.
 *
 * selfgrant --hold [N] maps N (default 1) self-granted pages, prints
 * "HOLDING ..." and sleeps with them mapped: the lab's own test that its
 * leak check sees a leak.
 */
#include "lab.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>

#define INVALID_REF LAB_NEVER_GRANTED

/* gntalloc's default global limit is 1024 grefs. */
#define MAX_PAGES 1024

/* -d (and the other shared options, unused here). */
static struct lab_opts opts;

/* Room for one failure reason; tests run one at a time. */
static char why[256];

/*
 * Every 64-bit word gets a value unique to (seed, page, word), so a
 * mapping of the wrong page or a stale copy is told apart from good data.
 */
static __u64 pattern(__u32 seed, size_t page, size_t word)
{
	return ((__u64)seed << 48) ^ ((__u64)page << 24) ^ word ^
	       0x5a5a000000000000ull;
}

static void fill(void *p, size_t pages, __u32 seed)
{
	__u64 *w = p;
	size_t per_page = LAB_PAGE_SIZE / sizeof(*w);
	size_t pg, i;

	for (pg = 0; pg < pages; pg++)
		for (i = 0; i < per_page; i++)
			w[pg * per_page + i] = pattern(seed, pg, i);
}

/* Returns true if all words match; otherwise fills "why". */
static bool verify(const volatile void *p, size_t pages, __u32 seed)
{
	const volatile __u64 *w = p;
	size_t per_page = LAB_PAGE_SIZE / sizeof(*w);
	size_t pg, i;

	for (pg = 0; pg < pages; pg++) {
		for (i = 0; i < per_page; i++) {
			__u64 got = w[pg * per_page + i];
			__u64 want = pattern(seed, pg, i);

			if (got == want)
				continue;
			snprintf(
				why, sizeof(why),
				"page %zu word %zu: got 0x%016llx want 0x%016llx",
				pg, i, (unsigned long long)got,
				(unsigned long long)want);
			return false;
		}
	}
	return true;
}

static int open_gntdev(void)
{
	int fd = lab_gntdev_open(opts.node);

	if (fd < 0)
		lab_fail(lab_errwhy("open", -fd), "open %s", opts.node);
	return fd;
}

/*
 * One GRANT_COPY segment per page between the granted pages and @local.
 * @to_gref selects the direction. Returns true on success, else sets "why".
 */
static bool grant_copy(int fd, const __u32 *refs, size_t n, void *local,
		       bool to_gref)
{
	struct gntdev_grant_copy_segment *seg;
	bool ok = true;
	size_t i;
	int ret;

	seg = calloc(n, sizeof(*seg));
	if (!seg)
		lab_die(1, "out of memory");
	for (i = 0; i < n; i++) {
		void *virt = (char *)local + i * LAB_PAGE_SIZE;

		if (to_gref) {
			seg[i].source.virt = virt;
			seg[i].dest.foreign.ref = refs[i];
			seg[i].dest.foreign.domid = 0;
			seg[i].flags = GNTCOPY_dest_gref;
		} else {
			seg[i].source.foreign.ref = refs[i];
			seg[i].source.foreign.domid = 0;
			seg[i].dest.virt = virt;
			seg[i].flags = GNTCOPY_source_gref;
		}
		seg[i].len = LAB_PAGE_SIZE;
		/* Junk that the driver must overwrite with a real status. */
		seg[i].status = 0x7ead;
	}
	ret = lab_grant_copy(fd, seg, n);
	if (ret) {
		snprintf(why, sizeof(why), "%s", lab_errwhy("ioctl", -ret));
		ok = false;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (seg[i].status == GNTST_okay)
			continue;
		snprintf(why, sizeof(why), "segment %zu: status %d", i,
			 seg[i].status);
		ok = false;
		break;
	}
out:
	free(seg);
	return ok;
}

/* A GRANT_COPY with count 0 is a no-op that must succeed (QEMU probes it). */
static void test_copy_count0(void)
{
	int fd, ret;

	lab_tap_current = "GRANT_COPY count=0";
	fd = open_gntdev();
	if (fd < 0)
		return;
	ret = lab_grant_copy(fd, NULL, 0);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		  "GRANT_COPY with count=0 returns 0");
	close(fd);
}

/* The map ioctl takes any ref; the hypercall behind mmap must refuse it. */
static void test_invalid_ref(void)
{
	__u32 ref = INVALID_REF;
	__u64 index;
	void *p;
	int fd, ret;

	lab_tap_current = "invalid ref";
	fd = open_gntdev();
	if (fd < 0)
		return;
	ret = lab_map(fd, &ref, 1, 0, &index);
	if (ret) {
		/* Stock gntdev accepts it here; note a driver that doesn't. */
		lab_fail(
			lab_errwhy("ioctl", -ret),
			"invalid ref 0x%x: MAP_GRANT_REF accepts it (mmap is where it fails)",
			ref);
		close(fd);
		return;
	}
	p = mmap(NULL, LAB_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 index);
	if (p == MAP_FAILED) {
		lab_pass("invalid ref 0x%x: mmap fails (%s)", ref,
			 lab_errname(errno));
	} else {
		/* Don't touch it: that could fault and kill the test. */
		lab_fail("mmap succeeded", "invalid ref 0x%x: mmap fails", ref);
		munmap(p, LAB_PAGE_SIZE);
	}
	ret = lab_unmap(fd, index, 1);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		  "invalid ref 0x%x: UNMAP_GRANT_REF after failed mmap", ref);
	close(fd);
}

/* The whole self-grant cycle for @n pages. */
static void test_round(size_t n)
{
	size_t bytes = n * LAB_PAGE_SIZE;
	void *gmem = MAP_FAILED, *dmem = MAP_FAILED, *rmem;
	void *local = NULL;
	__u64 index = 0, ro_index;
	bool have_map = false;
	struct lab_pool pool = { 0 };
	int fd = -1, ret;

	lab_note("n=%zu", n);
	lab_tap_current = "gntalloc setup";
	ret = lab_pool_grant(&pool, n, 0, true);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "n=%zu: gntalloc ALLOC_GREF to d0 (writable)", n))
		goto out;
	ret = lab_pool_map(&pool);
	if (!lab_check(ret == 0, lab_errwhy("mmap", -ret),
		       "n=%zu: mmap gntalloc pages", n))
		goto out;
	gmem = (void *)pool.mem;
	lab_tap_current = "fill granted pages";
	fill(gmem, n, 1);

	lab_tap_current = "gntdev map";
	fd = open_gntdev();
	if (fd < 0)
		goto out;
	ret = lab_map(fd, pool.refs, n, 0, &index);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "n=%zu: MAP_GRANT_REF of %zu refs (d0, first ref 0x%x)",
		       n, n, pool.refs[0]))
		goto out;
	have_map = true;
	snprintf(why, sizeof(why), "index is 0x%llx",
		 (unsigned long long)index);
	lab_check(index == 0, why,
		  "n=%zu: first map on a fresh gntdev fd has index 0", n);

	dmem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (!lab_check(dmem != MAP_FAILED, lab_errwhy("mmap", errno),
		       "n=%zu: mmap gntdev RW at index 0x%llx", n,
		       (unsigned long long)index))
		goto out;

	lab_tap_current = "read through gntdev mapping";
	lab_check(verify(dmem, n, 1), why,
		  "n=%zu: granter's pattern visible through gntdev mapping", n);

	lab_tap_current = "write through gntdev mapping";
	fill(dmem, n, 2);
	lab_check(verify(gmem, n, 2), why,
		  "n=%zu: write through gntdev mapping seen by gntalloc side",
		  n);

	/* Read-only needs its own registration: one mmap per map in PV. */
	lab_tap_current = "read-only map";
	ret = lab_map(fd, pool.refs, n, 0, &ro_index);
	if (lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		      "n=%zu: second MAP_GRANT_REF of the same refs", n)) {
		rmem = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, ro_index);
		if (lab_check(rmem != MAP_FAILED, lab_errwhy("mmap", errno),
			      "n=%zu: mmap gntdev PROT_READ", n)) {
			lab_check(verify(rmem, n, 2), why,
				  "n=%zu: read-only mapping reads the pattern",
				  n);
			munmap(rmem, bytes);
		}
		ret = lab_unmap(fd, ro_index, n);
		lab_check(ret == 0, lab_errwhy("ioctl", -ret),
			  "n=%zu: UNMAP_GRANT_REF of the read-only map", n);
	}

	lab_tap_current = "grant copy";
	local = aligned_alloc(LAB_PAGE_SIZE, bytes);
	if (!local)
		lab_die(1, "out of memory");
	memset(local, 0, bytes);
	if (grant_copy(fd, pool.refs, n, local, false))
		lab_check(verify(local, n, 2), why,
			  "n=%zu: GRANT_COPY gref -> local buffer", n);
	else
		lab_fail(why, "n=%zu: GRANT_COPY gref -> local buffer", n);

	fill(local, n, 3);
	if (grant_copy(fd, pool.refs, n, local, true))
		lab_check(verify(gmem, n, 3), why,
			  "n=%zu: GRANT_COPY local buffer -> gref", n);
	else
		lab_fail(why, "n=%zu: GRANT_COPY local buffer -> gref", n);

out:
	lab_tap_current = "cleanup";
	if (dmem != MAP_FAILED) {
		ret = munmap(dmem, bytes) ? -errno : 0;
		lab_check(ret == 0, lab_errwhy("munmap", -ret),
			  "n=%zu: munmap gntdev mapping", n);
	}
	if (have_map) {
		ret = lab_unmap(fd, index, n);
		lab_check(ret == 0, lab_errwhy("ioctl", -ret),
			  "n=%zu: UNMAP_GRANT_REF", n);
		/* The registration is gone, so a second unmap finds nothing. */
		ret = lab_unmap(fd, index, n);
		snprintf(why, sizeof(why), "returned %s",
			 ret ? lab_errname(-ret) : "success");
		lab_check(ret == -ENOENT, why,
			  "n=%zu: second UNMAP_GRANT_REF fails with ENOENT", n);
	}
	if (fd >= 0)
		close(fd);
	if (pool.req) {
		ret = lab_pool_put(&pool);
		lab_check(ret == 0, lab_errwhy("ioctl", -ret),
			  "n=%zu: gntalloc DEALLOC_GREF", n);
	}
	free(local);
}

/* Map @n self-granted pages and keep them mapped until killed. */
static int hold(size_t n)
{
	size_t bytes = n * LAB_PAGE_SIZE;
	struct lab_pool pool;
	void *dmem;
	__u64 index;
	int fd, ret;

	lab_tap_current = "hold";
	ret = lab_pool_grant(&pool, n, 0, true);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "hold: gntalloc ALLOC_GREF of %zu pages", n))
		return lab_tap_summary();
	ret = lab_pool_map(&pool);
	if (!lab_check(ret == 0, lab_errwhy("mmap", -ret),
		       "hold: mmap gntalloc pages"))
		return lab_tap_summary();
	fill((void *)pool.mem, n, 4);
	fd = open_gntdev();
	if (fd < 0)
		return lab_tap_summary();
	ret = lab_map(fd, pool.refs, n, 0, &index);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "hold: MAP_GRANT_REF"))
		return lab_tap_summary();
	dmem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (!lab_check(dmem != MAP_FAILED, lab_errwhy("mmap", errno),
		       "hold: mmap gntdev"))
		return lab_tap_summary();
	if (!lab_check(verify(dmem, n, 4), why,
		       "hold: mapping reads the pattern"))
		return lab_tap_summary();
	printf("HOLDING granter=d0 refs=0x%x..0x%x (%zu pages) mapped at %p\n",
	       pool.refs[0], pool.refs[n - 1], n, dmem);
	fflush(stdout);
	for (;;)
		pause();
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
		MAX_PAGES, LAB_GNTDEV_NODE);
	exit(2);
}

/* Open a node once up front, so a missing driver fails once, clearly. */
static int open_or_report(const char *path, int flags, const char *hint)
{
	int fd = open(path, flags | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	lab_fail(lab_errwhy("open", err), "open %s", path);
	lab_warn("cannot open %s: %s (%s)", path, strerror(err), hint);
	return -1;
}

int main(int argc, char **argv)
{
	static const size_t defaults[] = { 1, 2, 16, 64, 512 };
	size_t counts[64], ncounts = 0, i;
	static const struct option longopts[] = {
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	bool hold_mode = false;
	int opt, fd;

	while ((opt = lab_getopt(argc, argv, "", longopts, &opts)) != -1) {
		switch (opt) {
		case 'H':
			hold_mode = true;
			break;
		default:
			usage();
		}
	}
	for (; optind < argc; optind++) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(argv[optind], &end, 0);
		if (errno || *end || !v || v > MAX_PAGES ||
		    ncounts == sizeof(counts) / sizeof(counts[0]))
			usage();
		counts[ncounts++] = v;
	}
	if (hold_mode && ncounts > 1)
		usage();
	if (!ncounts && !hold_mode) {
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			counts[ncounts++] = defaults[i];
	}

	lab_catch_fatal_signals();
	lab_note("selfgrant: gntdev node %s", opts.node);

	fd = open_or_report(LAB_GNTALLOC_NODE, O_RDWR,
			    "not a Xen dom0, or xen-gntalloc not loaded?");
	if (fd < 0)
		return lab_tap_summary();
	close(fd);
	fd = open_or_report(opts.node, O_RDWR, "gntdev driver not loaded?");
	if (fd < 0)
		return lab_tap_summary();
	close(fd);
	if (hold_mode)
		return hold(ncounts ? counts[0] : 1);

	for (i = 0; i < ncounts; i++)
		test_round(counts[i]);
	test_copy_count0();
	test_invalid_ref();
	return lab_tap_summary();
}
