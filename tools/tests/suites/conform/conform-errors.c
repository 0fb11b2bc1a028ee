// SPDX-License-Identifier: GPL-2.0
/*
 * conform-errors.c - the "errors" group of gntdev-conform: every way to
 * call the device wrongly, with the errno it must give. Where a call that
 * should fail succeeds, the case cleans up after it and says so.
 */
#include "conform-lib.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <grp.h>

#define GIB (1ULL << 30)
/* 2^32 pages: an offset whose page index truncates to 0 in 32 bits. */
#define ALIAS_OFFSET (1ULL << 44)

/* A fresh file's first map gets offset 0: report if something stayed. */
static void obs_next_offset(int fd)
{
	__u64 index;
	int ret = map_pool(fd, 0, 1, &index);

	if (ret)
		obs("next=%s", ename(ret));
	else
		obs("next=%s", index ? "other" : "0");
}

/* --- IOCTL_GNTDEV_MAP_GRANT_REF ---------------------------------------- */

/* MAP with @count in the header and room for @room refs. */
static int map_count(int fd, __u32 count, unsigned int room)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int i;
	int ret;

	op = must_calloc(1, sizeof(*op) + (size_t)room * sizeof(op->refs[0]));
	op->count = count;
	for (i = 0; i < room; i++)
		op->refs[i].ref = pool.refs[0];
	ret = lab_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (!ret)
		lab_unmap(fd, op->index, count);
	free(op);
	return ret;
}

/*
 * MAP with @count and room for every ref, so only the count can be the
 * problem; a count no buffer could hold (more than 65537) gets one ref of
 * memory behind it: it must be refused before the refs are read.
 */
static void case_map_count(unsigned int count)
{
	obs("%s", ename(map_count(gopen(), count, count > 65537 ? 1 : count)));
}

/*
 * MAP with an argument that faults: @v 0 at its first byte; 1 at refs[1],
 * the header and refs[0] readable; 2 only when @index is written back.
 */
static void case_map_bad_mem(unsigned int v)
{
	static const size_t tail[] = { 0, 24, CONFORM_PAGE };
	struct ioctl_gntdev_map_grant_ref *op = guarded(tail[v]);
	int fd = gopen();

	if (v) {
		op->count = v == 1 ? 2 : 1;
		op->refs[0].ref = pool.refs[0];
	}
	if (v == 2)
		read_only(op);
	obs("%s", ename(lab_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op)));
	obs_next_offset(fd);
}

/* --- calls on one fresh file --------------------------------------------- */

/*
 * One call of a case_calls() case: MAP of pool pages [@arg, @arg + @n),
 * UNMAP of @n pages, SET_UNMAP_NOTIFY with action @n and port @arg,
 * SET_MAX_GRANTS of @n, an mmap() (and munmap), shared or private, of
 * @n pages with protection @arg, a shared mmap() kept and the munmap() of
 * the one kept last, obs_next_offset(), or a fresh file for the calls
 * that follow. Each is at the last map's offset plus @at (at map number
 * @of's, 1 the first, with @of), or at @at itself with @abs; its result
 * is observed as "label=ERR", as "ERR" with an empty label. A call with
 * no label is a step of the setup: a MAP or kept mmap that fails ends the
 * case ("map=ERR", "mmap=ERR"), any other is not observed.
 */
/* clang-format off */
struct call {
	enum { END, MAP, UNMAP, NOTIFY, SET_MAX, MMAP, MMAP_PRIVATE, KEEP,
	       MUNMAP, NEXT, REOPEN } op;
	const char *label;
	__u64 at;
	__u32 n, arg;
	unsigned int of;
	bool abs;
};

#define CLEAR UNMAP_NOTIFY_CLEAR_BYTE
#define SEND UNMAP_NOTIFY_SEND_EVENT
#define RW (PROT_READ | PROT_WRITE)
#define CALL(o, l, a, num, x) \
	{ .op = o, .label = l, .at = a, .n = num, .arg = x }
#define CALL_AT(o, l, a, num, x) \
	{ .op = o, .label = l, .at = a, .n = num, .arg = x, .abs = true }
#define CALL_OF(o, l, map, num) { .op = o, .label = l, .n = num, .of = map }
#define SETUP(first, num) CALL(MAP, NULL, 0, num, first)

