# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# payload-lib.sh - what every lab payload does in dom0, written once: load
# the stock xen-gntdev or swap in ours, run a test program and keep its
# CASE lines, compare two runs' CASE lines with a list of expected
# differences.  mkinitramfs.sh puts it in every dom0 image as
# /lab/payload-lib.sh; a payload's run sources it:
#
#	PL_NAME=conform
#	. /lab/payload-lib.sh
#	pl_run stock ./gntdev-conform --stock
#	pl_use_ours || exit 8
#	pl_run ours ./gntdev-conform
#	pl_compare stock ours expected-differences || exit 4
#
# Messages start with "$PL_NAME: ".  Functions that set up the machine
# return 8 when they fail, the status payloads give a failed setup; those
# whose exit statuses say otherwise map it to their own.  Runs are kept in
# /tmp/NAME.log and their CASE lines in /tmp/NAME.case.

PL_NAME=${PL_NAME:-payload}
PL_NODE=/dev/xen/gntdev

pl_say()
{
	echo "$PL_NAME: $*"
}

# pl_node [!]: wait up to 5 s until $PL_NODE is a character device (with
# "!": until it is gone); devtmpfs adds and removes it asynchronously.
pl_node()
{
	pl_i=0
	while ! test "$@" -c $PL_NODE && [ $pl_i -lt 50 ]; do
		sleep 0.1
		pl_i=$((pl_i + 1))
	done
	test "$@" -c $PL_NODE
}

# The gntdev modules loaded, for the log.
pl_driver()
{
	lsmod | awk '$1 ~ /gntdev/ { printf "%s ", $1 }'
}

# Unload whichever gntdev owns the node, and wait until the node is gone.
pl_unload()
{
	for pl_m in xen_gntdev gntdev; do
		[ -d /sys/module/$pl_m ] || continue
		if ! rmmod $pl_m; then
			pl_say "rmmod $pl_m failed"
			return 8
		fi
	done
	if ! pl_node !; then
		pl_say "$PL_NODE still there after rmmod"
		return 8
	fi
}

# pl_use_ours [KO]: our driver (./gntdev.ko, or KO) in place of the one
# loaded, its node there.
# shellcheck disable=SC2120 # KO is optional
pl_use_ours()
{
	pl_ko=${1:-./gntdev.ko}
	pl_unload || return 8
	# Literally "insmod": debug/run wraps it to mark the phase.
	if ! insmod "$pl_ko"; then
		pl_say "insmod $pl_ko failed"
		return 8
	fi
	if ! pl_node; then
		pl_say "$PL_NODE did not appear after insmod $pl_ko"
		return 8
	fi
}

# The stock xen-gntdev in place of ours (for payloads that go back).
pl_use_stock()
{
	[ -d /sys/module/xen_gntdev ] && pl_node && return 0
	pl_unload || return 8
	if ! modprobe xen-gntdev; then
		pl_say "modprobe xen-gntdev failed"
		return 8
	fi
	if ! pl_node; then
		pl_say "$PL_NODE did not appear after modprobe xen-gntdev"
		return 8
	fi
}

# Unload ours at the end: a module that will not go is a failure.
pl_unload_ours()
{
	rmmod gntdev && return 0
	pl_say "rmmod gntdev failed"
	return 1
}

# xen-gntalloc with room for N grants in all (default 1024): reloaded, or
# its writable parameter set if it is busy.
pl_gntalloc_limit()
{
	pl_lim=/sys/module/xen_gntalloc/parameters/limit
	rmmod xen_gntalloc 2>/dev/null
	modprobe xen-gntalloc limit="$1" 2>/dev/null
	[ "$(cat $pl_lim 2>/dev/null)" = "$1" ] || echo "$1" >$pl_lim 2>/dev/null
	[ "$(cat $pl_lim 2>/dev/null)" = "$1" ] && return 0
	pl_say "cannot set xen-gntalloc's limit to $1"
	return 8
}

# vgem, the dma-buf exporter whose buffers the conformance suite's dmabuf
# group imports; without it those cases fail ("vgem=ENOENT").
pl_vgem()
{
	modprobe vgem 2>/dev/null && return 0
	pl_say "modprobe vgem failed"
	return 8
}

pl_debugfs()
{
	grep -q ' /sys/kernel/debug ' /proc/mounts && return 0
	mkdir -p /sys/kernel/debug
	mount -t debugfs debugfs /sys/kernel/debug
}

