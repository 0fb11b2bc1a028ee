// SPDX-License-Identifier: GPL-2.0
/*
 * test-args.c - unit tests of the gntdev argument checks (gntdev-core.c)
 *
 * Every check at its boundaries: zero, one, the limit and one past it,
 * the largest values of each type, and the arithmetic that would overflow
 * if done naively.
 */

#include <stdint.h>

#include "gntdev-core.h"
#include "t-harness.h"

static void test_map_count(void)
{
	T_EQ(-EINVAL, gntdev_check_map_count(0, 65536));
	T_EQ(0, gntdev_check_map_count(1, 65536));
	T_EQ(0, gntdev_check_map_count(65536, 65536));
	T_EQ(-EINVAL, gntdev_check_map_count(65537, 65536));
	T_EQ(-EINVAL, gntdev_check_map_count(UINT32_MAX, 65536));
	T_EQ(0, gntdev_check_map_count(UINT32_MAX, UINT32_MAX));
	T_EQ(-EINVAL, gntdev_check_map_count(1, 0));
	T_EQ(-EINVAL, gntdev_check_map_count(0, 0));
}

static void test_request_sizes(void)
{
	size_t size = 0;

	T_EQ(0, gntdev_map_request_size(1, &size));
	T_EQ(24, size);
	T_EQ(0, gntdev_map_request_size(0, &size));
	T_EQ(16, size);
	T_EQ(0, gntdev_map_request_size(65536, &size));
	T_EQ(16 + 8 * 65536, size);
	if (sizeof(size_t) > 4) {
		T_EQ(0, gntdev_map_request_size(UINT32_MAX, &size));
		T_EQ(16 + 8 * (unsigned long long)UINT32_MAX, size);
	} else {
		size = 1;
		T_EQ(-EINVAL, gntdev_map_request_size(UINT32_MAX, &size));
		T_EQ(1, size);
	}

	T_EQ(0, gntdev_dmabuf_request_size(1, &size));
	T_EQ(20, size);
	T_EQ(0, gntdev_dmabuf_request_size(3, &size));
	T_EQ(28, size);

	/* The general helper, where overflow is reachable on any host. */
	T_EQ(0, gntdev_array_size(SIZE_MAX, 0, 8, &size));
	T_EQ(SIZE_MAX, size);
	T_EQ(0, gntdev_array_size(SIZE_MAX - 8, 1, 8, &size));
	T_EQ(SIZE_MAX, size);
	size = 1;
	T_EQ(-EINVAL, gntdev_array_size(SIZE_MAX - 7, 1, 8, &size));
	T_EQ(1, size); /* untouched on failure */
	T_EQ(0, gntdev_array_size(0, 2, SIZE_MAX / 2, &size));
	T_EQ(SIZE_MAX - 1, size);
	T_EQ(-EINVAL, gntdev_array_size(0, 3, SIZE_MAX / 2, &size));
	T_EQ(-EINVAL, gntdev_array_size(2, 2, SIZE_MAX / 2, &size));
	T_EQ(0, gntdev_array_size(7, UINT32_MAX, 0, &size));
	T_EQ(7, size);
}

static void test_offsets(void)
{
	u32 index = 7;

	T_EQ(0, gntdev_offset_to_index(0, &index));
	T_EQ(0, index);
	T_EQ(0, gntdev_offset_to_index(4096, &index));
	T_EQ(1, index);
	T_EQ(0, gntdev_offset_to_index(0xffffffffULL << 12, &index));
	T_EQ(0xffffffffU, index);
	index = 7;
	T_EQ(-EINVAL, gntdev_offset_to_index(1, &index));
	T_EQ(-EINVAL, gntdev_offset_to_index(4095, &index));
	T_EQ(-EINVAL, gntdev_offset_to_index(4097, &index));
	T_EQ(-EINVAL, gntdev_offset_to_index(1ULL << 44, &index));
	T_EQ(-EINVAL, gntdev_offset_to_index(UINT64_MAX, &index));
	T_EQ(-EINVAL, gntdev_offset_to_index(UINT64_MAX & ~4095ULL, &index));
	T_EQ(7, index); /* untouched on failure */

	T_EQ(0, gntdev_index_to_offset(0));
	T_EQ(4096, gntdev_index_to_offset(1));
	/* Mainline's int shift breaks here (index 2^19, offset 2 GiB). */
	T_EQ(1ULL << 31, gntdev_index_to_offset(1U << 19));
	T_EQ(0xffffffffULL << 12, gntdev_index_to_offset(UINT32_MAX));
	T_EQ(0, gntdev_offset_to_index(gntdev_index_to_offset(UINT32_MAX),
				       &index));
	T_EQ(UINT32_MAX, index);
}

