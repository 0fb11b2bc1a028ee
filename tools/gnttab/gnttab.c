// SPDX-License-Identifier: GPL-2.0
/*
 * gnttab.c - the gnttab tool: command dispatch and the shared helpers
 *
 * gnttab maps, shares and copies Xen grant references through
 * libxengnttab, and renders the gntdev driver's debugfs state. This file
 * parses the global options, runs one command (cmd-*.c) and provides what
 * they share: messages, number parsing, file I/O, signal holding, the page
 * pattern and the hexdump. See gnttab.1 for the user's view.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xentoollog.h>

#include "gnttab.h"

#ifndef GNTTAB_VERSION
#define GNTTAB_VERSION "unknown"
#endif

const char *gt_cmd = "";

static bool gt_verbose;
static xentoollog_logger_stdiostream *gt_log;

static const char gt_main_help[] =
	"Usage: gnttab [-v] COMMAND [ARGS...]\n"
	"       gnttab --help | --version | help [COMMAND]\n"
	"Map, share and copy Xen grant references, and show who holds them.\n"
	"\n"
	"Commands:\n"
	"  map DOMID REF... [--ro] [--hexdump | --write FILE] [--fill FILE] [--hold]\n"
	"        map the grants as one area; show, save or fill it; unmap\n"
	"  share DOMID NPAGES [--ro] [--oneline] [--fill FILE]\n"
	"        grant new pages to DOMID, print their refs, hold until a signal\n"
	"  copy DOMID REF [--offset N] [--len N] (--from FILE | --to FILE)\n"
	"        grant copy into or out of one grant, without mapping it\n"
	"  list [--raw] [--state FILE]\n"
	"        who holds which grants (needs the gntdev project's driver)\n"
	"  bench [--pages N] [--iter N] [--domid D]\n"
	"        time map/unmap cycles through the library\n"
	"\n"
	"Options:\n"
	"  -v, --verbose  also show libxengnttab's own log messages\n"
	"  -h, --help     this help; 'gnttab COMMAND --help' for one command\n"
	"  -V, --version  print the version\n"
	"\n"
	"Numbers are decimal or 0x-prefixed hexadecimal. A FILE of '-' is\n"
	"standard input or output.\n"
	"Exit status: 0 success, 1 the operation failed, 2 usage error.\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} gt_cmds[] = {
	{ "map", gt_cmd_map },	   { "share", gt_cmd_share },
	{ "copy", gt_cmd_copy },   { "list", gt_cmd_list },
	{ "bench", gt_cmd_bench },
};

static void gt_vmsg(const char *fmt, va_list ap)
{
	fputs("gnttab: ", stderr);
	if (*gt_cmd)
		fprintf(stderr, "%s: ", gt_cmd);
	vfprintf(stderr, fmt, ap);
}

void gt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gt_vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int gt_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gt_vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	return GT_FAIL;
}

int gt_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gt_vmsg(fmt, ap);
	va_end(ap);
	if (*gt_cmd)
		fprintf(stderr, "\nTry 'gnttab %s --help'.\n", gt_cmd);
	else
		fputs("\nTry 'gnttab --help'.\n", stderr);
	return GT_USAGE;
}

int gt_help(const char *text)
{
	fputs(text, stdout);
	return fflush(stdout) ? GT_FAIL : GT_OK;
}

bool gt_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	unsigned int base = 10, d;
	const char *p = s;

	/* No sign, blanks or octal: strtoul() would take all three. */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

int gt_arg_u32(const char *what, const char *s, uint32_t max, uint32_t *out)
{
	if (gt_parse_u32(s, max, out))
		return GT_OK;
	return gt_usage("invalid %s '%s' (a number from 0 to %u)", what, s,
			max);
}

/* Options a command may have besides -h, --help. */
#define GT_MAX_OPTS 8

/*
 * gt_getopt() with getopt_long()'s optstring prefix @mode: ":" for a
 * command (options and operands in any order), "+:" for gnttab itself
 * (its options end at the command's name).
 */
