package gate

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHolmAdjust: values worked by hand, sorting ascending, multiplying the
// j-th smallest by m−j+1, then carrying the running maximum.
func TestHolmAdjust(t *testing.T) {
	for _, c := range []struct {
		name   string
		p, adj []float64
	}{
		// sorted 0.005, 0.01, 0.03, 0.04 → ×4,3,2,1: 0.02, 0.03, 0.06, 0.04 → max: 0.02, 0.03, 0.06, 0.06
		{"m=4", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"none", nil, []float64{}},
		{"one is its own", []float64{0.03}, []float64{0.03}},
		// 2×0.5 = 1, then 0.6 < 1 is lifted to 1
		{"capped at 1", []float64{0.5, 0.6}, []float64{1, 1}},
		// sorted 0.01, 0.02, 0.02 → 0.03, 0.04, 0.02 → 0.03, 0.04, 0.04
		{"ties", []float64{0.02, 0.01, 0.02}, []float64{0.04, 0.03, 0.04}},
		// 0.004, 0.006, 0.006, 0.04: equal products stay equal
		{"step", []float64{0.001, 0.002, 0.003, 0.04}, []float64{0.004, 0.006, 0.006, 0.04}},
	} {
		in := slices.Clone(c.p)
		got := HolmAdjust(c.p)
		assert.Equal(t, in, c.p, "%s: input untouched", c.name)
		require.Len(t, got, len(c.adj), c.name)
		for i := range got {
			assert.InDelta(t, c.adj[i], got[i], 1e-12, "%s: p[%d]", c.name, i)
		}
	}
}

func TestParseCorrection(t *testing.T) {
	for s, want := range map[string]Correction{"holm": Holm, "none": NoCorrection} {
		c, err := ParseCorrection(s)
		require.NoError(t, err)
		assert.Equal(t, want, c)
	}
	for _, s := range []string{"", "Holm", "bonferroni"} {
		_, err := ParseCorrection(s)
		assert.EqualError(t, err, fmt.Sprintf("--correction %q: want holm or none", s))
	}
}

func TestRunsFor(t *testing.T) {
	assert.Equal(t, 4, runsFor(1, 0.05), "2/C(6,3) = 0.1, 2/C(8,4) = 0.029")
	assert.Equal(t, 6, runsFor(20, 0.05), "20 × 2/C(12,6) = 0.043")
	assert.Equal(t, 7, runsFor(30, 0.05), "30 × 2/C(12,6) = 0.065, 30 × 2/C(14,7) = 0.017")
	assert.Equal(t, 50, runsFor(1, -1), "bounded")
}

// values makes one file's results of a benchmark from explicit runs.
func values(name string, vs ...float64) string {
	var b strings.Builder
	b.WriteString("pkg: p\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "%s 1 %g ns/op\n", name, v)
	}
	return b.String()
}

// TestCompareHolm: among 22 rows, one 15% slower at p = 0.021 is a
// regression only without correction; one 50% slower at p = 2/C(16,8)
// stays one after it (×22 = 0.0034).
func TestCompareHolm(t *testing.T) {
	var old, cur strings.Builder
	for i := range 20 {
		old.WriteString(runs(fmt.Sprintf("BenchmarkNoise%d", i), "ns/op", 100, 8))
		cur.WriteString(runs(fmt.Sprintf("BenchmarkNoise%d", i), "ns/op", 100, 8))
	}
	old.WriteString(values("BenchmarkBorder", 90, 95, 100, 105, 110, 115, 120, 125))
	cur.WriteString(values("BenchmarkBorder", 106, 111, 116, 121, 126, 131, 136, 141))
	old.WriteString(runs("BenchmarkClear", "ns/op", 100, 8))
	cur.WriteString(runs("BenchmarkClear", "ns/op", 150, 8))
	o, c := mustParse(t, old.String()), mustParse(t, cur.String())

	none := Compare(o, c, Options{MaxRegression: 0.10, Correction: NoCorrection})
	border, clear := none.Rows[20], none.Rows[21]
	require.Equal(t, "BenchmarkBorder", border.Key.Name)
	assert.InDelta(t, 0.020668, border.P, 1e-6)
	assert.Equal(t, Regression, border.Verdict, "uncorrected")
	assert.Equal(t, border.P, border.PAdj, "no correction: adjusted is raw")
	assert.Equal(t, Regression, clear.Verdict)

	for _, corr := range []Correction{"", Holm} {
		rep := Compare(o, c, Options{MaxRegression: 0.10, Correction: corr})
		assert.Equal(t, 22, rep.Tested)
		border, clear := rep.Rows[20], rep.Rows[21]
		assert.Equal(t, none.Rows[20].P, border.P, "raw p unchanged")
		assert.InDelta(t, 21*border.P, border.PAdj, 1e-12, "second smallest of 22")
		assert.Equal(t, Same, border.Verdict, "corrected")
		assert.InDelta(t, 22*2.0/12870, clear.PAdj, 1e-12)
		assert.Equal(t, Regression, clear.Verdict, "still a regression")
		assert.Equal(t, 1, rep.Count(Regression))
		assert.False(t, rep.Passed())
	}
}

// TestCompareHolmTooFewRuns: 6 runs can reach p < 0.05 alone but not among
// 30 rows (30 × 2/C(12,6) = 0.065), which must not pass as "no change".
func TestCompareHolmTooFewRuns(t *testing.T) {
	var old, cur strings.Builder
	for i := range 30 {
		v := 100.0
		if i == 0 {
			v = 130
		}
		old.WriteString(runs(fmt.Sprintf("BenchmarkX%d", i), "ns/op", 100, 6))
		cur.WriteString(runs(fmt.Sprintf("BenchmarkX%d", i), "ns/op", v, 6))
	}
	o, c := mustParse(t, old.String()), mustParse(t, cur.String())
	assert.Equal(t, Regression, Compare(o, c, Options{MaxRegression: 0.1, Correction: NoCorrection}).Rows[0].Verdict)
	opts := Options{MaxRegression: 0.1}
	rep := Compare(o, c, opts)
	assert.Equal(t, 30, rep.Tested)
	assert.Equal(t, 30, rep.Count(TooFewRuns))
	assert.False(t, rep.Passed())
	var b bytes.Buffer
	require.NoError(t, rep.Write(&b, opts))
	assert.Contains(t, b.String(), "(run go test with -count 7 or more)")
}

func TestCompareUnknownCorrection(t *testing.T) {
	s := mustParse(t, runs("BenchmarkA", "ns/op", 100, 6))
	assert.PanicsWithValue(t, `gate: unknown correction "bonferroni"`, func() { Compare(s, s, Options{Correction: "bonferroni"}) })
}
