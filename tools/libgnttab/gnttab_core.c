// SPDX-License-Identifier: LGPL-2.1-only
/*
 * gnttab_core.c - the consumer half of libxengnttab, OS-neutral
 *
 * Owns the xengnttab_* entry points: handle lifetime (shared with the
 * producer half through xengnttab__handle_alloc/free), the logger, the
 * registration with libxentoolcore, every argument check and every log
 * message. Each entry point calls one osdep_* primitive (private.h) for
 * the system work.
 *
 * It also keeps, per handle, the table of areas it has mapped (struct
 * xengnttab_areas), so that xengnttab_unmap() of an area it knows costs
 * munmap + one ioctl instead of Xen's three system calls. The table is a
 * sorted array guarded by the handle's mutex, which is never held across
 * a system call; areas it does not know are unmapped the slow way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define GNTTAB_CTX "gnttab"

/* Initial size of an areas table; it doubles when full. */
#define XENGNTTAB_AREAS_MIN 16

/* ------------------------------------------------------------------------
 * Handles and logging, shared with gntshr_core.c
 */

struct xengntdev_handle *xengnttab__handle_alloc(xentoollog_logger *logger,
						 const char *ctx)
{
	struct xengntdev_handle *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h) {
		if (logger)
			xtl_log(logger, XTL_ERROR, ENOMEM, ctx,
				"cannot allocate a handle");
		errno = ENOMEM;
		return NULL;
	}
	h->fd = -1;
	h->logger = logger;
	if (!logger) {
		xentoollog_logger_stdiostream *stdio;

		stdio = xtl_createlogger_stdiostream(stderr, XTL_PROGRESS, 0);
		if (!stdio)
			goto out_free;
		h->logger_tofree = (xentoollog_logger *)stdio;
		h->logger = h->logger_tofree;
	}
	err = pthread_mutex_init(&h->lock, NULL);
	if (err) {
		xtl_log(h->logger, XTL_ERROR, err, ctx,
			"cannot initialise the handle's lock");
		xtl_logger_destroy(h->logger_tofree);
		free(h);
		errno = err;
		return NULL;
	}
	return h;

out_free:
	free(h);
	errno = ENOMEM;
	return NULL;
}

void xengnttab__handle_free(struct xengntdev_handle *h)
{
	int err = errno;

	/*
	 * Only a child after fork() can find the lock held (by a thread of
	 * its parent that it does not have); destroying it then would be
	 * undefined, and leaving it is harmless.
	 */
	if (!pthread_mutex_trylock(&h->lock)) {
		pthread_mutex_unlock(&h->lock);
		pthread_mutex_destroy(&h->lock);
	}
	free(h->areas.v);
	xtl_logger_destroy(h->logger_tofree);
	free(h);
	errno = err;
}

void xengnttab__fail(struct xengntdev_handle *h, const char *ctx, int err,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xtl_logv(h->logger, XTL_ERROR, err, ctx, fmt, ap);
	va_end(ap);
	errno = err;
}

struct xengnttab_notify xengnttab__notify(uint32_t count,
					  uint32_t notify_offset,
					  evtchn_port_t notify_port)
{
	struct xengnttab_notify n = { 0 };

	/* As Xen's library: an offset outside the area means "no byte". */
	if ((uint64_t)notify_offset < (uint64_t)count * XENGNTTAB_PAGE_SIZE) {
		n.action |= XENGNTTAB_NOTIFY_CLEAR_BYTE;
		n.offset = notify_offset;
	}
	if (notify_port != (evtchn_port_t)-1) {
		n.action |= XENGNTTAB_NOTIFY_SEND_EVENT;
		n.port = notify_port;
	}
	return n;
}

/* ------------------------------------------------------------------------
 * The areas table. Callers hold the handle's lock.
 */

static uintptr_t xengnttab_area_end(const struct xengnttab_area *a)
{
	return a->addr + ((uintptr_t)a->count << XENGNTTAB_PAGE_SHIFT);
}

/* Index of the first area starting at or after @addr. */
static size_t xengnttab_areas_lower(const struct xengnttab_areas *t,
				    uintptr_t addr)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void xengnttab_areas_remove(struct xengnttab_areas *t, size_t i,
				   size_t n)
{
	if (!n)
		return;
	memmove(&t->v[i], &t->v[i + n], (t->nr - i - n) * sizeof(t->v[0]));
	t->nr -= n;
}

