/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * gntdev.h - user-space interface of /dev/xen/gntdev
 *
 * /dev/xen/gntdev lets a process map pages that another Xen domain has
 * granted to this one:
 *
 *   Domain X grants page P to domain Y and tells Y the grant reference R.
 *   Y opens /dev/xen/gntdev, inserts (X, R) with IOCTL_GNTDEV_MAP_GRANT_REF,
 *   gets back a file offset, and mmap()s the file at that offset to see P.
 *
 *	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
 *	map->count = 1;
 *	map->refs[0].domid = X;
 *	map->refs[0].ref = R;
 *	ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, map);
 *	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *		 map->index);
 *	...
 *	munmap(p, 4096);
 *	ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
 *
 * This header is binary compatible with Linux's include/uapi/xen/gntdev.h:
 * same struct names, field names, layouts and ioctl numbers (including the
 * legacy _IOC_NONE direction). It shares that header's include guard, so a
 * translation unit that pulls in both gets exactly one set of definitions.
 * grant_ref_t and domid_t are spelled __u32 and __u16, which have the same
 * size and alignment.
 *
 * Offsets and slots. Each open file has its own offset space divided into
 * 4 KiB slots; a map of @count grants occupies @count consecutive slots and
 * is named by the byte offset of its first slot. The first map on a fresh
 * file gets offset 0. Later offsets come from a next-fit search that starts
 * where the previous map ended, wraps around once, and reuses a free hole
 * whose size equals the request (mainline skips such holes). Apart from the
 * first-map rule, treat offsets as opaque.
 *
 * mmap(). A mapping must use MAP_SHARED if it is writable, start at a map's
 * offset and cover exactly that whole map; any other shape fails with
 * EINVAL. A map can be mmap()ed once. A map first mmap()ed without
 * PROT_WRITE is read-only for its whole life. The grants are mapped by
 * mmap() itself; its errors:
 *
 * EINVAL: a bad shape (above), a writable MAP_PRIVATE mapping, a map that
 * was already mmap()ed (even if since munmap()ed), a read-only mapping of a
 * map whose unmap notification clears a byte, or a grant the hypervisor
 * refused for a reason not listed below: a bad reference, a general error,
 * or a frame still paged out after the kernel's retries (as in mainline,
 * which answers EINVAL for every refusal).
 *
 * ESRCH: the granting domain does not exist (GNTST_bad_domain).
 *
 * EPERM: the grant does not allow this mapping (GNTST_permission_denied,
 * e.g. a read-only grant mapped writable).
 *
 * ENOSPC: the hypervisor has no room to track another mapping
 * (GNTST_no_device_space).
 *
 * EFAULT: the hypervisor rejected the address (GNTST_bad_virt_addr,
 * GNTST_bad_dev_addr).
 *
 * ENOMEM: no memory for the map's state. Nothing was mapped, and mmap()
 * may be tried again.
 *
 * After a refusal no grant of the map stays mapped, and the map cannot be
 * mmap()ed again: UNMAP it and MAP it anew. On x86 PV, fork() never copies
 * a mapping, even after madvise(MADV_DOFORK): the child gets SIGBUS on
 * access (mainline copies the grant PTEs and leaks the grant).
 *
 * Errors. Every command fails with EFAULT if its argument cannot be read
 * or written back. An unknown command fails with ENOTTY. The errno lists
 * below are the contract of this driver; where it differs from mainline
 * Linux the text says so.
 *
 * 32-bit processes on a 64-bit kernel get every command, with the same
 * results as 64-bit ones: every argument has one layout in both ABIs
 * (each __u64 sits on an 8-byte offset by explicit padding), except
 * IOCTL_GNTDEV_GRANT_COPY's, which a 32-bit compiler makes 8 bytes and so
 * numbers 0x00084708; its segments' @virt fill the low half of their
 * unions. Mainline has no compat_ioctl: ENOTTY for every command there.
 */

#ifndef __LINUX_PUBLIC_GNTDEV_H__
#define __LINUX_PUBLIC_GNTDEV_H__

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * struct ioctl_gntdev_grant_ref - one grant to map
 * @domid: IN. The domain that granted the page (a domid_t).
 * @ref: IN. The grant reference (a grant_ref_t).
 */
struct ioctl_gntdev_grant_ref {
	__u32 domid;
	__u32 ref;
};

