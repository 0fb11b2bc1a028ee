// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-notify-copy - unmap-notify and grant-copy tests for a
 * /dev/xen/gntdev driver, run as root in a PV dom0 of the Xen lab.
 *
 * dom0 grants pages to itself through gntalloc and maps or copies them back
 * through gntdev; the gntalloc mapping is where the granting side watches
 * the notify byte and checks copied data. Unmap events are observed on a
 * loopback event-channel pair bound through /dev/xen/evtchn: the driver is
 * told to signal the "tx" port, and the "rx" port's file becomes readable.
 *
 * For every case it prints one stable line
 *
 *	CASE <name>: <observation>
 *
 * (errno names, statuses, yes/no; no addresses or timings) so that a run
 * on the stock xen-gntdev and one on ours can be diffed, and TAP lines that
 * check the observations against what our driver promises
 * (include/xen/public/gntdev.h). With --stock, a check that the stock
 * driver misses is a "# FINDING stock: ..." line, not a failure, as in
 * gntdev-torture.
 * The bad-input cases must also print exactly the CASE line of their
 * entry in bad_inputs[] (docs/bad-inputs.md is generated from it). At
 * the end, one line
 *
 *	FIGURES notify-copy driver=stock|ours cases=N bad_inputs=N ... findings=N
 *
 * counts what ran, for the lab's summary (lab/figures.py).
 *
 * Usage: gntdev-notify-copy [--stock] [-d NODE] [-g notify|copy]...
 *   --stock  the driver under test is the stock one
 *   -d  gntdev node (default /dev/xen/gntdev)
 *   -g  run only this group; repeatable; default: both
 * Exit status: 0 all checks passed, 1 some failed, 2 usage.
 */

#include "lab.h"

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG LAB_PAGE_SIZE

/* GNTST_* from Xen's public grant_table.h, which no uapi header carries. */
#define ST_BAD_DOMAIN (-2)
#define ST_BAD_GNTREF (-3)

#define INVALID_REF LAB_NEVER_GRANTED
/* A domain that does not exist in the lab (only dom0 runs). */
#define NO_SUCH_DOMID 1000
/* A port number nothing binds in the lab's small dom0. */
#define NEVER_BOUND_PORT 4000u
/* Beyond any event-channel ABI's limit. */
#define HUGE_PORT 0xfffffff0u

/* The value the granting side leaves in the notify byte. */
#define MARK 0xa5
/* The notify byte: page 1 of a 2-page map, at an odd offset. */
#define NOTIFY_OFF (PG + 123)
/* A second byte, in page 0, for the replaced-notify case. */
#define NOTIFY_OFF2 50
#define BOTH (UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)

/* TCG is slow: wait long for an event that must come, briefly otherwise. */
#define EV_YES_MS 3000
#define EV_NO_MS 300
#define CASE_TIMEOUT 60

/* Copy group: 16 granted pages, a local buffer of 20 pages. */
#define CS_PAGES 16u
#define LBUF_PAGES 20u
#define LBUF_FILL 0xee
/* Junk a segment's status starts with; the driver must overwrite it. */
#define STATUS_JUNK 0x7ead
/* Expected status "some error", whichever Xen picks. */
#define WANT_ERROR 1

#define RACE_ITERS 400u
#define RACE_SEGS 16u

/* -d and --stock (lab_stock). */
static struct lab_opts opts;

static char res[1024];
static const char *case_name;

/*
 * The bad-input cases and the CASE line each must print: on ours, and on
 * the stock driver where that differs (notify-copy/expected-differences
 * lists those; a stock kernel that behaves like ours passes too).
 * case_end() holds every run to it, so docs/bad-inputs.md, which
 * conform/mkdoc.py generates from this table, says what the lab saw.
 */
struct bad_input {
	const char *name;
	const char *ours;
	const char *stock;
};

/* An entry; ".stock = ..." may follow. */
#define BAD_INPUT(n, want, ...)                          \
	{                                                \
		.name = (n), .ours = (want), __VA_ARGS__ \
	}

/* clang-format off */
static const struct bad_input bad_inputs[] = {
	BAD_INPUT("notify-ro-mmap-then-clear",
		  "clear=EINVAL both=EINVAL send=ok byte=set event=yes"),
	BAD_INPUT("notify-clear-then-ro-mmap",
		  "clear=ok ro-mmap=EINVAL rw-mmap=ok byte=0",
		  .stock = "clear=ok ro-mmap=ok withdraw=ok"),
	BAD_INPUT("notify-bad-action",
		  "0x4=EINVAL 0x8=EINVAL 0x80000000=EINVAL 0x7=EINVAL event=no"),
	BAD_INPUT("notify-bad-port",
		  "never-bound=EINVAL huge=EINVAL unbound=EINVAL unconnected=ok"),
	BAD_INPUT("notify-no-map",
		  "empty-file=ENOENT past-end=ENOENT huge=ENOENT last-byte=ok"),
	BAD_INPUT("notify-failed-keeps-old",
		  "bad-port=EINVAL bad-action=EINVAL bad-offset=ENOENT "
		  "byte=0 event=yes"),
	BAD_INPUT("notify-withdraw",
		  "action0=ok enoent=ENOENT byte=set event=no "
		  "withdrawn-port=gone enoent-port=gone"),
	BAD_INPUT("notify-once", "second-unmap=ENOENT events=1"),
	BAD_INPUT("copy-len0",
		  "to-local=ok to-gref-offset4096=ok null-local=ok,status=0"),
	BAD_INPUT("copy-einval",
		  "source-overflow=EINVAL dest-overflow=EINVAL "
		  "offset1-len4096=EINVAL local-to-local=EINVAL"),
	BAD_INPUT("copy-bad-ref",
		  "source=ok,status=-3 dest=ok,status=-3 crossing=ok,status=-3"),
	BAD_INPUT("copy-bad-domid", "result=ok status=-2"),
	BAD_INPUT("copy-mixed", "five=ok twenty=ok"),
	BAD_INPUT("copy-ro-grant", "dest=ok,status=-1 source=ok"),
	BAD_INPUT("copy-efault",
		  "segments-unmapped=EFAULT segments-16=EFAULT "
		  "segments-null-count1=EFAULT segments-null-count0=ok "
		  "local-dest-unmapped=EFAULT local-source-unmapped=EFAULT "
		  "local-dest-readonly=EFAULT local-source-readonly=ok,status=0 "
		  "status-readonly=EFAULT"),
	BAD_INPUT("copy-race-munmap", "survived results=ok-or-EFAULT"),
};
/* clang-format on */
#define NBAD (sizeof(bad_inputs) / sizeof(bad_inputs[0]))

static bool bad_seen[NBAD];
static unsigned int cases_ran, bad_inputs_ran;

/* --- reporting ---------------------------------------------------------- */

static const char *errstr(int ret)
{
	return ret ? lab_errname(-ret) : "ok";
}

static const char *yesno(int v)
{
	return v > 0 ? "yes" : v < 0 ? "error" : "no";
}

static const char *bytestr(unsigned char v)
{
	return v == 0 ? "0" : v == MARK ? "set" : "other";
}

static void case_begin(const char *name)
{
	case_name = name;
	lab_tap_current = name;
	res[0] = 0;
	alarm(CASE_TIMEOUT);
}

