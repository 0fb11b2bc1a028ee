// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-exec.c - the fuzzer's executor: a child process of the supervisor
 * (gntdev-fuzz.c) that runs one episode's operations against the driver
 * and exits with everything still open and mapped.
 *
 * It interprets each operation's random numbers against what it holds
 * (files, maps, mappings), checks every answer against the ABI (the
 * oracles) and describes each operation in fz_rep for the supervisor.
 * Accesses to mappings whose fate is unknown are guarded: a fault there
 * is an answer, anywhere else a failure.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define NFD 4 /* file slots */
#define NMAP 24 /* maps tracked */
#define NREG 24 /* mappings tracked */
#define MAX_MAP 8 /* grants per tracked map */

/* ------------------------------------------------------------------------
 * Executor state
 */

struct xfile {
	int fd; /* -1: slot free */
	bool rdonly;
	bool capped; /* SET_MAX_GRANTS was used: ENOSPC is possible */
	bool shared; /* a fork child used it: its table may have changed */
	bool ever_mapped;
};

struct xmap {
	bool live; /* in its file's table */
	int file;
	__u64 off;
	__u32 n;
	__u32 refs[MAX_MAP];
	bool good; /* all refs valid pool refs of domain 0 */
	bool mmapped; /* an mmap of it succeeded (or may have) */
	bool clear_notify; /* a clear-byte notify is set */
	unsigned int serial; /* tells maps in the same slot apart */
};

enum rstate {
	R_FREE,
	R_CLEAN, /* exactly one map's pages, untouched by VM tricks */
	R_UNKNOWN, /* something happened to it: only guarded reads */
};

struct xreg {
	int state;
	volatile __u64 *addr;
	size_t pages;
	int map; /* the map it was created for (its slot may be reused) */
	unsigned int serial; /* that map's serial number */
	__u32 refs[MAX_MAP]; /* what its pages show, while clean */
	int file;
	bool writable;
};

static struct xfile xf[NFD];
static struct xmap xm[NMAP];
static struct xreg xr[NREG];
static int cur_op;
static unsigned int map_serial;

static void __attribute__((noreturn, format(printf, 2, 3)))
oracle(const char *kind, const char *f, ...)
{
	va_list ap;

	fz_rep->fail_op = cur_op;
	snprintf(fz_rep->kind, sizeof(fz_rep->kind), "%s", kind);
	va_start(ap, f);
	vsnprintf(fz_rep->msg, sizeof(fz_rep->msg), f, ap);
	va_end(ap);
	_exit(XC_ORACLE);
}

static void __attribute__((format(printf, 1, 2))) desc(const char *f, ...)
{
	va_list ap;
	size_t len = strlen(fz_rep->desc[cur_op]);

	va_start(ap, f);
	vsnprintf(fz_rep->desc[cur_op] + len, sizeof(fz_rep->desc[0]) - len, f,
		  ap);
	va_end(ap);
}

/* An errno outside @allowed (0-terminated) is a failure; 0 is none. */
static void errno_in(const char *call, int err, const int *allowed)
{
	while (err && *allowed != err) {
		if (!*allowed++)
			oracle(call,
			       "%s failed with %s, which its ABI does not list",
			       call, lab_errname(err));
	}
}

/* How a call ended, for desc(): "ok" or the errno's name. */
static const char *res(int err)
{
	return err ? lab_errname(err) : "ok";
}

static const int E_MAP[] = { EINVAL, ENOSPC, ENOMEM, EFAULT, 0 };
static const int E_UNMAP[] = { EINVAL, ENOENT, EFAULT, 0 };
static const int E_GETOFF[] = { EINVAL, EFAULT, 0 };
static const int E_SETMAX[] = { EINVAL, EFAULT, ENOTTY, 0 };
static const int E_NOTIFY[] = { EINVAL, ENOENT, EFAULT, 0 };
static const int E_COPY[] = { EINVAL, EFAULT, ENOMEM, EINTR, 0 };
static const int E_MMAP[] = { EINVAL, ENOMEM, EOVERFLOW, ESRCH,	 EPERM,
			      ENOSPC, EIO,    EFAULT,	 EAGAIN, EACCES,
			      EEXIST, ENODEV, 0 };
static const int E_MREMAP[] = { EINVAL, ENOMEM, EFAULT, EAGAIN, 0 };
static const int E_MPROTECT[] = { EINVAL, EACCES, ENOMEM, 0 };
static const int E_MADVISE[] = { EINVAL, ENOMEM, EAGAIN, EPERM, 0 };

