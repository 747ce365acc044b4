# SPDX-License-Identifier: MIT
#
# The protocols wlnest forwards to guests (NEST_XML) and those only test
# programs use (TEST_XML).  wayland-scanner turns each into
# $(BUILD)/gen/<name>-protocol.c, <name>-client-protocol.h and
# <name>-server-protocol.h; gen-tables.py turns NEST_XML into the
# forwarding table $(BUILD)/gen/nest-tables.c.

WL_DATADIR := $(shell $(PKG_CONFIG) --variable=pkgdatadir wayland-scanner 2>/dev/null)
WP_DATADIR := $(shell $(PKG_CONFIG) --variable=pkgdatadir wayland-protocols 2>/dev/null)

# Every protocol of Debian's wayland-protocols package is forwarded, and
# from plasma-wayland-protocols KDE's server-side decorations and text-input
# v2, and GNOME's gtk_shell1 (protocols/gtk-shell.xml, GTK's file kept
# verbatim: no Debian package installs it): the forwarder needs no code per
# protocol (fds are passed on; the few
# that need more have hooks: linux-dmabuf).  Left out, as powers over the
# host session a guest must not have, or as the host's own business:
#   ext-session-lock      a guest would lock (or unlock) the host's screen
#   drm-lease             leases of the host's display hardware (DRM fds)
#   xwayland-shell        for the host compositor's own Xwayland only
#   fullscreen-shell      a kiosk shell protocol for the host's session
#   input-method v1       the host's input method process's protocol
#   xdg-shell unstable v5 superseded and never implemented by hosts
PLASMA_DATADIR := /usr/share/plasma-wayland-protocols
NEST_XML_LEFT_OUT := \
	staging/ext-session-lock/ext-session-lock-v1.xml \
	staging/drm-lease/drm-lease-v1.xml \
	staging/xwayland-shell/xwayland-shell-v1.xml \
	unstable/fullscreen-shell/fullscreen-shell-unstable-v1.xml \
	unstable/input-method/input-method-unstable-v1.xml \
	unstable/xdg-shell/xdg-shell-unstable-v5.xml
NEST_XML := $(WL_DATADIR)/wayland.xml \
	$(filter-out $(addprefix $(WP_DATADIR)/,$(NEST_XML_LEFT_OUT)), \
		$(sort $(wildcard $(WP_DATADIR)/stable/*/*.xml $(WP_DATADIR)/staging/*/*.xml \
			$(WP_DATADIR)/unstable/*/*.xml))) \
	$(addprefix $(PLASMA_DATADIR)/,server-decoration.xml text-input-unstable-v2.xml) \
	protocols/gtk-shell.xml

# Used by wlnest itself (not forwarded) and by test programs; weston's
# private screenshot protocol (protocols/weston-screenshooter.xml, weston's
# file kept verbatim: no Debian package installs it) by the test tool
# wshot only.
TEST_XML := $(addprefix $(WP_DATADIR)/, \
	staging/xwayland-shell/xwayland-shell-v1.xml) \
	protocols/weston-screenshooter.xml

xml_name = $(basename $(notdir $(1)))

define protocol_rules
$(BUILD)/gen/$(call xml_name,$(1))-protocol.c: $(1)
	@mkdir -p $$(@D)
	$$(WAYLAND_SCANNER) private-code $$< $$@
$(BUILD)/gen/$(call xml_name,$(1))-client-protocol.h: $(1)
	@mkdir -p $$(@D)
	$$(WAYLAND_SCANNER) client-header $$< $$@
$(BUILD)/gen/$(call xml_name,$(1))-server-protocol.h: $(1)
	@mkdir -p $$(@D)
	$$(WAYLAND_SCANNER) server-header $$< $$@
endef
$(foreach x,$(NEST_XML) $(TEST_XML),$(eval $(call protocol_rules,$(x))))

NEST_PROTOCOL_C := $(foreach x,$(NEST_XML),$(BUILD)/gen/$(call xml_name,$(x))-protocol.c)
PROTOCOL_HEADERS := $(foreach x,$(NEST_XML) $(TEST_XML),$(BUILD)/gen/$(call xml_name,$(x))-client-protocol.h $(BUILD)/gen/$(call xml_name,$(x))-server-protocol.h)

$(BUILD)/gen/nest-tables.c: protocols/gen-tables.py protocols/protocols.mk $(NEST_XML)
	@mkdir -p $(@D)
	$(PYTHON) protocols/gen-tables.py -o $@ $(NEST_XML)

# Generated C lives under $(BUILD)/gen; compile it like any source.
$(BUILD)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
$(BUILD)/san/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