/* Append one "key=value" observation to the case's CASE line. */
static void __attribute__((format(printf, 1, 2))) obs(const char *fmt, ...)
{
	size_t len = strlen(res);
	va_list ap;

	if (len && len < sizeof(res) - 1)
		res[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(res + len, sizeof(res) - len, fmt, ap);
	va_end(ap);
}

/* The CASE line, then whether it is the one bad_inputs[] documents. */
static void case_end(void)
{
	const char *seen = res[0] ? res : "-", *ours, *alt;
	char why[2 * sizeof(res)];
	unsigned int i;

	alarm(0);
	printf("CASE %s: %s\n", case_name, seen);
	cases_ran++;
	for (i = 0; i < NBAD && strcmp(bad_inputs[i].name, case_name); i++)
		;
	if (i < NBAD) {
		bad_seen[i] = true;
		bad_inputs_ran++;
		ours = bad_inputs[i].ours;
		alt = lab_stock && bad_inputs[i].stock ? bad_inputs[i].stock :
							 ours;
		if (alt != ours)
			snprintf(why, sizeof(why), "want '%s' or '%s'", ours,
				 alt);
		else
			snprintf(why, sizeof(why), "want '%s'", ours);
		lab_check(!strcmp(seen, ours) || !strcmp(seen, alt), why,
			  "%s: as docs/bad-inputs.md lists", case_name);
	}
	fflush(stdout);
}

/*
 * A check of driver behaviour. On the stock driver a miss is a finding
 * (mainline does not promise what ours does); on ours it fails.
 */
static bool __attribute__((format(printf, 3, 4)))
expect(bool cond, const char *got, const char *fmt, ...)
{
	char desc[512], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	snprintf(why, sizeof(why), "got %s", got);
	return lab_expect(cond, why, "%s: %s", case_name, desc);
}

/* A check of the test's own setup: it fails on any driver. */
static bool __attribute__((format(printf, 3, 4)))
need(bool cond, int err, const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (cond)
		lab_pass("%s: %s", case_name, desc);
	else
		lab_fail(err ? lab_errname(err) : NULL, "%s: %s", case_name,
			 desc);
	return cond;
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("not ok %u - %s: timed out after %us\n%u passed, %u failed\n",
	       lab_tap_num + 1, case_name ? case_name : "startup", CASE_TIMEOUT,
	       lab_tap_passed, lab_tap_failed + 1);
	fflush(stdout);
	_exit(1);
}

/* --- syscalls returning 0 or -errno -------------------------------------- */

static int dev_open(void)
{
	int fd = lab_gntdev_open(opts.node);

	if (fd < 0) {
		errno = -fd;
		lab_die_errno(1, "open %s", opts.node);
	}
	return fd;
}

/* --- the granting side: gntalloc pages mapped here ----------------------- */

/* A pool with a byte view, for the notify bytes and copied data. */
struct share {
	struct lab_pool pool;
	unsigned char *mem;
	__u32 *refs;
};

static bool share_new(struct share *s, size_t n, bool writable)
{
	int ret = lab_pool_alloc(&s->pool, n, writable);

	s->mem = ret ? MAP_FAILED : (unsigned char *)s->pool.mem;
	s->refs = s->pool.refs;
	return need(ret == 0, -ret, "gntalloc %zu %s page(s) to d0", n,
		    writable ? "writable" : "read-only");
}

/* Freed for good once no gntdev map holds a page any more. */
static void share_free(struct share *s)
{
	lab_pool_put(&s->pool);
	s->mem = MAP_FAILED;
}

/*
 * Whether a notify can still take a reference on @port: it can only while
 * something keeps the port bound. Leaves no notify behind.
 */
static int port_probe(int fd, __u64 index, __u32 port)
{
	int ret =
		lab_set_unmap_notify(fd, index, UNMAP_NOTIFY_SEND_EVENT, port);

	if (!ret)
		lab_set_unmap_notify(fd, index, 0, 0);
	return ret;
}

/* --- notify cases ----------------------------------------------------------- */

/* One 2-page self-granted map with its observer. */
struct nctx {
	struct share s;
	struct lab_evtchn_pair e;
	int fd;
	__u64 index;
	unsigned char *map;
};

static bool nctx_begin(struct nctx *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->e.rx_fd = -1;
	c->e.tx_fd = -1;
	c->map = MAP_FAILED;
	c->s.mem = MAP_FAILED;
	if (!share_new(&c->s, 2, true))
		return false;
	c->s.mem[NOTIFY_OFF] = MARK;
	c->s.mem[NOTIFY_OFF2] = MARK;
	lab_evtchn_pair_or_die(&c->e, 1);
	c->fd = dev_open();
	ret = lab_map(c->fd, c->s.refs, 2, 0, &c->index);
	return need(ret == 0, -ret, "MAP_GRANT_REF of 2 self-granted pages");
}

static int nctx_mmap(struct nctx *c, int prot)
{
	c->map = mmap(NULL, 2 * PG, prot, MAP_SHARED, c->fd, c->index);
	return c->map == MAP_FAILED ? -errno : 0;
}

static void nctx_munmap(struct nctx *c)
{
	if (c->map != MAP_FAILED)
		munmap(c->map, 2 * PG);
	c->map = MAP_FAILED;
}

static void nctx_close(struct nctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void nctx_end(struct nctx *c)
{
	nctx_munmap(c);
	nctx_close(c);
	lab_evtchn_pair_close(&c->e);
	share_free(&c->s);
}

static unsigned char nbyte(struct nctx *c)
{
	return ((volatile unsigned char *)c->s.mem)[NOTIFY_OFF];
}

/*
 * libxengnttab's order (mmap, then notify; munmap, then UNMAP) or the
 * notify first: munmap clears the byte, the event waits for the map's last
 * reference, and it comes exactly once.
 */
static void notify_lifecycle(const char *name, bool before_mmap)
{
	struct nctx c;
	unsigned char v;
	int ret, ev;

	case_begin(name);
	if (!nctx_begin(&c))
		goto out;
	if (before_mmap) {
		ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH,
					   c.e.tx);
		obs("set=%s", errstr(ret));
		expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY before mmap");
	}
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	if (!before_mmap) {
		ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH,
					   c.e.tx);
		obs("set=%s", errstr(ret));
		expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY after mmap");
	}
	need(c.map[NOTIFY_OFF] == MARK, 0, "the mapping shows the byte");

	nctx_munmap(&c);
	v = nbyte(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("munmap:byte=%s,event=%s", bytestr(v), yesno(ev));
	expect(v == 0, bytestr(v), "munmap clears the byte");
	expect(ev == 0, yesno(ev), "no event while the map is inserted");

	ret = lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("unmap=%s,event=%s", errstr(ret), yesno(ev));
	expect(ret == 0, errstr(ret), "UNMAP_GRANT_REF");
	expect(ev == 1, yesno(ev), "UNMAP_GRANT_REF sends the event");

	nctx_close(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("again=%s", yesno(ev));
	expect(ev == 0, yesno(ev), "no second event after close");
out:
	nctx_end(&c);
	case_end();
}

/* close() with a live mapping: nothing fires until the mapping goes. */
static void notify_close_live_mmap(void)
{
	struct nctx c;
	unsigned char v;
	int ret, ev;

	case_begin("notify-close-live-mmap");
	if (!nctx_begin(&c))
		goto out;
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	obs("set=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY");

	nctx_close(&c);
	v = nbyte(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("close:byte=%s,event=%s", bytestr(v), yesno(ev));
	expect(v == MARK, bytestr(v), "close leaves the byte while mapped");
	expect(ev == 0, yesno(ev), "close sends no event while mapped");
	need(c.map[NOTIFY_OFF] == MARK, 0, "the mapping still works");

	nctx_munmap(&c);
	v = nbyte(&c);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("munmap:byte=%s,event=%s", bytestr(v), yesno(ev));
	expect(v == 0, bytestr(v), "munmap clears the byte");
	expect(ev == 1, yesno(ev), "munmap sends the event");
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("again=%s", yesno(ev));
	expect(ev == 0, yesno(ev), "no second event");
out:
	nctx_end(&c);
	case_end();
}

/* Child: map, mmap, notify, say "R", then wait on @go. Never returns. */
static void __attribute__((noreturn))
notify_child(struct nctx *c, int ready, int go)
{
	char st = 'E';
	__u64 index;
	void *p;
	int fd;

	fd = open(opts.node, O_RDWR);
	if (fd < 0 || lab_map(fd, c->s.refs, 2, 0, &index))
		goto out;
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, index);
	if (p == MAP_FAILED)
		goto out;
	if (!lab_set_unmap_notify(fd, index + NOTIFY_OFF, BOTH, c->e.tx))
		st = 'R';
out:
	if (write(ready, &st, 1) != 1)
		_exit(3);
	/* Returns when the parent closes its end (or never, if killed). */
	if (read(go, &st, 1) < 0)
		_exit(4);
	_exit(0);
}

/* A process that mapped with a notify exits, or is killed with SIGKILL. */
static void notify_child_case(const char *name, bool kill9)
{
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 };
	unsigned char v;
	struct nctx c;
	int status, ev;
	pid_t pid;
	char st;

	case_begin(name);
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.map = MAP_FAILED;
	c.e.rx_fd = -1;
	c.e.tx_fd = -1;
	if (!share_new(&c.s, 2, true))
		goto out;
	c.s.mem[NOTIFY_OFF] = MARK;
	lab_evtchn_pair_or_die(&c.e, 1);
	if (pipe(ready) || pipe(go))
		lab_die_errno(1, "pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		lab_die_errno(1, "fork");
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		notify_child(&c, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	if (read(ready[0], &st, 1) != 1 || st != 'R') {
		need(false, 0, "child maps with a notify");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		goto out;
	}
	v = nbyte(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("alive:byte=%s,event=%s", bytestr(v), yesno(ev));
	expect(v == MARK && ev == 0, bytestr(v),
	       "nothing fires while the child lives");

	if (kill9)
		kill(pid, SIGKILL);
	close(go[1]);
	go[1] = -1;
	if (waitpid(pid, &status, 0) != pid)
		lab_die_errno(1, "waitpid");
	if (kill9)
		need(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, 0,
		     "child died of SIGKILL");
	else
		need(WIFEXITED(status) && !WEXITSTATUS(status), 0,
		     "child exited 0");
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	v = nbyte(&c);
	obs("dead:byte=%s,event=%s", bytestr(v), yesno(ev));
	expect(v == 0, bytestr(v), "the child's death clears the byte");
	expect(ev == 1, yesno(ev), "the child's death sends the event");
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("again=%s", yesno(ev));
	expect(ev == 0, yesno(ev), "no second event");
out:
	if (ready[0] >= 0)
		close(ready[0]);
	if (go[1] >= 0)
		close(go[1]);
	lab_evtchn_pair_close(&c.e);
	share_free(&c.s);
	case_end();
}

/* Each action alone and both: only what was asked for happens. */
static void notify_actions(void)
{
	static const struct {
		const char *name;
		__u32 action;
	} acts[] = {
		{ "clear", UNMAP_NOTIFY_CLEAR_BYTE },
		{ "send", UNMAP_NOTIFY_SEND_EVENT },
		{ "both", BOTH },
	};
	unsigned char v;
	struct nctx c;
	int ret, ev;
	size_t i;

	case_begin("notify-actions");
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		bool clear = acts[i].action & UNMAP_NOTIFY_CLEAR_BYTE;
		bool send = acts[i].action & UNMAP_NOTIFY_SEND_EVENT;

		if (!nctx_begin(&c))
			goto next;
		ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
		if (!need(ret == 0, -ret, "%s: mmap RW", acts[i].name))
			goto next;
		ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF,
					   acts[i].action, c.e.tx);
		expect(ret == 0, errstr(ret), "%s: SET_UNMAP_NOTIFY",
		       acts[i].name);
		nctx_munmap(&c);
		ret = lab_unmap(c.fd, c.index, 2);
		ev = lab_evtchn_wait(&c.e, send ? EV_YES_MS : EV_NO_MS);
		v = nbyte(&c);
		obs("%s:byte=%s,event=%s", acts[i].name, bytestr(v), yesno(ev));
		expect(clear ? v == 0 : v == MARK, bytestr(v), "%s: byte %s",
		       acts[i].name, clear ? "cleared" : "left alone");
		expect(ev == send, yesno(ev), "%s: %s", acts[i].name,
		       send ? "event sent" : "no event");
next:
		nctx_end(&c);
	}
	case_end();
}

/* A map already mmapped read-only: CLEAR_BYTE is refused, SEND_EVENT not. */
static void notify_ro_mmap_then_clear(void)
{
	unsigned char v;
	struct nctx c;
	int ret, ev;

	case_begin("notify-ro-mmap-then-clear");
	if (!nctx_begin(&c))
		goto out;
	ret = nctx_mmap(&c, PROT_READ);
	if (!need(ret == 0, -ret, "mmap read-only"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF,
				   UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("clear=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "CLEAR_BYTE refused with EINVAL");
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	obs("both=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret),
	       "CLEAR_BYTE|SEND_EVENT refused with EINVAL");
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF,
				   UNMAP_NOTIFY_SEND_EVENT, c.e.tx);
	obs("send=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "SEND_EVENT alone accepted");
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	v = nbyte(&c);
	obs("byte=%s event=%s", bytestr(v), yesno(ev));
	expect(v == MARK, bytestr(v), "byte left alone");
	expect(ev == (ret == 0), yesno(ev), "event as set");
out:
	nctx_end(&c);
	case_end();
}

/*
 * CLEAR_BYTE first, then a read-only mmap: ours refuses the mmap (README,
 * deliberate differences). Stock accepts it and would later write the
 * byte through a read-only mapping, so the notify is withdrawn there
 * before the munmap rather than crash the lab's dom0.
 */
static void notify_clear_then_ro_mmap(void)
{
	unsigned char v;
	struct nctx c;
	int ret;

	case_begin("notify-clear-then-ro-mmap");
	if (!nctx_begin(&c))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF,
				   UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("clear=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "CLEAR_BYTE before any mmap");
	ret = nctx_mmap(&c, PROT_READ);
	obs("ro-mmap=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "read-only mmap refused (EINVAL)");
	if (!ret) {
		ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, 0, 0);
		obs("withdraw=%s", errstr(ret));
		need(ret == 0, -ret, "withdraw the notify before munmap");
		nctx_munmap(&c);
		goto out;
	}
	/* The refusal must not use up the map's one mmap. */
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	obs("rw-mmap=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "the map can still be mmapped RW");
	nctx_munmap(&c);
	v = nbyte(&c);
	obs("byte=%s", bytestr(v));
	expect(v == (ret ? MARK : 0), bytestr(v), "RW munmap clears the byte");
out:
	nctx_end(&c);
	case_end();
}

static void notify_bad_action(void)
{
	static const __u32 bad[] = { 0x4, 0x8, 0x80000000u, 0x7 };
	struct nctx c;
	size_t i;
	int ret;

	case_begin("notify-bad-action");
	if (!nctx_begin(&c))
		goto out;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, bad[i],
					   c.e.tx);
		obs("0x%x=%s", bad[i], errstr(ret));
		expect(ret == -EINVAL, errstr(ret), "action 0x%x: EINVAL",
		       bad[i]);
	}
	/* None of them may have left a notify behind. */
	lab_unmap(c.fd, c.index, 2);
	ret = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("event=%s", yesno(ret));
	expect(ret == 0, yesno(ret), "no notify was installed");
out:
	nctx_end(&c);
	case_end();
}

/* Ports the evtchn driver did not bind for us: refused (header: EINVAL). */
static void notify_bad_port(void)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	struct lab_evtchn_pair gone;
	struct nctx c;
	int ret, ufd, uport;

	case_begin("notify-bad-port");
	if (!nctx_begin(&c))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT,
				   NEVER_BOUND_PORT);
	obs("never-bound=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "never-bound port: EINVAL");
	ret = lab_set_unmap_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT,
				   HUGE_PORT);
	obs("huge=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "port 0x%x: EINVAL", HUGE_PORT);

	/* A port that was bound and then unbound again. */
	lab_evtchn_pair_or_die(&gone, 1);
	lab_evtchn_unbind_tx(&gone);
	ret = lab_set_unmap_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT,
				   gone.tx);
	obs("unbound=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "unbound port: EINVAL");
	if (!ret)
		lab_set_unmap_notify(c.fd, c.index, 0, 0);
	lab_evtchn_pair_close(&gone);

	/* Bound by the evtchn driver but not connected: it is ours to use. */
	ufd = open(LAB_EVTCHN_NODE, O_RDWR | O_CLOEXEC);
	uport = ufd < 0 ? -1 : ioctl(ufd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (need(uport >= 0, errno, "bind an unconnected port")) {
		ret = lab_set_unmap_notify(c.fd, c.index,
					   UNMAP_NOTIFY_SEND_EVENT, uport);
		obs("unconnected=%s", errstr(ret));
		expect(ret == 0, errstr(ret), "unconnected user port accepted");
		if (!ret)
			lab_set_unmap_notify(c.fd, c.index, 0, 0);
	}
	if (ufd >= 0)
		close(ufd);
out:
	nctx_end(&c);
	case_end();
}

/* An offset that no map of the file covers. */
static void notify_no_map(void)
{
	struct nctx c;
	int ret, fd;

	case_begin("notify-no-map");
	fd = dev_open();
	ret = lab_set_unmap_notify(fd, 0, UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("empty-file=%s", errstr(ret));
	expect(ret == -ENOENT, errstr(ret), "file without maps: ENOENT");
	close(fd);
	if (!nctx_begin(&c))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + 2 * PG,
				   UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("past-end=%s", errstr(ret));
	expect(ret == -ENOENT, errstr(ret), "first byte past the map: ENOENT");
	ret = lab_set_unmap_notify(c.fd, c.index + (1ull << 50),
				   UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("huge=%s", errstr(ret));
	expect(ret == -ENOENT, errstr(ret), "offset 2^50: ENOENT");
	ret = lab_set_unmap_notify(c.fd, c.index + 2 * PG - 1,
				   UNMAP_NOTIFY_CLEAR_BYTE, 0);
	obs("last-byte=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "last byte of the map accepted");
out:
	nctx_end(&c);
	case_end();
}

/* Failed SET_UNMAP_NOTIFY calls leave the installed notify as it was. */
static void notify_failed_keeps_old(void)
{
	unsigned char v;
	struct nctx c;
	int ret, ev;

	case_begin("notify-failed-keeps-old");
	if (!nctx_begin(&c))
		goto out;
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY");
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF2, BOTH,
				   NEVER_BOUND_PORT);
	obs("bad-port=%s", errstr(ret));
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF2, 0x4, c.e.tx);
	obs("bad-action=%s", errstr(ret));
	ret = lab_set_unmap_notify(c.fd, c.index + 2 * PG, BOTH, c.e.tx);
	obs("bad-offset=%s", errstr(ret));
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	v = nbyte(&c);
	obs("byte=%s event=%s", bytestr(v), yesno(ev));
	expect(v == 0 && c.s.mem[NOTIFY_OFF2] == MARK, bytestr(v),
	       "the first notify's byte is cleared, no other");
	expect(ev == 1, yesno(ev), "the first notify's event is sent");
out:
	nctx_end(&c);
	case_end();
}

/*
 * A second notify replaces the first: only its byte and port fire, and the
 * first port's reference is dropped, so once unbound it is gone for good.
 */
static void notify_replace(void)
{
	struct lab_evtchn_pair e2 = { .rx_fd = -1, .tx_fd = -1 };
	unsigned char v1, v2;
	__u64 probe_index;
	int ret, ev1, ev2, pfd = -1;
	struct nctx c;

	case_begin("notify-replace");
	if (!nctx_begin(&c))
		goto out;
	lab_evtchn_pair_or_die(&e2, 1);
	/* A second map on another fd, never mmapped, to probe ports with. */
	pfd = dev_open();
	ret = lab_map(pfd, c.s.refs, 1, 0, &probe_index);
	if (!need(ret == 0, -ret, "MAP_GRANT_REF of a probe map"))
		goto out;
	ret = port_probe(pfd, probe_index, c.e.tx);
	if (!need(ret == 0, -ret, "a bound port can be probed"))
		goto out;

	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	expect(ret == 0, errstr(ret), "first SET_UNMAP_NOTIFY");
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF2, BOTH, e2.tx);
	obs("replace=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "second SET_UNMAP_NOTIFY replaces it");

	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev2 = lab_evtchn_wait(&e2, EV_YES_MS);
	ev1 = lab_evtchn_wait(&c.e, EV_NO_MS);
	v1 = nbyte(&c);
	v2 = c.s.mem[NOTIFY_OFF2];
	obs("old:byte=%s,event=%s new:byte=%s,event=%s", bytestr(v1),
	    yesno(ev1), bytestr(v2), yesno(ev2));
	expect(v1 == MARK && ev1 == 0, bytestr(v1), "the old notify is gone");
	expect(v2 == 0, bytestr(v2), "the new byte is cleared");
	expect(ev2 == 1, yesno(ev2), "the new event is sent");

	ret = lab_evtchn_unbind_tx(&c.e);
	need(ret == 0, -ret, "unbind the old port");
	ret = port_probe(pfd, probe_index, c.e.tx);
	obs("old-port-after-unbind=%s", ret ? "gone" : "held");
	expect(ret != 0, errstr(ret), "old port's reference was released");
	ret = lab_evtchn_unbind_tx(&e2);
	need(ret == 0, -ret, "unbind the new port");
	ret = port_probe(pfd, probe_index, e2.tx);
	obs("new-port-after-unbind=%s", ret ? "gone" : "held");
	expect(ret != 0, errstr(ret), "fired port's reference was released");
out:
	if (pfd >= 0)
		close(pfd);
	lab_evtchn_pair_close(&e2);
	nctx_end(&c);
	case_end();
}

/*
 * Action 0 withdraws a notify and its port; a refused SET_UNMAP_NOTIFY
 * (ENOENT) gives back the port reference it took first.
 */
static void notify_withdraw(void)
{
	struct lab_evtchn_pair e2 = { .rx_fd = -1, .tx_fd = -1 };
	unsigned char v;
	struct nctx c;
	int ret, ev;

	case_begin("notify-withdraw");
	if (!nctx_begin(&c))
		goto out;
	lab_evtchn_pair_or_die(&e2, 1);
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY");
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, 0, 0);
	obs("action0=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "action 0 accepted");
	ret = lab_set_unmap_notify(c.fd, c.index + 2 * PG,
				   UNMAP_NOTIFY_SEND_EVENT, e2.tx);
	obs("enoent=%s", errstr(ret));
	expect(ret == -ENOENT, errstr(ret), "no map there: ENOENT");

	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	v = nbyte(&c);
	obs("byte=%s event=%s", bytestr(v), yesno(ev));
	expect(v == MARK && ev == 0, bytestr(v), "nothing fires");

	/* Probe on a fresh map: neither port may still be held. */
	ret = lab_map(c.fd, c.s.refs, 1, 0, &c.index);
	if (!need(ret == 0, -ret, "MAP_GRANT_REF of a probe map"))
		goto out;
	lab_evtchn_unbind_tx(&c.e);
	ret = port_probe(c.fd, c.index, c.e.tx);
	obs("withdrawn-port=%s", ret ? "gone" : "held");
	expect(ret != 0, errstr(ret), "withdrawn port's reference released");
	lab_evtchn_unbind_tx(&e2);
	ret = port_probe(c.fd, c.index, e2.tx);
	obs("enoent-port=%s", ret ? "gone" : "held");
	expect(ret != 0, errstr(ret), "refused call's port reference released");
out:
	lab_evtchn_pair_close(&e2);
	nctx_end(&c);
	case_end();
}

/* A map that is never mmapped: the event fires, no byte can be cleared. */
static void notify_never_mmapped(const char *name, bool by_close)
{
	unsigned char v;
	struct nctx c;
	int ret, ev;

	case_begin(name);
	if (!nctx_begin(&c))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF, BOTH, c.e.tx);
	obs("set=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY");
	if (by_close) {
		nctx_close(&c);
	} else {
		ret = lab_unmap(c.fd, c.index, 2);
		need(ret == 0, -ret, "UNMAP_GRANT_REF");
	}
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	v = nbyte(&c);
	obs("byte=%s event=%s", bytestr(v), yesno(ev));
	expect(ev == 1, yesno(ev), "the event is sent");
	expect(v == MARK, bytestr(v), "the byte stays (never mapped)");
	nctx_close(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("again=%s", yesno(ev));
	expect(ev == 0, yesno(ev), "no second event");
out:
	nctx_end(&c);
	case_end();
}

/* Exactly one event over the whole life, however the map is let go. */
static void notify_once(void)
{
	struct nctx c;
	int ret, total = 0;

	case_begin("notify-once");
	if (!nctx_begin(&c))
		goto out;
	ret = nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!need(ret == 0, -ret, "mmap RW"))
		goto out;
	ret = lab_set_unmap_notify(c.fd, c.index + NOTIFY_OFF,
				   UNMAP_NOTIFY_SEND_EVENT, c.e.tx);
	expect(ret == 0, errstr(ret), "SET_UNMAP_NOTIFY");
	/* Each step gets its own wait, so a second event cannot coalesce. */
	nctx_munmap(&c);
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	ret = lab_unmap(c.fd, c.index, 2);
	total += lab_evtchn_wait(&c.e, EV_YES_MS) > 0;
	ret = lab_unmap(c.fd, c.index, 2);
	obs("second-unmap=%s", errstr(ret));
	expect(ret == -ENOENT, errstr(ret), "second UNMAP_GRANT_REF: ENOENT");
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	nctx_close(&c);
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	obs("events=%d", total);
	expect(total == 1, total ? "more than one" : "none",
	       "exactly one event");
out:
	nctx_end(&c);
	case_end();
}

/* The observer itself works: IOCTL_EVTCHN_NOTIFY on tx reaches rx. */
static bool evtchn_selftest(void)
{
	struct lab_evtchn_pair e;
	int ret, ev;
	bool ok;

	case_begin("evtchn-selftest");
	lab_evtchn_pair_or_die(&e, 1);
	ret = lab_evtchn_send(&e);
	ev = lab_evtchn_wait(&e, EV_YES_MS);
	obs("event=%s", yesno(ev));
	ok = need(ret == 0 && ev == 1, -ret, "a loopback event arrives");
	ev = lab_evtchn_wait(&e, EV_NO_MS);
	ok &= need(ev == 0, 0, "and only one");
	lab_evtchn_pair_close(&e);
	case_end();
	return ok;
}

/* No grant may stay mapped once a group is done (async unmaps may lag). */
static void grants_left(const char *group)
{
	char name[64];
	long n = -1;
	int i;

	snprintf(name, sizeof(name), "grants-left-%s", group);
	case_begin(name);
	for (i = 0; i < 10; i++) {
		n = lab_grants_active();
		if (n == 0)
			break;
		usleep(200000);
	}
	obs("%ld", n);
	if (n < 0)
		need(false, 0, "xenlab-grants count works");
	else
		expect(n == 0, n ? "grants mapped" : "0",
		       "no grant left mapped (xenlab-grants count)");
	case_end();
}

static void group_notify(void)
{
	if (!evtchn_selftest())
		return;
	notify_lifecycle("notify-after-mmap", false);
	notify_lifecycle("notify-before-mmap", true);
	notify_close_live_mmap();
	notify_child_case("notify-child-exit", false);
	notify_child_case("notify-child-kill9", true);
	notify_actions();
	notify_ro_mmap_then_clear();
	notify_clear_then_ro_mmap();
	notify_bad_action();
	notify_bad_port();
	notify_no_map();
	notify_failed_keeps_old();
	notify_replace();
	notify_withdraw();
	notify_never_mmapped("notify-never-mmapped-unmap", false);
	notify_never_mmapped("notify-never-mmapped-close", true);
	notify_once();
	grants_left("notify");
}

/* --- copy cases ------------------------------------------------------------- */

/*
 * The grant space: CS_PAGES writable grants plus one read-only grant,
 * pictured as CS_PAGES + 1 pages so expected contents are easy to build.
 */
static struct share cs, cro;
static int cfd = -1;
static unsigned char *lbuf;

#define GSPACE ((CS_PAGES + 1) * PG)
#define LBUF_BYTES (LBUF_PAGES * PG)

/* Offset of a grant page in the flat picture, or -1 if not ours. */
static long gflat(__u32 ref)
{
	unsigned int i;

	for (i = 0; i < CS_PAGES; i++)
		if (cs.refs[i] == ref)
			return i * PG;
	return ref == cro.refs[0] ? (long)(CS_PAGES * PG) : -1;
}

static void gsnap(unsigned char *img)
{
	memcpy(img, cs.mem, CS_PAGES * PG);
	memcpy(img + CS_PAGES * PG, cro.mem, PG);
}

static void rfill(void *p, size_t len, __u32 seed)
{
	unsigned char *b = p;
	__u32 x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = x;
	}
}

/* Fresh random grant contents and a local buffer of LBUF_FILL. */
static void copy_reset(__u32 seed)
{
	rfill(cs.mem, CS_PAGES * PG, seed);
	rfill(cro.mem, PG, seed + 1);
	memset(lbuf, LBUF_FILL, LBUF_BYTES);
}

static void seg_g2l(struct gntdev_grant_copy_segment *sg, __u32 ref, __u16 off,
		    void *dst, __u16 len)
{
	memset(sg, 0, sizeof(*sg));
	sg->source.foreign.ref = ref;
	sg->source.foreign.offset = off;
	sg->dest.virt = dst;
	sg->len = len;
	sg->flags = GNTCOPY_source_gref;
	sg->status = STATUS_JUNK;
}

static void seg_l2g(struct gntdev_grant_copy_segment *sg, void *src, __u32 ref,
		    __u16 off, __u16 len)
{
	memset(sg, 0, sizeof(*sg));
	sg->source.virt = src;
	sg->dest.foreign.ref = ref;
	sg->dest.foreign.offset = off;
	sg->len = len;
	sg->flags = GNTCOPY_dest_gref;
	sg->status = STATUS_JUNK;
}

static bool local_ptr(const void *p, size_t len)
{
	const unsigned char *b = p;

	return b >= lbuf && b + len <= lbuf + LBUF_BYTES;
}

/*
 * Issue @n segments and check everything: the return value, each status
 * against @want (NULL: all GNTST_okay; WANT_ERROR: any error), and the
 * whole grant space and local buffer against what the segments that
 * should succeed must have done. Returns "ok" or what went wrong.
 */
static const char *copy_run(struct gntdev_grant_copy_segment *segs,
			    unsigned int n, const int *want)
{
	static char out[128];
	unsigned char *g0, *gexp, *lexp, *gnow;
	unsigned int i;
	int ret;

	g0 = malloc(GSPACE);
	gexp = malloc(GSPACE);
	gnow = malloc(GSPACE);
	lexp = malloc(LBUF_BYTES);
	if (!g0 || !gexp || !gnow || !lexp)
		lab_die(1, "out of memory");
	gsnap(g0);
	memcpy(gexp, g0, GSPACE);
	memcpy(lexp, lbuf, LBUF_BYTES);
	/* Segments never overlap, so applying them in order is exact. */
	for (i = 0; i < n; i++) {
		struct gntdev_grant_copy_segment *sg = &segs[i];
		const unsigned char *src;
		unsigned char *dst;
		long off;

		if (want && want[i])
			continue;
		if (sg->flags & GNTCOPY_source_gref) {
			off = gflat(sg->source.foreign.ref);
			if (off < 0)
				continue;
			src = g0 + off + sg->source.foreign.offset;
		} else {
			src = lexp + ((unsigned char *)sg->source.virt - lbuf);
		}
		if (sg->flags & GNTCOPY_dest_gref) {
			off = gflat(sg->dest.foreign.ref);
			if (off < 0)
				continue;
			dst = gexp + off + sg->dest.foreign.offset;
		} else {
			if (!local_ptr(sg->dest.virt, sg->len))
				continue;
			dst = lexp + ((unsigned char *)sg->dest.virt - lbuf);
		}
		memmove(dst, src, sg->len);
	}

	ret = lab_grant_copy(cfd, segs, n);
	if (ret) {
		snprintf(out, sizeof(out), "ret=%s", errstr(ret));
		goto done;
	}
	for (i = 0; i < n; i++) {
		int w = want ? want[i] : 0;
		int st = segs[i].status;

		if (w == WANT_ERROR ? st < 0 : st == w)
			continue;
		snprintf(out, sizeof(out), "status[%u]=%d", i, st);
		goto done;
	}
	gsnap(gnow);
	if (memcmp(gnow, gexp, GSPACE)) {
		snprintf(out, sizeof(out), "grant-data-wrong");
		goto done;
	}
	if (memcmp(lbuf, lexp, LBUF_BYTES)) {
		snprintf(out, sizeof(out), "local-data-wrong");
		goto done;
	}
	snprintf(out, sizeof(out), "ok");
done:
	free(g0);
	free(gexp);
	free(gnow);
	free(lexp);
	return out;
}

static bool is_ok(const char *r)
{
	return !strcmp(r, "ok");
}

/* One segment each way, checked with copy_run(). */
static void copy_pair(const char *name, size_t loff, __u16 foff, __u16 len)
{
	struct gntdev_grant_copy_segment sg;
	const char *r;

	case_begin(name);
	copy_reset(1);
	seg_g2l(&sg, cs.refs[3], foff, lbuf + loff, len);
	r = copy_run(&sg, 1, NULL);
	obs("to-local=%s", r);
	expect(is_ok(r), r, "gref -> local, %u bytes at local offset %zu", len,
	       loff);
	copy_reset(2);
	rfill(lbuf + loff, len, 3);
	seg_l2g(&sg, lbuf + loff, cs.refs[5], foff, len);
	r = copy_run(&sg, 1, NULL);
	obs("to-gref=%s", r);
	expect(is_ok(r), r, "local -> gref, %u bytes at local offset %zu", len,
	       loff);
	case_end();
}

/*
 * @n segments of 64 bytes in one call: segment i uses grant i % 16 at
 * offset 64 * (i / 16), and consecutive local bytes starting 32 bytes
 * before a page end, so every 64th segment crosses a local page.
 */
static void copy_segments(unsigned int n)
{
	struct gntdev_grant_copy_segment *segs;
	unsigned char *base = lbuf + PG - 32;
	char name[32];
	const char *r;
	unsigned int i;

	snprintf(name, sizeof(name), "copy-segs-%u", n);
	case_begin(name);
	segs = calloc(n, sizeof(*segs));
	if (!segs)
		lab_die(1, "out of memory");
	copy_reset(n);
	for (i = 0; i < n; i++)
		seg_g2l(&segs[i], cs.refs[i % CS_PAGES], 64 * (i / CS_PAGES),
			base + 64 * i, 64);
	r = copy_run(segs, n, NULL);
	obs("to-local=%s", r);
	expect(is_ok(r), r, "%u segments gref -> local", n);

	copy_reset(n + 1);
	rfill(base, 64 * n, n + 2);
	for (i = 0; i < n; i++)
		seg_l2g(&segs[i], base + 64 * i, cs.refs[i % CS_PAGES],
			64 * (i / CS_PAGES), 64);
	r = copy_run(segs, n, NULL);
	obs("to-gref=%s", r);
	expect(is_ok(r), r, "%u segments local -> gref", n);
	free(segs);
	case_end();
}

/* Length 0: status okay, nothing touched, even with no local buffer. */
static void copy_len0(void)
{
	struct gntdev_grant_copy_segment sg;
	const char *r;
	int ret;

	case_begin("copy-len0");
	copy_reset(4);
	seg_g2l(&sg, cs.refs[0], 100, lbuf + 100, 0);
	r = copy_run(&sg, 1, NULL);
	obs("to-local=%s", r);
	expect(is_ok(r), r, "len 0 gref -> local");
	seg_l2g(&sg, lbuf + 100, cs.refs[0], 4096, 0);
	r = copy_run(&sg, 1, NULL);
	obs("to-gref-offset4096=%s", r);
	expect(is_ok(r), r, "len 0 at foreign offset 4096");
	seg_g2l(&sg, cs.refs[0], 0, NULL, 0);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("null-local=%s,status=%d", errstr(ret), sg.status);
	expect(ret == 0 && sg.status == 0, errstr(ret),
	       "len 0 with a NULL local address");
	case_end();
}

/* Foreign offset + len beyond the page, and local -> local: EINVAL. */
static void copy_einval(void)
{
	struct gntdev_grant_copy_segment sg;
	int ret;

	case_begin("copy-einval");
	copy_reset(5);
	seg_g2l(&sg, cs.refs[0], 4000, lbuf, 200);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("source-overflow=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "source offset 4000 + 200: EINVAL");
	seg_l2g(&sg, lbuf, cs.refs[0], 4095, 2);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("dest-overflow=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "dest offset 4095 + 2: EINVAL");
	seg_g2l(&sg, cs.refs[0], 1, lbuf, 4096);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("offset1-len4096=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "offset 1 + 4096: EINVAL");
	seg_g2l(&sg, cs.refs[0], 0, lbuf, 100);
	sg.source.virt = lbuf + PG;
	sg.flags = 0;
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-to-local=%s", errstr(ret));
	expect(ret == -EINVAL, errstr(ret), "local -> local: EINVAL");
	case_end();
}

/* Both sides grants: Xen may allow it; record what it says. */
static void copy_gref_to_gref(void)
{
	struct gntdev_grant_copy_segment sg;
	const char *r;

	case_begin("copy-gref-to-gref");
	copy_reset(6);
	memset(&sg, 0, sizeof(sg));
	sg.source.foreign.ref = cs.refs[0];
	sg.dest.foreign.ref = cs.refs[1];
	sg.dest.foreign.offset = 100;
	sg.len = 500;
	sg.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
	sg.status = STATUS_JUNK;
	r = copy_run(&sg, 1, NULL);
	obs("result=%s status=%d", r, sg.status);
	/* Only that the driver passed it on and wrote a real status. */
	expect(sg.status != STATUS_JUNK, r, "a status is written");
	case_end();
}

/* Bad refs, domains and read-only grants fail per segment, not per call. */
static void copy_bad_segments(void)
{
	static const unsigned int bad20[] = { 0, 15, 16, 19 };
	struct gntdev_grant_copy_segment segs[20];
	int want[20];
	const char *r;
	unsigned int i;

	case_begin("copy-bad-ref");
	copy_reset(7);
	seg_g2l(&segs[0], INVALID_REF, 0, lbuf, 100);
	want[0] = ST_BAD_GNTREF;
	r = copy_run(segs, 1, want);
	obs("source=%s,status=%d", r, segs[0].status);
	expect(is_ok(r), r, "bad source ref: status GNTST_bad_gntref");
	seg_l2g(&segs[0], lbuf, INVALID_REF, 0, 100);
	r = copy_run(segs, 1, want);
	obs("dest=%s,status=%d", r, segs[0].status);
	expect(is_ok(r), r, "bad dest ref: status GNTST_bad_gntref");
	/* Both halves of a page-crossing segment fail: one status. */
	seg_g2l(&segs[0], INVALID_REF, 0, lbuf + PG - 10, 100);
	r = copy_run(segs, 1, want);
	obs("crossing=%s,status=%d", r, segs[0].status);
	expect(is_ok(r), r, "bad ref, page-crossing local side");
	case_end();

	case_begin("copy-bad-domid");
	copy_reset(8);
	seg_g2l(&segs[0], cs.refs[0], 0, lbuf, 100);
	segs[0].source.foreign.domid = NO_SUCH_DOMID;
	want[0] = ST_BAD_DOMAIN;
	r = copy_run(segs, 1, want);
	obs("result=%s status=%d", r, segs[0].status);
	expect(is_ok(r), r, "domain %d: status GNTST_bad_domain",
	       NO_SUCH_DOMID);
	case_end();

	case_begin("copy-mixed");
	copy_reset(9);
	for (i = 0; i < 5; i++) {
		bool bad = i & 1;

		if (i < 3)
			seg_g2l(&segs[i], bad ? INVALID_REF : cs.refs[i], 0,
				lbuf + 200 * i, 100);
		else
			seg_l2g(&segs[i], lbuf + 200 * i,
				bad ? INVALID_REF : cs.refs[i], 0, 100);
		want[i] = bad ? ST_BAD_GNTREF : 0;
	}
	r = copy_run(segs, 5, want);
	obs("five=%s", r);
	expect(is_ok(r), r, "good, bad, good, bad, good");
	/* Twenty across the 16-op batch boundary, bad at both edges. */
	copy_reset(10);
	for (i = 0; i < 20; i++) {
		want[i] = 0;
		seg_g2l(&segs[i], cs.refs[i % CS_PAGES], 64 * (i / CS_PAGES),
			lbuf + 64 * i, 64);
	}
	for (i = 0; i < sizeof(bad20) / sizeof(bad20[0]); i++) {
		segs[bad20[i]].source.foreign.ref = INVALID_REF;
		want[bad20[i]] = ST_BAD_GNTREF;
	}
	r = copy_run(segs, 20, want);
	obs("twenty=%s", r);
	expect(is_ok(r), r, "bad at 0, 15, 16, 19 of 20");
	case_end();

	case_begin("copy-ro-grant");
	copy_reset(11);
	seg_l2g(&segs[0], lbuf, cro.refs[0], 0, 100);
	want[0] = WANT_ERROR;
	r = copy_run(segs, 1, want);
	obs("dest=%s,status=%d", r, segs[0].status);
	expect(is_ok(r), r, "read-only grant as dest: error status");
	seg_g2l(&segs[0], cro.refs[0], 0, lbuf, 100);
	r = copy_run(segs, 1, NULL);
	obs("source=%s", r);
	expect(is_ok(r), r, "read-only grant as source");
	case_end();
}

/* Unreadable or unwritable user memory: EFAULT for the whole call. */
static void copy_efault(void)
{
	struct gntdev_grant_copy_segment sg, *ro;
	unsigned char *gone, *rdonly;
	int ret;

	case_begin("copy-efault");
	copy_reset(12);
	gone = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rdonly = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED || rdonly == MAP_FAILED)
		lab_die_errno(1, "mmap");
	munmap(gone, PG);

	ret = lab_grant_copy(cfd, (void *)gone, 1);
	obs("segments-unmapped=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "segments unmapped: EFAULT");
	ret = lab_grant_copy(cfd, (void *)16, 1);
	obs("segments-16=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "segments at 16: EFAULT");
	ret = lab_grant_copy(cfd, NULL, 1);
	obs("segments-null-count1=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "segments NULL, count 1: EFAULT");
	ret = lab_grant_copy(cfd, NULL, 0);
	obs("segments-null-count0=%s", errstr(ret));
	expect(ret == 0, errstr(ret), "segments NULL, count 0: 0");

	seg_g2l(&sg, cs.refs[0], 0, gone, 100);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-dest-unmapped=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "unmapped local dest: EFAULT");
	seg_l2g(&sg, gone, cs.refs[0], 0, 100);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-source-unmapped=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "unmapped local source: EFAULT");

	/* rdonly: page 0 read-only memory, page 1 a read-only segment. */
	memset(rdonly, 0x5a, PG);
	ro = (void *)(rdonly + PG);
	seg_g2l(ro, cs.refs[0], 0, lbuf, 100);
	if (mprotect(rdonly, 2 * PG, PROT_READ))
		lab_die_errno(1, "mprotect");
	seg_g2l(&sg, cs.refs[0], 0, rdonly, 100);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-dest-readonly=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "read-only local dest: EFAULT");
	seg_l2g(&sg, rdonly, cs.refs[0], 0, 100);
	ret = lab_grant_copy(cfd, &sg, 1);
	obs("local-source-readonly=%s,status=%d", errstr(ret), sg.status);
	expect(ret == 0 && sg.status == 0, errstr(ret),
	       "read-only local source works");
	ret = lab_grant_copy(cfd, ro, 1);
	obs("status-readonly=%s", errstr(ret));
	expect(ret == -EFAULT, errstr(ret), "status not writable: EFAULT");
	munmap(rdonly, 2 * PG);
	case_end();
}

struct race {
	unsigned char *buf;
	volatile bool stop;
	unsigned long remaps;
	bool lost;
};

/* Unmap and map back the copy buffer as fast as possible. */
static void *race_unmapper(void *arg)
{
	struct race *r = arg;
	void *p;

	while (!r->stop) {
		munmap(r->buf, RACE_SEGS * PG);
		sched_yield();
		p = mmap(r->buf, RACE_SEGS * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
		if (p != r->buf) {
			/* Someone else took the range: stop, don't clobber. */
			if (p != MAP_FAILED)
				munmap(p, RACE_SEGS * PG);
			r->lost = true;
			break;
		}
		r->remaps++;
		sched_yield();
	}
	return NULL;
}

/*
 * Copies while another thread unmaps the local buffer: each call either
 * works or fails with EFAULT; the kernel must stay up (the lab's console
 * gate catches an oops).
 */
static void copy_race_munmap(void)
{
	struct gntdev_grant_copy_segment segs[RACE_SEGS];
	unsigned long ok = 0, efault = 0, other = 0;
	struct race r = { 0 };
	pthread_t th;
	unsigned int i, j;
	int ret;

	case_begin("copy-race-munmap");
	r.buf = mmap(NULL, RACE_SEGS * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.buf == MAP_FAILED)
		lab_die_errno(1, "mmap");
	if (pthread_create(&th, NULL, race_unmapper, &r))
		lab_die(1, "pthread_create failed");
	for (i = 0; i < RACE_ITERS; i++) {
		for (j = 0; j < RACE_SEGS; j++) {
			if (i & 1)
				seg_l2g(&segs[j], r.buf + j * PG, cs.refs[j], 0,
					PG);
			else
				seg_g2l(&segs[j], cs.refs[j], 0, r.buf + j * PG,
					PG);
		}
		ret = lab_grant_copy(cfd, segs, RACE_SEGS);
		if (!ret)
			ok++;
		else if (ret == -EFAULT)
			efault++;
		else
			other++;
	}
	r.stop = true;
	pthread_join(th, NULL);
	if (!r.lost)
		munmap(r.buf, RACE_SEGS * PG);
	lab_note("copy-race-munmap: %lu ok, %lu EFAULT, %lu other, %lu remaps",
		 ok, efault, other, r.remaps);
	obs("survived results=%s", other ? "other-errors" : "ok-or-EFAULT");
	expect(other == 0, "another errno", "every call is 0 or EFAULT");
	case_end();
}

static void group_copy(void)
{
	case_begin("copy-setup");
	cfd = dev_open();
	lbuf = mmap(NULL, LBUF_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lbuf == MAP_FAILED)
		lab_die_errno(1, "mmap");
	if (!share_new(&cs, CS_PAGES, true) || !share_new(&cro, 1, false)) {
		case_end();
		goto out;
	}
	case_end();

	copy_pair("copy-basic", 200, 100, 1000);
	copy_pair("copy-cross-page", PG - 96, 50, 1000);
	copy_pair("copy-len4096-aligned", 3 * PG, 0, 4096);
	copy_pair("copy-len4096-unaligned", 5 * PG + 1234, 0, 4096);
	copy_segments(1);
	copy_segments(2);
	copy_segments(16);
	copy_segments(17);
	copy_segments(64);
	copy_segments(1024);
	copy_len0();
	copy_einval();
	copy_gref_to_gref();
	copy_bad_segments();
	copy_efault();
	copy_race_munmap();
out:
	share_free(&cs);
	share_free(&cro);
	munmap(lbuf, LBUF_BYTES);
	close(cfd);
	grants_left("copy");
}

/* --- main ------------------------------------------------------------------- */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [--stock] [-d GNTDEV_NODE] [-g notify|copy]...\n"
		"  --stock  the driver is the stock one: misses of our\n"
		"           promises are findings, not failures\n"
		"Exit status: 0 all checks passed, 1 some failed, 2 usage.\n",
		program_invocation_short_name);
	exit(2);
}

int main(int argc, char **argv)
{
	bool want_notify = false, want_copy = false;
	unsigned int i;
	int opt;

	while ((opt = lab_getopt(argc, argv, "g:", NULL, &opts)) != -1) {
		switch (opt) {
		case 'g':
			if (!strcmp(optarg, "notify"))
				want_notify = true;
			else if (!strcmp(optarg, "copy"))
				want_copy = true;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!want_notify && !want_copy)
		want_notify = want_copy = true;

	lab_catch_fatal_signals();
	signal(SIGALRM, on_alarm);
	/* A dead observer pipe must not kill us in the middle of a case. */
	signal(SIGPIPE, SIG_IGN);
	lab_note("gntdev-notify-copy: %s driver, node %s",
		 lab_stock ? "stock" : "our", opts.node);

	if (want_notify)
		group_notify();
	if (want_copy)
		group_copy();

	/* A documented case that no longer runs is a stale document. */
	for (i = 0; i < NBAD; i++) {
		bool copy = !strncmp(bad_inputs[i].name, "copy-", 5);

		if (!bad_seen[i] && (copy ? want_copy : want_notify))
			lab_fail("never ran", "%s: as docs/bad-inputs.md lists",
				 bad_inputs[i].name);
	}
	if (lab_stock)
		lab_note("stock findings: %u", lab_findings);
	printf("FIGURES notify-copy driver=%s cases=%u bad_inputs=%u checks=%u failed=%u findings=%u\n",
	       lab_stock ? "stock" : "ours", cases_ran, bad_inputs_ran,
	       lab_tap_passed + lab_tap_failed, lab_tap_failed, lab_findings);
	return lab_tap_summary();
}
