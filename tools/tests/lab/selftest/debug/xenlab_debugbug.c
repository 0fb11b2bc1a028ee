// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab_debugbug - one bug of a kind only a debug kernel reports, made at
 * load time, so the lab can prove that make check-debug fails a run that
 * shows it (and lists it as a finding in a phase not under test).
 *
 *   insmod xenlab_debugbug.ko bug=sleep|lockdep|list|leak|poison
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *bug = "sleep";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "sleep, lockdep, list, leak or poison");

static DEFINE_SPINLOCK(xenlab_spin);
static DEFINE_MUTEX(xenlab_a);
static DEFINE_MUTEX(xenlab_b);
static void *xenlab_lost;

/*
 * "BUG: sleeping function called from invalid context": what every
 * function that may sleep asserts (DEBUG_ATOMIC_SLEEP), here without
 * really sleeping.
 */
static void xenlab_sleep(void)
{
	spin_lock(&xenlab_spin);
	might_sleep();
	spin_unlock(&xenlab_spin);
}

/* "possible circular locking dependency": A then B, later B then A. */
static void xenlab_lockdep(void)
{
	mutex_lock(&xenlab_a);
	mutex_lock(&xenlab_b);
	mutex_unlock(&xenlab_b);
	mutex_unlock(&xenlab_a);
	mutex_lock(&xenlab_b);
	mutex_lock(&xenlab_a);
	mutex_unlock(&xenlab_a);
	mutex_unlock(&xenlab_b);
}

/* "list_add double add" (DEBUG_LIST refuses the second add). */
static void xenlab_list(void)
{
	static LIST_HEAD(head);
	static struct list_head entry;

	list_add(&entry, &head);
	list_add(&entry, &head);
	INIT_LIST_HEAD(&head);
}

/* "unreferenced object": the only pointer is overwritten. */
static void xenlab_leak(void)
{
	xenlab_lost = kmalloc(128, GFP_KERNEL);
	WRITE_ONCE(xenlab_lost, NULL);
}

/*
 * A write after kfree(): SLUB's poisoning (slub_debug=P) reports
 * "Poison overwritten" when the object is checked on its next allocation;
 * a private cache makes that allocation ours, at once.
 */
static void xenlab_poison(void)
{
	struct kmem_cache *c = kmem_cache_create(
		"xenlab_poison", 64, 0, SLAB_POISON | SLAB_RED_ZONE, NULL);
	char *p, *q;

	if (!c)
		return;
	p = kmem_cache_alloc(c, GFP_KERNEL);
	if (p) {
		kmem_cache_free(c, p);
		/* The bug under test: a write through a dangling pointer. */
		memset(p + 8, 0x5a, 8);
		q = kmem_cache_alloc(c, GFP_KERNEL);
		if (q)
			kmem_cache_free(c, q);
	}
	kmem_cache_destroy(c);
}

static int __init xenlab_debugbug_init(void)
{
	if (!strcmp(bug, "sleep"))
		xenlab_sleep();
	else if (!strcmp(bug, "lockdep"))
		xenlab_lockdep();
	else if (!strcmp(bug, "list"))
		xenlab_list();
	else if (!strcmp(bug, "leak"))
		xenlab_leak();
	else if (!strcmp(bug, "poison"))
		xenlab_poison();
	else
		return -EINVAL;
	return 0;
}

static void __exit xenlab_debugbug_exit(void)
{
}

module_init(xenlab_debugbug_init);
module_exit(xenlab_debugbug_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lab self-test: one bug that only a debug kernel reports");
