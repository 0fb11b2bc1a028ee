// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-bench.c - gnttab bench: how fast map/unmap cycles run
 *
 * The domain shares pages with itself (xengntshr), then maps and unmaps
 * them through xengnttab ITER times, timing the map and the unmap of each
 * cycle with CLOCK_MONOTONIC. Between the two, every page's pattern is
 * checked (untimed), so a fast but wrong mapping cannot pass as a result.
 * A quick number for comparing drivers and kernels, not a benchmark suite.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "gnttab.h"

#define BENCH_MAX_PAGES 65536U

static const char bench_help[] =
	"Usage: gnttab bench [--pages N] [--iter N] [--domid D] [--ro]\n"
	"Share N pages with this domain itself, then time ITER cycles of\n"
	"mapping them (xengnttab_map_grant_refs) and unmapping them through\n"
	"the library. Prints the mean time of map, unmap and the whole cycle\n"
	"in microseconds, and the pages mapped and unmapped per second.\n"
	"\n"
	"  -p, --pages N  pages per mapping (default 16)\n"
	"  -i, --iter N   cycles (default 1000)\n"
	"  -d, --domid D  this domain's id (default 0, dom0): the pages are\n"
	"                 granted to it and mapped from it\n"
	"  -r, --ro       map read-only\n"
	"  -h, --help     this help\n"
	"\n"
	"Exit status: 0 measured, 1 failed, 2 usage error.\n";

static uint64_t bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct bench_res {
	uint64_t map_ns, unmap_ns, min_ns, max_ns;
};

/* ITER timed cycles; GT_OK, or GT_FAIL with the failure reported. */
static int bench_run(xengnttab_handle *xgt, uint32_t npages, uint32_t iter,
		     uint32_t *domids, uint32_t *refs, int prot,
		     struct bench_res *res)
{
	uint64_t t0, t1, t2, t3, cyc;
	uint32_t i, p;
	void *area;

	res->min_ns = UINT64_MAX;
	for (i = 0; i < iter; i++) {
		t0 = bench_ns();
		area = xengnttab_map_grant_refs(xgt, npages, domids, refs,
						prot);
		t1 = bench_ns();
		if (!area)
			return gt_fail(
				errno,
				"cycle %u: xengnttab_map_grant_refs(d%u, %u ref%s)",
				i + 1, domids[0], npages,
				npages == 1 ? "" : "s");
		for (p = 0; p < npages; p++) {
			if (!gt_pattern_ok((char *)area + (size_t)p * GT_PAGE,
					   p)) {
				gt_err("cycle %u: page %u does not hold what was shared",
				       i + 1, p + 1);
				xengnttab_unmap(xgt, area, npages);
				return GT_FAIL;
			}
		}
		t2 = bench_ns();
		if (xengnttab_unmap(xgt, area, npages))
			return gt_fail(errno, "cycle %u: xengnttab_unmap",
				       i + 1);
		t3 = bench_ns();
		res->map_ns += t1 - t0;
		res->unmap_ns += t3 - t2;
		cyc = (t1 - t0) + (t3 - t2);
		if (cyc < res->min_ns)
			res->min_ns = cyc;
		if (cyc > res->max_ns)
			res->max_ns = cyc;
	}
	return GT_OK;
}

struct bench_args {
	uint32_t npages, iter, domid;
	bool ro;
};

