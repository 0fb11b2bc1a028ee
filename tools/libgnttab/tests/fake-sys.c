// SPDX-License-Identifier: LGPL-2.1-only
/*
 * fake-sys.c - an in-memory model of /dev/xen/gntdev and /dev/xen/gntalloc
 *
 * Serves the system calls of test-linux (see fake-sys.h) with mainline
 * Linux's semantics, as far as linux.c can observe them:
 *
 *  gntdev:   MAP_GRANT_REF inserts a map (EINVAL for count 0); nothing is
 *            checked until mmap(), which must cover exactly one map, once,
 *            and fails with EINVAL on an ungranted or read-only grant;
 *            UNMAP_GRANT_REF removes it (ENOENT if unknown), allowed while
 *            mapped; GET_OFFSET_FOR_VADDR finds the map under any address
 *            of a mapping; SET_UNMAP_NOTIFY needs a bound port for events
 *            and a writable map for byte clearing. The byte is cleared at
 *            munmap(), the event sent when the map is finally released.
 *  gntalloc: ALLOC_GREF grants new zeroed pages (ENOSPC over the limit);
 *            DEALLOC_GREF detaches them from the file; a grant is released,
 *            and its notification fires, once detached and unmapped.
 *
 * One mutex serialises the model. Its own calls go to the __real_ ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <xen/grant_table.h>

#include "fake-sys.h"

#define FS_PAGE 4096UL
#define FS_POOL_PAGES 8192
#define FS_FD_BASE 900
#define FS_MAX_FILES 32
#define FS_MAX_GRANTS 4096
#define FS_MAX_MAPS 2048
#define FS_MAX_VMAS 2048

/*
 * With _FILE_OFFSET_BITS=64 (as the library is built) glibc names open and
 * mmap open64 and mmap64; both spellings are wrapped.
 */
int __real_open(const char *path, int flags, ...);
int __real_open64(const char *path, int flags, ...);
int __real_close(int fd);
int __real_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);
int __real_munmap(void *addr, size_t len);
int __real_nanosleep(const struct timespec *req, struct timespec *rem);
int __real_clock_gettime(clockid_t clk, struct timespec *ts);

int __wrap_open(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int __wrap_close(int fd);
int __wrap_ioctl(int fd, unsigned long req, ...);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off);
int __wrap_munmap(void *addr, size_t len);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);

enum fs_kind { FS_NONE, FS_GNTDEV, FS_GNTALLOC };

struct fs_grant {
	bool used;
	uint16_t owner; /* granting domain (0: gntalloc, ourselves) */
	uint32_t ref;
	bool writable;
	uint32_t page; /* in the pool */
	/* gntalloc only */
	int file;
	uint64_t index; /* offset in its file */
	bool detached; /* DEALLOC_GREF done */
	unsigned int vmas; /* local gntalloc mappings */
	struct ioctl_gntalloc_unmap_notify notify;
};

struct fs_map {
	bool used;
	int file;
	uint64_t index;
	uint32_t count;
	int *grants; /* index into fs.grants, per page; -1: not granted */
	bool listed; /* not yet UNMAP_GRANT_REF'd */
	bool mapped; /* mmap()ed, not yet munmap()ed */
	bool was_mapped;
	bool readonly;
	struct ioctl_gntdev_unmap_notify notify;
};

struct fs_vma {
	bool used;
	char *addr;
	size_t len;
	enum fs_kind kind;
	int map; /* gntdev */
	int *grants; /* gntalloc: per page */
	uint32_t count;
};

struct fs_file {
	enum fs_kind kind;
	uint64_t next_index;
};

static struct {
	pthread_mutex_t lock;
	int memfd;
	uint8_t *view;
	uint32_t pages_used;
	uint32_t next_ref;
	uint64_t now_ns;
	unsigned int calls[FS_NR_OPS];
	struct {
		int err;
		unsigned int skip, times;
	} inject[FS_NR_OPS];
	unsigned int events[FS_BOUND_PORTS];
	struct fs_file files[FS_MAX_FILES];
	struct fs_grant grants[FS_MAX_GRANTS];
	struct fs_map maps[FS_MAX_MAPS];
	struct fs_vma vmas[FS_MAX_VMAS];
} fs = { .lock = PTHREAD_MUTEX_INITIALIZER, .memfd = -1 };

