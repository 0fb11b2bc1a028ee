// SPDX-License-Identifier: GPL-2.0
/*
 * conform-dmabuf.c - the "dmabuf" group of gntdev-conform: the dma-buf
 * ioctls (9 to 12). Every bad input with its errno; the data round trips
 * (a vgem buffer granted to dom0 itself and mapped back, pool grants
 * exported and imported again); waiting for release; fd passing, close
 * orders and kill -9 with exports and imports live; the fd ordering of
 * CVE-2025-38595. The stock driver (Debian's, built without
 * CONFIG_XEN_GNTDEV_DMABUF) answers ENOTTY to all of them, which its
 * expectations record.
 */
#include "conform-lib.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* --- the dma-buf ioctls ------------------------------------------------- */

/* Like exp_pool(), but ends the case ("exp=ERR") if it fails. */
static int must_exp_pool(int fd, unsigned int first, unsigned int n)
{
	int dfd = -1;

	must(exp_pool(fd, first, n, &dfd), "exp");
	return dfd;
}

/* Like imp(), but ends the case ("imp=ERR") if it fails. */
static void must_imp(int fd, int dfd, __u32 count, __u32 *refs)
{
	must(imp(fd, dfd, count, 0, refs), "imp");
}

/*
 * Map @n refs of dom0 through a gntdev file of its own and check them
 * against the pattern of pages [@first, @first + @n) with @seed, then
 * write @seed + 1 through the mapping. Records "data=..."; returns the
 * file, still holding the map, or -1 if the mapping failed.
 */
static int map_check(const __u32 *refs, unsigned int n, unsigned int first,
		     __u32 seed, void **pp)
{
	int fd = gopen();
	__u64 index;
	void *p = MAP_FAILED;
	int ret;

	ret = lab_map(fd, refs, n, 0, &index);
	if (!ret)
		p = gmmap(fd, index, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (p == MAP_FAILED) {
		obs(ret ? "map=%s" : "mmap=%s", ename(ret ? ret : errno));
		close(fd);
		return -1;
	}
	obs("data=%s", verify_at(p, first, n, seed) ? "ok" : "mismatch");
	fill_at(p, first, n, seed + 1);
	*pp = p;
	return fd;
}

/*
 * Import @dfd, a dma-buf of pool pages [0, @n) filled with @seed, through
 * @fd and check its grants with map_check() (with @back, also that what it
 * wrote through them reached the pool); release the import, close @dfd.
 */
static void imp_check(int fd, int dfd, unsigned int n, __u32 seed, bool back)
{
	__u32 *refs = must_calloc(n, sizeof(*refs));
	void *p = NULL;
	int mfd;

	must_imp(fd, dfd, n, refs);
	obs("ok");
	mfd = map_check(refs, n, 0, seed, &p);
	if (mfd >= 0) {
		if (back)
			obs("back=%s",
			    pool_verify(0, n, seed + 1) ? "ok" : "mismatch");
		munmap(p, n * CONFORM_PAGE);
		close(mfd);
	}
	obs("release=%s", ename(lab_dmabuf_imp_release(fd, dfd)));
	close(dfd);
}

/* Open file descriptors of this process, to see that none leaked. */
static unsigned int count_fds(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < 1024; i++)
		if (fcntl((int)i, F_GETFD) >= 0)
			n++;
	return n;
}

/* The pool's grants are all unmapped again (unmaps may lag a little). */
static void obs_active(unsigned int first, unsigned int n)
{
	int left = wait_active(first, n, 0, 3000);

	if (left < 0)
		obs("active=unknown");
	else
		obs("active=%d", left);
}

/* --- vgem, a dma-buf exporter every Debian kernel has as a module ------- */

/*
 * A vgem buffer of @n pages, filled with the pattern of pages [@first,
 * @first + @n) and @seed; returns its dma-buf fd and its mapping in @pp.
 * The case ends at a failed step ("vgem=ENOENT": no vgem card).
 */
static int vgem_buffer(unsigned int n, unsigned int first, __u32 seed,
		       void **pp)
{
	const char *step;
	int dfd = lab_vgem_buffer(n, pp, &step);

	if (dfd < 0)
		obs_end("%s=%s", step, ename(-dfd));
	fill_at(*pp, first, n, seed);
	return dfd;
}

