// SPDX-License-Identifier: LGPL-2.1-only
/*
 * fake-osdep.c - the osdep_* contract of private.h, in memory
 *
 * Lets test-core.c drive gnttab_core.c and gntshr_core.c with no device.
 * It honours the contract the core relies on (all-or-nothing, errno set on
 * failure, never logs) and records every request so the tests can check
 * what the core computed. Thread-safe: one mutex guards the state.
 */
#include <string.h>
#include <sys/mman.h>

#include "fake-osdep.h"

struct fake_osdep fo = { .lock = PTHREAD_MUTEX_INITIALIZER };

const char osdep_gnttab_device[] = "fake gntdev";
const char osdep_gntshr_device[] = "fake gntalloc";

void fo_reset(void)
{
	pthread_mutex_lock(&fo.lock);
	memset(fo.fail, 0, sizeof(fo.fail));
	memset(fo.calls, 0, sizeof(fo.calls));
	fo.fail_what = NULL;
	fo.unmap_known = 0;
	fo.unmap_lookup = 0;
	fo.offset_mismatch = 0;
	fo.last_count = 0;
	fo.last_copy_count = 0;
	fo.force_addr = NULL;
	fo.nr_areas = 0;
	fo.next_offset = 0;
	fo.next_fd = FO_FD_BASE;
	pthread_mutex_unlock(&fo.lock);
}

unsigned int fo_calls(enum fo_op op)
{
	unsigned int n;

	pthread_mutex_lock(&fo.lock);
	n = fo.calls[op];
	pthread_mutex_unlock(&fo.lock);
	return n;
}

unsigned int fo_live(void)
{
	unsigned int n;

	pthread_mutex_lock(&fo.lock);
	n = fo.nr_areas;
	pthread_mutex_unlock(&fo.lock);
	return n;
}

/* Count a call of @op with the lock taken; returns the errno to fail it
 * with, or 0. */
static int fo_enter(enum fo_op op)
{
	int err;

	pthread_mutex_lock(&fo.lock);
	fo.calls[op]++;
	err = fo.fail[op];
	fo.fail[op] = 0;
	return err;
}

static int fo_leave_err(int err)
{
	pthread_mutex_unlock(&fo.lock);
	errno = err;
	return -1;
}

/* New live area of @count pages; NULL with errno on failure. */
static struct fo_area *fo_area_new(uint32_t count, uint64_t offset)
{
	size_t len = (size_t)count << XENGNTTAB_PAGE_SHIFT;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	struct fo_area *a;
	void *addr;

