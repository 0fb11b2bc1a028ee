// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-dmabuf.c - grants as dma-bufs, and dma-bufs as grants.
 *
 * Export (IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS): another domain's grants are
 * mapped for the kernel, over pages of our own, and handed out as a
 * dma-buf.  There is no user mapping: each grant is mapped with
 * GNTMAP_host_map at the kernel address of its page, as blkback does, and
 * on PV gnttab_map_refs() aims the page's p2m entry at the foreign frame,
 * so that swiotlb-xen and every importer see the granted frame behind the
 * page.  The grants stay mapped until the dma-buf is released, that is
 * until the last fd and the last importer let go of it; the export holds
 * a reference on its file's state for the accounting, not on the file, so
 * closing the gntdev file never waits for the dma-buf.
 *
 *	ioctl(gntdev, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, &exp);	(exp.fd)
 *	... hand exp.fd to a GPU or display driver, then close it ...
 *	ioctl(gntdev, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &wait);
 *
 * Import (IOCTL_GNTDEV_DMABUF_IMP_TO_REFS): a dma-buf from elsewhere is
 * attached to our device, its pages granted to a domain, and the grant
 * references written back.  Our device's DMA "addresses" are the pages'
 * pseudo-physical addresses (gntdev_dma_map_sg()): the grants need the
 * frames, never a bus address, and an exporter mapping for us through
 * swiotlb-xen could bounce a multi-page segment into a copy.
 *
 * The export's fd is reserved first and installed last, once nothing is
 * left to do (CVE-2025-38595: another thread may close an fd as soon as
 * it is installed).
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/grant_table.h>
#include <xen/page.h>
#include <asm/xen/page.h>

#include "gntdev-common.h"
#include "gntdev-compat.h"

GNTDEV_MODULE_IMPORT_NS_DMA_BUF();

/**
 * struct gntdev_dmabuf_exp - grants of another domain exported as a dma-buf
 * @link: Entry in @priv->exports until the dma-buf is released.
 * @users: References: the dma-buf's, and one per EXP_WAIT_RELEASED.
 * @released: Completed when the dma-buf is released.
 * @priv: State of the file that exported it; a reference is held.
 * @fd: The fd EXP_FROM_REFS returned, as EXP_WAIT_RELEASED names it.
 * @count: Number of grants, and of pages.
 * @pages: The pages the grants are mapped over.
 * @unmap_ops: One unmap per grant, filled by the map.
 * @unmap_queue: What gnttab_unmap_refs_sync() works on.  Not on the stack:
 *	it initialises a delayed work in it, which debugobjects refuses on
 *	a stack that did not say so.
 */
struct gntdev_dmabuf_exp {
	struct list_head link;
	refcount_t users;
	struct completion released;
	struct gntdev_file *priv;
	int fd;
	u32 count;
	struct page **pages;
	struct gnttab_unmap_grant_ref *unmap_ops;
	struct gntab_unmap_queue_data unmap_queue;
};

/**
 * struct gntdev_dmabuf_attachment - an importer's view of an export
 * @sgt: Its scatter list, once mapped; one page per entry.
 * @dir: The direction it was mapped for, or DMA_NONE.
 */
struct gntdev_dmabuf_attachment {
	struct sg_table sgt;
	enum dma_data_direction dir;
};

/**
 * struct gntdev_dmabuf_imp - a dma-buf whose pages are granted to a domain
 * @link: Entry in its file's @imports.
 * @fd: The fd IMP_TO_REFS was given, as IMP_RELEASE names it.
 * @count: Number of pages and grants.
 * @dmabuf: The dma-buf; a reference is held.
 * @attach: Our attachment to it.
 * @sgt: Its pages, mapped for our device.
 * @refs: The grant references, one per page.
 */
struct gntdev_dmabuf_imp {
	struct list_head link;
	int fd;
	u32 count;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	grant_ref_t refs[];
};

/* The device importers attach to: /dev/xen/gntdev's. */
static struct device *gntdev_dma_dev;

