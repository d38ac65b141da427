package gate

import (
	"cmp"
	"math"
	"slices"
)

// MannWhitneyP is the two-sided p-value of the Mann-Whitney U test that x
// and y come from the same distribution: exact (the distribution of U over
// every arrangement of the ranks) when there are no ties and both samples
// have at most 50 values, else the normal approximation with tie and
// continuity corrections. 1 when a sample is empty.
func MannWhitneyP(x, y []float64) float64 {
	n, m := len(x), len(y)
	if n == 0 || m == 0 {
		return 1
	}
	type obs struct {
		v float64
		x bool
	}
	all := make([]obs, 0, n+m)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(a, b obs) int { return cmp.Compare(a.v, b.v) })
	// Ranks, ties sharing their mean rank; tieSum is Σ(t³ − t) over tie groups.
	rankX, tieSum := 0.0, 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		r := float64(i+j+1) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].x {
				rankX += r
			}
		}
		t := float64(j - i)
		tieSum += t*t*t - t
		i = j
	}
	u := rankX - float64(n*(n+1))/2 // U of x
	if tieSum == 0 && n <= 50 && m <= 50 {
		return exactP(u, n, m)
	}
	nf, mf := float64(n), float64(m)
	mean := nf * mf / 2
	sd := math.Sqrt(nf * mf / 12 * ((nf + mf + 1) - tieSum/((nf+mf)*(nf+mf-1))))
	if sd == 0 {
		return 1
	}
	z := (math.Abs(u-mean) - 0.5) / sd
	if z < 0 {
		return 1
	}
	return math.Min(1, math.Erfc(z/math.Sqrt2))
}

// exactP is the two-sided p-value of U = u for samples of n and m values
// without ties: twice the smaller tail of U's exact distribution.
func exactP(u float64, n, m int) float64 {
	// count[k] is how many of the C(n+m, n) arrangements give U = k:
	// c(n, m) = c(n−1, m) shifted by m  +  c(n, m−1).
	prev := make([][]float64, m+1) // prev[j] = counts for (i−1, j)
	for j := range prev {
		prev[j] = []float64{1}
	}
	for i := 1; i <= n; i++ {
		cur := make([][]float64, m+1)
		cur[0] = []float64{1}
		for j := 1; j <= m; j++ {
			c := make([]float64, i*j+1)
			for k, v := range prev[j] {
				c[k+j] += v
			}
			for k, v := range cur[j-1] {
				c[k] += v
			}
			cur[j] = c
		}
		prev = cur
	}
	dist := prev[m]
	total, lo, hi := 0.0, 0.0, 0.0
	k := int(math.Round(u))
	for i, v := range dist {
		total += v
		if i <= k {
			lo += v
		}
		if i >= k {
			hi += v
		}
	}
	return math.Min(1, 2*math.Min(lo, hi)/total)
}

// minP is the smallest p-value samples of n and m values can give: below
// alpha, no difference can ever be significant.
func minP(n, m int) float64 {
	if n == 0 || m == 0 {
		return 1
	}
	return exactP(0, n, m)
}
