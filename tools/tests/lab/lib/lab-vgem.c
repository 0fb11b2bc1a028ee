// SPDX-License-Identifier: GPL-2.0
/*
 * lab-vgem.c - a dma-buf from vgem, the exporter every Debian kernel has
 * as a module (dom0 loads it for the dma-buf tests). The lab has no libdrm
 * headers, so the few DRM uapi pieces used are declared here.
 */
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>

struct t_drm_version {
	int major, minor, patch;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct t_drm_create_dumb {
	__u32 height, width, bpp, flags, handle, pitch;
	__u64 size;
};

struct t_drm_map_dumb {
	__u32 handle, pad;
	__u64 offset;
};

struct t_drm_prime_handle {
	__u32 handle, flags;
	__s32 fd;
};

#define T_DRM_IOCTL_VERSION _IOWR('d', 0x00, struct t_drm_version)
#define T_DRM_IOCTL_PRIME_HANDLE_TO_FD \
	_IOWR('d', 0x2d, struct t_drm_prime_handle)
#define T_DRM_IOCTL_MODE_CREATE_DUMB _IOWR('d', 0xb2, struct t_drm_create_dumb)
#define T_DRM_IOCTL_MODE_MAP_DUMB _IOWR('d', 0xb3, struct t_drm_map_dumb)

/* The vgem card's fd, or -ENOENT. */
static int lab_vgem_open(void)
{
	char path[32], name[16];
	struct t_drm_version v;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, T_DRM_IOCTL_VERSION, &v) &&
		    !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int lab_vgem_buffer(size_t n, void **pp, const char **step)
{
	struct t_drm_create_dumb c = {
		.height = n,
		.width = LAB_PAGE_SIZE / 4,
		.bpp = 32,
	};
	struct t_drm_map_dumb m = { 0 };
	struct t_drm_prime_handle h = { 0 };
	int card;
	void *p;

	*step = "vgem";
	card = lab_vgem_open();
	if (card < 0)
		return card;
	*step = "vgem-create";
	if (ioctl(card, T_DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -errno;
	*step = "vgem-size";
	if (c.size != n * LAB_PAGE_SIZE)
		return -EMSGSIZE;
	*step = "vgem-map";
	m.handle = c.handle;
	if (ioctl(card, T_DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -errno;
	*step = "vgem-mmap";
	p = mmap(NULL, n * LAB_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 card, (off_t)m.offset);
	if (p == MAP_FAILED)
		return -errno;
	*step = "vgem-export";
	h.handle = c.handle;
	h.flags = O_CLOEXEC | O_RDWR;
	if (ioctl(card, T_DRM_IOCTL_PRIME_HANDLE_TO_FD, &h))
		return -errno;
	*pp = p;
	return h.fd;
}
