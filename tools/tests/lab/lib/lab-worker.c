// SPDX-License-Identifier: GPL-2.0
/*
 * lab-worker.c - the lab's one random map/mmap/touch/munmap/unmap worker.
 *
 * A step maps a window of the worker's refs and does one thing with it:
 * mmap it (read-write or read-only), check every page's signature and
 * GET_OFFSET_FOR_VADDR, write through the mapping; or grant-copy the pages
 * out (and, when the worker owns them, a pattern in); or close the file
 * and open a new one. Up to max_live maps stay live between steps and go
 * in random order, UNMAP before or after munmap, sometimes a VMA split in
 * two. The torture's kill children and concurrency workers and the fuzzer's
 * fork child all run it, each with its own parameters.
 */
#include "lab.h"

#include <sys/mman.h>

#define PG LAB_PAGE_SIZE
#define WORDS LAB_PAGE_WORDS

const char *const lab_wstage_name[LAB_WS_NR] = {
	"start",  "open",  "map",  "mmap",  "touch",
	"munmap", "unmap", "copy", "close",
};

/* Record the first failure: @err a positive errno, 0 for wrong data. */
static bool __attribute__((format(printf, 3, 4)))
wk_fail(struct lab_worker *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (w->st->failed++)
		return false;
	w->st->err = err;
	va_start(ap, fmt);
	vsnprintf(w->st->msg, sizeof(w->st->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* Count @delta grants held against the shared limit, if there is one. */
static bool wk_held(struct lab_worker *w, long delta)
{
	long v;

	if (!w->held)
		return true;
	v = __atomic_add_fetch(w->held, delta, __ATOMIC_SEQ_CST);
	if (v > w->st->held_max)
		w->st->held_max = v;
	if (v > w->limit)
		return wk_fail(w, 0, "%ld grants held, limit %ld", v, w->limit);
	return true;
}

/*
 * Write a scratch word of page @page through @mp; if the worker owns the
 * page, see it from the granting side, and a write there in the mapping.
 */
static bool wk_write(struct lab_worker *w, volatile __u64 *mp, __u32 page)
{
	__u32 k = 1 + lab_below(&w->r, WORDS - 1);
	__u64 v = lab_rnd(&w->r);
	volatile __u64 *pg;

	mp[k] = v;
	w->st->writes++;
	if (!w->mem)
		return true;
	pg = w->mem + (size_t)page * WORDS;
	if (pg[k] != v)
		return wk_fail(
			w, 0, "write through map of ref %u not seen by granter",
			w->refs[page]);
	pg[k] = ~v;
	if (mp[k] != ~v)
		return wk_fail(w, 0,
			       "granter's write to ref %u not seen in map",
			       w->refs[page]);
	w->st->writes++;
	return true;
}

/* Every page of a mapping shows its ref's signature; write if writable. */
static bool wk_touch(struct lab_worker *w, const struct lab_wlive *l)
{
	volatile __u64 *mp;
	__u32 i;

	w->st->stage = LAB_WS_TOUCH;
	for (i = 0; i < l->n; i++) {
		mp = (volatile __u64 *)l->addr + (size_t)i * WORDS;
		if (mp[0] != lab_sig(w->refs[l->s + i]))
			return wk_fail(
				w, 0,
				"page %u of a map shows %#llx, not ref %u", i,
				(unsigned long long)mp[0], w->refs[l->s + i]);
		w->st->pages++;
		if (l->writable && !wk_write(w, mp, l->s + i))
			return false;
	}
	return true;
}

static bool wk_mmap(struct lab_worker *w, struct lab_wlive *l)
{
	bool rw = !w->rdonly && lab_below(&w->r, 4);
	__u32 count = 0;
	__u64 off = 0;
	int ret;

	w->st->stage = LAB_WS_MMAP;
	l->addr = lab_mmap(NULL, l->n, rw ? PROT_READ | PROT_WRITE : PROT_READ,
			   MAP_SHARED, w->fd, l->off);
	if (!l->addr)
		return wk_fail(w, errno, "mmap of %u at %#llx: %s", l->n,
			       (unsigned long long)l->off, lab_errname(errno));
	l->writable = rw;
	w->st->mmaps++;
	ret = lab_get_offset(w->fd, l->addr, &off, &count);
	if (ret || off != l->off || count != l->n)
		return wk_fail(w, -ret,
			       "GET_OFFSET: %s, offset %#llx/%#llx count %u/%u",
			       lab_retname(ret), (unsigned long long)off,
			       (unsigned long long)l->off, count, l->n);
	w->st->getoffs++;
	return wk_touch(w, l);
}

/* Map refs [@s, @s + @n), and mmap them if @mmapped. */
static bool wk_map(struct lab_worker *w, __u32 s, __u32 n, bool mmapped)
{
	struct lab_wlive *l = &w->live[w->nlive];
	int ret;

	w->st->stage = LAB_WS_MAP;
	*l = (struct lab_wlive){ .s = s, .n = n };
	ret = lab_map(w->fd, w->refs + s, n, 0, &l->off);
	if (ret == -ENOSPC && w->may_enospc) {
		w->st->enospc++;
		return true;
	}
	if (ret)
		return wk_fail(w, -ret, "MAP of %u: %s", n, lab_retname(ret));
	w->nlive++;
	w->st->maps++;
	if (!wk_held(w, n))
		return false;
	if (l->off & (PG - 1))
		return wk_fail(w, 0, "MAP returned unaligned offset %#llx",
			       (unsigned long long)l->off);
	return mmapped ? wk_mmap(w, l) : true;
}

static bool wk_unmap(struct lab_worker *w, const struct lab_wlive *l)
{
	int ret;

	w->st->stage = LAB_WS_UNMAP;
	wk_held(w, -(long)l->n);
	ret = lab_unmap(w->fd, l->off, l->n);
	if (ret)
		return wk_fail(w, -ret, "UNMAP of %u at %#llx: %s", l->n,
			       (unsigned long long)l->off, lab_retname(ret));
	w->st->unmaps++;
	return true;
}

static void wk_munmap(struct lab_worker *w, const struct lab_wlive *l)
{
	w->st->stage = LAB_WS_MUNMAP;
	if (l->n > 1 && lab_below(&w->r, 3) == 0) {
		/* In two pieces: a split VMA first. */
		munmap(l->addr, PG);
		munmap((char *)l->addr + PG, (l->n - 1) * PG);
	} else {
		munmap(l->addr, l->n * PG);
	}
}

/* Drop live map @i: munmap and UNMAP in either order. */
static bool wk_drop(struct lab_worker *w, unsigned int i)
{
	struct lab_wlive l = w->live[i];
	bool unmap_first = lab_below(&w->r, 2);

	w->live[i] = w->live[--w->nlive];
	if (unmap_first) {
		if (!wk_unmap(w, &l))
			return false;
		/* The VMA keeps the grants: still the right data. */
		if (l.addr && !wk_touch(w, &l))
			return false;
	}
	if (l.addr)
		wk_munmap(w, &l);
	return unmap_first || wk_unmap(w, &l);
}

/* Close the file with whatever is live, munmap it all, open a new one. */
static bool wk_reopen(struct lab_worker *w)
{
	struct lab_wlive *l;

	w->st->stage = LAB_WS_CLOSE;
	close(w->fd);
	/* The maps left the file; the VMAs keep their grants until munmap. */
	while (w->nlive) {
		l = &w->live[--w->nlive];
		wk_held(w, -(long)l->n);
		if (l->addr)
			wk_munmap(w, l);
	}
	w->st->stage = LAB_WS_OPEN;
	w->fd = lab_gntdev_open(w->node);
	if (w->fd < 0)
		return wk_fail(w, -w->fd, "open: %s", lab_retname(w->fd));
	return true;
}

/* Grant-copy the pages of refs [@s, @s + @n) out; and a pattern in. */
static bool wk_copy(struct lab_worker *w, __u32 s, __u32 n)
{
	static __thread __u64 buf[LAB_WORKER_PAGES][WORDS];
	struct gntdev_grant_copy_segment seg[LAB_WORKER_PAGES];
	__u64 base = lab_rnd(&w->r);
	volatile __u64 *pg;
	__u32 i, k;
	int ret;

	w->st->stage = LAB_WS_COPY;
	memset(seg, 0, sizeof(seg));
	for (i = 0; i < n; i++) {
		seg[i].source.foreign.ref = w->refs[s + i];
		seg[i].dest.virt = buf[i];
		seg[i].len = PG;
		seg[i].flags = GNTCOPY_source_gref;
	}
	ret = lab_grant_copy(w->fd, seg, n);
	if (ret)
		return wk_fail(w, -ret, "GRANT_COPY: %s", lab_retname(ret));
	for (i = 0; i < n; i++) {
		if (seg[i].status != GNTST_okay ||
		    buf[i][0] != lab_sig(w->refs[s + i]))
			return wk_fail(
				w, 0, "copy from ref %u: status %d word0 %#llx",
				w->refs[s + i], seg[i].status,
				(unsigned long long)buf[i][0]);
	}
	if (!w->mem)
		goto out;
	/* Into the grants, past the signature word. */
	for (i = 0; i < n; i++) {
		for (k = 1; k < WORDS; k++)
			buf[i][k] = base ^ k;
		memset(&seg[i], 0, sizeof(seg[i]));
		seg[i].source.virt = &buf[i][1];
		seg[i].dest.foreign.ref = w->refs[s + i];
		seg[i].dest.foreign.offset = sizeof(__u64);
		seg[i].len = PG - sizeof(__u64);
		seg[i].flags = GNTCOPY_dest_gref;
	}
	ret = lab_grant_copy(w->fd, seg, n);
	if (ret)
		return wk_fail(w, -ret, "GRANT_COPY: %s", lab_retname(ret));
	for (i = 0; i < n; i++) {
		pg = w->mem + (size_t)(s + i) * WORDS;
		if (seg[i].status != GNTST_okay ||
		    pg[0] != lab_sig(w->refs[s + i]) ||
		    pg[WORDS - 1] != (base ^ (WORDS - 1)))
			return wk_fail(w, 0, "copy to ref %u: status %d",
				       w->refs[s + i], seg[i].status);
	}
out:
	w->st->copies++;
	return true;
}

bool lab_worker_step(struct lab_worker *w)
{
	__u32 n = 1 + lab_below(&w->r, w->max_pages);
	__u32 s = lab_below(&w->r, w->nrefs - n + 1);
	unsigned int what = lab_below(&w->r, 8);
	bool ok;

	if (what == 0 && w->reopen)
		ok = wk_reopen(w);
	else if (what == 1 || what == 2)
		ok = wk_copy(w, s, n);
	else
		ok = wk_map(w, s, n, what > 3);
	while (ok && w->nlive > lab_below(&w->r, w->max_live + 1))
		ok = wk_drop(w, lab_below(&w->r, w->nlive));
	if (ok)
		w->st->steps++;
	return ok;
}

bool lab_worker_run(struct lab_worker *w, double deadline, int *stop)
{
	while (!(stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) &&
	       lab_now() < deadline) {
		if (!lab_worker_step(w)) {
			if (stop)
				__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
			return false;
		}
	}
	return true;
}

void lab_worker_stats_add(struct lab_worker_stats *sum,
			  const struct lab_worker_stats *s)
{
	sum->steps += s->steps;
	sum->maps += s->maps;
	sum->mmaps += s->mmaps;
	sum->pages += s->pages;
	sum->writes += s->writes;
	sum->copies += s->copies;
	sum->getoffs += s->getoffs;
	sum->unmaps += s->unmaps;
	sum->enospc += s->enospc;
	if (s->held_max > sum->held_max)
		sum->held_max = s->held_max;
}
