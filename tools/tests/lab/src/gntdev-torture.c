// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-torture - robustness tests for a /dev/xen/gntdev driver, run as
 * root in a PV dom0 of the Xen lab.
 *
 * dom0 grants pages to itself through gntalloc (the "pool", mapped here so
 * the granting side can check data) and hammers gntdev with them:
 *
 *   kill      SIGKILL at random points of map/mmap/munmap/unmap/copy
 *             loops, one child process per kill (-k, default 1000), then
 *             no grant may stay mapped and the pool must be freeable.
 *   conc      threads on one file and processes on files of their own
 *             map, mmap, write and verify, copy, munmap and unmap at once
 *             for -t seconds under a watchdog; data is checked on both
 *             sides, then nothing may leak.
 *   limits    the per-request, per-file (SET_MAX_GRANTS, file_limit) and
 *             module-wide (total_limit) limits under concurrency: hitting
 *             one gives its documented errno, never more than the limit is
 *             held, and everything works again afterwards.
 *   security  device node mode, non-root open, a file passed over
 *             SCM_RIGHTS, GET_OFFSET_FOR_VADDR on foreign VMAs, arithmetic
 *             edges (counts near U32_MAX, offsets at 2^44), never-granted
 *             and revoked refs.
 *   danger    (only when named) the sequence gntdev-fuzz found that oopses
 *             the stock driver: clear-byte notify, then a read-only mmap
 *             that fails part-way.
 *
 * Every page of the pool starts with a signature word derived from its
 * ref that nobody ever overwrites, so a mapping of the wrong page is seen
 * at once; the rest of each page belongs to one worker at a time.
 *
 * Prints TAP-like lines, "# FIGURE ..." lines with the numbers, and a
 * summary. With --stock the driver under test is the in-tree one: a check
 * it fails is printed as "# FINDING stock: ..." and does not fail the run,
 * so one catalogue serves both drivers. Before the summary, one line
 *
 *	FIGURES torture driver=stock|ours seed=N ... kills=N worker_seconds=N
 *
 * has the same numbers for the lab's summary (lab/figures.py); the kill
 * and conc keys appear only if those groups ran.
 *
 * Usage: gntdev-torture [options] [GROUP...]   (default: all but danger)
 *   -s SEED    random seed (default: from the clock; always printed)
 *   -k KILLS   kills in the kill group (default 1000)
 *   -t SECS    duration of the conc group (default 20)
 *   -T N       threads on one file (default 4)
 *   -P N       processes with a file each (default 3)
 *   -d NODE    gntdev node (default /dev/xen/gntdev)
 *   --stock    the driver is the stock xen-gntdev: report, don't fail
 *   --extreme  also raise the limit parameters to their maximum and map
 *              U32_MAX grants (kvmalloc WARNs on a size > INT_MAX in both
 *              drivers today: run it in its own boot)
 * Exit status: 0 all checks passed, 1 some failed, 2 usage.
 */
#include "lab.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define PG LAB_PAGE_SIZE
#define WORDS LAB_PAGE_WORDS

/* GNTST_bad_gntref from Xen's grant_table.h. */
#define ST_BAD_GNTREF (-3)

/* Child exit codes of the kill and conc groups. */
#define CX_DATA 3 /* a mapping showed the wrong data */
#define CX_ERRNO 4 /* a call failed that must not */

/* -s, -d and --stock (lab_stock). */
static struct lab_opts opts;
static long grants_baseline;

/* What the kill and conc groups did, for the FIGURES line. */
static struct {
	bool kill, conc;
	unsigned int kills;
	unsigned long kill_loops;
	double conc_secs;
} figures;

/* /sys/module/<driver>/parameters/, found at start. */
static char param_dir[128];

static void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

/* ------------------------------------------------------------------------
 * Reporting: the lab library's; in --stock mode failures are findings
 */

static char why[512];

static const char *__attribute__((format(printf, 1, 2))) fmt(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(why, sizeof(why), f, ap);
	va_end(ap);
	return why;
}

/* ------------------------------------------------------------------------
 * gntdev calls beyond the library's, returning 0 or -errno
 */

/* A MAP request with any count but only one ref of memory behind it. */
static int g_map_count(int fd, __u32 count, __u64 *off)
{
	struct ioctl_gntdev_map_grant_ref op = { .count = count };
	int ret;

	op.refs[0].ref = LAB_NEVER_GRANTED;
	ret = lab_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op);
	*off = ret ? 0 : op.index;
	return ret;
}

/* ------------------------------------------------------------------------
 * Leak checks: Xen's active grant entries and (ours) the driver's debugfs
 */

/*
 * Wait (unmaps may be asynchronous) until no map of ours is alive and Xen
 * shows only the baseline's active entries. Describes the state in "why".
 */
static bool wait_quiet(unsigned int timeout_ms)
{
	return lab_settle(grants_baseline, LAB_SETTLE_XEN, timeout_ms, why,
			  sizeof(why));
}

