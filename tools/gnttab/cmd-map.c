// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-map.c - gnttab map: map grants of one domain, look at them, unmap
 *
 * The refs are mapped as one contiguous area with
 * xengnttab_map_grant_refs(), the same call a backend uses. The area is
 * filled from a file (--fill), then copied out once, so a hexdump or a
 * saved file (--write) is a single snapshot even if the peer keeps
 * writing. --hold keeps the mapping until a signal, so that other tools
 * (gnttab list, the lab's leak check) can see it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "gnttab.h"

static const char map_help[] =
	"Usage: gnttab map DOMID REF... [--ro] [--hexdump | --write FILE]\n"
	"                  [--fill FILE] [--hold]\n"
	"Map grant references REF... of domain DOMID as one contiguous area\n"
	"(xengnttab_map_grant_refs), then unmap it. Without --hexdump, --write,\n"
	"--fill or --hold, print one line saying what was mapped.\n"
	"\n"
	"  -r, --ro          map read-only\n"
	"  -x, --hexdump     print the pages as hexdump -C does\n"
	"  -w, --write FILE  save the pages' bytes to FILE ('-': stdout)\n"
	"  -f, --fill FILE   first copy FILE's bytes into the pages, from the\n"
	"                    start of the area (not with --ro)\n"
	"  -H, --hold        keep the mapping until SIGINT, SIGTERM or SIGHUP\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 mapped and unmapped, 1 failed, 2 usage error.\n";

struct map_args {
	uint32_t domid;
	uint32_t count;
	uint32_t *refs;
	bool ro, hexdump, hold;
	const char *write, *fill;
};

/* The command line into @a; false: stop, returning *@rc (help, usage). */
static bool map_parse(int argc, char **argv, struct map_args *a, int *rc)
{
	static const struct option opts[] = {
		{ "ro", no_argument, NULL, 'r' },
		{ "hexdump", no_argument, NULL, 'x' },
		{ "write", required_argument, NULL, 'w' },
		{ "fill", required_argument, NULL, 'f' },
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t i;
	int c;

	while ((c = gt_getopt(argc, argv, opts, map_help, rc)) > 0) {
		switch (c) {
		case 'r':
			a->ro = true;
			break;
		case 'x':
			a->hexdump = true;
			break;
		case 'w':
			a->write = optarg;
			break;
		case 'f':
			a->fill = optarg;
			break;
		case 'H':
			a->hold = true;
			break;
		}
	}
	if (c < 0)
		return false;
	if (optind + 2 > argc)
		*rc = gt_usage("need DOMID and at least one REF");
	else if (a->hexdump && a->write)
		*rc = gt_usage("--hexdump and --write exclude each other");
	else if (a->ro && a->fill)
		*rc = gt_usage("--fill writes to the pages: not with --ro");
	else
		*rc = gt_arg_u32("DOMID", argv[optind], GT_DOMID_MAX,
				 &a->domid);
	if (*rc)
		return false;
	a->count = argc - optind - 1;
	a->refs = calloc(a->count, sizeof(*a->refs));
	if (!a->refs) {
		*rc = gt_fail(errno, "allocating %u refs", a->count);
		return false;
	}
	for (i = 0; i < a->count; i++) {
		*rc = gt_arg_u32("REF", argv[optind + 1 + i], UINT32_MAX,
				 &a->refs[i]);
		if (*rc)
			return false;
	}
	return true;
}

/* --hexdump or --write: one snapshot of the area, shown or saved. */
static int map_save(const struct map_args *a, const void *area)
{
	size_t len = (size_t)a->count * GT_PAGE;
	void *snap;

	snap = malloc(len);
	if (!snap)
		return gt_fail(errno, "allocating %zu bytes", len);
	memcpy(snap, area, len);
	if (a->hexdump) {
		gt_hexdump(snap, len);
		if (fflush(stdout)) {
			free(snap);
			return gt_fail(errno, "writing standard output");
		}
	} else if (gt_write_file(a->write, snap, len)) {
		free(snap);
		return gt_fail(errno, "%s", a->write);
	}
	free(snap);
	return GT_OK;
}

/* Fill, show, save, hold: everything done with the area while mapped. */
static int map_use(const struct map_args *a, void *area, const void *fill,
		   size_t fill_len, const sigset_t *sigs)
{
	int rc = GT_OK;

	if (fill)
		memcpy(area, fill, fill_len);
	if (a->hexdump || a->write) {
		rc = map_save(a, area);
	} else if (!a->fill && !a->hold) {
		printf("mapped %u page%s of d%u %s at %p\n", a->count,
		       a->count == 1 ? "" : "s", a->domid,
		       a->ro ? "read-only" : "read-write", area);
		if (fflush(stdout))
			rc = gt_fail(errno, "writing standard output");
	}
	if (rc == GT_OK && a->hold) {
		gt_err("holding %u page%s of d%u at %p (pid %d); SIGINT or SIGTERM unmaps",
		       a->count, a->count == 1 ? "" : "s", a->domid, area,
		       (int)getpid());
		gt_hold_wait(sigs);
	}
	return rc;
}

int gt_cmd_map(int argc, char **argv)
{
	struct map_args a = { 0 };
	size_t fill_len = 0;
	uint32_t *domids = NULL;
	xengnttab_handle *xgt;
	void *fill = NULL;
	void *area = NULL;
	sigset_t sigs;
	uint32_t i;
	int rc;

	if (!map_parse(argc, argv, &a, &rc)) {
		free(a.refs);
		return rc;
	}
	rc = GT_FAIL;
	domids = calloc(a.count, sizeof(*domids));
	if (!domids) {
		gt_fail(errno, "allocating %u domids", a.count);
		goto out;
	}
	for (i = 0; i < a.count; i++)
		domids[i] = a.domid;
	if (a.fill) {
		fill = gt_read_pages(a.fill, a.count, "mapped", &fill_len);
		if (!fill)
			goto out;
	}
	if (a.hold)
		gt_hold_prepare(&sigs);

	xgt = gt_open_gnttab();
	if (!xgt)
		goto out;
	area = xengnttab_map_grant_refs(xgt, a.count, domids, a.refs,
					a.ro ? PROT_READ :
					       PROT_READ | PROT_WRITE);
	if (!area) {
		gt_fail(errno, "xengnttab_map_grant_refs(d%u, %u ref%s)",
			a.domid, a.count, a.count == 1 ? "" : "s");
		xengnttab_close(xgt);
		goto out;
	}

	rc = map_use(&a, area, fill, fill_len, &sigs);
	if (xengnttab_unmap(xgt, area, a.count))
		rc = gt_fail(errno, "xengnttab_unmap(%u page%s)", a.count,
			     a.count == 1 ? "" : "s");
	xengnttab_close(xgt);
out:
	free(fill);
	free(domids);
	free(a.refs);
	return rc;
}