struct fs_config fs_config;
int fs_last_open_flags;
struct ioctl_gntdev_unmap_notify fs_last_notify;
uint32_t fs_last_max_grants;
uint32_t fs_last_dmabuf_domid, fs_last_dmabuf_refs[4];

/* ------------------------------------------------------------------------
 * Test controls
 */

static void fs_lock(void)
{
	pthread_mutex_lock(&fs.lock);
}

static void fs_unlock(void)
{
	pthread_mutex_unlock(&fs.lock);
}

void fs_reset(void)
{
	fs_lock();
	if (fs.memfd < 0) {
		fs.memfd = memfd_create("fake-grants", 0);
		if (fs.memfd < 0 ||
		    ftruncate(fs.memfd, FS_POOL_PAGES * FS_PAGE))
			abort();
		fs.view = __real_mmap(NULL, FS_POOL_PAGES * FS_PAGE,
				      PROT_READ | PROT_WRITE, MAP_SHARED,
				      fs.memfd, 0);
		if (fs.view == MAP_FAILED)
			abort();
	}
	memset(fs.view, 0, (size_t)fs.pages_used * FS_PAGE);
	for (int i = 0; i < FS_MAX_MAPS; i++)
		free(fs.maps[i].grants);
	for (int i = 0; i < FS_MAX_VMAS; i++)
		free(fs.vmas[i].grants);
	fs.pages_used = 0;
	fs.next_ref = 8;
	fs.now_ns = 7000ULL * 1000000000ULL;
	memset(fs.calls, 0, sizeof(fs.calls));
	memset(fs.inject, 0, sizeof(fs.inject));
	memset(fs.events, 0, sizeof(fs.events));
	memset(fs.files, 0, sizeof(fs.files));
	memset(fs.grants, 0, sizeof(fs.grants));
	memset(fs.maps, 0, sizeof(fs.maps));
	memset(fs.vmas, 0, sizeof(fs.vmas));
	fs_config = (struct fs_config){
		.set_max_errno = ENOTTY,
		.dmabuf_errno = ENOTTY,
		.wait_errno = 0,
		.alloc_limit = 1024,
	};
	fs_last_open_flags = 0;
	memset(&fs_last_notify, 0, sizeof(fs_last_notify));
	fs_last_max_grants = 0;
	fs_unlock();
}

void fs_fail(enum fs_op op, int err, unsigned int skip, unsigned int times)
{
	fs_lock();
	fs.inject[op].err = err;
	fs.inject[op].skip = skip;
	fs.inject[op].times = times;
	fs_unlock();
}

unsigned int fs_calls(enum fs_op op)
{
	unsigned int n;

	fs_lock();
	n = fs.calls[op];
	fs_unlock();
	return n;
}

unsigned int fs_syscalls(void)
{
	unsigned int n = 0;

	fs_lock();
	for (int i = 0; i < FS_NR_OPS; i++)
		if (i != FS_SLEEP)
			n += fs.calls[i];
	fs_unlock();
	return n;
}

static int fs_grant_find(uint32_t domid, uint32_t ref)
{
	for (int i = 0; i < FS_MAX_GRANTS; i++)
		if (fs.grants[i].used && fs.grants[i].owner == domid &&
		    fs.grants[i].ref == ref)
			return i;
	return -1;
}

static int fs_grant_new(uint16_t owner, uint32_t ref, bool writable)
{
	for (int i = 0; i < FS_MAX_GRANTS; i++) {
		struct fs_grant *g = &fs.grants[i];

		if (g->used)
			continue;
		if (fs.pages_used == FS_POOL_PAGES)
			return -1;
		memset(g, 0, sizeof(*g));
		g->used = true;
		g->owner = owner;
		g->ref = ref;
		g->writable = writable;
		g->page = fs.pages_used++;
		g->file = -1;
		return i;
	}
	return -1;
}

