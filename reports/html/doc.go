// Package html writes a run's report — one self-contained report.html (the
// figures inlined as data URIs, no network needed to open it) with the
// summary table, the figures and the exact config — plus figures/*.svg and
// *.png; and the comparison of several runs as compare.html and compare.md.
// Everything is regenerated from the run folder's Parquet and JSON files.
package html
