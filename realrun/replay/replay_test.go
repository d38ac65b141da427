package replay

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/realruntest"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func smallScenario(t *testing.T) *workloads.Scenario {
	t.Helper()
	s, err := workloads.Load(filepath.Join("..", "..", "examples", "realrun-small.yaml"))
	require.NoError(t, err)
	return s
}

// The small scenario replayed on emulated agents: every task is placed
// and finishes, and the run folder has the simulator's files.
func TestReplayEmulated(t *testing.T) {
	// Options.Timeout bounds the replay; this also covers writing the outputs.
	realruntest.Deadline(t, 3*time.Minute)
	s := smallScenario(t)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{Out: out, TimeScale: 40, Timeout: 90 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, 200, res.Tasks)
	assert.Equal(t, int64(200), res.Started)
	assert.Equal(t, int64(200), res.Ended[allocator.OutcomeFinished])
	sum, err := reports.ReadSummary(out)
	require.NoError(t, err)
	assert.Equal(t, int64(200), sum.Tasks.Started)
	assert.Greater(t, sum.AllocMeanFrac.CPU, 0.05)
	assert.Less(t, sum.EndS, 400.0, "scenario time, not wall time")
	t.Logf("replay took %v: end %.0f s, wait p50 %.2f s, mean CPU allocated %.2f", res.Wall, sum.EndS, sum.Tasks.WaitS.P50, sum.AllocMeanFrac.CPU)
}

// A scenario with a horizon and services: the replay stops at the horizon
// (scaled), services are reported still running, as the simulator does.
func TestReplayStopsAtHorizon(t *testing.T) {
	realruntest.Deadline(t, 3*time.Minute)
	yaml := `
name: horizon
seed: 3
horizon: 60s
cluster:
  node_classes:
    - {name: node, count: 2, cpu: 4, mem: 4GiB}
roles: [{name: r}]
frameworks: [{name: svc, role: r}, {name: batch, role: r}]
workload:
  synthetic:
    streams:
      - {name: svc, framework: svc, max_jobs: 3, arrival: {rate: 1}, service_fraction: 1, cpu: 1, mem: 256MiB}
      - {name: batch, framework: batch, max_jobs: 10, arrival: {rate: 0.5}, duration: 5s, cpu: 500m, mem: 128MiB}
allocator: {name: drf, interval: 1s}
outputs: {sample_interval: 5s}
`
	s, err := workloads.Parse("horizon.yaml", []byte(yaml))
	require.NoError(t, err)
	out := t.TempDir()
	res, err := Run(context.Background(), s, Options{Out: out, TimeScale: 20, Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, int64(3), res.Running, "services still running at the horizon")
	sum, err := reports.ReadSummary(out)
	require.NoError(t, err)
	assert.Equal(t, int64(3), sum.Tasks.RunningAtEnd)
	assert.InDelta(t, 60, sum.EndS, 1)

	s.Horizon = 0
	_, err = Run(context.Background(), s, Options{TimeScale: 20})
	require.ErrorContains(t, err, "no horizon")
}
