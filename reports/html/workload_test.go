package html_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// A run with workload counters (a trace replay's) lists them in a table of
// their own, in name order; a run without them has no such table.
func TestReportShowsWorkloadCounters(t *testing.T) {
	s, err := workloads.Load("../../examples/small.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	_, err = runner.Run(s, runner.Options{Out: dir, NoReport: true})
	require.NoError(t, err)
	require.NoError(t, html.Generate(dir))
	page, err := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	require.NoError(t, err)
	assert.NotContains(t, string(page), `id="workload"`, "a synthetic workload has no counters")

	sum, err := reports.ReadSummary(dir)
	require.NoError(t, err)
	sum.WorkloadCounters = map[string]int64{"tasks": 1200, "distinct_machines": 345, "unmapped": 6}
	b, err := json.Marshal(sum)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, reports.SummaryFile), b, 0o644))
	require.NoError(t, html.Generate(dir))
	page, err = os.ReadFile(filepath.Join(dir, reports.ReportFile))
	require.NoError(t, err)
	assert.Regexp(t, `id="workload"><tr><th>counter</th><th>value</th></tr>\s*`+
		`<tr><td>distinct_machines</td><td>345</td></tr>\s*<tr><td>tasks</td><td>1200</td></tr>\s*<tr><td>unmapped</td><td>6</td></tr>`, string(page))
}
