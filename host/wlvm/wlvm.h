/* SPDX-License-Identifier: MIT */
/*
 * wlvm's parts: wlvm.c (options, the QEMU command line), argv.c (growing
 * argument vectors), sandbox.c (bubblewrap and seccomp around QEMU),
 * run.c (QEMU as a child: the console, signals, the exit status) and
 * console.c (what of the guest's console reaches the terminal).
 */
#ifndef VIRTWL_WLVM_H
#define VIRTWL_WLVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void wlvm_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void wlvm_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NULL-terminated argument vector that grows; strings are copied. */
struct argv {
	char **v;
	int n;
	int cap;
};

void argv_add(struct argv *a, const char *s);
void argv_addf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);

/* console.c */
struct console_filter {
	int state;
	uint8_t seq[32];	/* a CSI or UTF-8 character being read */
	unsigned int seq_len;
	unsigned int utf8_need;
};

/* console_filter() writes at most @len + CONSOLE_FILTER_SLACK bytes. */
#define CONSOLE_FILTER_SLACK (32 + 2)

void console_filter_init(struct console_filter *f);
/* Filters @len bytes of guest output into @out; returns the bytes kept. */
size_t console_filter(struct console_filter *f, const uint8_t *in, size_t len,
		      uint8_t *out);

/* net.c */
struct net_options {
	enum { NET_NONE, NET_USER, NET_TAP } mode;
	const char *ifname;	/* tap=IFNAME; NULL: the kernel's tapN */
	const char *guest_ip;	/* ADDR/PREFIX[,GW]; NULL: DHCP */
};

/* Checks --net and --guest-ip; dies with the reason when they are wrong. */
void net_parse(struct net_options *n, const char *net, const char *guest_ip);
/* Appends virtwl.net=... for the guest's init to @cmdline. */
void net_cmdline(const struct net_options *n, char *cmdline, size_t len);
/* QEMU's -netdev and -device; @tap_fd: where mktuntap puts the device. */
void net_qemu_args(const struct net_options *n, int tap_fd, struct argv *args);
/* With --net tap, mktuntap in front of @cmd; else @cmd as it is. */
void net_wrap(const struct net_options *n, int tap_fd, const struct argv *cmd,
	      struct argv *out);

/* home.c */
/*
 * --home: an existing image is checked; a missing one is made (@size bytes,
 * ext4 from /etc/skel) unless @dry_run.  Returns true when it is new.
 */
bool home_prepare(const char *path, uint64_t size, bool dry_run);

/* sandbox.c */
struct sandbox {
	struct argv ro_files;	/* bound read-only at their own paths */
	struct argv rw_files;	/* bound read-write */
	bool kvm;		/* /dev/kvm */
	bool share_net;		/* the host's network (QEMU's user-mode network) */
	uint64_t alloc_bytes;	/* size of the tmpfs for guest memory; 0: none */
	int seccomp_fd;		/* set by sandbox_wrap */
	int info_fd;		/* write end for bwrap's --info-fd */
};

/* Where guest allocations live inside the sandbox (QEMU's alloc-dir). */
#define SANDBOX_ALLOC_DIR "/run/virtwl/alloc"

void sandbox_init(struct sandbox *sb);
/*
 * Puts bwrap and its options in front of @cmd into @out.  Dies with a
 * reason when bubblewrap or the seccomp filter cannot be had.
 */
void sandbox_wrap(struct sandbox *sb, const struct argv *cmd, struct argv *out);

/* run.c */
struct connector_socket {
	const char *name;	/* "" for the unnamed one */
	const char *path;
};

struct run_options {
	bool raw_console;	/* the guest's bytes as they are */
	int info_fd;		/* read end of bwrap's --info-fd, or -1 */
	int keep_fds[4];	/* fds the child inherits besides 0-2; -1 ends */
	const char *pid_file;	/* QEMU's pid goes here once known */
	/* Our end of the connector (host/wl/wl_connector.h), or -1. */
	int connector_fd;
	const struct connector_socket *sockets;
	int n_sockets;
};

/*
 * Runs @argv (QEMU, or bwrap running QEMU) as a child with the console
 * relayed through the filter; SIGINT, SIGTERM and SIGHUP end QEMU (SIGTERM,
 * then SIGKILL a second later).  Returns the exit status to exit with.
 */
int run_qemu(const struct argv *argv, const struct run_options *opts);

#endif /* VIRTWL_WLVM_H */
