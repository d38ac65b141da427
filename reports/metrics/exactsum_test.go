package metrics

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
)

// exactReference sums xs in arbitrary precision and rounds once.
func exactReference(xs []float64) float64 {
	acc := new(big.Float).SetPrec(4096)
	for _, x := range xs {
		acc.Add(acc, new(big.Float).SetFloat64(x))
	}
	f, _ := acc.Float64()
	return f
}

// randomValues mixes magnitudes, signs, zeros and subnormals.
func randomValues(rng *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		switch rng.IntN(6) {
		case 0:
			xs[i] = 0
		case 1:
			xs[i] = math.SmallestNonzeroFloat64 * float64(rng.IntN(1000))
		case 2:
			xs[i] = -rng.ExpFloat64() * 1e6
		default:
			xs[i] = math.Ldexp(rng.Float64(), rng.IntN(80)-40)
		}
	}
	return xs
}

// TestExactSum: the sum is the exactly rounded one, whatever the order of
// the additions and however the values were split and merged.
func TestExactSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 10, 1000, 20000} {
		xs := randomValues(rng, n)
		want := exactReference(xs)
		var s exactSum
		for _, x := range xs {
			s.add(x)
		}
		require.Equal(t, want, s.total(), "n=%d", n)

		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		var a, b exactSum
		for i, x := range xs {
			if i%3 == 0 {
				a.add(x)
			} else {
				b.add(x)
			}
		}
		a.merge(&b)
		require.Equal(t, want, a.total(), "n=%d, shuffled and merged", n)
	}
}

// TestExactSumCarries: many large values in one bucket carry upwards
// without overflow, and cancellation leaves the exact small remainder.
func TestExactSumCarries(t *testing.T) {
	var s exactSum
	big1 := math.Nextafter(2, 0) // significand all ones
	for range 100_000 {
		s.add(big1)
	}
	s.add(0.125)
	require.Equal(t, exactReference(append(slices.Repeat([]float64{big1}, 100_000), 0.125)), s.total())
	for range 100_000 {
		s.add(-big1)
	}
	require.Equal(t, 0.125, s.total())

	var huge exactSum
	for range 3 {
		huge.add(math.MaxFloat64)
	}
	require.Equal(t, math.Inf(1), huge.total(), "overflows to +Inf only when rounded")
	huge.add(-math.MaxFloat64)
	huge.add(-math.MaxFloat64)
	require.Equal(t, math.MaxFloat64, huge.total())
}

func TestExactSumSpecialValues(t *testing.T) {
	sum := func(xs ...float64) float64 {
		var s exactSum
		for _, x := range xs {
			s.add(x)
		}
		return s.total()
	}
	require.True(t, math.IsNaN(sum(1, math.NaN())))
	require.True(t, math.IsNaN(sum(math.Inf(1), math.Inf(-1))))
	require.Equal(t, math.Inf(1), sum(1, math.Inf(1)))
	require.Equal(t, math.Inf(-1), sum(math.Inf(-1), 5))
	require.Equal(t, 0.0, sum())
	require.Equal(t, 0.0, sum(math.Copysign(0, -1)))
}

// TestSortedRunsDist: the figures read off the runs — with runs adopted
// from other samples — are those of the sorted values: gonum's empirical
// quantiles exactly, the mean within rounding of gonum's.
func TestSortedRunsDist(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 7, 8, 9, 50, 333, 2000} {
		for parts := 1; parts <= 4; parts++ {
			var rs []sortedRuns
			var all []float64
			for range parts {
				r := sortedRuns{chunk: 8}
				for range n {
					v := float64(rng.IntN(n/2+1)) / 3 // ties
					r.add(v)
					all = append(all, v)
				}
				rs = append(rs, r)
			}
			for i := 1; i < parts; i++ {
				rs[0].addRuns(&rs[i])
			}
			got := rs[0].dist()
			slices.Sort(all)
			require.Equal(t, SummariseSorted(all), got, "n=%d parts=%d", n, parts)
			require.Equal(t, stat.Quantile(0.5, stat.Empirical, all, nil), got.P50)
			require.Equal(t, stat.Quantile(0.9, stat.Empirical, all, nil), got.P90)
			require.Equal(t, stat.Quantile(0.99, stat.Empirical, all, nil), got.P99)
			require.InEpsilon(t, stat.Mean(all, nil)+1, got.Mean+1, 1e-12)
			require.Equal(t, all, rs[0].sorted(), "sorted() merges the adopted runs too")
		}
	}
	var empty sortedRuns
	require.Equal(t, Dist{}, empty.dist())
	withNaN := sortedRuns{chunk: 4}
	for _, v := range []float64{3, math.NaN(), 1, 2, 5} {
		withNaN.add(v)
	}
	d := withNaN.dist()
	require.True(t, math.IsNaN(d.Min) && math.IsNaN(d.P50) && math.IsNaN(d.Mean))
	require.Equal(t, 5.0, d.Max)
}

// TestMergeSameAsAdding: merging two accumulators gives the summary of
// adding every attempt to one, figure for figure.
func TestMergeSameAsAdding(t *testing.T) {
	tasks := benchTasks()[:50_000]
	one := NewTaskStats()
	for i := range tasks {
		one.Add(&tasks[i])
	}
	a, b := NewTaskStats(), NewTaskStats()
	for i := range tasks {
		if i%5 < 2 {
			b.Add(&tasks[i])
		} else {
			a.Add(&tasks[i])
		}
	}
	a.Merge(b)
	require.Equal(t, one.Summary(), a.Summary())
}

// TestSummariseSelectsAsSorting: selecting the quantiles gives the figures of
// sorting, on random samples with and without ties and on the orders that
// defeat a naive quickselect (sorted, reversed, organ pipe, all equal).
func TestSummarise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := map[string]func(n int) []float64{
		"random": func(n int) []float64 { return randomValues(rng, n) },
		"ties": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(5))
			}
			return xs
		},
		"sorted":   func(n int) []float64 { xs := randomValues(rng, n); slices.Sort(xs); return xs },
		"reversed": func(n int) []float64 { xs := randomValues(rng, n); slices.Sort(xs); slices.Reverse(xs); return xs },
		"organ pipe": func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(min(i, n-i))
			}
			return xs
		},
		"equal": func(n int) []float64 { return slices.Repeat([]float64{2.5}, n) },
	}
	for name, shape := range shapes {
		for _, n := range []int{1, 2, 3, 17, 100, 1001, 50_000} {
			xs := shape(n)
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			require.Equal(t, SummariseSorted(sorted), Summarise(xs), "%s n=%d", name, n)
		}
	}
	require.Equal(t, Dist{}, Summarise(nil))
	d := Summarise([]float64{4, math.NaN(), 1})
	require.True(t, math.IsNaN(d.Min) && math.IsNaN(d.P99) && math.IsNaN(d.Mean))
	require.Equal(t, 4.0, d.Max)
}
