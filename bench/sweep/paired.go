package sweep

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// WritePaired writes a Markdown table of each setting's difference from
// the first one, seed by seed: every run of a sweep uses the same seeds, so
// the settings are compared on the same workloads (a paired design) and
// the seed-to-seed spread of the workload cancels out. Each cell is the
// mean difference with its 95% confidence interval (Student's t on the
// per-seed differences), starred when the interval excludes 0. There is no
// correction for making many comparisons at once.
func WritePaired(w io.Writer, axes []Axis, r *Results, extra ...Metric) error {
	if len(r.Points) < 2 {
		return nil
	}
	shown, _ := r.shown(extra)
	var b strings.Builder
	fmt.Fprintf(&b, "\nDifference from %s, seed by seed: mean [95%% confidence interval]; * when the interval excludes 0\n\n|", r.Points[0].Label())
	for _, a := range axes {
		b.WriteString(" " + a.Path + " |")
	}
	for _, m := range shown {
		b.WriteString(" Δ " + m.Name + " |")
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(axes)+len(shown)) + "\n")
	d := make([]float64, 0, len(r.Seeds))
	for p := 1; p < len(r.Points); p++ {
		b.WriteString("|")
		for _, set := range r.Points[p].Sets {
			b.WriteString(" " + strings.ReplaceAll(set.Value, "|", `\|`) + " |")
		}
		for _, m := range shown {
			d = d[:0]
			for s := range r.Seeds {
				base, cur := r.Summaries[0][s], r.Summaries[p][s]
				if base == nil || cur == nil {
					continue // another shard's
				}
				if x := m.Get(cur) - m.Get(base); !math.IsNaN(x) {
					d = append(d, x)
				}
			}
			b.WriteString(" " + pairedCell(d) + " |")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pairedCell is the mean of the differences d with its 95% confidence
// interval; "–" without any, the mean alone with one.
func pairedCell(d []float64) string {
	switch len(d) {
	case 0:
		return "–"
	case 1:
		return signed(d[0])
	}
	mean, sd := stat.MeanStdDev(d, nil)
	n := float64(len(d))
	half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * sd / math.Sqrt(n)
	lo, hi := mean-half, mean+half
	star := ""
	if lo > 0 || hi < 0 {
		star = " *"
	}
	return fmt.Sprintf("%s [%s, %s]%s", signed(mean), signed(lo), signed(hi), star)
}

func signed(v float64) string {
	if v > 0 {
		return "+" + num(v)
	}
	return num(v)
}
