package figures

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/metrics"
)

// Run is what the figures of one run are drawn from (read back from its
// Parquet files).
type Run struct {
	Name       string
	Timeseries *reports.Table
	Cycles     *reports.Table
	Waits      []float64            // sorted wait_s of started attempts
	WaitsByFw  map[string][]float64 // sorted, per framework
	Frameworks []string             // framework order for legends
}

// LoadRun reads a run folder's Parquet files.
func LoadRun(dir, name string) (*Run, error) {
	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
	if err != nil {
		return nil, err
	}
	cy, err := reports.ReadTable(dir, reports.CyclesFile)
	if err != nil {
		return nil, err
	}
	r := &Run{Name: name, Timeseries: ts, Cycles: cy, WaitsByFw: map[string][]float64{}}
	err = reports.ForEachTask(dir, func(t *reports.TaskRow) error {
		if t.WaitS == nil {
			return nil
		}
		if _, ok := r.WaitsByFw[t.Framework]; !ok {
			r.Frameworks = append(r.Frameworks, t.Framework)
		}
		r.Waits = append(r.Waits, *t.WaitS)
		r.WaitsByFw[t.Framework] = append(r.WaitsByFw[t.Framework], *t.WaitS)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(r.Waits)
	slices.Sort(r.Frameworks)
	for _, v := range r.WaitsByFw {
		slices.Sort(v)
	}
	return r, nil
}

// timeAxis picks a unit that keeps tick labels short.
func timeAxis(ts []float64) (scale float64, label string) {
	end := 0.0
	if len(ts) > 0 {
		end = ts[len(ts)-1]
	}
	switch {
	case end > 3*3600:
		return 3600, "simulated time (h)"
	case end > 600:
		return 60, "simulated time (min)"
	}
	return 1, "simulated time (s)"
}

func scaled(xs []float64, k float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x / k
	}
	return out
}

// cdfPoints keeps figures small whatever the number of tasks.
const cdfPoints = 400

// ForRun draws the figures of one run, in report order.
func ForRun(r *Run) ([]Figure, error) {
	ts := r.Timeseries
	k, xl := timeAxis(ts.Col("time_s"))
	x := scaled(ts.Col("time_s"), k)
	var specs []Spec

	util := Spec{Name: "utilisation", Title: "Allocation and usage over time", XLabel: xl,
		YLabel: "fraction of cluster capacity", YMin: f64(0), YMax: f64(1)}
	for i, res := range []string{"cpu", "mem", "gpu"} {
		if tot := ts.Col("total_" + res + "_" + unitOf(res)); len(tot) > 0 && slices.Max(tot) == 0 {
			continue
		}
		util.Series = append(util.Series, Series{Name: "allocated " + strings.ToUpper(res), X: x, Y: ts.Col("alloc_" + res + "_frac"), ColorOf: i + 1})
		util.Series = append(util.Series, Series{Name: "used " + strings.ToUpper(res), X: x, Y: ts.Col("used_" + res + "_frac"), Dash: true, ColorOf: i + 1})
	}
	specs = append(specs, util)
	specs = append(specs, Spec{Name: "pending", Title: "Pending and running tasks", XLabel: xl, YLabel: "tasks", YMin: f64(0),
		Series: []Series{{Name: "pending", X: x, Y: ts.Col("pending_tasks")}, {Name: "running", X: x, Y: ts.Col("running_tasks")}}})

	waits := Spec{Name: "wait_cdf", Title: "Task wait time (queueing delay), CDF", XLabel: "wait (s)",
		YLabel: "fraction of started tasks", YMin: f64(0), YMax: f64(1), Steps: true}
	wx, wp := metrics.CDF(r.Waits, cdfPoints)
	waits.Series = append(waits.Series, Series{Name: "all tasks", X: wx, Y: wp})
	for _, fw := range r.Frameworks {
		fx, fp := metrics.CDF(r.WaitsByFw[fw], cdfPoints)
		waits.Series = append(waits.Series, Series{Name: fw, X: fx, Y: fp})
	}
	specs = append(specs, waits)

	specs = append(specs, shareSpec("shares_roles", "Dominant share per role", "share_role_", ts, x, xl))
	specs = append(specs, shareSpec("shares_frameworks", "Dominant share per framework", "share_fw_", ts, x, xl))
	specs = append(specs, Spec{Name: "fairness", Title: "Jain's fairness index of dominant shares", XLabel: xl,
		YLabel: "Jain's index (1 = equal)", YMin: f64(0), YMax: f64(1),
		Series: []Series{{Name: "roles (weighted)", X: x, Y: ts.Col("jain_roles")}, {Name: "frameworks", X: x, Y: ts.Col("jain_frameworks")}}})
	specs = append(specs, Spec{Name: "fragmentation", Title: "GPU fragmentation", XLabel: xl,
		YLabel: "fraction of free milli-GPU", YMin: f64(0), YMax: f64(1),
		Series: []Series{{Name: "on partly used GPUs", X: x, Y: ts.Col("gpu_frag_frac")},
			{Name: "FGD expected fragment", X: x, Y: ts.Col("gpu_fgd_frag_frac")}}})
	specs = append(specs, cycleSpec([]*Run{r}))
	if tx := ts.Col("transactions"); len(tx) > 0 && tx[len(tx)-1] > 0 {
		specs = append(specs, conflictSpec(ts, x, xl))
	}
	if ev, ok := evictionSpec(ts, x, xl); ok {
		specs = append(specs, ev)
	}
	if reps := ts.Col("service_replicas"); slices.ContainsFunc(reps, func(v float64) bool { return v > 0 }) {
		specs = append(specs, Spec{Name: "replicas", Title: "Services' replicas, and those on a node with another of their service's",
			XLabel: xl, YLabel: "tasks", YMin: f64(0),
			Series: []Series{{Name: "running", X: x, Y: reps}, {Name: "sharing a node", X: x, Y: ts.Col("replicas_sharing_node")}}})
	}

	figs := make([]Figure, 0, len(specs))
	for _, s := range specs {
		f, err := Render(s)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// conflictSpec is a shared-state run's conflict fraction per sample
// interval: of the transactions committed in the interval, the fraction
// with a refused claim (a gap where none was committed).
func conflictSpec(ts *reports.Table, x []float64, xl string) Spec {
	tx, bad := ts.Col("transactions"), ts.Col("transactions_conflicted")
	frac := make([]float64, len(tx))
	for i := range tx {
		dt, db := tx[i], bad[i]
		if i > 0 {
			dt, db = dt-tx[i-1], db-bad[i-1]
		}
		frac[i] = math.NaN()
		if dt > 0 {
			frac[i] = db / dt
		}
	}
	return Spec{Name: "conflicts", Title: "Shared-state transactions with a conflict, per sample interval", XLabel: xl,
		YLabel: "fraction of transactions", YMin: f64(0), YMax: f64(1),
		Series: []Series{{Name: "with a refused claim", X: x, Y: frac}}}
}

// evictionSpec counts, per sample interval, the attempts preempted and
// lost with their agent; ok is false when a run had neither (or was written
// before timeseries.parquet had the columns).
func evictionSpec(ts *reports.Table, x []float64, xl string) (Spec, bool) {
	s := Spec{Name: "evictions", Title: "Attempts preempted and lost, per sample interval", XLabel: xl,
		YLabel: "task attempts", YMin: f64(0)}
	for _, name := range []string{"preempted", "lost"} {
		c := ts.Col(name)
		if len(c) == 0 || c[len(c)-1] == 0 {
			continue
		}
		per := make([]float64, len(c))
		for i := range c {
			per[i] = c[i]
			if i > 0 {
				per[i] -= c[i-1]
			}
		}
		s.Series = append(s.Series, Series{Name: name, X: x, Y: per})
	}
	return s, len(s.Series) > 0
}

// overlaySpec overlays a column of the time series (the attempts preempted
// so far, say) for the runs that have it; ok is false when it stays at zero
// in every run.
func overlaySpec(runs []*Run, col, title, yl string, k float64, xl string) (Spec, bool) {
	s := Spec{Name: "cmp_" + col, Title: title, XLabel: xl, YLabel: yl, YMin: f64(0)}
	some := false
	for _, r := range runs {
		y := r.Timeseries.Col(col)
		if len(y) == 0 {
			continue // written before the column existed
		}
		some = some || slices.ContainsFunc(y, func(v float64) bool { return v > 0 })
		s.Series = append(s.Series, Series{Name: r.Name, X: scaled(r.Timeseries.Col("time_s"), k), Y: y})
	}
	return s, some
}

func unitOf(res string) string {
	if res == "mem" || res == "disk" {
		return "mib"
	}
	return "milli"
}

func shareSpec(name, title, prefix string, ts *reports.Table, x []float64, xl string) Spec {
	s := Spec{Name: name, Title: title, XLabel: xl, YLabel: "dominant share of cluster", YMin: f64(0)}
	for i, c := range ts.Columns {
		if strings.HasPrefix(c, prefix) {
			s.Series = append(s.Series, Series{Name: strings.TrimPrefix(c, prefix), X: x, Y: ts.Data[i]})
		}
	}
	return s
}

// cycleSpec is the CDF of allocator cycle wall time, one line per run.
func cycleSpec(runs []*Run) Spec {
	s := Spec{Name: "cycle_time", Title: "Allocator cycle wall time, CDF", XLabel: "cycle wall time (ms, log scale)",
		YLabel: "fraction of cycles", YMin: f64(0), YMax: f64(1), Steps: true, LogX: true}
	for _, r := range runs {
		w := slices.Clone(r.Cycles.Col("wall_ns"))
		for i := range w {
			w[i] /= 1e6
		}
		slices.Sort(w)
		cx, cp := metrics.CDF(w, cdfPoints)
		name := "cycles"
		if len(runs) > 1 {
			name = r.Name
		}
		s.Series = append(s.Series, Series{Name: name, X: cx, Y: cp})
	}
	return s
}

// Compare draws overlaid figures of several runs: CPU and GPU allocation,
// wait CDFs, fairness, fragmentation and cycle time, one line per run.
func Compare(runs []*Run) ([]Figure, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no runs to compare")
	}
	end := 0.0
	for _, r := range runs {
		if t := r.Timeseries.Col("time_s"); len(t) > 0 {
			end = max(end, t[len(t)-1])
		}
	}
	k, xl := timeAxis([]float64{end})
	over := func(name, title, yl, col string, y01 bool) Spec {
		s := Spec{Name: name, Title: title, XLabel: xl, YLabel: yl, YMin: f64(0)}
		if y01 {
			s.YMax = f64(1)
		}
		for _, r := range runs {
			s.Series = append(s.Series, Series{Name: r.Name, X: scaled(r.Timeseries.Col("time_s"), k), Y: r.Timeseries.Col(col)})
		}
		return s
	}
	specs := []Spec{
		over("cmp_cpu", "CPU allocated over time", "fraction of CPU capacity", "alloc_cpu_frac", true),
		over("cmp_gpu", "GPU allocated over time", "fraction of GPU capacity", "alloc_gpu_frac", true),
		over("cmp_pending", "Pending tasks over time", "tasks", "pending_tasks", false),
	}
	waits := Spec{Name: "cmp_wait_cdf", Title: "Task wait time, CDF", XLabel: "wait (s)",
		YLabel: "fraction of started tasks", YMin: f64(0), YMax: f64(1), Steps: true}
	for _, r := range runs {
		wx, wp := metrics.CDF(r.Waits, cdfPoints)
		waits.Series = append(waits.Series, Series{Name: r.Name, X: wx, Y: wp})
	}
	specs = append(specs, waits,
		over("cmp_fairness", "Jain's fairness index of role dominant shares", "Jain's index (1 = equal)", "jain_roles", true),
		over("cmp_fragmentation", "GPU fragmentation (free milli-GPU on partly used GPUs)", "fraction of free milli-GPU", "gpu_frag_frac", true))
	cs := cycleSpec(runs)
	cs.Name = "cmp_cycle_time"
	specs = append(specs, cs)
	if ev, ok := overlaySpec(runs, "preempted", "Attempts preempted so far", "task attempts", k, xl); ok {
		specs = append(specs, ev)
	}
	if rs, ok := overlaySpec(runs, "replicas_sharing_node", "Services' replicas on a node with another of their service's", "tasks", k, xl); ok {
		specs = append(specs, rs)
	}
	figs := make([]Figure, 0, len(specs))
	for _, s := range specs {
		f, err := Render(s)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}
