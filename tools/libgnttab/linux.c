// SPDX-License-Identifier: LGPL-2.1-only
/*
 * linux.c - libxengnttab's Linux backend: the osdep_* primitives
 *
 * The only file of the library that makes system calls on the devices.
 * Consumer side, /dev/xen/gntdev (include/xen/public/gntdev.h, the same
 * ABI as mainline Linux):
 *
 *	map:    ioctl(MAP_GRANT_REF) -> mmap(index) [-> ioctl(SET_UNMAP_NOTIFY)]
 *	unmap:  [ioctl(GET_OFFSET_FOR_VADDR)] -> munmap -> ioctl(UNMAP_GRANT_REF)
 *
 * Producer side, /dev/xen/gntalloc (<xen/gntalloc.h>):
 *
 *	share:  ioctl(ALLOC_GREF) -> mmap(index) [-> ioctl(SET_UNMAP_NOTIFY)]
 *		-> ioctl(DEALLOC_GREF)
 *	unshare: munmap
 *
 * DEALLOC_GREF right after mapping only detaches the pages from the file;
 * gntalloc frees them once they are unmapped here and by the peer, so an
 * unshare is a plain munmap. Every failure undoes the steps before it in
 * reverse order with errno preserved.
 *
 * Compared with Xen's backend: a map builds its request on the stack (up
 * to OSDEP_STACK_REFS grants) or in one malloc() instead of alloca() or an
 * anonymous mmap(); the GET_OFFSET round trip of an unmap is skipped when
 * the core knows the area's offset; and an mmap() that keeps failing with
 * EAGAIN is retried for a bounded time, not forever.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../../include/xen/public/gntdev.h"
#include <xen/gntalloc.h>

#include "private.h"

const char osdep_gnttab_device[] = "/dev/xen/gntdev";
const char osdep_gntshr_device[] = "/dev/xen/gntalloc";

/* Requests of at most this many grants are built on the stack. */
#define OSDEP_STACK_REFS 64

/* The public segment type is handed to the driver as it is. */
#define OSDEP_SAME_FIELD(f)                                                    \
	_Static_assert(                                                        \
		offsetof(struct gntdev_grant_copy_segment, f) ==               \
				offsetof(xengnttab_grant_copy_segment_t, f) && \
			sizeof(((struct gntdev_grant_copy_segment *)0)->f) ==  \
				sizeof(((xengnttab_grant_copy_segment_t *)0)   \
					       ->f),                           \
		"grant copy segment field " #f)

_Static_assert(sizeof(struct gntdev_grant_copy_segment) ==
		       sizeof(xengnttab_grant_copy_segment_t),
	       "grant copy segment size");
_Static_assert(__alignof__(struct gntdev_grant_copy_segment) ==
		       __alignof__(xengnttab_grant_copy_segment_t),
	       "grant copy segment alignment");
OSDEP_SAME_FIELD(source.virt);
OSDEP_SAME_FIELD(source.foreign.ref);
OSDEP_SAME_FIELD(source.foreign.offset);
OSDEP_SAME_FIELD(source.foreign.domid);
OSDEP_SAME_FIELD(dest.virt);
OSDEP_SAME_FIELD(dest.foreign.ref);
OSDEP_SAME_FIELD(dest.foreign.offset);
OSDEP_SAME_FIELD(dest.foreign.domid);
OSDEP_SAME_FIELD(len);
OSDEP_SAME_FIELD(flags);
OSDEP_SAME_FIELD(status);

_Static_assert(XENGNTTAB_NOTIFY_CLEAR_BYTE == UNMAP_NOTIFY_CLEAR_BYTE &&
		       XENGNTTAB_NOTIFY_SEND_EVENT == UNMAP_NOTIFY_SEND_EVENT,
	       "notify actions");

/* ------------------------------------------------------------------------
 * Helpers
 */

static size_t osdep_len(uint32_t count)
{
	return (size_t)count << XENGNTTAB_PAGE_SHIFT;
}

/* ioctl() that leaves errno alone: for undoing work after a failure. */
static void osdep_ioctl_quiet(int fd, unsigned long cmd, void *arg)
{
	int err = errno;

	ioctl(fd, cmd, arg);
	errno = err;
}

static void osdep_munmap_quiet(void *addr, size_t len)
{
	int err = errno;

	munmap(addr, len);
	errno = err;
}

static void osdep_free_quiet(void *p)
{
	int err = errno;

	free(p);
	errno = err;
}

static uint64_t osdep_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return UINT64_MAX;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void osdep_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	/* An interrupted sleep only makes the next retry come sooner. */
	nanosleep(&ts, NULL);
}

