// SPDX-License-Identifier: GPL-2.0
/*
 * gntbench - how fast is whatever driver owns /dev/xen/gntdev?
 *
 * Runs as root in a PV dom0 that grants pages to itself through gntalloc
 * and maps them back through gntdev, so no second domain is needed.  Tests:
 *
 *   full   MAP_GRANT_REF + mmap + touch every page + munmap +
 *          UNMAP_GRANT_REF, per batch size: pages/s
 *   steps  the same cycle with each step timed on its own: us per step
 *   ioctl  MAP_GRANT_REF + UNMAP_GRANT_REF of one grant, with 0, 100, ...
 *          other maps alive in the same file: us per pair (mainline walks
 *          a list of the maps, so this grows with them)
 *   copy   IOCTL_GNTDEV_GRANT_COPY of N 4 KiB segments per call, grant to
 *          memory (copy-in) and memory to grant (copy-out): MiB/s
 *   floor  the same map cycle and copies done in the kernel by gntfloor.ko
 *          (/sys/kernel/debug/gntfloor/run) with raw hypercalls: the
 *          floor; and what a map's pages and arrays cost the kernel
 *   lib    the full cycle through libxengnttab's map/unmap calls; only in
 *          a binary built with -DGNTBENCH_LIB and linked with a library
 *
 * Each point runs for at least -t seconds (after one untimed warm-up, which
 * also checks that the mapping shows the granted data) and prints one line
 *
 *   RESULT driver=NAME test=TEST batch=N value=V unit=U iters=I secs=S
 *
 * with live= or segs= in place of batch= where that is the parameter.
 * Any failure is fatal: exit status 1 and a "gntbench: ..." message.
 *
 * The options are gntbench's own, not lab_getopt()'s: -d and -s mean the
 * driver's name and the copy sizes here, as the bench payloads pass them.
 */
/* The lab's library: the project's uapi header, the self-grant pool, errors. */
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef GNTBENCH_LIB
#include <xengnttab.h>
#ifndef GNTBENCH_LIB_NAME
#define GNTBENCH_LIB_NAME "lib"
#endif
#endif

#define PAGE LAB_PAGE_SIZE
#define FLOOR_PATH "/sys/kernel/debug/gntfloor/run"
#define MAX_LIST 16

static const char *driver;
static double min_secs = 0.3;

struct list {
	unsigned int n;
	unsigned long v[MAX_LIST];
};

static struct list batches = { 7, { 1, 4, 16, 64, 256, 1024, 4096 } };
static struct list lives = { 4, { 0, 100, 1000, 10000 } };
static struct list segs = { 4, { 1, 16, 64, 256 } };

/*
 * The grant pool: pages of ours, granted to ourselves (domain 0), each
 * page's first word its signature (lab_sig()), so a mapping or a copy of
 * the wrong page shows.
 */
static struct lab_pool pool;

/*
 * Print one point of @iters iterations in @secs, @best seconds each in its
 * fastest chunk.  A rate in @unit (pages/s, MiB/s) if @work, what one
 * iteration moves in @unit's numerator, is set; else a time per iteration
 * in @unit (us or ns).
 */
static void result(const char *test, const char *key, unsigned long x,
		   const char *unit, double work, double best,
		   unsigned long iters, double secs)
{
	double scale = !strcmp(unit, "ns") ? 1e9 : 1e6;
	double mean = secs / iters;
	double value = work ? work / mean : mean * scale;
	double bvalue = work ? work / best : best * scale;

	printf("RESULT driver=%s test=%s %s=%lu value=%.3f best=%.3f unit=%s iters=%lu secs=%.3f\n",
	       driver, test, key, x, value, bvalue, unit, iters, secs);
	/* The console may die with us: never leave results in a buffer. */
	fflush(stdout);
}

static void *xmalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		lab_die_errno(1, "out of memory (%zu bytes)", size);
	return p;
}

/* ------------------------------------------------------------------ */
/* Timing */

/**
 * struct bench - one measured point
 * @fn: Runs @n iterations of the thing measured; dies on failure.
 * @arg: Passed to @fn.
 * @iters: Out: timed iterations.
 * @secs: Out: their total time.
 * @best: Out: seconds per iteration of the fastest chunk.
 */