/* ------------------------------------------------------------------ */
/* Our device's DMA: pseudo-physical addresses, no bouncing, no IOMMU */

static int gntdev_dma_map_sg(struct device *dev, struct scatterlist *sgl,
			     int nents, enum dma_data_direction dir,
			     unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void gntdev_dma_unmap_sg(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir,
				unsigned long attrs)
{
}

static const struct dma_map_ops gntdev_dma_ops = {
	.map_sg = gntdev_dma_map_sg,
	.unmap_sg = gntdev_dma_unmap_sg,
};

/**
 * gntdev_dmabuf_init() - make /dev/xen/gntdev's device a dma-buf importer
 * @dev: The misc device.
 *
 * Context: Module init.
 */
void gntdev_dmabuf_init(struct device *dev)
{
	set_dma_ops(dev, &gntdev_dma_ops);
	if (dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64))) {
		pr_warn("no DMA mask: dma-buf import disabled\n");
		return;
	}
	gntdev_dma_dev = dev;
}

/* ------------------------------------------------------------------ */
/* Accounting: a dma-buf's grants count as a map's would */

/**
 * gntdev_dmabuf_hold() - account a dma-buf export's or import's grants
 * @priv: The file that asks.
 * @count: Its grants.
 *
 * Against the module-wide total and the file's cap (SET_MAX_GRANTS), as
 * a map of as many grants would be.
 *
 * Context: Process context; takes @priv->lock.
 * Return: 0, or -ENOSPC with nothing counted.
 */
static int gntdev_dmabuf_hold(struct gntdev_file *priv, u32 count)
{
	int err;

	err = gntdev_total_reserve(count);
	if (err)
		return err;
	mutex_lock(&priv->lock);
	err = gntdev_slots_hold(&priv->slots, count);
	mutex_unlock(&priv->lock);
	if (err)
		gntdev_total_release(count);
	return err;
}

/**
 * gntdev_dmabuf_unhold() - give back what gntdev_dmabuf_hold() counted
 * @priv: The file.
 * @count: As passed to gntdev_dmabuf_hold().
 *
 * Context: Process context; takes @priv->lock.
 */
static void gntdev_dmabuf_unhold(struct gntdev_file *priv, u32 count)
{
	mutex_lock(&priv->lock);
	WARN_ON_ONCE(gntdev_slots_unhold(&priv->slots, count));
	mutex_unlock(&priv->lock);
	gntdev_total_release(count);
}

/* ------------------------------------------------------------------ */
/* Export: mapping the grants for the kernel */

static void gntdev_exp_free(struct gntdev_dmabuf_exp *exp)
{
	kvfree(exp->unmap_ops);
	kvfree(exp->pages);
	kfree(exp);
}

static void gntdev_exp_put(struct gntdev_dmabuf_exp *exp)
{
	if (refcount_dec_and_test(&exp->users))
		gntdev_exp_free(exp);
}

static struct gntdev_dmabuf_exp *gntdev_exp_alloc(u32 count)
{
	struct gntdev_dmabuf_exp *exp;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return NULL;
	INIT_LIST_HEAD(&exp->link);
	refcount_set(&exp->users, 1);
	init_completion(&exp->released);
	exp->count = count;
	exp->pages =
		kvcalloc(count, sizeof(*exp->pages), GFP_KERNEL | __GFP_NOWARN);
	exp->unmap_ops = kvcalloc(count, sizeof(*exp->unmap_ops),
				  GFP_KERNEL | __GFP_NOWARN);
	if (!exp->pages || !exp->unmap_ops) {
		gntdev_exp_free(exp);
		return NULL;
	}
	return exp;
}

static unsigned long gntdev_page_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/*
 * Unmap the first @n grants, whose unmap_ops are filled.  Nobody holds
 * the pages by now (every attachment is gone), so this does not wait
 * unless a driver kept a page beyond its detach; then it waits for it, as
 * blkback does.  Pages that could not be unmapped are never reused.
 */
