// SPDX-License-Identifier: GPL-2.0
/*
 * gntfloor.c - benchmark-only module: what grant map, unmap and copy cost
 * in the hypervisor itself, with no driver, VMA or user space in the way.
 *
 * It is the floor that tools/bench/gntbench compares gntdev drivers with.
 * Write one command to /sys/kernel/debug/gntfloor/run, then read the
 * result back from the same file:
 *
 *   map N ITER [K [pte]]
 *	Grant N pages of our own to domain 0 (ourselves), then ITER times
 *	map all N in one batch and unmap them again, K mappings per grant
 *	(1, or 2 as the in-tree PV gntdev does: user PTE plus kernel
 *	address), each into the kernel address of an unpopulated page; with
 *	"pte", the first mapping of each grant goes into a page-table entry
 *	instead (GNTMAP_contains_pte, as a PV gntdev maps user PTEs; here
 *	the PTEs of a vmap() area).  One GNTTABOP_map_grant_ref and one
 *	GNTTABOP_unmap_grant_ref hypercall per K, issued directly: no p2m
 *	bookkeeping, which is the kernel's cost, not the hypervisor's.
 *
 *   alloc N ITER
 *	ITER times get and free what a PV gntdev map of N grants needs
 *	besides hypercalls: N unpopulated pages (gnttab_alloc_pages) and
 *	its per-grant arrays (kvcalloc), timed apart.
 *
 *   copy N ITER in|out
 *	ITER times one GNTTABOP_copy of N 4 KiB ops, from the N grants into
 *	kernel pages ("in") or from kernel pages into the grants ("out").
 *
 * The result is one line of key=value fields with nanosecond totals of
 * the timed loop only (setup is not timed), e.g.
 *
 *   ok op=map n=64 k=1 iters=1000 map_ns=... unmap_ns=... min_map_ns=...
 *      min_unmap_ns=... min_ns=...
 *
 * (min_* are per-iteration minimums; min_ns is of map + unmap together.)
 *
 * A failing command returns its error from write() and reads back as
 * "error op=... err=-N".  Every grant mapped here is unmapped, and every
 * grant made here is ended, before write() returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

/* Enough for gntbench's largest batch; each page is also a grant ref. */
#define GNTFLOOR_MAX_PAGES 4096U
#define GNTFLOOR_MAX_ITERS 10000000U
/* First word of granted page i, so a mapping of the wrong page shows. */
#define GNTFLOOR_MAGIC 0x676e74666c6f6f72ULL

static DEFINE_MUTEX(gntfloor_lock);
static char gntfloor_result[512] = "none\n";
static struct dentry *gntfloor_dir;

/**
 * struct gntfloor_grants - N pages of ours, granted to ourselves
 * @pages: The granted pages.
 * @refs: Their grant references.
 * @n: Number of pages allocated (and of @refs valid, up to @granted).
 * @granted: Number of grants made so far.
 */
struct gntfloor_grants {
	struct page **pages;
	grant_ref_t *refs;
	unsigned int n;
	unsigned int granted;
};

static u64 gntfloor_pattern(unsigned int i)
{
	return GNTFLOOR_MAGIC ^ i;
}

static void gntfloor_ungrant(struct gntfloor_grants *g)
{
	unsigned int i;

	/* Each page goes with its grant, later if the grant is still busy. */
	for (i = 0; i < g->granted; i++)
		gnttab_end_foreign_access(g->refs[i], g->pages[i]);
	for (; g->pages && i < g->n; i++)
		if (g->pages[i])
			__free_page(g->pages[i]);
	kvfree(g->pages);
	kvfree(g->refs);
	memset(g, 0, sizeof(*g));
}

static int gntfloor_grant(struct gntfloor_grants *g, unsigned int n)
{
	unsigned int i;
	int ref;

	g->n = n;
	g->granted = 0;
	g->pages = kvcalloc(n, sizeof(*g->pages), GFP_KERNEL);
	g->refs = kvcalloc(n, sizeof(*g->refs), GFP_KERNEL);
	if (!g->pages || !g->refs)
		goto nomem;
	for (i = 0; i < n; i++) {
		g->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!g->pages[i])
			goto nomem;
		*(u64 *)page_address(g->pages[i]) = gntfloor_pattern(i);
	}
	for (i = 0; i < n; i++) {
		ref = gnttab_grant_foreign_access(
			0, xen_page_to_gfn(g->pages[i]), 0);
		if (ref < 0) {
			gntfloor_ungrant(g);
			return ref;
		}
		g->refs[i] = ref;
		g->granted++;
	}
	return 0;

