// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-conform - conformance suite for a /dev/xen/gntdev driver, run as
 * root in a PV dom0 of the Xen lab.
 *
 * The same binary runs against the stock in-tree xen-gntdev and against
 * ours, in one boot, and the two outputs are compared. For every case it
 * prints one stable line
 *
 *	CASE <name>: <observation>
 *
 * (no addresses, offsets or timings), which the lab's conform payload
 * diffs between the drivers, and one TAP line that checks the observation
 * against the semantics our driver promises (include/xen/public/gntdev.h).
 * With --stock, a case whose stock result is known to differ from ours
 * (a mainline bug or a deliberate difference) passes and is listed as a
 * stock finding instead of failing. At the end, one line
 *
 *	FIGURES conform driver=stock|ours cases=N bad_inputs=N ... failed=N
 *
 * counts what ran, for the lab's summary (lab/figures.py).
 *
 * dom0 grants pages to itself through gntalloc, so no second domain is
 * needed. Each case runs in a child process with an alarm, so a driver
 * that crashes or hangs one case cannot take the others with it; each
 * group ends with a check that none of the pool's grants is still mapped.
 *
 * Usage: gntdev-conform --help (usage() below; -x is pool_exec()'s).
 * Exit status: 0 all checks passed, 1 some failed, 2 usage or setup.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/*
 * The data group maps 4096 pages and the scale group keeps 4000 distinct
 * grants mapped at once, plus spares to replace grants that a broken case
 * leaves mapped. gntalloc's default limit (1024 in all) is too small for
 * that; the payload reloads it with limit=16384. With the default, the
 * pool shrinks to fit and the biggest cases are skipped.
 */
#define POOL_PAGES 4096u
#define POOL_SPARES 64u
#define POOL_PAGES_SMALL 960u
#define POOL_SPARES_SMALL 40u
#define RO_POOL_PAGES 8u

#define DEFAULT_TIMEOUT 20u
/* A case child that ignores SIGKILL this long is in the kernel for good. */
#define REAP_GRACE 5u

static const struct conform_group *const all_groups[] = {
	&conform_data,	&conform_errors, &conform_lifecycle,
	&conform_scale, &conform_dmabuf, &conform_notify,
	&conform_copy,	&conform_danger, &conform_regress,
};
#define NGROUPS (ARRAY_SIZE(all_groups))

static struct lab_opts opts;
static const char *case_pattern;
static bool group_selected[NGROUPS];

/* Cases run (not skipped) per group, and bad inputs among them. */
static unsigned int group_ran[NGROUPS];
static unsigned int bad_inputs_ran;

/* --- the pool -------------------------------------------------------------- */

/* The pool came from a -x parent: this run is compared, not counted. */
static bool pool_inherited;

/*
 * Grant the pool to dom0 (lab-pool.c); the writable part shrinks to fit
 * gntalloc's limit.
 */
static bool pool_alloc(void)
{
	int ret;

	pool.n = POOL_PAGES;
	ret = lab_pool_alloc(&pool.rw, pool.total, true);
	if (ret == -ENOSPC) {
		lab_note("gntalloc refused %u grants (limit?); using %u",
			 pool.total, POOL_PAGES_SMALL + POOL_SPARES_SMALL);
		pool.n = POOL_PAGES_SMALL;
		pool.total = POOL_PAGES_SMALL + POOL_SPARES_SMALL;
		ret = lab_pool_alloc(&pool.rw, pool.total, true);
	}
	if (ret) {
		lab_fail(lab_errname(-ret), "gntalloc: grant %u pages to d0",
			 pool.total);
		return false;
	}
	ret = lab_pool_alloc(&pool.ro, RO_POOL_PAGES, false);
	if (ret) {
		lab_fail(lab_errname(-ret),
			 "gntalloc: grant %u read-only pages to d0",
			 RO_POOL_PAGES);
		return false;
	}
	return true;
}

/*
 * -x: hand the pool to a program run in our place, through the gntalloc
 * file (kept open across exec) and POOL_ENV.  A 32-bit build of this suite
 * on a 64-bit dom0 runs so: gntalloc has no compat_ioctl to allocate with,
 * but its mmap() works for any process.
 */
#define POOL_ENV "GNTDEV_CONFORM_POOL"

static void __attribute__((noreturn)) pool_exec(char **argv)
{
	size_t len = 64 + (size_t)(pool.total + pool.ro.n) * 11;
	char *env = malloc(len);
	int fd = lab_gntalloc();
	unsigned int i;
	int at;

	if (!env)
		lab_die(2, "out of memory");
	at = snprintf(env, len, "%d %u %u %llu %u %llu", fd, pool.n, pool.total,
		      (unsigned long long)pool.rw.req->index, pool.ro.n,
		      (unsigned long long)pool.ro.req->index);
	for (i = 0; i < pool.total; i++)
		at += snprintf(env + at, len - at, " %u", pool.refs[i]);
	for (i = 0; i < pool.ro.n; i++)
		at += snprintf(env + at, len - at, " %u", pool.ro.refs[i]);
	if (setenv(POOL_ENV, env, 1) || fcntl(fd, F_SETFD, 0) < 0)
		lab_die_errno(2, "passing the pool on");
	fflush(stdout);
	execv(argv[0], argv);
	lab_die_errno(2, "exec %s", argv[0]);
}

/* Read @n refs from @desc at *@at into @refs. */
static void refs_parse(const char *desc, int *at, __u32 *refs, unsigned int n)
{
	unsigned int i;
	int len;

	for (i = 0; i < n; i++) {
		if (sscanf(desc + *at, "%u%n", &refs[i], &len) != 1)
			lab_die(2, "%s: %u refs, want %u", POOL_ENV, i, n);
		*at += len;
	}
}

/* The pool a -x parent allocated: POOL_ENV names its grants. */
static bool pool_adopt(const char *desc)
{
	unsigned long long index, ro_index;
	__u32 refs[POOL_PAGES + POOL_SPARES], ro_refs[RO_POOL_PAGES];
	unsigned int ro_n;
	int at, fd, ret;

	if (sscanf(desc, "%d %u %u %llu %u %llu%n", &fd, &pool.n, &pool.total,
		   &index, &ro_n, &ro_index, &at) != 6 ||
	    pool.n > pool.total || pool.total > POOL_PAGES + POOL_SPARES ||
	    ro_n != RO_POOL_PAGES)
		lab_die(2, "%s: not a pool: %.40s", POOL_ENV, desc);
	refs_parse(desc, &at, refs, pool.total);
	refs_parse(desc, &at, ro_refs, ro_n);
	ret = lab_pool_attach(&pool.rw, fd, index, refs, pool.total);
	if (!ret)
		ret = lab_pool_attach(&pool.ro, fd, ro_index, ro_refs, ro_n);
	if (ret) {
		lab_fail(lab_errname(-ret), "mmap of the inherited pool");
		return false;
	}
	pool_inherited = true;
	/* Cases exec'd helpers must not hold the grants. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	unsetenv(POOL_ENV);
	return true;
}

/* The case tables' view of the two lab pools (conform-lib.h). */
static bool pool_setup(void)
{
	const char *inherited = getenv(POOL_ENV);
	unsigned int i;

	pool.total = POOL_PAGES + POOL_SPARES;
	if (!(inherited ? pool_adopt(inherited) : pool_alloc()))
		return false;
	pool.page = calloc(pool.total, sizeof(pool.page[0]));
	if (!pool.page)
		lab_die(2, "out of memory");
	pool.refs = pool.rw.refs;
	for (i = 0; i < pool.total; i++)
		pool.page[i] = (unsigned char *)lab_pool_page(&pool.rw, i);
	pool.ro_mem = (unsigned char *)pool.ro.mem;
	lab_note(
		"pool: %u writable grants (refs 0x%x..) + %u spares, %u read-only",
		pool.n, pool.refs[0], pool.total - pool.n, pool.ro.n);
	return true;
}

/*
 * After a failed case: swap every pool grant that is still mapped for a
 * spare, so that one leak fails one case, not every later case that uses
 * the same pool page. The leaked grants stay mapped (the lab's final leak
 * check still sees them) but no later case looks at them.
 */
static void retire_leaked(const char *after)
{
	unsigned int idx[POOL_SPARES], i;
	int n = active_pool_pages(idx, POOL_SPARES);

	for (i = 0; n > 0 && i < (unsigned int)n && i < POOL_SPARES; i++) {
		unsigned int j = pool.n + pool.retired;
		unsigned char *page = pool.page[idx[i]];
		__u32 ref = pool.refs[idx[i]];

		if (j >= pool.total) {
			lab_note("no spare left to replace pool page %u",
				 idx[i]);
			return;
		}
		lab_note(
			"pool page %u (ref 0x%x) still mapped after %s: retired",
			idx[i], ref, after);
		pool.refs[idx[i]] = pool.refs[j];
		pool.page[idx[i]] = pool.page[j];
		pool.refs[j] = ref;
		pool.page[j] = page;
		pool.retired++;
	}
}

/* --- running one case ------------------------------------------------------ */

/*
 * Wait for @pid at most @secs seconds, then SIGKILL it and give it
 * REAP_GRACE more. Returns false if it still has not exited (stuck in
 * the kernel); it is then left behind.
 */
static bool wait_bounded(pid_t pid, unsigned int secs, int *status)
{
	struct pollfd pfd = { .fd = syscall(SYS_pidfd_open, pid, 0),
			      .events = POLLIN };
	bool exited;

	/* pidfd_open() is 5.3's; the lab's oldest dom0 kernel is 6.1. */
	if (pfd.fd < 0)
		lab_die_errno(2, "pidfd_open");
	if (!poll(&pfd, 1, (int)secs * 1000)) {
		kill(pid, SIGKILL);
		poll(&pfd, 1, REAP_GRACE * 1000);
	}
	exited = waitpid(pid, status, WNOHANG) == pid;
	close(pfd.fd);
	return exited;
}

static void case_leak(unsigned int arg)
{
	int active;

	active = wait_active_pool(0, 2000);
	if (active < 0)
		obs("no-dump");
	else if (active)
		obs("active=%d", active);
	else
		obs("clean");
}

/*
 * Compare @seen with what the case table expects; one TAP line. Returns
 * false if the case failed.
 */
static bool judge(const struct conform_case *c, const char *seen)
{
	char why[CONFORM_OBS_MAX * 3];

	if (!strcmp(seen, c->ours)) {
		lab_pass("%s: %s", c->name, seen);
		return true;
	}
	if (lab_stock && c->stock &&
	    (!strcmp(c->stock, "*") || !strcmp(seen, c->stock))) {
		lab_pass("%s: %s", c->name, seen);
		lab_finding("%s: stock '%s', ours '%s'", c->name, seen,
			    c->ours);
		return true;
	}
	if (lab_stock && c->stock)
		snprintf(why, sizeof(why), "want '%s' (known stock: '%s')",
			 c->ours, c->stock);
	else
		snprintf(why, sizeof(why), "want '%s'", c->ours);
	lab_fail(why, "%s: %s", c->name, seen);
	return false;
}

/* Returns false if the case was skipped. */
static bool run_case(const struct conform_case *c)
{
	unsigned int timeout = c->timeout ? c->timeout : DEFAULT_TIMEOUT;
	char seen[CONFORM_OBS_MAX + 64];
	double start = lab_now();
	int status = 0;
	bool exited;
	pid_t pid;

	if (c->need > pool.n) {
		printf("CASE %s: skipped (pool of %u < %u)\n", c->name, pool.n,
		       c->need);
		lab_pass("%s # SKIP pool too small", c->name);
		return false;
	}
	lab_tap_current = c->name;
	memset(conform_obs, 0, CONFORM_OBS_MAX);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		lab_die_errno(2, "fork");
	if (!pid) {
		alarm(timeout);
		c->run(c->arg);
		fflush(stdout);
		_exit(0);
	}

	exited = wait_bounded(pid, timeout + 1, &status);
	/* A child killed halfway through obs() may leave no terminator. */
	conform_obs[CONFORM_OBS_MAX - 1] = '\0';
	if (!exited)
		snprintf(seen, sizeof(seen), "HUNG%s%s",
			 *conform_obs ? " " : "", conform_obs);
	else if (WIFSIGNALED(status))
		snprintf(seen, sizeof(seen), "%s%s%s",
			 WTERMSIG(status) == SIGALRM ? "TIMEOUT" :
						       sname(WTERMSIG(status)),
			 *conform_obs ? " after: " : "", conform_obs);
	else if (WEXITSTATUS(status))
		snprintf(seen, sizeof(seen), "exit=%d %s", WEXITSTATUS(status),
			 conform_obs);
	else if (!*conform_obs)
		snprintf(seen, sizeof(seen), "no-result");
	else
		snprintf(seen, sizeof(seen), "%s", conform_obs);

	printf("CASE %s: %s\n", c->name, seen);
	if (!judge(c, seen))
		retire_leaked(c->name);
	/* Timings stay out of the CASE lines; only slow cases get a note. */
	if (lab_now() - start >= 1.0)
		lab_note("%s took %.1f s", c->name, lab_now() - start);
	return true;
}

static void run_group(unsigned int gi)
{
	const struct conform_group *g = all_groups[gi];
	unsigned int passed = lab_tap_passed, failed = lab_tap_failed;
	struct conform_case leak = {
		.run = case_leak,
		.ours = "clean",
		.timeout = 60,
	};
	char leak_name[64];
	double start = lab_now();
	unsigned int i, ran = 0;

	lab_note("group %s", g->name);
	for (i = 0; i < g->ncases; i++) {
		const struct conform_case *c = &g->cases[i];

		if (case_pattern && fnmatch(case_pattern, c->name, 0))
			continue;
		ran++;
		if (!run_case(c))
			continue;
		group_ran[gi]++;
		if (g->bad_inputs || c->bad_input)
			bad_inputs_ran++;
	}
	if (!ran)
		return;
	snprintf(leak_name, sizeof(leak_name), "%s-leak", g->name);
	leak.name = leak_name;
	run_case(&leak);
	lab_note("group %s: %u cases, %u passed, %u failed, %.1f s", g->name,
		 ran + 1, lab_tap_passed - passed, lab_tap_failed - failed,
		 lab_now() - start);
}

/* The machine-readable counts; a group that did not run says 0. */
static void print_figures(void)
{
	unsigned int g, cases = 0;

	for (g = 0; g < NGROUPS; g++)
		cases += group_ran[g];
	printf("FIGURES conform driver=%s cases=%u bad_inputs=%u",
	       lab_stock ? "stock" : "ours", cases, bad_inputs_ran);
	for (g = 0; g < NGROUPS; g++)
		printf(" %s=%u", all_groups[g]->name, group_ran[g]);
	printf(" checks=%u failed=%u\n", lab_tap_passed + lab_tap_failed,
	       lab_tap_failed);
}

static void list_cases(void)
{
	unsigned int g, i;

	for (g = 0; g < NGROUPS; g++) {
		const struct conform_group *grp = all_groups[g];

		for (i = 0; i < grp->ncases; i++) {
			const struct conform_case *c = &grp->cases[i];

			printf("%-10s %-32s %s%s%s\n", grp->name, c->name,
			       c->ours, c->stock ? "  | stock: " : "",
			       c->stock ? c->stock : "");
		}
		printf("%-10s %s-leak%*s clean\n", grp->name, grp->name,
		       (int)(27 - strlen(grp->name)), "");
	}
}

static void __attribute__((noreturn)) usage(void)
{
	unsigned int g;

	fprintf(stderr,
		"usage: %s [-d NODE] [--stock] [-g GROUP]... [-c PATTERN] [-l]\n"
		"       %s -x PROGRAM [ARG]...\n"
		"  -d NODE      gntdev device node (default %s)\n"
		"  --stock      the driver under test is the stock xen-gntdev:\n"
		"               known stock differences are findings, not failures\n"
		"  -s SEED, -v  accepted as in every lab program; the cases'\n"
		"               sequences are fixed, so both drivers see the same\n"
		"  -g GROUP     repeatable; default: all but danger and regress:\n"
		"              ",
		program_invocation_short_name, program_invocation_short_name,
		LAB_GNTDEV_NODE);
	for (g = 0; g < NGROUPS; g++)
		fprintf(stderr, " %s", all_groups[g]->name);
	fprintf(stderr,
		"\n"
		"  -c PATTERN   only cases whose name matches PATTERN\n"
		"  -l           list cases and expectations\n"
		"  -x           allocate the pool, then run PROGRAM (e.g. a\n"
		"               32-bit build of this suite) with it\n");
	exit(2);
}

/* The options (lab_getopt()'s and ours); true for -x. */
static bool parse_args(int argc, char **argv, bool *list)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool any_group = false, exec_with_pool = false;
	unsigned int g;
	int opt;

	/* "+": -x's program and its options are not ours. */
	while ((opt = lab_getopt(argc, argv, "+g:c:lx", longopts, &opts)) !=
	       -1) {
		switch (opt) {
		case 'g':
			for (g = 0; g < NGROUPS; g++)
				if (!strcmp(all_groups[g]->name, optarg))
					break;
			if (g == NGROUPS)
				usage();
			group_selected[g] = true;
			any_group = true;
			break;
		case 'c':
			case_pattern = optarg;
			break;
		case 'l':
			*list = true;
			break;
		case 'x':
			exec_with_pool = true;
			break;
		default:
			usage();
		}
	}
	if (exec_with_pool != (optind < argc))
		usage();
	if (!any_group)
		for (g = 0; g < NGROUPS; g++)
			group_selected[g] = all_groups[g]->by_default;
	gntdev_node = opts.node;
	return exec_with_pool;
}

int main(int argc, char **argv)
{
	bool list = false, exec_with_pool;
	double start = lab_now();
	unsigned int g;

	conform_self = argv[0];
	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return conform_exec_child(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--exec-get-offset"))
		return conform_exec_get_offset(argv[2]);
	exec_with_pool = parse_args(argc, argv, &list);
	if (list) {
		list_cases();
		return 0;
	}

	/* The cases' children write their observation here. */
	conform_obs = mmap(NULL, CONFORM_OBS_MAX, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (conform_obs == MAP_FAILED)
		lab_die_errno(2, "mmap");
	/* Output goes to a file or serial port: keep lines in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	lab_note("gntdev-conform: node %s, %s driver", gntdev_node,
		 lab_stock ? "stock" : "replacement");
	if (!pool_setup())
		return lab_tap_summary();
	if (exec_with_pool)
		pool_exec(argv + optind);

	for (g = 0; g < NGROUPS; g++)
		if (group_selected[g])
			run_group(g);

	if (lab_stock)
		lab_note("stock findings: %u", lab_findings);
	lab_note("total %.1f s", lab_now() - start);
	/*
	 * A run given its pool by -x (the 32-bit build) is judged by
	 * conform/run against the 64-bit run of the same cases: its counts
	 * would count those cases twice in the lab's figures.
	 */
	if (!pool_inherited)
		print_figures();
	return lab_tap_summary();
}
