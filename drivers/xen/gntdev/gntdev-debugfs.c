// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev-debugfs.c - read-only view of who holds which grants.
 *
 * /sys/kernel/debug/gntdev/state lists the module's totals, then every open
 * file with its owner and every map still in its slot table: offset, grant
 * count, whether it is mmapped (and where), how many grant handles are live,
 * its unmap notify and its first (domid:ref) pairs.  One record per line,
 * "key=value" fields, so tools (gnttab list) can parse it and people can
 * grep it when hunting a grant leak.
 */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "gntdev-common.h"

/* Refs listed per map; the rest are summarised as a count. */
#define GNTDEV_DEBUGFS_REFS 16

static struct dentry *gntdev_debugfs_dir;

/* Every open file; nests outside each file's lock. */
static LIST_HEAD(gntdev_files);
static DEFINE_MUTEX(gntdev_files_lock); /* protects gntdev_files */

/**
 * gntdev_debugfs_add_file() - list a newly opened file in the view
 * @priv: The file's state; listed until gntdev_debugfs_remove_file().
 *
 * Context: Process context; takes the list's mutex.
 */
void gntdev_debugfs_add_file(struct gntdev_file *priv)
{
	mutex_lock(&gntdev_files_lock);
	list_add_tail(&priv->node, &gntdev_files);
	mutex_unlock(&gntdev_files_lock);
}

/**
 * gntdev_debugfs_remove_file() - take a file being released off the view
 * @priv: The file's state, as passed to gntdev_debugfs_add_file().
 *
 * Context: Process context; takes the list's mutex, so no reader of the
 * view still looks at @priv when this returns.
 */
void gntdev_debugfs_remove_file(struct gntdev_file *priv)
{
	mutex_lock(&gntdev_files_lock);
	list_del(&priv->node);
	mutex_unlock(&gntdev_files_lock);
}

static void gntdev_debugfs_show_map(struct seq_file *m, struct gntdev_map *map)
{
	u32 i, n = min_t(u32, map->count, GNTDEV_DEBUGFS_REFS);
	bool mmapped = atomic_read(&map->mmapped);

	seq_printf(m, "map: offset=%#llx count=%u mmapped=%s live=%d",
		   gntdev_index_to_offset(map->index), map->count,
		   mmapped ? "yes" : "no", atomic_read(&map->live_grants));
	if (mmapped)
		seq_printf(m, " vaddr=%#lx ro=%s", READ_ONCE(map->vm_start),
			   map->flags & GNTMAP_readonly ? "yes" : "no");
	spin_lock(&map->notify_lock);
	if (map->notify.flags & UNMAP_NOTIFY_CLEAR_BYTE)
		seq_printf(m, " notify-clear=%#llx", map->notify.offset);
	if (map->notify.flags & UNMAP_NOTIFY_SEND_EVENT)
		seq_printf(m, " notify-event=%u", map->notify.port);
	spin_unlock(&map->notify_lock);
	seq_puts(m, " refs=");
	for (i = 0; i < n; i++)
		seq_printf(m, "%s%u:%u", i ? "," : "", map->grants[i].domid,
			   map->grants[i].ref);
	if (map->count > n)
		seq_printf(m, ",+%u", map->count - n);
	seq_putc(m, '\n');
}

static int gntdev_state_show(struct seq_file *m, void *unused)
{
	struct gntdev_file *priv;
	struct gntdev_map *map;
	unsigned int files = 0;

	mutex_lock(&gntdev_files_lock);
	list_for_each_entry(priv, &gntdev_files, node)
		files++;
	seq_printf(
		m,
		"module: files=%u maps=%d grants=%lld total_limit=%lu limit=%u file_limit=%u mode=%s\n",
		files, gntdev_maps_alive(), gntdev_total_grants(),
		gntdev_max_total(), gntdev_max_per_request(),
		gntdev_max_per_file(),
		gntdev_use_ptemod() ? "pv" : "auto-translated");
	list_for_each_entry(priv, &gntdev_files, node) {
		mutex_lock(&priv->lock);
		seq_printf(m, "file: pid=%d comm=%s maps=%u slots=%u/%u\n",
			   priv->pid, priv->comm, priv->nr_maps,
			   priv->slots.in_use, priv->slots.max);
		list_for_each_entry(map, &priv->maps, link)
			gntdev_debugfs_show_map(m, map);
		mutex_unlock(&priv->lock);
	}
	mutex_unlock(&gntdev_files_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gntdev_state);

/**
 * gntdev_debugfs_init() - create /sys/kernel/debug/gntdev/state
 *
 * Context: Module init. Failure is not fatal: the driver works without
 * its introspection.
 */
void gntdev_debugfs_init(void)
{
	gntdev_debugfs_dir = debugfs_create_dir("gntdev", NULL);
	debugfs_create_file("state", 0400, gntdev_debugfs_dir, NULL,
			    &gntdev_state_fops);
}

/**
 * gntdev_debugfs_exit() - remove what gntdev_debugfs_init() created
 *
 * Context: Module exit.
 */
void gntdev_debugfs_exit(void)
{
	debugfs_remove(gntdev_debugfs_dir);
}
