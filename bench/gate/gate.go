package gate

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Options set the gate.
type Options struct {
	// MaxRegression is how much worse a metric's median may get, as a
	// fraction (0.05: 5%).
	MaxRegression float64
	// Alpha is the significance level of the test (0.05 if 0).
	Alpha float64
	// HigherIsBetter lists units where more is better besides those ending
	// in "/s" (throughputs: events/s, MB/s).
	HigherIsBetter []string
}

// Verdict says what a row means for the gate.
type Verdict string

// Verdicts.
const (
	Same       Verdict = "~"            // no significant difference
	Better     Verdict = "better"       // significantly better
	Worse      Verdict = "worse"        // significantly worse, within the threshold
	Regression Verdict = "REGRESSION"   // significantly worse beyond the threshold: the gate fails
	TooFewRuns Verdict = "too few runs" // no difference could be significant with these runs
)

// Row compares one metric of one benchmark.
type Row struct {
	Key          Key
	OldMedian    float64
	NewMedian    float64
	Delta        float64 // (new − old) / old; with old 0: 0 if new is 0 too, else 1
	P            float64
	NOld, NNew   int
	HigherBetter bool
	Verdict      Verdict
}

// Report is a whole comparison.
type Report struct {
	Rows    []Row
	OnlyOld []Key // metrics the change no longer reports
	OnlyNew []Key
}

// Count returns how many rows have the verdict.
func (r *Report) Count(v Verdict) int {
	n := 0
	for _, row := range r.Rows {
		if row.Verdict == v {
			n++
		}
	}
	return n
}

// Compare puts every metric present in both files side by side.
func Compare(old, cur *Samples, o Options) *Report {
	alpha := o.Alpha
	if alpha == 0 {
		alpha = 0.05
	}
	rep := &Report{}
	for _, k := range old.Keys {
		y, ok := cur.Values[k]
		if !ok {
			rep.OnlyOld = append(rep.OnlyOld, k)
			continue
		}
		x := old.Values[k]
		row := Row{Key: k, OldMedian: median(x), NewMedian: median(y), P: MannWhitneyP(x, y), NOld: len(x), NNew: len(y),
			HigherBetter: strings.HasSuffix(k.Unit, "/s") || slices.Contains(o.HigherIsBetter, k.Unit)}
		if row.OldMedian != 0 {
			row.Delta = (row.NewMedian - row.OldMedian) / row.OldMedian
		} else if row.NewMedian != 0 {
			row.Delta = 1 // from nothing to something: count it as +100%
		}
		worse := row.Delta
		if row.HigherBetter {
			worse = -worse
		}
		switch {
		case minP(len(x), len(y)) >= alpha:
			row.Verdict = TooFewRuns
		case row.P >= alpha || row.Delta == 0:
			row.Verdict = Same
		case worse < 0:
			row.Verdict = Better
		case worse > o.MaxRegression:
			row.Verdict = Regression
		default:
			row.Verdict = Worse
		}
		rep.Rows = append(rep.Rows, row)
	}
	for _, k := range cur.Keys {
		if _, ok := old.Values[k]; !ok {
			rep.OnlyNew = append(rep.OnlyNew, k)
		}
	}
	return rep
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Write prints the report as a table, then the metrics found in one file
// only, then the verdict.
func (r *Report) Write(w io.Writer, o Options) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tunit\tbase\tchange\tdelta\tp\truns\tverdict")
	for _, row := range r.Rows {
		name := row.Key.Name
		if row.Key.Pkg != "" {
			name = row.Key.Pkg + " " + name
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%.4g\t%+.1f%%\t%.3f\t%d+%d\t%s\n", name, row.Key.Unit, row.OldMedian, row.NewMedian,
			100*row.Delta, row.P, row.NOld, row.NNew, row.Verdict)
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
		_, err := fmt.Fprintf(w, "FAIL: %d metric(s) worse by more than %.1f%% (medians; Mann-Whitney U p < alpha)\n", n, 100*o.MaxRegression)
		return err
	}
	if n := r.Count(TooFewRuns); n > 0 {
		_, err := fmt.Fprintf(w, "FAIL: cannot decide on %d metric(s): too few runs for any difference to be significant (run go test with -count 6 or more)\n", n)
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
