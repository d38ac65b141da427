package reports

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyRun is a run small enough to work out by hand: two agents of 1 CPU and
// 1 GiB; framework "web" (role prod) submits three 1-CPU tasks of 12 s at
// t=0, framework "etl" (role batch) one 1-CPU task of 5 s. web's first two
// start at 0 and end at 12; then web's third and etl's start (wait 12 s);
// etl ends at 17, web's third at 24, and the workload drains.
func tinyRun(t testing.TB, dir string) (sim.Stats, Meta) {
	t.Helper()
	cl := allocator.NewCluster()
	for _, n := range []string{"a0", "a1"} {
		_, err := cl.AddAgent(allocator.AgentSpec{Name: n, Capacity: allocator.Res(1000, 1024, 0, 0)})
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "prod", Weight: 1}, {Name: "batch", Weight: 1}}
	fws := []allocator.FrameworkInfo{{Name: "web", Role: 0}, {Name: "etl", Role: 1}}
	task := func(fw allocator.FrameworkID, job int64, idx int32, dur allocator.Time, mem int64) sim.Input {
		return sim.Input{Kind: sim.InputTask, Task: allocator.TaskSpec{
			Job: job, Index: idx, Framework: fw, Duration: dur,
			Req: allocator.Request{Res: allocator.Res(1000, mem, 0, 0)}}}
	}
	src := &sim.SliceSource{Inputs: []sim.Input{
		task(0, 1, 0, 12*allocator.Second, 256), task(0, 1, 1, 12*allocator.Second, 256),
		task(0, 1, 2, 12*allocator.Second, 256), task(1, 2, 0, 5*allocator.Second, 512),
	}}
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{Frameworks: fws, Roles: roles})
	require.NoError(t, err)
	m := Meta{Version: "test", Scenario: "tiny", Seed: 7, Allocator: "monolithic",
		Config: map[string]any{"name": "tiny", "agents": 2}, Cluster: cl, Frameworks: fws, Roles: roles,
		SampleInterval: 5 * allocator.Second}
	c, err := NewCollector(dir, m)
	require.NoError(t, err)
	e, err := sim.New(sim.Config{Cluster: cl, Frameworks: fws, Roles: roles, Source: src, Mode: mode,
		Seed: 7, Observer: c, SampleInterval: m.SampleInterval})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	require.NoError(t, c.Close(st))
	return st, m
}

