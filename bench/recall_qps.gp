# Recall@10 against queries per second, a line per searcher, from the points that
# `int8_graph ... --plot POINTS.tsv` writes (a block per searcher, its name in the header):
#   gnuplot -e "points='POINTS.tsv'; out='plot.svg'; title='...'" bench/recall_qps.gp
set terminal svg size 720,480 dynamic font "sans,12"
set output out
set title title noenhanced
set datafile separator "\t"
set key bottom left noenhanced
set logscale y
set xlabel "recall@10" noenhanced
set ylabel "queries per second, one thread (log scale)"
set grid
set xrange [*:1.005]
plot for [i = 0:2] points index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1), \
     points index 3 using 1:2 with points pt 5 ps 1.5 title columnheader(1)
