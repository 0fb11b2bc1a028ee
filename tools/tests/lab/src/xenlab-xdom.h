/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two halves of the cross-domain grant test agree on:
 * xenlab-share (the granting domain) and xenlab-map (the mapping domain)
 * share the data pattern, the handshake word and the ref-list format.
 * selfgrant, the same test within dom0, checks its data by the same
 * pattern and copies the same way.
 *
 * The granter fills every page with pattern(XDOM_SEED_GRANT). The mapper
 * checks it, overwrites every page with pattern(XDOM_SEED_ACK) and writes
 * the ACK pattern's word 0 of page 0 last, so a granter that finds that
 * word knows the rest of the ACK is in place (x86 stores are not
 * reordered). xenlab-share itself looks only after the mapper is gone.
 */
#ifndef XENLAB_XDOM_H
#define XENLAB_XDOM_H

#include "lab.h"

#include <poll.h>

#define XDOM_SEED_GRANT 0x6772u /* "gr" */
#define XDOM_SEED_ACK 0x616bu /* "ak" */

/* gntalloc's default global limit is 1024 grefs. */
#define XDOM_MAX_PAGES 1024

/* Unique per (seed, page, word), so a wrong or stale page is told apart. */
static inline __u64 xdom_pattern(__u32 seed, size_t page, size_t word)
{
	return ((__u64)seed << 48) ^ ((__u64)page << 24) ^ word ^
	       0xa5a5000000000000ull;
}

/* Fill @pages pages; word 0 of page 0 is left to the caller if !@all. */
static inline void xdom_fill(volatile __u64 *w, size_t pages, __u32 seed,
			     bool all)
{
	size_t i, n = pages * LAB_PAGE_WORDS;

	for (i = all ? 0 : 1; i < n; i++)
		w[i] = xdom_pattern(seed, i / LAB_PAGE_WORDS,
				    i % LAB_PAGE_WORDS);
}

/*
 * Check @pages pages at @w against the pattern of pages @first onwards.
 * Returns true if all words match; otherwise describes the first mismatch
 * in @why.
 */
static inline bool xdom_verify(const volatile __u64 *w, size_t first,
			       size_t pages, __u32 seed, char *why, size_t len)
{
	size_t i, n = pages * LAB_PAGE_WORDS;

	for (i = 0; i < n; i++) {
		size_t pg = first + i / LAB_PAGE_WORDS;
		size_t word = i % LAB_PAGE_WORDS;
		__u64 want = xdom_pattern(seed, pg, word);
		__u64 got = w[i];

		if (got == want)
			continue;
		snprintf(why, len,
			 "page %zu word %zu: got 0x%016llx want 0x%016llx", pg,
			 word, (unsigned long long)got,
			 (unsigned long long)want);
		return false;
	}
	return true;
}

/*
 * GRANT_COPY of @n pages, @domid's @refs, to (@to_gref) or from @local, a
 * segment a page. Returns true if every segment was copied; otherwise
 * describes the failure in @why.
 */
static inline bool xdom_copy(int fd, const __u32 *refs, size_t n, domid_t domid,
			     __u64 *local, bool to_gref, char *why, size_t len)
{
	struct gntdev_grant_copy_segment *seg = calloc(n, sizeof(*seg));
	size_t i;
	int ret;

	if (!seg)
		lab_die(1, "out of memory");
	for (i = 0; i < n; i++) {
		__u64 *virt = local + i * LAB_PAGE_WORDS;

		seg[i].len = LAB_PAGE_SIZE;
		/* Junk the driver must replace with a real status. */
		seg[i].status = 0x7ead;
		if (to_gref) {
			seg[i].flags = GNTCOPY_dest_gref;
			seg[i].source.virt = virt;
			seg[i].dest.foreign.ref = refs[i];
			seg[i].dest.foreign.domid = domid;
		} else {
			seg[i].flags = GNTCOPY_source_gref;
			seg[i].source.foreign.ref = refs[i];
			seg[i].source.foreign.domid = domid;
			seg[i].dest.virt = virt;
		}
	}
	ret = lab_grant_copy(fd, seg, n);
	if (ret)
		snprintf(why, len, "%s", lab_errwhy("ioctl", -ret));
	for (i = 0; !ret && i < n; i++) {
		if (seg[i].status == GNTST_okay)
			continue;
		snprintf(why, len, "segment %zu: status %d", i, seg[i].status);
		ret = -EIO;
	}
	free(seg);
	return !ret;
}

/* The one line the caller parses, "XDOM-REFS 8,9,10": the peer's refs. */
static inline void xdom_print_refs(const __u32 *refs, size_t n)
{
	size_t i;

	printf("XDOM-REFS ");
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", refs[i]);
	printf("\n");
	fflush(stdout);
}

/*
 * Sleep up to @ms, less if stdin has news (which is read and ignored);
 * false once stdin is at EOF: the caller says the peer is gone.
 */
static inline bool xdom_nap(int ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char c;

	return poll(&pfd, 1, ms) <= 0 || read(STDIN_FILENO, &c, 1) > 0;
}

/*
 * Parse "8,9,10" (decimal or 0x hex) into @refs; returns the count, or 0
 * if the list is empty, malformed or longer than @max.
 */
static inline size_t xdom_parse_refs(const char *s, __u32 *refs, size_t max)
{
	size_t n = 0;
	char *end;

	while (*s) {
		unsigned long v;

		if (n == max)
			return 0;
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || end == s || v > 0xffffffffUL)
			return 0;
		refs[n++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return 0;
		s = end;
	}
	return n;
}

/**
 * struct xdom_opts - the options of the two-domain programs
 * @lab: the options every lab program has (lab_getopt()).
 * @domid: -D DOMID, the peer domain; -1 if not given.
 * @pages: -n PAGES.
 * @secs: -t SECS, how long to wait for the peer.
 * @refs: -r REF,..., the peer's grant references; NULL if not given.
 */
struct xdom_opts {
	struct lab_opts lab;
	long domid;
	long pages;
	long secs;
	const char *refs;
};

/*
 * Read the options in @letters (a subset of "D:n:t:r:") into @o, whose
 * defaults the caller set; calls @usage on any other option, on operands
 * and on values out of range.
 */
static inline void xdom_getopt(int argc, char **argv, const char *letters,
			       struct xdom_opts *o, void (*usage)(void))
{
	int opt;

	while ((opt = lab_getopt(argc, argv, letters, NULL, &o->lab)) != -1) {
		switch (opt) {
		case 'D':
			o->domid = strtol(optarg, NULL, 0);
			break;
		case 'n':
			o->pages = strtol(optarg, NULL, 0);
			break;
		case 't':
			o->secs = strtol(optarg, NULL, 0);
			break;
		case 'r':
			o->refs = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->domid >= 0x7ff0 || o->pages < 1 ||
	    o->pages > XDOM_MAX_PAGES || o->secs < 1)
		usage();
}

#endif /* XENLAB_XDOM_H */
