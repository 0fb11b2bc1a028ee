// SPDX-License-Identifier: LGPL-2.1-only
/*
 * xentools32.c - the libxentoollog and libxentoolcore calls libxengnttab
 * makes, for the i386 build of lab-libgnttab only.
 *
 * Debian builds no i386 Xen libraries (there is no libxen-dev:i386), yet
 * the library's lab test is to run as a 32-bit process on a 64-bit dom0,
 * where only the kernel's compat path differs.  These few functions do
 * what Xen's do for the library: a stdio logger with a minimum level, the
 * logging entry points, and the list of active handles that
 * xentoolcore_restrict_all() restricts by dup2()ing /dev/null over each
 * handle's descriptor.  The 64-bit lab build links Xen's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xentoollog.h>
#include <xentoolcore.h>

#include "private.h"

struct xentoollog_logger_stdiostream {
	xentoollog_logger vtable;
	FILE *f;
	xentoollog_level min_level;
};

static const char *const level_names[XTL_NUM_LEVELS] = {
	"none", "debug",  "verbose", "detail", "progress",
	"info", "notice", "warning", "error",  "critical",
};

const char *xtl_level_to_string(xentoollog_level level)
{
	if (level < 0 || level >= XTL_NUM_LEVELS)
		return "unknown";
	return level_names[level];
}

static void stdio_vmessage(xentoollog_logger *logger, xentoollog_level level,
			   int errnoval, const char *context,
			   const char *format, va_list al)
{
	xentoollog_logger_stdiostream *s = (void *)logger;

	if (level < s->min_level)
		return;
	if (context)
		fprintf(s->f, "%s: ", context);
	fprintf(s->f, "%s: ", xtl_level_to_string(level));
	vfprintf(s->f, format, al);
	if (errnoval >= 0)
		fprintf(s->f, ": %s", strerror(errnoval));
	fputc('\n', s->f);
	fflush(s->f);
}

static void stdio_destroy(xentoollog_logger *logger)
{
	free(logger);
}

xentoollog_logger_stdiostream *
xtl_createlogger_stdiostream(FILE *f, xentoollog_level min_level,
			     unsigned int flags)
{
	xentoollog_logger_stdiostream *s = calloc(1, sizeof(*s));

	(void)flags;
	if (!s)
		return NULL;
	s->vtable.vmessage = stdio_vmessage;
	s->vtable.destroy = stdio_destroy;
	s->f = f;
	s->min_level = min_level;
	return s;
}

void xtl_logger_destroy(xentoollog_logger *logger)
{
	if (logger && logger->destroy)
		logger->destroy(logger);
}

void xtl_logv(xentoollog_logger *logger, xentoollog_level level, int errnoval,
	      const char *context, const char *format, va_list al)
{
	int saved = errno;

	logger->vmessage(logger, level, errnoval, context, format, al);
	errno = saved;
}

void xtl_log(xentoollog_logger *logger, xentoollog_level level, int errnoval,
	     const char *context, const char *format, ...)
{
	va_list al;

	va_start(al, format);
	xtl_logv(logger, level, errnoval, context, format, al);
	va_end(al);
}

static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static Xentoolcore__Active_Handle *handles;

void xentoolcore__register_active_handle(Xentoolcore__Active_Handle *ah)
{
	pthread_mutex_lock(&handles_lock);
	ah->entry.le_next = handles;
	ah->entry.le_prev = &handles;
	if (handles)
		handles->entry.le_prev = &ah->entry.le_next;
	handles = ah;
	pthread_mutex_unlock(&handles_lock);
}

void xentoolcore__deregister_active_handle(Xentoolcore__Active_Handle *ah)
{
	pthread_mutex_lock(&handles_lock);
	*ah->entry.le_prev = ah->entry.le_next;
	if (ah->entry.le_next)
		ah->entry.le_next->entry.le_prev = ah->entry.le_prev;
	pthread_mutex_unlock(&handles_lock);
}

int xentoolcore__restrict_by_dup2_null(int fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int rc;

	if (null < 0)
		return -1;
	rc = dup2(null, fd) < 0 ? -1 : 0;
	close(null);
	return rc;
}

int xentoolcore_restrict_all(domid_t domid)
{
	Xentoolcore__Active_Handle *ah;
	int rc = 0;

	pthread_mutex_lock(&handles_lock);
	for (ah = handles; ah && !rc; ah = ah->entry.le_next)
		rc = ah->restrict_callback(ah, domid);
	pthread_mutex_unlock(&handles_lock);
	return rc;
}
