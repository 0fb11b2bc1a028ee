// SPDX-License-Identifier: GPL-2.0
/*
 * test-uapi.c - ABI of include/xen/public/gntdev.h
 *
 * The layouts and ioctl numbers must equal mainline Linux's byte for byte;
 * the expected values below were computed on x86-64 from mainline's
 * include/uapi/xen/gntdev.h. Layouts are checked at compile time, so drift
 * breaks the build; ioctl numbers are checked at run time so a mismatch
 * prints both values.
 */

#include <stddef.h>
#include <stdint.h>

#include <xen/public/gntdev.h>

#include "t-harness.h"

#if defined(__x86_64__)

#define T_SIZE(type, size) \
	_Static_assert(sizeof(struct type) == (size), #type " size")
#define T_AT(type, field, offset)                                \
	_Static_assert(offsetof(struct type, field) == (offset), \
		       #type "." #field " offset")

T_SIZE(ioctl_gntdev_grant_ref, 8);
T_AT(ioctl_gntdev_grant_ref, domid, 0);
T_AT(ioctl_gntdev_grant_ref, ref, 4);

T_SIZE(ioctl_gntdev_map_grant_ref, 24);
T_AT(ioctl_gntdev_map_grant_ref, count, 0);
T_AT(ioctl_gntdev_map_grant_ref, pad, 4);
T_AT(ioctl_gntdev_map_grant_ref, index, 8);
T_AT(ioctl_gntdev_map_grant_ref, refs, 16);

T_SIZE(ioctl_gntdev_unmap_grant_ref, 16);
T_AT(ioctl_gntdev_unmap_grant_ref, index, 0);
T_AT(ioctl_gntdev_unmap_grant_ref, count, 8);
T_AT(ioctl_gntdev_unmap_grant_ref, pad, 12);

T_SIZE(ioctl_gntdev_get_offset_for_vaddr, 24);
T_AT(ioctl_gntdev_get_offset_for_vaddr, vaddr, 0);
T_AT(ioctl_gntdev_get_offset_for_vaddr, offset, 8);
T_AT(ioctl_gntdev_get_offset_for_vaddr, count, 16);
T_AT(ioctl_gntdev_get_offset_for_vaddr, pad, 20);

T_SIZE(ioctl_gntdev_set_max_grants, 4);
T_AT(ioctl_gntdev_set_max_grants, count, 0);

T_SIZE(ioctl_gntdev_unmap_notify, 16);
T_AT(ioctl_gntdev_unmap_notify, index, 0);
T_AT(ioctl_gntdev_unmap_notify, action, 8);
T_AT(ioctl_gntdev_unmap_notify, event_channel_port, 12);

T_SIZE(gntdev_grant_copy_segment, 24);
T_AT(gntdev_grant_copy_segment, source, 0);
T_AT(gntdev_grant_copy_segment, source.virt, 0);
T_AT(gntdev_grant_copy_segment, source.foreign.ref, 0);
T_AT(gntdev_grant_copy_segment, source.foreign.offset, 4);
T_AT(gntdev_grant_copy_segment, source.foreign.domid, 6);
T_AT(gntdev_grant_copy_segment, dest, 8);
T_AT(gntdev_grant_copy_segment, dest.foreign.ref, 8);
T_AT(gntdev_grant_copy_segment, dest.foreign.offset, 12);
T_AT(gntdev_grant_copy_segment, dest.foreign.domid, 14);
T_AT(gntdev_grant_copy_segment, len, 16);
T_AT(gntdev_grant_copy_segment, flags, 18);
T_AT(gntdev_grant_copy_segment, status, 20);

T_SIZE(ioctl_gntdev_grant_copy, 16);
T_AT(ioctl_gntdev_grant_copy, count, 0);
T_AT(ioctl_gntdev_grant_copy, segments, 8);

T_SIZE(ioctl_gntdev_dmabuf_exp_from_refs, 20);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, flags, 0);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, count, 4);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, fd, 8);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, domid, 12);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, refs, 16);

T_SIZE(ioctl_gntdev_dmabuf_exp_wait_released, 8);
T_AT(ioctl_gntdev_dmabuf_exp_wait_released, fd, 0);
T_AT(ioctl_gntdev_dmabuf_exp_wait_released, wait_to_ms, 4);

T_SIZE(ioctl_gntdev_dmabuf_imp_to_refs, 20);
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, fd, 0);
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, count, 4);
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, domid, 8);
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, reserved, 12);
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, refs, 16);

T_SIZE(ioctl_gntdev_dmabuf_imp_release, 8);
T_AT(ioctl_gntdev_dmabuf_imp_release, fd, 0);
T_AT(ioctl_gntdev_dmabuf_imp_release, reserved, 4);

/* Both dma-buf requests' refs follow the same header. */
T_AT(ioctl_gntdev_dmabuf_imp_to_refs, refs[1], 20);
T_AT(ioctl_gntdev_dmabuf_exp_from_refs, refs[1], 20);

/* Mainline's values on x86-64. */
static void test_ioctl_numbers(void)
{
	T_EQ(0x00184700, IOCTL_GNTDEV_MAP_GRANT_REF);
	T_EQ(0x00104701, IOCTL_GNTDEV_UNMAP_GRANT_REF);
	T_EQ(0x00184702, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR);
	T_EQ(0x00044703, IOCTL_GNTDEV_SET_MAX_GRANTS);
	T_EQ(0x00104707, IOCTL_GNTDEV_SET_UNMAP_NOTIFY);
	T_EQ(0x00104708, IOCTL_GNTDEV_GRANT_COPY);
	T_EQ(0x00144709, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS);
	T_EQ(0x0008470a, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED);
	T_EQ(0x0014470b, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS);
	T_EQ(0x0008470c, IOCTL_GNTDEV_DMABUF_IMP_RELEASE);
}

static void test_flags(void)
{
	T_EQ(1, UNMAP_NOTIFY_CLEAR_BYTE);
	T_EQ(2, UNMAP_NOTIFY_SEND_EVENT);
	T_EQ(1, GNTCOPY_source_gref);
	T_EQ(2, GNTCOPY_dest_gref);
	T_EQ(1, GNTDEV_DMA_FLAG_WC);
	T_EQ(2, GNTDEV_DMA_FLAG_COHERENT);
}

static const struct t_case cases[] = {
	T_CASE(test_ioctl_numbers),
	T_CASE(test_flags),
};

int main(int argc, char **argv)
{
	return t_run("test-uapi: the ABI's numbers and layouts", cases,
		     T_ARRAY_SIZE(cases), argc > 1 ? argv[1] : NULL);
}

#else /* !__x86_64__ */

int main(void)
{
	fprintf(stderr, "test-uapi: expected values are for x86-64 only\n");
	return T_EXIT_SKIP;
}

#endif /* __x86_64__ */
