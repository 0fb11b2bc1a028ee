// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev - map other Xen domains' grant references into user space.
 *
 * Each open file of /dev/xen/gntdev has a table of grant slots.  User space
 * asks for a run of slots for some grants, then mmap()s the run's offset to
 * map them:
 *
 *	fd = open("/dev/xen/gntdev", O_RDWR);
 *	ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map);	(reserves slots)
 *	p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
 *		 fd, map.index);			(maps the grants)
 *	munmap(p, n * 4096);				(unmaps them)
 *	ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);	(frees the slots)
 *
 * The ABI is mainline Linux's (include/xen/public/gntdev.h); this file has
 * the file operations, one function per ioctl and the module glue.  The
 * slot table and argument checks are the pure core (gntdev-core.c), the
 * mapping itself is gntdev-map.c, its spare pages and blocks
 * gntdev-cache.c, grant copy gntdev-copy.c.
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <xen/events.h>
#include <xen/page.h>
#include <xen/xen.h>

#include "gntdev-common.h"

/* ------------------------------------------------------------------ */
/* Slot table memory: the table can grow to megabytes, hence kvzalloc. */

static void *gntdev_slots_zalloc(size_t size, void *ctx)
{
	/* Sized by user requests: -ENOMEM, not a warning, when absurd. */
	return kvzalloc(size, GFP_KERNEL | __GFP_NOWARN);
}

static void gntdev_slots_free(void *ptr, void *ctx)
{
	kvfree(ptr);
}

static const struct gntdev_slot_alloc gntdev_slot_alloc = {
	.zalloc = gntdev_slots_zalloc,
	.free = gntdev_slots_free,
};

/* Forget a map whose slots are already released. */
static void gntdev_forget(struct gntdev_file *priv, struct gntdev_map *map)
{
	lockdep_assert_held(&priv->lock);
	list_del_init(&map->link);
	priv->nr_maps--;
	map->listed = false;
	map->file = NULL;
}

/* Take a map out of its file's table; the caller then drops that ref. */
static void gntdev_unlist(struct gntdev_file *priv, struct gntdev_map *map)
{
	lockdep_assert_held(&priv->lock);
	WARN_ON_ONCE(gntdev_slots_release(&priv->slots, map->index, map->count,
					  map));
	gntdev_forget(priv, map);
}

/* ------------------------------------------------------------------ */
/* open and release */

static int gntdev_open(struct inode *inode, struct file *file)
{
	struct gntdev_file *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	mutex_init(&priv->lock);
	refcount_set(&priv->users, 1);
	INIT_LIST_HEAD(&priv->maps);
	INIT_LIST_HEAD(&priv->exports);
	INIT_LIST_HEAD(&priv->imports);
	gntdev_slots_init(&priv->slots, gntdev_max_per_file(),
			  &gntdev_slot_alloc);
	priv->pid = task_tgid_vnr(current);
	get_task_comm(priv->comm, current);
	gntdev_debugfs_add_file(priv);
	file->private_data = priv;
	return 0;
}

/*
 * Every VMA holds the file, so none is left by now; maps whose unmap still
 * waits for a page holder live on through their own references, and so do
 * dma-buf exports, until their dma-buf is released.  Imports end here.
 */
