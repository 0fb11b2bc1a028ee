// SPDX-License-Identifier: GPL-2.0
/*
 * lab-libgnttab - libxengnttab against the real drivers, as root in dom0
 *
 * dom0 shares pages with itself through xengntshr_* (gntalloc) and maps
 * them back through xengnttab_* (gntdev), so every public function runs
 * against real devices with no second domain: data is checked both ways,
 * unmap notifications by the cleared byte and by the event delivered on a
 * loopback event channel (the lab library's), grant copy by the bytes
 * copied, and the error paths by their return value, errno and log lines.
 * Works with the stock xen-gntdev and with the gntdev project's driver.
 *
 * Built statically against our library and the lab library
 * (tools/tests/lab/src: make libgnttab) for the lab's busybox dom0;
 * reports through the lab library: TAP-like lines and "N passed, N
 * failed", exit 0 only if everything passed. Every area is unmapped
 * before exit, so the lab's grant-leak check must find nothing.
 *
 * "lab-libgnttab -x PROG" grants a pool of pages with gntalloc, then runs
 * PROG (lab-libgnttab32, the i386 build) with the pool in its environment:
 * Linux's gntalloc has no compat_ioctl, so a 32-bit process cannot share,
 * but it can mmap() the pool's pages through the inherited descriptor and
 * map their grants through xengnttab_*, which is what the 32-bit run is
 * for. Only the tests of xengntshr_share_page_notify() and of the event
 * channel (no compat_ioctl either) then differ from the 64-bit run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* Xen's headers before lab.h, which defines what they lack. */
#include <xengnttab.h>
#include <xentoollog.h>
#include <xentoolcore.h>

#include "lab.h"

#define L_RW (PROT_READ | PROT_WRITE)
#define L_NONE ((uint32_t)-1)
/* Not an event channel bound through this kernel's evtchn driver. */
#define L_BAD_PORT 0xffff0U

/* ------------------------------------------------------------------------
 * A logger that counts what the library reports, and shows it.
 */

struct l_logger {
	xentoollog_logger vtable;
	unsigned int count; /* atomic: the threads test logs too */
};

static void l_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
		       int errnoval, const char *context, const char *format,
		       va_list al)
{
	struct l_logger *l = (struct l_logger *)logger;
	char msg[256];

	vsnprintf(msg, sizeof(msg), format, al);
	__atomic_add_fetch(&l->count, 1, __ATOMIC_SEQ_CST);
	printf("# log: %s: %s: %s (%s)\n", xtl_level_to_string(level),
	       context ? context : "-", msg, lab_errname(errnoval));
}

static void l_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static struct l_logger llog = {
	.vtable = { .vmessage = l_vmessage, .destroy = l_destroy },
};

/*
 * Lines logged since the last call: a test calls it before the call whose
 * logging it checks, and again after.
 */
static unsigned int l_logs(void)
{
	return __atomic_exchange_n(&llog.count, 0, __ATOMIC_SEQ_CST);
}

/* ------------------------------------------------------------------------
 * Helpers
 */

static xengnttab_handle *xgt;
static xengntshr_handle *xgs;

/*
 * The pool a 64-bit parent grants for a 32-bit run (-x): L_POOL_RW
 * writable pages and one read-only, named in the environment as
 * "FD RW-INDEX RO-INDEX REF..." (the gntalloc file, inherited).
 */
#define L_POOL_ENV "LAB_LIBGNTTAB_POOL"
#define L_POOL_RW 80
static struct lab_pool pool_rw, pool_ro;
/* The tests share the pool's pages, not pages of xengntshr's. */
static bool pooled;

static void l_pool_take(void)
{
	const char *env = getenv(L_POOL_ENV);
	unsigned long long rw, ro;
	__u32 refs[L_POOL_RW + 1];
	char *end;
	int fd, ret;

	if (!env)
		return;
	fd = strtol(env, &end, 10);
	rw = strtoull(end, &end, 10);
	ro = strtoull(end, &end, 10);
	for (int i = 0; i <= L_POOL_RW; i++)
		refs[i] = strtoul(end, &end, 10);
	ret = lab_pool_attach(&pool_rw, fd, rw, refs, L_POOL_RW);
	if (!ret)
		ret = lab_pool_attach(&pool_ro, fd, ro, refs + L_POOL_RW, 1);
	if (ret) {
		errno = -ret;
		lab_die_errno(1, "mmap of the pool in %s", L_POOL_ENV);
	}
	pooled = true;
}

