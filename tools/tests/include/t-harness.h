/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * t-harness.h - cases, checks and a report for every user-space unit test
 *
 * Shared by the driver core's tests (tools/tests/unit) and the library's
 * (tools/libgnttab/tests); tools/tests/run-tests.sh runs the binaries.
 *
 * A test binary lists its cases in a struct t_case array and returns
 * t_run() from main(). A failed T_* check prints "#   file:line: what"
 * and ends the case, which is reported "not ok"; the other cases still
 * run. t_run() prints "# SUITE", one TAP-like line per case and ends with
 * "N passed, N failed"; it returns main()'s exit status: T_EXIT_PASS, or
 * T_EXIT_FAIL when a case failed. A binary returns T_EXIT_SKIP only when
 * a prerequisite is missing.
 *
 * Checks may be used in a case and in the helpers it calls, in the thread
 * that runs the case (a failed check jumps back to t_run()); outside
 * t_run() a failed check exits with T_EXIT_FAIL.
 *
 * The lab's programs, which report each check of a longer run rather than
 * cases, print the same lines with the lab library's reporter
 * (tools/tests/lab/lib/lab-report.c).
 */
#ifndef T_HARNESS_H
#define T_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

struct t_case {
	const char *name;
	void (*fn)(void);
};

#define T_CASE(fn)      \
	{               \
#fn, fn \
	}

#define T_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool t_case_failed;
static bool t_in_case; /* t_case_env is set: a failure ends the case */
static jmp_buf t_case_env;

/* Reports a failed check at @file:@line and ends the case (or the test). */
static void __attribute__((format(printf, 3, 4), noreturn, unused))
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	t_case_failed = true;
	if (t_in_case)
		longjmp(t_case_env, 1);
	exit(T_EXIT_FAIL);
}

#define T_ASSERT(cond)                                                   \
	do {                                                             \
		if (!(cond))                                             \
			t_fail(__FILE__, __LINE__, "failed: %s", #cond); \
	} while (0)

#define T_EQ(expected, got)                                                  \
	do {                                                                 \
		long long t_e = (long long)(expected);                       \
		long long t_g = (long long)(got);                            \
		if (t_e != t_g)                                              \
			t_fail(__FILE__, __LINE__,                           \
			       "%s: expected %lld (%#llx) got %lld (%#llx)", \
			       #got, t_e, (unsigned long long)t_e, t_g,      \
			       (unsigned long long)t_g);                     \
	} while (0)

#define T_PTR_EQ(expected, got)                                              \
	do {                                                                 \
		const void *t_e = (expected);                                \
		const void *t_g = (got);                                     \
		if (t_e != t_g)                                              \
			t_fail(__FILE__, __LINE__, "%s: expected %p got %p", \
			       #got, t_e, t_g);                              \
	} while (0)

/* A call that must fail with @err: NULL or -1 already checked by caller. */
#define T_ERRNO(err) T_EQ(err, errno)

/* Runs one case; whether it passed. */
static inline bool t_run_case(void (*fn)(void))
{
	t_case_failed = false;
	if (!setjmp(t_case_env)) {
		t_in_case = true;
		fn();
	}
	t_in_case = false;
	return !t_case_failed;
}

/*
 * Run the cases whose name contains @filter (all if NULL), each reported
 * "ok N - NAME" or "not ok N - NAME", and print the summary; returns
 * main()'s exit status.
 */
static inline int t_run(const char *suite, const struct t_case *cases, size_t n,
			const char *filter)
{
	unsigned int passed = 0, failed = 0;
	size_t i;
	bool ok;

	printf("# %s\n", suite);
	for (i = 0; i < n; i++) {
		if (filter && !strstr(cases[i].name, filter))
			continue;
		ok = t_run_case(cases[i].fn);
		if (ok)
			passed++;
		else
			failed++;
		printf("%sok %u - %s\n", ok ? "" : "not ", passed + failed,
		       cases[i].name);
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	fflush(stdout);
	return failed || !passed ? T_EXIT_FAIL : T_EXIT_PASS;
}

#endif /* T_HARNESS_H */