static int gntdev_release(struct inode *inode, struct file *file)
{
	struct gntdev_file *priv = file->private_data;
	struct gntdev_map *map, *next;
	LIST_HEAD(gone);

	gntdev_debugfs_remove_file(priv);

	mutex_lock(&priv->lock);
	list_for_each_entry_safe(map, next, &priv->maps, link) {
		gntdev_unlist(priv, map);
		list_add_tail(&map->link, &gone);
	}
	mutex_unlock(&priv->lock);

	list_for_each_entry_safe(map, next, &gone, link) {
		list_del_init(&map->link);
		gntdev_map_put(map);
	}
	gntdev_dmabuf_release(priv);
	gntdev_copy_release(priv);
	gntdev_file_put(priv);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ioctls: copy in, check, act under the lock, copy out, undo on failure */

static long
gntdev_ioctl_map_grant_ref(struct gntdev_file *priv,
			   struct ioctl_gntdev_map_grant_ref __user *u)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct gntdev_map *map;
	u32 index, cursor;
	u64 offset;
	int err;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	err = gntdev_check_map_count(op.count, gntdev_max_per_request());
	if (err)
		return err;
	map = gntdev_map_alloc(op.count);
	if (IS_ERR(map))
		return PTR_ERR(map);
	if (copy_from_user(map->grants, u->refs,
			   flex_array_size(map, grants, op.count))) {
		err = -EFAULT;
		goto out_put;
	}

	mutex_lock(&priv->lock);
	cursor = priv->slots.cursor;
	err = gntdev_slots_reserve(&priv->slots, op.count, map, &index);
	if (err) {
		mutex_unlock(&priv->lock);
		goto out_put;
	}
	map->index = index;
	map->file = priv;
	map->listed = true;
	list_add_tail(&map->link, &priv->maps);
	priv->nr_maps++;
	/*
	 * Once the lock is dropped another thread may UNMAP the map at its
	 * predictable offset and drop the table's reference: keep one of our
	 * own until the copy-out is done.
	 */
	refcount_inc(&map->users);
	mutex_unlock(&priv->lock);

	/* Not under the lock: a fault here takes mmap_lock, which nests out. */
	offset = gntdev_index_to_offset(index);
	pr_debug("map %u+%u\n", index, op.count);
	if (copy_to_user(&u->index, &offset, sizeof(offset))) {
		/* As if the request never came: the next map goes here. */
		err = -EFAULT;
		mutex_lock(&priv->lock);
		if (map->listed) {
			WARN_ON_ONCE(gntdev_slots_unreserve(
				&priv->slots, index, op.count, map, cursor));
			gntdev_forget(priv, map);
			/* The table's reference; ours goes below. */
			refcount_dec(&map->users);
		}
		mutex_unlock(&priv->lock);
	}
out_put:
	gntdev_map_put(map);
	return err;
}

static long
gntdev_ioctl_unmap_grant_ref(struct gntdev_file *priv,
			     struct ioctl_gntdev_unmap_grant_ref __user *u)
{
	struct ioctl_gntdev_unmap_grant_ref op;
	struct gntdev_map *map;
	u32 index;
	int err;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	err = gntdev_offset_to_index(op.index, &index);
	if (err)
		return err;

	mutex_lock(&priv->lock);
	map = gntdev_slots_lookup(&priv->slots, index);
	if (!map ||
	    gntdev_check_unmap(index, op.count, map->index, map->count)) {
		mutex_unlock(&priv->lock);
		return -ENOENT;
	}
	gntdev_unlist(priv, map);
	mutex_unlock(&priv->lock);

	/* Still mmapped?  Then the VMA's reference keeps the grants. */
	gntdev_map_put(map);
	return 0;
}

static long gntdev_ioctl_get_offset_for_vaddr(
	struct gntdev_file *priv,
	struct ioctl_gntdev_get_offset_for_vaddr __user *u)
{
	struct ioctl_gntdev_get_offset_for_vaddr op;
	struct vm_area_struct *vma;
	struct gntdev_map *map;
	int err = -EINVAL;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, op.vaddr);
	if (!vma || !gntdev_vma_is_ours(vma, priv))
		goto out_unlock_mm;
	map = vma->vm_private_data;
	mutex_lock(&priv->lock);
	/* An unmapped map's slots may belong to another map by now. */
	if (map->listed) {
		op.offset = gntdev_index_to_offset(map->index);
		op.count = map->count;
		err = 0;
	}
	mutex_unlock(&priv->lock);
out_unlock_mm:
	mmap_read_unlock(current->mm);

	if (!err && copy_to_user(u, &op, sizeof(op)))
		err = -EFAULT;
	return err;
}

static long
gntdev_ioctl_set_max_grants(struct gntdev_file *priv,
			    struct ioctl_gntdev_set_max_grants __user *u)
{
	struct ioctl_gntdev_set_max_grants op;
	u32 max;
	int err;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	/*
	 * Mainline answers ENOTTY, which the library turns into success: a
	 * working program must never fail here.  0 asks for nothing.
	 */
	if (!op.count)
		return 0;
	err = gntdev_check_max_grants(op.count, gntdev_max_per_file(), &max);
	if (err)
		return err;
	mutex_lock(&priv->lock);
	err = gntdev_slots_set_max(&priv->slots, max);
	mutex_unlock(&priv->lock);
	return err;
}

