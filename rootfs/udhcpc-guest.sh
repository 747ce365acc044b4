#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /usr/lib/virtwl/udhcpc: busybox udhcpc's script in the guest (init
# runs udhcpc -s with it for virtwl.net=dhcp): sets the address, the
# default route and the resolver from the lease.
case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "${router:-}" ]; then
		ip route replace default via "${router%% *}" dev "$interface"
	fi
	: >/etc/resolv.conf
	for d in ${dns:-}; do
		echo "nameserver $d" >>/etc/resolv.conf
	done
	echo "virtwl: network: $interface $ip/${mask:-24}${router:+ via ${router%% *}}"
	;;
esac
exit 0
