// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-fuzz - seeded random sequences of gntdev system calls against the
 * real driver, run as root in a PV dom0 of the Xen lab.
 *
 * The run is a series of episodes. An episode is a list of operations
 * generated from (seed, episode number) by this file, the supervisor, and
 * executed in a fresh child process (the executor, fuzz-exec.c), which
 * exits at the end with everything still open and mapped, so process
 * exit is part of every episode. Operations: open/close of a few files,
 * MAP (random counts, valid, never-granted and foreign-domain refs), UNMAP
 * (right, wrong and random offsets and counts), GET_OFFSET_FOR_VADDR,
 * SET_MAX_GRANTS, SET_UNMAP_NOTIFY, GRANT_COPY (random segments, local
 * buffers, lengths, offsets, flags), mmap (right and wrong
 * offsets, lengths, protections, flags, MAP_FIXED over other mappings),
 * munmap of all or part, mremap, mprotect, madvise, reads and writes of the
 * mappings, and fork (the child pokes at what it inherited, runs the lab
 * worker on an inherited file and exits).
 *
 * An operation carries only random numbers; the executor interprets them
 * against its current state (which files are open, which maps and
 * mappings exist), so any subsequence of an episode is itself a valid
 * episode. That is what makes shrinking possible.
 *
 * What counts as a failure:
 *  - the executor dies of a signal it did not ask for (accesses to
 *    mappings whose fate is unknown are guarded; SIGSEGV/SIGBUS there is
 *    expected), or hangs (watchdog);
 *  - an oracle in the executor fires: an errno outside the ones the ABI
 *    documents for that call; a MAP/UNMAP/mmap/GET_OFFSET that must work
 *    (or must fail) by the ABI and did not; a mapping or a grant copy that
 *    shows the wrong page (every granted page carries a signature);
 *  - grants still held once the executor is gone (the driver's debugfs
 *    totals for ours, Xen's active grant entries for any driver);
 *  - a kernel warning, oops or BUG in the kernel log during the episode.
 *
 * On a failure the episode is shrunk by delta debugging: subsets of its
 * operations run in fresh executors until no single operation can be
 * dropped without losing the failure; the minimal sequence is printed with
 * what each operation did, and a command line that replays it.
 *
 * Usage: gntdev-fuzz [-s SEED] [-t SECS] [-n OPS] [-S SECS] [-v] [-d NODE] [--stock]
 *        gntdev-fuzz -s SEED -e EPISODE [-k I,J,...] [-n OPS]   (replay)
 *   -s  seed (default: from the clock; always printed)
 *   -t  how long to fuzz (default 30 s)
 *   -n  operations per episode (default 200)
 *   -S  time budget for shrinking one failure (default 120 s)
 *   -e  replay this episode (and -k: only these operation numbers)
 *   -v  print every operation of every episode
 *   -d  gntdev node (default /dev/xen/gntdev)
 *   --stock  the driver is the stock xen-gntdev (no debugfs, stale
 *            GET_OFFSET, ENOTTY for SET_MAX_GRANTS are not failures)
 * The operations of the current episode are also logged to
 * /tmp/gntdev-fuzz.log. Exit status: 0 no failure, 1 a failure (printed
 * with its minimal sequence), 2 usage or setup.
 */
#include "fuzz.h"

#include <sys/mman.h>
#include <sys/wait.h>

#define LOG_FILE "/tmp/gntdev-fuzz.log"

struct lab_pool fz_pool;
struct lab_opts fz_opts;
struct xreport *fz_rep;

/* ------------------------------------------------------------------------
 * Generating episodes
 */

static void gen_episode(__u64 seed, unsigned int ep, struct op *ops,
			unsigned int n)
{
	struct lab_rng r = { seed * 0x100000001b3ULL ^ (ep + 1) * 0x9e37ULL };
	unsigned int total = 0, i, t;
	__u32 pick;

	for (t = 0; t < OP_NR; t++)
		total += op_kinds[t].weight;
	for (i = 0; i < n; i++) {
		pick = lab_rnd(&r) % total;
		for (t = 0; pick >= op_kinds[t].weight; t++)
			pick -= op_kinds[t].weight;
		/* The first operations open files, so episodes get going. */
		if (i < 2)
			t = OP_OPEN;
		ops[i].type = t;
		ops[i].a = lab_rnd(&r);
		ops[i].b = lab_rnd(&r);
		ops[i].c = lab_rnd(&r);
		ops[i].x = lab_rnd(&r);
		ops[i].y = lab_rnd(&r);
	}
}

/* ------------------------------------------------------------------------
 * Supervisor: runs executors, checks leaks and the kernel log
 */

static long grants_baseline;

/*
 * After an executor: wait until the driver holds nothing (ours) and, if
 * @xen, until Xen shows only the baseline. Describes a leak in @msg.
 */
static bool settled(bool xen, char *msg, size_t len)
{
	return lab_settle(grants_baseline,
			  LAB_SETTLE_FILES | (xen ? LAB_SETTLE_XEN : 0), 5000,
			  msg, len);
}

static void print_ops(const struct op *ops, const bool *keep, unsigned int n,
		      FILE *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		fprintf(out, "  #%u %s a=%u b=%u c=%u x=%#x y=%#x: %s\n", i,
			op_kinds[ops[i].type].name, ops[i].a, ops[i].b,
			ops[i].c, ops[i].x, ops[i].y,
			fz_rep->desc[i][0] ? fz_rep->desc[i] : "(not reached)");
	}
	fflush(out);
}