static void test_unmap(void)
{
	T_EQ(0, gntdev_check_unmap(10, 4, 10, 4));
	T_EQ(0, gntdev_check_unmap(10, 0, 10, 4)); /* 0: whole map */
	T_EQ(-ENOENT, gntdev_check_unmap(10, 3, 10, 4));
	T_EQ(-ENOENT, gntdev_check_unmap(10, 5, 10, 4));
	T_EQ(-ENOENT, gntdev_check_unmap(11, 3, 10, 4)); /* interior */
	T_EQ(-ENOENT, gntdev_check_unmap(11, 0, 10, 4));
	T_EQ(-ENOENT, gntdev_check_unmap(10, UINT32_MAX, 10, 4));
}

static void test_mmap(void)
{
	T_EQ(0, gntdev_check_mmap(10, 4, 10, 4));
	T_EQ(0, gntdev_check_mmap(0, 1, 0, 1));
	T_EQ(-EINVAL, gntdev_check_mmap(10, 3, 10, 4));
	T_EQ(-EINVAL, gntdev_check_mmap(10, 5, 10, 4));
	T_EQ(-EINVAL, gntdev_check_mmap(11, 3, 10, 4));
	T_EQ(-EINVAL, gntdev_check_mmap(9, 4, 10, 4));
	T_EQ(-EINVAL, gntdev_check_mmap(10, 0, 10, 0));
	T_EQ(-EINVAL, gntdev_check_mmap(10 + (1ULL << 32), 4, 10, 4));
	T_EQ(-EINVAL, gntdev_check_mmap(10, 4 + (1ULL << 32), 10, 4));
	T_EQ(0,
	     gntdev_check_mmap(UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX));
}

static void test_max_grants(void)
{
	u32 max = 7;

	T_EQ(-EINVAL, gntdev_check_max_grants(0, 1024, &max));
	T_EQ(-EINVAL, gntdev_check_max_grants(5, 0, &max));
	T_EQ(7, max);
	T_EQ(0, gntdev_check_max_grants(1, 1024, &max));
	T_EQ(1, max);
	T_EQ(0, gntdev_check_max_grants(1024, 1024, &max));
	T_EQ(1024, max);
	T_EQ(0, gntdev_check_max_grants(1025, 1024, &max)); /* clamp */
	T_EQ(1024, max);
	T_EQ(0, gntdev_check_max_grants(UINT32_MAX, 1024, &max));
	T_EQ(1024, max);
}

static void test_notify(void)
{
	u32 a;

	for (a = 0; a <= 3; a++)
		T_EQ(0, gntdev_check_notify_action(a));
	T_EQ(-EINVAL, gntdev_check_notify_action(4));
	T_EQ(-EINVAL, gntdev_check_notify_action(7));
	T_EQ(-EINVAL, gntdev_check_notify_action(0x80000000U));
	T_EQ(-EINVAL, gntdev_check_notify_action(UINT32_MAX));

	T_EQ(0, gntdev_check_notify(0, 0, 1, false));
	T_EQ(0, gntdev_check_notify(1, 4095, 1, false));
	T_EQ(0, gntdev_check_notify(3, 8191, 2, false));
	T_EQ(-ENOENT, gntdev_check_notify(1, 4096, 1, false));
	T_EQ(-ENOENT, gntdev_check_notify(0, UINT64_MAX, 2, false));
	T_EQ(-ENOENT, gntdev_check_notify(0, 0, 0, false));
	T_EQ(0, gntdev_check_notify(2, (0xffffffffULL << 12) - 1, UINT32_MAX,
				    false));
	/* Read-only maps: events yes, clearing a byte no. */
	T_EQ(0, gntdev_check_notify(0, 0, 1, true));
	T_EQ(0, gntdev_check_notify(2, 0, 1, true));
	T_EQ(-EINVAL, gntdev_check_notify(1, 0, 1, true));
	T_EQ(-EINVAL, gntdev_check_notify(3, 0, 1, true));
	/* Unknown bits win over a missing map, as in mainline. */
	T_EQ(-EINVAL, gntdev_check_notify(4, 4096, 1, false));
	T_EQ(-ENOENT, gntdev_check_notify(1, 4096, 1, true));
}

static void test_copy_segment(void)
{
	const u16 s = GNTCOPY_source_gref;
	const u16 d = GNTCOPY_dest_gref;

	T_EQ(-EINVAL, gntdev_check_copy_segment(0, 1, 0, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(4, 1, 0, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(0xfffc, 0, 0, 0));
	T_EQ(0, gntdev_check_copy_segment(s, 0, 0, 0));
	T_EQ(0, gntdev_check_copy_segment(s, 4096, 0, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s, 4097, 0, 0));
	T_EQ(0, gntdev_check_copy_segment(s, 1, 4095, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s, 2, 4095, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s, 1, 4096, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s, UINT16_MAX, UINT16_MAX, 0));
	/* The unused side's offset is not looked at. */
	T_EQ(0, gntdev_check_copy_segment(s, 16, 0, UINT16_MAX));
	T_EQ(0, gntdev_check_copy_segment(d, 16, UINT16_MAX, 0));
	T_EQ(0, gntdev_check_copy_segment(d, 96, 0, 4000));
	T_EQ(-EINVAL, gntdev_check_copy_segment(d, 97, 0, 4000));
	T_EQ(0, gntdev_check_copy_segment(s | d, 100, 3996, 3996));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s | d, 100, 3997, 0));
	T_EQ(-EINVAL, gntdev_check_copy_segment(s | d, 100, 0, 3997));
	/* Other bits go to Xen unchecked, as in mainline. */
	T_EQ(0, gntdev_check_copy_segment(s | 4, 1, 0, 0));
}

