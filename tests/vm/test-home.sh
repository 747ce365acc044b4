#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlvm --home: the first boot makes the home image (ext4 from /etc/skel,
# the size asked for, sparse) and the guest's init mounts it on the
# session user's home (/home/user, owned by that user); a file written
# there is there after a reboot, while the root image stays read-only
# (what is written elsewhere is gone).
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

avm_require "the guest's persistent home"
if ! command -v mke2fs >/dev/null && [ ! -x /usr/sbin/mke2fs ]; then
	tap_skip "the guest's persistent home" "mke2fs is not installed (e2fsprogs)"
	tap_done
	exit 0
fi

home=$T/home.img
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
if avm_boot --accel tcg --append quiet --home "$home" --home-size 64M; then
	if [ -f "$home" ] && [ "$(stat -c %s "$home")" -eq $((64 << 20)) ] &&
		[ "$(($(stat -c %b "$home") * $(stat -c %B "$home")))" -lt $((32 << 20)) ] &&
		grep -q 'made the home image' "$AVM_LOG"; then
		tap_ok "the first boot makes the home image: 64 MiB, sparse"
	else
		tap_fail "the first boot makes the home image: 64 MiB, sparse"
		ls -ls "$home" 2>&1 | sed 's/^/# /'
	fi
	if g 'echo "HOME=$HOME"; grep " /home/user ext4 " /proc/mounts && ls -a /home/user && stat -c "%u %U" /home/user /home/user/.profile' &&
		echo "$AVM_OUT" | grep -qx 'HOME=/home/user' &&
		echo "$AVM_OUT" | grep -q '^/dev/vd[a-z] /home/user ext4 ' &&
		echo "$AVM_OUT" | grep -qx '.profile' &&
		[ "$(echo "$AVM_OUT" | grep -cx '1000 user')" -eq 2 ]; then
		tap_ok "the guest mounts it on the user's \$HOME, with /etc/skel's files, owned by the user"
	else
		tap_fail "the guest mounts it on the user's \$HOME, with /etc/skel's files, owned by the user"
		printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
	fi
	g "echo $token >~/kept && mkdir -p ~/.config/app && echo set >~/.config/app/rc && echo $token >/var/tmp/not-kept && sync"
else
	tap_fail "the guest boots with --home"
fi
avm_poweroff
if avm_boot --accel tcg --append quiet --home "$home"; then
	if g 'cat ~/kept ~/.config/app/rc' &&
		[ "$(echo "$AVM_OUT" | tr '\n' ' ')" = "$token set " ]; then
		tap_ok "after a reboot the files written in the home are there"
	else
		tap_fail "after a reboot the files written in the home are there (got: $AVM_OUT)"
	fi
	if ! g 'test -e /var/tmp/not-kept'; then
		tap_ok "what was written outside the home is gone (the root stays read-only)"
	else
		tap_fail "what was written outside the home is gone"
	fi
else
	tap_fail "the guest boots again with the same home"
fi
avm_poweroff
if [ "$AVM_STATUS" -eq 0 ] && e2fsck -fn "$home" >"$LOGDIR/e2fsck.log" 2>&1; then
	tap_ok "powered off, the home's file system is clean (e2fsck)"
else
	tap_fail "powered off, the home's file system is clean (e2fsck; wlvm status $AVM_STATUS)"
	tail -n 5 "$LOGDIR/e2fsck.log" | sed 's/^/# /'
fi
tap_done
