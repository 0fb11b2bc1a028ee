/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnttab.h - what the gnttab tool's command files share
 *
 * main() (gnttab.c) picks the command and sets gt_cmd; each command lives
 * in its own cmd-*.c and reports through the helpers here, so every
 * message has the same "gnttab: CMD: ..." shape and every failure one of
 * the three documented exit statuses.
 */
#ifndef GNTTAB_H
#define GNTTAB_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xengnttab.h>

#define GT_PAGE 4096U

/* Exit statuses; gnttab.1 documents them. */
#define GT_OK 0
#define GT_FAIL 1
#define GT_USAGE 2

/* Largest domain id accepted on the command line (grant copy's width). */
#define GT_DOMID_MAX 0xffffU

/* The command being run ("map", ...), for messages. */
extern const char *gt_cmd;

int gt_cmd_map(int argc, char **argv);
int gt_cmd_share(int argc, char **argv);
int gt_cmd_copy(int argc, char **argv);
int gt_cmd_list(int argc, char **argv);
int gt_cmd_bench(int argc, char **argv);

/* "gnttab: CMD: MSG\n" on stderr. */
void gt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "gnttab: CMD: MSG: strerror(err)[ (hint)]"; returns GT_FAIL. */
int gt_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A command-line mistake: the message and a pointer to --help; GT_USAGE. */
int gt_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints @text (a command's help) on stdout; returns GT_OK. */
int gt_help(const char *text);

/*
 * gt_getopt() - the next option of a command's arguments, parsed one way
 * for every command. @opts is getopt_long()'s table (at most 8 entries,
 * then a zeroed one); the short options are made from its letters (.val),
 * so a letter and its long name cannot drift apart. -h, --help is added:
 * it prints @help. A missing argument or an unknown option is a usage
 * error, printed as every command prints it. Options and operands may come
 * in any order.
 *
 * Return: the option's letter (optarg holds its argument); 0 after the
 * last option (optind then indexes the first operand); -1 when the command
 * must stop and return *@rc: GT_OK after the help, GT_USAGE after a usage
 * error.
 */
int gt_getopt(int argc, char **argv, const struct option *opts,
	      const char *help, int *rc);

/* Strict unsigned numbers: decimal or 0x-hex, nothing else, <= @max. */
bool gt_parse_u32(const char *s, uint32_t max, uint32_t *out);
/* The same for an argument named @what; a usage error on failure. */
int gt_arg_u32(const char *what, const char *s, uint32_t max, uint32_t *out);

/* The library's logger: silent unless -v was given. */
struct xentoollog_logger *gt_logger(void);
void gt_set_verbose(bool verbose);
void gt_logger_free(void);

/* Handles, with the failure reported (and a hint) when NULL. */
xengnttab_handle *gt_open_gnttab(void);
xengntshr_handle *gt_open_gntshr(void);

/*
 * Reads up to @cap bytes of @path ("-" for stdin) into @buf. *@more says
 * whether the file had bytes beyond @cap. Returns the count, or -1 with
 * errno set.
 */
ssize_t gt_read_file(const char *path, void *buf, size_t cap, bool *more);
/*
 * Reads @path ("-" for stdin) into a new buffer of @npages pages, for
 * --fill: before anything is mapped or shared, so a bad file costs no
 * grant. A file larger than the pages is an error, which names them
 * "the N @what pages". Returns the buffer (free() it), *@len the bytes
 * read, or NULL with the failure reported.
 */
void *gt_read_pages(const char *path, uint32_t npages, const char *what,
		    size_t *len);
/* Writes @buf to @path ("-" for stdout), created or truncated; 0 or -1. */
int gt_write_file(const char *path, const void *buf, size_t len);

/*
 * Holding a resource until told to stop: gt_hold_prepare() (before the
 * resource is created) blocks SIGINT, SIGTERM and SIGHUP, except those
 * already ignored, which stay ignored; gt_hold_wait() returns the first
 * that arrives.
 */
void gt_hold_prepare(sigset_t *set);
int gt_hold_wait(const sigset_t *set);

/*
 * The pattern `gnttab share` and `gnttab bench` put in their pages, so a
 * hexdump shows which page is which: the first 64 bytes of page P (1-based)
 * are "gnttab share: page P of N, ref R, domid D\n" padded with NULs, every
 * following 16-byte row is "gnttab page PPPP" (P in decimal, 4 digits).
 */
#define GT_PATTERN_HEAD 64U
void gt_pattern_fill(void *area, uint32_t npages, uint32_t domid,
		     const uint32_t *refs);
/* Whether @page (index @i of the area) holds its pattern rows. */
bool gt_pattern_ok(const void *page, uint32_t i);

/* Prints @len bytes as `hexdump -C` does; page starts are never folded. */
void gt_hexdump(const void *buf, size_t len);

#endif /* GNTTAB_H */
