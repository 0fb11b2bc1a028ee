#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# buildroot.sh - a Debian root to build modules for a kernel whose compiler
# the host lacks.
#
#   tools/tests/lab/buildroot.sh SUITE COMPILER [PACKAGE...]
#
# Trixie's kernels are built with gcc-14, sid's with gcc-16, and the
# programs of their linux-kbuild package (modpost, objtool, ...) link
# their release's C library: neither runs on a bookworm host, and
# bookworm's gcc-12 rejects their headers' flags.  This makes, once,
# $LAB_CACHE/buildroot-SUITE-COMPILER with mmdebstrap from the host's
# Debian archive: COMPILER (a package name, e.g. gcc-14), make, the C
# library and what linux-kbuild runs with (libelf, libssl, pahole for
# module BTF).  More PACKAGEs make a root of their own,
# buildroot-SUITE-COMPILER+PACKAGE+...: the lab's (lab_release_root) adds
# dkms and libxen-dev for dkms.sh and the drop-in test.  Prints the root's
# path.  Root only: kbuild.sh chroots.

set -euo pipefail
. "$(dirname "$0")/lab-lib.sh"

[ $# -ge 2 ] || lab_die "usage: buildroot.sh SUITE COMPILER [PACKAGE...]"
SUITE=$1
CC_PKG=$2
shift 2
ROOT=$LAB_CACHE/buildroot-$SUITE-$CC_PKG
PKGS=$CC_PKG,make,bc,libc6-dev,libelf-dev,libssl-dev,pahole
for p in "$@"; do
	ROOT+=+$p
	PKGS+=,$p
done

# The root, made under a lock of its own (minutes; boots need not wait),
# into a temporary directory so that a half-made root is never used.
make_root()
{
	local uri key opts=()
	[ "$(cat "$ROOT/.complete" 2>/dev/null)" != "$PKGS" ] || return 0
	[ "$(id -u)" -eq 0 ] ||
		lab_die "a $SUITE build root ($CC_PKG) is needed: run as root"
	command -v mmdebstrap >/dev/null 2>&1 ||
		lab_die "mmdebstrap is missing: run 'make deps' as root"
	read -r uri key < <(lab_debian_archive main)
	# A mirror's copy of unstable may lag behind its Valid-Until.
	[ "$SUITE" != sid ] ||
		opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
	lab_log "making the $SUITE build root with $CC_PKG (a few minutes)"
	rm -rf "$ROOT" "$ROOT.tmp"
	mmdebstrap --quiet --variant=apt --include="$PKGS" "${opts[@]}" \
		"$SUITE" "$ROOT.tmp" \
		"deb ${key:+[signed-by=$key] }$uri $SUITE main" >&2 ||
		lab_die "mmdebstrap $SUITE failed"
	echo "$PKGS" >"$ROOT.tmp/.complete"
	mv "$ROOT.tmp" "$ROOT"
}

mkdir -p "$LAB_CACHE"
(
	flock 9
	make_root
) 9>"$ROOT.lock"
echo "$ROOT"
