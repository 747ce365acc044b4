// SPDX-License-Identifier: MIT
/*
 * wlvm --net: the guest's network, off unless asked.  user: QEMU's
 * user-mode network (libslirp), which reaches what an unprivileged process
 * of the user can; tap[=IFNAME]: a TAP device made by mktuntap, which
 * hands it to the sandboxed QEMU as an open descriptor, so that QEMU never
 * holds CAP_NET_ADMIN and the kernel removes the device when QEMU exits.
 * The guest configures its interface by DHCP (QEMU's, in user mode) or
 * with the address given by --guest-ip.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "wlvm.h"

static bool
valid_ifname(const char *s)
{
	return s[0] && strlen(s) < 16 && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/: \t\n\r\v\f,=");
}

/* ADDR/PREFIX[,GATEWAY], IPv4 */
static bool
valid_guest_ip(const char *s)
{
	char buf[64], *slash, *comma, *end;
	struct in_addr a;
	long prefix;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (comma) {
		*comma++ = '\0';
		if (inet_pton(AF_INET, comma, &a) != 1)
			return false;
	}
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash++ = '\0';
	errno = 0;
	prefix = strtol(slash, &end, 10);
	if (errno || end == slash || *end || prefix < 1 || prefix > 32)
		return false;
	return inet_pton(AF_INET, buf, &a) == 1;
}

void
net_parse(struct net_options *n, const char *net, const char *guest_ip)
{
	n->mode = NET_NONE;
	n->ifname = NULL;
	n->guest_ip = guest_ip;
	if (net) {
		if (!strcmp(net, "user")) {
			n->mode = NET_USER;
		} else if (!strcmp(net, "tap")) {
			n->mode = NET_TAP;
		} else if (!strncmp(net, "tap=", 4)) {
			n->mode = NET_TAP;
			n->ifname = net + 4;
			if (!valid_ifname(n->ifname))
				wlvm_die("--net %s: '%s' is not an interface name (1 to 15 "
					 "bytes, no '/', ':', ',', '=' or spaces)", net, n->ifname);
		} else {
			wlvm_die("--net %s: expected user, tap or tap=IFNAME", net);
		}
	}
	if (guest_ip && n->mode == NET_NONE)
		wlvm_die("--guest-ip needs --net");
	if (guest_ip && !valid_guest_ip(guest_ip))
		wlvm_die("--guest-ip %s: expected ADDRESS/PREFIX[,GATEWAY], e.g. "
			 "10.0.3.2/24,10.0.3.1", guest_ip);
}

void
net_cmdline(const struct net_options *n, char *cmdline, size_t len)
{
	size_t used = strlen(cmdline);

	if (n->mode == NET_NONE)
		return;
	snprintf(cmdline + used, len - used, " virtwl.net=%s",
		 n->guest_ip ? n->guest_ip : "dhcp");
}

void
net_qemu_args(const struct net_options *n, int tap_fd, struct argv *args)
{
	uint8_t mac[3] = { 0x12, 0x34, 0x56 };

	if (n->mode == NET_NONE)
		return;
	argv_add(args, "-netdev");
	if (n->mode == NET_USER)
		argv_add(args, "user,id=net0");
	else
		argv_addf(args, "tap,id=net0,fd=%d", tap_fd);	/* QEMU probes vnet_hdr */
	/* VMs on one bridge must not share QEMU's default address. */
	if (getrandom(mac, sizeof(mac), GRND_NONBLOCK) != sizeof(mac))
		wlvm_note("no random MAC address (%s); QEMU's default it is",
			  strerror(errno));
	/* romfile=: no PXE option ROM (the kernel boots directly) */
	argv_add(args, "-device");
	argv_addf(args, "virtio-net-pci,netdev=net0,romfile=,mac=52:54:00:%02x:%02x:%02x",
		  mac[0], mac[1], mac[2]);
}

/* mktuntap beside this wlvm (a build tree, /usr/bin), else in PATH. */
static const char *
find_mktuntap(void)
{
	static char path[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *env = getenv("PATH");
	char *slash, *dirs, *d, *save = NULL;

	if (k > 0) {
		path[k] = '\0';
		slash = strrchr(path, '/');
		if (slash && (size_t)(slash - path) + sizeof("/mktuntap") <= sizeof(path)) {
			strcpy(slash, "/mktuntap");
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	dirs = strdup(env && env[0] ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		wlvm_die("out of memory");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/mktuntap", d);
		if (d[0] == '/' && access(path, X_OK) == 0) {
			free(dirs);
			return path;
		}
	}
	free(dirs);
	return NULL;
}

void
net_wrap(const struct net_options *n, int tap_fd, const struct argv *cmd, struct argv *out)
{
	const char *m;
	int i;

	if (n->mode != NET_TAP) {
		*out = *cmd;
		return;
	}
	m = find_mktuntap();
	if (!m)
		wlvm_die("--net tap: mktuntap, which makes the TAP device, is neither "
			 "beside wlvm nor in PATH");
	memset(out, 0, sizeof(*out));
	argv_add(out, m);
	argv_add(out, "-i");
	argv_add(out, n->ifname ? n->ifname : "tap%d");
	argv_add(out, "--vnet-hdr");
	argv_add(out, "--up");
	argv_addf(out, "%d", tap_fd);
	argv_add(out, "--");
	for (i = 0; i < cmd->n; i++)
		argv_add(out, cmd->v[i]);
}