static long
gntdev_ioctl_set_unmap_notify(struct gntdev_file *priv,
			      struct ioctl_gntdev_unmap_notify __user *u)
{
	struct ioctl_gntdev_unmap_notify op;
	struct gntdev_notify old;
	struct gntdev_map *map;
	u64 offset_in_map;
	int err;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	err = gntdev_check_notify_action(op.action);
	if (err)
		return err;
	/*
	 * Hold the port first, so it cannot be re-bound to another peer.
	 * Any port this kernel has not bound is EINVAL, as in mainline.
	 */
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) &&
	    evtchn_get(op.event_channel_port))
		return -EINVAL;

	mutex_lock(&priv->lock);
	map = gntdev_slots_lookup(&priv->slots, op.index >> PAGE_SHIFT);
	if (!map) {
		err = -ENOENT;
		goto out_unlock;
	}
	offset_in_map = op.index - gntdev_index_to_offset(map->index);
	err = gntdev_check_notify(op.action, offset_in_map, map->count,
				  map->flags & GNTMAP_readonly);
	if (err)
		goto out_unlock;
	spin_lock(&map->notify_lock);
	old = map->notify;
	map->notify.flags = op.action;
	map->notify.offset = offset_in_map;
	map->notify.port = op.event_channel_port;
	spin_unlock(&map->notify_lock);
	mutex_unlock(&priv->lock);

	if (old.flags & UNMAP_NOTIFY_SEND_EVENT)
		evtchn_put(old.port);
	return 0;

out_unlock:
	mutex_unlock(&priv->lock);
	if (op.action & UNMAP_NOTIFY_SEND_EVENT)
		evtchn_put(op.event_channel_port);
	return err;
}

static long gntdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gntdev_file *priv = file->private_data;
	void __user *ptr = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return gntdev_ioctl_map_grant_ref(priv, ptr);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return gntdev_ioctl_unmap_grant_ref(priv, ptr);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return gntdev_ioctl_get_offset_for_vaddr(priv, ptr);
	case IOCTL_GNTDEV_SET_MAX_GRANTS:
		return gntdev_ioctl_set_max_grants(priv, ptr);
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return gntdev_ioctl_set_unmap_notify(priv, ptr);
	case IOCTL_GNTDEV_GRANT_COPY:
		return gntdev_ioctl_grant_copy(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS:
		return gntdev_ioctl_dmabuf_exp_from_refs(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED:
		return gntdev_ioctl_dmabuf_exp_wait_released(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_IMP_TO_REFS:
		return gntdev_ioctl_dmabuf_imp_to_refs(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_IMP_RELEASE:
		return gntdev_ioctl_dmabuf_imp_release(priv, ptr);
	default:
		pr_debug("unknown ioctl %#x\n", cmd);
		return -ENOTTY;
	}
}

#ifdef CONFIG_COMPAT
/*
 * A 32-bit process: every argument has its 64-bit layout (the __u64s sit
 * on 8-byte offsets by explicit padding) except GRANT_COPY's, whose
 * pointer makes it 8 bytes and so another command number.
 */
static long gntdev_compat_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct gntdev_file *priv = file->private_data;
	void __user *ptr = compat_ptr(arg);

	switch (cmd) {
	case IOCTL_GNTDEV_GRANT_COPY32:
		return gntdev_ioctl_grant_copy32(priv, ptr);
	case IOCTL_GNTDEV_GRANT_COPY:
		/* The 64-bit layout, which no 32-bit program can build. */
		return -ENOTTY;
	default:
		return gntdev_ioctl(file, cmd, (unsigned long)ptr);
	}
}
#else
#define gntdev_compat_ioctl NULL
#endif

/* ------------------------------------------------------------------ */
/* Module */

static const struct file_operations gntdev_fops = {
	.owner = THIS_MODULE,
	.open = gntdev_open,
	.release = gntdev_release,
	.mmap = gntdev_mmap,
	.unlocked_ioctl = gntdev_ioctl,
	.compat_ioctl = gntdev_compat_ioctl,
};

static struct miscdevice gntdev_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xen/gntdev",
	.fops = &gntdev_fops,
	.mode = 0600,
};

