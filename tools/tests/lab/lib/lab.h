/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab.h - the library every lab program links (liblab.a): the programs run
 * as root in the Xen lab's dom0, grant pages to dom0 itself through
 * gntalloc and drive /dev/xen/gntdev with them.
 *
 *   reporter   TAP lines ("ok N - ...", "not ok N - ...: reason"), "# "
 *              notes, the "N passed, M failed" summary; with --stock a
 *              missed check is a stock finding ("# FINDING stock: ...")
 *              instead of a failure; a known stock difference (the
 *              conformance suite's table rows) is one as well
 *              (lab-report.c)
 *   gntdev     one wrapper per ioctl over the project's own uapi header,
 *              each returning 0 or -errno (lab-gntdev.c)
 *   pool       pages granted to dom0 by gntalloc and mapped here, each
 *              page starting with a signature word derived from its ref
 *              (lab-pool.c)
 *   evtchn     a loopback event-channel pair, to see unmap notifies
 *              (lab-evtchn.c)
 *   leaks      Xen's active grant entries (their count, or each one),
 *              the driver's debugfs totals, and waiting until both are
 *              back to a baseline (lab-leak.c)
 *   kmsg       new kernel-log records that look like a crash, by the same
 *              patterns as the lab's LAB_CRASH_RE (lab-kmsg.c)
 *   options    the letters every program shares (lab-opt.c)
 *   rng, time  splitmix64, a monotonic clock, sleep (inline, below)
 *
 * Every program is one static binary; the library is built once per ABI
 * (64-bit, and i386 for the 32-bit conformance run).
 */
#ifndef LAB_H
#define LAB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <linux/types.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/*
 * The project's uapi header first: it shares the include guard of the
 * system's <xen/gntdev.h>, so the programs see exactly our definitions.
 */
#include <xen/public/gntdev.h>

/*
 * The linux-libc-dev copies of these headers use the Xen types without
 * defining them (the kernel gets them from xen/interface/).
 */
typedef __u32 grant_ref_t;
typedef __u16 domid_t;

#include <xen/evtchn.h>
#include <xen/gntalloc.h>

/* From Xen's public grant_table.h, which no uapi header carries. */
#ifndef GNTCOPY_source_gref
#define GNTCOPY_source_gref (1 << 0)
#define GNTCOPY_dest_gref (1 << 1)
#endif
#ifndef GNTST_okay
#define GNTST_okay 0
#endif

/*
 * <xen/privcmd.h> pulls in kernel-internal headers, so carry the one
 * ioctl we need under our own names.
 */
struct lab_privcmd_hypercall {
	__u64 op;
	__u64 arg[5];
};

#define LAB_IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct lab_privcmd_hypercall))

#define LAB_PAGE_SIZE 4096UL
/* 64-bit words in a page. */
#define LAB_PAGE_WORDS (LAB_PAGE_SIZE / sizeof(__u64))

#define LAB_GNTDEV_NODE "/dev/xen/gntdev"
#define LAB_GNTALLOC_NODE "/dev/xen/gntalloc"
#define LAB_EVTCHN_NODE "/dev/xen/evtchn"
#define LAB_DEBUGFS_STATE "/sys/kernel/debug/gntdev/state"

/* A ref far above any grant table Xen gives dom0: never granted. */
#define LAB_NEVER_GRANTED 0xfffff0u
/* A domain that does not exist in the lab. */
#define LAB_NO_DOMAIN 0x3ff0u

/* ------------------------------------------------------------------------
 * Error exits (lab-report.c)
 */

void __attribute__((format(printf, 1, 2))) lab_warn(const char *fmt, ...);
/* Print "prog: msg" and exit with @code. */
void __attribute__((noreturn, format(printf, 2, 3)))
lab_die(int code, const char *fmt, ...);
/* Like lab_die(), with ": strerror(errno) (ENAME)" appended. */
void __attribute__((noreturn, format(printf, 2, 3)))
lab_die_errno(int code, const char *fmt, ...);
/* Short symbolic name of an errno value, for test output ("EINVAL"). */
const char *lab_errname(int err);
/* The same for a 0/-errno result: "success" for 0. */
const char *lab_retname(int ret);
/*
 * "@what: ENAME (message)" for a failed call with positive errno @err, as a
 * check's reason; valid until the next call.
 */
const char *lab_errwhy(const char *what, int err);

/* ------------------------------------------------------------------------
 * Reporter (lab-report.c)
 */

extern unsigned int lab_tap_num;
extern unsigned int lab_tap_passed;
extern unsigned int lab_tap_failed;
/* What is running now, for the fatal-signal report. */
extern const char *volatile lab_tap_current;
/* The driver under test is the stock xen-gntdev (--stock). */
extern bool lab_stock;
/* Checks the stock driver missed in a --stock run. */
extern unsigned int lab_findings;

/* Record one check; returns @cond so callers can stop on failure. */
bool __attribute__((format(printf, 3, 4)))
lab_check(bool cond, const char *reason, const char *fmt, ...);
/* A check whose outcome the caller already knows. */
#define lab_pass(...) lab_check(true, NULL, __VA_ARGS__)
#define lab_fail(reason, ...) lab_check(false, reason, __VA_ARGS__)
/*
 * A check of driver behaviour: like lab_check(), but in a --stock run a
 * miss is printed as "# FINDING stock: msg: reason", counted in
 * lab_findings and does not fail the run. Returns @cond.
 */
bool __attribute__((format(printf, 3, 4)))
lab_expect(bool cond, const char *reason, const char *fmt, ...);
/*
 * Record a way the stock driver differs from ours, known and expected:
 * "# FINDING stock: msg", counted in lab_findings.
 */
void __attribute__((format(printf, 1, 2))) lab_finding(const char *fmt, ...);
/* A diagnostic line that is not a test result. */
void __attribute__((format(printf, 1, 2))) lab_note(const char *fmt, ...);
/* Print the summary line; returns the exit status for main(). */
int lab_tap_summary(void);
/* SIGBUS/SIGSEGV/... become a failed test and a summary. */
void lab_catch_fatal_signals(void);

/* ------------------------------------------------------------------------
 * gntdev ioctls (lab-gntdev.c): 0 (or a file descriptor) or -errno
 */

int lab_ioctl(int fd, unsigned long req, void *arg);
/* Open @node, or LAB_GNTDEV_NODE if NULL. */
int lab_gntdev_open(const char *node);
/* MAP @n refs of @domid; the map's offset in @off (unless NULL). */
int lab_map(int fd, const __u32 *refs, __u32 n, __u16 domid, __u64 *off);
int lab_unmap(int fd, __u64 off, __u32 n);
/* GET_OFFSET_FOR_VADDR; @off and @count may be NULL. */
int lab_get_offset(int fd, const void *addr, __u64 *off, __u32 *count);
int lab_set_max_grants(int fd, __u32 n);
int lab_set_unmap_notify(int fd, __u64 index, __u32 action, __u32 port);
int lab_grant_copy(int fd, struct gntdev_grant_copy_segment *seg, __u32 n);
/*
 * DMABUF_EXP_FROM_REFS of @n refs of @domid (zeros if @refs is NULL): the
 * dma-buf's fd in *@dfd, -1 on failure.
 */
int lab_dmabuf_exp(int fd, __u32 flags, __u32 domid, const __u32 *refs, __u32 n,
		   int *dfd);
int lab_dmabuf_wait_released(int fd, int dfd, __u32 ms);
/* DMABUF_IMP_TO_REFS of @n pages for @domid; the refs in @refs if set. */
int lab_dmabuf_imp(int fd, int dfd, __u32 domid, __u32 n, __u32 *refs);
int lab_dmabuf_imp_release(int fd, int dfd);
/* mmap() of @pages pages of a gntdev file; NULL (and errno) on failure. */
void *lab_mmap(void *hint, size_t pages, int prot, int flags, int fd,
	       __u64 off);

/*
 * A vgem buffer of @n pages (lab-vgem.c): its dma-buf fd, mapped at *@pp;
 * or -errno, with *@step naming what failed ("vgem" when there is no vgem
 * card, "vgem-create", "vgem-size", "vgem-map", "vgem-mmap", "vgem-export").
 * The card stays open: the mapping and the dma-buf need no more of it.
 */
int lab_vgem_buffer(size_t n, void **pp, const char **step);

/* ------------------------------------------------------------------------
 * The self-grant pool (lab-pool.c)
 */

/**
 * struct lab_pool - pages granted through gntalloc, usually to dom0 itself
 * @req: The ALLOC_GREF request, which holds the refs.
 * @refs: @n grant refs.
 * @n: Pages in the pool.
 * @mem: The @n pages, mapped through gntalloc (the granting side's view),
 *	or NULL.
 *
 * Once mapped, word 0 of each page is lab_sig() of its ref, which no test
 * overwrites unless it fills the pages with a pattern of its own, so a
 * mapping of the wrong page shows at once.
 */
struct lab_pool {
	struct ioctl_gntalloc_alloc_gref *req;
	__u32 *refs;
	__u32 n;
	volatile __u64 *mem;
};

/* The signature word of the page granted as @ref. */
static inline __u64 lab_sig(__u32 ref)
{
	return 0x5447000000000000ULL | (__u64)ref << 8 | 0xa5;
}

static inline volatile __u64 *lab_pool_page(const struct lab_pool *p, __u32 i)
{
	return p->mem + (size_t)i * LAB_PAGE_WORDS;
}

/*
 * The steps, for a test that checks each: grant @n pages to @domid,
 * @writable or not (ALLOC_GREF); map them here and stamp the signatures;
 * unmap them; end the grants (DEALLOC_GREF, which gntalloc defers while a
 * page is still mapped; unmaps first if need be). Each 0 or -errno.
 */
int lab_pool_grant(struct lab_pool *p, __u32 n, __u16 domid, bool writable);
int lab_pool_map(struct lab_pool *p);
int lab_pool_unmap(struct lab_pool *p);
int lab_pool_put(struct lab_pool *p);

/*
 * The gntalloc file every pool comes from (opened on first use), or
 * -errno: a program hands it and the pool's index and refs to another it
 * execs, which has no other way to get them (a 32-bit process cannot
 * ALLOC_GREF on a 64-bit kernel: gntalloc has no compat_ioctl).
 */
int lab_gntalloc(void);
/*
 * Take over @n grants already allocated at @index of the gntalloc file
 * @fd (inherited across exec) and map them; 0 or -errno.
 */
int lab_pool_attach(struct lab_pool *p, int fd, __u64 index, const __u32 *refs,
		    __u32 n);
/* Grant @n pages to dom0, @writable or not, and map them; 0 or -errno. */
int lab_pool_alloc(struct lab_pool *p, __u32 n, bool writable);
/* The same, writable: what most tests want. */
int lab_pool_get(struct lab_pool *p, __u32 n);
/* The same, exiting with status @code on failure. */
void lab_pool_or_die(struct lab_pool *p, __u32 n, int code);
/* Do @pages pages at @addr show the signatures of @refs? */
bool lab_sigs_ok(const volatile void *addr, const __u32 *refs, __u32 pages);

/* ------------------------------------------------------------------------
 * Leak probes (lab-leak.c)
 */

/* Active grant entries in Xen (xenlab-grants count), or -1. */
long lab_grants_active(void);
/*
 * Call @hit for each active grant entry Xen lists (granting domain, ref);
 * 0, or -1 if no complete grant-table dump could be had.
 */
int lab_grants_scan(void (*hit)(__u16 dom, __u32 ref, void *ctx), void *ctx);

/* What lab_settle() waits for besides the driver's maps and grants. */
#define LAB_SETTLE_FILES (1u << 0) /* no file open in the driver either */
#define LAB_SETTLE_XEN (1u << 1) /* Xen back to @baseline active entries */

/*
 * Wait up to @timeout_ms (unmaps may be deferred) until the driver holds
 * no map and no grant and, with LAB_SETTLE_XEN, Xen shows @baseline active
 * grant entries. Describes the state in @msg; returns whether it settled.
 */
bool lab_settle(long baseline, unsigned int flags, unsigned int timeout_ms,
		char *msg, size_t len);

/* ------------------------------------------------------------------------
 * Event channels (lab-evtchn.c)
 */

/**
 * struct lab_evtchn_pair - a loopback event channel within dom0
 * @rx_fd: The /dev/xen/evtchn file that bound @rx (non-blocking).
 * @tx_fd: The one that bound @tx, the other end; may be the same file.
 * @rx: The port that receives: an event sent on @tx arrives here.
 * @tx: The port to send on (a notify's @event_channel_port).
 */
struct lab_evtchn_pair {
	int rx_fd;
	int tx_fd;
	__u32 rx;
	__u32 tx;
};

/* Bind a pair, each end on a file of its own; 0 or -errno. */
int lab_evtchn_pair_open(struct lab_evtchn_pair *e);
/* Close both files (their ports unbind); safe on a closed pair. */
void lab_evtchn_pair_close(struct lab_evtchn_pair *e);
/* Send an event on @tx; 0 or -errno. */
int lab_evtchn_send(struct lab_evtchn_pair *e);
/* Unbind @tx through the evtchn driver, keeping its file; 0 or -errno. */
int lab_evtchn_unbind_tx(struct lab_evtchn_pair *e);
/*
 * Wait up to @ms for an event on @rx and consume it: 1 if one came, 0 if
 * not, -1 on error. Events coalesce while pending: 1 is "at least one".
 */
int lab_evtchn_wait(struct lab_evtchn_pair *e, int ms);

/* ------------------------------------------------------------------------
 * Kernel log (lab-kmsg.c)
 */

/* Start watching /dev/kmsg from its end; -errno if it cannot be read. */
int lab_kmsg_open(void);
/*
 * Read the records logged since the last call; if one matches the lab's
 * crash patterns (LAB_CRASH_RE in lab-lib.sh), copy its text to @line and
 * return true.
 */
bool lab_kmsg_crash(char *line, size_t len);

/* ------------------------------------------------------------------------
 * Options shared by every program (lab-opt.c)
 */

/**
 * struct lab_opts - the options every lab program reads the same way
 * @seed: -s SEED; from the clock unless given (always printed).
 * @node: -d NODE, the gntdev device node.
 * @verbose: -v, how many times.
 *
 * --stock sets lab_stock: the driver under test is the in-tree one.
 */
struct lab_opts {
	__u64 seed;
	const char *node;
	unsigned int verbose;
};

/*
 * getopt_long() with the shared options added to @shortopts/@longopts
 * (which must not use s, d, v, h or "stock"; a leading '+' stops at the
 * first non-option, as getopt's does). Handles the shared ones
 * itself and returns the others as getopt_long() does; -1 at the end.
 */
int lab_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct lab_opts *o);
/* A whole number option argument; calls @usage if it is not one. */
unsigned long lab_num(const char *s, void (*usage)(void));