nomem:
	gntfloor_ungrant(g);
	return -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* map */

/**
 * struct gntfloor_map - one "map" command
 * @g: The grants.
 * @k: Mappings per grant.
 * @pages: n * k unpopulated pages to map over; mapping j of grant i goes
 *	to the kernel address of @pages[j * n + i].
 * @mops: Map ops, same layout.
 * @uops: Unmap ops, same layout; the handle is valid while mapped.
 * @scratch: pte only: the n pages of the vmap() area whose PTEs mapping 0
 *	of each grant replaces.
 * @area: pte only: that area.
 * @ptes: pte only: machine address of the PTE of page i of @area.
 */
struct gntfloor_map {
	struct gntfloor_grants g;
	unsigned int k;
	struct page **pages;
	struct gnttab_map_grant_ref *mops;
	struct gnttab_unmap_grant_ref *uops;
	struct page **scratch;
	void *area;
	u64 *ptes;
};

/* As a PV gntdev maps a user PTE (without the PTE's special bit). */
#define GNTFLOOR_PTE_FLAGS \
	(GNTMAP_host_map | GNTMAP_application_map | GNTMAP_contains_pte)

static unsigned long gntfloor_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/* Where mapping @idx (= j * n + i) goes, and with which flags. */
static u64 gntfloor_host(struct gntfloor_map *m, unsigned int idx, u32 *flags)
{
	if (m->area && idx < m->g.n) {
		*flags = GNTFLOOR_PTE_FLAGS;
		return m->ptes[idx];
	}
	*flags = GNTMAP_host_map;
	return gntfloor_kaddr(m->pages[idx]);
}

/* The address through which the kernel reads mapping @idx. */
static void *gntfloor_vaddr(struct gntfloor_map *m, unsigned int idx)
{
	if (m->area && idx < m->g.n)
		return m->area + (size_t)idx * PAGE_SIZE;
	return (void *)gntfloor_kaddr(m->pages[idx]);
}

static void gntfloor_pte_free(struct gntfloor_map *m)
{
	unsigned int i;

	/* Xen emptied the PTEs at unmap; vunmap() finds nothing to undo. */
	if (m->area)
		vunmap(m->area);
	for (i = 0; m->scratch && i < m->g.n; i++)
		if (m->scratch[i])
			__free_page(m->scratch[i]);
	kvfree(m->scratch);
	kvfree(m->ptes);
	m->area = NULL;
	m->scratch = NULL;
	m->ptes = NULL;
}

/* A kernel area of n pages, and the machine address of each of its PTEs. */
static int gntfloor_pte_alloc(struct gntfloor_map *m)
{
	unsigned int n = m->g.n, i, level;
	pte_t *pte;

	m->scratch = kvcalloc(n, sizeof(*m->scratch), GFP_KERNEL);
	m->ptes = kvcalloc(n, sizeof(*m->ptes), GFP_KERNEL);
	if (!m->scratch || !m->ptes)
		goto nomem;
	for (i = 0; i < n; i++) {
		m->scratch[i] = alloc_page(GFP_KERNEL);
		if (!m->scratch[i])
			goto nomem;
	}
	m->area = vmap(m->scratch, n, VM_MAP, PAGE_KERNEL);
	if (!m->area)
		goto nomem;
	for (i = 0; i < n; i++) {
		pte = lookup_address((unsigned long)m->area + i * PAGE_SIZE,
				     &level);
		if (!pte || level != PG_LEVEL_4K) {
			gntfloor_pte_free(m);
			return -EFAULT;
		}
		m->ptes[i] = arbitrary_virt_to_machine(pte).maddr;
	}
	return 0;

nomem:
	gntfloor_pte_free(m);
	return -ENOMEM;
}

/*
 * Unmap every mapping that has a handle, one hypercall per K.  Returns 0,
 * or -EIO if the hypervisor refused one (that grant then stays mapped,
 * and the lab's leak check says so).
 */
