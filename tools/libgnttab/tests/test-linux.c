// SPDX-License-Identifier: LGPL-2.1-only
/*
 * test-linux.c - the whole library, Linux backend included, on a fake kernel
 *
 * Links gnttab_core.c, gntshr_core.c and linux.c, unmodified, with
 * fake-sys.c standing in for the two drivers (see fake-sys.h). Checks the
 * system-call sequences of linux.c, the data path (a grant mapped through
 * gntdev is the page shared through gntalloc), cleanup after a failure at
 * each step (nothing left in the driver, errno kept), notifications, the
 * bounded EAGAIN retry on a fake clock, the dma-buf calls on a driver
 * without them, and the system calls saved over Xen's library.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../private.h"
#include "fake-sys.h"
#include "t-harness.h"
#include "t-logger.h"

#define T_RW (PROT_READ | PROT_WRITE)
#define T_NONE ((uint32_t)-1)
#define T_DOM 7

static struct t_logger tlog;

static xengnttab_handle *t_open(void)
{
	fs_reset();
	t_logger_init(&tlog);
	return xengnttab_open(t_xtl(&tlog), 0);
}

/* Nothing left in the fake drivers. */
static bool t_clean(void)
{
	return !fs_live_maps() && !fs_live_vmas() && !fs_live_grefs();
}

/* ------------------------------------------------------------------------
 * Consumer
 */

static void t_open_flags(void)
{
	xengnttab_handle *xgt = t_open();
	xengntshr_handle *xgs;

	T_ASSERT(xgt);
	T_EQ(O_RDWR | O_CLOEXEC, fs_last_open_flags);
	xgs = xengntshr_open(t_xtl(&tlog), 0);
	T_ASSERT(xgs);
	/* Xen's library forgets O_CLOEXEC here; exec must reclaim it too. */
	T_EQ(O_RDWR | O_CLOEXEC, fs_last_open_flags);
	T_EQ(0, xengntshr_close(xgs));
	T_EQ(0, xengnttab_close(xgt));
	T_EQ(2, fs_calls(FS_CLOSE));

	fs_fail(FS_OPEN, ENOENT, 0, 1);
	T_ASSERT(!xengnttab_open(t_xtl(&tlog), 0));
	T_ERRNO(ENOENT);
	T_EQ(1, t_logged(&tlog));
	T_EQ(ENOENT, tlog.errnoval);
	T_ASSERT(strstr(tlog.msg, "/dev/xen/gntdev"));
}