static int gt_getopt_mode(const char *mode, int argc, char **argv,
			  const struct option *opts, const char *help, int *rc)
{
	static const struct option help_opt = { "help", no_argument, NULL,
						'h' };
	struct option all[GT_MAX_OPTS + 2] = { { 0 } };
	char letters[2 * GT_MAX_OPTS + 4];
	size_t n, k;
	int c;

	k = strlen(mode);
	memcpy(letters, mode, k);
	for (n = 0; opts[n].name; n++) {
		if (n == GT_MAX_OPTS)
			abort(); /* a command with more: raise GT_MAX_OPTS */
		all[n] = opts[n];
		letters[k++] = (char)opts[n].val;
		if (opts[n].has_arg == required_argument)
			letters[k++] = ':';
	}
	all[n] = help_opt;
	letters[k++] = 'h';
	letters[k] = '\0';

	opterr = 0;
	c = getopt_long(argc, argv, letters, all, NULL);
	switch (c) {
	case -1:
		return 0;
	case 'h':
		*rc = gt_help(help);
		return -1;
	case ':':
		*rc = gt_usage("option '%s' needs an argument",
			       argv[optind - 1]);
		return -1;
	case '?':
		*rc = gt_usage("unknown option '%s'", argv[optind - 1]);
		return -1;
	default:
		return c;
	}
}

int gt_getopt(int argc, char **argv, const struct option *opts,
	      const char *help, int *rc)
{
	return gt_getopt_mode(":", argc, argv, opts, help, rc);
}

void gt_set_verbose(bool verbose)
{
	gt_verbose = verbose;
}

struct xentoollog_logger *gt_logger(void)
{
	if (!gt_log) {
		/* Errors reach the user through gt_fail(), once. */
		gt_log = xtl_createlogger_stdiostream(
			stderr, gt_verbose ? XTL_DEBUG : XTL_NUM_LEVELS, 0);
	}
	return (struct xentoollog_logger *)gt_log;
}

void gt_logger_free(void)
{
	xtl_logger_destroy((struct xentoollog_logger *)gt_log);
	gt_log = NULL;
}

static const char *gt_open_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return " (is the driver loaded and is this a Xen domain?)";
	case EACCES:
	case EPERM:
		return " (run as root)";
	default:
		return "";
	}
}

xengnttab_handle *gt_open_gnttab(void)
{
	xengnttab_handle *xgt = xengnttab_open(gt_logger(), 0);
	int err = errno;

	if (!xgt)
		gt_err("xengnttab_open (/dev/xen/gntdev): %s%s", strerror(err),
		       gt_open_hint(err));
	return xgt;
}

xengntshr_handle *gt_open_gntshr(void)
{
	xengntshr_handle *xgs = xengntshr_open(gt_logger(), 0);
	int err = errno;

	if (!xgs)
		gt_err("xengntshr_open (/dev/xen/gntalloc): %s%s",
		       strerror(err), gt_open_hint(err));
	return xgs;
}

ssize_t gt_read_file(const char *path, void *buf, size_t cap, bool *more)
{
	bool std = !strcmp(path, "-");
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;
	char extra;
	int err;

	if (fd < 0)
		return -1;
	*more = false;
	while (got <= cap) {
		/* One byte past @cap tells a file that does not fit. */
		if (got == cap)
			n = read(fd, &extra, 1);
		else
			n = read(fd, (char *)buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got == cap) {
			*more = true;
			break;
		}
		got += n;
	}
	err = errno;
	if (!std)
		close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	return got;
}

void *gt_read_pages(const char *path, uint32_t npages, const char *what,
		    size_t *len)
{
	size_t cap = (size_t)npages * GT_PAGE;
	void *buf = malloc(cap);
	bool more;
	ssize_t n;

	if (!buf) {
		gt_fail(errno, "allocating %zu bytes", cap);
		return NULL;
	}
	n = gt_read_file(path, buf, cap, &more);
	if (n < 0) {
		gt_fail(errno, "%s", path);
	} else if (more) {
		gt_err("%s: larger than the %u %s pages (%zu bytes)", path,
		       npages, what, cap);
	} else {
		*len = n;
		return buf;
	}
	free(buf);
	return NULL;
}

int gt_write_file(const char *path, const void *buf, size_t len)
{
	bool std = !strcmp(path, "-");
	int fd = std ? STDOUT_FILENO :
		       open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0666);
	const char *p = buf;
	ssize_t n;
	int err;

	if (fd < 0)
		return -1;
	if (std && fflush(stdout))
		return -1;
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		p += n;
		len -= n;
	}
	err = errno;
	if (!std && close(fd) && !len)
		return -1;
	if (len) {
		errno = err;
		return -1;
	}
	return 0;
}

