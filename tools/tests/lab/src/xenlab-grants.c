// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab-grants - grant-table leak check for the lab, run as root in dom0
 * with no toolstack.
 *
 * It presses Xen's 'g' debug key through /dev/xen/privcmd (sysctl
 * debug_keys), reads the console ring back (sysctl readconsole) and parses
 * the per-domain active grant entries printed by gnttab_usage_print().
 * Any active entry is a grant some domain still has mapped; after a test
 * group has cleaned up there should be none (apart from what is allowed).
 *
 *   xenlab-grants dump                  raw 'g' output
 *   xenlab-grants count                 number of active entries
 *   xenlab-grants check [--allow D:R]... [--allow-reserved]
 *   -f FILE (before the mode)           parse FILE instead of asking Xen
 *
 * Exit: 0 clean, 1 unexpected active entries, 2 no usable dump or usage.
 */
#include "lab.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>

#define EXIT_LEAK 1
#define EXIT_BROKEN 2

/* --- Xen public ABI (sysctl.h, xen.h), written out for x86-64 ----------- */

#define HYPERVISOR_sysctl 35

#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_debug_keys 7

/* Xen 4.17 and 4.20 both use 0x15; others are probed if it is refused. */
#define SYSCTL_VERSION_DEFAULT 0x15
#define SYSCTL_VERSION_MIN 0x13
#define SYSCTL_VERSION_MAX 0x17

struct sysctl_readconsole {
	__u8 clear;
	__u8 incremental;
	__u8 pad0, pad1;
	__u32 index;
	__u64 buffer; /* XEN_GUEST_HANDLE_64(char) */
	__u32 count;
};

struct sysctl_debug_keys {
	__u64 keys; /* XEN_GUEST_HANDLE_64(const_char) */
	__u32 nr_keys;
};

struct xen_sysctl {
	__u32 cmd;
	__u32 interface_version;
	union {
		struct sysctl_readconsole readconsole;
		struct sysctl_debug_keys debug_keys;
		__u8 pad[128];
	} u;
};

_Static_assert(sizeof(struct sysctl_readconsole) == 24, "readconsole ABI");
_Static_assert(offsetof(struct xen_sysctl, u) == 8, "sysctl ABI");
_Static_assert(sizeof(struct xen_sysctl) == 136, "sysctl ABI");

/* --- hypercall plumbing ------------------------------------------------- */

/*
 * No usable dump: say so on stdout too, where the lab greps for results,
 * and exit 2. @err, if non-zero, is the errno behind it.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
broken(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("GRANT-CHECK: FAILED to get a grant-table dump: %s%s%s\n", msg,
	       err ? ": " : "", err ? lab_errname(err) : "");
	errno = err;
	if (err)
		lab_die_errno(EXIT_BROKEN, "%s", msg);
	lab_die(EXIT_BROKEN, "%s", msg);
}

/* Make room for @n items of @size at @p: realloc(), or no usable dump. */
static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		broken(0, "out of memory");
	return p;
}

/* Xen reads and writes these by guest virtual address: lock them in. */
#define CTL_PAGE_SIZE LAB_PAGE_SIZE
#define KEYS_OFFSET 1024
#define RING_CHUNK (64 * 1024)
/* More than any sane conring_size; stops a runaway read loop. */
#define DUMP_MAX (64 * 1024 * 1024)

static int privcmd_fd = -1;
static struct xen_sysctl *ctl;
static char *ring_chunk;
static __u32 sysctl_version;

static void *locked_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		broken(errno, "mmap %zu bytes", size);
	if (mlock(p, size))
		broken(errno, "mlock %zu bytes", size);
	memset(p, 0, size);
	return p;
}

static void hypercall_init(void)
{
	static const char *const nodes[] = { "/dev/xen/privcmd",
					     "/proc/xen/privcmd" };
	unsigned int i;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		privcmd_fd = open(nodes[i], O_RDWR | O_CLOEXEC);
		if (privcmd_fd >= 0)
			break;
	}
	if (privcmd_fd < 0)
		broken(errno,
		       "cannot open /dev/xen/privcmd or /proc/xen/privcmd (not a Xen dom0?)");
	ctl = locked_alloc(CTL_PAGE_SIZE);
	ring_chunk = locked_alloc(RING_CHUNK);
}