/*
 * mmap() a gntdev map, retrying while the driver says EAGAIN: a granted
 * page is paged out and the pager may live in this very domain, so the
 * kernel cannot wait for it. Sleeps 1, 2, 4 ... up to
 * XENGNTTAB_EAGAIN_MAX_SLEEP_MS between tries and gives up with EAGAIN
 * once XENGNTTAB_EAGAIN_BUDGET_MS have passed since the first failure.
 */
static void *osdep_mmap_retry(int fd, size_t len, int prot, uint64_t index)
{
	unsigned int sleep_ms = 1;
	uint64_t start = 0, elapsed;
	bool retrying = false;
	void *addr;

	for (;;) {
		addr = mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)index);
		if (addr != MAP_FAILED || errno != EAGAIN)
			return addr;
		if (!retrying) {
			start = osdep_now_ms();
			retrying = true;
		}
		elapsed = osdep_now_ms() - start;
		if (start == UINT64_MAX ||
		    elapsed >= XENGNTTAB_EAGAIN_BUDGET_MS)
			break;
		if (sleep_ms > XENGNTTAB_EAGAIN_BUDGET_MS - elapsed)
			sleep_ms = XENGNTTAB_EAGAIN_BUDGET_MS - elapsed;
		osdep_sleep_ms(sleep_ms);
		sleep_ms *= 2;
		if (sleep_ms > XENGNTTAB_EAGAIN_MAX_SLEEP_MS)
			sleep_ms = XENGNTTAB_EAGAIN_MAX_SLEEP_MS;
	}
	errno = EAGAIN;
	return MAP_FAILED;
}

/* Ask the driver behind @fd for @n's notification of the map at @index. */
static int osdep_set_notify(int fd, unsigned long cmd, uint64_t index,
			    const struct xengnttab_notify *n)
{
	struct ioctl_gntdev_unmap_notify op = {
		.index = index,
		.action = n->action,
	};

	/* gntalloc's argument has the same layout and number. */
	_Static_assert(sizeof(struct ioctl_gntalloc_unmap_notify) == sizeof(op),
		       "notify argument");
	if (n->action & XENGNTTAB_NOTIFY_CLEAR_BYTE)
		op.index += n->offset;
	if (n->action & XENGNTTAB_NOTIFY_SEND_EVENT)
		op.event_channel_port = n->port;
	return ioctl(fd, cmd, &op);
}

/* ------------------------------------------------------------------------
 * Consumer: /dev/xen/gntdev
 */

