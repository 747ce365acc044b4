#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mktuntap, plain and with ASan+UBSan, in a network namespace of its own:
# the device it makes is there while the program it runs holds the fd,
# on the fd number asked for, named in $TUNTAP_NAME, up with --up, a TUN
# device with --tun; the program runs without CAP_NET_ADMIN (without any
# capability when a user holding only that one ran mktuntap); the device
# is gone once the program exits; clear errors for bad arguments and
# without CAP_NET_ADMIN.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

if [ ! -c /dev/net/tun ]; then
	tap_skip "mktuntap" "no /dev/net/tun"
	tap_done
	exit 0
fi
if ! unshare -n true 2>/dev/null; then
	tap_skip "mktuntap" "cannot make a network namespace (unshare -n)"
	tap_done
	exit 0
fi

for v in plain san; do
	case $v in
	plain) m=$VIRTWL_BUILD/mktuntap ;;
	san) m=$VIRTWL_BUILD/san/mktuntap ;;
	esac
	if [ ! -x "$m" ]; then
		tap_fail "$v: $m is built"
		continue
	fi

	# ---- arguments ----
	"$m" --help >"$T/out" 2>&1
	if [ $? -eq 0 ] && grep -q -- '--vnet-hdr' "$T/out" && grep -q 'TUNTAP_NAME' "$T/out"; then
		tap_ok "$v: --help shows the options"
	else
		tap_fail "$v: --help shows the options"
	fi
	bad=""
	for args in "" "x -- true" "1 -- true" "3" "-i a/b 3 -- true" \
		"-i 0123456789abcdef 3 -- true" "-i .. 3 -- true" "--bogus 3 -- true"; do
		# shellcheck disable=SC2086 # the words of each case
		"$m" $args >"$T/out" 2>&1
		st=$?
		if [ $st -ne 2 ] || ! grep -q '^mktuntap: \|^usage:' "$T/out"; then
			bad="$bad [$args: status $st]"
		fi
	done
	if [ -z "$bad" ]; then
		tap_ok "$v: bad arguments end with status 2 and say what is wrong"
	else
		tap_fail "$v: bad arguments end with status 2 and say what is wrong:$bad"
	fi

	# ---- a device while the program runs, gone after ----
	unshare -n sh -c "
		'$m' -i vwt0 --up 5 -- sh -c '
			echo name=\$TUNTAP_NAME
			echo fd=\$(readlink /proc/self/fd/5)
			ip -o link show vwt0
			grep ^Cap /proc/self/status
			grep ^NoNewPrivs: /proc/self/status'
		echo status=\$?
		ip -o link show vwt0 >/dev/null 2>&1 && echo after=there || echo after=gone
	" >"$T/run" 2>&1
	if grep -qx 'name=vwt0' "$T/run" && grep -qx 'fd=/dev/net/tun' "$T/run" &&
		grep -q '^[0-9]*: vwt0: <.*UP' "$T/run" && grep -q 'link/ether' "$T/run"; then
		tap_ok "$v: the program runs with the TAP device on fd 5, named in \$TUNTAP_NAME, up"
	else
		tap_fail "$v: the program runs with the TAP device on fd 5, named in \$TUNTAP_NAME, up"
		sed 's/^/# /' "$T/run"
	fi
	# CAP_NET_ADMIN is bit 12: gone from the effective and bounding sets
	eff=$(sed -n 's/^CapEff:[[:space:]]*//p' "$T/run")
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "$T/run")
	if [ -n "$eff" ] && [ -n "$bnd" ] && [ $((0x$eff & 0x1000)) -eq 0 ] && [ $((0x$bnd & 0x1000)) -eq 0 ] &&
		grep -q '^NoNewPrivs:[[:space:]]*1' "$T/run"; then
		tap_ok "$v: run by root, the program has no CAP_NET_ADMIN and cannot get it back"
	else
		tap_fail "$v: run by root, the program has no CAP_NET_ADMIN and cannot get it back"
		grep -E 'Cap|NoNew' "$T/run" | sed 's/^/# /'
	fi
	# An ordinary user with the capability (as setcap on the file gives
	# it): the program holds none at all.
	if setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin \
		--ambient-caps=+net_admin true 2>/dev/null; then
		unshare -n setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=+net_admin --ambient-caps=+net_admin \
			"$m" -i vwt2 3 -- sh -c 'echo name=$TUNTAP_NAME; grep -E "^Cap(Prm|Eff|Inh|Amb):" /proc/self/status' \
			>"$T/user" 2>&1
		if grep -qx 'name=vwt2' "$T/user" &&
			[ "$(grep -c ':[[:space:]]*0000000000000000$' "$T/user")" -eq 4 ]; then
			tap_ok "$v: run by a user holding only CAP_NET_ADMIN, it makes the device and the program holds no capability"
		else
			tap_fail "$v: run by a user holding only CAP_NET_ADMIN, it makes the device and the program holds no capability"
			sed 's/^/# /' "$T/user"
		fi
	else
		tap_skip "$v: run by a user holding only CAP_NET_ADMIN" "setpriv cannot set ambient capabilities here"
	fi
	if grep -qx 'status=0' "$T/run" && grep -qx 'after=gone' "$T/run"; then
		tap_ok "$v: once the program exits the device is gone"
	else
		tap_fail "$v: once the program exits the device is gone"
		sed 's/^/# /' "$T/run"
	fi

	# ---- a device outlives mktuntap's program only with its fd ----
	unshare -n sh -c "
		'$m' 3 -- sh -c 'echo name=\$TUNTAP_NAME; sleep 1 & echo bg=\$!; wait'
		ip -o link show tap0 >/dev/null 2>&1 && echo after=there || echo after=gone
	" >"$T/run2" 2>&1
	if grep -qx 'name=tap0' "$T/run2" && grep -qx 'after=gone' "$T/run2"; then
		tap_ok "$v: without -i the kernel names it tap0; gone with the last holder of the fd"
	else
		tap_fail "$v: without -i the kernel names it tap0; gone with the last holder of the fd"
		sed 's/^/# /' "$T/run2"
	fi

	unshare -n sh -c "
		'$m' --tun -i vwtun 4 -- sh -c 'ip -d -o link show vwtun'
	" >"$T/run3" 2>&1
	if grep -q 'vwtun: <POINTOPOINT' "$T/run3" && grep -q 'tun type tun' "$T/run3"; then
		tap_ok "$v: --tun makes a TUN device"
	else
		tap_fail "$v: --tun makes a TUN device"
		sed 's/^/# /' "$T/run3"
	fi

	# ---- without the privilege ----
	if setpriv --bounding-set=-net_admin --inh-caps=-net_admin true 2>/dev/null; then
		unshare -n setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
			"$m" -i vwt1 3 -- true >"$T/out" 2>&1
		st=$?
		if [ $st -eq 1 ] && grep -q 'CAP_NET_ADMIN' "$T/out" &&
			grep -q 'Operation not permitted' "$T/out"; then
			tap_ok "$v: without CAP_NET_ADMIN it fails with status 1 and says what it needs"
		else
			tap_fail "$v: without CAP_NET_ADMIN it fails with status 1 and says what it needs (status $st)"
			sed 's/^/# /' "$T/out"
		fi
	else
		tap_skip "$v: without CAP_NET_ADMIN" "setpriv cannot drop capabilities here"
	fi
	unshare -n "$m" 3 -- /nonexistent/program >"$T/out" 2>&1
	st=$?
	if [ $st -eq 1 ] && grep -q '/nonexistent/program: No such file' "$T/out"; then
		tap_ok "$v: a program that is not there: status 1 and why"
	else
		tap_fail "$v: a program that is not there: status 1 and why (status $st)"
	fi
done
tap_done
