// SPDX-License-Identifier: GPL-2.0
/*
 * conform-regress.c - the "regress" group of gntdev-conform, run only when
 * asked for (-g regress), on our driver only: one directed test for each
 * bug found in our driver by review (see the commits that fixed them).
 * Some use our module's test knobs (fail_unmap_alloc, fail_state_alloc),
 * which the stock driver does not have, and the last one tries to unload
 * our module; each of them hung, leaked or crashed the dom0 kernel before
 * its fix.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define P CONFORM_PAGE
#define PARAMS "/sys/module/gntdev/parameters/"

/* Write @value to our module's parameter @name; 0 or -errno. */
static int set_param(const char *name, unsigned int value)
{
	char path[128], buf[16];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%u\n", value);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

/* Read a decimal number from a sysfs file; -1 if that fails. */
static long read_number(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return got > 0 ? strtol(buf, NULL, 10) : -1;
}

/* A MAP request for pool page @page, in a page of its own. */
static struct ioctl_gntdev_map_grant_ref *map_request_page(unsigned int page)
{
	struct ioctl_gntdev_map_grant_ref *op;

	op = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	if (op == MAP_FAILED)
		obs_end("mmap=%s", ename(errno));
	op->count = 1;
	op->refs[0].domid = 0;
	op->refs[0].ref = pool.refs[page];
	return op;
}

/* --- MAP's copy-out fails while another thread UNMAPs the map ---------- */

struct uffd_race {
	int uffd;
	int gfd;
	void *page;
	const char *fault;
	atomic_int unmap_err;
	atomic_bool unmap_done;
	int reuse_err;
	__u64 reuse_index;
};

static void *race_unmap(void *arg)
{
	struct uffd_race *r = arg;

	atomic_store(&r->unmap_err, lab_unmap(r->gfd, 0, 1));
	atomic_store(&r->unmap_done, true);
	return NULL;
}

/*
 * The userfaultfd handler: when MAP's write of @index faults, UNMAP the
 * new map (at offset 0, the first of a fresh file) from another thread,
 * give it a second (a driver that holds its lock across the copy-out
 * blocks it), MAP another grant (whose map takes the memory the first one
 * freed), then make the write fail for good: read-only page, fault
 * resolved.
 */
static void *race_handler(void *arg)
{
	struct uffd_race *r = arg;
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)r->page, .len = P },
	};
	struct pollfd pfd = { .fd = r->uffd, .events = POLLIN };
	struct uffd_msg msg;
	pthread_t unmapper;
	unsigned int waited;

	r->fault = "none";
	if (poll(&pfd, 1, 5000) == 1 &&
	    read(r->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT) {
		r->fault = msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP ?
				   "wp" :
				   "other";
		if (pthread_create(&unmapper, NULL, race_unmap, r) == 0) {
			for (waited = 0;
			     waited < 1000 && !atomic_load(&r->unmap_done);
			     waited += 10)
				lab_sleep_ms(10);
			pthread_detach(unmapper);
		}
		if (atomic_load(&r->unmap_done))
			r->reuse_err = map_pool(r->gfd, 1, 1, &r->reuse_index);
	}
	mprotect(r->page, P, PROT_READ);
	ioctl(r->uffd, UFFDIO_WRITEPROTECT, &wp);
	ioctl(r->uffd, UFFDIO_WAKE, &wp.range);
	return NULL;
}

/*
 * Finding 1, deterministically: MAP's argument is write-protected by
 * userfaultfd, so the copy-out of @index waits in the handler, which
 * UNMAPs the map meanwhile and then makes the copy-out fail. The failing
 * MAP used to undo a map that the UNMAP had already freed, and so freed
 * the map that took its memory, still in the table: a use-after-free
 * (WARNING in gntdev_ioctl, refcount underflow, list corruption). The
 * second map must work to the end.
 */
