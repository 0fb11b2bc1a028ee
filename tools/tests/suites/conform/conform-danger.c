// SPDX-License-Identifier: GPL-2.0
/*
 * conform-danger.c - the "danger" group of gntdev-conform, run only when
 * asked for (-g danger): sequences that oops or corrupt the stock 6.1 dom0
 * kernel.
 * They are regression tests for our driver only; the conform payload runs
 * them against ours after the stock-vs-ours comparison, never against
 * stock (to see stock fail, run them in a boot of their own).
 */
#include "conform-lib.h"

#include <fcntl.h>

#define P CONFORM_PAGE

/*
 * The stock 6.1 oops, stated here once (README, notify-copy and the
 * fuzzer refer to these two rows): a clear-byte unmap notification, then
 * a read-only mmap() of the map. The driver would have to write the byte
 * through a read-only mapping at unmap time. Stock 6.1 checks for a
 * read-only map only when the notification is set, not when the map turns
 * read-only, and oopses in unmap_grant_pages(), writing to the read-only
 * kernel mapping of the grant: at munmap (danger-notify-then-ro-mmap; the
 * process hangs and the grant leaks), or at once from gntdev_mmap()'s
 * error path when the mmap fails part-way on a ref that was never granted
 * (danger-notify-failed-ro-mmap; gntdev-fuzz found it, seed 305037). Ours
 * refuses the read-only mmap, as it refuses the notification on a map that
 * is already read-only.
 */
static void case_notify_then_ro_mmap(unsigned int arg)
{
	int fd = gopen();
	__u64 index = must_map_pool(fd, 0, 1);

	obs("notify=%s",
	    ename(set_notify(fd, index, UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	obs("mmap=%s", try_mmap(fd, index, 1, PROT_READ, MAP_SHARED));
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
	obs("active=%d", wait_active(0, 1, 0, 1000));
}

/*
 * vmsplice() the mapping into a pipe, so the pipe holds the page, then
 * munmap: the grant must stay mapped (unmap deferred) while the pipe holds
 * the page, the pipe must still read the data, and the grant must go once
 * the pipe is closed. Stock 6.1 defers the grant unmap but leaves the PTE
 * for the munmap to zap: "BUG: Bad page map", a WARNING in
 * __unmap_grant_pages_done(), wrong data in the pipe, and the grant stays
 * mapped for good.
 */
static void case_gup_vmsplice(unsigned int arg)
{
	int fd = gopen(), pp[2];
	__u64 index;

	pool_fill(0, 1, 48);
	munmap(vmsplice_pool(fd, 0, &index, pp), P);
	lab_sleep_ms(100);
	obs("held=%d", active_refs(0, 1));
	pipe_verify(pp, 0, 48);
	obs("after=%d", wait_active(0, 1, 0, 2000));
	obs("unmap=%s", ename(lab_unmap(fd, index, 1)));
}

/*
 * The failed-mmap form: map [never granted, pool page 0], notify on page
 * 0, then an mmap (@ro: read-only) that fails part-way. Read-write, the
 * failed mmap's unmap may write the byte (both drivers survive it);
 * read-only is the oops above.
 */
static void case_notify_failed_mmap(unsigned int ro)
{
	__u32 refs[2] = { LAB_NEVER_GRANTED, pool.refs[0] };
	int fd = gopen();
	__u64 index;

	pool_fill(0, 1, 49);
	index = must_map_refs(fd, refs, 2, 0);
	obs("notify=%s", ename(set_notify(fd, index + P + 0x5a4,
					  UNMAP_NOTIFY_CLEAR_BYTE, 0)));
	obs("mmap=%s",
	    try_mmap(fd, index, 2, ro ? PROT_READ : PROT_READ | PROT_WRITE,
		     MAP_SHARED));
	obs("unmap=%s", ename(lab_unmap(fd, index, 2)));
	obs("page=%s", pool_verify(0, 1, 49) ? "intact" : "changed");
	obs("active=%d", wait_active(0, 1, 0, 1000));
}

/* clang-format off */
static const struct conform_case cases[] = {
	CONFORM_CASE("danger-vmsplice-munmap", case_gup_vmsplice, 0,
		     "vmsplice=ok held=1 data=ok after=0 unmap=ok",
		     .stock = "*", .need = 1),
	CONFORM_CASE("danger-notify-then-ro-mmap", case_notify_then_ro_mmap, 0,
		     "notify=ok mmap=EINVAL unmap=ok active=0", .stock = "*",
		     .need = 1, .bad_input = true),
	CONFORM_CASE("danger-notify-failed-rw-mmap", case_notify_failed_mmap,
		     0, "notify=ok mmap=EINVAL unmap=ok page=intact active=0",
		     .stock = "*", .need = 1, .bad_input = true),
	CONFORM_CASE("danger-notify-failed-ro-mmap", case_notify_failed_mmap,
		     1, "notify=ok mmap=EINVAL unmap=ok page=intact active=0",
		     .stock = "*", .need = 1, .bad_input = true),
};
/* clang-format on */

CONFORM_GROUP(conform_danger, "danger");
