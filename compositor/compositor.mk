# SPDX-License-Identifier: MIT
# wlnest, the nested compositor.

WLNEST_SRCS := $(wildcard compositor/*.c xwayland/*.c) $(NEST_PROTOCOL_C) \
	$(BUILD)/gen/nest-tables.c
WLNEST_PKGS := wayland-server wayland-client pixman-1 xcb xcb-composite libsystemd \
	xcb-xfixes xcb-shape libdecor-0
# where libdecor 0.1.x looks for its plugins (xwm-decor.c checks first)
LIBDECOR_PLUGIN_DIR := $(shell $(PKG_CONFIG) --variable=libdir libdecor-0 \
	2>/dev/null)/libdecor/plugins-1

$(eval $(call c_program,wlnest,$(WLNEST_SRCS),$(WLNEST_PKGS),-lm))
$(wlnest_OBJS) $(wlnest_SAN_OBJS): $(PROTOCOL_HEADERS)
$(wlnest_OBJS) $(wlnest_SAN_OBJS): PKG_CFLAGS += -Icompositor -Ixwayland
$(BUILD)/obj/xwayland/xwm-decor.o $(BUILD)/san/obj/xwayland/xwm-decor.o: \
	PKG_CFLAGS += -DXWM_LIBDECOR_PLUGIN_DIR='"$(LIBDECOR_PLUGIN_DIR)"'
INSTALL_BIN += $(BUILD)/wlnest