static int gntfloor_unmap(struct gntfloor_map *m)
{
	unsigned int n = m->g.n, i, j;
	struct gnttab_unmap_grant_ref *op;
	int rc, err = 0;

	for (j = 0; j < m->k; j++) {
		rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
					       m->uops + j * n, n);
		for (i = 0; i < n; i++) {
			op = &m->uops[j * n + i];
			if (op->handle == INVALID_GRANT_HANDLE)
				continue;
			if (rc || op->status != GNTST_okay) {
				pr_err("unmap %u/%u failed: rc %d status %d\n",
				       j, i, rc, op->status);
				err = -EIO;
			}
			op->handle = INVALID_GRANT_HANDLE;
		}
	}
	return err;
}

/*
 * Map all n * k, one hypercall per K, and record the handle of every
 * success so that gntfloor_unmap() undoes exactly those.  Returns 0 if
 * all succeeded.
 */
static int gntfloor_map_all(struct gntfloor_map *m)
{
	unsigned int n = m->g.n, i, j;
	int rc, err = 0;
	u64 host;
	u32 flags;

	for (j = 0; j < m->k; j++) {
		for (i = 0; i < n; i++) {
			host = gntfloor_host(m, j * n + i, &flags);
			gnttab_set_map_op(&m->mops[j * n + i], host, flags,
					  m->g.refs[i], 0);
		}
		rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					       m->mops + j * n, n);
		/* After a failed hypercall only explicit successes count. */
		for (i = 0; i < n; i++) {
			if (m->mops[j * n + i].status == GNTST_okay) {
				m->uops[j * n + i].handle =
					m->mops[j * n + i].handle;
				continue;
			}
			if (!err)
				pr_err("map %u/%u failed: rc %d status %d\n", j,
				       i, rc, m->mops[j * n + i].status);
			err = -EIO;
		}
	}
	return err;
}

/* Each mapping must show its grant's page through the kernel address. */
static int gntfloor_map_check(struct gntfloor_map *m)
{
	unsigned int n = m->g.n, i;
	u64 got;

	for (i = 0; i < n * m->k; i++) {
		got = READ_ONCE(*(u64 *)gntfloor_vaddr(m, i));
		if (got != gntfloor_pattern(i % n)) {
			pr_err("mapping %u shows %#llx, not %#llx\n", i, got,
			       gntfloor_pattern(i % n));
			return -EIO;
		}
	}
	return 0;
}

static int gntfloor_run_map(unsigned int n, unsigned int iters, unsigned int k,
			    bool pte)
{
	struct gntfloor_map m = { .k = k };
	u64 map_ns = 0, unmap_ns = 0, t0, t1, t2, t3, host;
	u64 min_map = U64_MAX, min_unmap = U64_MAX, min = U64_MAX;
	unsigned int i, it;
	int err, err2;
	u32 flags;

	err = gntfloor_grant(&m.g, n);
	if (err)
		return err;
	if (pte) {
		err = gntfloor_pte_alloc(&m);
		if (err)
			goto out_free;
	}
	err = -ENOMEM;
	m.pages = kvcalloc(n * k, sizeof(*m.pages), GFP_KERNEL);
	m.mops = kvcalloc(n * k, sizeof(*m.mops), GFP_KERNEL);
	m.uops = kvcalloc(n * k, sizeof(*m.uops), GFP_KERNEL);
	if (!m.pages || !m.mops || !m.uops)
		goto out_free;
	err = gnttab_alloc_pages(n * k, m.pages);
	if (err) {
		/* gnttab_free_pages() below only for pages we got. */
		kvfree(m.pages);
		m.pages = NULL;
		goto out_free;
	}
	for (i = 0; i < n * k; i++) {
		host = gntfloor_host(&m, i, &flags);
		gnttab_set_unmap_op(&m.uops[i], host, flags,
				    INVALID_GRANT_HANDLE);
	}

	for (it = 0; it < iters; it++) {
		t0 = ktime_get_ns();
		err = gntfloor_map_all(&m);
		t1 = ktime_get_ns();
		/* Check once, outside the timed part. */
		if (!err && !it)
			err = gntfloor_map_check(&m);
		t2 = ktime_get_ns();
		err2 = gntfloor_unmap(&m);
		t3 = ktime_get_ns();
		/* Minimums too: time stolen from the guest only ever adds. */
		map_ns += t1 - t0;
		unmap_ns += t3 - t2;
		min_map = min(min_map, t1 - t0);
		min_unmap = min(min_unmap, t3 - t2);
		min = min(min, t1 - t0 + t3 - t2);
		err = err ?: err2;
		if (err)
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!err)
		snprintf(
			gntfloor_result, sizeof(gntfloor_result),
			"ok op=map n=%u k=%u pte=%d iters=%u map_ns=%llu unmap_ns=%llu min_map_ns=%llu min_unmap_ns=%llu min_ns=%llu\n",
			n, k, pte, iters, map_ns, unmap_ns, min_map, min_unmap,
			min);

out_free:
	if (m.pages)
		gnttab_free_pages(n * k, m.pages);
	kvfree(m.pages);
	kvfree(m.mops);
	kvfree(m.uops);
	gntfloor_pte_free(&m);
	gntfloor_ungrant(&m.g);
	return err;
}

