package metrics

import (
	"math"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJain(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"equal shares", []float64{0.3, 0.3}, 1},
		{"two roles 0.25 and 0.125", []float64{0.25, 0.125}, 0.9}, // 0.375² / (2 × 0.078125)
		{"one holds all of four", []float64{0.8, 0, 0, 0}, 0.25},
		{"all zero are equal", []float64{0, 0, 0}, 1},
		{"three roles 1,2,3", []float64{1, 2, 3}, 36.0 / 42},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, Jain(tc.xs), 1e-12)
		})
	}
	assert.True(t, math.IsNaN(Jain(nil)), "no roles: undefined")
}

func TestQuantilesEmpirical(t *testing.T) {
	xs := make([]float64, 0, 100)
	for i := 100; i >= 1; i-- { // reversed: Summarise sorts
		xs = append(xs, float64(i))
	}
	d := Summarise(xs)
	assert.Equal(t, Dist{N: 100, Mean: 50.5, Min: 1, P50: 50, P90: 90, P99: 99, Max: 100}, d)

	// Four waits: the empirical quantile never interpolates.
	d = Summarise([]float64{0, 10, 20, 30})
	assert.Equal(t, 10.0, d.P50)
	assert.Equal(t, 30.0, d.P90)
	assert.Equal(t, 30.0, d.P99)
	assert.Equal(t, Dist{}, Summarise(nil))
}

func TestCDF(t *testing.T) {
	xs, ps := CDF([]float64{1, 2, 3, 4}, 10)
	assert.Equal(t, []float64{1, 2, 3, 4}, xs)
	assert.Equal(t, []float64{0.25, 0.5, 0.75, 1}, ps)
	big := make([]float64, 1000)
	for i := range big {
		big[i] = float64(i)
	}
	xs, ps = CDF(big, 100)
	require.Len(t, xs, 100)
	assert.Equal(t, 999.0, xs[99])
	assert.Equal(t, 1.0, ps[99])
	assert.Equal(t, 0.01, ps[0])
}

// A tiny hand-made run: two frameworks, two jobs; every figure known by hand.
func TestTaskStatsHandMade(t *testing.T) {
	fin := allocator.OutcomeFinished
	tasks := []Task{
		// job 1 of framework 0: two tasks, submitted at 0, waits 0 and 10, runs 100 and 20.
		{Job: 1, Framework: 0, Priority: 1, Submit: 0, Ready: 0, Start: 0, End: 100, Started: true, Outcome: fin},
		{Job: 1, Framework: 0, Priority: 1, Submit: 0, Ready: 0, Start: 10, End: 30, Started: true, Outcome: fin},
		// job 2 of framework 1: wait 30, run 5 → bounded slowdown (30+5)/10 = 3.5; JCT 35.
		{Job: 2, Framework: 1, Priority: 0, Class: 2, Submit: 50, Ready: 50, Start: 80, End: 85, Started: true, Outcome: fin},
		// job 3 of framework 1: preempted once (wait 5), then requeued and never placed → incomplete.
		{Job: 3, Framework: 1, Submit: 60, Ready: 60, Start: 65, End: 70, Started: true, Outcome: allocator.OutcomePreempted},
		{Job: 3, Framework: 1, Submit: 60, Ready: 70, End: 200, Outcome: allocator.OutcomeUnscheduled},
		// job 5: wait 1, run 2 → (1+2)/10 < 1 → bounded slowdown 1; JCT 3.
		{Job: 5, Framework: 1, Priority: 0, Submit: 90, Ready: 90, Start: 91, End: 93, Started: true, Outcome: fin},
		// a service still running when the run stopped: wait 2, no JCT.
		{Job: 4, Framework: 0, Submit: 0, Ready: 0, Start: 2, End: 200, Started: true, Running: true, Service: true},
	}
	s := NewTaskStats()
	for i := range tasks {
		s.Add(&tasks[i])
	}
	sum := s.Summary()
	assert.Equal(t, int64(7), sum.Attempts)
	assert.Equal(t, int64(6), sum.Started)
	assert.Equal(t, int64(1), sum.RunningAtEnd)
	assert.Equal(t, map[string]int64{"finished": 4, "preempted": 1, "unscheduled": 1}, sum.Outcomes)
	// waits 0, 10, 30, 5, 1, 2 → sorted 0 1 2 5 10 30
	assert.Equal(t, Dist{N: 6, Mean: 8, Min: 0, P50: 2, P90: 30, P99: 30, Max: 30}, sum.WaitS)
	require.Len(t, sum.WaitSByFw, 2)
	assert.Equal(t, int32(0), sum.WaitSByFw[0].Key)
	assert.Equal(t, Dist{N: 3, Mean: 4, Min: 0, P50: 2, P90: 10, P99: 10, Max: 10}, sum.WaitSByFw[0].Dist)
	assert.Equal(t, Dist{N: 3, Mean: 12, Min: 1, P50: 5, P90: 30, P99: 30, Max: 30}, sum.WaitSByFw[1].Dist)
	require.Len(t, sum.WaitSByPrio, 2)
	assert.Equal(t, 4, sum.WaitSByPrio[0].Dist.N) // priority 0: 30, 5, 1, 2
	assert.Equal(t, 2, sum.WaitSByPrio[1].Dist.N) // priority 1: 0, 10
	require.Len(t, sum.WaitSByClass, 2)
	assert.Equal(t, int32(2), sum.WaitSByClass[1].Key)
	assert.Equal(t, 30.0, sum.WaitSByClass[1].Dist.Max)
	// slowdowns of finished attempts: (0+100)/100 = 1, (10+20)/20 = 1.5, (30+5)/10 = 3.5, max(1, 3/10) = 1
	assert.Equal(t, Dist{N: 4, Mean: 1.75, Min: 1, P50: 1, P90: 3.5, P99: 3.5, Max: 3.5}, sum.Slowdown)
	// jobs: 1 (JCT 100), 2 (JCT 35), 5 (JCT 3) complete; 3 incomplete; the service has none.
	assert.Equal(t, 4, sum.JobsTotal)
	assert.Equal(t, 3, sum.JobsCompleted)
	assert.Equal(t, Dist{N: 3, Mean: 46, Min: 3, P50: 35, P90: 100, P99: 100, Max: 100}, sum.JCTS)
	// makespan: last finished end (100) − first submit (0)
	assert.Equal(t, 100.0, sum.MakespanS)
	// job 3's second attempt never started: it had waited 200 − 70 = 130 s.
	assert.Equal(t, Dist{N: 1, Mean: 130, Min: 130, P50: 130, P90: 130, P99: 130, Max: 130}, sum.UnscheduledWaitS)
	require.Len(t, sum.UnscheduledWaitSByFw, 1)
	assert.Equal(t, int32(1), sum.UnscheduledWaitSByFw[0].Key)
}

