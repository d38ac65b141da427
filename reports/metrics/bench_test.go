package metrics

import (
	"math/rand/v2"
	"testing"

	"github.com/allocsim/allocsim/allocator"
)

// benchTasks is a run of 1M started attempts of 100k jobs, 8 frameworks.
func benchTasks() []Task {
	const n = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	tasks := make([]Task, n)
	for i := range tasks {
		ready := rng.Float64() * 7200
		wait := rng.ExpFloat64() * 30
		tasks[i] = Task{
			Job: int64(rng.IntN(100_000)), Framework: int32(rng.IntN(8)), Priority: int32(rng.IntN(4)),
			Class: int32(rng.IntN(3)), Submit: ready, Ready: ready, Start: ready + wait,
			End: ready + wait + rng.ExpFloat64()*600, Started: true, Outcome: allocator.OutcomeFinished,
		}
	}
	return tasks
}

// BenchmarkTaskStatsAdd is the statistics' share of the collector's writer
// goroutine per ended attempt: its wait sorted into four samples as they
// come, its slowdown into one, its job looked up.
func BenchmarkTaskStatsAdd(b *testing.B) {
	tasks := benchTasks()
	s, i := NewTaskStats(), 0
	for b.Loop() {
		s.Add(&tasks[i])
		if i++; i == len(tasks) {
			s, i = NewTaskStats(), 0
		}
	}
}

// BenchmarkTaskStatsSummary is what closing a run of 1M attempts costs the
// statistics (on the critical path of Collector.Close).
func BenchmarkTaskStatsSummary(b *testing.B) {
	tasks := benchTasks()
	for range b.N {
		b.StopTimer()
		s := NewTaskStats()
		for i := range tasks {
			s.Add(&tasks[i])
		}
		b.StartTimer()
		s.Summary()
	}
}

// BenchmarkTaskStatsMergeSummary is closing a run as the collector does: the
// statistics of the rows written ahead (here 3/8 of 1M attempts) merged into
// the others', then the summary.
func BenchmarkTaskStatsMergeSummary(b *testing.B) {
	tasks := benchTasks()
	split := len(tasks) * 5 / 8
	for range b.N {
		b.StopTimer()
		s, o := NewTaskStats(), NewTaskStats()
		for i := range tasks[:split] {
			s.Add(&tasks[i])
		}
		for i := range tasks[split:] {
			o.Add(&tasks[split+i])
		}
		b.StartTimer()
		s.Merge(o)
		s.Summary()
	}
}
