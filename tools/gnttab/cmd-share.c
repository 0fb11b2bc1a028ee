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

int gt_cmd_share(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ro", no_argument, NULL, 'r' },
		{ "oneline", no_argument, NULL, '1' },
		{ "fill", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t domid, npages, i;
	const char *fill = NULL;
	bool ro = false, oneline = false, more;
	xengntshr_handle *xgs;
	uint32_t *refs = NULL;
	void *buf = NULL;
	void *area;
	sigset_t sigs;
	ssize_t n = 0;
	size_t len;
	int c, rc;

	while ((c = gt_getopt(argc, argv, opts, share_help, &rc)) > 0) {
		switch (c) {
		case 'r':
			ro = true;
			break;
		case '1':
			oneline = true;
			break;
		case 'f':
			fill = optarg;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (argc - optind != 2)
		return gt_usage("need DOMID and NPAGES");
	rc = gt_arg_u32("DOMID", argv[optind], GT_DOMID_MAX, &domid);
	if (rc)
		return rc;
	rc = gt_arg_u32("NPAGES", argv[optind + 1], SHARE_MAX_PAGES, &npages);
	if (rc)
		return rc;
	if (!npages)
		return gt_usage("NPAGES must be at least 1");
	len = (size_t)npages * GT_PAGE;

	rc = GT_FAIL;
	refs = calloc(npages, sizeof(*refs));
	if (!refs) {
		gt_fail(errno, "allocating %u refs", npages);
		goto out;
	}
	if (fill) {
		/* Read before sharing: a bad file costs no grant. */
		buf = malloc(len);
		if (!buf) {
			gt_fail(errno, "allocating %zu bytes", len);
			goto out;
		}
		n = gt_read_file(fill, buf, len, &more);
		if (n < 0) {
			gt_fail(errno, "%s", fill);
			goto out;
		}
		if (more) {
			gt_err("%s: larger than the %u shared pages (%zu bytes)",
			       fill, npages, len);
			goto out;
		}
	}
	gt_hold_prepare(&sigs);

	xgs = gt_open_gntshr();
	if (!xgs)
		goto out;
	area = xengntshr_share_pages(xgs, domid, npages, refs, !ro);
	if (!area) {
		gt_fail(errno, "xengntshr_share_pages(d%u, %u page%s)", domid,
			npages, npages == 1 ? "" : "s");
		xengntshr_close(xgs);
		goto out;
	}
	/* The pages come zeroed; a short file leaves the rest so. */
	if (fill)
		memcpy(area, buf, n);
	else
		gt_pattern_fill(area, npages, domid, refs);

	for (i = 0; i < npages; i++)
		printf("%u%s", refs[i],
		       !oneline || i + 1 == npages ? "\n" : " ");
	if (fflush(stdout)) {
		gt_fail(errno, "writing standard output");
	} else {
		gt_err("sharing %u page%s with d%u %s (pid %d); SIGINT or SIGTERM unshares",
		       npages, npages == 1 ? "" : "s", domid,
		       ro ? "read-only" : "read-write", (int)getpid());
		gt_hold_wait(&sigs);
		rc = GT_OK;
	}

	if (xengntshr_unshare(xgs, area, npages))
		rc = gt_fail(errno, "xengntshr_unshare(%u page%s)", npages,
			     npages == 1 ? "" : "s");
	xengntshr_close(xgs);
out:
	free(buf);
	free(refs);
	return rc;
}
