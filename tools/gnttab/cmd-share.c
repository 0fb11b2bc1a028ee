// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-share.c - gnttab share: grant fresh pages to a domain until a signal
 *
 * The producer side (xengntshr, /dev/xen/gntalloc): allocate and grant
 * NPAGES pages, fill them with a pattern that a hexdump makes obvious (or
 * with a file), print the refs for the peer, and keep the grants alive
 * until SIGINT, SIGTERM or SIGHUP. The refs are on stdout alone, flushed
 * before holding, so a script can start `gnttab share ... >refs &` and
 * read them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gnttab.h"

/* As many pages as one gntalloc request may reasonably hold. */
#define SHARE_MAX_PAGES 65536U

static const char share_help[] =
	"Usage: gnttab share DOMID NPAGES [--ro] [--oneline] [--fill FILE]\n"
	"Allocate NPAGES pages, grant them to domain DOMID (xengntshr_share_pages)\n"
	"and print their grant references, one per line. Hold the grants until\n"
	"SIGINT, SIGTERM or SIGHUP, then unshare them and exit 0.\n"
	"\n"
	"Each page holds a pattern: its first 64 bytes say\n"
	"\"gnttab share: page P of N, ref R, domid D\", every later 16-byte row\n"
	"is \"gnttab page PPPP\".\n"
	"\n"
	"  -r, --ro         grant read-only: DOMID may not write the pages\n"
	"  -1, --oneline    print the refs on one line, separated by spaces\n"
	"  -f, --fill FILE  put FILE's bytes in the pages instead of the pattern\n"
	"                   (the rest stays zero); FILE must fit in NPAGES pages\n"
	"  -h, --help       this help\n"
	"\n"
	"Exit status: 0 shared and unshared, 1 failed, 2 usage error.\n";

struct share_args {
	uint32_t domid, npages;
	bool ro, oneline;
	const char *fill;
};

/* The command line into @a; false: stop, returning *@rc (help, usage). */
static bool share_parse(int argc, char **argv, struct share_args *a, int *rc)
{
	static const struct option opts[] = {
		{ "ro", no_argument, NULL, 'r' },
		{ "oneline", no_argument, NULL, '1' },
		{ "fill", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = gt_getopt(argc, argv, opts, share_help, rc)) > 0) {
		switch (c) {
		case 'r':
			a->ro = true;
			break;
		case '1':
			a->oneline = true;
			break;
		case 'f':
			a->fill = optarg;
			break;
		}
	}
	if (c < 0)
		return false;
	if (argc - optind != 2)
		*rc = gt_usage("need DOMID and NPAGES");
	else
		*rc = gt_arg_u32("DOMID", argv[optind], GT_DOMID_MAX,
				 &a->domid);
	if (!*rc)
		*rc = gt_arg_u32("NPAGES", argv[optind + 1], SHARE_MAX_PAGES,
				 &a->npages);
	if (!*rc && !a->npages)
		*rc = gt_usage("NPAGES must be at least 1");
	return !*rc;
}

/* Prints the refs for the peer, then holds until a signal; GT_OK or GT_FAIL. */
static int share_hold(const struct share_args *a, const uint32_t *refs,
		      const sigset_t *sigs)
{
	uint32_t i;

	for (i = 0; i < a->npages; i++)
		printf("%u%s", refs[i],
		       !a->oneline || i + 1 == a->npages ? "\n" : " ");
	if (fflush(stdout))
		return gt_fail(errno, "writing standard output");
	gt_err("sharing %u page%s with d%u %s (pid %d); SIGINT or SIGTERM unshares",
	       a->npages, a->npages == 1 ? "" : "s", a->domid,
	       a->ro ? "read-only" : "read-write", (int)getpid());
	gt_hold_wait(sigs);
	return GT_OK;
}

int gt_cmd_share(int argc, char **argv)
{
	struct share_args a = { 0 };
	xengntshr_handle *xgs;
	uint32_t *refs = NULL;
	void *fill = NULL;
	size_t fill_len = 0;
	sigset_t sigs;
	void *area;
	int rc;

	if (!share_parse(argc, argv, &a, &rc))
		return rc;
	rc = GT_FAIL;
	refs = calloc(a.npages, sizeof(*refs));
	if (!refs) {
		gt_fail(errno, "allocating %u refs", a.npages);
		goto out;
	}
	if (a.fill) {
		fill = gt_read_pages(a.fill, a.npages, "shared", &fill_len);
		if (!fill)
			goto out;
	}
	gt_hold_prepare(&sigs);

	xgs = gt_open_gntshr();
	if (!xgs)
		goto out;
	area = xengntshr_share_pages(xgs, a.domid, a.npages, refs, !a.ro);
	if (!area) {
		gt_fail(errno, "xengntshr_share_pages(d%u, %u page%s)", a.domid,
			a.npages, a.npages == 1 ? "" : "s");
		xengntshr_close(xgs);
		goto out;
	}
	/* The pages come zeroed; a short file leaves the rest so. */
	if (fill)
		memcpy(area, fill, fill_len);
	else
		gt_pattern_fill(area, a.npages, a.domid, refs);

	rc = share_hold(&a, refs, &sigs);
	if (xengntshr_unshare(xgs, area, a.npages))
		rc = gt_fail(errno, "xengntshr_unshare(%u page%s)", a.npages,
			     a.npages == 1 ? "" : "s");
	xengntshr_close(xgs);
out:
	free(fill);
	free(refs);
	return rc;
}