static void t_map_data(void)
{
	xengnttab_handle *xgt = t_open();
	uint8_t *p, *page;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 100, true, 0xa5);
	page = fs_page(T_DOM, 100);
	p = xengnttab_map_grant_ref(xgt, T_DOM, 100, T_RW);
	T_ASSERT(p);
	T_EQ(0xa5, p[0]);
	T_EQ(0xa5, p[4095]);
	p[17] = 0x3c;
	T_EQ(0x3c, page[17]);
	page[18] = 0x4d;
	T_EQ(0x4d, p[18]);
	T_EQ(1, fs_calls(FS_MAP));
	T_EQ(1, fs_calls(FS_MMAP));
	T_EQ(0, fs_calls(FS_NOTIFY));
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(1, fs_calls(FS_MUNMAP));
	T_EQ(1, fs_calls(FS_UNMAP));
	/* The library knew the offset: no GET_OFFSET_FOR_VADDR. */
	T_EQ(0, fs_calls(FS_GET_OFF));
	T_ASSERT(t_clean());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_map_many(void)
{
	/* 64 fits the request on the stack, 65 and 300 take the heap. */
	static const uint32_t counts[] = { 3, 64, 65, 300 };
	xengnttab_handle *xgt = t_open();
	static uint32_t domids[300], refs[300];
	unsigned int c, i;

	T_ASSERT(xgt);
	for (i = 0; i < 300; i++) {
		domids[i] = 1 + i % 5;
		refs[i] = 1000 + i;
		fs_grant(domids[i], refs[i], true, (uint8_t)i);
		fs_grant(T_DOM, refs[i], true, (uint8_t)(i + 1));
	}
	for (c = 0; c < 4; c++) {
		uint32_t n = counts[c];
		uint8_t *p = xengnttab_map_grant_refs(xgt, n, domids, refs,
						      PROT_READ);
		uint8_t *q = xengnttab_map_domain_grant_refs(xgt, n, T_DOM,
							     refs, T_RW);

		T_ASSERT(p && q);
		/* Page i is grant i, of its own domain. */
		for (i = 0; i < n; i++) {
			T_EQ((uint8_t)i, p[i * 4096 + 4095]);
			T_EQ((uint8_t)(i + 1), q[i * 4096]);
		}
		T_EQ(0, xengnttab_unmap(xgt, p, n));
		T_EQ(0, xengnttab_unmap(xgt, q, n));
	}
	T_EQ(0, fs_calls(FS_GET_OFF));
	T_ASSERT(t_clean());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_map_partial_failure(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t refs[4] = { 1, 2, 3, 4 };
	uint8_t *p;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	fs_grant(T_DOM, 2, true, 2);
	fs_grant(T_DOM, 4, true, 4);
	/* Grant 3 does not exist: mmap fails, the slots are given back. */
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 4, T_DOM, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(1, fs_calls(FS_UNMAP));
	T_ASSERT(t_clean());
	T_EQ(1, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "mmap"));
	/* Read-only grant mapped writable: same. */
	fs_grant(T_DOM, 3, false, 3);
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 4, T_DOM, refs, T_RW));
	T_ERRNO(EINVAL);
	T_ASSERT(t_clean());
	/* The insert itself failing leaves nothing to undo. */
	fs_fail(FS_MAP, ENOMEM, 0, 1);
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 4, T_DOM, refs,
						  PROT_READ));
	T_ERRNO(ENOMEM);
	T_EQ(2, fs_calls(FS_MMAP));
	T_ASSERT(t_clean());
	T_EQ(3, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "MAP_GRANT_REF"));
	/* And then it works. */
	p = xengnttab_map_domain_grant_refs(xgt, 4, T_DOM, refs, PROT_READ);
	T_ASSERT(p);
	T_EQ(3, p[2 * 4096]);
	T_EQ(0, xengnttab_unmap(xgt, p, 4));
	T_ASSERT(t_clean());
	T_EQ(0, xengnttab_close(xgt));
}

static void t_notify_cleanup_keeps_errno(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	/* Port 999 was not bound through evtchn: EINVAL, nothing mapped. */
	T_ASSERT(!xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, T_RW, 0, 999));
	T_ERRNO(EINVAL);
	T_EQ(1, fs_calls(FS_MUNMAP));
	T_EQ(1, fs_calls(FS_UNMAP));
	T_ASSERT(t_clean());
	T_EQ(1, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "SET_UNMAP_NOTIFY"));
	/* The cleanup fails too, with other errnos: the first one stays. */
	fs_fail(FS_MUNMAP, EIO, 0, 1);
	fs_fail(FS_UNMAP, ENOENT, 0, 1);
	T_ASSERT(!xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, T_RW, 0, 999));
	T_ERRNO(EINVAL);
	T_EQ(EINVAL, tlog.errnoval);
	/* mmap failing, then its cleanup failing. */
	fs_fail(FS_MMAP, ENOMEM, 0, 1);
	fs_fail(FS_UNMAP, EBADF, 0, 1);
	T_ASSERT(!xengnttab_map_grant_ref(xgt, T_DOM, 1, T_RW));
	T_ERRNO(ENOMEM);
	T_EQ(3, t_logged(&tlog));
	/* Read-only map with a byte to clear: the driver refuses. */
	T_ASSERT(!xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, PROT_READ, 0,
						 T_NONE));
	T_ERRNO(EINVAL);
	T_EQ(0, xengnttab_close(xgt));
}

