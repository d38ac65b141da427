package html_test

import (
	"bytes"
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

// A comparison of runs without and with preemption shows each priority's
// and framework's wait, with the values of each run's summary.
func TestCompareShowsWaitsByGroup(t *testing.T) {
	base := t.TempDir()
	dirs, sums := preemptionRuns(t, base, "40m")
	out := filepath.Join(base, "cmp")
	require.NoError(t, html.Compare(dirs, out))
	md, err := os.ReadFile(filepath.Join(out, html.CompareMD))
	require.NoError(t, err)
	p99 := func(s *reports.Summary, prio string) string {
		for _, g := range s.WaitSByPriority {
			if g.Name == prio {
				return strconv.FormatFloat(g.Dist.P99, 'f', -1, 64)
			}
		}
		return "none"
	}
	row := regexp.MustCompile(`\| wait p99, priority 9 \(s\) \| ([0-9.]+) \| ([0-9.]+) \|`).FindSubmatch(md)
	require.NotNil(t, row, "%s", md)
	for i, s := range sums {
		want, err := strconv.ParseFloat(p99(s, "9"), 64)
		require.NoError(t, err)
		got, err := strconv.ParseFloat(string(row[i+1]), 64)
		require.NoError(t, err)
		assert.InDelta(t, want, got, 0.05*want+0.001, "run %d", i)
	}
	assert.Contains(t, string(md), "| wait mean, framework batch (s) |")
	assert.Less(t, indexOf(md, "priority 9 (s)"), indexOf(md, "priority 5 (s)"), "highest priority first")
}

func indexOf(b []byte, s string) int { return bytes.Index(b, []byte(s)) }

// A comparison overlays the attempts preempted so far when a run had any.
func TestCompareOverlaysPreemptions(t *testing.T) {
	base := t.TempDir()
	dirs, _ := preemptionRuns(t, base, "30m")
	out := filepath.Join(base, "cmp")
	require.NoError(t, html.Compare(dirs, out))
	_, err := os.Stat(filepath.Join(out, reports.FiguresDir, "cmp_preempted.svg"))
	assert.NoError(t, err, "runs with preemptions get the overlay")
	out2 := filepath.Join(base, "cmp2")
	require.NoError(t, html.Compare([]string{dirs[0], dirs[0]}, out2))
	_, err = os.Stat(filepath.Join(out2, reports.FiguresDir, "cmp_preempted.svg"))
	assert.True(t, os.IsNotExist(err), "runs without any do not")
}

// preemptionRuns runs examples/preemption.yaml up to horizon without and
// with preemption, into base/preemption-false and base/preemption-true.
func preemptionRuns(t *testing.T, base, horizon string) ([]string, []*reports.Summary) {
	t.Helper()
	data, err := os.ReadFile("../../examples/preemption.yaml")
	require.NoError(t, err)
	var dirs []string
	var sums []*reports.Summary
	for _, on := range []string{"false", "true"} {
		doc, err := workloads.ApplySets(data, []workloads.Set{{Path: "allocator.params.preemption", Value: on}, {Path: "horizon", Value: horizon}})
		require.NoError(t, err)
		s, err := workloads.Parse("preemption.yaml", doc)
		require.NoError(t, err)
		dir := filepath.Join(base, "preemption-"+on)
		res, err := runner.Run(s, runner.Options{Out: dir, NoReport: true})
		require.NoError(t, err)
		dirs, sums = append(dirs, dir), append(sums, res.Summary)
	}
	return dirs, sums
}
