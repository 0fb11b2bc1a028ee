// SPDX-License-Identifier: GPL-2.0
/*
 * conform-lib.c - helpers of the gntdev conformance suite: observations,
 * thin gntdev call wrappers that return -errno, dma-buf exports and
 * imports, data patterns, fault probes, grant-table state through
 * xenlab-grants.
 *
 * These run inside a case's child process (see conform-lib.h); none of
 * them reports a verdict.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/uio.h>
#include <sys/wait.h>

struct conform_pool pool;
const char *gntdev_node = LAB_GNTDEV_NODE;
char *conform_obs;
const char *conform_self;

/* --- observations and notes ---------------------------------------------- */

static void obs_v(const char *fmt, va_list ap)
{
	static char fallback[CONFORM_OBS_MAX];
	char *buf = conform_obs ? conform_obs : fallback;
	size_t len = strlen(buf);

	if (len && len < CONFORM_OBS_MAX - 1)
		buf[len++] = ' ';
	if (len < CONFORM_OBS_MAX - 1)
		vsnprintf(buf + len, CONFORM_OBS_MAX - len, fmt, ap);
}

void obs(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	obs_v(fmt, ap);
	va_end(ap);
}

void obs_end(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	obs_v(fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(0);
}

void must(int ret, const char *fmt, ...)
{
	char what[64];
	va_list ap;

	if (!ret)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	obs_end("%s=%s", what, ename(ret));
}

void *must_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		obs_end("out-of-memory");
	return p;
}

const char *ename(int err)
{
	return err ? lab_errname(err < 0 ? -err : err) : "ok";
}

const char *sname(int sig)
{
	static char buf[32];
	const char *abbrev;

	if (!sig)
		return "ok";
	abbrev = sigabbrev_np(sig);
	snprintf(buf, sizeof(buf), "SIG%s", abbrev ? abbrev : "?");
	return buf;
}

/* --- gntdev calls --------------------------------------------------------- */

int gopen(void)
{
	int fd = lab_gntdev_open(gntdev_node);

	if (fd < 0)
		obs_end("open=%s", ename(fd));
	return fd;
}

int map_pool(int fd, unsigned int first, unsigned int n, __u64 *index)
{
	return lab_map(fd, pool.refs + first, n, 0, index);
}

__u64 must_map_refs(int fd, const __u32 *refs, unsigned int n, __u32 domid)
{
	__u64 index;

	must(lab_map(fd, refs, n, domid, &index), "map");
	return index;
}

__u64 must_map_pool(int fd, unsigned int first, unsigned int n)
{
	return must_map_refs(fd, pool.refs + first, n, 0);
}

const char *try_mmap(int fd, __u64 index, unsigned int n, int prot, int flags)
{
	void *p = gmmap(fd, index, n, prot, flags);

	if (p == MAP_FAILED)
		return ename(errno);
	munmap(p, n * CONFORM_PAGE);
	return "ok";
}

void *must_gmmap(int fd, __u64 index, unsigned int n, int prot)
{
	void *p = gmmap(fd, index, n, prot, MAP_SHARED);

	if (p == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	return p;
}

pid_t must_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		obs_end("fork=%s", ename(errno));
	return pid;
}