struct verdict {
	char kind[96]; /* empty: passed */
	char msg[320];
	int op;
};

/* Run one executor over the kept operations and judge it. */
static void run_once(const struct op *ops, const bool *keep, unsigned int n,
		     bool xen_check, struct verdict *v)
{
	bool crashed = false;
	double give_up;
	char line[256];
	int st = 0;
	pid_t pid, w;

	memset(v, 0, sizeof(*v));
	v->op = -1;
	memset(fz_rep, 0, sizeof(*fz_rep));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		lab_die_errno(2, "fork");
	if (!pid)
		executor(ops, keep, n);
	/*
	 * The executor's own alarm is 60 s; a kernel hang outlives it. An
	 * oops usually leaves the executor unkillable: after one, wait 3 s.
	 */
	give_up = lab_now() + 90;
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && lab_now() < give_up) {
		if (!crashed && lab_kmsg_crash(line, sizeof(line))) {
			crashed = true;
			give_up = lab_now() + 3;
		}
		usleep(10000);
	}
	if (w == 0 && crashed) {
		printf("kernel crash in op #%d (%s); the executor cannot finish; the operations so far:\n",
		       fz_rep->cur, line);
		print_ops(ops, keep, fz_rep->cur + 1, stdout);
		lab_die(1, "the kernel crashed: nothing more can run");
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		give_up = lab_now() + 30;
		while ((w = waitpid(pid, &st, WNOHANG)) == 0 &&
		       lab_now() < give_up)
			usleep(10000);
		if (w == 0) {
			/* Nothing more can run: show how far it got. */
			printf("executor stuck in the kernel after SIGKILL in op #%d; the operations so far:\n",
			       fz_rep->cur);
			print_ops(ops, keep, fz_rep->cur + 1, stdout);
			lab_die(1, "executor stuck in the kernel (op #%d)",
				fz_rep->cur);
		}
		snprintf(v->kind, sizeof(v->kind), "hang");
		snprintf(v->msg, sizeof(v->msg),
			 "executor did not finish in 90 s");
		return;
	}
	if (WIFSIGNALED(st)) {
		snprintf(v->kind, sizeof(v->kind), "signal %d", WTERMSIG(st));
		snprintf(v->msg, sizeof(v->msg), "executor killed by %s",
			 strsignal(WTERMSIG(st)));
		v->op = fz_rep->cur;
	} else if (WEXITSTATUS(st) == XC_ORACLE) {
		snprintf(v->kind, sizeof(v->kind), "oracle %s", fz_rep->kind);
		snprintf(v->msg, sizeof(v->msg), "%s", fz_rep->msg);
		v->op = fz_rep->fail_op;
	} else if (WEXITSTATUS(st) != XC_OK) {
		snprintf(v->kind, sizeof(v->kind), "exit %d", WEXITSTATUS(st));
		snprintf(v->msg, sizeof(v->msg), "executor exit status %d",
			 WEXITSTATUS(st));
	}
	if (!v->kind[0] && !settled(xen_check, v->msg, sizeof(v->msg)))
		snprintf(v->kind, sizeof(v->kind), "leak");
	if (crashed || lab_kmsg_crash(line, sizeof(line))) {
		/* A kernel complaint outranks whatever the executor saw. */
		snprintf(v->kind, sizeof(v->kind), "kernel");
		snprintf(v->msg, sizeof(v->msg), "kernel log: %.250s", line);
	}
}

static void log_episode(unsigned int ep, const struct op *ops, const bool *keep,
			unsigned int n)
{
	FILE *f = fopen(LOG_FILE, "w");

	if (!f)
		return;
	fprintf(f, "episode %u\n", ep);
	print_ops(ops, keep, n, f);
	fclose(f);
}