/* ------------------------------------------------------------------------
 * Guarded accesses: a fault inside one is an answer, anywhere else a bug
 */

static sigjmp_buf guard_jb;
static volatile sig_atomic_t guard_on;

static void guard_handler(int sig)
{
	if (guard_on)
		siglongjmp(guard_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read *@p into *@v, or write *@v there; 0 or the signal that stopped it. */
static int guarded(volatile __u64 *p, __u64 *v, bool write)
{
	int s = sigsetjmp(guard_jb, 1);

	if (s) {
		guard_on = 0;
		return s;
	}
	guard_on = 1;
	if (write)
		*p = *v;
	else
		*v = *p;
	guard_on = 0;
	return 0;
}

/* ------------------------------------------------------------------------
 * Picking things from the state
 */

/* Slot @i of xm[] is a live map of file @f, or (@f < 0) free. */
static bool map_in(int i, int f)
{
	return f < 0 ? !xm[i].live : xm[i].live && xm[i].file == f;
}

/* Slot @i of xr[] is a mapping (@used), or free (!@used). */
static bool reg_in(int i, int used)
{
	return (xr[i].state != R_FREE) == used;
}

/* The @k-th (modulo their number) of the @n slots @is() takes, or -1. */
static int pick(int n, bool (*is)(int i, int arg), int arg, unsigned int k)
{
	int i, m = 0;

	for (i = 0; i < n; i++)
		m += is(i, arg);
	for (i = 0, k = m ? k % m : 0; m && i < n; i++) {
		if (is(i, arg) && !k--)
			return i;
	}
	return -1;
}

#define pick_map(f, k) pick(NMAP, map_in, f, k)
#define pick_reg(k) pick(NREG, reg_in, true, k)
#define free_slot_map() pick(NMAP, map_in, -1, 0)
#define free_slot_reg() pick(NREG, reg_in, false, 0)

/*
 * Is file slot @f open, and a slot @slot free for what the operation makes
 * (0 if it makes nothing)? If not, operation @name does nothing: say so.
 */
static bool file_open(const char *name, int f, int slot)
{
	if (xf[f].fd >= 0 && slot >= 0)
		return true;
	desc("%s f%d: %s", name, f, xf[f].fd < 0 ? "not open" : "no slot");
	return false;
}

/* Was a mapping @r picked? If not, operation @name does nothing: say so. */
static bool reg_found(const char *name, int r)
{
	if (r >= 0)
		return true;
	desc("%s: nothing mapped", name);
	return false;
}

/*
 * [a, a + len) is no longer what the tracked mappings had there: unmapped,
 * or mapped anew by the caller. Take it out of every mapping, so that a
 * mapping's range never covers a hole: the kernel may put a new mapping in
 * that hole, and an mremap(), mprotect() or MAP_FIXED meant for the old
 * mapping would then hit the new one behind the model's back. A mapping
 * cut in two keeps its lower part; the upper part gets a free slot if
 * there is one (else it stays mapped, untracked, which is harmless: the
 * kernel never places anything over it). What is left is not clean.
 */
static void regions_cut(const volatile void *a, size_t len)
{
	uintptr_t s = (uintptr_t)a, e = s + len;
	int i, j;

	for (i = 0; i < NREG; i++) {
		uintptr_t rs = (uintptr_t)xr[i].addr,
			  re = rs + xr[i].pages * PG;

		if (xr[i].state == R_FREE || re <= s || rs >= e)
			continue;
		if (rs >= s && re <= e) {
			xr[i].state = R_FREE;
			continue;
		}
		xr[i].state = R_UNKNOWN;
		if (rs < s && re > e && (j = free_slot_reg()) >= 0) {
			xr[j] = xr[i];
			xr[j].addr = (volatile __u64 *)e;
			xr[j].pages = (re - e) / PG;
		}
		if (rs < s) {
			xr[i].pages = (s - rs) / PG;
		} else {
			xr[i].addr = (volatile __u64 *)e;
			xr[i].pages = (re - e) / PG;
		}
	}
}

/* ------------------------------------------------------------------------
 * The operations
 */

static void x_open(const struct op *o)
{
	int f = o->a % NFD;
	bool ro = o->b % 8 == 0;

	if (xf[f].fd >= 0) {
		desc("OPEN f%d: already open", f);
		return;
	}
	xf[f] = (struct xfile){
		.fd = open(fz_opts.node, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC),
		.rdonly = ro
	};
	if (xf[f].fd < 0)
		oracle("OPEN", "open %s: %s", fz_opts.node, lab_errname(errno));
	desc("OPEN f%d%s", f, ro ? " O_RDONLY" : "");
}

static void x_close(const struct op *o)
{
	int f = o->a % NFD, i;

	if (!file_open("CLOSE", f, 0))
		return;
	close(xf[f].fd);
	xf[f].fd = -1;
	/* The maps leave the table; mappings keep their grants. */
	for (i = 0; i < NMAP; i++) {
		if (xm[i].file == f)
			xm[i].live = false;
	}
	desc("CLOSE f%d", f);
}

static void x_map(const struct op *o)
{
	static const __u32 counts[8] = { 1, 2, 3, 4, 8, 0, 65537, 0xffffffff };
	/* The header and MAX_MAP + 1 refs; refs[] is reached by pointer. */
	__u64 buf[3 + MAX_MAP + 1];
	struct ioctl_gntdev_map_grant_ref *req = (void *)buf;
	int f = o->a % NFD, m = free_slot_map(), err;
	__u32 n = counts[o->b % 8], i, kind;
	bool good = true, fresh;

	if (!file_open("MAP", f, m))
		return;
	memset(buf, 0, sizeof(buf));
	req->count = n;
	desc("MAP f%d n=%u refs=", f, n);
	for (i = 0; i < n && i <= MAX_MAP; i++) {
		struct ioctl_gntdev_grant_ref *g = &req->refs[i];

		kind = (o->x >> (3 * i)) & 7;
		g->domid = 0;
		g->ref = fz_pool.refs[(o->y + i * 7) % POOL];
		if (kind == 6) {
			g->ref = LAB_NEVER_GRANTED;
			good = false;
		} else if (kind == 7) {
			g->domid = LAB_NO_DOMAIN;
			good = false;
		}
		if (i < n && i < MAX_MAP)
			desc("%s%u%s", i ? "," : "", g->ref,
			     g->domid ? "@d" : "");
	}
	fresh = !xf[f].ever_mapped && !xf[f].shared;
	/* One in 16: the argument itself is a bad pointer. */
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_MAP_GRANT_REF,
			 o->c % 16 ? (void *)req : (void *)16);
	if (o->c % 16 == 0) {
		desc(" (bad pointer): %s", res(err));
		if (err != EFAULT)
			oracle("MAP", "MAP with argument at address 16: %s",
			       err ? lab_errname(err) : "success");
		return;
	}
	if (err) {
		desc(" -> %s", lab_errname(err));
		errno_in("MAP", err, E_MAP);
		if (n >= 1 && n <= MAX_MAP && !(err == ENOSPC && xf[f].capped))
			oracle("MAP", "MAP of %u refs failed: %s", n,
			       lab_errname(err));
		return;
	}
	desc(" -> off %#llx", (unsigned long long)req->index);
	if (n < 1 || n > 65536)
		oracle("MAP", "MAP with count %#x succeeded", n);
	if (req->index & (PG - 1))
		oracle("MAP", "MAP returned unaligned offset %#llx",
		       (unsigned long long)req->index);
	if (fresh && req->index)
		oracle("MAP", "first MAP on a fresh file returned %#llx, not 0",
		       (unsigned long long)req->index);
	xf[f].ever_mapped = true;
	xm[m] = (struct xmap){ .live = true,
			       .file = f,
			       .off = req->index,
			       .n = n,
			       .good = good,
			       .serial = ++map_serial };
	for (i = 0; i < n; i++)
		xm[m].refs[i] = req->refs[i].ref;
}

static void x_unmap(const struct op *o)
{
	struct ioctl_gntdev_unmap_grant_ref u;
	int f = o->a % NFD, m = pick_map(f, o->x), err;
	unsigned int how = o->b % 8;

	if (!file_open("UNMAP", f, 0))
		return;
	if (m < 0 && how < 5)
		how = 5;
	memset(&u, 0, sizeof(u));
	switch (how) {
	case 0:
	case 1:
	case 2:
		u.index = xm[m].off;
		u.count = how ? xm[m].n : 0;
		break;
	case 3: /* wrong count */
		u.index = xm[m].off;
		u.count = xm[m].n + 1;
		break;
	case 4: /* inside the map, or just past it */
		u.index = xm[m].off + PG;
		break;
	case 5:
		u.index = (__u64)(o->y % 64) << 12;
		u.count = o->c % 3;
		break;
	case 6: /* unaligned */
		u.index = (__u64)(o->y % 64) << 12 | (o->c | 1);
		break;
	default: /* beyond 32 bits of slots */
		u.index = (__u64)o->y << 32;
		u.count = o->c;
		break;
	}
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
	desc("UNMAP f%d off %#llx count %u -> %s", f,
	     (unsigned long long)u.index, u.count, res(err));
	errno_in("UNMAP", err, E_UNMAP);
	if (how <= 2 && !xf[f].shared) {
		if (err)
			oracle("UNMAP",
			       "UNMAP of a live map (off %#llx n %u): %s",
			       (unsigned long long)xm[m].off, xm[m].n,
			       lab_errname(err));
		xm[m].live = false;
		return;
	}
	if (!err) {
		/* Whatever it removed is no longer ours to expect. */
		int i;

		if (how == 3 && !xf[f].shared)
			oracle("UNMAP", "UNMAP with the wrong count worked");
		for (i = 0; i < NMAP; i++) {
			if (map_in(i, f) && xm[i].off == (u.index & ~(PG - 1)))
				xm[i].live = false;
		}
	}
}

static void x_getoff(const struct op *o)
{
	struct ioctl_gntdev_get_offset_for_vaddr g = { 0 };
	int f = o->a % NFD, r = pick_reg(o->x), err, local = 0;
	unsigned int how = o->b % 6;
	const struct xmap *m = NULL;

	if (!file_open("GETOFF", f, 0))
		return;
	if (r < 0 && how < 3)
		how = 3;
	switch (how) {
	case 0:
		g.vaddr = (uintptr_t)xr[r].addr;
		/* Still the same map, live or not? */
		if (xr[r].map >= 0 && xm[xr[r].map].serial == xr[r].serial)
			m = &xm[xr[r].map];
		break;
	case 1:
		g.vaddr = (uintptr_t)xr[r].addr + (o->y % (xr[r].pages * PG));
		break;
	case 2:
		g.vaddr = (uintptr_t)xr[r].addr + xr[r].pages * PG;
		break;
	case 3:
		g.vaddr = (uintptr_t)&local;
		break;
	case 4:
		g.vaddr = (uintptr_t)fz_pool.mem;
		break;
	default:
		g.vaddr = (__u64)o->y << 12;
		break;
	}
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &g);
	desc("GETOFF f%d vaddr %#llx -> %s", f, (unsigned long long)g.vaddr,
	     res(err));
	if (!err)
		desc(" off %#llx n %u", (unsigned long long)g.offset, g.count);
	errno_in("GETOFF", err, E_GETOFF);
	if (how >= 3 && !err)
		oracle("GETOFF", "GET_OFFSET of a non-gntdev address worked");
	/* The start of a clean mapping of this file's live map. */
	if (how == 0 && m && xr[r].state == R_CLEAN && xr[r].file == f &&
	    !xf[f].shared) {
		if (m->live && (err || g.offset != m->off || g.count != m->n))
			oracle("GETOFF",
			       "GET_OFFSET of a mapping: %s off %#llx n %u, want %#llx n %u",
			       res(err), (unsigned long long)g.offset, g.count,
			       (unsigned long long)m->off, m->n);
		if (!m->live && !err && !lab_stock)
			oracle("GETOFF",
			       "GET_OFFSET of a mapping whose map was unmapped worked");
	}
}

