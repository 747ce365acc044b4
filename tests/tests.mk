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

include tests/vm/vm.mk

.PHONY: check-programs
check-programs: $(ALL_PROGRAMS) $(CHECK_PROGRAMS)
