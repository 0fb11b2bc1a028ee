#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# proof.sh - our Debian packages on a Debian bookworm or trixie dom0, and
# back.
#
# Runs as root in the booted dom0, chrooted into Debian's release (see
# run): dpkg -i the packages (DKMS builds gntdev.ko here, for the running
# kernel), load the driver as Xen's init scripts do (modprobe xen-gntdev),
# start Debian's xenstored and xenconsoled and a PV domU, and show that
# they and a Debian-built vchan client map the domU's and dom0's grants
# through our driver and run our library (the file each process has
# mapped, hashed, is the one in build/deb's package).  Then dpkg -r and
# --purge, the in-tree xen-gntdev in place of ours (rmmod stands in for
# the reboot), the daemons restarted, and the same checks give Debian's
# library and driver.  Prints "ok - ..." / "not ok - ..." and exits 1 if
# anything failed.  expected holds the sha256 of our libxengnttab.so.1.2
# (OURS) and of Debian's (DEBIAN), taken on the host from the packages.

set -u
D=/root/debproof
# shellcheck disable=SC1091
. $D/expected
# The release's one Xen toolstack: xen-utils-4.17 or -4.20.
xb=$(echo /usr/lib/xen-4.*/bin)
lib=/usr/lib/x86_64-linux-gnu/libxengnttab.so.1.2
state=/sys/kernel/debug/gntdev/state
conlog=/var/log/xen/console
kver=$(uname -r)
log=/tmp/proof.log
failed=0
passed=0
domid=
domain=

# One numbered claim: "ok - WHAT (seconds)" or "not ok - WHAT", and what
# the check printed, either way (the run's record of what dom0 showed).
check()
{
	local what=$1 t0=$SECONDS
	shift
	if "$@" >$log 2>&1; then
		echo "ok - $what ($((SECONDS - t0)) s)"
		sed 's/^/    /' $log
		passed=$((passed + 1))
		return 0
	fi
	echo "not ok - $what"
	sed 's/^/    /' $log
	failed=$((failed + 1))
	return 1
}

# Stop here, leaving nothing that maps a grant behind: the lab's leak
# check follows.
finish()
{
	stop_all >/dev/null 2>&1
	echo "debproof: $passed passed, $failed failed"
	[ $failed -eq 0 ] && [ "${1:-}" = "done" ]
	exit
}

# Content, not name: diversions move files under the same names.
sha()
{
	sha256sum "$1" | cut -d' ' -f1
}

# The libxengnttab a running process has mapped: its path in maps, and
# the sha256 of the very file mapped (map_files opens the mapped inode,
# whatever its name is now).
mapped_lib()
{
	local pid=$1 range path
	read -r range path <<<"$(awk '/libxengnttab\.so/ { print $1, $6; exit }' \
		/proc/"$pid"/maps)"
	[ -n "$range" ] || {
		echo "pid $pid maps no libxengnttab"
		return 1
	}
	echo "$path $(sha /proc/"$pid"/map_files/"$range")"
}

# Process $1 (a pid) has mapped the libxengnttab with sha256 $2.
runs_lib()
{
	local pid=$1 want=$2 out
	out=$(mapped_lib "$pid") || return 1
	echo "pid $pid ($(cat /proc/"$pid"/comm)): $out"
	[ "${out##* }" = "$want" ]
}

