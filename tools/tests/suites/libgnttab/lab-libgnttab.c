// SPDX-License-Identifier: LGPL-2.1-only
/*
 * lab-libgnttab - libxengnttab against the real drivers, as root in dom0
 *
 * dom0 shares pages with itself through xengntshr_* (gntalloc) and maps
 * them back through xengnttab_* (gntdev), so every public function runs
 * against real devices with no second domain: data is checked both ways,
 * unmap notifications by the cleared byte and by the event delivered on a
 * loopback event channel (/dev/xen/evtchn), grant copy by the bytes
 * copied, and the error paths by their return value, errno and log lines.
 * Works with the stock xen-gntdev and with the gntdev project's driver.
 *
 * Built statically against the library (tools/tests/lab/src: make libgnttab)
 * for the lab's busybox dom0. Prints TAP-like lines and "N passed, N
 * failed"; exits 0 only if everything passed. Every area is unmapped
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
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <xengnttab.h>
#include <xentoollog.h>
#include <xentoolcore.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>

#include <xen/public/gntdev.h>
#include "../../include/t-harness.h"

#define L_RW (PROT_READ | PROT_WRITE)
#define L_NONE ((uint32_t)-1)
#define L_PAGE 4096
/* A reference far above any grant table dom0 has: never granted. */
#define L_BAD_REF 0xfffff0U
/* Not an event channel bound through this kernel's evtchn driver. */
#define L_BAD_PORT 0xffff0U

static const char *l_err(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* ------------------------------------------------------------------------
 * A logger that counts what the library reports, and shows it.
 */

struct l_logger {
	xentoollog_logger vtable;
	pthread_mutex_t lock;
	unsigned int count;
};

static void l_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
		       int errnoval, const char *context, const char *format,
		       va_list al)
{
	struct l_logger *l = (struct l_logger *)logger;
	char msg[256];

	vsnprintf(msg, sizeof(msg), format, al);
	pthread_mutex_lock(&l->lock);
	l->count++;
	pthread_mutex_unlock(&l->lock);
	printf("# log: %s: %s: %s (%s)\n", xtl_level_to_string(level),
	       context ? context : "-", msg, l_err(errnoval));
}

static void l_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static struct l_logger llog = {
	.vtable = { .vmessage = l_vmessage, .destroy = l_destroy },
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static unsigned int l_logged(void)
{
	unsigned int n;

	pthread_mutex_lock(&llog.lock);
	n = llog.count;
	pthread_mutex_unlock(&llog.lock);
	return n;
}

/* ------------------------------------------------------------------------
 * Helpers
 */

static xengnttab_handle *xgt;
static xengntshr_handle *xgs;

/*
 * The pool a 64-bit parent granted (-x), in the environment as
 * "FD INDEX REF..." : L_POOL_RW writable pages, then one read-only.
 */
#define L_POOL_ENV "LAB_LIBGNTTAB_POOL"
enum { L_POOL_RW = 80, L_POOL = L_POOL_RW + 1 };
static struct {
	int fd;
	uint64_t index;
	uint32_t refs[L_POOL];
} pool = { .fd = -1 };

static bool l_pool_take(void)
{
	const char *env = getenv(L_POOL_ENV);
	char *end;

	if (!env)
		return false;
	pool.fd = strtol(env, &end, 10);
	pool.index = strtoull(end, &end, 10);
	for (int i = 0; i < L_POOL; i++)
		pool.refs[i] = strtoul(end, &end, 10);
	return true;
}

/*
 * Pages shared with dom0 for a test: through xengntshr, or, in a 32-bit
 * run, the pool's (the first @count writable ones, or the read-only one).
 */
static void *l_share(uint32_t count, uint32_t *refs, int writable)
{
	uint64_t first = writable ? 0 : L_POOL_RW;
	void *p;

	if (pool.fd < 0)
		return xengntshr_share_pages(xgs, 0, count, refs, writable);
	if (count > (writable ? L_POOL_RW : 1))
		return NULL;
	p = mmap(NULL, count * L_PAGE, L_RW, MAP_SHARED, pool.fd,
		 pool.index + first * L_PAGE);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(refs, &pool.refs[first], count * sizeof(*refs));
	return p;
}

static int l_unshare(void *p, uint32_t count)
{
	if (pool.fd < 0)
		return xengntshr_unshare(xgs, p, count);
	return munmap(p, count * L_PAGE);
}

/* -x PROG: grant the pool, run PROG with it, return PROG's status. */
static int l_pool_run(const char *prog)
{
	struct ioctl_gntalloc_alloc_gref *op;
	char env[16 * (L_POOL + 2)];
	int fd, status, len, i;
	uint64_t first;
	pid_t pid;

	fd = open("/dev/xen/gntalloc", O_RDWR);
	op = calloc(1, sizeof(*op) + L_POOL * sizeof(op->gref_ids[0]));
	if (fd < 0 || !op)
		return 1;
	/* One request per kind: gntalloc grants all of one alike. */
	op->flags = GNTALLOC_FLAG_WRITABLE;
	op->count = L_POOL_RW;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op))
		goto fail;
	len = snprintf(env, sizeof(env), "%d %llu", fd,
		       (unsigned long long)op->index);
	for (i = 0; i < L_POOL_RW; i++)
		len += snprintf(env + len, sizeof(env) - len, " %u",
				op->gref_ids[i]);
	first = op->index;
	op->flags = 0;
	op->count = 1;
	/* The read-only page must follow the writable ones in the file. */
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op) ||
	    op->index != first + L_POOL_RW * L_PAGE)
		goto fail;
	snprintf(env + len, sizeof(env) - len, " %u", op->gref_ids[0]);
	setenv(L_POOL_ENV, env, 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		goto fail;
	free(op);
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;

fail:
	perror("lab-libgnttab -x: gntalloc pool");
	free(op);
	close(fd);
	return 1;
}

