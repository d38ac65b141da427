package metrics

import (
	"cmp"
	"math"
	"sort"
)

// sortedRuns collects values and keeps them as sorted runs: each chunk is
// sorted when it fills and runs of equal length are merged (a binary
// counter), so the sorting is spread over the run on the goroutine that adds
// the values, and sorted only has the last chunk to sort and a few runs to
// merge when the run ends. Merges keep the earlier of equal values first, so
// the order is deterministic.
//
// The values are float64 compared with cmp.Less (NaNs first), inlined: the
// comparison through a function value it replaces cost ~18% of
// BenchmarkTaskStatsAdd (random waits: 970 → 800 ns an attempt).
//
// A distribution's figures come from the runs as they are (dist): the mean
// from an exact sum kept as values arrive, the quantiles by selecting ranks
// across the runs — so neither merging another sample's runs in (addRuns,
// by reference) nor summarising them touches every value again.
type sortedRuns struct {
	chunk int // values per initial run (0: defaultChunk)
	// Filled arrays are kept as they are (their sorted runs) and the next
	// one is twice as large: growing never copies values nor leaves garbage
	// (doubling one array copied every value and left as much again for the
	// garbage collector: on the default scenario, half of what the writers
	// allocated).
	full   [][]float64 // sorted runs of the filled arrays, before xs's values
	nFull  int
	xs     []float64
	bounds []int // start of each sorted run, ascending; the tail after the last run is unsorted
	done   int   // end of the sorted runs
	tmp    []float64
	extra  [][]float64 // sorted runs adopted from other samples (addRuns), after xs's values
	nExtra int
	sum    exactSum
}

func less(a, b float64) bool { return cmp.Less(a, b) }

const defaultChunk = 1 << 14

func (r *sortedRuns) add(v float64) {
	c := r.chunk
	if c == 0 {
		c = defaultChunk
	}
	if len(r.xs) == cap(r.xs) {
		r.grow(c)
	}
	r.xs = append(r.xs, v)
	r.sum.add(v)
	if len(r.xs)-r.done == c {
		r.seal()
		// Merge while the last run is at least as long as the one before.
		for k := len(r.bounds); k >= 2 && r.done-r.bounds[k-1] >= r.bounds[k-1]-r.bounds[k-2]; k-- {
			r.merge(r.bounds[k-2], r.bounds[k-1], r.done)
			r.bounds = r.bounds[:k-1]
		}
	}
}

// grow keeps the filled xs as runs (one, unless seal made a short run
// before it filled) and starts an array twice as large.
func (r *sortedRuns) grow(chunk int) {
	if len(r.xs) > 0 {
		r.full = append(r.full, r.xsRuns()...)
		r.nFull += len(r.xs)
	}
	r.xs = make([]float64, 0, max(2*cap(r.xs), chunk))
	r.bounds, r.done = r.bounds[:0], 0
}

// seal sorts the unsorted tail and makes it a run.
func (r *sortedRuns) seal() {
	if r.done == len(r.xs) {
		return
	}
	insertionOrMergeSort(r, r.done, len(r.xs))
	r.bounds = append(r.bounds, r.done)
	r.done = len(r.xs)
}

// insertionOrMergeSort sorts xs[a:b] stably: insertion sort of blocks of 32,
// then merges.
func insertionOrMergeSort(r *sortedRuns, a, b int) {
	const block = 32
	xs := r.xs
	for s := a; s < b; s += block {
		e := min(s+block, b)
		for i := s + 1; i < e; i++ {
			for j := i; j > s && less(xs[j], xs[j-1]); j-- {
				xs[j], xs[j-1] = xs[j-1], xs[j]
			}
		}
	}
	for w := block; w < b-a; w *= 2 {
		for s := a; s+w < b; s += 2 * w {
			r.merge(s, s+w, min(s+2*w, b))
		}
	}
}

// merge merges the sorted xs[a:m] and xs[m:c] in place (through tmp).
func (r *sortedRuns) merge(a, m, c int) {
	xs := r.xs
	if a >= m || m >= c || !less(xs[m], xs[m-1]) {
		return // already in order
	}
	r.tmp = append(r.tmp[:0], xs[a:m]...)
	i, j, k := 0, m, a
	for i < len(r.tmp) && j < c {
		if less(xs[j], r.tmp[i]) {
			xs[k] = xs[j]
			j++
		} else {
			xs[k] = r.tmp[i]
			i++
		}
		k++
	}
	copy(xs[k:], r.tmp[i:])
}

// addRuns adds o's values after the values added so far, adopting o's
// sorted runs as they are (no copy). o must not be used afterwards.
func (r *sortedRuns) addRuns(o *sortedRuns) {
	o.seal()
	r.extra = append(r.extra, o.runs()...)
	r.nExtra += o.len()
	r.sum.merge(&o.sum)
}