// Only attempts that never started and were not ended otherwise (killed,
// say) count as unscheduled waits, per framework, merged like the others.
func TestUnscheduledWaits(t *testing.T) {
	a, b := NewTaskStats(), NewTaskStats()
	a.Add(&Task{Framework: 2, Ready: 10, End: 50, Outcome: allocator.OutcomeUnscheduled})
	a.Add(&Task{Framework: 2, Ready: 10, End: 15, Outcome: allocator.OutcomeKilled})
	a.Add(&Task{Framework: 0, Ready: 0, Start: 5, End: 50, Started: true, Running: true})
	b.Add(&Task{Framework: 0, Ready: 20, End: 50, Outcome: allocator.OutcomeUnscheduled})
	b.Add(&Task{Framework: 2, Ready: 40, End: 50, Outcome: allocator.OutcomeUnscheduled})
	a.Merge(b)
	sum := a.Summary()
	assert.Equal(t, Dist{N: 3, Mean: 80.0 / 3, Min: 10, P50: 30, P90: 40, P99: 40, Max: 40}, sum.UnscheduledWaitS)
	require.Len(t, sum.UnscheduledWaitSByFw, 2)
	assert.Equal(t, Group{Key: 0, Dist: Dist{N: 1, Mean: 30, Min: 30, P50: 30, P90: 30, P99: 30, Max: 30}}, sum.UnscheduledWaitSByFw[0])
	assert.Equal(t, Group{Key: 2, Dist: Dist{N: 2, Mean: 25, Min: 10, P50: 10, P90: 40, P99: 40, Max: 40}}, sum.UnscheduledWaitSByFw[1])
	assert.Equal(t, Dist{N: 1, Mean: 5, Min: 5, P50: 5, P90: 5, P99: 5, Max: 5}, sum.WaitS)
}

// Jobs are told apart by (framework, job id), whether the id is small (a
// slice lookup) or not (a map).
func TestJobKeys(t *testing.T) {
	fin := allocator.OutcomeFinished
	s := NewTaskStats()
	for _, job := range []int64{3, 1 << 40, -5} {
		for fw := int32(0); fw < 2; fw++ {
			s.Add(&Task{Job: job, Framework: fw, Submit: 0, Start: 1, End: 10 + float64(fw), Started: true, Outcome: fin})
			s.Add(&Task{Job: job, Framework: fw, Submit: 0, Start: 2, End: 20 + float64(fw), Started: true, Outcome: fin})
		}
	}
	sum := s.Summary()
	assert.Equal(t, 6, sum.JobsTotal)
	assert.Equal(t, Dist{N: 6, Mean: 20.5, Min: 20, P50: 20, P90: 21, P99: 21, Max: 21}, sum.JCTS)
}

// Wait groups keep any key — small ones in a slice, negative or large ones
// in a map — in key order, and statistics merged from two accumulators
// equal those of one that saw every attempt.
func TestWaitGroupKeys(t *testing.T) {
	fin := allocator.OutcomeFinished
	var tasks []Task
	for i, prio := range []int32{5000, -1, 0, 5000, -1, 7, 5000} {
		w := float64(10 - i)
		tasks = append(tasks, Task{Job: int64(i), Priority: prio, Class: -prio, Ready: 0, Start: w, End: w + 1, Started: true, Outcome: fin})
	}
	one, a, b := NewTaskStats(), NewTaskStats(), NewTaskStats()
	for i := range tasks {
		one.Add(&tasks[i])
		if i < 3 {
			a.Add(&tasks[i])
		} else {
			b.Add(&tasks[i])
		}
	}
	a.Merge(b)
	want, got := one.Summary(), a.Summary()
	assert.Equal(t, want, got)
	keys := func(gs []Group) (ks []int32) {
		for _, g := range gs {
			ks = append(ks, g.Key)
		}
		return ks
	}
	assert.Equal(t, []int32{-1, 0, 7, 5000}, keys(got.WaitSByPrio))
	assert.Equal(t, []int32{-5000, -7, 0, 1}, keys(got.WaitSByClass))
	// priority 5000: waits 10, 7, 4
	assert.Equal(t, Dist{N: 3, Mean: 7, Min: 4, P50: 7, P90: 10, P99: 10, Max: 10}, got.WaitSByPrio[3].Dist)
}
