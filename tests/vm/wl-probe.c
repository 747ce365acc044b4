// SPDX-License-Identifier: MIT
/*
 * wl-probe: small checks and a latency probe a guest test runs on
 * /dev/wl0 directly (no wlnest in between).
 *
 *   wl-probe ctx [NAME]     opens a context to the unnamed host socket, or
 *                           to the socket the operator named NAME; prints
 *                           "wl-probe: ctx NAME: ok" or the errno's name,
 *                           exit 0 / 1
 *   wl-probe rtt [--count N] [--wayland]
 *                           wl_display.sync round trips with the host
 *                           compositor: written by hand on a virtio_wl
 *                           context (the virtqueue round trip plus the
 *                           compositor's answer), or with --wayland
 *                           through libwayland-client on $WAYLAND_DISPLAY
 *                           (through wlnest in a guest, or natively on the
 *                           host); prints "wl-probe: rtt mode=M n=N us=U"
 *   wl-probe relay NAME     listens on $XDG_RUNTIME_DIR/NAME and relays
 *                           each client's bytes to a context of its own
 *                           and back, parsing nothing and passing no fds:
 *                           the least any proxy process in the guest
 *                           adds to a round trip (rtt --wayland on NAME)
 *   wl-probe net            lists the network interfaces besides lo and
 *                           PCI network controllers; exit 0 when none
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtwl.h>
#include <wayland-client.h>

#define PROBE_DEV "/dev/wl0"
#define PROBE_MAX_COUNT 1000000

static const char *errno_name(int e)
{
	switch (e) {
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENOSPC: return "ENOSPC";
	default: return "other";
	}
}

static int open_ctx(const char *name)
{
	struct virtwl_ioctl_new n = { 0 };
	int dev, err;

	dev = open(PROBE_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "wl-probe: %s: %s\n", PROBE_DEV, strerror(errno));
		return -1;
	}
	if (name) {
		if (strlen(name) >= sizeof(n.name)) {
			close(dev);
			errno = EINVAL;
			return -1;
		}
		n.type = VIRTWL_IOCTL_NEW_CTX_NAMED;
		memcpy(n.name, name, strlen(name));
	} else {
		n.type = VIRTWL_IOCTL_NEW_CTX;
	}
	n.fd = -1;
	err = ioctl(dev, VIRTWL_IOCTL_NEW, &n);
	err = err < 0 ? errno : 0;
	close(dev);
	if (err) {
		errno = err;
		return -1;
	}
	return n.fd;
}

static int cmd_ctx(const char *name)
{
	int fd = open_ctx(name);

	if (fd < 0) {
		int e = errno;

		printf("wl-probe: ctx %s: %s (%s)\n", name ? name : "(unnamed)",
		       errno_name(e), strerror(e));
		return 1;
	}
	printf("wl-probe: ctx %s: ok\n", name ? name : "(unnamed)");
	close(fd);
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One wl_display.sync(new_id 2) on the raw context; waits for the
 * callback's done and the display's delete_id of 2, so id 2 is free
 * again for the next round. */
static int raw_sync(int fd)
{
	uint32_t req[3] = { 1, 12u << 16 | 0, 2 };
	uint8_t buf[4096];
	size_t have = 0;
	bool done = false, deleted = false;
	ssize_t r;

	if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req))
		return -1;
	while (!done || !deleted) {
		r = read(fd, buf + have, sizeof(buf) - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		while (have >= 8) {
			uint32_t hdr[2], size, arg = 0;

			memcpy(hdr, buf, 8);
			size = hdr[1] >> 16;
			if (size < 8 || size > sizeof(buf))
				return -1;
			if (have < size)
				break;
			if (size >= 12)
				memcpy(&arg, buf + 8, 4);
			if (hdr[0] == 2 && (hdr[1] & 0xffff) == 0)
				done = true;
			else if (hdr[0] == 1 && (hdr[1] & 0xffff) == 1 && arg == 2)
				deleted = true;
			else if (hdr[0] == 1 && (hdr[1] & 0xffff) == 0)
				return -1; /* wl_display.error */
			memmove(buf, buf + size, have - size);
			have -= size;
		}
	}
	return 0;
}

