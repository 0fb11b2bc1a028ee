// SPDX-License-Identifier: GPL-2.0
/*
 * lab-pool.c - the self-grant pool: dom0 grants pages to itself through
 * /dev/xen/gntalloc (domid 0), maps them to see the granting side, and
 * stamps each with its signature word. Every lab program's grants come
 * from here; the cross-domain test grants to another domain the same way.
 */
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>

/* One gntalloc file for all pools; opened on first use, never closed. */
static int lab_gntalloc_fd = -1;

int lab_gntalloc(void)
{
	if (lab_gntalloc_fd < 0)
		lab_gntalloc_fd = open(LAB_GNTALLOC_NODE, O_RDWR | O_CLOEXEC);
	return lab_gntalloc_fd < 0 ? -errno : lab_gntalloc_fd;
}

int lab_pool_grant(struct lab_pool *p, __u32 n, __u16 domid, bool writable)
{
	int fd = lab_gntalloc(), ret;

	memset(p, 0, sizeof(*p));
	if (fd < 0)
		return fd;
	p->req = calloc(1, sizeof(*p->req) + n * sizeof(p->req->gref_ids[0]));
	if (!p->req)
		return -ENOMEM;
	p->req->domid = domid;
	p->req->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	p->req->count = n;
	ret = lab_ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, p->req);
	if (ret) {
		free(p->req);
		p->req = NULL;
		return ret;
	}
	p->n = n;
	p->refs = p->req->gref_ids;
	return 0;
}

int lab_pool_map(struct lab_pool *p)
{
	void *mem;
	__u32 i;

	mem = mmap(NULL, p->n * LAB_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, lab_gntalloc_fd, p->req->index);
	if (mem == MAP_FAILED)
		return -errno;
	p->mem = mem;
	for (i = 0; i < p->n; i++)
		lab_pool_page(p, i)[0] = lab_sig(p->refs[i]);
	return 0;
}

int lab_pool_unmap(struct lab_pool *p)
{
	int ret = 0;

	if (p->mem && munmap((void *)p->mem, p->n * LAB_PAGE_SIZE))
		ret = -errno;
	p->mem = NULL;
	return ret;
}

int lab_pool_put(struct lab_pool *p)
{
	struct ioctl_gntalloc_dealloc_gref op;
	int ret;

	if (!p->req)
		return 0;
	lab_pool_unmap(p);
	op.index = p->req->index;
	op.count = p->n;
	ret = lab_ioctl(lab_gntalloc_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op);
	free(p->req);
	p->req = NULL;
	return ret;
}

int lab_pool_attach(struct lab_pool *p, int fd, __u64 index, const __u32 *refs,
		    __u32 n)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (lab_gntalloc_fd < 0)
		lab_gntalloc_fd = fd;
	if (fd != lab_gntalloc_fd)
		return -EBADF;
	p->req = calloc(1, sizeof(*p->req) + n * sizeof(p->req->gref_ids[0]));
	if (!p->req)
		return -ENOMEM;
	p->req->index = index;
	p->req->count = n;
	memcpy(p->req->gref_ids, refs, n * sizeof(refs[0]));
	p->n = n;
	p->refs = p->req->gref_ids;
	ret = lab_pool_map(p);
	if (ret) {
		free(p->req);
		p->req = NULL;
	}
	return ret;
}

int lab_pool_alloc(struct lab_pool *p, __u32 n, bool writable)
{
	int ret = lab_pool_grant(p, n, 0, writable);

	if (!ret) {
		ret = lab_pool_map(p);
		if (ret)
			lab_pool_put(p);
	}
	return ret;
}

int lab_pool_get(struct lab_pool *p, __u32 n)
{
	return lab_pool_alloc(p, n, true);
}

void lab_pool_or_die(struct lab_pool *p, __u32 n, int code)
{
	int ret = lab_pool_get(p, n);

	if (ret) {
		errno = -ret;
		lab_die_errno(code, "gntalloc ALLOC_GREF of %u pages", n);
	}
}

bool lab_sigs_ok(const volatile void *addr, const __u32 *refs, __u32 pages)
{
	const volatile __u64 *w = addr;
	__u32 i;

	for (i = 0; i < pages; i++) {
		if (w[(size_t)i * LAB_PAGE_WORDS] != lab_sig(refs[i]))
			return false;
	}
	return true;
}
