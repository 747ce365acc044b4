// SPDX-License-Identifier: MIT
/*
 * A stand-in for QEMU: wlvm runs it (--qemu) under exactly the
 * confinement it gives QEMU, and it tries what a compromised QEMU would.
 * What to try comes in QEMU's own arguments: -kernel FILE, and
 * "probe.KEY=VALUE" words in -append (wlvm --append):
 *   probe.home=FILE      a file in the operator's home
 *   probe.bus=SOCKET     the session bus
 *   probe.agent=SOCKET   ssh-agent
 *   probe.abstract=NAME  an abstract Unix socket on the host
 *   probe.unnamed=SOCKET a compositor socket the operator did not name
 *   probe.named=SOCKET   the one the operator named "named": not
 *                        visible, but the connector (connector=FD in the
 *                        -device argument) must hand out a connection to it
 *   probe.alloc=BYTES    the size of the guest memory tmpfs
 * Prints "PROBE ok NAME" or "PROBE fail NAME: WHY" per check.  Run
 * unconfined (the test does, to see the checks can fail) it must harm
 * nothing: calls the filter refuses are made so that, allowed, they fail
 * anyway with another errno or change nothing.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static char append[4096];

static const char *
param(const char *key)
{
	static char value[512];
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "probe.%s=", key);
	p = strstr(append, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= sizeof(value))
		n = sizeof(value) - 1;
	memcpy(value, p, n);
	value[n] = '\0';
	return value;
}

static void
report(const char *name, bool ok, const char *why)
{
	if (ok)
		printf("PROBE ok %s\n", name);
	else
		printf("PROBE fail %s: %s\n", name, why);
	fflush(stdout);
}

/* 0 when a connection was made, else the errno. */
static int
connect_unix(const char *path, bool abstract)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (abstract) {
		strncpy(addr.sun_path + 1, path, sizeof(addr.sun_path) - 2);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	} else {
		strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
		len = sizeof(addr);
	}
	if (connect(fd, (struct sockaddr *)&addr, len) < 0)
		err = errno;
	close(fd);
	return err;
}

static int connector = -1;

/* 0 when wlvm's connector gives a connection to @name, else -errno. */
static int
ask_connector(const char *name)
{
	struct { uint32_t seq; char name[33]; uint8_t pad[3]; } req = { .seq = 7 };
	struct { uint32_t seq; int32_t error; } reply;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { &reply, sizeof(reply) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c;
	int fd = -1;

	if (connector < 0)
		return -EBADF;
	strncpy(req.name, name, sizeof(req.name) - 1);
	if (send(connector, &req, sizeof(req), 0) != sizeof(req) ||
	    recvmsg(connector, &mh, MSG_CMSG_CLOEXEC) != sizeof(reply))
		return -EPROTO;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd >= 0)
		close(fd);
	return reply.error ? -reply.error : fd >= 0 ? 0 : -EPROTO;
}

static void
must_not_connect(const char *name, const char *key, bool abstract)
{
	const char *path = param(key);
	char why[256];
	int err;

	if (!path) {
		report(name, false, "no probe parameter");
		return;
	}
	err = connect_unix(path, abstract);
	snprintf(why, sizeof(why), "connected to %s", path);
	report(name, err != 0, why);
}

static void
no_socket(const char *name, int domain, int type)
{
	int fd = socket(domain, type, 0);
	char why[64];

	snprintf(why, sizeof(why), "socket() gave fd %d", fd);
	report(name, fd < 0, why);
	if (fd >= 0)
		close(fd);
}

/* No fd but stdio and the connector reached the stand-in. */
static void
only_stdio_fds(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	char why[256] = "";
	bool ok = d != NULL;

	while (d && (ent = readdir(d))) {
		int fd = atoi(ent->d_name);

		if (ent->d_name[0] == '.' || fd <= 2 || fd == dirfd(d) || fd == keep)
			continue;
		ok = false;
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "fd %d open; ", fd);
	}
	if (d)
		closedir(d);
	report("only_stdio_fds", ok, why);
}

static void
few_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *ent;
	int n = 0;
	char why[64];

	while (d && (ent = readdir(d)))
		n += ent->d_name[0] >= '1' && ent->d_name[0] <= '9';
	if (d)
		closedir(d);
	snprintf(why, sizeof(why), "%d processes visible", n);
	report("own_pid_namespace", d && n <= 2, why);
}

