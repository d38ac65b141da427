package replay

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/allocsim/allocsim/traces"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplayGoogle2011 replays the ten shared Google 2011 parts end to
// end: reading the gzip CSV, rebuilding task runs, and simulating them on the
// trace's 12.5k machines (machine events included) with the default
// allocator (monolithic, first-fit). The replay stops at the first machine
// event after the last task (UntilTasksEnd): machine_events is the complete
// 29-day table and would otherwise keep the clock (and its 1 s cycles)
// running for a month with no tasks. events/s counts trace rows read
// (task_events + machine_events up to there).
func BenchmarkReplayGoogle2011(b *testing.B) {
	dir := filepath.Join(tracesDir(b), "google-2011")
	var events int64
	var res runResult
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		r, err := traces.OpenGoogle2011(dir, traces.Google2011Options{})
		if err != nil {
			b.Fatal(err)
		}
		res = run(b, r, Config{Machines: true, UntilTasksEnd: true}, 0)
		st := res.src.ReaderStats()
		for _, k := range []string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running"} {
			events += st.Get("task_event_" + k)
		}
		events += st.Get("machine_event_add") + st.Get("machine_event_remove") + st.Get("machine_event_update")
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if c := cpuTime() - cpu0; c > 0 {
		b.ReportMetric(float64(events)/c.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(res.ended), "task-ends")
}

// BenchmarkReplayCanonical replays the same ten parts after conversion to
// canonical Parquet (conversion not timed): the reading cost almost
// vanishes, so this is the simulator's own speed on the trace. events/s
// still counts the source's trace rows the records stand for.
func BenchmarkReplayCanonical(b *testing.B) {
	dir := filepath.Join(tracesDir(b), "google-2011")
	r, err := traces.OpenGoogle2011(dir, traces.Google2011Options{})
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	if _, err := traces.WriteCanonical(out, r, nil); err != nil {
		b.Fatal(err)
	}
	st := r.Stats()
	r.Close()
	var rows int64
	for _, k := range []string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running"} {
		rows += st.Get("task_event_" + k)
	}
	var events int64
	var res runResult
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		c, err := traces.OpenCanonical(out)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countMachines{Reader: c}
		res = run(b, cr, Config{Machines: true, UntilTasksEnd: true}, 0)
		events += rows + cr.machines
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if c := cpuTime() - cpu0; c > 0 {
		b.ReportMetric(float64(events)/c.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(res.ended), "task-ends")
}

// countMachines counts the machine events a replay reads.
type countMachines struct {
	traces.Reader
	machines int64
}

func (c *countMachines) Next(rec *traces.Record) error {
	err := c.Reader.Next(rec)
	if err == nil && rec.Kind == traces.RecordMachine {
		c.machines++
	}
	return err
}

func (c *countMachines) TasksExhausted() bool {
	tb, ok := c.Reader.(traces.TaskBounded)
	return ok && tb.TasksExhausted()
}
