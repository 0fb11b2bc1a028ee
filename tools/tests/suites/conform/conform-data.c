// SPDX-License-Identifier: GPL-2.0
/*
 * conform-data.c - the "data" group of gntdev-conform: maps of 1 to 4096
 * self-granted pages, data visible both ways, read-only maps that read
 * but fault on write, read-only grants, the same grant twice, a grant copy
 * both ways.
 */
#include "conform-lib.h"

/* MAP, mmap read-write, check data both ways, munmap, UNMAP. */
static void case_map_data(unsigned int n)
{
	int fd = gopen();
	__u64 index;
	void *p = map_filled(fd, n, 1, &index);

	if (!verify_at(p, 0, n, 1))
		obs_end("read-mismatch");
	fill_at(p, 0, n, 2);
	if (!pool_verify(0, n, 2))
		obs_end("write-mismatch");
	if (munmap(p, n * CONFORM_PAGE))
		obs_end("munmap=%s", ename(errno));
	must(lab_unmap(fd, index, n), "unmap");
	obs("ok");
}

/*
 * PROT_READ makes the map read-only for its life: it reads, follows the
 * granter's later writes, and a write through it faults.
 */
static void case_map_readonly(unsigned int n)
{
	int fd = gopen();
	__u64 index;
	void *p;
	int ret;

	pool_fill(0, n, 3);
	index = must_map_pool(fd, 0, n);
	p = must_gmmap(fd, index, n, PROT_READ);
	if (!verify_at(p, 0, n, 3))
		obs_end("read-mismatch");
	pool_fill(0, n, 4);
	if (!verify_at(p, 0, n, 4))
		obs_end("update-mismatch");
	obs("ok write=%s",
	    sname(probe((char *)p + (n - 1) * CONFORM_PAGE + 8, true)));
	if (!pool_verify(0, n, 4))
		obs_end("granter-changed");
	munmap(p, n * CONFORM_PAGE);
	ret = lab_unmap(fd, index, n);
	if (ret)
		obs("unmap=%s", ename(ret));
}