static bool xengnttab_areas_grow(struct xengnttab_areas *t)
{
	size_t cap = t->cap ? t->cap * 2 : XENGNTTAB_AREAS_MIN;
	struct xengnttab_area *v;

	if (cap > SIZE_MAX / sizeof(*v))
		return false;
	v = realloc(t->v, cap * sizeof(*v));
	if (!v)
		return false;
	t->v = v;
	t->cap = cap;
	return true;
}

/*
 * Record a new area. Entries it overlaps are stale (their range was
 * unmapped behind the library's back, since mmap() just handed it out
 * again) and are dropped. Failing to grow only loses the shortcut.
 */
static void xengnttab_areas_add(struct xengnttab_areas *t,
				const struct xengnttab_area *a)
{
	uintptr_t end = xengnttab_area_end(a);
	size_t i = xengnttab_areas_lower(t, a->addr);
	size_t j;

	if (i > 0 && xengnttab_area_end(&t->v[i - 1]) > a->addr)
		i--;
	for (j = i; j < t->nr && t->v[j].addr < end; j++)
		;
	xengnttab_areas_remove(t, i, j - i);
	if (t->nr == t->cap && !xengnttab_areas_grow(t))
		return;
	memmove(&t->v[i + 1], &t->v[i], (t->nr - i) * sizeof(t->v[0]));
	t->v[i] = *a;
	t->nr++;
}

/* Drop every area whose driver offset is @offset (slow-path unmap). */
static void xengnttab_areas_forget_offset(struct xengnttab_areas *t,
					  uint64_t offset)
{
	size_t i = 0;

	while (i < t->nr) {
		if (t->v[i].offset == offset)
			xengnttab_areas_remove(t, i, 1);
		else
			i++;
	}
}

/* ------------------------------------------------------------------------
 * Open and close
 */

static int xengnttab_restrict(Xentoolcore__Active_Handle *ah, uint32_t domid)
{
	xengnttab_handle *xgt =
		(xengnttab_handle *)((char *)ah -
				     offsetof(xengnttab_handle, tc_ah));
	int fd = __atomic_load_n(&xgt->fd, __ATOMIC_RELAXED);

	(void)domid;
	/* gntdev cannot be limited to one domain: disable it outright. */
	return fd < 0 ? 0 : xentoolcore__restrict_by_dup2_null(fd);
}

/**
 * xengnttab_open() - open a handle onto /dev/xen/gntdev
 * @logger: where to log errors, or NULL for a stderr logger
 * @open_flags: ignored
 *
 * The handle is registered with libxentoolcore before the device is opened,
 * as libxentoolcore requires, so that xentoolcore_restrict_all() never
 * misses it.
 *
 * Return: the handle, or NULL with errno set. Logs errors.
 */
XENGNTTAB_EXPORT xengnttab_handle *
xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xengnttab_handle *xgt;

	(void)open_flags;
	xgt = xengnttab__handle_alloc(logger, GNTTAB_CTX);
	if (!xgt)
		return NULL;
	xgt->tc_ah.restrict_callback = xengnttab_restrict;
	xentoolcore__register_active_handle(&xgt->tc_ah);
	if (osdep_gnttab_open(xgt)) {
		xentoolcore__deregister_active_handle(&xgt->tc_ah);
		xengnttab__fail(xgt, GNTTAB_CTX, errno, "cannot open %s",
				osdep_gnttab_device);
		xengnttab__handle_free(xgt);
		return NULL;
	}
	return xgt;
}

/**
 * xengnttab_close() - close a handle
 * @xgt: the handle, or NULL
 *
 * Deregisters from libxentoolcore before closing the descriptor, so that a
 * concurrent xentoolcore_restrict_all() cannot dup2() over a descriptor
 * number that another thread has just reused. Takes no lock, so it is safe
 * in a child after fork().
 *
 * Return: 0, or -1 with errno set if close() failed. Never logs.
 */
XENGNTTAB_EXPORT int xengnttab_close(xengnttab_handle *xgt)
{
	int rc;

	if (!xgt)
		return 0;
	xentoolcore__deregister_active_handle(&xgt->tc_ah);
	rc = osdep_gnttab_close(xgt);
	xengnttab__handle_free(xgt);
	return rc;
}

