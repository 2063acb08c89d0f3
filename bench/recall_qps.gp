# Recall@10 against queries per second, one line per searcher, from the points
# `int8_graph ... --plot POINTS.tsv` writes (side, ef, recall, qps; tab-separated):
#   gnuplot -e "points='POINTS.tsv'; out='plot.svg'; title='...'" bench/recall_qps.gp
set terminal svg size 720,480 dynamic font "sans,12"
set output out
set title title
set datafile separator "\t"
set key bottom left
set logscale y
set xlabel "recall@10"
set ylabel "queries per second, one thread (log scale)"
set grid
set xrange [*:1.002]
plot for [side in "raw_hnswlib_float32 picdex_float32 picdex_int8"] \
       points using (strcol(1) eq side ? $3 : NaN):4 with linespoints lw 2 pt 7 \
       title side noenhanced, \
     points using (strcol(1) eq "exact_scan" ? $3 : NaN):4 with points pt 5 ps 1.5 \
       title "exact scan"
