// SPDX-License-Identifier: GPL-2.0
/*
 * conform-notify.c - the "notify" group of gntdev-conform: what an unmap
 * notification (IOCTL_GNTDEV_SET_UNMAP_NOTIFY) does over a map's whole
 * life, and what a refused one leaves behind.
 *
 * Each case maps pool pages 0 and 1 and watches them from the granting
 * side: the notify byte is byte 123 of page 1 (MARK until the driver
 * clears it). Events are seen on a loopback event-channel pair (lab.h):
 * the driver is told to signal its tx port, and the rx file becomes
 * readable. Every step a case checks is a token of its observation
 * ("munmap:byte=0,event=no"), so the expectation in the table below is
 * the only place that says what must happen.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <sys/wait.h>

#define P CONFORM_PAGE

/* The value the granting side leaves in the notify byte. */
#define MARK 0xa5
/* The notify byte: page 1 of a 2-page map, at an odd offset. */
#define NOTIFY_OFF (P + 123)
/* A second byte, in page 0, for the cases that move the notify. */
#define NOTIFY_OFF2 50
#define BOTH (UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)

/* A port number nothing binds in the lab's small dom0. */
#define NEVER_BOUND_PORT 4000u
/* Beyond any event-channel ABI's limit. */
#define HUGE_PORT 0xfffffff0u

/* TCG is slow: wait long for an event that must come, briefly otherwise. */
#define EV_YES_MS 3000
#define EV_NO_MS 300

/* One 2-page map of pool pages 0 and 1, with its observer. */
struct nctx {
	struct lab_evtchn_pair e;
	int fd;
	__u64 index;
	unsigned char *map;
};

static const char *yesno(int v)
{
	return v > 0 ? "yes" : v < 0 ? "error" : "no";
}

/* The byte at @off of the map, as the granting side sees it. */
static unsigned char granted(unsigned int off)
{
	return ((volatile unsigned char *)pool.page[off / P])[off % P];
}

static const char *bytestr(unsigned char v)
{
	return v == 0 ? "0" : v == MARK ? "set" : "other";
}

static const char *nbyte(void)
{
	return bytestr(granted(NOTIFY_OFF));
}

/* A loopback pair, or the case ends ("evtchn=ENOTTY" for i386). */
static void pair_open(struct lab_evtchn_pair *e)
{
	must(lab_evtchn_pair_open(e), "evtchn");
}

/* Mark both bytes, bind the observer, map pool pages 0 and 1. */
static void nctx_begin(struct nctx *c)
{
	pool.page[NOTIFY_OFF / P][NOTIFY_OFF % P] = MARK;
	pool.page[0][NOTIFY_OFF2] = MARK;
	c->map = MAP_FAILED;
	pair_open(&c->e);
	c->fd = gopen();
	c->index = must_map_pool(c->fd, 0, 2);
}

static void nctx_mmap(struct nctx *c, int prot)
{
	c->map = must_gmmap(c->fd, c->index, 2, prot);
}

static void nctx_munmap(struct nctx *c)
{
	munmap(c->map, 2 * P);
	c->map = MAP_FAILED;
}

static int nctx_notify(struct nctx *c, unsigned int off, __u32 action)
{
	return set_notify(c->fd, c->index + off, action, c->e.tx);
}

/* nctx_begin(), mmap read-write, then notify (both actions) at the byte. */
static void nctx_armed(struct nctx *c)
{
	nctx_begin(c);
	nctx_mmap(c, PROT_READ | PROT_WRITE);
	obs("set=%s", ename(nctx_notify(c, NOTIFY_OFF, BOTH)));
}

/* Whether the mapping shows the granted byte (a wrong page would not). */
static const char *view(struct nctx *c)
{
	return c->map[NOTIFY_OFF] == MARK ? "set" : "wrong";
}

/*
 * Whether a notify can still take a reference on @port: only while
 * something keeps the port bound. Leaves no notify behind.
 */
static const char *port_probe(int fd, __u64 index, __u32 port)
{
	if (set_notify(fd, index, UNMAP_NOTIFY_SEND_EVENT, port))
		return "gone";
	set_notify(fd, index, 0, 0);
	return "held";
}

/* The observer works: IOCTL_EVTCHN_NOTIFY on tx reaches rx, once. */
static void case_evtchn_selftest(unsigned int arg)
{
	struct lab_evtchn_pair e;

	pair_open(&e);
	must(lab_evtchn_send(&e), "send");
	obs("event=%s", yesno(lab_evtchn_wait(&e, EV_YES_MS)));
	obs("again=%s", yesno(lab_evtchn_wait(&e, EV_NO_MS)));
}

