#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lab-test.sh - gnttab against the real drivers, as root in the lab's dom0
#
#   ./lab-test.sh stock|ours
#
# dom0 shares pages with itself (gnttab share 0 ...) and works on them
# with every other command: the pattern shows in map --hexdump, map --write
# saves exactly the bytes a grant copy reads, copy writes land where a map
# sees them, --fill files arrive byte for byte, bad input exits 2 and a bad
# ref exits 1 with errno or GNTST text, bench prints numbers, and every
# holder unshares or unmaps on its signal and exits 0. With "ours" (the
# gntdev project's driver loaded), gnttab list shows a held mapping and
# then its absence; with "stock" it must say the stock driver has no state
# file. busybox sh only. Prints "ok N - ..." lines and "N passed, N
# failed"; exits 1 if anything failed.

# $REFS and $(cat refs) are word lists on purpose; awk's $1 is awk's.
# shellcheck disable=SC2086,SC2046,SC2016
set -u
DRV=${1:-stock}
G=$(pwd)/gnttab
T=/tmp/gnttab-$DRV
N=0
PASS=0
FAIL=0
rm -rf "$T"
mkdir -p "$T"

ok()
{
	N=$((N + 1))
	PASS=$((PASS + 1))
	echo "ok $N - $*"
}

nok()
{
	N=$((N + 1))
	FAIL=$((FAIL + 1))
	echo "not ok $N - $*"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && head -n 20 "$f" | sed 's/^/#   /'
	done
}

check()
{
	msg=$1
	shift
	if "$@"; then ok "$msg"; else nok "$msg"; fi
}

# run STATUS ARGS...: gnttab ARGS exits STATUS; output in $T/out, $T/err.
run()
{
	want=$1
	shift
	"$G" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq "$want" ] && return 0
	echo "exit $rc, want $want" >>"$T/err"
	return 1
}

# expect STATUS REGEX ARGS...: as run, and REGEX (ERE) is in stderr.
expect()
{
	want=$1
	re=$2
	shift 2
	if run "$want" "$@" && grep -Eq -- "$re" "$T/err"; then
		ok "gnttab $*: exit $want, /$re/"
	else
		nok "gnttab $*: exit $want, /$re/"
	fi
}

# quiet ARGS...: gnttab ARGS exits 0 and says nothing on stderr.
quiet()
{
	if run 0 "$@" && [ ! -s "$T/err" ]; then
		ok "gnttab $*: exit 0, quiet"
	else
		nok "gnttab $*: exit 0, quiet"
	fi
}