/**
 * DOC: IOCTL_GNTDEV_MAP_GRANT_REF
 *
 * Inserts @count grant references into this file's mapping table and
 * returns in @index the offset to pass to mmap(). Nothing is mapped yet;
 * the hypercalls happen at mmap() time, so a bad grant shows up there.
 *
 * The argument is a struct ioctl_gntdev_map_grant_ref followed by
 * @count - 1 further refs, i.e. 16 + 8 * @count bytes.
 *
 * Errors:
 *
 * EINVAL: @count is 0 or larger than the module parameter "limit"
 * (default 65536).
 *
 * ENOSPC: the map would exceed this file's cap (IOCTL_GNTDEV_SET_MAX_GRANTS)
 * or the module-wide total of mapped grants, or no run of @count free
 * slots fits in the file's offset space (the file_limit module parameter,
 * whatever the cap). Mainline has no caps and never returns ENOSPC.
 *
 * ENOMEM: out of kernel memory.
 *
 * EFAULT: the header or @refs cannot be read, or @index cannot be written.
 * Nothing is left inserted.
 */
#define IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))

/**
 * struct ioctl_gntdev_map_grant_ref - argument of IOCTL_GNTDEV_MAP_GRANT_REF
 * @count: IN. Number of entries in @refs.
 * @pad: Ignored (mainline does not check it either).
 * @index: OUT. Offset of the new map, a multiple of 4096.
 * @refs: IN. @count grants, laid out one after another from offset 16.
 */
struct ioctl_gntdev_map_grant_ref {
	__u32 count;
	__u32 pad;
	__u64 index;
	struct ioctl_gntdev_grant_ref refs[1];
};

/**
 * DOC: IOCTL_GNTDEV_UNMAP_GRANT_REF
 *
 * Removes one map from this file's mapping table; its slots can be reused
 * at once. @index and @count must name the map exactly as
 * IOCTL_GNTDEV_MAP_GRANT_REF returned it; @count 0 means "whatever the
 * count of the map at @index is". The call is allowed while the map is
 * still mmap()ed: the grants are released when the last mapping goes.
 *
 * Errors:
 *
 * EINVAL: @index is not a multiple of 4096 or exceeds the offset space
 * (2^44 bytes), so it can never name a map. Mainline ignores the low 12
 * bits instead.
 *
 * ENOENT: no map starts at @index, or @count is neither 0 nor the count of
 * that map.
 *
 * EFAULT: the argument cannot be read.
 */
#define IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))

/**
 * struct ioctl_gntdev_unmap_grant_ref - argument of
 * IOCTL_GNTDEV_UNMAP_GRANT_REF
 * @index: IN. Offset of the map, as returned by IOCTL_GNTDEV_MAP_GRANT_REF.
 * @count: IN. Number of grants in the map, or 0.
 * @pad: Ignored.
 */
struct ioctl_gntdev_unmap_grant_ref {
	__u64 index;
	__u32 count;
	__u32 pad;
};

/**
 * DOC: IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR
 *
 * Finds the map behind a virtual address so that a caller that kept no
 * state can munmap() it and then unmap it. @vaddr may be any address inside
 * a mapping of this file, not only its start. @offset and @count describe
 * the whole map, even if the mapping has since been split or partly
 * unmapped.
 *
 * Errors:
 *
 * EINVAL: @vaddr is not inside a mapping of this file.
 *
 * EFAULT: the argument cannot be read or written.
 */
#define IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR \
	_IOC(_IOC_NONE, 'G', 2,           \
	     sizeof(struct ioctl_gntdev_get_offset_for_vaddr))

/**
 * struct ioctl_gntdev_get_offset_for_vaddr - argument of
 * IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR
 * @vaddr: IN. A user virtual address.
 * @offset: OUT. Offset of the map mapped at @vaddr.
 * @count: OUT. Number of grants in that map.
 * @pad: Ignored.
 */
struct ioctl_gntdev_get_offset_for_vaddr {
	__u64 vaddr;
	__u64 offset;
	__u32 count;
	__u32 pad;
};

/**
 * DOC: IOCTL_GNTDEV_SET_MAX_GRANTS
 *
 * Sets the largest number of grants this file may have inserted at once.
 * It may be called at any time; lowering the cap below the number already
 * inserted only blocks new maps. It caps grants held, not offsets: the
 * offset space grows past it (up to the file_limit module parameter), so
 * freed holes never make a map that fits the cap fail. A value above the
 * module-wide maximum is silently clamped to it, and @count 0 changes
 * nothing, so no caller that works on mainline (where this command fails
 * with ENOTTY and libxengnttab ignores that) fails here.
 *
 * Errors:
 *
 * EFAULT: the argument cannot be read.
 */
#define IOCTL_GNTDEV_SET_MAX_GRANTS \
	_IOC(_IOC_NONE, 'G', 3, sizeof(struct ioctl_gntdev_set_max_grants))