struct bench {
	void (*fn)(void *arg, unsigned long n);
	void *arg;
	unsigned long iters;
	double secs;
	double best;
};

/* Chunks per point: enough for a best-of that sees past host noise. */
#define CHUNKS 10

/*
 * Run @b->fn in chunks of about min_secs / CHUNKS each, sized from the
 * time per iteration so far, until min_secs and at least 3 chunks have
 * been timed.  The clock is read only between chunks, so its cost vanishes
 * in the average.  Under QEMU TCG on a shared host, time is stolen from
 * the guest at random; that only ever adds, so the fastest chunk (@best)
 * is the steadier estimate, and @secs / @iters the honest mean.
 */
static void bench_run(struct bench *b)
{
	unsigned long n = 1, want, chunks = 0;
	double t0, dt;

	b->iters = 0;
	b->secs = 0;
	b->best = 0;
	while (b->secs < min_secs || chunks < 3) {
		t0 = lab_now();
		b->fn(b->arg, n);
		dt = lab_now() - t0;
		b->secs += dt;
		b->iters += n;
		chunks++;
		if (!b->best || dt / n < b->best)
			b->best = dt / n;
		want = min_secs / CHUNKS / (b->secs / b->iters) + 1;
		n = want < 8 * n ? want : 8 * n;
	}
}

/* ------------------------------------------------------------------ */
/* Setup */

static int open_gntdev(void)
{
	int fd = lab_gntdev_open(NULL);

	if (fd < 0)
		lab_die_errno(1, "open %s", LAB_GNTDEV_NODE);
	return fd;
}

/* Name the driver from the module that is loaded, unless given. */
static const char *detect_driver(void)
{
	struct stat st;

	if (!stat("/sys/module/gntdev", &st))
		return "ours";
	if (!stat("/sys/module/xen_gntdev", &st))
		return "stock";
	return "unknown";
}

/*
 * A MAP_GRANT_REF request for pool grants [0, n), made once per point:
 * lab_map() would build one in every timed iteration.
 */
static struct ioctl_gntdev_map_grant_ref *map_request(unsigned long n)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned long i;

	op = xmalloc(sizeof(*op) + n * sizeof(op->refs[0]));
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = 0;
		op->refs[i].ref = pool.refs[i];
	}
	return op;
}

/* ------------------------------------------------------------------ */
/* full and steps: the whole map cycle */

/* Step names, in cycle order; the steps test reports each. */
enum { MAP, MMAP, TOUCH, MUNMAP, UNMAP, NSTEPS };
static const char *const step_names[NSTEPS] = { "step-map", "step-mmap",
						"step-touch", "step-munmap",
						"step-unmap" };

struct cycle {
	int fd;
	unsigned long batch;
	struct ioctl_gntdev_map_grant_ref *req;
	bool steps;
	bool check;
	double step_secs[NSTEPS];
	double step_best[NSTEPS];
};

/* One cycle; with @c->steps, time each step into @c->step_secs. */
static void cycle_once(struct cycle *c)
{
	size_t len = c->batch * PAGE;
	volatile char *p;
	double t[NSTEPS + 1] = { 0 };
	unsigned long i;

	if (c->steps)
		t[0] = lab_now();
	if (lab_ioctl(c->fd, IOCTL_GNTDEV_MAP_GRANT_REF, c->req))
		lab_die_errno(1, "MAP_GRANT_REF of %lu", c->batch);
	if (c->steps)
		t[1] = lab_now();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
		 c->req->index);
	if (p == MAP_FAILED)
		lab_die_errno(1, "mmap of %lu grants", c->batch);
	if (c->steps)
		t[2] = lab_now();
	if (c->check && !lab_sigs_ok(p, pool.refs, c->batch))
		lab_die(1, "a page of a %lu-grant map is not its grant's",
			c->batch);
	/* The last byte: the first word is the check pattern. */
	for (i = 0; i < c->batch; i++)
		p[i * PAGE + PAGE - 1] = (char)i;
	if (c->steps)
		t[3] = lab_now();
	if (munmap((void *)p, len))
		lab_die_errno(1, "munmap");
	if (c->steps)
		t[4] = lab_now();
	if (lab_unmap(c->fd, c->req->index, c->batch))
		lab_die_errno(1, "UNMAP_GRANT_REF of %lu", c->batch);
	if (c->steps) {
		t[5] = lab_now();
		for (i = 0; i < NSTEPS; i++) {
			c->step_secs[i] += t[i + 1] - t[i];
			if (!c->step_best[i] ||
			    t[i + 1] - t[i] < c->step_best[i])
				c->step_best[i] = t[i + 1] - t[i];
		}
	}
}