static void l_fill(uint8_t *p, size_t pages, uint32_t seed)
{
	for (size_t i = 0; i < pages * L_PAGE; i++)
		p[i] = (uint8_t)(seed + i * 7 + i / L_PAGE);
}

static bool l_same(const uint8_t *a, const uint8_t *b, size_t pages)
{
	return !memcmp(a, b, pages * L_PAGE);
}

static bool l_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

/* A loopback event channel: events sent on *send arrive on *listen. */
static int l_evtchn_pair(uint32_t *listen, uint32_t *send)
{
	struct ioctl_evtchn_bind_unbound_port unbound = { .remote_domain = 0 };
	struct ioctl_evtchn_bind_interdomain inter = { .remote_domain = 0 };
	int fd, ret;

	fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &unbound);
	if (ret < 0)
		goto out_close;
	*listen = ret;
	inter.remote_port = *listen;
	ret = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &inter);
	if (ret < 0)
		goto out_close;
	*send = ret;
	return fd;

out_close:
	close(fd);
	return -1;
}

/* Did an event arrive on @port within @ms? */
static bool l_evtchn_wait(int fd, uint32_t port, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t ports[16];
	bool seen = false;
	ssize_t got;

	if (poll(&pfd, 1, ms) <= 0)
		return false;
	got = read(fd, ports, sizeof(ports));
	for (ssize_t i = 0; i < got / (ssize_t)sizeof(ports[0]); i++) {
		seen |= ports[i] == port;
		/* Unmask the port again. */
		if (write(fd, &ports[i], sizeof(ports[i])) < 0)
			t_note("evtchn unmask failed: %s", l_err(errno));
	}
	return seen;
}

/* Expect @p == NULL with errno set and one log line more than @logged. */
static void l_expect_fail_logged(void *p, unsigned int logged, const char *what)
{
	int err = errno;

	t_check(!p && err && l_logged() == logged + 1,
		"%s fails (%s) and logs once", what,
		p ? "mapped!" : l_err(err));
}

/* ------------------------------------------------------------------------
 * Tests
 */

static void l_open(void)
{
	xgt = xengnttab_open(&llog.vtable, 0);
	t_check(xgt != NULL, "xengnttab_open (%s)", xgt ? "ok" : l_err(errno));
	xgs = xengntshr_open(&llog.vtable, 0);
	t_check(xgs != NULL, "xengntshr_open (%s)", xgs ? "ok" : l_err(errno));
	if (!xgt || !xgs)
		exit(t_summary());
	t_check(xengnttab_fd(xgt) >= 0 && l_cloexec(xengnttab_fd(xgt)),
		"xengnttab_fd is open, close-on-exec");
	t_check(xengntshr_fd(xgs) >= 0 && l_cloexec(xengntshr_fd(xgs)),
		"xengntshr_fd is open, close-on-exec");
	t_check(xengnttab_set_max_grants(xgt, 4096) == 0,
		"xengnttab_set_max_grants(4096) succeeds");
	t_check(l_logged() == 0, "nothing logged so far");
}

