/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - assertions for the gntdev unit tests
 *
 * Each test is one binary with a plain main(). A failed assertion prints
 * "file:line: expression: expected X got Y" and exits T_EXIT_FAIL; main()
 * returns T_EXIT_PASS, or T_EXIT_SKIP only when a prerequisite is missing.
 */
#ifndef T_HARNESS_H
#define T_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

#define ASSERT_EQ(expected, got)                                               \
	t_assert_eq((unsigned long long)(expected), (unsigned long long)(got), \
		    #got, __FILE__, __LINE__)
#define ASSERT_TRUE(cond) ASSERT_EQ(1, !!(cond))
#define ASSERT_FALSE(cond) ASSERT_EQ(0, !!(cond))
#define ASSERT_PTR_EQ(expected, got)                                      \
	t_assert_eq((unsigned long long)(uintptr_t)(expected),            \
		    (unsigned long long)(uintptr_t)(got), #got, __FILE__, \
		    __LINE__)

static inline void t_assert_eq(unsigned long long expected,
			       unsigned long long got, const char *what,
			       const char *file, int line)
{
	if (expected == got)
		return;
	fprintf(stderr, "%s:%d: %s: expected %lld (%#llx) got %lld (%#llx)\n",
		file, line, what, (long long)expected, expected, (long long)got,
		got);
	exit(T_EXIT_FAIL);
}

#endif /* T_HARNESS_H */