static uint8_t *fs_grant_page(int g)
{
	return fs.view + (size_t)fs.grants[g].page * FS_PAGE;
}

void fs_grant(uint16_t domid, uint32_t ref, bool writable, uint8_t fill)
{
	int g;

	fs_lock();
	g = fs_grant_new(domid, ref, writable);
	if (g < 0)
		abort();
	memset(fs_grant_page(g), fill, FS_PAGE);
	fs_unlock();
}

uint8_t *fs_page(uint16_t domid, uint32_t ref)
{
	uint8_t *p = NULL;
	int g;

	fs_lock();
	g = fs_grant_find(domid, ref);
	if (g >= 0)
		p = fs_grant_page(g);
	fs_unlock();
	return p;
}

unsigned int fs_live_maps(void)
{
	unsigned int n = 0;

	fs_lock();
	for (int i = 0; i < FS_MAX_MAPS; i++)
		n += fs.maps[i].used && fs.maps[i].listed;
	fs_unlock();
	return n;
}

unsigned int fs_live_vmas(void)
{
	unsigned int n = 0;

	fs_lock();
	for (int i = 0; i < FS_MAX_VMAS; i++)
		n += fs.vmas[i].used;
	fs_unlock();
	return n;
}

unsigned int fs_live_grefs(void)
{
	unsigned int n = 0;

	fs_lock();
	for (int i = 0; i < FS_MAX_GRANTS; i++)
		n += fs.grants[i].used && fs.grants[i].file >= 0;
	fs_unlock();
	return n;
}

unsigned int fs_events(uint32_t port)
{
	unsigned int n;

	fs_lock();
	n = port < FS_BOUND_PORTS ? fs.events[port] : 0;
	fs_unlock();
	return n;
}

uint64_t fs_now_ms(void)
{
	uint64_t ms;

	fs_lock();
	ms = fs.now_ns / 1000000;
	fs_unlock();
	return ms;
}

/* ------------------------------------------------------------------------
 * Model helpers; all called with the lock held
 */

/* Count a call of @op; returns the errno to fail it with, or 0. */
static int fs_enter(enum fs_op op)
{
	typeof(fs.inject[0]) *in = &fs.inject[op];

	fs.calls[op]++;
	if (!in->err || !in->times)
		return 0;
	if (in->skip) {
		in->skip--;
		return 0;
	}
	if (in->times != UINT32_MAX)
		in->times--;
	return in->err;
}

/* Drop the lock and fail the call with @err. */
static int fs_fail_errno(int err)
{
	fs_unlock();
	errno = err;
	return -1;
}

static struct fs_file *fs_file(int fd)
{
	int i = fd - FS_FD_BASE;

	if (i < 0 || i >= FS_MAX_FILES || fs.files[i].kind == FS_NONE)
		return NULL;
	return &fs.files[i];
}

static void fs_send(uint32_t port)
{
	if (port < FS_BOUND_PORTS)
		fs.events[port]++;
}

/* Clear byte @off (from the start of the grants @grants) if inside. */
static void fs_clear_byte(const int *grants, uint32_t count, uint64_t off)
{
	if (off / FS_PAGE < count)
		fs_grant_page(grants[off / FS_PAGE])[off % FS_PAGE] = 0;
}

/* A gntdev map that is neither listed nor mapped is gone. */
static void fs_map_put(int m)
{
	struct fs_map *map = &fs.maps[m];

	if (map->listed || map->mapped)
		return;
	if (map->notify.action & UNMAP_NOTIFY_SEND_EVENT)
		fs_send(map->notify.event_channel_port);
	free(map->grants);
	memset(map, 0, sizeof(*map));
}

/* A gntalloc grant that is detached and unmapped is released. */
static void fs_gref_put(int g)
{
	struct fs_grant *gr = &fs.grants[g];

	if (!gr->detached || gr->vmas)
		return;
	if (gr->notify.action & UNMAP_NOTIFY_CLEAR_BYTE)
		fs_grant_page(g)[gr->notify.index % FS_PAGE] = 0;
	if (gr->notify.action & UNMAP_NOTIFY_SEND_EVENT)
		fs_send(gr->notify.event_channel_port);
	/* The page stays granted to the peer; the model keeps it. */
	gr->file = -1;
}

