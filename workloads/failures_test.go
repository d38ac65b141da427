package workloads

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// countingObserver counts attempt ends by outcome and submissions.
type countingObserver struct {
	submitted int
	ended     [allocator.NumOutcomes]int
}

func (o *countingObserver) TaskSubmitted(allocator.Time, *sim.Task) { o.submitted++ }
func (o *countingObserver) TaskStarted(allocator.Time, *sim.Task)   {}
func (o *countingObserver) TaskEnded(_ allocator.Time, t *sim.Task) {
	if t.State == sim.StateEnded {
		o.ended[t.Outcome]++
	}
}
func (o *countingObserver) Sample(allocator.Time, *sim.Engine)                      {}
func (o *countingObserver) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

func TestFailuresInjected(t *testing.T) {
	run := func(t *testing.T, failures string) *countingObserver {
		s, err := Parse("f.yaml", []byte(baseYAML+failures))
		require.NoError(t, err)
		cfg, err := s.SimConfig()
		require.NoError(t, err)
		obs := &countingObserver{}
		cfg.Observer = obs
		e, err := sim.New(cfg)
		require.NoError(t, err)
		_, err = e.Run()
		require.NoError(t, err)
		return obs
	}
	none := run(t, "")
	assert.Zero(t, none.ended[allocator.OutcomeLost], "no failures, nothing lost")

	// 12 agents, MTBF 1h each, over a 1 h horizon: about a dozen failures.
	lost := run(t, "failures: {mtbf: 1h, mttr: 5m, requeue: true}\n")
	require.Positive(t, lost.ended[allocator.OutcomeLost], "failed agents lose their tasks")
	assert.Equal(t, none.submitted+lost.ended[allocator.OutcomeLost], lost.submitted,
		"every lost attempt is submitted again with requeue")

	noRequeue := run(t, "failures: {mtbf: 1h, mttr: 5m}\n")
	assert.Equal(t, none.submitted, noRequeue.submitted, "without requeue nothing is resubmitted")
	assert.Equal(t, lost.ended[allocator.OutcomeLost], noRequeue.ended[allocator.OutcomeLost],
		"same seed, same failures")
}

func TestFailuresBad(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"failures: {mtbf: 0s, mttr: 5m}\n", "failures.mtbf: must be > 0"},
		{"failures: {mtbf: 1h, mttr: 0s}\n", "failures.mttr: must be > 0"},
		{"failures: {mtbf: 1h}\n", "failures.mttr: missing required key"},
		{"failures: {mtbf: 1h, mttr: 1m, often: yes}\n", "failures.often"},
	} {
		_, err := Parse("f.yaml", []byte(baseYAML+tc.doc))
		require.Error(t, err, tc.doc)
		assert.Contains(t, err.Error(), tc.want)
		assert.True(t, strings.HasPrefix(err.Error(), "f.yaml:"), err.Error())
	}
	noHorizon := strings.Replace(baseYAML, "horizon: 1h\n", "", 1) + "failures: {mtbf: 1h, mttr: 5m}\n"
	_, err := Parse("f.yaml", []byte(noHorizon))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "give the scenario a horizon")
}