/* Issue the sysctl in *ctl once with @version; returns 0 or -errno. */
static int sysctl_once(__u32 version)
{
	struct lab_privcmd_hypercall hc = {
		.op = HYPERVISOR_sysctl,
		.arg = { (__u64)(uintptr_t)ctl },
	};

	ctl->interface_version = version;
	if (ioctl(privcmd_fd, LAB_IOCTL_PRIVCMD_HYPERCALL, &hc) < 0)
		return -errno;
	return 0;
}

/*
 * Issue the sysctl in *ctl. Xen refuses a version it does not speak with
 * EACCES; on the first call we then look for one it does accept.
 */
static int sysctl_do(void)
{
	struct xen_sysctl saved = *ctl;
	__u32 v;
	int ret;

	if (sysctl_version)
		return sysctl_once(sysctl_version);

	ret = sysctl_once(SYSCTL_VERSION_DEFAULT);
	if (ret != -EACCES && ret != -EINVAL) {
		if (!ret)
			sysctl_version = SYSCTL_VERSION_DEFAULT;
		return ret;
	}
	for (v = SYSCTL_VERSION_MIN; v <= SYSCTL_VERSION_MAX; v++) {
		if (v == SYSCTL_VERSION_DEFAULT)
			continue;
		/* A refused call leaves *ctl alone, but don't rely on it. */
		*ctl = saved;
		if (!sysctl_once(v)) {
			sysctl_version = v;
			lab_warn("note: sysctl interface version 0x%x", v);
			return 0;
		}
	}
	lab_warn("no sysctl interface version in 0x%x..0x%x accepted",
		 SYSCTL_VERSION_MIN, SYSCTL_VERSION_MAX);
	return ret;
}

/*
 * One readconsole call into ring_chunk. Returns the byte count, or -errno.
 * @index is the start (if @incremental) and receives the end index.
 */
static long readconsole(bool clear, bool incremental, __u32 *index)
{
	int ret;

	memset(ctl, 0, sizeof(*ctl));
	ctl->cmd = XEN_SYSCTL_readconsole;
	ctl->u.readconsole.clear = clear;
	ctl->u.readconsole.incremental = incremental;
	ctl->u.readconsole.index = *index;
	ctl->u.readconsole.buffer = (__u64)(uintptr_t)ring_chunk;
	ctl->u.readconsole.count = RING_CHUNK;
	ret = sysctl_do();
	if (ret)
		return ret;
	if (ctl->u.readconsole.count > RING_CHUNK)
		broken(0, "readconsole returned %u bytes (> %u)",
		       ctl->u.readconsole.count, RING_CHUNK);
	*index = ctl->u.readconsole.index;
	return ctl->u.readconsole.count;
}

/*
 * Empty the ring, press 'g', and collect what the key handler printed.
 * The handler runs synchronously inside the sysctl, so everything is in
 * the ring when debug_keys returns. Returns a NUL-terminated string.
 */
static char *fetch_dump(void)
{
	size_t len = 0;
	char *text = NULL;
	FILE *out;
	bool incremental = false;
	__u32 index = 0;
	char *keys;
	long got;
	int ret;

	hypercall_init();
	keys = (char *)ctl + KEYS_OFFSET;

	/* A clearing read only consumes what it returned: loop until empty. */
	do {
		got = readconsole(true, false, &index);
		if (got < 0)
			broken(-got, "sysctl readconsole (clear)");
		len += got;
	} while (got > 0 && len < DUMP_MAX);

	memset(ctl, 0, sizeof(*ctl));
	keys[0] = 'g';
	ctl->cmd = XEN_SYSCTL_debug_keys;
	ctl->u.debug_keys.keys = (__u64)(uintptr_t)keys;
	ctl->u.debug_keys.nr_keys = 1;
	ret = sysctl_do();
	if (ret)
		broken(-ret, "sysctl debug_keys 'g'");

	/* First read starts at the (just cleared) ring head, then follow it. */
	out = open_memstream(&text, &len);
	if (!out)
		broken(errno, "open_memstream");
	index = 0;
	for (;;) {
		got = readconsole(false, incremental, &index);
		incremental = true;
		if (got < 0)
			broken(-got, "sysctl readconsole");
		if (!got)
			break;
		fwrite(ring_chunk, 1, got, out);
		if (ftell(out) >= DUMP_MAX)
			broken(0, "console ring keeps growing (>%d bytes)",
			       DUMP_MAX);
	}
	/* The stream keeps what it holds NUL-terminated. */
	if (fclose(out))
		broken(errno, "collecting the dump");
	if (!len)
		broken(0, "console ring empty after debug key 'g'");
	return text;
}

