// SPDX-License-Identifier: GPL-2.0
/*
 * lab-leak.c - is any grant left mapped? Xen's view (the active entries of
 * dom0's grant table, from xenlab-grants) works for any driver; our
 * driver's debugfs totals say more, and at once.
 */
#include "lab.h"

long lab_grants_active(void)
{
	char line[64];
	long n = -1;
	FILE *f;

	fflush(stdout);
	f = popen("xenlab-grants count 2>/dev/null", "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		n = strtol(line, NULL, 10);
	if (pclose(f) != 0)
		return -1;
	return n;
}

/*
 * "xenlab-grants check" lists every active entry; its exit status says
 * whether any was unexpected, which is not the question here.
 */
int lab_grants_scan(void (*hit)(__u16 dom, __u32 ref, void *ctx), void *ctx)
{
	char line[512];
	bool complete = false;
	FILE *f;

	fflush(stdout);
	f = popen("xenlab-grants check 2>&1", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int dom, ref;

		if (!strncmp(line, "GRANT-CHECK: FAILED", 19)) {
			lab_note("%s", strtok(line, "\n"));
			break;
		}
		if (!strncmp(line, "GRANT-CHECK:", 12) ||
		    !strncmp(line, "GRANT-LEAK:", 11))
			complete = true;
		if (sscanf(line, "GRANT-ACTIVE granter=d%u ref=0x%x", &dom,
			   &ref) == 2)
			hit(dom, ref, ctx);
	}
	pclose(f);
	return complete ? 0 : -1;
}

/* The first line of our driver's debugfs state. */
struct lab_totals {
	long files;
	long maps;
	long grants;
};

/* Our driver's totals; false if there are none (the stock driver). */
static bool lab_debugfs_totals(struct lab_totals *t)
{
	char line[256];
	bool ok = false;
	FILE *f;

	f = fopen(LAB_DEBUGFS_STATE, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "module: files=%ld maps=%ld grants=%ld", &t->files,
		   &t->maps, &t->grants) == 3)
		ok = true;
	fclose(f);
	return ok;
}

bool lab_settle(long baseline, unsigned int flags, unsigned int timeout_ms,
		char *msg, size_t len)
{
	double end = lab_now() + timeout_ms / 1000.0;
	struct lab_totals t = { 0 };
	bool xen = flags & LAB_SETTLE_XEN;
	long active = baseline;
	bool dbg, ok;
	int n;

	for (;;) {
		dbg = lab_debugfs_totals(&t);
		/* The driver holds nothing that @flags asks about. */
		ok = !dbg || (!t.maps && !t.grants &&
			      (!(flags & LAB_SETTLE_FILES) || !t.files));
		if (ok && xen) {
			active = lab_grants_active();
			ok = active == baseline;
		}
		if (ok || lab_now() > end)
			break;
		/* Asking Xen runs a program: not too often. */
		usleep(dbg ? 50000 : 300000);
	}
	n = snprintf(msg, len, "Xen active grant entries %ld (baseline %ld)",
		     active, baseline);
	if (dbg && n >= 0 && (size_t)n < len)
		snprintf(msg + n, len - n,
			 "; driver: files=%ld maps=%ld grants=%ld", t.files,
			 t.maps, t.grants);
	return ok;
}
