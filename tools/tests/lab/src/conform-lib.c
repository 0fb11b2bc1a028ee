// SPDX-License-Identifier: GPL-2.0
/*
 * conform-lib.c - helpers of the gntdev conformance suite: observations,
 * thin gntdev call wrappers that return -errno, data patterns, fault
 * probes, grant-table state through xenlab-grants, and event channels.
 *
 * These run inside a case's child process (see conform-lib.h); none of
 * them reports a verdict.
 */
#include "conform-lib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
/* The uapi header uses Xen's type without defining it. */
typedef __u16 domid_t;
#include <xen/evtchn.h>

struct conform_pool pool = { .fd = -1 };
const char *gntdev_node = "/dev/xen/gntdev";
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

void note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *ename(int err)
{
	const char *name;

	if (!err)
		return "ok";
	name = strerrorname_np(err < 0 ? -err : err);
	return name ? name : "E?";
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

int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int gopen(void)
{
	int fd = open(gntdev_node, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		obs_end("open=%s", ename(errno));
	return fd;
}

int map_refs(int fd, const __u32 *refs, unsigned int n, __u32 domid,
	     __u64 *index)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int i;
	int ret;

	op = calloc(1, offsetof(struct ioctl_gntdev_map_grant_ref, refs) +
			       (size_t)n * sizeof(op->refs[0]));
	if (!op)
		obs_end("out-of-memory");
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	ret = xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (!ret && index)
		*index = op->index;
	free(op);
	return ret;
}

int map_pool(int fd, unsigned int first, unsigned int n, __u64 *index)
{
	return map_refs(fd, pool.refs + first, n, 0, index);
}

__u64 must_map_pool(int fd, unsigned int first, unsigned int n)
{
	__u64 index;
	int ret = map_pool(fd, first, n, &index);

	if (ret)
		obs_end("map=%s", ename(ret));
	return index;
}

int unmap_op(int fd, __u64 index, __u32 count)
{
	struct ioctl_gntdev_unmap_grant_ref op = {
		.index = index,
		.count = count,
	};

	return xioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op);
}

int get_offset(int fd, const void *addr, __u64 *offset, __u32 *count)
{
	struct ioctl_gntdev_get_offset_for_vaddr op = {
		.vaddr = (__u64)(uintptr_t)addr,
	};
	int ret = xioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &op);

	if (!ret) {
		if (offset)
			*offset = op.offset;
		if (count)
			*count = op.count;
	}
	return ret;
}

int set_notify(int fd, __u64 index, __u32 action, __u32 port)
{
	struct ioctl_gntdev_unmap_notify op = {
		.index = index,
		.action = action,
		.event_channel_port = port,
	};

	return xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op);
}

void *gmmap(int fd, __u64 index, unsigned int n, int prot, int flags)
{
	return mmap(NULL, n * CONFORM_PAGE, prot, flags, fd, (off_t)index);
}

