package runner

import (
	"fmt"
	"runtime"
	"testing"

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
