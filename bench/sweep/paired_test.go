package sweep

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
)

// launchedResults is a sweep of one axis whose runs differ only in the
// number of attempts launched.
func launchedResults(launched [][]int64) *Results {
	r := &Results{Seeds: []uint64{1, 2, 3}}
	for p, row := range launched {
		r.Points = append(r.Points, Point{Sets: []workloads.Set{{Path: "x", Value: string(rune('a' + p))}}})
		var sums []*reports.Summary
		for _, n := range row {
			sums = append(sums, &reports.Summary{Launched: n})
		}
		r.Summaries = append(r.Summaries, sums)
	}
	return r
}

// Differences per seed 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.3027, so the
// interval is 2 ± 2.484 and holds 0; 10, 11, 12 gives 11 ± 2.484, which does
// not; a constant difference has a zero-width interval.
func TestWritePaired(t *testing.T) {
	r := launchedResults([][]int64{{100, 200, 300}, {101, 202, 303}, {110, 211, 312}, {95, 195, 295}})
	var b bytes.Buffer
	require.NoError(t, WritePaired(&b, []Axis{{Path: "x"}}, r))
	assert.Equal(t, "\nDifference from x=a, seed by seed: mean [95% confidence interval]; * when the interval excludes 0\n\n"+
		"| x | Δ launched |\n|---|---|\n"+
		"| b | +2 [-0.4841, +4.484] |\n"+
		"| c | +11 [+8.516, +13.48] * |\n"+
		"| d | -5 [-5, -5] * |\n", b.String())

	// One setting: nothing to compare. A seed missing from a shard is left out.
	b.Reset()
	require.NoError(t, WritePaired(&b, nil, launchedResults([][]int64{{1, 2, 3}})))
	assert.Empty(t, b.String())
	r = launchedResults([][]int64{{100, 200, 300}, {101, 202, 303}})
	r.Summaries[1][2] = nil
	b.Reset()
	require.NoError(t, WritePaired(&b, []Axis{{Path: "x"}}, r))
	assert.Contains(t, b.String(), "| b | +1.5 [-4.853, +7.853] |")
}