int osdep_gnttab_open(xengnttab_handle *xgt)
{
	int fd = open(osdep_gnttab_device, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	__atomic_store_n(&xgt->fd, fd, __ATOMIC_RELAXED);
	return 0;
}

int osdep_gnttab_close(xengnttab_handle *xgt)
{
	int fd = xgt->fd;

	if (fd < 0)
		return 0;
	__atomic_store_n(&xgt->fd, -1, __ATOMIC_RELAXED);
	return close(fd);
}

int osdep_gnttab_set_max_grants(xengnttab_handle *xgt, uint32_t count)
{
	struct ioctl_gntdev_set_max_grants op = { .count = count };
	int err = errno;

	if (!ioctl(xgt->fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &op))
		return 0;
	/* Mainline never had per-file limits: nothing to set is success. */
	if (errno == ENOTTY) {
		errno = err;
		return 0;
	}
	return -1;
}

void *osdep_gnttab_grant_map(xengnttab_handle *xgt,
			     const struct xengnttab_map_req *req,
			     uint64_t *offset, const char **what)
{
	struct {
		struct ioctl_gntdev_map_grant_ref head;
		struct ioctl_gntdev_grant_ref more[OSDEP_STACK_REFS - 1];
	} stack;
	struct ioctl_gntdev_map_grant_ref *map = &stack.head;
	struct ioctl_gntdev_unmap_grant_ref unmap;
	size_t len = osdep_len(req->count);
	uint32_t i;
	void *addr;

	if (req->count > OSDEP_STACK_REFS) {
		map = malloc(sizeof(*map) +
			     (req->count - 1) * sizeof(map->refs[0]));
		if (!map) {
			*what = "allocating the request";
			return NULL;
		}
	}
	map->count = req->count;
	map->pad = 0;
	map->index = 0;
	for (i = 0; i < req->count; i++) {
		map->refs[i].domid = req->domids[i * req->domid_stride];
		map->refs[i].ref = req->refs[i];
	}
	if (ioctl(xgt->fd, IOCTL_GNTDEV_MAP_GRANT_REF, map)) {
		*what = "ioctl MAP_GRANT_REF";
		goto out_free;
	}
	unmap.index = map->index;
	unmap.count = req->count;
	unmap.pad = 0;

	addr = osdep_mmap_retry(xgt->fd, len, req->prot, map->index);
	if (addr == MAP_FAILED) {
		*what = "mmap";
		goto out_remove;
	}
	if (req->notify.action &&
	    osdep_set_notify(xgt->fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, map->index,
			     &req->notify)) {
		*what = "ioctl SET_UNMAP_NOTIFY";
		goto out_munmap;
	}
	*offset = map->index;
	if (map != &stack.head)
		free(map);
	return addr;

out_munmap:
	osdep_munmap_quiet(addr, len);
out_remove:
	osdep_ioctl_quiet(xgt->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
out_free:
	if (map != &stack.head)
		osdep_free_quiet(map);
	return NULL;
}

int osdep_gnttab_unmap(xengnttab_handle *xgt, void *addr, uint32_t count,
		       uint64_t *offset, bool known)
{
	struct ioctl_gntdev_unmap_grant_ref op = { .count = count };

	if (!known) {
		struct ioctl_gntdev_get_offset_for_vaddr get = {
			.vaddr = (uintptr_t)addr,
		};

		if (ioctl(xgt->fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &get))
			return -1;
		if (get.count != count) {
			errno = EINVAL;
			return -1;
		}
		*offset = get.offset;
	}
	if (munmap(addr, osdep_len(count)))
		return -1;
	op.index = *offset;
	return ioctl(xgt->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op) ? -1 : 0;
}

int osdep_gnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			    xengnttab_grant_copy_segment_t *segs)
{
	struct ioctl_gntdev_grant_copy op = {
		.count = count,
		.segments = (struct gntdev_grant_copy_segment *)segs,
	};

	return ioctl(xgt->fd, IOCTL_GNTDEV_GRANT_COPY, &op) ? -1 : 0;
}

int osdep_gnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
				      uint32_t flags, uint32_t count,
				      const uint32_t *refs, uint32_t *fd)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	int rc;

	op = malloc(sizeof(*op) + (count - 1) * sizeof(op->refs[0]));
	if (!op)
		return -1;
	op->flags = flags;
	op->count = count;
	op->fd = 0;
	op->domid = domid;
	memcpy(op->refs, refs, count * sizeof(op->refs[0]));
	rc = ioctl(xgt->fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op) ? -1 : 0;
	if (!rc)
		*fd = op->fd;
	osdep_free_quiet(op);
	return rc;
}