static const struct call calls[][10] = {
	/*
	 * UNMAP at 2^30 bytes past a map (no map there), 2^11 (inside its
	 * page), ALIAS_OFFSET; then of the real map.
	 */
	[0] = { SETUP(0, 1), CALL(UNMAP, "", 1ULL << 30, 1, 0),
		CALL(UNMAP, "then", 0, 1, 0) },
	[1] = { SETUP(0, 1), CALL(UNMAP, "", 1ULL << 11, 1, 0),
		CALL(UNMAP, "then", 0, 1, 0) },
	[2] = { SETUP(0, 1), CALL(UNMAP, "", ALIAS_OFFSET, 1, 0),
		CALL(UNMAP, "then", 0, 1, 0) },
	/* UNMAP of a 2-page map with count 1 and 3, then 2. */
	[3] = { SETUP(0, 2), CALL(UNMAP, "", 0, 1, 0), CALL(UNMAP, "", 0, 3, 0),
		CALL(UNMAP, "", 0, 2, 0) },
	/* UNMAP twice: with count 0 of a 2-page map, of a 1-page one. */
	[4] = { SETUP(0, 2), CALL(UNMAP, "", 0, 0, 0),
		CALL(UNMAP, "", 0, 0, 0) },
	[5] = { SETUP(0, 1), CALL(UNMAP, "", 0, 1, 0),
		CALL(UNMAP, "", 0, 1, 0) },
	/* SET_MAX_GRANTS on a fresh file. */
	[6] = { CALL(SET_MAX, "", 0, 1024, 0) },
	[7] = { CALL(SET_MAX, "", 0, 0, 0) },
	/* A cap of 3 grants: 2 fit, 2 more do not, 1 more does. */
	[8] = { CALL(SET_MAX, "set", 0, 3, 0), CALL(MAP, "map2", 0, 2, 0),
		CALL(MAP, "map2", 0, 2, 2), CALL(MAP, "map1", 0, 1, 4) },
	/*
	 * The cap counts grants held, not offsets: with a cap of 4, four
	 * 1-grant maps, the first and third unmapped, a 2-grant map fits
	 * (2 + 2 <= 4) though no run of two free offsets is left below 4; a
	 * fifth grant does not.
	 */
	[26] = { CALL(SET_MAX, "set", 0, 4, 0), SETUP(0, 1), SETUP(1, 1),
		 SETUP(2, 1), SETUP(3, 1), CALL_OF(UNMAP, "unmap", 1, 1),
		 CALL_OF(UNMAP, "unmap", 3, 1), CALL(MAP, "map2", 0, 2, 4),
		 CALL(MAP, "map1", 0, 1, 6) },
	/* 1 and 3 pages of a 2-page map, from its start. */
	[9] = { SETUP(0, 2), CALL(MMAP, "", 0, 1, RW) },
	[10] = { SETUP(0, 2), CALL(MMAP, "", 0, 3, RW) },
	/* An offset past any map. */
	[11] = { SETUP(0, 1), CALL_AT(MMAP, "", GIB, 1, PROT_READ) },
	/* An mmap of a map that is gone. */
	[12] = { SETUP(0, 1), CALL(UNMAP, "unmap", 0, 1, 0),
		 CALL(MMAP, "mmap", 0, 1, PROT_READ) },
	/* Unknown actions. */
	[13] = { SETUP(0, 1), CALL(NOTIFY, "", 0, 4, 0),
		 CALL(NOTIFY, "", 0, 0xffffffffu, 0) },
	/* No map on a fresh file; then one byte past a map. */
	[14] = { CALL_AT(NOTIFY, "", 0, CLEAR, 0), SETUP(0, 1),
		 CALL(NOTIFY, "", CONFORM_PAGE, CLEAR, 0) },
	/* Ports never bound through this kernel's evtchn driver. */
	[15] = { SETUP(0, 1), CALL(NOTIFY, "", 0, SEND, 0xfffffu),
		 CALL(NOTIFY, "", 0, SEND, 0) },
	/* Any byte of the map names it; a second call replaces the first. */
	[16] = { SETUP(0, 2), CALL(NOTIFY, "", CONFORM_PAGE + 77, CLEAR, 0),
		 CALL(NOTIFY, "", 5, 0, 0), CALL(UNMAP, "unmap", 0, 2, 0) },
	/* A notify for a map that is gone. */
	[17] = { SETUP(0, 1), CALL(UNMAP, NULL, 0, 1, 0),
		 CALL(NOTIFY, "", 0, CLEAR, 0) },
	/* Notify past the map's alias and at the last byte. */
	[18] = { SETUP(0, 1), CALL(NOTIFY, "", ALIAS_OFFSET + 10, CLEAR, 0),
		 CALL_AT(NOTIFY, "", ~0ULL, CLEAR, 0),
		 CALL(UNMAP, "then", 0, 1, 0) },
	/* UNMAP far past the table, with count 0, and at the last page. */
	[19] = { SETUP(0, 1), CALL(UNMAP, "", ALIAS_OFFSET, 0, 0),
		 CALL_AT(UNMAP, "", ~0xfffULL, 1, 0),
		 CALL(UNMAP, "", 0, 0xffffffffu, 0),
		 CALL(UNMAP, "then", 0, 1, 0) },
	/* The largest cap; the next MAP still gets offset 0. */
	[20] = { CALL(SET_MAX, "", 0, 0xffffffffu, 0),
		 CALL(NEXT, NULL, 0, 0, 0) },
	/* 1 and 2 pages from the second page of a 2-page map. */
	[21] = { SETUP(0, 2), CALL(MMAP, "", CONFORM_PAGE, 1, RW),
		 CALL(REOPEN, NULL, 0, 0, 0), SETUP(0, 2),
		 CALL(MMAP, "", CONFORM_PAGE, 2, RW) },
	/* A writable private mapping. */
	[22] = { SETUP(0, 1), CALL(MMAP_PRIVATE, "", 0, 1, RW) },
	/* A map mmap()ed once is not mmap()ed again, live or munmapped. */
	[23] = { SETUP(0, 1), CALL(KEEP, NULL, 0, 1, RW),
		 CALL(MMAP, "", 0, 1, RW) },
	[24] = { SETUP(0, 1), CALL(KEEP, NULL, 0, 1, RW),
		 CALL(MUNMAP, NULL, 0, 1, 0), CALL(MMAP, "", 0, 1, RW) },
	/* No CLEAR_BYTE on a read-only mapping; action 0 is fine. */
	[25] = { SETUP(0, 1), CALL(KEEP, NULL, 0, 1, PROT_READ),
		 CALL(NOTIFY, "", 0, CLEAR, 0), CALL(NOTIFY, "none", 0, 0, 0) },
};
/* clang-format on */