/*
 * Pages shared with dom0 for a test: through xengntshr, or, in a 32-bit
 * run, the pool's (the first @count writable ones, or the read-only one).
 */
static void *l_share(uint32_t count, uint32_t *refs, int writable)
{
	struct lab_pool *p = writable ? &pool_rw : &pool_ro;

	if (!pooled)
		return xengntshr_share_pages(xgs, 0, count, refs, writable);
	if (count > p->n)
		return NULL;
	memcpy(refs, p->refs, count * sizeof(*refs));
	return (void *)p->mem;
}

/* Writable pages for the tests of @what; NULL and a failed check if none. */
static void *l_share_for(uint32_t count, uint32_t *refs, const char *what)
{
	void *s = l_share(count, refs, 1);

	if (!s)
		lab_fail(NULL, "share for the %s", what);
	return s;
}

static int l_unshare(void *p, uint32_t count)
{
	/* The pool stays mapped and granted for the next test. */
	return pooled ? 0 : xengntshr_unshare(xgs, p, count);
}

/* -x PROG: grant the pool, run PROG with it, return PROG's status. */
static int l_pool_run(const char *prog)
{
	char env[16 * (L_POOL_RW + 4)];
	int fd = lab_gntalloc(), status, len, ret;
	pid_t pid;

	/* One request per kind: gntalloc grants all of one alike. */
	ret = fd < 0 ? fd : lab_pool_grant(&pool_rw, L_POOL_RW, 0, true);
	if (!ret)
		ret = lab_pool_grant(&pool_ro, 1, 0, false);
	if (ret) {
		errno = -ret;
		lab_die_errno(1, "-x: gntalloc pool");
	}
	len = snprintf(env, sizeof(env), "%d %llu %llu", fd,
		       (unsigned long long)pool_rw.req->index,
		       (unsigned long long)pool_ro.req->index);
	for (int i = 0; i < L_POOL_RW; i++)
		len += snprintf(env + len, sizeof(env) - len, " %u",
				pool_rw.refs[i]);
	snprintf(env + len, sizeof(env) - len, " %u", pool_ro.refs[0]);
	/* lab_gntalloc()'s file is close-on-exec; PROG needs it. */
	if (setenv(L_POOL_ENV, env, 1) || fcntl(fd, F_SETFD, 0) < 0)
		lab_die_errno(1, "-x: passing the pool on");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		lab_die_errno(1, "-x: running %s", prog);
	lab_pool_put(&pool_rw);
	lab_pool_put(&pool_ro);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void l_fill(uint8_t *p, size_t pages, uint32_t seed)
{
	for (size_t i = 0; i < pages * LAB_PAGE_SIZE; i++)
		p[i] = (uint8_t)(seed + i * 7 + i / LAB_PAGE_SIZE);
}

static bool l_same(const uint8_t *a, const uint8_t *b, size_t pages)
{
	return !memcmp(a, b, pages * LAB_PAGE_SIZE);
}

static bool l_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

/* Expect @p == NULL with errno set and one line logged. */
static void l_expect_fail_logged(void *p, const char *what)
{
	int err = errno;

	lab_check(!p && err && l_logs() == 1, NULL,
		  "%s fails (%s) and logs once", what,
		  p ? "mapped!" : lab_errname(err));
}

/* ------------------------------------------------------------------------
 * Tests
 */

static void l_open(void)
{
	xgt = xengnttab_open(&llog.vtable, 0);
	lab_check(xgt != NULL, NULL, "xengnttab_open (%s)",
		  xgt ? "ok" : lab_errname(errno));
	xgs = xengntshr_open(&llog.vtable, 0);
	lab_check(xgs != NULL, NULL, "xengntshr_open (%s)",
		  xgs ? "ok" : lab_errname(errno));
	if (!xgt || !xgs)
		exit(lab_tap_summary());
	lab_check(xengnttab_fd(xgt) >= 0 && l_cloexec(xengnttab_fd(xgt)), NULL,
		  "xengnttab_fd is open, close-on-exec");
	lab_check(xengntshr_fd(xgs) >= 0 && l_cloexec(xengntshr_fd(xgs)), NULL,
		  "xengntshr_fd is open, close-on-exec");
	lab_check(xengnttab_set_max_grants(xgt, 4096) == 0, NULL,
		  "xengnttab_set_max_grants(4096) succeeds");
	lab_check(l_logs() == 0, NULL, "nothing logged so far");
}

static void l_one_page(void)
{
	uint8_t want[LAB_PAGE_SIZE];
	uint8_t *s, *m;
	uint32_t ref = 0;

	s = l_share(1, &ref, 1);
	lab_check(s != NULL, NULL, "share 1 page with dom0 (ref %u)", ref);
	if (!s)
		return;
	l_fill(s, 1, 1);
	memcpy(want, s, LAB_PAGE_SIZE);
	m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
	lab_check(m != NULL, NULL, "map_grant_ref of it (%s)",
		  m ? "ok" : lab_errname(errno));
	if (m) {
		lab_check(l_same(m, want, 1), NULL,
			  "mapping shows the shared data");
		l_fill(m, 1, 2);
		lab_check(l_same(s, m, 1), NULL,
			  "data written to the map reaches the sharer");
		lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL, "unmap");
	}
	lab_check(l_unshare(s, 1) == 0, NULL, "unshare");
}

