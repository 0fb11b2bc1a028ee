// SPDX-License-Identifier: GPL-2.0
/*
 * demo-back - the demo's backend, run in dom0 on libxengnttab (and so on
 * the gntdev driver).
 *
 *   demo-back serve -D DOMID -s SESSION [-w SECS] [-m N]
 *   demo-back xs-read PATH | xs-write PATH VALUE | xs-wait PATH VALUE SECS
 *
 * serve waits (up to SECS) for domain DOMID's frontend to announce
 * SESSION in xenstore, binds its event channel, maps the control page
 * with an unmap notify (clear the `live` byte, signal the event channel)
 * and the data pages, sets `live`, and answers requests until the
 * frontend says it is done.  Each response is the request inverted, with
 * a fresh CRC32; a request whose CRC is wrong is answered with status 1.
 * After N responses (-m, default 300) it prints DEMO-BE-STREAMING once,
 * which is when dom0's demo script may look at the mapping or kill it.
 *
 * The xs-* commands give the demo's shell script xenstore access without
 * the dynamically linked xenstore-* tools.
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

static struct demo_xs *xs_open_or_die(void)
{
	struct demo_xs *xs = demo_xs_open();

	if (!xs) {
		perror("demo-back: xenstore");
		exit(1);
	}
	return xs;
}

static int xs_cmd(int argc, char **argv)
{
	struct demo_xs *xs = xs_open_or_die();
	char val[4096];
	int rc = -1;

	if (!strcmp(argv[0], "xs-read") && argc == 2) {
		rc = demo_xs_read(xs, argv[1], val, sizeof(val));
		if (!rc)
			printf("%s\n", val);
	} else if (!strcmp(argv[0], "xs-write") && argc == 3) {
		rc = demo_xs_write(xs, argv[1], argv[2]);
	} else if (!strcmp(argv[0], "xs-wait") && argc == 4) {
		rc = demo_xs_wait(xs, argv[1], argv[2], atoi(argv[3]));
	} else {
		fprintf(stderr, "demo-back: bad xs command\n");
		return 2;
	}
	if (rc)
		fprintf(stderr, "demo-back: %s %s: %s\n", argv[0], argv[1],
			strerror(errno));
	demo_xs_close(xs);
	return rc ? 1 : 0;
}

/* "a,b,c" into @refs; the number of refs, or -1. */
static int parse_refs(const char *s, uint32_t *refs, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		refs[n++] = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ','))
			return -1;
		s = *end ? end + 1 : end;
	}
	return *s ? -1 : n;
}

/* Answer one request in place; 0 if its CRC was right. */
static int answer(struct demo_slot *s)
{
	uint8_t buf[DEMO_SLOT_DATA];
	uint32_t len = s->len, crc, i;
	int bad;

	/* Read the peer's data once into our copy: it may change under us. */
	if (len > DEMO_SLOT_DATA)
		len = DEMO_SLOT_DATA;
	memcpy(buf, s->data, len);
	crc = demo_crc32(buf, len);
	bad = crc != s->crc;
	for (i = 0; i < len; i++)
		buf[i] = ~buf[i];
	memcpy(s->data, buf, len);
	s->len = len;
	s->req_crc = crc;
	s->crc = demo_crc32(buf, len);
	s->status = bad;
	return bad;
}

