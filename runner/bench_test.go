package runner

import (
	"runtime"
	"testing"

	"github.com/allocsim/allocsim/workloads"
)

// BenchmarkDefaultScenario runs the embedded 33,000-node default scenario
// (outputs off unless -metrics) and reports simulated events per second and
// bytes allocated per event.
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
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(events), "B/event")
		})
	}
}