/**
 * struct ioctl_gntdev_set_max_grants - argument of IOCTL_GNTDEV_SET_MAX_GRANTS
 * @count: IN. The new cap, in grants.
 */
struct ioctl_gntdev_set_max_grants {
	__u32 count;
};

/**
 * DOC: IOCTL_GNTDEV_SET_UNMAP_NOTIFY
 *
 * Asks the driver to tell the granting side when the map holding byte
 * @index is torn down, even if this process crashes: it can clear that
 * byte (UNMAP_NOTIFY_CLEAR_BYTE) and/or signal @event_channel_port
 * (UNMAP_NOTIFY_SEND_EVENT). Each map holds one notification; a new call
 * for any byte of the same map replaces the old one, and @action 0 removes
 * it.
 *
 * Errors:
 *
 * EINVAL: @action has bits other than UNMAP_NOTIFY_CLEAR_BYTE and
 * UNMAP_NOTIFY_SEND_EVENT; or UNMAP_NOTIFY_SEND_EVENT is set and
 * @event_channel_port is not an event channel bound through this kernel's
 * evtchn driver; or UNMAP_NOTIFY_CLEAR_BYTE is set and the map is
 * read-only.
 *
 * ENOENT: no map of this file contains byte @index.
 *
 * EFAULT: the argument cannot be read.
 */
#define IOCTL_GNTDEV_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntdev_unmap_notify))

/**
 * struct ioctl_gntdev_unmap_notify - argument of IOCTL_GNTDEV_SET_UNMAP_NOTIFY
 * @index: IN. Offset of a byte inside a map (need not be aligned); with
 *	UNMAP_NOTIFY_CLEAR_BYTE, the byte to clear.
 * @action: IN. UNMAP_NOTIFY_* bits, or 0.
 * @event_channel_port: IN. Port for UNMAP_NOTIFY_SEND_EVENT.
 */
struct ioctl_gntdev_unmap_notify {
	__u64 index;
	__u32 action;
	__u32 event_channel_port;
};

/* Clear (set to zero) the byte at @index when the map goes away. */
#define UNMAP_NOTIFY_CLEAR_BYTE 0x1
/* Send an event on @event_channel_port when the map goes away. */
#define UNMAP_NOTIFY_SEND_EVENT 0x2

/*
 * Same spelling as Xen's and Linux's grant_table.h, so that either order of
 * inclusion gives an identical, warning-free definition.
 */
/* clang-format off */
#ifndef GNTCOPY_source_gref
#define _GNTCOPY_source_gref      (0)
#define GNTCOPY_source_gref       (1<<_GNTCOPY_source_gref)
#endif
#ifndef GNTCOPY_dest_gref
#define _GNTCOPY_dest_gref        (1)
#define GNTCOPY_dest_gref         (1<<_GNTCOPY_dest_gref)
#endif
/* clang-format on */

/**
 * struct gntdev_grant_copy_segment - one copy between a grant and memory
 * @source: IN. Where to copy from: @source.virt if GNTCOPY_source_gref is
 *	clear, else @source.foreign.
 * @source.virt: A user virtual address; the range may cross pages.
 * @source.foreign.ref: A grant reference.
 * @source.foreign.offset: Byte offset inside the granted page.
 * @source.foreign.domid: The domain that granted the page.
 * @dest: IN. Where to copy to, chosen by GNTCOPY_dest_gref the same way.
 * @len: IN. Number of bytes to copy.
 * @flags: IN. GNTCOPY_source_gref and/or GNTCOPY_dest_gref; at least one.
 * @status: OUT. GNTST_okay (0) or the first negative GNTST_* error met
 *	while copying this segment.
 */
struct gntdev_grant_copy_segment {
	union {
#ifdef __KERNEL__
		void __user *virt;
#else
		void *virt;
#endif
		struct {
			__u32 ref;
			__u16 offset;
			__u16 domid;
		} foreign;
	} source, dest;
	__u16 len;
	__u16 flags;
	__s16 status;
};

/**
 * DOC: IOCTL_GNTDEV_GRANT_COPY
 *
 * Copies data between grant references and local memory without mapping
 * anything, in @count independent segments. A local buffer may cross page
 * boundaries; the driver splits it as needed. The foreign side of a segment
 * must stay inside one 4 KiB page.
 *
 * A return of 0 means every segment was processed and each @status is
 * valid; some may still report a GNTST_* error. On failure the @status
 * fields are undefined. @count 0 succeeds without doing anything, which
 * callers use as a feature probe.
 *
 * Errors:
 *
 * EINVAL: a segment has neither GNTCOPY_source_gref nor GNTCOPY_dest_gref,
 * or a foreign offset + @len exceeds 4096.
 *
 * EFAULT: the argument, a segment or a local buffer cannot be accessed.
 *
 * ENOMEM: out of kernel memory.
 */
