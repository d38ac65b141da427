package traces

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. On a machine shared with
// other jobs, rows per CPU-second is the honest speed; wall-clock rows/s is
// reported too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates reports rows/s (wall) and rows/cpu-s for work done since cpu0.
func reportRates(b *testing.B, rows int64, cpu0 time.Duration) {
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if c := cpuTime() - cpu0; c > 0 {
		b.ReportMetric(float64(rows)/c.Seconds(), "rows/cpu-s")
	}
}
