package reports_test

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/reportstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readRows(t *testing.T, dir string) []reports.TaskRow {
	t.Helper()
	var rows []reports.TaskRow
	require.NoError(t, reports.ForEachTask(dir, func(r *reports.TaskRow) error {
		rows = append(rows, *r)
		return nil
	}))
	return rows
}

// Rows written ahead for attempts that will still run at the horizon (the
// collector's open rows) give the same tasks.parquet rows and statistics as
// writing every row when the run stops — when some of them end early after
// all (agent failures: retracted, also from row groups already encoded) and
// when the run stops before its horizon (all dropped).
func TestOpenRowsSameAsWritingAtTheEnd(t *testing.T) {
	// Many small chunks and row groups: chunks are copied in during the run,
	// retractions hit chunks encoded and chunks copied in already.
	defer reports.SetOpenChunkRows(16)()
	defer reports.SetRowGroupRows(128)()
	for _, tc := range []struct {
		name string
		o    reportstest.MixedOptions
		// late: every retraction of an encoded chunk comes as if the chunk
		// had been copied in already, so Close rewrites tasks.parquet (which
		// path a retraction takes depends on goroutine timing; both must
		// give the same bytes and statistics).
		late bool
	}{
		{"plain", reportstest.MixedOptions{}, false},
		{"failures", reportstest.MixedOptions{Failures: 300 * allocator.Second}, false},
		{"failures-retracted-late", reportstest.MixedOptions{Failures: 300 * allocator.Second}, true},
		{"stopped-early", reportstest.MixedOptions{Stop: 100 * allocator.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ahead, atEnd := t.TempDir(), t.TempDir()
			o := tc.o
			o.Horizon = true
			restore := reports.SetRetractLate(tc.late)
			st := reportstest.MixedRunWith(t, ahead, 3, o)
			restore()
			again := t.TempDir()
			reportstest.MixedRunWith(t, again, 3, o)
			a, err := os.ReadFile(filepath.Join(ahead, reports.TasksFile))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(again, reports.TasksFile))
			require.NoError(t, err)
			require.True(t, bytes.Equal(a, b), "same run, same tasks.parquet bytes")
			o.Horizon = false
			reportstest.MixedRunWith(t, atEnd, 3, o)

			got, want := readRows(t, ahead), readRows(t, atEnd)
			byID := func(a, b reports.TaskRow) int { return cmp.Compare(a.TaskID, b.TaskID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(want, byID)
			require.Equal(t, want, got)

			sa, err := reports.ReadSummary(ahead)
			require.NoError(t, err)
			sb, err := reports.ReadSummary(atEnd)
			require.NoError(t, err)
			assert.Equal(t, sb.Tasks, sa.Tasks)
			assert.Equal(t, sb.WaitSByFw, sa.WaitSByFw)
			assert.Equal(t, sb.WaitSByPriority, sa.WaitSByPriority)
			assert.Equal(t, sb.WaitSByClass, sa.WaitSByClass)
			assert.Equal(t, sb.JCTSByFw, sa.JCTSByFw)
			assert.Equal(t, sb.UnscheduledWaitSByFw, sa.UnscheduledWaitSByFw)
			fromFile, err := reports.TaskStatsFromParquet(ahead)
			require.NoError(t, err)
			// Not in summary.json as such (named groups are compared above).
			fromFile.WaitSByFw, fromFile.WaitSByPrio = nil, nil
			fromFile.WaitSByClass, fromFile.JCTSByFw, fromFile.UnscheduledWaitSByFw = nil, nil, nil
			assert.Equal(t, sa.Tasks, fromFile, "allocsim report recomputes what the run wrote")

			assert.Positive(t, sa.Tasks.RunningAtEnd)
			earlyEnds := 0
			for _, r := range got {
				if r.Service && r.Outcome != reports.OutcomeRunning {
					earlyEnds++
				}
			}
			if tc.o.Failures > 0 {
				assert.Positive(t, earlyEnds, "some services were lost before the horizon")
			}
			if tc.o.Stop > 0 {
				assert.Less(t, st.End, 900*allocator.Second)
			}
			entries, err := os.ReadDir(ahead)
			require.NoError(t, err)
			for _, e := range entries {
				assert.False(t, strings.HasPrefix(e.Name(), "."), "temporary file left: %s", e.Name())
			}
		})
	}
}
