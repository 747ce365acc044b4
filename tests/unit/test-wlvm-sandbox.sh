#!/bin/sh
# SPDX-License-Identifier: MIT
#
# wlvm's confinement of QEMU and its hold on the console, with stand-ins
# for QEMU (--qemu): no VM boots.
#   - sandbox-probe, run exactly as QEMU would be, tries what a compromised
#     QEMU would: the operator's home, session bus, ssh-agent, an abstract
#     socket, a compositor socket nobody named, network sockets, inherited
#     fds, ptrace, TIOCSTI, mount; and checks what it needs still works;
#   - guest output with escape sequences reaches the terminal filtered
#     (raw with --raw-console);
#   - SIGTERM ends a QEMU that ignores it within a second (SIGKILL), and
#     one that heeds it at once.
. "$VIRTWL_TOP/tests/lib.sh"

wlvm=$VIRTWL_BUILD/wlvm
probe=$VIRTWL_BUILD/tests/sandbox-probe
tmp=$(mktemp -d)
helper=
cleanup() {
	[ -n "$helper" ] && kill "$helper" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$wlvm" ] || [ ! -x "$probe" ]; then
	tap_fail "wlvm and sandbox-probe are built (make check-programs)"
	tap_done
	exit 1
fi
kernel=$tmp/kernel
printf 'not a bzImage' >"$kernel"
export WLVM_CPUINFO=/dev/null	# accel: tcg, whatever the machine

# The operator's session: home, runtime dir with compositor sockets and
# the bus, ssh-agent in /tmp, an abstract socket.
mkdir -p "$tmp/home" "$tmp/run" "$tmp/ssh"
echo secret >"$tmp/home/secret"
abstract="virtwl-probe-$$"
/usr/bin/python3 - "$tmp" "$abstract" <<'PY' &
import socket, sys, os, time
d, abstract = sys.argv[1], sys.argv[2]
keep = []
for p in ("run/wayland-named", "run/wayland-other", "run/bus", "ssh/agent"):
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(d, p))
    s.listen(16)
    keep.append(s)
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + abstract)
s.listen(16)
keep.append(s)
open(os.path.join(d, "ready"), "w").close()
time.sleep(600)
PY
helper=$!
i=0
while [ ! -e "$tmp/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

bwrap_ok=1
if ! command -v bwrap >/dev/null; then
	bwrap_ok=0
	why="bwrap is not installed"
elif ! bwrap --unshare-all --ro-bind / / /bin/true 2>/dev/null; then
	bwrap_ok=0
	why="bwrap cannot make namespaces here"
fi

if [ $bwrap_ok -eq 1 ]; then
	# WAYLAND_DISPLAY names no socket: only the one named below is given.
	out=$(HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run WAYLAND_DISPLAY=wayland-none \
		SSH_AUTH_SOCK=$tmp/ssh/agent DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/run/bus \
		"$wlvm" --qemu "$probe" -k "$kernel" --max-mem 64M \
		--wayland-sock "named=$tmp/run/wayland-named" \
		--append "probe.home=$tmp/home/secret probe.bus=$tmp/run/bus probe.agent=$tmp/ssh/agent probe.abstract=$abstract probe.unnamed=$tmp/run/wayland-other probe.named=$tmp/run/wayland-named probe.alloc=67108864" \
		7<"$tmp/home/secret" 2>&1)
	status=$?
	# Every check the probe has must have reported.
	for check in reads_its_kernel named_socket_not_visible \
		connector_reaches_the_named_socket connector_refuses_other_names cannot_read_home \
		empty_environment no_session_bus no_ssh_agent no_abstract_socket \
		no_unnamed_compositor no_inet_socket no_inet6_socket \
		no_netlink_socket no_packet_socket only_stdio_fds own_pid_namespace \
		no_capabilities no_new_privs no_ptrace no_tiocsti no_mount \
		usr_read_only alloc_tmpfs_size; do
		line=$(printf '%s\n' "$out" | grep "^PROBE [a-z]* $check\b")
		case $line in
		"PROBE ok $check") tap_ok "sandbox: $check" ;;
		"") tap_fail "sandbox: $check (no report)" ;;
		*) tap_fail "sandbox: ${line#PROBE fail }" ;;
		esac
	done
	if [ "$status" -eq 0 ]; then
		tap_ok "sandbox: wlvm ends with the stand-in's status"
	else
		tap_fail "sandbox: wlvm status $status"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -n 20
	fi
	# --net user: IP sockets (slirp's), nothing else of the network.
	out=$(HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run WAYLAND_DISPLAY=wayland-none \
		"$wlvm" --qemu "$probe" -k "$kernel" --max-mem 64M --net user \
		--wayland-sock "named=$tmp/run/wayland-named" \
		--append "probe.home=$tmp/home/secret probe.named=$tmp/run/wayland-named" 2>&1)
	bad=""
	for check in user_net_inet_socket no_netlink_socket no_packet_socket \
		cannot_read_home no_capabilities no_new_privs no_mount; do
		printf '%s\n' "$out" | grep -q "^PROBE ok $check\b" || bad="$bad $check"
	done
	if [ -z "$bad" ]; then
		tap_ok "sandbox --net user: IP sockets, but no netlink or packet socket, home, capabilities or mount"
	else
		tap_fail "sandbox --net user: failed:$bad"
		printf '%s\n' "$out" | grep '^PROBE fail' | sed 's/^/# /'
	fi
	# The same probe without the sandbox finds the holes: the test sees them.
	out=$(HOME=$tmp/home "$wlvm" --no-sandbox --qemu "$probe" -k "$kernel" \
		--wayland-sock "named=$tmp/run/wayland-named" \
		--append "probe.home=$tmp/home/secret probe.unnamed=$tmp/run/wayland-other" 2>&1)
	if printf '%s\n' "$out" | grep -q "^PROBE fail cannot_read_home" &&
		printf '%s\n' "$out" | grep -q "^PROBE fail no_unnamed_compositor" &&
		printf '%s\n' "$out" | grep -q "^PROBE fail no_inet_socket"; then
		tap_ok "--no-sandbox: the probe reaches what the sandbox hides"
	else
		tap_fail "--no-sandbox: the probe reaches what the sandbox hides"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -n 30
	fi