static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	static char empty[1];
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		broken(errno, "open %s", path);
	/* All of it: a dump has no NUL, and the parser would stop at one. */
	len = getdelim(&text, &cap, '\0', f);
	if (ferror(f))
		broken(errno, "read %s", path);
	if (f != stdin)
		fclose(f);
	return len > 0 ? text : empty;
}

/* --- parsing the 'g' dump ------------------------------------------------ */

/*
 * Xen 4.17 xen/common/grant_table.c prints, for each domain:
 *
 *   "grant-table for remote d%d (v%u)\n"
 *   "[0x%03x]  %5d 0x%"PRI_mfn" 0x%08x      %5d 0x%06"PRIx64" 0x%02x\n"
 *      ref     act->domid  mfn   act->pin   sha->domid frame   flags
 *   or "no active grant table entries\n"
 *
 * between "gnttab_usage_print_all [ key 'g' pressed" and
 * "gnttab_usage_print_all ] done". The console ring adds "(XEN) " and
 * maybe a timestamp to each line, so we search within lines.
 */
#define DUMP_START "gnttab_usage_print_all [ key 'g' pressed"
#define DUMP_END "gnttab_usage_print_all ] done"
#define DUMP_DOMAIN "grant-table for remote d"
#define DUMP_OVERFLOW \
	"start lost, %u entries seen: console ring overflowed (boot Xen with conring_size=1M)"

struct grant_entry {
	unsigned int granter; /* domain whose table this is */
	unsigned int ref;
	unsigned int mapper; /* act->domid: who has it mapped */
	unsigned int pin;
	unsigned long mfn;
	unsigned int flags;
};

struct dump {
	struct grant_entry *e;
	size_t n;
	unsigned int domains; /* grant-table headers seen */
	bool seen_d0;
};

static char bad_msg[512];

/* "@what: '@line'", for parse_dump() to return. */
static const char *bad_line(const char *what, const char *line)
{
	snprintf(bad_msg, sizeof(bad_msg), "%s: '%s'", what, line);
	return bad_msg;
}

/* Returns NULL on success, else a message about what is wrong. */
static const char *parse_dump(char *text, struct dump *d)
{
	bool started = false, done = false;
	unsigned int stray = 0;
	long cur = -1;
	char *line, *next;

	memset(d, 0, sizeof(*d));
	for (line = text; line && *line; line = next) {
		char *p;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';

		if (strstr(line, DUMP_START)) {
			/* Only the last complete dump counts. */
			free(d->e);
			memset(d, 0, sizeof(*d));
			started = true;
			done = false;
			cur = -1;
			continue;
		}
		if (!started || done) {
			/* Entries without a start line: the ring overflowed. */
			if (!started && strstr(line, "[0x"))
				stray++;
			continue;
		}
		if (strstr(line, DUMP_END)) {
			done = true;
			continue;
		}
		p = strstr(line, DUMP_DOMAIN);
		if (p) {
			char *end;

			errno = 0;
			cur = strtol(p + strlen(DUMP_DOMAIN), &end, 10);
			if (errno || end == p + strlen(DUMP_DOMAIN) ||
			    cur < 0 || cur > 0xffff)
				return bad_line("bad domain header", line);
			d->domains++;
			if (cur == 0)
				d->seen_d0 = true;
			continue;
		}
		p = strstr(line, "[0x");
		if (p) {
			struct grant_entry e;
			int consumed = 0;

			if (sscanf(p, "[0x%x] %u 0x%lx 0x%x %*u 0x%*x 0x%x%n",
				   &e.ref, &e.mapper, &e.mfn, &e.pin, &e.flags,
				   &consumed) != 5 ||
			    !consumed)
				return bad_line("unparsable grant entry", line);
			if (cur < 0)
				return bad_line(
					"grant entry before any domain header",
					line);
			e.granter = cur;
			d->e = grow(d->e, d->n + 1, sizeof(*d->e));
			d->e[d->n++] = e;
		}
		/* Column headers, frame counts and other Xen chatter. */
	}

	if (!started && stray) {
		snprintf(bad_msg, sizeof(bad_msg), DUMP_OVERFLOW, stray);
		return bad_msg;
	}
	if (!started)
		return "no dump start line: debug key 'g' not handled?";
	if (!done)
		return "dump not terminated by '" DUMP_END "'";
	if (!d->seen_d0)
		return "no 'grant-table for remote d0' section in the dump";
	return NULL;
}