# wait_for FILE REGEX: up to 10 s for REGEX to appear in FILE.
wait_for()
{
	i=0
	while [ $i -lt 100 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# bytes FILE SKIP COUNT: COUNT bytes of FILE from SKIP.
bytes()
{
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null
}

echo "# gnttab $("$G" --version | cut -d' ' -f2) on the $DRV driver"

# --- share: four pages, refs one per line ---------------------------------
"$G" share 0 4 >"$T/refs" 2>"$T/share.err" &
SH=$!
if wait_for "$T/share.err" 'sharing 4 pages with d0' &&
	[ "$(wc -l <"$T/refs")" -eq 4 ]; then
	ok "share 0 4 prints 4 refs: $(tr '\n' ' ' <"$T/refs")"
else
	nok "share 0 4 prints 4 refs"
	cat "$T/share.err"
	echo "$PASS passed, $FAIL failed"
	exit 1
fi
REFS=$(tr '\n' ' ' <"$T/refs")
set -- $REFS
R1=$1
R2=$2
R3=$3
R4=$4

# --- map --hexdump shows the pattern --------------------------------------
if run 0 map 0 $REFS --hexdump; then
	cp "$T/out" "$T/hexdump"
	okp=1
	for p in 0001 0002 0003 0004; do
		grep -q "|gnttab page $p|\$" "$T/hexdump" || okp=0
	done
	grep -q "^00000000  67 6e 74 74 61 62 20 73 " "$T/hexdump" || okp=0
	grep -q "^00003000 .*|gnttab share: pa|" "$T/hexdump" || okp=0
	[ "$(tail -n 1 "$T/hexdump")" = 00004000 ] || okp=0
	check "map 0 <4 refs> --hexdump shows each page's pattern ($(wc -l <"$T/hexdump") lines)" [ $okp -eq 1 ]
else
	nok "map 0 <4 refs> --hexdump"
fi
sed -n '1,6p' "$T/hexdump" | sed 's/^/#   /'

# --- map --write: the right bytes -----------------------------------------
if run 0 map 0 $REFS --write "$T/pages"; then
	ok "map --write exits 0"
else
	nok "map --write exits 0"
fi
check "map --write saves 4 pages" [ "$(wc -c <"$T/pages")" -eq 16384 ]
HEAD3="gnttab share: page 3 of 4, ref $R3, domid 0"
check "page 3's header names its ref" [ "$(bytes "$T/pages" 8192 ${#HEAD3})" = \
	"$HEAD3" ]
check "page 2's rows say 'gnttab page 0002'" [ "$(bytes "$T/pages" 8128 16)" = \
	"gnttab page 0002" ]
run 0 map 0 $REFS --write - && cp "$T/out" "$T/stdout"
check "map --write - writes the same bytes to stdout" cmp -s "$T/pages" "$T/stdout"
run 0 map 0 $REFS --ro --write "$T/ro"
check "map --ro --write reads the same bytes" cmp -s "$T/pages" "$T/ro"
quiet map 0 "$R1"
check "map without an action prints what it mapped" \
	grep -Eq "^mapped 1 page of d0 read-write at 0x[0-9a-f]+$" "$T/out"

# --- copy, both directions --------------------------------------------------
: >"$T/copied"
for r in $REFS; do
	run 0 copy 0 "$r" --to "$T/one" && cat "$T/one" >>"$T/copied"
done
check "copy --to of each ref gives the bytes map --write saved" \
	cmp -s "$T/pages" "$T/copied"
printf 'written by gnttab copy --from, 48 bytes long...\n' >"$T/in"
quiet copy 0 "$R2" --offset 200 --from "$T/in"
run 0 copy 0 "$R2" --offset 200 --len 48 --to "$T/back"
check "copy --to reads back what copy --from wrote" cmp -s "$T/in" "$T/back"
run 0 map 0 $REFS --write "$T/pages2"
bytes "$T/pages2" $((4096 + 200)) 48 >"$T/mapped"
check "map sees the copied bytes at page 2 + 200" cmp -s "$T/in" "$T/mapped"
check "copy changed nothing else" [ "$(bytes "$T/pages2" 4096 200)" = \
	"$(bytes "$T/pages" 4096 200)" ]
run 0 copy 0 "$R4" --offset 4000 --to - && cp "$T/out" "$T/tail"
check "copy --offset 4000 --to - copies to the page end (96 bytes)" \
	[ "$(wc -c <"$T/tail")" -eq 96 ]

# --- map --fill --------------------------------------------------------------
dd if=/dev/urandom of="$T/rand" bs=5000 count=1 2>/dev/null
quiet map 0 $REFS --fill "$T/rand"
run 0 map 0 $REFS --write "$T/filled"
bytes "$T/filled" 0 5000 >"$T/filled5000"
check "map --fill puts a 5000-byte file across pages 1-2" \
	cmp -s "$T/rand" "$T/filled5000"
check "and leaves page 2's pattern after it" \
	[ "$(bytes "$T/filled" 8176 16)" = "gnttab page 0002" ]

# --- share --fill --oneline, stopped by SIGHUP ----------------------------
dd if=/dev/urandom of="$T/rand6000" bs=6000 count=1 2>/dev/null
"$G" share 0 2 --oneline --fill "$T/rand6000" >"$T/refs2" 2>"$T/share2.err" &
SH2=$!
if wait_for "$T/share2.err" 'sharing 2 pages' &&
	[ "$(wc -l <"$T/refs2")" -eq 1 ] &&
	[ "$(wc -w <"$T/refs2")" -eq 2 ]; then
	ok "share --oneline prints 2 refs on one line: $(cat "$T/refs2")"
else
	nok "share --oneline prints 2 refs on one line"
fi
run 0 map 0 $(cat "$T/refs2") --write "$T/shared2"
bytes "$T/shared2" 0 6000 >"$T/head6000"
check "share --fill: the peer maps the file's bytes" cmp -s "$T/rand6000" "$T/head6000"
dd if=/dev/zero bs=2192 count=1 2>/dev/null >"$T/zero"
bytes "$T/shared2" 6000 2192 >"$T/rest"
check "share --fill: the rest of the pages is zero" cmp -s "$T/zero" "$T/rest"
kill -HUP $SH2
wait $SH2
check "share exits 0 on SIGHUP" [ $? -eq 0 ]

# --- share --ro: mappable read-only, not writable by copy -------------------
"$G" share 0 1 --ro >"$T/refs3" 2>"$T/share3.err" &
SH3=$!
wait_for "$T/share3.err" 'sharing 1 page with d0 read-only'
R5=$(cat "$T/refs3")
run 0 map 0 "$R5" --ro --write "$T/ro1"
check "share --ro: map --ro sees the pattern" \
	[ "$(bytes "$T/ro1" 64 16)" = "gnttab page 0001" ]
expect 1 "^gnttab: copy: grant copy to d0 ref $R5: undefined error \\(GNTST_general_error; a read-only grant\\?\\)$" \
	copy 0 "$R5" --from "$T/in"
expect 1 "^gnttab: map: xengnttab_map_grant_refs\\(d0, 1 ref\\): [A-Z][a-z]" \
	map 0 "$R5"
kill $SH3
wait $SH3
check "share --ro exits 0 on SIGTERM" [ $? -eq 0 ]

# --- errors ------------------------------------------------------------------
BAD=16777200
expect 1 "^gnttab: map: xengnttab_map_grant_refs\\(d0, 1 ref\\): [A-Z][a-z]+" \
	map 0 $BAD
expect 1 "^gnttab: map: xengnttab_map_grant_refs\\(d0, 3 refs\\): [A-Z][a-z]+" \
	map 0 "$R1" "$R2" $BAD --hexdump
check "a failed map prints no hexdump" [ ! -s "$T/out" ]
expect 1 "^gnttab: copy: grant copy from d0 ref $BAD: invalid grant reference \\(GNTST_bad_gntref\\)$" \
	copy 0 $BAD --to "$T/x"
expect 1 "^gnttab: copy: grant copy from d7 ref $R1: unrecognised domain id \\(GNTST_bad_domain\\)$" \
	copy 7 "$R1" --to "$T/x"
expect 1 "^gnttab: map: $T/nonexistent: No such file or directory$" \
	map 0 "$R1" --fill "$T/nonexistent"
dd if=/dev/zero of="$T/big" bs=4097 count=1 2>/dev/null
expect 1 "^gnttab: map: $T/big: larger than the 1 mapped pages" \
	map 0 "$R1" --fill "$T/big"
expect 1 "^gnttab: copy: $T/big: larger than the 4096 bytes" \
	copy 0 "$R1" --from "$T/big"
expect 1 "^gnttab: copy: $T/in: only 48 bytes, --len asks for 100$" \
	copy 0 "$R1" --len 100 --from "$T/in"
expect 2 "^gnttab: map: need DOMID and at least one REF$" map 0
expect 2 "^gnttab: map: invalid REF 'ten' \\(a number from 0 to 4294967295\\)$" map 0 ten
expect 2 "^gnttab: map: --hexdump and --write exclude each other$" \
	map 0 "$R1" --hexdump --write "$T/x"
expect 2 "^gnttab: share: NPAGES must be at least 1$" share 0 0
expect 2 "^gnttab: copy: need exactly one of --from FILE and --to FILE$" copy 0 "$R1"
expect 2 "^gnttab: copy: --offset 4000 --len 200: need 1 to 96 bytes" \
	copy 0 "$R1" --offset 4000 --len 200 --to "$T/x"
expect 2 "^gnttab: unknown command 'mapp'$" mapp 0 "$R1"
expect 2 "^Try 'gnttab map --help'.$" map 0 "$R1" --bogus

# --- bench -------------------------------------------------------------------
if run 0 bench --pages 4 --iter 200; then
	sed 's/^/#   /' "$T/out"
	check "bench prints µs/cycle" grep -Eq '^cycle +[0-9]+\.[0-9] .*s/cycle' "$T/out"
	check "bench prints pages/s" grep -Eq '^rate +[1-9][0-9]* pages/s$' "$T/out"
else
	nok "bench --pages 4 --iter 200"
fi

# --- list ----------------------------------------------------------------------
if [ "$DRV" = ours ]; then
	quiet list
	check "list: nothing open" grep -q '^no process has /dev/xen/gntdev open$' "$T/out"
	"$G" map 0 $REFS --hold >"$T/hold.out" 2>"$T/hold.err" &
	HP=$!
	wait_for "$T/hold.err" "holding 4 pages of d0 at 0x[0-9a-f]+ \\(pid $HP\\)"
	if run 0 list; then
		cp "$T/out" "$T/list"
		sed 's/^/#   /' "$T/list"
		check "list: summary counts the held map" \
			grep -Eq '^gntdev \(pv\): 1 open file, 1 map, 4 grants; ' "$T/list"
		check "list: header row" grep -Eq '^PID +COMM +SLOTS +OFFSET +PAGES +MMAPPED +VADDR +RO +LIVE +NOTIFY +REFS$' "$T/list"
		check "list: the holder's row (pid $HP, 4 pages, mapped rw)" \
			awk -v p=$HP '$1 == p && $2 == "gnttab" && $4 == "0x0" &&
				$5 == 4 && $6 == "yes" && $7 ~ /^0x/ &&
				$8 == "no" && $10 == "-" && $11 ~ /^0:/ { f = 1 }
				END { exit !f }' "$T/list"
	else
		nok "list while map --hold runs"
	fi
	run 0 list --raw
	check "list --raw is the state file" grep -Eq \
		"^map: offset=0x0 count=4 mmapped=yes live=(4|8) vaddr=0x[0-9a-f]+ ro=no refs=0:$R1,0:$R2,0:$R3,0:$R4\$" "$T/out"
	kill $HP
	wait $HP
	check "map --hold exits 0 on SIGTERM" [ $? -eq 0 ]
	quiet list
	check "list: nothing open once the holder is gone" \
		grep -Eq '^gntdev \(pv\): 0 open files, 0 maps, 0 grants' "$T/out"
else
	expect 1 "^gnttab: list: /sys/kernel/debug/gntdev/state: no such file: the loaded driver is the stock xen-gntdev, which has no state file" list
fi

# --- unshare: the refs are gone ------------------------------------------------
kill $SH
wait $SH
check "share exits 0 on SIGTERM" [ $? -eq 0 ]
check "share said nothing but its notice" [ "$(wc -l <"$T/share.err")" -eq 1 ]
expect 1 "^gnttab: map: xengnttab_map_grant_refs\\(d0, 1 ref\\): " map 0 "$R1"

echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