/* --- bad inputs ---------------------------------------------------------- */

/* EXP_FROM_REFS with @flags, @count and @domid, over pool refs. */
static void case_exp_args(unsigned int variant)
{
	static const struct {
		__u32 flags, count, domid;
	} v[] = {
		{ 0, 0, 0 },	  { 0, 65537, 0 },	{ 4, 1, 0 },
		{ 3, 1, 0 },	  { 1, 1, 0 },		{ 2, 1, 0 },
		{ 0, 1, 0x7ff0 }, { 0xffffffff, 1, 0 },
	};
	int fd = gopen(), dfd = -1;
	unsigned int fds = count_fds();
	__u32 *refs = must_calloc(v[variant].count + 1, sizeof(*refs));
	int ret;

	if (v[variant].count)
		refs[0] = pool.refs[0];
	ret = exp_refs(fd, v[variant].flags, v[variant].count, v[variant].domid,
		       refs, &dfd);
	obs("%s", ename(ret));
	if (!ret)
		close(dfd);
	else if (count_fds() != fds)
		obs("fd-leaked");
}

/* The whole argument, or just the refs after a good header, unreadable. */
static void case_exp_bad_arg(unsigned int refs_only)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	int fd = gopen();

	op = guarded(refs_only ? 16 : 0);
	if (refs_only)
		op->count = 1;
	obs("%s", ename(lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op)));
}

/*
 * An export that must be undone whole, with no fd installed and nothing
 * left mapped: @v 0 of a domain that does not exist and 1 of a ref never
 * granted after a good one (grants Xen refuses); 2 whose fd cannot be
 * written back (a read-only argument).
 */
static void case_exp_undone(unsigned int v)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op = guarded(CONFORM_PAGE);
	int fd = gopen(), ret;
	unsigned int fds;

	op->count = v == 1 ? 2 : 1;
	op->domid = v == 0 ? LAB_NO_DOMAIN : 0;
	op->fd = (__u32)-1;
	op->refs[0] = pool.refs[0];
	op->refs[1] = LAB_NEVER_GRANTED;
	if (v == 2)
		read_only(op);
	fds = count_fds();
	ret = lab_ioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op);
	obs("%s", ename(ret));
	if (!ret && v != 2)
		close((int)op->fd);
	obs("fds=%s", count_fds() == fds ? "same" : "more");
	obs_active(0, 1);
}

/* An export is known only to the file that made it. */
static void case_wait_other_file(unsigned int arg)
{
	int a = gopen(), b = gopen();
	int dfd = must_exp_pool(a, 0, 1);

	obs("%s", ename(lab_dmabuf_wait_released(b, dfd, 0)));
	close(dfd);
	obs("own=%s", ename(lab_dmabuf_wait_released(a, dfd, 1000)));
}

/*
 * An fd that is no export or import of this file: fd 1000 (closed) to
 * WAIT_RELEASED (@v 0), IMP_TO_REFS (1) and IMP_RELEASE (3); /dev/null
 * to IMP_TO_REFS (2).
 */
static void case_bad_fd(unsigned int v)
{
	int fd = gopen(), other = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (v == 0)
		obs("%s", ename(lab_dmabuf_wait_released(fd, 1000, 0)));
	else if (v == 3)
		obs("%s", ename(lab_dmabuf_imp_release(fd, 1000)));
	else
		obs("%s", ename(imp(fd, v == 2 ? other : 1000, 1, 0, NULL)));
}

/* IMP_TO_REFS with a bad count or domid, of a real 1-page dma-buf. */
static void case_imp_args(unsigned int variant)
{
	static const struct {
		__u32 count, domid;
	} v[] = { { 0, 0 }, { 65536, 0 }, { 2, 0 }, { 1, 0x7ff0 } };
	int a = gopen(), b = gopen();
	int dfd = must_exp_pool(a, 0, 1);
	int ret = imp(b, dfd, v[variant].count, v[variant].domid, NULL);

	obs("%s", ename(ret));
	if (!ret)
		lab_dmabuf_imp_release(b, dfd);
	obs("release=%s", ename(lab_dmabuf_imp_release(b, dfd)));
}

