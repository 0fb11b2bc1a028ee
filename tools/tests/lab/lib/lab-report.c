// SPDX-License-Identifier: GPL-2.0
/*
 * lab-report.c - how a lab program reports: TAP-like result lines, notes,
 * stock findings, a summary, and error exits. Results go to stdout and are
 * flushed at once, as the console may die with the program.
 */
#include "lab.h"

unsigned int lab_tap_num;
unsigned int lab_tap_passed;
unsigned int lab_tap_failed;
const char *volatile lab_tap_current = "startup";
bool lab_stock;
unsigned int lab_findings;

/* ------------------------------------------------------------------------
 * Error exits
 */

static void lab_vmsg(int err, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s (%s)", strerror(err), lab_errname(err));
	fputc('\n', stderr);
}

void lab_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_vmsg(0, fmt, ap);
	va_end(ap);
}

void lab_die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	lab_vmsg(0, fmt, ap);
	va_end(ap);
	exit(code);
}

void lab_die_errno(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	lab_vmsg(err, fmt, ap);
	va_end(ap);
	exit(code);
}

const char *lab_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

const char *lab_retname(int ret)
{
	return ret ? lab_errname(-ret) : "success";
}

const char *lab_errwhy(const char *what, int err)
{
	static char why[256];

	snprintf(why, sizeof(why), "%s: %s (%s)", what, lab_errname(err),
		 strerror(err));
	return why;
}

/* ------------------------------------------------------------------------
 * Results
 */

static void lab_tap_vline(bool ok, const char *reason, const char *fmt,
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
	fflush(stdout);
}

bool lab_check(bool cond, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lab_tap_vline(cond, reason, fmt, ap);
	va_end(ap);
	return cond;
}

bool lab_expect(bool cond, const char *reason, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (cond || !lab_stock) {
		lab_tap_vline(cond, reason, fmt, ap);
		va_end(ap);
		return cond;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lab_finding("%s: %s", msg, reason ? reason : "failed");
	return false;
}

void lab_finding(const char *fmt, ...)
{
	va_list ap;

	lab_findings++;
	fputs("# FINDING stock: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void lab_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int lab_tap_summary(void)
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

void lab_catch_fatal_signals(void)
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
