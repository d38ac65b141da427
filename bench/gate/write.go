package gate

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// Write prints the report as a table, then the metrics found in one file
// only, then the verdict. With a correction, a column "p (adj)" follows the
// raw p; without, the output is as it was before corrections existed.
func (r *Report) Write(w io.Writer, o Options) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	adjHead := ""
	if o.corrected() {
		adjHead = "p (adj)\t"
	}
	fmt.Fprintf(tw, "benchmark\tunit\tbase\tchange\tdelta\tp\t%sruns\tverdict\n", adjHead)
	for _, row := range r.Rows {
		name := row.Key.Name
		if row.Key.Pkg != "" {
			name = row.Key.Pkg + " " + name
		}
		adj := ""
		if o.corrected() {
			adj = "-\t" // not tested: too few runs
			if !math.IsNaN(row.PAdj) {
				adj = fmt.Sprintf("%.3f\t", row.PAdj)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%.4g\t%+.1f%%\t%.3f\t%s%d+%d\t%s\n", name, row.Key.Unit, row.OldMedian, row.NewMedian,
			100*row.Delta, row.P, adj, row.NOld, row.NNew, row.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range r.OnlyOld {
		fmt.Fprintf(w, "only in the base: %s\n", k)
	}
	for _, k := range r.OnlyNew {
		fmt.Fprintf(w, "only in the change: %s\n", k)
	}
	if n := r.Count(Regression); n > 0 {
		test := "Mann-Whitney U p < alpha"
		if o.corrected() {
			test = fmt.Sprintf("Mann-Whitney U p < alpha after the Holm correction over %d metric(s)", r.Tested)
		}
		_, err := fmt.Fprintf(w, "FAIL: %d metric(s) worse by more than %.1f%% (medians; %s)\n", n, 100*o.MaxRegression, test)
		return err
	}
	if n := r.Count(TooFewRuns); n > 0 {
		count := 6
		if o.corrected() {
			// Every row, once it has enough runs, joins the family.
			count = max(count, runsFor(len(r.Rows), o.alpha()))
		}
		_, err := fmt.Fprintf(w, "FAIL: cannot decide on %d metric(s): too few runs for any difference to be significant (run go test with -count %d or more)\n", n, count)
		return err
	}
	if len(r.Rows) == 0 {
		_, err := fmt.Fprintln(w, "FAIL: no benchmark is in both files")
		return err
	}
	_, err := fmt.Fprintf(w, "ok: no metric worse by more than %.1f%%\n", 100*o.MaxRegression)
	return err
}

// Passed reports whether the gate passes: some metric compared, none
// regressed beyond the threshold, and every one with enough runs to tell.
func (r *Report) Passed() bool {
	return len(r.Rows) > 0 && r.Count(Regression) == 0 && r.Count(TooFewRuns) == 0
}
