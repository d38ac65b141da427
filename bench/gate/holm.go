package gate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Correction is how the gate accounts for testing many rows at once.
type Correction string

// Corrections. Holm–Bonferroni is the default: it controls the chance of any
// false alarm among all rows (the family-wise error rate) without assuming
// anything about how rows depend on each other (a benchmark's ns/op and B/op
// are far from independent), and it is uniformly more powerful than plain
// Bonferroni: it rejects every row Bonferroni does, and sometimes more.
const (
	Holm         Correction = "holm" // the zero value means this too
	NoCorrection Correction = "none" // each row at alpha on its own
)

// ParseCorrection reads a --correction value.
func ParseCorrection(s string) (Correction, error) {
	switch c := Correction(s); c {
	case Holm, NoCorrection:
		return c, nil
	}
	return "", fmt.Errorf("--correction %q: want holm or none", s)
}

// HolmAdjust returns Holm's step-down adjusted p-values, in p's order: with
// p sorted ascending as p(1) … p(m), the j-th becomes the maximum over
// i ≤ j of min(1, (m−i+1)·p(i)), so adjusted values keep the raw order.
// A row is significant at level alpha when its adjusted p-value is below
// alpha (see verdict).
func HolmAdjust(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	// Stable, so tied p-values are taken in input order (they end up with
	// the same adjusted value either way).
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	adj := make([]float64, m)
	running := 0.0
	for j, i := range order {
		running = math.Max(running, math.Min(1, float64(m-j)*p[i]))
		adj[i] = running
	}
	return adj
}

// runsFor is how many runs on each side let all of m rows be significant
// at alpha after Holm's correction, were they extreme: m·minP(k, k) < alpha.
// At most 50, where the exact test ends.
func runsFor(m int, alpha float64) int {
	k := 2
	for k < 50 && float64(m)*minP(k, k) >= alpha {
		k++
	}
	return k
}