static void t_notify_clear_and_event(void)
{
	xengnttab_handle *xgt = t_open();
	uint8_t *p, *page;
	uint64_t index;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 0xff);
	page = fs_page(T_DOM, 1);
	p = xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, T_RW, 10, 5);
	T_ASSERT(p);
	index = xgt->areas.v[0].offset;
	T_EQ(index + 10, fs_last_notify.index);
	T_EQ(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT,
	     fs_last_notify.action);
	T_EQ(5, fs_last_notify.event_channel_port);
	T_EQ(0xff, page[10]);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(0, page[10]);
	T_EQ(0xff, page[9]);
	T_EQ(0xff, page[11]);
	T_EQ(1, fs_events(5));

	/* Event only: the notify names the map's first byte. */
	p = xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, PROT_READ, T_NONE, 6);
	T_ASSERT(p);
	T_EQ(xgt->areas.v[0].offset, fs_last_notify.index);
	T_EQ(UNMAP_NOTIFY_SEND_EVENT, fs_last_notify.action);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(1, fs_events(6));

	/* Offsets past the page, and -1/-1: no notify ioctl at all. */
	T_EQ(2, fs_calls(FS_NOTIFY));
	p = xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, T_RW, 4096, T_NONE);
	T_ASSERT(p);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	p = xengnttab_map_grant_ref_notify(xgt, T_DOM, 1, T_RW, T_NONE, T_NONE);
	T_ASSERT(p);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(2, fs_calls(FS_NOTIFY));
	T_ASSERT(t_clean());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

/* Map @count grants with raw ioctl + mmap, bypassing the library. */
static void *t_raw_map(int fd, uint32_t count)
{
	struct ioctl_gntdev_map_grant_ref *op;
	void *p = NULL;

	op = calloc(1, sizeof(*op) + (count - 1) * sizeof(op->refs[0]));
	if (!op)
		return NULL;
	op->count = count;
	for (uint32_t i = 0; i < count; i++) {
		op->refs[i].domid = T_DOM;
		op->refs[i].ref = 1 + i;
	}
	if (!ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op)) {
		p = mmap(NULL, count * 4096, T_RW, MAP_SHARED, fd, op->index);
		if (p == MAP_FAILED)
			p = NULL;
	}
	free(op);
	return p;
}