static void l_many_pages(void)
{
	enum { N = 80 };
	static uint32_t refs[N], domids[N];
	uint32_t bad[4];
	uint8_t *s, *m;

	s = l_share(N, refs, 1);
	lab_check(s != NULL, NULL, "share %d pages", N);
	if (!s)
		return;
	l_fill(s, N, 3);
	m = xengnttab_map_grant_refs(xgt, 4, domids, refs, L_RW);
	lab_check(m && l_same(m, s, 4), NULL,
		  "map_grant_refs of 4, per-grant domids");
	if (m)
		lab_check(xengnttab_unmap(xgt, m, 4) == 0, NULL, "unmap 4");
	/* More grants than fit a request on the stack. */
	m = xengnttab_map_domain_grant_refs(xgt, N, 0, refs, PROT_READ);
	lab_check(m && l_same(m, s, N), NULL,
		  "map_domain_grant_refs of %d, read-only", N);
	if (m)
		lab_check(xengnttab_unmap(xgt, m, N) == 0, NULL, "unmap %d", N);
	/* All or nothing: one bad grant of four. */
	memcpy(bad, refs, sizeof(bad));
	bad[2] = LAB_NEVER_GRANTED;
	l_logs();
	m = xengnttab_map_domain_grant_refs(xgt, 4, 0, bad, L_RW);
	l_expect_fail_logged(m, "map of 4 with one bad grant");
	m = xengnttab_map_domain_grant_refs(xgt, 4, 0, refs, L_RW);
	lab_check(m && l_same(m, s, 4), NULL,
		  "the good grants map fine afterwards");
	if (m)
		xengnttab_unmap(xgt, m, 4);
	lab_check(l_unshare(s, N) == 0, NULL, "unshare %d", N);
}

static void l_read_only(void)
{
	uint8_t *s, *m;
	uint32_t ref;

	s = l_share(1, &ref, 0);
	lab_check(s != NULL, NULL, "share a page read-only");
	if (!s)
		return;
	l_fill(s, 1, 4);
	l_logs();
	m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
	l_expect_fail_logged(m, "writable map of a read-only grant");
	if (m)
		xengnttab_unmap(xgt, m, 1);
	m = xengnttab_map_grant_ref(xgt, 0, ref, PROT_READ);
	lab_check(m && l_same(m, s, 1), NULL,
		  "read-only map of it shows the data");
	if (m)
		xengnttab_unmap(xgt, m, 1);
	l_unshare(s, 1);
}