	if (fo.nr_areas == FO_MAX_AREAS) {
		errno = ENOSPC;
		return NULL;
	}
	if (fo.force_addr)
		flags |= MAP_FIXED_NOREPLACE;
	addr = mmap(fo.force_addr, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (addr != MAP_FAILED && fo.force_addr && addr != fo.force_addr) {
		munmap(addr, len);
		addr = MAP_FAILED;
		errno = EEXIST;
	}
	fo.force_addr = NULL;
	if (addr == MAP_FAILED)
		return NULL;
	if (offset == UINT64_MAX) {
		offset = fo.next_offset;
		fo.next_offset += len;
	}
	a = &fo.areas[fo.nr_areas++];
	a->addr = addr;
	a->offset = offset;
	a->count = count;
	a->shared = false;
	return a;
}

/* Index of the live area starting at, else containing, @addr, or -1. */
static int fo_area_find(void *addr)
{
	unsigned int i;
	int inside = -1;

	for (i = 0; i < fo.nr_areas; i++) {
		char *start = fo.areas[i].addr;
		size_t len = (size_t)fo.areas[i].count << XENGNTTAB_PAGE_SHIFT;

		if ((char *)addr == start)
			return (int)i;
		if ((char *)addr > start && (char *)addr < start + len)
			inside = (int)i;
	}
	return inside;
}

static void fo_area_drop(int i)
{
	struct fo_area *a = &fo.areas[i];

	munmap(a->addr, (size_t)a->count << XENGNTTAB_PAGE_SHIFT);
	*a = fo.areas[--fo.nr_areas];
}

void *fo_foreign_area(uint32_t count, uint64_t offset)
{
	struct fo_area *a;
	void *addr = NULL;

	pthread_mutex_lock(&fo.lock);
	a = fo_area_new(count, offset);
	if (a)
		addr = a->addr;
	pthread_mutex_unlock(&fo.lock);
	return addr;
}

void fo_forget_area(void *addr)
{
	int i;

	pthread_mutex_lock(&fo.lock);
	i = fo_area_find(addr);
	if (i >= 0)
		fo_area_drop(i);
	pthread_mutex_unlock(&fo.lock);
}

/* Remember the first grants of a request for the tests. */
static void fo_save(uint32_t count, const uint32_t *domids, unsigned int stride,
		    const uint32_t *refs)
{
	uint32_t i;

	fo.last_count = count;
	for (i = 0; i < count && i < FO_SAVED; i++) {
		fo.last_domids[i] = domids ? domids[i * stride] : 0;
		fo.last_refs[i] = refs ? refs[i] : 0;
	}
}

/* ------------------------------------------------------------------------
 * Consumer
 */

int osdep_gnttab_open(xengnttab_handle *xgt)
{
	int err = fo_enter(FO_OPEN);

	if (err)
		return fo_leave_err(err);
	xgt->fd = fo.next_fd++;
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_close(xengnttab_handle *xgt)
{
	int err = fo_enter(FO_CLOSE);

	xgt->fd = -1;
	if (err)
		return fo_leave_err(err);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_set_max_grants(xengnttab_handle *xgt, uint32_t count)
{
	int err = fo_enter(FO_SET_MAX);

	(void)xgt;
	fo.last_count = count;
	if (err)
		return fo_leave_err(err);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

void *osdep_gnttab_grant_map(xengnttab_handle *xgt,
			     const struct xengnttab_map_req *req,
			     uint64_t *offset, const char **what)
{
	int err = fo_enter(FO_MAP);
	struct fo_area *a;
	void *addr;
	uint32_t i;

	(void)xgt;
	fo_save(req->count, req->domids, req->domid_stride, req->refs);
	fo.last_prot = req->prot;
	fo.last_notify = req->notify;
	if (err) {
		*what = fo.fail_what ? fo.fail_what : "fake map";
		fo_leave_err(err);
		return NULL;
	}
	for (i = 0; i < req->count; i++) {
		if (req->refs[i] == FO_BAD_REF) {
			*what = "mmap";
			fo_leave_err(EINVAL);
			return NULL;
		}
	}
	a = fo_area_new(req->count, UINT64_MAX);
	if (!a) {
		*what = "fake mmap";
		fo_leave_err(errno);
		return NULL;
	}
	*offset = a->offset;
	addr = a->addr;
	pthread_mutex_unlock(&fo.lock);
	return addr;
}

int osdep_gnttab_unmap(xengnttab_handle *xgt, void *addr, uint32_t count,
		       uint64_t *offset, bool known)
{
	int err = fo_enter(FO_UNMAP);
	int i;

	(void)xgt;
	if (known)
		fo.unmap_known++;
	else
		fo.unmap_lookup++;
	if (err)
		return fo_leave_err(err);
	i = fo_area_find(addr);
	if (i < 0 || fo.areas[i].shared || fo.areas[i].count != count)
		return fo_leave_err(EINVAL);
	if (known && fo.areas[i].offset != *offset) {
		fo.offset_mismatch++;
		return fo_leave_err(EINVAL);
	}
	*offset = fo.areas[i].offset;
	fo_area_drop(i);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			    xengnttab_grant_copy_segment_t *segs)
{
	int err = fo_enter(FO_COPY);
	uint32_t i;

	(void)xgt;
	fo.last_copy_count = count;
	if (err)
		return fo_leave_err(err);
	for (i = 0; i < count; i++)
		segs[i].status = GNTST_okay;
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid,
				      uint32_t flags, uint32_t count,
				      const uint32_t *refs, uint32_t *fd)
{
	int err = fo_enter(FO_DMABUF_EXP);

	(void)xgt;
	(void)flags;
	fo_save(count, &domid, 0, refs);
	if (err)
		return fo_leave_err(err);
	*fd = 42;
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd,
					  uint32_t wait_to_ms)
{
	int err = fo_enter(FO_DMABUF_WAIT);

	(void)xgt;
	(void)fd;
	(void)wait_to_ms;
	if (err)
		return fo_leave_err(err);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid,
				    uint32_t fd, uint32_t count, uint32_t *refs)
{
	int err = fo_enter(FO_DMABUF_IMP);
	uint32_t i;

	(void)xgt;
	(void)fd;
	fo_save(count, &domid, 0, NULL);
	if (err)
		return fo_leave_err(err);
	for (i = 0; i < count; i++)
		refs[i] = 1000 + i;
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
	int err = fo_enter(FO_DMABUF_REL);

	(void)xgt;
	(void)fd;
	if (err)
		return fo_leave_err(err);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

/* ------------------------------------------------------------------------
 * Producer
 */

int osdep_gntshr_open(xengntshr_handle *xgs)
{
	int err = fo_enter(FO_SHR_OPEN);

	if (err)
		return fo_leave_err(err);
	xgs->fd = fo.next_fd++;
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

int osdep_gntshr_close(xengntshr_handle *xgs)
{
	int err = fo_enter(FO_SHR_CLOSE);

	xgs->fd = -1;
	if (err)
		return fo_leave_err(err);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}

void *osdep_gntshr_share_pages(xengntshr_handle *xgs,
			       const struct xengntshr_share_req *req,
			       const char **what)
{
	int err = fo_enter(FO_SHARE);
	struct fo_area *a;
	void *addr;
	uint32_t i;

	(void)xgs;
	fo_save(req->count, &req->domid, 0, NULL);
	fo.last_writable = req->writable;
	fo.last_notify = req->notify;
	if (err) {
		*what = fo.fail_what ? fo.fail_what : "fake share";
		fo_leave_err(err);
		return NULL;
	}
	a = fo_area_new(req->count, UINT64_MAX);
	if (!a) {
		*what = "fake mmap";
		fo_leave_err(errno);
		return NULL;
	}
	a->shared = true;
	for (i = 0; i < req->count; i++)
		req->refs[i] = 500 + i;
	addr = a->addr;
	pthread_mutex_unlock(&fo.lock);
	return addr;
}

int osdep_gntshr_unshare(xengntshr_handle *xgs, void *addr, uint32_t count)
{
	int err = fo_enter(FO_UNSHARE);
	int i;

	(void)xgs;
	if (err)
		return fo_leave_err(err);
	i = fo_area_find(addr);
	if (i < 0 || !fo.areas[i].shared || fo.areas[i].count != count)
		return fo_leave_err(EINVAL);
	fo_area_drop(i);
	pthread_mutex_unlock(&fo.lock);
	return 0;
}
