#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - assemble the drop-in test's lab payload.
#
#   tools/tests/suites/dropin/build.sh OUTDIR [GNTDEV_KO]
#
# Compiles dropin.c the way any Debian package would use libxengnttab: the
# header from libxen-dev (/usr/include/xengnttab.h), linked with -lxengnttab
# against Debian's libxengnttab.so.1, dynamically.  The lab's dom0 has no
# dynamic loader and no shared libraries, so OUTDIR gets them from the
# system it is built on: the host (bookworm), or a build root of another
# release (the lab's group_dropin runs this chrooted in trixie's, so the
# program, Debian's library and the C library are Debian 13's).  Before
# anything is built, our library's exports are compared, version node by
# version node, with that system's libxengnttab.so.1 (check-abi.sh).
#
#   dropin                   the program
#   ld-linux-x86-64.so.2     the host's dynamic loader, run explicitly
#   lib/                     the closure ldd reports (libc, libxentoollog,
#                            libxentoolcore, ...), without libxengnttab
#   lib-debian/              Debian's libxengnttab.so.1
#   lib-ours/                ours, from build/lib (OURLIB=DIR to change)
#   symbols.list             "name version" of every xengnttab_*/xengntshr_*
#                            symbol the program imports (nm -D)
#   libs.md5                 checksums of the two libraries
#   run                      the payload script
#   gntdev.ko                our driver, if GNTDEV_KO is given
#
# Our library must be built already (make lib).

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../../.." && pwd)
LABLIB=$TOP/tools/tests/lab/lib
OURLIB=${OURLIB:-$TOP/build/lib}
CC=${CC:-gcc}

die()
{
	echo "dropin/build.sh: error: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: build.sh OUTDIR [GNTDEV_KO]"
fi
OUT=$1
KO=${2:-}

[ -e /usr/include/xengnttab.h ] ||
	die "no /usr/include/xengnttab.h (apt-get install libxen-dev)"
[ -e "$OURLIB/libxengnttab.so.1" ] ||
	die "no $OURLIB/libxengnttab.so.1 (make lib)"
[ -z "$KO" ] || [ -e "$KO" ] || die "no $KO"

# Emptied, not removed: in a build root OUTDIR is a mount point.
mkdir -p "$OUT"
find "$OUT" -mindepth 1 -delete
mkdir -p "$OUT/lib" "$OUT/lib-debian" "$OUT/lib-ours"

# Our exports are Debian's, node by node (the library of this system).
debso=$("$CC" -print-file-name=libxengnttab.so.1)
[ -e "$debso" ] || die "no libxengnttab.so.1 of the system (libxen-dev)"
if ! "$TOP/tools/libgnttab/check-abi.sh" "$OURLIB/libxengnttab.so.1" \
	"$TOP/tools/libgnttab/libxengnttab.abi" "$(readlink -f "$debso")" |
	sed 's/^/dropin: /'; then
	die "our exports are not those of $debso"
fi

# The system's include and library paths first: ours come after them
# (-idirafter), for what the system lacks alone (the lab library's lab.h
# and the uapi header it includes), so that xengnttab.h and the library
# are the system's.  The reporter, lab-report.c, is compiled in.
"$CC" -O2 -g -Wall -Wextra -Werror -fPIE -pie -Wl,-z,lazy \
	-idirafter "$TOP/include" -idirafter "$LABLIB" \
	-o "$OUT/dropin" "$HERE/dropin.c" "$LABLIB/lab-report.c" -lxengnttab

# The library the link really used, by asking the loader on the host.
deblib=$(ldd "$OUT/dropin" | awk '$1 == "libxengnttab.so.1" { print $3 }')
case "$deblib" in
/usr/lib/* | /lib/*) ;;
*) die "dropin was not linked with the system's libxengnttab ($deblib)" ;;
esac
readelf -d "$OUT/dropin" | grep -q 'NEEDED.*\[libxengnttab\.so\.1\]' ||
	die "dropin does not need libxengnttab.so.1"
cp -L "$deblib" "$OUT/lib-debian/libxengnttab.so.1"
cp -L "$OURLIB/libxengnttab.so.1" "$OUT/lib-ours/libxengnttab.so.1"
if cmp -s "$OUT/lib-debian/libxengnttab.so.1" \
	"$OUT/lib-ours/libxengnttab.so.1"; then
	die "$OURLIB/libxengnttab.so.1 is Debian's library"
fi
(cd "$OUT" && md5sum lib-debian/libxengnttab.so.1 \
	lib-ours/libxengnttab.so.1 >libs.md5)

# The imports the binding proof checks, with the version each records.
nm -D --undefined-only "$OUT/dropin" |
	sed -n 's/^ *U \(xeng\(nttab\|ntshr\)_[a-z_]*\)@\(VERS_[0-9.]*\)$/\1 \3/p' |
	sort >"$OUT/symbols.list"
[ -s "$OUT/symbols.list" ] || die "no libxengnttab symbol imported"
# Every version node must be represented.
for v in VERS_1.0 VERS_1.1 VERS_1.2; do
	grep -q " $v\$" "$OUT/symbols.list" || die "nothing imported from $v"
done

# The loader and the other libraries, from either library's closure.
closure()
{
	ldd "$OUT/dropin"
	LD_LIBRARY_PATH=$OUT/lib-ours ldd "$OUT/dropin"
}
loader=
for f in $(closure | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' | sort -u); do
	case "$(basename "$f")" in
	ld-linux-x86-64.so.2) loader=$f ;;
	libxengnttab.so.*) ;;
	*) cp -L "$f" "$OUT/lib/$(basename "$f")" ;;
	esac
done
[ -n "$loader" ] || die "no dynamic loader in ldd's output"
cp -L "$loader" "$OUT/ld-linux-x86-64.so.2"
# glibc loads libgcc_s at run time for unwinding (pthread_cancel, abort
# backtraces); ship it if the host has it.
gcc_s=$("$CC" -print-file-name=libgcc_s.so.1)
[ ! -e "$gcc_s" ] || cp -L "$gcc_s" "$OUT/lib/"

cp "$HERE/run" "$OUT/run"
[ -z "$KO" ] || cp "$KO" "$OUT/gntdev.ko"
echo "dropin: built by $("$CC" --version | head -n 1) against libxen-dev" \
	"$(dpkg-query -W -f '${Version}' libxen-dev)," \
	"libc6 $(dpkg-query -W -f '${Version}' libc6)"
echo "dropin: payload in $OUT ($(wc -l <"$OUT/symbols.list") symbols," \
	"libraries: $(cd "$OUT/lib" && echo *))"
