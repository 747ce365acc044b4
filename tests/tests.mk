# SPDX-License-Identifier: MIT
# Test programs and the lists make check runs.  Unit tests run twice:
# plain and under ASan+UBSan.

CHECK_PROGRAMS :=

define unit_test
$(eval $(call c_program,$(1),$(2),cmocka $(3),$(4)))
TESTS_unit += $(BUILD)/$(1) $(BUILD)/san/$(1)
endef

$(eval $(call unit_test,tests/unit/test-uapi,tests/unit/test-uapi.c))

include tests/vm/vm.mk

.PHONY: check-programs
check-programs: $(ALL_PROGRAMS) $(CHECK_PROGRAMS)