static void cycle_fn(void *arg, unsigned long n)
{
	while (n--)
		cycle_once(arg);
}

static void test_full(bool steps)
{
	struct cycle c = { .steps = steps };
	struct bench b = { .fn = cycle_fn, .arg = &c };
	unsigned int k, s;

	c.fd = open_gntdev();
	for (k = 0; k < batches.n; k++) {
		c.batch = batches.v[k];
		c.req = map_request(c.batch);
		c.check = true;
		cycle_once(&c);
		c.check = false;
		memset(c.step_secs, 0, sizeof(c.step_secs));
		memset(c.step_best, 0, sizeof(c.step_best));
		bench_run(&b);
		if (!steps) {
			result("full", "batch", c.batch, "pages/s", c.batch,
			       b.best, b.iters, b.secs);
		} else {
			/* Here best is the fastest single step. */
			for (s = 0; s < NSTEPS; s++)
				result(step_names[s], "batch", c.batch, "us", 0,
				       c.step_best[s], b.iters, c.step_secs[s]);
		}
		free(c.req);
	}
	close(c.fd);
}

/* ------------------------------------------------------------------ */
/* ioctl: MAP + UNMAP of one grant beside many live maps */

struct pair {
	int fd;
	struct ioctl_gntdev_map_grant_ref *req;
};

static void pair_fn(void *arg, unsigned long n)
{
	struct pair *pr = arg;

	while (n--) {
		if (lab_ioctl(pr->fd, IOCTL_GNTDEV_MAP_GRANT_REF, pr->req))
			lab_die_errno(1, "MAP_GRANT_REF");
		if (lab_unmap(pr->fd, pr->req->index, 1))
			lab_die_errno(1, "UNMAP_GRANT_REF");
	}
}

static void test_ioctl(void)
{
	struct pair pr;
	struct bench b = { .fn = pair_fn, .arg = &pr };
	unsigned long i, live;
	unsigned int k;
	double t0;

	pr.req = map_request(1);
	for (k = 0; k < lives.n; k++) {
		live = lives.v[k];
		/* A fresh file, so earlier points leave no holes behind. */
		pr.fd = open_gntdev();
		t0 = lab_now();
		/* Never mmapped, so never mapped: no hypercall, any ref. */
		for (i = 0; i < live; i++)
			if (lab_ioctl(pr.fd, IOCTL_GNTDEV_MAP_GRANT_REF,
				      pr.req))
				lab_die_errno(
					1, "MAP_GRANT_REF of live map %lu", i);
		t0 = lab_now() - t0;
		if (live)
			result("live-setup", "live", live, "us", 0, t0 / live,
			       live, t0);
		pair_fn(&pr, 1);
		bench_run(&b);
		result("ioctl", "live", live, "us", 0, b.best, b.iters, b.secs);
		close(pr.fd);
	}
	free(pr.req);
}

/* ------------------------------------------------------------------ */
/* copy */

struct copy {
	int fd;
	struct gntdev_grant_copy_segment *segs;
	unsigned int n;
	char *buf;
};

static void copy_fn(void *arg, unsigned long n)
{
	struct copy *c = arg;
	unsigned int i;

	while (n--) {
		if (lab_grant_copy(c->fd, c->segs, c->n))
			lab_die_errno(1, "GRANT_COPY of %u segments", c->n);
		/* Cheap next to the copy, and a failed copy must not pass. */
		for (i = 0; i < c->n; i++)
			if (c->segs[i].status)
				lab_die(1, "GRANT_COPY segment %u: status %d",
					i, c->segs[i].status);
	}
}