static void l_one_page(void)
{
	uint8_t want[L_PAGE];
	uint8_t *s, *m;
	uint32_t ref = 0;

	s = l_share(1, &ref, 1);
	t_check(s != NULL, "share 1 page with dom0 (ref %u)", ref);
	if (!s)
		return;
	l_fill(s, 1, 1);
	memcpy(want, s, L_PAGE);
	m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
	t_check(m != NULL, "map_grant_ref of it (%s)", m ? "ok" : l_err(errno));
	if (m) {
		t_check(l_same(m, want, 1), "mapping shows the shared data");
		l_fill(m, 1, 2);
		t_check(l_same(s, m, 1),
			"data written to the map reaches the sharer");
		t_check(xengnttab_unmap(xgt, m, 1) == 0, "unmap");
	}
	t_check(l_unshare(s, 1) == 0, "unshare");
}

static void l_many_pages(void)
{
	enum { N = 80 };
	static uint32_t refs[N], domids[N];
	uint32_t bad[4];
	unsigned int logged;
	uint8_t *s, *m;

	s = l_share(N, refs, 1);
	t_check(s != NULL, "share %d pages", N);
	if (!s)
		return;
	l_fill(s, N, 3);
	m = xengnttab_map_grant_refs(xgt, 4, domids, refs, L_RW);
	t_check(m && l_same(m, s, 4), "map_grant_refs of 4, per-grant domids");
	if (m)
		t_check(xengnttab_unmap(xgt, m, 4) == 0, "unmap 4");
	/* More grants than fit a request on the stack. */
	m = xengnttab_map_domain_grant_refs(xgt, N, 0, refs, PROT_READ);
	t_check(m && l_same(m, s, N), "map_domain_grant_refs of %d, read-only",
		N);
	if (m)
		t_check(xengnttab_unmap(xgt, m, N) == 0, "unmap %d", N);
	/* All or nothing: one bad grant of four. */
	memcpy(bad, refs, sizeof(bad));
	bad[2] = L_BAD_REF;
	logged = l_logged();
	m = xengnttab_map_domain_grant_refs(xgt, 4, 0, bad, L_RW);
	l_expect_fail_logged(m, logged, "map of 4 with one bad grant");
	m = xengnttab_map_domain_grant_refs(xgt, 4, 0, refs, L_RW);
	t_check(m && l_same(m, s, 4), "the good grants map fine afterwards");
	if (m)
		xengnttab_unmap(xgt, m, 4);
	t_check(l_unshare(s, N) == 0, "unshare %d", N);
}

static void l_read_only(void)
{
	unsigned int logged = l_logged();
	uint8_t *s, *m;
	uint32_t ref;

	s = l_share(1, &ref, 0);
	t_check(s != NULL, "share a page read-only");
	if (!s)
		return;
	l_fill(s, 1, 4);
	m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
	l_expect_fail_logged(m, logged, "writable map of a read-only grant");
	if (m)
		xengnttab_unmap(xgt, m, 1);
	m = xengnttab_map_grant_ref(xgt, 0, ref, PROT_READ);
	t_check(m && l_same(m, s, 1), "read-only map of it shows the data");
	if (m)
		xengnttab_unmap(xgt, m, 1);
	l_unshare(s, 1);
}