/* Module parameters of whichever driver is loaded. */
static int param_read(const char *name, unsigned long *v)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", param_dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int param_write(const char *name, unsigned long v)
{
	char path[256];
	int fd, len, ret = 0;
	char buf[32];

	snprintf(path, sizeof(path), "%s/%s", param_dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lu\n", v);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------------
 * kill: SIGKILL at random points
 */

enum kstage {
	KS_START, /* forked, no gntdev call yet */
	KS_OPEN,
	KS_MAP,
	KS_MMAP,
	KS_TOUCH,
	KS_MUNMAP,
	KS_UNMAP,
	KS_COPY,
	KS_CLOSE,
	KS_NR
};

static const char *const kstage_name[KS_NR] = {
	"start",  "open",  "map",  "mmap",  "touch",
	"munmap", "unmap", "copy", "close",
};

/* Written by the child, read by the parent after the kill. */
struct kill_shared {
	volatile int stage;
	volatile int err;
	volatile unsigned long loops;
};

struct kill_live {
	__u64 off;
	__u32 n;
	void *addr;
};

struct kill_ctx {
	const struct lab_pool *pool;
	struct kill_shared *ks; /* NULL in the helper thread */
	struct lab_rng r;
	int fd;
	bool shared_fd; /* a helper thread uses @fd too: never close it */
	struct kill_live live[4];
	unsigned int nlive;
};

static void kstage(struct kill_ctx *c, int stage)
{
	if (c->ks)
		c->ks->stage = stage;
}

static void __attribute__((noreturn))
kfail(struct kill_ctx *c, int code, int err)
{
	if (c->ks)
		c->ks->err = err;
	_exit(code);
}

/* Drop one live map, munmap and UNMAP in either order. */
static void kill_drop(struct kill_ctx *c, unsigned int i)
{
	struct kill_live l = c->live[i];
	bool unmap_first = lab_below(&c->r, 2);
	int ret;

	c->live[i] = c->live[--c->nlive];
	if (unmap_first) {
		kstage(c, KS_UNMAP);
		ret = lab_unmap(c->fd, l.off, l.n);
		if (ret)
			kfail(c, CX_ERRNO, -ret);
	}
	if (l.addr) {
		kstage(c, KS_MUNMAP);
		if (lab_below(&c->r, 3) == 0 && l.n > 1) {
			/* In two pieces: a split VMA first. */
			munmap(l.addr, PG);
			munmap((char *)l.addr + PG, (l.n - 1) * PG);
		} else {
			munmap(l.addr, l.n * PG);
		}
	}
	if (!unmap_first) {
		kstage(c, KS_UNMAP);
		ret = lab_unmap(c->fd, l.off, l.n);
		if (ret)
			kfail(c, CX_ERRNO, -ret);
	}
}

/* One step: map a few pool pages and do something with them. */
static void kill_step(struct kill_ctx *c)
{
	const struct lab_pool *p = c->pool;
	__u32 refs[16], n = 1 + lab_below(&c->r, 8), i;
	struct kill_live l = { 0 };
	int ret, prot;

	for (i = 0; i < n; i++)
		refs[i] = p->refs[lab_below(&c->r, p->n)];

	switch (lab_below(&c->r, 8)) {
	case 0: { /* grant copy of the signatures, many segments */
		struct gntdev_grant_copy_segment seg[16];
		__u64 buf[16];

		for (i = 0; i < n; i++) {
			memset(&seg[i], 0, sizeof(seg[i]));
			seg[i].source.foreign.ref = refs[i];
			seg[i].source.foreign.domid = 0;
			seg[i].dest.virt = &buf[i];
			seg[i].len = sizeof(buf[i]);
			seg[i].flags = GNTCOPY_source_gref;
		}
		kstage(c, KS_COPY);
		ret = lab_grant_copy(c->fd, seg, n);
		if (ret)
			kfail(c, CX_ERRNO, -ret);
		for (i = 0; i < n; i++) {
			if (seg[i].status != GNTST_okay ||
			    buf[i] != lab_sig(refs[i]))
				kfail(c, CX_DATA, 0);
		}
		return;
	}
	case 1: /* close with whatever is live, then reopen */
		if (c->shared_fd)
			break;
		kstage(c, KS_CLOSE);
		close(c->fd);
		c->nlive = 0; /* the VMAs keep their grants until munmap */
		kstage(c, KS_OPEN);
		c->fd = lab_gntdev_open(opts.node);
		if (c->fd < 0)
			kfail(c, CX_ERRNO, -c->fd);
		return;
	default:
		break;
	}

	kstage(c, KS_MAP);
	ret = lab_map(c->fd, refs, n, 0, &l.off);
	if (ret)
		kfail(c, CX_ERRNO, -ret);
	l.n = n;
	if (lab_below(&c->r, 5)) {
		prot = lab_below(&c->r, 4) ? PROT_READ | PROT_WRITE : PROT_READ;
		kstage(c, KS_MMAP);
		l.addr = lab_mmap(NULL, n, prot, MAP_SHARED, c->fd, l.off);
		if (!l.addr)
			kfail(c, CX_ERRNO, errno);
		kstage(c, KS_TOUCH);
		if (!lab_sigs_ok(l.addr, refs, n))
			kfail(c, CX_DATA, 0);
		if (prot & PROT_WRITE) {
			/* Word 1 of each page is scratch: check both views. */
			for (i = 0; i < n; i++) {
				volatile __u64 *w =
					(volatile __u64 *)l.addr + i * WORDS;

				w[1] = lab_rnd(&c->r);
				(void)w[1];
			}
		}
	}
	c->live[c->nlive++] = l;
	/* Keep up to four maps live, dropping one at random beyond that. */
	while (c->nlive > lab_below(&c->r, 4))
		kill_drop(c, lab_below(&c->r, c->nlive));
}

static void *kill_helper_thread(void *arg)
{
	struct kill_ctx *c = arg;

	for (;;)
		kill_step(c);
	return NULL;
}

static void __attribute__((noreturn))
kill_child(const struct lab_pool *p, struct kill_shared *ks, __u64 seed)
{
	static struct kill_ctx c, helper;
	pthread_t t;

	c.pool = p;
	c.ks = ks;
	c.r.s = seed;
	kstage(&c, KS_OPEN);
	c.fd = lab_gntdev_open(opts.node);
	if (c.fd < 0)
		kfail(&c, CX_ERRNO, -c.fd);
	/* A quarter of the children die with a second thread in the driver. */
	if (lab_below(&c.r, 4) == 0) {
		c.shared_fd = true;
		helper = c;
		helper.ks = NULL;
		helper.r.s = seed ^ 0x5555;
		helper.nlive = 0;
		if (pthread_create(&t, NULL, kill_helper_thread, &helper))
			kfail(&c, CX_ERRNO, EAGAIN);
	}
	for (;;) {
		kill_step(&c);
		ks->loops++;
	}
}

static void group_kill(__u64 seed, unsigned int kills)
{
	unsigned int hist[KS_NR] = { 0 }, done = 0, bad = 0, i;
	struct kill_shared *ks;
	unsigned long loops = 0;
	struct lab_pool p;
	struct lab_rng r = { seed ^ 0x4b494c4cULL };
	double t0 = lab_now(), t_kill, reap_sum = 0, reap_max = 0;
	char bad_msg[256] = "";
	__u32 old_ref;
	int st, ret;
	pid_t pid;

	lab_tap_current = "kill";
	lab_note("kill: %u kills, seed %llu", kills, (unsigned long long)seed);
	lab_pool_or_die(&p, 64, 1);
	ks = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (ks == MAP_FAILED)
		lab_die_errno(1, "mmap");

	for (i = 0; i < kills; i++) {
		ks->stage = KS_START;
		ks->err = 0;
		ks->loops = 0;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			lab_die_errno(1, "fork");
		if (!pid)
			kill_child(&p, ks, lab_rnd(&r));
		/*
		 * Most kills land inside the ioctl loop: wait until the child
		 * has opened the device (fork and exec-less startup are slow
		 * under emulation), then 0-5 ms. One in eight counts from the
		 * fork, to hit open and the first map too.
		 */
		if (lab_below(&r, 8)) {
			double give_up = lab_now() + 5;

			while (ks->stage <= KS_OPEN && lab_now() < give_up)
				usleep(100);
		}
		usleep(lab_below(&r, 5001));
		t_kill = lab_now();
		kill(pid, SIGKILL);
		if (waitpid(pid, &st, 0) != pid)
			lab_die_errno(1, "waitpid");
		/* How long the dying child's teardown (exit_mmap, close) took. */
		t_kill = lab_now() - t_kill;
		reap_sum += t_kill;
		if (t_kill > reap_max)
			reap_max = t_kill;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
			done++;
			hist[ks->stage]++;
			loops += ks->loops;
			continue;
		}
		if (!bad++)
			snprintf(bad_msg, sizeof(bad_msg),
				 "kill %u: child %s %d in stage %s (%s)", i,
				 WIFSIGNALED(st) ? "killed by signal" :
						   "exited with",
				 WIFSIGNALED(st) ? WTERMSIG(st) :
						   WEXITSTATUS(st),
				 kstage_name[ks->stage],
				 ks->err ? lab_errname(ks->err) : "-");
	}
	lab_note(
		"FIGURE kill: %u kills in %.1f s, %lu child loops done; kill-to-reaped %.1f ms average, %.1f ms worst",
		done, lab_now() - t0, loops,
		kills ? reap_sum * 1000 / kills : 0, reap_max * 1000);
	figures.kill = true;
	figures.kills = done;
	figures.kill_loops = loops;
	lab_note(
		"kill: stage at death: start %u open %u map %u mmap %u touch %u munmap %u unmap %u copy %u close %u",
		hist[KS_START], hist[KS_OPEN], hist[KS_MAP], hist[KS_MMAP],
		hist[KS_TOUCH], hist[KS_MUNMAP], hist[KS_UNMAP], hist[KS_COPY],
		hist[KS_CLOSE]);
	lab_expect(!bad, fmt("%u bad: first %s", bad, bad_msg),
		   "kill: %u children killed by SIGKILL, none died otherwise",
		   kills);
	lab_expect(wait_quiet(20000), why,
		   "kill: no grant left mapped after %u kills", done);

	/* With nothing mapped, gntalloc can end every grant at once... */
	old_ref = p.refs[0];
	ret = lab_pool_put(&p);
	lab_expect(!ret, fmt("DEALLOC_GREF: %s", lab_retname(ret)),
		   "kill: gntalloc frees all 64 pool pages");
	/* ...so a freed ref can no longer be mapped. */
	{
		__u64 off;
		void *a;
		int fd = lab_gntdev_open(opts.node);

		ret = fd < 0 ? fd : lab_map(fd, &old_ref, 1, 0, &off);
		a = ret ? NULL :
			  lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, off);
		lab_expect(!ret && !a,
			   fmt("map %s, mmap %s", lab_retname(ret),
			       a ? "succeeded" : "failed"),
			   "kill: a ref of the freed pool cannot be mapped");
		if (a)
			munmap(a, PG);
		if (fd >= 0)
			close(fd);
	}
	ret = lab_pool_get(&p, 64);
	lab_expect(!ret, fmt("ALLOC_GREF: %s", lab_retname(ret)),
		   "kill: the 64 pages can be granted again");
	lab_pool_put(&p);
	munmap(ks, PG);
}

