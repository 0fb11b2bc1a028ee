/* SPDX-License-Identifier: GPL-2.0 */
/*
 * demo.h - what the demo's frontend (domU) and backend (dom0) share: the
 * layout of the granted ring, and small helpers for xenstore, event
 * channels, CRC32 and time (demo-lib.c).
 *
 * The ring is 1 control page plus DEMO_DATA_PAGES data pages, granted by
 * the frontend to dom0.  The data pages are an array of DEMO_NSLOTS
 * slots; request i goes into slot i % DEMO_NSLOTS and its response
 * overwrites it in place, as in Xen's own shared rings.  The control page
 * holds the producer indexes and the `live` byte: the backend sets it once
 * it has the ring mapped, and asks gntdev to clear it (and signal the
 * event channel) when that mapping goes away, however the backend ends.
 */
#ifndef DEMO_H
#define DEMO_H

#include <stddef.h>
#include <stdint.h>

#define DEMO_MAGIC 0x676e7464u /* "dtng" */
#define DEMO_PAGE 4096u
#define DEMO_DATA_PAGES 8u
#define DEMO_PAGES (1u + DEMO_DATA_PAGES)
#define DEMO_SLOT_SIZE 512u
#define DEMO_NSLOTS (DEMO_DATA_PAGES * DEMO_PAGE / DEMO_SLOT_SIZE)

/* Where the frontend publishes its ring, relative to its domain's path. */
#define DEMO_XS_DIR "data/demo"

/* The control page (ring page 0). */
struct demo_ctrl {
	uint32_t magic;
	uint32_t session; /* 1, 2, ...: which backend run this is */
	uint32_t nr_slots;
	uint32_t req_prod; /* requests written so far (frontend) */
	uint32_t rsp_prod; /* responses written so far (backend) */
	uint32_t fe_done; /* == session: no more requests, backend may go */
	uint8_t live; /* 1 while the backend has the ring mapped */
};

#define DEMO_LIVE_OFFSET offsetof(struct demo_ctrl, live)

#define DEMO_SLOT_DATA (DEMO_SLOT_SIZE - 32u)

/* One slot: a request, then its response in the same place. */
struct demo_slot {
	uint64_t id; /* request number, echoed by the response */
	uint64_t reserved;
	uint32_t len; /* bytes of data[] used */
	uint32_t crc; /* CRC32 of data[0..len) */
	uint32_t req_crc; /* response: the CRC the backend computed */
	uint32_t status; /* response: 0 ok, 1 the request's CRC was wrong */
	uint8_t data[DEMO_SLOT_DATA];
};

_Static_assert(sizeof(struct demo_slot) == DEMO_SLOT_SIZE, "slot size");
_Static_assert(sizeof(struct demo_ctrl) <= DEMO_PAGE, "control page");

/* Shared-memory accesses: the peer runs on another (v)CPU. */
#define demo_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define demo_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

uint32_t demo_crc32(const void *buf, size_t len);
/* The request payload of message @id: reproducible on both sides. */
void demo_fill(uint8_t *buf, size_t len, uint64_t id);
uint64_t demo_now_ns(void);
void demo_sleep_ms(unsigned int ms);

/* Xenstore over /dev/xen/xenbus or xenstored's socket. */
struct demo_xs;
struct demo_xs *demo_xs_open(void);
void demo_xs_close(struct demo_xs *xs);
/* Read @path into @buf (NUL-terminated); 0, or -1 with errno set. */
int demo_xs_read(struct demo_xs *xs, const char *path, char *buf, size_t size);
int demo_xs_write(struct demo_xs *xs, const char *path, const char *val);
/* Poll @path until it reads @want; 0, or -1 after @secs seconds. */
int demo_xs_wait(struct demo_xs *xs, const char *path, const char *want,
		 unsigned int secs);

/* Event channels through /dev/xen/evtchn. */
int demo_evtchn_open(void);
int demo_evtchn_bind_unbound(int fd, unsigned int remote_domid);
int demo_evtchn_bind_interdomain(int fd, unsigned int domid,
				 unsigned int remote_port);
int demo_evtchn_notify(int fd, unsigned int port);
/* Wait up to @ms for an event; 1 if one came (and is unmasked again). */
int demo_evtchn_wait(int fd, int ms);

#endif /* DEMO_H */
