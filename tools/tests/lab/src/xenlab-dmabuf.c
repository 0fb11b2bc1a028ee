// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab-dmabuf - the dma-buf ioctls (9 to 12) with a second domain
 * (BASE=xl lab, xl/dmabuf): one program, one half in each domain.
 *
 *   xenlab-dmabuf dom0 -D DOMID [-n PAGES] [-t SECS]
 *   xenlab-dmabuf domu -r REF,... [-n PAGES] [-t SECS] [-d GNTDEV]
 *
 * dom0 (on our gntdev.ko) makes a vgem buffer of PAGES data pages and a
 * mailbox page, fills the data pages with pattern(XDOM_SEED_GRANT),
 * grants the buffer to DOMID with DMABUF_IMP_TO_REFS and prints the refs
 * as "XDOM-REFS 8,9,...". The domU maps them through its gntdev, checks
 * the pattern, writes pattern(XDOM_SEED_ACK) back, grants PAGES pages of
 * its own to dom0 through gntalloc (pattern(SEED_DOMU)) and posts their
 * refs in the mailbox, READY last. dom0 checks the ACK through vgem's
 * mapping, and that IMP_RELEASE says EBUSY while the domU maps the
 * buffer. It exports the domU's grants with DMABUF_EXP_FROM_REFS and has
 * a test importer in its kernel (xl/dmabuf/mod/xenlab_dmabuf.ko) check
 * the domU's pattern and write pattern(SEED_REPLY); it imports that
 * dma-buf to refs of dom0 itself and maps those through gntdev (which
 * Xen refuses in a PV dom0: see dom0_export()), releases the import,
 * closes the dma-buf and waits for its release (which must time out
 * while the import holds it). Then it
 * posts DONE; the domU checks dom0's reply in its own pages, unmaps
 * dom0's buffer and ends its grants, and dom0's IMP_RELEASE succeeds.
 *
 * Each half prints TAP-like lines and "N passed, N failed"; exit 0 only
 * if all passed, 2 on usage errors. dom0's half stops waiting when its
 * stdin reaches EOF (the caller closes it once the domU is gone).
 */
#include "xenlab-xdom.h"

#include <fcntl.h>
#include <sys/mman.h>

#define SEED_DOMU 0x6475u /* "du": the domU's own grants */
#define SEED_REPLY 0x7270u /* "rp": dom0's reply, through the export */

/* The mailbox: the buffer's last page, as 32-bit words. */
#define MB_STATE 0 /* domU: MB_READY once the rest is in place */
#define MB_CHECK 1 /* domU: 1 if dom0's pattern was right */
#define MB_COUNT 2 /* domU: number of refs it granted */
#define MB_REFS 16 /* domU: its refs */
#define MB_CMD 512 /* dom0: MB_DONE */
#define MB_WROTE 513 /* dom0: 1 if it wrote SEED_REPLY */
#define MB_READY 0x52454459u
#define MB_DONE 0x444f4e45u
#define MAX_PAGES 256

static char why[256];
/* The errno of map_refs()'s failure. */
static int map_err;
static long pages, secs;

/* Poll @w until it equals @want, for up to secs; false on timeout/EOF. */
static bool wait_word(volatile __u32 *w, __u32 want, bool use_stdin)
{
	double end = lab_now() + secs;

	while (*w != want) {
		if (lab_now() > end)
			return false;
		if (use_stdin ? !xdom_nap(200) : usleep(100000) < 0)
			return false;
	}
	__sync_synchronize();
	return true;
}

/* MAP_GRANT_REF of @n refs of @domid and mmap them read-write; or NULL. */
static void *map_refs(int fd, const __u32 *refs, size_t n, __u32 domid,
		      __u64 *index)
{
	void *p;

	map_err = -lab_map(fd, refs, n, domid, index);
	if (map_err) {
		snprintf(why, sizeof(why), "%s",
			 lab_errwhy("MAP_GRANT_REF", map_err));
		return NULL;
	}
	p = lab_mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, *index);
	if (!p) {
		map_err = errno;
		snprintf(why, sizeof(why), "%s", lab_errwhy("mmap", map_err));
	}
	return p;
}