/* ------------------------------------------------------------------------
 * conc and limits: workers on shared or private files
 */

/* Refs each worker owns; it alone writes their scratch words. */
#define W_REFS 8

struct wstats {
	unsigned long maps, mmaps, pages, writes, copies, unmaps, getoffs;
	unsigned long enospc, held_max;
	int failed;
	char err[200];
};

struct worker {
	int id;
	int fd; /* the shared file, or -1: open one */
	const __u32 *refs; /* W_REFS refs */
	volatile __u64 *mem; /* their pool pages */
	struct wstats *st;
	__u64 seed;
	double deadline;
	/* limits mode: count grants held here, ENOSPC allowed */
	volatile long *held;
	long limit;
	int *stop;
};

static void __attribute__((format(printf, 2, 3)))
wfail(struct worker *w, const char *f, ...)
{
	va_list ap;

	if (w->st->failed++)
		return;
	va_start(ap, f);
	vsnprintf(w->st->err, sizeof(w->st->err), f, ap);
	va_end(ap);
	__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
}

static __u64 wpattern(int id, unsigned long iter, __u32 page, __u32 word)
{
	return (__u64)id << 56 ^ (__u64)iter << 20 ^ page << 12 ^ word ^
	       0x0123456789abcdefULL;
}

/* Copy the signatures out, then a pattern in, and check both sides. */
static bool w_copy(struct worker *w, int fd, __u32 s, __u32 n,
		   unsigned long iter)
{
	struct gntdev_grant_copy_segment seg[W_REFS];
	static __thread __u64 buf[W_REFS][WORDS];
	__u32 i, k;
	int ret;

	memset(seg, 0, sizeof(seg));
	for (i = 0; i < n; i++) {
		seg[i].source.foreign.ref = w->refs[s + i];
		seg[i].dest.virt = buf[i];
		seg[i].len = PG;
		seg[i].flags = GNTCOPY_source_gref;
	}
	ret = lab_grant_copy(fd, seg, n);
	for (i = 0; !ret && i < n; i++) {
		if (seg[i].status != GNTST_okay ||
		    buf[i][0] != lab_sig(w->refs[s + i])) {
			wfail(w, "copy from ref %u: status %d word0 %#llx",
			      w->refs[s + i], seg[i].status,
			      (unsigned long long)buf[i][0]);
			return false;
		}
	}
	/* Into the grants, past the signature word. */
	for (i = 0; !ret && i < n; i++) {
		for (k = 1; k < WORDS; k++)
			buf[i][k] = wpattern(w->id, iter, s + i, k);
		memset(&seg[i], 0, sizeof(seg[i]));
		seg[i].source.virt = &buf[i][1];
		seg[i].dest.foreign.ref = w->refs[s + i];
		seg[i].dest.foreign.offset = sizeof(__u64);
		seg[i].len = PG - sizeof(__u64);
		seg[i].flags = GNTCOPY_dest_gref;
	}
	if (!ret)
		ret = lab_grant_copy(fd, seg, n);
	if (ret) {
		wfail(w, "GRANT_COPY: %s", lab_retname(ret));
		return false;
	}
	for (i = 0; i < n; i++) {
		volatile __u64 *pg = w->mem + (size_t)(s + i) * WORDS;

		if (seg[i].status != GNTST_okay ||
		    pg[0] != lab_sig(w->refs[s + i]) ||
		    pg[WORDS - 1] != wpattern(w->id, iter, s + i, WORDS - 1)) {
			wfail(w, "copy to ref %u: status %d", w->refs[s + i],
			      seg[i].status);
			return false;
		}
	}
	w->st->copies++;
	return true;
}

/* Write through the mapping, read in the pool, and the other way round. */
static bool w_data(struct worker *w, volatile __u64 *map, __u32 s, __u32 n,
		   unsigned long iter, bool writable)
{
	__u32 i, k;
	__u64 v;

	for (i = 0; i < n; i++) {
		volatile __u64 *pg = w->mem + (size_t)(s + i) * WORDS;
		volatile __u64 *mp = map + (size_t)i * WORDS;

		if (mp[0] != lab_sig(w->refs[s + i])) {
			wfail(w, "page %u of a map shows %#llx, not ref %u", i,
			      (unsigned long long)mp[0], w->refs[s + i]);
			return false;
		}
		w->st->pages++;
		if (!writable)
			continue;
		k = 1 + (__u32)(iter * 7 + i) % (WORDS - 1);
		v = wpattern(w->id, iter, s + i, k);
		mp[k] = v;
		if (pg[k] != v) {
			wfail(w,
			      "write through map of ref %u not seen by granter",
			      w->refs[s + i]);
			return false;
		}
		pg[k] = ~v;
		if (mp[k] != ~v) {
			wfail(w, "granter's write to ref %u not seen in map",
			      w->refs[s + i]);
			return false;
		}
		w->st->writes += 2;
	}
	return true;
}

static void w_held(struct worker *w, long delta)
{
	long v;

	if (!w->held)
		return;
	v = __atomic_add_fetch(w->held, delta, __ATOMIC_SEQ_CST);
	if (v > w->limit)
		wfail(w, "%ld grants held, limit %ld", v, w->limit);
	if (v > (long)w->st->held_max)
		w->st->held_max = v;
}

/* One iteration: map, use (mmap or copy), unmap. */
static bool w_step(struct worker *w, int fd, struct lab_rng *r,
		   unsigned long iter)
{
	__u32 n = 1 + lab_below(r, W_REFS), s = lab_below(r, W_REFS - n + 1);
	__u32 mode = lab_below(r, 8), count = 0;
	bool writable = mode != 4, unmap_first = lab_below(r, 2);
	volatile __u64 *map;
	__u64 off, off2 = 0;
	int ret;

	ret = lab_map(fd, w->refs + s, n, 0, &off);
	if (ret == -ENOSPC && w->held) {
		w->st->enospc++;
		return true;
	}
	if (ret) {
		wfail(w, "MAP of %u: %s", n, lab_retname(ret));
		return false;
	}
	w_held(w, n);
	w->st->maps++;
	if (off & (PG - 1)) {
		wfail(w, "MAP returned unaligned offset %#llx",
		      (unsigned long long)off);
		return false;
	}

	if (mode <= 4) {
		map = lab_mmap(NULL, n,
			       writable ? PROT_READ | PROT_WRITE : PROT_READ,
			       MAP_SHARED, fd, off);
		if (!map) {
			wfail(w, "mmap of %u at %#llx: %s", n,
			      (unsigned long long)off, lab_errname(errno));
			return false;
		}
		w->st->mmaps++;
		ret = lab_get_offset(fd, (void *)map, &off2, &count);
		if (ret || off2 != off || count != n) {
			wfail(w,
			      "GET_OFFSET: %s, offset %#llx/%#llx count %u/%u",
			      lab_retname(ret), (unsigned long long)off2,
			      (unsigned long long)off, count, n);
			return false;
		}
		w->st->getoffs++;
		if (!w_data(w, map, s, n, iter, writable))
			return false;
		if (unmap_first) {
			w_held(w, -(long)n);
			ret = lab_unmap(fd, off, n);
			/* The VMA keeps the grants: still the right data. */
			if (!ret && !w_data(w, map, s, n, iter + 1, writable))
				return false;
		}
		munmap((void *)map, n * PG);
	} else if (mode <= 6) {
		if (!w_copy(w, fd, s, n, iter))
			return false;
	}
	if (!unmap_first || mode > 4) {
		w_held(w, -(long)n);
		ret = lab_unmap(fd, off, n);
	}
	if (ret) {
		wfail(w, "UNMAP of %u at %#llx: %s", n, (unsigned long long)off,
		      lab_retname(ret));
		return false;
	}
	w->st->unmaps++;
	return true;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct lab_rng r = { w->seed };
	unsigned long iter = 0;
	int fd = w->fd;

	if (fd < 0) {
		fd = lab_gntdev_open(opts.node);
		if (fd < 0) {
			wfail(w, "open: %s", lab_retname(fd));
			return NULL;
		}
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED) &&
	       lab_now() < w->deadline) {
		if (!w_step(w, fd, &r, iter++))
			break;
	}
	if (w->fd < 0)
		close(fd);
	return NULL;
}

