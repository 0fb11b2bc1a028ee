/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * fake-osdep.h - an in-memory backend for testing the library's core
 *
 * fake-osdep.c implements every osdep_* primitive of private.h without a
 * device: maps are anonymous memory, offsets come from a counter, and each
 * operation can be made to fail once with a chosen errno. The tests read
 * the struct below to see what the core asked for.
 */
#ifndef FAKE_OSDEP_H
#define FAKE_OSDEP_H

#include "../private.h"

/* A grant reference the fake refuses to map, as a kernel would at mmap. */
#define FO_BAD_REF 0xbadU

/* First descriptor number the fake hands out (never a real descriptor). */
#define FO_FD_BASE 700

#define FO_MAX_AREAS 4096
#define FO_SAVED 8

enum fo_op {
	FO_OPEN,
	FO_CLOSE,
	FO_SET_MAX,
	FO_MAP,
	FO_UNMAP,
	FO_COPY,
	FO_DMABUF_EXP,
	FO_DMABUF_WAIT,
	FO_DMABUF_IMP,
	FO_DMABUF_REL,
	FO_SHR_OPEN,
	FO_SHR_CLOSE,
	FO_SHARE,
	FO_UNSHARE,
	FO_NR_OPS
};

/* A mapped or shared area as the fake sees it. */
struct fo_area {
	void *addr;
	uint64_t offset;
	uint32_t count;
	bool shared; /* from osdep_gntshr_share_pages */
};

struct fake_osdep {
	pthread_mutex_t lock; /* protects everything below */
	/* errno for the next call of each op (0: succeed); used up once */
	int fail[FO_NR_OPS];
	/* step name a failing map/share reports */
	const char *fail_what;
	/* calls made, per op */
	unsigned int calls[FO_NR_OPS];
	/* unmaps with a known offset, and with a lookup */
	unsigned int unmap_known, unmap_lookup;
	/* known-offset unmaps whose offset was not the area's */
	unsigned int offset_mismatch;
	/* the last map or share request (the first FO_SAVED grants) */
	uint32_t last_count;
	uint32_t last_domids[FO_SAVED];
	uint32_t last_refs[FO_SAVED];
	int last_prot;
	bool last_writable;
	struct xengnttab_notify last_notify;
	uint32_t last_copy_count;
	/* address the next map must use (MAP_FIXED_NOREPLACE), or NULL */
	void *force_addr;
	/* live areas */
	struct fo_area areas[FO_MAX_AREAS];
	unsigned int nr_areas;
	uint64_t next_offset;
	int next_fd;
};

extern struct fake_osdep fo;

/* Forget all state (areas must have been unmapped). */
void fo_reset(void);
/* Calls of @op so far. */
unsigned int fo_calls(enum fo_op op);
/* Live areas. */
unsigned int fo_live(void);
/*
 * An area the core never saw, as if mapped with raw ioctl + mmap on the
 * handle's descriptor; @offset UINT64_MAX picks a fresh one.
 */
void *fo_foreign_area(uint32_t count, uint64_t offset);
/* munmap() the area at @addr behind the library's back. */
void fo_forget_area(void *addr);

#endif /* FAKE_OSDEP_H */
