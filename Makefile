# SPDX-License-Identifier: GPL-2.0
#
# gntdev - top-level verbs.  The logic lives in each directory's own
# Makefile or script; this file only names the jobs.
#
#   make              everything buildable here (gntdev.ko for each lab
#                     kernel, unit tests, lab tools)
#   make check        all tests: unit tests, the Xen lab, a benchmark smoke run
#   make check-unit   fast user-space tests only (no root, no network)
#   make check-lab    the Xen lab tests only
#   make check-debug  the lab on a debug dom0 kernel (not part of make check)
#   make check-matrix every lab group on every dom0 kernel (not in make check)
#   make fuzz-long, torture-long   the long robustness runs
#   make bench        stock vs ours vs the hypervisor's floor, one boot
#   make profile      perf profiles of a map cycle, stock and ours, one boot
#   make install      DESTDIR=... PREFIX=... (DKMS tree, headers, config)
#   make deb          the Debian packages (build/deb/, build/deb/trixie/)
#   make demo         the main job, in the lab
#   make format-check kernel style on every C file
#   make clean

LAB := tools/tests/lab
LIB := tools/libgnttab
LIBOUT := $(CURDIR)/build/lib
CLI := tools/gnttab
CLIOUT := $(CURDIR)/build/gnttab
# The primary dom0 kernels, where make check runs every lab group:
# bookworm's 6.1 (Xen 4.17) and trixie's 6.12 (Xen 4.20).
KERNELS ?= 6.1 6.12-trixie
# The other dom0 kernels Debian users run: bookworm-backports' 6.12, the
# newest of trixie-backports and of sid (tools/tests/lab/lab-lib.sh).
PLATFORMS ?= 6.12 trixie-bpo sid

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps module lib cli unit lab-tools install check check-packaging \
	check-lib check-fuzz fuzz-long torture-long bench check-bench check-unit check-lab demo format-check clean

all: deps module lib cli unit lab-tools

# Host packages the build and tests need (root; quiet when present).
deps:
	@tools/deps.sh

# gntdev.ko for each lab dom0 kernel (headers fetched by the lab; trixie's
# and sid's are built in a root of their release, see kbuild.sh).
module:
	@for k in $(KERNELS) $(PLATFORMS); do \
		KERNEL=$$k $(LAB)/kbuild.sh drivers/xen/gntdev \
			build/module/$$k GNTDEV_TOP=$(CURDIR) || exit 1; \
		echo "module: build/module/$$k/gntdev.ko"; \
	done

# libxengnttab.so.1.2, libxengnttab.a, xengnttab.pc in build/lib.
lib: deps
	$(MAKE) -C $(LIB) O=$(LIBOUT)

# gnttab, the command-line tool (build/gnttab/gnttab).
cli: lib
	$(MAKE) -C $(CLI) O=$(CLIOUT) LIBO=$(LIBOUT)

unit:
	$(MAKE) -C tools/tests/unit all

lab-tools:
	$(MAKE) -C $(LAB)/src O=$(CURDIR)/build/lab/tools

# The robustness figures (lab and host fuzzer) come once, at the very end;
# the lab leaves them out then.  The benchmark's one boot runs beside the
# unit and fuzz tests, which run one after the other: a core each.  Not
# beside the packaging checks: on an empty cache both would be fetching.
check: export LAB_FIGURES := 0
check: deps format-check
	$(MAKE) --no-print-directory -j2 --output-sync=target check-bench check-host
	$(MAKE) --no-print-directory check-packaging
	$(MAKE) --no-print-directory check-lab
	@$(LAB)/figures.py --all --fuzz-log $(CURDIR)/build/fuzz/check.log

.PHONY: check-host
check-host:
	$(MAKE) --no-print-directory -j1 check-unit check-fuzz

# A bounded libFuzzer run over the driver's pure core (30 s).
check-fuzz: deps
	$(MAKE) --no-print-directory -C tools/tests/fuzz check

