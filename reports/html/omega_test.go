package html_test

import (
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

// A shared-state (omega) run's report adds the conflict figure and shows
// the transaction counters.
func TestReportOfSharedStateRun(t *testing.T) {
	data, err := os.ReadFile("../../examples/small.yaml")
	require.NoError(t, err)
	doc, err := workloads.ApplySets(data, []workloads.Set{{Path: "allocator.name", Value: "omega"}, {Path: "allocator.params", Value: "{conflicts: coarse}"}})
	require.NoError(t, err)
	s, err := workloads.Parse("small.yaml", doc)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := runner.Run(s, runner.Options{Out: dir, NoReport: true})
	require.NoError(t, err)
	require.Positive(t, res.Stats.Counters.Transactions)
	require.NoError(t, html.Generate(dir))
	page, err := os.ReadFile(filepath.Join(dir, reports.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), `id="fig-conflicts"`)
	assert.Contains(t, string(page), "transactions with a conflict")
	svg, err := os.ReadFile(filepath.Join(dir, reports.FiguresDir, "conflicts.svg"))
	require.NoError(t, err)
	assert.Contains(t, string(svg), "with a refused claim")
}