/**
 * xengnttab_fd() - the handle's file descriptor
 * @xgt: the handle
 *
 * Return: the descriptor, or -1 with errno EINVAL for a NULL handle.
 * Never logs.
 */
XENGNTTAB_EXPORT int xengnttab_fd(xengnttab_handle *xgt)
{
	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	return xgt->fd;
}

/**
 * xengnttab_set_max_grants() - limit the grants mapped through a handle
 * @xgt: the handle
 * @nr_grants: the limit
 *
 * Return: 0 (also when the driver has no limits), or -1 with errno set.
 * Never logs, as Xen's header documents (Xen's code logs some failures).
 */
XENGNTTAB_EXPORT int xengnttab_set_max_grants(xengnttab_handle *xgt,
					      uint32_t nr_grants)
{
	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	return osdep_gnttab_set_max_grants(xgt, nr_grants);
}

/* ------------------------------------------------------------------------
 * Map and unmap
 */

/* Check @req; on failure log, set errno and return false. */
static bool xengnttab_map_req_ok(xengnttab_handle *xgt,
				 const struct xengnttab_map_req *req)
{
	uint32_t i, n;

	if (!xengnttab__count_ok(req->count)) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL,
				"cannot map %u grants: count must be 1..%u",
				req->count, XENGNTTAB_MAX_COUNT);
		return false;
	}
	if (!req->domids || !req->refs) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL,
				"cannot map %u grants: no %s array", req->count,
				req->refs ? "domain" : "reference");
		return false;
	}
	n = req->domid_stride ? req->count : 1;
	for (i = 0; i < n; i++) {
		if (req->domids[i] > XENGNTTAB_MAX_DOMID) {
			xengnttab__fail(
				xgt, GNTTAB_CTX, EINVAL,
				"cannot map grant %u: domain %u is not a domain id",
				i, req->domids[i]);
			return false;
		}
	}
	return true;
}

/* The one map path behind the four public map functions. */
static void *xengnttab_map(xengnttab_handle *xgt,
			   const struct xengnttab_map_req *req)
{
	struct xengnttab_area area;
	const char *what = "map";
	void *addr;

	if (!xgt) {
		errno = EINVAL;
		return NULL;
	}
	if (!xengnttab_map_req_ok(xgt, req))
		return NULL;
	addr = osdep_gnttab_grant_map(xgt, req, &area.offset, &what);
	if (!addr) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"cannot map %u grant(s): %s failed", req->count,
				what);
		return NULL;
	}
	area.addr = (uintptr_t)addr;
	area.count = req->count;
	pthread_mutex_lock(&xgt->lock);
	xengnttab_areas_add(&xgt->areas, &area);
	pthread_mutex_unlock(&xgt->lock);
	return addr;
}

/**
 * xengnttab_map_grant_ref() - map one grant
 * @xgt: the handle
 * @domid: the granting domain
 * @ref: the grant reference
 * @prot: mmap() protection
 *
 * Return: the address, or NULL with errno set. Logs errors.
 */
XENGNTTAB_EXPORT void *xengnttab_map_grant_ref(xengnttab_handle *xgt,
					       uint32_t domid, uint32_t ref,
					       int prot)
{
	struct xengnttab_map_req req = {
		.count = 1,
		.domids = &domid,
		.domid_stride = 1,
		.refs = &ref,
		.prot = prot,
	};

	return xengnttab_map(xgt, &req);
}

/**
 * xengnttab_map_grant_refs() - map grants of several domains contiguously
 * @xgt: the handle
 * @count: number of grants
 * @domids: one granting domain per grant
 * @refs: the grant references
 * @prot: mmap() protection
 *
 * Return: the address, or NULL with errno set and nothing mapped. Logs
 * errors.
 */
XENGNTTAB_EXPORT void *xengnttab_map_grant_refs(xengnttab_handle *xgt,
						uint32_t count,
						uint32_t *domids,
						uint32_t *refs, int prot)
{
	struct xengnttab_map_req req = {
		.count = count,
		.domids = domids,
		.domid_stride = 1,
		.refs = refs,
		.prot = prot,
	};

	return xengnttab_map(xgt, &req);
}

