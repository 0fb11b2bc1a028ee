// SPDX-License-Identifier: GPL-2.0
/*
 * xenlab-gzstore - write files, one after another, as ONE gzip member of
 * stored (uncompressed) deflate blocks.
 *
 * The lab's dom0 builds each domU ramdisk at run time from a prebuilt
 * base cpio and the payload's cpio. libxenguest inflates a gzip ramdisk
 * itself and copes with one gzip member only, and compressing megabytes
 * with busybox gzip takes seconds under TCG; storing costs one CRC32 pass.
 *
 * Usage: xenlab-gzstore FILE... >OUT.gz   ("-" reads stdin)
 */
#include "lab.h"

#include <endian.h>
#include <fcntl.h>

/* A stored block holds at most 65535 bytes. */
#define BLOCK_MAX 65535

static __u32 crc_table[256];
static __u32 crc = 0xffffffffu;
static __u32 isize;

static void crc_init(void)
{
	__u32 c, n, k;

	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static void crc_update(const unsigned char *p, size_t len)
{
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
}

static void out(const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t w = write(STDOUT_FILENO, c, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			lab_die_errno(1, "write");
		c += w;
		len -= w;
	}
}

/* One stored block: BFINAL/BTYPE byte, LEN, NLEN, data. */
static void block(const unsigned char *data, __u16 len, bool final)
{
	unsigned char hdr[5] = { final, len & 0xff, len >> 8,
				 (__u16)~len & 0xff, (__u16)~len >> 8 };

	out(hdr, sizeof(hdr));
	out(data, len);
}

static void store_file(const char *path)
{
	static unsigned char buf[BLOCK_MAX];
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : STDIN_FILENO;
	size_t fill = 0;

	if (fd < 0)
		lab_die_errno(1, "open %s", path);
	for (;;) {
		ssize_t r = read(fd, buf + fill, sizeof(buf) - fill);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			lab_die_errno(1, "read %s", path);
		fill += r;
		/* Full blocks only, but never hold data back at EOF. */
		if (fill == sizeof(buf) || (r == 0 && fill)) {
			crc_update(buf, fill);
			isize += fill;
			block(buf, fill, false);
			fill = 0;
		}
		if (r == 0)
			break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
}

int main(int argc, char **argv)
{
	/* ID1 ID2, deflate, no flags, no mtime, no extra flags, OS Unix. */
	static const char header[10] = "\x1f\x8b\x08\0\0\0\0\0\0\x03";
	__u32 trailer[2];
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE... >OUT.gz\n",
			program_invocation_short_name);
		return 2;
	}
	crc_init();
	out(header, sizeof(header));
	for (i = 1; i < argc; i++)
		store_file(argv[i]);
	/* An empty final block ends the deflate stream. */
	block(NULL, 0, true);
	trailer[0] = htole32(crc ^ 0xffffffffu);
	trailer[1] = htole32(isize);
	out(trailer, sizeof(trailer));
	return 0;
}
