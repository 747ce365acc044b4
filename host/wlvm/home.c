// SPDX-License-Identifier: MIT
/*
 * wlvm --home FILE: a persistent home for the guest.  FILE is a raw ext4
 * image, made on first use (--home-size, default 1G, sparse) by mke2fs
 * from /etc/skel, attached writable as a virtio disk with the serial
 * "virtwl-home"; the guest's init mounts it on the user's home.  The root
 * image stays read-only and may be shared between VMs; QEMU's image lock
 * keeps two VMs from using one home at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wlvm.h"

static const char *
find_mke2fs(void)
{
	static const char *const paths[] = { "/usr/sbin/mke2fs", "/sbin/mke2fs" };
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* 0 when mke2fs made an ext4 file system in @path from @skel. */
static int
run_mke2fs(const char *mke2fs, const char *path, const char *skel)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		if (skel)
			execl(mke2fs, "mke2fs", "-q", "-F", "-t", "ext4", "-L", "virtwl-home",
			      "-d", skel, path, (char *)NULL);
		else
			execl(mke2fs, "mke2fs", "-q", "-F", "-t", "ext4", "-L", "virtwl-home",
			      path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

bool
home_prepare(const char *path, uint64_t size, bool dry_run)
{
	struct stat st;
	const char *mke2fs, *skel = "/etc/skel";
	int fd;

	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
			wlvm_die("--home %s: not a regular file", path);
		if (access(path, R_OK | W_OK) < 0)
			wlvm_die("--home %s: %s", path, strerror(errno));
		return false;
	}
	if (errno != ENOENT)
		wlvm_die("--home %s: %s", path, strerror(errno));
	if (dry_run)
		return true;
	mke2fs = find_mke2fs();
	if (!mke2fs)
		wlvm_die("--home %s: making it needs mke2fs (apt-get install e2fsprogs)", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		wlvm_die("--home %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;

		close(fd);
		unlink(path);
		wlvm_die("--home %s: %s", path, strerror(e));
	}
	close(fd);
	if (access(skel, R_OK | X_OK) < 0)
		skel = NULL;
	if (run_mke2fs(mke2fs, path, skel) < 0) {
		unlink(path);
		wlvm_die("--home %s: mke2fs failed (run mke2fs -t ext4 on a file to see why)", path);
	}
	wlvm_note("made the home image %s (%llu MiB, ext4%s)", path,
		  (unsigned long long)(size >> 20), skel ? ", from /etc/skel" : "");
	return true;
}
