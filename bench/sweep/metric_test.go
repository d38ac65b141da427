package sweep

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/metrics"
)

func TestParseMetric(t *testing.T) {
	s := &reports.Summary{Launched: 12, AllocMeanFrac: reports.PerResource{GPU: 0.25},
		WaitSByPriority: []reports.NamedDist{{Name: "1", Dist: metrics.Dist{P99: 10}}, {Name: "9", Dist: metrics.Dist{P99: 90}}},
		Frameworks:      []string{"web"}}
	s.Tasks.Outcomes = map[string]int64{"finished": 7}
	for path, want := range map[string]float64{
		"launched":                      12,
		"alloc_mean_frac.gpu":           0.25,
		"wait_s_by_priority.9.dist.p99": 90,
		"wait_s_by_priority.1.dist.p99": 10, // by name first: index 1 would be 90
		"tasks.outcomes.finished":       7,
		"tasks.outcomes.preempted":      0, // outcomes no attempt had are left out of the file
		"wait_s_by_priority.7.dist.p99": math.NaN(),
		"wait_s_by_priority.9.dist":     math.NaN(), // not a number
		"frameworks.0":                  math.NaN(),
		"launched.x":                    math.NaN(),
	} {
		m, err := ParseMetric(path)
		require.NoError(t, err, path)
		assert.Equal(t, path, m.Name)
		if got := m.Get(s); math.IsNaN(want) {
			assert.True(t, math.IsNaN(got), "%s: %v", path, got)
		} else {
			assert.Equal(t, want, got, path)
		}
	}
	for path, msg := range map[string]string{
		"":               "empty component",
		"tasks..wait_s":  "empty component",
		"nope.p99":       `summary.json has no "nope" (it has version, scenario,`,
		"Launched":       `summary.json has no "Launched"`,
		"jobs_abandoned": "",
	} {
		_, err := ParseMetric(path)
		if msg == "" {
			assert.NoError(t, err, path)
		} else {
			assert.ErrorContains(t, err, msg, path)
		}
	}
}

// Extra metrics follow the standard ones in runs.tsv and the table, once
// each, and are shown even when zero.
func TestExtraMetricColumns(t *testing.T) {
	r := &Results{Seeds: []uint64{1}, Points: []Point{{}}, Dirs: [][]string{{"d"}},
		Summaries: [][]*reports.Summary{{{Launched: 4}}}}
	pre, err := ParseMetric("tasks.outcomes.preempted")
	require.NoError(t, err)
	launched, err := ParseMetric("launched")
	require.NoError(t, err)
	var b, runs strings.Builder
	require.NoError(t, WriteTable(&b, nil, r, pre, launched))
	assert.Contains(t, b.String(), "| launched | tasks.outcomes.preempted |\n")
	require.NoError(t, WriteRuns(&runs, nil, r, pre, launched))
	assert.Contains(t, runs.String(), "\tjobs_abandoned\ttasks.outcomes.preempted\n")
}
