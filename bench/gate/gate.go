package gate

import (
	"fmt"
	"math"
	"slices"
	"strings"
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
	// Correction adjusts the p-values for the number of rows tested (Holm
	// if empty).
	Correction Correction
}

func (o Options) alpha() float64 {
	if o.Alpha == 0 {
		return 0.05
	}
	return o.Alpha
}

func (o Options) corrected() bool { return o.Correction != NoCorrection }

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
	PAdj         float64 // P adjusted for the rows tested (P itself with no correction); NaN if not tested
	NOld, NNew   int
	HigherBetter bool
	Verdict      Verdict
}

// Report is a whole comparison.
type Report struct {
	Rows    []Row
	OnlyOld []Key // metrics the change no longer reports
	OnlyNew []Key
	Tested  int // rows with enough runs to be tested: the family the correction covers
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
	alpha := o.alpha()
	rep := &Report{}
	var tested []int         // indices in rep.Rows
	var ps, floors []float64 // their p-values, and the smallest their run counts allow
	for _, k := range old.Keys {
		y, ok := cur.Values[k]
		if !ok {
			rep.OnlyOld = append(rep.OnlyOld, k)
			continue
		}
		x := old.Values[k]
		row := Row{Key: k, OldMedian: median(x), NewMedian: median(y), P: MannWhitneyP(x, y), PAdj: math.NaN(), NOld: len(x), NNew: len(y),
			HigherBetter: strings.HasSuffix(k.Unit, "/s") || slices.Contains(o.HigherIsBetter, k.Unit)}
		if row.OldMedian != 0 {
			row.Delta = (row.NewMedian - row.OldMedian) / row.OldMedian
		} else if row.NewMedian != 0 {
			row.Delta = 1 // from nothing to something: count it as +100%
		}
		if floor := minP(len(x), len(y)); floor >= alpha {
			row.Verdict = TooFewRuns
		} else {
			tested = append(tested, len(rep.Rows))
			ps, floors = append(ps, row.P), append(floors, floor)
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Tested = len(tested)
	switch o.Correction {
	case "", Holm:
		// Adjusting the floors too tells which rows could never be
		// significant among this many, however extreme their runs.
		ps, floors = HolmAdjust(ps), HolmAdjust(floors)
	case NoCorrection:
	default:
		panic(fmt.Sprintf("gate: unknown correction %q", o.Correction))
	}
	for i, r := range tested {
		rep.Rows[r].PAdj = ps[i]
		rep.Rows[r].Verdict = verdict(rep.Rows[r], ps[i], floors[i], alpha, o.MaxRegression)
	}
	for _, k := range cur.Keys {
		if _, ok := old.Values[k]; !ok {
			rep.OnlyNew = append(rep.OnlyNew, k)
		}
	}
	return rep
}

// verdict judges a tested row by its adjusted p-value p and floor, the
// smallest adjusted p-value its run counts could give. Significant means p <
// alpha, strictly, as without a correction: adjusted p-values are never
// below raw ones, so correcting never makes a row significant.
func verdict(row Row, p, floor, alpha, maxRegression float64) Verdict {
	worse := row.Delta
	if row.HigherBetter {
		worse = -worse
	}
	switch {
	case floor >= alpha:
		return TooFewRuns
	case p >= alpha || row.Delta == 0:
		return Same
	case worse < 0:
		return Better
	case worse > maxRegression:
		return Regression
	}
	return Worse
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
