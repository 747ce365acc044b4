# SPDX-License-Identifier: MIT
# The host side: the virtio-wl device model (host/wl/), its QEMU adapter
# (host/qemu/, built into QEMU by host/qemu/build-qemu.sh, not here) and
# wlvm.

WL_MODEL_SRCS := host/wl/wl_dev.c host/wl/wl_config.c host/wl/wl_recv.c \
	host/wl/wl_send.c host/wl/wl_socket.c host/wl/wl_vfd.c host/wl/wl_window.c \
	host/wl/wl_vring.c

# wlvm finds the QEMU built from exactly these sources by their hash.
WLVM_QEMU_HASH := $(shell host/qemu/build-qemu.sh --hash 2>/dev/null)
WLVM_CONFIG := $(BUILD)/gen/wlvm_config.h
WLVM_CONFIG_TEXT := \#define WLVM_QEMU_HASH "$(WLVM_QEMU_HASH)"\n\#define WLVM_SRCDIR "$(CURDIR)"\n\#define WLVM_QEMU_INSTALLED "$(PREFIX)/lib/virtwl/qemu-system-x86_64"
# Rewritten only when it changes, so wlvm is relinked only then.
$(shell mkdir -p $(BUILD)/gen; printf '$(WLVM_CONFIG_TEXT)\n' > $(WLVM_CONFIG).tmp; \
	cmp -s $(WLVM_CONFIG).tmp $(WLVM_CONFIG) && rm -f $(WLVM_CONFIG).tmp || \
	mv $(WLVM_CONFIG).tmp $(WLVM_CONFIG))

WLVM_SRCS := host/wlvm/wlvm.c host/wlvm/argv.c host/wlvm/console.c \
	host/wlvm/run.c host/wlvm/sandbox.c host/wlvm/net.c host/wlvm/home.c host/wl/wl_socket.c
$(eval $(call c_program,wlvm,$(WLVM_SRCS),libseccomp))
$(wlvm_OBJS) $(wlvm_SAN_OBJS): PKG_CFLAGS += -Ihost/wl
INSTALL_BIN += $(BUILD)/wlvm

# mktuntap: a TAP device handed to the program it runs as an open fd.
$(eval $(call c_program,mktuntap,host/mktuntap/mktuntap.c,))
INSTALL_BIN += $(BUILD)/mktuntap
TESTS_unit += tests/unit/test-mktuntap.sh

.PHONY: qemu
qemu:
	host/qemu/build-qemu.sh

# Tests of the device model (a fake VMM over split rings in fake memory).
# host.mk is read before tests/tests.mk, so this spells out unit_test.
WL_TEST_SRCS := tests/unit/test-wl-dev.c tests/unit/wl_test_env.c tests/unit/wl_fake_vmm.c \
	$(WL_MODEL_SRCS)
$(eval $(call c_program,tests/unit/test-wl-dev,$(WL_TEST_SRCS),cmocka))
TESTS_unit += $(BUILD)/tests/unit/test-wl-dev $(BUILD)/san/tests/unit/test-wl-dev
WL_LIMITS_SRCS := tests/unit/test-wl-limits.c tests/unit/wl_test_env.c \
	tests/unit/wl_fake_vmm.c $(WL_MODEL_SRCS)
$(eval $(call c_program,tests/unit/test-wl-limits,$(WL_LIMITS_SRCS),cmocka))
TESTS_unit += $(BUILD)/tests/unit/test-wl-limits $(BUILD)/san/tests/unit/test-wl-limits

# The libFuzzer harness (clang only; ASan+UBSan+fuzzer instrumentation).
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
	-Wno-unused-parameter -Idriver/include/uapi -DFAKE_MEM_SIZE="(1u << 20)" -DFAKE_STATIC_MEM \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wl,--wrap=malloc,--wrap=calloc
WL_FUZZ_SRCS := tests/fuzz/fuzz-wl-dev.c tests/unit/wl_fake_vmm.c $(WL_MODEL_SRCS)
$(BUILD)/tests/fuzz/fuzz-wl-dev: $(WL_FUZZ_SRCS) $(wildcard host/wl/*.h tests/unit/wl_fake_vmm.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(WL_FUZZ_SRCS)
ALL_PROGRAMS += $(BUILD)/tests/fuzz/fuzz-wl-dev
TESTS_fuzz += tests/fuzz/run-fuzz-wl-dev.sh
TESTS_unit += tests/unit/test-wlvm.sh tests/unit/test-wlvm-sandbox.sh
$(eval $(call c_program,tests/unit/test-console,tests/unit/test-console.c \
	host/wlvm/console.c,cmocka))
TESTS_unit += $(BUILD)/tests/unit/test-console $(BUILD)/san/tests/unit/test-console
