package runner

import (
	"runtime"
	"testing"

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