static void x_setmax(const struct op *o)
{
	static const __u32 vals[4] = { 0, 4, 64, 0xffffffff };
	struct ioctl_gntdev_set_max_grants s = { vals[o->b % 4] };
	int f = o->a % NFD, err;

	if (!file_open("SETMAX", f, 0))
		return;
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &s);
	desc("SETMAX f%d %u -> %s", f, s.count, res(err));
	errno_in("SETMAX", err, E_SETMAX);
	if (err && !s.count && !lab_stock)
		oracle("SETMAX", "SET_MAX_GRANTS 0 failed");
	if (!err && s.count)
		xf[f].capped = true;
}

static void x_notify(const struct op *o)
{
	struct ioctl_gntdev_unmap_notify u = { 0 };
	int f = o->a % NFD, m = pick_map(f, o->x), err;

	if (!file_open("NOTIFY", f, 0))
		return;
	/*
	 * Never a byte of word 0: a clear-byte notify writes the granted
	 * page at unmap time, and word 0 is the page's signature.
	 */
	u.index = m >= 0 && o->b % 4 ? xm[m].off + (o->y % xm[m].n) * PG + 8 +
					       (o->x >> 8) % (PG - 8) :
				       (__u64)o->y << (o->c % 40) | 8;
	/* Mostly clear-byte; sometimes an event on a random port, or junk. */
	u.action = o->c % 8 == 0 ? o->c >> 3 : o->c % 4 ? 1 : 2;
	u.event_channel_port = o->x >> 16;
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &u);
	desc("NOTIFY f%d off %#llx action %#x port %u -> %s", f,
	     (unsigned long long)u.index, u.action, u.event_channel_port,
	     res(err));
	if (err) {
		errno_in("NOTIFY", err, E_NOTIFY);
		return;
	}
	if (u.action & ~3U)
		oracle("NOTIFY", "SET_UNMAP_NOTIFY with action %#x worked",
		       u.action);
	/* A clear-byte notify makes a later read-only mmap fail (ours). */
	if (m >= 0 && (u.action & 1))
		xm[m].clear_notify = true;
	if (u.action & 1) {
		int i;

		for (i = 0; i < NMAP; i++) {
			if (map_in(i, f) && u.index >= xm[i].off &&
			    u.index < xm[i].off + xm[i].n * PG)
				xm[i].clear_notify = true;
		}
	}
}