/* The refs cannot be written back: nothing stays granted or imported. */
static void case_imp_refs_unwritable(unsigned int arg)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs *op = guarded(CONFORM_PAGE);
	int a = gopen(), b = gopen();
	int dfd = must_exp_pool(a, 0, 1);

	op->fd = (__u32)dfd;
	op->count = 1;
	read_only(op);
	obs("%s", ename(lab_ioctl(b, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, op)));
	obs("release=%s", ename(lab_dmabuf_imp_release(b, dfd)));
	close(dfd);
	obs("wait=%s", ename(lab_dmabuf_wait_released(a, dfd, 3000)));
}

/* --- data ----------------------------------------------------------------- */

/*
 * A vgem buffer granted to dom0 and mapped back through gntdev: the same
 * bytes, both ways (zero copy: a write through the grant shows in vgem).
 */
static void case_vgem_import(unsigned int n)
{
	__u32 *refs = must_calloc(n, sizeof(*refs));
	void *v, *p = NULL;
	int fd = gopen(), dfd, mfd;

	dfd = vgem_buffer(n, 1000, 5, &v);
	must_imp(fd, dfd, n, refs);
	obs("ok");
	mfd = map_check(refs, n, 1000, 5, &p);
	if (mfd < 0)
		obs_end("release=%s", ename(lab_dmabuf_imp_release(fd, dfd)));
	obs("back=%s", verify_at(v, 1000, n, 6) ? "ok" : "mismatch");
	/* Still mapped by a peer (ourselves): the grants must stay. */
	obs("busy=%s", ename(lab_dmabuf_imp_release(fd, dfd)));
	munmap(p, n * CONFORM_PAGE);
	close(mfd);
	obs("release=%s", ename(lab_dmabuf_imp_release(fd, dfd)));
	obs("again=%s", ename(lab_dmabuf_imp_release(fd, dfd)));
}

/*
 * Pool grants exported as a dma-buf, the dma-buf imported again as grants
 * of dom0, those mapped: the pool's bytes, both ways.
 */
static void case_roundtrip(unsigned int n)
{
	int a = gopen(), b = gopen(), dfd;

	pool_fill(0, n, 7);
	dfd = must_exp_pool(a, 0, n);
	imp_check(b, dfd, n, 7, true);
	obs("wait=%s", ename(lab_dmabuf_wait_released(a, dfd, 3000)));
	obs_active(0, n);
}

/* --- waiting for release ------------------------------------------------- */

/* With no importer: released at close; a later wait finds nothing. */
static void case_wait_no_importer(unsigned int arg)
{
	int fd = gopen();
	int dfd = must_exp_pool(fd, 0, 1);

	obs("%s", ename(lab_dmabuf_wait_released(fd, dfd, 20)));
	close(dfd);
	obs("closed=%s", ename(lab_dmabuf_wait_released(fd, dfd, 0)));
	obs_active(0, 1);
}

struct release_later {
	int fd, dfd;
	unsigned int ms;
};

static void *release_later(void *arg)
{
	struct release_later *r = arg;

	lab_sleep_ms(r->ms);
	lab_dmabuf_imp_release(r->fd, r->dfd);
	return NULL;
}

/*
 * An importer holds the dma-buf after its fd is closed: the wait times
 * out, then returns once another thread releases the import.
 */
static void case_wait_importer(unsigned int arg)
{
	int a = gopen(), b = gopen();
	int dfd = must_exp_pool(a, 0, 1);
	struct release_later r = { .fd = b, .dfd = dfd, .ms = 300 };
	pthread_t t;

	must_imp(b, dfd, 1, NULL);
	close(dfd);
	obs("%s", ename(lab_dmabuf_wait_released(a, dfd, 50)));
	if (pthread_create(&t, NULL, release_later, &r))
		obs_end("thread");
	obs("%s", ename(lab_dmabuf_wait_released(a, dfd, 10000)));
	pthread_join(t, NULL);
	obs_active(0, 1);
}

/* --- close orders, fd passing, kill -9 ----------------------------------- */

