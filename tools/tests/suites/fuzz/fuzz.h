/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fuzzer's supervisor (gntdev-fuzz.c) and its executor
 * (fuzz-exec.c) share: the operations of an episode, the pool of granted
 * pages, and the report the executor leaves in shared memory.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "lab.h"

#define PG LAB_PAGE_SIZE
#define WORDS LAB_PAGE_WORDS

#define POOL 32 /* granted pages */
#define MAX_OPS 2000

/* Executor exit codes. */
#define XC_OK 0
#define XC_ORACLE 3

/* Only random numbers: the executor decides what they mean. */
struct op {
	__u8 type, a, b, c;
	__u32 x, y;
};

/*
 * Each kind of operation (struct op's type indexes op_kinds[]): its name,
 * how often it comes up, and what the executor does for it. OPEN is the
 * first; episodes start with it.
 */
struct op_kind {
	const char *name;
	unsigned char weight;
	void (*run)(const struct op *o);
};

#define OP_OPEN 0
#define OP_NR 15
extern const struct op_kind op_kinds[OP_NR];

/* What the executor reports to the supervisor (shared memory). */
struct xreport {
	int ops_done;
	volatile int cur; /* operation running now */
	int fail_op;
	char kind[64];
	char msg[256];
	char desc[MAX_OPS][96];
};

/* The grants every episode uses; granted until the supervisor exits. */
extern struct lab_pool fz_pool;
/* -s, -d, -v and --stock (lab_stock). */
extern struct lab_opts fz_opts;
extern struct xreport *fz_rep;

/*
 * Run the operations of @ops (@n of them) whose @keep is set, in this
 * process, reporting in fz_rep; exit as they leave things: XC_OK, or
 * XC_ORACLE when one did what the ABI forbids.
 */
void __attribute__((noreturn))
executor(const struct op *ops, const bool *keep, unsigned int n);

#endif /* FUZZ_H */