/*
 * Registering a second misc device named "xen/gntdev" (in sysfs:
 * "xen!gntdev") would fail deep in sysfs
 * with a stack dump; look first.
 */
static bool gntdev_name_taken(void)
{
	struct path path;

	if (kern_path("/sys/class/misc/xen!gntdev", 0, &path))
		return false;
	path_put(&path);
	return true;
}

static void gntdev_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_map_grant_ref) != 24);
	BUILD_BUG_ON(offsetof(struct ioctl_gntdev_map_grant_ref, refs) != 16);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_grant_ref) != 8);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_unmap_grant_ref) != 16);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_get_offset_for_vaddr) != 24);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_set_max_grants) != 4);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_unmap_notify) != 16);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_grant_copy) != 16);
	BUILD_BUG_ON(sizeof(struct gntdev_grant_copy_segment) != 24);
	BUILD_BUG_ON(IOCTL_GNTDEV_MAP_GRANT_REF != 0x00184700);
	BUILD_BUG_ON(IOCTL_GNTDEV_UNMAP_GRANT_REF != 0x00104701);
	BUILD_BUG_ON(IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR != 0x00184702);
	BUILD_BUG_ON(IOCTL_GNTDEV_SET_MAX_GRANTS != 0x00044703);
	BUILD_BUG_ON(IOCTL_GNTDEV_SET_UNMAP_NOTIFY != 0x00104707);
	BUILD_BUG_ON(IOCTL_GNTDEV_GRANT_COPY != 0x00104708);
	/* gntdev_dmabuf_request_size() serves both. */
	BUILD_BUG_ON(offsetof(struct ioctl_gntdev_dmabuf_exp_from_refs, refs) !=
		     offsetof(struct ioctl_gntdev_dmabuf_imp_to_refs, refs));
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_dmabuf_exp_from_refs) != 20);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_dmabuf_exp_wait_released) != 8);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_dmabuf_imp_to_refs) != 20);
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_dmabuf_imp_release) != 8);
	BUILD_BUG_ON(IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS != 0x00144709);
	BUILD_BUG_ON(IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED != 0x0008470a);
	BUILD_BUG_ON(IOCTL_GNTDEV_DMABUF_IMP_TO_REFS != 0x0014470b);
	BUILD_BUG_ON(IOCTL_GNTDEV_DMABUF_IMP_RELEASE != 0x0008470c);
#ifdef CONFIG_COMPAT
	BUILD_BUG_ON(sizeof(struct ioctl_gntdev_grant_copy32) != 8);
	BUILD_BUG_ON(IOCTL_GNTDEV_GRANT_COPY32 != 0x00084708);
#endif
	/* One grant per page: the map path assumes it throughout. */
	BUILD_BUG_ON(PAGE_SIZE != XEN_PAGE_SIZE);
	BUILD_BUG_ON(PAGE_SHIFT != GNTDEV_PAGE_SHIFT);
}

static int __init gntdev_init(void)
{
	int err;

	gntdev_check_abi();
	if (!xen_domain()) {
		pr_err("not running on Xen: refusing to load\n");
		return -ENODEV;
	}
	if (gntdev_name_taken()) {
		pr_err("/dev/xen/gntdev belongs to another driver (unload xen-gntdev first)\n");
		return -EBUSY;
	}
	gntdev_cache_init();

	err = misc_register(&gntdev_miscdev);
	if (err) {
		pr_err("cannot register /dev/xen/gntdev: %d\n", err);
		return err;
	}
	gntdev_dmabuf_init(gntdev_miscdev.this_device);
	gntdev_debugfs_init();
	pr_info("/dev/xen/gntdev ready (%s mappings)\n",
		gntdev_use_ptemod() ? "PV page-table" : "auto-translated");
	return 0;
}

static void __exit gntdev_exit(void)
{
	gntdev_debugfs_exit();
	misc_deregister(&gntdev_miscdev);
	gntdev_cache_exit();
}

module_init(gntdev_init);
module_exit(gntdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION(
	"User-space mapping of Xen grant references (/dev/xen/gntdev)");