/* The calls of row @row of calls[] on a fresh file. */
static void case_calls(unsigned int row)
{
	const struct call *c;
	int fd = gopen();
	__u64 maps[4] = { 0 }, index = 0, at;
	unsigned int nmaps = 0;
	void *kept = MAP_FAILED;
	const char *res;

	for (c = calls[row]; c->op != END; c++) {
		at = c->abs ? c->at : (c->of ? maps[c->of - 1] : index) + c->at;
		switch (c->op) {
		case MAP:
			res = ename(map_pool(fd, c->arg, c->n, &index));
			if (!c->label && strcmp(res, "ok"))
				obs_end("map=%s", res);
			if (!strcmp(res, "ok") && nmaps < ARRAY_SIZE(maps))
				maps[nmaps++] = index;
			break;
		case UNMAP:
			res = ename(lab_unmap(fd, at, c->n));
			break;
		case NOTIFY:
			res = ename(set_notify(fd, at, c->n, c->arg));
			break;
		case SET_MAX:
			res = ename(lab_set_max_grants(fd, c->n));
			break;
		case MMAP:
		case MMAP_PRIVATE:
			res = try_mmap(fd, at, c->n, (int)c->arg,
				       c->op == MMAP ? MAP_SHARED :
						       MAP_PRIVATE);
			break;
		case KEEP:
			kept = gmmap(fd, at, c->n, (int)c->arg, MAP_SHARED);
			res = kept == MAP_FAILED ? ename(errno) : "ok";
			if (!c->label && kept == MAP_FAILED)
				obs_end("mmap=%s", res);
			break;
		case MUNMAP:
			res = ename(munmap(kept, c->n * CONFORM_PAGE) ? errno :
									0);
			break;
		case NEXT:
			obs_next_offset(fd);
			continue;
		default: /* REOPEN */
			fd = gopen();
			index = 0;
			continue;
		}
		if (c->label)
			obs("%s%s%s", c->label, *c->label ? "=" : "", res);
	}
}

/* --- IOCTL_GNTDEV_UNMAP_GRANT_REF ---------------------------------------- */

/* Maps belong to the file that made them. */
static void case_unmap_other_file(unsigned int arg)
{
	int fd1 = gopen(), fd2 = gopen();
	__u64 index = must_map_pool(fd1, 0, 1);

	obs("%s", ename(lab_unmap(fd2, index, 1)));
	obs("then=%s", ename(lab_unmap(fd1, index, 1)));
}

/* --- IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR ---------------------------------- */

static void case_get_offset_non_gntdev(unsigned int arg)
{
	int fd = gopen();
	char *buf = malloc(64);

	must_map_pool(fd, 0, 1);
	obs("%s", ename(lab_get_offset(fd, buf, NULL, NULL)));
	free(buf);
}

/*
 * GET_OFFSET in a hole at X of three reserved pages [anon][X][anon], with
 * a 1-page gntdev mapping put at page @at[v] first: 0 at X itself (then
 * munmapped: the hole is where a mapping was), 1 right above X (a loose
 * lookup finds the mapping above a hole), 2 right below X (the page past
 * a mapping).
 */
static void case_get_offset_hole(unsigned int v)
{
	static const unsigned int at[] = { 1, 2, 0 };
	char *r = reserve_va(3), *x = r + CONFORM_PAGE;
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, 1);

	if (mmap(r + at[v] * CONFORM_PAGE, CONFORM_PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, (off_t)index) == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	if (munmap(x, CONFORM_PAGE))
		obs_end("munmap=%s", ename(errno));
	obs("%s", ename(lab_get_offset(fd, x, NULL, NULL)));
}

static void case_get_offset_interior(unsigned int arg)
{
	int fd = gopen();
	__u64 index, offset = 0;
	__u32 count = 0;
	char *p;
	int ret;

	/* A first map, so that the one asked about is not at offset 0. */
	must_map_pool(fd, 0, 1);
	index = must_map_pool(fd, 1, 4);
	p = must_gmmap(fd, index, 4, PROT_READ);
	ret = lab_get_offset(fd, p + 2 * CONFORM_PAGE + 100, &offset, &count);
	if (ret)
		obs_end("%s", ename(ret));
	obs("ok offset=%s count=%u", offset == index ? "map" : "other", count);
}

/* A mapping made through another gntdev file is not this file's. */
static void case_get_offset_other_file(unsigned int arg)
{
	int fd1 = gopen(), fd2 = gopen();
	__u64 index = must_map_pool(fd1, 0, 1);
	void *p = must_gmmap(fd1, index, 1, PROT_READ);

	obs("%s", ename(lab_get_offset(fd2, p, NULL, NULL)));
}

/* --- unknown and foreign commands ---------------------------------------- */

