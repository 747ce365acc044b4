// SPDX-License-Identifier: MIT
/*
 * QEMU runs confined, the way crosvm jails its devices, with Debian's
 * bubblewrap: new user, pid, network, IPC, UTS and cgroup namespaces; a
 * filesystem of /usr read-only, a private /dev, /proc and /tmp, and
 * exactly the files it needs bound at their own paths (its binary, the
 * kernel, initrd and disk, /dev/kvm for KVM) and no compositor socket at
 * all: wlvm connects for QEMU, through the connector; a size-limited tmpfs for guest memory; no
 * capabilities, no environment, a new session (no TIOCSTI on the
 * operator's terminal) and a seccomp filter made with libseccomp that
 * refuses non-Unix sockets and the calls that widen a process's reach.
 * QEMU adds its own filter on top (-sandbox).  With wlvm --net user, QEMU
 * stays in the host's network namespace and may open IP sockets (slirp
 * needs them); --net tap keeps the namespace, QEMU only gets the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wlvm.h"

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

/* Calls a confined QEMU never needs and an attacker would want. */
static const char *const denied_calls[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"mount", "umount2", "pivot_root", "chroot", "setns", "unshare",
	"move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "open_by_handle_at", "name_to_handle_at",
	"kexec_load", "kexec_file_load", "init_module", "finit_module",
	"delete_module", "bpf", "perf_event_open", "userfaultfd",
	"keyctl", "add_key", "request_key", "syslog", "reboot", "swapon",
	"swapoff", "iopl", "ioperm", "acct", "quotactl", "lookup_dcookie",
	"fanotify_init", "uselib", "vhangup", "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "personality", "clone3",
};

void
sandbox_init(struct sandbox *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->seccomp_fd = -1;
	sb->info_fd = -1;
}

static int
deny(scmp_filter_ctx ctx, int err, const char *name, unsigned int n_args,
     const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n_args, args);
}

/* The filter as BPF in a memfd, for bwrap --seccomp. */
/*
 * Sockets of any family but Unix fail; with @inet, IPv4 and IPv6 too
 * (QEMU's user-mode network), never netlink, packet or the rest.
 * One comparison per rule: libseccomp joins a rule's comparisons with AND.
 */
static int
deny_socket_families(scmp_filter_ctx ctx, const char *call, bool inet)
{
	struct scmp_arg_cmp cmp;
	int ret, fam;

	if (!inet) {
		cmp = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
		return deny(ctx, EAFNOSUPPORT, call, 1, &cmp);
	}
	cmp = SCMP_A0(SCMP_CMP_GT, AF_INET6);
	ret = deny(ctx, EAFNOSUPPORT, call, 1, &cmp);
	for (fam = 0; fam < AF_INET6 && !ret; fam++) {
		if (fam == AF_UNIX || fam == AF_INET)
			continue;
		cmp = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fam);
		ret = deny(ctx, EAFNOSUPPORT, call, 1, &cmp);
	}
	return ret;
}

