// SPDX-License-Identifier: GPL-2.0
/*
 * demo-front - the demo's frontend, run in the domU.
 *
 * Grants a ring of DEMO_PAGES pages to dom0 (gntalloc, through
 * libxengnttab's xengntshr_*), allocates an event channel for dom0 and
 * publishes both under /local/domain/<domid>/data/demo.  Then, for each
 * backend session: waits for the backend to map the ring (its `live`
 * byte), streams checksummed requests, checks every response, and reports
 * how the backend went away: gntdev's unmap notify clears `live` and
 * signals the event channel, whether the backend exits or is killed.
 *
 *   demo-front [-p PINGS] [-s SECS] [-w SECS]
 *
 * Session 1 sends PINGS requests one at a time (latency), then streams
 * with the ring full for SECS seconds (throughput), and says it is done;
 * the backend then unmaps and exits.  Session 2 streams until the
 * backend disappears (dom0 kills it).  The frontend then publishes its
 * verdict (data/demo/result) and waits, ring still granted, until dom0
 * has checked that nothing is mapped any more (data/demo/finish).
 *
 * Lines starting "DEMO-" are for tools/demo/check.sh; the others are for
 * people.  Exit status: 0 all went as expected, 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xengnttab.h>

#include "demo.h"

struct front {
	struct demo_ctrl *ctrl;
	struct demo_slot *slots;
	struct demo_xs *xs;
	int ev;
	unsigned int port;
	uint32_t req_prod, rsp_cons; /* this session's indexes */
	uint64_t next_id; /* message ids are unique over sessions */
	uint64_t sent_id[DEMO_NSLOTS];
	uint32_t sent_crc[DEMO_NSLOTS];
	uint64_t sent_ns[DEMO_NSLOTS];
	uint64_t ok, bad;
	/* Events so far, and the count when `live` was last seen set. */
	uint64_t events, events_live;
	uint64_t lat_min, lat_max, lat_sum, lat_n;
};

/* Why pump() stopped. */
enum { PUMP_DONE, PUMP_GONE, PUMP_STALLED };

