// SPDX-License-Identifier: GPL-2.0
/*
 * lab-kmsg.c - watch the kernel log for oopses, WARNs and the like while a
 * program runs, so it can tell which step caused one. The patterns are the
 * lab's own (LAB_CRASH_RE in lab-lib.sh, which also fails a boot); the
 * build copies them into lab-crash-re.h.
 */
#include "lab.h"

#include <fcntl.h>
#include <regex.h>

#include "lab-crash-re.h"

static int lab_kmsg_fd = -1;
static regex_t lab_crash_re;

int lab_kmsg_open(void)
{
	if (regcomp(&lab_crash_re, LAB_CRASH_RE, REG_EXTENDED | REG_NOSUB))
		lab_die(2, "cannot compile the crash patterns");
	lab_kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (lab_kmsg_fd < 0)
		return -errno;
	lseek(lab_kmsg_fd, 0, SEEK_END);
	return 0;
}

bool lab_kmsg_crash(char *line, size_t len)
{
	char buf[2048], *text;
	bool hit = false;
	ssize_t n;

	if (lab_kmsg_fd < 0)
		return false;
	/* One record a read; EPIPE: some were overwritten, read on. */
	while ((n = read(lab_kmsg_fd, buf, sizeof(buf) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0 || hit)
			continue;
		buf[n] = 0;
		/* "prio,seq,time,flags;text\n" and " KEY=value" lines. */
		text = strchr(buf, ';');
		text = text ? text + 1 : buf;
		text[strcspn(text, "\n")] = 0;
		if (!regexec(&lab_crash_re, text, 0, NULL, 0)) {
			snprintf(line, len, "%.200s", text);
			hit = true;
		}
	}
	return hit;
}
