package sim

import (
	"fmt"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lazySource records, at each Next, how far the clock had gone.
type lazySource struct {
	SliceSource
	e      *Engine
	pulled []allocator.Time // engine time at each pull
}

func (s *lazySource) Next() (Input, error) {
	s.pulled = append(s.pulled, s.e.Now())
	return s.SliceSource.Next()
}

// TestSourceIsPulledLazily: input i+1 is read only once the clock reached
// input i, so a trace is streamed, never loaded whole.
func TestSourceIsPulledLazily(t *testing.T) {
	var in []Input
	for i := range 100 {
		in = append(in, task(allocator.Time(i/2)*sec, sec/2, 100)) // pairs share an instant
	}
	src := &lazySource{SliceSource: SliceSource{Inputs: in}}
	e, err := New(Config{Cluster: smallCluster(t, 2), Source: src, Mode: mono(t, nil)})
	require.NoError(t, err)
	src.e = e
	_, err = e.Run()
	require.NoError(t, err)
	require.Len(t, src.pulled, 101) // 100 inputs and the EOF
	for i := 1; i < len(src.pulled); i++ {
		assert.GreaterOrEqual(t, src.pulled[i], in[i-1].Time, "input %d read before the clock reached input %d", i, i-1)
	}
}

// TestRunIsDeterministic: two runs with the same inputs log the same events.
func TestRunIsDeterministic(t *testing.T) {
	mk := func() []Input {
		var in []Input
		for i := range 300 {
			in = append(in, task(allocator.Time(i%37)*sec/3+allocator.Time(i/37)*10*sec, allocator.Time(1+i%11)*sec, int64(500*(1+i%5))))
		}
		in = append(in, Input{Time: 30 * sec, Kind: InputAgentFail, Agent: 1}, Input{Time: 60 * sec, Kind: InputAgentRecover, Agent: 1})
		sortInputs(in)
		return in
	}
	_, a := runEngine(t, Config{Cluster: smallCluster(t, 3), Source: &SliceSource{Inputs: mk()}, Requeue: true})
	_, b := runEngine(t, Config{Cluster: smallCluster(t, 3), Source: &SliceSource{Inputs: mk()}, Requeue: true})
	assert.Equal(t, a.log, b.log)
	assert.Greater(t, len(a.log), 600)
}

func sortInputs(in []Input) {
	for i := 1; i < len(in); i++ {
		for j := i; j > 0 && in[j].Time < in[j-1].Time; j-- {
			in[j], in[j-1] = in[j-1], in[j]
		}
	}
}

// TestScanLimitBoundsCycles: a long queue of tasks that cannot fit (every
// one a different shape, each smaller than the ones before, so shape and
// dominance skipping do not help) costs at most scan_limit placement
// attempts per cycle.
func TestScanLimitBoundsCycles(t *testing.T) {
	var in []Input
	for i := range 5000 {
		big := task(0, sec, 5000) // more CPU than any agent has
		big.Task.Req.Res[allocator.Mem] = int64(10000 - i)
		in = append(in, big)
	}
	in = append(in, task(0, sec, 1000))
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Horizon: 5 * sec,
		Mode: mono(t, allocator.Params{"scan_limit": 100})})
	for _, c := range rec.cycles {
		assert.LessOrEqual(t, c.PlaceFailures, int64(100))
	}
	assert.LessOrEqual(t, st.Counters.PlaceFailures, int64(100*len(rec.cycles)))
	// The small task behind 5,000 blocked ones is not reached within the bound.
	assert.Zero(t, st.Counters.Launched)
	// With a large enough bound it is.
	st, _ = runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Horizon: 5 * sec,
		Mode: mono(t, allocator.Params{"scan_limit": 10000})})
	assert.EqualValues(t, 1, st.Counters.Launched)
}

