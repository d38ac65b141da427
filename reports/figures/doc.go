// Package figures draws a run's figures with gonum.org/v1/plot, as SVG and
// PNG: utilisation, pending tasks, shares, fairness, GPU fragmentation over
// simulated time, wait-time CDFs and allocator cycle wall time. Each figure
// has a title, axis labels with units, a legend and a distinct colour (and,
// past seven series, dash pattern) per series. Compare overlays several runs.
package figures
