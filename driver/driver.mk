# SPDX-License-Identifier: GPL-2.0-only
#
# The guest kernel module virtio_wl.ko, built with Kbuild against Debian's
# installed linux-headers.  KVER is the kernel linux-headers-amd64 points
# at (the newest installed headers otherwise); set KVER to build
# for another kernel.  Each kernel gets its own copy of the sources under
# $(BUILD)/kmod/KVER/, where Kbuild writes its objects, so modules for
# several kernels live side by side; the one for KVER is also copied to
# $(BUILD)/virtio_wl.ko.

KVER ?= $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
	sed -nE 's/.*linux-headers-([^ ,]+).*/\1/p')
ifeq ($(KVER),)
KVER := $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -1 | cut -d/ -f4)
endif
KDIR ?= /lib/modules/$(KVER)/build
KMOD_SRCS := Kbuild driver/Kbuild $(wildcard driver/*.c driver/*.h) \
	driver/include/uapi/linux/virtwl.h driver/include/uapi/linux/virtio_wl.h
DRIVER_DEPS := $(KMOD_SRCS)
DRIVER_KO := $(BUILD)/virtio_wl.ko

.PHONY: module module-clean FORCE
module: $(DRIVER_KO)

# Command-line variables of this make (CC=clang, ...) must not leak into
# Kbuild, which picks the compiler the kernel was built with.
$(BUILD)/kmod/%/driver/virtio_wl.ko: MAKEOVERRIDES :=
$(BUILD)/kmod/%/driver/virtio_wl.ko: $(KMOD_SRCS)
	@test -f /lib/modules/$*/build/Makefile || { echo "module: no kernel headers for $* (make deps installs linux-headers-amd64)" >&2; exit 1; }
	@mkdir -p $(@D)
	@for f in $(KMOD_SRCS); do mkdir -p $(BUILD)/kmod/$*/$$(dirname $$f); \
		cmp -s $$f $(BUILD)/kmod/$*/$$f || cp $$f $(BUILD)/kmod/$*/$$f; done
	$(MAKE) -C /lib/modules/$*/build M=$(CURDIR)/$(BUILD)/kmod/$* W=1 KCFLAGS=-Werror modules

# Kept when built only on the way to something else (a test initramfs).
.PRECIOUS: $(BUILD)/kmod/%/driver/virtio_wl.ko

# The module for KVER, whatever KVER the last make had.
$(DRIVER_KO): $(BUILD)/kmod/$(KVER)/driver/virtio_wl.ko FORCE
	@cmp -s $< $@ || cp $< $@

module-clean:
	rm -rf $(BUILD)/kmod

clean: module-clean
