package runner

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/workloads"
)

// BenchmarkDefaultScenario runs the embedded 33,000-node default scenario,
// with the reports collector off and on, and reports simulated events per
// second (wall and CPU) and bytes allocated per event.
func BenchmarkDefaultScenario(b *testing.B) {
	for _, metrics := range []bool{false, true} {
		name := "metrics=off"
		if metrics {
			name = "metrics=on"
		}
		b.Run(name, func(b *testing.B) {
			var events int64
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu0 := cpuSeconds()
			b.ReportAllocs()
			for b.Loop() {
				opts := Options{NoMetrics: !metrics, Out: b.TempDir()}
				res, err := Run(workloads.Default(), opts)
				if err != nil {
					b.Fatal(err)
				}
				events += res.Stats.Counters.Events
			}
			runtime.ReadMemStats(&after)
			cpu := cpuSeconds() - cpu0
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			if cpu > 0 {
				b.ReportMetric(float64(events)/cpu, "events/cpu-s")
			}
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(events), "B/event")
		})
	}
}

// BenchmarkOmegaDefaultScenario runs the default scenario's workload under
// the shared-state mode (omega, fine-grained incremental transactions,
// think times of 10 ms a job and 0.5 ms a task), metrics off.
func BenchmarkOmegaDefaultScenario(b *testing.B) {
	var events int64
	for b.Loop() {
		s := workloads.Default()
		s.Allocator.Name = "omega"
		s.Allocator.Params = map[string]any{"think_job": 0.01, "think_task": 0.0005}
		res, err := Run(s, Options{NoMetrics: true, Out: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if res.Stats.Counters.Transactions == 0 {
			b.Fatal("no transactions: not the omega mode")
		}
		events += res.Stats.Counters.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPreemptionGoogle2011 replays the first hour of the shared Google
// 2011 trace (examples/google2011-trace.yaml) with and without priority
// preemption in the monolithic mode, metrics off: what preemption costs
// on a contended cluster of 12.5k machines.
func BenchmarkPreemptionGoogle2011(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("preemption=%v", on), func(b *testing.B) {
			var events, preempted int64
			for b.Loop() {
				s := google2011(b)
				if on {
					s.Allocator.Params["preemption"] = true
				}
				res, err := Run(s, Options{NoMetrics: true, Out: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				events += res.Stats.Counters.Events
				preempted += res.Stats.Counters.Ended[allocator.OutcomePreempted]
			}
			if on && preempted == 0 {
				b.Fatal("nothing preempted")
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(preempted)/float64(b.N), "preempted/run")
		})
	}
}

// BenchmarkScoringPolicies runs policies that score every agent where
// their cost shows: the first 20 minutes of the Google 2011 cell (12.5k
// machines, tasks of thousands of shapes) and examples/gpu-sharing.yaml
// with training at 30 jobs a minute (a queue of GPU tasks that fit nowhere
// for long stretches), metrics off.
func BenchmarkScoringPolicies(b *testing.B) {
	gpu := func(tb testing.TB) *workloads.Scenario {
		data, err := os.ReadFile("../examples/gpu-sharing.yaml")
		require.NoError(tb, err)
		doc, err := workloads.ApplySets(data, []workloads.Set{{Path: "workload.synthetic.streams.training.arrival.rate", Value: "30/m"}})
		require.NoError(tb, err)
		s, err := workloads.Parse("gpu-sharing.yaml", doc)
		require.NoError(tb, err)
		return s
	}
	google := func(tb testing.TB) *workloads.Scenario {
		s := google2011(tb)
		s.Horizon = workloads.Duration(20 * 60 * 1e6)
		return s
	}
	for _, sc := range []struct {
		name     string
		scenario func(testing.TB) *workloads.Scenario
		policies []string
	}{
		{"google2011-20m", google, []string{"first-fit", "best-fit"}},
		{"gpu-overloaded", gpu, []string{"first-fit", "best-fit", "fgd", "kubernetes"}},
	} {
		for _, p := range sc.policies {
			b.Run(sc.name+"/"+p, func(b *testing.B) {
				var events int64
				for b.Loop() {
					s := sc.scenario(b)
					s.Allocator.Params["placement"] = p
					res, err := Run(s, Options{NoMetrics: true, Out: b.TempDir()})
					if err != nil {
						b.Fatal(err)
					}
					events += res.Stats.Counters.Events
				}
				b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
