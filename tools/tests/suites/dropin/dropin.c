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
 * Reports through the lab library's reporter (lab-report.c, compiled in
 * by build.sh): TAP lines and "N passed, N failed"; exits 0 only if all
 * passed. Everything mapped or shared is released before exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>

/* Debian's header, before lab.h, which defines what it lacks. */
#include <xengnttab.h>

#include "lab.h"

#define NPAGES 4
#define RW (PROT_READ | PROT_WRITE)
/* No event channel to notify. */
#define NO_PORT ((uint32_t)-1)

/* A pattern that differs per page and per seed. */
static void fill(uint8_t *p, unsigned int pages, unsigned int seed)
{
	for (unsigned int i = 0; i < pages * LAB_PAGE_SIZE; i++)
		p[i] = (uint8_t)(seed * 31 + i * 13 + i / LAB_PAGE_SIZE);
}

static bool same(const void *a, const void *b, unsigned int pages)
{
	return memcmp(a, b, (size_t)pages * LAB_PAGE_SIZE) == 0;
}

static bool is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

/*
 * Checks that @p (a variable), what a call returned, is not NULL: the
 * line ends in "(ok)", or in errno's name.
 */
#define got(p, fmt, ...)                                         \
	lab_check((p) != NULL, NULL, fmt " (%s)", ##__VA_ARGS__, \
		  (p) ? "ok" : lab_errname(errno))

/* Which shared object xengnttab_open came from, as the loader named it. */
static void which_library(void)
{
	const char *want = getenv("DROPIN_LIB");
	Dl_info info;
	const char *name = "?";

	if (dladdr((void *)xengnttab_open, &info) && info.dli_fname)
		name = info.dli_fname;
	lab_note("xengnttab_open is provided by %s", name);
	if (want)
		lab_check(strstr(name, want) != NULL, NULL,
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
	if (!got(m, "xengnttab_map_grant_refs of %d pages", NPAGES))
		return;
	lab_check(same(m, shared, NPAGES), NULL,
		  "mapping shows the sharer's data");
	fill(m, NPAGES, 2);
	lab_check(same(shared, m, NPAGES), NULL,
		  "data written through the mapping reaches the sharer");
	lab_check(xengnttab_unmap(xgt, m, NPAGES) == 0, NULL,
		  "xengnttab_unmap of %d", NPAGES);
}

/* Map from one domain, read-only: reads work, the data is the sharer's. */
static void t_map_domain_grant_refs(xengnttab_handle *xgt, uint8_t *shared,
				    uint32_t *refs)
{
	uint8_t *m;

	fill(shared, NPAGES, 3);
	m = xengnttab_map_domain_grant_refs(xgt, NPAGES, 0, refs, PROT_READ);
	if (!got(m, "xengnttab_map_domain_grant_refs, read-only"))
		return;
	lab_check(same(m, shared, NPAGES), NULL,
		  "read-only mapping shows the data");
	shared[LAB_PAGE_SIZE + 5] ^= 0xff;
	lab_check(m[LAB_PAGE_SIZE + 5] == shared[LAB_PAGE_SIZE + 5], NULL,
		  "a later write by the sharer is seen through the mapping");
	lab_check(xengnttab_unmap(xgt, m, NPAGES) == 0, NULL,
		  "xengnttab_unmap");
}

/* One page, the third page of the shared area. */
static void t_map_grant_ref(xengnttab_handle *xgt, uint8_t *shared,
			    uint32_t *refs)
{
	uint8_t *page = shared + 2 * LAB_PAGE_SIZE;
	uint8_t *m;

	fill(page, 1, 4);
	m = xengnttab_map_grant_ref(xgt, 0, refs[2], RW);
	if (!got(m, "xengnttab_map_grant_ref"))
		return;
	lab_check(same(m, page, 1), NULL,
		  "single mapping shows the sharer's page");
	memcpy(m + 1000, "from the mapper", 15);
	lab_check(!memcmp(page + 1000, "from the mapper", 15), NULL,
		  "the sharer sees what the mapper wrote");
	lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL,
		  "xengnttab_unmap of 1");
}

/* Unmapping clears the byte at the notify offset in the shared page. */
static void t_map_grant_ref_notify(xengnttab_handle *xgt, uint8_t *shared,
				   uint32_t *refs)
{
	uint8_t *page = shared + 3 * LAB_PAGE_SIZE;
	uint8_t *m;

	fill(page, 1, 5);
	page[64] = 0x5a;
	page[65] = 0xa5;
	m = xengnttab_map_grant_ref_notify(xgt, 0, refs[3], RW, 64, NO_PORT);
	if (!got(m, "xengnttab_map_grant_ref_notify, clear byte 64"))
		return;
	lab_check(m[64] == 0x5a && same(m, page, 1), NULL,
		  "notify mapping shows the data, byte 64 still set");
	lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL, "xengnttab_unmap");
	lab_check(page[64] == 0 && page[65] == 0xa5, NULL,
		  "unmap cleared byte 64 and nothing else (%#x %#x)", page[64],
		  page[65]);
}