static void l_notify(void)
{
	struct lab_evtchn_pair e = { .rx_fd = -1, .tx_fd = -1 };
	uint8_t *s, *m;
	uint32_t ref;
	bool ev;
	int ret;

	s = l_share_for(1, &ref, "notify tests");
	if (!s)
		return;
	/* Clear a byte. */
	s[100] = 0xaa;
	s[101] = 0xbb;
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, 100, L_NONE);
	lab_check(m != NULL, NULL, "map_grant_ref_notify, clear byte 100");
	if (m) {
		lab_check(s[100] == 0xaa, NULL, "byte still set while mapped");
		xengnttab_unmap(xgt, m, 1);
		lab_check(s[100] == 0 && s[101] == 0xbb, NULL,
			  "unmap cleared byte 100 only (%#x %#x)", s[100],
			  s[101]);
	}
	/* Offset out of the page: no notification, map still works. */
	s[0] = 0xcc;
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, LAB_PAGE_SIZE,
					   L_NONE);
	lab_check(m != NULL, NULL, "notify offset 4096 means none");
	if (m) {
		xengnttab_unmap(xgt, m, 1);
		lab_check(s[0] == 0xcc, NULL, "nothing cleared (byte 0: %#x)",
			  s[0]);
	}
	/* Send an event. */
	ret = lab_evtchn_pair_open(&e);
	ev = lab_check(!ret, lab_errname(-ret),
		       "loopback event channel %u -> %u", e.tx, e.rx);
	if (ev) {
		m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, L_NONE,
						   e.tx);
		lab_check(m != NULL, NULL,
			  "map_grant_ref_notify, event on port %u", e.tx);
		if (m) {
			lab_check(lab_evtchn_wait(&e, 100) == 0, NULL,
				  "no event while mapped");
			xengnttab_unmap(xgt, m, 1);
			lab_check(lab_evtchn_wait(&e, 2000) > 0, NULL,
				  "unmap sent the event");
		}
	}
	/* A port evtchn never bound: refused, nothing mapped. */
	l_logs();
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, 0, L_BAD_PORT);
	l_expect_fail_logged(m, "notify on an unbound port");
	/* A byte to clear in a read-only mapping. */
	l_logs();
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, PROT_READ, 0, L_NONE);
	if (m) {
		/* Some drivers accept it (the byte is never cleared). */
		lab_note(
			"read-only map with clear-byte accepted by this driver");
		xengnttab_unmap(xgt, m, 1);
		lab_check(l_logs() == 0, NULL, "and nothing was logged");
	} else {
		l_expect_fail_logged(m, "read-only map with a byte to clear");
	}
	l_unshare(s, 1);

	/* The sharer's side: its notification fires when it unshares. */
	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 200,
					ev ? e.tx : L_NONE);
	lab_check(s != NULL, lab_errname(errno),
		  "share_page_notify, byte 200%s", ev ? " and event" : "");
	if (s) {
		m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
		lab_check(m != NULL, NULL, "peer maps it");
		s[200] = 1;
		xengntshr_unshare(xgs, s, 1);
		if (m) {
			lab_check(m[200] == 0, NULL,
				  "unshare cleared the byte the peer sees");
			xengnttab_unmap(xgt, m, 1);
		}
		if (ev)
			lab_check(lab_evtchn_wait(&e, 2000) > 0, NULL,
				  "unshare sent the event");
	}
	l_logs();
	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 0, L_BAD_PORT);
	l_expect_fail_logged(s, "share_page_notify on an unbound port");
	if (s)
		xengntshr_unshare(xgs, s, 1);
	lab_evtchn_pair_close(&e);
}

