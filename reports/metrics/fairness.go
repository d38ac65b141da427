package metrics

import "math"

// Jain is Jain's fairness index (Σx)² / (n·Σx²) of the allocations xs: 1 when
// all are equal, 1/n when one holds everything. All-zero allocations are
// equal, so they give 1; an empty input gives NaN (nothing to compare).
func Jain(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var sum, sq float64
	for _, x := range xs {
		sum += x
		sq += x * x
	}
	if sq == 0 {
		return 1
	}
	return sum * sum / (float64(len(xs)) * sq)
}
