// SPDX-License-Identifier: GPL-2.0
/*
 * lab-evtchn.c - a loopback event channel in dom0: one port bound as
 * unbound-for-dom0, the other bound to it interdomain, each through a
 * /dev/xen/evtchn file of its own. Told to signal the tx port, a driver's
 * unmap notify makes the rx file readable.
 */
#include "lab.h"

#include <fcntl.h>
#include <poll.h>

int lab_evtchn_pair_open(struct lab_evtchn_pair *e)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	struct ioctl_evtchn_bind_interdomain bi = { .remote_domain = 0 };
	int ret;

	/* Non-blocking: a read after poll must never hang a test. */
	e->rx_fd = open(LAB_EVTCHN_NODE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	e->tx_fd = open(LAB_EVTCHN_NODE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->rx_fd < 0 || e->tx_fd < 0)
		goto out_close;
	ret = ioctl(e->rx_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (ret < 0)
		goto out_close;
	e->rx = ret;
	bi.remote_port = e->rx;
	ret = ioctl(e->tx_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
	if (ret < 0)
		goto out_close;
	e->tx = ret;
	return 0;

out_close:
	ret = -errno;
	lab_evtchn_pair_close(e);
	return ret;
}

void lab_evtchn_pair_close(struct lab_evtchn_pair *e)
{
	if (e->rx_fd >= 0)
		close(e->rx_fd);
	if (e->tx_fd >= 0 && e->tx_fd != e->rx_fd)
		close(e->tx_fd);
	e->rx_fd = -1;
	e->tx_fd = -1;
}

int lab_evtchn_send(struct lab_evtchn_pair *e)
{
	struct ioctl_evtchn_notify op = { .port = e->tx };

	return lab_ioctl(e->tx_fd, IOCTL_EVTCHN_NOTIFY, &op);
}

int lab_evtchn_unbind_tx(struct lab_evtchn_pair *e)
{
	struct ioctl_evtchn_unbind op = { .port = e->tx };

	return lab_ioctl(e->tx_fd, IOCTL_EVTCHN_UNBIND, &op);
}

int lab_evtchn_wait(struct lab_evtchn_pair *e, int ms)
{
	struct pollfd p = { .fd = e->rx_fd, .events = POLLIN };
	__u32 ports[16];
	ssize_t n, i;
	int got = 0;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(e->rx_fd, ports, sizeof(ports));
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	for (i = 0; i < n / (ssize_t)sizeof(ports[0]); i++)
		if (ports[i] == e->rx)
			got = 1;
	/* The driver masks a port that fired; writing it back unmasks. */
	if (write(e->rx_fd, &e->rx, sizeof(e->rx)) != sizeof(e->rx))
		return -1;
	return got;
}