/* The gntdev file closed first: the dma-buf lives on, data and all. */
static void case_close_gntdev_first(unsigned int arg)
{
	int a = gopen(), b = gopen(), dfd;

	pool_fill(0, 1, 9);
	dfd = must_exp_pool(a, 0, 1);
	close(a);
	imp_check(b, dfd, 1, 9, false);
	obs_active(0, 1);
}

/* A file importing its own export: closing both ends everything. */
static void case_close_self_import(unsigned int arg)
{
	int a = gopen();
	int dfd = must_exp_pool(a, 0, 2);

	must_imp(a, dfd, 2, NULL);
	obs("ok");
	close(dfd);
	obs("%s", ename(lab_dmabuf_wait_released(a, dfd, 50)));
	close(a);
	obs_active(0, 2);
}

/* A dma-buf fd exported by a process that is gone, passed to us. */
static void case_fd_passing(unsigned int arg)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	struct iovec iov;
	int sv[2], dfd = -1, ret = 0, fd, status;
	char byte = 0;
	pid_t pid;

	pool_fill(0, 1, 11);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		obs_end("socketpair=%s", ename(errno));
	pid = must_fork();
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (!pid) {
		fd = open(gntdev_node, O_RDWR);
		ret = exp_pool(fd, 0, 1, &dfd);
		byte = ret ? (char)-ret : 0;
		if (!ret) {
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &dfd, sizeof(int));
		} else {
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
		}
		_exit(sendmsg(sv[0], &msg, 0) == 1 ? 0 : 1);
	}
	if (recvmsg(sv[1], &msg, 0) != 1)
		obs_end("recvmsg=%s", ename(errno));
	waitpid(pid, &status, 0);
	if (byte)
		obs_end("exp=%s", ename(-byte));
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		obs_end("no-fd");
	memcpy(&dfd, CMSG_DATA(cm), sizeof(int));
	imp_check(gopen(), dfd, 1, 11, false);
	obs_active(0, 1);
}

/*
 * The holder of case_kill9: exports (one imported by its own file, one by
 * another) and a vgem import mapped; 0, or the errno of the step that
 * failed.
 */
static int hold_dmabufs(void *arg)
{
	int a = open(gntdev_node, O_RDWR), b = open(gntdev_node, O_RDWR);
	int d1 = -1, d2 = -1, ret;
	__u32 refs[2];
	__u64 index;
	void *v;

	ret = exp_pool(a, 0, 2, &d1);
	if (!ret)
		ret = imp(a, d1, 2, 0, NULL);
	if (!ret)
		ret = exp_pool(a, 2, 2, &d2);
	if (!ret)
		ret = imp(b, d2, 2, 0, refs);
	if (!ret)
		ret = lab_map(b, refs, 2, 0, &index);
	if (!ret && gmmap(b, index, 2, PROT_READ | PROT_WRITE, MAP_SHARED) ==
			    MAP_FAILED)
		ret = -errno;
	if (!ret)
		ret = imp(b, vgem_buffer(2, 0, 1, &v), 2, 0, NULL);
	return -ret;
}

/* A process holding dma-bufs (hold_dmabufs()) is killed: everything ends. */
static void case_kill9(unsigned int arg)
{
	int err;
	pid_t pid = fork_holder(hold_dmabufs, NULL, &err);

	if (pid < 0 && err <= 0)
		obs_end("child-died");
	obs("ready=%s", pid < 0 ? ename(err) : "ok");
	if (pid >= 0)
		end_holder(pid, SIGKILL);
	obs_active(0, 4);
}

/* --- limits ---------------------------------------------------------------- */

/* SET_MAX_GRANTS bounds maps and dma-buf grants together. */
static void case_limit(unsigned int arg)
{
	int fd = gopen(), b = gopen(), d1, d2 = -1, ret;
	__u64 index;

	must(lab_set_max_grants(fd, 4), "max");
	d1 = must_exp_pool(fd, 0, 3);
	obs("%s", ename(exp_pool(fd, 3, 2, &d2)));
	obs("map=%s", ename(map_pool(fd, 3, 2, &index)));
	ret = map_pool(fd, 3, 1, &index);
	obs("map1=%s", ename(ret));
	if (!ret)
		lab_unmap(fd, index, 1);
	/* Another file's import of it counts against that file only. */
	lab_set_max_grants(b, 4);
	obs("imp=%s", ename(imp(b, d1, 3, 0, NULL)));
	obs("imp-full=%s", ename(exp_pool(b, 3, 2, &d2)));
	lab_dmabuf_imp_release(b, d1);
	close(d1);
	obs("wait=%s", ename(lab_dmabuf_wait_released(fd, d1, 3000)));
	ret = exp_pool(fd, 3, 4, &d2);
	obs("after=%s", ename(ret));
	if (!ret)
		close(d2);
	obs_active(0, 7);
}