static void test_copy(void)
{
	struct copy c;
	struct bench b = { .fn = copy_fn, .arg = &c };
	unsigned long max = 0, i, n;
	unsigned int k, dir;
	struct gntdev_grant_copy_segment *seg;

	for (k = 0; k < segs.n; k++)
		max = segs.v[k] > max ? segs.v[k] : max;
	c.fd = open_gntdev();
	c.buf = mmap(NULL, max * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c.buf == MAP_FAILED)
		lab_die_errno(1, "mmap of the copy buffer");
	/* copy-out then writes each grant's own signature back. */
	for (i = 0; i < max; i++)
		*(__u64 *)(c.buf + i * PAGE) = lab_sig(pool.refs[i]);
	c.segs = xmalloc(max * sizeof(*c.segs));

	for (dir = 0; dir < 2; dir++) {
		for (k = 0; k < segs.n; k++) {
			n = segs.v[k];
			memset(c.segs, 0, n * sizeof(*seg));
			for (i = 0; i < n; i++) {
				seg = &c.segs[i];
				seg->len = PAGE;
				if (dir == 0) {
					seg->flags = GNTCOPY_source_gref;
					seg->source.foreign.ref = pool.refs[i];
					seg->source.foreign.domid = 0;
					seg->dest.virt = c.buf + i * PAGE;
				} else {
					seg->flags = GNTCOPY_dest_gref;
					seg->source.virt = c.buf + i * PAGE;
					seg->dest.foreign.ref = pool.refs[i];
					seg->dest.foreign.domid = 0;
				}
			}
			c.n = n;
			if (dir == 0)
				memset(c.buf, 0, n * PAGE);
			copy_fn(&c, 1);
			if (!lab_sigs_ok(c.buf, pool.refs, n))
				lab_die(1,
					"copy %lu: a page is not its grant's",
					n);
			bench_run(&b);
			result(dir ? "copy-out" : "copy-in", "segs", n, "MiB/s",
			       n * PAGE / (double)(1 << 20), b.best, b.iters,
			       b.secs);
		}
	}
	munmap(c.buf, max * PAGE);
	free(c.segs);
	close(c.fd);
}

/* ------------------------------------------------------------------ */
/* floor: the same work in gntfloor.ko, timed by the kernel */

/*
 * Run one gntfloor command and parse the numbers @keys[0..n) of its
 * result ("ok op=... key=value ...") into @v.
 */
