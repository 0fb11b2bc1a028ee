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
#include "harness.h"

static void test_map_count(void)
{
	ASSERT_EQ(-EINVAL, gntdev_check_map_count(0, 65536));
	ASSERT_EQ(0, gntdev_check_map_count(1, 65536));
	ASSERT_EQ(0, gntdev_check_map_count(65536, 65536));
	ASSERT_EQ(-EINVAL, gntdev_check_map_count(65537, 65536));
	ASSERT_EQ(-EINVAL, gntdev_check_map_count(UINT32_MAX, 65536));
	ASSERT_EQ(0, gntdev_check_map_count(UINT32_MAX, UINT32_MAX));
	ASSERT_EQ(-EINVAL, gntdev_check_map_count(1, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_map_count(0, 0));
}

static void test_request_sizes(void)
{
	size_t size = 0;

	ASSERT_EQ(0, gntdev_map_request_size(1, &size));
	ASSERT_EQ(24, size);
	ASSERT_EQ(0, gntdev_map_request_size(0, &size));
	ASSERT_EQ(16, size);
	ASSERT_EQ(0, gntdev_map_request_size(65536, &size));
	ASSERT_EQ(16 + 8 * 65536, size);
	if (sizeof(size_t) > 4) {
		ASSERT_EQ(0, gntdev_map_request_size(UINT32_MAX, &size));
		ASSERT_EQ(16 + 8 * (unsigned long long)UINT32_MAX, size);
	} else {
		size = 1;
		ASSERT_EQ(-EINVAL, gntdev_map_request_size(UINT32_MAX, &size));
		ASSERT_EQ(1, size);
	}

	ASSERT_EQ(0, gntdev_dmabuf_request_size(1, &size));
	ASSERT_EQ(20, size);
	ASSERT_EQ(0, gntdev_dmabuf_request_size(3, &size));
	ASSERT_EQ(28, size);

	/* The general helper, where overflow is reachable on any host. */
	ASSERT_EQ(0, gntdev_array_size(SIZE_MAX, 0, 8, &size));
	ASSERT_EQ(SIZE_MAX, size);
	ASSERT_EQ(0, gntdev_array_size(SIZE_MAX - 8, 1, 8, &size));
	ASSERT_EQ(SIZE_MAX, size);
	size = 1;
	ASSERT_EQ(-EINVAL, gntdev_array_size(SIZE_MAX - 7, 1, 8, &size));
	ASSERT_EQ(1, size); /* untouched on failure */
	ASSERT_EQ(0, gntdev_array_size(0, 2, SIZE_MAX / 2, &size));
	ASSERT_EQ(SIZE_MAX - 1, size);
	ASSERT_EQ(-EINVAL, gntdev_array_size(0, 3, SIZE_MAX / 2, &size));
	ASSERT_EQ(-EINVAL, gntdev_array_size(2, 2, SIZE_MAX / 2, &size));
	ASSERT_EQ(0, gntdev_array_size(7, UINT32_MAX, 0, &size));
	ASSERT_EQ(7, size);
}

static void test_offsets(void)
{
	u32 index = 7;

	ASSERT_EQ(0, gntdev_offset_to_index(0, &index));
	ASSERT_EQ(0, index);
	ASSERT_EQ(0, gntdev_offset_to_index(4096, &index));
	ASSERT_EQ(1, index);
	ASSERT_EQ(0, gntdev_offset_to_index(0xffffffffULL << 12, &index));
	ASSERT_EQ(0xffffffffU, index);
	index = 7;
	ASSERT_EQ(-EINVAL, gntdev_offset_to_index(1, &index));
	ASSERT_EQ(-EINVAL, gntdev_offset_to_index(4095, &index));
	ASSERT_EQ(-EINVAL, gntdev_offset_to_index(4097, &index));
	ASSERT_EQ(-EINVAL, gntdev_offset_to_index(1ULL << 44, &index));
	ASSERT_EQ(-EINVAL, gntdev_offset_to_index(UINT64_MAX, &index));
	ASSERT_EQ(-EINVAL,
		  gntdev_offset_to_index(UINT64_MAX & ~4095ULL, &index));
	ASSERT_EQ(7, index); /* untouched on failure */

	ASSERT_EQ(0, gntdev_index_to_offset(0));
	ASSERT_EQ(4096, gntdev_index_to_offset(1));
	/* Mainline's int shift breaks here (index 2^19, offset 2 GiB). */
	ASSERT_EQ(1ULL << 31, gntdev_index_to_offset(1U << 19));
	ASSERT_EQ(0xffffffffULL << 12, gntdev_index_to_offset(UINT32_MAX));
	ASSERT_EQ(0, gntdev_offset_to_index(gntdev_index_to_offset(UINT32_MAX),
					    &index));
	ASSERT_EQ(UINT32_MAX, index);
}

static void test_unmap(void)
{
	ASSERT_EQ(0, gntdev_check_unmap(10, 4, 10, 4));
	ASSERT_EQ(0, gntdev_check_unmap(10, 0, 10, 4)); /* 0: whole map */
	ASSERT_EQ(-ENOENT, gntdev_check_unmap(10, 3, 10, 4));
	ASSERT_EQ(-ENOENT, gntdev_check_unmap(10, 5, 10, 4));
	ASSERT_EQ(-ENOENT, gntdev_check_unmap(11, 3, 10, 4)); /* interior */
	ASSERT_EQ(-ENOENT, gntdev_check_unmap(11, 0, 10, 4));
	ASSERT_EQ(-ENOENT, gntdev_check_unmap(10, UINT32_MAX, 10, 4));
}

static void test_mmap(void)
{
	ASSERT_EQ(0, gntdev_check_mmap(10, 4, 10, 4));
	ASSERT_EQ(0, gntdev_check_mmap(0, 1, 0, 1));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(10, 3, 10, 4));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(10, 5, 10, 4));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(11, 3, 10, 4));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(9, 4, 10, 4));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(10, 0, 10, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(10 + (1ULL << 32), 4, 10, 4));
	ASSERT_EQ(-EINVAL, gntdev_check_mmap(10, 4 + (1ULL << 32), 10, 4));
	ASSERT_EQ(0, gntdev_check_mmap(UINT32_MAX, UINT32_MAX, UINT32_MAX,
				       UINT32_MAX));
}