/* Shared between the parent and the worker processes. */
struct wshared {
	int stop;
	volatile long held;
	struct wstats st[64];
};

static void watchdog(int sig)
{
	static const char msg[] =
		"not ok - watchdog: a worker hung in the driver\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/*
 * Run @threads workers on @shared_fd (if >= 0) and @procs worker
 * processes on files of their own, for @secs seconds. Returns the sum of
 * their stats; the first failure is in sum->err.
 */
static void run_workers(const struct lab_pool *p, int shared_fd,
			unsigned int threads, unsigned int procs, double secs,
			__u64 seed, long limit, struct wstats *sum)
{
	unsigned int nw = threads + procs, i;
	struct worker w[64];
	pthread_t tid[64];
	struct wshared *sh;
	pid_t pid[64];
	int st;

	if (nw > 64 || nw * W_REFS > p->n)
		lab_die(1, "too many workers for the pool");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		lab_die_errno(1, "mmap");
	memset(sh, 0, sizeof(*sh));
	signal(SIGALRM, watchdog);
	alarm((unsigned int)secs + 120);

	for (i = 0; i < nw; i++) {
		w[i] = (struct worker){
			.id = i,
			.fd = i < threads ? shared_fd : -1,
			.refs = p->refs + i * W_REFS,
			.mem = lab_pool_page(p, i * W_REFS),
			.st = &sh->st[i],
			.seed = seed + i * 0x1000193,
			.deadline = lab_now() + secs,
			.held = limit ? &sh->held : NULL,
			.limit = limit,
			.stop = &sh->stop,
		};
	}
	fflush(stdout);
	for (i = threads; i < nw; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			lab_die_errno(1, "fork");
		if (!pid[i]) {
			alarm((unsigned int)secs + 100);
			worker_run(&w[i]);
			_exit(0);
		}
	}
	for (i = 0; i < threads; i++) {
		if (pthread_create(&tid[i], NULL, worker_run, &w[i]))
			lab_die(1, "pthread_create failed");
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	for (i = threads; i < nw; i++) {
		if (waitpid(pid[i], &st, 0) != pid[i])
			lab_die_errno(1, "waitpid");
		if ((!WIFEXITED(st) || WEXITSTATUS(st)) && !sh->st[i].failed) {
			sh->st[i].failed = 1;
			snprintf(sh->st[i].err, sizeof(sh->st[i].err),
				 "worker process %u: %s %d", i,
				 WIFSIGNALED(st) ? "signal" : "exit",
				 WIFSIGNALED(st) ? WTERMSIG(st) :
						   WEXITSTATUS(st));
		}
	}
	alarm(0);

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < nw; i++) {
		struct wstats *s = &sh->st[i];

		sum->maps += s->maps;
		sum->mmaps += s->mmaps;
		sum->pages += s->pages;
		sum->writes += s->writes;
		sum->copies += s->copies;
		sum->unmaps += s->unmaps;
		sum->getoffs += s->getoffs;
		sum->enospc += s->enospc;
		if (s->held_max > sum->held_max)
			sum->held_max = s->held_max;
		if (s->failed && !sum->failed++)
			snprintf(sum->err, sizeof(sum->err), "worker %u: %s", i,
				 s->err);
	}
	munmap(sh, sizeof(*sh));
}

static void group_conc(__u64 seed, unsigned int threads, unsigned int procs,
		       unsigned int secs)
{
	struct wstats s;
	struct lab_pool p;
	double t0, secs_run;
	int fd;

	lab_tap_current = "conc";
	lab_pool_or_die(&p, (threads + procs) * W_REFS, 1);
	fd = lab_gntdev_open(opts.node);
	if (fd < 0) {
		lab_expect(false, lab_retname(fd), "conc: open");
		lab_pool_put(&p);
		return;
	}
	t0 = lab_now();
	run_workers(&p, fd, threads, procs, secs, seed, 0, &s);
	secs_run = lab_now() - t0;
	close(fd);
	lab_note(
		"FIGURE conc: %u threads on one file + %u processes x %.1f s = %.0f worker-seconds",
		threads, procs, secs_run, (threads + procs) * secs_run);
	figures.conc = true;
	figures.conc_secs = secs_run;
	lab_note(
		"FIGURE conc: maps %lu mmaps %lu pages-verified %lu writes %lu copies %lu get-offsets %lu unmaps %lu",
		s.maps, s.mmaps, s.pages, s.writes, s.copies, s.getoffs,
		s.unmaps);
	lab_expect(
		!s.failed, s.err,
		"conc: %u threads + %u processes, data intact, every call succeeded",
		threads, procs);
	lab_expect(s.maps > 100 && s.copies > 10, "too little work done",
		   "conc: every kind of operation ran (%lu maps, %lu copies)",
		   s.maps, s.copies);
	lab_expect(wait_quiet(20000), why, "conc: no grant left mapped");
	lab_expect(!lab_pool_put(&p), NULL, "conc: gntalloc frees the pool");
}

/* Map @n pool refs, mmap and check them; 0 or -errno. Unmaps on success. */
static int map_use_unmap(int fd, const struct lab_pool *p, __u32 n)
{
	volatile __u64 *a;
	__u64 off;
	int ret;

	ret = lab_map(fd, p->refs, n, 0, &off);
	if (ret)
		return ret;
	a = lab_mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (!a)
		ret = -errno;
	else if (!lab_sigs_ok(a, p->refs, n))
		ret = -EBADMSG;
	if (a)
		munmap((void *)a, n * PG);
	lab_unmap(fd, off, n);
	return ret;
}

static void limits_per_call(const struct lab_pool *p)
{
	unsigned long old;
	__u64 off;
	int fd, ret;

	if (param_read("limit", &old)) {
		lab_expect(false, "no limit parameter",
			   "limits: per-request limit");
		return;
	}
	fd = lab_gntdev_open(opts.node);
	param_write("limit", 4);
	ret = lab_map(fd, p->refs, 5, 0, &off);
	lab_expect(ret == -EINVAL, lab_retname(ret),
		   "limits: limit=4: MAP of 5 fails with EINVAL");
	ret = map_use_unmap(fd, p, 4);
	lab_expect(!ret, lab_retname(ret), "limits: limit=4: MAP of 4 works");
	param_write("limit", old);
	ret = map_use_unmap(fd, p, 5);
	lab_expect(!ret, lab_retname(ret),
		   "limits: limit restored to %lu: MAP of 5 works", old);
	close(fd);
}

static void limits_per_file(const struct lab_pool *p, __u64 seed,
			    unsigned int threads)
{
	const long k = 16;
	unsigned long old;
	struct wstats s;
	__u64 off;
	int fd, ret;

	fd = lab_gntdev_open(opts.node);
	ret = lab_set_max_grants(fd, k);
	if (!lab_expect(!ret, lab_retname(ret), "limits: SET_MAX_GRANTS %ld",
			k)) {
		close(fd);
		return;
	}
	ret = lab_set_max_grants(fd, 0);
	lab_expect(!ret, lab_retname(ret),
		   "limits: SET_MAX_GRANTS 0 succeeds and keeps the cap");
	run_workers(p, fd, threads, 0, 5, seed, k, &s);
	lab_note(
		"FIGURE limits: per-file %ld: %u threads, %lu maps, %lu ENOSPC, at most %lu held",
		k, threads, s.maps, s.enospc, s.held_max);
	lab_expect(
		!s.failed, s.err,
		"limits: %u threads on a file capped at %ld never hold more; only ENOSPC",
		threads, k);
	lab_expect(
		s.enospc > 0 && s.maps > 0, "the cap was never hit",
		"limits: the per-file cap was hit (ENOSPC) and maps still worked");
	ret = map_use_unmap(fd, p, k);
	lab_expect(!ret, lab_retname(ret),
		   "limits: afterwards a map of exactly %ld works", k);
	ret = lab_map(fd, p->refs, k, 0, &off);
	if (!ret) {
		__u64 off2;
		int r2 = lab_map(fd, p->refs, 1, 0, &off2);

		lab_expect(r2 == -ENOSPC, lab_retname(r2),
			   "limits: with %ld held, one more gives ENOSPC", k);
		lab_unmap(fd, off, k);
	}
	close(fd);

	/* SET_MAX_GRANTS is clamped to file_limit. */
	if (param_read("file_limit", &old))
		return;
	param_write("file_limit", 32);
	fd = lab_gntdev_open(opts.node);
	ret = lab_set_max_grants(fd, 0xffffffffu);
	lab_expect(!ret, lab_retname(ret),
		   "limits: file_limit=32: SET_MAX_GRANTS U32_MAX succeeds");
	ret = lab_map(fd, p->refs, 32, 0, &off);
	lab_expect(!ret, lab_retname(ret),
		   "limits: file_limit=32: MAP of 32 works");
	ret = lab_map(fd, p->refs, 1, 0, &off);
	lab_expect(ret == -ENOSPC, lab_retname(ret),
		   "limits: file_limit=32: the 33rd grant gives ENOSPC");
	close(fd);
	param_write("file_limit", old);
}

static void limits_total(const struct lab_pool *p, __u64 seed,
			 unsigned int procs)
{
	const long lim = 16;
	unsigned long old;
	volatile __u64 *a = NULL;
	struct wstats s;
	__u64 off, off2 = 0;
	int fd, fd2, ret;

	if (param_read("total_limit", &old)) {
		lab_expect(
			false,
			"no total_limit parameter: nothing bounds all files together",
			"limits: module-wide limit");
		return;
	}
	if (!lab_expect(wait_quiet(10000), why,
			"limits: nothing held before the total_limit test"))
		return;
	param_write("total_limit", lim);
	run_workers(p, -1, 0, procs, 5, seed, lim, &s);
	lab_note(
		"FIGURE limits: total_limit %ld: %u processes, %lu maps, %lu ENOSPC, at most %lu held",
		lim, procs, s.maps, s.enospc, s.held_max);
	lab_expect(
		!s.failed, s.err,
		"limits: %u processes under total_limit=%ld never hold more; only ENOSPC",
		procs, lim);
	lab_expect(
		s.enospc > 0 && s.maps > 0, "the limit was never hit",
		"limits: total_limit was hit (ENOSPC) and maps still worked");

	/* Usable again once everything is freed: exactly the limit fits. */
	lab_expect(wait_quiet(10000), why,
		   "limits: all grants released after the workers");
	fd = lab_gntdev_open(opts.node);
	fd2 = lab_gntdev_open(opts.node);
	ret = lab_map(fd, p->refs, lim / 2, 0, &off);
	if (!ret)
		ret = lab_map(fd2, p->refs, lim - lim / 2, 0, &off2);
	lab_expect(!ret, lab_retname(ret),
		   "limits: total_limit=%ld: two files map %ld together", lim,
		   lim);
	ret = lab_map(fd2, p->refs, 1, 0, &off2);
	lab_expect(ret == -ENOSPC, lab_retname(ret),
		   "limits: total_limit=%ld reached: one more gives ENOSPC",
		   lim);
	close(fd2);
	/* Lowered below what is held: new maps fail, old ones still work. */
	if (!lab_unmap(fd, off, lim / 2) && !lab_map(fd, p->refs, 8, 0, &off)) {
		a = lab_mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			     off);
		param_write("total_limit", 4);
		ret = lab_map(fd, p->refs, 1, 0, &off2);
		lab_expect(
			ret == -ENOSPC, lab_retname(ret),
			"limits: total_limit lowered to 4 below 8 held: MAP gives ENOSPC");
		lab_expect(
			a && lab_sigs_ok(a, p->refs, 8), "mapping lost",
			"limits: the 8 grants already mapped still read right");
		if (a)
			munmap((void *)a, 8 * PG);
		lab_unmap(fd, off, 8);
	}
	close(fd);
	param_write("total_limit", old);
	lab_expect(wait_quiet(10000), why, "limits: total back to 0");
	fd = lab_gntdev_open(opts.node);
	ret = map_use_unmap(fd, p, 8);
	lab_expect(!ret, lab_retname(ret),
		   "limits: total_limit restored to %lu: maps work again", old);
	close(fd);
}

