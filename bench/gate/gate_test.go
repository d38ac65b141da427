package gate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const output = `goos: linux
goarch: amd64
pkg: github.com/allocsim/allocsim/allocator/drf
cpu: AMD EPYC
BenchmarkAllocate/agents=1000-2   	     100	  10000000 ns/op	     512 B/op	       3 allocs/op
BenchmarkAllocate/agents=1000-2   	     100	  10100000 ns/op	     512 B/op	       3 allocs/op
Benchmark log line the benchmark printed
PASS
ok  	github.com/allocsim/allocsim/allocator/drf	2.1s
pkg: github.com/allocsim/allocsim/runner
BenchmarkAllocate/agents=1000-2   	       2	 700000000 ns/op	   950000 events/s
`

func TestParse(t *testing.T) {
	s, err := Parse("base.txt", strings.NewReader(output))
	require.NoError(t, err)
	drf := "github.com/allocsim/allocsim/allocator/drf"
	name := "BenchmarkAllocate/agents=1000-2"
	assert.Equal(t, []float64{1e7, 1.01e7}, s.Values[Key{drf, name, "ns/op"}])
	assert.Equal(t, []float64{3, 3}, s.Values[Key{drf, name, "allocs/op"}])
	assert.Equal(t, []float64{950000}, s.Values[Key{"github.com/allocsim/allocsim/runner", name, "events/s"}], "same name, other package")
	assert.Len(t, s.Keys, 5)

	for in, msg := range map[string]string{
		"pkg: p\nBenchmarkX-2 10 5 ns/op 7\n": "base.txt:2: BenchmarkX-2: want value and unit pairs",
		"BenchmarkX-2 10\n":                   "base.txt:1: BenchmarkX-2: want value and unit pairs",
		"\n\nBenchmarkX-2 10 fast ns/op\n":    `base.txt:3: BenchmarkX-2: value "fast" of ns/op: want a finite number`,
		"BenchmarkX-2 10 NaN ns/op\n":         `value "NaN" of ns/op`,
		"BenchmarkX-2 10 5 ns/op +Inf B/op\n": `value "+Inf" of B/op`,
		"BenchmarkX-2 10 5 ns/op 6 ns/op\n":   "base.txt:1: BenchmarkX-2: unit ns/op given twice on one line",
	} {
		_, err := Parse("base.txt", strings.NewReader(in))
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), msg, in)
		}
	}
}

func TestMannWhitneyP(t *testing.T) {
	assert.InDelta(t, 0.1, MannWhitneyP([]float64{1, 2, 3}, []float64{4, 5, 6}), 1e-12, "2 / C(6,3)")
	assert.InDelta(t, 2.0/924, MannWhitneyP([]float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}), 1e-12, "2 / C(12,6)")
	assert.InDelta(t, 0.7, MannWhitneyP([]float64{1, 3, 5}, []float64{2, 4, 6}), 1e-12, "U = 3: 2 × 7/20")
	assert.InDelta(t, 0.7, MannWhitneyP([]float64{2, 4, 6}, []float64{1, 3, 5}), 1e-12, "symmetric")
	// Ties: the normal approximation with tie and continuity corrections,
	// worked by hand: sd = √(36/12 · (13 − 420/132)) = 5.4272, z = 17.5/sd.
	assert.InDelta(t, 0.0012619, MannWhitneyP([]float64{1, 1, 1, 1, 1, 1}, []float64{2, 2, 2, 2, 2, 2}), 1e-6)
	assert.Equal(t, 1.0, MannWhitneyP([]float64{5, 5, 5}, []float64{5, 5, 5}), "all tied")
	assert.Equal(t, 1.0, MannWhitneyP(nil, []float64{1}))
	assert.InDelta(t, 0.1, minP(3, 3), 1e-12)
}

// runs makes n results of a benchmark around median v (±0.5%, no ties).
func runs(name, unit string, v float64, n int) string {
	var b strings.Builder
	b.WriteString("pkg: p\n")
	for i := range n {
		fmt.Fprintf(&b, "%s 1 %g %s\n", name, v*(1+0.001*float64(i-n/2)), unit)
	}
	return b.String()
}

func mustParse(t *testing.T, s string) *Samples {
	t.Helper()
	out, err := Parse("x", strings.NewReader(s))
	require.NoError(t, err)
	return out
}

