// SPDX-License-Identifier: GPL-2.0
/*
 * dropin - an ordinary libxengnttab client, for the drop-in test.
 *
 * Compiled against Debian's libxen-dev headers (/usr/include/xengnttab.h)
 * and linked with Debian's libxengnttab.so.1, exactly as any program in the
 * distribution is.  build.sh ships it with the host's dynamic loader and
 * both libraries, and the payload's run script starts it with one library
 * or the other first on the library path, over the stock xen-gntdev and
 * over our gntdev.ko.  Whichever pair it runs on, it must pass.
 *
 * dom0 shares pages with itself (xengntshr_*, through gntalloc) and maps
 * them back (xengnttab_*, through gntdev), so no second domain is needed.
 * It calls every function of every version node of the library (1.0, 1.1
 * and 1.2), so the loader binds each versioned symbol the program imports.
 *
 * If DROPIN_LIB is set, the object that provides xengnttab_open (found with
 * dladdr) must have it in its path name: a check from inside the program
 * that the intended library was loaded.
 *
 * Prints TAP lines and "N passed, N failed"; exits 0 only if all passed.
 * Everything mapped or shared is released before exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <xengnttab.h>

/* The tests' reporter, by path: no include path of ours on the line. */
#include "../include/t-harness.h"

#define PAGE 4096
#define NPAGES 4
#define RW (PROT_READ | PROT_WRITE)
/* No event channel to notify. */
#define NO_PORT ((uint32_t)-1)

static const char *err_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* A pattern that differs per page and per seed. */
static void fill(uint8_t *p, unsigned int pages, unsigned int seed)
{
	for (unsigned int i = 0; i < pages * PAGE; i++)
		p[i] = (uint8_t)(seed * 31 + i * 13 + i / PAGE);
}

static bool same(const void *a, const void *b, unsigned int pages)
{
	return memcmp(a, b, (size_t)pages * PAGE) == 0;
}

static bool is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

/* Which shared object xengnttab_open came from, as the loader named it. */
static void which_library(void)
{
	const char *want = getenv("DROPIN_LIB");
	Dl_info info;
	const char *name = "?";

	if (dladdr((void *)xengnttab_open, &info) && info.dli_fname)
		name = info.dli_fname;
	printf("# xengnttab_open is provided by %s\n", name);
	if (want)
		t_check(strstr(name, want) != NULL,
			"xengnttab_open comes from %s (%s)", want, name);
}

/* Map with per-grant domids, check the data both ways. */
static void t_map_grant_refs(xengnttab_handle *xgt, uint8_t *shared,
			     uint32_t *refs)
{
	uint32_t domids[NPAGES] = { 0 };
	uint8_t *m;

	fill(shared, NPAGES, 1);
	m = xengnttab_map_grant_refs(xgt, NPAGES, domids, refs, RW);
	t_check(m != NULL, "xengnttab_map_grant_refs of %d pages (%s)", NPAGES,
		m ? "ok" : err_name(errno));
	if (!m)
		return;
	t_check(same(m, shared, NPAGES), "mapping shows the sharer's data");
	fill(m, NPAGES, 2);
	t_check(same(shared, m, NPAGES),
		"data written through the mapping reaches the sharer");
	t_check(xengnttab_unmap(xgt, m, NPAGES) == 0, "xengnttab_unmap of %d",
		NPAGES);
}

/* Map from one domain, read-only: reads work, the data is the sharer's. */
static void t_map_domain_grant_refs(xengnttab_handle *xgt, uint8_t *shared,
				    uint32_t *refs)
{
	uint8_t *m;

	fill(shared, NPAGES, 3);
	m = xengnttab_map_domain_grant_refs(xgt, NPAGES, 0, refs, PROT_READ);
	t_check(m != NULL, "xengnttab_map_domain_grant_refs, read-only (%s)",
		m ? "ok" : err_name(errno));
	if (!m)
		return;
	t_check(same(m, shared, NPAGES), "read-only mapping shows the data");
	shared[PAGE + 5] ^= 0xff;
	t_check(m[PAGE + 5] == shared[PAGE + 5],
		"a later write by the sharer is seen through the mapping");
	t_check(xengnttab_unmap(xgt, m, NPAGES) == 0, "xengnttab_unmap");
}