/**
 * xengnttab_map_domain_grant_refs() - map grants of one domain contiguously
 * @xgt: the handle
 * @count: number of grants
 * @domid: the granting domain
 * @refs: the grant references
 * @prot: mmap() protection
 *
 * Return: the address, or NULL with errno set and nothing mapped. Logs
 * errors.
 */
XENGNTTAB_EXPORT void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt,
						       uint32_t count,
						       uint32_t domid,
						       uint32_t *refs, int prot)
{
	struct xengnttab_map_req req = {
		.count = count,
		.domids = &domid,
		.domid_stride = 0,
		.refs = refs,
		.prot = prot,
	};

	return xengnttab_map(xgt, &req);
}

/**
 * xengnttab_map_grant_ref_notify() - map one grant with unmap notification
 * @xgt: the handle
 * @domid: the granting domain
 * @ref: the grant reference
 * @prot: mmap() protection
 * @notify_offset: byte to clear on unmap; 4096 or more (e.g. -1) for none
 * @notify_port: event channel to signal on unmap; -1 for none
 *
 * Return: the address, or NULL with errno set and nothing mapped. Logs
 * errors.
 */
XENGNTTAB_EXPORT void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt,
						      uint32_t domid,
						      uint32_t ref, int prot,
						      uint32_t notify_offset,
						      evtchn_port_t notify_port)
{
	struct xengnttab_map_req req = {
		.count = 1,
		.domids = &domid,
		.domid_stride = 1,
		.refs = &ref,
		.prot = prot,
		.notify = xengnttab__notify(1, notify_offset, notify_port),
	};

	return xengnttab_map(xgt, &req);
}

/*
 * Look @addr up for unmapping @count grants: take a known area out of the
 * table (*@offset set, true), or return false for the slow path. Sets
 * errno EINVAL and returns -1 in *@rc when the table proves the call
 * wrong: @addr is inside a known area, or starts one of another size.
 */
static bool xengnttab_areas_take(xengnttab_handle *xgt, uintptr_t addr,
				 uint32_t count, uint64_t *offset, int *rc)
{
	struct xengnttab_areas *t = &xgt->areas;
	bool known = false;
	size_t i;

	*rc = 0;
	pthread_mutex_lock(&xgt->lock);
	i = xengnttab_areas_lower(t, addr);
	if (i < t->nr && t->v[i].addr == addr) {
		if (t->v[i].count == count) {
			*offset = t->v[i].offset;
			xengnttab_areas_remove(t, i, 1);
			known = true;
		} else {
			*rc = -1;
		}
	} else if (i > 0 && xengnttab_area_end(&t->v[i - 1]) > addr) {
		*rc = -1;
	}
	pthread_mutex_unlock(&xgt->lock);
	if (*rc)
		errno = EINVAL;
	return known;
}

/**
 * xengnttab_unmap() - unmap an area mapped through this handle
 * @xgt: the handle
 * @start_address: the area's address
 * @count: its number of grants
 *
 * An area in the table is unmapped with munmap and UNMAP_GRANT_REF; any
 * other address goes through the driver's GET_OFFSET_FOR_VADDR first, as
 * in Xen's library. Once the backend has been called the area is no longer
 * in the table, whatever the result.
 *
 * Return: 0, or -1 with errno set. Never logs.
 */
XENGNTTAB_EXPORT int xengnttab_unmap(xengnttab_handle *xgt, void *start_address,
				     uint32_t count)
{
	uint64_t offset = 0;
	bool known;
	int rc;

	if (!xgt || !start_address || !xengnttab__count_ok(count)) {
		errno = EINVAL;
		return -1;
	}
	known = xengnttab_areas_take(xgt, (uintptr_t)start_address, count,
				     &offset, &rc);
	if (rc)
		return rc;
	rc = osdep_gnttab_unmap(xgt, start_address, count, &offset, known);
	if (!rc && !known) {
		int err = errno;

		pthread_mutex_lock(&xgt->lock);
		xengnttab_areas_forget_offset(&xgt->areas, offset);
		pthread_mutex_unlock(&xgt->lock);
		errno = err;
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Grant copy and dma-buf
 */

/**
 * xengnttab_grant_copy() - copy to and from grants
 * @xgt: the handle
 * @count: number of segments; 0 is passed to the driver as a probe
 * @segs: the segments
 *
 * Return: 0 (check each segment's status), or -1 with errno set. Logs
 * errors.
 */
XENGNTTAB_EXPORT int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
					  xengnttab_grant_copy_segment_t *segs)
{
	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	if (count && !segs) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL,
				"cannot copy %u segments: no segment array",
				count);
		return -1;
	}
	if (osdep_gnttab_grant_copy(xgt, count, segs)) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"grant copy of %u segment(s) failed", count);
		return -1;
	}
	return 0;
}