/* A MAP_PRIVATE read-only mapping is allowed and shows the grant. */
static void case_private_readonly(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p;

	pool_fill(0, 2, 5);
	index = must_map_pool(fd, 0, 2);
	p = gmmap(fd, index, 2, PROT_READ, MAP_PRIVATE);
	if (p == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	obs(verify_at(p, 0, 2, 5) ? "ok" : "read-mismatch");
	munmap(p, 2 * CONFORM_PAGE);
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
}

/*
 * A grant made without GNTALLOC_FLAG_WRITABLE: Xen refuses a writable
 * mapping, so the mmap that does the hypercall fails; read-only works.
 */
static void case_ro_grant(unsigned int writable)
{
	int fd = gopen();
	__u64 index;
	void *p;

	ro_fill(0, 2, 6);
	index = must_map_refs(fd, pool.ro.refs, 2, 0);
	p = gmmap(fd, index, 2, writable ? PROT_READ | PROT_WRITE : PROT_READ,
		  MAP_SHARED);
	if (p == MAP_FAILED) {
		obs("mmap=%s", ename(errno));
	} else {
		obs("mmap=ok");
		if (!ro_verify_at(p, 0, 2, 6))
			obs("read-mismatch");
		munmap(p, 2 * CONFORM_PAGE);
	}
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
}

/* One map holding the same grant twice: two views of one page. */
static void case_same_ref_twice(unsigned int arg)
{
	__u32 refs[2] = { pool.refs[0], pool.refs[0] };
	volatile __u64 *w0, *w1;
	int fd = gopen();
	__u64 index;
	char *p;

	pool_fill(0, 1, 7);
	index = must_map_refs(fd, refs, 2, 0);
	p = must_gmmap(fd, index, 2, PROT_READ | PROT_WRITE);
	if (!verify_at(p, 0, 1, 7) || !verify_at(p + CONFORM_PAGE, 0, 1, 7))
		obs_end("read-mismatch");
	w0 = (volatile __u64 *)p;
	w1 = (volatile __u64 *)(p + CONFORM_PAGE);
	w1[3] = 0x1234567890abcdefull;
	obs(w0[3] == 0x1234567890abcdefull ? "ok" : "views-differ");
	munmap(p, 2 * CONFORM_PAGE);
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
}

/* Two files map the same grants: a write through one shows in the other. */
static void case_two_files(unsigned int arg)
{
	int fd1 = gopen(), fd2 = gopen();
	__u64 i1, i2;
	void *p1 = map_filled(fd1, 4, 8, &i1);
	void *p2 = map_filled(fd2, 4, 8, &i2);

	fill_at(p1, 0, 4, 9);
	obs(verify_at(p2, 0, 4, 9) && pool_verify(0, 4, 9) ? "ok" : "mismatch");
	munmap(p1, 4 * CONFORM_PAGE);
	munmap(p2, 4 * CONFORM_PAGE);
	obs("unmap=%s,%s", ename(lab_unmap(fd1, i1, 4)),
	    ename(lab_unmap(fd2, i2, 4)));
}

/*
 * GRANT_COPY both ways between pool pages and a local buffer, each segment
 * first filled with junk: a 32-bit process's @virt fills only the low half
 * of its union, and the driver must not read the rest as address bits.
 */
static void case_copy_data(unsigned int arg)
{
	static unsigned char local[CONFORM_PAGE];
	struct gntdev_grant_copy_segment seg[2];
	struct ioctl_gntdev_grant_copy op = { .count = 2, .segments = seg };
	int ret;

	pool_fill(0, 2, 31);
	memset(local, 0, sizeof(local));
	memset(seg, 0xa5, sizeof(seg));
	seg[0].source.foreign.ref = pool.refs[0];
	seg[0].source.foreign.offset = 0;
	seg[0].source.foreign.domid = 0;
	seg[0].dest.virt = local;
	seg[0].len = CONFORM_PAGE;
	seg[0].flags = GNTCOPY_source_gref;
	seg[1].source.virt = local;
	seg[1].dest.foreign.ref = pool.refs[1];
	seg[1].dest.foreign.offset = 0;
	seg[1].dest.foreign.domid = 0;
	seg[1].len = CONFORM_PAGE;
	seg[1].flags = GNTCOPY_dest_gref;
	ret = lab_ioctl(gopen(), IOCTL_GNTDEV_GRANT_COPY, &op);
	if (ret)
		obs_end("%s", ename(ret));
	obs("ok status=%d,%d data=%s", seg[0].status, seg[1].status,
	    memcmp(pool.page[0], pool.page[1], CONFORM_PAGE) ? "mismatch" :
							       "ok");
}

/* A data case and a read-only case for @n pages. */
#define DATA_CASES(n)                                                      \
	CONFORM_CASE("map-" #n "-data", case_map_data, n, "ok", .need = n, \
		     .timeout = 60),                                       \
		CONFORM_CASE("map-" #n "-readonly", case_map_readonly, n,  \
			     "ok write=SIGSEGV", .need = n, .timeout = 60)

/* clang-format off */
static const struct conform_case cases[] = {
	DATA_CASES(1),
	DATA_CASES(2),
	DATA_CASES(16),
	DATA_CASES(64),
	DATA_CASES(512),
	DATA_CASES(1024),
	DATA_CASES(4096),
	CONFORM_CASE("map-private-readonly", case_private_readonly, 0,
		     "ok unmap=ok", .need = 2),
	CONFORM_CASE("map-ro-grant-rw", case_ro_grant, 1,
		     "mmap=EINVAL unmap=ok", .bad_input = true),
	CONFORM_CASE("map-ro-grant-ro", case_ro_grant, 0, "mmap=ok unmap=ok"),
	CONFORM_CASE("map-same-ref-twice", case_same_ref_twice, 0,
		     "ok unmap=ok", .need = 1),
	CONFORM_CASE("map-two-files", case_two_files, 0, "ok unmap=ok,ok",
		     .need = 4),
	CONFORM_CASE("copy-data", case_copy_data, 0, "ok status=0,0 data=ok",
		     .need = 2),
};
/* clang-format on */

CONFORM_GROUP(conform_data, "data", .by_default = true);
