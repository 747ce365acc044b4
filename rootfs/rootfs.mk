# SPDX-License-Identifier: MIT
#
# Guest images (rootfs/mkrootfs.sh): a squashfs root filesystem with the
# apps, wlnest, Xwayland and busybox, and an initramfs with Debian's
# virtio modules and virtio_wl.ko for the same kernel ($(KVER), from
# driver/driver.mk).  mkrootfs.sh caches by content, so these targets are
# phony and cheap when nothing changed.
#
#   make rootfs [APPS="weston-terminal foot ..."]   -> $(ROOTFS_DIR)
#
# The end-to-end tests and benchmarks boot their own image: the default
# apps plus the test clients.

ROOTFS_DEFAULT_APPS := weston-terminal weston-flower foot xterm
APPS ?= $(ROOTFS_DEFAULT_APPS)
ROOTFS_DIR ?= $(BUILD)/rootfs
ROOTFS_FLAGS ?=

.PHONY: rootfs
rootfs: $(BUILD)/wlnest $(DRIVER_KO)
	@rootfs/mkrootfs.sh $(ROOTFS_FLAGS) -o $(ROOTFS_DIR) -k $(KVER) \
		-w $(DRIVER_KO) -p $(BUILD)/wlnest -- $(APPS)

# The guest side of the end-to-end tests: probes of /dev/wl0.
$(eval $(call c_program,tests/vm/wl-probe,tests/vm/wl-probe.c,wayland-client))

VM_APPS_DIR := $(BUILD)/vm/apps
VM_APPS_TOOLS := $(BUILD)/tests/solid $(BUILD)/tests/clip $(BUILD)/tests/dnd $(BUILD)/tests/rogue \
	$(BUILD)/tests/framebench $(BUILD)/tests/vm/wl-probe $(BUILD)/tests/xwin

.PHONY: vm-apps-image
vm-apps-image: $(BUILD)/wlnest $(DRIVER_KO) $(VM_APPS_TOOLS)
	@rootfs/mkrootfs.sh -q -o $(VM_APPS_DIR) -k $(KVER) -w $(DRIVER_KO) \
		-p $(BUILD)/wlnest $(foreach t,$(VM_APPS_TOOLS),-p $(t)) \
		-- $(ROOTFS_DEFAULT_APPS) weston-simple-shm sway swaybg cage

# Debian's desktop apps (tests/vm/test-guest-apps.sh): those installed.
VM_DESKTOP_APPS := firefox-esr chromium gtk4-widget-factory gtk4-demo featherpad mpv
VM_DESKTOP_DIR := $(BUILD)/vm/desktop-apps

.PHONY: vm-desktop-image
vm-desktop-image: $(BUILD)/wlnest $(DRIVER_KO)
	@rootfs/mkrootfs.sh -q -o $(VM_DESKTOP_DIR) -k $(KVER) -w $(DRIVER_KO) -p $(BUILD)/wlnest \
		-- $(foreach a,$(VM_DESKTOP_APPS),$(if $(wildcard /usr/bin/$(a)),$(a)))

# (tests/tests.mk starts CHECK_PROGRAMS afresh after this file is read)
check-programs: vm-apps-image vm-desktop-image
TESTS_vm += tests/vm/test-apps.sh tests/vm/test-net.sh tests/vm/test-home.sh tests/vm/test-desktop.sh \
	tests/vm/test-guest-apps.sh tests/vm/test-xframe.sh
BENCHES += tests/bench/vm-frames.sh tests/bench/vm-apps.sh tests/bench/toolkit.sh
TESTS_unit += tests/unit/test-mkrootfs.sh