/* The command line into @a; false: stop, returning *@rc (help, usage). */
static bool bench_parse(int argc, char **argv, struct bench_args *a, int *rc)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "iter", required_argument, NULL, 'i' },
		{ "domid", required_argument, NULL, 'd' },
		{ "ro", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c = 0;

	*rc = GT_OK;
	while (!*rc && (c = gt_getopt(argc, argv, opts, bench_help, rc)) > 0) {
		switch (c) {
		case 'p':
			*rc = gt_arg_u32("--pages", optarg, BENCH_MAX_PAGES,
					 &a->npages);
			break;
		case 'i':
			*rc = gt_arg_u32("--iter", optarg, UINT32_MAX,
					 &a->iter);
			break;
		case 'd':
			*rc = gt_arg_u32("--domid", optarg, GT_DOMID_MAX,
					 &a->domid);
			break;
		case 'r':
			a->ro = true;
			break;
		}
	}
	if (*rc || c < 0)
		return false;
	if (optind < argc)
		*rc = gt_usage("unexpected argument '%s'", argv[optind]);
	else if (!a->npages || !a->iter)
		*rc = gt_usage("--pages and --iter must be at least 1");
	return !*rc;
}

/* The figures of @res on stdout; GT_OK or GT_FAIL. */
static int bench_report(const struct bench_args *a, const struct bench_res *res)
{
	double total_us = (res->map_ns + res->unmap_ns) / 1e3;

	printf("bench: %u cycles of %u page%s (d%u, %s), map + unmap through libxengnttab\n",
	       a->iter, a->npages, a->npages == 1 ? "" : "s", a->domid,
	       a->ro ? "read-only" : "read-write");
	printf("map      %10.1f \xc2\xb5s/cycle\n",
	       res->map_ns / 1e3 / a->iter);
	printf("unmap    %10.1f \xc2\xb5s/cycle\n",
	       res->unmap_ns / 1e3 / a->iter);
	printf("cycle    %10.1f \xc2\xb5s/cycle (min %.1f, max %.1f)\n",
	       total_us / a->iter, res->min_ns / 1e3, res->max_ns / 1e3);
	printf("rate     %10.0f pages/s\n",
	       total_us > 0 ? (double)a->npages * a->iter / (total_us / 1e6) :
			      0.0);
	if (fflush(stdout))
		return gt_fail(errno, "writing standard output");
	return GT_OK;
}

int gt_cmd_bench(int argc, char **argv)
{
	struct bench_args a = { .npages = 16, .iter = 1000 };
	struct bench_res res = { 0 };
	uint32_t *refs = NULL, *domids = NULL;
	xengnttab_handle *xgt = NULL;
	xengntshr_handle *xgs = NULL;
	void *shared = NULL;
	int prot, rc;
	uint32_t i;

	if (!bench_parse(argc, argv, &a, &rc))
		return rc;
	prot = a.ro ? PROT_READ : PROT_READ | PROT_WRITE;
	rc = GT_FAIL;
	refs = calloc(a.npages, sizeof(*refs));
	domids = calloc(a.npages, sizeof(*domids));
	if (!refs || !domids) {
		gt_fail(errno, "allocating %u refs", a.npages);
		goto out;
	}
	for (i = 0; i < a.npages; i++)
		domids[i] = a.domid;
	xgs = gt_open_gntshr();
	if (!xgs)
		goto out;
	shared = xengntshr_share_pages(xgs, a.domid, a.npages, refs, 1);
	if (!shared) {
		gt_fail(errno, "xengntshr_share_pages(d%u, %u page%s)", a.domid,
			a.npages, a.npages == 1 ? "" : "s");
		goto out;
	}
	gt_pattern_fill(shared, a.npages, a.domid, refs);
	xgt = gt_open_gnttab();
	if (!xgt)
		goto out;

	/* One untimed cycle: first-use costs are not the steady state. */
	rc = bench_run(xgt, a.npages, 1, domids, refs, prot, &res);
	if (rc)
		goto out;
	memset(&res, 0, sizeof(res));
	rc = bench_run(xgt, a.npages, a.iter, domids, refs, prot, &res);
	if (!rc)
		rc = bench_report(&a, &res);
out:
	if (xgt)
		xengnttab_close(xgt);
	if (shared && xengntshr_unshare(xgs, shared, a.npages))
		rc = gt_fail(errno, "xengntshr_unshare(%u pages)", a.npages);
	if (xgs)
		xengntshr_close(xgs);
	free(domids);
	free(refs);
	return rc;
}