/* --- check mode ---------------------------------------------------------- */

struct allow {
	unsigned int domid;
	unsigned int ref;
	bool any_ref;
};

static struct allow *allows;
static size_t nallows;
static bool allow_reserved;

static bool parse_allow(const char *arg)
{
	unsigned long dom, ref = 0;
	bool any = false;
	char *end;

	errno = 0;
	dom = strtoul(arg, &end, 0);
	if (errno || end == arg || *end != ':' || dom > 0xffff)
		return false;
	arg = end + 1;
	if (!strcmp(arg, "*")) {
		any = true;
	} else {
		ref = strtoul(arg, &end, 0);
		if (errno || end == arg || *end || ref > 0xffffffffUL)
			return false;
	}
	allows = grow(allows, nallows + 1, sizeof(*allows));
	allows[nallows++] = (struct allow){ dom, ref, any };
	return true;
}

static bool is_allowed(const struct grant_entry *e)
{
	size_t i;

	/* Console and xenstore rings of a domU, mapped by the toolstack. */
	if (allow_reserved && e->granter != 0 && e->ref <= 1)
		return true;
	for (i = 0; i < nallows; i++)
		if (allows[i].domid == e->granter &&
		    (allows[i].any_ref || allows[i].ref == e->ref))
			return true;
	return false;
}

static int do_check(const struct dump *d)
{
	size_t i, bad = 0;

	for (i = 0; i < d->n; i++) {
		const struct grant_entry *e = &d->e[i];
		bool ok = is_allowed(e);

		printf("GRANT-ACTIVE granter=d%u ref=0x%x mapped-by=d%u pin=0x%08x mfn=0x%lx flags=0x%02x %s\n",
		       e->granter, e->ref, e->mapper, e->pin, e->mfn, e->flags,
		       ok ? "allowed" : "UNEXPECTED");
		bad += !ok;
	}
	if (bad) {
		printf("GRANT-LEAK: %zu unexpected active grant mappings (%zu active entries, %u domains)\n",
		       bad, d->n, d->domains);
		return EXIT_LEAK;
	}
	printf("GRANT-CHECK: clean (%zu active entries, all allowed)\n", d->n);
	return 0;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: %s [-f FILE] dump|count|check [--allow DOMID:REF]... [--allow-reserved]\n"
		"  Presses Xen debug key 'g' via privcmd and reads the grant-table dump.\n"
		"  dump    print the raw dump\n"
		"  count   print the number of active grant entries\n"
		"  check   list active entries; fail on any not allowed\n"
		"  --allow DOMID:REF   allow granter DOMID's REF (REF may be '*')\n"
		"  --allow-reserved    allow refs 0 and 1 of every domain but d0\n"
		"  -f FILE             parse FILE ('-' = stdin) instead of asking Xen\n"
		"Exit: 0 clean, 1 unexpected active entries, 2 no usable dump / usage.\n",
		program_invocation_short_name);
	exit(EXIT_BROKEN);
}

int main(int argc, char **argv)
{
	const char *file = NULL, *mode;
	const char *err;
	struct dump d;
	char *text;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc)
			file = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	mode = argv[i++];
	if (strcmp(mode, "dump") && strcmp(mode, "count") &&
	    strcmp(mode, "check"))
		usage();
	for (; i < argc; i++) {
		if (strcmp(mode, "check"))
			usage();
		if (!strcmp(argv[i], "--allow-reserved")) {
			allow_reserved = true;
		} else if (!strcmp(argv[i], "--allow") && i + 1 < argc) {
			if (!parse_allow(argv[++i]))
				lab_die(EXIT_BROKEN,
					"bad --allow '%s' (want DOMID:REF)",
					argv[i]);
		} else {
			usage();
		}
	}

	text = file ? read_file(file) : fetch_dump();
	if (!strcmp(mode, "dump")) {
		fputs(text, stdout);
		return 0;
	}

	err = parse_dump(text, &d);
	if (err)
		broken(0, "%s", err);
	if (!strcmp(mode, "count")) {
		printf("%zu\n", d.n);
		return 0;
	}
	return do_check(&d);
}