static int unmap_refs(int fd, void *p, __u64 index, size_t n)
{
	if (munmap(p, n * LAB_PAGE_SIZE))
		return -errno;
	return lab_unmap(fd, index, n);
}

/* --- dom0 ---------------------------------------------------------------- */

/*
 * Have xenlab_dmabuf.ko (xl/dmabuf/mod) attach to @dfd and check its
 * pages against pattern(@seed), then write pattern(@reply); 0 or -errno.
 */
static int module_check(int dfd, __u32 seed, __u32 reply)
{
	char buf[64];
	int fd, len, ret = 0;

	fd = open("/sys/module/xenlab_dmabuf/parameters/check",
		  O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d %u %u", dfd, seed, reply);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The domU's grants: exported, the dma-buf imported to refs of dom0,
 * those mapped and compared; returns true if SEED_REPLY was written.
 */
static bool dom0_export(int fd, __u32 domid, const __u32 *urefs, size_t n)
{
	__u32 refs[MAX_PAGES];
	bool wrote = false;
	int dfd, mfd, ret;
	__u64 index;
	void *p;

	lab_tap_current = "export the domU's grants";
	ret = lab_dmabuf_exp(fd, 0, domid, urefs, n, &dfd);
	if (!lab_check(!ret, lab_errwhy("ioctl", -ret),
		       "EXP_FROM_REFS of d%u's %zu refs", domid, n))
		return false;
	ret = module_check(dfd, SEED_DOMU, SEED_REPLY);
	wrote = lab_check(
		!ret, lab_errwhy("check", -ret),
		"an importer in dom0's kernel (xenlab_dmabuf.ko) reads d%u's pattern in the export and writes the reply",
		domid);
	ret = lab_dmabuf_imp(fd, dfd, 0, n, refs);
	if (lab_check(!ret, lab_errwhy("ioctl", -ret),
		      "IMP_TO_REFS of that dma-buf to dom0 itself")) {
		ret = lab_dmabuf_wait_released(fd, dfd, 200);
		lab_check(ret == -ETIMEDOUT, lab_errwhy("ioctl", -ret),
			  "EXP_WAIT_RELEASED while imported: ETIMEDOUT");
		mfd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
		if (mfd < 0)
			lab_die_errno(1, "open /dev/xen/gntdev");
		lab_tap_current = "map the re-granted export";
		p = map_refs(mfd, refs, n, 0, &index);
		/*
		 * In a PV dom0 the exported pages are the domU's frames
		 * (the p2m override), and Xen maps a grant only of a frame
		 * its granter owns: the re-grant is refused at mmap
		 * (GNTST_bad_page, EINVAL). conform-dmabuf's round trip
		 * works because its frames are dom0's own.
		 */
		if (!p && map_err == EINVAL) {
			lab_pass(
				"map dom0's refs of the export: EINVAL, as Xen refuses a grant of a frame dom0 does not own");
			lab_note(
				"finding: IMP_TO_REFS granted d%u's frames as dom0's and said ok; only the mapper sees the refusal",
				domid);
		} else if (lab_check(p, why, "map dom0's refs of the export")) {
			lab_check(xdom_verify(p, 0, n, SEED_REPLY, why,
					      sizeof(why)),
				  why, "%zu pages carry the reply", n);
			ret = unmap_refs(mfd, p, index, n);
			lab_check(!ret, lab_errwhy("unmap", -ret),
				  "munmap and UNMAP_GRANT_REF");
		}
		close(mfd);
		ret = lab_dmabuf_imp_release(fd, dfd);
		lab_check(!ret, lab_errwhy("ioctl", -ret),
			  "IMP_RELEASE of the re-import, unmapped: ok");
	}
	close(dfd);
	ret = lab_dmabuf_wait_released(fd, dfd, 5000);
	lab_check(!ret || ret == -ENOENT, lab_errwhy("ioctl", -ret),
		  "EXP_WAIT_RELEASED after close: released (%s)",
		  ret ? lab_errname(-ret) : "ok");
	return wrote;
}

static int dom0_main(__u32 domid)
{
	size_t n = pages + 1;
	__u32 refs[MAX_PAGES + 1], *mb;
	const char *step;
	double t0;
	void *v;
	int fd, dfd, ret;
	bool ok;

	lab_tap_current = "vgem buffer to refs";
	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		lab_die_errno(1, "open /dev/xen/gntdev");
	dfd = lab_vgem_buffer(n, &v, &step);
	if (dfd < 0)
		lab_die(1, "%s of %zu pages: %s", step, n, lab_errname(-dfd));
	xdom_fill(v, pages, XDOM_SEED_GRANT, true);
	mb = (__u32 *)((char *)v + pages * LAB_PAGE_SIZE);
	memset(mb, 0, LAB_PAGE_SIZE);
	__sync_synchronize();
	ret = lab_dmabuf_imp(fd, dfd, domid, n, refs);
	if (!lab_check(!ret, lab_errwhy("ioctl", -ret),
		       "IMP_TO_REFS of a %zu-page vgem buffer for d%u", n,
		       domid))
		return lab_tap_summary();
	xdom_print_refs(refs, n);

	lab_tap_current = "waiting for the domU";
	t0 = lab_now();
	ok = wait_word(&mb[MB_STATE], MB_READY, true);
	if (!lab_check(ok, "timed out, or the domU went away",
		       "the domU posted READY (after %.1f s)",
		       lab_now() - t0)) {
		ret = lab_dmabuf_imp_release(fd, dfd);
		lab_check(!ret, lab_errwhy("ioctl", -ret),
			  "IMP_RELEASE once the domU is gone");
		return lab_tap_summary();
	}
	lab_check(mb[MB_CHECK] == 1, "it found a mismatch",
		  "the domU read dom0's pattern in all %ld pages", pages);
	lab_check(xdom_verify(v, 0, pages, XDOM_SEED_ACK, why, sizeof(why)),
		  why, "vgem's mapping shows the domU's ACK in %ld pages",
		  pages);
	ret = lab_dmabuf_imp_release(fd, dfd);
	lab_check(ret == -EBUSY, lab_errwhy("ioctl", -ret),
		  "IMP_RELEASE while the domU maps the buffer: EBUSY");

	if (lab_check(mb[MB_COUNT] >= 1 && mb[MB_COUNT] <= MAX_PAGES,
		      "bad count", "the domU posted %u refs", mb[MB_COUNT]))
		mb[MB_WROTE] =
			dom0_export(fd, domid, &mb[MB_REFS], mb[MB_COUNT]);
	__sync_synchronize();
	mb[MB_CMD] = MB_DONE;
	__sync_synchronize();

	/* The domU unmaps once it has seen DONE: EBUSY until then. */
	lab_tap_current = "release the vgem import";
	t0 = lab_now();
	while ((ret = lab_dmabuf_imp_release(fd, dfd)) == -EBUSY &&
	       lab_now() - t0 < secs)
		if (!xdom_nap(200))
			break;
	if (ret == -EBUSY)
		ret = lab_dmabuf_imp_release(fd, dfd);
	t0 = lab_now() - t0;
	lab_check(!ret, lab_errwhy("ioctl", -ret),
		  "IMP_RELEASE once the domU unmapped: ok (after %.1f s)", t0);
	lab_check(xdom_verify(v, 0, pages, XDOM_SEED_ACK, why, sizeof(why)),
		  why, "the vgem buffer still holds the ACK");
	close(dfd);
	close(fd);
	return lab_tap_summary();
}

/* --- domU ---------------------------------------------------------------- */

static int domu_main(const char *gntdev, const __u32 *refs, size_t n)
{
	struct lab_pool mine;
	__u32 *mb;
	__u64 index;
	void *p;
	int fd, ret;
	long i;

	lab_tap_current = "map dom0's buffer";
	fd = open(gntdev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		lab_die_errno(1, "open %s", gntdev);
	p = map_refs(fd, refs, n, 0, &index);
	if (!lab_check(p, why, "map dom0's %zu refs", n))
		return lab_tap_summary();
	mb = (__u32 *)((char *)p + (n - 1) * LAB_PAGE_SIZE);
	mb[MB_CHECK] = lab_check(
		xdom_verify(p, 0, n - 1, XDOM_SEED_GRANT, why, sizeof(why)),
		why, "dom0's vgem pattern in %zu pages", n - 1);

	lab_tap_current = "grant pages to dom0";
	ret = lab_gntalloc();
	if (ret < 0)
		lab_die(1, "open %s: %s", LAB_GNTALLOC_NODE, lab_errname(-ret));
	ret = lab_pool_grant(&mine, pages, 0, true);
	if (!lab_check(!ret, lab_errwhy("ioctl", -ret),
		       "ALLOC_GREF: %ld pages to dom0", pages))
		return lab_tap_summary();
	ret = lab_pool_map(&mine);
	if (ret)
		lab_die(1, "mmap the granted pages: %s", lab_errname(-ret));
	xdom_fill(mine.mem, pages, SEED_DOMU, true);

	xdom_fill(p, n - 1, XDOM_SEED_ACK, true);
	mb[MB_COUNT] = pages;
	for (i = 0; i < pages; i++)
		mb[MB_REFS + i] = mine.refs[i];
	__sync_synchronize();
	mb[MB_STATE] = MB_READY;
	lab_pass("posted the ACK and %ld refs of our own", pages);

	lab_tap_current = "waiting for dom0";
	if (!lab_check(wait_word(&mb[MB_CMD], MB_DONE, false), "timed out",
		       "dom0 posted DONE"))
		;
	else if (mb[MB_WROTE] != 1)
		lab_note(
			"dom0 could not map its re-import of our export: no reply to check");
	else
		lab_check(xdom_verify(mine.mem, 0, pages, SEED_REPLY, why,
				      sizeof(why)),
			  why, "our %ld pages carry dom0's reply", pages);

	lab_tap_current = "release";
	ret = unmap_refs(fd, p, index, n);
	lab_check(!ret, lab_errwhy("unmap", -ret), "unmap dom0's buffer");
	close(fd);
	/* Unmaps our view of the pages first. */
	ret = lab_pool_put(&mine);
	lab_check(!ret, lab_errwhy("ioctl", -ret),
		  "DEALLOC_GREF: grants ended");
	return lab_tap_summary();
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenlab-dmabuf dom0 -D DOMID [-n PAGES] [-t SECS]\n"
		"       xenlab-dmabuf domu -r REF,... [-n PAGES] [-t SECS] [-d GNTDEV]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct xdom_opts o = { .domid = -1, .pages = 16, .secs = 200 };
	__u32 refs[MAX_PAGES + 1];
	size_t n = 0;

	if (argc < 2)
		usage();
	optind = 2;
	xdom_getopt(argc, argv, "D:n:t:r:", &o, usage);
	if (o.pages > MAX_PAGES)
		usage();
	pages = o.pages;
	secs = o.secs;
	lab_catch_fatal_signals();
	if (!strcmp(argv[1], "dom0") && o.domid > 0)
		return dom0_main(o.domid);
	if (strcmp(argv[1], "domu") || !o.refs)
		usage();
	n = xdom_parse_refs(o.refs, refs, MAX_PAGES + 1);
	if (n != (size_t)pages + 1)
		lab_die(2, "%zu refs; want %ld data pages and a mailbox", n,
			pages);
	return domu_main(o.lab.node, refs, n);
}