static int fs_vma_new(void)
{
	for (int i = 0; i < FS_MAX_VMAS; i++)
		if (!fs.vmas[i].used)
			return i;
	return -1;
}

/* Map the pool pages of @grants contiguously; MAP_FAILED on failure. */
static char *fs_map_pages(const int *grants, uint32_t count, int prot)
{
	size_t len = count * FS_PAGE;
	char *base;

	base = __real_mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (base == MAP_FAILED)
		return base;
	for (uint32_t i = 0; i < count; i++) {
		off_t off = (off_t)fs.grants[grants[i]].page * FS_PAGE;

		if (__real_mmap(base + i * FS_PAGE, FS_PAGE, prot,
				MAP_SHARED | MAP_FIXED, fs.memfd,
				off) == MAP_FAILED) {
			__real_munmap(base, len);
			return MAP_FAILED;
		}
	}
	return base;
}

/* ------------------------------------------------------------------------
 * gntdev
 */

static int fs_gntdev_map(struct fs_file *f, int file,
			 struct ioctl_gntdev_map_grant_ref *op)
{
	struct fs_map *map = NULL;
	int err = fs_enter(FS_MAP);

	if (err)
		return fs_fail_errno(err);
	if (!op->count || op->count > 65536)
		return fs_fail_errno(EINVAL);
	for (int i = 0; i < FS_MAX_MAPS && !map; i++)
		if (!fs.maps[i].used)
			map = &fs.maps[i];
	if (!map)
		return fs_fail_errno(ENOMEM);
	map->grants = calloc(op->count, sizeof(int));
	if (!map->grants)
		return fs_fail_errno(ENOMEM);
	/* Resolved now, checked at mmap time like the real driver. */
	for (uint32_t i = 0; i < op->count; i++)
		map->grants[i] =
			fs_grant_find(op->refs[i].domid, op->refs[i].ref);
	map->used = true;
	map->listed = true;
	map->file = file;
	map->count = op->count;
	map->index = f->next_index;
	f->next_index += op->count * FS_PAGE;
	op->index = map->index;
	fs_unlock();
	return 0;
}

static int fs_gntdev_find(int file, uint64_t index)
{
	for (int i = 0; i < FS_MAX_MAPS; i++)
		if (fs.maps[i].used && fs.maps[i].listed &&
		    fs.maps[i].file == file && fs.maps[i].index == index)
			return i;
	return -1;
}

static int fs_gntdev_unmap(int file, struct ioctl_gntdev_unmap_grant_ref *op)
{
	int err = fs_enter(FS_UNMAP);
	int m;

	if (err)
		return fs_fail_errno(err);
	m = fs_gntdev_find(file, op->index);
	if (m < 0 || (op->count && op->count != fs.maps[m].count))
		return fs_fail_errno(ENOENT);
	fs.maps[m].listed = false;
	fs_map_put(m);
	fs_unlock();
	return 0;
}

static int fs_gntdev_get_offset(struct ioctl_gntdev_get_offset_for_vaddr *op)
{
	int err = fs_enter(FS_GET_OFF);
	char *va = (char *)(uintptr_t)op->vaddr;

	if (err)
		return fs_fail_errno(err);
	for (int i = 0; i < FS_MAX_VMAS; i++) {
		struct fs_vma *v = &fs.vmas[i];

		if (v->used && v->kind == FS_GNTDEV && va >= v->addr &&
		    va < v->addr + v->len) {
			op->offset = fs.maps[v->map].index;
			op->count = fs.maps[v->map].count;
			fs_unlock();
			return 0;
		}
	}
	return fs_fail_errno(EINVAL);
}

