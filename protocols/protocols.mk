# SPDX-License-Identifier: MIT
#
# The protocols wlnest forwards to guests (NEST_XML) and those only test
# programs use (TEST_XML).  wayland-scanner turns each into
# $(BUILD)/gen/<name>-protocol.c, <name>-client-protocol.h and
# <name>-server-protocol.h; gen-tables.py turns NEST_XML into the
# forwarding table $(BUILD)/gen/nest-tables.c.

WL_DATADIR := $(shell $(PKG_CONFIG) --variable=pkgdatadir wayland-scanner 2>/dev/null)
WP_DATADIR := $(shell $(PKG_CONFIG) --variable=pkgdatadir wayland-protocols 2>/dev/null)

# Any XML here whose messages carry no fds is forwarded without new code.
NEST_XML := $(WL_DATADIR)/wayland.xml $(addprefix $(WP_DATADIR)/, \
	stable/xdg-shell/xdg-shell.xml \
	stable/viewporter/viewporter.xml \
	stable/presentation-time/presentation-time.xml \
	unstable/primary-selection/primary-selection-unstable-v1.xml \
	unstable/xdg-decoration/xdg-decoration-unstable-v1.xml \
	unstable/xdg-output/xdg-output-unstable-v1.xml \
	staging/fractional-scale/fractional-scale-v1.xml \
	unstable/relative-pointer/relative-pointer-unstable-v1.xml \
	unstable/pointer-constraints/pointer-constraints-unstable-v1.xml \
	unstable/pointer-gestures/pointer-gestures-unstable-v1.xml \
	unstable/text-input/text-input-unstable-v3.xml \
	unstable/idle-inhibit/idle-inhibit-unstable-v1.xml \
	unstable/keyboard-shortcuts-inhibit/keyboard-shortcuts-inhibit-unstable-v1.xml \
	unstable/tablet/tablet-unstable-v2.xml \
	unstable/input-timestamps/input-timestamps-unstable-v1.xml \
	staging/xdg-activation/xdg-activation-v1.xml \
	staging/single-pixel-buffer/single-pixel-buffer-v1.xml \
	staging/content-type/content-type-v1.xml \
	unstable/linux-dmabuf/linux-dmabuf-unstable-v1.xml)

# Used by wlnest itself (not forwarded) and by test programs.
TEST_XML := $(addprefix $(WP_DATADIR)/, \
	staging/xwayland-shell/xwayland-shell-v1.xml)

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

$(BUILD)/gen/nest-tables.c: protocols/gen-tables.py $(NEST_XML)
	@mkdir -p $(@D)
	$(PYTHON) protocols/gen-tables.py -o $@ $(NEST_XML)

# Generated C lives under $(BUILD)/gen; compile it like any source.
$(BUILD)/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
$(BUILD)/san/obj/$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<
