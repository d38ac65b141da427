package reports

import (
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
	"github.com/parquet-go/parquet-go"
)

// CycleRow is one row of cycles.parquet: one allocation cycle. wall_ns is
// the cycle's wall-clock time — the only non-deterministic column of the
// Parquet outputs.
type CycleRow struct {
	Cycle         int64   `parquet:"cycle"`
	TimeS         float64 `parquet:"time_s"`
	Triggered     int64   `parquet:"triggered"`
	WallNS        int64   `parquet:"wall_ns"`
	Launched      int64   `parquet:"launched"`
	PlaceFailures int64   `parquet:"place_failures"`
	Offers        int64   `parquet:"offers"`
	Accepted      int64   `parquet:"accepted"`
	Declined      int64   `parquet:"declined"`
	PendingTasks  int64   `parquet:"pending_tasks"`
	RunningTasks  int64   `parquet:"running_tasks"`
}

// cycleWriter buffers cycle rows (fixed-size structs: no allocation per
// cycle) and hands full batches to a goroutine that encodes them (a pipe), so
// the engine goroutine only fills a struct per cycle.
type cycleWriter struct {
	out  *atomicFile
	w    *parquet.GenericWriter[CycleRow]
	pipe *pipe[CycleRow]
	n    int64
	err  error // the goroutine's first error; read after shutdown
	// Each cycle's wall time, for exact quantiles in timing.json, and their
	// sum: kept by the goroutine, read after shutdown.
	walls   metrics.SortedSample
	wallSum float64 // s
}

const cycleBatchRows = 4096

func newCycleWriter(dir string) (*cycleWriter, error) {
	out, err := createAtomic(dir, CyclesFile)
	if err != nil {
		return nil, err
	}
	cw := &cycleWriter{out: out, w: parquet.NewGenericWriter[CycleRow](out, writerOptions()...)}
	cw.pipe = newPipe(cycleBatchRows, 2, func(rows []CycleRow) {
		if cw.err == nil {
			_, cw.err = cw.w.Write(rows)
		}
		for i := range rows {
			ms := float64(rows[i].WallNS) / 1e6
			cw.walls.Add(ms)
			cw.wallSum += ms / 1e3
		}
	})
	return cw, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (cw *cycleWriter) add(now allocator.Time, wall time.Duration, s sim.CycleStats) error {
	*cw.pipe.next() = CycleRow{
		Cycle: cw.n, TimeS: now.Seconds(), Triggered: b2i(s.Triggered), WallNS: wall.Nanoseconds(),
		Launched: s.Launched, PlaceFailures: s.PlaceFailures, Offers: s.Offers, Accepted: s.Accepted,
		Declined: s.Declined, PendingTasks: s.Pending, RunningTasks: s.Running,
	}
	cw.pipe.commit()
	cw.n++
	return nil
}

// shutdown hands over the last rows and waits for the goroutine.
func (cw *cycleWriter) shutdown() error {
	cw.pipe.shutdown()
	return cw.err
}

func (cw *cycleWriter) close() error {
	err := cw.shutdown()
	if err == nil {
		err = cw.w.Close()
	}
	if err != nil {
		cw.out.Abort()
		return err
	}
	return cw.out.Commit()
}

func (cw *cycleWriter) abort() {
	cw.shutdown()
	cw.out.Abort()
}