static void group_limits(__u64 seed, unsigned int threads, unsigned int procs)
{
	struct lab_pool p;

	lab_tap_current = "limits";
	lab_pool_or_die(
		&p, (threads + procs > 4 ? threads + procs : 4) * W_REFS, 1);
	limits_per_call(&p);
	limits_per_file(&p, seed, threads);
	limits_total(&p, seed + 1, procs);
	lab_expect(wait_quiet(20000), why, "limits: no grant left mapped");
	lab_expect(!lab_pool_put(&p), NULL, "limits: gntalloc frees the pool");
}

/* ------------------------------------------------------------------------
 * security
 */

static void sec_node(void)
{
	struct stat st;
	pid_t pid;
	int status;

	if (stat(opts.node, &st)) {
		lab_expect(false, fmt("stat: %s", lab_errname(errno)),
			   "security: stat %s", opts.node);
		return;
	}
	lab_expect(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600 &&
			   st.st_uid == 0 && st.st_gid == 0,
		   fmt("mode %04o uid %u gid %u", st.st_mode & 07777, st.st_uid,
		       st.st_gid),
		   "security: %s is a character device, 0600 root:root",
		   opts.node);

	fflush(stdout);
	pid = fork();
	if (!pid) {
		int fd, code = 0;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		fd = open(opts.node, O_RDWR);
		if (fd >= 0 || errno != EACCES)
			code |= 1;
		fd = open(opts.node, O_RDONLY);
		if (fd >= 0 || errno != EACCES)
			code |= 2;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	lab_expect(
		WIFEXITED(status) && !WEXITSTATUS(status),
		fmt("child status %#x (1: O_RDWR, 2: O_RDONLY not EACCES)",
		    status),
		"security: uid 65534 gets EACCES opening it read-write and read-only");
}

/* What the SCM_RIGHTS receiver is told and what it answers. */
struct scm_msg {
	__u64 vaddr; /* the sender's gntdev mapping */
	__u64 offset; /* its offset in the passed file */
	__u32 spare_ref; /* a ref the receiver may map */
};

struct scm_answer {
	int getoff_unmapped; /* GET_OFFSET(sender's vaddr), nothing there */
	int mmap_sender_map; /* mmap of the sender's map offset */
	int getoff_anon; /* GET_OFFSET there over anonymous memory */
	int getoff_other_file; /* ... over a mapping of its own file */
	int getoff_own_file; /* that file's own GET_OFFSET (sanity) */
	int map_through_passed; /* its own map via the passed file */
	__u64 leaked_offset; /* what a successful foreign lookup returned */
};

/* Control-message buffer, aligned for struct cmsghdr. */
union scm_cbuf {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static int scm_receiver(int sock)
{
	union scm_cbuf cbuf;
	struct scm_answer a = { 0 };
	struct scm_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *cm;
	__u64 off, off2 = 0;
	__u32 count;
	void *x, *q;
	int fd, fd2;

	if (recvmsg(sock, &mh, 0) != sizeof(m))
		return 10;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return 11;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	x = (void *)(uintptr_t)m.vaddr;

	/* A fresh address space (exec): nothing at the sender's address. */
	a.getoff_unmapped = lab_get_offset(fd, x, &off, &count);
	q = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, m.offset);
	a.mmap_sender_map = q ? 0 : -errno;
	if (q)
		munmap(q, PG);
	q = mmap(x, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	a.getoff_anon = q == x ? lab_get_offset(fd, x, &off, &count) : -EEXIST;
	if (q != MAP_FAILED)
		munmap(q, PG);

	/* Our own gntdev file mapped at the sender's address. */
	fd2 = lab_gntdev_open(opts.node);
	a.getoff_other_file = -ENODEV;
	if (fd2 >= 0 && !lab_map(fd2, &m.spare_ref, 1, 0, &off2)) {
		q = lab_mmap(x, 1, PROT_READ, MAP_SHARED | MAP_FIXED, fd2,
			     off2);
		if (q == x) {
			a.getoff_other_file =
				lab_get_offset(fd, x, &off, &count);
			if (!a.getoff_other_file)
				a.leaked_offset = off;
			a.getoff_own_file =
				lab_get_offset(fd2, x, &off, &count);
			munmap(q, PG);
		}
		lab_unmap(fd2, off2, 1);
	}
	if (fd2 >= 0)
		close(fd2);

	/* The passed file serves this process's own mappings normally. */
	a.map_through_passed = lab_map(fd, &m.spare_ref, 1, 0, &off2);
	if (!a.map_through_passed) {
		q = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, off2);
		if (!q || lab_get_offset(fd, q, &off, &count) || off != off2)
			a.map_through_passed = -EBADMSG;
		if (q)
			munmap(q, PG);
		lab_unmap(fd, off2, 1);
	}
	close(fd);
	return write(sock, &a, sizeof(a)) == sizeof(a) ? 0 : 12;
}

static void sec_scm(const struct lab_pool *p)
{
	union scm_cbuf cbuf;
	struct scm_answer a;
	struct scm_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *cm;
	volatile __u64 *x;
	__u64 off, off2 = 0;
	__u32 count;
	int sv[2], fd, st, ret;
	char arg[16];
	pid_t pid;

	fd = lab_gntdev_open(opts.node);
	if (fd < 0 || lab_map(fd, p->refs, 1, 0, &off) ||
	    !(x = lab_mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   off))) {
		lab_expect(false, "setup failed", "security: SCM_RIGHTS setup");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		lab_die_errno(1, "socketpair");
	fflush(stdout);
	pid = fork();
	if (!pid) {
		/* exec: the receiver must not inherit our address space. */
		close(sv[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		execl("/proc/self/exe", "gntdev-torture", "--scm-receiver", arg,
		      (char *)NULL);
		_exit(20);
	}
	close(sv[1]);
	m.vaddr = (__u64)(uintptr_t)x;
	m.offset = off;
	m.spare_ref = p->refs[1];
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	ret = sendmsg(sv[0], &mh, 0) == sizeof(m) ? 0 : -errno;
	if (ret || read(sv[0], &a, sizeof(a)) != sizeof(a)) {
		waitpid(pid, &st, 0);
		lab_expect(false, fmt("receiver status %#x", st),
			   "security: SCM_RIGHTS receiver ran");
		goto out;
	}
	waitpid(pid, &st, 0);
	lab_expect(
		a.getoff_unmapped == -EINVAL, lab_retname(a.getoff_unmapped),
		"security: receiver's GET_OFFSET on the sender's address (unmapped in it) gives EINVAL");
	lab_expect(
		a.getoff_anon == -EINVAL, lab_retname(a.getoff_anon),
		"security: receiver's GET_OFFSET on anonymous memory there gives EINVAL");
	lab_expect(
		a.mmap_sender_map == -EINVAL, lab_retname(a.mmap_sender_map),
		"security: receiver cannot mmap the sender's already mmapped map (EINVAL)");
	lab_expect(
		a.getoff_other_file == -EINVAL,
		fmt("%s, offset %#llx of another file",
		    lab_retname(a.getoff_other_file),
		    (unsigned long long)a.leaked_offset),
		"security: GET_OFFSET through the passed file on a mapping of another gntdev file gives EINVAL");
	lab_expect(a.getoff_own_file == 0, lab_retname(a.getoff_own_file),
		   "security: ... while that file's own GET_OFFSET works");
	lab_expect(
		a.map_through_passed == 0, lab_retname(a.map_through_passed),
		"security: the receiver maps its own grants through the passed file");
	/* The sender's state is untouched. */
	ret = lab_get_offset(fd, (void *)x, &off2, &count);
	lab_expect(!ret && off2 == off && count == 1 &&
			   x[0] == lab_sig(p->refs[0]),
		   lab_retname(ret),
		   "security: the sender's mapping and offset are intact");
out:
	close(sv[0]);
	munmap((void *)x, PG);
	lab_unmap(fd, off, 1);
	close(fd);
}

static void sec_getoff(const struct lab_pool *p)
{
	int fd = lab_gntdev_open(opts.node), fd2 = lab_gntdev_open(opts.node),
	    tmp, ret;
	volatile __u64 *y = NULL;
	char *heap = malloc(64), *big = malloc(1 << 20);
	void *fmap = MAP_FAILED, *anon;
	struct target {
		const char *what;
		const void *addr;
	} targets[12], *t;
	__u64 off, off_y = 0;
	__u32 count;
	int stack_var = 0;

	tmp = open("/tmp/gntdev-torture.file", O_RDWR | O_CREAT | O_TRUNC,
		   0600);
	if (tmp >= 0 && !ftruncate(tmp, PG))
		fmap = mmap(NULL, PG, PROT_READ, MAP_SHARED, tmp, 0);
	anon = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd2 >= 0 && !lab_map(fd2, p->refs, 1, 0, &off_y))
		y = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd2, off_y);

	memcpy(targets,
	       (struct target[12]){
		       { "the stack", &stack_var },
		       { "the heap", heap },
		       { "a big malloc (its own mmap)", big },
		       { "a tmpfs file mmap",
			 fmap == MAP_FAILED ? NULL : fmap },
		       { "anonymous memory", anon == MAP_FAILED ? NULL : anon },
		       { "the gntalloc pool mapping", (const void *)p->mem },
		       { "another gntdev file's mapping", (const void *)y },
		       { "the page after that mapping",
			 y ? (const char *)y + PG : NULL },
		       { "address 1 (page 0)", (const void *)1 },
		       { "a kernel address",
			 (const void *)0xffff888000000000ULL },
		       { "address ~0", (const void *)~0UL },
		       { NULL, NULL },
	       },
	       sizeof(targets));
	for (t = targets; t->what; t++) {
		if (!t->addr) {
			lab_expect(false, "setup failed",
				   "security: GET_OFFSET on %s", t->what);
			continue;
		}
		ret = lab_get_offset(fd, t->addr, &off, &count);
		lab_expect(ret == -EINVAL,
			   ret ? lab_retname(ret) :
				 fmt("success: offset %#llx count %u",
				     (unsigned long long)off, count),
			   "security: GET_OFFSET_FOR_VADDR on %s gives EINVAL",
			   t->what);
	}
	if (y) {
		ret = lab_get_offset(fd2, (const void *)y, &off, &count);
		lab_expect(
			!ret && off == off_y && count == 1, lab_retname(ret),
			"security: ... and the owning file's GET_OFFSET works");
		munmap((void *)y, PG);
		ret = lab_get_offset(fd2, (const void *)y, &off, &count);
		lab_expect(ret == -EINVAL, lab_retname(ret),
			   "security: GET_OFFSET after munmap gives EINVAL");
		lab_unmap(fd2, off_y, 1);
	}
	if (fmap != MAP_FAILED)
		munmap(fmap, PG);
	if (anon != MAP_FAILED)
		munmap(anon, PG);
	if (tmp >= 0) {
		close(tmp);
		unlink("/tmp/gntdev-torture.file");
	}
	free(heap);
	free(big);
	close(fd);
	close(fd2);
}

/* Huge counts and offsets: rejected, no wrap-around onto map 0. */
static void sec_arith(const struct lab_pool *p)
{
	static const __u32 counts[] = { 0,	    65537,	0x1fffffff,
					0x20000000, 0x80000000, 0xffffffff };
	struct gntdev_grant_copy_segment seg;
	struct ioctl_gntdev_unmap_notify nop;
	__u64 off, off0;
	__u32 count;
	void *a;
	unsigned int i;
	int fd = lab_gntdev_open(opts.node), ret;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		ret = g_map_count(fd, counts[i], &off);
		lab_expect(ret == -EINVAL, lab_retname(ret),
			   "security: MAP with count %#x gives EINVAL",
			   counts[i]);
	}

	/* A one-page map at offset 0, then offsets that alias it mod 2^32. */
	ret = lab_map(fd, p->refs, 1, 0, &off0);
	if (!lab_expect(!ret && off0 == 0, lab_retname(ret),
			"security: a map at offset 0 for the aliasing checks"))
		goto out;
	a = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, 1ULL << 44);
	lab_expect(!a, "mmap succeeded (it mapped map 0)",
		   "security: mmap at offset 2^44 fails (%s)",
		   a ? "-" : lab_errname(errno));
	if (a)
		munmap(a, PG);
	a = lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, 0x7ffffffffffff000ULL);
	lab_expect(!a, "mmap succeeded",
		   "security: mmap at offset 2^63-4096 fails (%s)",
		   a ? "-" : lab_errname(errno));
	if (a)
		munmap(a, PG);
	a = mmap(NULL, 1UL << 40, PROT_READ, MAP_SHARED, fd, 0);
	lab_expect(a == MAP_FAILED, "mmap succeeded",
		   "security: mmap of 2^40 bytes at offset 0 fails (%s)",
		   a == MAP_FAILED ? lab_errname(errno) : "-");
	if (a != MAP_FAILED)
		munmap(a, 1UL << 40);
	nop = (struct ioctl_gntdev_unmap_notify){
		.index = (1ULL << 44) + 10,
		.action = UNMAP_NOTIFY_CLEAR_BYTE,
	};
	ret = lab_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &nop);
	lab_expect(ret == -ENOENT || ret == -EINVAL, lab_retname(ret),
		   "security: SET_UNMAP_NOTIFY at offset 2^44+10 fails");
	nop.index = ~0ULL;
	ret = lab_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &nop);
	lab_expect(ret == -ENOENT || ret == -EINVAL, lab_retname(ret),
		   "security: SET_UNMAP_NOTIFY at offset 2^64-1 fails");
	ret = lab_get_offset(fd, (void *)~0UL, &off, &count);
	lab_expect(ret == -EINVAL, lab_retname(ret),
		   "security: GET_OFFSET of address 2^64-1 gives EINVAL");
	ret = lab_grant_copy(fd, NULL, 0xffffffff);
	lab_expect(
		ret == -EFAULT, lab_retname(ret),
		"security: GRANT_COPY of U32_MAX segments at NULL gives EFAULT");
	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.ref = p->refs[0];
	seg.source.foreign.offset = 0xfff0;
	seg.len = 0xffff;
	seg.flags = GNTCOPY_source_gref;
	seg.dest.virt = &off;
	ret = lab_grant_copy(fd, &seg, 1);
	lab_expect(
		ret == -EINVAL, lab_retname(ret),
		"security: GRANT_COPY with offset 0xfff0 + len 0xffff gives EINVAL");
	ret = lab_grant_copy(fd, &seg, 0x80000000);
	lab_expect(
		ret == -EINVAL, lab_retname(ret),
		"security: GRANT_COPY of 2^31 segments, the first bad, gives EINVAL");
	seg.source.foreign.offset = 0;
	seg.len = 8;
	seg.dest.virt = NULL;
	ret = lab_grant_copy(fd, &seg, 1);
	lab_expect(ret == -EFAULT, lab_retname(ret),
		   "security: GRANT_COPY into NULL gives EFAULT");
	ret = lab_unmap(fd, 1ULL << 44, 1);
	lab_expect(ret == -EINVAL || ret == -ENOENT, lab_retname(ret),
		   "security: UNMAP at offset 2^44 fails (EINVAL/ENOENT)");
	ret = lab_unmap(fd, 1ULL << 44, 0);
	lab_expect(ret == -EINVAL || ret == -ENOENT, lab_retname(ret),
		   "security: UNMAP at offset 2^44, count 0 fails");
	ret = lab_unmap(fd, ~0xfffULL, 1);
	lab_expect(ret == -EINVAL || ret == -ENOENT, lab_retname(ret),
		   "security: UNMAP at offset 2^64-4096 fails");
	ret = lab_unmap(fd, 0, 0xffffffff);
	lab_expect(ret == -ENOENT, lab_retname(ret),
		   "security: UNMAP of map 0 with count U32_MAX gives ENOENT");
	ret = lab_set_max_grants(fd, 0xffffffff);
	lab_expect(!ret, lab_retname(ret),
		   "security: SET_MAX_GRANTS U32_MAX succeeds");
	/* Map 0 survived every alias. */
	ret = lab_unmap(fd, 0, 1);
	lab_expect(
		!ret, lab_retname(ret),
		"security: map 0 survived the aliasing offsets; UNMAP works");
