# SPDX-License-Identifier: MIT
# wlnest, the nested compositor.

WLNEST_SRCS := $(wildcard compositor/*.c) $(NEST_PROTOCOL_C) \
	$(BUILD)/gen/nest-tables.c
WLNEST_PKGS := wayland-server wayland-client pixman-1

$(eval $(call c_program,wlnest,$(WLNEST_SRCS),$(WLNEST_PKGS),-lm))
$(wlnest_OBJS) $(wlnest_SAN_OBJS): $(PROTOCOL_HEADERS)
INSTALL_BIN += $(BUILD)/wlnest
