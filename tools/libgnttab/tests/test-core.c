// SPDX-License-Identifier: LGPL-2.1-only
/*
 * test-core.c - the library's core against an in-memory backend
 *
 * Links gnttab_core.c and gntshr_core.c, unmodified, with fake-osdep.c and
 * checks what the core owns: argument checks, the errno and logging
 * contracts of each function ("Logs errors" logs exactly once per failure
 * and never on success; "Never logs" never does), notify requests, the
 * table of known areas that lets unmap skip the driver's lookup, the
 * libxentoolcore registration, thread safety, and fork.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-osdep.h"
#include "t-harness.h"
#include "t-logger.h"

#define T_RW (PROT_READ | PROT_WRITE)
#define T_NONE ((uint32_t)-1)

static struct t_logger tlog;

/* A fresh fake and logger, and a consumer handle logging to the latter. */
static xengnttab_handle *t_open(void)
{
	fo_reset();
	t_logger_init(&tlog);
	return xengnttab_open(t_xtl(&tlog), 0);
}

static xengntshr_handle *t_shr_open(void)
{
	fo_reset();
	t_logger_init(&tlog);
	return xengntshr_open(t_xtl(&tlog), 0);
}

/* The table is sorted by address and its areas do not overlap. */
static bool t_table_ok(xengnttab_handle *xgt)
{
	const struct xengnttab_areas *t = &xgt->areas;
	size_t i;

	for (i = 1; i < t->nr; i++) {
		uintptr_t end =
			t->v[i - 1].addr + ((uintptr_t)t->v[i - 1].count << 12);

		if (t->v[i].addr < end)
			return false;
	}
	return true;
}

/* Run @fn with stderr sent to /dev/null (for the library's own logger). */
static void *t_quiet(void *(*fn)(void *), void *arg)
{
	int saved = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);
	void *ret;

	fflush(stderr);
	dup2(null, STDERR_FILENO);
	close(null);
	ret = fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	return ret;
}

/* ------------------------------------------------------------------------
 * Open, close, fd
 */

static void t_open_null_logger(void)
{
	xengnttab_handle *xgt;

	fo_reset();
	xgt = xengnttab_open(NULL, 0);
	T_ASSERT(xgt);
	T_ASSERT(xgt->logger && xgt->logger == xgt->logger_tofree);
	T_EQ(FO_FD_BASE, xengnttab_fd(xgt));
	T_EQ(0, xengnttab_close(xgt));
	T_EQ(1, fo_calls(FO_CLOSE));
}

static void *t_open_null_logger_failing(void *arg)
{
	(void)arg;
	return xengnttab_open(NULL, 0);
}

static void t_open_failure(void)
{
	xengnttab_handle *xgt;

	fo_reset();
	t_logger_init(&tlog);
	fo.fail[FO_OPEN] = EACCES;
	xgt = xengnttab_open(t_xtl(&tlog), 0);
	T_ASSERT(!xgt);
	/* The logger clobbers errno; the library restores it. */
	T_ERRNO(EACCES);
	T_EQ(1, t_logged(&tlog));
	T_EQ(XTL_ERROR, tlog.level);
	T_EQ(EACCES, tlog.errnoval);
	T_ASSERT(!strcmp(tlog.context, "gnttab"));
	T_ASSERT(strstr(tlog.msg, "fake gntdev"));
	T_EQ(0, fo_calls(FO_CLOSE));

	/* Same with the library's own stderr logger, freed on the way out. */
	fo.fail[FO_OPEN] = ENOENT;
	T_ASSERT(!t_quiet(t_open_null_logger_failing, NULL));
	T_ERRNO(ENOENT);
}

static void t_close_never_logs(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	T_EQ(0, xengnttab_close(NULL));
	fo.fail[FO_CLOSE] = EIO;
	errno = 0;
	T_EQ(-1, xengnttab_close(xgt));
	T_ERRNO(EIO);
	T_EQ(0, t_logged(&tlog));
}

