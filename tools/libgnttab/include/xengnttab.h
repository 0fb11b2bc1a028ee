/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xengnttab.h - map and share Xen grant references from user space
 *
 * This is the public header of libxengnttab, the gntdev project's drop-in
 * replacement for Xen's library of the same name: same types, functions,
 * constants, soname (libxengnttab.so.1) and symbol versions, so a program
 * built against Xen's header and library runs with ours unchanged, and a
 * program built against this header builds against Xen's.
 *
 * The library has two independent halves, each with its own handle:
 *
 *   xengnttab_*  the consumer side (/dev/xen/gntdev): map pages that
 *                another domain granted to this one, or copy to and from
 *                them without mapping.
 *   xengntshr_*  the producer side (/dev/xen/gntalloc): allocate pages,
 *                grant them to another domain and map them locally.
 *
 *	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
 *	void *p = xengnttab_map_grant_ref(xgt, domid, ref,
 *					  PROT_READ | PROT_WRITE);
 *	...
 *	xengnttab_unmap(xgt, p, 1);
 *	xengnttab_close(xgt);
 *
 * ERRORS AND LOGGING
 *
 * A function that fails returns NULL or -1 and sets errno; errno is not
 * changed by the library's own cleanup after a failure. Each function says
 * either "Logs errors" (every failure is reported once, at XTL_ERROR, to the
 * handle's logger) or "Never logs". The logger is the one passed to
 * xengnttab_open() or xengntshr_open(); with NULL the library creates a
 * logger that writes to stderr at XTL_PROGRESS and above.
 *
 * THREADS
 *
 * Every function except xengnttab_close() and xengntshr_close() may be
 * called from several threads at once on the same handle, provided the
 * logger tolerates that. A close must not overlap any other call on the
 * same handle.
 *
 * FORK AND EXEC
 *
 * After fork(2) a child must not use a handle inherited from its parent,
 * nor touch the areas mapped through it; it must open its own handle.
 * Calling close on an inherited handle is the only safe operation: it
 * releases the child's copy of the file descriptor and the library's
 * memory, and the parent's mappings are unaffected. The descriptors are
 * opened close-on-exec, so exec(2) reclaims everything a handle held.
 *
 * UNMAP NOTIFICATION
 *
 * The *_notify functions let the kernel tell the peer when this side goes
 * away, including when the process crashes: it can clear one byte of the
 * shared page and/or signal an event channel. They are meant for the main
 * ring page of a protocol. Because the byte is cleared on teardown, the
 * protocol must use 0 as its "dead" status; any other value may mean
 * "live". The event channel may be the ring's own or a dedicated one. The
 * mechanism helps cooperating peers recover; it does not protect against
 * a malicious peer that keeps resources mapped.
 */
#ifndef XENGNTTAB_H
#define XENGNTTAB_H

#include <stdint.h>

/* Grant and event-channel types (grant_ref_t, evtchn_port_t, GNTST_*). */
#include <xen/grant_table.h>
#include <xen/event_channel.h>

/* Callers that pass no logger need not include <xentoollog.h>. */
struct xentoollog_logger;

/* ------------------------------------------------------------------------
 * Consumer side: /dev/xen/gntdev
 */

/* Opaque; shared with the producer side, as in Xen's library. */
typedef struct xengntdev_handle xengnttab_handle;

/**
 * xengnttab_open() - open a handle onto the grant-mapping driver
 * @logger: where to log errors, or NULL for a stderr logger
 * @open_flags: reserved, pass 0 (ignored, as in Xen's library)
 *
 * Opens /dev/xen/gntdev close-on-exec and registers the handle with
 * libxentoolcore, so that xentoolcore_restrict_all() can disable it.
 * Logs errors.
 *
 * Return: a handle, or NULL with errno set.
 */
xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags);

/**
 * xengnttab_close() - close a handle
 * @xgt: the handle, or NULL
 *
 * Closes the driver's file descriptor and frees the handle. Areas still
 * mapped stay mapped until munmap(2) or exit; they should be unmapped with
 * xengnttab_unmap() first. This is the only function that may be called on
 * a handle inherited across fork(2). Never logs.
 *
 * Return: 0, or -1 with errno set if close(2) failed (the handle is freed
 * anyway).
 */
int xengnttab_close(xengnttab_handle *xgt);

/**
 * xengnttab_fd() - the handle's file descriptor
 * @xgt: the handle
 *
 * For unusual uses (fcntl, passing to another program); polling it is not
 * useful. Never logs.
 *
 * Return: the file descriptor of /dev/xen/gntdev.
 */
int xengnttab_fd(xengnttab_handle *xgt);

/**
 * xengnttab_map_grant_ref() - map one grant
 * @xgt: the handle
 * @domid: the domain that granted the page
 * @ref: the grant reference
 * @prot: PROT_READ, or PROT_READ | PROT_WRITE, as for mmap(2)
 *
 * Maps the page into a fresh area of this process; unmap it with
 * xengnttab_unmap(). Logs errors.
 *
 * Return: the address, or NULL with errno set.
 */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
			      uint32_t ref, int prot);