out:
	close(fd);
}

/* The same, with the limits raised to the maximum (--extreme). */
static void sec_extreme(void)
{
	unsigned long old_limit, old_total;
	__u64 off;
	int fd, ret;

	if (param_read("limit", &old_limit))
		return;
	fd = lab_gntdev_open(opts.node);
	param_write("limit", 0xffffffffUL);
	if (!param_read("total_limit", &old_total))
		param_write("total_limit", ~0UL);
	ret = g_map_count(fd, 0xffffffff, &off);
	lab_expect(
		ret == -ENOMEM || ret == -EFAULT || ret == -ENOSPC,
		lab_retname(ret),
		"security: limits raised to the maximum: MAP of U32_MAX fails cleanly");
	ret = g_map_count(fd, 0x10000000, &off);
	lab_expect(
		ret == -ENOMEM || ret == -EFAULT || ret == -ENOSPC,
		lab_retname(ret),
		"security: limits raised to the maximum: MAP of 2^28 fails cleanly");
	param_write("limit", old_limit);
	if (!param_read("total_limit", &old_total))
		param_write("total_limit",
			    old_total == ~0UL ? 1048576 : old_total);
	close(fd);
}

/* A never-granted ref and refs revoked before and while being mapped. */
static void sec_refs(void)
{
	struct gntdev_grant_copy_segment seg;
	volatile __u64 *a;
	struct lab_pool q;
	__u32 ref = LAB_NEVER_GRANTED, rref;
	__u64 off, v = 0;
	int fd = lab_gntdev_open(opts.node), ret;
	double end;

	ret = lab_map(fd, &ref, 1, 0, &off);
	a = ret ? NULL : lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, off);
	lab_expect(!ret && !a,
		   fmt("map %s, mmap %s", lab_retname(ret), a ? "ok" : "-"),
		   "security: never-granted ref: MAP works, mmap fails (%s)",
		   lab_errname(errno));
	if (a)
		munmap((void *)a, PG);
	lab_unmap(fd, off, 1);
	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.ref = ref;
	seg.dest.virt = &v;
	seg.len = 8;
	seg.flags = GNTCOPY_source_gref;
	ret = lab_grant_copy(fd, &seg, 1);
	lab_expect(
		!ret && seg.status == ST_BAD_GNTREF,
		fmt("%s, status %d", lab_retname(ret), seg.status),
		"security: never-granted ref: GRANT_COPY reports GNTST_bad_gntref");

	/* Revoked before: gntalloc gives it up, then we try. */
	lab_pool_or_die(&q, 1, 1);
	rref = q.refs[0];
	lab_pool_put(&q);
	ret = lab_map(fd, &rref, 1, 0, &off);
	a = ret ? NULL : lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, off);
	lab_expect(!ret && !a,
		   fmt("map %s, mmap %s", lab_retname(ret), a ? "ok" : "-"),
		   "security: revoked ref %u: mmap fails (%s)", rref,
		   lab_errname(errno));
	if (a)
		munmap((void *)a, PG);
	lab_unmap(fd, off, 1);
	seg.source.foreign.ref = rref;
	seg.status = 0;
	ret = lab_grant_copy(fd, &seg, 1);
	lab_expect(!ret && seg.status < 0,
		   fmt("%s, status %d", lab_retname(ret), seg.status),
		   "security: revoked ref: GRANT_COPY reports an error status");

	/* Revoked while mapped: the mapping stays sane, then it is gone. */
	lab_pool_or_die(&q, 1, 1);
	rref = q.refs[0];
	ret = lab_map(fd, &rref, 1, 0, &off);
	a = ret ? NULL :
		  lab_mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   off);
	if (!lab_expect(a != NULL, lab_retname(ret),
			"security: map a ref to revoke"))
		goto out;
	lab_pool_put(&q); /* gntalloc must defer: we still map it */
	a[1] = 0x1234;
	lab_expect(
		a[0] == lab_sig(rref) && a[1] == 0x1234, "wrong data",
		"security: ref revoked while mapped: the mapping still works");
	munmap((void *)a, PG);
	lab_unmap(fd, off, 1);
	/* gntalloc retries ending the grant about once a second. */
	end = lab_now() + 10;
	do {
		sleep_ms(500);
		ret = lab_map(fd, &rref, 1, 0, &off);
		a = ret ? NULL :
			  lab_mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, off);
		if (a)
			munmap((void *)a, PG);
		lab_unmap(fd, off, 1);
	} while (a && lab_now() < end);
	lab_expect(
		!a, "still mappable after 10 s",
		"security: once unmapped, the revoked ref can no longer be mapped");
