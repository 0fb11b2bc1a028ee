// SPDX-License-Identifier: GPL-2.0
/*
 * demo-lib.c - helpers shared by the demo's frontend and backend: CRC32,
 * the message payload, time, a minimal xenstore client and event channels.
 *
 * The xenstore client speaks the xsd_sockmsg wire protocol directly, one
 * request at a time, over xenstored's unix socket (dom0) or
 * /dev/xen/xenbus (any domain): no libxenstore, so the binaries stay
 * small and static, and a domU needs nothing but the kernel's xenbus.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* xs_wire.h and evtchn.h need <stdint.h> and xen.h's types first. */
#include <xen/xen.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>

#include "demo.h"

static uint32_t crc_table[256];

uint32_t demo_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~0u;
	size_t i;

	if (!crc_table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = i;
			int k;

			for (k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	}
	for (i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void demo_fill(uint8_t *buf, size_t len, uint64_t id)
{
	/* xorshift32; never seeded with 0, which it would keep. */
	uint32_t x = (uint32_t)(id * 2654435761u) | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

uint64_t demo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

void demo_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- xenstore --------------------------------------------------------- */

struct demo_xs {
	int fd;
	uint32_t req_id;
};

static int xs_connect_socket(void)
{
	static const char *const paths[] = { "/run/xenstored/socket",
					     "/var/run/xenstored/socket" };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		strncpy(sun.sun_path, paths[i], sizeof(sun.sun_path) - 1);
		if (!connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
			return fd;
		close(fd);
	}
	return -1;
}

struct demo_xs *demo_xs_open(void)
{
	struct demo_xs *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	/* A domU has no socket; dom0's xenbus device works as well. */
	xs->fd = xs_connect_socket();
	if (xs->fd < 0)
		xs->fd = open("/dev/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (xs->fd < 0)
		xs->fd = open("/proc/xen/xenbus", O_RDWR | O_CLOEXEC);
	if (xs->fd < 0) {
		free(xs);
		return NULL;
	}
	return xs;
}

void demo_xs_close(struct demo_xs *xs)
{
	if (xs) {
		close(xs->fd);
		free(xs);
	}
}

static int xs_io(int fd, void *buf, size_t len, int out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EPIPE;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Error names xenstored sends back, as errno values. */
static int xs_errno(const char *name)
{
	if (!strcmp(name, "ENOENT"))
		return ENOENT;
	if (!strcmp(name, "EACCES"))
		return EACCES;
	if (!strcmp(name, "EAGAIN"))
		return EAGAIN;
	return EIO;
}

/*
 * One request and its reply.  The request is written in one piece: the
 * xenbus device wants a whole message per write.
 */
static int xs_talk(struct demo_xs *xs, uint32_t type, const char *a,
		   size_t alen, const char *b, size_t blen, char *reply,
		   size_t size, size_t *got)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = ++xs->req_id };
	char msg[sizeof(hdr) + XENSTORE_PAYLOAD_MAX];
	char body[XENSTORE_PAYLOAD_MAX + 1];

	if (alen + blen > XENSTORE_PAYLOAD_MAX) {
		errno = E2BIG;
		return -1;
	}
	hdr.len = alen + blen;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), a, alen);
	memcpy(msg + sizeof(hdr) + alen, b, blen);
	if (xs_io(xs->fd, msg, sizeof(hdr) + hdr.len, 1))
		return -1;
	if (xs_io(xs->fd, &hdr, sizeof(hdr), 0))
		return -1;
	if (hdr.len > XENSTORE_PAYLOAD_MAX) {
		errno = EPROTO;
		return -1;
	}
	if (xs_io(xs->fd, body, hdr.len, 0))
		return -1;
	body[hdr.len] = 0;
	if (hdr.type == XS_ERROR) {
		errno = xs_errno(body);
		return -1;
	}
	if (hdr.type != type) {
		errno = EPROTO;
		return -1;
	}
	if (reply) {
		if (hdr.len >= size) {
			errno = ENOSPC;
			return -1;
		}
		memcpy(reply, body, hdr.len + 1);
	}
	if (got)
		*got = hdr.len;
	return 0;
}

int demo_xs_read(struct demo_xs *xs, const char *path, char *buf, size_t size)
{
	return xs_talk(xs, XS_READ, path, strlen(path) + 1, "", 0, buf, size,
		       NULL);
}

int demo_xs_write(struct demo_xs *xs, const char *path, const char *val)
{
	return xs_talk(xs, XS_WRITE, path, strlen(path) + 1, val, strlen(val),
		       NULL, 0, NULL);
}

int demo_xs_wait(struct demo_xs *xs, const char *path, const char *want,
		 unsigned int secs)
{
	uint64_t end = demo_now_ns() + secs * 1000000000ull;
	char val[256];

	/* Polling keeps this free of watches (a second reply stream). */
	do {
		if (!demo_xs_read(xs, path, val, sizeof(val)) &&
		    !strcmp(val, want))
			return 0;
		demo_sleep_ms(100);
	} while (demo_now_ns() < end);
	errno = ETIMEDOUT;
	return -1;
}

/* ---- event channels --------------------------------------------------- */

int demo_evtchn_open(void)
{
	return open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
}

int demo_evtchn_bind_unbound(int fd, unsigned int remote_domid)
{
	struct ioctl_evtchn_bind_unbound_port bind = { remote_domid };

	return ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
}

int demo_evtchn_bind_interdomain(int fd, unsigned int domid,
				 unsigned int remote_port)
{
	struct ioctl_evtchn_bind_interdomain bind = { domid, remote_port };

	return ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
}

int demo_evtchn_notify(int fd, unsigned int port)
{
	struct ioctl_evtchn_notify notify = { port };

	return ioctl(fd, IOCTL_EVTCHN_NOTIFY, &notify);
}

int demo_evtchn_wait(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t ports[16];
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = read(fd, ports, sizeof(ports));
	if (n <= 0)
		return 0;
	/* The driver masks a port when it fires; writing it back unmasks. */
	if (write(fd, ports, n) != n)
		return -1;
	return 1;
}
