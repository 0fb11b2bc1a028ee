// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-copy.c - IOCTL_GNTDEV_GRANT_COPY: copy to and from foreign grants
 * without mapping them.
 *
 * Each segment names a foreign side (grant ref, offset, domain) and/or a
 * local side (a user address).  The foreign side must lie within one 4 KiB
 * grant; the local side may cross pages and is split at page boundaries,
 * each piece one GNTTABOP_copy op on a pinned page.  Ops are queued and
 * issued GNTDEV_COPY_BATCH at a time.  A segment's status is GNTST_okay
 * unless one of its ops failed, in which case it is the first failure.
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "gntdev-common.h"

/*
 * Ops per GNTTABOP_copy hypercall.  Measured in one lab boot, 16, 64 and
 * 256 interleaved over three rounds: 16 was as fast or faster at every
 * size (e.g. 256 segments gref->local: 277, 178, 71 MiB/s), so larger
 * batches only cost memory.  -DGNTDEV_COPY_BATCH=N builds a variant.
 */
#ifndef GNTDEV_COPY_BATCH
#define GNTDEV_COPY_BATCH 16
#endif

/**
 * struct gntdev_copy_batch - ops queued for one GNTTABOP_copy
 * @ops: The ops.
 * @status: Where each op's segment keeps its status, in user memory.
 * @pages: Local pages pinned for the ops.
 * @dirty: Whether each page was written (copied into).
 * @nr_ops: Ops queued.
 * @nr_pages: Pages pinned.
 * @mixed: Some pinned pages were written and some not.
 */
struct gntdev_copy_batch {
	struct gnttab_copy ops[GNTDEV_COPY_BATCH];
	s16 __user *status[GNTDEV_COPY_BATCH];
	struct page *pages[2 * GNTDEV_COPY_BATCH];
	bool dirty[2 * GNTDEV_COPY_BATCH];
	unsigned int nr_ops;
	unsigned int nr_pages;
	bool mixed;
};

static void gntdev_copy_unpin(struct gntdev_copy_batch *batch)
{
	unsigned int i, run;

	/* Usually all pages are alike: one call for the whole batch. */
	if (!batch->mixed) {
		if (batch->nr_pages)
			unpin_user_pages_dirty_lock(
				batch->pages, batch->nr_pages, batch->dirty[0]);
		batch->nr_pages = 0;
		return;
	}
	/* Else one call per run of pages alike. */
	for (i = 0; i < batch->nr_pages; i += run) {
		for (run = 1; i + run < batch->nr_pages; run++)
			if (batch->dirty[i + run] != batch->dirty[i])
				break;
		unpin_user_pages_dirty_lock(&batch->pages[i], run,
					    batch->dirty[i]);
	}
	batch->nr_pages = 0;
	batch->mixed = false;
}

/* Pin the page under a local address; returns its frame for Xen. */
static int gntdev_copy_pin(struct gntdev_copy_batch *batch, u64 addr,
			   bool write, xen_pfn_t *gfn)
{
	struct page *page;
	int ret;

	ret = pin_user_pages_fast(addr, 1, write ? FOLL_WRITE : 0, &page);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return -EFAULT;
	batch->pages[batch->nr_pages] = page;
	batch->dirty[batch->nr_pages] = write;
	if (batch->nr_pages++ && write != batch->dirty[0])
		batch->mixed = true;
	*gfn = pfn_to_gfn(page_to_xen_pfn(page) +
			  XEN_PFN_DOWN(addr & ~PAGE_MASK));
	return 0;
}

/* Issue the queued ops; record each failure in its segment's status. */
static int gntdev_copy_flush(struct gntdev_copy_batch *batch)
{
	unsigned int i;
	s16 old;

	if (!batch->nr_ops)
		return 0;
	gnttab_batch_copy(batch->ops, batch->nr_ops);
	gntdev_copy_unpin(batch);
	for (i = 0; i < batch->nr_ops; i++) {
		if (batch->ops[i].status == GNTST_okay)
			continue;
		/* Only a segment's first failure is reported. */
		if (get_user(old, batch->status[i]))
			return -EFAULT;
		if (old != GNTST_okay)
			continue;
		if (put_user(batch->ops[i].status, batch->status[i]))
			return -EFAULT;
	}
	batch->nr_ops = 0;
	return 0;
}

/* Queue the ops of one segment, flushing whenever the batch fills. */
static int gntdev_copy_segment(struct gntdev_copy_batch *batch,
			       struct gntdev_grant_copy_segment *seg,
			       s16 __user *status)
{
	u32 done = 0, len;
	xen_pfn_t gfn;
	u64 addr;
	int err;

	while (done < seg->len) {
		struct gnttab_copy *op;

		if (batch->nr_ops == GNTDEV_COPY_BATCH) {
			err = gntdev_copy_flush(batch);
			if (err)
				return err;
		}
		/* Every field Xen reads is set below. */
		op = &batch->ops[batch->nr_ops];
		op->flags = 0;
		len = seg->len - done;

		if (seg->flags & GNTCOPY_source_gref) {
			op->source.u.ref = seg->source.foreign.ref;
			op->source.domid = seg->source.foreign.domid;
			op->source.offset = seg->source.foreign.offset + done;
			op->flags |= GNTCOPY_source_gref;
		} else {
			addr = (unsigned long)seg->source.virt + done;
			len = gntdev_copy_chunk(addr, len);
			err = gntdev_copy_pin(batch, addr, false, &gfn);
			if (err)
				return err;
			op->source.u.gmfn = gfn;
			op->source.offset = addr & ~XEN_PAGE_MASK;
			op->source.domid = DOMID_SELF;
		}

		if (seg->flags & GNTCOPY_dest_gref) {
			op->dest.u.ref = seg->dest.foreign.ref;
			op->dest.domid = seg->dest.foreign.domid;
			op->dest.offset = seg->dest.foreign.offset + done;
			op->flags |= GNTCOPY_dest_gref;
		} else {
			addr = (unsigned long)seg->dest.virt + done;
			len = gntdev_copy_chunk(addr, len);
			err = gntdev_copy_pin(batch, addr, true, &gfn);
			if (err)
				return err;
			op->dest.u.gmfn = gfn;
			op->dest.offset = addr & ~XEN_PAGE_MASK;
			op->dest.domid = DOMID_SELF;
		}

		op->len = len;
		batch->status[batch->nr_ops++] = status;
		done += len;
	}
	return 0;
}

