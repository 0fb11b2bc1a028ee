// SPDX-License-Identifier: GPL-2.0
/*
 * conform-copy.c - the "copy" group of gntdev-conform: IOCTL_GNTDEV_GRANT_COPY
 * both ways, in batches of every size, with bad segments among good ones,
 * bad user memory, and user memory unmapped while a copy runs.
 *
 * The grant space is pool pages 0-15 (writable) and read-only pool page 0,
 * pictured as 17 consecutive pages. copy_run() predicts from the segments
 * what the whole grant space and a 20-page local buffer must hold after
 * the call, and observes "ok" only if the return value, every status and
 * every byte on both sides are as predicted.
 */
#include "conform-lib.h"

#include <pthread.h>
#include <sched.h>

#define P CONFORM_PAGE

/* GNTST_* from Xen's public grant_table.h, which no uapi header carries. */
#define ST_BAD_DOMAIN (-2)
#define ST_BAD_GNTREF (-3)
/* A domain that does not exist in the lab (only dom0 runs). */
#define NO_SUCH_DOMID 1000

/* Writable grant pages, and the local buffer. */
#define CS_PAGES 16u
#define LBUF_PAGES 20u
#define LBUF_FILL 0xee
/* Expected status "some error", whichever Xen picks. */
#define WANT_ERROR 1

#define GSPACE ((CS_PAGES + 1) * P)
#define LBUF_BYTES (LBUF_PAGES * P)

#define RACE_ITERS 400u
#define RACE_SEGS 16u

/* The case's gntdev file and local buffer. */
static int cfd = -1;
static unsigned char lbuf[LBUF_BYTES] __attribute__((aligned(P)));

/* Offset of a grant page in the flat picture, or -1 if not ours. */
static long gflat(__u32 ref)
{
	unsigned int i;

	for (i = 0; i < CS_PAGES; i++)
		if (pool.refs[i] == ref)
			return i * P;
	return ref == pool.ro.refs[0] ? (long)(CS_PAGES * P) : -1;
}

static void gsnap(unsigned char *img)
{
	unsigned int i;

	for (i = 0; i < CS_PAGES; i++)
		memcpy(img + i * P, pool.page[i], P);
	memcpy(img + CS_PAGES * P, pool.ro_mem, P);
}

static void rfill(void *p, size_t len, __u32 seed)
{
	unsigned char *b = p;
	__u32 x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = x;
	}
}

/*
 * Open the case's file once, then give the grant space fresh random
 * contents and the local buffer LBUF_FILL.
 */
static void copy_reset(__u32 seed)
{
	unsigned int i;

	if (cfd < 0)
		cfd = gopen();
	for (i = 0; i < CS_PAGES; i++)
		rfill(pool.page[i], P, seed + i * 7919);
	rfill(pool.ro_mem, P, seed + 1);
	memset(lbuf, LBUF_FILL, LBUF_BYTES);
}

static bool local_ptr(const void *p, size_t len)
{
	const unsigned char *b = p;

	return b >= lbuf && b + len <= lbuf + LBUF_BYTES;
}

/*
 * Apply what segment @sg must do to the pictures @g0 (grant space before,
 * read) and @gexp, @lexp (grant space and local buffer after).
 */
static void predict(const struct gntdev_grant_copy_segment *sg,
		    const unsigned char *g0, unsigned char *gexp,
		    unsigned char *lexp)
{
	const unsigned char *src;
	unsigned char *dst;
	long off;

	if (sg->flags & GNTCOPY_source_gref) {
		off = gflat(sg->source.foreign.ref);
		if (off < 0)
			return;
		src = g0 + off + sg->source.foreign.offset;
	} else {
		src = lexp + ((unsigned char *)sg->source.virt - lbuf);
	}
	if (sg->flags & GNTCOPY_dest_gref) {
		off = gflat(sg->dest.foreign.ref);
		if (off < 0)
			return;
		dst = gexp + off + sg->dest.foreign.offset;
	} else {
		if (!local_ptr(sg->dest.virt, sg->len))
			return;
		dst = lexp + ((unsigned char *)sg->dest.virt - lbuf);
	}
	memmove(dst, src, sg->len);
}