#define IOCTL_GNTDEV_GRANT_COPY \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy))

/**
 * struct ioctl_gntdev_grant_copy - argument of IOCTL_GNTDEV_GRANT_COPY
 * @count: IN. Number of entries in @segments.
 * @segments: IN. The segments; each @status is written back.
 */
struct ioctl_gntdev_grant_copy {
	__u32 count;
#ifdef __KERNEL__
	struct gntdev_grant_copy_segment __user *segments;
#else
	struct gntdev_grant_copy_segment *segments;
#endif
};

/**
 * DOC: dma-buf commands
 *
 * IOCTL_GNTDEV_DMABUF_* (9 to 12) have mainline's numbers, layouts and
 * semantics, with the differences noted below. Debian's kernels are built
 * without CONFIG_XEN_GNTDEV_DMABUF, so their xen-gntdev answers ENOTTY to
 * all four; this driver implements them on every kernel it builds for.
 *
 * PV domains: mainline refuses the dma-buf commands there (EINVAL). This
 * driver maps exported grants for the kernel with GNTMAP_host_map at the
 * kernel address of pages of its own, as blkback does, and gnttab's p2m
 * override aims each page's p2m entry at the granted frame, so importers
 * (through swiotlb-xen) reach the granted frames. Imports find each page's
 * frame from its pseudo-physical address (pfn_to_gfn()), never from a bus
 * address, so no bounce buffer can stand in for the buffer. Both work the
 * same in PV and auto-translated domains.
 *
 * Limits: an export's or import's grants count against the file's cap
 * (IOCTL_GNTDEV_SET_MAX_GRANTS) and the module-wide total_limit, as a map
 * of as many grants; ENOSPC beyond them.
 *
 * Lifetime: an export lives until its dma-buf is released (its last fd
 * closed and its last importer gone), whether or not the gntdev file is
 * still open; closing the gntdev file releases its imports.
 */

/*
 * Back an exported dma-buf with dma_alloc_wc() memory: not offered here
 * (EOPNOTSUPP): the grants are mapped over ordinary pages, and a foreign
 * frame mapped into a DMA allocation is not contiguous for the device in
 * a PV domain, which is what the flag is for.
 */
#define GNTDEV_DMA_FLAG_WC (1 << 0)
/* Back with dma_alloc_coherent() memory: not offered either (EOPNOTSUPP). */
#define GNTDEV_DMA_FLAG_COHERENT (1 << 1)

/**
 * DOC: IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS
 *
 * Maps @count grants of domain @domid for the kernel (no user mapping)
 * and exports them as a dma-buf whose new file descriptor (O_CLOEXEC) is
 * returned in @fd. The argument is 16 + 4 * @count bytes. The fd is
 * installed only once the export is complete and @fd written back
 * (CVE-2025-38595 was mainline installing it first); on any error no fd
 * exists and nothing stays mapped.
 *
 * Errors: EINVAL if @count is 0 or above the "limit" module parameter
 * (65536), @flags has bits other than GNTDEV_DMA_FLAG_WC and
 * GNTDEV_DMA_FLAG_COHERENT or has both (mainline ignores unknown bits),
 * or @domid is DOMID_FIRST_RESERVED (0x7ff0) or above; EOPNOTSUPP for
 * GNTDEV_DMA_FLAG_WC or GNTDEV_DMA_FLAG_COHERENT alone; ENOSPC beyond
 * the file's cap or the module-wide total; the hypervisor's refusal of a
 * grant as mmap() reports it (ESRCH: no such domain, EPERM, EINVAL: bad
 * reference, ...); EFAULT if the argument cannot be read or @fd written;
 * EMFILE; ENOMEM.
 */
#define IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS \
	_IOC(_IOC_NONE, 'G', 9,           \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_from_refs))

/**
 * struct ioctl_gntdev_dmabuf_exp_from_refs - argument of
 * IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS
 * @flags: IN. 0 (GNTDEV_DMA_FLAG_*: EOPNOTSUPP here).
 * @count: IN. Number of entries in @refs.
 * @fd: OUT. File descriptor of the new dma-buf.
 * @domid: IN. The domain that granted the pages.
 * @refs: IN. @count grant references, from offset 16.
 */
