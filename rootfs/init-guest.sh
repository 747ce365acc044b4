#!/bin/sh
# SPDX-License-Identifier: MIT
#
# /usr/lib/virtwl/init: the guest's init once the root image is mounted
# (rootfs/init-initramfs.sh switches to it).  Starts wlnest over /dev/wl0
# (with X11 through Xwayland on :0), runs the command wlvm passed
# (wlvm.cmd=BASE64 on the kernel command line) with WAYLAND_DISPLAY and
# DISPLAY set, and powers off when it ends.  Kernel command line:
#   virtwl.keep=1       a shell on the serial console after the command
#                       (without a command there always is one); the VM
#                       powers off when it exits
#   virtwl.socket=NAME  the host socket wlnest asks for (a name given to
#                       wlvm --wayland-sock NAME=PATH); default the unnamed
#   virtwl.x11=0        no X11 (wlnest without -X)
#   wlvm.name=NAME      the VM's name (wlvm --name): windows show "[NAME] "
#                       before their titles and "NAME." before app ids
#   virtwl.home=1       (wlvm --home) mount the disk with the serial
#                       virtwl-home (ext4) on $HOME
#   virtwl.net=dhcp     (wlvm --net) eth0 configured by DHCP, or
#   virtwl.net=ADDR/PREFIX[,GATEWAY]   with that address (--guest-ip)
# wlnest, Xwayland and the command run as the session's user (uid 1000,
# HOME /home/user, XDG_RUNTIME_DIR /run/user/1000), never as root, with
# no capabilities and no_new_privs; root is left to init and the shell on
# the serial console.
# Lines for scripts watching the console start with "virtwl:".
export PATH=/usr/local/bin:/usr/bin:/usr/sbin
user_id=1000
export HOME=/home/user LANG=C.UTF-8 XDG_RUNTIME_DIR=/run/user/$user_id
export WAYLAND_DISPLAY=wayland-0 TERM=linux USER=user LOGNAME=user
# toolkits take Wayland first (Qt 5 would pick X11), X11 if they must
export XDG_SESSION_TYPE=wayland QT_QPA_PLATFORM='wayland;xcb'
exec </dev/console >/dev/console 2>&1

mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm "$XDG_RUNTIME_DIR" /tmp/.X11-unix "$HOME"
chown $user_id:$user_id "$XDG_RUNTIME_DIR" "$HOME"
chmod 700 "$XDG_RUNTIME_DIR"
chmod 1777 /tmp/.X11-unix
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# the display device belongs to the session, as a seat's devices do
if [ -e /dev/wl0 ]; then
	chown $user_id:$user_id /dev/wl0
	chmod 600 /dev/wl0
fi

# as_user PROGRAM ARGS...: runs it as the session's user, without any
# capability and unable to regain one (util-linux's setpriv, by its
# path: busybox's shell would run its own, smaller applet)
as_user() {
	/usr/bin/setpriv --reuid=$user_id --regid=$user_id --init-groups \
		--inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"
}
hostname -F /etc/hostname
ip link set lo up 2>/dev/null

cmd=
keep=0
x11=1
socket=
name=
net=
home=0
for a in $(cat /proc/cmdline); do
	case $a in
	wlvm.cmd=*) cmd=$(echo "${a#wlvm.cmd=}" | base64 -d) ;;
	virtwl.keep=1) keep=1 ;;
	virtwl.x11=0) x11=0 ;;
	virtwl.socket=*) socket=${a#*=} ;;
	wlvm.name=*) name=${a#*=} ;;
	virtwl.net=*) net=${a#*=} ;;
	virtwl.home=1) home=1 ;;
	esac
done