/* ------------------------------------------------------------------------
 * Shrinking (ddmin over the kept operations)
 */

static bool same_failure(const struct verdict *a, const struct verdict *b)
{
	return !strcmp(a->kind, b->kind);
}

static unsigned int count_kept(const bool *keep, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += keep[i];
	return k;
}

/*
 * Zeller's ddmin: try dropping each of @parts chunks of the kept
 * operations; keep any drop that still fails the same way; refine the
 * chunks when none does. Stops at the time budget.
 */
static unsigned int shrink(const struct op *ops, bool *keep, unsigned int n,
			   const struct verdict *want, double budget,
			   bool xen_check)
{
	bool trial[MAX_OPS];
	unsigned int parts = 2, runs = 0, kept, chunk, p, i, idx;
	double end = lab_now() + budget;
	struct verdict v;
	bool reduced;

	while ((kept = count_kept(keep, n)) > 1 && lab_now() < end) {
		if (parts > kept)
			parts = kept;
		chunk = (kept + parts - 1) / parts;
		reduced = false;
		for (p = 0; p < parts && lab_now() < end; p++) {
			/* Drop the p-th chunk of kept operations. */
			for (i = 0, idx = 0; i < n; i++) {
				trial[i] = keep[i];
				if (!keep[i])
					continue;
				if (idx / chunk == p)
					trial[i] = false;
				idx++;
			}
			if (!count_kept(trial, n))
				continue;
			run_once(ops, trial, n, xen_check, &v);
			runs++;
			if (same_failure(&v, want)) {
				memcpy(keep, trial, n * sizeof(*keep));
				reduced = true;
				break;
			}
		}
		if (reduced) {
			parts = parts > 2 ? parts - 1 : 2;
			continue;
		}
		if (parts >= kept)
			break; /* 1-minimal: no single operation can go */
		parts *= 2;
	}
	return runs;
}

/* ------------------------------------------------------------------------
 * main
 */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-t SECS] [-n OPS] [-S SECS] [-v] [-d NODE] [--stock]\n"
		"       %s -s SEED -e EPISODE [-k I,J,...] [-n OPS] [--stock]\n",
		program_invocation_short_name, program_invocation_short_name);
	exit(2);
}

static unsigned long num(const char *s)
{
	return lab_num(s, usage);
}

/* Report a failure, shrink it, print the minimal sequence. */
static void failure(__u64 seed, unsigned int ep, struct op *ops, unsigned int n,
		    const struct verdict *v, double budget, bool xen_check)
{
	static bool keep[MAX_OPS];
	struct verdict again;
	unsigned int runs, i;
	bool first = true;

	printf("FAIL episode %u (seed %llu): %s: %s (at op #%d)\n", ep,
	       (unsigned long long)seed, v->kind, v->msg, v->op);
	for (i = 0; i < n; i++)
		keep[i] = true;
	printf("full sequence (%u ops):\n", n);
	print_ops(ops, keep, n, stdout);
	if (!strcmp(v->kind, "kernel") || !strcmp(v->kind, "hang"))
		printf("(shrinking a kernel complaint works only if it repeats)\n");
	/* Does it reproduce at all? */
	run_once(ops, keep, n, xen_check, &again);
	if (!same_failure(&again, v)) {
		printf("not reproducible in a fresh executor (got '%s'): no shrinking\n",
		       again.kind[0] ? again.kind : "pass");
		return;
	}
	runs = shrink(ops, keep, n, v, budget, xen_check);
	run_once(ops, keep, n, xen_check, &again);
	printf("minimal sequence: %u of %u ops after %u trial runs (%s: %s):\n",
	       count_kept(keep, n), n, runs, again.kind, again.msg);
	print_ops(ops, keep, n, stdout);
	printf("replay: gntdev-fuzz%s -s %llu -e %u -n %u -k ",
	       lab_stock ? " --stock" : "", (unsigned long long)seed, ep, n);
	for (i = 0; i < n; i++) {
		if (keep[i]) {
			printf("%s%u", first ? "" : ",", i);
			first = false;
		}
	}
	printf("\n");
	fflush(stdout);
}

/* What the command line asks for. */
struct args {
	unsigned int secs;
	unsigned int nops;
	double shrink_budget;
	long replay_ep; /* -1: fuzz */
	const char *keep_list;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	int opt;

