/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * fake-sys.h - a fake gntdev/gntalloc kernel for testing linux.c
 *
 * test-linux is linked with -Wl,--wrap for open, close, ioctl, mmap,
 * munmap, nanosleep and clock_gettime, so every such call made by linux.c
 * (and by the test itself) lands in fake-sys.c. Calls on /dev/xen/gntdev
 * and /dev/xen/gntalloc descriptors are served by an in-memory model of the
 * two drivers, with mainline's semantics; everything else goes to the real
 * system call. Granted pages live in a memfd, so a grant mapped through
 * gntdev and the same page shared through gntalloc really are one page.
 * The clock is fake: nanosleep() advances it without sleeping.
 */
#ifndef FAKE_SYS_H
#define FAKE_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../../include/xen/public/gntdev.h"
#include <xen/gntalloc.h>

enum fs_op {
	FS_OPEN,
	FS_CLOSE,
	FS_MAP, /* IOCTL_GNTDEV_MAP_GRANT_REF */
	FS_UNMAP, /* IOCTL_GNTDEV_UNMAP_GRANT_REF */
	FS_GET_OFF, /* IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR */
	FS_SET_MAX, /* IOCTL_GNTDEV_SET_MAX_GRANTS */
	FS_NOTIFY, /* IOCTL_GNTDEV_SET_UNMAP_NOTIFY */
	FS_COPY, /* IOCTL_GNTDEV_GRANT_COPY */
	FS_DMABUF, /* IOCTL_GNTDEV_DMABUF_* */
	FS_ALLOC, /* IOCTL_GNTALLOC_ALLOC_GREF */
	FS_DEALLOC, /* IOCTL_GNTALLOC_DEALLOC_GREF */
	FS_SHR_NOTIFY, /* IOCTL_GNTALLOC_SET_UNMAP_NOTIFY */
	FS_MMAP,
	FS_MUNMAP,
	FS_SLEEP,
	FS_NR_OPS
};

/* Event-channel ports below this count as bound through evtchn. */
#define FS_BOUND_PORTS 64

/* Driver behaviour the tests can change (fs_reset() restores these). */
struct fs_config {
	int set_max_errno; /* ENOTTY: mainline */
	int dmabuf_errno; /* ENOTTY: the gntdev project's driver */
	int wait_errno; /* errno of EXP_WAIT_RELEASED when dmabuf works */
	uint32_t alloc_limit; /* gntalloc's limit */
};

extern struct fs_config fs_config;

void fs_reset(void);
/* Fail @op with @err @times times (UINT32_MAX: always) after @skip calls. */
void fs_fail(enum fs_op op, int err, unsigned int skip, unsigned int times);
/* Calls of @op on the fake devices so far, and of all of them. */
unsigned int fs_calls(enum fs_op op);
unsigned int fs_syscalls(void);

/* Let domain @domid grant reference @ref, on a page full of @fill. */
void fs_grant(uint16_t domid, uint32_t ref, bool writable, uint8_t fill);
/* The page behind grant (@domid, @ref), or NULL. */
uint8_t *fs_page(uint16_t domid, uint32_t ref);

/*
 * gntdev maps inserted and not removed, gntdev/gntalloc mappings, and
 * gntalloc grants not yet released.
 */
unsigned int fs_live_maps(void);
unsigned int fs_live_vmas(void);
unsigned int fs_live_grefs(void);
/* Events sent on @port by unmap notifications. */
unsigned int fs_events(uint32_t port);
/* The fake monotonic clock, in milliseconds. */
uint64_t fs_now_ms(void);

/* What the last open() of a device asked for. */
extern int fs_last_open_flags;
/* The last SET_UNMAP_NOTIFY (either driver) and SET_MAX_GRANTS seen. */
extern struct ioctl_gntdev_unmap_notify fs_last_notify;
extern uint32_t fs_last_max_grants;
/* The last dma-buf export request's domain and first refs. */
extern uint32_t fs_last_dmabuf_domid, fs_last_dmabuf_refs[4];

#endif /* FAKE_SYS_H */
