// SPDX-License-Identifier: MIT
/*
 * wlvm: boots a guest in QEMU (our build, with virtio-wl-pci) that can
 * reach the host compositor socket(s) the operator names, and nothing
 * else on the host.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wlvm.h"
#include "virtwl_version.h"	/* VIRTWL_VERSION (generated) */
#include "wlvm_config.h"	/* WLVM_QEMU_HASH, WLVM_SRCDIR, WLVM_QEMU_INSTALLED */

/* The x86 kernel's COMMAND_LINE_SIZE. */
#define KERNEL_CMDLINE_MAX 2048
#define MAX_SOCKETS 17
/* The device's default max-mem: what the guest may pin. */
#define DEFAULT_MAX_MEM (1ull << 30)

struct socket_arg {
	char name[33];
	char path[PATH_MAX];
};

struct options {
	const char *kernel;
	const char *initrd;
	const char *disk;
	bool disk_writable;
	const char *mem;
	const char *cpus;
	const char *accel;
	const char *append;
	const char *qemu;
	const char *max_vfds;
	const char *max_contexts;
	const char *max_mem;
	const char *pid_file;
	const char *name;
	const char *net;
	const char *guest_ip;
	const char *home;
	const char *home_size;
	struct socket_arg sockets[MAX_SOCKETS];
	int n_sockets;
	bool have_unnamed;
	bool memfd;
	bool no_shmem;
	bool dry_run;
	bool no_sandbox;
	bool raw_console;
	char **guest_argv;
	int guest_argc;
};

