// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-list.c - gnttab list: the gntdev driver's state as a table
 *
 * Reads /sys/kernel/debug/gntdev/state (drivers/xen/gntdev/
 * gntdev-debugfs.c: a "module:" line, then "file:" lines each followed by
 * its "map:" lines, all "key=value" fields) and prints one row per map.
 * debugfs is mounted if it is not yet. The stock xen-gntdev has no such
 * file, and saying so is the most useful error this command can give.
 * Unknown lines and fields are skipped, so a newer driver still lists.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "gnttab.h"

#define LIST_DEBUGFS "/sys/kernel/debug"
#define LIST_STATE LIST_DEBUGFS "/gntdev/state"

/* Fields of one line; the driver prints at most 11. */
#define LIST_MAX_KV 24

static const char list_help[] =
	"Usage: gnttab list [--raw] [--state FILE]\n"
	"Show every process that has /dev/xen/gntdev open and every mapping\n"
	"it holds, from " LIST_STATE "\n"
	"(mounting debugfs if needed). Needs the gntdev project's driver: the\n"
	"stock xen-gntdev has no state file.\n"
	"\n"
	"Columns: PID and COMM of the opener, SLOTS (offset slots used/max),\n"
	"OFFSET (the map's mmap offset), PAGES, MMAPPED, VADDR and RO of the\n"
	"mapping, LIVE (grant handles held; two per page on PV), NOTIFY (unmap\n"
	"notification: clear@OFFSET, event:PORT), REFS (domid:ref, ranges\n"
	"folded; the driver lists the first 16).\n"
	"\n"
	"  -r, --raw         print the state file as it is\n"
	"  -s, --state FILE  read FILE (a saved copy) instead\n"
	"  -h, --help        this help\n"
	"\n"
	"Exit status: 0 listed, 1 no state file or it cannot be read, 2 usage\n"
	"error.\n";

struct list_rec {
	char *tag;
	unsigned int n;
	char *key[LIST_MAX_KV];
	char *val[LIST_MAX_KV];
};

enum {
	COL_PID,
	COL_COMM,
	COL_SLOTS,
	COL_OFFSET,
	COL_PAGES,
	COL_MMAPPED,
	COL_VADDR,
	COL_RO,
	COL_LIVE,
	COL_NOTIFY,
	COL_REFS,
	NR_COLS
};

static const char *const list_head[NR_COLS] = {
	"PID",	 "COMM", "SLOTS", "OFFSET", "PAGES", "MMAPPED",
	"VADDR", "RO",	 "LIVE",  "NOTIFY", "REFS",
};

struct list_table {
	char *(*rows)[NR_COLS];
	size_t n, cap;
};

