# SPDX-License-Identifier: MIT
#
# virtwl top-level build.  Everything lands in $(BUILD); each userspace
# program is built twice: plainly in $(BUILD)/ and with ASan+UBSan in
# $(BUILD)/san/.  Each part of the tree adds its own rules in a fragment
# (<part>/<part>.mk) included below.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
DEPS_GROUPS ?= all
ifneq ($(origin VERSION),command line)
VERSION := $(shell scripts/version.sh)
endif
# The programs' --version; rewritten only when it changes.
$(shell mkdir -p $(BUILD)/gen; \
	printf '\043define VIRTWL_VERSION "%s"\n' '$(VERSION)' >$(BUILD)/gen/virtwl_version.h.tmp; \
	cmp -s $(BUILD)/gen/virtwl_version.h.tmp $(BUILD)/gen/virtwl_version.h && \
	rm -f $(BUILD)/gen/virtwl_version.h.tmp || \
	mv $(BUILD)/gen/virtwl_version.h.tmp $(BUILD)/gen/virtwl_version.h)
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
PKG_CONFIG ?= pkg-config
PYTHON ?= /usr/bin/python3
WAYLAND_SCANNER ?= wayland-scanner

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes \
	-Wstrict-prototypes -Wshadow -Wpointer-arith -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -fno-strict-aliasing \
	-I$(BUILD)/gen -Iprotocols -Idriver/include/uapi
OPT_CFLAGS := -O2
SAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
CPPFLAGS ?=
CFLAGS ?=
LDFLAGS ?=

pkgcflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkglibs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

# $(call c_program,NAME,SOURCES,PKGS,EXTRA_LIBS)
# Defines $(BUILD)/NAME and $(BUILD)/san/NAME from SOURCES.
define c_program
$(1)_SRCS := $(2)
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$(filter %.c,$(2)))
$(1)_SAN_OBJS := $$(patsubst %.c,$(BUILD)/san/obj/%.o,$$(filter %.c,$(2)))
$(BUILD)/$(1): $$($(1)_OBJS)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(call pkglibs,$(3)) $(4)
$(BUILD)/san/$(1): $$($(1)_SAN_OBJS)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_LDFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(call pkglibs,$(3)) $(4)
$$($(1)_OBJS) $$($(1)_SAN_OBJS): PKG_CFLAGS += $$(call pkgcflags,$(3))
ALL_PROGRAMS += $(BUILD)/$(1) $(BUILD)/san/$(1)
endef

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/san/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

ALL_PROGRAMS :=
TESTS_unit :=
TESTS_fuzz :=
TESTS_integration :=
TESTS_vm :=
BENCHES :=
INSTALL_BIN :=

include protocols/protocols.mk
include $(wildcard compositor/compositor.mk xwayland/xwayland.mk host/host.mk driver/driver.mk rootfs/rootfs.mk)
include tests/tests.mk

.PHONY: all deps check demo bench fuzz install uninstall clean programs deb
all: $(ALL_PROGRAMS)

deps:
	@scripts/install-deps.sh $(DEPS_GROUPS)

# make check: install what is missing, build, run every level this machine
# supports; the last line printed is "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all check-programs
	@tests/harness.sh --build $(BUILD) \
		unit $(TESTS_unit) -- fuzz $(TESTS_fuzz) -- \
		integration $(TESTS_integration) -- vm $(TESTS_vm)

bench: deps
	@$(MAKE) --no-print-directory all check-programs
	@tests/bench/run.sh --build $(BUILD) $(BENCHES)

# make fuzz: the device model's long fuzzing run and its coverage.
fuzz: deps
	@$(MAKE) --no-print-directory $(BUILD)/tests/fuzz/fuzz-wl-dev
	@tests/fuzz/long.sh

demo: deps
	@$(MAKE) --no-print-directory all rootfs $(BUILD)/tests/weston-inject.so \
		$(BUILD)/tests/pixcheck $(BUILD)/tests/wshot
	@scripts/demo.sh --build $(BUILD)

MAN_PAGES := $(wildcard man/*.[1-9])
SYSTEMD_SOCKETS := systemd/wlnest.socket systemd/wlnest-x11.socket
# The driver's DKMS source: dkms looks in /usr/src whatever PREFIX is.
DKMS_DIR := /usr/src/virtio_wl-$(VERSION)
DKMS_SRCS := driver/wl.h $(wildcard driver/wl_*.c) \
	driver/include/uapi/linux/virtwl.h driver/include/uapi/linux/virtio_wl.h

# The programs make install installs (make deb builds only these).
programs: $(INSTALL_BIN)

# Everything the packages hold (make deb puts it in debian/tmp this way):
# the programs, QEMU with virtio-wl-pci (built once, see host/qemu/), the
# manual pages, the systemd user units and the driver's DKMS source.
# INSTALL_QEMU=no leaves QEMU out (wlvm then builds it on first use).
INSTALL_QEMU ?= yes
install: $(INSTALL_BIN)
	@[ "$(INSTALL_QEMU)" = no ] && exit 0; \
	q=$$(host/qemu/build-qemu.sh) || { echo "install: QEMU with virtio-wl-pci cannot be built (host/qemu/build-qemu.sh)" >&2; exit 1; }; \
	echo "install -D -m 755 $$q $(DESTDIR)$(PREFIX)/lib/virtwl/qemu-system-x86_64"; \
	install -D -m 755 "$$q" $(DESTDIR)$(PREFIX)/lib/virtwl/qemu-system-x86_64
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s && \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/ || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/user $(DESTDIR)$(PREFIX)/lib/environment.d
	install -m 644 $(SYSTEMD_SOCKETS) $(DESTDIR)$(PREFIX)/lib/systemd/user/
	sed 's|@bindir@|$(PREFIX)/bin|' systemd/wlnest.service.in \
		>$(DESTDIR)$(PREFIX)/lib/systemd/user/wlnest.service
	install -m 644 systemd/60-wlnest.conf $(DESTDIR)$(PREFIX)/lib/environment.d/
	install -d $(DESTDIR)$(DKMS_DIR)/include/uapi/linux
	install -m 644 driver/Kbuild $(DKMS_SRCS) $(DESTDIR)$(DKMS_DIR)/
	mv $(DESTDIR)$(DKMS_DIR)/virtwl.h $(DESTDIR)$(DKMS_DIR)/virtio_wl.h \
		$(DESTDIR)$(DKMS_DIR)/include/uapi/linux/
	sed 's/#MODULE_VERSION#/$(VERSION)/' driver/dkms.conf >$(DESTDIR)$(DKMS_DIR)/dkms.conf

uninstall:
	rm -f $(foreach b,$(INSTALL_BIN),$(DESTDIR)$(PREFIX)/bin/$(notdir $(b)))
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(foreach u,$(SYSTEMD_SOCKETS) wlnest.service,$(DESTDIR)$(PREFIX)/lib/systemd/user/$(notdir $(u)))
	rm -f $(DESTDIR)$(PREFIX)/lib/environment.d/60-wlnest.conf
	rm -f $(DESTDIR)$(PREFIX)/lib/virtwl/qemu-system-x86_64
	-rmdir $(DESTDIR)$(PREFIX)/lib/virtwl 2>/dev/null
	rm -rf $(DESTDIR)$(DKMS_DIR)

# make deb: Debian packages (virtwl-host, virtwl-guest, virtio-wl-dkms)
# in $(BUILD)/deb/, built by dpkg-buildpackage from a copy of the tree,
# then checked by lintian.
deb: deps
	@scripts/mkdeb.sh --build $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
