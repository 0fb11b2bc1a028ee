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
#include <math.h>
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

/* Written by the child, read by the parent after the kill. */
static struct lab_worker_stats *kill_st;

/* A worker failed: its reason is in kill_st; the exit code says which. */
static void __attribute__((noreturn)) kill_exit(const struct lab_worker *w)
{
	if (w->st != kill_st) {
		kill_st->err = w->st->err;
		snprintf(kill_st->msg, sizeof(kill_st->msg), "%s", w->st->msg);
	}
	_exit(w->st->err ? CX_ERRNO : CX_DATA);
}

static void *kill_helper_thread(void *arg)
{
	struct lab_worker *w = arg;

	lab_worker_run(w, HUGE_VAL, NULL);
	kill_exit(w);
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
		if (pthread_create(&t, NULL, kill_helper_thread, &helper)) {
			kill_st->err = EAGAIN;
			_exit(CX_ERRNO);
		}
	}
	lab_worker_run(&w, HUGE_VAL, NULL);
	kill_exit(&w);
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

/* A worker and what it shares with the others. */
struct wslot {
	struct lab_worker w;
	struct wshared *sh;
};

static void *worker_thread(void *arg)
{
	struct wslot *ws = arg;

	lab_worker_run(&ws->w, ws->sh->deadline, &ws->sh->stop);
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
static void worker_init(struct wslot *ws, const struct lab_pool *p,
			unsigned int i, struct wshared *sh, __u64 seed,
			long limit)
{
	ws->sh = sh;
	ws->w = (struct lab_worker){
		.node = opts.node,
		.refs = p->refs + i * W_REFS,
		.mem = lab_pool_page(p, i * W_REFS),
		.nrefs = W_REFS,
		.max_pages = W_REFS,
		.may_enospc = limit,
		.held = limit ? &sh->held : NULL,
		.limit = limit,
		.st = &sh->st[i],
		.r = { seed + i * 0x1000193 },
	};
}

/* A worker process, on a file of its own. */
static void __attribute__((noreturn)) worker_process(struct wslot *ws)
{
	struct lab_worker *w = &ws->w;

	alarm((unsigned int)(ws->sh->deadline - lab_now()) + 100);
	w->fd = lab_gntdev_open(opts.node);
	if (w->fd < 0) {
		snprintf(w->st->msg, sizeof(w->st->msg), "open: %s",
			 lab_retname(w->fd));
		w->st->failed = 1;
		_exit(1);
	}
	lab_worker_run(w, ws->sh->deadline, &ws->sh->stop);
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

/* The sum of the workers' stats; the first failure in sum->msg. */
static void workers_sum(const struct wshared *sh, unsigned int nw,
			struct lab_worker_stats *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < nw; i++) {
		lab_worker_stats_add(sum, &sh->st[i]);
		if (sh->st[i].failed && !sum->failed++)
			snprintf(sum->msg, sizeof(sum->msg), "worker %u: %s", i,
				 sh->st[i].msg);
	}
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
	struct wslot w[64];
	pthread_t tid[64];
	struct wshared *sh;
	pid_t pid[64];

	if (nw > 64 || nw * W_REFS > p->n)
		lab_die(1, "too many workers for the pool");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		lab_die_errno(1, "mmap");
	memset(sh, 0, sizeof(*sh));
	sh->deadline = lab_now() + secs;
	signal(SIGALRM, watchdog);
	alarm((unsigned int)secs + 120);
	for (i = 0; i < nw; i++)
		worker_init(&w[i], p, i, sh, seed, limit);
	fflush(stdout);
	for (i = threads; i < nw; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			lab_die_errno(1, "fork");
		if (!pid[i])
			worker_process(&w[i]);
	}
	for (i = 0; i < threads; i++) {
		w[i].w.fd = shared_fd;
		if (pthread_create(&tid[i], NULL, worker_thread, &w[i]))
			lab_die(1, "pthread_create failed");
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	for (i = threads; i < nw; i++)
		worker_reap(pid[i], i, &sh->st[i]);
	alarm(0);
	workers_sum(sh, nw, sum);
	munmap(sh, sizeof(*sh));
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
	limits_workers(p, fd, threads, seed, k, "per-file");
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