static int
seccomp_filter_fd(bool inet)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp tiocsti = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
	struct scmp_arg_cmp new_user = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER,
					       CLONE_NEWUSER);
	unsigned int i;
	int fd, ret = 0;

	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < sizeof(denied_calls) / sizeof(denied_calls[0]) && !ret; i++)
		ret = deny(ctx, strcmp(denied_calls[i], "clone3") ? EPERM : ENOSYS,
			   denied_calls[i], 0, NULL);
	/* Unix sockets only (the compositor), IP with the user-mode network. */
	if (!ret)
		ret = deny_socket_families(ctx, "socket", inet);
	if (!ret)
		ret = deny_socket_families(ctx, "socketpair", false);
	if (!ret)
		ret = deny(ctx, EPERM, "ioctl", 1, &tiocsti);
	if (!ret)
		ret = deny(ctx, EPERM, "clone", 1, &new_user);
	fd = memfd_create("wlvm-seccomp", MFD_CLOEXEC);
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret)
		ret = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (ret) {
		if (fd >= 0)
			close(fd);
		return ret < 0 ? ret : -EINVAL;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static const char *
find_bwrap(void)
{
	static const char *const paths[] = { "/usr/bin/bwrap", "/bin/bwrap" };
	const char *env = getenv("WLVM_BWRAP");
	unsigned int i;

	if (env && env[0])
		return access(env, X_OK) == 0 ? env : NULL;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* /bin, /lib... are symlinks into /usr on merged systems, else directories. */
static void
add_root_dir(struct argv *out, const char *dir)
{
	char target[PATH_MAX];
	ssize_t n = readlink(dir, target, sizeof(target) - 1);
	struct stat st;

	if (n > 0) {
		target[n] = '\0';
		argv_add(out, "--symlink");
		argv_add(out, target);
		argv_add(out, dir);
	} else if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		argv_add(out, "--ro-bind");
		argv_add(out, dir);
		argv_add(out, dir);
	}
}

static void
bind_each(struct argv *out, const char *how, const struct argv *paths)
{
	int i;

	for (i = 0; i < paths->n; i++) {
		argv_add(out, how);
		argv_add(out, paths->v[i]);
		argv_add(out, paths->v[i]);
	}
}

void
sandbox_wrap(struct sandbox *sb, const struct argv *cmd, struct argv *out)
{
	const char *bwrap = find_bwrap();
	int i;

	if (!bwrap)
		wlvm_die("bwrap not found: install bubblewrap (apt-get install bubblewrap), "
			 "or run QEMU unconfined with --no-sandbox");
	sb->seccomp_fd = seccomp_filter_fd(sb->share_net);
	if (sb->seccomp_fd < 0)
		wlvm_die("cannot make the seccomp filter: %s", strerror(-sb->seccomp_fd));

	argv_add(out, bwrap);
	argv_add(out, "--unshare-all");
	if (sb->share_net) {
		/* slirp's DNS forwarder reads the host's resolver */
		argv_add(out, "--share-net");
		argv_add(out, "--ro-bind-try");
		argv_add(out, "/etc/resolv.conf");
		argv_add(out, "/etc/resolv.conf");
	}
	argv_add(out, "--die-with-parent");
	argv_add(out, "--new-session");
	argv_add(out, "--as-pid-1");
	argv_add(out, "--cap-drop");
	argv_add(out, "ALL");
	argv_add(out, "--clearenv");
	argv_add(out, "--chdir");
	argv_add(out, "/");
	argv_add(out, "--ro-bind");
	argv_add(out, "/usr");
	argv_add(out, "/usr");
	add_root_dir(out, "/bin");
	add_root_dir(out, "/sbin");
	add_root_dir(out, "/lib");
	add_root_dir(out, "/lib64");
	argv_add(out, "--ro-bind-try");
	argv_add(out, "/etc/ld.so.cache");
	argv_add(out, "/etc/ld.so.cache");
	argv_add(out, "--proc");
	argv_add(out, "/proc");
	argv_add(out, "--dev");
	argv_add(out, "/dev");
	argv_add(out, "--tmpfs");
	argv_add(out, "/tmp");
	if (sb->kvm) {
		argv_add(out, "--dev-bind");
		argv_add(out, "/dev/kvm");
		argv_add(out, "/dev/kvm");
		argv_add(out, "--ro-bind-try");
		argv_add(out, "/sys/devices/system/cpu");
		argv_add(out, "/sys/devices/system/cpu");
	}
	if (sb->alloc_bytes) {
		argv_add(out, "--size");
		argv_addf(out, "%llu", (unsigned long long)sb->alloc_bytes);
		argv_add(out, "--tmpfs");
		argv_add(out, SANDBOX_ALLOC_DIR);
	}
	bind_each(out, "--ro-bind", &sb->ro_files);
	bind_each(out, "--bind", &sb->rw_files);
	argv_add(out, "--seccomp");
	argv_addf(out, "%d", sb->seccomp_fd);
	if (sb->info_fd >= 0) {
		argv_add(out, "--info-fd");
		argv_addf(out, "%d", sb->info_fd);
	}
	argv_add(out, "--");
	for (i = 0; i < cmd->n; i++)
		argv_add(out, cmd->v[i]);
}