static int cmd_rtt(long count, bool wayland)
{
	struct wl_display *d = NULL;
	double t0, t1;
	int fd = -1;
	long i;

	if (wayland) {
		d = wl_display_connect(NULL);
		if (!d) {
			fprintf(stderr, "wl-probe: cannot connect to $WAYLAND_DISPLAY\n");
			return 1;
		}
		wl_display_roundtrip(d);
	} else {
		fd = open_ctx(NULL);
		if (fd < 0) {
			fprintf(stderr, "wl-probe: no context: %s\n", strerror(errno));
			return 1;
		}
		if (raw_sync(fd) < 0)
			goto err_proto;
	}
	t0 = now_us();
	for (i = 0; i < count; i++) {
		if (wayland ? wl_display_roundtrip(d) < 0 : raw_sync(fd) < 0)
			goto err_proto;
	}
	t1 = now_us();
	printf("wl-probe: rtt mode=%s n=%ld us=%.1f\n", wayland ? "wayland" : "virtwl",
	       count, (t1 - t0) / (double)count);
	if (d)
		wl_display_disconnect(d);
	if (fd >= 0)
		close(fd);
	return 0;

err_proto:
	fprintf(stderr, "wl-probe: round trip failed\n");
	if (d)
		wl_display_disconnect(d);
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Copies what one read of from gives to to; false at end or error. */
static bool relay_once(int from, int to)
{
	uint8_t buf[4096];
	ssize_t n = read(from, buf, sizeof(buf)), off = 0;

	if (n <= 0)
		return false;
	while (off < n) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static int cmd_relay(const char *name)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int lfd;

	if (!dir || snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", dir, name) >=
			    (int)sizeof(addr.sun_path)) {
		fprintf(stderr, "wl-probe: relay: no XDG_RUNTIME_DIR or the path is too long\n");
		return 1;
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(lfd, 4) < 0) {
		fprintf(stderr, "wl-probe: relay: %s: %s\n", addr.sun_path, strerror(errno));
		return 1;
	}
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), ctx;
		struct pollfd p[2];

		if (c < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "wl-probe: relay: accept: %s\n", strerror(errno));
			return 1;
		}
		ctx = open_ctx(NULL);
		if (ctx < 0) {
			fprintf(stderr, "wl-probe: relay: no context: %s\n", strerror(errno));
			close(c);
			continue;
		}
		p[0] = (struct pollfd){ .fd = c, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = ctx, .events = POLLIN };
		for (;;) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_once(c, ctx))
				break;
			if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !relay_once(ctx, c))
				break;
		}
		close(ctx);
		close(c);
	}
}

/* Interfaces besides lo, and PCI devices of class 0x02 (network). */
static int cmd_net(void)
{
	struct dirent *e;
	int found = 0;
	DIR *dir;

	dir = opendir("/sys/class/net");
	if (dir) {
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo"))
				continue;
			printf("wl-probe: network interface %s\n", e->d_name);
			found++;
		}
		closedir(dir);
	}
	dir = opendir("/sys/bus/pci/devices");
	if (!dir) {
		printf("wl-probe: no /sys/bus/pci/devices\n");
		return 1;
	}
	while ((e = readdir(dir))) {
		char path[512], cls[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(cls, sizeof(cls), f) && !strncmp(cls, "0x02", 4)) {
			printf("wl-probe: network controller %s\n", e->d_name);
			found++;
		}
		fclose(f);
	}
	closedir(dir);
	printf("wl-probe: net: %d network devices\n", found);
	return found ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "ctx") && argc <= 3)
		return cmd_ctx(argc == 3 ? argv[2] : NULL);
	if (argc == 3 && !strcmp(argv[1], "relay"))
		return cmd_relay(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "net") && argc == 2)
		return cmd_net();
	if (argc >= 2 && !strcmp(argv[1], "rtt")) {
		long count = 1000;
		bool wayland = false;
		int i;

		for (i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--wayland")) {
				wayland = true;
			} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
				char *end;

				count = strtol(argv[++i], &end, 10);
				if (*end || count < 1 || count > PROBE_MAX_COUNT) {
					fprintf(stderr, "wl-probe: --count 1..%d\n", PROBE_MAX_COUNT);
					return 2;
				}
			} else {
				goto usage;
			}
		}
		return cmd_rtt(count, wayland);
	}
usage:
	fprintf(stderr, "usage: wl-probe ctx [NAME] | rtt [--count N] [--wayland] | relay NAME | net\n");
	return 2;
}
