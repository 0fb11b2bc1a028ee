#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-only
#
# check-abi.sh - prove that a built libxengnttab.so is a drop-in for Xen's
#
#   check-abi.sh LIB.so EXPECTED.abi [REFERENCE.so]
#
# Checks, failing on the first difference:
#  1. the soname is libxengnttab.so.1;
#  2. every exported (defined, global) dynamic symbol carries a version,
#     and the number of exported functions equals the number of versioned
#     symbols (a symbol missing from the version script shows up here);
#  3. the exported "name@@VERSION" list equals EXPECTED.abi;
#  4. if REFERENCE.so (Xen's library) exists, its list equals ours, version
#     node by version node;
#  5. the library needs libxentoollog.so.1 and libxentoolcore.so.1, and
#     every symbol it takes from them is at their VERS_1.0.
set -eu

lib=$1
expected=$2
ref=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail()
{
	echo "check-abi: FAIL: $*" >&2
	exit 1
}

# "name@@VERSION" (or "name" if unversioned) of each exported symbol,
# sorted by version then name; version-node symbols (type A) are skipped.
exports()
{
	nm -D --defined-only "$1" | awk '$2 != "A" { print $3 }' |
		sed 's/@@*/ /' | sort -k2,2 -k1,1 |
		awk '{ print $2 == "" ? $1 : $1 "@@" $2 }'
}

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libxengnttab.so.1 ] || fail "soname is '$soname'"

exports "$lib" >"$tmp/ours"
if grep -v '@@' "$tmp/ours" >"$tmp/unversioned"; then
	fail "unversioned exports: $(tr '\n' ' ' <"$tmp/unversioned")"
fi
nfunc=$(readelf -W --dyn-syms "$lib" |
	awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND"' | wc -l)
nvers=$(wc -l <"$tmp/ours")
[ "$nfunc" -eq "$nvers" ] ||
	fail "$nfunc exported functions but $nvers versioned symbols"

grep -v '^#' "$expected" | grep . >"$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/ours" >"$tmp/diff"; then
	cat "$tmp/diff" >&2
	fail "exports differ from $expected"
fi

summary=$(sed 's/.*@@//' "$tmp/ours" | uniq -c |
	awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
against=$expected
if [ -n "$ref" ] && [ -e "$ref" ]; then
	exports "$ref" >"$tmp/ref"
	for v in $(sed 's/.*@@//' "$tmp/ref" "$tmp/ours" | sort -u); do
		grep "@@$v\$" "$tmp/ref" >"$tmp/ref.$v" || true
		grep "@@$v\$" "$tmp/ours" >"$tmp/ours.$v" || true
		if ! diff -u "$tmp/ref.$v" "$tmp/ours.$v" >"$tmp/diff"; then
			cat "$tmp/diff" >&2
			fail "node $v differs from $ref"
		fi
	done
	against="$against and $ref"
fi

needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for n in libxentoollog.so.1 libxentoolcore.so.1; do
	echo "$needed" | grep -qx "$n" || fail "does not need $n"
done
nm -D --undefined-only "$lib" | awk '{ print $2 }' |
	grep -E '^(xtl_|xentoolcore)' >"$tmp/imports" || true
if grep -v '@VERS_1\.0$' "$tmp/imports" >"$tmp/badimports"; then
	fail "imports not at VERS_1.0: $(tr '\n' ' ' <"$tmp/badimports")"
fi

echo "check-abi: $lib: soname $soname; $nvers symbols ($summary), all versioned;" \
	"same as $against; needs $(echo $needed | tr ' ' ',');" \
	"$(wc -l <"$tmp/imports") toollog/toolcore imports at VERS_1.0"
