package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
)

// TestQuantileMatchesGonum: Quantile is gonum's empirical quantile, value
// for value, on samples with ties and on every size up to 300.
func TestQuantileMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	ps := []float64{0, 1e-9, 0.01, 0.1, 0.25, 0.3, 1.0 / 3, 0.5, 0.7, 0.9, 0.99, 0.999, 1}
	for n := 1; n <= 300; n++ {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(rng.IntN(n/3+1)) / 7 // ties
		}
		slices.Sort(xs)
		for _, p := range ps {
			require.Equal(t, stat.Quantile(p, stat.Empirical, xs, nil), Quantile(p, xs), "n=%d p=%v", n, p)
		}
	}
	require.True(t, math.IsNaN(Quantile(0.5, []float64{math.NaN(), 1})))
	require.Zero(t, Quantile(0.5, nil))
}

// TestSortedRuns: values added one by one come out in ascending order,
// whatever the number of values relative to the chunk size.
func TestSortedRuns(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 100, 1000} {
		rng := rand.New(rand.NewPCG(uint64(n), 2))
		r := sortedRuns{chunk: 8}
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(rng.IntN(50))
			r.add(want[i])
		}
		slices.Sort(want)
		got := r.sorted()
		require.Len(t, got, n)
		if n > 0 {
			require.Equal(t, want, got, "n=%d", n)
		}
	}
}

// TestSortedRunsGrowsWithoutCopying: filled arrays are kept where they are
// (the first value's address does not change), and summaries taken while
// values keep coming — which seal short runs — stay exact.
func TestSortedRunsGrowsWithoutCopying(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	r := sortedRuns{chunk: 8}
	r.add(3)
	first := &r.xs[0]
	all := []float64{3}
	for i := 1; i < 3000; i++ {
		v := float64(rng.IntN(400)) / 4
		r.add(v)
		all = append(all, v)
		if i%97 == 0 || i == 8 || i == 16 {
			ref := slices.Clone(all)
			slices.Sort(ref)
			require.Equal(t, SummariseSorted(ref), r.dist(), "after %d values", i+1)
		}
	}
	require.Greater(t, len(r.full), 5, "the values fill several arrays")
	require.Same(t, first, &r.full[0][0], "a filled array is never copied")
	slices.Sort(all)
	require.Equal(t, all, r.sorted())
}

// TestMergeSorted: merging sorted lists gives the sorted concatenation, for
// any number of lists (odd ones carried up a level), empty ones and ties.
func TestMergeSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	for k := 0; k <= 9; k++ {
		var lists [][]float64
		var all []float64
		for range k {
			l := make([]float64, rng.IntN(40))
			for i := range l {
				l[i] = float64(rng.IntN(25))
			}
			slices.Sort(l)
			lists = append(lists, l)
			all = append(all, l...)
		}
		slices.Sort(all)
		got := mergeSorted(slices.Clone(lists), len(all))
		if len(all) == 0 {
			require.Empty(t, got, "k=%d", k)
			continue
		}
		require.Equal(t, all, got, "k=%d", k)
	}
}
