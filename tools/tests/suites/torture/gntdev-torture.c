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

#include <math.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

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

/* Module parameter @name of whichever driver is loaded, opened in @mode. */
static FILE *param_open(const char *name, const char *mode)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", param_dir, name);
	return fopen(path, mode);
}

static int param_read(const char *name, unsigned long *v)
{
	FILE *f = param_open(name, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

/* A write that fails shows in the checks that depend on it. */
static void param_write(const char *name, unsigned long v)
{
	FILE *f = param_open(name, "w");

	if (f) {
		fprintf(f, "%lu\n", v);
		fclose(f);
	}
}

/* A check that @call returns @want (0 or -errno), named by the rest. */
#define expect_ret(call, want, ...)                                         \
	({                                                                  \
		int ret_ = (call);                                          \
		lab_expect(ret_ == (want), lab_retname(ret_), __VA_ARGS__); \
	})

/* ------------------------------------------------------------------------
 * kill: SIGKILL at random points
 */

/* Written by the child, read by the parent after the kill. */
static struct lab_worker_stats *kill_st;

/*
 * Run @w until the kill; if it fails first, its reason goes in kill_st
 * and the exit code says which kind.
 */
static void *__attribute__((noreturn)) kill_worker(void *arg)
{
	struct lab_worker *w = arg;

	lab_worker_run(w, HUGE_VAL, NULL);
	if (w->st != kill_st) {
		kill_st->err = w->st->err;
		snprintf(kill_st->msg, sizeof(kill_st->msg), "%s", w->st->msg);
	}
	_exit(w->st->err ? CX_ERRNO : CX_DATA);
}

/*
 * A child runs the lab worker on all the pool's refs, up to three maps
 * live, until it is killed; a quarter of them with a helper thread on the
 * same file, so the kill lands with two threads in the driver.
 */
static void __attribute__((noreturn))
kill_child(const struct lab_pool *p, __u64 seed)
{
	static struct lab_worker_stats helper_st;
	static struct lab_worker w, helper;
	pthread_t t;

	w = (struct lab_worker){ .node = opts.node,
				 .refs = p->refs,
				 .nrefs = p->n,
				 .max_pages = LAB_WORKER_PAGES,
				 .max_live = LAB_WORKER_LIVE,
				 .reopen = true,
				 .st = kill_st,
				 .r = { seed } };
	kill_st->stage = LAB_WS_OPEN;
	w.fd = lab_gntdev_open(opts.node);
	if (w.fd < 0) {
		kill_st->err = -w.fd;
		_exit(CX_ERRNO);
	}
	if (lab_below(&w.r, 4) == 0) {
		w.reopen = false;
		helper = w;
		helper.st = &helper_st;
		helper.r.s = seed ^ 0x5555;
		if (pthread_create(&t, NULL, kill_worker, &helper)) {
			kill_st->err = EAGAIN;
			_exit(CX_ERRNO);
		}
	}
	kill_worker(&w);
}

static void group_kill(__u64 seed, unsigned int kills)
{
	unsigned int hist[LAB_WS_NR] = { 0 }, done = 0, bad = 0, i;
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
	kill_st = mmap(NULL, sizeof(*kill_st), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kill_st == MAP_FAILED)
		lab_die_errno(1, "mmap");

	for (i = 0; i < kills; i++) {
		memset(kill_st, 0, sizeof(*kill_st));
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			lab_die_errno(1, "fork");
		if (!pid)
			kill_child(&p, lab_rnd(&r));
		/*
		 * Most kills land inside the ioctl loop: wait until the child
		 * has opened the device (fork and exec-less startup are slow
		 * under emulation), then 0-5 ms. One in eight counts from the
		 * fork, to hit open and the first map too.
		 */
		if (lab_below(&r, 8)) {
			double give_up = lab_now() + 5;

			while (kill_st->stage <= LAB_WS_OPEN &&
			       lab_now() < give_up)
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
			hist[kill_st->stage]++;
			loops += kill_st->steps;
			continue;
		}
		if (!bad++)
			snprintf(
				bad_msg, sizeof(bad_msg),
				"kill %u: child %s %d in stage %s (%s: %.150s)",
				i,
				WIFSIGNALED(st) ? "killed by signal" :
						  "exited with",
				WIFSIGNALED(st) ? WTERMSIG(st) :
						  WEXITSTATUS(st),
				lab_wstage_name[kill_st->stage],
				kill_st->err ? lab_errname(kill_st->err) : "-",
				kill_st->msg);
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
		hist[LAB_WS_START], hist[LAB_WS_OPEN], hist[LAB_WS_MAP],
		hist[LAB_WS_MMAP], hist[LAB_WS_TOUCH], hist[LAB_WS_MUNMAP],
		hist[LAB_WS_UNMAP], hist[LAB_WS_COPY], hist[LAB_WS_CLOSE]);
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
	munmap(kill_st, sizeof(*kill_st));
}

/* ------------------------------------------------------------------------
 * conc and limits: workers on shared or private files
 */

/* Refs each worker owns; it alone writes their scratch words. */
#define W_REFS 8

/* Shared between the parent and the worker processes. */
struct wshared {
	int stop;
	double deadline;
	volatile long held;
	struct lab_worker_stats st[64];
};

/* That of the run_workers() in progress. */
static struct wshared *wsh;

static void *worker_thread(void *w)
{
	lab_worker_run(w, wsh->deadline, &wsh->stop);
	return NULL;
}

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
 * Worker @i of run_workers(): the lab worker on W_REFS refs of its own,
 * checked from both sides, one map at a time. With @limit, the workers
 * count what they hold together and ENOSPC is an answer.
 */
static void worker_init(struct lab_worker *w, const struct lab_pool *p,
			unsigned int i, __u64 seed, long limit)
{
	*w = (struct lab_worker){
		.node = opts.node,
		.refs = p->refs + i * W_REFS,
		.mem = lab_pool_page(p, i * W_REFS),
		.nrefs = W_REFS,
		.max_pages = W_REFS,
		.may_enospc = limit,
		.held = limit ? &wsh->held : NULL,
		.limit = limit,
		.st = &wsh->st[i],
		.r = { seed + i * 0x1000193 },
	};
}

/* A worker process, on a file of its own. */
static void __attribute__((noreturn)) worker_process(struct lab_worker *w)
{
	alarm((unsigned int)(wsh->deadline - lab_now()) + 100);
	w->fd = lab_gntdev_open(opts.node);
	if (w->fd < 0) {
		snprintf(w->st->msg, sizeof(w->st->msg), "open: %s",
			 lab_retname(w->fd));
		w->st->failed = 1;
		_exit(1);
	}
	lab_worker_run(w, wsh->deadline, &wsh->stop);
	_exit(0);
}

/* Wait for worker process @pid; a death the worker did not report fails. */
static void worker_reap(pid_t pid, unsigned int i, struct lab_worker_stats *s)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		lab_die_errno(1, "waitpid");
	if ((WIFEXITED(st) && !WEXITSTATUS(st)) || s->failed)
		return;
	s->failed = 1;
	snprintf(s->msg, sizeof(s->msg), "worker process %u: %s %d", i,
		 WIFSIGNALED(st) ? "signal" : "exit",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/*
 * Run @threads workers on @shared_fd (if >= 0) and @procs worker
 * processes on files of their own, for @secs seconds. Returns the sum of
 * their stats; the first failure is in sum->msg.
 */
static void run_workers(const struct lab_pool *p, int shared_fd,
			unsigned int threads, unsigned int procs, double secs,
			__u64 seed, long limit, struct lab_worker_stats *sum)
{
	unsigned int nw = threads + procs, i;
	struct lab_worker w[64];
	pthread_t tid[64];
	pid_t pid[64];

	if (nw > 64 || nw * W_REFS > p->n)
		lab_die(1, "too many workers for the pool");
	wsh = mmap(NULL, sizeof(*wsh), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (wsh == MAP_FAILED)
		lab_die_errno(1, "mmap");
	wsh->deadline = lab_now() + secs;
	signal(SIGALRM, watchdog);
	alarm((unsigned int)secs + 120);
	for (i = 0; i < nw; i++)
		worker_init(&w[i], p, i, seed, limit);
	fflush(stdout);
	for (i = threads; i < nw; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			lab_die_errno(1, "fork");
		if (!pid[i])
			worker_process(&w[i]);
	}
	for (i = 0; i < threads; i++) {
		w[i].fd = shared_fd;
		if (pthread_create(&tid[i], NULL, worker_thread, &w[i]))
			lab_die(1, "pthread_create failed");
	}
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < nw; i++) {
		if (i < threads)
			pthread_join(tid[i], NULL);
		else
			worker_reap(pid[i], i, &wsh->st[i]);
		lab_worker_stats_add(sum, &wsh->st[i]);
		if (wsh->st[i].failed && !sum->failed++)
			snprintf(sum->msg, sizeof(sum->msg), "worker %u: %s", i,
				 wsh->st[i].msg);
	}
	alarm(0);
	munmap(wsh, sizeof(*wsh));
}

static void group_conc(__u64 seed, unsigned int threads, unsigned int procs,
		       unsigned int secs)
{
	struct lab_worker_stats s;
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
		!s.failed, s.msg,
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
	int fd;

	if (param_read("limit", &old)) {
		lab_expect(false, "no limit parameter",
			   "limits: per-request limit");
		return;
	}
	fd = lab_gntdev_open(opts.node);
	param_write("limit", 4);
	expect_ret(lab_map(fd, p->refs, 5, 0, &off), -EINVAL,
		   "limits: limit=4: MAP of 5 fails with EINVAL");
	expect_ret(map_use_unmap(fd, p, 4), 0,
		   "limits: limit=4: MAP of 4 works");
	param_write("limit", old);
	expect_ret(map_use_unmap(fd, p, 5), 0,
		   "limits: limit restored to %lu: MAP of 5 works", old);
	close(fd);
}

/*
 * @n workers for 5 s under a limit of @lim grants, @what: threads on @fd,
 * or (@fd < 0) processes with files of their own. They never hold more,
 * and hit it: ENOSPC and nothing else.
 */
static void limits_workers(const struct lab_pool *p, int fd, unsigned int n,
			   __u64 seed, long lim, const char *what)
{
	const char *who = fd >= 0 ? "threads" : "processes";
	struct lab_worker_stats s;

	run_workers(p, fd, fd >= 0 ? n : 0, fd >= 0 ? 0 : n, 5, seed, lim, &s);
	lab_note(
		"FIGURE limits: %s %ld: %u %s, %lu maps, %lu ENOSPC, at most %ld held",
		what, lim, n, who, s.maps, s.enospc, s.held_max);
	lab_expect(!s.failed, s.msg,
		   "limits: %u %s under %s %ld never hold more; only ENOSPC", n,
		   who, what, lim);
	lab_expect(s.enospc > 0 && s.maps > 0, "the limit was never hit",
		   "limits: %s %ld was hit (ENOSPC), maps still worked", what,
		   lim);
}

static void limits_per_file(const struct lab_pool *p, __u64 seed,
			    unsigned int threads)
{
	const long k = 16;
	unsigned long old;
	__u64 off, off2;
	int fd;

	fd = lab_gntdev_open(opts.node);
	if (!expect_ret(lab_set_max_grants(fd, k), 0,
			"limits: SET_MAX_GRANTS %ld", k)) {
		close(fd);
		return;
	}
	expect_ret(lab_set_max_grants(fd, 0), 0,
		   "limits: SET_MAX_GRANTS 0 succeeds and keeps the cap");
	limits_workers(p, fd, threads, seed, k, "per-file");
	expect_ret(map_use_unmap(fd, p, k), 0,
		   "limits: afterwards a map of exactly %ld works", k);
	if (!lab_map(fd, p->refs, k, 0, &off)) {
		expect_ret(lab_map(fd, p->refs, 1, 0, &off2), -ENOSPC,
			   "limits: with %ld held, one more gives ENOSPC", k);
		lab_unmap(fd, off, k);
	}
	close(fd);

	/* SET_MAX_GRANTS is clamped to file_limit. */
	if (param_read("file_limit", &old))
		return;
	param_write("file_limit", 32);
	fd = lab_gntdev_open(opts.node);
	expect_ret(lab_set_max_grants(fd, 0xffffffffu), 0,
		   "limits: file_limit=32: SET_MAX_GRANTS U32_MAX succeeds");
	expect_ret(lab_map(fd, p->refs, 32, 0, &off), 0,
		   "limits: file_limit=32: MAP of 32 works");
	expect_ret(lab_map(fd, p->refs, 1, 0, &off), -ENOSPC,
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
	limits_workers(p, -1, procs, seed, lim, "total_limit");

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
	expect_ret(lab_map(fd2, p->refs, 1, 0, &off2), -ENOSPC,
		   "limits: total_limit=%ld reached: one more gives ENOSPC",
		   lim);
	close(fd2);
	/* Lowered below what is held: new maps fail, old ones still work. */
	if (!lab_unmap(fd, off, lim / 2) && !lab_map(fd, p->refs, 8, 0, &off)) {
		a = lab_mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			     off);
		param_write("total_limit", 4);
		expect_ret(
			lab_map(fd, p->refs, 1, 0, &off2), -ENOSPC,
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
	expect_ret(map_use_unmap(fd, p, 8), 0,
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
	/* The option letters, and the number each sets. */
	static const char letters[] = "ktTP";
	unsigned int *const val[] = { &kills, &secs, &threads, &procs };
	bool all = true, run[3] = { false };
	static const char *const groups[3] = { "kill", "conc", "limits" };
	const char *l;
	__u64 seed;
	int opt, i;

	while ((opt = lab_getopt(argc, argv, "k:t:T:P:", NULL, &opts)) != -1) {
		l = opt > 0 ? strchr(letters, opt) : NULL;
		if (!l)
			usage();
		*val[l - letters] = lab_num(optarg, usage);
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