static void gntdev_exp_unmap(struct gntdev_dmabuf_exp *exp, u32 n)
{
	struct gntab_unmap_queue_data *q = &exp->unmap_queue;

	if (!n)
		return;
	q->unmap_ops = exp->unmap_ops;
	q->kunmap_ops = NULL;
	q->pages = exp->pages;
	q->count = n;
	if (gnttab_unmap_refs_sync(q)) {
		pr_err("dma-buf export: cannot unmap %u grants: leaking their pages\n",
		       n);
		return;
	}
	gntdev_pages_put(exp->pages, n);
}

/*
 * Map @refs of @domid over pages of our own.  On failure nothing stays
 * mapped and no page is kept.  On success every unmap op is filled.
 */
static int gntdev_exp_map(struct gntdev_dmabuf_exp *exp, u32 domid,
			  const u32 *refs)
{
	struct gnttab_map_grant_ref *ops;
	struct page *page;
	u32 i, ok = 0;
	int err, first_err = 0;

	ops = kvcalloc(exp->count, sizeof(*ops), GFP_KERNEL | __GFP_NOWARN);
	if (!ops)
		return -ENOMEM;
	err = gntdev_pages_get(exp->pages, exp->count);
	if (err)
		goto out_free;

	for (i = 0; i < exp->count; i++) {
		gnttab_set_map_op(&ops[i], gntdev_page_kaddr(exp->pages[i]),
				  GNTMAP_host_map, refs[i], domid);
		ops[i].status = GNTST_general_error;
	}
	err = gnttab_map_refs(ops, NULL, exp->pages, exp->count);

	/*
	 * Keep the mapped grants first, with their pages, so that a failure
	 * unmaps exactly those; the order of the pages matters only then.
	 */
	for (i = 0; i < exp->count; i++) {
		if (ops[i].status != GNTST_okay) {
			if (!first_err)
				first_err = gntdev_status_errno(ops[i].status);
			continue;
		}
		page = exp->pages[i];
		exp->pages[i] = exp->pages[ok];
		exp->pages[ok] = page;
		gnttab_set_unmap_op(&exp->unmap_ops[ok],
				    gntdev_page_kaddr(page), GNTMAP_host_map,
				    ops[i].handle);
		ok++;
	}
	if (first_err)
		err = first_err;
	if (err) {
		gntdev_exp_unmap(exp, ok);
		gntdev_pages_put(exp->pages + ok, exp->count - ok);
	}
out_free:
	kvfree(ops);
	return err;
}

/* ------------------------------------------------------------------ */
/* Export: the dma-buf */

static int gntdev_exp_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct gntdev_dmabuf_attachment *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dir = DMA_NONE;
	attach->priv = a;
	return 0;
}

static void gntdev_exp_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct gntdev_dmabuf_attachment *a = attach->priv;

	if (a->dir != DMA_NONE) {
		dma_unmap_sgtable(attach->dev, &a->sgt, a->dir,
				  DMA_ATTR_SKIP_CPU_SYNC);
		sg_free_table(&a->sgt);
	}
	kfree(a);
	attach->priv = NULL;
}

/*
 * One page per entry: the frames behind consecutive pages are not
 * contiguous, and swiotlb-xen would bounce a segment that spans two.
 * The mapping is kept until detach, as mainline does.
 */
static struct sg_table *
gntdev_exp_map_dma_buf(struct dma_buf_attachment *attach,
		       enum dma_data_direction dir)
{
	struct gntdev_dmabuf_attachment *a = attach->priv;
	struct gntdev_dmabuf_exp *exp = attach->dmabuf->priv;
	struct scatterlist *sg;
	u32 i;
	int err;

	if (dir == DMA_NONE)
		return ERR_PTR(-EINVAL);
	if (a->dir == dir)
		return &a->sgt;
	if (a->dir != DMA_NONE)
		return ERR_PTR(-EBUSY);