/**
 * xengnttab_map_grant_refs() - map several grants contiguously
 * @xgt: the handle
 * @count: number of grants, at least 1
 * @domids: @count domains, one per grant
 * @refs: @count grant references
 * @prot: as for mmap(2)
 *
 * Maps the pages, in order, into one fresh area of @count pages; unmap it
 * with xengnttab_unmap() and the same @count. Logs errors.
 *
 * All or nothing: on failure, including failure of a single grant, no
 * mapping is left established.
 *
 * Return: the address of the first page, or NULL with errno set.
 */
void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count,
			       uint32_t *domids, uint32_t *refs, int prot);

/**
 * xengnttab_map_domain_grant_refs() - map several grants of one domain
 * @xgt: the handle
 * @count: number of grants, at least 1
 * @domid: the domain that granted all the pages
 * @refs: @count grant references
 * @prot: as for mmap(2)
 *
 * Same as xengnttab_map_grant_refs() with every domain equal to @domid.
 * All or nothing. Logs errors.
 *
 * Return: the address of the first page, or NULL with errno set.
 */
void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count,
				      uint32_t domid, uint32_t *refs, int prot);

/**
 * xengnttab_map_grant_ref_notify() - map one grant with unmap notification
 * @xgt: the handle
 * @domid: the domain that granted the page
 * @ref: the grant reference
 * @prot: as for mmap(2)
 * @notify_offset: byte of the page to clear when the mapping goes away;
 *	(uint32_t)-1, or any value of 4096 or more, for none
 * @notify_port: event channel to signal when the mapping goes away;
 *	(evtchn_port_t)-1 for none
 *
 * Like xengnttab_map_grant_ref(), and asks the kernel to clear the byte
 * and/or signal the port when the page is unmapped, by xengnttab_unmap()
 * or by the process dying. If the notification cannot be set up (for
 * example the port was not bound through this kernel's evtchn driver, or
 * a byte is to be cleared in a read-only mapping), nothing is mapped.
 * Logs errors.
 *
 * Return: the address, or NULL with errno set.
 */
void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid,
				     uint32_t ref, int prot,
				     uint32_t notify_offset,
				     evtchn_port_t notify_port);

/**
 * xengnttab_unmap() - unmap an area mapped by this handle
 * @xgt: the handle
 * @start_address: the address a map function returned
 * @count: the number of grants it mapped
 *
 * Unmaps the whole area and releases the grants (after any unmap
 * notification fires). Part of an area cannot be unmapped. Never logs.
 *
 * Return: 0, or -1 with errno set; EINVAL if @start_address is NULL or
 * not the start of a mapped area, or @count is not the area's size.
 */
int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count);

/**
 * xengnttab_set_max_grants() - limit the grants this handle may map
 * @xgt: the handle
 * @nr_grants: the most grants mapped through the handle at once
 *
 * Kernels without the limit (mainline Linux) fail the request with
 * ENOTTY, which counts as success. Call it right after opening. Never
 * logs.
 *
 * Return: 0, or -1 with errno set.
 */
int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants);

/**
 * struct xengnttab_grant_copy_segment - one copy for xengnttab_grant_copy()
 * @source: where to copy from: @source.virt, a local address, unless
 *	@flags has GNTCOPY_source_gref, then @source.foreign
 * @dest: where to copy to, chosen by GNTCOPY_dest_gref the same way
 * @len: number of bytes
 * @flags: GNTCOPY_source_gref and/or GNTCOPY_dest_gref; at least one
 * @status: OUT: GNTST_okay or a GNTST_* error for this segment
 *
 * The layout is that of the kernel's struct gntdev_grant_copy_segment; the
 * library passes the array to the kernel as it is.
 */
struct xengnttab_grant_copy_segment {
	union xengnttab_copy_ptr {
		void *virt;
		struct {
			uint32_t ref;
			uint16_t offset;
			uint16_t domid;
		} foreign;
	} source, dest;
	uint16_t len;
	uint16_t flags;
	int16_t status;
};

typedef struct xengnttab_grant_copy_segment xengnttab_grant_copy_segment_t;

/**
 * xengnttab_grant_copy() - copy to and from grants without mapping them
 * @xgt: the handle
 * @count: number of segments; 0 does nothing and succeeds if the kernel
 *	supports grant copy (a feature probe)
 * @segs: @count segments
 *
 * A local address range may cross pages; the foreign side of a segment
 * must stay within one 4096-byte page. Logs errors.
 *
 * Return: 0 if every segment was processed (check each @status), or -1
 * with errno set, in which case the statuses are undefined.
 */
int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			 xengnttab_grant_copy_segment_t *segs);

/* Back an exported dma-buf with write-combining DMA memory. */
#define GNTDEV_DMA_FLAG_WC (1 << 0)

/* Back an exported dma-buf with coherent DMA memory. */
#define GNTDEV_DMA_FLAG_COHERENT (1 << 1)

