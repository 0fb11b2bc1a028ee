# SPDX-License-Identifier: GPL-2.0
#
# gntdev - top-level verbs.  The logic lives in each directory's own
# Makefile or script; this file only names the jobs.
#
#   make              everything buildable here (gntdev.ko for each lab
#                     kernel, unit tests, lab tools)
#   make check        all tests: unit tests, then the Xen lab
#   make check-unit   fast user-space tests only (no root, no network)
#   make check-lab    the Xen lab tests only
#   make install      DESTDIR=... PREFIX=... (DKMS tree, headers, config)
#   make demo         the main job, in the lab
#   make format-check kernel style on every C file
#   make clean

LAB := tools/tests/lab
KERNELS ?= 6.1 6.12

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all module unit lab-tools install check check-packaging check-unit check-lab demo format-check clean

all: module unit lab-tools

# gntdev.ko for each lab dom0 kernel (headers fetched by the lab).
module:
	@for k in $(KERNELS); do \
		KERNEL=$$k $(LAB)/kbuild.sh drivers/xen/gntdev \
			build/module/$$k GNTDEV_TOP=$(CURDIR) || exit 1; \
		echo "module: build/module/$$k/gntdev.ko"; \
	done

unit:
	$(MAKE) -C tools/tests/unit all

lab-tools:
	$(MAKE) -C $(LAB)/src O=$(CURDIR)/build/lab/tools

check: check-unit check-packaging check-lab

check-packaging:
	tools/tests/packaging/check.sh

check-unit:
	$(MAKE) -C tools/tests/unit check

check-lab:
	$(LAB)/check.sh

demo:
	$(LAB)/demo.sh

# The driver's DKMS source tree and modprobe config, the uapi header.
install:
	packaging/install.sh $(DESTDIR)
	install -D -m 0644 include/xen/public/gntdev.h \
		$(DESTDIR)$(PREFIX)/include/xen/public/gntdev.h

format-check:
	@files=$$(git ls-files '*.c' '*.h'); \
	clang-format --dry-run -Werror $$files && \
	echo "format-check: $$(echo $$files | wc -w) files in kernel style"

clean:
	$(MAKE) -C tools/tests/unit clean
	$(MAKE) -C $(LAB)/src clean
	rm -rf build
