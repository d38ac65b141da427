package reports_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A hand-made run of offer counters and cycle wall times: 100 cycles of
// 1, 2, …, 100 ms (p50 = 50 ms, p99 = 99 ms, max = 100 ms), each making 3
// offers of which 1 is accepted and 2 declined; the engine's run-wide
// counters say 300 made, 100 accepted, 200 declined, 7 rescinded.
func TestOffersAndCycleWallTime(t *testing.T) {
	e, c, dir := handRun(t)

	for i := range 100 {
		c.CycleDone(allocator.Time(i)*allocator.Second, time.Duration(i+1)*time.Millisecond,
			sim.CycleStats{Offers: 3, Accepted: 1, Declined: 2})
	}
	k := e.Counters()
	k.Offers, k.Accepted, k.Declined, k.Rescinded, k.Cycles = 300, 100, 200, 7, 100
	c.Sample(100*allocator.Second, e)
	require.NoError(t, c.Close(sim.Stats{End: 100 * allocator.Second, Counters: *k, Wall: time.Second}))

	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
	require.NoError(t, err)
	assert.Equal(t, []float64{300}, ts.Col("offers_made"))
	assert.Equal(t, []float64{100}, ts.Col("offers_accepted"))
	assert.Equal(t, []float64{200}, ts.Col("offers_declined"))
	assert.Equal(t, []float64{7}, ts.Col("offers_rescinded"))
	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, [4]int64{300, 100, 200, 7}, [4]int64{sum.OffersMade, sum.OffersAccepted, sum.OffersDeclined, sum.OffersRescinded})

	cy, err := reports.ReadTable(dir, reports.CyclesFile)
	require.NoError(t, err)
	require.Equal(t, 100, cy.Rows())
	var offers, accepted, declined float64
	for i := range cy.Rows() {
		offers += cy.Col("offers")[i]
		accepted += cy.Col("accepted")[i]
		declined += cy.Col("declined")[i]
	}
	assert.Equal(t, [3]float64{300, 100, 200}, [3]float64{offers, accepted, declined})
	assert.Equal(t, 5e6, cy.Col("wall_ns")[4])

	tm, err := reports.ReadTiming(dir)
	require.NoError(t, err)
	assert.Equal(t, metrics.Dist{N: 100, Mean: 50.5, Min: 1, P50: 50, P90: 90, P99: 99, Max: 100}, tm.CycleWallMS)
	assert.InDelta(t, 5.05, tm.CycleWallSumS, 1e-9)
}

// handRun makes a collector for a one-agent engine that never runs: a test
// calls the observer hooks and sets the engine's counters itself.
func handRun(t *testing.T) (*sim.Engine, *reports.Collector, string) {
	t.Helper()
	cl := allocator.NewCluster()
	_, err := cl.AddAgent(allocator.AgentSpec{Name: "a0", Capacity: allocator.Res(1000, 1024, 0, 0)})
	require.NoError(t, err)
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{})
	require.NoError(t, err)
	e, err := sim.New(sim.Config{Cluster: cl, Source: &sim.SliceSource{}, Mode: mode})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "run")
	c, err := reports.NewCollector(dir, reports.Meta{Cluster: cl})
	require.NoError(t, err)
	return e, c, dir
}