/**
 * xengnttab_dmabuf_exp_from_refs() - export grants as a dma-buf
 * @xgt: the handle
 * @domid: the domain that granted the pages
 * @flags: 0 or one GNTDEV_DMA_FLAG_*
 * @count: number of grants, at least 1
 * @refs: @count grant references
 * @fd: OUT: the new dma-buf's file descriptor
 *
 * Needs driver support: the gntdev project's driver has it (PV too);
 * mainline's only with CONFIG_XEN_GNTDEV_DMABUF (ENOTTY without, EINVAL on
 * x86 PV). Logs errors.
 *
 * Return: 0, or -1 with errno set.
 */
int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
				   uint32_t flags, uint32_t count,
				   const uint32_t *refs, uint32_t *fd);

/**
 * xengnttab_dmabuf_exp_wait_released() - wait for an exported dma-buf
 * @xgt: the handle
 * @fd: a dma-buf from xengnttab_dmabuf_exp_from_refs()
 * @wait_to_ms: timeout in milliseconds
 *
 * A buffer that is unknown or already released counts as released.
 * Logs errors.
 *
 * Return: 0 once released, or -1 with errno set (ETIMEDOUT on timeout).
 */
int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd,
				       uint32_t wait_to_ms);

/**
 * xengnttab_dmabuf_imp_to_refs() - grant the pages of a dma-buf
 * @xgt: the handle
 * @domid: the domain to grant the pages to
 * @fd: the dma-buf
 * @count: its number of pages, at least 1
 * @refs: OUT: @count grant references
 *
 * Logs errors.
 *
 * Return: 0, or -1 with errno set.
 */
int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid,
				 uint32_t fd, uint32_t count, uint32_t *refs);

/**
 * xengnttab_dmabuf_imp_release() - end the grants of an imported dma-buf
 * @xgt: the handle
 * @fd: a dma-buf passed to xengnttab_dmabuf_imp_to_refs()
 *
 * Logs errors.
 *
 * Return: 0, or -1 with errno set.
 */
int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd);

/* ------------------------------------------------------------------------
 * Producer side: /dev/xen/gntalloc
 */

/* Opaque; the same type as xengnttab_handle, as in Xen's library. */
typedef struct xengntdev_handle xengntshr_handle;

/**
 * xengntshr_open() - open a handle onto the grant-sharing driver
 * @logger: where to log errors, or NULL for a stderr logger
 * @open_flags: reserved, pass 0 (ignored)
 *
 * Opens /dev/xen/gntalloc close-on-exec. Logs errors.
 *
 * Return: a handle, or NULL with errno set.
 */
xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger,
				 unsigned open_flags);

/**
 * xengntshr_close() - close a handle
 * @xgs: the handle, or NULL
 *
 * Shared areas stay shared until unshared or the process exits. The only
 * function that may be called on a handle inherited across fork(2).
 * Never logs.
 *
 * Return: 0, or -1 with errno set if close(2) failed.
 */
int xengntshr_close(xengntshr_handle *xgs);

/**
 * xengntshr_fd() - the handle's file descriptor
 * @xgs: the handle
 *
 * Never logs.
 *
 * Return: the file descriptor of /dev/xen/gntalloc.
 */
int xengntshr_fd(xengntshr_handle *xgs);

/**
 * xengntshr_share_pages() - allocate pages and grant them to a domain
 * @xgs: the handle
 * @domid: the domain to grant the pages to
 * @count: number of pages, at least 1
 * @refs: OUT: @count grant references, one per page
 * @writable: non-zero to let @domid write to the pages
 *
 * Allocates @count zeroed pages, maps them read-write into one area of
 * this process and grants them. Only memory allocated this way can be
 * shared. All or nothing. Logs errors.
 *
 * Return: the address of the area, or NULL with errno set.
 */
void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count,
			    uint32_t *refs, int writable);

/**
 * xengntshr_share_page_notify() - share one page with unmap notification
 * @xgs: the handle
 * @domid: the domain to grant the page to
 * @ref: OUT: the grant reference
 * @writable: non-zero to let @domid write to the page
 * @notify_offset: byte to clear when the page is released; (uint32_t)-1,
 *	or any value of 4096 or more, for none
 * @notify_port: event channel to signal then; (evtchn_port_t)-1 for none
 *
 * Like xengntshr_share_pages() for one page, with the notification of
 * xengnttab_map_grant_ref_notify() on the sharing side. If the
 * notification cannot be set up nothing is shared. Logs errors.
 *
 * Return: the address of the page, or NULL with errno set.
 */
void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid,
				  uint32_t *ref, int writable,
				  uint32_t notify_offset,
				  evtchn_port_t notify_port);

/**
 * xengntshr_unshare() - unmap an area from xengntshr_share_*()
 * @xgs: the handle
 * @start_address: the address the share function returned
 * @count: its number of pages
 *
 * Unmaps the area; the pages are freed once the peer has unmapped them
 * too, and any notification fires then. Never logs.
 *
 * Return: 0, or -1 with errno set.
 */
int xengntshr_unshare(xengntshr_handle *xgs, void *start_address,
		      uint32_t count);

#endif /* XENGNTTAB_H */