/* --- CVE-2025-38595 ------------------------------------------------------- */

static volatile int race_stop;

/* Close the fd numbers an export is about to get, as fast as possible. */
static void *close_fds(void *arg)
{
	int lo = *(int *)arg, i;

	while (!race_stop)
		for (i = lo; i < lo + 4; i++)
			close(i);
	return NULL;
}

/*
 * The fd of an export must be installed only when the export is whole: a
 * thread closes the next fd numbers while this one exports, over and
 * over. A driver that installed it early would be used after free (an
 * oops or KASAN report the lab catches). It cannot fail on demand: it
 * only makes the window hot; a clean run is evidence, not proof.
 */
static void case_close_race(unsigned int iterations)
{
	int fd = gopen(), lo, dfd, ret;
	unsigned int i, ok = 0;
	pthread_t t;

	lo = dup(fd);
	if (lo < 0)
		obs_end("dup=%s", ename(errno));
	close(lo);
	race_stop = 0;
	if (pthread_create(&t, NULL, close_fds, &lo))
		obs_end("thread");
	for (i = 0; i < iterations; i++) {
		dfd = -1;
		ret = exp_pool(fd, 0, 1, &dfd);
		if (ret) {
			note("export %u failed", ok + 1);
			obs_end("exp=%s", ename(ret));
		}
		ok++;
		/* Whoever closes it, the dma-buf goes. */
		close(dfd);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	obs("ok");
	obs_active(0, 1);
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("dmabuf-exp-count-0", case_exp_args, 0, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-count-65537", case_exp_args, 1, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-flags-unknown", case_exp_args, 2, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-flags-wc-coherent", case_exp_args, 3,
		     "EINVAL", .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-flags-wc", case_exp_args, 4, "EOPNOTSUPP",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-flags-coherent", case_exp_args, 5,
		     "EOPNOTSUPP", .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-domid-reserved", case_exp_args, 6, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-flags-all", case_exp_args, 7, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-missing-domain", case_exp_undone, 0,
		     "ESRCH fds=same active=0",
		     .stock = "ENOTTY fds=same active=0", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("dmabuf-exp-bad-ref", case_exp_undone, 1,
		     "EINVAL fds=same active=0",
		     .stock = "ENOTTY fds=same active=0", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("dmabuf-exp-bad-arg", case_exp_bad_arg, 0, "EFAULT",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-bad-refs", case_exp_bad_arg, 1, "EFAULT",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-exp-fd-unwritable", case_exp_undone, 2,
		     "EFAULT fds=same active=0",
		     .stock = "ENOTTY fds=same active=0", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("dmabuf-wait-unknown", case_bad_fd, 0, "ENOENT",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-wait-other-file", case_wait_other_file, 0,
		     "ENOENT own=ENOENT", .stock = "exp=ENOTTY", .need = 1,
		     .bad_input = true),
	CONFORM_CASE("dmabuf-wait-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, "EFAULT",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-imp-closed-fd", case_bad_fd, 1, "EBADF",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-imp-not-dmabuf", case_bad_fd, 2, "EINVAL",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-imp-count-0", case_imp_args, 0,
		     "EINVAL release=ENOENT", .stock = "exp=ENOTTY",
		     .need = 1, .bad_input = true),
	CONFORM_CASE("dmabuf-imp-count-65536", case_imp_args, 1,
		     "EINVAL release=ENOENT", .stock = "exp=ENOTTY",
		     .need = 1, .bad_input = true),
	CONFORM_CASE("dmabuf-imp-wrong-size", case_imp_args, 2,
		     "EINVAL release=ENOENT", .stock = "exp=ENOTTY",
		     .need = 1, .bad_input = true),
	CONFORM_CASE("dmabuf-imp-domid-reserved", case_imp_args, 3,
		     "EINVAL release=ENOENT", .stock = "exp=ENOTTY",
		     .need = 1, .bad_input = true),
	CONFORM_CASE("dmabuf-imp-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, "EFAULT",
		     .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-imp-refs-unwritable", case_imp_refs_unwritable,
		     0, "EFAULT release=ENOENT wait=ENOENT",
		     .stock = "exp=ENOTTY", .need = 1, .bad_input = true),
	CONFORM_CASE("dmabuf-release-unknown", case_bad_fd, 3,
		     "ENOENT", .stock = "ENOTTY", .bad_input = true),
	CONFORM_CASE("dmabuf-release-bad-arg", case_bad_arg,
		     IOCTL_GNTDEV_DMABUF_IMP_RELEASE, "EFAULT", .stock = "ENOTTY",
		     .bad_input = true),
	CONFORM_CASE("dmabuf-vgem-import-1", case_vgem_import, 1,
		     "ok data=ok back=ok busy=EBUSY release=ok again=ENOENT",
		     .stock = "imp=ENOTTY"),
	CONFORM_CASE("dmabuf-vgem-import-16", case_vgem_import, 16,
		     "ok data=ok back=ok busy=EBUSY release=ok again=ENOENT",
		     .stock = "imp=ENOTTY"),
	CONFORM_CASE("dmabuf-vgem-import-1024", case_vgem_import, 1024,
		     "ok data=ok back=ok busy=EBUSY release=ok again=ENOENT",
		     .stock = "imp=ENOTTY"),
	CONFORM_CASE("dmabuf-roundtrip-1", case_roundtrip, 1,
		     "ok data=ok back=ok release=ok wait=ENOENT active=0",
		     .stock = "exp=ENOTTY", .need = 1),
	CONFORM_CASE("dmabuf-roundtrip-16", case_roundtrip, 16,
		     "ok data=ok back=ok release=ok wait=ENOENT active=0",
		     .stock = "exp=ENOTTY", .need = 16),
	CONFORM_CASE("dmabuf-roundtrip-1024", case_roundtrip, 1024,
		     "ok data=ok back=ok release=ok wait=ENOENT active=0",
		     .stock = "exp=ENOTTY", .need = 1024),
	CONFORM_CASE("dmabuf-wait-no-importer", case_wait_no_importer, 0,
		     "ETIMEDOUT closed=ENOENT active=0", .stock = "exp=ENOTTY",
		     .need = 1),
	CONFORM_CASE("dmabuf-wait-importer", case_wait_importer, 0,
		     "ETIMEDOUT ok active=0", .stock = "exp=ENOTTY",
		     .need = 1),
	CONFORM_CASE("dmabuf-close-gntdev-first", case_close_gntdev_first, 0,
		     "ok data=ok release=ok active=0", .stock = "exp=ENOTTY",
		     .need = 1),
	CONFORM_CASE("dmabuf-close-self-import", case_close_self_import, 0,
		     "ok ETIMEDOUT active=0", .stock = "exp=ENOTTY",
		     .need = 2),
	CONFORM_CASE("dmabuf-fd-passing", case_fd_passing, 0,
		     "ok data=ok release=ok active=0", .stock = "exp=ENOTTY",
		     .need = 1),
	CONFORM_CASE("dmabuf-kill9", case_kill9, 0, "ready=ok active=0",
		     .stock = "ready=ENOTTY active=0", .need = 4),
	CONFORM_CASE("dmabuf-limit", case_limit, 0,
		     "ENOSPC map=ENOSPC map1=ok imp=ok imp-full=ENOSPC wait=ENOENT after=ok active=0",
		     .stock = "max=ENOTTY", .need = 7),
	CONFORM_CASE("dmabuf-close-race", case_close_race, 3000,
		     "ok active=0", .stock = "exp=ENOTTY", .need = 1,
		     .timeout = 120),
};
/* clang-format on */

CONFORM_GROUP(conform_dmabuf, "dmabuf", .by_default = true);
