package reports_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/reportstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goValue turns a value the Go side wrote into what DuckDB's JSON gives.
func goValue(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
		return x
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case *int32:
		if x == nil {
			return nil
		}
		return float64(*x)
	case *string:
		if x == nil {
			return nil
		}
		return *x
	}
	return v
}

func taskValues(r *reports.TaskRow) []any {
	vs := []any{r.TaskID, r.JobID, r.TaskIndex, r.Attempt, r.FrameworkID, r.Framework, r.RoleID, r.Role,
		r.Priority, r.Class, r.CPUMilli, r.MemMiB, r.DiskMiB, r.GPUMilli, r.Service, r.DurationS, r.SubmitS,
		r.ReadyS, r.StartS, r.EndS, r.WaitS, r.RunS, r.AgentID, r.GPUDevices, r.Outcome}
	for i, v := range vs {
		vs[i] = goValue(v)
	}
	return vs
}

// The Parquet outputs read by an independent reader (DuckDB) hold exactly
// what the Go side wrote: every column of every row.
func TestParquetReadByDuckDB(t *testing.T) {
	db := reportstest.NewDuckDB(t)
	dir := t.TempDir()
	reportstest.MixedRun(t, dir, 11)

	var want [][]any
	var nullStarts, running int
	require.NoError(t, reports.ForEachTask(dir, func(r *reports.TaskRow) error {
		want = append(want, taskValues(r))
		if r.StartS == nil {
			nullStarts++
		}
		if r.Outcome == reports.OutcomeRunning {
			running++
		}
		return nil
	}))
	require.Greater(t, len(want), 5000)
	require.Positive(t, nullStarts, "the run has never-scheduled tasks (null columns)")
	require.Positive(t, running, "the run has tasks still running at the horizon")

	tasks := reportstest.ParquetPath(filepath.Join(dir, reports.TasksFile))
	got := db.Query(t, "select * from read_parquet("+tasks+")")
	names := []string{"task_id", "job_id", "task_index", "attempt", "framework_id", "framework", "role_id", "role",
		"priority", "class", "cpu_milli", "mem_mib", "disk_mib", "gpu_milli", "service", "duration_s", "submit_s",
		"ready_s", "start_s", "end_s", "wait_s", "run_s", "agent_id", "gpu_devices", "outcome"}
	require.Len(t, got.Columns, len(names))
	for i, c := range got.Columns {
		assert.Equal(t, names[i], c.Name)
	}
	assert.Equal(t, "BIGINT", got.Columns[0].Type)
	assert.Equal(t, "DOUBLE", got.Columns[20].Type)
	assert.Equal(t, "VARCHAR", got.Columns[24].Type)
	require.Len(t, got.Rows, len(want))
	for i := range want {
		require.Equal(t, want[i], got.Rows[i], "tasks.parquet row %d", i)
	}

	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	agg := db.Query(t, "select count(*), avg(wait_s), max(wait_s), count(*) filter (where outcome = 'unscheduled') from read_parquet("+tasks+") where true")
	require.Len(t, agg.Rows, 1)
	assert.Equal(t, float64(sum.Tasks.Attempts), agg.Rows[0][0])
	assert.InDelta(t, sum.Tasks.WaitS.Mean, agg.Rows[0][1], 1e-9)
	assert.Equal(t, sum.Tasks.WaitS.Max, agg.Rows[0][2])
	assert.Equal(t, float64(sum.Tasks.Outcomes["unscheduled"]), agg.Rows[0][3])

	// agents.parquet, joined to tasks in DuckDB: every started task names an agent.
	agents, err := reports.ReadAgents(dir)
	require.NoError(t, err)
	ag := reportstest.ParquetPath(filepath.Join(dir, reports.AgentsFile))
	res := db.Query(t, "select agent_id, name, rack, gpu_model, gpu_milli from read_parquet("+ag+") order by agent_id")
	require.Len(t, res.Rows, len(agents))
	for i, a := range agents {
		assert.Equal(t, []any{float64(a.AgentID), a.Name, a.Rack, a.GPUModel, float64(a.GPUMilli)}, res.Rows[i])
	}
	join := db.Query(t, "select count(*), count(a.name) from read_parquet("+tasks+") t left join read_parquet("+ag+") a using (agent_id) where t.start_s is not null")
	assert.Equal(t, join.Rows[0][0], join.Rows[0][1])

	for _, file := range []string{reports.TimeseriesFile, reports.CyclesFile} {
		tab, err := reports.ReadTable(dir, file)
		require.NoError(t, err)
		res := db.Query(t, "select * from read_parquet("+reportstest.ParquetPath(filepath.Join(dir, file))+")")
		require.Len(t, res.Columns, len(tab.Columns), file)
		for i, c := range res.Columns {
			assert.Equal(t, tab.Columns[i], c.Name, file)
		}
		require.Len(t, res.Rows, tab.Rows(), file)
		require.Positive(t, tab.Rows(), file)
		for r := range res.Rows {
			for c := range tab.Columns {
				require.Equal(t, goValue(tab.Data[c][r]), res.Rows[r][c], fmt.Sprintf("%s row %d column %s", file, r, tab.Columns[c]))
			}
		}
	}
}

// Files written by another tool open through the same checks
// (internal/safeparquet) as the run's own: DuckDB's layout of pages, row
// groups and statistics differs from parquet-go's.
func TestReadTableOfAFileDuckDBWrote(t *testing.T) {
	db := reportstest.NewDuckDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, reports.TimeseriesFile)
	db.Query(t, fmt.Sprintf(`COPY (SELECT i::DOUBLE AS time_s, (i * 0.5)::DOUBLE AS cpu_alloc_frac FROM range(5000) t(i))
		TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1024)`, reportstest.ParquetPath(path)))
	tab, err := reports.ReadTable(dir, reports.TimeseriesFile)
	require.NoError(t, err)
	require.Equal(t, []string{"time_s", "cpu_alloc_frac"}, tab.Columns)
	require.Len(t, tab.Data[1], 5000)
	assert.Equal(t, 4999*0.5, tab.Data[1][4999])
}
