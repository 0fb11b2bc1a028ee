// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab_dmabuf - a dma-buf importer for the lab (xl/dmabuf): attaches to
 * a dma-buf, maps the attachment and checks its pages from the kernel,
 * where a PV dom0 can read an export of another domain's grants (dom0
 * cannot grant those frames on: Xen maps only a granter's own frames).
 *
 * Writing "FD SEED REPLY" to /sys/module/xenlab_dmabuf/parameters/check
 * (from the process that holds FD) checks every word of every page
 * against xenlab-xdom.h's pattern(SEED), then, if REPLY is not 0, fills
 * the pages with pattern(REPLY). The write fails with EILSEQ on a
 * mismatch (the first is logged), or with the error of a dma-buf call.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif

static struct platform_device *pdev;

/* xenlab-xdom.h's xdom_pattern(). */
static u64 pattern(u32 seed, size_t page, size_t word)
{
	return ((u64)seed << 48) ^ ((u64)page << 24) ^ word ^
	       0xa5a5000000000000ull;
}

static int check_pages(struct sg_table *sgt, u32 seed, u32 reply)
{
	struct sg_page_iter it;
	size_t pg = 0, w;
	int err = 0;

	for_each_sgtable_page(sgt, &it, 0) {
		u64 *p = kmap_local_page(sg_page_iter_page(&it));

		for (w = 0; w < PAGE_SIZE / 8 && !err; w++) {
			if (p[w] == pattern(seed, pg, w))
				continue;
			pr_info("xenlab_dmabuf: page %zu word %zu: 0x%016llx, want 0x%016llx\n",
				pg, w, p[w], pattern(seed, pg, w));
			err = -EILSEQ;
		}
		for (w = 0; w < PAGE_SIZE / 8 && reply && !err; w++)
			p[w] = pattern(reply, pg, w);
		kunmap_local(p);
		pg++;
	}
	pr_info("xenlab_dmabuf: %zu pages: %s%s\n", pg, err ? "mismatch" : "ok",
		reply && !err ? ", reply written" : "");
	return err;
}

static int check_set(const char *val, const struct kernel_param *kp)
{
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	u32 seed, reply;
	int fd, err;

	if (sscanf(val, "%d %u %u", &fd, &seed, &reply) != 3)
		return -EINVAL;
	dmabuf = dma_buf_get(fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	attach = dma_buf_attach(dmabuf, &pdev->dev);
	if (IS_ERR(attach)) {
		err = PTR_ERR(attach);
		goto out_put;
	}
	sgt = dma_buf_map_attachment_unlocked(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		err = PTR_ERR(sgt);
		goto out_detach;
	}
	err = check_pages(sgt, seed, reply);
	dma_buf_unmap_attachment_unlocked(attach, sgt, DMA_BIDIRECTIONAL);
out_detach:
	dma_buf_detach(dmabuf, attach);
out_put:
	dma_buf_put(dmabuf);
	return err;
}

static const struct kernel_param_ops check_ops = { .set = check_set };
module_param_cb(check, &check_ops, NULL, 0200);
MODULE_PARM_DESC(check, "\"FD SEED REPLY\": check (and answer) a dma-buf");

static int __init xenlab_dmabuf_init(void)
{
	int err;

	pdev = platform_device_register_simple("xenlab-dmabuf", -1, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	err = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		platform_device_unregister(pdev);
	return err;
}

static void __exit xenlab_dmabuf_exit(void)
{
	platform_device_unregister(pdev);
}

module_init(xenlab_dmabuf_init);
module_exit(xenlab_dmabuf_exit);
MODULE_DESCRIPTION("lab dma-buf importer that checks a pattern");
MODULE_LICENSE("GPL");
