package replay

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
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
