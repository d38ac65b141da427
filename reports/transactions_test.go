package reports_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
)

// A hand-made run of a shared-state mode's counters: at the first sample 4
// transactions, 1 of them with a conflict refusing 2 claims; at the second
// 10, 3 and 5; schedulers busy 2.5 s in all.
func TestTransactionCounters(t *testing.T) {
	e, c, dir := handRun(t)

	k := e.Counters()
	k.Transactions, k.TxConflicted, k.Conflicts = 4, 1, 2
	c.Sample(60*allocator.Second, e)
	k.Transactions, k.TxConflicted, k.Conflicts, k.SchedulerBusy = 10, 3, 5, 2500*allocator.Millisecond
	k.JobsAbandoned = 2
	c.Sample(120*allocator.Second, e)
	require.NoError(t, c.Close(sim.Stats{End: 120 * allocator.Second, Counters: *k, Wall: time.Second}))

	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
	require.NoError(t, err)
	assert.Equal(t, []float64{4, 10}, ts.Col("transactions"))
	assert.Equal(t, []float64{1, 3}, ts.Col("transactions_conflicted"))
	assert.Equal(t, []float64{2, 5}, ts.Col("claims_conflicted"))
	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, [3]int64{10, 3, 5}, [3]int64{sum.Transactions, sum.TxConflicted, sum.Conflicts})
	assert.Equal(t, 2.5, sum.SchedulerBusyS)
	assert.Equal(t, int64(2), sum.JobsAbandoned)
}

// Preempted and lost attempts are cumulative columns of the time series,
// read from the engine's counters at each sample.
func TestEvictionCounters(t *testing.T) {
	e, c, dir := handRun(t)
	k := e.Counters()
	k.Ended[allocator.OutcomePreempted], k.Ended[allocator.OutcomeLost] = 2, 0
	c.Sample(60*allocator.Second, e)
	k.Ended[allocator.OutcomePreempted], k.Ended[allocator.OutcomeLost] = 7, 1
	k.WastedCPUSeconds = 5400
	c.Sample(120*allocator.Second, e)
	require.NoError(t, c.Close(sim.Stats{End: 120 * allocator.Second, Counters: *k, Wall: time.Second}))
	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, 5400.0, sum.WastedCPUS)

	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
	require.NoError(t, err)
	assert.Equal(t, []float64{2, 7}, ts.Col("preempted"))
	assert.Equal(t, []float64{0, 1}, ts.Col("lost"))
}

// Services' replicas sharing an agent, by hand: at the first sample
// service 5 has two replicas on the one agent (one shares); at the second
// three, and service 6 one (two share); two of service 5's have ended when
// the run stops (none shares), so the peak is 2.
func TestReplicasSharingNode(t *testing.T) {
	e, c, dir := handRun(t)
	cl := e.Cluster()
	replica := func(g int64) allocator.Request {
		return allocator.Request{Res: allocator.Res(100, 64, 0, 0), Group: g, Replica: true}
	}
	on := allocator.Placement{Agent: 0}
	cl.Allocate(on, replica(5))
	cl.Allocate(on, replica(5))
	cl.Allocate(on, allocator.Request{Res: allocator.Res(100, 64, 0, 0)}) // a batch task
	c.Sample(60*allocator.Second, e)
	cl.Allocate(on, replica(5))
	cl.Allocate(on, replica(6))
	c.Sample(120*allocator.Second, e)
	cl.Release(on, replica(5))
	cl.Release(on, replica(5))
	require.NoError(t, c.Close(sim.Stats{End: 150 * allocator.Second, Counters: *e.Counters(), Wall: time.Second}))

	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
	require.NoError(t, err)
	assert.Equal(t, []float64{2, 4}, ts.Col("service_replicas"))
	assert.Equal(t, []float64{1, 2}, ts.Col("replicas_sharing_node"))
	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, [3]int64{2, 0, 2}, [3]int64{sum.ReplicasEnd, sum.ReplicasSharingEnd, sum.ReplicasSharingPeak})
}