static void test_copy_chunk(void)
{
	T_EQ(4096, gntdev_copy_chunk(0, 4096));
	T_EQ(4096, gntdev_copy_chunk(0x10000, 65535));
	T_EQ(100, gntdev_copy_chunk(0x10000, 100));
	T_EQ(1, gntdev_copy_chunk(0x10fff, 100));
	T_EQ(96, gntdev_copy_chunk(0x10fa0, 100));
	T_EQ(100, gntdev_copy_chunk(0x10f9c, 100));
	T_EQ(0, gntdev_copy_chunk(0x10f00, 0));
	T_EQ(1, gntdev_copy_chunk(UINT64_MAX, UINT32_MAX));
	T_EQ(4096, gntdev_copy_chunk(UINT64_MAX - 4095, UINT32_MAX));
}

static void test_total(void)
{
	T_EQ(0, gntdev_total_can_add(0, 0, 0));
	T_EQ(0, gntdev_total_can_add(0, 10, 10));
	T_EQ(-ENOSPC, gntdev_total_can_add(0, 11, 10));
	T_EQ(0, gntdev_total_can_add(9, 1, 10));
	T_EQ(-ENOSPC, gntdev_total_can_add(10, 1, 10));
	T_EQ(0, gntdev_total_can_add(10, 0, 10));
	T_EQ(-ENOSPC, gntdev_total_can_add(11, 0, 10));
	/* cur + count would wrap a u64 or a u32 if added first. */
	T_EQ(-ENOSPC,
	     gntdev_total_can_add(UINT64_MAX, UINT32_MAX, UINT64_MAX - 1));
	T_EQ(-ENOSPC, gntdev_total_can_add(UINT64_MAX - 5, 6, UINT64_MAX - 1));
	T_EQ(0, gntdev_total_can_add(UINT64_MAX - 5, 5, UINT64_MAX));
	T_EQ(-ENOSPC, gntdev_total_can_add(1, UINT32_MAX, UINT32_MAX));
	T_EQ(0, gntdev_total_can_add(1, UINT32_MAX, 1ULL << 32));
}

static void test_constants(void)
{
	T_EQ(4096, GNTDEV_PAGE_SIZE);
	T_EQ(1U << GNTDEV_PAGE_SHIFT, GNTDEV_PAGE_SIZE);
}

static void test_dmabuf(void)
{
	/* Export: flags, then count and domid, then the unsupported flags. */
	T_EQ(0, gntdev_check_dmabuf_exp(0, 1, 0, 65536));
	T_EQ(0, gntdev_check_dmabuf_exp(0, 65536, 0x7fef, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(0, 0, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(0, 65537, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(0, 1, 0x7ff0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(0, 1, UINT32_MAX, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(4, 1, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(UINT32_MAX, 1, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(3, 1, 0, 65536));
	T_EQ(-EOPNOTSUPP, gntdev_check_dmabuf_exp(1, 1, 0, 65536));
	T_EQ(-EOPNOTSUPP, gntdev_check_dmabuf_exp(2, 1, 0, 65536));
	/* A bad count wins over an unsupported flag. */
	T_EQ(-EINVAL, gntdev_check_dmabuf_exp(1, 0, 0, 65536));

	/* Import: gnttab grants at most 65535 references at once. */
	T_EQ(0, gntdev_check_dmabuf_imp(1, 0, 65536));
	T_EQ(0, gntdev_check_dmabuf_imp(65535, 0x7fef, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_imp(65536, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_imp(0, 0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_imp(11, 0, 10));
	T_EQ(-EINVAL, gntdev_check_dmabuf_imp(1, 0x7ff0, 65536));
	T_EQ(-EINVAL, gntdev_check_dmabuf_imp(1, 0x10000, 65536));
}

static const struct t_case cases[] = {
	T_CASE(test_constants),	    T_CASE(test_map_count),
	T_CASE(test_request_sizes), T_CASE(test_offsets),
	T_CASE(test_unmap),	    T_CASE(test_mmap),
	T_CASE(test_max_grants),    T_CASE(test_notify),
	T_CASE(test_copy_segment),  T_CASE(test_copy_chunk),
	T_CASE(test_total),	    T_CASE(test_dmabuf),
};

int main(int argc, char **argv)
{
	return t_run("test-args: argument checks of the core", cases,
		     T_ARRAY_SIZE(cases), argc > 1 ? argv[1] : NULL);
}