static int fs_gntdev_notify(int file, struct ioctl_gntdev_unmap_notify *op)
{
	int err = fs_enter(FS_NOTIFY);

	if (err)
		return fs_fail_errno(err);
	fs_last_notify = *op;
	if (op->action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return fs_fail_errno(EINVAL);
	if ((op->action & UNMAP_NOTIFY_SEND_EVENT) &&
	    op->event_channel_port >= FS_BOUND_PORTS)
		return fs_fail_errno(EINVAL);
	for (int i = 0; i < FS_MAX_MAPS; i++) {
		struct fs_map *m = &fs.maps[i];

		if (!m->used || !m->listed || m->file != file ||
		    op->index < m->index ||
		    op->index >= m->index + m->count * FS_PAGE)
			continue;
		if ((op->action & UNMAP_NOTIFY_CLEAR_BYTE) && m->readonly)
			return fs_fail_errno(EINVAL);
		m->notify = *op;
		fs_unlock();
		return 0;
	}
	return fs_fail_errno(ENOENT);
}

static int fs_gntdev_copy(struct ioctl_gntdev_grant_copy *op)
{
	int err = fs_enter(FS_COPY);

	if (err)
		return fs_fail_errno(err);
	for (uint32_t i = 0; i < op->count; i++) {
		struct gntdev_grant_copy_segment *s = &op->segments[i];
		bool src_gref = s->flags & GNTCOPY_source_gref;
		bool dst_gref = s->flags & GNTCOPY_dest_gref;
		uint8_t *src = s->source.virt, *dst = s->dest.virt;
		int g;

		if (!src_gref && !dst_gref)
			return fs_fail_errno(EINVAL);
		if ((src_gref && s->source.foreign.offset + s->len > FS_PAGE) ||
		    (dst_gref && s->dest.foreign.offset + s->len > FS_PAGE))
			return fs_fail_errno(EINVAL);
		s->status = GNTST_okay;
		if (src_gref) {
			g = fs_grant_find(s->source.foreign.domid,
					  s->source.foreign.ref);
			if (g < 0) {
				s->status = GNTST_bad_gntref;
				continue;
			}
			src = fs_grant_page(g) + s->source.foreign.offset;
		}
		if (dst_gref) {
			g = fs_grant_find(s->dest.foreign.domid,
					  s->dest.foreign.ref);
			if (g < 0 || !fs.grants[g].writable) {
				s->status = g < 0 ? GNTST_bad_gntref :
						    GNTST_permission_denied;
				continue;
			}
			dst = fs_grant_page(g) + s->dest.foreign.offset;
		}
		memmove(dst, src, s->len);
	}
	fs_unlock();
	return 0;
}

static int fs_gntdev_dmabuf(unsigned long req, void *arg)
{
	int err = fs_enter(FS_DMABUF);

	if (err)
		return fs_fail_errno(err);
	if (fs_config.dmabuf_errno)
		return fs_fail_errno(fs_config.dmabuf_errno);
	switch (req) {
	case IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS: {
		struct ioctl_gntdev_dmabuf_exp_from_refs *op = arg;

		fs_last_dmabuf_domid = op->domid;
		for (uint32_t i = 0; i < op->count && i < 4; i++)
			fs_last_dmabuf_refs[i] = op->refs[i];
		op->fd = 77;
		break;
	}
	case IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED:
		if (fs_config.wait_errno)
			return fs_fail_errno(fs_config.wait_errno);
		break;
	case IOCTL_GNTDEV_DMABUF_IMP_TO_REFS: {
		struct ioctl_gntdev_dmabuf_imp_to_refs *op = arg;

		for (uint32_t i = 0; i < op->count; i++)
			op->refs[i] = 3000 + i;
		break;
	}
	default:
		break;
	}
	fs_unlock();
	return 0;
}

static int fs_gntdev_set_max(struct ioctl_gntdev_set_max_grants *op)
{
	int err = fs_enter(FS_SET_MAX);

	if (err)
		return fs_fail_errno(err);
	if (fs_config.set_max_errno)
		return fs_fail_errno(fs_config.set_max_errno);
	fs_last_max_grants = op->count;
	fs_unlock();
	return 0;
}

static int fs_gntdev_ioctl(struct fs_file *f, int file, unsigned long req,
			   void *arg)
{
	switch (req) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return fs_gntdev_map(f, file, arg);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return fs_gntdev_unmap(file, arg);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return fs_gntdev_get_offset(arg);
	case IOCTL_GNTDEV_SET_MAX_GRANTS:
		return fs_gntdev_set_max(arg);
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return fs_gntdev_notify(file, arg);
	case IOCTL_GNTDEV_GRANT_COPY:
		return fs_gntdev_copy(arg);
	case IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS:
	case IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED:
	case IOCTL_GNTDEV_DMABUF_IMP_TO_REFS:
	case IOCTL_GNTDEV_DMABUF_IMP_RELEASE:
		return fs_gntdev_dmabuf(req, arg);
	default:
		return fs_fail_errno(ENOTTY);
	}
}