	err = sg_alloc_table(&a->sgt, exp->count, GFP_KERNEL);
	if (err)
		return ERR_PTR(err);
	for_each_sgtable_sg(&a->sgt, sg, i)
		sg_set_page(sg, exp->pages[i], PAGE_SIZE, 0);
	err = dma_map_sgtable(attach->dev, &a->sgt, dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (err) {
		sg_free_table(&a->sgt);
		return ERR_PTR(err);
	}
	a->dir = dir;
	return &a->sgt;
}

static void gntdev_exp_unmap_dma_buf(struct dma_buf_attachment *attach,
				     struct sg_table *sgt,
				     enum dma_data_direction dir)
{
	/* Kept until detach. */
}

/* The last fd and the last importer are gone: unmap, wake the waiters. */
static void gntdev_exp_release(struct dma_buf *dmabuf)
{
	struct gntdev_dmabuf_exp *exp = dmabuf->priv;
	struct gntdev_file *priv = exp->priv;

	gntdev_exp_unmap(exp, exp->count);
	mutex_lock(&priv->lock);
	list_del_init(&exp->link);
	mutex_unlock(&priv->lock);
	gntdev_dmabuf_unhold(priv, exp->count);
	complete_all(&exp->released);
	gntdev_file_put(priv);
	gntdev_exp_put(exp);
}

static const struct dma_buf_ops gntdev_exp_ops = {
	.attach = gntdev_exp_attach,
	.detach = gntdev_exp_detach,
	.map_dma_buf = gntdev_exp_map_dma_buf,
	.unmap_dma_buf = gntdev_exp_unmap_dma_buf,
	.release = gntdev_exp_release,
};

/*
 * Map the grants and wrap them in a dma-buf.  On success the dma-buf owns
 * @exp, the accounting and a reference on @priv: dma_buf_put() undoes all.
 */
static struct dma_buf *gntdev_exp_create(struct gntdev_file *priv,
					 struct gntdev_dmabuf_exp *exp,
					 u32 domid, const u32 *refs)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct dma_buf *dmabuf;
	int err;

	err = gntdev_dmabuf_hold(priv, exp->count);
	if (err)
		return ERR_PTR(err);
	err = gntdev_exp_map(exp, domid, refs);
	if (err)
		goto out_unhold;

	info.ops = &gntdev_exp_ops;
	info.size = (size_t)exp->count << PAGE_SHIFT;
	info.flags = O_RDWR;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		err = PTR_ERR(dmabuf);
		goto out_unmap;
	}
	refcount_inc(&priv->users);
	exp->priv = priv;
	return dmabuf;

out_unmap:
	gntdev_exp_unmap(exp, exp->count);
out_unhold:
	gntdev_dmabuf_unhold(priv, exp->count);
	return ERR_PTR(err);
}

/**
 * gntdev_ioctl_dmabuf_exp_from_refs() - IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS
 * @priv: The file.
 * @u: The request, 16 + 4 * count bytes.
 *
 * The fd is reserved first and installed last: once installed, another
 * thread may close it, so nothing may touch the export after that.
 *
 * Context: Process context, may sleep.
 * Return: 0 with the fd in @u->fd; or a negative errno with nothing
 * mapped, counted or installed (see the uapi header).
 */