# pl_xdom CMD [ARG...]: start the dom0 half of a two-domain test, which
# prints "XDOM-REFS r,r,..." and holds its grants until its stdin closes;
# the refs in PL_REFS.  pl_xdom_end (once the domU is gone) lets it finish,
# prints its output and returns its status.
pl_xdom()
{
	rm -f /tmp/xdom.ctl
	mkfifo /tmp/xdom.ctl
	"$@" </tmp/xdom.ctl >/tmp/xdom.out 2>&1 &
	pl_xdom_pid=$!
	pl_xdom_cmd=$1
	exec 3>/tmp/xdom.ctl
	PL_REFS=
	for _ in $(seq 1 100); do
		PL_REFS=$(sed -n 's/^XDOM-REFS //p' /tmp/xdom.out)
		[ -n "$PL_REFS" ] && return 0
		kill -0 $pl_xdom_pid 2>/dev/null || break
		sleep 0.1
	done
	pl_say "$1 printed no refs"
	pl_xdom_end
	return 1
}

pl_xdom_end()
{
	exec 3>&-
	wait "$pl_xdom_pid"
	pl_rc=$?
	pl_say "dom0 side ($pl_xdom_cmd):"
	grep -v '^XDOM-REFS' /tmp/xdom.out
	return $pl_rc
}

# pl_run NAME CMD [ARG...]: run CMD, print its output and how long it
# took, keep it in /tmp/NAME.log and its CASE lines in /tmp/NAME.case;
# returns CMD's status.
pl_run()
{
	pl_n=$1
	shift
	pl_say "=== $pl_n driver: $(pl_driver)==="
	pl_t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" >"/tmp/$pl_n.log" 2>&1
	pl_rc=$?
	pl_t=$(awk -v t0="$pl_t0" '{ printf "%.1f s", $1 - t0 }' /proc/uptime)
	cat "/tmp/$pl_n.log"
	grep '^CASE ' "/tmp/$pl_n.log" >"/tmp/$pl_n.case"
	pl_c=$(wc -l <"/tmp/$pl_n.case")
	if [ "$pl_c" -gt 0 ]; then
		pl_say "$pl_n run: exit $pl_rc, $pl_c cases, $pl_t"
	else
		pl_say "$pl_n run: exit $pl_rc, $pl_t"
	fi
	return $pl_rc
}

# pl_stock_then_ours CMD [ARG...]: run "stock" is CMD --stock ARG... on
# the stock driver (skipped with PL_STOCK=0), then ours is swapped in and
# run "ours" is CMD ARG... (skipped with PL_OURS=0).  Their statuses are
# left in pl_stock_rc and pl_ours_rc (empty: not run); returns 8 if the
# swap failed, else 0.
# shellcheck disable=SC2034 # the statuses are the caller's
pl_stock_then_ours()
{
	pl_cmd=$1
	shift
	pl_stock_rc=
	pl_ours_rc=
	if [ "${PL_STOCK:-1}" = 1 ]; then
		pl_run stock "$pl_cmd" --stock "$@"
		pl_stock_rc=$?
	fi
	[ "${PL_OURS:-1}" = 1 ] || return 0
	# shellcheck disable=SC2119
	pl_use_ours || return 8
	pl_run ours "$pl_cmd" "$@"
	pl_ours_rc=$?
	return 0
}

# pl_compare A B LIST: the CASE lines of runs A and B agree but for the
# cases named in LIST (one per line, "# reason" comments), which are
# printed side by side.  Returns 1 if they do not.  One awk does what
# the runs' files need (a few grep and sed per listed case cost seconds
# of emulated process starts).
pl_compare()
{
	awk -v a="$1" -v b="$2" -v name="$PL_NAME" '
		BEGIN { printf "" >("/tmp/" a ".cmp"); printf "" >("/tmp/" b ".cmp") }
		FILENAME == ARGV[1] {
			sub(/#.*/, "")
			if (NF) { n++; list[n] = $1; skip[$1 ":"] = 1 }
			next
		}
		{
			run = FILENAME == ARGV[2] ? a : b
			if (!($2 in skip)) { print >("/tmp/" run ".cmp"); next }
			v = $0
			sub(/^[^:]*: /, "", v)
			k = run SUBSEP $2
			if (k in seen)
				seen[k] = seen[k] "\n" v
			else
				seen[k] = v
		}
		END {
			for (i = 1; i <= n; i++) {
				x = seen[a SUBSEP list[i] ":"]
				y = seen[b SUBSEP list[i] ":"]
				if (x == y)
					printf "%s: listed difference %s: now the same (\047%s\047)\n", name, list[i], x
				else
					printf "%s: listed difference %s: %s \047%s\047, %s \047%s\047\n", name, list[i], a, x, b, y
			}
		}' "$3" "/tmp/$1.case" "/tmp/$2.case"
	if diff -u "/tmp/$1.cmp" "/tmp/$2.cmp" >"/tmp/$1-$2.diff"; then
		pl_say "$1 and $2 agree on $(wc -l <"/tmp/$2.cmp") cases"
		return 0
	fi
	pl_say "UNEXPECTED DIFFERENCES ($1 -, $2 +):"
	cat "/tmp/$1-$2.diff"
	return 1
}
