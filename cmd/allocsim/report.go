package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
)

func init() {
	register(&command{name: "report", summary: "regenerate a run's report, compare runs, or export a run as CSV", run: runReport})
}

func runReport(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "compare" {
		return runCompare(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "csv" {
		return runReportCSV(args[1:], stdout, stderr)
	}
	fs := newFlagSet("report", "report RUN_DIR\n       allocsim report compare [--out DIR] RUN_A RUN_B [RUN_C …]\n"+
		"       allocsim report csv [--out DIR] RUN_DIR\n\n"+
		"Regenerates RUN_DIR/report.html and RUN_DIR/figures/ from the run's Parquet and JSON files.", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir := pos[0]
	if err := html.Generate(dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s/\n", filepath.Join(dir, reports.ReportFile), filepath.Join(dir, reports.FiguresDir))
	return nil
}

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report compare", "report compare [--out DIR] RUN_A RUN_B [RUN_C …]\n\n"+
		"Puts runs side by side: a table with differences from RUN_A and overlaid figures,\n"+
		"as DIR/compare.html (self-contained) and DIR/compare.md.", stderr)
	out := fs.String("out", filepath.Join("out", "compare"), "output folder")
	runs, err := parseArgs(fs, args) // flags may come before or after the run folders
	if err != nil {
		return err
	}
	if len(runs) < 2 {
		fmt.Fprintln(stderr, "allocsim report compare: need at least two run folders")
		fs.Usage()
		return errUsage
	}
	if err := html.Compare(runs, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*out, html.CompareHTML), filepath.Join(*out, html.CompareMD))
	return nil
}

func runReportCSV(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report csv", "report csv [--out DIR] RUN_DIR\n\n"+
		"Writes timeseries.csv, cycles.csv, agents.csv and tasks.csv (RFC 4180, nulls as empty fields)\n"+
		"from the run's Parquet files, into RUN_DIR or DIR: for spreadsheets and tools without Parquet.", stderr)
	out := fs.String("out", "", "output folder (default: the run folder)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	paths, err := reports.ExportCSV(pos[0], *out)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}