/* One page, the third page of the shared area. */
static void t_map_grant_ref(xengnttab_handle *xgt, uint8_t *shared,
			    uint32_t *refs)
{
	uint8_t *page = shared + 2 * PAGE;
	uint8_t *m;

	fill(page, 1, 4);
	m = xengnttab_map_grant_ref(xgt, 0, refs[2], RW);
	t_check(m != NULL, "xengnttab_map_grant_ref (%s)",
		m ? "ok" : err_name(errno));
	if (!m)
		return;
	t_check(same(m, page, 1), "single mapping shows the sharer's page");
	memcpy(m + 1000, "from the mapper", 15);
	t_check(!memcmp(page + 1000, "from the mapper", 15),
		"the sharer sees what the mapper wrote");
	t_check(xengnttab_unmap(xgt, m, 1) == 0, "xengnttab_unmap of 1");
}

/* Unmapping clears the byte at the notify offset in the shared page. */
static void t_map_grant_ref_notify(xengnttab_handle *xgt, uint8_t *shared,
				   uint32_t *refs)
{
	uint8_t *page = shared + 3 * PAGE;
	uint8_t *m;

	fill(page, 1, 5);
	page[64] = 0x5a;
	page[65] = 0xa5;
	m = xengnttab_map_grant_ref_notify(xgt, 0, refs[3], RW, 64, NO_PORT);
	t_check(m != NULL, "xengnttab_map_grant_ref_notify, clear byte 64 (%s)",
		m ? "ok" : err_name(errno));
	if (!m)
		return;
	t_check(m[64] == 0x5a && same(m, page, 1),
		"notify mapping shows the data, byte 64 still set");
	t_check(xengnttab_unmap(xgt, m, 1) == 0, "xengnttab_unmap");
	t_check(page[64] == 0 && page[65] == 0xa5,
		"unmap cleared byte 64 and nothing else (%#x %#x)", page[64],
		page[65]);
}

/* The sharer's notification: unsharing clears the byte the mapper sees. */
static void t_share_page_notify(xengnttab_handle *xgt, xengntshr_handle *xgs)
{
	uint32_t ref = 0;
	uint8_t *s, *m;

	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 128, NO_PORT);
	t_check(s != NULL, "xengntshr_share_page_notify, clear byte 128 (%s)",
		s ? "ok" : err_name(errno));
	if (!s)
		return;
	fill(s, 1, 6);
	s[128] = 0x77;
	m = xengnttab_map_grant_ref(xgt, 0, ref, RW);
	t_check(m != NULL && m[128] == 0x77 && same(m, s, 1),
		"peer maps the notify page and sees its data");
	t_check(xengntshr_unshare(xgs, s, 1) == 0, "xengntshr_unshare of it");
	if (m) {
		t_check(m[128] == 0, "unshare cleared byte 128 (%#x)", m[128]);
		t_check(xengnttab_unmap(xgt, m, 1) == 0,
			"peer unmaps after the unshare");
	}
}

/* Grant copy, local buffer to grant and grant to local buffer. */
static void t_grant_copy(xengnttab_handle *xgt, uint8_t *shared, uint32_t *refs)
{
	static const char out_msg[] = "copied into the grant";
	static const char in_msg[] = "copied out of the grant";
	xengnttab_grant_copy_segment_t seg[2];
	char local_out[64], local_in[64];
	uint8_t *page = shared + PAGE;
	int rc;

	memset(page, 0, PAGE);
	memcpy(page + 2000, in_msg, sizeof(in_msg));
	memset(local_in, '-', sizeof(local_in));
	memcpy(local_out, out_msg, sizeof(out_msg));
	memset(seg, 0, sizeof(seg));
	seg[0].source.virt = local_out;
	seg[0].dest.foreign.ref = refs[1];
	seg[0].dest.foreign.offset = 100;
	seg[0].dest.foreign.domid = 0;
	seg[0].len = sizeof(out_msg);
	seg[0].flags = GNTCOPY_dest_gref;
	seg[1].source.foreign.ref = refs[1];
	seg[1].source.foreign.offset = 2000;
	seg[1].source.foreign.domid = 0;
	seg[1].dest.virt = local_in;
	seg[1].len = sizeof(in_msg);
	seg[1].flags = GNTCOPY_source_gref;
	rc = xengnttab_grant_copy(xgt, 2, seg);
	t_check(rc == 0, "xengnttab_grant_copy of 2 segments (%s)",
		rc ? err_name(errno) : "ok");
	if (rc)
		return;
	t_check(seg[0].status == GNTST_okay &&
			!memcmp(page + 100, out_msg, sizeof(out_msg)),
		"local -> grant: the sharer sees the bytes (status %d)",
		seg[0].status);
	t_check(seg[1].status == GNTST_okay &&
			!memcmp(local_in, in_msg, sizeof(in_msg)),
		"grant -> local: the buffer holds the bytes (status %d)",
		seg[1].status);
	t_check(page[99] == 0 && page[100 + sizeof(out_msg)] == 0,
		"nothing written around the copied bytes");
}

