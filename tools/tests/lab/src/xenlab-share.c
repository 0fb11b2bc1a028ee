// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab-share - the granting half of the lab's cross-domain grant test.
 *
 * Grants N pages to domain D through gntalloc, fills them with the pattern
 * agreed in xenlab-xdom.h and prints the refs as one line
 * "XDOM-REFS 8,9,10,...". Then it waits for EOF on stdin: the caller keeps
 * stdin open until the other domain is done and destroyed. Only then does
 * it check the other domain's ACK (see xenlab-map) and release the grants,
 * so no grant is revoked while it is still mapped.
 *
 * Usage: xenlab-share -D DOMID [-n PAGES] [-t SECS]
 * Prints TAP-like lines and "N passed, N failed"; exit 0 only if all passed,
 * 2 on usage errors.
 */
#include "xenlab-xdom.h"

static char why[256];

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -D DOMID [-n PAGES] [-t SECS]\n"
		"  grant PAGES (default 16) pages to DOMID, print the refs, wait\n"
		"  up to SECS (default 120) for EOF on stdin, check the ACK, release\n",
		program_invocation_short_name);
	exit(2);
}

/*
 * Block until stdin reaches EOF or @secs pass; returns true on EOF. Anything
 * written to stdin is ignored. The pages are not polled meanwhile: under
 * TCG a busy dom0 slows the other domain's boot a lot.
 */
static bool wait_eof(long secs)
{
	double deadline = lab_now() + secs, left;

	while ((left = deadline - lab_now()) > 0)
		if (!xdom_nap((int)(left * 1000) + 1))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct xdom_opts o = { .domid = -1, .pages = 16, .secs = 120 };
	const __u64 flag = xdom_pattern(XDOM_SEED_ACK, 0, 0);
	struct lab_pool pool;
	volatile __u64 *w;
	double t0;
	int ret;

	xdom_getopt(argc, argv, "D:n:t:", &o, usage);
	if (o.domid < 0)
		usage();
	lab_catch_fatal_signals();

	lab_tap_current = "gntalloc";
	ret = lab_gntalloc();
	if (!lab_check(ret >= 0, lab_errwhy("open", -ret), "open %s",
		       LAB_GNTALLOC_NODE))
		return lab_tap_summary();
	ret = lab_pool_grant(&pool, o.pages, o.domid, true);
	if (!lab_check(ret == 0, lab_errwhy("ioctl", -ret),
		       "ALLOC_GREF: grant %ld pages to d%ld (writable)",
		       o.pages, o.domid))
		return lab_tap_summary();
	ret = lab_pool_map(&pool);
	if (!lab_check(ret == 0, lab_errwhy("mmap", -ret),
		       "mmap the granted pages"))
		return lab_tap_summary();
	w = pool.mem;
	xdom_fill(w, o.pages, XDOM_SEED_GRANT, true);

	xdom_print_refs(pool.refs, o.pages);

	lab_tap_current = "waiting for the peer";
	t0 = lab_now();
	if (!lab_check(wait_eof(o.secs), "timed out",
		       "the caller closed stdin within %ld s", o.secs))
		lab_note("releasing anyway: the peer may still map the pages");
	lab_note("waited %.1f s", lab_now() - t0);

	lab_tap_current = "checking the ACK";
	if (lab_check(w[0] == flag, "no handshake word in page 0",
		      "ACK from d%ld", o.domid)) {
		__sync_synchronize();
		lab_check(xdom_verify(w, 0, o.pages, XDOM_SEED_ACK, why,
				      sizeof(why)),
			  why, "all %ld pages carry d%ld's ACK pattern",
			  o.pages, o.domid);
	} else if (!xdom_verify(w, 0, o.pages, XDOM_SEED_GRANT, why,
				sizeof(why))) {
		/* What the peer got to, for the log. */
		lab_note("the pages were changed: %s", why);
	}

	lab_tap_current = "release";
	ret = lab_pool_unmap(&pool);
	lab_check(ret == 0, lab_errwhy("munmap", -ret),
		  "munmap the granted pages");
	ret = lab_pool_put(&pool);
	lab_check(ret == 0, lab_errwhy("ioctl", -ret), "DEALLOC_GREF");
	return lab_tap_summary();
}
