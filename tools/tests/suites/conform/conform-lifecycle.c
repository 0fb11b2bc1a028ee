// SPDX-License-Identifier: GPL-2.0
/*
 * conform-lifecycle.c - the "lifecycle" group of gntdev-conform: what
 * happens to a map when its mapping or its process changes. Partial
 * munmap (VMA splits), UNMAP before and after munmap, MAP_FIXED over a
 * live mapping, mremap, mprotect, fork with and without exec, close and
 * exit with live maps, SIGKILL at random points, and unmap notifications.
 *
 * "active=N" in an observation is the number of the case's grants that Xen
 * lists as mapped at that point (xenlab-grants): it shows when the driver
 * really releases a grant, not just when it says it did.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define P CONFORM_PAGE

/* How long a grant may take to be released after the call that should. */
#define SETTLE_MS 1000

/* --- munmap, whole and in part --------------------------------------------- */

/* Report offset/count of the map behind @addr as "map/N" or an errno. */
static const char *offset_of(int fd, void *addr, __u64 index)
{
	static char buf[64];
	__u64 offset;
	__u32 count;
	int ret = lab_get_offset(fd, addr, &offset, &count);

	if (ret)
		return ename(ret);
	snprintf(buf, sizeof(buf), "%s/%u", offset == index ? "map" : "other",
		 count);
	return buf;
}

/* munmap a whole @n-page mapping, then UNMAP: the grants go at munmap. */
static void case_munmap_whole(unsigned int n)
{
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, n);
	void *p = must_gmmap(fd, index, n, PROT_READ | PROT_WRITE);

	if (munmap(p, n * P))
		obs_end("munmap=%s", ename(errno));
	obs("active=%d", wait_active(0, n, 0, SETTLE_MS));
	obs("unmap=%s", ename(lab_unmap(fd, index, n)));
}

/*
 * munmap one page of a 4-page mapping: 0 the head, 1 the tail, 2 one in
 * the middle (the VMA splits in two). The rest must keep its data and
 * still name the whole map; only the unmapped page's grant goes.
 */
static void case_munmap_part(unsigned int which)
{
	static const unsigned int hole[] = { 0, 3, 1 };
	unsigned int h = hole[which], i;
	int fd = gopen();
	__u64 index;
	char *p;

	p = map_filled(fd, 4, 30, &index);
	if (munmap(p + h * P, P))
		obs_end("munmap=%s", ename(errno));
	for (i = 0; i < 4; i++)
		if (i != h && !verify_at(p + i * P, i, 1, 30))
			obs_end("data-mismatch");
	obs("ok active=%d", wait_active(0, 4, 3, SETTLE_MS));

	if (which == 2) {
		obs("getoff=%s", offset_of(fd, p, index));
		obs("getoff=%s", offset_of(fd, p + 3 * P, index));
		munmap(p, P);
		obs("active=%d", wait_active(0, 4, 2, SETTLE_MS));
		munmap(p + 2 * P, 2 * P);
	} else {
		char *rest = which == 0 ? p + P : p;

		obs("getoff=%s", offset_of(fd, rest + 2 * P, index));
		munmap(rest, 3 * P);
	}
	obs("active=%d", wait_active(0, 4, 0, SETTLE_MS));
	obs("unmap=%s", ename(lab_unmap(fd, index, 4)));
}

/*
 * UNMAP while mmap()ed is allowed: the grants stay mapped, and readable,
 * until the munmap.
 */
static void case_unmap_then_munmap(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p = map_filled(fd, 2, 31, &index);

	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
	obs("data=%s", verify_at(p, 0, 2, 31) ? "ok" : "mismatch");
	obs("active=%d", active_refs(0, 2));
	obs("getoff=%s", offset_of(fd, p, index));
	munmap(p, 2 * P);
	obs("active=%d", wait_active(0, 2, 0, SETTLE_MS));
}

/* --- MAP_FIXED, mremap, mprotect ----------------------------------------- */