func TestCompare(t *testing.T) {
	o := Options{MaxRegression: 0.10}
	for _, c := range []struct {
		name      string
		old, cur  string
		verdict   Verdict
		wantDelta float64
	}{
		{"20% slower", runs("BenchmarkA", "ns/op", 100, 6), runs("BenchmarkA", "ns/op", 120, 6), Regression, 0.2},
		{"5% slower", runs("BenchmarkA", "ns/op", 100, 6), runs("BenchmarkA", "ns/op", 105, 6), Worse, 0.05},
		{"faster", runs("BenchmarkA", "ns/op", 100, 6), runs("BenchmarkA", "ns/op", 80, 6), Better, -0.2},
		{"throughput down 20%", runs("BenchmarkA", "events/s", 100, 6), runs("BenchmarkA", "events/s", 80, 6), Regression, -0.2},
		{"throughput up", runs("BenchmarkA", "events/s", 100, 6), runs("BenchmarkA", "events/s", 130, 6), Better, 0.3},
		{"3 runs each", runs("BenchmarkA", "ns/op", 100, 3), runs("BenchmarkA", "ns/op", 150, 3), TooFewRuns, 0.5},
		{"noise", runs("BenchmarkA", "ns/op", 100, 6), runs("BenchmarkA", "ns/op", 100.05, 6), Same, 0.0005},
	} {
		rep := Compare(mustParse(t, c.old), mustParse(t, c.cur), o)
		require.Len(t, rep.Rows, 1, c.name)
		assert.Equal(t, c.verdict, rep.Rows[0].Verdict, c.name)
		assert.InDelta(t, c.wantDelta, rep.Rows[0].Delta, 1e-9, c.name)
		assert.Equal(t, c.verdict != Regression && c.verdict != TooFewRuns, rep.Passed(), c.name)
	}
	custom := Compare(mustParse(t, runs("BenchmarkA", "offers/cycle", 100, 6)), mustParse(t, runs("BenchmarkA", "offers/cycle", 70, 6)),
		Options{MaxRegression: 0.1, HigherIsBetter: []string{"offers/cycle"}})
	assert.Equal(t, Regression, custom.Rows[0].Verdict, "a unit declared higher-is-better")
}

func TestReport(t *testing.T) {
	old := mustParse(t, runs("BenchmarkA", "ns/op", 100, 6)+runs("BenchmarkGone", "ns/op", 1, 6))
	cur := mustParse(t, runs("BenchmarkA", "ns/op", 130, 6)+runs("BenchmarkNew", "ns/op", 1, 6))
	o := Options{MaxRegression: 0.05}
	rep := Compare(old, cur, o)
	var b bytes.Buffer
	require.NoError(t, rep.Write(&b, o))
	out := b.String()
	for _, want := range []string{"p BenchmarkA", "ns/op", "+30.0%", "0.002", "6+6", "REGRESSION",
		"only in the base: p.BenchmarkGone ns/op", "only in the change: p.BenchmarkNew ns/op", "FAIL: 1 metric(s) worse by more than 5.0%"} {
		assert.Contains(t, out, want)
	}
	assert.False(t, rep.Passed())
	empty := Compare(old, mustParse(t, "PASS\n"), o)
	assert.False(t, empty.Passed(), "nothing compared is not a pass")
}

// TestWriteLayout pins the whole output: without a correction it is what
// it was before corrections existed; with Holm, "p (adj)" follows the raw
// p, and a row too short to be tested shows "-".
func TestWriteLayout(t *testing.T) {
	old := mustParse(t, runs("BenchmarkA", "ns/op", 100, 6)+runs("BenchmarkB", "ns/op", 100, 6)+runs("BenchmarkC", "ns/op", 100, 3))
	cur := mustParse(t, runs("BenchmarkA", "ns/op", 130, 6)+runs("BenchmarkB", "ns/op", 100, 6)+runs("BenchmarkC", "ns/op", 100, 3))
	for _, c := range []struct {
		corr Correction
		want string
	}{
		{NoCorrection, `benchmark     unit   base   change  delta   p      runs  verdict
p BenchmarkA  ns/op  99.95  129.9   +30.0%  0.002  6+6   REGRESSION
p BenchmarkB  ns/op  99.95  99.95   +0.0%   1.000  6+6   ~
p BenchmarkC  ns/op  100    100     +0.0%   1.000  3+3   too few runs
FAIL: 1 metric(s) worse by more than 5.0% (medians; Mann-Whitney U p < alpha)
`},
		{Holm, `benchmark     unit   base   change  delta   p      p (adj)  runs  verdict
p BenchmarkA  ns/op  99.95  129.9   +30.0%  0.002  0.004    6+6   REGRESSION
p BenchmarkB  ns/op  99.95  99.95   +0.0%   1.000  1.000    6+6   ~
p BenchmarkC  ns/op  100    100     +0.0%   1.000  -        3+3   too few runs
FAIL: 1 metric(s) worse by more than 5.0% (medians; Mann-Whitney U p < alpha after the Holm correction over 2 metric(s))
`},
	} {
		o := Options{MaxRegression: 0.05, Correction: c.corr}
		var b bytes.Buffer
		require.NoError(t, Compare(old, cur, o).Write(&b, o))
		assert.Equal(t, c.want, b.String(), c.corr)
	}
}