/*
 * Command set @set, each command with a zeroed argument, so a driver that
 * wrongly accepts one sees count 0 and does nothing harmful: 0 unknown
 * numbers; 1 MAP and UNMAP numbers with another direction or size (not the
 * ABI); 2 the dma-buf ioctls (Debian builds xen-gntdev without dma-buf
 * support: ENOTTY there); 3 gntalloc's, sent to gntdev by mistake.
 */
static void case_ioctl_cmds(unsigned int set)
{
	static const unsigned long cmds[][4] = {
		{ _IOC(_IOC_NONE, 'G', 4, 0), _IOC(_IOC_NONE, 'G', 13, 0),
		  _IOC(_IOC_NONE, 'G', 0xff, 0), _IOC(_IOC_NONE, 'X', 0, 24) },
		{ _IOC(_IOC_READ | _IOC_WRITE, 'G', 0,
		       sizeof(struct ioctl_gntdev_map_grant_ref)),
		  _IOC(_IOC_NONE, 'G', 0, 16), _IOC(_IOC_NONE, 'G', 1, 0) },
		{ IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS,
		  IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED,
		  IOCTL_GNTDEV_DMABUF_IMP_TO_REFS,
		  IOCTL_GNTDEV_DMABUF_IMP_RELEASE },
		{ IOCTL_GNTALLOC_ALLOC_GREF, IOCTL_GNTALLOC_DEALLOC_GREF },
	};
	static __u64 zero[64];
	int fd = gopen();
	unsigned int i;

	/* No command is 0: the rows' unused tails end them. */
	for (i = 0; i < 4 && cmds[set][i]; i++) {
		memset(zero, 0, sizeof(zero));
		obs("%s", ename(lab_ioctl(fd, cmds[set][i], zero)));
	}
}

/* --- mmap ------------------------------------------------------------------ */

/* One mmap over two adjacent maps. */
static void case_mmap_two_maps(unsigned int arg)
{
	int fd = gopen();
	__u64 a = must_map_pool(fd, 0, 1), b = must_map_pool(fd, 1, 1);

	if (b != a + CONFORM_PAGE)
		obs_end("not-adjacent");
	obs("%s", try_mmap(fd, a, 2, PROT_READ, MAP_SHARED));
}

/* An offset 2^44 past the map: the same map if page indices are 32 bit. */
static void case_mmap_alias(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p;

	pool_fill(0, 1, 20);
	index = must_map_pool(fd, 0, 1);
	p = gmmap(fd, index + ALIAS_OFFSET, 1, PROT_READ, MAP_SHARED);
	if (p == MAP_FAILED) {
		obs("%s", ename(errno));
	} else {
		obs("ok data=%s", verify_at(p, 0, 1, 20) ? "map" : "other");
		munmap(p, CONFORM_PAGE);
	}
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/* Read-only first: no writable mapping later, live or not. */
static void case_mmap_ro_then_rw(unsigned int arg)
{
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, 1);
	void *ro = must_gmmap(fd, index, 1, PROT_READ), *p;

	p = gmmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	obs("%s", p == MAP_FAILED ? ename(errno) : "ok");
	munmap(ro, CONFORM_PAGE);
	p = gmmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	obs("%s", p == MAP_FAILED ? ename(errno) : "ok");
}

/*
 * MAP takes any ref; the hypercall behind mmap refuses a bad one (and a
 * map with some bad refs as a whole, leaving none of its grants mapped).
 * @variant: 0 bad ref, 1 good/bad/good refs, 2 bad domain.
 */
static void case_mmap_bad_grant(unsigned int variant)
{
	__u32 refs[3] = { LAB_NEVER_GRANTED };
	__u32 domid = variant == 2 ? LAB_NO_DOMAIN : 0;
	unsigned int n = 1;
	int fd = gopen();
	__u64 index;

	if (variant == 1) {
		refs[0] = pool.refs[0];
		refs[1] = LAB_NEVER_GRANTED;
		refs[2] = pool.refs[1];
		n = 3;
	} else if (variant == 2) {
		refs[0] = pool.refs[0];
	}
	index = must_map_refs(fd, refs, n, domid);
	obs("mmap=%s",
	    try_mmap(fd, index, n, PROT_READ | PROT_WRITE, MAP_SHARED));
	if (variant == 0)
		obs("again=%s", try_mmap(fd, index, n, PROT_READ, MAP_SHARED));
	if (variant == 1)
		obs("active=%d", wait_active(0, 2, 0, 1000));
	obs("unmap=%s", ename(lab_unmap(fd, index, n)));
}

/* --- IOCTL_GNTDEV_GRANT_COPY ------------------------------------------- */

static int copy_segs(struct gntdev_grant_copy_segment *seg, unsigned int n)
{
	return lab_grant_copy(gopen(), seg, n);
}

/* No segments at NULL (nothing to do), or one that faults. */
static void case_copy_segs_at(unsigned int faulting)
{
	obs("%s",
	    ename(faulting ? copy_segs(guarded(0), 1) : copy_segs(NULL, 0)));
}

static void case_copy_no_gref(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;
	char local[64], other[64];

	memset(&seg, 0, sizeof(seg));
	seg.source.virt = local;
	seg.dest.virt = other;
	seg.len = sizeof(local);
	obs("%s", ename(copy_segs(&seg, 1)));
}

