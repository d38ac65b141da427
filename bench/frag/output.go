package frag

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTSV prints one header line, then one row per workload, policy and
// arrived percent: the GPU allocation ratio's mean and population std-dev
// over seeds, in percent.
func WriteTSV(w io.Writer, r *Results, pcts []int) error {
	var b strings.Builder
	b.WriteString("workload\tpolicy\tarrived_pct\tgpu_alloc_pct_mean\tgpu_alloc_pct_std\n")
	for wi, wn := range r.Workloads {
		for pi, pn := range r.Policies {
			for _, x := range pcts {
				a, _, _ := r.Summary(wi, pi, x)
				fmt.Fprintf(&b, "%s\t%s\t%d\t%.2f\t%.2f\n", wn, pn, x, a.Mean, a.Std)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTable prints, per workload, one line per policy with the allocation
// ratio (mean ± std over seeds) at each arrived percent, and the fragment
// as % of idle GPU at the last one.
func WriteTable(w io.Writer, r *Results, pcts []int) error {
	for wi, wn := range r.Workloads {
		fmt.Fprintf(w, "%s: GPU allocation %% (mean ± std over %d seeds) at arrived GPU demand (%% of capacity)\n", wn, len(r.Seeds))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "policy\t")
		for _, x := range pcts {
			fmt.Fprintf(tw, "%d%%\t", x)
		}
		last := pcts[len(pcts)-1]
		fmt.Fprintf(tw, "frag %% idle @%d%%\tfrag %% total @%d%%\t\n", last, last)
		for pi, pn := range r.Policies {
			fmt.Fprintf(tw, "%s\t", pn)
			var ft, fi Stat
			for _, x := range pcts {
				var a Stat
				a, ft, fi = r.Summary(wi, pi, x)
				fmt.Fprintf(tw, "%.2f ± %.2f\t", a.Mean, a.Std)
			}
			fmt.Fprintf(tw, "%.1f\t%.2f\t\n", fi.Mean, ft.Mean)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	return nil
}

// WriteCurves prints every run's record at each arrived percent: one header
// line, then workload, policy, seed, arrived_pct, gpu_alloc_pct,
// frag_pct_total, frag_pct_idle (means over the pods recorded at that percent;
// percents no pod landed on are left out).
func WriteCurves(w io.Writer, r *Results) error {
	var b strings.Builder
	b.WriteString("workload\tpolicy\tseed\tarrived_pct\tgpu_alloc_pct\tfrag_pct_total\tfrag_pct_idle\n")
	for wi, wn := range r.Workloads {
		for pi, pn := range r.Policies {
			for si, seed := range r.Seeds {
				c := r.Curves[wi][pi][si]
				for x, n := range c.Count {
					if n == 0 {
						continue
					}
					p, _ := c.At(x)
					fmt.Fprintf(&b, "%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\n", wn, pn, seed, x, p.AllocPct, p.FragPctTotal, p.FragPctIdle)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