static void case_map_efault_uffd(unsigned int arg)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	struct ioctl_gntdev_map_grant_ref *op = map_request_page(0);
	struct uffd_race r = { .gfd = gopen(), .page = op, .reuse_err = 1 };
	pthread_t handler;
	void *p;

	pool_fill(1, 1, 60);
	r.uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (r.uffd < 0)
		obs_end("userfaultfd=%s", ename(errno));
	reg.range.start = wp.range.start = (unsigned long)op;
	reg.range.len = wp.range.len = P;
	if (ioctl(r.uffd, UFFDIO_API, &api) ||
	    ioctl(r.uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(r.uffd, UFFDIO_WRITEPROTECT, &wp))
		obs_end("uffd-wp=%s", ename(errno));
	if (pthread_create(&handler, NULL, race_handler, &r))
		obs_end("thread=failed");
	obs("map=%s", ename(lab_ioctl(r.gfd, IOCTL_GNTDEV_MAP_GRANT_REF, op)));
	pthread_join(handler, NULL);
	obs("fault=%s", r.fault);
	obs("unmap=%s", atomic_load(&r.unmap_done) ?
				ename(atomic_load(&r.unmap_err)) :
				"blocked");
	if (r.reuse_err)
		obs_end("reuse=%s",
			r.reuse_err > 0 ? "not-tried" : ename(r.reuse_err));
	p = gmmap(r.gfd, r.reuse_index, 1, PROT_READ, MAP_SHARED);
	obs("reuse=%s", p == MAP_FAILED	       ? ename(errno) :
			verify_at(p, 1, 1, 60) ? "ok" :
						 "mismatch");
	if (p != MAP_FAILED)
		munmap(p, P);
	obs("unmap=%s", ename(lab_unmap(r.gfd, r.reuse_index, 1)));
	obs("active=%d", wait_active(0, 2, 0, 1000));
}

struct race_worker {
	int fd;
	double until;
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned long calls, other;
};

/* MAP with an argument that reads but does not write: always EFAULT. */
static void *race_map_ro(void *arg)
{
	struct race_worker *w = arg;

	while (lab_now() < w->until) {
		if (lab_ioctl(w->fd, IOCTL_GNTDEV_MAP_GRANT_REF, w->op) !=
		    -EFAULT)
			w->other++;
		w->calls++;
	}
	return NULL;
}

/* UNMAP offsets 0..63 round and round, whoever's they are. */
static void *race_unmap_any(void *arg)
{
	struct race_worker *w = arg;
	unsigned int i;

	while (lab_now() < w->until) {
		for (i = 0; i < 64; i++)
			lab_unmap(w->fd, (__u64)i * P, 1);
		w->calls++;
	}
	return NULL;
}

/* MAP and UNMAP the normal way; only the MAP must always work. */
static void *race_map_normal(void *arg)
{
	struct race_worker *w = arg;
	__u64 index;

	while (lab_now() < w->until) {
		if (map_pool(w->fd, 1, 1, &index))
			w->other++;
		else
			lab_unmap(w->fd, index, 1);
		w->calls++;
	}
	return NULL;
}

/*
 * Finding 1, as a user would meet it: the same race, left to the
 * scheduler, for @arg seconds.
 */
static void case_map_efault_race(unsigned int arg)
{
	struct race_worker w[3];
	void *(*fn[3])(void *) = { race_map_ro, race_unmap_any,
				   race_map_normal };
	pthread_t t[3];
	int fd = gopen();
	unsigned int i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 3; i++) {
		w[i].fd = fd;
		w[i].until = lab_now() + arg;
	}
	w[0].op = map_request_page(0);
	mprotect(w[0].op, P, PROT_READ);
	for (i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, fn[i], &w[i]))
			obs_end("thread=failed");
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	note("map-efault-race: %lu EFAULT MAPs, %lu UNMAP rounds, %lu MAPs",
	     w[0].calls, w[1].calls, w[2].calls);
	obs("map-ro=%s", w[0].calls && !w[0].other ? "EFAULT" : "other");
	obs("map=%s", w[2].calls && !w[2].other ? "ok" : "failed");
	for (i = 0; i < 64; i++)
		lab_unmap(fd, (__u64)i * P, 1);
	obs("active=%d", wait_active(0, 2, 0, 2000));
}

/* --- fork after MADV_DOFORK ------------------------------------------- */