long gntdev_ioctl_dmabuf_exp_from_refs(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_exp_from_refs __user *u)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs op;
	struct gntdev_dmabuf_exp *exp;
	struct dma_buf *dmabuf;
	u32 *refs;
	int fd, err;

	if (copy_from_user(&op, u, offsetof(typeof(op), refs)))
		return -EFAULT;
	err = gntdev_check_dmabuf_exp(op.flags, op.count, op.domid,
				      gntdev_max_per_request());
	if (err)
		return err;
	refs = kvmalloc_array(op.count, sizeof(*refs),
			      GFP_KERNEL | __GFP_NOWARN);
	if (!refs)
		return -ENOMEM;
	if (copy_from_user(refs, u->refs,
			   array_size(op.count, sizeof(*refs)))) {
		err = -EFAULT;
		goto out_free_refs;
	}
	exp = gntdev_exp_alloc(op.count);
	if (!exp) {
		err = -ENOMEM;
		goto out_free_refs;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_free_exp;
	}
	dmabuf = gntdev_exp_create(priv, exp, op.domid, refs);
	if (IS_ERR(dmabuf)) {
		err = PTR_ERR(dmabuf);
		goto out_put_fd;
	}
	kvfree(refs);
	exp->fd = fd;

	/* Before the fd exists, so that a fault leaves nothing behind. */
	if (put_user(fd, &u->fd)) {
		dma_buf_put(dmabuf);
		put_unused_fd(fd);
		return -EFAULT;
	}
	/*
	 * At the head: a closed fd's number may be reused by a new export
	 * while an importer still holds the old one; EXP_WAIT_RELEASED then
	 * means the newest, as in mainline.
	 */
	mutex_lock(&priv->lock);
	list_add(&exp->link, &priv->exports);
	mutex_unlock(&priv->lock);
	/* Last: from here the fd, and so the export, is user space's. */
	fd_install(fd, dmabuf->file);
	return 0;

out_put_fd:
	put_unused_fd(fd);
out_free_exp:
	gntdev_exp_free(exp);
out_free_refs:
	kvfree(refs);
	return err;
}

/**
 * gntdev_ioctl_dmabuf_exp_wait_released() - wait for an export's release
 * @priv: The file.
 * @u: The request.
 *
 * Context: Process context; sleeps up to the timeout, or until a fatal
 * signal.
 * Return: 0 once released; -ENOENT if this file has no export of that fd
 * left; -ETIMEDOUT; -EINTR if the task is being killed.
 */
long gntdev_ioctl_dmabuf_exp_wait_released(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_exp_wait_released __user *u)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released op;
	struct gntdev_dmabuf_exp *exp, *found = NULL;
	long left;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	mutex_lock(&priv->lock);
	list_for_each_entry(exp, &priv->exports, link) {
		if (exp->fd == (int)op.fd) {
			found = exp;
			refcount_inc(&found->users);
			break;
		}
	}
	mutex_unlock(&priv->lock);
	if (!found)
		return -ENOENT;

	left = wait_for_completion_killable_timeout(
		&found->released, msecs_to_jiffies(op.wait_to_ms));
	gntdev_exp_put(found);
	if (left > 0)
		return 0;
	return left ? -EINTR : -ETIMEDOUT;
}

/* ------------------------------------------------------------------ */
/* Import */

/* The frame behind each page, from our device's (pseudo-physical) view. */
static int gntdev_imp_frames(struct sg_table *sgt, unsigned long *gfns,
			     u32 count)
{
	struct sg_dma_page_iter iter;
	struct scatterlist *sg;
	unsigned long gfn;
	u32 i = 0;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (!PAGE_ALIGNED(sg_dma_address(sg)) ||
		    !PAGE_ALIGNED(sg_dma_len(sg)))
			return -EINVAL;
	}
	i = 0;
	for_each_sgtable_dma_page(sgt, &iter, 0) {
		if (i == count)
			return -EINVAL;
		gfn = pfn_to_gfn(PHYS_PFN(sg_page_iter_dma_address(&iter)));
		if (gfn == INVALID_P2M_ENTRY)
			return -EINVAL;
		gfns[i++] = gfn;
	}
	return i == count ? 0 : -EINVAL;
}

