/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * private.h - what the library's files share and nobody else sees
 *
 * libxengnttab is an OS-neutral core (gnttab_core.c, gntshr_core.c) over
 * one OS backend (linux.c). The core owns the handles, the logger, the
 * xentoolcore registration, every argument check, every log message and
 * the table of areas it has mapped; for each public operation it calls
 * exactly one osdep_* primitive, declared below. The backend owns the
 * system calls and the cleanup of its own partial work.
 *
 * Backend contract, for every osdep_* function:
 *  - success returns 0 or a pointer; failure returns -1 or NULL with errno
 *    set to the reason, and leaves nothing behind (no slot reserved in the
 *    driver, nothing mapped), with errno unchanged by that cleanup;
 *  - it never logs (the core does), and is called with valid arguments:
 *    non-NULL arrays, counts in 1..XENGNTTAB_MAX_COUNT unless stated;
 *  - it may be called concurrently on one handle, except open and close.
 *
 * The unit tests link the core with an in-memory fake of this contract
 * (tests/fake-osdep.c) and linux.c with a fake kernel (tests/fake-sys.c).
 */
#ifndef XENGNTTAB_PRIVATE_H
#define XENGNTTAB_PRIVATE_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xentoollog.h>
#include <xentoolcore.h>

#include "xengnttab.h"

/* Marks the definition of a public function (the rest is hidden). */
#define XENGNTTAB_EXPORT __attribute__((visibility("default")))

/* Grants are always 4 KiB pages, whatever the CPU's page size. */
#define XENGNTTAB_PAGE_SHIFT 12
#define XENGNTTAB_PAGE_SIZE (1UL << XENGNTTAB_PAGE_SHIFT)

/*
 * Most grants one call may map, share or export: 2^22 grants is 16 GiB
 * of mappings and 32 MiB of request, 64 times mainline's default per-call
 * limit. Larger counts fail with EINVAL before any memory is allocated.
 */
#define XENGNTTAB_MAX_COUNT (1U << 22)

/* Is @count a number of grants or pages one call may handle? */
static inline bool xengnttab__count_ok(uint64_t count)
{
	return count && count <= XENGNTTAB_MAX_COUNT &&
	       count <= SIZE_MAX >> XENGNTTAB_PAGE_SHIFT;
}

/* Grant and event-channel domain ids are 16 bits. */
#define XENGNTTAB_MAX_DOMID 0xffffU

/*
 * How long a map keeps retrying while the kernel says EAGAIN (a granted
 * page is paged out): Xen's library retries forever, every millisecond;
 * ours backs off from 1 ms to XENGNTTAB_EAGAIN_MAX_SLEEP_MS and gives up
 * with EAGAIN after XENGNTTAB_EAGAIN_BUDGET_MS in total.
 */
#define XENGNTTAB_EAGAIN_BUDGET_MS 1000U
#define XENGNTTAB_EAGAIN_MAX_SLEEP_MS 64U

/* ------------------------------------------------------------------------
 * libxentoolcore's handle registration.
 *
 * Xen declares it in xentoolcore_internal.h, which Debian's libxen-dev does
 * not ship, so it is declared here to match libxentoolcore.so.1 (symbols at
 * VERS_1.0): a callback pointer followed by a BSD LIST_ENTRY that the
 * library links into its list of handles. xentoolcore_restrict_all() calls
 * every registered callback under libxentoolcore's lock.
 */
typedef struct Xentoolcore__Active_Handle Xentoolcore__Active_Handle;

typedef int Xentoolcore__Restrict_Callback(Xentoolcore__Active_Handle *ah,
					   uint32_t domid);

struct Xentoolcore__Active_Handle {
	Xentoolcore__Restrict_Callback *restrict_callback;
	struct {
		Xentoolcore__Active_Handle *le_next;
		Xentoolcore__Active_Handle **le_prev;
	} entry; /* owned by libxentoolcore while registered */
};

void xentoolcore__register_active_handle(Xentoolcore__Active_Handle *ah);
void xentoolcore__deregister_active_handle(Xentoolcore__Active_Handle *ah);
int xentoolcore__restrict_by_dup2_null(int fd);

/* ------------------------------------------------------------------------
 * Handles
 */

/**
 * struct xengnttab_area - an area the library mapped and has not unmapped
 * @addr: its start address
 * @offset: the driver's offset for it (IOCTL_GNTDEV_MAP_GRANT_REF's index)
 * @count: its number of grants
 */
struct xengnttab_area {
	uintptr_t addr;
	uint64_t offset;
	uint32_t count;
};

/**
 * struct xengnttab_areas - the areas of one consumer handle
 * @v: @nr entries sorted by @addr, none overlapping, room for @cap
 * @nr: number of entries
 * @cap: allocated entries
 *
 * Lets xengnttab_unmap() skip the driver's GET_OFFSET_FOR_VADDR round
 * trip. It is a cache: an area missing from it (the table could not grow)
 * is unmapped the slow way, so it is never a reason for a map to fail.
 */
struct xengnttab_areas {
	struct xengnttab_area *v;
	size_t nr;
	size_t cap;
};

/**
 * struct xengntdev_handle - a consumer or producer handle
 * @logger: where errors go
 * @logger_tofree: the stderr logger the library created, or NULL
 * @fd: the driver's file descriptor, -1 before open
 * @tc_ah: registration with libxentoolcore (consumer handles only)
 * @lock: protects @areas; never held across a system call
 * @areas: the consumer's mapped areas (empty for a producer)
 */
