package reports_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/reportstest"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return recs
}

// The CSV files hold the Parquet files' values exactly: every number of
// the time series and cycles, and every task row (nulls as empty fields,
// strings as written); converting twice gives the same bytes.
func TestExportCSV(t *testing.T) {
	dir := t.TempDir()
	reportstest.MixedRun(t, dir, 3)
	out := filepath.Join(t.TempDir(), "csv")
	paths, err := reports.ExportCSV(dir, out)
	require.NoError(t, err)
	require.Len(t, paths, 4)

	for _, name := range []string{reports.TimeseriesFile, reports.CyclesFile} {
		tab, err := reports.ReadTable(dir, name)
		require.NoError(t, err)
		recs := readCSV(t, filepath.Join(out, name[:len(name)-len(".parquet")]+".csv"))
		require.Equal(t, tab.Columns, recs[0], name)
		require.Len(t, recs, tab.Rows()+1, name)
		for c := range tab.Columns {
			for r, want := range tab.Data[c] {
				got, err := strconv.ParseFloat(recs[r+1][c], 64)
				require.NoError(t, err, "%s %s row %d", name, tab.Columns[c], r)
				if want == want { // NaN reads back as NaN, which is not equal to itself
					require.Equal(t, want, got, "%s %s row %d", name, tab.Columns[c], r)
				}
			}
		}
	}

	recs := readCSV(t, filepath.Join(out, "tasks.csv"))
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	i, nulls := 0, 0
	require.NoError(t, reports.ForEachTask(dir, func(r *reports.TaskRow) error {
		i++
		rec := recs[i]
		assert.Equal(t, strconv.FormatInt(r.TaskID, 10), rec[col["task_id"]])
		assert.Equal(t, r.Framework, rec[col["framework"]])
		assert.Equal(t, r.Outcome, rec[col["outcome"]])
		assert.Equal(t, strconv.FormatBool(r.Service), rec[col["service"]])
		assert.Equal(t, strconv.FormatFloat(r.EndS, 'g', -1, 64), rec[col["end_s"]])
		if r.StartS == nil {
			nulls++
			assert.Empty(t, rec[col["start_s"]])
			assert.Empty(t, rec[col["agent_id"]])
		} else {
			assert.Equal(t, strconv.FormatFloat(*r.StartS, 'g', -1, 64), rec[col["start_s"]])
			assert.Equal(t, strconv.Itoa(int(*r.AgentID)), rec[col["agent_id"]])
		}
		return nil
	}))
	assert.Len(t, recs, i+1)
	assert.Positive(t, nulls, "the mixed run has attempts that never started")

	again := filepath.Join(t.TempDir(), "again")
	_, err = reports.ExportCSV(dir, again)
	require.NoError(t, err)
	for _, p := range paths {
		a, err := os.ReadFile(p)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(again, filepath.Base(p)))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s differs between two exports", filepath.Base(p))
	}
}

// A damaged Parquet file is named in the error and leaves no CSV file of
// its own behind.
func TestExportCSVDamaged(t *testing.T) {
	dir := t.TempDir()
	reportstest.MixedRun(t, dir, 3)
	p := filepath.Join(dir, reports.TasksFile)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o644))
	out := t.TempDir()
	_, err = reports.ExportCSV(dir, out)
	require.ErrorContains(t, err, p)
	_, err = os.Stat(filepath.Join(out, "tasks.csv"))
	assert.True(t, os.IsNotExist(err))
	left, err := filepath.Glob(filepath.Join(out, ".*"))
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left")
}