static void l_notify(void)
{
	uint32_t ref, listen = 0, send = 0;
	unsigned int logged;
	uint8_t *s, *m;
	int efd;

	s = l_share(1, &ref, 1);
	if (!s) {
		t_check(false, "share for the notify tests");
		return;
	}
	/* Clear a byte. */
	s[100] = 0xaa;
	s[101] = 0xbb;
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, 100, L_NONE);
	t_check(m != NULL, "map_grant_ref_notify, clear byte 100");
	if (m) {
		t_check(s[100] == 0xaa, "byte still set while mapped");
		xengnttab_unmap(xgt, m, 1);
		t_check(s[100] == 0 && s[101] == 0xbb,
			"unmap cleared byte 100 only (%#x %#x)", s[100],
			s[101]);
	}
	/* Offset out of the page: no notification, map still works. */
	s[0] = 0xcc;
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, L_PAGE, L_NONE);
	t_check(m != NULL, "notify offset 4096 means none");
	if (m) {
		xengnttab_unmap(xgt, m, 1);
		t_check(s[0] == 0xcc, "nothing cleared (byte 0: %#x)", s[0]);
	}
	/* Send an event. */
	efd = l_evtchn_pair(&listen, &send);
	t_check(efd >= 0, "loopback event channel %u -> %u", send, listen);
	if (efd >= 0) {
		m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, L_NONE,
						   send);
		t_check(m != NULL, "map_grant_ref_notify, event on port %u",
			send);
		if (m) {
			t_check(!l_evtchn_wait(efd, listen, 100),
				"no event while mapped");
			xengnttab_unmap(xgt, m, 1);
			t_check(l_evtchn_wait(efd, listen, 2000),
				"unmap sent the event");
		}
	}
	/* A port evtchn never bound: refused, nothing mapped. */
	logged = l_logged();
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, L_RW, 0, L_BAD_PORT);
	l_expect_fail_logged(m, logged, "notify on an unbound port");
	/* A byte to clear in a read-only mapping. */
	logged = l_logged();
	m = xengnttab_map_grant_ref_notify(xgt, 0, ref, PROT_READ, 0, L_NONE);
	if (m) {
		/* Some drivers accept it (the byte is never cleared). */
		t_note("read-only map with clear-byte accepted by this driver");
		xengnttab_unmap(xgt, m, 1);
		t_check(l_logged() == logged, "and nothing was logged");
	} else {
		l_expect_fail_logged(m, logged,
				     "read-only map with a byte to clear");
	}
	l_unshare(s, 1);

	/* The sharer's side: its notification fires when it unshares. */
	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 200,
					efd >= 0 ? send : L_NONE);
	t_check(s != NULL, "share_page_notify, byte 200%s",
		efd >= 0 ? " and event" : "");
	if (s) {
		m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);
		t_check(m != NULL, "peer maps it");
		s[200] = 1;
		xengntshr_unshare(xgs, s, 1);
		if (m) {
			t_check(m[200] == 0,
				"unshare cleared the byte the peer sees");
			xengnttab_unmap(xgt, m, 1);
		}
		if (efd >= 0)
			t_check(l_evtchn_wait(efd, listen, 2000),
				"unshare sent the event");
	}
	logged = l_logged();
	s = xengntshr_share_page_notify(xgs, 0, &ref, 1, 0, L_BAD_PORT);
	l_expect_fail_logged(s, logged, "share_page_notify on an unbound port");
	if (s)
		xengntshr_unshare(xgs, s, 1);
	if (efd >= 0)
		close(efd);
}

static void l_copy(void)
{
	xengnttab_grant_copy_segment_t seg[3];
	static char local[2 * L_PAGE];
	char back[64];
	unsigned int logged;
	uint8_t *s;
	uint32_t ref;
	int rc;

	rc = xengnttab_grant_copy(xgt, 0, NULL);
	t_check(rc == 0, "grant_copy(0, NULL) probe succeeds");
	s = l_share(1, &ref, 1);
	if (!s) {
		t_check(false, "share for the copy tests");
		return;
	}
	memset(s, 0, L_PAGE);
	memset(local, 'x', sizeof(local));
	memcpy(local + L_PAGE - 6, "across a page", 13);
	memset(seg, 0, sizeof(seg));
	seg[0].source.virt = local + L_PAGE - 6;
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
	seg[2].source.foreign.ref = L_BAD_REF;
	rc = xengnttab_grant_copy(xgt, 3, seg);
	t_check(rc == 0, "grant_copy of 3 segments (%s)",
		rc ? l_err(errno) : "ok");
	if (!rc) {
		t_check(seg[0].status == GNTST_okay &&
				!memcmp(s + 300, "across a page", 13),
			"local -> grant copied (status %d)", seg[0].status);
		t_check(seg[1].status == GNTST_okay &&
				!memcmp(back, "across a page", 13),
			"grant -> local copied (status %d)", seg[1].status);
		t_check(seg[2].status != GNTST_okay,
			"bad reference: status %d, call still succeeds",
			seg[2].status);
	}
	logged = l_logged();
	seg[2].flags = 0;
	rc = xengnttab_grant_copy(xgt, 3, seg);
	t_check(rc == -1 && errno == EINVAL && l_logged() == logged + 1,
		"segment without a grant side: EINVAL, logged once");
	l_unshare(s, 1);
}

