#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The guest's network, off unless asked (wlvm --net), booting the test
# image three times under TCG:
#   - without --net the guest has no interface but lo (this boot has two
#     vCPUs, wlvm --cpus 2, and the guest sees both);
#   - --net user: the guest gets its address by DHCP from QEMU's user-mode
#     network and fetches a file from an HTTP server on the host's
#     loopback (10.0.2.2 in the guest), byte-exact;
#   - --net tap: in a network namespace of its own, wlvm has mktuntap make
#     the TAP device for QEMU; with --guest-ip the guest fetches the file
#     from a server on the host's end of the device, and once the VM is
#     off the device is gone.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
. "$VIRTWL_TOP/tests/vm/apps-lib.sh"
host_init

avm_require "the guest's network"
if ! "$AVM_WLVM" --help | grep -q -- '--net'; then
	tap_fail "wlvm has --net"
	tap_done
	exit 1
fi

# An HTTP server for one directory, on ADDR: the port it took in $PORT.
mkdir "$T/www"
head -c 200000 /dev/urandom >"$T/www/blob"
sum=$(sha256sum <"$T/www/blob" | cut -d' ' -f1)
serve() {
	# $1: address, $2...: a prefix to run it with (ip netns exec NS)
	_addr=$1
	shift
	rm -f "$T/port"
	"$@" python3 -c '
import http.server, socketserver, sys, os
os.chdir(sys.argv[2])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = socketserver.TCPServer((sys.argv[1], 0), Quiet)
open(sys.argv[3], "w").write(str(s.server_address[1]))
s.serve_forever()' "$_addr" "$T/www" "$T/port.tmp" >"$LOGDIR/http.log" 2>&1 &
	SERVER_PID=$!
	_track $SERVER_PID
	wait_until 10 test -s "$T/port.tmp" && PORT=$(cat "$T/port.tmp") && rm -f "$T/port.tmp"
}

# fetch URL: the guest downloads it; 0 when the bytes are the file's
fetch() {
	g "rm -f /tmp/blob; wget -q -O /tmp/blob '$1' && sha256sum /tmp/blob" &&
		[ "$(echo "$AVM_OUT" | tail -n 1 | cut -d' ' -f1)" = "$sum" ]
}

# ---- no --net (and an SMP guest) ----
if avm_boot --accel tcg --append quiet --cpus 2; then
	g 'ls /sys/class/net'
	if [ "$(echo "$AVM_OUT" | tr -d ' \n')" = lo ]; then
		tap_ok "without --net the guest has no interface but lo"
	else
		tap_fail "without --net the guest has no interface but lo (has: $AVM_OUT)"
	fi
	g 'grep -c ^processor /proc/cpuinfo'
	if [ "$AVM_OUT" = 2 ]; then
		tap_ok "wlvm --cpus 2: the guest has 2 CPUs"
	else
		tap_fail "wlvm --cpus 2: the guest has 2 CPUs (has: $AVM_OUT)"
	fi
else
	tap_fail "without --net the guest boots"
fi
avm_poweroff

# ---- --net user ----
serve 127.0.0.1
if avm_boot --accel tcg --append quiet --net user; then
	if _avm_has '^virtwl: network: eth0 10\.0\.2\.15/24 via 10\.0\.2\.2'; then
		tap_ok "--net user: the guest's eth0 has its address by DHCP (10.0.2.15, via 10.0.2.2)"
	else
		tap_fail "--net user: the guest's eth0 has its address by DHCP"
		log_excerpt "$AVM_LOG" 15
	fi
	if fetch "http://10.0.2.2:$PORT/blob"; then
		tap_ok "--net user: the guest fetches 200 kB from an HTTP server on the host, byte-exact"
	else
		tap_fail "--net user: the guest fetches 200 kB from an HTTP server on the host"
		printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
	fi
else
	tap_fail "--net user: the guest boots"
fi
avm_poweroff
stop_pid "$SERVER_PID"

# ---- --net tap, in a namespace of its own ----
ns=virtwl-test-$$
if ! ip netns add "$ns" 2>"$T/ns.err"; then
	tap_skip "--net tap" "cannot make a network namespace: $(cat "$T/ns.err")"
	tap_done
	exit 0
fi
cat >"$T/wlvm-ns" <<EOF
#!/bin/sh
exec ip netns exec $ns "$AVM_WLVM" "\$@"
EOF
chmod +x "$T/wlvm-ns"
AVM_WLVM=$T/wlvm-ns
if avm_boot --accel tcg --append quiet --net tap=vwtap0 --guest-ip 10.0.3.2/24,10.0.3.1; then
	if ip netns exec "$ns" ip -o link show vwtap0 | grep -q '<.*UP' &&
		ip netns exec "$ns" ip addr add 10.0.3.1/24 dev vwtap0; then
		tap_ok "--net tap=vwtap0: the device is there and up while the VM runs"
	else
		tap_fail "--net tap=vwtap0: the device is there and up while the VM runs"
		ip netns exec "$ns" ip -o link | sed 's/^/# /'
	fi
	serve 10.0.3.1 ip netns exec "$ns"
	if _avm_has '^virtwl: network: eth0 10\.0\.3\.2/24 via 10\.0\.3\.1' &&
		fetch "http://10.0.3.1:$PORT/blob"; then
		tap_ok "--net tap: with --guest-ip the guest fetches 200 kB from the host's end, byte-exact"
	else
		tap_fail "--net tap: with --guest-ip the guest fetches 200 kB from the host's end"
		printf '%s\n' "$AVM_OUT" | sed 's/^/#   /'
		log_excerpt "$AVM_LOG" 10
	fi
	qpid=$(avm_qemu_pid)
	if [ -n "$qpid" ] && grep -q '^CapEff:[[:space:]]*0*$' "/proc/$qpid/status"; then
		tap_ok "--net tap: QEMU runs without capabilities"
	else
		tap_fail "--net tap: QEMU runs without capabilities"
		grep Cap "/proc/$qpid/status" 2>/dev/null | sed 's/^/# /'
	fi
	avm_poweroff
	stop_pid "$SERVER_PID"
	if [ "$AVM_STATUS" -eq 0 ] && ! ip netns exec "$ns" ip link show vwtap0 >/dev/null 2>&1; then
		tap_ok "--net tap: the VM off, wlvm exits 0 and the device is gone"
	else
		tap_fail "--net tap: the VM off, wlvm exits 0 and the device is gone (status $AVM_STATUS)"
	fi
else
	tap_fail "--net tap: the guest boots"
	avm_poweroff
fi
ip netns del "$ns"
tap_done