func TestCollectorTinyRun(t *testing.T) {
	dir := t.TempDir()
	st, _ := tinyRun(t, dir)
	assert.Equal(t, 24.0, st.End.Seconds())

	var rows []TaskRow
	require.NoError(t, ForEachTask(dir, func(r *TaskRow) error {
		c := *r
		rows = append(rows, c)
		return nil
	}))
	require.Len(t, rows, 4)
	waits := map[[2]int64]float64{}
	for _, r := range rows {
		require.NotNil(t, r.WaitS, "task %d started", r.TaskID)
		waits[[2]int64{int64(r.FrameworkID), int64(r.TaskIndex)}] = *r.WaitS
		assert.Equal(t, "finished", r.Outcome)
		assert.Equal(t, int64(1000), r.CPUMilli)
		assert.Equal(t, *r.StartS+*r.RunS, r.EndS)
		require.NotNil(t, r.Agent)
		assert.Contains(t, []string{"a0", "a1"}, *r.Agent)
		if r.FrameworkID == 0 {
			assert.Equal(t, "web", r.Framework)
			assert.Equal(t, "prod", r.Role)
			assert.Equal(t, 12.0, *r.DurationS)
		} else {
			assert.Equal(t, "etl", r.Framework)
			assert.Equal(t, "batch", r.Role)
		}
	}
	assert.Equal(t, map[[2]int64]float64{{0, 0}: 0, {0, 1}: 0, {0, 2}: 12, {1, 0}: 12}, waits)

	sum, err := ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, metrics.Dist{N: 4, Mean: 6, Min: 0, P50: 0, P90: 12, P99: 12, Max: 12}, sum.Tasks.WaitS)
	assert.Equal(t, 24.0, sum.Tasks.MakespanS)
	assert.Equal(t, metrics.Dist{N: 2, Mean: 20.5, Min: 17, P50: 17, P90: 24, P99: 24, Max: 24}, sum.Tasks.JCTS)
	require.Len(t, sum.WaitSByFw, 2)
	assert.Equal(t, "web", sum.WaitSByFw[0].Name)
	assert.Equal(t, 4.0, sum.WaitSByFw[0].Dist.Mean)
	assert.Equal(t, "etl", sum.WaitSByFw[1].Name)
	assert.Equal(t, 12.0, sum.WaitSByFw[1].Dist.Mean)
	assert.JSONEq(t, `{"name":"tiny","agents":2}`, string(sum.Config))
	assert.Equal(t, "test", sum.Version)

	// Samples at 0, 5, 10, 15, 20 s (the run drains at 24 s).
	ts, err := ReadTable(dir, TimeseriesFile)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 5, 10, 15, 20}, ts.Col("time_s"))
	assert.Equal(t, []float64{2, 2, 2, 0, 0}, ts.Col("pending_tasks"))
	assert.Equal(t, []float64{2, 2, 2, 2, 1}, ts.Col("running_tasks"))
	assert.Equal(t, []float64{2000, 2000, 2000, 2000, 1000}, ts.Col("used_cpu_milli"))
	assert.Equal(t, []float64{1, 1, 1, 1, 0.5}, ts.Col("alloc_cpu_frac"))
	// prod holds both CPUs while batch waits: shares (1, 0) → Jain 0.5; then
	// (0.5, 0.5) → 1; at 20 s only prod has demand → 1.
	assert.Equal(t, []float64{1, 1, 1, 0.5, 0.5}, ts.Col("share_role_prod"))
	assert.Equal(t, []float64{0, 0, 0, 0.5, 0}, ts.Col("share_role_batch"))
	assert.Equal(t, []float64{0.5, 0.5, 0.5, 1, 1}, ts.Col("jain_roles"))
	assert.Equal(t, []float64{0.5, 0.5, 0.5, 1, 1}, ts.Col("jain_frameworks"))
	assert.Equal(t, []float64{1, 1, 1, 0.5, 0.5}, ts.Col("share_fw_web"))
	assert.Equal(t, 0.5, sum.JainRolesMin)
	assert.InDelta(t, 0.7, sum.JainRolesMean, 1e-12)
	assert.Equal(t, int64(2), sum.PendingPeak)

	cy, err := ReadTable(dir, CyclesFile)
	require.NoError(t, err)
	assert.Equal(t, int(sum.Cycles), cy.Rows())
	var launched float64
	for _, v := range cy.Col("launched") {
		launched += v
	}
	assert.Equal(t, 4.0, launched)

	// The statistics recomputed from tasks.parquet equal the summary.
	again, err := TaskStatsFromParquet(dir)
	require.NoError(t, err)
	again.WaitSamples = nil
	want := sum.Tasks
	assert.Equal(t, want.WaitS, again.WaitS)
	assert.Equal(t, want.JCTS, again.JCTS)
	assert.Equal(t, want.Slowdown, again.Slowdown)
	assert.Equal(t, want.MakespanS, again.MakespanS)

	tm, err := ReadTiming(dir)
	require.NoError(t, err)
	assert.Equal(t, int(sum.Cycles), tm.CycleWallMS.N)

	// No temporary files are left behind.
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{SummaryFile, TasksFile, TimeseriesFile, CyclesFile, TimingFile}, names)
}

func TestCollectorDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	tinyRun(t, a)
	tinyRun(t, b)
	for _, f := range []string{SummaryFile, TasksFile, TimeseriesFile} {
		x, err := os.ReadFile(filepath.Join(a, f))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, f))
		require.NoError(t, err)
		assert.Equal(t, x, y, "%s differs between identical runs", f)
	}
}

// An aborted run leaves neither outputs nor temporary files, and removes the
// outputs of an earlier run in the same folder.
func TestCollectorAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	tinyRun(t, dir)
	cl := allocator.NewCluster()
	c, err := NewCollector(dir, Meta{Cluster: cl})
	require.NoError(t, err)
	ents, _ := os.ReadDir(dir)
	assert.Len(t, ents, 3, "only the three open temporary Parquet files")
	for _, e := range ents {
		assert.NotContains(t, []string{SummaryFile, TasksFile}, e.Name())
	}
	c.Abort()
	ents, _ = os.ReadDir(dir)
	assert.Empty(t, ents)
}

func TestColumnNames(t *testing.T) {
	assert.Equal(t, []string{"eng_frontend", "prod", "prod_2", "_"}, uniqueNames([]string{"eng/frontend", "Prod", "prod", ""}))
	assert.False(t, math.IsNaN(frac(1, 0)))
}