/*
 * Finding 4: on PV, MADV_DOFORK let fork copy the grant PTEs into the
 * child; once the parent had unmapped, the child's exit never dropped the
 * page references it had taken ("BUG: Bad rss-counter state") and the
 * grant stayed mapped until reboot. The child now gets the VMA without
 * PTEs: SIGBUS on access, nothing to leak. Since 7.x the kernel refuses
 * MADV_DOFORK on every driver's special mapping (EINVAL, gntalloc's pool
 * mapping too) and the child gets no VMA at all: SIGSEGV. Either way our
 * mapping must follow the kernel's rule for gntalloc's, and the child
 * must never reach the grant ("child=no-grant").
 */
static void case_dofork_parent_unmap(unsigned int arg)
{
	int fd = gopen(), res[2], go[2], sig = -1, kernel, err;
	__u64 index;
	char byte = 0;
	pid_t pid;
	void *p = map_filled(fd, 1, 61, &index);

	kernel = madvise(pool.page[0], P, MADV_DOFORK) ? errno : 0;
	err = madvise(p, P, MADV_DOFORK) ? errno : 0;
	note("dofork-parent-unmap: MADV_DOFORK %s on gntalloc, %s on gntdev",
	     ename(kernel), ename(err));
	obs("dofork=%s", err == kernel ? "as-gntalloc" : ename(err));
	if (pipe(res) || pipe(go))
		obs_end("pipe=%s", ename(errno));
	pid = must_fork();
	if (!pid) {
		sig = probe(p, false);
		if (write(res[1], &sig, sizeof(sig)) != sizeof(sig) ||
		    read(go[0], &byte, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(res[0], &sig, sizeof(sig)) != sizeof(sig))
		sig = -1;
	if (sig == (err ? SIGSEGV : SIGBUS))
		obs("child=no-grant");
	else
		obs("child=%s", sig < 0 ? "lost" : sname(sig));
	munmap(p, P);
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
	close(fd);
	if (write(go[1], &byte, 1) != 1)
		obs("go=failed");
	waitpid(pid, NULL, 0);
	obs("after=%d", wait_active(0, 1, 0, 2000));
}

/* --- no memory for an unmap descriptor --------------------------------- */

/*
 * Finding 2: with a page of the mapping held by this process's own pipe,
 * munmap() must not wait for the holder when the unmap finds no memory
 * (test knob fail_unmap_alloc). It used to fall back to a synchronous
 * unmap inside the MMU notifier, which waited for the pipe that only the
 * blocked task could close: an unkillable task and a leaked grant.
 */
static void case_unmap_nomem_vmsplice(unsigned int arg)
{
	int fd = gopen(), pp[2];
	__u64 index;
	void *p;

	pool_fill(0, 1, 62);
	p = vmsplice_pool(fd, 0, &index, pp);
	obs("knob=%s", ename(set_param("fail_unmap_alloc", 1)));
	obs("munmap=%s", munmap(p, P) ? ename(errno) : "ok");
	obs("consumed=%s",
	    read_number(PARAMS "fail_unmap_alloc") == 0 ? "yes" : "no");
	obs("held=%d", active_refs(0, 1));
	pipe_verify(pp, 0, 62);
	obs("after=%d", wait_active(0, 1, 0, 2000));
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/*
 * Finding 9: an mmap() that found no memory for the map's state (test
 * knob fail_state_alloc) left the map marked mmapped, so it could never be
 * mmapped again (EINVAL). Now the retry works.
 */
static void case_mmap_nomem_retry(unsigned int arg)
{
	int fd = gopen();
	__u64 index;
	void *p;

	pool_fill(0, 1, 63);
	index = must_map_pool(fd, 0, 1);
	obs("knob=%s", ename(set_param("fail_state_alloc", 1)));
	obs("mmap=%s",
	    try_mmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED));
	p = gmmap(fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	obs("again=%s", p == MAP_FAILED ? ename(errno) : "ok");
	if (p != MAP_FAILED) {
		obs("data=%s", verify_at(p, 0, 1, 63) ? "ok" : "mismatch");
		munmap(p, P);
	}
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
	obs("after=%d", wait_active(0, 1, 0, 2000));
}

/* --- page-table walkers on a PV mapping -------------------------------- */

/* Read all of a /proc file; whether it read and contains @needle. */
static bool proc_has(const char *path, const char *needle)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got, len = 0;

	if (fd < 0)
		return false;
	while ((got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	close(fd);
	buf[len] = '\0';
	return got == 0 && (!needle || strstr(buf, needle));
}

/*
 * Finding 3: on PV the kernel-side mapping of a grant is made on first
 * use, from find_special_page(), under the PTE lock. Every page-table
 * walker that asks for the page goes through it: smaps, pagemap,
 * numa_maps, MADV_COLD, GUP from another process (process_vm_readv).
 * None may sleep there (the debug kernel's lockdep and might_sleep
 * checks watch), and the data must stay right.
 */
static void case_kmap_walkers(unsigned int arg)
{
	char name[64], want[4 * P];
	struct iovec local = { .iov_base = want, .iov_len = sizeof(want) };
	struct iovec remote = { .iov_len = sizeof(want) };
	unsigned long long entry;
	int fd = gopen(), st;
	unsigned int i;
	__u64 index;
	void *p;
	pid_t pid;

	p = map_filled(fd, 4, 64, &index);
	snprintf(name, sizeof(name), "%lx-", (unsigned long)p);
	obs("smaps=%s", proc_has("/proc/self/smaps", name) ? "ok" : "missing");
	st = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	for (i = 0; st >= 0 && i < 4; i++)
		if (pread(st, &entry, sizeof(entry),
			  ((unsigned long)p / P + i) * sizeof(entry)) !=
			    sizeof(entry) ||
		    !(entry >> 63))
			break;
	obs("pagemap=%s", i == 4 ? "present" : "absent");
	if (st >= 0)
		close(st);
	obs("numa_maps=%s",
	    proc_has("/proc/self/numa_maps", NULL) ? "ok" : "failed");
	obs("cold=%s", madvise(p, 4 * P, MADV_COLD) ? ename(errno) : "ok");
	obs("data=%s", verify_at(p, 0, 4, 64) ? "ok" : "mismatch");
	remote.iov_base = p;
	pid = must_fork();
	if (!pid)
		_exit(process_vm_readv(getppid(), &local, 1, &remote, 1, 0) ==
					      (ssize_t)sizeof(want) &&
				      verify_at(want, 0, 4, 64) ?
			      0 :
			      1);
	waitpid(pid, &st, 0);
	obs("remote=%s", WIFEXITED(st) && !WEXITSTATUS(st) ? "ok" : "failed");
	munmap(p, 4 * P);
	obs("unmap=%s", ename(lab_unmap(fd, index, 4)));
	obs("after=%d", wait_active(0, 4, 0, 2000));
}

/* --- unloading the module with an unmap pending ------------------------ */

/*
 * Finding 5: a page held by a pipe keeps its grant's unmap pending after
 * munmap() and close(); nothing held the module, so rmmod went through and
 * the unmap later completed in freed module text (an oops when the pipe
 * was closed). Each map now holds the module: rmmod is refused
 * (EWOULDBLOCK) until the unmap is done. Run last: on a driver without the
 * fix it unloads the module.
 */
static void case_rmmod_pending_unmap(unsigned int arg)
{
	int fd, pp[2];
	__u64 index;

	obs("idle=%ld", read_number("/sys/module/gntdev/refcnt"));
	fd = gopen();
	munmap(vmsplice_pool(fd, 0, &index, pp), P);
	close(fd);
	obs("pending=%ld", read_number("/sys/module/gntdev/refcnt"));
	obs("rmmod=%s", syscall(SYS_delete_module, "gntdev", O_NONBLOCK) ?
				ename(errno) :
				"ok");
	close(pp[0]);
	close(pp[1]);
	obs("after=%d", wait_active(0, 1, 0, 2000));
	lab_sleep_ms(100);
	obs("idle=%ld", read_number("/sys/module/gntdev/refcnt"));
}

/* --- dma-buf grants count against the module-wide total ---------------- */

/*
 * The total_limit parameter bounds maps, dma-buf exports and imports of
 * all files together (the conformance group tests the per-file cap).
 */
static void case_dmabuf_total(unsigned int arg)
{
	long old = read_number(PARAMS "total_limit");
	int a = gopen(), b = gopen(), dfd = -1, ret;
	__u64 index;

	if (old < 0)
		obs_end("setup");
	obs("knob=%s", ename(set_param("total_limit", 3)));
	ret = exp_pool(a, 0, 2, &dfd);
	obs("exp=%s", ename(ret));
	if (ret)
		goto out;
	obs("imp=%s", ename(imp(b, dfd, 2, 0, NULL)));
	obs("map=%s", ename(map_pool(b, 2, 2, &index)));
	ret = map_pool(b, 2, 1, &index);
	obs("map1=%s", ename(ret));
	if (!ret)
		lab_unmap(b, index, 1);
	close(dfd);
	ret = exp_pool(a, 0, 3, &dfd);
	obs("after=%s", ename(ret));
	if (!ret)
		close(dfd);
out:
	obs("restore=%s", ename(set_param("total_limit", (unsigned int)old)));
	obs("active=%d", wait_active(0, 4, 0, 2000));
}

/* --- limits raised to the maximum ------------------------------------- */

/*
 * MAP requests of U32_MAX and 2^28 grants, with one ref of memory behind
 * them, once the per-request and module-wide limits allow any count: they
 * must fail cleanly, ENOMEM without a WARN (the state arrays are larger
 * than INT_MAX, which kvmalloc refuses; ours asks with __GFP_NOWARN).
 */
static void case_map_count_unlimited(unsigned int arg)
{
	static const __u32 counts[] = { 0xffffffffu, 0x10000000u };
	struct ioctl_gntdev_map_grant_ref op = { 0 };
	long limit = read_number(PARAMS "limit");
	long total = read_number(PARAMS "total_limit");
	unsigned int i;

	if (limit < 0 || total < 0)
		obs_end("params=missing");
	obs("knob=%s", ename(set_param("limit", 0xffffffffu)));
	obs("knob=%s", ename(set_param("total_limit", 0xffffffffu)));
	for (i = 0; i < 2; i++) {
		op.count = counts[i];
		op.refs[0].ref = LAB_NEVER_GRANTED;
		obs("map=%s",
		    ename(lab_ioctl(gopen(), IOCTL_GNTDEV_MAP_GRANT_REF, &op)));
	}
	obs("restore=%s",
	    ename(set_param("limit", (unsigned int)limit) ?:
			  set_param("total_limit", (unsigned int)total)));
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("regress-map-efault-uffd", case_map_efault_uffd, 0,
		     "map=EFAULT fault=wp unmap=ok reuse=ok unmap=ok active=0",
		     .need = 2),
	CONFORM_CASE("regress-map-efault-race", case_map_efault_race, 3,
		     "map-ro=EFAULT map=ok active=0", .need = 2,
		     .timeout = 30),
	CONFORM_CASE("regress-dofork-parent-unmap", case_dofork_parent_unmap,
		     0, "dofork=as-gntalloc child=no-grant unmap=ok after=0",
		     .need = 1),
	CONFORM_CASE("regress-unmap-nomem-vmsplice", case_unmap_nomem_vmsplice,
		     0, "vmsplice=ok knob=ok munmap=ok consumed=yes held=1 "
		     "data=ok after=0 unmap=ok", .need = 1),
	CONFORM_CASE("regress-mmap-nomem-retry", case_mmap_nomem_retry, 0,
		     "knob=ok mmap=ENOMEM again=ok data=ok unmap=ok after=0",
		     .need = 1),
	CONFORM_CASE("regress-kmap-walkers", case_kmap_walkers, 0,
		     "smaps=ok pagemap=present numa_maps=ok cold=ok data=ok "
		     "remote=ok unmap=ok after=0", .need = 4),
	CONFORM_CASE("regress-dmabuf-total", case_dmabuf_total, 0,
		     "knob=ok exp=ok imp=ENOSPC map=ENOSPC map1=ok after=ok "
		     "restore=ok active=0", .need = 4),
	CONFORM_CASE("regress-rmmod-pending-unmap", case_rmmod_pending_unmap,
		     0, "idle=0 vmsplice=ok pending=1 rmmod=EAGAIN after=0 "
		     "idle=0", .need = 1),
	CONFORM_CASE("regress-map-count-unlimited", case_map_count_unlimited,
		     0, "knob=ok knob=ok map=ENOMEM map=ENOMEM restore=ok"),
};
/* clang-format on */

CONFORM_GROUP(conform_regress, "regress");