/* What went wrong after the call, or "ok"; @out holds the text. */
static const char *judge_copy(const struct gntdev_grant_copy_segment *segs,
			      unsigned int n, const int *want,
			      const unsigned char *gexp,
			      const unsigned char *lexp, unsigned char *gnow,
			      char *out, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int w = want ? want[i] : 0;
		int st = segs[i].status;

		if (w == WANT_ERROR ? st < 0 : st == w)
			continue;
		snprintf(out, len, "status[%u]=%d", i, st);
		return out;
	}
	gsnap(gnow);
	if (memcmp(gnow, gexp, GSPACE))
		return "grant-data-wrong";
	if (memcmp(lbuf, lexp, LBUF_BYTES))
		return "local-data-wrong";
	return "ok";
}

/*
 * Issue @n segments and check everything: the return value, each status
 * against @want (NULL: all GNTST_okay; WANT_ERROR: any error), and the
 * whole grant space and local buffer against what the segments that
 * should succeed must have done. Returns "ok" or what went wrong.
 */
static const char *copy_run(struct gntdev_grant_copy_segment *segs,
			    unsigned int n, const int *want)
{
	static unsigned char g0[GSPACE], gexp[GSPACE], gnow[GSPACE];
	static unsigned char lexp[LBUF_BYTES];
	static char out[64];
	unsigned int i;
	int ret;

	gsnap(g0);
	memcpy(gexp, g0, GSPACE);
	memcpy(lexp, lbuf, LBUF_BYTES);
	/* Segments never overlap, so applying them in order is exact. */
	for (i = 0; i < n; i++)
		if (!want || !want[i])
			predict(&segs[i], g0, gexp, lexp);
	ret = lab_grant_copy(cfd, segs, n);
	if (!ret)
		return judge_copy(segs, n, want, gexp, lexp, gnow, out,
				  sizeof(out));
	snprintf(out, sizeof(out), "ret=%s", ename(ret));
	return out;
}

/*
 * One segment each way, @len bytes at local offset @loff and foreign
 * offset @foff: @v 0 within a page, 1 across a local page boundary, then
 * a whole page at a page-aligned and an unaligned local offset.
 */
static void case_pair(unsigned int v)
{
	static const struct {
		size_t loff;
		__u16 foff, len;
	} pairs[] = {
		{ 200, 100, 1000 },
		{ P - 96, 50, 1000 },
		{ 3 * P, 0, 4096 },
		{ 5 * P + 1234, 0, 4096 },
	};
	size_t loff = pairs[v].loff;
	__u16 foff = pairs[v].foff, len = pairs[v].len;
	struct gntdev_grant_copy_segment sg;

	copy_reset(1);
	seg_from_ref(&sg, pool.refs[3], foff, lbuf + loff, len);
	obs("to-local=%s", copy_run(&sg, 1, NULL));
	copy_reset(2);
	rfill(lbuf + loff, len, 3);
	seg_to_ref(&sg, lbuf + loff, pool.refs[5], foff, len);
	obs("to-gref=%s", copy_run(&sg, 1, NULL));
}

/*
 * @n segments of 64 bytes in one call: segment i uses grant i % 16 at
 * offset 64 * (i / 16), and consecutive local bytes starting 32 bytes
 * before a page end, so every 64th segment crosses a local page.
 */
static void case_segments(unsigned int n)
{
	struct gntdev_grant_copy_segment *segs = must_calloc(n, sizeof(*segs));
	unsigned char *base;
	unsigned int i;

	copy_reset(n);
	base = lbuf + P - 32;
	for (i = 0; i < n; i++)
		seg_from_ref(&segs[i], pool.refs[i % CS_PAGES],
			     64 * (i / CS_PAGES), base + 64 * i, 64);
	obs("to-local=%s", copy_run(segs, n, NULL));
	copy_reset(n + 1);
	rfill(base, 64 * n, n + 2);
	for (i = 0; i < n; i++)
		seg_to_ref(&segs[i], base + 64 * i, pool.refs[i % CS_PAGES],
			   64 * (i / CS_PAGES), 64);
	obs("to-gref=%s", copy_run(segs, n, NULL));
	free(segs);
}

/* Length 0: status okay, nothing touched, even with no local buffer. */
static void case_len0(unsigned int arg)
{
	struct gntdev_grant_copy_segment sg;
	int ret;

	copy_reset(4);
	seg_from_ref(&sg, pool.refs[0], 100, lbuf + 100, 0);
	obs("to-local=%s", copy_run(&sg, 1, NULL));
	seg_to_ref(&sg, lbuf + 100, pool.refs[0], 4096, 0);
	obs("to-gref-offset4096=%s", copy_run(&sg, 1, NULL));
	seg_from_ref(&sg, pool.refs[0], 0, NULL, 0);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("null-local=%s,status=%d", ename(ret), sg.status);
}

