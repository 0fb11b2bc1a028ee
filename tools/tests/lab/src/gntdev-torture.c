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
 *
 * The bad inputs and dangerous sequences it once had (node mode, a passed
 * file, GET_OFFSET_FOR_VADDR on foreign addresses, counts near U32_MAX,
 * offsets at 2^44, never-granted and revoked refs, the stock oops after a
 * clear-byte notify) are rows of the conformance suite's tables now
 * (conform-errors.c, conform-danger.c, conform-regress.c).
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
 * Usage: gntdev-torture [options] [GROUP...]   (default: all)
 *   -s SEED    random seed (default: from the clock; always printed)
 *   -k KILLS   kills in the kill group (default 1000)
 *   -t SECS    duration of the conc group (default 20)
 *   -T N       threads on one file (default 4)
 *   -P N       processes with a file each (default 3)
 *   -d NODE    gntdev node (default /dev/xen/gntdev)
 *   --stock    the driver is the stock xen-gntdev: report, don't fail
 * Exit status: 0 all checks passed, 1 some failed, 2 usage.
 */
#include "lab.h"

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define PG LAB_PAGE_SIZE
#define WORDS LAB_PAGE_WORDS

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
 * main
 */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-k KILLS] [-t SECS] [-T THREADS] [-P PROCS]\n"
		"          [-d NODE] [--stock] [kill|conc|limits]...\n",
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
	unsigned int kills = 1000, secs = 20, threads = 4, procs = 3;
	bool all = true, run[3] = { false };
	static const char *const groups[3] = { "kill", "conc", "limits" };
	__u64 seed;
	int opt, i;

	while ((opt = lab_getopt(argc, argv, "k:t:T:P:", NULL, &opts)) != -1) {
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
		default:
			usage();
		}
	}
	seed = opts.seed;
	for (; optind < argc; optind++) {
		for (i = 0; i < 3 && strcmp(argv[optind], groups[i]); i++)
			;
		if (i == 3)
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

	if (all || run[2])
		group_limits(seed + 2, threads, procs);
	if (all || run[1])
		group_conc(seed + 1, threads, procs, secs);
	if (all || run[0])
		group_kill(seed, kills);

	if (lab_stock)
		lab_note("stock findings: %u", lab_findings);
	print_figures(seed, threads, procs);
	return lab_tap_summary();
}
