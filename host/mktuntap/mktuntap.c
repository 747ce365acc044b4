// SPDX-License-Identifier: MIT
/*
 * mktuntap: creates a TAP (or TUN) device that is not persistent and
 * runs a program with it as an already-open file descriptor.  The device
 * lives exactly as long as some process holds that descriptor: when the
 * VMM it was handed to exits, the kernel removes the device.  Only
 * mktuntap needs CAP_NET_ADMIN (creating the device, bringing it up); it
 * gives that capability up for good before it runs the program, so the
 * VMM never holds the privilege.
 *
 *   mktuntap [-i IFNAME] [--tun] [--vnet-hdr] [--up] FD -- PROGRAM [ARG]...
 *
 * The program finds the device on descriptor FD and its name in the
 * environment variable TUNTAP_NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "virtwl_version.h"

enum { OPT_TUN = 256, OPT_VNET_HDR, OPT_UP, OPT_VERSION };

static void
usage(FILE *out)
{
	fputs("usage: mktuntap [OPTION]... FD -- PROGRAM [ARG]...\n"
	      "Create a TAP device that lives as long as a descriptor to it is\n"
	      "open, and run PROGRAM with it as descriptor FD and its name in\n"
	      "$TUNTAP_NAME.  Needs CAP_NET_ADMIN; PROGRAM runs without it.\n"
	      "\n"
	      "  -i, --name IFNAME   the interface's name, up to 15 bytes; %d\n"
	      "                      picks a number (default: tap%d)\n"
	      "      --tun           a TUN device (IP packets) instead of TAP\n"
	      "      --vnet-hdr      packets carry a virtio-net header\n"
	      "                      (IFF_VNET_HDR, as QEMU's vnet_hdr=on wants)\n"
	      "      --up            bring the interface up before PROGRAM runs\n"
	      "  -h, --help          show this help and exit\n"
	      "      --version       print mktuntap's version and exit\n"
	      "\n"
	      "Example: mktuntap -i vm0 --vnet-hdr 3 -- qemu-system-x86_64 \\\n"
	      "           -netdev tap,id=n0,fd=3,vnet_hdr=on ...\n",
	      out);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mktuntap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("mktuntap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see mktuntap --help)\n", stderr);
	exit(2);
}

/* What Linux takes as an interface name (dev_valid_name). */
static bool
valid_name(const char *s)
{
	return s[0] && strlen(s) < IFNAMSIZ && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/: \t\n\r\v\f");
}

/* The descriptor the program gets: a number, not one of stdin/out/err. */
static int
parse_fd(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 3 || n > INT_MAX)
		die_usage("FD must be a number from 3 up, not '%s'", s);
	return (int)n;
}

static void
bring_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("%s: reading its flags: %s", name, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("%s: bringing it up: %s", name, strerror(errno));
	close(s);
}

/*
 * CAP_NET_ADMIN, the privilege mktuntap exists for, does not reach the
 * program, not even through a setuid or file-capability binary it runs
 * (no_new_privs).  A program run by an ordinary user with the capability
 * on mktuntap's file holds no capability at all; one run by root keeps
 * root's others (bwrap as root needs them to make its namespaces).
 */
static void
drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	unsigned int i = CAP_NET_ADMIN / 32, bit = 1u << (CAP_NET_ADMIN % 32);

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die("clearing ambient capabilities: %s", strerror(errno));
	/* The bounding set needs CAP_SETPCAP, which root has. */
	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) < 0 && errno != EPERM)
		die("dropping CAP_NET_ADMIN from the bounding set: %s", strerror(errno));
	if (syscall(SYS_capget, &hdr, data) < 0)
		die("reading capabilities: %s", strerror(errno));
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("dropping CAP_NET_ADMIN: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs: %s", strerror(errno));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'i' },
		{ "tun", no_argument, NULL, OPT_TUN },
		{ "vnet-hdr", no_argument, NULL, OPT_VNET_HDR },
		{ "up", no_argument, NULL, OPT_UP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	bool tun = false, vnet_hdr = false, up = false;
	struct ifreq ifr = { 0 };
	int c, target, fd;

	while ((c = getopt_long(argc, argv, "+i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!valid_name(optarg))
				die_usage("the interface name '%s' is not one Linux takes "
					  "(1 to %d bytes, no '/', ':' or spaces)", optarg, IFNAMSIZ - 1);
			name = optarg;
			break;
		case OPT_TUN: tun = true; break;
		case OPT_VNET_HDR: vnet_hdr = true; break;
		case OPT_UP: up = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("mktuntap %s\n", VIRTWL_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc)
		die_usage("FD is missing");
	target = parse_fd(argv[optind++]);
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		die_usage("PROGRAM is missing");

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/net/tun: %s", strerror(errno));
	ifr.ifr_flags = (short)((tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI |
				(vnet_hdr ? IFF_VNET_HDR : 0));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name ? name : tun ? "tun%d" : "tap%d");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EPERM)
			die("creating %s: %s (mktuntap needs CAP_NET_ADMIN: run it as root "
			    "or give it the capability, e.g. setcap cap_net_admin+ep)",
			    ifr.ifr_name, strerror(errno));
		if (errno == EBUSY)
			die("creating %s: the interface exists and is in use (%s)",
			    ifr.ifr_name, strerror(errno));
		die("creating %s: %s", ifr.ifr_name, strerror(errno));
	}
	if (up)
		bring_up(ifr.ifr_name);
	if (setenv("TUNTAP_NAME", ifr.ifr_name, 1) < 0)
		die("setenv: %s", strerror(errno));
	if (fd != target) {
		if (dup2(fd, target) < 0)
			die("descriptor %d: %s", target, strerror(errno));
		close(fd);
	} else if (fcntl(fd, F_SETFD, 0) < 0) {
		die("descriptor %d: %s", target, strerror(errno));
	}
	drop_net_admin();
	execvp(argv[optind], argv + optind);
	die("%s: %s", argv[optind], strerror(errno));
}