static void *fs_gntdev_mmap(int file, size_t len, int prot, int flags,
			    off_t off)
{
	struct fs_map *map;
	int m = fs_gntdev_find(file, (uint64_t)off);
	int v;
	char *addr;

	if (!(flags & MAP_SHARED) || m < 0 ||
	    len != fs.maps[m].count * FS_PAGE || fs.maps[m].was_mapped)
		goto out_einval;
	map = &fs.maps[m];
	for (uint32_t i = 0; i < map->count; i++) {
		int g = map->grants[i];

		if (g < 0 || ((prot & PROT_WRITE) && !fs.grants[g].writable))
			goto out_einval;
	}
	v = fs_vma_new();
	if (v < 0)
		goto out_einval;
	addr = fs_map_pages(map->grants, map->count, prot);
	if (addr == MAP_FAILED) {
		fs_unlock();
		return MAP_FAILED;
	}
	map->mapped = map->was_mapped = true;
	map->readonly = !(prot & PROT_WRITE);
	fs.vmas[v] = (struct fs_vma){ .used = true,
				      .addr = addr,
				      .len = len,
				      .kind = FS_GNTDEV,
				      .map = m,
				      .count = map->count };
	fs_unlock();
	return addr;

out_einval:
	fs_unlock();
	errno = EINVAL;
	return MAP_FAILED;
}

/* ------------------------------------------------------------------------
 * gntalloc
 */

static int fs_gntalloc_alloc(struct fs_file *f, int file,
			     struct ioctl_gntalloc_alloc_gref *op)
{
	int err = fs_enter(FS_ALLOC);
	unsigned int live = 0;

	if (err)
		return fs_fail_errno(err);
	for (int i = 0; i < FS_MAX_GRANTS; i++)
		live += fs.grants[i].used && fs.grants[i].file >= 0;
	if (op->count > fs_config.alloc_limit ||
	    live + op->count > fs_config.alloc_limit)
		return fs_fail_errno(ENOSPC);
	op->index = f->next_index;
	for (uint32_t i = 0; i < op->count; i++) {
		int g = fs_grant_new(0, fs.next_ref++,
				     op->flags & GNTALLOC_FLAG_WRITABLE);

		if (g < 0)
			abort();
		fs.grants[g].file = file;
		fs.grants[g].index = f->next_index;
		f->next_index += FS_PAGE;
		op->gref_ids[i] = fs.grants[g].ref;
	}
	fs_unlock();
	return 0;
}

/* The grant of @file at offset @index, or -1. */
static int fs_gntalloc_find(int file, uint64_t index)
{
	for (int i = 0; i < FS_MAX_GRANTS; i++)
		if (fs.grants[i].used && fs.grants[i].file == file &&
		    !fs.grants[i].detached && fs.grants[i].index == index)
			return i;
	return -1;
}

static int fs_gntalloc_dealloc(int file, struct ioctl_gntalloc_dealloc_gref *op)
{
	int err = fs_enter(FS_DEALLOC);
	int g;

	if (err)
		return fs_fail_errno(err);
	for (uint32_t i = 0; i < op->count; i++)
		if (fs_gntalloc_find(file, op->index + i * FS_PAGE) < 0)
			return fs_fail_errno(EINVAL);
	for (uint32_t i = 0; i < op->count; i++) {
		g = fs_gntalloc_find(file, op->index + i * FS_PAGE);
		fs.grants[g].detached = true;
		fs_gref_put(g);
	}
	fs_unlock();
	return 0;
}