out:
	close(fd);
}

static void group_security(bool extreme)
{
	struct lab_pool p;

	lab_tap_current = "security";
	lab_pool_or_die(&p, 4, 1);
	sec_node();
	sec_scm(&p);
	sec_getoff(&p);
	sec_arith(&p);
	if (extreme)
		sec_extreme();
	sec_refs();
	lab_expect(wait_quiet(20000), why, "security: no grant left mapped");
	lab_expect(!lab_pool_put(&p), NULL,
		   "security: gntalloc frees the pool");
}

/* ------------------------------------------------------------------------
 * danger: found by gntdev-fuzz; oopses the stock driver (opt-in only)
 */

/*
 * A clear-byte notify on a map whose mmap() then fails part-way (one
 * ref never granted): the failed mmap unmaps what it mapped, and the
 * notify byte must not be written through a kernel address that has no
 * writable mapping. Read-write first (both drivers survive), then
 * read-only: the stock 6.1 xen-gntdev oopses in unmap_grant_pages(),
 * called from gntdev_mmap()'s error path, writing the byte through the
 * read-only kernel mapping of the valid page (gntdev-fuzz, seed 305037).
 * Ours refuses a read-only mmap of a map with a clear-byte notify.
 */
static void danger_notify_failed_mmap(const struct lab_pool *p, int prot)
{
	__u32 refs[2] = { LAB_NEVER_GRANTED, p->refs[0] };
	struct ioctl_gntdev_unmap_notify nop = { 0 };
	const char *mode = prot & PROT_WRITE ? "RW" : "RO";
	void *a;
	__u64 off;
	int fd = lab_gntdev_open(opts.node), ret;

	ret = lab_map(fd, refs, 2, 0, &off);
	if (!lab_expect(!ret, lab_retname(ret),
			"danger %s: MAP [never granted, valid]", mode))
		goto out;
	nop.index = off + PG + 0x5a4;
	nop.action = UNMAP_NOTIFY_CLEAR_BYTE;
	ret = lab_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &nop);
	lab_expect(!ret, lab_retname(ret),
		   "danger %s: clear-byte notify on the valid page", mode);
	if (!(prot & PROT_WRITE))
		lab_note(
			"danger: mmap read-only now; the stock driver oopses here");
	a = lab_mmap(NULL, 2, prot, MAP_SHARED, fd, off);
	lab_expect(!a, "mmap succeeded",
		   "danger %s: the mmap fails (%s), no oops", mode,
		   a ? "-" : lab_errname(errno));
	if (a)
		munmap(a, 2 * PG);
	ret = lab_unmap(fd, off, 2);
	lab_expect(!ret, lab_retname(ret), "danger %s: UNMAP afterwards", mode);
	lab_expect(p->mem[0] == lab_sig(p->refs[0]), "signature changed",
		   "danger %s: the valid page is intact", mode);