void
wlvm_die(const char *fmt, ...)
{
	va_list ap;

	fputs("wlvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void
wlvm_note(const char *fmt, ...)
{
	va_list ap;

	fputs("wlvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *out)
{
	fputs(
"usage: wlvm [OPTION]... [-- GUEST COMMAND...]\n"
"Boot a VM whose Wayland clients reach only the host compositor socket(s)\n"
"named here, through virtio-wl.\n"
"\n"
"  -k, --kernel FILE        guest kernel (default: /boot/vmlinuz-RELEASE for\n"
"                           the release the initramfs has modules for, else\n"
"                           the newest; a bzImage is unpacked once into the\n"
"                           cache and booted through PVH, twice as fast under\n"
"                           TCG); one that does not match the initramfs's\n"
"                           modules is refused\n"
"  -i, --initrd FILE        initramfs\n"
"  -d, --disk FILE          raw disk image, attached read-only as virtio-blk\n"
"                           (/dev/vda); VMs may share one image\n"
"      --disk-writable      let the guest write to the disk image\n"
"      --home FILE          a persistent home: an ext4 image, made on first\n"
"                           use from /etc/skel, mounted on the guest's home\n"
"      --home-size SIZE     its size when it is made (default 1G, sparse)\n"
"  -m, --mem SIZE           guest memory, e.g. 512M or 1G (default 512M)\n"
"      --cpus N             virtual CPUs (default 1; TCG runs one host thread\n"
"                           each)\n"
"      --wayland-sock [NAME=]PATH\n"
"                           a compositor socket the guest may connect to;\n"
"                           without NAME the unnamed one (default:\n"
"                           $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY); repeatable\n"
"      --wl-memfd           serve host memfds to the guest (context\n"
"                           \"virtwl-memfd\")\n"
"      --no-shmem           do not offer VIRTIO_WL_F_USE_SHMEM (drivers then\n"
"                           get absolute pfns)\n"
"      --max-vfds N         vfds alive at once (default 1024)\n"
"      --max-contexts N     connections to the host compositor(s) at once\n"
"                           (default 64)\n"
"      --max-mem SIZE       host memory the guest may allocate and pin, also\n"
"                           once sent to the compositor (default 1G)\n"
"      --accel auto|kvm|tcg auto takes KVM only where it works (default auto)\n"
"      --append ARGS        more kernel command-line arguments\n"
"      --qemu FILE          the QEMU to run (default: our cached build,\n"
"                           else the one installed with wlvm)\n"
"      --no-sandbox         run QEMU unconfined: no bubblewrap, no seccomp\n"
"      --raw-console        pass the guest's console output on unfiltered\n"
"                           (escape sequences included)\n"
"      --pid-file FILE      write QEMU's pid to FILE once it runs\n"
"      --net user|tap[=IFNAME]\n"
"                           give the guest a network device (default: none).\n"
"                           user: QEMU's user-mode network, which reaches\n"
"                           what you can (the host is 10.0.2.2); tap: a TAP\n"
"                           device (default name tapN) made by mktuntap,\n"
"                           which needs CAP_NET_ADMIN; QEMU never has it\n"
"      --guest-ip ADDR/PREFIX[,GATEWAY]\n"
"                           the guest's IPv4 address (default: DHCP)\n"
"      --name NAME          the VM's name (A-Z a-z 0-9 . _ -): the guest's\n"
"                           windows show \"[NAME] \" before their titles and\n"
"                           \"NAME.\" before their app ids\n"
"  -n, --dry-run            print the QEMU command line instead of running it\n"
"  -h, --help               this text\n"
"      --version            print wlvm's version and exit\n"
"\n"
"QEMU runs confined (bubblewrap, seccomp): it sees the files and sockets\n"
"named here and nothing else of the host.  The guest's serial console is on\n"
"stdin/stdout, its output filtered to text and harmless controls.  SIGINT,\n"
"SIGTERM or SIGHUP stop the VM within a second.  A GUEST COMMAND reaches the\n"
"guest's init as wlvm.cmd=BASE64 on the kernel command line: the base64 of a\n"
"/bin/sh command line in which every argument is single-quoted.\n"
"Environment: VIRTWL_QEMU (QEMU binary), VIRTWL_CACHE (cache directory).\n",
	      out);
}

/* Long options without a short letter. */
enum { OPT_VERSION = 256 };

static const char *
cache_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("VIRTWL_CACHE");
	const char *home;

	if (env && env[0])
		return env;
	if ((mkdir("/var/cache/virtwl", 0755) == 0 || errno == EEXIST) &&
	    access("/var/cache/virtwl", W_OK) == 0)
		return "/var/cache/virtwl";
	env = getenv("XDG_CACHE_HOME");
	home = getenv("HOME");
	if (env && env[0])
		snprintf(dir, sizeof(dir), "%s/virtwl", env);
	else
		snprintf(dir, sizeof(dir), "%s/.cache/virtwl", home ? home : "/tmp");
	return dir;
}

static int
mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Newest /boot/vmlinuz-* by version order, or NULL. */
static char *
default_kernel(void)
{
	static char best[PATH_MAX];
	FILE *ls = popen("ls /boot 2>/dev/null", "r");
	char line[256], name[256] = "";

	if (!ls)
		return NULL;
	while (fgets(line, sizeof(line), ls)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "vmlinuz-", 8))
			continue;
		if (!name[0] || strverscmp(line, name) > 0)
			snprintf(name, sizeof(name), "%s", line);
	}
	pclose(ls);
	if (!name[0])
		return NULL;
	snprintf(best, sizeof(best), "/boot/%s", name);
	return best;
}

static bool
file_has_magic(const char *path, long off, const void *magic, size_t len)
{
	unsigned char buf[16];
	FILE *f = fopen(path, "rb");
	bool ok;

	if (!f)
		return false;
	ok = fseek(f, off, SEEK_SET) == 0 && fread(buf, 1, len, f) == len &&
	     !memcmp(buf, magic, len);
	fclose(f);
	return ok;
}

/*
 * The release a bzImage says it is (its setup header's kernel_version
 * string, up to the first space), or "" when @path is not a bzImage.
 */
static void
bzimage_release(const char *path, char *out, size_t len)
{
	unsigned char hdr[2];
	char ver[256];
	FILE *f = fopen(path, "rb");
	long at;

	out[0] = '\0';
	if (!f)
		return;
	if (fseek(f, 0x202, SEEK_SET) == 0 && fread(ver, 1, 4, f) == 4 &&
	    !memcmp(ver, "HdrS", 4) && fseek(f, 0x20e, SEEK_SET) == 0 &&
	    fread(hdr, 1, 2, f) == 2) {
		at = 0x200 + (hdr[0] | hdr[1] << 8);
		if (fseek(f, at, SEEK_SET) == 0 && fgets(ver, sizeof(ver), f)) {
			ver[strcspn(ver, " \n")] = '\0';
			snprintf(out, len, "%s", ver);
		}
	}
	fclose(f);
}

static unsigned long
cpio_field(const char *hdr, int i)
{
	char num[9];

	memcpy(num, hdr + 6 + 8 * i, 8);
	num[8] = '\0';
	return strtoul(num, NULL, 16);
}

/*
 * The kernel release an initramfs (newc cpio, gzip-compressed or not)
 * has modules for: its one lib/modules/RELEASE/.  "" when it has none,
 * several, or cannot be read.
 */
static void
initrd_release(const char *path, char *out, size_t len)
{
	char hdr[110], name[PATH_MAX], found[256] = "";
	bool several = false;
	int p[2], status;
	pid_t pid;
	FILE *f;

	out[0] = '\0';
	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(p[0]);
		execlp("gzip", "gzip", "-dcf", "--", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = pid > 0 ? fdopen(p[0], "rb") : NULL;
	while (f && fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr) &&
	       !memcmp(hdr, "070701", 6)) {
		unsigned long size = cpio_field(hdr, 6), name_len = cpio_field(hdr, 11);
		unsigned long pad = (4 - (sizeof(hdr) + name_len) % 4) % 4;
		const char *rel;

		if (name_len == 0 || name_len >= sizeof(name) ||
		    fread(name, 1, name_len + pad, f) != name_len + pad)
			break;
		name[name_len] = '\0';
		if (!strcmp(name, "TRAILER!!!"))
			break;
		rel = name + (strncmp(name, "./", 2) ? 0 : 2);
		if (!strncmp(rel, "usr/", 4))
			rel += 4;
		if (!strncmp(rel, "lib/modules/", 12) && rel[12] && !strchr(rel + 12, '/')) {
			if (found[0] && strcmp(found, rel + 12))
				several = true;
			snprintf(found, sizeof(found), "%s", rel + 12);
		}
		size += (4 - size % 4) % 4;
		while (size) {
			char skip[4096];
			size_t n = size > sizeof(skip) ? sizeof(skip) : size;

			if (fread(skip, 1, n, f) != n)
				break;
			size -= n;
		}
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	if (pid > 0) {
		kill(pid, SIGTERM);	/* it may still be writing what we skipped */
		waitpid(pid, &status, 0);
	}
	if (!several)
		snprintf(out, len, "%s", found);
}

/* Offset of the XZ payload in a bzImage, or -1. */
static long
find_xz(const char *path)
{
	static const unsigned char magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	FILE *f = fopen(path, "rb");
	unsigned char buf[65536];
	long base = 0, found = -1;
	size_t n, keep = 0;

	if (!f)
		return -1;
	while (found < 0 && (n = fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
		size_t total = keep + n, i;

		for (i = 0; i + sizeof(magic) <= total; i++) {
			if (!memcmp(buf + i, magic, sizeof(magic))) {
				found = base + (long)i;
				break;
			}
		}
		keep = sizeof(magic) - 1;
		if (total < keep)
			keep = total;
		memmove(buf, buf + total - keep, keep);
		base += (long)(total - keep);
	}
	fclose(f);
	return found;
}

/*
 * QEMU boots an uncompressed ELF vmlinux through PVH, skipping the
 * real-mode setup and the in-guest decompression that TCG runs slowly.
 * The ELF is unpacked once per kernel file and kept in the cache.
 */
static const char *
pvh_kernel(const char *kernel, bool dry_run)
{
	static const unsigned char elf[4] = { 0x7f, 'E', 'L', 'F' };
	static char out[2 * PATH_MAX];
	char dir[PATH_MAX], tmp[2 * PATH_MAX + 16], cmd[5 * PATH_MAX];
	const char *base = strrchr(kernel, '/');
	struct stat st;
	long off;

	if (file_has_magic(kernel, 0, elf, 4))
		return kernel;
	if (!file_has_magic(kernel, 0x202, "HdrS", 4))
		return kernel;	/* not a bzImage: let QEMU judge it */
	if (stat(kernel, &st) < 0)
		return kernel;
	snprintf(dir, sizeof(dir), "%s/vmlinux", cache_dir());
	if (snprintf(out, sizeof(out), "%s/%s-%lld-%lld.elf", dir,
		     base ? base + 1 : kernel, (long long)st.st_size,
		     (long long)st.st_mtime) >= (int)sizeof(out))
		return kernel;
	if (access(out, R_OK) == 0 || dry_run)
		return out;
	off = find_xz(kernel);
	if (off < 0) {
		wlvm_note("%s has no XZ payload; booting it as a bzImage", kernel);
		return kernel;
	}
	if (mkdir_p(dir) < 0) {
		wlvm_note("cannot create %s (%s); booting %s as a bzImage", dir,
		     strerror(errno), kernel);
		return kernel;
	}
	wlvm_note("unpacking %s for PVH boot into %s", kernel, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "tail -c +%ld '%s' | xz -dc --single-stream > '%s' 2>/dev/null",
		 off + 1, kernel, tmp);
	if (system(cmd) != 0 || !file_has_magic(tmp, 0, elf, 4) ||
	    rename(tmp, out) < 0) {
		unlink(tmp);
		wlvm_note("could not unpack %s; booting it as a bzImage", kernel);
		return kernel;
	}
	return out;
}

/* Where accel=auto goes, and why; KVM only when it really works here. */
static const char *
detect_accel(char *why, size_t len)
{
	const char *cpuinfo = getenv("WLVM_CPUINFO");
	const char *kvm_dev = getenv("WLVM_KVM_DEVICE");
	char line[4096];
	bool virt = false;
	FILE *f;
	int fd, version;

	f = fopen(cpuinfo ? cpuinfo : "/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " vmx") || strstr(line, " svm"))
			virt = true;
		break;
	}
	if (f)
		fclose(f);
	if (!virt) {
		snprintf(why, len, "no vmx/svm flag in /proc/cpuinfo");
		return "tcg";
	}
	fd = open(kvm_dev ? kvm_dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return "tcg";
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (version != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm does not answer as KVM");
		return "tcg";
	}
	snprintf(why, len, "vmx/svm present and /dev/kvm works");
	return "kvm";
}

static void
add_socket(struct options *o, const char *spec)
{
	const char *eq = strchr(spec, '=');
	struct socket_arg *s;
	const char *path = spec;
	struct stat st;
	size_t name_len = 0, i;

	if (o->n_sockets >= MAX_SOCKETS)
		wlvm_die("too many --wayland-sock (max %d)", MAX_SOCKETS);
	s = &o->sockets[o->n_sockets];
	if (eq && spec[0] != '/' && spec[0] != '.') {
		name_len = (size_t)(eq - spec);
		path = eq + 1;
		if (name_len == 0 || name_len > 32)
			wlvm_die("--wayland-sock %s: NAME must be 1-32 characters", spec);
		for (i = 0; i < name_len; i++)
			if (!isalnum((unsigned char)spec[i]) && !strchr("._-", spec[i]))
				wlvm_die("--wayland-sock %s: NAME may hold only A-Z a-z 0-9 . _ -",
				    spec);
		memcpy(s->name, spec, name_len);
		s->name[name_len] = '\0';
		if (!strcmp(s->name, "virtwl-memfd"))
			wlvm_die("--wayland-sock: the name virtwl-memfd is reserved");
	}
	if (!path[0])
		wlvm_die("--wayland-sock %s: empty path", spec);
	if (stat(path, &st) < 0)
		wlvm_die("--wayland-sock %s: %s: %s", spec, path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		wlvm_die("--wayland-sock %s: %s is not a socket", spec, path);
	if (!realpath(path, s->path))
		wlvm_die("--wayland-sock %s: %s", spec, strerror(errno));
	if (strlen(s->path) >= 108)
		wlvm_die("--wayland-sock %s: path longer than 107 bytes", spec);
	if (name_len && strchr(s->path, ';'))
		wlvm_die("--wayland-sock %s: a named socket's path may not contain ';'", spec);
	for (i = 0; i < (size_t)o->n_sockets; i++)
		if (!strcmp(o->sockets[i].name, s->name))
			wlvm_die(name_len ? "--wayland-sock: name %s given twice" :
				       "--wayland-sock: more than one unnamed socket%s", s->name);
	if (!name_len)
		o->have_unnamed = true;
	o->n_sockets++;
}

static void
default_socket(struct options *o)
{
	const char *display = getenv("WAYLAND_DISPLAY");
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	char path[PATH_MAX];
	struct stat st;

	if (o->have_unnamed)
		return;
	if (!display || !display[0])
		display = "wayland-0";
	if (display[0] == '/')
		snprintf(path, sizeof(path), "%s", display);
	else if (runtime && runtime[0])
		snprintf(path, sizeof(path), "%s/%s", runtime, display);
	else {
		wlvm_note("XDG_RUNTIME_DIR is not set: the guest gets no unnamed compositor socket");
		return;
	}
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		wlvm_note("no compositor socket at %s: the guest gets no unnamed socket", path);
		return;
	}
	add_socket(o, path);
}

/* A size such as 512M or 2G, in bytes (QEMU's binary suffixes). */
static uint64_t
parse_size(const char *what, const char *v)
{
	static const char units[] = "kmgt";
	unsigned long long n;
	const char *u;
	char *end;
	int shift;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || n == 0 || errno ||
	    (*end && (!(u = strchr(units, tolower((unsigned char)*end))) || end[1])))
		wlvm_die("%s %s: expected a size such as 512M or 2G", what, v);
	shift = *end ? 10 * (int)(u - units + 1) : 0;
	if (n > (~0ull >> shift))
		wlvm_die("%s %s: too large", what, v);
	return n << shift;
}

static unsigned long
parse_count(const char *what, const char *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || n == 0 || *end || errno || n > 1048576)
		wlvm_die("%s %s: expected a positive number", what, v);
	return n;
}

/* Every vfd may cost QEMU two fds: let it have all the kernel allows. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static bool
in_groups(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups), i;

	if (gid == getegid())
		return true;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The permission bits (r 4, w 2, x 1) of @st that apply to us, capless. */
static bool
bits_allow(const struct stat *st, unsigned int bits)
{
	if (st->st_uid == geteuid())
		return (st->st_mode >> 6) & bits;
	if (in_groups(st->st_gid))
		return (st->st_mode >> 3) & bits;
	return st->st_mode & bits;
}

/*
 * Whether QEMU, which keeps none of root's capabilities in the sandbox,
 * may use @path (@bits of r 4, w 2): root's override of file permissions
 * does not count.  ACLs are not read; a file only an ACL opens is refused.
 */
static bool
reachable_without_caps(const char *path, unsigned int bits)
{
	char buf[PATH_MAX];
	struct stat st;
	char *slash;

	if (geteuid() != 0)
		return access(path, bits == 2 ? W_OK : bits == 4 ? R_OK : R_OK | W_OK) == 0;
	if (!realpath(path, buf))
		return false;
	for (slash = strchr(buf + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (stat(buf, &st) < 0 || !bits_allow(&st, 1)) {
			*slash = '/';
			return false;
		}
		*slash = '/';
	}
	return stat(buf, &st) == 0 && bits_allow(&st, bits);
}

static void
check_reachable(const char *what, const char *path, unsigned int bits)
{
	struct stat st;

	if (reachable_without_caps(path, bits))
		return;
	stat(path, &st);
	wlvm_die("%s %s: QEMU runs without root's privileges and could not %s it "
		 "(owner uid %u, mode %04o, or a directory on the way is closed to it); "
		 "run wlvm as its owner, open it to root, or pass --no-sandbox", what, path,
		 bits & 2 ? "write to" : "read", (unsigned int)st.st_uid,
		 (unsigned int)(st.st_mode & 07777));
}

static char *
absolute(const char *what, const char *path)
{
	char *abs = realpath(path, NULL);

	if (!abs)
		wlvm_die("%s %s: %s", what, path, strerror(errno));
	return abs;
}

static void
check_file(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		wlvm_die("%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		wlvm_die("%s %s: not a regular file", what, path);
	if (access(path, R_OK) < 0)
		wlvm_die("%s %s: %s", what, path, strerror(errno));
}

/* Appends @s to @buf, doubling commas as QEMU's option syntax wants. */
static void
put_escaped(char *buf, size_t len, const char *s)
{
	size_t at = strlen(buf);

	for (; *s && at + 2 < len; s++) {
		buf[at++] = *s;
		if (*s == ',')
			buf[at++] = ',';
	}
	buf[at] = '\0';
}

static char *
base64(const unsigned char *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
	size_t i;

	if (!out)
		wlvm_die("out of memory");
	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*p++ = tab[(v >> 18) & 63];
		*p++ = tab[(v >> 12) & 63];
		*p++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* 'arg' 'with '\''quote'\''' ... : what the guest's sh evaluates. */
static char *
shell_command(char **argv, int argc)
{
	size_t len = 1;
	char *out, *p;
	int i;

	for (i = 0; i < argc; i++)
		len += 3 + 4 * strlen(argv[i]);
	out = p = malloc(len);
	if (!out)
		wlvm_die("out of memory");
	for (i = 0; i < argc; i++) {
		const char *s;

		if (i)
			*p++ = ' ';
		*p++ = '\'';
		for (s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}

static const char *
find_qemu(const struct options *o)
{
	static char path[PATH_MAX];
	char script[PATH_MAX], cmd[PATH_MAX + 32];
	const char *env = getenv("VIRTWL_QEMU");
	FILE *p;

	if (o->qemu || (env && env[0])) {
		const char *q = o->qemu ? o->qemu : env;

		if (access(q, X_OK) < 0)
			wlvm_die("QEMU %s: %s", q, strerror(errno));
		return q;
	}
	snprintf(path, sizeof(path), "%s/qemu/bin-%s/qemu-system-x86_64",
		 cache_dir(), WLVM_QEMU_HASH);
	if (access(path, X_OK) == 0)
		return path;
	/* make install's (or the virtwl-host package's) */
	if (access(WLVM_QEMU_INSTALLED, X_OK) == 0)
		return WLVM_QEMU_INSTALLED;
	if (o->dry_run)
		return path;
	snprintf(script, sizeof(script), "%s/host/qemu/build-qemu.sh", WLVM_SRCDIR);
	if (access(script, X_OK) < 0)
		wlvm_die("no QEMU with virtio-wl-pci at %s; build it with host/qemu/build-qemu.sh "
		    "from the virtwl source tree, or pass --qemu", path);
	wlvm_note("building QEMU with virtio-wl-pci (once; about 3 minutes)");
	snprintf(cmd, sizeof(cmd), "'%s'", script);
	p = popen(cmd, "r");
	if (!p || !fgets(path, sizeof(path), p) || pclose(p) != 0)
		wlvm_die("building QEMU failed; run %s to see why", script);
	path[strcspn(path, "\n")] = '\0';
	return path;
}

/* The virtio-wl-pci device and its properties. */
static void
device_arg(const struct options *o, uint64_t max_mem, bool sandboxed, int connector,
	   struct argv *args)
{
	char device[8192];
	int i;

	snprintf(device, sizeof(device), "virtio-wl-pci");
	for (i = 0; i < o->n_sockets; i++) {
		if (o->sockets[i].name[0])
			continue;
		strcat(device, ",sock=");
		put_escaped(device, sizeof(device), o->sockets[i].path);
	}
	if (o->n_sockets > (o->have_unnamed ? 1 : 0)) {
		bool first = true;

		strcat(device, ",named-socks=");
		for (i = 0; i < o->n_sockets; i++) {
			char entry[PATH_MAX + 40];

			if (!o->sockets[i].name[0])
				continue;
			snprintf(entry, sizeof(entry), "%s%s=%s", first ? "" : ";",
				 o->sockets[i].name, o->sockets[i].path);
			put_escaped(device, sizeof(device), entry);
			first = false;
		}
	}
	if (o->memfd)
		strcat(device, ",memfd-server=on");
	if (o->no_shmem)
		strcat(device, ",use-shmem=off");
	if (o->max_vfds) {
		strcat(device, ",max-vfds=");
		put_escaped(device, sizeof(device), o->max_vfds);
	}
	if (o->max_contexts) {
		strcat(device, ",max-contexts=");
		put_escaped(device, sizeof(device), o->max_contexts);
	}
	snprintf(device + strlen(device), sizeof(device) - strlen(device),
		 ",max-mem=%llu", (unsigned long long)max_mem);
	/* The sandbox's tmpfs of max-mem bytes holds every allocation. */
	if (sandboxed)
		strcat(device, ",alloc-dir=" SANDBOX_ALLOC_DIR);
	/* QEMU asks wlvm for its connections (run.c serves them). */
	if (connector >= 0)
		snprintf(device + strlen(device), sizeof(device) - strlen(device),
			 ",connector=%d", connector);
	argv_add(args, "-device");
	argv_add(args, device);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },
		{ "disk-writable", no_argument, NULL, 'D' },
		{ "mem", required_argument, NULL, 'm' },
		{ "wayland-sock", required_argument, NULL, 'w' },
		{ "wl-memfd", no_argument, NULL, 'M' },
		{ "no-shmem", no_argument, NULL, 'S' },
		{ "max-vfds", required_argument, NULL, 'V' },
		{ "max-contexts", required_argument, NULL, 'C' },
		{ "max-mem", required_argument, NULL, 'X' },
		{ "accel", required_argument, NULL, 'a' },
		{ "append", required_argument, NULL, 'A' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "no-sandbox", no_argument, NULL, 'N' },
		{ "raw-console", no_argument, NULL, 'R' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "name", required_argument, NULL, 'E' },
		{ "net", required_argument, NULL, 'T' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "home", required_argument, NULL, 'H' },
		{ "home-size", required_argument, NULL, 'Z' },
		{ "guest-ip", required_argument, NULL, 'G' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .mem = "512M", .accel = "auto" };
	char cmdline[KERNEL_CMDLINE_MAX * 2], why[256];
	const char *accel, *kernel, *qemu;
	struct argv args = { 0 }, full = { 0 };
	struct run_options run = { .info_fd = -1, .keep_fds = { -1, -1, -1, -1 } };
	struct net_options net;
	struct argv boxed = { 0 };
	struct connector_socket sockets[MAX_SOCKETS];
	int connector[2] = { -1, -1 };
	struct sandbox sb;
	uint64_t max_mem = DEFAULT_MAX_MEM;
	char image_kver[256] = "", kernel_kver[256] = "", kernel_path[PATH_MAX];
	int c, i, info[2] = { -1, -1 }, tap_fd;
	uint64_t home_size;

	while ((c = getopt_long(argc, argv, "+k:i:d:m:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'i': o.initrd = optarg; break;
		case 'd': o.disk = optarg; break;
		case 'D': o.disk_writable = true; break;
		case 'm': o.mem = optarg; break;
		case 'w': add_socket(&o, optarg); break;
		case 'M': o.memfd = true; break;
		case 'S': o.no_shmem = true; break;
		case 'V': o.max_vfds = optarg; break;
		case 'C': o.max_contexts = optarg; break;
		case 'X': o.max_mem = optarg; break;
		case 'a': o.accel = optarg; break;
		case 'A': o.append = optarg; break;
		case 'q': o.qemu = optarg; break;
		case 'N': o.no_sandbox = true; break;
		case 'R': o.raw_console = true; break;
		case 'P': o.pid_file = optarg; break;
		case 'E': o.name = optarg; break;
		case 'T': o.net = optarg; break;
		case 'c': o.cpus = optarg; break;
		case 'H': o.home = optarg; break;
		case 'Z': o.home_size = optarg; break;
		case 'G': o.guest_ip = optarg; break;
		case 'n': o.dry_run = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("wlvm %s\n", VIRTWL_VERSION); return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	o.guest_argv = argv + optind;
	o.guest_argc = argc - optind;

	net_parse(&net, o.net, o.guest_ip);
	parse_size("--mem", o.mem);
	if (o.home_size && !o.home)
		wlvm_die("--home-size needs --home");
	home_size = parse_size("--home-size", o.home_size ? o.home_size : "1G");
	if (home_size < (16u << 20))
		wlvm_die("--home-size %s: at least 16M", o.home_size);
	if (o.cpus && parse_count("--cpus", o.cpus) > 64)
		wlvm_die("--cpus %s: at most 64", o.cpus);
	if (o.max_mem)
		max_mem = parse_size("--max-mem", o.max_mem);
	if (o.max_vfds)
		parse_count("--max-vfds", o.max_vfds);
	if (o.max_contexts)
		parse_count("--max-contexts", o.max_contexts);
	if (o.name) {
		size_t k, len = strlen(o.name);

		if (len == 0 || len > 32)
			wlvm_die("--name %s: 1-32 characters", o.name);
		for (k = 0; k < len; k++)
			if (!isalnum((unsigned char)o.name[k]) && !strchr("._-", o.name[k]))
				wlvm_die("--name %s: only A-Z a-z 0-9 . _ -", o.name);
	}
	if (o.initrd)
		check_file("initrd", o.initrd);
	if (o.initrd)
		initrd_release(o.initrd, image_kver, sizeof(image_kver));
	if (!o.kernel && image_kver[0]) {
		/* The kernel the image's modules are for, not the newest. */
		snprintf(kernel_path, sizeof(kernel_path), "/boot/vmlinuz-%s", image_kver);
		if (access(kernel_path, F_OK) < 0)
			wlvm_die("the initramfs %s has modules for kernel %s, which is not "
				 "installed (%s); install linux-image-%s or pass -k", o.initrd,
				 image_kver, kernel_path, image_kver);
		o.kernel = kernel_path;
	}
	if (!o.kernel) {
		o.kernel = default_kernel();
		if (!o.kernel)
			wlvm_die("no kernel given and none in /boot (install linux-image-amd64, or pass -k)");
	}
	check_file("kernel", o.kernel);
	bzimage_release(o.kernel, kernel_kver, sizeof(kernel_kver));
	if (image_kver[0] && kernel_kver[0] && strcmp(image_kver, kernel_kver))
		wlvm_die("kernel %s is %s, but the initramfs %s has modules for %s: none of "
			 "them would load; boot /boot/vmlinuz-%s (leave out -k) or rebuild the "
			 "image for %s", o.kernel, kernel_kver, o.initrd, image_kver, image_kver,
			 kernel_kver);
	if (o.disk)
		check_file("disk", o.disk);
	default_socket(&o);

	if (!strcmp(o.accel, "auto")) {
		accel = detect_accel(why, sizeof(why));
		wlvm_note("accel: %s (%s)", accel, why);
	} else if (!strcmp(o.accel, "kvm")) {
		accel = detect_accel(why, sizeof(why));
		if (strcmp(accel, "kvm"))
			wlvm_die("--accel kvm: KVM is not usable here: %s", why);
	} else if (!strcmp(o.accel, "tcg")) {
		accel = "tcg";
	} else {
		wlvm_die("--accel %s: expected auto, kvm or tcg", o.accel);
	}

	/* The sandbox binds files at their paths: give QEMU absolute ones. */
	kernel = pvh_kernel(o.kernel, o.dry_run);
	if (!o.dry_run || access(kernel, F_OK) == 0)
		kernel = absolute("kernel", kernel);
	if (o.initrd)
		o.initrd = absolute("initrd", o.initrd);
	if (o.disk)
		o.disk = absolute("disk", o.disk);
	if (o.home) {
		home_prepare(o.home, home_size, o.dry_run);
		if (!o.dry_run)
			o.home = absolute("home", o.home);
	}
	qemu = find_qemu(&o);
	if (!o.dry_run || access(qemu, F_OK) == 0)
		qemu = absolute("QEMU", qemu);

	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1%s%s%s%s",
		 o.name ? " wlvm.name=" : "", o.name ? o.name : "",
		 o.append ? " " : "", o.append ? o.append : "");
	if (o.guest_argc > 0) {
		char *sh = shell_command(o.guest_argv, o.guest_argc);
		char *b64 = base64((unsigned char *)sh, strlen(sh));

		if (strlen(cmdline) + strlen(b64) + 11 >= sizeof(cmdline))
			wlvm_die("guest command too long for the kernel command line");
		strcat(cmdline, " wlvm.cmd=");
		strcat(cmdline, b64);
		free(sh);
		free(b64);
	}
	net_cmdline(&net, cmdline, sizeof(cmdline));
	if (o.home && strlen(cmdline) + 16 < sizeof(cmdline))
		strcat(cmdline, " virtwl.home=1");
	if (strlen(cmdline) >= KERNEL_CMDLINE_MAX)
		wlvm_die("kernel command line is %zu bytes; the kernel takes %d",
			 strlen(cmdline), KERNEL_CMDLINE_MAX - 1);

	argv_add(&args, qemu);
	/* Our build finds no firmware next to itself (Debian's tree skips it). */
	argv_add(&args, "-L");
	argv_add(&args, "/usr/share/seabios");
	argv_add(&args, "-L");
	argv_add(&args, "/usr/share/qemu");
	if (o.name) {
		argv_add(&args, "-name");
		argv_add(&args, o.name);
	}
	argv_add(&args, "-nodefaults");
	argv_add(&args, "-no-user-config");
	argv_add(&args, "-display");
	argv_add(&args, "none");
	argv_add(&args, "-serial");
	argv_add(&args, "stdio");
	argv_add(&args, "-no-reboot");
	if (!o.no_sandbox) {
		argv_add(&args, "-sandbox");
		argv_add(&args, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
			 "resourcecontrol=deny");
	}
	argv_add(&args, "-accel");
	argv_add(&args, accel);
	if (!strcmp(accel, "kvm")) {
		argv_add(&args, "-cpu");
		argv_add(&args, "host");
	}
	argv_add(&args, "-m");
	argv_add(&args, o.mem);
	if (o.cpus) {
		/* Under TCG each vCPU is a host thread (MTTCG, QEMU's default for x86). */
		argv_add(&args, "-smp");
		argv_add(&args, o.cpus);
	}
	argv_add(&args, "-kernel");
	argv_add(&args, kernel);
	if (o.initrd) {
		argv_add(&args, "-initrd");
		argv_add(&args, o.initrd);
	}
	argv_add(&args, "-append");
	argv_add(&args, cmdline);
	argv_add(&args, "-device");
	argv_add(&args, "virtio-rng-pci");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, connector) < 0)
		wlvm_die("socketpair: %s", strerror(errno));
	device_arg(&o, max_mem, !o.no_sandbox, connector[1], &args);
	/*
	 * mktuntap puts the TAP device on a number no fd the child keeps has:
	 * held here by /dev/null (close-on-exec) until mktuntap replaces it.
	 */
	tap_fd = -1;
	if (net.mode == NET_TAP) {
		tap_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (tap_fd < 0)
			wlvm_die("/dev/null: %s", strerror(errno));
	}
	net_qemu_args(&net, tap_fd, &args);
	if (o.disk) {
		char disk_opt[PATH_MAX * 2 + 64];

		snprintf(disk_opt, sizeof(disk_opt), "file=");
		put_escaped(disk_opt, sizeof(disk_opt), o.disk);
		strcat(disk_opt, ",if=none,id=disk0,format=raw");
		if (!o.disk_writable)
			strcat(disk_opt, ",readonly=on");
		argv_add(&args, "-drive");
		argv_add(&args, disk_opt);
		argv_add(&args, "-device");
		argv_add(&args, "virtio-blk-pci,drive=disk0");
	}
	if (o.home) {
		char home_opt[PATH_MAX * 2 + 64];

		snprintf(home_opt, sizeof(home_opt), "file=");
		put_escaped(home_opt, sizeof(home_opt), o.home);
		strcat(home_opt, ",if=none,id=home,format=raw");
		argv_add(&args, "-drive");
		argv_add(&args, home_opt);
		argv_add(&args, "-device");
		argv_add(&args, "virtio-blk-pci,drive=home,serial=virtwl-home");
	}

	if (o.no_sandbox) {
		boxed = args;
	} else {
		if (!o.dry_run || access(kernel, F_OK) == 0)
			check_reachable("kernel", kernel, 4);
		if (o.initrd)
			check_reachable("initrd", o.initrd, 4);
		if (o.disk)
			check_reachable("disk", o.disk, o.disk_writable ? 6 : 4);
		if (o.home && !o.dry_run)
			check_reachable("home", o.home, 6);
		sandbox_init(&sb);
		argv_add(&sb.ro_files, qemu);
		argv_add(&sb.ro_files, kernel);
		if (o.initrd)
			argv_add(&sb.ro_files, o.initrd);
		if (o.disk)
			argv_add(o.disk_writable ? &sb.rw_files : &sb.ro_files, o.disk);
		if (o.home)
			argv_add(&sb.rw_files, o.home);
		sb.kvm = !strcmp(accel, "kvm");
		sb.share_net = net.mode == NET_USER;
		sb.alloc_bytes = max_mem;
		if (!o.dry_run) {
			if (pipe2(info, O_CLOEXEC) < 0)
				wlvm_die("pipe: %s", strerror(errno));
			sb.info_fd = info[1];
		}
		sandbox_wrap(&sb, &args, &boxed);
		run.info_fd = info[0];
		run.keep_fds[0] = sb.seccomp_fd;
		run.keep_fds[1] = info[1];
		run.keep_fds[2] = connector[1];
	}

	net_wrap(&net, tap_fd, &boxed, &full);
	if (o.dry_run) {
		for (i = 0; i < full.n; i++)
			printf("%s%s", i ? " " : "", full.v[i]);
		printf("\n");
		return 0;
	}
	raise_fd_limit();
	if (o.no_sandbox)
		run.keep_fds[0] = connector[1];
	for (i = 0; i < o.n_sockets; i++)
		sockets[i] = (struct connector_socket){ o.sockets[i].name, o.sockets[i].path };
	run.sockets = sockets;
	run.n_sockets = o.n_sockets;
	run.connector_fd = connector[0];
	run.raw_console = o.raw_console;
	run.pid_file = o.pid_file;
	return run_qemu(&full, &run);
}