/*
 * libxengnttab's order (mmap, then notify; munmap, then UNMAP) or the
 * notify first (@before_mmap): munmap clears the byte, the event waits
 * for the map's last reference, and it comes exactly once.
 */
static void case_lifecycle(unsigned int before_mmap)
{
	struct nctx c;
	int ev;

	nctx_begin(&c);
	if (before_mmap)
		obs("set=%s", ename(nctx_notify(&c, NOTIFY_OFF, BOTH)));
	nctx_mmap(&c, PROT_READ | PROT_WRITE);
	if (!before_mmap)
		obs("set=%s", ename(nctx_notify(&c, NOTIFY_OFF, BOTH)));
	obs("view=%s", view(&c));
	nctx_munmap(&c);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("munmap:byte=%s,event=%s", nbyte(), yesno(ev));
	obs("unmap=%s", ename(lab_unmap(c.fd, c.index, 2)));
	obs("event=%s", yesno(lab_evtchn_wait(&c.e, EV_YES_MS)));
	close(c.fd);
	obs("again=%s", yesno(lab_evtchn_wait(&c.e, EV_NO_MS)));
}

/* close() with a live mapping: nothing fires until the mapping goes. */
static void case_close_live_mmap(unsigned int arg)
{
	struct nctx c;
	int ev;

	nctx_armed(&c);
	close(c.fd);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("close:byte=%s,event=%s,view=%s", nbyte(), yesno(ev), view(&c));
	nctx_munmap(&c);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("munmap:byte=%s,event=%s", nbyte(), yesno(ev));
	obs("again=%s", yesno(lab_evtchn_wait(&c.e, EV_NO_MS)));
}