static void test_max_grants(void)
{
	u32 max = 7;

	ASSERT_EQ(-EINVAL, gntdev_check_max_grants(0, 1024, &max));
	ASSERT_EQ(-EINVAL, gntdev_check_max_grants(5, 0, &max));
	ASSERT_EQ(7, max);
	ASSERT_EQ(0, gntdev_check_max_grants(1, 1024, &max));
	ASSERT_EQ(1, max);
	ASSERT_EQ(0, gntdev_check_max_grants(1024, 1024, &max));
	ASSERT_EQ(1024, max);
	ASSERT_EQ(0, gntdev_check_max_grants(1025, 1024, &max)); /* clamp */
	ASSERT_EQ(1024, max);
	ASSERT_EQ(0, gntdev_check_max_grants(UINT32_MAX, 1024, &max));
	ASSERT_EQ(1024, max);
}

static void test_notify(void)
{
	u32 a;

	for (a = 0; a <= 3; a++)
		ASSERT_EQ(0, gntdev_check_notify_action(a));
	ASSERT_EQ(-EINVAL, gntdev_check_notify_action(4));
	ASSERT_EQ(-EINVAL, gntdev_check_notify_action(7));
	ASSERT_EQ(-EINVAL, gntdev_check_notify_action(0x80000000U));
	ASSERT_EQ(-EINVAL, gntdev_check_notify_action(UINT32_MAX));

	ASSERT_EQ(0, gntdev_check_notify(0, 0, 1, false));
	ASSERT_EQ(0, gntdev_check_notify(1, 4095, 1, false));
	ASSERT_EQ(0, gntdev_check_notify(3, 8191, 2, false));
	ASSERT_EQ(-ENOENT, gntdev_check_notify(1, 4096, 1, false));
	ASSERT_EQ(-ENOENT, gntdev_check_notify(0, UINT64_MAX, 2, false));
	ASSERT_EQ(-ENOENT, gntdev_check_notify(0, 0, 0, false));
	ASSERT_EQ(0, gntdev_check_notify(2, (0xffffffffULL << 12) - 1,
					 UINT32_MAX, false));
	/* Read-only maps: events yes, clearing a byte no. */
	ASSERT_EQ(0, gntdev_check_notify(0, 0, 1, true));
	ASSERT_EQ(0, gntdev_check_notify(2, 0, 1, true));
	ASSERT_EQ(-EINVAL, gntdev_check_notify(1, 0, 1, true));
	ASSERT_EQ(-EINVAL, gntdev_check_notify(3, 0, 1, true));
	/* Unknown bits win over a missing map, as in mainline. */
	ASSERT_EQ(-EINVAL, gntdev_check_notify(4, 4096, 1, false));
	ASSERT_EQ(-ENOENT, gntdev_check_notify(1, 4096, 1, true));
}