out:
	close(fd);
}

static void group_danger(void)
{
	struct lab_pool p;

	lab_tap_current = "danger";
	lab_pool_or_die(&p, 1, 1);
	danger_notify_failed_mmap(&p, PROT_READ | PROT_WRITE);
	danger_notify_failed_mmap(&p, PROT_READ);
	lab_expect(wait_quiet(20000), why, "danger: no grant left mapped");
	lab_expect(!lab_pool_put(&p), NULL, "danger: gntalloc frees the pool");
}

/* ------------------------------------------------------------------------
 * main
 */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-k KILLS] [-t SECS] [-T THREADS] [-P PROCS]\n"
		"          [-d NODE] [--stock] [--extreme]\n"
		"          [kill|conc|limits|security|danger]...\n",
		program_invocation_short_name);
	exit(2);
}

static unsigned long num(const char *s)
{
	return lab_num(s, usage);
}

static void print_figures(__u64 seed, unsigned int threads, unsigned int procs)
{
	printf("FIGURES torture driver=%s seed=%llu checks=%u failed=%u findings=%u",
	       lab_stock ? "stock" : "ours", (unsigned long long)seed,
	       lab_tap_passed + lab_tap_failed, lab_tap_failed, lab_findings);
	if (figures.kill)
		printf(" kills=%u kill_loops=%lu", figures.kills,
		       figures.kill_loops);
	if (figures.conc)
		printf(" threads=%u processes=%u conc_seconds=%.1f worker_seconds=%.0f",
		       threads, procs, figures.conc_secs,
		       (threads + procs) * figures.conc_secs);
	putchar('\n');
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "extreme", no_argument, NULL, 'X' },
		{ "scm-receiver", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int kills = 1000, secs = 20, threads = 4, procs = 3;
	bool extreme = false, all = true, run[5] = { false };
	static const char *const groups[5] = { "kill", "conc", "limits",
					       "security", "danger" };
	__u64 seed;
	int opt, i;

	while ((opt = lab_getopt(argc, argv, "k:t:T:P:", longopts, &opts)) !=
	       -1) {
		switch (opt) {
		case 'k':
			kills = num(optarg);
			break;
		case 't':
			secs = num(optarg);
			break;
		case 'T':
			threads = num(optarg);
			break;
		case 'P':
			procs = num(optarg);
			break;
		case 'X':
			extreme = true;
			break;
		case 'R':
			return scm_receiver((int)num(optarg));
		default:
			usage();
		}
	}
	seed = opts.seed;
	for (; optind < argc; optind++) {
		for (i = 0; i < 5 && strcmp(argv[optind], groups[i]); i++)
			;
		if (i == 5)
			usage();
		run[i] = true;
		all = false;
	}
	if (threads + procs > 16 || !threads || !procs)
		usage();

	lab_catch_fatal_signals();
	/* Our module is "gntdev", the stock one "xen_gntdev". */
	snprintf(param_dir, sizeof(param_dir), "/sys/module/%s/parameters",
		 access("/sys/module/gntdev/parameters", F_OK) ? "xen_gntdev" :
								 "gntdev");
	grants_baseline = lab_grants_active();
	if (grants_baseline < 0)
		lab_die(1, "xenlab-grants count does not work");
	lab_note(
		"gntdev-torture: seed %llu, driver %s (%s), %ld active grant entries at start",
		(unsigned long long)seed, lab_stock ? "stock" : "ours",
		param_dir, grants_baseline);

	if (all || run[3])
		group_security(extreme);
	if (all || run[2])
		group_limits(seed + 2, threads, procs);
	if (all || run[1])
		group_conc(seed + 1, threads, procs, secs);
	if (all || run[0])
		group_kill(seed, kills);
	/* Never part of "all": it takes the stock kernel down. */
	if (run[4])
		group_danger();

	if (lab_stock)
		lab_note("stock findings: %u", lab_findings);
	print_figures(seed, threads, procs);
	return lab_tap_summary();
}