static bool list_is_key(const char *s, const char *eq)
{
	if (s == eq)
		return false;
	for (; s < eq; s++)
		if (!islower((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/*
 * Splits "tag: k=v k=v" in place. A word without "key=" continues the
 * previous value: comm may hold spaces.
 */
static void list_split(char *line, struct list_rec *r)
{
	char *p, *w, *eq;

	memset(r, 0, sizeof(*r));
	p = strchr(line, ':');
	if (!p)
		return;
	*p++ = '\0';
	r->tag = line;
	for (w = p; *w;) {
		while (*w == ' ')
			w++;
		if (!*w)
			break;
		eq = strchr(w, '=');
		p = strchr(w, ' ');
		if (eq && (!p || eq < p) && list_is_key(w, eq) &&
		    r->n < LIST_MAX_KV) {
			if (w > line && w[-1] == ' ')
				w[-1] = '\0';
			*eq = '\0';
			r->key[r->n] = w;
			r->val[r->n++] = eq + 1;
		}
		if (!p)
			break;
		w = p + 1;
	}
}

static const char *list_get(const struct list_rec *r, const char *key)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

static char *list_dup(const char *s)
{
	char *d = strdup(s ? s : "-");

	if (!d) {
		gt_fail(errno, "out of memory");
		exit(GT_FAIL);
	}
	return d;
}

/* "0:8,0:9,0:10,1:4,+12" -> "0:8-10,1:4 +12 more". */
static char *list_refs(const char *refs)
{
	unsigned long dom, ref, pdom = 0, first = 0, last = 0;
	size_t cap = strlen(refs) + 32, len = 0;
	const char *p = refs, *more = NULL;
	bool open = false;
	char *out, *end;

	out = malloc(cap);
	if (!out)
		return list_dup(refs);
	out[0] = '\0';
	while (*p) {
		if (*p == '+') {
			more = p + 1;
			break;
		}
		dom = strtoul(p, &end, 10);
		if (*end != ':')
			goto raw;
		ref = strtoul(end + 1, &end, 10);
		if (*end && *end != ',')
			goto raw;
		if (open && dom == pdom && ref == last + 1) {
			last = ref;
		} else {
			if (open)
				len += snprintf(out + len, cap - len,
						last > first ? "%s%lu:%lu-%lu" :
							       "%s%lu:%lu",
						len ? "," : "", pdom, first,
						last);
			pdom = dom;
			first = last = ref;
			open = true;
		}
		p = *end ? end + 1 : end;
	}
	if (open)
		len += snprintf(out + len, cap - len,
				last > first ? "%s%lu:%lu-%lu" : "%s%lu:%lu",
				len ? "," : "", pdom, first, last);
	if (more)
		snprintf(out + len, cap - len, " +%s more", more);
	return out;
raw:
	free(out);
	return list_dup(refs);
}

static char **list_row(struct list_table *t)
{
	void *rows;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		rows = realloc(t->rows, t->cap * sizeof(*t->rows));
		if (!rows) {
			gt_fail(errno, "out of memory");
			exit(GT_FAIL);
		}
		t->rows = rows;
	}
	return t->rows[t->n++];
}

static void list_file_cells(char **row, const struct list_rec *f)
{
	row[COL_PID] = list_dup(list_get(f, "pid"));
	row[COL_COMM] = list_dup(list_get(f, "comm"));
	row[COL_SLOTS] = list_dup(list_get(f, "slots"));
}

static void list_map_cells(char **row, const struct list_rec *m)
{
	const char *clr = list_get(m, "notify-clear");
	const char *evt = list_get(m, "notify-event");
	const char *refs = list_get(m, "refs");
	char notify[64];

	row[COL_OFFSET] = list_dup(list_get(m, "offset"));
	row[COL_PAGES] = list_dup(list_get(m, "count"));
	row[COL_MMAPPED] = list_dup(list_get(m, "mmapped"));
	row[COL_VADDR] = list_dup(list_get(m, "vaddr"));
	row[COL_RO] = list_dup(list_get(m, "ro"));
	row[COL_LIVE] = list_dup(list_get(m, "live"));
	snprintf(notify, sizeof(notify), "%s%s%s%s%s", clr ? "clear@" : "",
		 clr ? clr : "", clr && evt ? "," : "", evt ? "event:" : "",
		 evt ? evt : "");
	row[COL_NOTIFY] = list_dup(notify[0] ? notify : NULL);
	row[COL_REFS] = refs ? list_refs(refs) : list_dup(NULL);
}

static void list_cell(const char *s, size_t width, bool last)
{
	if (last)
		printf("%s\n", s);
	else
		printf("%-*s  ", (int)width, s);
}

static void list_print(const struct list_table *t)
{
	size_t w[NR_COLS], i, c, l;

	for (c = 0; c < NR_COLS; c++)
		w[c] = strlen(list_head[c]);
	for (i = 0; i < t->n; i++)
		for (c = 0; c < NR_COLS; c++) {
			l = strlen(t->rows[i][c]);
			if (l > w[c])
				w[c] = l;
		}
	for (c = 0; c < NR_COLS; c++)
		list_cell(list_head[c], w[c], c + 1 == NR_COLS);
	for (i = 0; i < t->n; i++)
		for (c = 0; c < NR_COLS; c++)
			list_cell(t->rows[i][c], w[c], c + 1 == NR_COLS);
}

static const char *list_plural(const char *n)
{
	return n && !strcmp(n, "1") ? "" : "s";
}

/* Renders @text (NUL-terminated, modified); GT_FAIL if it is not state. */
static int list_render(char *text, const char *path)
{
	struct list_table t = { 0 };
	struct list_rec r, file;
	bool have_module = false, file_has_map = false, in_file = false;
	const char *files = "?", *maps = "?", *grants = "?";
	char *line, *next, **row;
	size_t i, c;

	memset(&file, 0, sizeof(file));
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		list_split(line, &r);
		if (!r.tag)
			continue;
		if (!strcmp(r.tag, "module")) {
			have_module = true;
			files = list_get(&r, "files");
			maps = list_get(&r, "maps");
			grants = list_get(&r, "grants");
			printf("gntdev (%s): %s open file%s, %s map%s, %s grant%s",
			       list_get(&r, "mode") ?: "?", files ?: "?",
			       list_plural(files), maps ?: "?",
			       list_plural(maps), grants ?: "?",
			       list_plural(grants));
			printf("; limits %s per map, %s per file, %s in all\n",
			       list_get(&r, "limit") ?: "?",
			       list_get(&r, "file_limit") ?: "?",
			       list_get(&r, "total_limit") ?: "?");
		} else if (!strcmp(r.tag, "file")) {
			/* A file with no map still gets its row. */
			if (in_file && !file_has_map) {
				row = list_row(&t);
				list_file_cells(row, &file);
				list_map_cells(row, &(struct list_rec){ 0 });
			}
			file = r;
			in_file = true;
			file_has_map = false;
		} else if (!strcmp(r.tag, "map") && in_file) {
			row = list_row(&t);
			list_file_cells(row, &file);
			list_map_cells(row, &r);
			file_has_map = true;
		}
	}
	if (in_file && !file_has_map) {
		row = list_row(&t);
		list_file_cells(row, &file);
		list_map_cells(row, &(struct list_rec){ 0 });
	}
	if (!have_module) {
		gt_err("%s: not a gntdev state file (no \"module:\" line)",
		       path);
		free(t.rows);
		return GT_FAIL;
	}
	if (t.n)
		list_print(&t);
	else
		puts("no process has /dev/xen/gntdev open");
	for (i = 0; i < t.n; i++)
		for (c = 0; c < NR_COLS; c++)
			free(t.rows[i][c]);
	free(t.rows);
	return GT_OK;
}

/* Why there is no state file, as precisely as the system tells. */
static int list_missing(void)
{
	if (!access("/sys/module/gntdev", F_OK)) {
		gt_err("%s: no such file, though the gntdev module is loaded (its debugfs directory could not be created?)",
		       LIST_STATE);
	} else if (!access("/sys/module/xen_gntdev", F_OK)) {
		gt_err("%s: no such file: the loaded driver is the stock xen-gntdev, which has no state file; 'gnttab list' needs the gntdev project's gntdev.ko",
		       LIST_STATE);
	} else if (!access("/dev/xen/gntdev", F_OK)) {
		gt_err("%s: no such file: /dev/xen/gntdev is not the gntdev project's driver (the stock xen-gntdev has no state file)",
		       LIST_STATE);
	} else {
		gt_err("%s: no such file: no grant-mapping driver is loaded (no /dev/xen/gntdev); load the gntdev project's gntdev.ko",
		       LIST_STATE);
	}
	return GT_FAIL;
}

/* Opens the driver's state file, mounting debugfs first if need be. */
static int list_open_state(int *fdp)
{
	struct statfs sfs;
	int fd;

	fd = open(LIST_STATE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (statfs(LIST_DEBUGFS, &sfs)) {
			if (errno == ENOENT) {
				gt_err("%s: no such directory: this kernel has no debugfs",
				       LIST_DEBUGFS);
				return GT_FAIL;
			}
			return gt_fail(errno, "%s", LIST_DEBUGFS);
		}
		if (sfs.f_type != DEBUGFS_MAGIC) {
			if (mount("debugfs", LIST_DEBUGFS, "debugfs", 0,
				  NULL)) {
				gt_fail(errno, "mounting debugfs on %s",
					LIST_DEBUGFS);
				if (errno == EPERM)
					gt_err("(run as root)");
				return GT_FAIL;
			}
			fd = open(LIST_STATE, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0 && errno == ENOENT)
		return list_missing();
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		gt_err("%s: %s (run as root)", LIST_STATE, strerror(errno));
		return GT_FAIL;
	}
	if (fd < 0)
		return gt_fail(errno, "%s", LIST_STATE);
	*fdp = fd;
	return GT_OK;
}

/* The whole file, NUL-terminated: seq_file reads come in pieces. */
static char *list_slurp(int fd, size_t *lenp)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	while (buf) {
		if (cap - len < 4096) {
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (!n) {
			buf[len] = '\0';
			*lenp = len;
			return buf;
		}
		len += n;
	}
	free(buf);
	return NULL;
}

int gt_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool raw = false;
	size_t len;
	char *text;
	int c, fd = -1, rc, err;

	while ((c = gt_getopt(argc, argv, opts, list_help, &rc)) > 0) {
		switch (c) {
		case 'r':
			raw = true;
			break;
		case 's':
			path = optarg;
			break;
		}
	}
	if (c < 0)
		return rc;
	if (optind < argc)
		return gt_usage("unexpected argument '%s'", argv[optind]);

	if (!path) {
		path = LIST_STATE;
		rc = list_open_state(&fd);
		if (rc)
			return rc;
	} else if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return gt_fail(errno, "%s", path);
	}
	text = list_slurp(fd, &len);
	err = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	if (!text)
		return gt_fail(err, "reading %s", path);

	rc = GT_OK;
	if (raw)
		fwrite(text, 1, len, stdout);
	else
		rc = list_render(text, path);
	free(text);
	if (fflush(stdout) || ferror(stdout))
		return gt_fail(errno, "writing standard output");
	return rc;
}