static void x_copy(const struct op *o)
{
	struct gntdev_grant_copy_segment seg[4];
	static __u64 buf[2 * WORDS];
	struct ioctl_gntdev_grant_copy c;
	int f = o->a % NFD, r = pick_reg(o->y), err;
	__u32 n = o->b % 5, i, v;
	bool checkable[4] = { false };

	if (!file_open("COPY", f, 0))
		return;
	memset(seg, 0, sizeof(seg));
	memset(buf, 0, sizeof(buf));
	desc("COPY f%d n=%u:", f, n);
	for (i = 0; i < n; i++) {
		struct gntdev_grant_copy_segment *s = &seg[i];
		__u32 ref = fz_pool.refs[(o->x >> (4 * i)) % POOL];
		void *local;

		v = (o->x >> (8 * i)) ^ (o->y >> (3 * i));
		/* The local side: a buffer, page-crossing, NULL, a mapping. */
		switch (v % 8) {
		case 0:
			local = NULL;
			break;
		case 1:
			local = (char *)buf + PG - 8;
			break;
		case 2: /* past word 0, which holds the page's signature */
			local = r >= 0 ? (void *)(xr[r].addr + 1) : buf;
			break;
		default:
			local = buf;
			break;
		}
		s->len = (v >> 3) % 4 ? 8U << ((v >> 5) % 10) :
					(v >> 8) & 0xffff;
		s->flags = (v >> 12) % 8 ? 1 + (v >> 15) % 3 : (v >> 18) & 0xf;
		if (s->flags & GNTCOPY_source_gref) {
			s->source.foreign.ref =
				(v >> 22) % 8 ? ref : LAB_NEVER_GRANTED;
			s->source.foreign.offset =
				(v >> 25) % 2 ? 0 : (v >> 4) & 0xfff;
		} else {
			s->source.virt = local;
		}
		if (s->flags & GNTCOPY_dest_gref) {
			/* Word 0 of a granted page is its signature: spare it. */
			s->dest.foreign.ref = ref;
			s->dest.foreign.offset = 8 + (v >> 2) % 4088;
		} else {
			s->dest.virt = local;
			/* Into a mapping: not across into the next page's word 0. */
			if (local != buf && local && s->len > PG - 8)
				s->len = PG - 8;
		}
		checkable[i] = s->flags == GNTCOPY_source_gref &&
			       s->source.foreign.ref == ref &&
			       !s->source.foreign.offset && s->len >= 8 &&
			       s->len <= PG && local == buf;
		s->status = 0x7ead;
		desc(" [%#x len %u]", s->flags, s->len);
	}
	c.count = n;
	c.segments = o->c % 16 ? seg : (void *)8;
	err = -lab_ioctl(xf[f].fd, IOCTL_GNTDEV_GRANT_COPY, &c);
	desc(" -> %s", res(err));
	if (err) {
		errno_in("COPY", err, E_COPY);
		return;
	}
	if (!n)
		return;
	if (c.segments != seg)
		oracle("COPY", "GRANT_COPY from address 8 worked");
	for (i = 0; i < n; i++) {
		/* Later segments may overwrite buf: check the last. */
		if (checkable[i] && i == n - 1 && seg[i].status == GNTST_okay &&
		    buf[0] != lab_sig(seg[i].source.foreign.ref))
			oracle("COPY", "copy of ref %u gave %#llx",
			       seg[i].source.foreign.ref,
			       (unsigned long long)buf[0]);
		if (checkable[i] && seg[i].status != GNTST_okay)
			oracle("COPY", "copy of pool ref %u: status %d",
			       seg[i].source.foreign.ref, seg[i].status);
		if (seg[i].status == 0x7ead)
			oracle("COPY", "segment %u status not written", i);
	}
}