# The long runs: 30 min of core fuzzing; in the lab, 20,000 kills and
# 15 min of torture, and 30 min of the syscall-sequence fuzzer.
fuzz-long: deps
	$(MAKE) --no-print-directory -C tools/tests/fuzz fuzz-long

torture-long:
	$(LAB)/check.sh robust_long

# Benchmarks: stock xen-gntdev vs ours vs the hypervisor's floor, in one
# lab boot; a table on stdout, build/bench/results.{txt,csv,json,png}.
bench:
	tools/bench/run-bench.sh $(BENCH_ARGS)

# Where a map cycle's time goes: perf in the lab, stock and ours, batches 1
# and 64; build/bench/profile-*.txt.  PROFILE_ARGS="--batch 16 --kernel 6.12",
# GNTDEV_KO=path/to/gntdev.ko for another tree's module.
.PHONY: profile
profile:
	tools/bench/profile.sh $(PROFILE_ARGS)

# A short run of the benchmark (about a minute): fails only if it breaks,
# never on speed.
check-bench:
	tools/bench/run-bench.sh --quick

check-packaging:
	tools/tests/packaging/check.sh

# Debian packages (gntdev-dkms, libxengnttab1-gntdev, gnttab, the -dev)
# for bookworm in build/deb and for trixie in build/deb/trixie, built from
# a copy of the tree (trixie's in a trixie chroot, made once).
.PHONY: deb
deb: deps
	packaging/deb.sh
	packaging/deb.sh --suite trixie

# The driver's core, and the library (headers.chk, check-abi, unit tests);
# docs/bad-inputs.md must be what the suite's tables say.
check-unit: deps
	$(MAKE) --no-print-directory -C tools/tests/unit check
	tools/tests/suites/conform/mkdoc.py --check docs/bad-inputs.md
	$(MAKE) --no-print-directory -C $(LIB) check O=$(LIBOUT)
	$(MAKE) --no-print-directory -C $(CLI) check O=$(CLIOUT) LIBO=$(LIBOUT)

check-lib: deps
	$(MAKE) --no-print-directory -C $(LIB) check O=$(LIBOUT)

check-lab: deps
	$(LAB)/check.sh

# Our driver under a debug dom0 kernel (lockdep, might_sleep, debugobjects,
# KFENCE, kmemleak; built from Debian's source the first time, 22 min or
# more): conformance, torture, fuzzer.  Not in make check.
.PHONY: check-debug
check-debug:
	@start=$$(date +%s); $(LAB)/check.sh debug_selftest debug; rc=$$?; \
	echo "check-debug: $$(($$(date +%s) - start)) s in all"; exit $$rc

# Every group on every dom0 kernel, where make check runs the
# bookworm-backports, trixie-backports and sid kernels under the DKMS
# build, the conformance suite and a PVH domU only.
# Hours; not in make check.
.PHONY: check-matrix
check-matrix: deps
	@start=$$(date +%s); \
	LAB_KERNELS="$(KERNELS) $(PLATFORMS)" $(LAB)/check.sh; rc=$$?; \
	echo "check-matrix: $$(($$(date +%s) - start)) s in all"; exit $$rc

demo:
	$(LAB)/demo.sh

# The library (lib, header, pkg-config, man pages), gnttab, the driver's DKMS
# source tree and modprobe config, the uapi header.
install: deps
	$(MAKE) -C $(LIB) install O=$(LIBOUT) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C $(CLI) install O=$(CLIOUT) LIBO=$(LIBOUT) PREFIX=$(PREFIX) \
		DESTDIR=$(DESTDIR)
	packaging/install.sh $(DESTDIR)
	install -D -m 0644 include/xen/public/gntdev.h \
		$(DESTDIR)$(PREFIX)/include/xen/public/gntdev.h

format-check:
	@files=$$(git ls-files '*.c' '*.h'); \
	clang-format --dry-run -Werror $$files && \
	echo "format-check: $$(echo $$files | wc -w) files in kernel style"

clean:
	$(MAKE) -C tools/tests/unit clean
	$(MAKE) -C $(LIB) clean O=$(LIBOUT)
	$(MAKE) -C $(LAB)/src clean
	rm -rf build
