package reports

import (
	"slices"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
)

// cycles.parquet: one row per allocation cycle. wall_ns is the cycle's
// wall-clock time in nanoseconds — the only non-deterministic column of the
// Parquet outputs.
var cycleColumns = []Column{
	{"cycle", colInt64}, {"time_s", colFloat64}, {"triggered", colInt64}, {"wall_ns", colInt64},
	{"launched", colInt64}, {"place_failures", colInt64}, {"offers", colInt64},
	{"accepted", colInt64}, {"declined", colInt64}, {"pending_tasks", colInt64}, {"running_tasks", colInt64},
}

type cycleWriter struct {
	w *flatWriter
	n int64
}

func newCycleWriter(dir string) (*cycleWriter, error) {
	w, err := newFlatWriter(dir, CyclesFile, "cycles", cycleColumns)
	if err != nil {
		return nil, err
	}
	return &cycleWriter{w: w}, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (cw *cycleWriter) add(now allocator.Time, wall time.Duration, s sim.CycleStats) error {
	w := cw.w
	w.Int(cw.n)
	w.Float(now.Seconds())
	w.Int(b2i(s.Triggered))
	w.Int(wall.Nanoseconds())
	w.Int(s.Launched)
	w.Int(s.PlaceFailures)
	w.Int(s.Offers)
	w.Int(s.Accepted)
	w.Int(s.Declined)
	w.Int(s.Pending)
	w.Int(s.Running)
	cw.n++
	return w.End()
}

// cycleAcc keeps each cycle's wall time (8 bytes a cycle) for exact quantiles.
type cycleAcc struct{ wallMS []float64 }

func (a *cycleAcc) add(wall time.Duration) {
	a.wallMS = append(a.wallMS, float64(wall.Nanoseconds())/1e6)
}

func (a *cycleAcc) dist() metrics.Dist { return metrics.Summarise(slices.Clone(a.wallMS)) }