int osdep_gnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd,
					  uint32_t wait_to_ms)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released op = {
		.fd = fd,
		.wait_to_ms = wait_to_ms,
	};
	int err = errno;

	if (!ioctl(xgt->fd, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &op))
		return 0;
	/* Unknown or already released: the caller's wait is over. */
	if (errno == ENOENT) {
		errno = err;
		return 0;
	}
	return -1;
}

int osdep_gnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid,
				    uint32_t fd, uint32_t count, uint32_t *refs)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs *op;
	int rc;

	op = calloc(1, sizeof(*op) + (count - 1) * sizeof(op->refs[0]));
	if (!op)
		return -1;
	op->fd = fd;
	op->count = count;
	op->domid = domid;
	rc = ioctl(xgt->fd, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, op) ? -1 : 0;
	if (!rc)
		memcpy(refs, op->refs, count * sizeof(op->refs[0]));
	osdep_free_quiet(op);
	return rc;
}

int osdep_gnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
	struct ioctl_gntdev_dmabuf_imp_release op = { .fd = fd };

	return ioctl(xgt->fd, IOCTL_GNTDEV_DMABUF_IMP_RELEASE, &op) ? -1 : 0;
}

/* ------------------------------------------------------------------------
 * Producer: /dev/xen/gntalloc
 */

int osdep_gntshr_open(xengntshr_handle *xgs)
{
	/* Xen's library omits O_CLOEXEC here; its header promises it. */
	int fd = open(osdep_gntshr_device, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	xgs->fd = fd;
	return 0;
}

int osdep_gntshr_close(xengntshr_handle *xgs)
{
	int fd = xgs->fd;

	if (fd < 0)
		return 0;
	xgs->fd = -1;
	return close(fd);
}

void *osdep_gntshr_share_pages(xengntshr_handle *xgs,
			       const struct xengntshr_share_req *req,
			       const char **what)
{
	struct {
		struct ioctl_gntalloc_alloc_gref head;
		uint32_t more[OSDEP_STACK_REFS - 1];
	} stack;
	struct ioctl_gntalloc_alloc_gref *alloc = &stack.head;
	struct ioctl_gntalloc_dealloc_gref dealloc;
	size_t len = osdep_len(req->count);
	void *addr = NULL;

	if (req->count > OSDEP_STACK_REFS) {
		alloc = malloc(sizeof(*alloc) +
			       (req->count - 1) * sizeof(alloc->gref_ids[0]));
		if (!alloc) {
			*what = "allocating the request";
			return NULL;
		}
	}
	alloc->domid = req->domid;
	alloc->flags = req->writable ? GNTALLOC_FLAG_WRITABLE : 0;
	alloc->count = req->count;
	alloc->index = 0;
	if (ioctl(xgs->fd, IOCTL_GNTALLOC_ALLOC_GREF, alloc)) {
		*what = "ioctl ALLOC_GREF";
		goto out_free;
	}
	dealloc.index = alloc->index;
	dealloc.count = req->count;

	addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, xgs->fd,
		    (off_t)alloc->index);
	if (addr == MAP_FAILED) {
		addr = NULL;
		*what = "mmap";
		goto out_dealloc;
	}
	if (req->notify.action &&
	    osdep_set_notify(xgs->fd, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY,
			     alloc->index, &req->notify)) {
		*what = "ioctl SET_UNMAP_NOTIFY";
		osdep_munmap_quiet(addr, len);
		addr = NULL;
		goto out_dealloc;
	}
	memcpy(req->refs, alloc->gref_ids, req->count * sizeof(req->refs[0]));

out_dealloc:
	/* On success too: the mapping now keeps the pages alive. */
	osdep_ioctl_quiet(xgs->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &dealloc);
out_free:
	if (alloc != &stack.head)
		osdep_free_quiet(alloc);
	return addr;
}

int osdep_gntshr_unshare(xengntshr_handle *xgs, void *addr, uint32_t count)
{
	(void)xgs;
	return munmap(addr, osdep_len(count));
}
