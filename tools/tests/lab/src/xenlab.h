/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the lab programs that run as root inside the Xen dom0:
 * a TAP-like reporter, error exits, and the Xen uapi headers made usable
 * from plain userspace.
 *
 * Everything is static so each program (one .c file each) gets its own copy
 * and the binaries stay self-contained.
 */
#ifndef XENLAB_H
#define XENLAB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/types.h>

/*
 * The linux-libc-dev copies of these headers use the Xen types without
 * defining them (the kernel gets them from xen/interface/).
 */
typedef __u32 grant_ref_t;
typedef __u16 domid_t;

#include <xen/gntdev.h>
#include <xen/gntalloc.h>
#include <xen/evtchn.h>

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

/* --- error exits -------------------------------------------------------- */

static inline void lab_vmsg(int err, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s (%s)", strerror(err),
			strerrorname_np(err) ?: "?");
	fputc('\n', stderr);
}

static inline void __attribute__((format(printf, 1, 2)))
lab_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_vmsg(0, fmt, ap);
	va_end(ap);
}

/* Print "prog: msg" and exit with @code. */
static inline void __attribute__((noreturn, format(printf, 2, 3)))
lab_die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	lab_vmsg(0, fmt, ap);
	va_end(ap);
	exit(code);
}

/* Like lab_die(), with ": strerror(errno) (ENAME)" appended. */
static inline void __attribute__((noreturn, format(printf, 2, 3)))
lab_die_errno(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	lab_vmsg(err, fmt, ap);
	va_end(ap);
	exit(code);
}

/* Short symbolic name of an errno value, for test output ("EINVAL"). */
static inline const char *lab_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* --- TAP-like reporter -------------------------------------------------- */

static unsigned int lab_tap_num;
static unsigned int lab_tap_passed;
static unsigned int lab_tap_failed;
/* What is running now, for the fatal-signal report. */
static const char *volatile lab_tap_current = "startup";

static inline void lab_tap_vline(bool ok, const char *reason, const char *fmt,
				 va_list ap)
{
	lab_tap_num++;
	if (ok)
		lab_tap_passed++;
	else
		lab_tap_failed++;
	printf("%sok %u - ", ok ? "" : "not ", lab_tap_num);
	vprintf(fmt, ap);
	if (!ok)
		printf(": %s", reason ? reason : "failed");
	putchar('\n');
	/* The console may die with us; never leave results in a buffer. */
	fflush(stdout);
}

static inline void __attribute__((format(printf, 1, 2)))
lab_pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_tap_vline(true, NULL, fmt, ap);
	va_end(ap);
}

static inline void __attribute__((format(printf, 2, 3)))
lab_fail(const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_tap_vline(false, reason, fmt, ap);
	va_end(ap);
}

/* Record one check; returns @cond so callers can stop on failure. */
static inline bool __attribute__((format(printf, 3, 4)))
lab_check(bool cond, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_tap_vline(cond, reason, fmt, ap);
	va_end(ap);
	return cond;
}

/* A diagnostic line that is not a test result. */
static inline void __attribute__((format(printf, 1, 2)))
lab_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Print the summary line; returns the exit status for main(). */
static inline int lab_tap_summary(void)
{
	printf("%u passed, %u failed\n", lab_tap_passed, lab_tap_failed);
	fflush(stdout);
	return lab_tap_failed || !lab_tap_passed ? 1 : 0;
}

/*
 * A broken driver tends to show up as SIGBUS/SIGSEGV on a mapping. Turn
 * that into a failed test and a summary instead of a bare crash, so the
 * lab log says which step died.
 */
static void lab_fatal_signal(int sig)
{
	char buf[512];
	int len;

	/* Not async-signal-safe, but we only ever leave through _exit(). */
	len = snprintf(buf, sizeof(buf),
		       "not ok %u - %s: killed by signal %d (%s)\n"
		       "%u passed, %u failed\n",
		       lab_tap_num + 1, lab_tap_current, sig, strsignal(sig),
		       lab_tap_passed, lab_tap_failed + 1);
	fflush(stdout);
	if (len > 0 && write(STDOUT_FILENO, buf, len) < 0)
		_exit(1);
	_exit(1);
}

static inline void lab_catch_fatal_signals(void)
{
	static const int sigs[] = { SIGBUS, SIGSEGV, SIGILL, SIGFPE };
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lab_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

#endif /* XENLAB_H */