/* ------------------------------------------------------------------ */
/* alloc: the kernel-side bookkeeping a gntdev map pays besides hypercalls */

/*
 * A PV gntdev map of n grants needs n unpopulated pages to map over and
 * per-grant arrays: map and unmap ops for the user and the kernel
 * mapping, the page pointers and a flag.  Time getting and freeing both,
 * as the drivers do (kvcalloc: big maps come from vmalloc).
 */
static int gntfloor_run_alloc(unsigned int n, unsigned int iters)
{
	u64 page_alloc_ns = 0, page_free_ns = 0, array_ns = 0, t0, t1, t2;
	struct gnttab_map_grant_ref *mops, *kmops;
	struct gnttab_unmap_grant_ref *uops, *kuops;
	struct page **pages;
	unsigned int it;
	bool *flags;
	int err = 0;

	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (it = 0; it < iters && !err; it++) {
		t0 = ktime_get_ns();
		err = gnttab_alloc_pages(n, pages);
		t1 = ktime_get_ns();
		if (!err)
			gnttab_free_pages(n, pages);
		t2 = ktime_get_ns();
		page_alloc_ns += t1 - t0;
		page_free_ns += t2 - t1;

		t0 = ktime_get_ns();
		mops = kvcalloc(n, sizeof(*mops), GFP_KERNEL);
		kmops = kvcalloc(n, sizeof(*kmops), GFP_KERNEL);
		uops = kvcalloc(n, sizeof(*uops), GFP_KERNEL);
		kuops = kvcalloc(n, sizeof(*kuops), GFP_KERNEL);
		flags = kvcalloc(n, sizeof(*flags), GFP_KERNEL);
		if (!mops || !kmops || !uops || !kuops || !flags)
			err = -ENOMEM;
		kvfree(mops);
		kvfree(kmops);
		kvfree(uops);
		kvfree(kuops);
		kvfree(flags);
		array_ns += ktime_get_ns() - t0;
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	kvfree(pages);
	if (!err)
		snprintf(
			gntfloor_result, sizeof(gntfloor_result),
			"ok op=alloc n=%u iters=%u page_alloc_ns=%llu page_free_ns=%llu array_ns=%llu\n",
			n, iters, page_alloc_ns, page_free_ns, array_ns);
	return err;
}

/* ------------------------------------------------------------------ */
/* copy */

static int gntfloor_run_copy(unsigned int n, unsigned int iters, bool in)
{
	struct gntfloor_grants g;
	struct gnttab_copy *ops;
	struct page **local;
	u64 copy_ns = 0, min = U64_MAX, t0, t1;
	unsigned int i, it;
	int err, rc;

	err = gntfloor_grant(&g, n);
	if (err)
		return err;
	err = -ENOMEM;
	ops = kvcalloc(n, sizeof(*ops), GFP_KERNEL);
	local = kvcalloc(n, sizeof(*local), GFP_KERNEL);
	if (!ops || !local)
		goto out_free;
	for (i = 0; i < n; i++) {
		local[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!local[i])
			goto out_free;
		/* "out" writes the grants' own pattern back: no net change. */
		if (!in)
			*(u64 *)page_address(local[i]) = gntfloor_pattern(i);
	}

	err = 0;
	for (it = 0; it < iters && !err; it++) {
		/* Xen writes the status (and nothing else) back: refill. */
		for (i = 0; i < n; i++) {
			struct gnttab_copy *op = &ops[i];
			xen_pfn_t gfn = xen_page_to_gfn(local[i]);

			memset(op, 0, sizeof(*op));
			op->len = XEN_PAGE_SIZE;
			if (in) {
				op->flags = GNTCOPY_source_gref;
				op->source.u.ref = g.refs[i];
				op->source.domid = 0;
				op->dest.u.gmfn = gfn;
				op->dest.domid = DOMID_SELF;
			} else {
				op->flags = GNTCOPY_dest_gref;
				op->source.u.gmfn = gfn;
				op->source.domid = DOMID_SELF;
				op->dest.u.ref = g.refs[i];
				op->dest.domid = 0;
			}
		}
		t0 = ktime_get_ns();
		rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, n);
		t1 = ktime_get_ns();
		copy_ns += t1 - t0;
		min = min(min, t1 - t0);
		for (i = 0; i < n && !err; i++) {
			if (!rc && ops[i].status == GNTST_okay)
				continue;
			pr_err("copy %u failed: rc %d status %d\n", i, rc,
			       ops[i].status);
			err = -EIO;
		}
		if (!err && in && !it) {
			for (i = 0; i < n && !err; i++)
				if (*(u64 *)page_address(local[i]) !=
				    gntfloor_pattern(i))
					err = -EIO;
		}
		if (!err && fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	if (!err)
		snprintf(
			gntfloor_result, sizeof(gntfloor_result),
			"ok op=copy n=%u dir=%s iters=%u copy_ns=%llu min_ns=%llu\n",
			n, in ? "in" : "out", iters, copy_ns, min);

out_free:
	for (i = 0; local && i < n; i++)
		if (local[i])
			__free_page(local[i]);
	kvfree(local);
	kvfree(ops);
	gntfloor_ungrant(&g);
	return err;
}

/* ------------------------------------------------------------------ */
/* debugfs */

/* Every command's N and ITER have the same bounds. */
static bool gntfloor_bad(unsigned int n, unsigned int iters)
{
	return !n || n > GNTFLOOR_MAX_PAGES || !iters ||
	       iters > GNTFLOOR_MAX_ITERS;
}

static int gntfloor_command(char *cmd)
{
	unsigned int n, iters, k = 1;
	char dir[8] = "", how[8] = "";
	int args;

	args = sscanf(cmd, "map %u %u %u %7s", &n, &iters, &k, how);
	if (args >= 2) {
		if (gntfloor_bad(n, iters) || (k != 1 && k != 2) ||
		    (args == 4 && strcmp(how, "pte")))
			return -EINVAL;
		return gntfloor_run_map(n, iters, k, args == 4);
	}
	if (sscanf(cmd, "alloc %u %u", &n, &iters) == 2)
		return gntfloor_bad(n, iters) ? -EINVAL :
						gntfloor_run_alloc(n, iters);
	if (sscanf(cmd, "copy %u %u %7s", &n, &iters, dir) == 3) {
		if (gntfloor_bad(n, iters) ||
		    (strcmp(dir, "in") && strcmp(dir, "out")))
			return -EINVAL;
		return gntfloor_run_copy(n, iters, !strcmp(dir, "in"));
	}
	return -EINVAL;
}

static ssize_t gntfloor_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char cmd[64];
	int err;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);

	mutex_lock(&gntfloor_lock);
	err = gntfloor_command(cmd);
	if (err)
		snprintf(gntfloor_result, sizeof(gntfloor_result),
			 "error cmd=\"%s\" err=%d\n", cmd, err);
	mutex_unlock(&gntfloor_lock);
	return err ?: len;
}

static ssize_t gntfloor_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&gntfloor_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, gntfloor_result,
				      strlen(gntfloor_result));
	mutex_unlock(&gntfloor_lock);
	return ret;
}

static const struct file_operations gntfloor_fops = {
	.owner = THIS_MODULE,
	.write = gntfloor_write,
	.read = gntfloor_read,
	.llseek = default_llseek,
};

static int __init gntfloor_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	gntfloor_dir = debugfs_create_dir("gntfloor", NULL);
	debugfs_create_file("run", 0600, gntfloor_dir, NULL, &gntfloor_fops);
	return 0;
}

static void __exit gntfloor_exit(void)
{
	/* Waits for a command in progress: removal drains open users. */
	debugfs_remove(gntfloor_dir);
}

module_init(gntfloor_init);
module_exit(gntfloor_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark floor: raw Xen grant map/unmap/copy cost");
