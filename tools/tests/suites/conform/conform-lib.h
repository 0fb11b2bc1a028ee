/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conform-lib.h - shared by the parts of gntdev-conform, the conformance
 * suite that runs one binary against the stock xen-gntdev and against ours.
 *
 * Every case runs in a child process of its own and describes what it saw
 * in one short, stable string (its "observation": "ok", "EINVAL",
 * "ok active=3,0" ...). The runner in gntdev-conform.c prints it as a
 * "CASE name: observation" line, which is what gets diffed between the two
 * drivers, and compares it with the expectation in the case table. So the
 * cases themselves only act and observe; they never print verdicts, and
 * they never put addresses, timings or other run-dependent values into an
 * observation.
 *
 * The grants come from a pool that the runner allocates through gntalloc
 * (domid 0: dom0 grants to itself) before the first case and maps into its
 * own address space, so every case can check data from the granting side.
 *
 * Everything that is not about cases and observations is the lab
 * library's (lab.h): the gntdev calls, the pool, the grant-table probe,
 * event channels, the reporter, options. The short names below
 * (map_pool, set_notify, gmmap ...) are the case tables' vocabulary, each
 * a thin layer over the library call of the same meaning.
 */
#ifndef CONFORM_LIB_H
#define CONFORM_LIB_H

#include "lab.h"

#include <sys/mman.h>

#define CONFORM_PAGE LAB_PAGE_SIZE

/* Longest observation, including the NUL. */
#define CONFORM_OBS_MAX 256

/**
 * struct conform_case - one entry of a group's case table
 * @name: Stable case name, the key of the CASE line.
 * @run: The case; runs in its own child process and records what it saw
 *	with obs(). Returning (or obs_end()) ends the case.
 * @arg: Passed to @run (a page count, a variant number).
 * @ours: The observation our driver must produce.
 * @stock: What the stock driver is known to produce instead, if it differs
 *	(NULL: the same as @ours; "*": anything). In a --stock run a case
 *	that matches @stock passes and is listed as a stock finding.
 * @need: Pool pages the case uses; it is skipped if the pool is smaller.
 * @timeout: Seconds before the child is killed; 0 means the default.
 * @bad_input: The case makes a malformed request; docs/bad-inputs.md
 *	lists it (conform/mkdoc.py) and the run counts it.
 */
struct conform_case {
	const char *name;
	void (*run)(unsigned int arg);
	unsigned int arg;
	const char *ours;
	const char *stock;
	unsigned int need;
	unsigned int timeout;
	bool bad_input;
};

/*
 * A table entry; the optional tail sets the other fields by name:
 * CONFORM_CASE("map-count-0", case_map_count, 0, "EINVAL", .need = 1).
 */
#define CONFORM_CASE(n, fn, a, want, ...)                             \
	{                                                             \
		.name = (n), .run = (fn), .arg = (a), .ours = (want), \
		__VA_ARGS__                                           \
	}

/*
 * A group of cases. @by_default: run without -g (danger is not: it
 * crashes the stock kernel). @bad_inputs: every case is a bad input.
 */