static void test_copy_segment(void)
{
	const u16 s = GNTDEV_COPY_SOURCE_GREF;
	const u16 d = GNTDEV_COPY_DEST_GREF;

	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(0, 1, 0, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(4, 1, 0, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(0xfffc, 0, 0, 0));
	ASSERT_EQ(0, gntdev_check_copy_segment(s, 0, 0, 0));
	ASSERT_EQ(0, gntdev_check_copy_segment(s, 4096, 0, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(s, 4097, 0, 0));
	ASSERT_EQ(0, gntdev_check_copy_segment(s, 1, 4095, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(s, 2, 4095, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(s, 1, 4096, 0));
	ASSERT_EQ(-EINVAL,
		  gntdev_check_copy_segment(s, UINT16_MAX, UINT16_MAX, 0));
	/* The unused side's offset is not looked at. */
	ASSERT_EQ(0, gntdev_check_copy_segment(s, 16, 0, UINT16_MAX));
	ASSERT_EQ(0, gntdev_check_copy_segment(d, 16, UINT16_MAX, 0));
	ASSERT_EQ(0, gntdev_check_copy_segment(d, 96, 0, 4000));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(d, 97, 0, 4000));
	ASSERT_EQ(0, gntdev_check_copy_segment(s | d, 100, 3996, 3996));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(s | d, 100, 3997, 0));
	ASSERT_EQ(-EINVAL, gntdev_check_copy_segment(s | d, 100, 0, 3997));
	/* Other bits go to Xen unchecked, as in mainline. */
	ASSERT_EQ(0, gntdev_check_copy_segment(s | 4, 1, 0, 0));
}

static void test_copy_chunk(void)
{
	ASSERT_EQ(4096, gntdev_copy_chunk(0, 4096));
	ASSERT_EQ(4096, gntdev_copy_chunk(0x10000, 65535));
	ASSERT_EQ(100, gntdev_copy_chunk(0x10000, 100));
	ASSERT_EQ(1, gntdev_copy_chunk(0x10fff, 100));
	ASSERT_EQ(96, gntdev_copy_chunk(0x10fa0, 100));
	ASSERT_EQ(100, gntdev_copy_chunk(0x10f9c, 100));
	ASSERT_EQ(0, gntdev_copy_chunk(0x10f00, 0));
	ASSERT_EQ(1, gntdev_copy_chunk(UINT64_MAX, UINT32_MAX));
	ASSERT_EQ(4096, gntdev_copy_chunk(UINT64_MAX - 4095, UINT32_MAX));
}

static void test_total(void)
{
	ASSERT_EQ(0, gntdev_total_can_add(0, 0, 0));
	ASSERT_EQ(0, gntdev_total_can_add(0, 10, 10));
	ASSERT_EQ(-ENOSPC, gntdev_total_can_add(0, 11, 10));
	ASSERT_EQ(0, gntdev_total_can_add(9, 1, 10));
	ASSERT_EQ(-ENOSPC, gntdev_total_can_add(10, 1, 10));
	ASSERT_EQ(0, gntdev_total_can_add(10, 0, 10));
	ASSERT_EQ(-ENOSPC, gntdev_total_can_add(11, 0, 10));
	/* cur + count would wrap a u64 or a u32 if added first. */
	ASSERT_EQ(-ENOSPC,
		  gntdev_total_can_add(UINT64_MAX, UINT32_MAX, UINT64_MAX - 1));
	ASSERT_EQ(-ENOSPC,
		  gntdev_total_can_add(UINT64_MAX - 5, 6, UINT64_MAX - 1));
	ASSERT_EQ(0, gntdev_total_can_add(UINT64_MAX - 5, 5, UINT64_MAX));
	ASSERT_EQ(-ENOSPC, gntdev_total_can_add(1, UINT32_MAX, UINT32_MAX));
	ASSERT_EQ(0, gntdev_total_can_add(1, UINT32_MAX, 1ULL << 32));
}

static void test_constants(void)
{
	ASSERT_EQ(4096, GNTDEV_PAGE_SIZE);
	ASSERT_EQ(1U << GNTDEV_PAGE_SHIFT, GNTDEV_PAGE_SIZE);
}

int main(void)
{
	test_constants();
	test_map_count();
	test_request_sizes();
	test_offsets();
	test_unmap();
	test_mmap();
	test_max_grants();
	test_notify();
	test_copy_segment();
	test_copy_chunk();
	test_total();
	return T_EXIT_PASS;
}