/* The granted side of a segment must stay inside its 4 KiB page. */
static void case_copy_foreign_overflow(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;
	static char local[4096];

	seg_from_ref(&seg, pool.refs[0], 4000, local, 200);
	obs("%s", ename(copy_segs(&seg, 1)));
	seg_to_ref(&seg, local, pool.refs[0], 4096, 1);
	obs("%s", ename(copy_segs(&seg, 1)));
}

static void case_copy_bad_local(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;

	seg_from_ref(&seg, pool.refs[0], 0, guarded(0), 64);
	obs("%s", ename(copy_segs(&seg, 1)));
}

/* A bad ref is a per-segment status (GNTST_bad_gntref, -3), not an ioctl error. */
static void case_copy_bad_ref(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;
	static char local[64];
	int ret;

	seg_from_ref(&seg, LAB_NEVER_GRANTED, 0, local, sizeof(local));
	ret = copy_segs(&seg, 1);
	obs("%s", ename(ret));
	if (!ret)
		obs("status=%d", seg.status);
}

/* A local buffer that crosses a page boundary is split by the driver. */
static void case_copy_cross_page(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;
	char *buf = aligned_alloc(CONFORM_PAGE, 2 * CONFORM_PAGE);
	char *dst;
	int ret;

	if (!buf)
		obs_end("out-of-memory");
	dst = buf + CONFORM_PAGE - 100;
	pool_fill(0, 1, 21);
	seg_from_ref(&seg, pool.refs[0], 0, dst, CONFORM_PAGE);
	ret = copy_segs(&seg, 1);
	if (ret)
		obs_end("%s", ename(ret));
	obs("ok status=%d data=%s", seg.status,
	    memcmp(dst, pool.page[0], CONFORM_PAGE) ? "mismatch" : "ok");
	free(buf);
}

/* --- arithmetic edges: counts near U32_MAX, offsets far past the table -- */

/* A count whose byte size overflows, with one ref of memory behind it. */
static void case_map_count_huge(unsigned int count)
{
	int fd = gopen();

	obs("%s", ename(map_count(fd, count, 1)));
	obs_next_offset(fd);
}

/* Offsets and lengths no table reaches, with map 0 there to alias. */
static void case_mmap_huge(unsigned int variant)
{
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, 1);
	size_t len = variant ? 1ULL << 40 : CONFORM_PAGE;
	off_t off = variant ? 0 : (off_t)0x7ffffffffffff000ULL;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);

	obs("%s", p == MAP_FAILED ? ename(errno) : "ok");
	if (p != MAP_FAILED)
		munmap(p, len);
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/*
 * GRANT_COPY: U32_MAX segments at NULL; 2^31 segments of which the first
 * is bad (offset + length past the page); the same one alone; one into
 * NULL.
 */
static void case_copy_huge(unsigned int arg)
{
	struct gntdev_grant_copy_segment seg;
	__u64 local;

	obs("%s", ename(copy_segs(NULL, 0xffffffffu)));
	seg_from_ref(&seg, pool.refs[0], 0xfff0, &local, 0xffff);
	obs("%s", ename(copy_segs(&seg, 0x80000000u)));
	obs("%s", ename(copy_segs(&seg, 1)));
	seg_from_ref(&seg, pool.refs[0], 0, NULL, 8);
	obs("%s", ename(copy_segs(&seg, 1)));
}

/* --- GET_OFFSET_FOR_VADDR on every kind of address that is not a map ---- */

static int scratch_file(void)
{
	int fd = open("/tmp", O_RDWR | O_TMPFILE, 0600);

	if (fd < 0 || ftruncate(fd, CONFORM_PAGE))
		obs_end("tmpfile=%s", ename(errno));
	return fd;
}