static int fs_gntalloc_notify(int file, struct ioctl_gntalloc_unmap_notify *op)
{
	int err = fs_enter(FS_SHR_NOTIFY);
	int g;

	if (err)
		return fs_fail_errno(err);
	memcpy(&fs_last_notify, op, sizeof(*op));
	if (op->action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return fs_fail_errno(EINVAL);
	if ((op->action & UNMAP_NOTIFY_SEND_EVENT) &&
	    op->event_channel_port >= FS_BOUND_PORTS)
		return fs_fail_errno(EINVAL);
	g = fs_gntalloc_find(file, op->index & ~(FS_PAGE - 1));
	if (g < 0)
		return fs_fail_errno(ENOENT);
	fs.grants[g].notify = *op;
	fs_unlock();
	return 0;
}

static void *fs_gntalloc_mmap(int file, size_t len, int prot, int flags,
			      off_t off)
{
	uint32_t count = len / FS_PAGE;
	int *grants;
	char *addr;
	int v;

	if (!(flags & MAP_SHARED) || !count || len % FS_PAGE)
		goto out_einval;
	grants = calloc(count, sizeof(int));
	if (!grants)
		goto out_einval;
	for (uint32_t i = 0; i < count; i++) {
		grants[i] = fs_gntalloc_find(file, off + i * FS_PAGE);
		if (grants[i] < 0) {
			free(grants);
			goto out_einval;
		}
	}
	v = fs_vma_new();
	addr = v < 0 ? MAP_FAILED : fs_map_pages(grants, count, prot);
	if (addr == MAP_FAILED) {
		free(grants);
		goto out_einval;
	}
	for (uint32_t i = 0; i < count; i++)
		fs.grants[grants[i]].vmas++;
	fs.vmas[v] = (struct fs_vma){ .used = true,
				      .addr = addr,
				      .len = len,
				      .kind = FS_GNTALLOC,
				      .grants = grants,
				      .count = count };
	fs_unlock();
	return addr;

out_einval:
	fs_unlock();
	errno = EINVAL;
	return MAP_FAILED;
}

/* ------------------------------------------------------------------------
 * The wrapped calls
 */

/* Open a fake device, or return -2 if @path is not one. */
static int fs_open(const char *path, int flags)
{
	enum fs_kind kind = FS_NONE;
	int err;

	if (!strcmp(path, "/dev/xen/gntdev"))
		kind = FS_GNTDEV;
	else if (!strcmp(path, "/dev/xen/gntalloc"))
		kind = FS_GNTALLOC;
	if (kind == FS_NONE)
		return -2;
	fs_lock();
	err = fs_enter(FS_OPEN);
	if (err)
		return fs_fail_errno(err);
	fs_last_open_flags = flags;
	for (int i = 0; i < FS_MAX_FILES; i++) {
		if (fs.files[i].kind == FS_NONE) {
			fs.files[i] = (struct fs_file){ .kind = kind };
			fs_unlock();
			return FS_FD_BASE + i;
		}
	}
	return fs_fail_errno(EMFILE);
}

/*
 * A fake path's descriptor, or the real open()'s: the mode argument is read
 * only when the flags say one was passed.
 */
static int fs_open_or(int (*real)(const char *, int, ...), const char *path,
		      int flags, va_list ap)
{
	int fd = fs_open(path, flags);

	if (fd != -2)
		return fd;
	if (flags & (O_CREAT | O_TMPFILE))
		return real(path, flags, va_arg(ap, mode_t));
	return real(path, flags);
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = fs_open_or(__real_open, path, flags, ap);
	va_end(ap);
	return fd;
}

int __wrap_open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = fs_open_or(__real_open64, path, flags, ap);
	va_end(ap);
	return fd;
}