/* Map a page with raw ioctl + mmap on the library's descriptor. */
static void *l_raw_map(uint32_t ref)
{
	struct ioctl_gntdev_map_grant_ref op = {
		.count = 1,
		.refs[0] = { .domid = 0, .ref = ref },
	};
	void *p;

	if (ioctl(xengnttab_fd(xgt), IOCTL_GNTDEV_MAP_GRANT_REF, &op))
		return NULL;
	p = mmap(NULL, L_PAGE, L_RW, MAP_SHARED, xengnttab_fd(xgt), op.index);
	if (p == MAP_FAILED) {
		struct ioctl_gntdev_unmap_grant_ref un = { .index = op.index,
							   .count = 1 };

		ioctl(xengnttab_fd(xgt), IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
		return NULL;
	}
	return p;
}

static void l_unmap_errors(void)
{
	unsigned int logged;
	uint32_t refs[2];
	uint8_t *s, *m;
	void *heap;

	s = l_share(2, refs, 1);
	if (!s) {
		t_check(false, "share for the unmap tests");
		return;
	}
	l_fill(s, 2, 5);
	m = xengnttab_map_domain_grant_refs(xgt, 2, 0, refs, L_RW);
	t_check(m != NULL, "map 2");
	if (m) {
		logged = l_logged();
		t_check(xengnttab_unmap(xgt, NULL, 2) == -1 && errno == EINVAL,
			"unmap(NULL): EINVAL");
		t_check(xengnttab_unmap(xgt, m, 1) == -1 && errno == EINVAL,
			"unmap with the wrong count: EINVAL");
		t_check(xengnttab_unmap(xgt, m + L_PAGE, 1) == -1 &&
				errno == EINVAL,
			"unmap inside an area: EINVAL");
		t_check(l_same(m, s, 2), "area intact after the bad unmaps");
		t_check(l_logged() == logged, "unmap never logs");
		t_check(xengnttab_unmap(xgt, m, 2) == 0, "unmap 2");
	}
	heap = malloc(2 * L_PAGE);
	t_check(heap && xengnttab_unmap(xgt, heap, 1) == -1 && errno == EINVAL,
		"unmap of malloc()ed memory: EINVAL (driver lookup)");
	free(heap);
	/* Mapped behind the library's back: it asks the driver. */
	m = l_raw_map(refs[1]);
	t_check(m != NULL, "raw ioctl + mmap on xengnttab_fd");
	if (m) {
		t_check(m[7] == s[L_PAGE + 7], "raw map shows the data");
		t_check(xengnttab_unmap(xgt, m, 1) == 0,
			"xengnttab_unmap of it (GET_OFFSET path)");
	}
	l_unshare(s, 2);
}

static void l_map_errors(void)
{
	unsigned int logged = l_logged();
	uint32_t ref = 1;
	void *m;

	m = xengnttab_map_grant_ref(xgt, 0, L_BAD_REF, L_RW);
	l_expect_fail_logged(m, logged, "map of an ungranted reference");
	logged = l_logged();
	m = xengnttab_map_domain_grant_refs(xgt, 0, 0, &ref, L_RW);
	t_check(!m && errno == EINVAL && l_logged() == logged + 1,
		"map of 0 grants: EINVAL, logged");
	logged = l_logged();
	m = xengnttab_map_domain_grant_refs(xgt, UINT32_MAX, 0, &ref, L_RW);
	t_check(!m && errno == EINVAL && l_logged() == logged + 1,
		"map of 2^32-1 grants: EINVAL, logged");
	logged = l_logged();
	m = xengntshr_share_pages(xgs, 0, 0, &ref, 1);
	t_check(!m && errno == EINVAL && l_logged() == logged + 1,
		"share of 0 pages: EINVAL, logged");
	t_check(xengntshr_unshare(xgs, NULL, 1) == -1 && errno == EINVAL,
		"unshare(NULL): EINVAL");
}

static void l_dmabuf(void)
{
	unsigned int logged;
	uint32_t ref, fd = 0, out;
	uint8_t *s;
	int rc;

	s = l_share(1, &ref, 1);
	if (!s) {
		t_check(false, "share for the dma-buf tests");
		return;
	}
	logged = l_logged();
	rc = xengnttab_dmabuf_exp_from_refs(xgt, 0, 0, 1, &ref, &fd);
	if (rc == 0) {
		t_check(true, "dmabuf_exp_from_refs: exported as fd %u", fd);
		close(fd);
		rc = xengnttab_dmabuf_exp_wait_released(xgt, fd, 2000);
		t_check(rc == 0, "dmabuf_exp_wait_released (%s)",
			rc ? l_err(errno) : "ok");
	} else {
		t_check(errno && l_logged() == logged + 1,
			"dmabuf_exp_from_refs unsupported here: -1, %s, "
			"logged once, no abort",
			l_err(errno));
	}
	logged = l_logged();
	rc = xengnttab_dmabuf_exp_wait_released(xgt, 123456, 1);
	t_check(rc == 0 || (errno && l_logged() == logged + 1),
		"dmabuf_exp_wait_released of an unknown buffer: %s",
		rc ? l_err(errno) : "0 (ENOENT is success)");
	logged = l_logged();
	rc = xengnttab_dmabuf_imp_to_refs(xgt, 0, 123456, 1, &out);
	t_check(rc == -1 && errno && l_logged() == logged + 1,
		"dmabuf_imp_to_refs of a bad fd: -1, %s, logged", l_err(errno));
	logged = l_logged();
	rc = xengnttab_dmabuf_imp_release(xgt, 123456);
	t_check(rc == -1 && errno && l_logged() == logged + 1,
		"dmabuf_imp_release of a bad fd: -1, %s, logged", l_err(errno));
	logged = l_logged();
	rc = xengnttab_dmabuf_exp_from_refs(xgt, 0, 0, 0, &ref, &fd);
	t_check(rc == -1 && errno == EINVAL && l_logged() == logged + 1,
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

	s = l_share(4, refs, 1);
	if (!s) {
		t_check(false, "share for the thread test");
		return;
	}
	l_fill(s, 4, 6);
	for (unsigned int i = 0; i < NT; i++) {
		w[i] = (struct l_worker){ .refs = refs, .shared = s, .id = i };
		pthread_create(&tid[i], NULL, l_worker_run, &w[i]);
	}
	for (unsigned int i = 0; i < NT; i++) {
		pthread_join(tid[i], NULL);
		bad += w[i].bad;
	}
	t_check(bad == 0, "%d threads x 100 map/unmap on one handle (%u bad)",
		NT, bad);
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
	t_check(pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
		"a forked child closes the inherited handles");
	if (m) {
		m[0] = 0x5a;
		t_check(s[0] == 0x5a, "the parent's handle and map still work");
		t_check(xengnttab_unmap(xgt, m, 1) == 0, "and unmap");
	}
	if (s)
		l_unshare(s, 1);
}

static void l_speed(void)
{
	struct timespec a, b;
	unsigned int i, n = 2000;
	uint32_t ref;
	uint8_t *s;

	s = l_share(1, &ref, 1);
	if (!s)
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		void *m = xengnttab_map_grant_ref(xgt, 0, ref, L_RW);

		if (!m || xengnttab_unmap(xgt, m, 1))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	t_check(i == n, "%u map+unmap cycles", n);
	t_note("map+unmap: %.1f us per cycle (4 system calls each)",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n /
		       1e3);
	l_unshare(s, 1);
}

static void l_close_and_restrict(void)
{
	xengnttab_handle *h;
	uint32_t ref = 1;
	unsigned int logged;
	void *m;
	int err;

	t_check(xengnttab_close(xgt) == 0, "xengnttab_close");
	t_check(xengntshr_close(xgs) == 0, "xengntshr_close");
	t_check(xengnttab_close(NULL) == 0 && xengntshr_close(NULL) == 0,
		"close(NULL) is a no-op");
	/* libxentoolcore can disable a live handle. */
	h = xengnttab_open(&llog.vtable, 0);
	if (!h) {
		t_check(false, "reopen for xentoolcore_restrict_all");
		return;
	}
	t_check(xentoolcore_restrict_all(0) == 0, "xentoolcore_restrict_all");
	logged = l_logged();
	m = xengnttab_map_grant_ref(h, 0, ref, L_RW);
	err = errno;
	t_check(!m && l_logged() == logged + 1,
		"a restricted handle cannot map (%s)", l_err(err));
	t_check(xengnttab_close(h) == 0, "and still closes");
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
	return t_summary();
}