static void gt_wake(int sig)
{
	(void)sig;
}

void gt_hold_prepare(sigset_t *set)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = gt_wake }, old;
	unsigned int i;

	sigemptyset(set);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* Ignored by the caller (nohup, a script's & job): keep it so. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		/* A handler, so that the signal is delivered to sigwait(). */
		sigaction(sigs[i], &sa, NULL);
		sigaddset(set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, set, NULL);
}

int gt_hold_wait(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig))
		;
	return sig;
}

void gt_pattern_fill(void *area, uint32_t npages, uint32_t domid,
		     const uint32_t *refs)
{
	char row[17];
	uint32_t i, off;
	char *page;

	for (i = 0; i < npages; i++) {
		page = (char *)area + (size_t)i * GT_PAGE;
		memset(page, 0, GT_PATTERN_HEAD);
		snprintf(page, GT_PATTERN_HEAD,
			 "gnttab share: page %u of %u, ref %u, domid %u\n",
			 i + 1, npages, refs[i], domid);
		snprintf(row, sizeof(row), "gnttab page %04u", (i + 1) % 10000);
		for (off = GT_PATTERN_HEAD; off < GT_PAGE; off += 16)
			memcpy(page + off, row, 16);
	}
}

bool gt_pattern_ok(const void *page, uint32_t i)
{
	const volatile char *p = page;
	const uint32_t rows[] = { GT_PATTERN_HEAD, GT_PAGE - 16 };
	char row[17];
	uint32_t r, k;

	snprintf(row, sizeof(row), "gnttab page %04u", (i + 1) % 10000);
	/* The first and last rows: enough to tell a page from another. */
	for (r = 0; r < 2; r++)
		for (k = 0; k < 16; k++)
			if (p[rows[r] + k] != row[k])
				return false;
	return true;
}

static void gt_hexrow(const unsigned char *b, size_t off, size_t n)
{
	size_t i;

	printf("%08zx ", off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < n)
			printf(" %02x", b[i]);
		else
			fputs("   ", stdout);
	}
	fputs("  |", stdout);
	for (i = 0; i < n; i++)
		putchar(isprint(b[i]) && b[i] < 0x7f ? b[i] : '.');
	fputs("|\n", stdout);
}

void gt_hexdump(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	bool folded = false;
	size_t off, n;

	for (off = 0; off < len; off += 16) {
		n = len - off < 16 ? len - off : 16;
		/* Fold repeats as hexdump -C does, but show each page start. */
		if (off % GT_PAGE && n == 16 &&
		    !memcmp(b + off, b + off - 16, 16)) {
			if (!folded)
				puts("*");
			folded = true;
			continue;
		}
		folded = false;
		gt_hexrow(b + off, off, n);
	}
	printf("%08zx\n", len);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	char *hargv[] = { NULL, "--help", NULL };
	const char *name;
	bool help = false;
	unsigned int i;
	int c, rc;

	/* "+": stop at the command; its own options are its own. */
	while ((c = gt_getopt_mode("+:", argc, argv, opts, gt_main_help, &rc)) >
	       0) {
		switch (c) {
		case 'V':
			printf("gnttab %s (gntdev project)\n", GNTTAB_VERSION);
			return fflush(stdout) ? GT_FAIL : GT_OK;
		case 'v':
			gt_set_verbose(true);
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind >= argc)
		return gt_usage("no command given");
	name = argv[optind];
	/* "gnttab help map" is "gnttab map --help". */
	if (!strcmp(name, "help")) {
		if (optind + 1 >= argc)
			return gt_help(gt_main_help);
		name = argv[optind + 1];
		help = true;
	}
	for (i = 0; i < sizeof(gt_cmds) / sizeof(gt_cmds[0]); i++) {
		if (strcmp(name, gt_cmds[i].name))
			continue;
		gt_cmd = gt_cmds[i].name;
		if (help) {
			hargv[0] = argv[optind + 1];
			argc = 2;
			argv = hargv;
		} else {
			argc -= optind;
			argv += optind;
		}
		/* Re-initialise getopt for the command's own parse. */
		optind = 0;
		rc = gt_cmds[i].run(argc, argv);
		gt_logger_free();
		return rc;
	}
	return gt_usage("unknown command '%s'", name);
}
