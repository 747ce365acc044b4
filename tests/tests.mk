# SPDX-License-Identifier: MIT
# Test programs and the lists make check runs.  Unit tests run twice:
# plain and under ASan+UBSan.

CHECK_PROGRAMS :=

define unit_test
$(eval $(call c_program,$(1),$(2),cmocka $(3),$(4)))
TESTS_unit += $(BUILD)/$(1) $(BUILD)/san/$(1)
endef

$(eval $(call unit_test,tests/unit/test-uapi,tests/unit/test-uapi.c))
$(eval $(call unit_test,tests/unit/test-damage,tests/unit/test-damage.c \
	compositor/damage.c compositor/formats.c,pixman-1,-lm))
$(eval $(call unit_test,tests/unit/test-tables,tests/unit/test-tables.c \
	compositor/tables.c $(NEST_PROTOCOL_C) $(BUILD)/gen/nest-tables.c,wayland-client wayland-server))
$(tests/unit/test-tables_OBJS) $(tests/unit/test-tables_SAN_OBJS): $(PROTOCOL_HEADERS)

$(eval $(call unit_test,tests/unit/test-xwm-props,tests/unit/test-xwm-props.c \
	xwayland/xwm-props.c))
$(BUILD)/obj/tests/unit/test-xwm-props.o $(BUILD)/san/obj/tests/unit/test-xwm-props.o: \
	PKG_CFLAGS += -Ixwayland

$(foreach t,test-damage test-tables,$(BUILD)/obj/tests/unit/$(t).o \
	$(BUILD)/san/obj/tests/unit/$(t).o): PKG_CFLAGS += -Icompositor

# licence lines of the whole tree
TESTS_unit += tests/unit/test-spdx.sh tests/unit/test-man.sh

include tests/vm/vm.mk

.PHONY: check-programs
check-programs: $(ALL_PROGRAMS) $(CHECK_PROGRAMS)

# ---- host test infrastructure, test clients, tools, integration, bench ----
# Test clients see the generated protocol headers; their objects wait for
# them.  They are built plain only (the wlnest under test is what runs
# sanitized), so they do not go through c_program.
TEST_CLIENT_CFLAGS := $(BASE_CFLAGS) $(OPT_CFLAGS) -Itests/clients

# $(call test_tool,NAME,SOURCES,PKGS,EXTRA_LIBS) builds $(BUILD)/tests/NAME.
define test_tool
$(BUILD)/tests/$(1): $(2) $$(filter %.h,$$(wildcard tests/clients/*.h)) | $$(PROTOCOL_HEADERS)
	@mkdir -p $$(@D)
	$$(CC) $$(TEST_CLIENT_CFLAGS) $$(call pkgcflags,$(3)) $$(CFLAGS) $$(LDFLAGS) \
		-Wno-missing-prototypes -o $$@ $(2) $$(call pkglibs,$(3)) $(4)
CHECK_PROGRAMS += $(BUILD)/tests/$(1)
endef

proto_c = $(BUILD)/gen/$(1)-protocol.c

$(eval $(call test_tool,pixcheck,tests/tools/pixcheck.c,libpng))
$(eval $(call test_tool,wshot,tests/tools/wshot.c \
	$(call proto_c,weston-screenshooter),wayland-client))
$(eval $(call test_tool,solid,tests/clients/solid.c $(call proto_c,xdg-shell) \
	$(call proto_c,viewporter),wayland-client))

# The weston seat module is pinned to weston 10: it declares libweston's
# private prototypes itself, and those changed in later releases.
$(BUILD)/tests/weston-inject.so: tests/host/weston-inject.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) -fPIC -shared \
		$(call pkgcflags,libweston-10 wayland-server) $(CFLAGS) $(LDFLAGS) \
		-o $@ $< $(call pkglibs,libweston-10 wayland-server)
CHECK_PROGRAMS += $(BUILD)/tests/weston-inject.so
$(eval $(call test_tool,vinput,tests/host/vinput.c,wayland-client xkbcommon))
$(eval $(call test_tool,clip,tests/clients/clip.c $(call proto_c,xdg-shell) \
	$(call proto_c,primary-selection-unstable-v1),wayland-client))
$(eval $(call test_tool,dnd,tests/clients/dnd.c $(call proto_c,xdg-shell),wayland-client))
$(eval $(call test_tool,rogue,tests/clients/rogue.c $(call proto_c,xdg-shell),wayland-client))
$(eval $(call test_tool,churn,tests/clients/churn.c $(call proto_c,xdg-shell),wayland-client))
$(eval $(call test_tool,xwin,tests/clients/xwin.c,xcb xcb-shape))
$(eval $(call test_tool,regwatch,tests/clients/regwatch.c,wayland-client))
$(eval $(call test_tool,sandbox-probe,tests/host/sandbox-probe.c,))

# Integration tests: wlnest in front of headless weston and sway.  Each runs
# twice: against the plain wlnest and (san:) against the ASan+UBSan one;
# the packages' test builds its own programs and the --debs image test
# boots nothing: they run once.
INTEGRATION_ONCE := tests/integration/packages.sh tests/integration/rootfs-debs.sh
INTEGRATION_SCRIPTS := $(filter-out $(INTEGRATION_ONCE),$(sort $(wildcard tests/integration/*.sh)))
TESTS_integration += $(foreach t,$(INTEGRATION_SCRIPTS),$(t) san:$(t)) $(INTEGRATION_ONCE)

# Benchmarks (make bench): tests/bench/run.sh runs every BENCHES entry.
$(eval $(call test_tool,nullhost,tests/bench/nullhost.c $(call proto_c,xdg-shell) \
	$(call proto_c,gtk-shell),wayland-server))
$(eval $(call test_tool,framebench,tests/bench/framebench.c $(call proto_c,xdg-shell),wayland-client))
$(BUILD)/tests/framebench: compositor/cachelines.h
$(eval $(call test_tool,byterelay,tests/bench/byterelay.c,))
BENCHES += tests/bench/frames.sh tests/bench/x11.sh tests/bench/desktops.sh

# Prerequisites are expanded where a rule is read, and check-programs is
# declared above the test tools: list them again here (keep this last).
check-programs: $(CHECK_PROGRAMS)