/* Grant every page to @domid; on failure nothing is granted. */
static int gntdev_imp_grant(struct gntdev_dmabuf_imp *imp, u32 domid)
{
	unsigned long *gfns;
	grant_ref_t head;
	u32 i;
	int err;

	gfns = kvmalloc_array(imp->count, sizeof(*gfns),
			      GFP_KERNEL | __GFP_NOWARN);
	if (!gfns)
		return -ENOMEM;
	err = gntdev_imp_frames(imp->sgt, gfns, imp->count);
	if (err)
		goto out_free;
	err = gnttab_alloc_grant_references(imp->count, &head);
	if (err)
		goto out_free;
	for (i = 0; i < imp->count; i++) {
		/* Cannot fail: the references were allocated above. */
		imp->refs[i] = gnttab_claim_grant_reference(&head);
		gnttab_grant_foreign_access_ref(imp->refs[i], domid, gfns[i],
						0);
	}
out_free:
	kvfree(gfns);
	return err;
}

/*
 * End the grants the peer does not map, from the last.  Return how many
 * are left: those the peer still maps, still granted and at the front.
 */
static u32 gntdev_imp_try_end(struct gntdev_dmabuf_imp *imp, u32 n)
{
	u32 left = 0, i;

	for (i = 0; i < n; i++) {
		if (!gnttab_try_end_foreign_access(imp->refs[i]))
			imp->refs[left++] = imp->refs[i];
	}
	return left;
}

static void gntdev_imp_detach(struct gntdev_dmabuf_imp *imp)
{
	dma_buf_unmap_attachment_unlocked(imp->attach, imp->sgt,
					  DMA_BIDIRECTIONAL);
	dma_buf_detach(imp->dmabuf, imp->attach);
	dma_buf_put(imp->dmabuf);
}

/**
 * gntdev_ioctl_dmabuf_imp_to_refs() - IOCTL_GNTDEV_DMABUF_IMP_TO_REFS
 * @priv: The file.
 * @u: The request, 16 + 4 * count bytes.
 *
 * Context: Process context, may sleep.
 * Return: 0 with the references in @u->refs; or a negative errno with
 * nothing granted, attached or counted (see the uapi header).
 */
long gntdev_ioctl_dmabuf_imp_to_refs(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_imp_to_refs __user *u)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs op;
	struct gntdev_dmabuf_imp *imp;
	u32 left;
	int err;

	if (copy_from_user(&op, u, offsetof(typeof(op), refs)))
		return -EFAULT;
	err = gntdev_check_dmabuf_imp(op.count, op.domid,
				      gntdev_max_per_request());
	if (err)
		return err;
	if (!gntdev_dma_dev)
		return -EOPNOTSUPP;
	imp = kvzalloc(struct_size(imp, refs, op.count),
		       GFP_KERNEL | __GFP_NOWARN);
	if (!imp)
		return -ENOMEM;
	imp->fd = op.fd;
	imp->count = op.count;
	imp->dmabuf = dma_buf_get(op.fd);
	if (IS_ERR(imp->dmabuf)) {
		err = PTR_ERR(imp->dmabuf);
		goto out_free;
	}
	if (imp->dmabuf->size != (size_t)op.count << PAGE_SHIFT) {
		err = -EINVAL;
		goto out_put;
	}
	err = gntdev_dmabuf_hold(priv, op.count);
	if (err)
		goto out_put;
	imp->attach = dma_buf_attach(imp->dmabuf, gntdev_dma_dev);
	if (IS_ERR(imp->attach)) {
		err = PTR_ERR(imp->attach);
		goto out_unhold;
	}
	imp->sgt =
		dma_buf_map_attachment_unlocked(imp->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(imp->sgt)) {
		err = PTR_ERR(imp->sgt);
		goto out_detach;
	}
	err = gntdev_imp_grant(imp, op.domid);
	if (err)
		goto out_unmap;
	if (copy_to_user(u->refs, imp->refs,
			 array_size(op.count, sizeof(imp->refs[0])))) {
		err = -EFAULT;
		goto out_end;
	}
	mutex_lock(&priv->lock);
	list_add_tail(&imp->link, &priv->imports);
	mutex_unlock(&priv->lock);
	return 0;

