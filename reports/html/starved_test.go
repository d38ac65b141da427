package html_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// Worst-fit spreads the small scenario's CPU tasks over the GPU nodes and
// starves its training framework: none of its attempts starts, so it has no
// started waits to compare. The report and the comparison show how many
// never started and how long they had waited.
func TestReportsShowStarvedFramework(t *testing.T) {
	base := t.TempDir()
	var dirs []string
	var sums []*reports.Summary
	for _, placement := range []string{"first-fit", "worst-fit"} {
		s, err := workloads.Load("../../examples/small.yaml")
		require.NoError(t, err)
		s.Allocator.Params["placement"] = placement
		dir := filepath.Join(base, placement)
		_, err = runner.Run(s, runner.Options{Out: dir, NoReport: true})
		require.NoError(t, err)
		sum, err := reports.ReadSummary(dir)
		require.NoError(t, err)
		dirs, sums = append(dirs, dir), append(sums, sum)
	}
	starved := sums[1].UnscheduledWaitSByFw
	require.Len(t, starved, 1)
	require.Equal(t, "trainer", starved[0].Name)
	require.EqualValues(t, sums[1].Tasks.Outcomes["unscheduled"], starved[0].Dist.N)
	for _, g := range sums[1].WaitSByFw {
		require.NotEqual(t, "trainer", g.Name, "no trainer attempt started")
	}

	require.NoError(t, html.Generate(dirs[1]))
	page, err := os.ReadFile(filepath.Join(dirs[1], reports.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), "Never started: time waited (s) by framework")
	assert.Regexp(t, `<td>trainer</td><td>`+itoa(starved[0].Dist.N)+`</td>`, string(page))

	out := filepath.Join(base, "cmp")
	require.NoError(t, html.Compare(dirs, out))
	md, err := os.ReadFile(filepath.Join(out, html.CompareMD))
	require.NoError(t, err)
	row := regexp.MustCompile(`\| never scheduled, framework trainer \| ([0-9]+) \| ([0-9]+) `).FindSubmatch(md)
	require.NotNil(t, row, "%s", md)
	assert.Equal(t, itoa(sums[0].Tasks.Outcomes["unscheduled"]), string(row[1]))
	assert.Equal(t, itoa(starved[0].Dist.N), string(row[2]))
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }
