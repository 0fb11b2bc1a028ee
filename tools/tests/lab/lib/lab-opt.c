// SPDX-License-Identifier: GPL-2.0
/*
 * lab-opt.c - the options every lab program shares, so a letter means the
 * same everywhere:
 *
 *   -s SEED   random seed (default: from the clock)
 *   -d NODE   the gntdev device node (default /dev/xen/gntdev)
 *   -v        more output
 *   --stock   the driver under test is the stock xen-gntdev: its known
 *             misses are findings, not failures
 *
 * A program adds its own letters; lab_getopt() hands those back.
 */
#include "lab.h"

#define LAB_SHARED_SHORT "s:d:v"

static const struct option lab_shared_long[] = {
	{ "stock", no_argument, NULL, 0x100 },
};

#define LAB_NSHARED (sizeof(lab_shared_long) / sizeof(lab_shared_long[0]))

unsigned long lab_num(const char *s, void (*usage)(void))
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s)
		usage();
	return v;
}

static void lab_bad_seed(void)
{
	lab_die(2, "-s wants a number");
}

/* The shared long options followed by the program's, terminated. */
static struct option *lab_longopts(const struct option *mine)
{
	static struct option *all;
	size_t n = 0;

	if (all)
		return all;
	while (mine && mine[n].name)
		n++;
	all = calloc(LAB_NSHARED + n + 1, sizeof(*all));
	if (!all)
		lab_die(2, "out of memory");
	memcpy(all, lab_shared_long, sizeof(lab_shared_long));
	if (n)
		memcpy(all + LAB_NSHARED, mine, n * sizeof(*all));
	return all;
}

int lab_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct lab_opts *o)
{
	static char all_short[64];
	int opt;

	if (!all_short[0]) {
		/* getopt's '+' (stop at the first non-option) must lead. */
		bool plus = shortopts[0] == '+';

		snprintf(all_short, sizeof(all_short), "%s%s%s",
			 plus ? "+" : "", LAB_SHARED_SHORT, shortopts + plus);
		o->seed = (__u64)time(NULL) ^ ((__u64)getpid() << 16);
		o->node = LAB_GNTDEV_NODE;
		o->verbose = 0;
	}
	for (;;) {
		opt = getopt_long(argc, argv, all_short, lab_longopts(longopts),
				  NULL);
		switch (opt) {
		case 's':
			o->seed = lab_num(optarg, lab_bad_seed);
			break;
		case 'd':
			o->node = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 0x100:
			lab_stock = true;
			break;
		default:
			return opt;
		}
	}
}
