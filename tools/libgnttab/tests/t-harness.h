/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * t-harness.h - a tiny test runner and a capturing xentoollog logger
 *
 * A test binary lists its cases in a struct t_case array and calls
 * t_run(). A failed T_* check prints "# file:line: what" and returns from
 * the case, which is reported "not ok"; t_run() prints one TAP-like line
 * per case and ends with "N passed, N failed". Checks may only be used in
 * the case function itself (they return from it).
 */
#ifndef T_HARNESS_H
#define T_HARNESS_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xentoollog.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

#define T_CASE(fn)      \
	{               \
#fn, fn \
	}

static bool t_case_failed;

static void __attribute__((format(printf, 3, 4)))
t_report(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	t_case_failed = true;
}

#define T_ASSERT(cond)                                                     \
	do {                                                               \
		if (!(cond)) {                                             \
			t_report(__FILE__, __LINE__, "failed: %s", #cond); \
			return;                                            \
		}                                                          \
	} while (0)

#define T_EQ(expected, got)                                                    \
	do {                                                                   \
		long long t_e = (long long)(expected);                         \
		long long t_g = (long long)(got);                              \
		if (t_e != t_g) {                                              \
			t_report(__FILE__, __LINE__,                           \
				 "%s: expected %lld (%#llx) got %lld (%#llx)", \
				 #got, t_e, (unsigned long long)t_e, t_g,      \
				 (unsigned long long)t_g);                     \
			return;                                                \
		}                                                              \
	} while (0)

/* A call that must fail with @err: NULL or -1 already checked by caller. */
#define T_ERRNO(err) T_EQ(err, errno)

/*
 * Run the cases whose name contains @filter (all if NULL) and print the
 * summary; returns main()'s exit status.
 */
static inline int t_run(const char *suite, const struct t_case *cases, size_t n,
			const char *filter)
{
	unsigned int passed = 0, failed = 0, num = 0;
	size_t i;

	printf("# %s\n", suite);
	for (i = 0; i < n; i++) {
		if (filter && !strstr(cases[i].name, filter))
			continue;
		t_case_failed = false;
		cases[i].fn();
		if (t_case_failed)
			failed++;
		else
			passed++;
		printf("%sok %u - %s\n", t_case_failed ? "not " : "", ++num,
		       cases[i].name);
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * A logger that records what the library tells it.
 */

struct t_logger {
	xentoollog_logger vtable; /* first: the library sees only this */
	pthread_mutex_t lock; /* protects the fields below */
	unsigned int count;
	xentoollog_level level;
	int errnoval;
	char context[32];
	char msg[512];
};

static void t_logger_vmessage(struct xentoollog_logger *logger,
			      xentoollog_level level, int errnoval,
			      const char *context, const char *format,
			      va_list al)
{
	struct t_logger *t = (struct t_logger *)logger;

	pthread_mutex_lock(&t->lock);
	t->count++;
	t->level = level;
	t->errnoval = errnoval;
	snprintf(t->context, sizeof(t->context), "%s", context ? context : "");
	vsnprintf(t->msg, sizeof(t->msg), format, al);
	pthread_mutex_unlock(&t->lock);
	/* A logger may clobber errno; the library must not pass that on. */
	errno = EBADMSG;
}

static void t_logger_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static inline void t_logger_init(struct t_logger *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->vtable.vmessage = t_logger_vmessage;
	t->vtable.destroy = t_logger_destroy;
}

static inline struct xentoollog_logger *t_xtl(struct t_logger *t)
{
	return &t->vtable;
}

static inline unsigned int t_logged(struct t_logger *t)
{
	unsigned int n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

#endif /* T_HARNESS_H */