struct ioctl_gntdev_dmabuf_exp_from_refs {
	__u32 flags;
	__u32 count;
	__u32 fd;
	__u32 domid;
	__u32 refs[1];
};

/**
 * DOC: IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED
 *
 * Waits up to @wait_to_ms milliseconds for the dma-buf @fd, exported by
 * IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS on this file, to be released: its
 * fds closed and every importer detached. The export is named by the fd
 * number it was given, even once that fd is closed. ENOENT (unknown, or
 * already released) is to be treated as success; libxengnttab does.
 *
 * Errors: ENOENT if this file has no unreleased export of that fd;
 * ETIMEDOUT; EINTR if the caller is being killed (mainline's wait cannot
 * be interrupted); EFAULT.
 */
#define IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED \
	_IOC(_IOC_NONE, 'G', 10,              \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_wait_released))

/**
 * struct ioctl_gntdev_dmabuf_exp_wait_released - argument of
 * IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED
 * @fd: IN. The exported dma-buf.
 * @wait_to_ms: IN. Timeout in milliseconds.
 */
struct ioctl_gntdev_dmabuf_exp_wait_released {
	__u32 fd;
	__u32 wait_to_ms;
};

/**
 * DOC: IOCTL_GNTDEV_DMABUF_IMP_TO_REFS
 *
 * Imports the dma-buf @fd (attaches to it and maps the attachment) and
 * grants each of its @count pages to domain @domid, read-write, returning
 * the grant references in @refs. The argument is 16 + 4 * @count bytes.
 * The import is named by @fd in IOCTL_GNTDEV_DMABUF_IMP_RELEASE and lasts
 * until then or until this file is closed; it holds a reference on the
 * dma-buf, so @fd may be closed at once.
 *
 * Errors: EINVAL if @count is 0 or above the "limit" module parameter or
 * 65535 (the most gnttab grants at once), @domid is reserved, @fd is not
 * a dma-buf, the dma-buf is not @count pages, or its pages are not whole;
 * EBADF if @fd is not open; ENOSPC beyond the file's cap or the
 * module-wide total, or when the grant table is full; EFAULT if @refs
 * cannot be written (nothing stays granted); ENOMEM; the exporter's
 * errors from attaching or mapping.
 */
#define IOCTL_GNTDEV_DMABUF_IMP_TO_REFS \
	_IOC(_IOC_NONE, 'G', 11, sizeof(struct ioctl_gntdev_dmabuf_imp_to_refs))

/**
 * struct ioctl_gntdev_dmabuf_imp_to_refs - argument of
 * IOCTL_GNTDEV_DMABUF_IMP_TO_REFS
 * @fd: IN. The dma-buf to import.
 * @count: IN. Number of pages, and of entries in @refs.
 * @domid: IN. The domain to grant the pages to.
 * @reserved: Ignored (mainline does not check it).
 * @refs: OUT. @count grant references, from offset 16.
 */
struct ioctl_gntdev_dmabuf_imp_to_refs {
	__u32 fd;
	__u32 count;
	__u32 domid;
	__u32 reserved;
	__u32 refs[1];
};

/**
 * DOC: IOCTL_GNTDEV_DMABUF_IMP_RELEASE
 *
 * Ends the grants made by IOCTL_GNTDEV_DMABUF_IMP_TO_REFS for @fd, then
 * detaches from the dma-buf and drops it so that its owner can free the
 * buffer. Unlike mainline, grants the peer still maps are not ended
 * behind its back (the exporter could then reuse pages the peer still
 * writes): the call fails with EBUSY, ends only the grants not mapped,
 * and keeps the import for a later IMP_RELEASE. Closing the file ends
 * every import; one whose pages are still mapped by a peer then has its
 * grants ended by gnttab once the peer unmaps, and its dma-buf is kept for
 * good (a kernel warning says so).
 *
 * Errors: ENOENT if this file has no import of @fd; EBUSY (above); EFAULT.
 */
#define IOCTL_GNTDEV_DMABUF_IMP_RELEASE \
	_IOC(_IOC_NONE, 'G', 12, sizeof(struct ioctl_gntdev_dmabuf_imp_release))

/**
 * struct ioctl_gntdev_dmabuf_imp_release - argument of
 * IOCTL_GNTDEV_DMABUF_IMP_RELEASE
 * @fd: IN. The imported dma-buf.
 * @reserved: Ignored (mainline does not check it).
 */
struct ioctl_gntdev_dmabuf_imp_release {
	__u32 fd;
	__u32 reserved;
};

#endif /* __LINUX_PUBLIC_GNTDEV_H__ */