struct conform_group {
	const char *name;
	const struct conform_case *cases;
	unsigned int ncases;
	bool by_default;
	bool bad_inputs;
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The group @var, named @gname, of its file's cases[]; the optional tail
 * sets its flags: CONFORM_GROUP(conform_data, "data", .by_default = true).
 */
#define CONFORM_GROUP(var, gname, ...)                                  \
	const struct conform_group var = { .name = (gname),             \
					   .cases = cases,              \
					   .ncases = ARRAY_SIZE(cases), \
					   __VA_ARGS__ }

extern const struct conform_group conform_data, conform_errors,
	conform_lifecycle, conform_scale, conform_dmabuf, conform_notify,
	conform_copy, conform_danger, conform_regress;

/**
 * struct conform_pool - the self-granted pages every case maps
 * @rw: The lab pool of writable grants (lab_pool_alloc()).
 * @ro: The lab pool of read-only grants (granted without
 *	GNTALLOC_FLAG_WRITABLE).
 * @n: Number of writable grants the cases may use: pool page i is
 *	grant @refs[i], whose granter's view is @page[i].
 * @total: Number allocated; pages [@n, @total) are spares.
 * @retired: Spares used up: a grant that a failed case left mapped is
 *	swapped with a spare, so that the leak does not spill into the
 *	following cases' data and grant counts.
 * @refs: Grant references, @total of them (@rw's, reordered by retiring).
 * @page: The pages as the granter sees them (gntalloc's mmap).
 * @ro_mem: @ro's pages, granter's view (writable for the granter).
 */
struct conform_pool {
	struct lab_pool rw;
	struct lab_pool ro;
	unsigned int n;
	unsigned int total;
	unsigned int retired;
	__u32 *refs;
	unsigned char **page;
	unsigned char *ro_mem;
};

extern struct conform_pool pool;
/* The gntdev node under test (-d). */
extern const char *gntdev_node;
/* Where obs() writes: shared memory the runner reads after the child. */
extern char *conform_obs;
/* argv[0] of the running program, to exec ourselves in a child. */
extern const char *conform_self;

/* --- observations and notes ---------------------------------------------- */

/* Append a space-separated token to the current observation. */
void obs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* obs(), then end the case here (the child exits; the kernel cleans up). */
void obs_end(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/* A "# " diagnostic line; never part of what is diffed. */
#define note(...) lab_note(__VA_ARGS__)
/*
 * End the case if @ret (0 or -errno) is an error, observing what failed
 * and how: must(ret, "map#%u", 12) ends it with "map#12=ENOSPC".
 */
void must(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* calloc(), but ends the case ("out-of-memory") if it fails. */
void *must_calloc(size_t n, size_t size);
/* "ok" for 0, else the errno's name ("EINVAL"); @err may be negative. */
const char *ename(int err);
/* "ok" for 0, else the signal's name ("SIGSEGV"). */
const char *sname(int sig);

/* --- gntdev calls, each returning 0 or -errno (lab-gntdev.c) ----------- */

/* Open the gntdev node (-d); ends the case if that fails. */
int gopen(void);

/* Like lab_map(), but ends the case ("map=ERR") if it fails. */
__u64 must_map_refs(int fd, const __u32 *refs, unsigned int n, __u32 domid);
/* MAP pool refs [first, first + n) of domain 0. */
int map_pool(int fd, unsigned int first, unsigned int n, __u64 *index);
/* Like map_pool(), but ends the case ("map=ERR") if it fails. */
__u64 must_map_pool(int fd, unsigned int first, unsigned int n);

static inline int set_notify(int fd, __u64 index, __u32 action, __u32 port)
{
	return lab_set_unmap_notify(fd, index, action, port);
}

/* mmap() @n pages of @fd at @index; MAP_FAILED with errno on failure. */
static inline void *gmmap(int fd, __u64 index, unsigned int n, int prot,
			  int flags)
{
	void *p = lab_mmap(NULL, n, prot, flags, fd, index);

	return p ? p : MAP_FAILED;
}

/*
 * mmap @n pages of @fd at @index and munmap them again: "ok", or the
 * errno's name if the mmap failed.
 */
const char *try_mmap(int fd, __u64 index, unsigned int n, int prot, int flags);
/* Like gmmap(MAP_SHARED), but ends the case ("mmap=ERR") if it fails. */
void *must_gmmap(int fd, __u64 index, unsigned int n, int prot);
/* Reserve @n pages of address space (PROT_NONE) for MAP_FIXED games. */
void *reserve_va(unsigned int n);
/*
 * A pointer @tail bytes before the end of a zeroed, writable page that is
 * followed by an inaccessible one: an argument that runs past @tail bytes
 * faults (guarded(0): it faults at its first byte).
 */
void *guarded(size_t tail);
/* Make the page at @p read-only; ends the case ("mprotect=ERR") if not. */
void read_only(void *p);
/*
 * The case of every "...-bad-arg" entry: ioctl @cmd on a fresh file with
 * an argument that faults at its first byte; observes the errno.
 */
void case_bad_arg(unsigned int cmd);
/*
 * pool_fill(0, @n, @seed), then MAP pool pages [0, n) and mmap them
 * read-write; returns the mapping, the map's offset in @index. Ends the
 * case if a step fails.
 */
void *map_filled(int fd, unsigned int n, __u32 seed, __u64 *index);
/*
 * fork() with stdout flushed first (no line printed twice); ends the case
 * ("fork=ERR") if it fails.
 */
pid_t must_fork(void);

/*
 * Map pool page @first, mmap it read-write and vmsplice() it into a new
 * pipe @pp, which then holds the page; ends the case if a step fails.
 * Returns the mapping's address; the map's offset in @index.
 */
void *vmsplice_pool(int fd, unsigned int first, __u64 *index, int pp[2]);
/* Read the page @pp holds, observe "data=" against @seed, close @pp. */
void pipe_verify(int pp[2], unsigned int first, __u32 seed);

/* Junk a segment's status starts with; the driver must overwrite it. */
#define STATUS_JUNK 0x7ead
/*
 * A GRANT_COPY segment of @len bytes from grant @ref of domain 0 (at @off)
 * into local @dst, or from local @src into it; the status STATUS_JUNK.
 */
void seg_from_ref(struct gntdev_grant_copy_segment *sg, __u32 ref, __u16 off,
		  void *dst, __u16 len);
void seg_to_ref(struct gntdev_grant_copy_segment *sg, void *src, __u32 ref,
		__u16 off, __u16 len);

/* --- dma-buf exports and imports ------------------------------------------ */

/*
 * EXP_FROM_REFS of @count @refs (NULL: zeroes) of @domid with @flags; the
 * new dma-buf's fd in @dfd, or closed if @dfd is NULL. 0 or -errno.
 */
int exp_refs(int fd, __u32 flags, __u32 count, __u32 domid, const __u32 *refs,
	     int *dfd);
/* Export pool pages [first, first + n) of dom0. */
int exp_pool(int fd, unsigned int first, unsigned int n, int *dfd);
/* IMP_TO_REFS of @count pages of @dfd for @domid; the refs in @refs. */
int imp(int fd, int dfd, __u32 count, __u32 domid, __u32 *refs);

/* --- data patterns ------------------------------------------------------ */

/* Fill pool pages [first, first + n) from the granting side. */
void pool_fill(unsigned int first, unsigned int n, __u32 seed);
/* Fill @p (a mapping of pool pages [first, first + n)) through it. */
void fill_at(void *p, unsigned int first, unsigned int n, __u32 seed);
/* Check a mapping of pool pages [first, first + n) against the pattern. */
bool verify_at(const void *p, unsigned int first, unsigned int n, __u32 seed);
/* Check the granting side of pool pages [first, first + n). */
bool pool_verify(unsigned int first, unsigned int n, __u32 seed);
/* Same, for the read-only pool. */
void ro_fill(unsigned int first, unsigned int n, __u32 seed);
bool ro_verify_at(const void *p, unsigned int first, unsigned int n,
		  __u32 seed);

/*
 * Touch one byte of @p (and write the same value back if @write) with
 * SIGSEGV/SIGBUS caught. Returns 0 or the signal that hit.
 */
int probe(void *p, bool write);

/* --- grant-table state, from Xen's 'g' debug key ------------------------- */

/*
 * Number of pool refs [first, first + n) that some domain has mapped now
 * (active entries), or -1 if no grant-table dump could be had.
 */
int active_refs(unsigned int first, unsigned int n);
/*
 * Fill @idx with up to @max usable pool pages whose grant is mapped now;
 * returns how many there are, or -1 without a dump.
 */
int active_pool_pages(unsigned int *idx, unsigned int max);
/*
 * Poll active_refs() for up to @ms milliseconds until it equals @want
 * (unmaps may complete asynchronously); returns the last count.
 */
int wait_active(unsigned int first, unsigned int n, int want, unsigned int ms);
/* The same for all usable pool refs, writable and read-only. */
int wait_active_pool(int want, unsigned int ms);

/* --- misc ----------------------------------------------------------------- */

/*
 * Fork a holder that runs @setup(@arg) and, if that returns 0, stops
 * itself (SIGSTOP) with what it set up still held: returns its pid once it
 * has stopped. If it exits instead, returns -1 with its exit code (what
 * @setup returned; -1 if a signal killed it) in *@code.
 */
pid_t fork_holder(int (*setup)(void *), void *arg, int *code);
/* Send a holder @sig (SIGCONT: it exits 0) and reap it; its wait status. */
int end_holder(pid_t pid, int sig);
/* Run @fn(@arg) in a child with a deadline; its exit code, or 128+sig. */
int in_child(int (*fn)(void *), void *arg);
/*
 * Run this program again as "gntdev-conform MODE ARG" in a child that
 * execs (an address space of its own, the files that are not O_CLOEXEC),
 * with ARG made from @fmt; its first line of output in @out.
 */
void conform_exec_run(char *out, size_t len, const char *mode, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
/*
 * The exec'd halves: main() hands them ARG. --exec-child: the fork+exec
 * case (conform-lifecycle.c); --exec-get-offset: a passed file
 * (conform-errors.c).
 */
int conform_exec_child(const char *arg);
int conform_exec_get_offset(const char *arg);

/*
 * The next number of a deterministic sequence from @state (the lab's
 * splitmix64, folded to 32 bits), so both drivers see the same sequence.
 */
static inline __u32 prng(__u32 *state)
{
	struct lab_rng r = { .s = *state };
	__u64 v = lab_rnd(&r);

	*state = (__u32)r.s;
	return (__u32)(v >> 32);
}

#endif /* CONFORM_LIB_H */
