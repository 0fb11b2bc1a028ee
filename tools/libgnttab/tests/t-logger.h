/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * t-logger.h - a capturing xentoollog logger for the library's unit tests
 *
 * The library's tests check its logging contract ("Logs errors." logs
 * once per failure, "Never logs." never): this logger counts what the
 * library tells it and keeps the last message. The cases and checks are
 * the shared harness's (tools/tests/include/t-harness.h).
 */
#ifndef T_LOGGER_H
#define T_LOGGER_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xentoollog.h>

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

#endif /* T_LOGGER_H */
