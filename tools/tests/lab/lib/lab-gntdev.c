// SPDX-License-Identifier: GPL-2.0
/*
 * lab-gntdev.c - one call per gntdev ioctl, over the project's uapi header
 * (include/xen/public/gntdev.h). Each returns 0 or -errno, so a test can
 * compare the result with the errno it expects.
 */
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>

int lab_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int lab_gntdev_open(const char *node)
{
	int fd = open(node ? node : LAB_GNTDEV_NODE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int lab_map(int fd, const __u32 *refs, __u32 n, __u16 domid, __u64 *off)
{
	struct ioctl_gntdev_map_grant_ref *op;
	__u32 i;
	int ret;

	op = calloc(1, sizeof(*op) + (size_t)n * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	ret = lab_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (!ret && off)
		*off = op->index;
	free(op);
	return ret;
}

int lab_unmap(int fd, __u64 off, __u32 n)
{
	struct ioctl_gntdev_unmap_grant_ref op = { .index = off, .count = n };

	return lab_ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op);
}

int lab_get_offset(int fd, const void *addr, __u64 *off, __u32 *count)
{
	struct ioctl_gntdev_get_offset_for_vaddr op = {
		.vaddr = (__u64)(uintptr_t)addr,
	};
	int ret = lab_ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &op);

	if (!ret && off)
		*off = op.offset;
	if (!ret && count)
		*count = op.count;
	return ret;
}

int lab_set_max_grants(int fd, __u32 n)
{
	struct ioctl_gntdev_set_max_grants op = { .count = n };

	return lab_ioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &op);
}

int lab_set_unmap_notify(int fd, __u64 index, __u32 action, __u32 port)
{
	struct ioctl_gntdev_unmap_notify op = {
		.index = index,
		.action = action,
		.event_channel_port = port,
	};

	return lab_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op);
}

int lab_grant_copy(int fd, struct gntdev_grant_copy_segment *seg, __u32 n)
{
	struct ioctl_gntdev_grant_copy op = { .count = n, .segments = seg };

	return lab_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op);
}

int lab_dmabuf_exp(int fd, __u32 flags, __u32 domid, const __u32 *refs, __u32 n,
		   int *dfd)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	int ret;

	op = calloc(1, sizeof(*op) + (size_t)n * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->flags = flags;
	op->count = n;
	op->domid = domid;
	if (refs)
		memcpy(op->refs, refs, (size_t)n * sizeof(op->refs[0]));
	op->fd = (__u32)-1;
	ret = lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op);
	*dfd = ret ? -1 : (int)op->fd;
	free(op);
	return ret;
}

int lab_dmabuf_wait_released(int fd, int dfd, __u32 ms)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released op = { .fd = (__u32)dfd,
							    .wait_to_ms = ms };

	return lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &op);
}

int lab_dmabuf_imp(int fd, int dfd, __u32 domid, __u32 n, __u32 *refs)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs *op;
	int ret;

	op = calloc(1, sizeof(*op) + (size_t)n * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->fd = (__u32)dfd;
	op->count = n;
	op->domid = domid;
	ret = lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, op);
	if (!ret && refs)
		memcpy(refs, op->refs, (size_t)n * sizeof(op->refs[0]));
	free(op);
	return ret;
}

int lab_dmabuf_imp_release(int fd, int dfd)
{
	struct ioctl_gntdev_dmabuf_imp_release op = { .fd = (__u32)dfd };

	return lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_IMP_RELEASE, &op);
}

void *lab_mmap(void *hint, size_t pages, int prot, int flags, int fd, __u64 off)
{
	void *p =
		mmap(hint, pages * LAB_PAGE_SIZE, prot, flags, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}