void *must_gmmap(int fd, __u64 index, unsigned int n, int prot)
{
	void *p = gmmap(fd, index, n, prot, MAP_SHARED);

	if (p == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	return p;
}

void *reserve_va(unsigned int n)
{
	void *p = mmap(NULL, n * CONFORM_PAGE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		obs_end("reserve=%s", ename(errno));
	return p;
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

static void fill_pages(void *p, unsigned int page0, unsigned int n, __u32 seed)
{
	volatile __u64 *w = p;
	unsigned int pg;
	size_t i;

	for (pg = 0; pg < n; pg++)
		for (i = 0; i < WORDS_PER_PAGE; i++)
			w[pg * WORDS_PER_PAGE + i] =
				pattern(seed, page0 + pg, i);
}

static bool verify_pages(const void *p, unsigned int page0, unsigned int n,
			 __u32 seed)
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
		fill_pages(pool_page(i), i, 1, seed);
}

void fill_at(void *p, unsigned int first, unsigned int n, __u32 seed)
{
	fill_pages(p, first, n, seed);
}

bool verify_at(const void *p, unsigned int first, unsigned int n, __u32 seed)
{
	return verify_pages(p, first, n, seed);
}

bool pool_verify(unsigned int first, unsigned int n, __u32 seed)
{
	unsigned int i;

	for (i = first; i < first + n; i++)
		if (!verify_pages(pool_page(i), i, 1, seed))
			return false;
	return true;
}

void ro_fill(unsigned int first, unsigned int n, __u32 seed)
{
	fill_pages(pool.ro_mem + first * CONFORM_PAGE, RO_PAGE_BASE + first, n,
		   seed);
}

bool ro_verify_at(const void *p, unsigned int first, unsigned int n, __u32 seed)
{
	return verify_pages(p, RO_PAGE_BASE + first, n, seed);
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
 * Call @hit for each grant of domain 0 that "xenlab-grants check" lists as
 * active (mapped by someone). It lists every active entry; its exit status
 * says whether any was unexpected, which is not our question here.
 * Returns -1 if no complete dump could be had, else 0.
 */
static int scan_active(void (*hit)(unsigned int ref, void *ctx), void *ctx)
{
	char line[512];
	bool complete = false;
	FILE *f;

	fflush(stdout);
	f = popen("xenlab-grants check 2>&1", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int dom, ref;

		if (!strncmp(line, "GRANT-CHECK: FAILED", 19)) {
			note("%s", strtok(line, "\n"));
			break;
		}
		if (!strncmp(line, "GRANT-CHECK:", 12) ||
		    !strncmp(line, "GRANT-LEAK:", 11))
			complete = true;
		if (sscanf(line, "GRANT-ACTIVE granter=d%u ref=0x%x", &dom,
			   &ref) == 2 &&
		    dom == 0)
			hit(ref, ctx);
	}
	pclose(f);
	return complete ? 0 : -1;
}

struct ref_set {
	unsigned char *bits;
	unsigned long nbits;
	int count;
};

static void count_hit(unsigned int ref, void *ctx)
{
	struct ref_set *set = ctx;

	if (ref < set->nbits && (set->bits[ref / 8] & (1u << ref % 8)))
		set->count++;
}

/* Active entries among the refs set in @set. */
static int count_active(struct ref_set *set)
{
	set->count = 0;
	return scan_active(count_hit, set) ? -1 : set->count;
}

static void set_bits(unsigned char *map, const __u32 *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		map[refs[i] / 8] |= 1u << refs[i] % 8;
}

static unsigned long max_ref(const __u32 *refs, unsigned int n)
{
	unsigned long max = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (refs[i] > max)
			max = refs[i];
	return max;
}

/* A ref set of @max + 1 bits, or NULL. */
static bool ref_set_init(struct ref_set *set, unsigned long max)
{
	set->nbits = max + 1;
	set->bits = calloc(set->nbits / 8 + 1, 1);
	return set->bits;
}

int active_refs(unsigned int first, unsigned int n)
{
	struct ref_set set;
	int ret;

	if (!ref_set_init(&set, max_ref(pool.refs + first, n)))
		return -1;
	set_bits(set.bits, pool.refs + first, n);
	ret = count_active(&set);
	free(set.bits);
	return ret;
}

int active_pool(void)
{
	unsigned long max = max_ref(pool.refs, pool.n);
	struct ref_set set;
	int ret;

	if (max_ref(pool.ro_refs, pool.ro_n) > max)
		max = max_ref(pool.ro_refs, pool.ro_n);
	if (!ref_set_init(&set, max))
		return -1;
	set_bits(set.bits, pool.refs, pool.n);
	set_bits(set.bits, pool.ro_refs, pool.ro_n);
	ret = count_active(&set);
	free(set.bits);
	return ret;
}

struct page_list {
	unsigned int *idx;
	unsigned int max;
	unsigned int count;
};

static void page_hit(unsigned int ref, void *ctx)
{
	struct page_list *list = ctx;
	unsigned int i;

	for (i = 0; i < pool.n; i++) {
		if (pool.refs[i] != ref)
			continue;
		if (list->count < list->max)
			list->idx[list->count] = i;
		list->count++;
		return;
	}
}

int active_pool_pages(unsigned int *idx, unsigned int max)
{
	struct page_list list = { .idx = idx, .max = max };

	return scan_active(page_hit, &list) ? -1 : (int)list.count;
}

int wait_active(unsigned int first, unsigned int n, int want, unsigned int ms)
{
	unsigned int waited = 0;
	int got;

	for (;;) {
		got = active_refs(first, n);
		if (got == want || got < 0 || waited >= ms)
			return got;
		sleep_ms(100);
		waited += 100;
	}
}

int wait_active_pool(int want, unsigned int ms)
{
	unsigned int waited = 0;
	int got;

	for (;;) {
		got = active_pool();
		if (got == want || got < 0 || waited >= ms)
			return got;
		sleep_ms(100);
		waited += 100;
	}
}

/* --- event channels ------------------------------------------------------- */

int evtchn_pair(int *fd, __u32 *listen, __u32 *send)
{
	struct ioctl_evtchn_bind_unbound_port unbound = { .remote_domain = 0 };
	struct ioctl_evtchn_bind_interdomain inter = { .remote_domain = 0 };
	int ret;

	*fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	ret = ioctl(*fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &unbound);
	if (ret < 0)
		return -errno;
	*listen = ret;
	inter.remote_port = *listen;
	ret = ioctl(*fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &inter);
	if (ret < 0)
		return -errno;
	*send = ret;
	return 0;
}

bool evtchn_wait(int fd, __u32 port, unsigned int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	__u32 ports[16];
	bool seen = false;
	ssize_t got, i;

	if (poll(&pfd, 1, ms) <= 0)
		return false;
	got = read(fd, ports, sizeof(ports));
	for (i = 0; i < got / (ssize_t)sizeof(ports[0]); i++) {
		if (ports[i] == port)
			seen = true;
		/* The driver masks a port when it delivers it; unmask. */
		if (write(fd, &ports[i], sizeof(ports[i])) < 0)
			note("evtchn unmask: %s", ename(errno));
	}
	return seen;
}

/* --- misc ----------------------------------------------------------------- */

__u32 prng(__u32 *state)
{
	__u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
