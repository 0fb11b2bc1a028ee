// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab-map - the mapping half of the lab's cross-domain grant test, run
 * in the domain the pages were granted to (see xenlab-share).
 *
 * Through a gntdev node it maps the granter's refs and checks the agreed
 * pattern: an invalid ref must fail at mmap, each page alone read-only,
 * all pages through GRANT_COPY, then all at once read-write, through which
 * it writes the ACK pattern back for the granter to check. Only the
 * userspace ABI is used, so the same binary tests the stock driver and a
 * replacement. In a PVH or HVM guest this is gntdev's auto-translated path,
 * which self-grants cannot reach.
 *
 * Usage: xenlab-map [-d GNTDEV] -D DOMID -r REF,REF,...
 * Prints TAP-like lines and "N passed, N failed"; exit 0 only if all passed,
 * 2 on usage errors.
 */
#include "xenlab-xdom.h"

#include <sys/mman.h>

/* The granting domain (-D). */
static domid_t peer;
static char why[256];

/* The hypercall behind mmap must refuse a ref that was never granted. */
static void test_invalid_ref(int fd)
{
	__u32 ref = LAB_NEVER_GRANTED;
	__u64 index;
	void *p;
	int ret;

	lab_tap_current = "invalid ref";
	ret = lab_map(fd, &ref, 1, peer, &index);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "invalid ref 0x%x: MAP_GRANT_REF registers it", ref))
		return;
	p = lab_mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (!p) {
		lab_pass("invalid ref 0x%x of d%u: mmap fails (%s)", ref, peer,
			 lab_errname(errno));
	} else {
		/* Don't touch it: that could fault and kill the test. */
		lab_fail("mmap succeeded",
			 "invalid ref 0x%x of d%u: mmap fails", ref, peer);
		munmap(p, LAB_PAGE_SIZE);
	}
	ret = lab_unmap(fd, index, 1);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		  "invalid ref: UNMAP_GRANT_REF after the failed mmap");
}

/* Map page @i alone, read-only, and check it; false (and "why") if not. */
static bool read_one(int fd, const __u32 *refs, size_t i)
{
	int ret;
	__u64 index;
	void *p;
	bool ok;

	ret = lab_map(fd, &refs[i], 1, peer, &index);
	if (ret) {
		snprintf(why, sizeof(why), "%s",
			 lab_errwhy("MAP_GRANT_REF", -ret));
		return false;
	}
	p = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, index);
	if (!p)
		snprintf(why, sizeof(why), "%s", lab_errwhy("mmap", errno));
	ok = p && xdom_verify(p, i, 1, XDOM_SEED_GRANT, why, sizeof(why));
	if (p)
		munmap(p, LAB_PAGE_SIZE);
	ret = lab_unmap(fd, index, 1);
	if (ok && ret)
		snprintf(why, sizeof(why), "%s",
			 lab_errwhy("UNMAP_GRANT_REF", -ret));
	return ok && !ret;
}

/* Each page on its own, mapped read-only. */
static void test_read_only(int fd, const __u32 *refs, size_t n)
{
	size_t i;

	lab_tap_current = "read-only single-page maps";
	for (i = 0; i < n && read_one(fd, refs, i); i++)
		;
	if (i < n)
		lab_fail(why,
			 "read-only map of each of %zu refs: ref %zu (0x%x)", n,
			 i, refs[i]);
	else
		lab_pass(
			"read-only map of each of %zu refs, one at a time: pattern ok",
			n);
}

/* All pages through GRANT_COPY, from the peer's pages into ours. */
static void test_copy(int fd, const __u32 *refs, size_t n)
{
	__u64 *buf;
	bool ok;

	lab_tap_current = "grant copy";
	buf = aligned_alloc(LAB_PAGE_SIZE, n * LAB_PAGE_SIZE);
	if (!buf)
		lab_die(1, "out of memory");
	memset(buf, 0, n * LAB_PAGE_SIZE);
	ok = xdom_copy(fd, refs, n, peer, buf, false, why, sizeof(why)) &&
	     xdom_verify(buf, 0, n, XDOM_SEED_GRANT, why, sizeof(why));
	lab_check(ok, why, "GRANT_COPY of %zu pages: pattern ok", n);
	free(buf);
}

/* All pages in one mapping: check, then write the ACK through it. */
static void test_map_and_ack(int fd, const __u32 *refs, size_t n)
{
	size_t bytes = n * LAB_PAGE_SIZE;
	volatile __u64 *w;
	double t0, t1;
	__u64 index;
	void *p;
	int ret;

	lab_tap_current = "read-write map";
	t0 = lab_now() * 1e3;
	ret = lab_map(fd, refs, n, peer, &index);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "MAP_GRANT_REF of all %zu refs of d%u", n, peer))
		return;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	t1 = lab_now() * 1e3;
	if (lab_check(p != MAP_FAILED, lab_errwhy("mmap", errno),
		      "mmap %zu pages read-write", n)) {
		lab_note("map + mmap of %zu grants: %.2f ms", n, t1 - t0);
		w = p;
		lab_tap_current = "reading the read-write map";
		lab_check(xdom_verify(w, 0, n, XDOM_SEED_GRANT, why,
				      sizeof(why)),
			  why, "granter's pattern in all %zu pages", n);
		lab_tap_current = "writing the ACK";
		xdom_fill(w, n, XDOM_SEED_ACK, false);
		__sync_synchronize();
		/* The handshake word goes last: see xenlab-xdom.h. */
		w[0] = xdom_pattern(XDOM_SEED_ACK, 0, 0);
		lab_check(xdom_verify(w, 0, n, XDOM_SEED_ACK, why, sizeof(why)),
			  why, "ACK pattern written through the mapping");
		ret = munmap(p, bytes) ? -errno : 0;
		lab_check(ret == 0, lab_errwhy("munmap", -ret), "munmap");
	}
	ret = lab_unmap(fd, index, n);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret), "UNMAP_GRANT_REF");
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-d GNTDEV] -D DOMID -r REF,REF,...\n",
		program_invocation_short_name);
	exit(2);
}

int main(int argc, char **argv)
{
	/* No -n or -t here: the refs say how many pages. */
	struct xdom_opts o = { .domid = -1, .pages = 1, .secs = 1 };
	static __u32 refs[XDOM_MAX_PAGES];
	size_t n;
	int fd;

	xdom_getopt(argc, argv, "D:r:", &o, usage);
	if (o.domid < 0 || !o.refs)
		usage();
	n = xdom_parse_refs(o.refs, refs, XDOM_MAX_PAGES);
	if (!n)
		lab_die(2, "bad ref list '%s'", o.refs);
	peer = o.domid;
	lab_catch_fatal_signals();

	fd = lab_gntdev_open(o.lab.node);
	if (!lab_check(fd >= 0, lab_errwhy("open", -fd), "open %s", o.lab.node))
		return lab_tap_summary();
	test_invalid_ref(fd);
	test_read_only(fd, refs, n);
	test_copy(fd, refs, n);
	/* Last: the granter stops waiting once it sees the ACK. */
	test_map_and_ack(fd, refs, n);
	close(fd);
	return lab_tap_summary();
}