/* Foreign offset + len beyond the page, and local -> local: EINVAL. */
static void case_einval(unsigned int arg)
{
	struct gntdev_grant_copy_segment sg;

	copy_reset(5);
	seg_from_ref(&sg, pool.refs[0], 4000, lbuf, 200);
	obs("source-overflow=%s", ename(lab_grant_copy(cfd, &sg, 1)));
	seg_to_ref(&sg, lbuf, pool.refs[0], 4095, 2);
	obs("dest-overflow=%s", ename(lab_grant_copy(cfd, &sg, 1)));
	seg_from_ref(&sg, pool.refs[0], 1, lbuf, 4096);
	obs("offset1-len4096=%s", ename(lab_grant_copy(cfd, &sg, 1)));
	seg_from_ref(&sg, pool.refs[0], 0, lbuf, 100);
	sg.source.virt = lbuf + P;
	sg.flags = 0;
	obs("local-to-local=%s", ename(lab_grant_copy(cfd, &sg, 1)));
}

/* Both sides grants: the driver passes it on and Xen does it. */
static void case_gref_to_gref(unsigned int arg)
{
	struct gntdev_grant_copy_segment sg;
	const char *r;

	copy_reset(6);
	seg_from_ref(&sg, pool.refs[0], 0, NULL, 500);
	sg.dest.foreign.ref = pool.refs[1];
	sg.dest.foreign.offset = 100;
	sg.flags |= GNTCOPY_dest_gref;
	r = copy_run(&sg, 1, NULL);
	obs("result=%s status=%d", r, sg.status);
}

/* A bad ref fails its segment (GNTST_bad_gntref), not the call. */
static void case_bad_ref(unsigned int arg)
{
	static const int want[] = { ST_BAD_GNTREF };
	struct gntdev_grant_copy_segment sg;
	const char *r;

	copy_reset(7);
	seg_from_ref(&sg, LAB_NEVER_GRANTED, 0, lbuf, 100);
	r = copy_run(&sg, 1, want);
	obs("source=%s,status=%d", r, sg.status);
	seg_to_ref(&sg, lbuf, LAB_NEVER_GRANTED, 0, 100);
	r = copy_run(&sg, 1, want);
	obs("dest=%s,status=%d", r, sg.status);
	/* Both halves of a page-crossing segment fail: one status. */
	seg_from_ref(&sg, LAB_NEVER_GRANTED, 0, lbuf + P - 10, 100);
	r = copy_run(&sg, 1, want);
	obs("crossing=%s,status=%d", r, sg.status);
}

static void case_bad_domid(unsigned int arg)
{
	static const int want[] = { ST_BAD_DOMAIN };
	struct gntdev_grant_copy_segment sg;
	const char *r;

	copy_reset(8);
	seg_from_ref(&sg, pool.refs[0], 0, lbuf, 100);
	sg.source.foreign.domid = NO_SUCH_DOMID;
	r = copy_run(&sg, 1, want);
	obs("result=%s status=%d", r, sg.status);
}

/* Bad segments among good ones fail alone, across the batch boundary. */
static void case_mixed(unsigned int arg)
{
	static const unsigned int bad20[] = { 0, 15, 16, 19 };
	struct gntdev_grant_copy_segment segs[20];
	int want[20];
	unsigned int i;

	copy_reset(9);
	for (i = 0; i < 5; i++) {
		bool bad = i & 1;
		__u32 ref = bad ? LAB_NEVER_GRANTED : pool.refs[i];

		if (i < 3)
			seg_from_ref(&segs[i], ref, 0, lbuf + 200 * i, 100);
		else
			seg_to_ref(&segs[i], lbuf + 200 * i, ref, 0, 100);
		want[i] = bad ? ST_BAD_GNTREF : 0;
	}
	obs("five=%s", copy_run(segs, 5, want));
	/* Twenty across the 16-op batch boundary, bad at both edges. */
	copy_reset(10);
	for (i = 0; i < 20; i++) {
		want[i] = 0;
		seg_from_ref(&segs[i], pool.refs[i % CS_PAGES],
			     64 * (i / CS_PAGES), lbuf + 64 * i, 64);
	}
	for (i = 0; i < ARRAY_SIZE(bad20); i++) {
		segs[bad20[i]].source.foreign.ref = LAB_NEVER_GRANTED;
		want[bad20[i]] = ST_BAD_GNTREF;
	}
	obs("twenty=%s", copy_run(segs, 20, want));
}