# Each of the pids has /dev/xen/gntdev open.
has_gntdev_open()
{
	local pid fd
	for pid; do
		for fd in /proc/"$pid"/fd/*; do
			[ "$(readlink "$fd")" = /dev/xen/gntdev ] && continue 2
		done
		echo "pid $pid has no /dev/xen/gntdev open"
		return 1
	done
}

# Our driver's state has a file of pid $1 (comm $2) with a map of
# (domid:ref) $3.
state_has()
{
	awk -v pid="$1" -v comm="$2" -v ref="$3" '
		/^file: / { mine = ($2 == "pid=" pid && $3 == "comm=" comm) }
		mine && /^map: / && $0 ~ "refs=([0-9:,]*,)?" ref "(,|$)" { found = 1 }
		END { exit !found }' $state
}

# The gntdev.ko DKMS installed for the running kernel: trixie's DKMS
# compresses it as the kernel's own modules are (.ko.xz).
dkms_ko()
{
	ls /lib/modules/$kver/updates/dkms/gntdev.ko* 2>/dev/null
}

# The loaded module $1 is the file $2 (.ko or .ko.xz): the GNU build ID in
# its notes in sysfs is the file's.
runs_ko()
{
	local id notes
	xz -dcf "$2" >/tmp/runs_ko.ko || return 1
	id=$(readelf -n /tmp/runs_ko.ko | awk '/Build ID/ { print $3 }')
	rm -f /tmp/runs_ko.ko
	notes=$(od -An -tx1 -v /sys/module/"$1"/notes/.note.gnu.build-id |
		tr -d ' \n')
	echo "$1 build ID ${notes: -${#id}}, $2 $id"
	[ -n "$id" ] && [ "${notes%"$id"}" != "$notes" ]
}

# The pid a daemon wrote (--pid-file): its main process, not a helper.
pid_of()
{
	cat /run/"$1".pid 2>/dev/null
}

# Debian's toolstack daemons, started as xencommons starts them.
start_toolstack()
{
	mkdir -p /run/xen /run/xenstored /run/lock $conlog /var/lib/xen \
		/var/lib/xenstored
	$xb/xenstored --pid-file /run/xenstored.pid || return 1
	$xb/xen-init-dom0 || return 1
	$xb/xenconsoled --log=guest --log-dir=$conlog \
		--pid-file=/run/xenconsoled.pid || return 1
	for _ in $(seq 50); do
		[ -n "$(pid_of xenconsoled)" ] && break
		sleep 0.2
	done
	echo "xenstored pid $(pid_of xenstored), xenconsoled pid $(pid_of xenconsoled)"
	[ -n "$(pid_of xenstored)" ] && [ -n "$(pid_of xenconsoled)" ]
}

# A PV domU (the lab kernel, a busybox ramdisk) named $1; wait for its
# console line in xenconsoled's log.
create_domu()
{
	domain=$1
	cat >/tmp/$domain.cfg <<-CFG
		name = "$domain"
		type = "pv"
		kernel = "$D/domu/vmlinuz"
		ramdisk = "$D/domu/ramdisk.gz"
		extra = "console=hvc0 loglevel=5 panic=-1"
		memory = 128
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	CFG
	$xb/xl create /tmp/$domain.cfg || return 1
	domid=$($xb/xl domid "$domain") || return 1
	for _ in $(seq 600); do
		grep -q 'debproof-domU up' $conlog/guest-$domain.log 2>/dev/null &&
			break
		sleep 0.5
	done
	echo "domid $domid; console: $(grep -a 'debproof-domU up' $conlog/guest-$domain.log)"
	grep -q 'debproof-domU up' $conlog/guest-$domain.log
}

# A process has exited (a zombie has closed its files too).
gone()
{
	! grep -q '^State:[[:space:]]*[^Z]' /proc/"$1"/status 2>/dev/null
}

# Kill a daemon by its pid file and wait until it is gone.
stop_daemon()
{
	local pid
	pid=$(pid_of "$1")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do
		gone "$pid" && break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	rm -f /run/"$1".pid
}

# Everything that may map a grant, in the order that lets each go:
# vchan, the domU (its rings), then the daemons.
stop_all()
{
	vchan_stop
	[ -z "$domain" ] || $xb/xl destroy "$domain"
	domain=
	stop_daemon xenconsoled
	stop_daemon xenstored
}

# Debian's vchan-socket-proxy (libxenvchan on libxengnttab) both ways in
# dom0: a server sharing a ring (gntshr) that echoes back what it gets
# (its data fd is a FIFO open for reading and writing), and a client that
# maps the server's grants (gnttab) and writes a line.  The client stays
# connected until vchan_stop, with the loader's symbol bindings logged.
vchan_start()
{
	local tag=$1 path=/local/domain/0/data/debproof-$1
	vdir=/tmp/vchan-$tag
	mkdir -p $vdir
	mkfifo $vdir/echo $vdir/in
	$xb/vchan-socket-proxy -m server 0 "$path" 3 3<>$vdir/echo \
		>$vdir/server.log 2>&1 &
	vserver=$!
	LD_DEBUG=bindings LD_DEBUG_OUTPUT=$vdir/ld \
		$xb/vchan-socket-proxy 0 "$path" - <$vdir/in >$vdir/out \
		2>$vdir/client.log &
	vclient=$!
	exec 7<>$vdir/in
	echo "vchan-echo-$tag" >&7
	for _ in $(seq 300); do
		grep -q "vchan-echo-$tag" $vdir/out && break
		sleep 0.2
	done
	echo "server pid $vserver, client pid $vclient; client got: $(cat $vdir/out)"
	grep -q "vchan-echo-$tag" $vdir/out
}

# Close the client's input: it and the server end.
vchan_stop()
{
	[ -n "${vclient:-}" ] || return 0
	exec 7>&-
	for _ in $(seq 50); do
		gone $vclient && gone $vserver && break
		sleep 0.2
	done
	kill -9 $vclient $vserver 2>/dev/null
	wait $vclient $vserver 2>/dev/null
	vclient=
}

# libxenvchan's calls into libxengnttab went to the file the loader knows
# by libxengnttab.so.1 (LD_DEBUG=bindings).
vchan_bindings()
{
	local re='binding file [^ ]*/libxenvchan[^ ]* \[0\] to [^ ]*/libxengnttab\.so\.1 \[0\]: normal symbol `xengnt'
	grep -hE "$re" $vdir/ld.* | sed 's/^ *[0-9]*:[[:space:]]*//'
	grep -hqE "${re}tab_map_" $vdir/ld.*
}

# --- before ----------------------------------------------------------------

# Debian's file is the one named libxengnttab.so.1.2 before we start:
# otherwise the later comparisons prove nothing.
before()
{
	echo "dom0 kernel $kver, $(dpkg-query -W libxengnttab1 'xen-utils-4.*' | tr '\t\n' '  ')"
	[ "$(sha $lib)" = "$DEBIAN" ]
}

# --- our packages ------------------------------------------------------------

# dpkg -i as on a real host (README), all four at once; gntdev-dkms's
# postinst must report the build for the running kernel.
install_debs()
{
	local out p mk t0
	t0=$(date)
	out=$(dpkg -i $D/debs/*.deb 2>&1)
	echo "$out" | grep -E 'gntdev-dkms|Setting up|dkms|rror'
	# Where the time goes: dpkg -i began at $t0, make at the log's start.
	for mk in /var/lib/dkms/gntdev/*/"$kver"/*/log/make.log; do
		echo "dpkg -i at $t0; make from $(sed -n 2p "$mk") to $(date -r "$mk")"
	done
	for p in gntdev-dkms libxengnttab1-gntdev gnttab libxengnttab-gntdev-dev; do
		dpkg-query -W -f '${Package} ${Version} ${Status}\n' $p |
			grep ' install ok installed$' || return 1
	done
	echo "$out" | grep -q "gntdev.ko built and installed for $kver" &&
		[ -z "$(dpkg --audit)" ] &&
		modinfo -F vermagic "$(dkms_ko)" |
		grep "^$kver "
}

# dpkg names both packages for the path; the diversion says whose file
# is there.
diverted()
{
	dpkg-divert --list '*libxengnttab*'
	dpkg -S $lib
	dpkg -S $lib | grep -qx "diversion by libxengnttab1-gntdev from: $lib" &&
		[ "$(sha $lib)" = "$OURS" ]
}

# As xencommons does at boot; our modprobe.d turns it into gntdev.ko,
# the one DKMS built.
modprobe_ours()
{
	modprobe -v xen-gntdev || return 1
	lsmod | grep gntdev
	[ -d /sys/module/gntdev ] && [ ! -d /sys/module/xen_gntdev ] &&
		runs_ko gntdev "$(dkms_ko)"
}

# A domU's rings are its grant refs 1 (xenstore) and 0 (console).
daemons_on_ours()
{
	local xs xc
	xs=$(pid_of xenstored) xc=$(pid_of xenconsoled)
	grep -E "^(module|file): " $state
	state_has "$xs" xenstored "$domid:1" && state_has "$xc" xenconsoled "$domid:0"
}

# What an administrator would look at (README): the same, through the
# packaged CLI.
gnttab_lists()
{
	local xs xc
	xs=$(pid_of xenstored) xc=$(pid_of xenconsoled)
	gnttab list || return 1
	gnttab list | grep -w "$xs" | grep -qw xenstored &&
		gnttab list | grep -w "$xc" | grep -qw xenconsoled
}

# Both daemons have mapped the libxengnttab with sha256 $1.
daemons_run_lib()
{
	runs_lib "$(pid_of xenstored)" "$1" && runs_lib "$(pid_of xenconsoled)" "$1"
}

# The vchan client maps the server's ring (dom0's grant) through our
# driver, with our library, bound by the loader to it.
vchan_on_ours()
{
	grep -A3 "^file: pid=$vclient " $state
	state_has "$vclient" vchan-socket-pr "0:[0-9]*" &&
		runs_lib "$vclient" "$OURS" && vchan_bindings
}

# Driver $1 is loaded and held (the daemons' open files), $2 is not
# loaded at all.
module_in_use()
{
	local m=$1 other=$2 n
	n=$(cat /sys/module/"$m"/refcnt) || return 1
	echo "/sys/module/$m/refcnt $n; /sys/module/$other: $(ls -d /sys/module/"$other" 2>&1)"
	[ "$n" -gt 0 ] && [ ! -e /sys/module/"$other" ] &&
		has_gntdev_open "$(pid_of xenstored)" "$(pid_of xenconsoled)"
}

# --- removal -------------------------------------------------------------------

# Nothing left behind in our driver before it goes.
stopped()
{
	stop_all
	head -n 1 $state
	head -n 1 $state | grep -q '^module: files=0 maps=0 grants=0 '
}

# dpkg -r and --purge as on a real host: nothing of ours may remain
# and Debian's packages must verify.
remove_debs()
{
	dpkg -r gnttab libxengnttab-gntdev-dev libxengnttab1-gntdev &&
		dpkg --purge gntdev-dkms || return 1
	! dpkg-divert --list | grep gntdev &&
		dpkg --verify libxengnttab1 libxen-dev &&
		[ -z "$(dpkg --audit)" ] &&
		[ -z "$(dkms_ko)" ] &&
		[ ! -e /etc/modprobe.d/gntdev.conf ] &&
		[ -z "$(dkms status gntdev)" ]
}

# Debian's file under its own name again, owned by libxengnttab1 alone.
debian_lib_back()
{
	dpkg -S $lib
	[ "$(dpkg -S $lib)" = "libxengnttab1:amd64: $lib" ] &&
		[ "$(sha $lib)" = "$DEBIAN" ]
}

# Removal leaves a loaded gntdev until reboot (prerm); rmmod stands in
# for the reboot, then xencommons's modprobe gets the in-tree driver.
modprobe_stock()
{
	rmmod gntdev || return 1
	modprobe -v xen-gntdev || return 1
	lsmod | grep gntdev
	[ -d /sys/module/xen_gntdev ] && [ ! -d /sys/module/gntdev ] &&
		runs_ko xen_gntdev \
			/lib/modules/$kver/kernel/drivers/xen/xen-gntdev.ko
}

# Debian's library again in a new client (stock has no state file).
vchan_on_stock()
{
	runs_lib "$vclient" "$DEBIAN" && has_gntdev_open "$vclient" &&
		vchan_bindings
}

trap 'finish' INT TERM
echo "our libxengnttab.so.1.2: $OURS"
echo "Debian's:                $DEBIAN"
depmod -a
# man-db's trigger re-indexes every manual page after each dpkg run that
# ships one (trixie's has debhelper, hence man-db): under QEMU's TCG that
# is most of a minute per run and proves nothing about our packages.  The
# file is Debian's own switch (debconf man-db/auto-update).
rm -f /var/lib/man-db/auto-update
check "before: Debian's libxengnttab.so.1.2 in place" before || finish
check "dpkg -i our four packages: DKMS builds gntdev.ko for $kver here" \
	install_debs || finish
check "libxengnttab.so.1.2 is ours (dpkg -S, sha256), Debian's diverted" diverted
check "modprobe xen-gntdev (as xencommons) loads our DKMS-built gntdev" \
	modprobe_ours || finish
check "Debian's xenstored, xen-init-dom0, xenconsoled start" \
	start_toolstack || finish
check "xl create: a PV domU is up, its console in xenconsoled's log" \
	create_domu debproof-ours || finish
check "our driver's state: xenstored maps the domU's xenstore ring, xenconsoled its console" \
	daemons_on_ours
check "gnttab list names xenstored and xenconsoled" gnttab_lists
check "xenstored and xenconsoled run our library (mapped file's sha256 = build/deb's)" \
	daemons_run_lib "$OURS"
check "Debian's vchan-socket-proxy: echo over a dom0 vchan" vchan_start ours
check "the vchan client maps through our driver, runs our library (map_files, LD_DEBUG=bindings)" \
	vchan_on_ours
check "our gntdev in use (refcnt), no xen_gntdev; the daemons have /dev/xen/gntdev open" \
	module_in_use gntdev xen_gntdev
check "domU destroyed, daemons and vchan stopped: our driver holds nothing" \
	stopped
check "dpkg -r, dpkg --purge gntdev-dkms: no diversion, no gntdev.ko, dpkg --verify clean" \
	remove_debs
check "Debian's libxengnttab.so.1.2 back (dpkg -S, sha256 = libxengnttab1's)" \
	debian_lib_back
check "rmmod gntdev (for the reboot); modprobe xen-gntdev loads the in-tree driver" \
	modprobe_stock || finish
check "Debian's daemons restarted" start_toolstack || finish
check "xl create: a second PV domU is up" create_domu debproof-stock || finish
check "xenstored and xenconsoled run Debian's library (sha256 = libxengnttab1's)" \
	daemons_run_lib "$DEBIAN"
check "vchan echo again" vchan_start stock
check "the vchan client runs Debian's library" vchan_on_stock
check "xen_gntdev in use (refcnt), our gntdev gone; the daemons have /dev/xen/gntdev open" \
	module_in_use xen_gntdev gntdev
finish "done"
