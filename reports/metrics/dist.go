package metrics

import (
	"math"
)

// Dist summarises a sample: count, mean, min, max and the p50/p90/p99
// empirical quantiles. Fields are NaN-free: an empty sample is all zeros
// with N = 0.
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Quantile is the empirical p-quantile of sorted (see the package comment);
// 0 for an empty sample. It returns exactly what gonum's
// stat.Quantile(p, stat.Empirical, sorted, nil) returns — the first x[i]
// with i+1 ≥ p·n — but finds i by arithmetic instead of gonum's scans of the
// whole sample (NaN check, sortedness check, cumulative count), which cost
// more than the sort on the collector's million-sample distributions.
// TestQuantileMatchesGonum checks the two agree.
func Quantile(p float64, sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if math.IsNaN(sorted[0]) { // slices.Sort puts NaNs first; gonum returns NaN
		return math.NaN()
	}
	return sorted[quantileIndex(p, n)]
}

// quantileIndex is the index in a sorted sample of n > 0 values of its
// empirical p-quantile.
func quantileIndex(p float64, n int) int {
	i := int(math.Ceil(p*float64(n))) - 1
	return min(max(i, 0), n-1)
}

// SummariseSorted is Summarise of a sample already in ascending order.
func SummariseSorted(xs []float64) Dist {
	if len(xs) == 0 {
		return Dist{}
	}
	return Dist{
		N:    len(xs),
		Mean: exactMean(xs),
		Min:  xs[0],
		P50:  Quantile(0.50, xs),
		P90:  Quantile(0.90, xs),
		P99:  Quantile(0.99, xs),
		Max:  xs[len(xs)-1],
	}
}

// CDF returns up to maxPoints (x, F(x)) points of the empirical CDF of a
// sorted sample, thinned evenly by rank so that figures stay small whatever
// the sample size. The last point is always (max, 1).
func CDF(sorted []float64, maxPoints int) (xs, ps []float64) {
	n := len(sorted)
	if n == 0 || maxPoints < 2 {
		return nil, nil
	}
	step := max(1, int(math.Ceil(float64(n)/float64(maxPoints))))
	for i := step - 1; i < n; i += step {
		xs = append(xs, sorted[i])
		ps = append(ps, float64(i+1)/float64(n))
	}
	if xs[len(xs)-1] != sorted[n-1] || ps[len(ps)-1] != 1 {
		xs = append(xs, sorted[n-1])
		ps = append(ps, 1)
	}
	return xs, ps
}
