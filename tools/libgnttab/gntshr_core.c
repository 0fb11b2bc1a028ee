// SPDX-License-Identifier: LGPL-2.1-only
/*
 * gntshr_core.c - the producer half of libxengnttab, OS-neutral
 *
 * Owns the xengntshr_* entry points: allocate pages, grant them to another
 * domain and map them locally (through /dev/xen/gntalloc on Linux). Handle
 * lifetime and logging are shared with gnttab_core.c; each entry point
 * checks its arguments and calls one osdep_gntshr_* primitive.
 *
 * Unlike consumer handles, producer handles are not registered with
 * libxentoolcore, as in Xen's library: sharing one's own pages gives no
 * power over other domains.
 */
#include <stdlib.h>

#include "private.h"

#define GNTSHR_CTX "gntshr"

/**
 * xengntshr_open() - open a handle onto /dev/xen/gntalloc
 * @logger: where to log errors, or NULL for a stderr logger
 * @open_flags: ignored
 *
 * Return: the handle, or NULL with errno set. Logs errors.
 */
XENGNTTAB_EXPORT xengntshr_handle *
xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xengntshr_handle *xgs;

	(void)open_flags;
	xgs = xengnttab__handle_alloc(logger, GNTSHR_CTX);
	if (!xgs)
		return NULL;
	if (osdep_gntshr_open(xgs)) {
		xengnttab__fail(xgs, GNTSHR_CTX, errno, "cannot open %s",
				osdep_gntshr_device);
		xengnttab__handle_free(xgs);
		return NULL;
	}
	return xgs;
}

/**
 * xengntshr_close() - close a handle
 * @xgs: the handle, or NULL
 *
 * Takes no lock, so it is safe in a child after fork().
 *
 * Return: 0, or -1 with errno set if close() failed. Never logs.
 */
XENGNTTAB_EXPORT int xengntshr_close(xengntshr_handle *xgs)
{
	int rc;

	if (!xgs)
		return 0;
	rc = osdep_gntshr_close(xgs);
	xengnttab__handle_free(xgs);
	return rc;
}

/**
 * xengntshr_fd() - the handle's file descriptor
 * @xgs: the handle
 *
 * Return: the descriptor, or -1 with errno EINVAL for a NULL handle.
 * Never logs.
 */
XENGNTTAB_EXPORT int xengntshr_fd(xengntshr_handle *xgs)
{
	if (!xgs) {
		errno = EINVAL;
		return -1;
	}
	return xgs->fd;
}

/* The one share path behind the two public share functions. */
static void *xengntshr_share(xengntshr_handle *xgs,
			     const struct xengntshr_share_req *req, int count)
{
	const char *what = "share";
	void *addr;

	if (!xgs) {
		errno = EINVAL;
		return NULL;
	}
	if (count <= 0 || !xengnttab__count_ok((uint64_t)count)) {
		xengnttab__fail(xgs, GNTSHR_CTX, EINVAL,
				"cannot share %d pages: count must be 1..%u",
				count, XENGNTTAB_MAX_COUNT);
		return NULL;
	}
	if (!req->refs) {
		xengnttab__fail(xgs, GNTSHR_CTX, EINVAL,
				"cannot share %d pages: no reference array",
				count);
		return NULL;
	}
	if (req->domid > XENGNTTAB_MAX_DOMID) {
		xengnttab__fail(xgs, GNTSHR_CTX, EINVAL,
				"cannot share with domain %u: not a domain id",
				req->domid);
		return NULL;
	}
	addr = osdep_gntshr_share_pages(xgs, req, &what);
	if (!addr)
		xengnttab__fail(
			xgs, GNTSHR_CTX, errno,
			"cannot share %d page(s) with domain %u: %s failed",
			count, req->domid, what);
	return addr;
}

/**
 * xengntshr_share_pages() - allocate pages and grant them to a domain
 * @xgs: the handle
 * @domid: the domain to grant to
 * @count: number of pages
 * @refs: OUT: one grant reference per page
 * @writable: non-zero to grant write access
 *
 * Return: the local address of the pages, or NULL with errno set and
 * nothing shared. Logs errors.
 */
XENGNTTAB_EXPORT void *xengntshr_share_pages(xengntshr_handle *xgs,
					     uint32_t domid, int count,
					     uint32_t *refs, int writable)
{
	struct xengntshr_share_req req = {
		.domid = domid,
		.count = count > 0 ? (uint32_t)count : 0,
		.refs = refs,
		.writable = writable != 0,
	};

	return xengntshr_share(xgs, &req, count);
}

/**
 * xengntshr_share_page_notify() - share one page with unmap notification
 * @xgs: the handle
 * @domid: the domain to grant to
 * @ref: OUT: the grant reference
 * @writable: non-zero to grant write access
 * @notify_offset: byte to clear on release; 4096 or more (e.g. -1) for none
 * @notify_port: event channel to signal on release; -1 for none
 *
 * Return: the local address of the page, or NULL with errno set and
 * nothing shared. Logs errors.
 */
XENGNTTAB_EXPORT void *xengntshr_share_page_notify(xengntshr_handle *xgs,
						   uint32_t domid,
						   uint32_t *ref, int writable,
						   uint32_t notify_offset,
						   evtchn_port_t notify_port)
{
	struct xengntshr_share_req req = {
		.domid = domid,
		.count = 1,
		.refs = ref,
		.writable = writable != 0,
		.notify = xengnttab__notify(1, notify_offset, notify_port),
	};

	return xengntshr_share(xgs, &req, 1);
}

/**
 * xengntshr_unshare() - unmap a shared area
 * @xgs: the handle
 * @start_address: the area's address
 * @count: its number of pages
 *
 * Return: 0, or -1 with errno set. Never logs.
 */
XENGNTTAB_EXPORT int xengntshr_unshare(xengntshr_handle *xgs,
				       void *start_address, uint32_t count)
{
	if (!xgs || !start_address || !xengnttab__count_ok(count)) {
		errno = EINVAL;
		return -1;
	}
	return osdep_gntshr_unshare(xgs, start_address, count);
}