else
	tap_skip "sandbox: a stand-in QEMU is confined" "$why"
fi
out=$(WLVM_BWRAP=$tmp/none "$wlvm" --qemu "$probe" -k "$kernel" \
	--wayland-sock "$tmp/run/wayland-named" 2>&1)
if [ $? -eq 2 ] && printf '%s\n' "$out" | grep -q "bwrap not found: install bubblewrap"; then
	tap_ok "no bwrap: a clear error, not an unconfined QEMU"
else
	tap_fail "no bwrap: a clear error (got: $out)"
fi

# The console: a guest that prints escape sequences.
sbx=""
[ $bwrap_ok -eq 1 ] || sbx=--no-sandbox
cat >"$tmp/noisy" <<'SH'
#!/bin/sh
printf 'boot\r\n\033]0;title\007\033]52;c;ZXZpbA==\033\\\033[6n\033[31mred\033[0m\n'
SH
chmod +x "$tmp/noisy"
"$wlvm" $sbx --qemu "$tmp/noisy" -k "$kernel" --wayland-sock "$tmp/run/wayland-named" \
	>"$tmp/console" 2>/dev/null
if [ "$(od -An -c "$tmp/console" | tr -d ' \n')" = "$(printf 'boot\r\n\033[31mred\033[0m\n' | od -An -c | tr -d ' \n')" ]; then
	tap_ok "console: title, clipboard and report sequences are dropped, text and colours kept"
else
	tap_fail "console: filtered output"
	od -c "$tmp/console" | sed 's/^/# /'
fi
"$wlvm" $sbx --raw-console --qemu "$tmp/noisy" -k "$kernel" \
	--wayland-sock "$tmp/run/wayland-named" >"$tmp/console" 2>/dev/null
if grep -q "$(printf '\033')]52;c;ZXZpbA==" "$tmp/console"; then
	tap_ok "console: --raw-console passes the guest's bytes as they are"
else
	tap_fail "console: --raw-console"
fi

# SIGTERM: a QEMU that ignores it is killed a second later.
cat >"$tmp/stubborn" <<'SH'
#!/bin/sh
trap '' TERM INT HUP
echo up
while :; do sleep 1; done
SH
cat >"$tmp/polite" <<'SH'
#!/bin/sh
trap 'echo bye; exit 0' TERM
echo up
while :; do sleep 0.1; done
SH
chmod +x "$tmp/stubborn" "$tmp/polite"
for stub in stubborn polite; do
	"$wlvm" $sbx --qemu "$tmp/$stub" -k "$kernel" --wayland-sock "$tmp/run/wayland-named" \
		--pid-file "$tmp/$stub.pid" >"$tmp/$stub.out" 2>&1 &
	pid=$!
	i=0
	while ! grep -q up "$tmp/$stub.out" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	qpid=$(cat "$tmp/$stub.pid" 2>/dev/null)
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	status=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	tap_diag "$stub: wlvm exited $ms ms after SIGTERM, status $status"
	# Killed is gone once reaped (a zombie's parent may be a moment late).
	gone=0
	i=0
	while [ -n "$qpid" ] && [ $i -lt 20 ]; do
		st=$(cut -d' ' -f3 "/proc/$qpid/stat" 2>/dev/null)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			gone=1
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ $stub = stubborn ]; then
		# 1 s of grace, then SIGKILL; 3 s leaves room for a loaded machine.
		if [ $ms -ge 900 ] && [ $ms -lt 3000 ] && [ $gone -eq 1 ] && [ $status -eq 137 ]; then
			tap_ok "SIGTERM: a QEMU that ignores it is killed after a second"
		else
			tap_fail "SIGTERM: stubborn QEMU ($ms ms, status $status, gone $gone)"
		fi
	else
		if [ $ms -lt 900 ] && [ $gone -eq 1 ] && [ $status -eq 0 ] &&
			grep -q bye "$tmp/$stub.out"; then
			tap_ok "SIGTERM: a QEMU that heeds it ends at once with its own status"
		else
			tap_fail "SIGTERM: polite QEMU ($ms ms, status $status, gone $gone)"
			sed 's/^/# /' "$tmp/$stub.out"
		fi
	fi
done
tap_done
