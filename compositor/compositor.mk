# SPDX-License-Identifier: MIT
# wlnest, the nested compositor.

WLNEST_SRCS := $(wildcard compositor/*.c xwayland/*.c) $(NEST_PROTOCOL_C) \
	$(BUILD)/gen/nest-tables.c
WLNEST_PKGS := wayland-server wayland-client pixman-1 xcb xcb-composite libsystemd \
	xcb-xfixes

$(eval $(call c_program,wlnest,$(WLNEST_SRCS),$(WLNEST_PKGS),-lm))
$(wlnest_OBJS) $(wlnest_SAN_OBJS): $(PROTOCOL_HEADERS)
$(wlnest_OBJS) $(wlnest_SAN_OBJS): PKG_CFLAGS += -Icompositor -Ixwayland
INSTALL_BIN += $(BUILD)/wlnest