static void
no_capabilities(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	bool ok = false;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			ok = strtoull(line + 7, NULL, 16) == 0;
	if (f)
		fclose(f);
	report("no_capabilities", ok, "CapEff is not 0");
}

static bool user_net;	/* -netdev user: wlvm --net user */

int
main(int argc, char **argv)
{
	const char *kernel = NULL, *s;
	char why[256];
	int i, fd;

	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "-append"))
			snprintf(append, sizeof(append), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "-kernel"))
			kernel = argv[i + 1];
		else if (!strcmp(argv[i], "-device") && strstr(argv[i + 1], "connector="))
			connector = atoi(strstr(argv[i + 1], "connector=") + 10);
		else if (!strcmp(argv[i], "-netdev") && !strncmp(argv[i + 1], "user,", 5))
			user_net = true;
	}

	/* What it needs works. */
	fd = kernel ? open(kernel, O_RDONLY | O_CLOEXEC) : -1;
	report("reads_its_kernel", fd >= 0, strerror(errno));
	if (fd >= 0)
		close(fd);
	s = param("named");
	i = s ? connect_unix(s, false) : 0;
	snprintf(why, sizeof(why), "connected to %s by its path", s ? s : "?");
	report("named_socket_not_visible", s && i != 0, why);
	i = ask_connector("named");
	snprintf(why, sizeof(why), "no connection from the connector: %s", strerror(-i));
	report("connector_reaches_the_named_socket", i == 0, why);
	i = ask_connector("other");
	report("connector_refuses_other_names", i == -ENOENT, "an unnamed socket was given");

	/* What it must not. */
	s = param("home");
	fd = s ? open(s, O_RDONLY | O_CLOEXEC) : 0;
	snprintf(why, sizeof(why), "read %s", s ? s : "(no probe.home)");
	report("cannot_read_home", s && fd < 0, why);
	if (fd > 0)
		close(fd);
	/* bwrap sets PWD to where it put us: the sandbox's root. */
	for (i = 0; environ[i] && !strcmp(environ[i], "PWD=/"); i++)
		;
	snprintf(why, sizeof(why), "environment not empty: %s", environ[i] ? environ[i] : "");
	report("empty_environment", environ[i] == NULL, why);
	must_not_connect("no_session_bus", "bus", false);
	must_not_connect("no_ssh_agent", "agent", false);
	must_not_connect("no_abstract_socket", "abstract", true);
	must_not_connect("no_unnamed_compositor", "unnamed", false);
	if (user_net) {
		/* wlvm --net user: slirp's IP sockets, in the host's network */
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		report("user_net_inet_socket", fd >= 0, strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		no_socket("no_inet_socket", AF_INET, SOCK_STREAM);
		no_socket("no_inet6_socket", AF_INET6, SOCK_DGRAM);
	}
	no_socket("no_netlink_socket", AF_NETLINK, SOCK_RAW);
	no_socket("no_packet_socket", AF_PACKET, SOCK_RAW);
	only_stdio_fds(connector);
	few_processes();
	no_capabilities();
	report("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
	       "no_new_privs is not set");
	/* A pid that does not exist: ESRCH where ptrace is allowed. */
	errno = 0;
	report("no_ptrace", ptrace(PTRACE_ATTACH, 0x7ffffffe, NULL, NULL) < 0 &&
	       errno == EPERM, "ptrace was allowed");
	errno = 0;
	report("no_tiocsti", ioctl(0, TIOCSTI, "x") < 0 && errno == EPERM,
	       "TIOCSTI was not refused by the filter");
	/* A target that does not exist: ENOENT where mount is allowed. */
	errno = 0;
	report("no_mount", mount("none", "/nonexistent-probe-target", "tmpfs", 0, NULL) < 0 &&
	       errno == EPERM, "mount was allowed");
	report("usr_read_only", access("/usr", W_OK) < 0 && errno == EROFS,
	       "/usr is writable");
	s = param("alloc");
	{
		struct statfs st;
		unsigned long long size = 0;

		if (statfs("/run/virtwl/alloc", &st) == 0)
			size = (unsigned long long)st.f_blocks * (unsigned long long)st.f_bsize;
		snprintf(why, sizeof(why), "guest memory tmpfs is %llu bytes, wanted %s", size,
			 s ? s : "?");
		report("alloc_tmpfs_size", s && size == strtoull(s, NULL, 10), why);
	}
	return 0;
}