/* The holder of case_child: map, mmap and notify as @arg, a struct nctx. */
static int notify_child(void *arg)
{
	struct nctx *c = arg;

	c->fd = open(gntdev_node, O_RDWR);
	if (c->fd < 0 || map_pool(c->fd, 0, 2, &c->index))
		return 1;
	c->map = gmmap(c->fd, c->index, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (c->map == MAP_FAILED || nctx_notify(c, NOTIFY_OFF, BOTH))
		return 2;
	return 0;
}

static const char *how_died(int status)
{
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return "exit0";
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return "SIGKILL";
	return "other";
}

/* A process that mapped with a notify exits, or (@kill9) is killed. */
static void case_child(unsigned int kill9)
{
	struct nctx c = { .fd = -1 };
	int status, ev;
	pid_t pid;

	pool.page[NOTIFY_OFF / P][NOTIFY_OFF % P] = MARK;
	pair_open(&c.e);
	pid = fork_holder(notify_child, &c, &status);
	if (pid < 0)
		obs_end("child=failed");
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("alive:byte=%s,event=%s", nbyte(), yesno(ev));
	status = end_holder(pid, kill9 ? SIGKILL : SIGCONT);
	obs("died=%s", how_died(status));
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("dead:byte=%s,event=%s", nbyte(), yesno(ev));
	obs("again=%s", yesno(lab_evtchn_wait(&c.e, EV_NO_MS)));
}

/* Each action alone and both: only what was asked for happens. */
static void case_actions(unsigned int arg)
{
	static const struct {
		const char *name;
		__u32 action;
	} acts[] = {
		{ "clear", UNMAP_NOTIFY_CLEAR_BYTE },
		{ "send", UNMAP_NOTIFY_SEND_EVENT },
		{ "both", BOTH },
	};
	struct nctx c;
	size_t i;
	int ret, ev;

	for (i = 0; i < ARRAY_SIZE(acts); i++) {
		bool send = acts[i].action & UNMAP_NOTIFY_SEND_EVENT;

		nctx_begin(&c);
		nctx_mmap(&c, PROT_READ | PROT_WRITE);
		ret = nctx_notify(&c, NOTIFY_OFF, acts[i].action);
		nctx_munmap(&c);
		lab_unmap(c.fd, c.index, 2);
		ev = lab_evtchn_wait(&c.e, send ? EV_YES_MS : EV_NO_MS);
		obs("%s:set=%s,byte=%s,event=%s", acts[i].name, ename(ret),
		    nbyte(), yesno(ev));
		close(c.fd);
		lab_evtchn_pair_close(&c.e);
	}
}

/* A map already mmapped read-only: CLEAR_BYTE is refused, SEND_EVENT not. */
static void case_ro_mmap_then_clear(unsigned int arg)
{
	struct nctx c;
	int ev;

	nctx_begin(&c);
	nctx_mmap(&c, PROT_READ);
	obs("clear=%s",
	    ename(nctx_notify(&c, NOTIFY_OFF, UNMAP_NOTIFY_CLEAR_BYTE)));
	obs("both=%s", ename(nctx_notify(&c, NOTIFY_OFF, BOTH)));
	obs("send=%s",
	    ename(nctx_notify(&c, NOTIFY_OFF, UNMAP_NOTIFY_SEND_EVENT)));
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("byte=%s event=%s", nbyte(), yesno(ev));
}

/*
 * CLEAR_BYTE first, then a read-only mmap: ours refuses the mmap (README,
 * deliberate differences), and the refusal does not use up the map's one
 * mmap. Stock accepts it and would later write the byte through the
 * read-only mapping (the 6.1 oops of the danger group), so the notify is
 * withdrawn there before the munmap.
 */
static void case_clear_then_ro_mmap(unsigned int arg)
{
	struct nctx c;

	nctx_begin(&c);
	obs("clear=%s",
	    ename(nctx_notify(&c, NOTIFY_OFF, UNMAP_NOTIFY_CLEAR_BYTE)));
	c.map = gmmap(c.fd, c.index, 2, PROT_READ, MAP_SHARED);
	obs("ro-mmap=%s", c.map == MAP_FAILED ? ename(errno) : "ok");
	if (c.map != MAP_FAILED) {
		obs("withdraw=%s",
		    ename(set_notify(c.fd, c.index + NOTIFY_OFF, 0, 0)));
		nctx_munmap(&c);
		return;
	}
	c.map = gmmap(c.fd, c.index, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	obs("rw-mmap=%s", c.map == MAP_FAILED ? ename(errno) : "ok");
	if (c.map != MAP_FAILED)
		nctx_munmap(&c);
	obs("byte=%s", nbyte());
}

/* Unknown action bits are refused and install nothing. */
static void case_bad_action(unsigned int arg)
{
	static const __u32 bad[] = { 0x4, 0x8, 0x80000000u, 0x7 };
	struct nctx c;
	size_t i;

	nctx_begin(&c);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		obs("0x%x=%s", bad[i],
		    ename(nctx_notify(&c, NOTIFY_OFF, bad[i])));
	lab_unmap(c.fd, c.index, 2);
	obs("event=%s", yesno(lab_evtchn_wait(&c.e, EV_NO_MS)));
}

/* Ports the evtchn driver did not bind for us: refused (header: EINVAL). */
static void case_bad_port(unsigned int arg)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	struct lab_evtchn_pair gone;
	struct nctx c;
	int ret, ufd, port;

	nctx_begin(&c);
	obs("never-bound=%s",
	    ename(set_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT,
			     NEVER_BOUND_PORT)));
	obs("huge=%s", ename(set_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT,
					HUGE_PORT)));
	/* A port that was bound and then unbound again. */
	pair_open(&gone);
	lab_evtchn_unbind_tx(&gone);
	ret = set_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT, gone.tx);
	obs("unbound=%s", ename(ret));
	if (!ret)
		set_notify(c.fd, c.index, 0, 0);
	lab_evtchn_pair_close(&gone);
	/* Bound by the evtchn driver but not connected: ours to use. */
	ufd = open(LAB_EVTCHN_NODE, O_RDWR | O_CLOEXEC);
	port = ufd < 0 ? -1 : ioctl(ufd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (port < 0)
		obs_end("unconnected=bind-%s", ename(errno));
	ret = set_notify(c.fd, c.index, UNMAP_NOTIFY_SEND_EVENT, port);
	obs("unconnected=%s", ename(ret));
	if (!ret)
		set_notify(c.fd, c.index, 0, 0);
}