static void floor_cmd(const char *cmd, const char *const *keys, double *v,
		      int n)
{
	char res[512], *p;
	ssize_t len;
	int fd, i;

	fd = open(FLOOR_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		lab_die_errno(
			1, "open %s (is gntfloor.ko loaded, debugfs mounted?)",
			FLOOR_PATH);
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		lab_die_errno(1, "gntfloor \"%s\"", cmd);
	len = pread(fd, res, sizeof(res) - 1, 0);
	if (len < 0)
		lab_die_errno(1, "read %s", FLOOR_PATH);
	res[len] = '\0';
	close(fd);
	if (strncmp(res, "ok ", 3))
		lab_die(1, "gntfloor \"%s\": %s", cmd, res);
	for (i = 0; i < n; i++) {
		p = strstr(res, keys[i]);
		if (!p || sscanf(p + strlen(keys[i]), "=%lf", &v[i]) != 1)
			lab_die(1, "gntfloor \"%s\": no %s in %s", cmd, keys[i],
				res);
	}
}

/* What a floor point measures: up to 3 times per iteration. */
#define FLOOR_KEYS 3

/* Totals of a floor point, and its fastest chunk, in s per iteration. */
struct floor_times {
	double sum[FLOOR_KEYS], best[FLOOR_KEYS];
	double total, best_total;
	unsigned long iters;
};

/*
 * Like bench_run(), with the kernel's own clock: each command is a chunk
 * of n iterations, reporting nanosecond totals under @keys; n grows until
 * min_secs of kernel-timed work.
 */
static void floor_point(const char *fmt, unsigned long x,
			const char *const *keys, int nkeys,
			struct floor_times *t)
{
	unsigned long n = 1, want, chunks = 0;
	double v[FLOOR_KEYS], all;
	char cmd[64];
	int i;

	memset(t, 0, sizeof(*t));
	/* Warm-up: the first run allocates, and checks the mapping. */
	snprintf(cmd, sizeof(cmd), fmt, x, 1UL);
	floor_cmd(cmd, keys, v, nkeys);
	while (t->total < min_secs || chunks < 3) {
		snprintf(cmd, sizeof(cmd), fmt, x, n);
		floor_cmd(cmd, keys, v, nkeys);
		all = 0;
		for (i = 0; i < nkeys; i++) {
			v[i] *= 1e-9;
			all += v[i];
			t->sum[i] += v[i];
			if (!t->best[i] || v[i] / n < t->best[i])
				t->best[i] = v[i] / n;
		}
		if (!t->best_total || all / n < t->best_total)
			t->best_total = all / n;
		t->total += all;
		t->iters += n;
		chunks++;
		want = min_secs / CHUNKS / (t->total / t->iters) + 1;
		n = want < 8 * n ? want : 8 * n;
	}
}

static void test_floor(void)
{
	static const char *const map_keys[] = { " map_ns", " unmap_ns" };
	static const char *const copy_keys[] = { " copy_ns" };
	static const char *const alloc_keys[] = { " page_alloc_ns",
						  " page_free_ns",
						  " array_ns" };
	/* As ours maps on PV (a user PTE), and as stock (plus the kernel). */
	static const char *const map_fmt[] = { "map %lu %lu 1 pte",
					       "map %lu %lu 2 pte" };
	static const char *const map_drv[] = { "floor", "floor2" };
	static const char *const copy_fmt[] = { "copy %lu %lu in",
						"copy %lu %lu out" };
	const char *saved = driver;
	struct floor_times t;
	unsigned long x;
	unsigned int k, v;

	for (v = 0; v < 2; v++) {
		driver = map_drv[v];
		for (k = 0; k < batches.n; k++) {
			x = batches.v[k];
			floor_point(map_fmt[v], x, map_keys, 2, &t);
			result("full", "batch", x, "pages/s", x, t.best_total,
			       t.iters, t.total);
			/* The hypercalls a PV gntdev issues in mmap, munmap. */
			result("step-mmap", "batch", x, "us", 0, t.best[0],
			       t.iters, t.sum[0]);
			result("step-munmap", "batch", x, "us", 0, t.best[1],
			       t.iters, t.sum[1]);
		}
	}
	/* What the kernel charges a map besides the hypercalls. */
	driver = "floor";
	for (k = 0; k < batches.n; k++) {
		x = batches.v[k];
		floor_point("alloc %lu %lu", x, alloc_keys, 3, &t);
		result("alloc-pages", "batch", x, "us", 0,
		       t.best[0] + t.best[1], t.iters, t.sum[0] + t.sum[1]);
		result("alloc-arrays", "batch", x, "us", 0, t.best[2], t.iters,
		       t.sum[2]);
	}
	for (v = 0; v < 2; v++) {
		for (k = 0; k < segs.n; k++) {
			x = segs.v[k];
			floor_point(copy_fmt[v], x, copy_keys, 1, &t);
			result(v ? "copy-out" : "copy-in", "segs", x, "MiB/s",
			       x * PAGE / (double)(1 << 20), t.best_total,
			       t.iters, t.total);
		}
	}
	driver = saved;
}

/* ------------------------------------------------------------------ */
/* lib: the full cycle through a libxengnttab */

#ifdef GNTBENCH_LIB
struct libcycle {
	xengnttab_handle *h;
	unsigned long batch;
	bool check;
};

static void lib_fn(void *arg, unsigned long n)
{
	struct libcycle *c = arg;
	volatile char *p;
	unsigned long i;

	while (n--) {
		p = xengnttab_map_domain_grant_refs(
			c->h, c->batch, 0, pool.refs, PROT_READ | PROT_WRITE);
		if (!p)
			lab_die_errno(1,
				      "xengnttab_map_domain_grant_refs of %lu",
				      c->batch);
		if (c->check && !lab_sigs_ok(p, pool.refs, c->batch))
			lab_die(1, "lib: a page is not its grant's");
		for (i = 0; i < c->batch; i++)
			p[i * PAGE + PAGE - 1] = (char)i;
		if (xengnttab_unmap(c->h, (void *)p, c->batch))
			lab_die_errno(1, "xengnttab_unmap of %lu", c->batch);
	}
}

static void test_lib(void)
{
	struct libcycle c = { 0 };
	struct bench b = { .fn = lib_fn, .arg = &c };
	unsigned int k;

	c.h = xengnttab_open(NULL, 0);
	if (!c.h)
		lab_die_errno(1, "xengnttab_open");
	for (k = 0; k < batches.n; k++) {
		c.batch = batches.v[k];
		c.check = true;
		lib_fn(&c, 1);
		c.check = false;
		bench_run(&b);
		result("lib-" GNTBENCH_LIB_NAME, "batch", c.batch, "pages/s",
		       c.batch, b.best, b.iters, b.secs);
	}
	xengnttab_close(c.h);
}
#else
static void test_lib(void)
{
	lab_die(1,
		"lib: this gntbench was built without a library (GNTBENCH_LIB)");
}
#endif

/* ------------------------------------------------------------------ */

/* The cost of one clock read, which the steps test pays 6 times a cycle. */
static void clock_fn(void *arg __attribute__((unused)), unsigned long n)
{
	while (n--)
		lab_now();
}

static void test_clock(void)
{
	struct bench b = { .fn = clock_fn };
	double keep = min_secs;

	min_secs = min_secs < 0.1 ? min_secs : 0.1;
	bench_run(&b);
	min_secs = keep;
	result("clock", "batch", 1, "ns", 0, b.best, b.iters, b.secs);
}

static void parse_list(struct list *l, const char *s)
{
	char *end;

	l->n = 0;
	while (*s) {
		if (l->n == MAX_LIST)
			lab_die(1, "more than %d values in a list", MAX_LIST);
		l->v[l->n] = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ','))
			lab_die(1, "bad list at \"%s\"", s);
		l->n++;
		s = *end == ',' ? end + 1 : end;
	}
}