static void t_fd(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	T_EQ(FO_FD_BASE, xengnttab_fd(xgt));
	T_EQ(-1, xengnttab_fd(NULL));
	T_ERRNO(EINVAL);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

/* Is descriptor @fd open on /dev/null? */
static bool t_is_dev_null(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat("/dev/null", &b) && S_ISCHR(a.st_mode) &&
	       a.st_rdev == b.st_rdev;
}

static void t_toolcore_restrict(void)
{
	xengnttab_handle *xgt = t_open();
	xengntshr_handle *xgs;
	int fd;

	T_ASSERT(xgt);
	xgs = xengntshr_open(t_xtl(&tlog), 0);
	T_ASSERT(xgs);
	fd = xengnttab_fd(xgt);
	T_ASSERT(fcntl(fd, F_GETFD) < 0);
	T_ASSERT(fcntl(xengntshr_fd(xgs), F_GETFD) < 0);
	/* libxentoolcore reaches our handle and dup2()s /dev/null over it. */
	T_EQ(0, xentoolcore_restrict_all(0));
	T_ASSERT(t_is_dev_null(fd));
	/* Producer handles are not registered, as in Xen's library. */
	T_ASSERT(fcntl(xengntshr_fd(xgs), F_GETFD) < 0);
	close(fd);
	T_EQ(0, xengnttab_close(xgt));
	T_EQ(0, xengntshr_close(xgs));
	/* A closed handle is deregistered. */
	T_EQ(0, xentoolcore_restrict_all(0));
	T_ASSERT(fcntl(fd, F_GETFD) < 0);
}

/* ------------------------------------------------------------------------
 * Map
 */

static void t_map_one(void)
{
	xengnttab_handle *xgt = t_open();
	char *p;

	T_ASSERT(xgt);
	p = xengnttab_map_grant_ref(xgt, 7, 11, T_RW);
	T_ASSERT(p);
	p[0] = 1;
	p[4095] = 2;
	T_EQ(1, fo.last_count);
	T_EQ(7, fo.last_domids[0]);
	T_EQ(11, fo.last_refs[0]);
	T_EQ(T_RW, fo.last_prot);
	T_EQ(0, fo.last_notify.action);
	T_EQ(1, xgt->areas.nr);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(0, fo_live());
	T_EQ(0, xengnttab_close(xgt));
	T_EQ(0, t_logged(&tlog));
}

static void t_map_domids(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t domids[3] = { 1, 2, 3 };
	uint32_t refs[3] = { 10, 11, 12 };
	void *p, *q;

	T_ASSERT(xgt);
	p = xengnttab_map_grant_refs(xgt, 3, domids, refs, PROT_READ);
	T_ASSERT(p);
	T_EQ(3, fo.last_count);
	T_EQ(2, fo.last_domids[1]);
	T_EQ(3, fo.last_domids[2]);
	T_EQ(12, fo.last_refs[2]);
	T_EQ(PROT_READ, fo.last_prot);
	q = xengnttab_map_domain_grant_refs(xgt, 3, 5, refs, T_RW);
	T_ASSERT(q);
	T_EQ(5, fo.last_domids[0]);
	T_EQ(5, fo.last_domids[2]);
	T_EQ(11, fo.last_refs[1]);
	T_EQ(0, xengnttab_unmap(xgt, p, 3));
	T_EQ(0, xengnttab_unmap(xgt, q, 3));
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_map_bad_args(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t domids[3] = { 1, 0x10000, 3 };
	uint32_t refs[3] = { 10, 11, 12 };
	unsigned int logged = 0;

	T_ASSERT(xgt);
	T_ASSERT(!xengnttab_map_grant_refs(xgt, 0, domids, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(EINVAL, tlog.errnoval);
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 0, 1, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(!xengnttab_map_grant_refs(xgt, 3, NULL, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 3, 1, NULL, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	/* A domain id above 16 bits, as the 2nd of 3 domains or the only. */
	T_ASSERT(!xengnttab_map_grant_refs(xgt, 3, domids, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(!xengnttab_map_grant_ref(xgt, 0x10000, 1, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	/* None of that reached the backend. */
	T_EQ(0, fo_calls(FO_MAP));
	/* A NULL handle cannot log. */
	T_ASSERT(!xengnttab_map_grant_ref(NULL, 1, 1, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(logged, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_map_huge_counts(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t refs[1] = { 1 };
	const uint32_t counts[] = { XENGNTTAB_MAX_COUNT + 1, 0x80000000U,
				    UINT32_MAX };
	unsigned int i;

	T_ASSERT(xgt);
	/* Refused before anything reads the (short) arrays or allocates. */
	for (i = 0; i < 3; i++) {
		T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, counts[i], 1,
							  refs, T_RW));
		T_ERRNO(EINVAL);
		T_EQ(i + 1, t_logged(&tlog));
	}
	T_EQ(0, fo_calls(FO_MAP));
	T_EQ(-1, xengnttab_unmap(xgt, refs, UINT32_MAX));
	T_ERRNO(EINVAL);
	T_EQ(3, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_map_backend_failure(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t refs[4] = { 1, 2, FO_BAD_REF, 4 };

	T_ASSERT(xgt);
	fo.fail[FO_MAP] = ENOMEM;
	fo.fail_what = "ioctl MAP_GRANT_REF";
	T_ASSERT(!xengnttab_map_grant_ref(xgt, 1, 1, T_RW));
	T_ERRNO(ENOMEM);
	T_EQ(1, t_logged(&tlog));
	T_EQ(ENOMEM, tlog.errnoval);
	T_ASSERT(strstr(tlog.msg, "ioctl MAP_GRANT_REF"));
	/* One bad grant of four: nothing is mapped or recorded. */
	T_ASSERT(!xengnttab_map_domain_grant_refs(xgt, 4, 1, refs, T_RW));
	T_ERRNO(EINVAL);
	T_EQ(2, t_logged(&tlog));
	T_EQ(0, fo_live());
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, xengnttab_close(xgt));
}

static void t_notify_edges(void)
{
	static const struct {
		uint32_t offset;
		evtchn_port_t port;
		uint32_t action, want_offset, want_port;
	} c[] = {
		{ 0, T_NONE, XENGNTTAB_NOTIFY_CLEAR_BYTE, 0, 0 },
		{ 4095, T_NONE, XENGNTTAB_NOTIFY_CLEAR_BYTE, 4095, 0 },
		{ 4096, T_NONE, 0, 0, 0 },
		{ 0x10000, T_NONE, 0, 0, 0 },
		{ T_NONE, T_NONE, 0, 0, 0 },
		{ T_NONE, 5, XENGNTTAB_NOTIFY_SEND_EVENT, 0, 5 },
		{ T_NONE, 0, XENGNTTAB_NOTIFY_SEND_EVENT, 0, 0 },
		{ 100, 9, 3, 100, 9 },
		{ 4096, 9, XENGNTTAB_NOTIFY_SEND_EVENT, 0, 9 },
	};
	xengnttab_handle *xgt = t_open();
	struct xengnttab_notify n;
	unsigned int i;
	void *p;

	T_ASSERT(xgt);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = xengnttab_map_grant_ref_notify(xgt, 1, 1, T_RW, c[i].offset,
						   c[i].port);
		T_ASSERT(p);
		T_EQ(c[i].action, fo.last_notify.action);
		if (c[i].action & XENGNTTAB_NOTIFY_CLEAR_BYTE)
			T_EQ(c[i].want_offset, fo.last_notify.offset);
		if (c[i].action & XENGNTTAB_NOTIFY_SEND_EVENT)
			T_EQ(c[i].want_port, fo.last_notify.port);
		T_EQ(0, xengnttab_unmap(xgt, p, 1));
	}
	/* Multi-page areas: the limit is 4096 * count, computed in 64 bits. */
	n = xengnttab__notify(2, 8191, T_NONE);
	T_EQ(XENGNTTAB_NOTIFY_CLEAR_BYTE, n.action);
	T_EQ(8191, n.offset);
	n = xengnttab__notify(2, 8192, T_NONE);
	T_EQ(0, n.action);
	n = xengnttab__notify(1U << 21, UINT32_MAX - 1, T_NONE);
	T_EQ(XENGNTTAB_NOTIFY_CLEAR_BYTE, n.action);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_notify_failure(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	fo.fail[FO_MAP] = EINVAL;
	fo.fail_what = "ioctl SET_UNMAP_NOTIFY";
	T_ASSERT(!xengnttab_map_grant_ref_notify(xgt, 1, 1, T_RW, 0, 3));
	T_ERRNO(EINVAL);
	T_EQ(1, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "SET_UNMAP_NOTIFY"));
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, xengnttab_close(xgt));
}

/* ------------------------------------------------------------------------
 * Unmap and the table of known areas
 */

static void t_unmap_known(void)
{
	xengnttab_handle *xgt = t_open();
	void *p, *q;

	T_ASSERT(xgt);
	p = xengnttab_map_domain_grant_refs(xgt, 2, 1, (uint32_t[]){ 1, 2 },
					    T_RW);
	q = xengnttab_map_grant_ref(xgt, 1, 3, T_RW);
	T_ASSERT(p && q);
	T_EQ(2, xgt->areas.nr);
	T_EQ(0, xengnttab_unmap(xgt, q, 1));
	T_EQ(0, xengnttab_unmap(xgt, p, 2));
	/* No lookup: the core passed the offsets it recorded, correctly. */
	T_EQ(2, fo.unmap_known);
	T_EQ(0, fo.unmap_lookup);
	T_EQ(0, fo.offset_mismatch);
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_unmap_bad_args(void)
{
	xengnttab_handle *xgt = t_open();
	char *p;

	T_ASSERT(xgt);
	p = xengnttab_map_domain_grant_refs(xgt, 3, 1, (uint32_t[]){ 1, 2, 3 },
					    T_RW);
	T_ASSERT(p);
	T_EQ(-1, xengnttab_unmap(NULL, p, 3));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengnttab_unmap(xgt, NULL, 3));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengnttab_unmap(xgt, p, 0));
	T_ERRNO(EINVAL);
	/* The table proves these wrong without asking the driver. */
	T_EQ(-1, xengnttab_unmap(xgt, p, 2));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengnttab_unmap(xgt, p + 4096, 2));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengnttab_unmap(xgt, p + 3 * 4096 - 1, 1));
	T_ERRNO(EINVAL);
	T_EQ(0, fo_calls(FO_UNMAP));
	/* ... and the area is still there, whole. */
	p[3 * 4096 - 1] = 1;
	T_EQ(0, xengnttab_unmap(xgt, p, 3));
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_unmap_unknown(void)
{
	xengnttab_handle *xgt = t_open();
	void *p;

	T_ASSERT(xgt);
	/* Mapped with raw ioctl + mmap on xengnttab_fd(): not in the table. */
	p = fo_foreign_area(2, UINT64_MAX);
	T_ASSERT(p);
	T_EQ(-1, xengnttab_unmap(xgt, p, 1));
	T_ERRNO(EINVAL);
	T_EQ(1, fo.unmap_lookup);
	T_EQ(0, xengnttab_unmap(xgt, p, 2));
	T_EQ(2, fo.unmap_lookup);
	T_EQ(0, fo.unmap_known);
	T_EQ(0, fo_live());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_unmap_failure_never_logs(void)
{
	xengnttab_handle *xgt = t_open();
	void *p;

	T_ASSERT(xgt);
	p = xengnttab_map_grant_ref(xgt, 1, 1, T_RW);
	T_ASSERT(p);
	fo.fail[FO_UNMAP] = ENOENT;
	T_EQ(-1, xengnttab_unmap(xgt, p, 1));
	T_ERRNO(ENOENT);
	T_EQ(0, t_logged(&tlog));
	/* Taken out of the table whatever the outcome; a retry looks up. */
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(1, fo.unmap_lookup);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_table_stale_entries(void)
{
	xengnttab_handle *xgt = t_open();
	char *p, *q, *r;

	T_ASSERT(xgt);
	/* Three pages, so that the overlapping map below lands in them. */
	p = xengnttab_map_domain_grant_refs(xgt, 3, 1, (uint32_t[]){ 1, 2, 3 },
					    T_RW);
	T_ASSERT(p);
	/*
	 * The caller munmap()s behind the library's back and the range is
	 * handed out again, overlapping: the stale entry must go.
	 */
	fo_forget_area(p);
	fo.force_addr = p + 4096;
	q = xengnttab_map_domain_grant_refs(xgt, 2, 1, (uint32_t[]){ 3, 4 },
					    T_RW);
	T_ASSERT(q == p + 4096);
	T_EQ(1, xgt->areas.nr);
	T_ASSERT(xgt->areas.v[0].addr == (uintptr_t)q);
	/*
	 * An unknown area whose driver offset is a known area's: slow path,
	 * after which the entry with that offset is dropped too.
	 */
	r = fo_foreign_area(1, xgt->areas.v[0].offset);
	T_ASSERT(r);
	T_EQ(0, xengnttab_unmap(xgt, r, 1));
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, xengnttab_unmap(xgt, q, 2));
	T_EQ(2, fo.unmap_lookup);
	T_EQ(0, fo_live());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_table_many(void)
{
	enum { N = 1500 };
	xengnttab_handle *xgt = t_open();
	static void *addr[N];
	static uint32_t count[N];
	uint32_t seed = 12345;
	unsigned int i, j;

	T_ASSERT(xgt);
	for (i = 0; i < N; i++) {
		count[i] = 1 + i % 3;
		addr[i] = xengnttab_map_domain_grant_refs(
			xgt, count[i], 1, (uint32_t[]){ 1, 2, 3 }, T_RW);
		T_ASSERT(addr[i]);
	}
	T_EQ(N, xgt->areas.nr);
	T_ASSERT(t_table_ok(xgt));
	/* Unmap in a shuffled order. */
	for (i = N - 1; i > 0; i--) {
		void *a;
		uint32_t c;

		seed = seed * 1103515245 + 12345;
		j = (seed >> 8) % (i + 1);
		a = addr[i], addr[i] = addr[j], addr[j] = a;
		c = count[i], count[i] = count[j], count[j] = c;
	}
	for (i = 0; i < N; i++) {
		T_EQ(0, xengnttab_unmap(xgt, addr[i], count[i]));
		if (i % 100 == 0)
			T_ASSERT(t_table_ok(xgt));
	}
	T_EQ(N, fo.unmap_known);
	T_EQ(0, fo.unmap_lookup);
	T_EQ(0, fo.offset_mismatch);
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

/* ------------------------------------------------------------------------
 * set_max_grants, grant copy, dma-buf
 */

static void t_set_max_grants(void)
{
	xengnttab_handle *xgt = t_open();

	T_ASSERT(xgt);
	T_EQ(0, xengnttab_set_max_grants(xgt, 128));
	T_EQ(128, fo.last_count);
	fo.fail[FO_SET_MAX] = EINVAL;
	T_EQ(-1, xengnttab_set_max_grants(xgt, 0));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengnttab_set_max_grants(NULL, 1));
	T_ERRNO(EINVAL);
	/* "Never logs", as Xen's header says. */
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

static void t_grant_copy(void)
{
	xengnttab_handle *xgt = t_open();
	xengnttab_grant_copy_segment_t segs[2];

	T_ASSERT(xgt);
	memset(segs, 0, sizeof(segs));
	segs[0].status = segs[1].status = -1;
	/* QEMU's probe reaches the driver. */
	T_EQ(0, xengnttab_grant_copy(xgt, 0, NULL));
	T_EQ(1, fo_calls(FO_COPY));
	T_EQ(0, fo.last_copy_count);
	T_EQ(0, xengnttab_grant_copy(xgt, 2, segs));
	T_EQ(GNTST_okay, segs[1].status);
	T_EQ(0, t_logged(&tlog));
	T_EQ(-1, xengnttab_grant_copy(xgt, 2, NULL));
	T_ERRNO(EINVAL);
	T_EQ(1, t_logged(&tlog));
	T_EQ(2, fo_calls(FO_COPY));
	fo.fail[FO_COPY] = EFAULT;
	T_EQ(-1, xengnttab_grant_copy(xgt, 2, segs));
	T_ERRNO(EFAULT);
	T_EQ(2, t_logged(&tlog));
	T_EQ(EFAULT, tlog.errnoval);
	T_EQ(-1, xengnttab_grant_copy(NULL, 0, NULL));
	T_ERRNO(EINVAL);
	T_EQ(0, xengnttab_close(xgt));
}

static void t_dmabuf(void)
{
	xengnttab_handle *xgt = t_open();
	uint32_t refs[3] = { 4, 5, 6 }, out[3] = { 0 }, fd = 0;
	unsigned int logged = 0;

	T_ASSERT(xgt);
	T_EQ(0, xengnttab_dmabuf_exp_from_refs(xgt, 2, 0, 3, refs, &fd));
	T_EQ(42, fd);
	T_EQ(3, fo.last_count);
	T_EQ(2, fo.last_domids[0]);
	T_EQ(6, fo.last_refs[2]);
	T_EQ(0, xengnttab_dmabuf_exp_wait_released(xgt, fd, 10));
	T_EQ(0, xengnttab_dmabuf_imp_to_refs(xgt, 2, 9, 3, out));
	T_EQ(1002, out[2]);
	T_EQ(0, xengnttab_dmabuf_imp_release(xgt, 9));
	T_EQ(0, t_logged(&tlog));

	/* Argument errors: logged, never reach the driver. */
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 2, 0, 0, refs, &fd));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 2, 0, 3, NULL, &fd));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 2, 0, 3, refs, NULL));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 0x10000, 0, 3, refs, &fd));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(-1, xengnttab_dmabuf_imp_to_refs(xgt, 2, 9, 0, out));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(-1, xengnttab_dmabuf_imp_to_refs(xgt, 2, 9, UINT32_MAX, out));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(1, fo_calls(FO_DMABUF_EXP));
	T_EQ(1, fo_calls(FO_DMABUF_IMP));

	/* A driver without dma-buf: its errno, logged once, no abort. */
	fo.fail[FO_DMABUF_EXP] = ENOTTY;
	T_EQ(-1, xengnttab_dmabuf_exp_from_refs(xgt, 2, 0, 3, refs, &fd));
	T_ERRNO(ENOTTY);
	T_EQ(++logged, t_logged(&tlog));
	fo.fail[FO_DMABUF_WAIT] = ENOTTY;
	T_EQ(-1, xengnttab_dmabuf_exp_wait_released(xgt, 1, 1));
	T_ERRNO(ENOTTY);
	T_EQ(++logged, t_logged(&tlog));
	fo.fail[FO_DMABUF_IMP] = ENOTTY;
	T_EQ(-1, xengnttab_dmabuf_imp_to_refs(xgt, 2, 9, 3, out));
	T_ERRNO(ENOTTY);
	T_EQ(++logged, t_logged(&tlog));
	fo.fail[FO_DMABUF_REL] = ENOTTY;
	T_EQ(-1, xengnttab_dmabuf_imp_release(xgt, 9));
	T_ERRNO(ENOTTY);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(0, xengnttab_close(xgt));
}

/* ------------------------------------------------------------------------
 * Producer side
 */

static void t_shr_open_close(void)
{
	xengntshr_handle *xgs;

	fo_reset();
	xgs = xengntshr_open(NULL, 0);
	T_ASSERT(xgs);
	T_EQ(FO_FD_BASE, xengntshr_fd(xgs));
	T_EQ(0, xengntshr_close(xgs));
	T_EQ(0, xengntshr_close(NULL));
	T_EQ(-1, xengntshr_fd(NULL));
	T_ERRNO(EINVAL);

	t_logger_init(&tlog);
	fo.fail[FO_SHR_OPEN] = ENOENT;
	T_ASSERT(!xengntshr_open(t_xtl(&tlog), 0));
	T_ERRNO(ENOENT);
	T_EQ(1, t_logged(&tlog));
	T_ASSERT(!strcmp(tlog.context, "gntshr"));
	T_ASSERT(strstr(tlog.msg, "fake gntalloc"));

	xgs = xengntshr_open(t_xtl(&tlog), 0);
	T_ASSERT(xgs);
	fo.fail[FO_SHR_CLOSE] = EIO;
	T_EQ(-1, xengntshr_close(xgs));
	T_ERRNO(EIO);
	T_EQ(1, t_logged(&tlog));
}

static void t_share(void)
{
	xengntshr_handle *xgs = t_shr_open();
	uint32_t refs[3] = { 0 }, ref = 0;
	char *p;

	T_ASSERT(xgs);
	p = xengntshr_share_pages(xgs, 3, 3, refs, 1);
	T_ASSERT(p);
	p[3 * 4096 - 1] = 1;
	T_EQ(502, refs[2]);
	T_EQ(3, fo.last_count);
	T_EQ(3, fo.last_domids[0]);
	T_EQ(1, fo.last_writable);
	T_EQ(0, fo.last_notify.action);
	T_EQ(0, xengntshr_unshare(xgs, p, 3));
	p = xengntshr_share_pages(xgs, 3, 1, refs, 0);
	T_ASSERT(p);
	T_EQ(0, fo.last_writable);
	T_EQ(0, xengntshr_unshare(xgs, p, 1));
	p = xengntshr_share_page_notify(xgs, 3, &ref, 1, 17, 4);
	T_ASSERT(p);
	T_EQ(500, ref);
	T_EQ(3, fo.last_notify.action);
	T_EQ(17, fo.last_notify.offset);
	T_EQ(4, fo.last_notify.port);
	T_EQ(0, xengntshr_unshare(xgs, p, 1));
	p = xengntshr_share_page_notify(xgs, 3, &ref, 1, 4096, T_NONE);
	T_ASSERT(p);
	T_EQ(0, fo.last_notify.action);
	T_EQ(0, xengntshr_unshare(xgs, p, 1));
	T_EQ(0, fo_live());
	T_EQ(0, t_logged(&tlog));
	T_EQ(0, xengntshr_close(xgs));
}

static void t_share_errors(void)
{
	xengntshr_handle *xgs = t_shr_open();
	uint32_t refs[2] = { 7, 7 };
	unsigned int logged = 0;
	const int counts[] = { 0, -1, -2147483647 - 1,
			       (int)XENGNTTAB_MAX_COUNT + 1 };
	unsigned int i;

	T_ASSERT(xgs);
	for (i = 0; i < 4; i++) {
		T_ASSERT(!xengntshr_share_pages(xgs, 3, counts[i], refs, 1));
		T_ERRNO(EINVAL);
		T_EQ(++logged, t_logged(&tlog));
	}
	T_ASSERT(!xengntshr_share_pages(xgs, 3, 2, NULL, 1));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(!xengntshr_share_page_notify(xgs, 3, NULL, 1, 0, 1));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(!xengntshr_share_pages(xgs, 0x10000, 2, refs, 1));
	T_ERRNO(EINVAL);
	T_EQ(++logged, t_logged(&tlog));
	T_EQ(0, fo_calls(FO_SHARE));
	T_ASSERT(!xengntshr_share_pages(NULL, 3, 2, refs, 1));
	T_ERRNO(EINVAL);

	fo.fail[FO_SHARE] = ENOSPC;
	fo.fail_what = "ioctl ALLOC_GREF";
	T_ASSERT(!xengntshr_share_pages(xgs, 3, 2, refs, 1));
	T_ERRNO(ENOSPC);
	T_EQ(++logged, t_logged(&tlog));
	T_ASSERT(strstr(tlog.msg, "ALLOC_GREF"));
	/* refs untouched on failure */
	T_EQ(7, refs[0]);

	/* unshare: never logs */
	T_EQ(-1, xengntshr_unshare(xgs, NULL, 1));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengntshr_unshare(xgs, refs, 0));
	T_ERRNO(EINVAL);
	T_EQ(-1, xengntshr_unshare(NULL, refs, 1));
	T_ERRNO(EINVAL);
	fo.fail[FO_UNSHARE] = EINVAL;
	T_EQ(-1, xengntshr_unshare(xgs, refs, 1));
	T_ERRNO(EINVAL);
	T_EQ(logged, t_logged(&tlog));
	T_EQ(0, xengntshr_close(xgs));
}

/* ------------------------------------------------------------------------
 * Threads and fork
 */

struct t_worker {
	xengnttab_handle *xgt;
	unsigned int seed;
	unsigned int ok, bad;
};

static void *t_worker_run(void *arg)
{
	struct t_worker *w = arg;
	uint32_t refs[4] = { 1, 2, 3, 4 };
	unsigned int i;

	for (i = 0; i < 400; i++) {
		uint32_t count;
		char *p;

		w->seed = w->seed * 1103515245 + 12345;
		count = 1 + (w->seed >> 8) % 4;
		if (i % 50 == 0) {
			/* A failing call now and then: logs concurrently. */
			if (!xengnttab_map_grant_refs(w->xgt, 0, refs, refs,
						      T_RW))
				w->ok++;
			continue;
		}
		p = xengnttab_map_domain_grant_refs(w->xgt, count, 1, refs,
						    T_RW);
		if (!p) {
			w->bad++;
			continue;
		}
		p[0] = (char)i;
		p[count * 4096 - 1] = (char)i;
		if (xengnttab_unmap(w->xgt, p, count))
			w->bad++;
		else
			w->ok++;
	}
	return NULL;
}

static void t_threads(void)
{
	enum { NT = 6 };
	xengnttab_handle *xgt = t_open();
	struct t_worker w[NT];
	pthread_t tid[NT];
	unsigned int i, ok = 0;

	T_ASSERT(xgt);
	for (i = 0; i < NT; i++) {
		w[i] = (struct t_worker){ .xgt = xgt, .seed = i + 1 };
		T_EQ(0, pthread_create(&tid[i], NULL, t_worker_run, &w[i]));
	}
	for (i = 0; i < NT; i++) {
		pthread_join(tid[i], NULL);
		T_EQ(0, w[i].bad);
		ok += w[i].ok;
	}
	T_EQ(NT * 400, ok);
	T_EQ(NT * 8, t_logged(&tlog));
	T_EQ(NT * 392, fo.unmap_known);
	T_EQ(0, fo.unmap_lookup);
	T_EQ(0, fo.offset_mismatch);
	T_EQ(0, fo_live());
	T_EQ(0, xgt->areas.nr);
	T_EQ(0, xengnttab_close(xgt));
}

static void t_fork_close(void)
{
	xengnttab_handle *xgt = t_open();
	int status;
	void *p;
	pid_t pid;

	T_ASSERT(xgt);
	p = xengnttab_map_grant_ref(xgt, 1, 1, T_RW);
	T_ASSERT(p);
	/* Hold the handle's lock across fork(): close must not need it. */
	pthread_mutex_lock(&xgt->lock);
	pid = fork();
	if (pid == 0)
		_exit(xengnttab_close(xgt) ? 1 : 0);
	pthread_mutex_unlock(&xgt->lock);
	T_ASSERT(pid > 0);
	T_EQ(pid, waitpid(pid, &status, 0));
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent's handle and area are untouched. */
	T_EQ(0, xengnttab_unmap(xgt, p, 1));
	T_EQ(0, xengnttab_close(xgt));
}

static const struct t_case cases[] = {
	T_CASE(t_open_null_logger),
	T_CASE(t_open_failure),
	T_CASE(t_close_never_logs),
	T_CASE(t_fd),
	T_CASE(t_toolcore_restrict),
	T_CASE(t_map_one),
	T_CASE(t_map_domids),
	T_CASE(t_map_bad_args),
	T_CASE(t_map_huge_counts),
	T_CASE(t_map_backend_failure),
	T_CASE(t_notify_edges),
	T_CASE(t_notify_failure),
	T_CASE(t_unmap_known),
	T_CASE(t_unmap_bad_args),
	T_CASE(t_unmap_unknown),
	T_CASE(t_unmap_failure_never_logs),
	T_CASE(t_table_stale_entries),
	T_CASE(t_table_many),
	T_CASE(t_set_max_grants),
	T_CASE(t_grant_copy),
	T_CASE(t_dmabuf),
	T_CASE(t_shr_open_close),
	T_CASE(t_share),
	T_CASE(t_share_errors),
	T_CASE(t_threads),
	T_CASE(t_fork_close),
};

int main(int argc, char **argv)
{
	return t_run("test-core: core + fake backend", cases,
		     sizeof(cases) / sizeof(cases[0]),
		     argc > 1 ? argv[1] : NULL);
}