static void t_unmap_slow_path(void)
{
	xengnttab_handle *xgt = t_open();
	void *p, *heap;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	fs_grant(T_DOM, 2, true, 2);
	p = t_raw_map(xengnttab_fd(xgt), 2);
	T_ASSERT(p);
	/* Unknown to the library: GET_OFFSET, then the count must match. */
	T_EQ(-1, xengnttab_unmap(xgt, p, 1));
	T_ERRNO(EINVAL);
	T_EQ(1, fs_calls(FS_GET_OFF));
	T_EQ(0, fs_calls(FS_MUNMAP));
	T_EQ(0, xengnttab_unmap(xgt, p, 2));
	T_EQ(2, fs_calls(FS_GET_OFF));
	T_ASSERT(t_clean());
	/* Not a gntdev mapping at all. */
	heap = malloc(8192);
	T_ASSERT(heap);
	T_EQ(-1, xengnttab_unmap(xgt, heap, 1));
	T_ERRNO(EINVAL);
	free(heap);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_eagain_retried(void)
{
	xengnttab_handle *xgt = t_open();
	uint64_t t0;
	void *p;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	/* Paged out for a while: retried with 1, 2, 4, 8, 16 ms sleeps. */
	fs_fail(FS_MMAP, EAGAIN, 0, 5);
	t0 = fs_now_ms();
	p = xengnttab_map_grant_ref(xgt, T_DOM, 1, T_RW);
	T_ASSERT(p);
	T_EQ(6, fs_calls(FS_MMAP));
	T_EQ(5, fs_calls(FS_SLEEP));
	T_EQ(31, fs_now_ms() - t0);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_eagain_bounded(void)
{
	xengnttab_handle *xgt = t_open();
	uint64_t waited;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	/* Never comes back: Xen's library would spin forever. */
	fs_fail(FS_MMAP, EAGAIN, 0, UINT32_MAX);
	T_ASSERT(!xengnttab_map_grant_ref(xgt, T_DOM, 1, T_RW));
	T_ERRNO(EAGAIN);
	waited = fs_now_ms() - 7000 * 1000;
	printf("# EAGAIN: gave up after %llu ms, %u tries\n",
	       (unsigned long long)waited, fs_calls(FS_MMAP));
	T_EQ(XENGNTTAB_EAGAIN_BUDGET_MS, waited);
	T_ASSERT(fs_calls(FS_MMAP) < 40);
	T_ASSERT(t_clean());
	T_EQ(1, t_logged(&tlog));
	T_EQ(EAGAIN, tlog.errnoval);
	T_EQ(0, xengnttab_close(xgt));
}

static void t_set_max_grants(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	/* Mainline: ENOTTY, which is success, errno untouched. */
	errno = 1234;
	T_EQ(0, xengnttab_set_max_grants(xgt, 64));
	T_ERRNO(1234);
	T_EQ(1, fs_calls(FS_SET_MAX));
	fs_config.set_max_errno = 0;
	T_EQ(0, xengnttab_set_max_grants(xgt, 64));
	T_EQ(64, fs_last_max_grants);
	fs_config.set_max_errno = EINVAL;
	T_EQ(-1, xengnttab_set_max_grants(xgt, 0));
	T_ERRNO(EINVAL);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_grant_copy(void)
{
	xengnttab_handle *xgt = t_open();
	xengnttab_grant_copy_segment_t seg[3];
	char local[8192], back[100];
	uint8_t *page;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 0);
	page = fs_page(T_DOM, 1);
	/* QEMU's probe goes to the driver. */
	T_EQ(0, xengnttab_grant_copy(xgt, 0, NULL));
	T_EQ(1, fs_calls(FS_COPY));
	memset(local, 'x', sizeof(local));
	memcpy(local + 4090, "across a page", 13);
	memset(seg, 0, sizeof(seg));
	/* Local (crossing a page) -> grant. */
	seg[0].source.virt = local + 4090;
	seg[0].dest.foreign.ref = 1;
	seg[0].dest.foreign.domid = T_DOM;
	seg[0].dest.foreign.offset = 100;
	seg[0].len = 13;
	seg[0].flags = GNTCOPY_dest_gref;
	/* Grant -> local. */
	seg[1].source.foreign.ref = 1;
	seg[1].source.foreign.domid = T_DOM;
	seg[1].source.foreign.offset = 100;
	seg[1].dest.virt = back;
	seg[1].len = 13;
	seg[1].flags = GNTCOPY_source_gref;
	/* An ungranted reference: a per-segment status, not a failure. */
	seg[2] = seg[1];
	seg[2].source.foreign.ref = 99;
	T_EQ(0, xengnttab_grant_copy(xgt, 3, seg));
	T_EQ(GNTST_okay, seg[0].status);
	T_EQ(GNTST_okay, seg[1].status);
	T_EQ(GNTST_bad_gntref, seg[2].status);
	T_ASSERT(!memcmp(page + 100, "across a page", 13));
	T_ASSERT(!memcmp(back, "across a page", 13));
	T_EQ(0, t_logged(&tlog));
	/* A segment with no grant side fails the whole call. */
	seg[2].flags = 0;
	T_EQ(-1, xengnttab_grant_copy(xgt, 3, seg));
	T_ERRNO(EINVAL);
	T_EQ(1, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_dmabuf(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t refs[3] = { 5, 6, 7 }, out[3], fd = 0;

	T_ASSERT(xgt);
	/* The gntdev project's driver: ENOTTY everywhere, logged, no abort. */
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 1, 0, 3, refs, &fd));
	T_ERRNO(ENOTTY);
	T_EQ(-1, xengnttab_dmabuf_exp_wait_released(xgt, 3, 10));
	T_ERRNO(ENOTTY);
	T_EQ(-1, xengnttab_dmabuf_imp_to_refs(xgt, 1, 3, 3, out));
	T_ERRNO(ENOTTY);
	T_EQ(-1, xengnttab_dmabuf_imp_release(xgt, 3));
	T_ERRNO(ENOTTY);
	T_EQ(4, t_logged(&tlog));
	T_EQ(4, fs_calls(FS_DMABUF));
	/* A driver with dma-buf. */
	fs_config.dmabuf_errno = 0;
	T_EQ(0, xengnttab_dmabuf_exp_from_refs(xgt, 1, 0, 3, refs, &fd));
	T_EQ(77, fd);
	T_EQ(1, fs_last_dmabuf_domid);
	T_EQ(7, fs_last_dmabuf_refs[2]);
	T_EQ(0, xengnttab_dmabuf_imp_to_refs(xgt, 1, 3, 3, out));
	T_EQ(3002, out[2]);
	T_EQ(0, xengnttab_dmabuf_imp_release(xgt, 3));
	/* Unknown or already released counts as released. */
	fs_config.wait_errno = ENOENT;
	errno = 4321;
	T_EQ(0, xengnttab_dmabuf_exp_wait_released(xgt, 3, 10));
	T_ERRNO(4321);
	fs_config.wait_errno = ETIMEDOUT;
	T_EQ(-1, xengnttab_dmabuf_exp_wait_released(xgt, 3, 10));
	T_ERRNO(ETIMEDOUT);
	T_EQ(5, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

/* ------------------------------------------------------------------------
 * Producer, and both sides together
 */

static void t_share_and_map(void)
{
	xengnttab_handle *xgt = t_open();
	xengntshr_handle *xgs = xengntshr_open(t_xtl(&tlog), 0);
	uint32_t refs[3];
	uint8_t *s, *m;

	T_ASSERT(xgt && xgs);
	s = xengntshr_share_pages(xgs, 0, 3, refs, 1);
	T_ASSERT(s);
	T_EQ(1, fs_calls(FS_ALLOC));
	T_EQ(1, fs_calls(FS_MMAP));
	T_EQ(1, fs_calls(FS_DEALLOC));
	T_EQ(0, fs_calls(FS_SHR_NOTIFY));
	T_EQ(0, s[3 * 4096 - 1]);
	s[0] = 1;
	s[4096 + 5] = 2;
	s[2 * 4096 + 4095] = 3;
	/* Map our own grants back, the way the lab test does. */
	m = xengnttab_map_domain_grant_refs(xgt, 3, 0, refs, T_RW);
	T_ASSERT(m);
	T_EQ(1, m[0]);
	T_EQ(2, m[4096 + 5]);
	T_EQ(3, m[2 * 4096 + 4095]);
	m[100] = 9;
	T_EQ(9, s[100]);
	T_EQ(0, xengnttab_unmap(xgt, m, 3));
	T_EQ(3, fs_live_grefs());
	T_EQ(0, xengntshr_unshare(xgs, s, 3));
	T_ASSERT(t_clean());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengntshr_close(xgs));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_share_notify(void)
{
	xengnttab_handle *xgt = t_open();
	xengntshr_handle *xgs = xengntshr_open(t_xtl(&tlog), 0);
	uint8_t *s, *m;
	uint32_t ref;

	T_ASSERT(xgt && xgs);
	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 20, 7);
	T_ASSERT(s);
	T_EQ(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT,
	     fs_last_notify.action);
	T_EQ(20, fs_last_notify.index % 4096);
	m = xengnttab_map_grant_ref(xgt, 0, ref, T_RW);
	T_ASSERT(m);
	s[20] = 1;
	T_EQ(1, m[20]);
	/* The sharer goes away: the peer sees the byte cleared, and an event. */
	T_EQ(0, xengntshr_unshare(xgs, s, 1));
	T_EQ(0, m[20]);
	T_EQ(1, fs_events(7));
	T_EQ(0, xengnttab_unmap(xgt, m, 1));
	/* No notify requested: no ioctl. */
	s = xengntshr_share_page_notify(xgs, 0, &ref, 0, T_NONE, T_NONE);
	T_ASSERT(s);
	T_EQ(1, fs_calls(FS_SHR_NOTIFY));
	/* Read-only grant: the peer cannot map it writable. */
	T_ASSERT(!xengnttab_map_grant_ref(xgt, 0, ref, T_RW));
	T_ERRNO(EINVAL);
	m = xengnttab_map_grant_ref(xgt, 0, ref, PROT_READ);
	T_ASSERT(m);
	T_EQ(0, xengnttab_unmap(xgt, m, 1));
	T_EQ(0, xengntshr_unshare(xgs, s, 1));
	T_ASSERT(t_clean());
	T_EQ(1, t_logged(&tlog));
	T_EQ(0, xengntshr_close(xgs));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_share_failures(void)
{
	xengntshr_handle *xgs;
	uint32_t refs[4] = { 0 };

	fs_reset();
	t_logger_init(&tlog);
	xgs = xengntshr_open(t_xtl(&tlog), 0);
	T_ASSERT(xgs);
	/* Over gntalloc's limit: ENOSPC, nothing mapped. */
	fs_config.alloc_limit = 3;
	T_ASSERT(!xengntshr_share_pages(xgs, 0, 4, refs, 1));
	T_ERRNO(ENOSPC);
	T_EQ(0, fs_calls(FS_MMAP));
	T_EQ(1, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "ALLOC_GREF"));
	/* mmap fails: the grants are dropped again. */
	fs_fail(FS_MMAP, ENOMEM, 0, 1);
	T_ASSERT(!xengntshr_share_pages(xgs, 0, 2, refs, 1));
	T_ERRNO(ENOMEM);
	T_EQ(1, fs_calls(FS_DEALLOC));
	T_ASSERT(t_clean());
	/* Notify refused, and the cleanup failing too: errno kept. */
	fs_fail(FS_DEALLOC, EIO, 0, 1);
	T_ASSERT(!xengntshr_share_page_notify(xgs, 0, refs, 1, 0, 999));
	T_ERRNO(EINVAL);
	T_EQ(1, fs_calls(FS_MUNMAP));
	/* (the failed DEALLOC leaves the grant to close(), like a kernel) */
	T_EQ(1, fs_live_grefs());
	T_EQ(3, t_logged(&tlog));
	T_EQ(0, refs[0]);
	T_EQ(0, xengntshr_close(xgs));
	T_ASSERT(t_clean());
}

/* ------------------------------------------------------------------------
 * Threads, and what the shortcut saves
 */

struct t_worker {
	xengnttab_handle *xgt;
	unsigned int id, bad;
};

static void *t_worker_run(void *arg)
{
	struct t_worker *w = arg;
	uint32_t refs[3] = { 1, 2, 3 };

	for (unsigned int i = 0; i < 200; i++) {
		uint32_t n = 1 + (i + w->id) % 3;
		uint8_t *p = xengnttab_map_domain_grant_refs(w->xgt, n, T_DOM,
							     refs, PROT_READ);

		if (!p || p[(n - 1) * 4096] != n ||
		    xengnttab_unmap(w->xgt, p, n))
			w->bad++;
	}
	return NULL;
}

static void t_threads(void)
{
	enum { NT = 4 };
	xengnttab_handle *xgt = t_open();
	struct t_worker w[NT];
	pthread_t tid[NT];

	T_ASSERT(xgt);
	for (uint8_t r = 1; r <= 3; r++)
		fs_grant(T_DOM, r, true, r);
	for (unsigned int i = 0; i < NT; i++) {
		w[i] = (struct t_worker){ .xgt = xgt, .id = i };
		T_EQ(0, pthread_create(&tid[i], NULL, t_worker_run, &w[i]));
	}
	for (unsigned int i = 0; i < NT; i++) {
		pthread_join(tid[i], NULL);
		T_EQ(0, w[i].bad);
	}
	T_EQ(NT * 200, fs_calls(FS_UNMAP));
	T_EQ(0, fs_calls(FS_GET_OFF));
	T_ASSERT(t_clean());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_syscalls_saved(void)
{
	enum { N = 100 };
	xengnttab_handle *xgt = t_open();
	unsigned int before, per_cycle;

	T_ASSERT(xgt);
	fs_grant(T_DOM, 1, true, 1);
	before = fs_syscalls();
	for (unsigned int i = 0; i < N; i++) {
		void *p = xengnttab_map_grant_ref(xgt, T_DOM, 1, T_RW);

		T_ASSERT(p);
		T_EQ(0, xengnttab_unmap(xgt, p, 1));
	}
	per_cycle = (fs_syscalls() - before) / N;
	/* ioctl MAP, mmap, munmap, ioctl UNMAP; Xen's adds GET_OFFSET. */
	printf("# map+unmap of one grant: %u system calls (Xen's library: 5)\n",
	       per_cycle);
	T_EQ(4, per_cycle);
	T_EQ(0, xengnttab_close(xgt));
}

static const struct t_case cases[] = {
	T_CASE(t_open_flags),
	T_CASE(t_map_data),
	T_CASE(t_map_many),
	T_CASE(t_map_partial_failure),
	T_CASE(t_notify_cleanup_keeps_errno),
	T_CASE(t_notify_clear_and_event),
	T_CASE(t_unmap_slow_path),
	T_CASE(t_eagain_retried),
	T_CASE(t_eagain_bounded),
	T_CASE(t_set_max_grants),
	T_CASE(t_grant_copy),
	T_CASE(t_dmabuf),
	T_CASE(t_share_and_map),
	T_CASE(t_share_notify),
	T_CASE(t_share_failures),
	T_CASE(t_threads),
	T_CASE(t_syscalls_saved),
};

int main(int argc, char **argv)
{
	return t_run("test-linux: core + linux.c + fake kernel", cases,
		     sizeof(cases) / sizeof(cases[0]),
		     argc > 1 ? argv[1] : NULL);
}