static int serve(int argc, char **argv)
{
	unsigned int domid = 0, session = 0, wait = 120, mark = 300;
	uint32_t refs[DEMO_PAGES], cons = 0, served = 0, bad = 0, nslots;
	char base[64], path[128], val[256], refstr[256], want[16];
	struct demo_slot *slots;
	struct demo_ctrl *ctrl;
	uint64_t t0, idle, ns;
	xengnttab_handle *xgt;
	struct demo_xs *xs;
	int opt, ev, port, lport, marked = 0;
	void *data;

	while ((opt = getopt(argc, argv, "D:s:w:m:")) != -1) {
		switch (opt) {
		case 'D':
			domid = atoi(optarg);
			break;
		case 's':
			session = atoi(optarg);
			break;
		case 'w':
			wait = atoi(optarg);
			break;
		case 'm':
			mark = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!domid || !session) {
		fprintf(stderr,
			"usage: demo-back serve -D DOMID -s SESSION [-w SECS] [-m N]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open_or_die();
	snprintf(base, sizeof(base), "/local/domain/%u/" DEMO_XS_DIR, domid);

	printf("backend: session %u: waiting for d%u's frontend in xenstore (%s)\n",
	       session, domid, base);
	snprintf(path, sizeof(path), "%s/session", base);
	snprintf(want, sizeof(want), "%u", session);
	if (demo_xs_wait(xs, path, want, wait)) {
		printf("backend: no session %u from d%u within %u s\n", session,
		       domid, wait);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ring-refs", base);
	if (demo_xs_read(xs, path, refstr, sizeof(refstr)) ||
	    parse_refs(refstr, refs, DEMO_PAGES) != DEMO_PAGES) {
		printf("backend: bad %s\n", path);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/event-channel", base);
	if (demo_xs_read(xs, path, val, sizeof(val))) {
		printf("backend: no %s\n", path);
		return 1;
	}
	port = atoi(val);

	ev = demo_evtchn_open();
	lport = ev < 0 ? -1 : demo_evtchn_bind_interdomain(ev, domid, port);
	if (lport < 0) {
		perror("backend: binding the event channel");
		return 1;
	}
	xgt = xengnttab_open(NULL, 0);
	if (!xgt)
		return 1;
	/* The kernel clears `live` and kicks the frontend when this goes. */
	ctrl = xengnttab_map_grant_ref_notify(xgt, domid, refs[0],
					      PROT_READ | PROT_WRITE,
					      DEMO_LIVE_OFFSET, lport);
	data = ctrl ? xengnttab_map_domain_grant_refs(xgt, DEMO_DATA_PAGES,
						      domid, refs + 1,
						      PROT_READ | PROT_WRITE) :
		      NULL;
	if (!data) {
		perror("backend: mapping the ring");
		return 1;
	}
	slots = data;
	nslots = ctrl->nr_slots;
	if (ctrl->magic != DEMO_MAGIC || ctrl->session != session ||
	    nslots != DEMO_NSLOTS) {
		printf("backend: not a demo ring (magic %#x session %u slots %u)\n",
		       ctrl->magic, ctrl->session, nslots);
		return 1;
	}
	printf("backend: mapped d%u's ring: %u pages, refs %s (control page with unmap notify: clear byte %zu, signal port %d), event channel d%u:%d <-> d0:%d\n",
	       domid, DEMO_PAGES, refstr, DEMO_LIVE_OFFSET, lport, domid, port,
	       lport);
	printf("DEMO-BE-MAPPED domid=%u session=%u pages=%u port=%d\n", domid,
	       session, DEMO_PAGES, lport);
	demo_store(&ctrl->live, 1);
	demo_evtchn_notify(ev, lport);

	t0 = idle = demo_now_ns();
	for (;;) {
		uint32_t prod = demo_load(&ctrl->req_prod);
		uint32_t start = cons;

		/* More requests than slots in flight: a broken frontend. */
		if (prod - cons > nslots) {
			printf("backend: frontend overran the ring\n");
			break;
		}
		while (cons != prod) {
			bad += answer(&slots[cons % nslots]);
			cons++;
			served++;
		}
		if (cons != start) {
			demo_store(&ctrl->rsp_prod, cons);
			demo_evtchn_notify(ev, lport);
			idle = demo_now_ns();
			if (!marked && served >= mark) {
				printf("DEMO-BE-STREAMING served=%u\n", served);
				marked = 1;
			}
			continue;
		}
		if (demo_load(&ctrl->fe_done) == 1)
			break;
		if (demo_now_ns() - idle > 60 * 1000000000ull) {
			printf("backend: no request for 60 s\n");
			break;
		}
		demo_evtchn_wait(ev, 100);
	}
	ns = demo_now_ns() - t0;
	printf("backend: session %u: served %u requests (%u with a bad CRC) in %.2f s since mapping the ring (%.2f MiB/s); unmapping\n",
	       session, served, bad, ns / 1e9,
	       ns ? 2.0 * served * DEMO_SLOT_DATA / (1 << 20) / (ns / 1e9) : 0);
	xengnttab_unmap(xgt, data, DEMO_DATA_PAGES);
	xengnttab_unmap(xgt, ctrl, 1);
	xengnttab_close(xgt);
	demo_xs_close(xs);
	printf("DEMO-BE-EXIT session=%u served=%u bad=%u\n", session, served,
	       bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 1, argv + 1);
	if (argc >= 2 && !strncmp(argv[1], "xs-", 3))
		return xs_cmd(argc - 1, argv + 1);
	fprintf(stderr,
		"usage: demo-back serve -D DOMID -s SESSION [-w SECS] [-m N]\n"
		"       demo-back xs-read PATH | xs-write PATH VALUE | xs-wait PATH VALUE SECS\n");
	return 2;
}