static void x_mmap(const struct op *o)
{
	static const int prots[4] = { PROT_READ | PROT_WRITE, PROT_READ,
				      PROT_NONE, PROT_WRITE };
	int f = o->a % NFD, m = pick_map(f, o->x), r = free_slot_reg(), flags;
	int prot = prots[o->b % 4], dn = 0, over = -1;
	unsigned int how = o->c % 8;
	volatile __u64 *a;
	__u64 off;
	size_t pages;
	void *hint = NULL;
	bool strict, exact;

	if (!file_open("MMAP", f, r))
		return;
	if (m < 0) {
		off = (__u64)(o->y % 64) << 12;
		pages = 1 + o->y % 4;
	} else {
		off = xm[m].off;
		pages = xm[m].n;
		if (how == 5)
			dn = o->y % 2 ? 1 : -1; /* one page too many or few */
		if (how == 6)
			off += PG;
		pages += dn;
	}
	flags = o->b % 8 == 7 ? MAP_PRIVATE : MAP_SHARED;
	/* Over an existing mapping, never past its end (our own memory). */
	if (how == 7) {
		over = pick_reg(o->y);
		if (over >= 0 && pages <= xr[over].pages) {
			hint = (void *)xr[over].addr;
			flags |= MAP_FIXED;
		} else {
			over = -1;
		}
	}
	exact = m >= 0 && how != 6 && !dn;
	a = mmap(hint, pages * PG, prot, flags, xf[f].fd, off);
	desc("MMAP f%d off %#llx pages %zu prot %d %s%s -> %s", f,
	     (unsigned long long)off, pages, prot,
	     flags & MAP_PRIVATE ? "private" : "shared",
	     flags & MAP_FIXED ? " fixed-over" : "",
	     res(a == MAP_FAILED ? errno : 0));
	/*
	 * MAP_FIXED unmaps what was there before it asks the driver; if the
	 * driver refuses, the kernel leaves a hole (6.1's mmap_region(), 6.12's
	 * vms_abort_munmap_vmas() once ->close has run), though a failure found
	 * before the unmap keeps the old pages. Either way they are no longer
	 * tracked: a later mmap() may land in the hole.
	 */
	if (over >= 0)
		regions_cut(hint, pages * PG);
	/* Must work: the whole of a live, never mmapped map, plainly. */
	strict = exact && how < 5 && !xm[m].mmapped && xm[m].good &&
		 !xf[f].shared && !xf[f].rdonly && (flags & MAP_SHARED) &&
		 (prot == (PROT_READ | PROT_WRITE) ||
		  (prot == PROT_READ && !xm[m].clear_notify));
	/* A map is mmappable once; a failed try may have used that up. */
	if (exact)
		xm[m].mmapped = true;
	if (a == MAP_FAILED) {
		errno_in("MMAP", errno, E_MMAP);
		if (strict)
			oracle("MMAP",
			       "mmap of a live map (off %#llx n %u): %s",
			       (unsigned long long)off, xm[m].n,
			       lab_errname(errno));
		return;
	}
	if (m >= 0 && how == 6 && xm[m].n > 1)
		oracle("MMAP", "mmap at a map's second page worked");
	if (m >= 0 && dn)
		oracle("MMAP", "mmap %+d page of a map worked", dn);
	if (exact && !xm[m].good && !xf[f].shared)
		oracle("MMAP", "mmap of a map with a bad ref worked");
	if (!exact) {
		int i;

		for (i = 0; i < NMAP; i++) {
			if (map_in(i, f) && xm[i].off == off)
				xm[i].mmapped = true;
		}
	}
	xr[r] = (struct xreg){ .state = strict ? R_CLEAN : R_UNKNOWN,
			       .addr = a,
			       .pages = pages,
			       .map = m,
			       .serial = m >= 0 ? xm[m].serial : 0,
			       .file = f,
			       .writable = prot & PROT_WRITE };
	if (strict) {
		__u32 i;
		__u64 v;

		memcpy(xr[r].refs, xm[m].refs, sizeof(xr[r].refs));
		for (i = 0; i < xm[m].n; i++) {
			if (guarded(a + i * WORDS, &v, false))
				oracle("MMAP",
				       "fresh mapping faults at page %u", i);
			if (v != lab_sig(xm[m].refs[i]))
				oracle("MMAP",
				       "page %u of a fresh mapping shows %#llx, not ref %u",
				       i, (unsigned long long)v, xm[m].refs[i]);
		}
	}
}