/* An offset that no map of the file covers: ENOENT. */
static void case_no_map(unsigned int arg)
{
	int fd = gopen();
	struct nctx c;

	obs("empty-file=%s",
	    ename(set_notify(fd, 0, UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	close(fd);
	nctx_begin(&c);
	obs("past-end=%s", ename(set_notify(c.fd, c.index + 2 * P,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	obs("huge=%s", ename(set_notify(c.fd, c.index + (1ull << 50),
					UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	obs("last-byte=%s", ename(set_notify(c.fd, c.index + 2 * P - 1,
					     UNMAP_NOTIFY_CLEAR_BYTE, 0)));
}

/* Failed SET_UNMAP_NOTIFY calls leave the installed notify as it was. */
static void case_failed_keeps_old(unsigned int arg)
{
	struct nctx c;
	int ev;

	nctx_armed(&c);
	obs("bad-port=%s", ename(set_notify(c.fd, c.index + NOTIFY_OFF2, BOTH,
					    NEVER_BOUND_PORT)));
	obs("bad-action=%s", ename(nctx_notify(&c, NOTIFY_OFF2, 0x4)));
	obs("bad-offset=%s", ename(nctx_notify(&c, 2 * P, BOTH)));
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("byte=%s other-byte=%s event=%s", nbyte(),
	    bytestr(granted(NOTIFY_OFF2)), yesno(ev));
}

/* Probe @pair's tx port once it is unbound: a held reference keeps it. */
static const char *released(int fd, __u64 index, struct lab_evtchn_pair *e)
{
	must(lab_evtchn_unbind_tx(e), "unbind");
	return port_probe(fd, index, e->tx);
}

/*
 * A second notify replaces the first: only its byte and port fire, and the
 * first port's reference is dropped, so once unbound it is gone for good.
 */
static void case_replace(unsigned int arg)
{
	struct lab_evtchn_pair e2;
	int pfd, ev1, ev2;
	__u64 probe_index;
	struct nctx c;

	nctx_armed(&c);
	pair_open(&e2);
	/* A second map on another fd, never mmapped, to probe ports with. */
	pfd = gopen();
	probe_index = must_map_pool(pfd, 0, 1);
	obs("probe=%s", port_probe(pfd, probe_index, e2.tx));
	obs("replace=%s",
	    ename(set_notify(c.fd, c.index + NOTIFY_OFF2, BOTH, e2.tx)));
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev2 = lab_evtchn_wait(&e2, EV_YES_MS);
	ev1 = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("old:byte=%s,event=%s new:byte=%s,event=%s", nbyte(), yesno(ev1),
	    bytestr(granted(NOTIFY_OFF2)), yesno(ev2));
	obs("old-port=%s", released(pfd, probe_index, &c.e));
	obs("new-port=%s", released(pfd, probe_index, &e2));
}

/*
 * Action 0 withdraws a notify and its port; a refused SET_UNMAP_NOTIFY
 * (ENOENT) gives back the port reference it took first.
 */
static void case_withdraw(unsigned int arg)
{
	struct lab_evtchn_pair e2;
	struct nctx c;
	int ev;

	nctx_armed(&c);
	pair_open(&e2);
	obs("action0=%s", ename(set_notify(c.fd, c.index + NOTIFY_OFF, 0, 0)));
	obs("enoent=%s", ename(set_notify(c.fd, c.index + 2 * P,
					  UNMAP_NOTIFY_SEND_EVENT, e2.tx)));
	nctx_munmap(&c);
	lab_unmap(c.fd, c.index, 2);
	ev = lab_evtchn_wait(&c.e, EV_NO_MS);
	obs("byte=%s event=%s", nbyte(), yesno(ev));
	/* Probe on a fresh map: neither port may still be held. */
	c.index = must_map_pool(c.fd, 0, 1);
	obs("withdrawn-port=%s", released(c.fd, c.index, &c.e));
	obs("enoent-port=%s", released(c.fd, c.index, &e2));
}

/* A map never mmapped: the event fires, no byte can be cleared. */
static void case_never_mmapped(unsigned int by_close)
{
	struct nctx c;
	int ev;

	nctx_begin(&c);
	obs("set=%s", ename(nctx_notify(&c, NOTIFY_OFF, BOTH)));
	if (by_close)
		close(c.fd);
	else
		obs("unmap=%s", ename(lab_unmap(c.fd, c.index, 2)));
	ev = lab_evtchn_wait(&c.e, EV_YES_MS);
	obs("byte=%s event=%s", nbyte(), yesno(ev));
	if (!by_close)
		close(c.fd);
	obs("again=%s", yesno(lab_evtchn_wait(&c.e, EV_NO_MS)));
}

/* Exactly one event over the whole life, however the map is let go. */
static void case_once(unsigned int arg)
{
	struct nctx c;
	int total = 0;

	nctx_begin(&c);
	nctx_mmap(&c, PROT_READ | PROT_WRITE);
	obs("set=%s",
	    ename(nctx_notify(&c, NOTIFY_OFF, UNMAP_NOTIFY_SEND_EVENT)));
	/* Each step gets its own wait, so a second event cannot coalesce. */
	nctx_munmap(&c);
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	lab_unmap(c.fd, c.index, 2);
	total += lab_evtchn_wait(&c.e, EV_YES_MS) > 0;
	obs("second-unmap=%s", ename(lab_unmap(c.fd, c.index, 2)));
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	close(c.fd);
	total += lab_evtchn_wait(&c.e, EV_NO_MS) > 0;
	obs("events=%d", total);
}

/* What case_lifecycle() must see in either order. */
#define LIFECYCLE_OBS \
	"set=ok view=set munmap:byte=0,event=no unmap=ok event=yes again=no"

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("evtchn-selftest", case_evtchn_selftest, 0,
		     "event=yes again=no"),
	CONFORM_CASE("notify-after-mmap", case_lifecycle, 0, LIFECYCLE_OBS,
		     .need = 2),
	CONFORM_CASE("notify-before-mmap", case_lifecycle, 1, LIFECYCLE_OBS,
		     .need = 2),
	CONFORM_CASE("notify-close-live-mmap", case_close_live_mmap, 0,
		     "set=ok close:byte=set,event=no,view=set "
		     "munmap:byte=0,event=yes again=no", .need = 2),
	CONFORM_CASE("notify-child-exit", case_child, 0,
		     "alive:byte=set,event=no died=exit0 "
		     "dead:byte=0,event=yes again=no", .need = 2),
	CONFORM_CASE("notify-child-kill9", case_child, 1,
		     "alive:byte=set,event=no died=SIGKILL "
		     "dead:byte=0,event=yes again=no", .need = 2),
	CONFORM_CASE("notify-actions", case_actions, 0,
		     "clear:set=ok,byte=0,event=no send:set=ok,byte=set,event=yes "
		     "both:set=ok,byte=0,event=yes", .need = 2, .timeout = 40),
	CONFORM_CASE("notify-ro-mmap-then-clear", case_ro_mmap_then_clear, 0,
		     "clear=EINVAL both=EINVAL send=ok byte=set event=yes",
		     .need = 2, .bad_input = true),
	CONFORM_CASE("notify-clear-then-ro-mmap", case_clear_then_ro_mmap, 0,
		     "clear=ok ro-mmap=EINVAL rw-mmap=ok byte=0",
		     .stock = "clear=ok ro-mmap=ok withdraw=ok", .need = 2,
		     .bad_input = true),
	CONFORM_CASE("notify-bad-action-none-left", case_bad_action, 0,
		     "0x4=EINVAL 0x8=EINVAL 0x80000000=EINVAL 0x7=EINVAL "
		     "event=no", .need = 2, .bad_input = true),
	CONFORM_CASE("notify-port-kinds", case_bad_port, 0,
		     "never-bound=EINVAL huge=EINVAL unbound=EINVAL "
		     "unconnected=ok", .need = 2, .bad_input = true),
	CONFORM_CASE("notify-no-map", case_no_map, 0,
		     "empty-file=ENOENT past-end=ENOENT huge=ENOENT "
		     "last-byte=ok", .need = 2, .bad_input = true),
	CONFORM_CASE("notify-failed-keeps-old", case_failed_keeps_old, 0,
		     "set=ok bad-port=EINVAL bad-action=EINVAL "
		     "bad-offset=ENOENT byte=0 other-byte=set event=yes",
		     .need = 2, .bad_input = true),
	CONFORM_CASE("notify-replace", case_replace, 0,
		     "set=ok probe=held replace=ok old:byte=set,event=no "
		     "new:byte=0,event=yes old-port=gone new-port=gone",
		     .need = 2),
	CONFORM_CASE("notify-withdraw", case_withdraw, 0,
		     "set=ok action0=ok enoent=ENOENT byte=set event=no "
		     "withdrawn-port=gone enoent-port=gone", .need = 2,
		     .bad_input = true),
	CONFORM_CASE("notify-never-mmapped-unmap", case_never_mmapped, 0,
		     "set=ok unmap=ok byte=set event=yes again=no", .need = 2),
	CONFORM_CASE("notify-never-mmapped-close", case_never_mmapped, 1,
		     "set=ok byte=set event=yes again=no", .need = 2),
	CONFORM_CASE("notify-once", case_once, 0,
		     "set=ok second-unmap=ENOENT events=1", .need = 2,
		     .bad_input = true),
};
/* clang-format on */

CONFORM_GROUP(conform_notify, "notify", .by_default = true);
