package sim

import (
	"io"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func drain(t *testing.T, s Source) []Input {
	t.Helper()
	var out []Input
	for {
		in, err := s.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, in)
	}
}

// TestFailuresProcess checks the injected failures: time order, an agent
// fails only while up and recovers after it failed, and the failure rate
// is close to agents/MTBF.
func TestFailuresProcess(t *testing.T) {
	const agents = 100
	mtbf, mttr, horizon := 10*allocator.Hour, 10*allocator.Minute, 100*allocator.Hour
	ins := drain(t, NewFailures(agents, mtbf, mttr, horizon, Stream(1, "failures")))
	down := map[allocator.AgentID]bool{}
	fails := 0
	var last allocator.Time
	for _, in := range ins {
		require.GreaterOrEqual(t, in.Time, last, "time order")
		require.LessOrEqual(t, in.Time, horizon)
		last = in.Time
		switch in.Kind {
		case InputAgentFail:
			require.False(t, down[in.Agent], "agent %d failed twice", in.Agent)
			down[in.Agent] = true
			fails++
		case InputAgentRecover:
			require.True(t, down[in.Agent], "agent %d recovered while up", in.Agent)
			down[in.Agent] = false
		default:
			t.Fatalf("unexpected input %v", in.Kind)
		}
	}
	// 100 agents × 100 h / 10 h = 1,000 expected failures (a few absorbed).
	assert.InDelta(t, 1000, fails, 120)
	again := drain(t, NewFailures(agents, mtbf, mttr, horizon, Stream(1, "failures")))
	assert.Equal(t, ins, again, "same stream, same failures")
}

func TestMergeOrders(t *testing.T) {
	a := &SliceSource{Inputs: []Input{task(0, sec, 1), task(2*sec, sec, 1), task(5*sec, sec, 1)}}
	b := &SliceSource{Inputs: []Input{{Time: 2 * sec, Kind: InputAgentFail}, {Time: 3 * sec, Kind: InputAgentRecover}}}
	got := drain(t, Merge(a, b))
	var kinds []InputKind
	var times []allocator.Time
	for _, in := range got {
		kinds = append(kinds, in.Kind)
		times = append(times, in.Time)
	}
	assert.Equal(t, []allocator.Time{0, 2 * sec, 2 * sec, 3 * sec, 5 * sec}, times)
	assert.Equal(t, []InputKind{InputTask, InputTask, InputAgentFail, InputAgentRecover, InputTask}, kinds)
}

// TestInjectedFailuresLoseAndRequeue runs a workload with failures: tasks
// are lost, requeued and still all finish.
func TestInjectedFailuresLoseAndRequeue(t *testing.T) {
	var in []Input
	for i := range 400 {
		in = append(in, task(allocator.Time(i)*sec, 30*sec, 1000))
	}
	fail := NewFailures(8, 2*allocator.Minute, 20*sec, 500*sec, Stream(2, "failures"))
	st, _ := runEngine(t, Config{Cluster: smallCluster(t, 8), Source: Merge(&SliceSource{Inputs: in}, fail), Requeue: true})
	assert.Positive(t, st.Counters.Ended[allocator.OutcomeLost])
	assert.Equal(t, st.Counters.Ended[allocator.OutcomeLost], st.Counters.Requeued)
	assert.EqualValues(t, 400, st.Counters.Ended[allocator.OutcomeFinished])
	assert.True(t, st.Drained)
}