	*a = (struct args){
		.secs = 30, .nops = 200, .shrink_budget = 120, .replay_ep = -1
	};
	while ((opt = lab_getopt(argc, argv, "t:n:S:e:k:", NULL, &fz_opts)) !=
	       -1) {
		if (opt == 't')
			a->secs = num(optarg);
		else if (opt == 'n')
			a->nops = num(optarg);
		else if (opt == 'S')
			a->shrink_budget = num(optarg);
		else if (opt == 'e')
			a->replay_ep = num(optarg);
		else if (opt == 'k')
			a->keep_list = optarg;
		else
			usage();
	}
	if (optind != argc || !a->nops || a->nops > MAX_OPS)
		usage();
}

/* Run episode -e once, only the operations -k lists if it lists any. */
static int replay(__u64 seed, const struct args *a, struct op *ops, bool *keep)
{
	unsigned int i, nops = a->nops;
	const char *p;
	struct verdict v;

	gen_episode(seed, a->replay_ep, ops, nops);
	for (i = 0; i < nops; i++)
		keep[i] = !a->keep_list;
	for (p = a->keep_list; p && *p;) {
		char *e;
		unsigned long k = strtoul(p, &e, 10);

		if (e == p || k >= nops)
			usage();
		keep[k] = true;
		p = *e == ',' ? e + 1 : e;
	}
	run_once(ops, keep, nops, true, &v);
	print_ops(ops, keep, nops, stdout);
	printf("replay of episode %u: %s%s%s\n", (unsigned int)a->replay_ep,
	       v.kind[0] ? v.kind : "passed", v.kind[0] ? ": " : "", v.msg);
	return v.kind[0] ? 1 : 0;
}

/* Episodes for -t seconds; the first failure is shrunk and ends the run. */
static int fuzz(__u64 seed, const struct args *a, struct op *ops, bool *keep)
{
	unsigned long long total_ops = 0;
	unsigned int nops = a->nops, ep, i;
	double t0 = lab_now(), end = t0 + a->secs;
	struct verdict v;

	for (ep = 0; lab_now() < end; ep++) {
		/* Xen's view is slow to ask for: every 16th episode. */
		bool xen_check = ep % 16 == 15;

		gen_episode(seed, ep, ops, nops);
		for (i = 0; i < nops; i++)
			keep[i] = true;
		run_once(ops, keep, nops, xen_check, &v);
		total_ops += fz_rep->ops_done;
		log_episode(ep, ops, keep, nops);
		if (fz_opts.verbose) {
			printf("episode %u:\n", ep);
			print_ops(ops, keep, nops, stdout);
		}
		if (v.kind[0]) {
			failure(seed, ep, ops, nops, &v, a->shrink_budget,
				true);
			printf("gntdev-fuzz: FAIL after %u episodes, %llu ops in %.1f s (seed %llu)\n",
			       ep + 1, total_ops, lab_now() - t0,
			       (unsigned long long)seed);
			return 1;
		}
	}
	/* Nothing may be left at the very end, in Xen's view too. */
	if (!settled(true, v.msg, sizeof(v.msg))) {
		printf("FAIL at the end (seed %llu): leak: %s\n",
		       (unsigned long long)seed, v.msg);
		return 1;
	}
	printf("FIGURE fuzz: %u episodes, %llu operations in %.1f s (%.0f ops/s), seed %llu\n",
	       ep, total_ops, lab_now() - t0, total_ops / (lab_now() - t0),
	       (unsigned long long)seed);
	/* The same, for the lab's summary (lab/figures.py). */
	printf("FIGURES fuzz driver=%s seed=%llu sequences=%u ops=%llu seconds=%.1f failed=0\n",
	       lab_stock ? "stock" : "ours", (unsigned long long)seed, ep,
	       total_ops, lab_now() - t0);
	printf("gntdev-fuzz: PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	static struct op ops[MAX_OPS];
	static bool keep[MAX_OPS];
	struct args a;
	__u64 seed;

	parse_args(argc, argv, &a);
	seed = fz_opts.seed;
	fz_rep = mmap(NULL, sizeof(*fz_rep), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_rep == MAP_FAILED)
		lab_die_errno(2, "mmap");
	lab_pool_or_die(&fz_pool, POOL, 2);
	lab_kmsg_open();
	grants_baseline = lab_grants_active();
	if (grants_baseline < 0)
		lab_die(2, "xenlab-grants count does not work");
	printf("gntdev-fuzz: seed %llu, %u ops per episode, %s driver, %ld active grant entries besides the pool\n",
	       (unsigned long long)seed, a.nops, lab_stock ? "stock" : "our",
	       grants_baseline);
	fflush(stdout);
	if (a.replay_ep >= 0)
		return replay(seed, &a, ops, keep);
	return fuzz(seed, &a, ops, keep);
}