// TestShapeSkipping: once a shape failed in a cycle, later tasks of that
// shape, or of any larger shape, are not tried again in the same cycle.
func TestShapeSkipping(t *testing.T) {
	var in []Input
	for i := range 1000 {
		x := task(0, sec, 5000)
		x.Task.Req.Res[allocator.Mem] += int64(i % 7)
		if i%3 == 0 {
			x.Task.Req.Res[allocator.CPU] += 1000
		}
		in = append(in, x)
	}
	_, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Horizon: 3 * sec})
	require.NotEmpty(t, rec.cycles)
	for _, c := range rec.cycles {
		// Only the minimal shapes are tried: (6 CPU, 64 MiB) first, then
		// (5, 65) and (5, 64); everything else is larger than one of them.
		assert.LessOrEqual(t, c.PlaceFailures, int64(3))
	}
}

// TestPlacementPolicies runs the monolithic mode with registered policies
// and a per-framework override; every policy must place the same simple
// workload completely.
func TestPlacementPolicies(t *testing.T) {
	for _, policy := range []string{"first-fit", "best-fit", "worst-fit", "random", "dot-product"} {
		t.Run(policy, func(t *testing.T) {
			var in []Input
			for i := range 40 {
				x := task(allocator.Time(i)*sec/10, 10*sec, 1000)
				x.Task.Framework = allocator.FrameworkID(i % 2)
				in = append(in, x)
			}
			fws := []allocator.FrameworkInfo{{Name: "a"}, {Name: "b", Placement: "worst-fit"}}
			m, err := NewMode("monolithic", ModeEnv{Params: allocator.Params{"placement": policy}, Frameworks: fws, Rand: Stream(1, "mode")})
			require.NoError(t, err)
			st, rec := runEngine(t, Config{Cluster: smallCluster(t, 10), Source: &SliceSource{Inputs: in}, Mode: m, Frameworks: fws})
			assert.EqualValues(t, 40, st.Counters.Launched)
			assert.True(t, st.Drained)
			if policy == "first-fit" {
				// Framework a packs from agent 0; b (worst-fit) spreads.
				assert.Contains(t, rec.log, "0 start 0 on 0")
				assert.Contains(t, rec.log, "0.2 start 2 on 0")
				assert.NotContains(t, fmt.Sprint(rec.log), "start 1 on 0 ")
			}
		})
	}
}

func TestModeRegistry(t *testing.T) {
	assert.Contains(t, ModeNames(), "monolithic")
	_, err := NewMode("no-such-mode", ModeEnv{})
	assert.ErrorContains(t, err, "monolithic")
	assert.Panics(t, func() { RegisterMode("Monolithic", newMonolithic) })
}

func TestStreamsAreIndependent(t *testing.T) {
	a1, a2 := Stream(1, "a").Uint64(), Stream(1, "a").Uint64()
	assert.Equal(t, a1, a2)
	assert.NotEqual(t, a1, Stream(1, "b").Uint64())
	assert.NotEqual(t, a1, Stream(2, "a").Uint64())
}

// TestKilledPendingTaskLeavesQueue: a pending task killed in the queue is
// dropped, even when its slot is reused by a later task.
func TestKilledPendingTaskLeavesQueue(t *testing.T) {
	in := []Input{task(0, 10*sec, 4000), task(0, 10*sec, 4000), task(1*sec, 10*sec, 4000), task(3*sec, 10*sec, 4000)}
	rec := &recorder{}
	e, err := New(Config{Cluster: smallCluster(t, 1), Source: &SliceSource{Inputs: in}, Mode: mono(t, nil), Observer: rec})
	require.NoError(t, err)
	h := e.RegisterHandler(HandlerFunc(func(now allocator.Time, arg int64) {
		require.NoError(t, e.Kill(TaskID(arg), allocator.OutcomeKilled))
	}))
	e.At(2*sec, h, 1) // task seq 1 sits in slot 1, pending
	st, err := e.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"0 submit 0", "0 submit 1", "0 start 0 on 0",
		"1 submit 2", "2 end 1 killed", "3 submit 3",
		"10 end 0 finished", "10 start 2 on 0", "20 end 2 finished", "20 start 3 on 0", "30 end 3 finished",
	}, rec.log)
	assert.True(t, st.Drained)
}
