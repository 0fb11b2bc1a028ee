// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab_warn - a module whose only job is to trigger one kernel WARNING,
 * so the lab can prove that it fails a run whose console shows one.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init xenlab_warn_init(void)
{
	WARN(1, "xenlab_warn: deliberate warning for the lab self-test\n");
	return 0;
}

static void __exit xenlab_warn_exit(void)
{
}

module_init(xenlab_warn_init);
module_exit(xenlab_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lab self-test: triggers one WARNING");
