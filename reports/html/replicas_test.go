package html_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/html"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// A run with services shows their replicas over time and, in the summary
// table, how many shared a node at the end, as summary.json has it; a
// comparison with a spreading run overlays the sharing.
func TestReportShowsReplicasSharingNodes(t *testing.T) {
	run := func(placement string) string {
		s, err := workloads.Load("../../examples/gpu-sharing.yaml")
		require.NoError(t, err)
		s.Allocator.Params = map[string]any{"placement": placement}
		dir := filepath.Join(t.TempDir(), placement)
		_, err = runner.Run(s, runner.Options{Out: dir, NoReport: true})
		require.NoError(t, err)
		return dir
	}
	packed, spread := run("first-fit"), run("kubernetes")
	require.NoError(t, html.Generate(packed))
	page, err := os.ReadFile(filepath.Join(packed, reports.ReportFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), `id="fig-replicas"`)
	sum, err := reports.ReadSummary(packed)
	require.NoError(t, err)
	require.Positive(t, sum.ReplicasSharingEnd, "first-fit packs replicas")
	m := regexp.MustCompile(`<td>service replicas sharing a node, at the end</td>\s*<td[^>]*>([0-9,]+)</td>`).FindSubmatch(page)
	require.NotNil(t, m)
	got, err := strconv.ParseInt(strings.ReplaceAll(string(m[1]), ",", ""), 10, 64)
	require.NoError(t, err)
	assert.Equal(t, sum.ReplicasSharingEnd, got)

	out := filepath.Join(t.TempDir(), "cmp")
	require.NoError(t, html.Compare([]string{packed, spread}, out))
	_, err = os.Stat(filepath.Join(out, reports.FiguresDir, "cmp_replicas_sharing_node.svg"))
	assert.NoError(t, err)
}
