package sweep

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/allocsim/allocsim/reports"
)

// Metric is one headline figure of a run's summary.json.
type Metric struct {
	Name string
	Get  func(*reports.Summary) float64
}

// Metrics are the figures a sweep reports, named as in summary.json.
var Metrics = []Metric{
	{"launched", func(s *reports.Summary) float64 { return float64(s.Launched) }},
	{"preempted", func(s *reports.Summary) float64 { return float64(s.Tasks.Outcomes["preempted"]) }},
	{"wasted_cpu_s", func(s *reports.Summary) float64 { return s.WastedCPUS }},
	{"wait_mean_s", func(s *reports.Summary) float64 { return s.Tasks.WaitS.Mean }},
	{"wait_p99_s", func(s *reports.Summary) float64 { return s.Tasks.WaitS.P99 }},
	// Attempts that never started, whose waits wait_* leave out.
	{"unscheduled", func(s *reports.Summary) float64 { return float64(s.Tasks.Outcomes["unscheduled"]) }},
	{"jct_p50_s", func(s *reports.Summary) float64 { return s.Tasks.JCTS.P50 }},
	{"makespan_s", func(s *reports.Summary) float64 { return s.Tasks.MakespanS }},
	{"cpu_alloc_mean_frac", func(s *reports.Summary) float64 { return s.AllocMeanFrac.CPU }},
	{"gpu_alloc_mean_frac", func(s *reports.Summary) float64 { return s.AllocMeanFrac.GPU }},
	{"jain_roles_mean", func(s *reports.Summary) float64 { return s.JainRolesMean }},
	{"gpu_frag_mean_frac", func(s *reports.Summary) float64 { return s.GPUFragMeanFrac }},
	// Services' replicas on a node with another of their service's at the end.
	{"replicas_sharing_node", func(s *reports.Summary) float64 { return float64(s.ReplicasSharingEnd) }},
	{"offers_made", func(s *reports.Summary) float64 { return float64(s.OffersMade) }},
	{"transactions", func(s *reports.Summary) float64 { return float64(s.Transactions) }},
	{"claims_conflicted", func(s *reports.Summary) float64 { return float64(s.Conflicts) }},
	{"scheduler_busy_s", func(s *reports.Summary) float64 { return s.SchedulerBusyS }},
	{"jobs_abandoned", func(s *reports.Summary) float64 { return float64(s.JobsAbandoned) }},
}

// num formats a table cell: whole numbers in full, others to four
// significant digits (one decimal from 1,000 up), never with an exponent
// below 10^15.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0) || a >= 1e15:
		return strconv.FormatFloat(v, 'g', 4, 64)
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// WriteRuns writes one tab-separated row per run: each axis's value, the
// seed, the run folder, every metric of Metrics and then the extra ones.
func WriteRuns(w io.Writer, axes []Axis, r *Results, extra ...Metric) error {
	metrics := withExtra(extra)
	head := make([]string, 0, len(axes)+2+len(metrics))
	for _, a := range axes {
		head = append(head, a.Path)
	}
	head = append(head, "seed", "dir")
	for _, m := range metrics {
		head = append(head, m.Name)
	}
	if _, err := fmt.Fprintln(w, strings.Join(head, "\t")); err != nil {
		return err
	}
	for p, pt := range r.Points {
		for s, seed := range r.Seeds {
			if r.Summaries[p][s] == nil {
				continue // another shard's
			}
			row := make([]string, 0, len(head))
			for _, set := range pt.Sets {
				row = append(row, set.Value)
			}
			row = append(row, strconv.FormatUint(seed, 10), r.Dirs[p][s])
			for _, m := range metrics {
				row = append(row, strconv.FormatFloat(m.Get(r.Summaries[p][s]), 'g', -1, 64))
			}
			if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteTable writes a Markdown table, one row per point: each axis's value,
// then every metric's mean over the seeds ± its sample standard deviation
// (the mean alone with one seed). Metrics that are zero in every run (the
// offers of a mode without offers, say) are left out of the table and
// named under it; runs.tsv keeps them all. Extra metrics follow and are
// always shown.
func WriteTable(w io.Writer, axes []Axis, r *Results, extra ...Metric) error {
	shown, zero := r.shown(extra)
	var b strings.Builder
	b.WriteString("|")
	for _, a := range axes {
		b.WriteString(" " + a.Path + " |")
	}
	for _, m := range shown {
		b.WriteString(" " + m.Name + " |")
	}
	b.WriteString("\n|")
	for range len(axes) + len(shown) {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	xs := make([]float64, 0, len(r.Seeds))
	for p, pt := range r.Points {
		if !slices.ContainsFunc(r.Summaries[p], func(s *reports.Summary) bool { return s != nil }) {
			continue // another shard's
		}
		b.WriteString("|")
		for _, set := range pt.Sets {
			b.WriteString(" " + strings.ReplaceAll(set.Value, "|", `\|`) + " |")
		}
		for _, m := range shown {
			xs = xs[:0]
			for _, sum := range r.Summaries[p] {
				if sum != nil {
					xs = append(xs, m.Get(sum))
				}
			}
			mean, sd := stat.MeanStdDev(xs, nil)
			if len(xs) < 2 {
				fmt.Fprintf(&b, " %s |", num(mean))
			} else {
				fmt.Fprintf(&b, " %s ± %s |", num(mean), num(sd))
			}
		}
		b.WriteString("\n")
	}
	if r.Shard.Count > 0 {
		fmt.Fprintf(&b, "\nshard %s: %d of the %d runs of %s × %s (mean ± sample standard deviation over the seeds run here;\n"+
			"allocsim bench sweep merge puts the shards together)\n",
			r.Shard, r.runs(), len(r.Points)*len(r.Seeds), plural(len(r.Points), "setting"), plural(len(r.Seeds), "seed"))
	} else {
		fmt.Fprintf(&b, "\n%d runs: %s × %s (mean ± sample standard deviation over the seeds)\n",
			len(r.Points)*len(r.Seeds), plural(len(r.Points), "setting"), plural(len(r.Seeds), "seed"))
	}
	if len(zero) > 0 {
		fmt.Fprintf(&b, "Zero in every run (left out): %s\n", strings.Join(zero, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shown are the metrics a table shows: Metrics not zero in every run, then
// the extra ones; zero names those left out.
func (r *Results) shown(extra []Metric) (shown []Metric, zero []string) {
	for _, m := range Metrics {
		if r.allZero(m) && !slices.ContainsFunc(extra, func(e Metric) bool { return e.Name == m.Name }) {
			zero = append(zero, m.Name)
		} else {
			shown = append(shown, m)
		}
	}
	return append(shown, withExtra(extra)[len(Metrics):]...), zero
}

// withExtra is Metrics followed by the extra metrics it does not have.
func withExtra(extra []Metric) []Metric {
	all := slices.Clip(Metrics)
	for _, m := range extra {
		if !slices.ContainsFunc(all, func(e Metric) bool { return e.Name == m.Name }) {
			all = append(all, m)
		}
	}
	return all
}

func (r *Results) allZero(m Metric) bool {
	for p := range r.Points {
		for _, sum := range r.Summaries[p] {
			if sum != nil && m.Get(sum) != 0 {
				return false
			}
		}
	}
	return true
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