static void l_copy(void)
{
	xengnttab_grant_copy_segment_t seg[3];
	static char local[2 * LAB_PAGE_SIZE];
	char back[64];
	uint8_t *s;
	uint32_t ref;
	int rc;

	rc = xengnttab_grant_copy(xgt, 0, NULL);
	lab_check(rc == 0, NULL, "grant_copy(0, NULL) probe succeeds");
	s = l_share_for(1, &ref, "copy tests");
	if (!s)
		return;
	memset(s, 0, LAB_PAGE_SIZE);
	memset(local, 'x', sizeof(local));
	memcpy(local + LAB_PAGE_SIZE - 6, "across a page", 13);
	memset(seg, 0, sizeof(seg));
	seg[0].source.virt = local + LAB_PAGE_SIZE - 6;
	seg[0].dest.foreign.ref = ref;
	seg[0].dest.foreign.domid = 0;
	seg[0].dest.foreign.offset = 300;
	seg[0].len = 13;
	seg[0].flags = GNTCOPY_dest_gref;
	seg[1].source.foreign.ref = ref;
	seg[1].source.foreign.domid = 0;
	seg[1].source.foreign.offset = 300;
	seg[1].dest.virt = back;
	seg[1].len = 13;
	seg[1].flags = GNTCOPY_source_gref;
	seg[2] = seg[1];
	seg[2].source.foreign.ref = LAB_NEVER_GRANTED;
	rc = xengnttab_grant_copy(xgt, 3, seg);
	lab_check(rc == 0, NULL, "grant_copy of 3 segments (%s)",
		  rc ? lab_errname(errno) : "ok");
	if (!rc) {
		lab_check(seg[0].status == GNTST_okay &&
				  !memcmp(s + 300, "across a page", 13),
			  NULL, "local -> grant copied (status %d)",
			  seg[0].status);
		lab_check(seg[1].status == GNTST_okay &&
				  !memcmp(back, "across a page", 13),
			  NULL, "grant -> local copied (status %d)",
			  seg[1].status);
		lab_check(seg[2].status != GNTST_okay, NULL,
			  "bad reference: status %d, call still succeeds",
			  seg[2].status);
	}
	l_logs();
	seg[2].flags = 0;
	rc = xengnttab_grant_copy(xgt, 3, seg);
	lab_check(rc == -1 && errno == EINVAL && l_logs() == 1, NULL,
		  "segment without a grant side: EINVAL, logged once");
	l_unshare(s, 1);
}

/* Map a page with raw ioctl + mmap on the library's descriptor. */
static void *l_raw_map(uint32_t ref)
{
	int fd = xengnttab_fd(xgt);
	__u64 off;
	void *p;

	if (lab_map(fd, &ref, 1, 0, &off))
		return NULL;
	p = lab_mmap(NULL, 1, L_RW, MAP_SHARED, fd, off);
	if (!p)
		lab_unmap(fd, off, 1);
	return p;
}

static void l_unmap_errors(void)
{
	uint32_t refs[2];
	uint8_t *s, *m;
	void *heap;

	s = l_share_for(2, refs, "unmap tests");
	if (!s)
		return;
	l_fill(s, 2, 5);
	m = xengnttab_map_domain_grant_refs(xgt, 2, 0, refs, L_RW);
	lab_check(m != NULL, NULL, "map 2");
	if (m) {
		l_logs();
		lab_check(xengnttab_unmap(xgt, NULL, 2) == -1 &&
				  errno == EINVAL,
			  NULL, "unmap(NULL): EINVAL");
		lab_check(xengnttab_unmap(xgt, m, 1) == -1 && errno == EINVAL,
			  NULL, "unmap with the wrong count: EINVAL");
		lab_check(xengnttab_unmap(xgt, m + LAB_PAGE_SIZE, 1) == -1 &&
				  errno == EINVAL,
			  NULL, "unmap inside an area: EINVAL");
		lab_check(l_same(m, s, 2), NULL,
			  "area intact after the bad unmaps");
		lab_check(l_logs() == 0, NULL, "unmap never logs");
		lab_check(xengnttab_unmap(xgt, m, 2) == 0, NULL, "unmap 2");
	}
	heap = malloc(2 * LAB_PAGE_SIZE);
	lab_check(heap && xengnttab_unmap(xgt, heap, 1) == -1 &&
			  errno == EINVAL,
		  NULL, "unmap of malloc()ed memory: EINVAL (driver lookup)");
	free(heap);
	/* Mapped behind the library's back: it asks the driver. */
	m = l_raw_map(refs[1]);
	lab_check(m != NULL, NULL, "raw ioctl + mmap on xengnttab_fd");
	if (m) {
		lab_check(m[7] == s[LAB_PAGE_SIZE + 7], NULL,
			  "raw map shows the data");
		lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL,
			  "xengnttab_unmap of it (GET_OFFSET path)");
	}
	l_unshare(s, 2);
}

