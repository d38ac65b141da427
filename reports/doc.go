// Package reports turns a run into files people can read and reuse: a
// bounded-memory collector (it implements sim.Observer), the run folder's
// Parquet and JSON outputs, and readers for them. Figures live in
// reports/figures and the HTML/Markdown report and comparison in
// reports/html.
//
// A run folder holds:
//
//	summary.json        headline figures, the exact resolved config, the version (deterministic)
//	tasks.parquet       one row per task attempt (deterministic)
//	timeseries.parquet  one row per sample interval of simulated time (deterministic)
//	agents.parquet      one row per agent: id, name, rack, zone, GPU model, capacity (deterministic)
//	cycles.parquet      one row per allocation cycle; wall_ns is wall-clock time and differs between runs
//	timing.json         wall-clock figures (run wall time, cycle wall time p50/p99/max); differs between runs
//
// Every file is written to a temporary name in the folder and renamed when
// complete, summary.json last: a folder without summary.json is an
// interrupted run.
package reports