out_end:
	/*
	 * A peer that guessed a reference may have mapped it meanwhile: keep
	 * what it maps as an import, to be released or closed as any other.
	 */
	left = gntdev_imp_try_end(imp, imp->count);
	if (left) {
		gntdev_dmabuf_unhold(priv, imp->count - left);
		imp->count = left;
		mutex_lock(&priv->lock);
		list_add_tail(&imp->link, &priv->imports);
		mutex_unlock(&priv->lock);
		return err;
	}
out_unmap:
	dma_buf_unmap_attachment_unlocked(imp->attach, imp->sgt,
					  DMA_BIDIRECTIONAL);
out_detach:
	dma_buf_detach(imp->dmabuf, imp->attach);
out_unhold:
	gntdev_dmabuf_unhold(priv, op.count);
out_put:
	dma_buf_put(imp->dmabuf);
out_free:
	kvfree(imp);
	return err;
}

/*
 * End an unlisted import's grants and drop it.  Grants a peer still maps
 * (only at close) are left to gnttab's deferred end, and the dma-buf is
 * kept, with the module, for good: the exporter must not reuse pages that
 * a peer can still write.
 */
static void gntdev_imp_destroy(struct gntdev_file *priv,
			       struct gntdev_dmabuf_imp *imp)
{
	u32 left, i;

	left = gntdev_imp_try_end(imp, imp->count);
	gntdev_dmabuf_unhold(priv, imp->count);
	if (left) {
		pr_warn("dma-buf import: a peer still maps %u pages at close: keeping the buffer\n",
			left);
		for (i = 0; i < left; i++)
			gnttab_end_foreign_access(imp->refs[i], NULL);
		__module_get(THIS_MODULE);
		return;
	}
	gntdev_imp_detach(imp);
	kvfree(imp);
}

/**
 * gntdev_ioctl_dmabuf_imp_release() - IOCTL_GNTDEV_DMABUF_IMP_RELEASE
 * @priv: The file.
 * @u: The request.
 *
 * Context: Process context, may sleep.
 * Return: 0 once the grants are ended and the dma-buf dropped; -ENOENT if
 * this file has no import of that fd; -EBUSY if the peer still maps some
 * of the pages: those stay granted (the others are ended) and the import
 * stays, for a later IMP_RELEASE or close.
 */
long gntdev_ioctl_dmabuf_imp_release(
	struct gntdev_file *priv,
	struct ioctl_gntdev_dmabuf_imp_release __user *u)
{
	struct ioctl_gntdev_dmabuf_imp_release op;
	struct gntdev_dmabuf_imp *imp, *found = NULL;
	u32 left;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	mutex_lock(&priv->lock);
	list_for_each_entry(imp, &priv->imports, link) {
		if (imp->fd == (int)op.fd) {
			found = imp;
			list_del_init(&imp->link);
			break;
		}
	}
	mutex_unlock(&priv->lock);
	if (!found)
		return -ENOENT;

	left = gntdev_imp_try_end(found, found->count);
	if (left) {
		/* What is ended stays ended; the count is what is left. */
		gntdev_dmabuf_unhold(priv, found->count - left);
		found->count = left;
		mutex_lock(&priv->lock);
		list_add(&found->link, &priv->imports);
		mutex_unlock(&priv->lock);
		return -EBUSY;
	}
	gntdev_dmabuf_unhold(priv, found->count);
	gntdev_imp_detach(found);
	kvfree(found);
	return 0;
}

/**
 * gntdev_dmabuf_release() - end a closing file's imports
 * @priv: The file, being released.
 *
 * Exports are left to their dma-bufs: each holds its own reference on
 * @priv.
 *
 * Context: Process context, may sleep.
 */
void gntdev_dmabuf_release(struct gntdev_file *priv)
{
	struct gntdev_dmabuf_imp *imp, *next;
	LIST_HEAD(gone);

	mutex_lock(&priv->lock);
	list_splice_init(&priv->imports, &gone);
	mutex_unlock(&priv->lock);
	list_for_each_entry_safe(imp, next, &gone, link) {
		list_del_init(&imp->link);
		gntdev_imp_destroy(priv, imp);
	}
}