// runs returns the sorted runs (the unsorted tail sealed first): the filled
// arrays', xs's, then the adopted ones; empty runs left out.
func (r *sortedRuns) runs() [][]float64 {
	out := make([][]float64, 0, len(r.full)+len(r.bounds)+1+len(r.extra))
	out = append(out, r.full...)
	out = append(out, r.xsRuns()...)
	for _, x := range r.extra {
		if len(x) > 0 {
			out = append(out, x)
		}
	}
	return out
}

// xsRuns seals xs and returns its non-empty runs.
func (r *sortedRuns) xsRuns() [][]float64 {
	r.seal()
	var out [][]float64
	for k, b := range r.bounds {
		e := r.done
		if k+1 < len(r.bounds) {
			e = r.bounds[k+1]
		}
		if e > b {
			out = append(out, r.xs[b:e])
		}
	}
	return out
}

// sorted returns all values in ascending order (stable). Call it once, after
// the last add; the values stay owned by r.
func (r *sortedRuns) sorted() []float64 {
	if len(r.full) > 0 || len(r.extra) > 0 {
		all := mergeSorted(r.runs(), r.len())
		r.xs, r.bounds, r.done = all, []int{0}, len(all)
		r.full, r.nFull, r.extra, r.nExtra = nil, 0, nil, 0
	}
	r.seal()
	for k := len(r.bounds) - 1; k >= 1; k-- {
		r.merge(r.bounds[k-1], r.bounds[k], r.done)
	}
	r.bounds = r.bounds[:min(len(r.bounds), 1)]
	r.tmp = nil
	return r.xs
}

func (r *sortedRuns) len() int { return r.nFull + len(r.xs) + r.nExtra }

// dist summarises the values without merging the runs: the same figures as
// SummariseSorted of the sorted values.
func (r *sortedRuns) dist() Dist {
	n := r.len()
	if n == 0 {
		return Dist{}
	}
	runs := r.runs()
	d := Dist{N: n, Mean: r.sum.mean(n), Min: runs[0][0], Max: runs[0][len(runs[0])-1]}
	for _, x := range runs[1:] {
		if less(x[0], d.Min) {
			d.Min = x[0]
		}
		if less(d.Max, x[len(x)-1]) {
			d.Max = x[len(x)-1]
		}
	}
	q := func(p float64) float64 {
		if math.IsNaN(d.Min) { // NaNs sort first; Quantile returns NaN then
			return math.NaN()
		}
		return selectRank(runs, quantileIndex(p, n))
	}
	d.P50, d.P90, d.P99 = q(0.50), q(0.90), q(0.99)
	return d
}

// selectRank returns the value of rank k (0-based, ascending) among the
// values of the sorted runs: for each run in turn, the first value whose
// count of values ≤ it exceeds k is the answer if fewer than k+1 values are
// below it (two binary searches per run per step; a handful of runs).
func selectRank(runs [][]float64, k int) float64 {
	count := func(v float64, orEqual bool) int {
		c := 0
		for _, x := range runs {
			if orEqual {
				c += sort.Search(len(x), func(i int) bool { return less(v, x[i]) })
			} else {
				c += sort.Search(len(x), func(i int) bool { return !less(x[i], v) })
			}
		}
		return c
	}
	for _, x := range runs {
		j := sort.Search(len(x), func(i int) bool { return count(x[i], true) > k })
		if j < len(x) && count(x[j], false) <= k {
			return x[j]
		}
	}
	panic("metrics: rank out of range") // k < the number of values: unreachable
}

// mergeSorted merges sorted lists (n values in all) into one sorted slice,
// pairwise (n·log(len(lists)) comparisons), earlier lists first among equal
// values.
func mergeSorted(lists [][]float64, n int) []float64 {
	if len(lists) == 0 {
		return nil
	}
	buf := make([]float64, 0, 2*n)
	for len(lists) > 1 {
		next := lists[:0]
		for i := 0; i < len(lists); i += 2 {
			if i+1 == len(lists) {
				next = append(next, lists[i])
				continue
			}
			a, b := lists[i], lists[i+1]
			if len(buf)+len(a)+len(b) > cap(buf) {
				buf = make([]float64, 0, 2*n) // the older level's values are all merged
			}
			start := len(buf)
			for len(a) > 0 && len(b) > 0 {
				if less(b[0], a[0]) {
					buf, b = append(buf, b[0]), b[1:]
				} else {
					buf, a = append(buf, a[0]), a[1:]
				}
			}
			buf = append(append(buf, a...), b...)
			next = append(next, buf[start:])
		}
		lists = next
	}
	return lists[0]
}

// SortedSample is a sample of float64 values kept as sorted runs: adding
// sorts as it goes, so Sorted only has a few runs left to merge.
type SortedSample struct{ r sortedRuns }

// Add adds v.
func (s *SortedSample) Add(v float64) { s.r.add(v) }

// Sorted returns the values in ascending order. Call it once, after the
// last Add.
func (s *SortedSample) Sorted() []float64 { return s.r.sorted() }