struct xengntdev_handle {
	xentoollog_logger *logger;
	xentoollog_logger *logger_tofree;
	int fd;
	Xentoolcore__Active_Handle tc_ah;
	pthread_mutex_t lock;
	struct xengnttab_areas areas;
};

/* ------------------------------------------------------------------------
 * Requests the core hands to the backend
 */

/* Notify actions; equal to the drivers' UNMAP_NOTIFY_* (linux.c checks). */
#define XENGNTTAB_NOTIFY_CLEAR_BYTE 0x1U
#define XENGNTTAB_NOTIFY_SEND_EVENT 0x2U

/**
 * struct xengnttab_notify - what to do when an area goes away
 * @action: 0 or XENGNTTAB_NOTIFY_* bits
 * @offset: with CLEAR_BYTE, the byte to clear, from the area's start
 *	(always inside the area)
 * @port: with SEND_EVENT, the event channel to signal
 */
struct xengnttab_notify {
	uint32_t action;
	uint32_t offset;
	evtchn_port_t port;
};

/**
 * struct xengnttab_map_req - one map request
 * @count: number of grants
 * @domids: granting domains: grant i is from @domids[i * @domid_stride]
 * @domid_stride: 1 for one domain per grant, 0 for @domids[0] for all
 * @refs: @count grant references
 * @prot: mmap() protection
 * @notify: notification to set up once mapped
 */
struct xengnttab_map_req {
	uint32_t count;
	const uint32_t *domids;
	unsigned int domid_stride;
	const uint32_t *refs;
	int prot;
	struct xengnttab_notify notify;
};

/**
 * struct xengntshr_share_req - one share request
 * @domid: the domain to grant to
 * @count: number of pages
 * @refs: OUT: @count grant references, written only on success
 * @writable: grant write access too
 * @notify: notification to set up once shared
 */
struct xengntshr_share_req {
	uint32_t domid;
	uint32_t count;
	uint32_t *refs;
	bool writable;
	struct xengnttab_notify notify;
};

/* ------------------------------------------------------------------------
 * The backend (linux.c)
 *
 * Where a primitive takes @what, on failure it points *@what at a short
 * name of the step that failed ("mmap", "ioctl MAP_GRANT_REF"), for the
 * core's log message.
 */

/* The devices' names, for log messages. */
extern const char osdep_gnttab_device[];
extern const char osdep_gntshr_device[];

/* Open the consumer device and store its descriptor in @xgt->fd. */
int osdep_gnttab_open(xengnttab_handle *xgt);
/* Close @xgt->fd if it is open; -1 with errno if close() failed. */
int osdep_gnttab_close(xengnttab_handle *xgt);
/* Limit the handle's grants; a driver without limits succeeds. */
int osdep_gnttab_set_max_grants(xengnttab_handle *xgt, uint32_t count);
/* Map @req; on success store the driver's offset for the area in *@offset. */
void *osdep_gnttab_grant_map(xengnttab_handle *xgt,
			     const struct xengnttab_map_req *req,
			     uint64_t *offset, const char **what);
/*
 * Unmap the @count-grant area at @addr. With @known, *@offset is its
 * offset; otherwise the backend finds it, fails with EINVAL unless it
 * describes exactly @count grants, and stores it in *@offset. The one
 * exception to "nothing behind": once munmap() has succeeded the area is
 * gone, even if the driver then refuses to release the grants.
 */
int osdep_gnttab_unmap(xengnttab_handle *xgt, void *addr, uint32_t count,
		       uint64_t *offset, bool known);
/* Copy @count segments (@count may be 0 and @segs NULL: a probe). */
int osdep_gnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			    xengnttab_grant_copy_segment_t *segs);
int osdep_gnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
				      uint32_t flags, uint32_t count,
				      const uint32_t *refs, uint32_t *fd);
/* Wait for release; an unknown or released buffer is not an error. */
int osdep_gnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd,
					  uint32_t wait_to_ms);
int osdep_gnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid,
				    uint32_t fd, uint32_t count,
				    uint32_t *refs);
int osdep_gnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd);

/* Open the producer device and store its descriptor in @xgs->fd. */
int osdep_gntshr_open(xengntshr_handle *xgs);
/* Close @xgs->fd if it is open; -1 with errno if close() failed. */
int osdep_gntshr_close(xengntshr_handle *xgs);
/* Allocate, grant and map @req's pages read-write. */
void *osdep_gntshr_share_pages(xengntshr_handle *xgs,
			       const struct xengntshr_share_req *req,
			       const char **what);
/* Unmap a shared area (@count is at least 1). */
int osdep_gntshr_unshare(xengntshr_handle *xgs, void *addr, uint32_t count);

/* ------------------------------------------------------------------------
 * Shared by the two cores (gnttab_core.c)
 */

/* Allocate a handle with @logger (or a new stderr logger); fd is -1. */
struct xengntdev_handle *xengnttab__handle_alloc(xentoollog_logger *logger,
						 const char *ctx);
/* Free a handle from xengnttab__handle_alloc(); errno is preserved. */
void xengnttab__handle_free(struct xengntdev_handle *h);

/* Log @fmt at XTL_ERROR for @h under @ctx with @err, then set errno. */
void xengnttab__fail(struct xengntdev_handle *h, const char *ctx, int err,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Turn a (notify_offset, notify_port) pair into a notify request. */
struct xengnttab_notify xengnttab__notify(uint32_t count,
					  uint32_t notify_offset,
					  evtchn_port_t notify_port);

#endif /* XENGNTTAB_PRIVATE_H */