static void l_map_errors(void)
{
	uint32_t ref = 1;
	void *m;

	l_logs();
	m = xengnttab_map_grant_ref(xgt, 0, LAB_NEVER_GRANTED, L_RW);
	l_expect_fail_logged(m, "map of an ungranted reference");
	l_logs();
	m = xengnttab_map_domain_grant_refs(xgt, 0, 0, &ref, L_RW);
	lab_check(!m && errno == EINVAL && l_logs() == 1, NULL,
		  "map of 0 grants: EINVAL, logged");
	l_logs();
	m = xengnttab_map_domain_grant_refs(xgt, UINT32_MAX, 0, &ref, L_RW);
	lab_check(!m && errno == EINVAL && l_logs() == 1, NULL,
		  "map of 2^32-1 grants: EINVAL, logged");
	l_logs();
	m = xengntshr_share_pages(xgs, 0, 0, &ref, 1);
	lab_check(!m && errno == EINVAL && l_logs() == 1, NULL,
		  "share of 0 pages: EINVAL, logged");
	lab_check(xengntshr_unshare(xgs, NULL, 1) == -1 && errno == EINVAL,
		  NULL, "unshare(NULL): EINVAL");
}

static void l_dmabuf(void)
{
	uint32_t ref, fd = 0, out;
	uint8_t *s;
	int rc;

	s = l_share_for(1, &ref, "dma-buf tests");
	if (!s)
		return;
	l_logs();
	rc = xengnttab_dmabuf_exp_from_refs(xgt, 0, 0, 1, &ref, &fd);
	if (rc == 0) {
		lab_pass("dmabuf_exp_from_refs: exported as fd %u", fd);
		close(fd);
		rc = xengnttab_dmabuf_exp_wait_released(xgt, fd, 2000);
		lab_check(rc == 0, NULL, "dmabuf_exp_wait_released (%s)",
			  rc ? lab_errname(errno) : "ok");
	} else {
		lab_check(errno && l_logs() == 1, NULL,
			  "dmabuf_exp_from_refs unsupported here: -1, %s, "
			  "logged once, no abort",
			  lab_errname(errno));
	}
	l_logs();
	rc = xengnttab_dmabuf_exp_wait_released(xgt, 123456, 1);
	lab_check(rc == 0 || (errno && l_logs() == 1), NULL,
		  "dmabuf_exp_wait_released of an unknown buffer: %s",
		  rc ? lab_errname(errno) : "0 (ENOENT is success)");
	l_logs();
	rc = xengnttab_dmabuf_imp_to_refs(xgt, 0, 123456, 1, &out);
	lab_check(rc == -1 && errno && l_logs() == 1, NULL,
		  "dmabuf_imp_to_refs of a bad fd: -1, %s, logged",
		  lab_errname(errno));
	l_logs();
	rc = xengnttab_dmabuf_imp_release(xgt, 123456);
	lab_check(rc == -1 && errno && l_logs() == 1, NULL,
		  "dmabuf_imp_release of a bad fd: -1, %s, logged",
		  lab_errname(errno));
	l_logs();
	rc = xengnttab_dmabuf_exp_from_refs(xgt, 0, 0, 0, &ref, &fd);
	lab_check(rc == -1 && errno == EINVAL && l_logs() == 1, NULL,
		  "dmabuf export of 0 grants: EINVAL");
	l_unshare(s, 1);
}

struct l_worker {
	uint32_t *refs;
	const uint8_t *shared;
	unsigned int id, bad;
};

static void *l_worker_run(void *arg)
{
	struct l_worker *w = arg;

	for (unsigned int i = 0; i < 100; i++) {
		uint32_t n = 1 + (i + w->id) % 4;
		uint8_t *m = xengnttab_map_domain_grant_refs(xgt, n, 0, w->refs,
							     PROT_READ);

		if (!m || !l_same(m, w->shared, n) ||
		    xengnttab_unmap(xgt, m, n))
			w->bad++;
	}
	return NULL;
}

