package html_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// The report of a run with preemption shows how many attempts were
// preempted and requeued, with the values the engine counted.
func TestReportShowsPreemption(t *testing.T) {
	s, err := workloads.Load("../../examples/preemption.yaml")
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := runner.Run(s, runner.Options{Out: dir, NoReport: true})
	require.NoError(t, err)
	c := res.Stats.Counters
	require.Positive(t, c.Ended[allocator.OutcomePreempted])
	require.NoError(t, html.Generate(dir))
	page, err := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), `id="fig-evictions"`)
	for label, want := range map[string]int64{
		"attempts preempted":                 c.Ended[allocator.OutcomePreempted],
		"attempts requeued":                  c.Requeued,
		"attempts lost \\(agent failures\\)": 0,
	} {
		m := regexp.MustCompile(`<td>` + label + `</td>\s*<td[^>]*>([0-9,]+)</td>`).FindSubmatch(page)
		require.NotNil(t, m, "row %q not in the report", label)
		got, err := strconv.ParseInt(string(regexp.MustCompile(`,`).ReplaceAll(m[1], nil)), 10, 64)
		require.NoError(t, err)
		assert.Equal(t, want, got, label)
	}
}