# The persistent home wlvm --home attached: the disk whose serial says so.
if [ "$home" = 1 ]; then
	dev=
	for s in /sys/block/vd*/serial; do
		[ "$(cat "$s" 2>/dev/null)" = virtwl-home ] && dev=/dev/$(basename "$(dirname "$s")")
	done
	if [ -z "$dev" ]; then
		echo "virtwl: home: no disk with the serial virtwl-home"
	elif mount -t ext4 -o nosuid,nodev "$dev" "$HOME"; then
		# made on the host from /etc/skel, owned by root: the user's
		# from its first boot on
		if [ "$(stat -c %u "$HOME")" != $user_id ]; then
			chown -R $user_id:$user_id "$HOME"
		fi
		echo "virtwl: home: $dev on $HOME"
	else
		echo "virtwl: home: cannot mount $dev on $HOME"
	fi
fi

# The network wlvm --net gave (none without it): eth0, by DHCP or as told.
if [ -n "$net" ]; then
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -e /sys/class/net/eth0 ]; then
		echo "virtwl: network: no eth0 (virtio_net not loaded?)"
	elif [ "$net" = dhcp ]; then
		ip link set eth0 up
		udhcpc -i eth0 -s /usr/lib/virtwl/udhcpc -q -n -t 5 -T 1 >/run/udhcpc.log 2>&1 ||
			echo "virtwl: network: no DHCP lease on eth0"
		grep '^virtwl:' /run/udhcpc.log
	else
		addr=${net%%,*}
		gw=
		case $net in *,*) gw=${net#*,} ;; esac
		ip link set eth0 up
		ip addr add "$addr" dev eth0
		[ -n "$gw" ] && ip route add default via "$gw" dev eth0
		echo "virtwl: network: eth0 $addr${gw:+ via $gw}"
	fi
fi

up() { cut -d' ' -f1 /proc/uptime; }

set -- --virtwl --socket "$WAYLAND_DISPLAY"
[ -n "$socket" ] && set -- "$@" --virtwl-socket "$socket"
[ -n "$name" ] && set -- "$@" --tag "[$name] " --app-id-prefix "$name."
if [ $x11 = 1 ]; then
	set -- "$@" --x-display 0
	export DISPLAY=:0
fi
if [ ! -e /dev/wl0 ]; then
	echo "virtwl: no /dev/wl0 (virtio_wl not loaded, or no virtio-wl-pci device)"
fi
: >/run/wlnest.log
as_user wlnest "$@" >>/run/wlnest.log 2>&1 &
wlnest_pid=$!
i=0
while [ ! -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] && kill -0 $wlnest_pid 2>/dev/null &&
	[ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ]; then
	echo "virtwl: ready at $(up) s: wlnest pid $wlnest_pid on $WAYLAND_DISPLAY${DISPLAY:+, X11 on $DISPLAY}"
else
	echo "virtwl: wlnest did not start; its log:"
	sed 's/^/virtwl: wlnest: /' /run/wlnest.log
fi

shell() {
	echo "virtwl: shell on the serial console (WAYLAND_DISPLAY=$WAYLAND_DISPLAY${DISPLAY:+ DISPLAY=$DISPLAY}); exit powers off"
	setsid cttyhack sh -l
}

if [ -n "$cmd" ]; then
	as_user sh -c "$cmd"
	echo "virtwl: command exited with status $? at $(up) s"
	[ $keep = 1 ] && shell
else
	shell
fi

if kill -0 $wlnest_pid 2>/dev/null; then
	kill $wlnest_pid
	wait $wlnest_pid
	st=$?
else
	wait $wlnest_pid
	st=$?
fi
# 143: the SIGTERM above, when wlnest does not catch it
case $st in
0 | 143) ;;
*)
	echo "virtwl: wlnest exited with status $st; its log ends:"
	tail -n 20 /run/wlnest.log | sed 's/^/virtwl: wlnest: /'
	;;
esac
# A clean file system for the next boot.
[ "$home" = 1 ] && sync && umount "$HOME" 2>/dev/null
echo "virtwl: powering off at $(up) s"
# busybox's: an image of Debian packages may have systemd's poweroff,
# which needs systemd as init
busybox poweroff -f
