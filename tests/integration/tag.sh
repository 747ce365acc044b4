#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Per-VM window identity on sway, which reports every window's title and
# app_id (swaymsg -t get_tree): wlnest --tag "[vm1] " --app-id-prefix
# "vm1." puts them in front of a Wayland client's title and app_id, of an
# X client's (xterm -T, -class), and a toplevel that sets no title shows
# the tag alone; without the options nothing changes.
set -u
. "$VIRTWL_TOP/tests/lib.sh"
. "$VIRTWL_TOP/tests/host/lib.sh"
host_init
nest_require

for tool in swaymsg xterm; do
	if ! command -v $tool >/dev/null; then
		tap_skip "tag" "$tool is not installed"
		tap_done
		exit 0
	fi
done

# has_window TITLE APP_ID: sway shows such a window
has_window() {
	swaymsg_host -t get_tree -r >"$T/tree.json" 2>/dev/null &&
		/usr/bin/python3 - "$T/tree.json" "$1" "$2" <<'PY'
import json, sys
def walk(n):
    yield n
    for k in ("nodes", "floating_nodes"):
        for c in n.get(k, []):
            yield from walk(c)
tree = json.load(open(sys.argv[1]))
want = (sys.argv[2], sys.argv[3])
for n in walk(tree):
    if n.get("type") in ("con", "floating_con") and n.get("pid"):
        cls = (n.get("window_properties") or {}).get("class")
        if (n.get("name"), n.get("app_id") or cls) == want:
            sys.exit(0)
sys.exit(1)
PY
}

if ! host_start sway; then
	fail_logs "sway: host compositor starts"
	tap_done
	exit 1
fi
if ! nest_start -X -v --tag "[vm1] " --app-id-prefix "vm1."; then
	fail_logs "wlnest --tag starts"
	host_stop
	tap_done
	exit 1
fi
XDISPLAY=$(nest_x_display)

spawn solid guest_run "$TOOLS/solid" --title "mail" --app-id "org.example.Mail"
if wait_until 10 has_window "[vm1] mail" "vm1.org.example.Mail"; then
	tap_ok "a Wayland toplevel: title and app_id carry the tag and the prefix"
else
	fail_logs "a Wayland toplevel: title and app_id carry the tag and the prefix" "$T/tree.json"
fi
stop_pid "$SPAWNED_PID"

spawn untitled guest_run "$TOOLS/solid" --app-id "untitled" --title ""
if wait_until 10 has_window "[vm1] " "vm1.untitled"; then
	tap_ok "a toplevel that sets no title shows the tag"
else
	fail_logs "a toplevel that sets no title shows the tag" "$T/tree.json"
fi

if [ -n "$XDISPLAY" ]; then
	spawn xterm env -u WAYLAND_DISPLAY DISPLAY="$XDISPLAY" xterm -T "notes" -class "Notes"
	# X11 app ids are WM_CLASS's class; sway shows Wayland app_ids.
	if wait_until 20 has_window "[vm1] notes" "vm1.Notes"; then
		tap_ok "an X11 toplevel: title and app_id carry the tag and the prefix"
	else
		fail_logs "an X11 toplevel: title and app_id carry the tag and the prefix" \
			"$T/tree.json"
	fi
else
	fail_logs "wlnest -X reports its X11 display"
fi
nest_stop
nest_start
spawn plain guest_run "$TOOLS/solid" --title "mail" --app-id "org.example.Mail"
if wait_until 10 has_window "mail" "org.example.Mail"; then
	tap_ok "without --tag, titles and app ids pass unchanged"
else
	fail_logs "without --tag, titles and app ids pass unchanged" "$T/tree.json"
fi
host_stop
tap_done
