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
