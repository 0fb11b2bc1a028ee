#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# host-test.sh - gnttab's command line, without Xen or root
#
#   tests/host-test.sh GNTTAB TESTDIR
#
# Every usage mistake exits 2 with a "gnttab: CMD: ..." message, help and
# version exit 0, and `list --state` renders saved state files exactly as
# TESTDIR/list-*.expected say. What needs the drivers is in lab-test.sh.
# Prints one line per case, then "N passed, N failed"; exits 1 on failure.
set -u
G=$1
T=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok()
{
	pass=$((pass + 1))
	echo "ok - $*"
}

bad()
{
	fail=$((fail + 1))
	echo "not ok - $*"
	sed 's/^/#   /' "$tmp/err" "$tmp/out"
}

# expect STATUS REGEX ARGS...: exit STATUS, REGEX in stdout+stderr.
expect()
{
	want=$1
	re=$2
	shift 2
	"$G" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		bad "gnttab $*: exit $rc, want $want"
	elif ! cat "$tmp/out" "$tmp/err" | grep -Eq -- "$re"; then
		bad "gnttab $*: no /$re/ in the output"
	else
		ok "gnttab $*: exit $want"
	fi
}

expect 0 '^gnttab [0-9]+\.[0-9]+' --version
expect 0 '^Usage: gnttab' --help
expect 0 '^Usage: gnttab' -h
expect 0 '^Usage: gnttab' help
for c in map share copy list bench; do
	expect 0 "^Usage: gnttab $c" $c --help
	expect 0 "^Usage: gnttab $c" help $c
done
expect 2 "^gnttab: no command given" 
expect 2 "^gnttab: unknown command 'frob'" frob
expect 2 "^gnttab: unknown option '--frob'" --frob map
expect 2 "^Try 'gnttab --help'" frob
expect 2 "^gnttab: map: need DOMID and at least one REF" map 0
expect 2 "^gnttab: map: invalid DOMID 'x'" map x 1
expect 2 "^gnttab: map: invalid DOMID '65536'" map 65536 1
expect 2 "^gnttab: map: invalid REF '[+]1'" map 0 +1
expect 2 "^gnttab: map: unknown option '-1'" map 0 -1
expect 2 "^gnttab: map: invalid REF '0x'" map 0 0x
expect 2 "^gnttab: map: invalid REF '4294967296'" map 0 4294967296
expect 2 "^gnttab: map: --hexdump and --write exclude" map 0 1 --hexdump --write f
expect 2 "^gnttab: map: --fill writes to the pages" map 0 1 --ro --fill f
expect 2 "^gnttab: map: option '--write' needs an argument" map 0 1 --write
expect 2 "^gnttab: map: unknown option '--frob'" map 0 1 --frob
expect 2 "^Try 'gnttab map --help'" map 0 1 --frob
expect 2 "^gnttab: share: need DOMID and NPAGES" share 0
expect 2 "^gnttab: share: NPAGES must be at least 1" share 0 0
expect 2 "^gnttab: share: invalid NPAGES 'four'" share 0 four
expect 2 "^gnttab: copy: need exactly one of --from" copy 0 1
expect 2 "^gnttab: copy: need exactly one of --from" copy 0 1 --from a --to b
expect 2 "^gnttab: copy: need DOMID and one REF" copy 0 1 2 --to b
expect 2 "^gnttab: copy: invalid --offset '4096'" copy 0 1 --offset 4096 --to b
expect 2 "^gnttab: copy: --offset 100 --len 4000: need 1 to 3996" copy 0 1 --offset 100 --len 4000 --to b
expect 2 "^gnttab: copy: --offset 0 --len 0" copy 0 1 --len 0 --to b
expect 2 "^gnttab: bench: --pages and --iter must be at least 1" bench --iter 0
expect 2 "^gnttab: bench: invalid --pages 'x'" bench --pages x
expect 2 "^gnttab: bench: unexpected argument 'x'" bench x
expect 2 "^gnttab: list: unexpected argument 'x'" list x
expect 1 "^gnttab: list: $tmp/none: No such file or directory" list --state "$tmp/none"
expect 1 '^gnttab: list: /etc/passwd: not a gntdev state file' list --state /etc/passwd
expect 1 '^gnttab: copy: /nonexistent: No such file or directory' copy 0 1 --from /nonexistent

for s in busy empty; do
	if "$G" list --state "$T/state-$s.txt" >"$tmp/out" 2>"$tmp/err" &&
		cmp -s "$tmp/out" "$T/list-$s.expected"; then
		ok "list --state state-$s.txt renders as list-$s.expected"
	else
		diff -u "$T/list-$s.expected" "$tmp/out" >"$tmp/err"
		bad "list --state state-$s.txt"
	fi
done
if "$G" list --raw --state - <"$T/state-busy.txt" >"$tmp/out" 2>"$tmp/err" &&
	cmp -s "$tmp/out" "$T/state-busy.txt"; then
	ok "list --raw prints the state file as it is"
else
	bad "list --raw"
fi

# Without the drivers (a build host): the open fails, with errno text.
if [ ! -e /dev/xen/gntdev ]; then
	expect 1 '^gnttab: map: xengnttab_open \(/dev/xen/gntdev\): No such file or directory' map 0 1
fi
if [ ! -e /dev/xen/gntalloc ]; then
	expect 1 '^gnttab: share: xengntshr_open \(/dev/xen/gntalloc\): No such file or directory' share 0 1
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
