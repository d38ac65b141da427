package reports_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/reports/reportstest"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCollectorTinyRun(t *testing.T) {
	dir := t.TempDir()
	st, _ := reportstest.TinyRun(t, dir)
	assert.Equal(t, 24.0, st.End.Seconds())

	var rows []reports.TaskRow
	require.NoError(t, reports.ForEachTask(dir, func(r *reports.TaskRow) error {
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
		require.NotNil(t, r.AgentID)
		assert.Contains(t, []int32{0, 1}, *r.AgentID)
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

	sum, err := reports.ReadSummary(dir)
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
	ts, err := reports.ReadTable(dir, reports.TimeseriesFile)
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

	cy, err := reports.ReadTable(dir, reports.CyclesFile)
	require.NoError(t, err)
	assert.Equal(t, int(sum.Cycles), cy.Rows())
	var launched float64
	for _, v := range cy.Col("launched") {
		launched += v
	}
	assert.Equal(t, 4.0, launched)

	// The statistics recomputed from tasks.parquet equal the summary.
	again, err := reports.TaskStatsFromParquet(dir)
	require.NoError(t, err)
	want := sum.Tasks
	assert.Equal(t, want.WaitS, again.WaitS)
	assert.Equal(t, want.JCTS, again.JCTS)
	assert.Equal(t, want.Slowdown, again.Slowdown)
	assert.Equal(t, want.MakespanS, again.MakespanS)

	tm, err := reports.ReadTiming(dir)
	require.NoError(t, err)
	assert.Equal(t, int(sum.Cycles), tm.CycleWallMS.N)

	// No temporary files are left behind.
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{reports.SummaryFile, reports.TasksFile, reports.TimeseriesFile, reports.CyclesFile, reports.AgentsFile, reports.TimingFile}, names)

	agents, err := reports.ReadAgents(dir)
	require.NoError(t, err)
	assert.Equal(t, []reports.AgentRow{
		{AgentID: 0, Name: "a0", CPUMilli: 1000, MemMiB: 1024, Up: true},
		{AgentID: 1, Name: "a1", CPUMilli: 1000, MemMiB: 1024, Up: true},
	}, agents)
}

func TestCollectorDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	reportstest.TinyRun(t, a)
	reportstest.TinyRun(t, b)
	for _, f := range []string{reports.SummaryFile, reports.TasksFile, reports.TimeseriesFile, reports.AgentsFile} {
		x, err := os.ReadFile(filepath.Join(a, f))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, f))
		require.NoError(t, err)
		assert.Equal(t, x, y, "%s differs between identical runs", f)
	}
}

// agents.parquet shows the cluster as the run ends: agents added during the
// run, taken down or brought up.
func TestCollectorAgentsAsTheRunEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*allocator.Cluster)
		want   []reports.AgentRow
	}{
		{"unchanged", func(*allocator.Cluster) {}, []reports.AgentRow{
			{AgentID: 0, Name: "a0", Rack: "r1", CPUMilli: 1000, MemMiB: 1024, Up: true},
			{AgentID: 1, Name: "a1", Rack: "r1", CPUMilli: 2000, MemMiB: 1024, Up: true},
		}},
		{"one down", func(cl *allocator.Cluster) { cl.SetUp(1, false) }, []reports.AgentRow{
			{AgentID: 0, Name: "a0", Rack: "r1", CPUMilli: 1000, MemMiB: 1024, Up: true},
			{AgentID: 1, Name: "a1", Rack: "r1", CPUMilli: 2000, MemMiB: 1024, Up: false},
		}},
		{"one added", func(cl *allocator.Cluster) {
			_, err := cl.AddAgent(allocator.AgentSpec{Name: "g0", Rack: "r2", GPUModel: "V100",
				Capacity: allocator.Res(8000, 4096, 0, 2000)})
			require.NoError(t, err)
		}, []reports.AgentRow{
			{AgentID: 0, Name: "a0", Rack: "r1", CPUMilli: 1000, MemMiB: 1024, Up: true},
			{AgentID: 1, Name: "a1", Rack: "r1", CPUMilli: 2000, MemMiB: 1024, Up: true},
			{AgentID: 2, Name: "g0", Rack: "r2", GPUModel: "V100", CPUMilli: 8000, MemMiB: 4096, GPUMilli: 2000, Up: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := allocator.NewCluster()
			for _, a := range []allocator.AgentSpec{
				{Name: "a0", Rack: "r1", Capacity: allocator.Res(1000, 1024, 0, 0)},
				{Name: "a1", Rack: "r1", Capacity: allocator.Res(2000, 1024, 0, 0)},
			} {
				_, err := cl.AddAgent(a)
				require.NoError(t, err)
			}
			dir := t.TempDir()
			c, err := reports.NewCollector(dir, reports.Meta{Cluster: cl})
			require.NoError(t, err)
			tc.change(cl)
			require.NoError(t, c.Close(sim.Stats{}))
			got, err := reports.ReadAgents(dir)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// An aborted run leaves neither outputs nor temporary files, and removes the
// outputs of an earlier run in the same folder.
func TestCollectorAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	reportstest.TinyRun(t, dir)
	cl := allocator.NewCluster()
	c, err := reports.NewCollector(dir, reports.Meta{Cluster: cl})
	require.NoError(t, err)
	ents, _ := os.ReadDir(dir)
	assert.Len(t, ents, 3, "only the three open temporary Parquet files")
	for _, e := range ents {
		assert.NotContains(t, []string{reports.SummaryFile, reports.TasksFile}, e.Name())
	}
	c.Abort()
	ents, _ = os.ReadDir(dir)
	assert.Empty(t, ents)
}

// A run folder damaged after the run (a truncated copy, a flipped byte)
// gives an error naming the file; ForEachTask used to panic on it.
func TestDamagedRunFilesGiveErrors(t *testing.T) {
	dir := t.TempDir()
	reportstest.TinyRun(t, dir)
	damage := func(file string, edit func([]byte) []byte) {
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, edit(b), 0o644))
	}
	damage(reports.TasksFile, func(b []byte) []byte { return b[:len(b)/2] })
	err := reports.ForEachTask(dir, func(*reports.TaskRow) error { return nil })
	require.ErrorContains(t, err, filepath.Join(dir, reports.TasksFile)+": not a Parquet file")

	damage(reports.TimeseriesFile, func(b []byte) []byte {
		b[len(b)-5] = 0x3c // the footer length's high byte: ~1 GB
		return b
	})
	_, err = reports.ReadTable(dir, reports.TimeseriesFile)
	require.ErrorContains(t, err, "does not fit in the file")
}