static void l_threads(void)
{
	enum { NT = 4 };
	struct l_worker w[NT];
	pthread_t tid[NT];
	unsigned int bad = 0;
	uint32_t refs[4];
	uint8_t *s;

	s = l_share_for(4, refs, "thread test");
	if (!s)
		return;
	l_fill(s, 4, 6);
	for (unsigned int i = 0; i < NT; i++) {
		w[i] = (struct l_worker){ .refs = refs, .shared = s, .id = i };
		pthread_create(&tid[i], NULL, l_worker_run, &w[i]);
	}
	for (unsigned int i = 0; i < NT; i++) {
		pthread_join(tid[i], NULL);
		bad += w[i].bad;
	}
	lab_check(bad == 0, NULL,
		  "%d threads x 100 map/unmap on one handle (%u bad)", NT, bad);
	l_unshare(s, 4);
}

static void l_fork(void)
{
	int status = -1;
	uint32_t ref;
	uint8_t *s, *m;
	pid_t pid;

	s = l_share(1, &ref, 1);
	m = s ? xengnttab_map_grant_ref(xgt, 0, ref, L_RW) : NULL;
	pid = fork();
	if (pid == 0)
		_exit(xengnttab_close(xgt) || xengntshr_close(xgs) ? 1 : 0);
	if (pid > 0)
		waitpid(pid, &status, 0);
	lab_check(pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status), NULL,
		  "a forked child closes the inherited handles");
	if (m) {
		m[0] = 0x5a;
		lab_check(s[0] == 0x5a, NULL,
			  "the parent's handle and map still work");
		lab_check(xengnttab_unmap(xgt, m, 1) == 0, NULL, "and unmap");
	}
	if (s)
		l_unshare(s, 1);
}

static void l_speed(void)
{
	unsigned int i, n = 2000;
	uint32_t ref;
	uint8_t *s;
	double t;

	s = l_share(1, &ref, 1);
	if (!s)
		return;
	t = lab_now();
	for (i = 0; i < n; i++) {
		void *m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);

		if (!m || xengnttab_unmap(xgt, m, 1))
			break;
	}
	t = lab_now() - t;
	lab_check(i == n, NULL, "%u map+unmap cycles", n);
	lab_note("map+unmap: %.1f us per cycle (4 system calls each)",
		 t / n * 1e6);
	l_unshare(s, 1);
}

static void l_close_and_restrict(void)
{
	xengnttab_handle *h;
	uint32_t ref = 1;
	void *m;
	int err;

	lab_check(xengnttab_close(xgt) == 0, NULL, "xengnttab_close");
	lab_check(xengntshr_close(xgs) == 0, NULL, "xengntshr_close");
	lab_check(xengnttab_close(NULL) == 0 && xengntshr_close(NULL) == 0,
		  NULL, "close(NULL) is a no-op");
	/* libxentoolcore can disable a live handle. */
	h = xengnttab_open(&llog.vtable, 0);
	if (!h) {
		lab_fail(NULL, "reopen for xentoolcore_restrict_all");
		return;
	}
	lab_check(xentoolcore_restrict_all(0) == 0, NULL,
		  "xentoolcore_restrict_all");
	l_logs();
	m = xengnttab_map_grant_ref(h, 0, ref, L_RW);
	err = errno;
	lab_check(!m && l_logs() == 1, NULL,
		  "a restricted handle cannot map (%s)", lab_errname(err));
	lab_check(xengnttab_close(h) == 0, NULL, "and still closes");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "-x"))
		return l_pool_run(argv[2]);
	l_pool_take();
	l_open();
	l_one_page();
	l_many_pages();
	l_read_only();
	l_notify();
	l_copy();
	l_unmap_errors();
	l_map_errors();
	l_dmabuf();
	l_threads();
	l_fork();
	l_speed();
	l_close_and_restrict();
	return lab_tap_summary();
}