static int xs_put(struct front *f, const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEMO_XS_DIR "/%s", key);
	if (demo_xs_write(f->xs, path, val)) {
		fprintf(stderr, "frontend: xenstore write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* True once the backend's mapping is gone (the byte it set is clear). */
static int backend_gone(struct front *f)
{
	if (demo_load(&f->ctrl->live)) {
		f->events_live = f->events;
		return 0;
	}
	return 1;
}

static void wait_event(struct front *f, int ms)
{
	if (demo_evtchn_wait(f->ev, ms) > 0)
		f->events++;
}

static void push_request(struct front *f)
{
	unsigned int i = f->req_prod % DEMO_NSLOTS;
	struct demo_slot *s = &f->slots[i];

	s->id = f->next_id;
	s->len = DEMO_SLOT_DATA;
	s->status = 0;
	s->req_crc = 0;
	demo_fill(s->data, DEMO_SLOT_DATA, f->next_id);
	s->crc = demo_crc32(s->data, DEMO_SLOT_DATA);
	f->sent_id[i] = f->next_id;
	f->sent_crc[i] = s->crc;
	f->sent_ns[i] = demo_now_ns();
	f->next_id++;
	f->req_prod++;
}

/* The backend answers with every byte inverted, CRC'd afresh. */
static int check_response(struct front *f, unsigned int i)
{
	struct demo_slot *s = &f->slots[i];
	uint8_t want[DEMO_SLOT_DATA];
	unsigned int k;

	if (s->id != f->sent_id[i] || s->status || s->len != DEMO_SLOT_DATA ||
	    s->req_crc != f->sent_crc[i] ||
	    demo_crc32(s->data, DEMO_SLOT_DATA) != s->crc)
		return -1;
	demo_fill(want, DEMO_SLOT_DATA, s->id);
	for (k = 0; k < DEMO_SLOT_DATA; k++)
		if ((s->data[k] ^ want[k]) != 0xff)
			return -1;
	return 0;
}

static void take_responses(struct front *f)
{
	uint32_t rp = demo_load(&f->ctrl->rsp_prod);
	uint64_t now = demo_now_ns();

	/* A backend claiming more than was asked is lying: ignore it. */
	if (rp - f->rsp_cons > f->req_prod - f->rsp_cons)
		return;
	while (f->rsp_cons != rp) {
		unsigned int i = f->rsp_cons % DEMO_NSLOTS;
		uint64_t lat = now - f->sent_ns[i];

		if (check_response(f, i)) {
			f->bad++;
			printf("frontend: BAD response to message %" PRIu64
			       "\n",
			       f->sent_id[i]);
		} else {
			f->ok++;
		}
		if (!f->lat_n || lat < f->lat_min)
			f->lat_min = lat;
		if (lat > f->lat_max)
			f->lat_max = lat;
		f->lat_sum += lat;
		f->lat_n++;
		f->rsp_cons++;
	}
}

/*
 * Keep up to @window requests in flight until @total have been answered
 * or @until_ns has passed (then drain), or the backend goes away.
 */
static int pump(struct front *f, uint32_t total, unsigned int window,
		uint64_t until_ns)
{
	uint64_t progress = demo_now_ns();

	for (;;) {
		uint32_t before = f->rsp_cons;
		int pushed = 0;

		if (backend_gone(f))
			return PUMP_GONE;
		while (f->req_prod != total &&
		       f->req_prod - f->rsp_cons < window &&
		       demo_now_ns() < until_ns) {
			push_request(f);
			pushed = 1;
		}
		if (pushed) {
			demo_store(&f->ctrl->req_prod, f->req_prod);
			demo_evtchn_notify(f->ev, f->port);
		}
		take_responses(f);
		if (f->rsp_cons == f->req_prod &&
		    (f->req_prod == total || demo_now_ns() >= until_ns))
			return PUMP_DONE;
		if (f->rsp_cons != before) {
			progress = demo_now_ns();
			continue;
		}
		wait_event(f, 100);
		if (demo_now_ns() - progress > 30 * 1000000000ull)
			return PUMP_STALLED;
	}
}

/* Reset the control page for backend session @n and announce it. */
static int start_session(struct front *f, unsigned int n)
{
	struct demo_ctrl *c = f->ctrl;
	char val[16];

	demo_store(&c->live, 0);
	c->magic = DEMO_MAGIC;
	c->nr_slots = DEMO_NSLOTS;
	c->req_prod = 0;
	c->rsp_prod = 0;
	c->fe_done = 0;
	demo_store(&c->session, n);
	f->req_prod = f->rsp_cons = 0;
	f->ok = f->bad = 0;
	f->lat_min = f->lat_max = f->lat_sum = f->lat_n = 0;
	snprintf(val, sizeof(val), "%u", n);
	return xs_put(f, "session", val);
}

static int wait_backend(struct front *f, unsigned int n, unsigned int secs)
{
	uint64_t t0 = demo_now_ns(), end = t0 + secs * 1000000000ull;

	printf("frontend: session %u: waiting for the backend to map the ring\n",
	       n);
	fflush(stdout);
	while (!demo_load(&f->ctrl->live)) {
		if (demo_now_ns() > end) {
			printf("frontend: no backend within %u s\n", secs);
			return -1;
		}
		wait_event(f, 200);
	}
	f->events_live = f->events;
	printf("frontend: session %u: backend mapped the ring (live byte set) after %.1f s\n",
	       n, (demo_now_ns() - t0) / 1e9);
	fflush(stdout);
	return 0;
}

/*
 * The backend's mapping is gone.  Its notify signals the event channel
 * right after clearing the byte; give that event a moment if it has not
 * been seen yet.
 */
static int saw_unmap_event(struct front *f)
{
	uint64_t end = demo_now_ns() + 3000000000ull;

	while (f->events == f->events_live && demo_now_ns() < end)
		wait_event(f, 100);
	return f->events != f->events_live;
}

static double mib_per_s(uint64_t msgs, uint64_t ns)
{
	/* Payload both ways: the request and its response. */
	return ns ? 2.0 * msgs * DEMO_SLOT_DATA / (1 << 20) / (ns / 1e9) : 0;
}

/* Says which phase ended how, if pump() did not finish it. */
static int pump_failed(const char *phase, int rc)
{
	if (rc == PUMP_DONE)
		return 0;
	printf("frontend: %s phase failed (%s)\n", phase,
	       rc == PUMP_GONE ? "backend gone" : "stalled");
	return 1;
}

static int session_clean(struct front *f, unsigned int pings, unsigned int secs)
{
	uint64_t t0, ns, streamed, ok, bad;
	int rc, ev;

	if (start_session(f, 1) || wait_backend(f, 1, 300))
		return -1;

	rc = pump(f, pings, 1, UINT64_MAX);
	if (pump_failed("ping-pong", rc))
		return -1;
	printf("frontend: ping-pong: %u messages one at a time, %" PRIu64
	       " ok, %" PRIu64
	       " bad; round trip min %.0f us, avg %.0f us, max %.0f us\n",
	       pings, f->ok, f->bad, f->lat_min / 1e3,
	       f->lat_sum / 1e3 / f->lat_n, f->lat_max / 1e3);
	printf("DEMO-FE-PINGPONG n=%u ok=%" PRIu64 " bad=%" PRIu64
	       " avg_us=%.0f\n",
	       pings, f->ok, f->bad, f->lat_sum / 1e3 / f->lat_n);

	ok = f->ok;
	bad = f->bad;
	t0 = demo_now_ns();
	rc = pump(f, UINT32_MAX, DEMO_NSLOTS, t0 + secs * 1000000000ull);
	ns = demo_now_ns() - t0;
	ok = f->ok - ok;
	bad = f->bad - bad;
	streamed = ok + bad;
	if (pump_failed("stream", rc))
		return -1;
	printf("frontend: stream: %" PRIu64
	       " messages of %u bytes, up to %u in flight, in %.2f s: %.0f msg/s, %.2f MiB/s (requests + responses); %" PRIu64
	       " ok, %" PRIu64 " bad\n",
	       streamed, DEMO_SLOT_DATA, DEMO_NSLOTS, ns / 1e9,
	       streamed / (ns / 1e9), mib_per_s(streamed, ns), ok, bad);
	printf("DEMO-FE-STREAM n=%" PRIu64 " ok=%" PRIu64 " bad=%" PRIu64
	       " mibps=%.2f\n",
	       streamed, ok, bad, mib_per_s(streamed, ns));

	/* Done: the backend unmaps and exits; its notify must reach us. */
	t0 = demo_now_ns();
	demo_store(&f->ctrl->fe_done, 1);
	demo_evtchn_notify(f->ev, f->port);
	while (!backend_gone(f)) {
		if (demo_now_ns() - t0 > 30 * 1000000000ull) {
			printf("frontend: the backend kept the ring mapped\n");
			return -1;
		}
		wait_event(f, 100);
	}
	ev = saw_unmap_event(f);
	printf("frontend: backend exited: live byte cleared by its unmap notify %.0f ms after 'done', event %s\n",
	       (demo_now_ns() - t0) / 1e6, ev ? "received" : "NOT received");
	printf("DEMO-FE-UNMAP-NOTIFY session=1 live=0 event=%s bad=%" PRIu64
	       "\n",
	       ev ? "yes" : "no", f->bad);
	return ev && !f->bad ? 0 : -1;
}

static int session_killed(struct front *f)
{
	uint64_t t0;
	int rc, ev;
	char val[96];

	if (start_session(f, 2) || wait_backend(f, 2, 120))
		return -1;
	t0 = demo_now_ns();
	printf("frontend: session 2: streaming until the backend goes away\n");
	fflush(stdout);
	rc = pump(f, UINT32_MAX, DEMO_NSLOTS, t0 + 300 * 1000000000ull);
	if (rc != PUMP_GONE) {
		printf("frontend: session 2 ended, but the backend did not go away (%s)\n",
		       rc == PUMP_STALLED ? "stalled" : "timeout");
		return -1;
	}
	ev = saw_unmap_event(f);
	printf("frontend: backend gone after %.1f s of streaming: live byte cleared, event %s; %" PRIu64
	       " responses ok, %" PRIu64 " bad, %u requests left unanswered\n",
	       (demo_now_ns() - t0) / 1e9, ev ? "received" : "NOT received",
	       f->ok, f->bad, f->req_prod - f->rsp_cons);
	printf("DEMO-FE-UNMAP-NOTIFY session=2 live=0 event=%s ok=%" PRIu64
	       " bad=%" PRIu64 "\n",
	       ev ? "yes" : "no", f->ok, f->bad);
	snprintf(val, sizeof(val), "gone event=%s ok=%" PRIu64 " bad=%" PRIu64,
		 ev ? "yes" : "no", f->ok, f->bad);
	xs_put(f, "result", val);
	return ev && !f->bad && f->ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned int pings = 200, secs = 3, wait = 120, i;
	uint32_t refs[DEMO_PAGES];
	struct front f = { .ev = -1 };
	xengntshr_handle *xgs;
	char domid[16] = "?", val[32], refstr[160];
	int rc, opt, len;
	void *ring;

	while ((opt = getopt(argc, argv, "p:s:w:")) != -1) {
		switch (opt) {
		case 'p':
			pings = atoi(optarg);
			break;
		case 's':
			secs = atoi(optarg);
			break;
		case 'w':
			wait = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: demo-front [-p PINGS] [-s SECS] [-w SECS]\n");
			return 1;
		}
	}
	if (!pings)
		pings = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	f.xs = demo_xs_open();
	if (!f.xs) {
		perror("frontend: xenstore");
		return 1;
	}
	/* Relative paths are under our own /local/domain/<domid>. */
	demo_xs_read(f.xs, "domid", domid, sizeof(domid));

	xgs = xengntshr_open(NULL, 0);
	ring = xgs ? xengntshr_share_pages(xgs, 0, DEMO_PAGES, refs, 1) : NULL;
	if (!ring) {
		perror("frontend: granting the ring");
		return 1;
	}
	f.ctrl = ring;
	f.slots = (struct demo_slot *)((char *)ring + DEMO_PAGE);

	f.ev = demo_evtchn_open();
	rc = f.ev < 0 ? -1 : demo_evtchn_bind_unbound(f.ev, 0);
	if (rc < 0) {
		perror("frontend: event channel");
		return 1;
	}
	f.port = rc;

	len = 0;
	for (i = 0; i < DEMO_PAGES; i++)
		len += snprintf(refstr + len, sizeof(refstr) - len, "%s%u",
				i ? "," : "", refs[i]);
	rc = xs_put(&f, "ring-refs", refstr);
	snprintf(val, sizeof(val), "%u", f.port);
	rc |= xs_put(&f, "event-channel", val);
	rc |= xs_put(&f, "result", "");
	/* Created here, so this domain owns it; dom0 writes 1 into it. */
	rc |= xs_put(&f, "finish", "0");
	if (rc)
		return 1;
	printf("frontend: domU %s granted %u pages to dom0 (1 control + %u data: %u slots of %u bytes), refs %s\n",
	       domid, DEMO_PAGES, DEMO_DATA_PAGES, DEMO_NSLOTS, DEMO_SLOT_SIZE,
	       refstr);
	printf("DEMO-FE-READY domid=%s pages=%u port=%u\n", domid, DEMO_PAGES,
	       f.port);
	printf("frontend: event channel port %u (unbound, for dom0); ring published in xenstore under /local/domain/%s/" DEMO_XS_DIR
	       "\n",
	       f.port, domid);

	rc = session_clean(&f, pings, secs);
	if (!rc)
		rc = session_killed(&f);
	if (rc)
		xs_put(&f, "result", "failed");

	/* Keep the ring granted while dom0 checks nothing maps it. */
	printf("frontend: waiting for dom0's check before releasing the ring\n");
	if (demo_xs_wait(f.xs, DEMO_XS_DIR "/finish", "1", wait)) {
		printf("frontend: dom0 did not finish within %u s\n", wait);
		rc = -1;
	}
	if (xengntshr_unshare(xgs, ring, DEMO_PAGES)) {
		perror("frontend: unshare");
		rc = -1;
	}
	xengntshr_close(xgs);
	demo_xs_close(f.xs);
	printf("frontend: ring released; %s\n",
	       rc ? "FAILED" : "all as expected");
	printf("DEMO-FE-EXIT status=%d\n", rc ? 1 : 0);
	return rc ? 1 : 0;
}