/*
 * mmap(MAP_FIXED) of map B over the live mapping of map A (@same: of A
 * itself, which may be mmap()ed only once). The old mapping goes either way.
 */
static void case_mmap_fixed_over(unsigned int same)
{
	int fd = gopen();
	__u64 a, b;
	void *pa, *q;

	pool_fill(0, 2, 32);
	a = must_map_pool(fd, 0, 1);
	b = must_map_pool(fd, 1, 1);
	pa = must_gmmap(fd, a, 1, PROT_READ | PROT_WRITE);
	q = mmap(pa, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)(same ? a : b));
	if (q == MAP_FAILED) {
		obs("%s", ename(errno));
		obs("old=%s", sname(probe(pa, false)));
	} else {
		obs("ok data=%s", verify_at(q, 1, 1, 32) ? "B" :
				  verify_at(q, 0, 1, 32) ? "A" :
							   "mismatch");
		munmap(q, P);
	}
	obs("activeA=%d", wait_active(0, 1, 0, SETTLE_MS));
	obs("unmap=%s,%s", ename(lab_unmap(fd, a, 1)),
	    ename(lab_unmap(fd, b, 1)));
}

/* Growing is refused in place and with MREMAP_MAYMOVE alike. */
static void case_mremap_grow(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p, *q;

	p = map_filled(fd, 1, 33, &index);
	q = mremap(p, P, 2 * P, 0);
	obs("%s", q == MAP_FAILED ? ename(errno) : "ok");
	if (q == MAP_FAILED) {
		q = mremap(p, P, 2 * P, MREMAP_MAYMOVE);
		obs("%s", q == MAP_FAILED ? ename(errno) : "ok");
	}
	if (q == MAP_FAILED)
		obs("data=%s", verify_at(p, 0, 1, 33) ? "ok" : "mismatch");
}

static void case_mremap_shrink(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p, *q;

	p = map_filled(fd, 2, 34, &index);
	q = mremap(p, 2 * P, P, 0);
	if (q == MAP_FAILED)
		obs_end("%s", ename(errno));
	obs("ok data=%s", verify_at(q, 0, 1, 34) ? "ok" : "mismatch");
	obs("active=%d", wait_active(0, 2, 1, SETTLE_MS));
	munmap(q, P);
	obs("active=%d", wait_active(0, 2, 0, SETTLE_MS));
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
}

/* Moving a mapping: does the new place still show the grants? */
static void case_mremap_move(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p, *q, *dst;
	int sig;

	p = map_filled(fd, 2, 35, &index);
	dst = reserve_va(2);
	q = mremap(p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED) {
		obs("move=%s", ename(errno));
		obs("data=%s", verify_at(p, 0, 2, 35) ? "ok" : "mismatch");
		q = p;
	} else {
		obs("move=ok");
		sig = probe(q, false);
		obs("access=%s", sname(sig));
		if (!sig)
			obs("data=%s",
			    verify_at(q, 0, 2, 35) ? "ok" : "mismatch");
		obs("active=%d", active_refs(0, 2));
		obs("getoff=%s", offset_of(fd, q, index));
	}
	munmap(q, 2 * P);
	obs("after=%d", wait_active(0, 2, 0, SETTLE_MS));
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
}

/*
 * mprotect(PROT_WRITE) on a read-only mapping, shared or private; then
 * read through it. Where mprotect succeeds nothing is written: a write
 * through a read-only grant, or a copy-on-write of a granted page, is
 * exactly what must not happen.
 */