int __wrap_close(int fd)
{
	int file = fd - FS_FD_BASE;
	struct fs_file *f;
	int err;

	fs_lock();
	f = fs_file(fd);
	if (!f) {
		fs_unlock();
		return __real_close(fd);
	}
	err = fs_enter(FS_CLOSE);
	/* Like the real release: maps leave the file, mappings stay. */
	for (int i = 0; i < FS_MAX_MAPS; i++) {
		if (fs.maps[i].used && fs.maps[i].file == file) {
			fs.maps[i].listed = false;
			fs.maps[i].file = -1;
			fs_map_put(i);
		}
	}
	for (int i = 0; i < FS_MAX_GRANTS; i++) {
		if (fs.grants[i].used && fs.grants[i].file == file &&
		    !fs.grants[i].detached) {
			fs.grants[i].detached = true;
			fs_gref_put(i);
		}
	}
	f->kind = FS_NONE;
	if (err)
		return fs_fail_errno(err);
	fs_unlock();
	return 0;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	struct fs_file *f;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	fs_lock();
	f = fs_file(fd);
	if (!f) {
		fs_unlock();
		return __real_ioctl(fd, req, arg);
	}
	if (f->kind == FS_GNTDEV)
		return fs_gntdev_ioctl(f, fd - FS_FD_BASE, req, arg);
	switch (req) {
	case IOCTL_GNTALLOC_ALLOC_GREF:
		return fs_gntalloc_alloc(f, fd - FS_FD_BASE, arg);
	case IOCTL_GNTALLOC_DEALLOC_GREF:
		return fs_gntalloc_dealloc(fd - FS_FD_BASE, arg);
	case IOCTL_GNTALLOC_SET_UNMAP_NOTIFY:
		return fs_gntalloc_notify(fd - FS_FD_BASE, arg);
	default:
		return fs_fail_errno(ENOTTY);
	}
}

/* mmap() a fake device, or return NULL if @fd is not one. */
static void *fs_mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	struct fs_file *f;
	int err;

	fs_lock();
	f = fs_file(fd);
	if (!f) {
		fs_unlock();
		return NULL;
	}
	err = fs_enter(FS_MMAP);
	if (err) {
		fs_unlock();
		errno = err;
		return MAP_FAILED;
	}
	if (f->kind == FS_GNTDEV)
		return fs_gntdev_mmap(fd - FS_FD_BASE, len, prot, flags, off);
	return fs_gntalloc_mmap(fd - FS_FD_BASE, len, prot, flags, off);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	void *p = fs_mmap(len, prot, flags, fd, off);

	return p ? p : __real_mmap(addr, len, prot, flags, fd, off);
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	void *p = fs_mmap(len, prot, flags, fd, off);

	return p ? p : __real_mmap64(addr, len, prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len)
{
	struct fs_vma *v = NULL;
	int err;

	fs_lock();
	for (int i = 0; i < FS_MAX_VMAS && !v; i++)
		if (fs.vmas[i].used && fs.vmas[i].addr == addr &&
		    fs.vmas[i].len == len)
			v = &fs.vmas[i];
	if (!v) {
		fs_unlock();
		return __real_munmap(addr, len);
	}
	err = fs_enter(FS_MUNMAP);
	if (err)
		return fs_fail_errno(err);
	if (v->kind == FS_GNTDEV) {
		struct fs_map *m = &fs.maps[v->map];

		if (m->notify.action & UNMAP_NOTIFY_CLEAR_BYTE)
			fs_clear_byte(m->grants, m->count,
				      m->notify.index - m->index);
		m->mapped = false;
		fs_map_put(v->map);
	} else {
		for (uint32_t i = 0; i < v->count; i++) {
			fs.grants[v->grants[i]].vmas--;
			fs_gref_put(v->grants[i]);
		}
		free(v->grants);
	}
	__real_munmap(addr, len);
	memset(v, 0, sizeof(*v));
	fs_unlock();
	return 0;
}

int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)rem;
	fs_lock();
	fs.calls[FS_SLEEP]++;
	fs.now_ns += (uint64_t)req->tv_sec * 1000000000ULL + req->tv_nsec;
	fs_unlock();
	return 0;
}

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (clk != CLOCK_MONOTONIC)
		return __real_clock_gettime(clk, ts);
	fs_lock();
	ts->tv_sec = fs.now_ns / 1000000000ULL;
	ts->tv_nsec = fs.now_ns % 1000000000ULL;
	fs_unlock();
	return 0;
}
