# SPDX-License-Identifier: GPL-2.0
#
# plot.gp - the benchmark's picture, from the .dat files report.py writes
# (columns: x stock ours floor floor2, medians over rounds).  Run in that
# directory: gnuplot -e "out='results.png'" -e "clock='icount'" plot.gp
# (an out ending in .svg makes an SVG: text, for the README).

if (!exists("out")) out = "results.png"
if (!exists("clock")) clock = "icount"
if (strstrt(out, ".svg") > 0) {
	set terminal svg size 1800,560 font ",10" noenhanced
} else {
	set terminal pngcairo size 1800,560 font ",10" noenhanced
}
set output out
set multiplot layout 1,3 title sprintf("gntdev: stock xen-gntdev vs ours vs the hypervisor floor (Xen 4.17 PV dom0 under QEMU TCG, clock: %s, medians over rounds)", clock)
set grid
set key top left
set style data linespoints

set title "Full cycle: MAP + mmap + touch + munmap + UNMAP"
set key bottom right
set logscale xy
set xlabel "batch (pages per map)"
set ylabel "pages/s"
plot "full.dat" using 1:2 title "stock xen-gntdev" lw 4 pt 7 ps 1.5, \
     "" using 1:3 title "ours gntdev.ko" lw 2 pt 5, \
     "" using 1:4 title "floor: 1 map+unmap op/page, PTE (as ours)" dt 2 pt 1, \
     "" using 1:5 title "floor2: 2 per page, PTE + kernel (as stock)" dt 3 pt 2

set title "Grant copy, 4 KiB segments"
set key center right
unset logscale y
set logscale x
set xlabel "segments per call"
set ylabel "MiB/s"
plot "copy-in.dat" using 1:2 title "stock, gref->local" lw 2 pt 7, \
     "" using 1:3 title "ours, gref->local" lw 2 pt 5, \
     "" using 1:4 title "floor, gref->local" dt 2 pt 1, \
     "copy-out.dat" using 1:2 title "stock, local->gref" lw 2 pt 6, \
     "" using 1:3 title "ours, local->gref" lw 2 pt 4, \
     "" using 1:4 title "floor, local->gref" dt 2 pt 2

set title "MAP_GRANT_REF + UNMAP_GRANT_REF beside N live maps"
set key top left
set logscale xy
set xlabel "live maps in the file (0 drawn at 1)"
set ylabel "us per pair"
plot "ioctl.dat" using ($1 > 0 ? $1 : 1):2 title "stock" lw 2 pt 7, \
     "" using ($1 > 0 ? $1 : 1):3 title "ours" lw 2 pt 5

unset multiplot
