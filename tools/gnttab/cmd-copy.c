// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-copy.c - gnttab copy: grant copy into or out of one grant
 *
 * One segment of xengnttab_grant_copy(): the hypervisor copies between a
 * local buffer and the granted page, so nothing is mapped. The foreign
 * side of a segment must stay inside its page, hence --offset + --len <=
 * 4096. Two kinds of failure are told apart: the call itself (errno) and
 * the segment's GNTST_* status from the hypervisor.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnttab.h"

static const char copy_help[] =
	"Usage: gnttab copy DOMID REF [--offset N] [--len N]\n"
	"                   (--from FILE | --to FILE)\n"
	"Copy bytes into or out of grant REF of domain DOMID with a grant copy\n"
	"(xengnttab_grant_copy), without mapping it.\n"
	"\n"
	"  -F, --from FILE  copy FILE's bytes into the grant ('-': stdin)\n"
	"  -t, --to FILE    copy the grant's bytes to FILE ('-': stdout)\n"
	"  -o, --offset N   start at byte N of the page (default 0)\n"
	"  -l, --len N      copy N bytes (default: to the page end with --to,\n"
	"                   FILE's size with --from); offset + len <= 4096\n"
	"  -h, --help       this help\n"
	"\n"
	"With --from and --len, FILE must hold at least N bytes; without\n"
	"--len it must fit between the offset and the page end.\n"
	"Exit status: 0 copied, 1 failed, 2 usage error.\n";

/* Xen's GNTST_* names, by -status; Xen's header has the descriptions. */
static const char *const copy_names[] = {
	"GNTST_okay",
	"GNTST_general_error",
	"GNTST_bad_domain",
	"GNTST_bad_gntref",
	"GNTST_bad_handle",
	"GNTST_bad_virt_addr",
	"GNTST_bad_dev_addr",
	"GNTST_no_device_space",
	"GNTST_permission_denied",
	"GNTST_bad_page",
	"GNTST_bad_copy_arg",
	"GNTST_address_too_big",
	"GNTST_eagain",
	"GNTST_no_space",
};

static void copy_status(const char *dir, uint32_t domid, uint32_t ref,
			int16_t st)
{
	static const char *const msgs[] = GNTTABOP_error_msgs;
	const unsigned int n = sizeof(msgs) / sizeof(msgs[0]);

	if (st > 0 || -st >= (int)n ||
	    -st >= (int)(sizeof(copy_names) / sizeof(copy_names[0]))) {
		gt_err("grant copy %s d%u ref %u: status %d", dir, domid, ref,
		       st);
		return;
	}
	/* Xen says "general error" when a read-only grant is written. */
	gt_err("grant copy %s d%u ref %u: %s (%s%s)", dir, domid, ref,
	       msgs[-st], copy_names[-st],
	       st == GNTST_general_error && !strcmp(dir, "to") ?
		       "; a read-only grant?" :
		       "");
}

struct copy_args {
	uint32_t domid, ref, off, len;
	const char *from, *to;
	bool has_len; /* --len given */
};

/* The command line into @a; false: stop, returning *@rc (help, usage). */
static bool copy_parse(int argc, char **argv, struct copy_args *a, int *rc)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 't' },
		{ "offset", required_argument, NULL, 'o' },
		{ "len", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *olen = NULL, *ooff = NULL;
	int c;

	while ((c = gt_getopt(argc, argv, opts, copy_help, rc)) > 0) {
		switch (c) {
		case 'F':
			a->from = optarg;
			break;
		case 't':
			a->to = optarg;
			break;
		case 'o':
			ooff = optarg;
			break;
		case 'l':
			olen = optarg;
			break;
		}
	}
	if (c < 0)
		return false;
	if (argc - optind != 2)
		*rc = gt_usage("need DOMID and one REF");
	else if (!a->from == !a->to)
		*rc = gt_usage("need exactly one of --from FILE and --to FILE");
	else
		*rc = gt_arg_u32("DOMID", argv[optind], GT_DOMID_MAX,
				 &a->domid);
	if (!*rc)
		*rc = gt_arg_u32("REF", argv[optind + 1], UINT32_MAX, &a->ref);
	if (!*rc && ooff)
		*rc = gt_arg_u32("--offset", ooff, GT_PAGE - 1, &a->off);
	if (*rc)
		return false;
	a->len = GT_PAGE - a->off;
	a->has_len = olen != NULL;
	if (olen) {
		*rc = gt_arg_u32("--len", olen, GT_PAGE, &a->len);
		if (!*rc && (!a->len || a->off + a->len > GT_PAGE))
			*rc = gt_usage(
				"--offset %u --len %u: need 1 to %u bytes, inside the page",
				a->off, a->len, GT_PAGE - a->off);
	}
	return !*rc;
}

/* --from FILE into @buf, a->len set to the bytes read; GT_OK or GT_FAIL. */
static int copy_read(struct copy_args *a, char *buf)
{
	bool more;
	ssize_t n;

	n = gt_read_file(a->from, buf, a->len, &more);
	if (n < 0)
		return gt_fail(errno, "%s", a->from);
	if (a->has_len && (uint32_t)n < a->len) {
		gt_err("%s: only %zd bytes, --len asks for %u", a->from, n,
		       a->len);
		return GT_FAIL;
	}
	if (!a->has_len && more) {
		gt_err("%s: larger than the %u bytes from offset %u to the page end (use --len)",
		       a->from, a->len, a->off);
		return GT_FAIL;
	}
	if (!n) {
		gt_err("%s: empty, nothing to copy", a->from);
		return GT_FAIL;
	}
	a->len = n;
	return GT_OK;
}

/* The one segment: into the grant from @buf (--from), or out into it. */
static void copy_segment(const struct copy_args *a, char *buf,
			 xengnttab_grant_copy_segment_t *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->len = a->len;
	if (a->from) {
		seg->flags = GNTCOPY_dest_gref;
		seg->source.virt = buf;
		seg->dest.foreign.ref = a->ref;
		seg->dest.foreign.offset = a->off;
		seg->dest.foreign.domid = a->domid;
	} else {
		seg->flags = GNTCOPY_source_gref;
		seg->source.foreign.ref = a->ref;
		seg->source.foreign.offset = a->off;
		seg->source.foreign.domid = a->domid;
		seg->dest.virt = buf;
	}
}

int gt_cmd_copy(int argc, char **argv)
{
	xengnttab_grant_copy_segment_t seg;
	struct copy_args a = { 0 };
	const char *dir;
	char buf[GT_PAGE];
	xengnttab_handle *xgt;
	int rc;

	if (!copy_parse(argc, argv, &a, &rc))
		return rc;
	if (a.from && copy_read(&a, buf))
		return GT_FAIL;
	copy_segment(&a, buf, &seg);
	dir = a.from ? "to" : "from";

	xgt = gt_open_gnttab();
	if (!xgt)
		return GT_FAIL;
	rc = GT_OK;
	if (xengnttab_grant_copy(xgt, 1, &seg)) {
		rc = gt_fail(errno, "xengnttab_grant_copy(%s d%u ref %u)", dir,
			     a.domid, a.ref);
	} else if (seg.status != GNTST_okay) {
		copy_status(dir, a.domid, a.ref, seg.status);
		rc = GT_FAIL;
	}
	xengnttab_close(xgt);
	if (rc == GT_OK && a.to && gt_write_file(a.to, buf, a.len))
		rc = gt_fail(errno, "%s", a.to);
	return rc;
}