/*
 * The dma-buf calls.  Exporting needs CONFIG_XEN_GNTDEV_DMABUF in the
 * driver; without it each call must fail cleanly with errno set.
 */
static void t_dmabuf(xengnttab_handle *xgt, uint32_t *refs)
{
	uint32_t fd = 0, imported = 0;
	int rc;

	rc = xengnttab_dmabuf_exp_from_refs(xgt, 0, 0, 1, refs, &fd);
	if (rc == 0) {
		t_check(true, "xengnttab_dmabuf_exp_from_refs: fd %u", fd);
		close(fd);
		rc = xengnttab_dmabuf_exp_wait_released(xgt, fd, 2000);
		t_check(rc == 0, "xengnttab_dmabuf_exp_wait_released (%s)",
			rc ? err_name(errno) : "ok");
	} else {
		t_check(rc == -1 && errno,
			"xengnttab_dmabuf_exp_from_refs unsupported: -1, %s",
			err_name(errno));
		rc = xengnttab_dmabuf_exp_wait_released(xgt, 1000, 1);
		t_check(rc == 0 || (rc == -1 && errno),
			"xengnttab_dmabuf_exp_wait_released of no buffer: %s",
			rc ? err_name(errno) : "0");
	}
	rc = xengnttab_dmabuf_imp_to_refs(xgt, 0, 1000, 1, &imported);
	t_check(rc == -1 && errno,
		"xengnttab_dmabuf_imp_to_refs of a bad fd: -1, %s",
		err_name(errno));
	rc = xengnttab_dmabuf_imp_release(xgt, 1000);
	t_check(rc == -1 && errno,
		"xengnttab_dmabuf_imp_release of a bad fd: -1, %s",
		err_name(errno));
}

int main(void)
{
	uint32_t refs[NPAGES] = { 0 };
	xengnttab_handle *xgt;
	xengntshr_handle *xgs;
	uint8_t *shared;

	printf("TAP version 13\n");
	which_library();

	xgt = xengnttab_open(NULL, 0);
	t_check(xgt != NULL, "xengnttab_open (%s)",
		xgt ? "ok" : err_name(errno));
	xgs = xengntshr_open(NULL, 0);
	t_check(xgs != NULL, "xengntshr_open (%s)",
		xgs ? "ok" : err_name(errno));
	if (!xgt || !xgs)
		goto out_close;
	/* Xen 4.17 opens gntalloc without O_CLOEXEC: only shown, not checked. */
	t_check(xengnttab_fd(xgt) >= 0, "xengnttab_fd: %d%s", xengnttab_fd(xgt),
		is_cloexec(xengnttab_fd(xgt)) ? ", close-on-exec" : "");
	t_check(xengntshr_fd(xgs) >= 0, "xengntshr_fd: %d%s", xengntshr_fd(xgs),
		is_cloexec(xengntshr_fd(xgs)) ? ", close-on-exec" : "");
	t_check(xengnttab_fd(xgt) != xengntshr_fd(xgs),
		"the two handles have their own descriptors");
	t_check(xengnttab_set_max_grants(xgt, 128) == 0,
		"xengnttab_set_max_grants(128)");

	shared = xengntshr_share_pages(xgs, 0, NPAGES, refs, 1);
	t_check(shared != NULL, "xengntshr_share_pages: %d pages to dom0 (%s)",
		NPAGES, shared ? "ok" : err_name(errno));
	if (!shared)
		goto out_close;
	printf("# refs %u %u %u %u\n", refs[0], refs[1], refs[2], refs[3]);

	t_map_grant_refs(xgt, shared, refs);
	t_map_domain_grant_refs(xgt, shared, refs);
	t_map_grant_ref(xgt, shared, refs);
	t_map_grant_ref_notify(xgt, shared, refs);
	t_share_page_notify(xgt, xgs);
	t_grant_copy(xgt, shared, refs);
	t_dmabuf(xgt, refs);

	t_check(xengntshr_unshare(xgs, shared, NPAGES) == 0,
		"xengntshr_unshare of %d pages", NPAGES);
out_close:
	if (xgs)
		t_check(xengntshr_close(xgs) == 0, "xengntshr_close");
	if (xgt)
		t_check(xengnttab_close(xgt) == 0, "xengnttab_close");
	return t_summary();
}