/*
 * One batch per file is kept between calls: allocating (and, with
 * init_on_alloc, zeroing) it on every call cost a third of a one-segment
 * copy.  Concurrent callers on one file get fresh ones.
 */
static struct gntdev_copy_batch *gntdev_copy_batch_get(struct gntdev_file *priv)
{
	struct gntdev_copy_batch *batch = xchg(&priv->copy_batch, NULL);

	if (!batch)
		batch = kmalloc(sizeof(*batch), GFP_KERNEL);
	return batch;
}

static void gntdev_copy_batch_put(struct gntdev_file *priv,
				  struct gntdev_copy_batch *batch)
{
	if (cmpxchg(&priv->copy_batch, NULL, batch))
		kfree(batch);
}

/**
 * gntdev_copy_release() - free the file's cached copy batch
 * @priv: The file, being released.
 *
 * Context: Process context.
 */
void gntdev_copy_release(struct gntdev_file *priv)
{
	kfree(priv->copy_batch);
	priv->copy_batch = NULL;
}

/*
 * A 32-bit process's user address fills only the low half of the 8-byte
 * union; the high half is whatever its memory held there.
 */
static void __user *gntdev_compat_virt(void __user *virt)
{
	return (void __user *)(unsigned long)lower_32_bits((unsigned long)virt);
}

static void gntdev_copy_segment_compat(struct gntdev_grant_copy_segment *seg)
{
	if (!(seg->flags & GNTCOPY_source_gref))
		seg->source.virt = gntdev_compat_virt(seg->source.virt);
	if (!(seg->flags & GNTCOPY_dest_gref))
		seg->dest.virt = gntdev_compat_virt(seg->dest.virt);
}

/* The copy itself, for a request in either process ABI. */
static long gntdev_grant_copy(struct gntdev_file *priv, u32 count,
			      struct gntdev_grant_copy_segment __user *segments,
			      bool compat)
{
	struct gntdev_grant_copy_segment seg;
	struct gntdev_copy_batch *batch;
	unsigned int i;
	int err = 0;

	/* QEMU probes for the feature with a zero-length copy. */
	if (!count)
		return 0;

	batch = gntdev_copy_batch_get(priv);
	if (!batch)
		return -ENOMEM;
	batch->nr_ops = 0;
	batch->nr_pages = 0;
	batch->mixed = false;

	for (i = 0; i < count; i++) {
		if (copy_from_user(&seg, &segments[i], sizeof(seg))) {
			err = -EFAULT;
			break;
		}
		if (compat)
			gntdev_copy_segment_compat(&seg);
		err = gntdev_check_copy_segment(seg.flags, seg.len,
						seg.source.foreign.offset,
						seg.dest.foreign.offset);
		if (err)
			break;
		if (put_user((s16)GNTST_okay, &segments[i].status)) {
			err = -EFAULT;
			break;
		}
		err = gntdev_copy_segment(batch, &seg, &segments[i].status);
		if (err)
			break;
		/* Every batch's worth of segments: at most 64 KiB copied. */
		if (i % GNTDEV_COPY_BATCH != GNTDEV_COPY_BATCH - 1)
			continue;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!err)
		err = gntdev_copy_flush(batch);
	gntdev_copy_unpin(batch);
	gntdev_copy_batch_put(priv, batch);
	return err;
}

/**
 * gntdev_ioctl_grant_copy() - IOCTL_GNTDEV_GRANT_COPY
 * @priv: The file (copies need no map; it only caches a batch).
 * @u: The request in user memory.
 *
 * Context: Process context, may sleep.
 * Return: 0 when every segment's status was written (check them); -EINVAL
 * for a segment no copy can satisfy, -EFAULT for bad user memory, -ENOMEM,
 * -EINTR if the caller was killed.  On failure statuses are undefined.
 */
long gntdev_ioctl_grant_copy(struct gntdev_file *priv,
			     struct ioctl_gntdev_grant_copy __user *u)
{
	struct ioctl_gntdev_grant_copy op;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	return gntdev_grant_copy(priv, op.count, op.segments, false);
}

#ifdef CONFIG_COMPAT
/**
 * gntdev_ioctl_grant_copy32() - IOCTL_GNTDEV_GRANT_COPY from a 32-bit process
 * @priv: The file.
 * @u: The request in user memory, in the i386 layout (8 bytes).
 *
 * The segments have the same layout in both ABIs but for their user
 * addresses, which take the low half of their unions.
 *
 * Context: Process context, may sleep.
 * Return: As gntdev_ioctl_grant_copy().
 */
long gntdev_ioctl_grant_copy32(struct gntdev_file *priv,
			       struct ioctl_gntdev_grant_copy32 __user *u)
{
	struct ioctl_gntdev_grant_copy32 op;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	return gntdev_grant_copy(priv, op.count, compat_ptr(op.segments), true);
}
#endif