/* Common checks of the dma-buf calls that carry a grant array. */
static bool xengnttab_dmabuf_ok(xengnttab_handle *xgt, const char *op,
				uint32_t domid, uint32_t count,
				const void *refs, const void *out)
{
	if (!xengnttab__count_ok(count)) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL,
				"%s of %u grants: count must be 1..%u", op,
				count, XENGNTTAB_MAX_COUNT);
		return false;
	}
	if (!refs || !out) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL, "%s: NULL %s", op,
				refs ? "fd" : "refs");
		return false;
	}
	if (domid > XENGNTTAB_MAX_DOMID) {
		xengnttab__fail(xgt, GNTTAB_CTX, EINVAL,
				"%s: domain %u is not a domain id", op, domid);
		return false;
	}
	return true;
}

/**
 * xengnttab_dmabuf_exp_from_refs() - export grants as a dma-buf
 * @xgt: the handle
 * @domid: the granting domain
 * @flags: 0 or a GNTDEV_DMA_FLAG_*
 * @count: number of grants
 * @refs: the grant references
 * @fd: OUT: the dma-buf
 *
 * Return: 0, or -1 with errno set (the driver's, when it has no dma-buf
 * support). Logs errors.
 */
XENGNTTAB_EXPORT int
xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
			       uint32_t flags, uint32_t count,
			       const uint32_t *refs, uint32_t *fd)
{
	static const char op[] = "dma-buf export";

	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	if (!xengnttab_dmabuf_ok(xgt, op, domid, count, refs, fd))
		return -1;
	if (osdep_gnttab_dmabuf_exp_from_refs(xgt, domid, flags, count, refs,
					      fd)) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"%s of %u grants failed", op, count);
		return -1;
	}
	return 0;
}

/**
 * xengnttab_dmabuf_exp_wait_released() - wait for an exported dma-buf
 * @xgt: the handle
 * @fd: the dma-buf
 * @wait_to_ms: timeout in milliseconds
 *
 * Return: 0 once released (or unknown), or -1 with errno set. Logs errors.
 */
XENGNTTAB_EXPORT int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt,
							uint32_t fd,
							uint32_t wait_to_ms)
{
	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	if (osdep_gnttab_dmabuf_exp_wait_released(xgt, fd, wait_to_ms)) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"waiting for dma-buf %u failed", fd);
		return -1;
	}
	return 0;
}

/**
 * xengnttab_dmabuf_imp_to_refs() - grant the pages of a dma-buf
 * @xgt: the handle
 * @domid: the domain to grant to
 * @fd: the dma-buf
 * @count: its number of pages
 * @refs: OUT: the grant references
 *
 * Return: 0, or -1 with errno set. Logs errors.
 */
XENGNTTAB_EXPORT int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt,
						  uint32_t domid, uint32_t fd,
						  uint32_t count,
						  uint32_t *refs)
{
	static const char op[] = "dma-buf import";

	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	if (!xengnttab_dmabuf_ok(xgt, op, domid, count, refs, refs))
		return -1;
	if (osdep_gnttab_dmabuf_imp_to_refs(xgt, domid, fd, count, refs)) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"%s of dma-buf %u failed", op, fd);
		return -1;
	}
	return 0;
}

/**
 * xengnttab_dmabuf_imp_release() - end the grants of an imported dma-buf
 * @xgt: the handle
 * @fd: the dma-buf
 *
 * Return: 0, or -1 with errno set. Logs errors.
 */
XENGNTTAB_EXPORT int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt,
						  uint32_t fd)
{
	if (!xgt) {
		errno = EINVAL;
		return -1;
	}
	if (osdep_gnttab_dmabuf_imp_release(xgt, fd)) {
		xengnttab__fail(xgt, GNTTAB_CTX, errno,
				"release of dma-buf %u failed", fd);
		return -1;
	}
	return 0;
}