static void __attribute__((noreturn)) usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: gntbench [-d NAME] [-t SECS] [-b LIST] [-l LIST] [-s LIST]\n"
		"                [TEST...]\n"
		"  TEST: full steps ioctl copy floor lib clock\n"
		"        (default: clock full steps ioctl copy)\n"
		"  -d NAME  driver name for the RESULT lines (default: from the\n"
		"           loaded module: ours, stock)\n"
		"  -t SECS  minimum timed seconds per point (default 0.3)\n"
		"  -b LIST  batch sizes of full, steps, floor, lib\n"
		"           (default 1,4,16,64,256,1024,4096)\n"
		"  -l LIST  live maps of ioctl (default 0,100,1000,10000)\n"
		"  -s LIST  segments per copy (default 1,16,64,256)\n");
	exit(code);
}

int main(int argc, char **argv)
{
	static const char *const dflt[] = { "clock", "full", "steps", "ioctl",
					    "copy" };
	const char *const *tests = dflt;
	unsigned long need = 0;
	unsigned int k;
	int ntests = 5, opt, t;

	while ((opt = getopt(argc, argv, "d:t:b:l:s:h")) != -1) {
		switch (opt) {
		case 'd':
			driver = optarg;
			break;
		case 't':
			min_secs = strtod(optarg, NULL);
			if (min_secs <= 0)
				lab_die(1, "bad -t %s", optarg);
			break;
		case 'b':
			parse_list(&batches, optarg);
			break;
		case 'l':
			parse_list(&lives, optarg);
			break;
		case 's':
			parse_list(&segs, optarg);
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind < argc) {
		tests = (const char *const *)argv + optind;
		ntests = argc - optind;
	}
	if (!driver)
		driver = detect_driver();

	/* The pool serves the largest batch and the largest copy. */
	for (k = 0; k < batches.n; k++)
		need = batches.v[k] > need ? batches.v[k] : need;
	for (k = 0; k < segs.n; k++)
		need = segs.v[k] > need ? segs.v[k] : need;
	if (!need)
		lab_die(1, "nothing to measure");

	/* Only floor runs without one. */
	for (t = 0; t < ntests && !pool.req; t++)
		if (strcmp(tests[t], "floor"))
			lab_pool_or_die(&pool, need, 1);
	for (t = 0; t < ntests; t++) {
		if (!strcmp(tests[t], "full"))
			test_full(false);
		else if (!strcmp(tests[t], "steps"))
			test_full(true);
		else if (!strcmp(tests[t], "ioctl"))
			test_ioctl();
		else if (!strcmp(tests[t], "copy"))
			test_copy();
		else if (!strcmp(tests[t], "floor"))
			test_floor();
		else if (!strcmp(tests[t], "lib"))
			test_lib();
		else if (!strcmp(tests[t], "clock"))
			test_clock();
		else
			lab_die(1, "unknown test %s", tests[t]);
	}
	return 0;
}
