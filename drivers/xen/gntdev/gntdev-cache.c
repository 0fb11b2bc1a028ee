// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-cache.c - what the driver keeps between maps so the next ones
 * start faster: spare pages to map grants over, and spare per-grant state
 * blocks (each with its pages) of maps gone.  gntdev-map.c and
 * gntdev-dmabuf.c take from here and give back; nothing here knows about
 * maps.  Both caches are bounded, and emptied at module exit.
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <xen/grant_table.h>
#include <xen/page.h>
#include <asm/xen/page.h>

#include "gntdev-common.h"

/*
 * Spare pages to map grants over, kept between maps: a page from the
 * unpopulated pool costs a foreign-page record allocated and freed with
 * it, a kept page costs neither.
 */
static struct gnttab_page_cache gntdev_page_cache;

static unsigned int gntdev_page_cache_max = 4096;
module_param_named(page_cache, gntdev_page_cache_max, uint, 0644);
MODULE_PARM_DESC(page_cache,
		 "Unmapped pages kept for the next maps (default: 4096)");

/*
 * PV: give the p2m entry of every page a leaf page of its own, so that
 * gntdev_kmap_grant() can aim it at a foreign frame with one store, never
 * an allocation.  Leaves are never freed, and a page keeps its pfn in the
 * caches: once per page it takes, one call per leaf the pages touch.
 */
static int gntdev_pages_prepare_p2m(struct page **pages, u32 n)
{
	unsigned long pfn, leaf = ULONG_MAX;
	u32 i;

	if (!gntdev_use_ptemod())
		return 0;
	for (i = 0; i < n; i++) {
		pfn = page_to_pfn(pages[i]);
		if (pfn / P2M_PER_PAGE == leaf)
			continue;
		if (xen_alloc_p2m_entry(pfn))
			return -ENOMEM;
		leaf = pfn / P2M_PER_PAGE;
	}
	return 0;
}

/**
 * gntdev_pages_get() - take pages to map grants over
 * @pages: Filled with @n pages from the spare page cache or the
 *	unpopulated pool, their p2m leaves ready on PV.
 * @n: Number of pages.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM with no page taken.
 */
int gntdev_pages_get(struct page **pages, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (gnttab_page_cache_get(&gntdev_page_cache, &pages[i]))
			goto out_put;
	}
	if (gntdev_pages_prepare_p2m(pages, n))
		goto out_put;
	return 0;

out_put:
	gnttab_page_cache_put(&gntdev_page_cache, pages, i);
	return -ENOMEM;
}

/**
 * gntdev_pages_put() - give back pages from gntdev_pages_get()
 * @pages: The pages, with no grant mapped over them any more.
 * @n: Number of pages.
 *
 * Context: Process context, may sleep.
 */
void gntdev_pages_put(struct page **pages, u32 n)
{
	gnttab_page_cache_put(&gntdev_page_cache, pages, n);
	/* Racy read, fine: the cap is a bound on waste, not a promise. */
	if (gntdev_page_cache.num_pages > gntdev_page_cache_max)
		gnttab_page_cache_shrink(&gntdev_page_cache,
					 gntdev_page_cache_max);
}

/*
 * Spare per-grant state blocks, each with its pages, left by maps gone: a
 * backend maps the same sizes over and over, and a new block costs its
 * zeroing (init_on_alloc), its pages and, later, freeing them all.  A few
 * blocks of modest maps are kept; the oldest goes when a new one comes.
 */
#define GNTDEV_SPARES 8
#define GNTDEV_SPARE_MAX_COUNT 1024

struct gntdev_spare {
	void *block;
	u32 count;
};

static DEFINE_SPINLOCK(gntdev_spares_lock);
static struct gntdev_spare gntdev_spares[GNTDEV_SPARES];
static unsigned int gntdev_spares_next; /* the slot to take over next */

static void gntdev_block_free(void *block, u32 count)
{
	gntdev_pages_put(block, count); /* The block starts with its pages. */
	kvfree(block);
}

/**
 * gntdev_spare_get() - take a spare state block
 * @count: Grants the block must be for.
 *
 * Context: Any context but interrupts; takes a spinlock.
 * Return: A block of a map of @count grants, its pages still in it, or
 * NULL if none is kept.
 */
void *gntdev_spare_get(u32 count)
{
	void *block = NULL;
	unsigned int i;

	spin_lock(&gntdev_spares_lock);
	for (i = 0; i < GNTDEV_SPARES; i++) {
		if (gntdev_spares[i].block && gntdev_spares[i].count == count) {
			block = gntdev_spares[i].block;
			gntdev_spares[i].block = NULL;
			break;
		}
	}
	spin_unlock(&gntdev_spares_lock);
	return block;
}

/**
 * gntdev_spare_put() - keep a map's state block for a later map, or free it
 * @block: The block; it starts with its @count pages, which no grant is
 *	mapped over any more and nobody uses.
 * @count: Grants of the map it was for.
 *
 * Context: Process context, may sleep (freeing an evicted block).
 */
void gntdev_spare_put(void *block, u32 count)
{
	struct gntdev_spare old = {};
	unsigned int i;

	if (count > GNTDEV_SPARE_MAX_COUNT) {
		gntdev_block_free(block, count);
		return;
	}
	spin_lock(&gntdev_spares_lock);
	for (i = 0; i < GNTDEV_SPARES && gntdev_spares[i].block; i++)
		;
	if (i == GNTDEV_SPARES) {
		i = gntdev_spares_next;
		gntdev_spares_next = (i + 1) % GNTDEV_SPARES;
		old = gntdev_spares[i];
	}
	gntdev_spares[i].block = block;
	gntdev_spares[i].count = count;
	spin_unlock(&gntdev_spares_lock);
	if (old.block)
		gntdev_block_free(old.block, old.count);
}

/**
 * gntdev_cache_init() - set up the spare caches
 *
 * Context: Module init.
 */
void gntdev_cache_init(void)
{
	gnttab_page_cache_init(&gntdev_page_cache);
}

/**
 * gntdev_cache_exit() - free every spare block and give every page back
 *
 * Context: Module exit, once no map is left.
 */
void gntdev_cache_exit(void)
{
	unsigned int i;

	for (i = 0; i < GNTDEV_SPARES; i++) {
		if (gntdev_spares[i].block)
			gntdev_block_free(gntdev_spares[i].block,
					  gntdev_spares[i].count);
		gntdev_spares[i].block = NULL;
	}
	gnttab_page_cache_shrink(&gntdev_page_cache, 0);
}
