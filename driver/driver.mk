# SPDX-License-Identifier: GPL-2.0-only
#
# The guest kernel module virtio_wl.ko, built with Kbuild against Debian's
# installed linux-headers.  KVER is the kernel linux-headers-amd64 points
# at (the newest installed headers otherwise); set KVER or KDIR to build
# for another kernel.  Kbuild writes its objects next to the sources (they
# are ignored by git); the module is copied to $(BUILD)/virtio_wl.ko.

KVER ?= $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
	sed -nE 's/.*linux-headers-([^ ,]+).*/\1/p')
ifeq ($(KVER),)
KVER := $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -1 | cut -d/ -f4)
endif
KDIR ?= /lib/modules/$(KVER)/build
DRIVER_KO := $(BUILD)/virtio_wl.ko
DRIVER_DEPS := Kbuild driver/Kbuild $(wildcard driver/*.c driver/*.h) \
	driver/include/uapi/linux/virtwl.h driver/include/uapi/linux/virtio_wl.h

.PHONY: module module-clean
module: $(DRIVER_KO)

# Command-line variables of this make (CC=clang, ...) must not leak into
# Kbuild, which picks the compiler the kernel was built with.
$(DRIVER_KO): MAKEOVERRIDES :=
$(DRIVER_KO): $(DRIVER_DEPS)
	@test -f $(KDIR)/Makefile || { echo "module: no kernel headers in '$(KDIR)' (make deps installs linux-headers-amd64)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules
	@mkdir -p $(@D)
	cp driver/virtio_wl.ko $@

module-clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

clean: module-clean