/* ------------------------------------------------------------------------
 * Random numbers (splitmix64: each thread or process its own state), time
 */

struct lab_rng {
	__u64 s;
};

static inline __u64 lab_rnd(struct lab_rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number below @n (0 if @n is 0). */
static inline __u32 lab_below(struct lab_rng *r, __u32 n)
{
	return n ? (__u32)(lab_rnd(r) % n) : 0;
}

/* Sleep @ms milliseconds, signals or not. */
static inline void lab_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Seconds on the monotonic clock. */
static inline double lab_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------
 * The random map/mmap/touch/munmap/unmap worker (lab-worker.c)
 */

/* What a worker is doing, for a kill's post-mortem. */
enum lab_wstage {
	LAB_WS_START, /* no gntdev call yet */
	LAB_WS_OPEN,
	LAB_WS_MAP,
	LAB_WS_MMAP,
	LAB_WS_TOUCH,
	LAB_WS_MUNMAP,
	LAB_WS_UNMAP,
	LAB_WS_COPY,
	LAB_WS_CLOSE,
	LAB_WS_NR
};

extern const char *const lab_wstage_name[LAB_WS_NR];

/* The most pages one step maps, and maps kept live between steps. */
#define LAB_WORKER_PAGES 8
#define LAB_WORKER_LIVE 3

/*
 * What a worker did; in shared memory when the worker is another process.
 * @stage is what it is doing now (enum lab_wstage); @err and @msg tell the
 * first failure (@err a positive errno, 0 for wrong data).
 */
struct lab_worker_stats {
	unsigned long steps, maps, mmaps, pages, writes, copies, getoffs;
	unsigned long unmaps, enospc;
	long held_max;
	volatile int stage;
	int failed;
	int err;
	char msg[200];
};

/* A map the worker holds: refs [@s, @s + @n), mmapped at @addr or not. */
struct lab_wlive {
	__u64 off;
	__u32 s;
	__u32 n;
	void *addr;
	bool writable;
};

/**
 * struct lab_worker - one worker's parameters and state
 * @fd: The gntdev file it uses.
 * @node: The node to open again after a close (NULL: the default).
 * @refs: The refs it maps, @nrefs of them (at least @max_pages).
 * @mem: Their pages on the granting side if this worker alone writes their
 *	scratch words (all but word 0): then writes are checked from both
 *	sides and copies go in as well as out. NULL: only written.
 * @max_pages: Pages one map has at most (1..LAB_WORKER_PAGES).
 * @max_live: Maps left live between steps at most (0..LAB_WORKER_LIVE).
 * @reopen: It may close @fd and open another (no one else uses @fd).
 * @rdonly: Only read-only mappings (@fd was opened O_RDONLY).
 * @may_enospc: ENOSPC from MAP is an answer, not a failure.
 * @held: Grants held by all the workers sharing @limit, or NULL.
 * @limit: Never more than this many held (with @held).
 * @st: Its stats, written as it goes.
 * @r: Its random state.
 */
struct lab_worker {
	int fd;
	const char *node;
	const __u32 *refs;
	volatile __u64 *mem;
	__u32 nrefs;
	__u32 max_pages;
	unsigned int max_live;
	bool reopen;
	bool rdonly;
	bool may_enospc;
	volatile long *held;
	long limit;
	struct lab_worker_stats *st;
	struct lab_rng r;
	/* private */
	struct lab_wlive live[LAB_WORKER_LIVE + 1];
	unsigned int nlive;
};

/* One random step; false (and the reason in @st) on a failure. */
bool lab_worker_step(struct lab_worker *w);
/*
 * Step until lab_now() reaches @deadline, *@stop is set, or a step fails;
 * on a failure set *@stop (if @stop) for the other workers, return false.
 */
bool lab_worker_run(struct lab_worker *w, double deadline, int *stop);
/* Add the counts of @s to @sum (held_max: the larger). */
void lab_worker_stats_add(struct lab_worker_stats *sum,
			  const struct lab_worker_stats *s);

#endif /* LAB_H */
