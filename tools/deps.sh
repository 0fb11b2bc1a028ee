#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the host packages the build and the tests need.
#
# Idempotent and quiet when everything is there.  The lab's own needs
# (QEMU, kernels, the hypervisor) are tools/tests/lab/fetch.sh's.
#   libxen-dev   xentoollog/xentoolcore headers and libraries the library
#                links with (as Xen's libxengnttab does), and Xen's own
#                libxengnttab for the drop-in tests
#   dkms         the packaging test builds the module with it
#   debhelper, dpkg-dev   make deb (dpkg-buildpackage, debhelper-compat 13)
#   mmdebstrap   the packaging test's bookworm chroot; the lab's trixie and
#                sid build roots (tools/tests/lab/buildroot.sh)
#   lintian      the packaging test holds the packages to it
#   clang, libclang-rt-14-dev   libFuzzer and sanitizers for the core fuzzer
#   gcc-multilib the lab's 32-bit (i386) build of the conformance suite

set -euo pipefail

missing=()
[ -e /usr/include/xentoollog.h ] || missing+=(libxen-dev)
command -v dkms >/dev/null 2>&1 || missing+=(dkms)
command -v dh >/dev/null 2>&1 || missing+=(debhelper)
command -v dpkg-buildpackage >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)
command -v clang >/dev/null 2>&1 || missing+=(clang)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' \
	>/dev/null || missing+=(libclang-rt-14-dev)
[ -e "$(gcc -m32 -print-libgcc-file-name 2>/dev/null)" ] ||
	missing+=(gcc-multilib)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}: run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
apt-get -q -o DPkg::Lock::Timeout=900 update >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 \
	install -y --no-install-recommends "${missing[@]}" >/dev/null