/* The sharer's notification: unsharing clears the byte the mapper sees. */
static void t_share_page_notify(xengnttab_handle *xgt, xengntshr_handle *xgs)
{
	uint32_t ref = 0;
	uint8_t *s, *m;

	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 128, NO_PORT);
	if (!got(s, "xengntshr_share_page_notify, clear byte 128"))
		return;
	fill(s, 1, 6);
	s[128] = 0x77;
	m = xengnttab_map_grant_ref(xgt, 0, ref, RW);
	lab_check(m != NULL && m[128] == 0x77 && same(m, s, 1), NULL,
		  "peer maps the notify page and sees its data");
	lab_check(xengntshr_unshare(xgs, s, 1) == 0, NULL,
		  "xengntshr_unshare of it");
	if (m) {
		lab_check(m[128] == 0, NULL, "unshare cleared byte 128 (%#x)",
			  m[128]);
		lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL,
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
	uint8_t *page = shared + LAB_PAGE_SIZE;
	int rc;

	memset(page, 0, LAB_PAGE_SIZE);
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
	lab_check(rc == 0, NULL, "xengnttab_grant_copy of 2 segments (%s)",
		  rc ? lab_errname(errno) : "ok");
	if (rc)
		return;
	lab_check(seg[0].status == GNTST_okay &&
			  !memcmp(page + 100, out_msg, sizeof(out_msg)),
		  NULL, "local -> grant: the sharer sees the bytes (status %d)",
		  seg[0].status);
	lab_check(seg[1].status == GNTST_okay &&
			  !memcmp(local_in, in_msg, sizeof(in_msg)),
		  NULL,
		  "grant -> local: the buffer holds the bytes (status %d)",
		  seg[1].status);
	lab_check(page[99] == 0 && page[100 + sizeof(out_msg)] == 0, NULL,
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
		lab_pass("xengnttab_dmabuf_exp_from_refs: fd %u", fd);
		close(fd);
		rc = xengnttab_dmabuf_exp_wait_released(xgt, fd, 2000);
		lab_check(rc == 0, NULL,
			  "xengnttab_dmabuf_exp_wait_released (%s)",
			  rc ? lab_errname(errno) : "ok");
	} else {
		lab_check(rc == -1 && errno, NULL,
			  "xengnttab_dmabuf_exp_from_refs unsupported: -1, %s",
			  lab_errname(errno));
		rc = xengnttab_dmabuf_exp_wait_released(xgt, 1000, 1);
		lab_check(rc == 0 || (rc == -1 && errno), NULL,
			  "xengnttab_dmabuf_exp_wait_released of no buffer: %s",
			  rc ? lab_errname(errno) : "0");
	}
	rc = xengnttab_dmabuf_imp_to_refs(xgt, 0, 1000, 1, &imported);
	lab_check(rc == -1 && errno, NULL,
		  "xengnttab_dmabuf_imp_to_refs of a bad fd: -1, %s",
		  lab_errname(errno));
	rc = xengnttab_dmabuf_imp_release(xgt, 1000);
	lab_check(rc == -1 && errno, NULL,
		  "xengnttab_dmabuf_imp_release of a bad fd: -1, %s",
		  lab_errname(errno));
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
	got(xgt, "xengnttab_open");
	xgs = xengntshr_open(NULL, 0);
	got(xgs, "xengntshr_open");
	if (!xgt || !xgs)
		goto out_close;
	/* Xen 4.17 opens gntalloc without O_CLOEXEC: only shown, not checked. */
	lab_check(xengnttab_fd(xgt) >= 0, NULL, "xengnttab_fd: %d%s",
		  xengnttab_fd(xgt),
		  is_cloexec(xengnttab_fd(xgt)) ? ", close-on-exec" : "");
	lab_check(xengntshr_fd(xgs) >= 0, NULL, "xengntshr_fd: %d%s",
		  xengntshr_fd(xgs),
		  is_cloexec(xengntshr_fd(xgs)) ? ", close-on-exec" : "");
	lab_check(xengnttab_fd(xgt) != xengntshr_fd(xgs), NULL,
		  "the two handles have their own descriptors");
	lab_check(xengnttab_set_max_grants(xgt, 128) == 0, NULL,
		  "xengnttab_set_max_grants(128)");

	shared = xengntshr_share_pages(xgs, 0, NPAGES, refs, 1);
	if (!got(shared, "xengntshr_share_pages: %d pages to dom0", NPAGES))
		goto out_close;
	lab_note("refs %u %u %u %u", refs[0], refs[1], refs[2], refs[3]);

	t_map_grant_refs(xgt, shared, refs);
	t_map_domain_grant_refs(xgt, shared, refs);
	t_map_grant_ref(xgt, shared, refs);
	t_map_grant_ref_notify(xgt, shared, refs);
	t_share_page_notify(xgt, xgs);
	t_grant_copy(xgt, shared, refs);
	t_dmabuf(xgt, refs);

	lab_check(xengntshr_unshare(xgs, shared, NPAGES) == 0, NULL,
		  "xengntshr_unshare of %d pages", NPAGES);
out_close:
	if (xgs)
		lab_check(xengntshr_close(xgs) == 0, NULL, "xengntshr_close");
	if (xgt)
		lab_check(xengnttab_close(xgt) == 0, NULL, "xengnttab_close");
	return lab_tap_summary();
}
