# Goodput against offered load, from overload.dat (one column per
# implementation, in % of the backend's capacity).
#   gnuplot -e "data='results/overload.dat'; out='results/overload.png'" cmd/overload/plot.gp
set terminal pngcairo size 900,560 font ",11"
set output out
set title "Goodput under overload (backend: 16 slots x 40 ms = 400 req/s; client deadline 1 s)"
set xlabel "offered load (x capacity)"
set ylabel "goodput (% of capacity)"
set logscale x 2
set xtics ("0.5x" 0.5, "1x" 1, "2x" 2, "4x" 4)
set yrange [0:110]
set key bottom left box opaque
set grid
stats data skip 1 nooutput
plot for [i=2:STATS_columns] data using 1:i with linespoints lw 2 pt 7 title columnhead(i)