static void case_mprotect_ro_rw(unsigned int private)
{
	int fd = gopen();
	__u64 index;
	void *p;

	pool_fill(0, 1, 44);
	index = must_map_pool(fd, 0, 1);
	p = gmmap(fd, index, 1, PROT_READ, private ? MAP_PRIVATE : MAP_SHARED);
	if (p == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	obs("%s", mprotect(p, P, PROT_READ | PROT_WRITE) ? ename(errno) : "ok");
	obs("read=%s", sname(probe(p, false)));
	munmap(p, P);
}

/*
 * Write-protect a writable shared mapping and lift the protection again,
 * reading after each step: does the mapping survive mprotect()?
 */
static void case_mprotect_rw_ro_rw(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p = map_filled(fd, 1, 45, &index);

	obs("ro=%s", mprotect(p, P, PROT_READ) ? ename(errno) : "ok");
	obs("read=%s", sname(probe(p, false)));
	obs("active=%d", active_refs(0, 1));
	obs("rw=%s",
	    mprotect(p, P, PROT_READ | PROT_WRITE) ? ename(errno) : "ok");
	obs("read=%s", sname(probe(p, false)));
	munmap(p, P);
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/* --- get_user_pages on a mapping ---------------------------------------- */

/*
 * GRANT_COPY between a grant and a local buffer that is itself a gntdev
 * mapping: the driver pins the buffer with get_user_pages, which has to
 * find the page behind a grant PTE. @to_mapping: copy into the mapping.
 */
static void case_gup_copy(unsigned int to_mapping)
{
	struct gntdev_grant_copy_segment seg;
	int fd = gopen();
	__u64 index;
	void *p;
	int ret;

	pool_fill(0, 2, 46);
	index = must_map_pool(fd, 0, 1);
	p = must_gmmap(fd, index, 1, PROT_READ | PROT_WRITE);
	if (to_mapping)
		seg_from_ref(&seg, pool.refs[1], 0, p, P);
	else
		seg_to_ref(&seg, p, pool.refs[1], 0, P);
	ret = lab_grant_copy(fd, &seg, 1);
	if (ret)
		obs_end("%s", ename(ret));
	obs("ok status=%d", seg.status);
	/* Pool page 1's pattern now in page 0, or page 0's in page 1. */
	obs("data=%s", verify_at(pool.page[!to_mapping], to_mapping, 1, 46) ?
			       "ok" :
			       "mismatch");
	munmap(p, P);
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/* Another process's view through the mapping: process_vm_readv (on us). */
static void case_gup_vm_readv(unsigned int arg)
{
	char *buf = must_calloc(1, P);
	struct iovec local = { .iov_base = buf, .iov_len = P };
	struct iovec remote = { .iov_len = P };
	int fd = gopen();
	__u64 index;
	ssize_t got;

	pool_fill(0, 1, 47);
	index = must_map_pool(fd, 0, 1);
	remote.iov_base = must_gmmap(fd, index, 1, PROT_READ);
	got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (got < 0)
		obs_end("%s", ename(errno));
	obs("%s data=%s", got == (ssize_t)P ? "ok" : "short",
	    verify_at(buf, 0, 1, 47) ? "ok" : "mismatch");
}

/* --- fork, exec --------------------------------------------------------- */

/* Exit code: the signal that reading hit, 0 if none. */
static int child_probe(void *p)
{
	return probe(p, false);
}

/* A PV child gets no copy of the mapping (VM_DONTCOPY). */
static void case_fork(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p;
	int ret;

	p = map_filled(fd, 1, 36, &index);
	ret = in_child(child_probe, p);
	obs("child=%s", ret < 128 ? sname(ret) : "died");
	obs("parent=%s", verify_at(p, 0, 1, 36) ? "ok" : "mismatch");
}

struct unmap_args {
	int fd;
	__u64 index;
};

static int child_unmap(void *arg)
{
	struct unmap_args *a = arg;

	return -lab_unmap(a->fd, a->index, 1);
}

/* The child shares the file: its UNMAP removes the parent's map. */
static void case_fork_child_unmap(unsigned int arg)
{
	int fd = gopen();
	struct unmap_args a = { .fd = fd };
	void *p;
	int ret;

	p = map_filled(fd, 1, 37, &a.index);
	ret = in_child(child_unmap, &a);
	obs("child-unmap=%s", ret < 128 ? ename(ret) : "died");
	obs("parent=%s", verify_at(p, 0, 1, 37) ? "ok" : "mismatch");
	obs("unmap=%s", ename(lab_unmap(fd, a.index, 1)));
	munmap(p, P);
	obs("active=%d", wait_active(0, 1, 0, SETTLE_MS));
}

/*
 * fork + exec: the new program inherits the file (no O_CLOEXEC here) but
 * no mapping. It cannot mmap the parent's map (mmap()ed once already) but
 * can make and use its own; the parent's mapping is unaffected.
 */
static void case_fork_exec(unsigned int arg)
{
	char out[CONFORM_OBS_MAX];
	int fd = open(gntdev_node, O_RDWR);
	__u64 index;
	void *p;

	if (fd < 0)
		obs_end("open=%s", ename(errno));
	pool_fill(0, 2, 38);
	index = must_map_pool(fd, 0, 1);
	p = must_gmmap(fd, index, 1, PROT_READ | PROT_WRITE);
	conform_exec_run(out, sizeof(out), "--exec-child", "%d %llu %u", fd,
			 (unsigned long long)index, pool.refs[1]);
	obs("%s", out);
	obs("parent=%s", verify_at(p, 0, 1, 38) ? "ok" : "mismatch");
}

int conform_exec_child(const char *arg)
{
	unsigned long long index;
	unsigned int ref;
	__u64 own;
	void *p;
	int fd, ret;

	if (sscanf(arg, "%d %llu %u", &fd, &index, &ref) != 3)
		return 2;
	p = gmmap(fd, index, 1, PROT_READ, MAP_SHARED);
	printf("parent-map=%s", p == MAP_FAILED ? ename(errno) : "ok");
	ret = lab_map(fd, &ref, 1, 0, &own);
	if (ret) {
		printf(" own-map=%s\n", ename(ret));
		return 0;
	}
	p = gmmap(fd, own, 1, PROT_READ, MAP_SHARED);
	if (p == MAP_FAILED) {
		printf(" own-mmap=%s\n", ename(errno));
		return 0;
	}
	/* The parent filled pool page 1 (our ref) with seed 38. */
	printf(" own=%s", verify_at(p, 1, 1, 38) ? "ok" : "mismatch");
	munmap(p, P);
	printf(" own-unmap=%s\n", ename(lab_unmap(fd, own, 1)));
	return 0;
}

/* --- close, exit, kill ------------------------------------------------- */

/* close() with a live mapping: it keeps working until munmap. */
static void case_close_with_mmap(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p = map_filled(fd, 2, 39, &index);

	close(fd);
	obs("data=%s", verify_at(p, 0, 2, 39) ? "ok" : "mismatch");
	fill_at(p, 0, 2, 40);
	obs("write=%s", pool_verify(0, 2, 40) ? "ok" : "mismatch");
	obs("active=%d", active_refs(0, 2));
	munmap(p, 2 * P);
	obs("active=%d", wait_active(0, 2, 0, SETTLE_MS));
}

/* The notify byte of case_exit_holding: pool page 2, byte 200. */
#define EXIT_NOTIFY_PAGE 2
#define EXIT_NOTIFY_BYTE 200

/*
 * The holder: three maps of pool pages 0-7 (one mmap()ed read-write with a
 * clear-byte notification, one never mmap()ed, one mmap()ed read-only);
 * fork_holder() keeps them until it lets it exit, or kills it.
 */
static int hold_maps(void *arg)
{
	int fd = open(gntdev_node, O_RDWR | O_CLOEXEC);
	__u64 a, b, c;

	if (fd < 0 || map_pool(fd, 0, 4, &a) || map_pool(fd, 4, 2, &b) ||
	    map_pool(fd, 6, 2, &c))
		return 1;
	if (gmmap(fd, a, 4, PROT_READ | PROT_WRITE, MAP_SHARED) == MAP_FAILED ||
	    gmmap(fd, c, 2, PROT_READ, MAP_SHARED) == MAP_FAILED)
		return 2;
	if (set_notify(fd, a + EXIT_NOTIFY_PAGE * P + EXIT_NOTIFY_BYTE,
		       UNMAP_NOTIFY_CLEAR_BYTE, 0))
		return 3;
	return 0;
}

/* Exit (or SIGKILL with @kill9) while holding maps: nothing may stay. */
static void case_exit_holding(unsigned int kill9)
{
	unsigned char *byte = pool.page[EXIT_NOTIFY_PAGE] + EXIT_NOTIFY_BYTE;
	pid_t pid;
	int code;

	pool_fill(0, 8, 41);
	*byte = 0x5a;
	pid = fork_holder(hold_maps, NULL, &code);
	if (pid < 0)
		obs_end("holder=exit%d", code);
	obs("held=%d", active_refs(0, 8));
	end_holder(pid, kill9 ? SIGKILL : SIGCONT);
	obs("after=%d", wait_active(0, 8, 0, 2000));
	obs("byte=%s", *byte ? "kept" : "cleared");
}

/*
 * The victim of case_kill9_loop: map, mmap, munmap, UNMAP, notify, close
 * and reopen in a random order, forever, over pool pages 0-63.
 */
static void __attribute__((noreturn)) churn(__u32 seed)
{
	struct {
		__u64 index;
		void *p;
		unsigned int n;
		bool rw;
	} live[8];
	unsigned int nlive = 0, i, n;
	int fd = open(gntdev_node, O_RDWR | O_CLOEXEC);
	__u32 st = seed | 1;

	alarm(20);
	for (;;) {
		__u32 r = prng(&st);

		if (fd < 0)
			_exit(1);
		switch (r % 8) {
		case 0:
		case 1:
		case 2:
			if (nlive == 8)
				break;
			n = 1 + prng(&st) % 4;
			if (map_pool(fd, prng(&st) % 60, n, &live[nlive].index))
				break;
			live[nlive].n = n;
			live[nlive].rw = prng(&st) & 1;
			live[nlive].p = gmmap(fd, live[nlive].index, n,
					      live[nlive].rw ?
						      PROT_READ | PROT_WRITE :
						      PROT_READ,
					      MAP_SHARED);
			if (live[nlive].p != MAP_FAILED)
				(void)*(volatile char *)live[nlive].p;
			nlive++;
			break;
		case 3:
			if (!nlive)
				break;
			i = prng(&st) % nlive;
			if (live[i].p != MAP_FAILED)
				munmap(live[i].p, live[i].n * P);
			live[i].p = MAP_FAILED;
			break;
		case 4:
		case 5:
			if (!nlive)
				break;
			i = prng(&st) % nlive;
			lab_unmap(fd, live[i].index, live[i].n);
			if (r % 8 == 5 && live[i].p != MAP_FAILED)
				munmap(live[i].p, live[i].n * P);
			live[i] = live[--nlive];
			break;
		case 6:
			if (!nlive)
				break;
			i = prng(&st) % nlive;
			if (live[i].rw)
				set_notify(fd,
					   live[i].index +
						   prng(&st) % (live[i].n * P),
					   UNMAP_NOTIFY_CLEAR_BYTE, 0);
			break;
		case 7:
			/* Live mappings outlive the file; forget the maps. */
			if (prng(&st) % 4)
				break;
			close(fd);
			fd = open(gntdev_node, O_RDWR | O_CLOEXEC);
			nlive = 0;
			break;
		}
	}
}

/* SIGKILL a churning child at random moments, 50 times; then no leak. */
static void case_kill9_loop(unsigned int rounds)
{
	__u32 st = 0x9e3779b9u;
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < rounds; i++) {
		__u32 seed = prng(&st);

		pid = must_fork();
		if (!pid)
			churn(seed);
		lab_sleep_ms(prng(&st) % 40);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			obs_end("round%u=%s", i,
				WIFSIGNALED(status) ? sname(WTERMSIG(status)) :
						      "exited");
	}
	obs("after=%d", wait_active(0, 64, 0, 3000));
}

/* --- unmap notifications ------------------------------------------------ */

#define NOTIFY_BYTE 100

static const char *notify_byte_state(void)
{
	const unsigned char *b = pool.page[1] + NOTIFY_BYTE;

	if (b[-1] != 0x5b || b[1] != 0x5c)
		return "neighbours-changed";
	return *b ? "kept" : "cleared";
}

/*
 * UNMAP_NOTIFY_CLEAR_BYTE on byte 100 of a 2-page map's second page; when
 * is it cleared? @order: 0 munmap then UNMAP, 1 UNMAP then munmap, 2 the
 * map is never mmap()ed (nothing is mapped to clear it through).
 */
static void case_notify_clear(unsigned int order)
{
	unsigned char *b = pool.page[1] + NOTIFY_BYTE;
	int fd = gopen();
	__u64 index;
	void *p = NULL;

	pool_fill(0, 2, 42);
	b[-1] = 0x5b;
	b[0] = 0x5a;
	b[1] = 0x5c;
	index = must_map_pool(fd, 0, 2);
	if (order != 2)
		p = must_gmmap(fd, index, 2, PROT_READ | PROT_WRITE);
	obs("notify=%s", ename(set_notify(fd, index + P + NOTIFY_BYTE,
					  UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	if (order == 0) {
		munmap(p, 2 * P);
		obs("munmap:%s", notify_byte_state());
	}
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
	obs("unmap:%s", notify_byte_state());
	if (order == 1) {
		munmap(p, 2 * P);
		obs("munmap:%s", notify_byte_state());
	}
}

/* The holder of notify-event-kill: pool page 0 mmapped, notifying *@port. */
static int hold_notify(void *port)
{
	int fd = open(gntdev_node, O_RDWR | O_CLOEXEC);
	__u64 index;

	if (fd < 0 || map_pool(fd, 0, 1, &index))
		return 1;
	if (gmmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED) ==
	    MAP_FAILED)
		return 2;
	if (set_notify(fd, index, UNMAP_NOTIFY_SEND_EVENT, *(__u32 *)port))
		return 3;
	return 0;
}

/*
 * UNMAP_NOTIFY_SEND_EVENT through a loopback event channel: @how 0
 * munmap then UNMAP, 1 the holder is killed.
 */
static void case_notify_event(unsigned int how)
{
	struct lab_evtchn_pair e;
	int fd, ret;
	__u64 index;
	void *p;
	pid_t pid;

	must(lab_evtchn_pair_open(&e), "evtchn");
	if (how == 0) {
		fd = gopen();
		index = must_map_pool(fd, 0, 1);
		p = must_gmmap(fd, index, 1, PROT_READ | PROT_WRITE);
		obs("notify=%s",
		    ename(set_notify(fd, index, UNMAP_NOTIFY_SEND_EVENT,
				     e.tx)));
		munmap(p, P);
		obs("munmap:%s",
		    lab_evtchn_wait(&e, 300) > 0 ? "event" : "none");
		obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
		obs("unmap:%s",
		    lab_evtchn_wait(&e, 1000) > 0 ? "event" : "none");
		return;
	}
	pid = fork_holder(hold_notify, &e.tx, &ret);
	if (pid < 0)
		obs_end("holder=exit%d", ret);
	end_holder(pid, SIGKILL);
	obs("kill:%s", lab_evtchn_wait(&e, 1000) > 0 ? "event" : "none");
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("munmap-whole", case_munmap_whole, 4, "active=0 unmap=ok",
		     .need = 4),
	CONFORM_CASE("munmap-head", case_munmap_part, 0,
		     "ok active=3 getoff=map/4 active=0 unmap=ok", .need = 4),
	CONFORM_CASE("munmap-tail", case_munmap_part, 1,
		     "ok active=3 getoff=map/4 active=0 unmap=ok", .need = 4),
	CONFORM_CASE("munmap-middle", case_munmap_part, 2,
		     "ok active=3 getoff=map/4 getoff=map/4 active=2 active=0 unmap=ok",
		     .need = 4),
	CONFORM_CASE("unmap-then-munmap", case_unmap_then_munmap, 0,
		     "unmap=ok data=ok active=2 getoff=EINVAL active=0",
		     .stock = "unmap=ok data=ok active=2 getoff=map/2 active=0",
		     .need = 2),
	CONFORM_CASE("munmap-then-unmap", case_munmap_whole, 2,
		     "active=0 unmap=ok", .need = 2),
	CONFORM_CASE("mmap-fixed-over-other", case_mmap_fixed_over, 0,
		     "ok data=B activeA=0 unmap=ok,ok", .need = 2),
	CONFORM_CASE("mmap-fixed-over-same", case_mmap_fixed_over, 1,
		     "EINVAL old=SIGSEGV activeA=0 unmap=ok,ok", .need = 2,
		     .bad_input = true),
	CONFORM_CASE("mremap-grow", case_mremap_grow, 0,
		     "EFAULT EFAULT data=ok", .bad_input = true),
	CONFORM_CASE("mremap-shrink", case_mremap_shrink, 0,
		     "ok data=ok active=1 active=0 unmap=ok", .need = 2),
	CONFORM_CASE("mremap-move", case_mremap_move, 0,
		     "move=ok access=SIGBUS active=0 getoff=map/2 after=0 unmap=ok",
		     .need = 2),
	CONFORM_CASE("mprotect-ro-shared-rw", case_mprotect_ro_rw, 0,
		     "EACCES read=ok", .stock = "ok read=SIGBUS", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("mprotect-ro-private-rw", case_mprotect_ro_rw, 1,
		     "EACCES read=ok", .stock = "ok read=SIGBUS", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("mprotect-rw-ro-rw", case_mprotect_rw_ro_rw, 0,
		     "ro=ok read=SIGBUS active=0 rw=ok read=SIGBUS unmap=ok",
		     .need = 1),
	CONFORM_CASE("gup-copy-into-mapping", case_gup_copy, 1,
		     "ok status=0 data=ok unmap=ok", .need = 2),
	CONFORM_CASE("gup-copy-from-mapping", case_gup_copy, 0,
		     "ok status=0 data=ok unmap=ok", .need = 2),
	CONFORM_CASE("gup-process-vm-readv", case_gup_vm_readv, 0,
		     "ok data=ok", .need = 1),
	CONFORM_CASE("fork", case_fork, 0, "child=SIGSEGV parent=ok"),
	CONFORM_CASE("fork-child-unmap", case_fork_child_unmap, 0,
		     "child-unmap=ok parent=ok unmap=ENOENT active=0"),
	CONFORM_CASE("fork-exec", case_fork_exec, 0,
		     "parent-map=EINVAL own=ok own-unmap=ok parent=ok",
		     .need = 2, .bad_input = true),
	CONFORM_CASE("close-with-mmap", case_close_with_mmap, 0,
		     "data=ok write=ok active=2 active=0", .need = 2),
	CONFORM_CASE("exit-holding", case_exit_holding, 0,
		     "held=6 after=0 byte=cleared", .need = 8),
	CONFORM_CASE("kill9-holding", case_exit_holding, 1,
		     "held=6 after=0 byte=cleared", .need = 8),
	CONFORM_CASE("kill9-loop", case_kill9_loop, 50, "after=0", .need = 64,
		     .timeout = 120),
	CONFORM_CASE("notify-clear-munmap-first", case_notify_clear, 0,
		     "notify=ok munmap:cleared unmap=ok unmap:cleared",
		     .need = 2),
	CONFORM_CASE("notify-clear-unmap-first", case_notify_clear, 1,
		     "notify=ok unmap=ok unmap:kept munmap:cleared", .need = 2),
	CONFORM_CASE("notify-clear-never-mmapped", case_notify_clear, 2,
		     "notify=ok unmap=ok unmap:kept", .need = 2),
	CONFORM_CASE("notify-event", case_notify_event, 0,
		     "notify=ok munmap:none unmap=ok unmap:event", .need = 1),
	CONFORM_CASE("notify-event-kill", case_notify_event, 1, "kill:event",
		     .need = 1),
};
/* clang-format on */

CONFORM_GROUP(conform_lifecycle, "lifecycle", .by_default = true);