static void x_munmap(const struct op *o)
{
	int r = pick_reg(o->a);
	size_t first = 0, n;
	volatile __u64 *base;

	if (!reg_found("MUNMAP", r))
		return;
	base = xr[r].addr;
	n = xr[r].pages;
	switch (o->b % 6) {
	case 0:
	case 1:
	case 2:
		break;
	case 3: /* head */
		n = 1;
		break;
	case 4: /* tail */
		first = n - 1;
		n = 1;
		break;
	default: /* from a random page, a random length within */
		first = o->x % n;
		n = 1 + o->y % (n - first);
		break;
	}
	if (munmap((void *)(base + first * WORDS), n * PG))
		errno_in("MUNMAP", errno, (const int[]){ EINVAL, 0 });
	desc("MUNMAP r%d pages %zu+%zu of %zu", r, first, n, xr[r].pages);
	regions_cut(base + first * WORDS, n * PG);
}

static void x_mremap(const struct op *o)
{
	int r = pick_reg(o->a);
	size_t old, new;
	void *a, *to = NULL;
	int flags = 0;

	if (!reg_found("MREMAP", r))
		return;
	old = xr[r].pages * PG;
	switch (o->b % 4) {
	case 0: /* shrink */
		new = old > PG ? old - PG : old;
		break;
	case 1: /* grow */
		new = old + PG;
		flags = o->c % 2 ? MREMAP_MAYMOVE : 0;
		break;
	default: /* move to a fresh place */
		new = old;
		to = mmap(NULL, old, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		break;
	}
	a = mremap((void *)xr[r].addr, old, new, flags, to);
	desc("MREMAP r%d %zu -> %zu%s -> %s", r, old / PG, new / PG,
	     to ? " moved" : "", res(a == MAP_FAILED ? errno : 0));
	if (a == MAP_FAILED) {
		errno_in("MREMAP", errno, E_MREMAP);
		if (to && to != MAP_FAILED)
			munmap(to, old);
		return;
	}
	xr[r].state = R_UNKNOWN;
	xr[r].addr = a;
	xr[r].pages = new / PG;
}

static void x_mprotect(const struct op *o)
{
	static const int prots[3] = { PROT_READ, PROT_READ | PROT_WRITE,
				      PROT_NONE };
	int r = pick_reg(o->a), prot = prots[o->b % 3], err;

	if (!reg_found("MPROTECT", r))
		return;
	err = mprotect((void *)xr[r].addr, xr[r].pages * PG, prot) ? errno : 0;
	desc("MPROTECT r%d prot %d -> %s", r, prot, res(err));
	if (err) {
		errno_in("MPROTECT", err, E_MPROTECT);
		return;
	}
	/* A read-only mapping of ours never becomes writable. */
	if (xr[r].state == R_CLEAN && !xr[r].writable && (prot & PROT_WRITE) &&
	    !lab_stock)
		oracle("MPROTECT", "a read-only mapping was made writable");
	xr[r].state = R_UNKNOWN;
}

static void x_madvise(const struct op *o)
{
	static const int advs[3] = { MADV_DONTNEED, MADV_DONTFORK,
				     MADV_DOFORK };
	int r = pick_reg(o->a), adv = advs[o->b % 3], err;

	if (!reg_found("MADVISE", r))
		return;
	err = madvise((void *)xr[r].addr, xr[r].pages * PG, adv) ? errno : 0;
	desc("MADVISE r%d %d -> %s", r, adv, res(err));
	if (err)
		errno_in("MADVISE", err, E_MADVISE);
	else if (adv == MADV_DONTNEED)
		xr[r].state = R_UNKNOWN;
}

static void x_touch(const struct op *o)
{
	int r = pick_reg(o->a), s, k;
	__u32 pg, w;
	__u64 v;

	if (!reg_found("TOUCH", r))
		return;
	pg = o->x % xr[r].pages;
	w = 1 + o->y % (WORDS - 1);
	s = guarded(xr[r].addr + pg * WORDS, &v, false);
	if (xr[r].state != R_CLEAN) {
		desc("TOUCH r%d page %u (unknown) -> %s", r, pg,
		     s ? strsignal(s) : "read");
		return;
	}
	if (s)
		oracle("TOUCH", "read of a clean mapping: %s", strsignal(s));
	if (v != lab_sig(xr[r].refs[pg]))
		oracle("TOUCH", "page %u of a mapping shows %#llx, not ref %u",
		       pg, (unsigned long long)v, xr[r].refs[pg]);
	if (xr[r].writable && o->b % 2) {
		v = o->y;
		s = guarded(xr[r].addr + pg * WORDS + w, &v, true);
		if (s)
			oracle("TOUCH", "write to a clean RW mapping: %s",
			       strsignal(s));
		/* The granting side sees it. */
		for (k = 0; k < POOL; k++) {
			if (fz_pool.refs[k] == xr[r].refs[pg] &&
			    fz_pool.mem[k * WORDS + w] != o->y)
				oracle("TOUCH",
				       "write through a mapping not seen by the granter");
		}
	}
	desc("TOUCH r%d page %u%s ok", r, pg,
	     xr[r].writable && o->b % 2 ? " write" : "");
}

/*
 * In a fork child: one to four steps of the lab worker on the inherited
 * file @x, beside the parent's maps, each map unmapped again; the worker's
 * own checks hold there too. A refused MAP may be a limit: ENOSPC is an
 * answer. Exits 5 on a failure.
 */
static void fork_worker(const struct xfile *x, const struct op *o)
{
	struct lab_worker_stats st = { 0 };
	struct lab_worker w = {
		.fd = x->fd,
		.refs = fz_pool.refs,
		.nrefs = POOL,
		.max_pages = 2,
		.rdonly = x->rdonly,
		.may_enospc = true,
		.st = &st,
		.r = { (__u64)o->x << 32 | o->y },
	};
	unsigned int i;

	for (i = 0; i <= o->c % 4u; i++) {
		if (!lab_worker_step(&w)) {
			fprintf(stderr, "fork child: %s\n", st.msg);
			_exit(5);
		}
	}
}

/* A child pokes at what it inherited, maps on a shared file, exits. */
static void x_fork(const struct op *o)
{
	int f = o->a % NFD, st, i;
	pid_t pid;
	__u64 v;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		oracle("FORK", "fork: %s", lab_errname(errno));
	if (!pid) {
		for (i = 0; i < NREG; i++) {
			if (xr[i].state != R_FREE)
				guarded(xr[i].addr, &v, false);
		}
		if (xf[f].fd >= 0 && o->b % 2)
			fork_worker(&xf[f], o);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		oracle("FORK", "waitpid: %s", lab_errname(errno));
	desc("FORK (child on f%d) -> status %#x", f, st);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		oracle("FORK", "fork child: status %#x", st);
	if (xf[f].fd >= 0 && o->b % 2)
		xf[f].shared = true;
}

const struct op_kind op_kinds[OP_NR] = {
	{ "OPEN", 3, x_open },	     { "CLOSE", 2, x_close },
	{ "MAP", 14, x_map },	     { "UNMAP", 8, x_unmap },
	{ "GETOFF", 4, x_getoff },   { "SETMAX", 2, x_setmax },
	{ "NOTIFY", 3, x_notify },   { "COPY", 5, x_copy },
	{ "MMAP", 14, x_mmap },	     { "MUNMAP", 6, x_munmap },
	{ "MREMAP", 3, x_mremap },   { "MPROTECT", 3, x_mprotect },
	{ "MADVISE", 2, x_madvise }, { "TOUCH", 10, x_touch },
	{ "FORK", 2, x_fork },
};

/* The executor: run the kept operations of @ops, then exit as they are. */
void __attribute__((noreturn))
executor(const struct op *ops, const bool *keep, unsigned int n)
{
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < NFD; i++)
		xf[i].fd = -1;
	alarm(60);
	for (i = 0; i < n; i++) {
		cur_op = i;
		fz_rep->cur = i;
		if (!keep[i])
			continue;
		op_kinds[ops[i].type].run(&ops[i]);
		fz_rep->ops_done++;
	}
	_exit(XC_OK);
}
