# SPDX-License-Identifier: MIT
#
# VM tests and benchmarks of the virtio_wl transport: the in-guest test
# program (static, built with the host's compiler), the host test peer,
# the test initramfs (rootfs/mkinitramfs.sh: busybox, Debian's virtio
# modules, virtio_wl.ko, the test program) and the native comparison
# benchmark.

VM_GUEST_TEST := $(BUILD)/vm/wl-guest-test
VM_INITRD := $(BUILD)/vm/wltest-initramfs.cpio.gz

VM_GUEST_LIB := tests/vm/wl-guest-lib.c tests/vm/wl-guest-lib.h tests/vm/wl-test-proto.h \
	driver/include/uapi/linux/virtwl.h
$(VM_GUEST_TEST): tests/vm/wl-guest-test.c $(VM_GUEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(CFLAGS) -static -pthread -o $@ $(filter %.c,$^)

VM_GUEST_LIMITS := $(BUILD)/vm/wl-guest-limits
$(VM_GUEST_LIMITS): tests/vm/wl-guest-limits.c $(VM_GUEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(CFLAGS) -static -pthread -o $@ $(filter %.c,$^)

$(eval $(call c_program,tests/vm/wl-test-peer,tests/vm/wl-test-peer.c))
$(eval $(call c_program,tests/bench/wl-native-bench,tests/bench/wl-native-bench.c))

$(VM_INITRD): $(DRIVER_KO) $(VM_GUEST_TEST) $(VM_GUEST_LIMITS) tests/vm/init.sh \
		rootfs/mkinitramfs.sh
	@mkdir -p $(@D)
	rootfs/mkinitramfs.sh -o $@ -k $(KVER) -m virtio_pci -m $(DRIVER_KO) \
		-f $(VM_GUEST_TEST):/bin/wl-guest-test \
		-f $(VM_GUEST_LIMITS):/bin/wl-guest-limits -i tests/vm/init.sh

CHECK_PROGRAMS += $(VM_INITRD)

# Other guest kernels installed (headers and a /boot image), such as
# Debian 12's 6.12 beside its 6.1: the driver and the test initramfs for
# each, which tests/vm/test-kernels.sh boots.
VM_OTHER_KVERS := $(filter-out $(KVER),$(foreach d,$(wildcard /lib/modules/*/build/Makefile),\
	$(word 3,$(subst /, ,$(d)))))
VM_OTHER_KVERS := $(foreach k,$(VM_OTHER_KVERS),$(if $(wildcard /boot/vmlinuz-$(k)),$(k)))
$(BUILD)/vm/kernels/%/wltest.cpio.gz: $(BUILD)/kmod/%/driver/virtio_wl.ko $(VM_GUEST_TEST) \
		$(VM_GUEST_LIMITS) tests/vm/init.sh rootfs/mkinitramfs.sh
	@mkdir -p $(@D)
	rootfs/mkinitramfs.sh -o $@ -k $* -m virtio_pci -m $< \
		-f $(VM_GUEST_TEST):/bin/wl-guest-test \
		-f $(VM_GUEST_LIMITS):/bin/wl-guest-limits -i tests/vm/init.sh
CHECK_PROGRAMS += $(foreach k,$(VM_OTHER_KVERS),$(BUILD)/vm/kernels/$(k)/wltest.cpio.gz)
TESTS_vm += tests/vm/test-virtio-wl.sh tests/vm/test-limits.sh tests/vm/test-qemu-device.sh \
	tests/vm/test-kernels.sh
BENCHES += tests/bench/vm-virtio-wl.sh
# The initramfs builder itself (boots nothing).
TESTS_unit += tests/unit/test-mkinitramfs.sh