void *reserve_va(unsigned int n)
{
	void *p = mmap(NULL, n * CONFORM_PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		obs_end("reserve=%s", ename(errno));
	return p;
}

void *guarded(size_t tail)
{
	char *p = mmap(NULL, 2 * CONFORM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		obs_end("guard=%s", ename(errno));
	if (mprotect(p + CONFORM_PAGE, CONFORM_PAGE, PROT_NONE))
		obs_end("guard=%s", ename(errno));
	memset(p, 0, CONFORM_PAGE);
	return p + CONFORM_PAGE - tail;
}

void read_only(void *p)
{
	if (mprotect(p, CONFORM_PAGE, PROT_READ))
		obs_end("mprotect=%s", ename(errno));
}

void case_bad_arg(unsigned int cmd)
{
	int fd = gopen();

	obs("%s", ename(lab_ioctl(fd, cmd, guarded(0))));
}

void *map_filled(int fd, unsigned int n, __u32 seed, __u64 *index)
{
	pool_fill(0, n, seed);
	*index = must_map_pool(fd, 0, n);
	return must_gmmap(fd, *index, n, PROT_READ | PROT_WRITE);
}

void *vmsplice_pool(int fd, unsigned int first, __u64 *index, int pp[2])
{
	struct iovec iov = { .iov_len = CONFORM_PAGE };
	ssize_t got;

	*index = must_map_pool(fd, first, 1);
	iov.iov_base = must_gmmap(fd, *index, 1, PROT_READ | PROT_WRITE);
	if (pipe(pp))
		obs_end("pipe=%s", ename(errno));
	got = vmsplice(pp[1], &iov, 1, 0);
	if (got < 0)
		obs_end("vmsplice=%s", ename(errno));
	obs("vmsplice=%s", got == (ssize_t)CONFORM_PAGE ? "ok" : "short");
	return iov.iov_base;
}

void pipe_verify(int pp[2], unsigned int first, __u32 seed)
{
	char *buf = must_calloc(1, CONFORM_PAGE);
	ssize_t got;

	got = read(pp[0], buf, CONFORM_PAGE);
	obs("data=%s",
	    got == (ssize_t)CONFORM_PAGE && verify_at(buf, first, 1, seed) ?
		    "ok" :
		    "mismatch");
	close(pp[0]);
	close(pp[1]);
	free(buf);
}

void seg_from_ref(struct gntdev_grant_copy_segment *sg, __u32 ref, __u16 off,
		  void *dst, __u16 len)
{
	memset(sg, 0, sizeof(*sg));
	sg->source.foreign.ref = ref;
	sg->source.foreign.offset = off;
	sg->dest.virt = dst;
	sg->len = len;
	sg->flags = GNTCOPY_source_gref;
	sg->status = STATUS_JUNK;
}

void seg_to_ref(struct gntdev_grant_copy_segment *sg, void *src, __u32 ref,
		__u16 off, __u16 len)
{
	memset(sg, 0, sizeof(*sg));
	sg->source.virt = src;
	sg->dest.foreign.ref = ref;
	sg->dest.foreign.offset = off;
	sg->len = len;
	sg->flags = GNTCOPY_dest_gref;
	sg->status = STATUS_JUNK;
}

/* --- dma-buf exports and imports ------------------------------------------ */

int exp_refs(int fd, __u32 flags, __u32 count, __u32 domid, const __u32 *refs,
	     int *dfd)
{
	int d, ret = lab_dmabuf_exp(fd, flags, domid, refs, count, &d);

	if (!ret && dfd)
		*dfd = d;
	else if (!ret)
		close(d);
	return ret;
}

int exp_pool(int fd, unsigned int first, unsigned int n, int *dfd)
{
	return exp_refs(fd, 0, n, 0, pool.refs + first, dfd);
}

int imp(int fd, int dfd, __u32 count, __u32 domid, __u32 *refs)
{
	return lab_dmabuf_imp(fd, dfd, domid, count, refs);
}

/* --- data patterns ------------------------------------------------------ */

#define WORDS_PER_PAGE (CONFORM_PAGE / sizeof(__u64))
/* Read-only pool pages get their own page numbers in the pattern. */
#define RO_PAGE_BASE 0x100000u

/*
 * A value unique to (seed, pool page, word): a mapping of the wrong grant,
 * of the wrong page of a map, or stale data never matches.
 */
static __u64 pattern(__u32 seed, unsigned int page, size_t word)
{
	return ((__u64)seed << 48) ^ ((__u64)page << 20) ^ word ^
	       0xc3a5000000000000ull;
}

void fill_at(void *p, unsigned int page0, unsigned int n, __u32 seed)
{
	volatile __u64 *w = p;
	unsigned int pg;
	size_t i;

	for (pg = 0; pg < n; pg++)
		for (i = 0; i < WORDS_PER_PAGE; i++)
			w[pg * WORDS_PER_PAGE + i] =
				pattern(seed, page0 + pg, i);
}

bool verify_at(const void *p, unsigned int page0, unsigned int n, __u32 seed)
{
	const volatile __u64 *w = p;
	unsigned int pg;
	size_t i;

	for (pg = 0; pg < n; pg++) {
		for (i = 0; i < WORDS_PER_PAGE; i++) {
			__u64 got = w[pg * WORDS_PER_PAGE + i];

			if (got == pattern(seed, page0 + pg, i))
				continue;
			note("data mismatch: page %u word %zu: 0x%016llx, want 0x%016llx",
			     pg, i, (unsigned long long)got,
			     (unsigned long long)pattern(seed, page0 + pg, i));
			return false;
		}
	}
	return true;
}

void pool_fill(unsigned int first, unsigned int n, __u32 seed)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		fill_at(pool.page[i], i, 1, seed);
}

bool pool_verify(unsigned int first, unsigned int n, __u32 seed)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		if (!verify_at(pool.page[i], i, 1, seed))
			return false;
	return true;
}

void ro_fill(unsigned int first, unsigned int n, __u32 seed)
{
	fill_at(pool.ro_mem + first * CONFORM_PAGE, RO_PAGE_BASE + first, n,
		seed);
}