/* The address of kind @what (its own mapping where it needs one). */
static const void *get_offset_target(unsigned int what, const void *stack)
{
	void *p;

	switch (what) {
	case 0:
		return stack;
	case 1:
		return malloc(1 << 20); /* glibc gives it an mmap of its own */
	case 2:
		p = mmap(NULL, CONFORM_PAGE, PROT_READ, MAP_SHARED,
			 scratch_file(), 0);
		return p == MAP_FAILED ? NULL : p;
	case 3:
		p = mmap(NULL, CONFORM_PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	case 4:
		return pool.page[0]; /* gntalloc's mapping */
	case 5:
		return (const void *)1;
	case 6:
		/* The direct map; the page above TASK_SIZE for i386. */
		return (const void *)(uintptr_t)(UINTPTR_MAX > 0xffffffffu ?
							 0xffff888000000000ULL :
							 0xfffff000u);
	default:
		return (const void *)~0UL;
	}
}

/* With a mapped map of this file elsewhere, so a loose match would hit. */
static void case_get_offset_target(unsigned int what)
{
	int fd = gopen(), here = 0;
	__u64 index = must_map_pool(fd, 0, 1);
	const void *addr = get_offset_target(what, &here);

	must_gmmap(fd, index, 1, PROT_READ);
	if (!addr)
		obs_end("setup=%s", ename(errno));
	obs("%s", ename(lab_get_offset(fd, addr, NULL, NULL)));
}

/* --- who may use the device --------------------------------------------- */

/* The node is root's alone: nobody (uid 65534) cannot open it at all. */
static void case_open_unprivileged(unsigned int arg)
{
	struct stat st;

	if (stat(gntdev_node, &st))
		obs_end("stat=%s", ename(errno));
	obs("%s mode=%04o owner=%u:%u", S_ISCHR(st.st_mode) ? "chr" : "other",
	    st.st_mode & 07777, st.st_uid, st.st_gid);
	/* This process is the case's own: it may drop root for good. */
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		obs_end("setuid=%s", ename(errno));
	obs("rdwr=%s", ename(open(gntdev_node, O_RDWR) < 0 ? errno : 0));
	obs("rdonly=%s", ename(open(gntdev_node, O_RDONLY) < 0 ? errno : 0));
}

/*
 * A file passed to another process (exec'd: an address space of its
 * own): through it, GET_OFFSET at the sender's address (nothing there, then
 * anonymous memory there, then a mapping of another gntdev file there) and
 * an mmap of the sender's already mmapped map fail; the file still serves
 * the receiver's own maps, and the sender's mapping is untouched.
 */
static void case_get_offset_passed(unsigned int arg)
{
	char out[CONFORM_OBS_MAX];
	int fd = gopen(), fd2 = gopen();
	__u64 index = must_map_pool(fd, 0, 1), offset = 0;
	void *p = must_gmmap(fd, index, 1, PROT_READ);

	/* Both files go to the receiver; pool page 1 is its own grant. */
	if (fcntl(fd, F_SETFD, 0) || fcntl(fd2, F_SETFD, 0))
		obs_end("fcntl=%s", ename(errno));
	conform_exec_run(out, sizeof(out), "--exec-get-offset",
			 "%d %d %llu %p %u", fd, fd2, (unsigned long long)index,
			 p, pool.refs[1]);
	obs("%s", out);
	obs("sender=%s",
	    lab_get_offset(fd, p, &offset, NULL) || offset != index ?
		    "changed" :
		    "ok");
}

int conform_exec_get_offset(const char *arg)
{
	unsigned long long index;
	unsigned int ref;
	int fd, fd2;
	__u64 off;
	void *x, *q;

	if (sscanf(arg, "%d %d %llu %p %u", &fd, &fd2, &index, &x, &ref) != 5)
		return 2;
	printf("unmapped=%s", ename(lab_get_offset(fd, x, NULL, NULL)));
	q = gmmap(fd, index, 1, PROT_READ, MAP_SHARED);
	printf(" mmap=%s", q == MAP_FAILED ? ename(errno) : "ok");
	q = mmap(x, CONFORM_PAGE, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf(" anon=%s",
	       q == x ? ename(lab_get_offset(fd, x, NULL, NULL)) : "no-room");
	munmap(x, CONFORM_PAGE);
	if (lab_map(fd2, &ref, 1, 0, &off) ||
	    mmap(x, CONFORM_PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd2,
		 (off_t)off) != x) {
		printf(" other-file=setup\n");
		return 0;
	}
	printf(" other-file=%s own=%s",
	       ename(lab_get_offset(fd, x, NULL, NULL)),
	       ename(lab_get_offset(fd2, x, NULL, NULL)));
	munmap(x, CONFORM_PAGE);
	lab_unmap(fd2, off, 1);
	printf(" own-map=%s\n", ename(lab_map(fd, &ref, 1, 0, &off)));
	return 0;
}

/* --- refs that are not, or no longer, granted --------------------------- */

/*
 * MAP and mmap @ref until the mmap fails, for up to @tries tenths of a
 * second (gntalloc retries ending a grant about once a second: polling
 * finer sees the end sooner); the last errno, or 0 if it never failed.
 */
static int mmap_until_refused(int fd, __u32 ref, unsigned int tries)
{
	__u64 index;
	void *p;

	for (;;) {
		index = must_map_refs(fd, &ref, 1, 0);
		p = gmmap(fd, index, 1, PROT_READ, MAP_SHARED);
		if (p == MAP_FAILED)
			return errno;
		munmap(p, CONFORM_PAGE);
		lab_unmap(fd, index, 1);
		if (!tries--)
			return 0;
		lab_sleep_ms(100);
	}
}

/*
 * A grant of its own that gntalloc ends (@while_mapped: while this file
 * has it mapped, which gntalloc defers until the unmap): MAP takes any
 * ref, but the mmap and GRANT_COPY of an ended grant must fail.
 */
static void case_revoked_ref(unsigned int while_mapped)
{
	struct gntdev_grant_copy_segment seg;
	struct lab_pool q;
	int fd = gopen(), ret = lab_pool_get(&q, 1);
	__u32 ref = q.refs ? q.refs[0] : 0;
	volatile __u64 *p;
	__u64 index, local;

	must(ret, "gntalloc");
	if (!while_mapped) {
		lab_pool_put(&q);
	} else {
		index = must_map_refs(fd, &ref, 1, 0);
		p = must_gmmap(fd, index, 1, PROT_READ | PROT_WRITE);
		lab_pool_put(&q);
		p[1] = 0x1234;
		obs("mapping=%s",
		    p[0] == lab_sig(ref) && p[1] == 0x1234 ? "ok" : "wrong");
		munmap((void *)p, CONFORM_PAGE);
		obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
	}
	obs("mmap=%s", ename(mmap_until_refused(fd, ref, 100)));
	seg_from_ref(&seg, ref, 0, &local, 8);
	ret = copy_segs(&seg, 1);
	obs("copy=%s status=%s", ename(ret), seg.status < 0 ? "error" : "ok");
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("map-count-0", case_map_count, 0, "EINVAL"),
	CONFORM_CASE("map-count-65537", case_map_count, 65537, "EINVAL"),
	CONFORM_CASE("map-count-max", case_map_count, 0xffffffff, "EINVAL"),
	CONFORM_CASE("map-bad-arg", case_map_bad_mem, 0, "EFAULT next=0"),
	CONFORM_CASE("map-bad-refs", case_map_bad_mem, 1, "EFAULT next=0"),
	CONFORM_CASE("map-index-unwritable", case_map_bad_mem, 2,
		     "EFAULT next=0"),
	CONFORM_CASE("unmap-unknown", case_calls, 0, "ENOENT then=ok"),
	CONFORM_CASE("unmap-unaligned", case_calls, 1,
		     "EINVAL then=ok", .stock = "ok then=ENOENT"),
	CONFORM_CASE("unmap-offset-alias", case_calls, 2,
		     "EINVAL then=ok", .stock = "ok then=ENOENT"),
	CONFORM_CASE("unmap-wrong-count", case_calls, 3,
		     "ENOENT ENOENT ok"),
	CONFORM_CASE("unmap-count-0", case_calls, 4, "ok ENOENT"),
	CONFORM_CASE("unmap-double", case_calls, 5, "ok ENOENT"),
	CONFORM_CASE("unmap-other-file", case_unmap_other_file, 0,
		     "ENOENT then=ok"),
	CONFORM_CASE("unmap-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_UNMAP_GRANT_REF, "EFAULT"),
	CONFORM_CASE("get-offset-non-gntdev", case_get_offset_non_gntdev, 0,
		     "EINVAL"),
	CONFORM_CASE("get-offset-unmapped", case_get_offset_hole, 0,
		     "EINVAL"),
	CONFORM_CASE("get-offset-hole-below", case_get_offset_hole, 1,
		     "EINVAL", .stock = "ok"),
	CONFORM_CASE("get-offset-interior", case_get_offset_interior, 0,
		     "ok offset=map count=4"),
	CONFORM_CASE("get-offset-other-file", case_get_offset_other_file, 0,
		     "EINVAL", .stock = "ok"),
	CONFORM_CASE("get-offset-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, "EFAULT"),
	CONFORM_CASE("set-max-grants", case_calls, 6, "ok",
		     .stock = "ENOTTY"),
	CONFORM_CASE("set-max-grants-0", case_calls, 7, "ok",
		     .stock = "ENOTTY"),
	CONFORM_CASE("set-max-grants-cap", case_calls, 8,
		     "set=ok map2=ok map2=ENOSPC map1=ok",
		     .stock = "set=ENOTTY map2=ok map2=ok map1=ok"),
	CONFORM_CASE("set-max-grants-fragment", case_calls, 26,
		     "set=ok unmap=ok unmap=ok map2=ok map1=ENOSPC",
		     .stock = "set=ENOTTY unmap=ok unmap=ok map2=ok map1=ok",
		     .need = 7),
	CONFORM_CASE("set-max-grants-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_SET_MAX_GRANTS, "EFAULT", .stock = "ENOTTY"),
	CONFORM_CASE("ioctl-unknown", case_ioctl_cmds, 0,
		     "ENOTTY ENOTTY ENOTTY ENOTTY"),
	CONFORM_CASE("ioctl-wrong-encoding", case_ioctl_cmds, 1,
		     "ENOTTY ENOTTY ENOTTY"),
	CONFORM_CASE("ioctl-dmabuf", case_ioctl_cmds, 2,
		     "EINVAL ENOENT EINVAL ENOENT",
		     .stock = "ENOTTY ENOTTY ENOTTY ENOTTY"),
	CONFORM_CASE("ioctl-gntalloc", case_ioctl_cmds, 3, "ENOTTY ENOTTY"),
	CONFORM_CASE("mmap-short", case_calls, 9, "EINVAL"),
	CONFORM_CASE("mmap-long", case_calls, 10, "EINVAL"),
	CONFORM_CASE("mmap-interior", case_calls, 21, "EINVAL EINVAL"),
	CONFORM_CASE("mmap-two-maps", case_mmap_two_maps, 0, "EINVAL"),
	CONFORM_CASE("mmap-past-table", case_calls, 11, "EINVAL"),
	CONFORM_CASE("mmap-offset-alias", case_mmap_alias, 0,
		     "EINVAL unmap=ok", .stock = "ok data=map unmap=ok"),
	CONFORM_CASE("mmap-private-writable", case_calls, 22,
		     "EINVAL"),
	CONFORM_CASE("mmap-twice", case_calls, 23, "EINVAL"),
	CONFORM_CASE("mmap-after-munmap", case_calls, 24, "EINVAL"),
	CONFORM_CASE("mmap-ro-then-rw", case_mmap_ro_then_rw, 0,
		     "EINVAL EINVAL"),
	CONFORM_CASE("mmap-after-unmap", case_calls, 12,
		     "unmap=ok mmap=EINVAL"),
	CONFORM_CASE("mmap-invalid-ref", case_mmap_bad_grant, 0,
		     "mmap=EINVAL again=EINVAL unmap=ok"),
	CONFORM_CASE("mmap-partial-invalid", case_mmap_bad_grant, 1,
		     "mmap=EINVAL active=0 unmap=ok"),
	CONFORM_CASE("mmap-bad-domid", case_mmap_bad_grant, 2,
		     "mmap=ESRCH unmap=ok", .stock = "mmap=EINVAL unmap=ok"),
	CONFORM_CASE("notify-bad-action", case_calls, 13,
		     "EINVAL EINVAL"),
	CONFORM_CASE("notify-missing-map", case_calls, 14,
		     "ENOENT ENOENT"),
	CONFORM_CASE("notify-clear-byte-ro", case_calls, 25,
		     "EINVAL none=ok"),
	CONFORM_CASE("notify-bad-port", case_calls, 15,
		     "EINVAL EINVAL"),
	CONFORM_CASE("notify-inside", case_calls, 16, "ok ok unmap=ok"),
	CONFORM_CASE("notify-after-unmap", case_calls, 17,
		     "ENOENT"),
	CONFORM_CASE("notify-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_SET_UNMAP_NOTIFY, "EFAULT"),
	CONFORM_CASE("copy-count-0", case_copy_segs_at, 0, "ok"),
	CONFORM_CASE("copy-no-gref", case_copy_no_gref, 0, "EINVAL"),
	CONFORM_CASE("copy-foreign-overflow", case_copy_foreign_overflow, 0,
		     "EINVAL EINVAL"),
	CONFORM_CASE("copy-bad-segments", case_copy_segs_at, 1, "EFAULT"),
	CONFORM_CASE("copy-bad-local", case_copy_bad_local, 0, "EFAULT"),
	CONFORM_CASE("copy-bad-ref", case_copy_bad_ref, 0, "ok status=-3"),
	CONFORM_CASE("copy-cross-page", case_copy_cross_page, 0,
		     "ok status=0 data=ok"),
	CONFORM_CASE("map-count-2^29-1", case_map_count_huge, 0x1fffffff,
		     "EINVAL next=0"),
	CONFORM_CASE("map-count-2^29", case_map_count_huge, 0x20000000,
		     "EINVAL next=0"),
	CONFORM_CASE("map-count-2^31", case_map_count_huge, 0x80000000,
		     "EINVAL next=0"),
	CONFORM_CASE("mmap-offset-2^63", case_mmap_huge, 0, "EINVAL unmap=ok"),
	CONFORM_CASE("mmap-length-2^40", case_mmap_huge, 1, "EINVAL unmap=ok"),
	CONFORM_CASE("notify-offset-huge", case_calls, 18,
		     "ENOENT ENOENT then=ok"),
	CONFORM_CASE("unmap-offset-huge", case_calls, 19,
		     "EINVAL EINVAL ENOENT then=ok",
		     .stock = "ok ENOENT ENOENT then=ENOENT"),
	CONFORM_CASE("set-max-grants-max", case_calls, 20, "ok next=0",
		     .stock = "ENOTTY next=0"),
	CONFORM_CASE("copy-count-huge", case_copy_huge, 0,
		     "EFAULT EINVAL EINVAL EFAULT"),
	CONFORM_CASE("get-offset-stack", case_get_offset_target, 0, "EINVAL"),
	CONFORM_CASE("get-offset-big-malloc", case_get_offset_target, 1,
		     "EINVAL"),
	CONFORM_CASE("get-offset-file-mmap", case_get_offset_target, 2,
		     "EINVAL"),
	CONFORM_CASE("get-offset-anon", case_get_offset_target, 3, "EINVAL"),
	CONFORM_CASE("get-offset-gntalloc", case_get_offset_target, 4,
		     "EINVAL"),
	CONFORM_CASE("get-offset-page-0", case_get_offset_target, 5, "EINVAL"),
	CONFORM_CASE("get-offset-kernel", case_get_offset_target, 6, "EINVAL"),
	CONFORM_CASE("get-offset-max", case_get_offset_target, 7, "EINVAL"),
	CONFORM_CASE("get-offset-past-map", case_get_offset_hole, 2,
		     "EINVAL"),
	CONFORM_CASE("get-offset-passed-file", case_get_offset_passed, 0,
		     "unmapped=EINVAL mmap=EINVAL anon=EINVAL "
		     "other-file=EINVAL own=ok own-map=ok sender=ok",
		     .stock = "unmapped=EINVAL mmap=EINVAL anon=EINVAL "
		     "other-file=ok own=ok own-map=ok sender=ok"),
	CONFORM_CASE("open-unprivileged", case_open_unprivileged, 0,
		     "chr mode=0600 owner=0:0 rdwr=EACCES rdonly=EACCES"),
	CONFORM_CASE("mmap-revoked-ref", case_revoked_ref, 0,
		     "mmap=EINVAL copy=ok status=error"),
	CONFORM_CASE("mmap-revoked-while-mapped", case_revoked_ref, 1,
		     "mapping=ok unmap=ok mmap=EINVAL copy=ok status=error"),
};

CONFORM_GROUP(conform_errors, "errors", .by_default = true,
	      .bad_inputs = true);
/* clang-format on */