/* A read-only grant is a good source and a refused destination. */
static void case_ro_grant(unsigned int arg)
{
	static const int want[] = { WANT_ERROR };
	struct gntdev_grant_copy_segment sg;
	const char *r;

	copy_reset(11);
	seg_to_ref(&sg, lbuf, pool.ro.refs[0], 0, 100);
	r = copy_run(&sg, 1, want);
	obs("dest=%s,status=%d", r, sg.status);
	seg_from_ref(&sg, pool.ro.refs[0], 0, lbuf, 100);
	obs("source=%s", copy_run(&sg, 1, NULL));
}

/* Copies through unreadable or unwritable user memory. */
static void efault_local(unsigned char *gone)
{
	struct gntdev_grant_copy_segment sg, *ro;
	unsigned char *rdonly;
	int ret;

	seg_from_ref(&sg, pool.refs[0], 0, gone, 100);
	obs("local-dest-unmapped=%s", ename(lab_grant_copy(cfd, &sg, 1)));
	seg_to_ref(&sg, gone, pool.refs[0], 0, 100);
	obs("local-source-unmapped=%s", ename(lab_grant_copy(cfd, &sg, 1)));

	/* rdonly: page 0 read-only memory, page 1 a read-only segment. */
	rdonly = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rdonly == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	memset(rdonly, 0x5a, P);
	ro = (void *)(rdonly + P);
	seg_from_ref(ro, pool.refs[0], 0, lbuf, 100);
	if (mprotect(rdonly, 2 * P, PROT_READ))
		obs_end("mprotect=%s", ename(errno));
	seg_from_ref(&sg, pool.refs[0], 0, rdonly, 100);
	obs("local-dest-readonly=%s", ename(lab_grant_copy(cfd, &sg, 1)));
	seg_to_ref(&sg, rdonly, pool.refs[0], 0, 100);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-source-readonly=%s,status=%d", ename(ret), sg.status);
	obs("status-readonly=%s", ename(lab_grant_copy(cfd, ro, 1)));
}