bool ro_verify_at(const void *p, unsigned int first, unsigned int n, __u32 seed)
{
	return verify_at(p, RO_PAGE_BASE + first, n, seed);
}

/* --- fault probes -------------------------------------------------------- */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_env, 1);
}

int probe(void *p, bool write)
{
	volatile unsigned char *b = p;
	struct sigaction sa, old_segv, old_bus;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	probe_sig = 0;
	if (!sigsetjmp(probe_env, 1)) {
		unsigned char v = *b;

		/* Writing back what is there changes nothing if it works. */
		if (write)
			*b = v;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return probe_sig;
}

/* --- grant-table state --------------------------------------------------- */

/*
 * The refs whose active entries scan_hit() counts: two lists of them;
 * with @idx, the first @max hits' positions in @refs are noted there.
 */
struct ref_count {
	const __u32 *refs, *more;
	unsigned int n, n_more;
	unsigned int *idx, max;
	int count;
};

static void scan_hit(__u16 dom, __u32 ref, void *ctx)
{
	struct ref_count *c = ctx;
	unsigned int i;

	for (i = 0; !dom && i < c->n + c->n_more; i++) {
		if ((i < c->n ? c->refs[i] : c->more[i - c->n]) != ref)
			continue;
		if (c->idx && i < c->n && (unsigned int)c->count < c->max)
			c->idx[c->count] = i;
		c->count++;
		return;
	}
}

/*
 * Poll the active entries of dom0 among @c's refs every 100 ms for up to
 * @ms until there are @want; the last count, -1 without a dump.
 */
static int wait_count(struct ref_count *c, int want, unsigned int ms)
{
	unsigned int waited = 0;
	int got;

	for (;;) {
		c->count = 0;
		got = lab_grants_scan(scan_hit, c) ? -1 : c->count;
		if (got == want || got < 0 || waited >= ms)
			return got;
		lab_sleep_ms(100);
		waited += 100;
	}
}

int wait_active(unsigned int first, unsigned int n, int want, unsigned int ms)
{
	struct ref_count c = { .refs = pool.refs + first, .n = n };

	return wait_count(&c, want, ms);
}

int active_refs(unsigned int first, unsigned int n)
{
	return wait_active(first, n, 0, 0);
}

int wait_active_pool(int want, unsigned int ms)
{
	struct ref_count c = { .refs = pool.refs,
			       .n = pool.n,
			       .more = pool.ro.refs,
			       .n_more = pool.ro.n };

	return wait_count(&c, want, ms);
}

int active_pool_pages(unsigned int *idx, unsigned int max)
{
	struct ref_count c = {
		.refs = pool.refs, .n = pool.n, .idx = idx, .max = max
	};

	return wait_count(&c, 0, 0);
}

/* --- running ourselves in an exec'd child ------------------------------- */

int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = must_fork();
	if (!pid) {
		alarm(10);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		obs_end("waitpid=%s", ename(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t fork_holder(int (*setup)(void *), void *arg, int *code)
{
	pid_t pid = must_fork();
	int status;

	if (!pid) {
		alarm(20);
		status = setup(arg);
		if (status)
			_exit(status);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &status, WUNTRACED) != pid)
		obs_end("waitpid=%s", ename(errno));
	if (WIFSTOPPED(status))
		return pid;
	*code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return -1;
}

int end_holder(pid_t pid, int sig)
{
	int status = 0;

	kill(pid, sig);
	waitpid(pid, &status, 0);
	return status;
}

struct exec_args {
	const char *mode;
	const char *arg;
	int out;
};

static int exec_self(void *p)
{
	struct exec_args *a = p;

	dup2(a->out, STDOUT_FILENO);
	execl("/proc/self/exe", "gntdev-conform", a->mode, a->arg,
	      (char *)NULL);
	return 127;
}

void conform_exec_run(char *out, size_t len, const char *mode, const char *fmt,
		      ...)
{
	char arg[256];
	struct exec_args a = { .mode = mode, .arg = arg };
	int pp[2];
	ssize_t got, at = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(arg, sizeof(arg), fmt, ap);
	va_end(ap);
	if (pipe(pp))
		obs_end("pipe=%s", ename(errno));
	a.out = pp[1];
	/* One short line: it fits in the pipe while we wait. */
	in_child(exec_self, &a);
	close(pp[1]);
	while (at < (ssize_t)len - 1 &&
	       (got = read(pp[0], out + at, len - 1 - at)) > 0)
		at += got;
	close(pp[0]);
	out[at] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!*out)
		snprintf(out, len, "child=no-output");
}
