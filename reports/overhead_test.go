package reports_test

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/sim"
	"github.com/allocsim/allocsim/workloads"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMetricsOverhead runs the embedded default scenario (33,000 nodes,
// ~1M tasks) with metrics off and on, alternating within each iteration so
// that both see the same load on a shared machine, and reports the
// collector's cost as a percentage of the metrics-off run, in wall time and
// in CPU time (user+system, less sensitive to other processes): the median
// over the iterations of each pair's ratio, which follows a machine whose
// speed drifts better than a ratio of medians, and for wall time also the
// quartiles of those ratios. "On" means the collector and every Parquet/JSON
// output, without the HTML report. It also reports where the wall time goes,
// medians of each: the engine's run (engine-s-*) and the rest — building the
// scenario, and with metrics on opening and closing the outputs (rest-s-*),
// of which closing them (close-s-on).
//
//	go test -run '^$' -bench MetricsOverhead -benchtime 10x -cpu 2 ./reports/
func BenchmarkMetricsOverhead(b *testing.B) {
	var wallOff, wallOn, cpuOff, cpuOn, engOff, engOn, restOff, restOn, closeOn []float64
	run := func(metrics bool) (wall, cpu time.Duration, res runner.Result) {
		c0, w0 := cpuTime(), time.Now()
		res, err := runner.Run(workloads.Default(), runner.Options{NoMetrics: !metrics, Out: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(w0), cpuTime() - c0, res
	}
	for b.Loop() {
		w, c, res := run(false)
		e := res.Stats.Wall
		wallOff, cpuOff = append(wallOff, w.Seconds()), append(cpuOff, c.Seconds())
		engOff, restOff = append(engOff, e.Seconds()), append(restOff, (w-e).Seconds())
		w, c, res = run(true)
		e = res.Stats.Wall
		wallOn, cpuOn = append(wallOn, w.Seconds()), append(cpuOn, c.Seconds())
		engOn, restOn = append(engOn, e.Seconds()), append(restOn, (w-e).Seconds())
		closeOn = append(closeOn, res.Close.Seconds())
	}
	med := func(xs []float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		return s[len(s)/2]
	}
	b.ReportMetric(med(wallOff), "wall-s-off")
	b.ReportMetric(med(wallOn), "wall-s-on")
	ratios := func(on, off []float64) []float64 {
		r := make([]float64, len(on))
		for i := range on {
			r[i] = 100 * (on[i] - off[i]) / off[i]
		}
		slices.Sort(r)
		return r
	}
	// The pairs' spread (lower and upper quartile) says how far one
	// measurement can be trusted: ±3 points between runs on a shared VM.
	rw := ratios(wallOn, wallOff)
	b.ReportMetric(med(rw), "overhead-wall-%")
	b.ReportMetric(rw[len(rw)/4], "overhead-wall-q1-%")
	b.ReportMetric(rw[(3*len(rw))/4], "overhead-wall-q3-%")
	b.ReportMetric(med(cpuOff), "cpu-s-off")
	b.ReportMetric(med(cpuOn), "cpu-s-on")
	b.ReportMetric(med(ratios(cpuOn, cpuOff)), "overhead-cpu-%")
	b.ReportMetric(med(engOff), "engine-s-off")
	b.ReportMetric(med(engOn), "engine-s-on")
	b.ReportMetric(med(restOff), "rest-s-off")
	b.ReportMetric(med(restOn), "rest-s-on")
	b.ReportMetric(med(closeOn), "close-s-on")
}

// BenchmarkCollectorTask is the collector's hot path: one task attempt
// submitted, started and ended (its row written to tasks.parquet and added
// to the statistics).
func BenchmarkCollectorTask(b *testing.B) {
	cl := allocator.NewCluster()
	if _, err := cl.AddAgent(allocator.AgentSpec{Name: "a0", Capacity: allocator.Res(1<<40, 1<<40, 1<<40, 0)}); err != nil {
		b.Fatal(err)
	}
	fws := []allocator.FrameworkInfo{{Name: "web", Role: 0}, {Name: "etl", Role: 1}}
	roles := []allocator.RoleInfo{{Name: "prod"}, {Name: "batch"}}
	c, err := reports.NewCollector(b.TempDir(), reports.Meta{Cluster: cl, Frameworks: fws, Roles: roles})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Abort()
	t := sim.Task{Spec: allocator.TaskSpec{Job: 1, Duration: 10 * allocator.Second,
		Req: allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}}}
	b.ReportAllocs()
	c0 := cpuTime()
	defer func() { b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	i := int64(0)
	for b.Loop() {
		now := allocator.Time(i) * allocator.Millisecond
		t.Seq, t.Spec.Job, t.Spec.Framework = i, i/8, allocator.FrameworkID(i%2)
		t.Ready, t.Start, t.End, t.Started = now, now+5, now+10*allocator.Second, true
		t.State, t.Outcome = sim.StatePending, allocator.OutcomeFinished
		c.TaskSubmitted(now, &t)
		t.State = sim.StateRunning
		c.TaskStarted(now, &t)
		t.State = sim.StateEnded
		c.TaskEnded(t.End, &t)
		i++
	}
}

// BenchmarkMetricsOn runs the default scenario with metrics on only (for
// profiling the collector in place: -cpuprofile).
func BenchmarkMetricsOn(b *testing.B) {
	var engine, total float64
	for b.Loop() {
		res, err := runner.Run(workloads.Default(), runner.Options{Out: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		engine += res.Stats.Wall.Seconds()
		total += res.Wall.Seconds()
	}
	b.ReportMetric(engine/float64(b.N), "engine-s/op")
	b.ReportMetric((total-engine)/float64(b.N), "build+close-s/op")
}

// BenchmarkMetricsOff is BenchmarkMetricsOn without the collector (profile
// the two to see where the difference goes).
func BenchmarkMetricsOff(b *testing.B) {
	var engine, total float64
	for b.Loop() {
		res, err := runner.Run(workloads.Default(), runner.Options{NoMetrics: true})
		if err != nil {
			b.Fatal(err)
		}
		engine += res.Stats.Wall.Seconds()
		total += res.Wall.Seconds()
	}
	b.ReportMetric(engine/float64(b.N), "engine-s/op")
	b.ReportMetric((total-engine)/float64(b.N), "build+close-s/op")
}