/* Unreadable or unwritable user memory: EFAULT for the whole call. */
static void case_efault(unsigned int arg)
{
	unsigned char *gone;

	copy_reset(12);
	gone = mmap(NULL, P, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	munmap(gone, P);
	obs("segments-unmapped=%s",
	    ename(lab_grant_copy(cfd, (void *)gone, 1)));
	obs("segments-16=%s", ename(lab_grant_copy(cfd, (void *)16, 1)));
	obs("segments-null-count1=%s", ename(lab_grant_copy(cfd, NULL, 1)));
	obs("segments-null-count0=%s", ename(lab_grant_copy(cfd, NULL, 0)));
	efault_local(gone);
}

struct race {
	unsigned char *buf;
	volatile bool stop;
	unsigned long remaps;
	bool lost;
};

/* Unmap and map back the copy buffer as fast as possible. */
static void *race_unmapper(void *arg)
{
	struct race *r = arg;
	void *p;

	while (!r->stop) {
		munmap(r->buf, RACE_SEGS * P);
		sched_yield();
		p = mmap(r->buf, RACE_SEGS * P, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
		if (p != r->buf) {
			/* Someone else took the range: stop, don't clobber. */
			if (p != MAP_FAILED)
				munmap(p, RACE_SEGS * P);
			r->lost = true;
			break;
		}
		r->remaps++;
		sched_yield();
	}
	return NULL;
}

/* RACE_SEGS one-page segments over @buf, one way or the other. */
static void race_segs(struct gntdev_grant_copy_segment *segs,
		      unsigned char *buf, bool to_gref)
{
	unsigned int j;

	for (j = 0; j < RACE_SEGS; j++) {
		if (to_gref)
			seg_to_ref(&segs[j], buf + j * P, pool.refs[j], 0, P);
		else
			seg_from_ref(&segs[j], pool.refs[j], 0, buf + j * P, P);
	}
}

/*
 * Copies while another thread unmaps the local buffer: each call either
 * works or fails with EFAULT; the kernel must stay up (the lab's console
 * gate catches an oops).
 */
static void case_race_munmap(unsigned int arg)
{
	struct gntdev_grant_copy_segment segs[RACE_SEGS];
	unsigned long ok = 0, efault = 0, other = 0;
	struct race r = { 0 };
	pthread_t th;
	unsigned int i;
	int ret;

	copy_reset(13);
	r.buf = mmap(NULL, RACE_SEGS * P, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.buf == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	if (pthread_create(&th, NULL, race_unmapper, &r))
		obs_end("pthread=failed");
	for (i = 0; i < RACE_ITERS; i++) {
		race_segs(segs, r.buf, i & 1);
		ret = lab_grant_copy(cfd, segs, RACE_SEGS);
		if (!ret)
			ok++;
		else if (ret == -EFAULT)
			efault++;
		else
			other++;
	}
	r.stop = true;
	pthread_join(th, NULL);
	note("copy-race-munmap: %lu ok, %lu EFAULT, %lu other, %lu remaps", ok,
	     efault, other, r.remaps);
	obs("survived results=%s", other ? "other-errors" : "ok-or-EFAULT");
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("copy-basic", case_pair, 0, "to-local=ok to-gref=ok",
		     .need = CS_PAGES),
	CONFORM_CASE("copy-cross-local-page", case_pair, 1,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-len4096-aligned", case_pair, 2,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-len4096-unaligned", case_pair, 3,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-segs-1", case_segments, 1, "to-local=ok to-gref=ok",
		     .need = CS_PAGES),
	CONFORM_CASE("copy-segs-2", case_segments, 2, "to-local=ok to-gref=ok",
		     .need = CS_PAGES),
	CONFORM_CASE("copy-segs-16", case_segments, 16,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-segs-17", case_segments, 17,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-segs-64", case_segments, 64,
		     "to-local=ok to-gref=ok", .need = CS_PAGES),
	CONFORM_CASE("copy-segs-1024", case_segments, 1024,
		     "to-local=ok to-gref=ok", .need = CS_PAGES,
		     .timeout = 60),
	CONFORM_CASE("copy-len0", case_len0, 0,
		     "to-local=ok to-gref-offset4096=ok null-local=ok,status=0",
		     .need = CS_PAGES, .bad_input = true),
	CONFORM_CASE("copy-einval", case_einval, 0,
		     "source-overflow=EINVAL dest-overflow=EINVAL "
		     "offset1-len4096=EINVAL local-to-local=EINVAL",
		     .need = CS_PAGES, .bad_input = true),
	CONFORM_CASE("copy-gref-to-gref", case_gref_to_gref, 0,
		     "result=ok status=0", .need = CS_PAGES),
	CONFORM_CASE("copy-bad-ref-sides", case_bad_ref, 0,
		     "source=ok,status=-3 dest=ok,status=-3 "
		     "crossing=ok,status=-3", .need = CS_PAGES,
		     .bad_input = true),
	CONFORM_CASE("copy-bad-domid", case_bad_domid, 0,
		     "result=ok status=-2", .need = CS_PAGES,
		     .bad_input = true),
	CONFORM_CASE("copy-mixed", case_mixed, 0, "five=ok twenty=ok",
		     .need = CS_PAGES, .bad_input = true),
	CONFORM_CASE("copy-ro-grant", case_ro_grant, 0,
		     "dest=ok,status=-1 source=ok", .need = CS_PAGES,
		     .bad_input = true),
	CONFORM_CASE("copy-efault", case_efault, 0,
		     "segments-unmapped=EFAULT segments-16=EFAULT "
		     "segments-null-count1=EFAULT segments-null-count0=ok "
		     "local-dest-unmapped=EFAULT local-source-unmapped=EFAULT "
		     "local-dest-readonly=EFAULT "
		     "local-source-readonly=ok,status=0 status-readonly=EFAULT",
		     .need = CS_PAGES, .bad_input = true),
	CONFORM_CASE("copy-race-munmap", case_race_munmap, 0,
		     "survived results=ok-or-EFAULT", .need = CS_PAGES,
		     .timeout = 60, .bad_input = true),
};
/* clang-format on */

CONFORM_GROUP(conform_copy, "copy", .by_default = true);
