package metrics

import "cmp"

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
type sortedRuns struct {
	chunk  int // values per initial run (0: defaultChunk)
	xs     []float64
	bounds []int // start of each sorted run, ascending; the tail after the last run is unsorted
	done   int   // end of the sorted runs
	tmp    []float64
}

func less(a, b float64) bool { return cmp.Less(a, b) }

const defaultChunk = 1 << 14

func (r *sortedRuns) add(v float64) {
	c := r.chunk
	if c == 0 {
		c = defaultChunk
	}
	if len(r.xs) == cap(r.xs) {
		// Double: append's 1.25× growth of large slices copies every value
		// about four times over a run.
		xs := make([]float64, len(r.xs), max(2*cap(r.xs), c))
		copy(xs, r.xs)
		r.xs = xs
	}
	r.xs = append(r.xs, v)
	if len(r.xs)-r.done == c {
		r.seal()
		// Merge while the last run is at least as long as the one before.
		for k := len(r.bounds); k >= 2 && r.done-r.bounds[k-1] >= r.bounds[k-1]-r.bounds[k-2]; k-- {
			r.merge(r.bounds[k-2], r.bounds[k-1], r.done)
			r.bounds = r.bounds[:k-1]
		}
	}
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

// addRuns appends o's values, as they are (sorted runs and an unsorted
// tail), after the values added so far: the final sorted() merges them with
// the others in one go. o must not be used afterwards.
func (r *sortedRuns) addRuns(o *sortedRuns) {
	r.seal()
	o.seal()
	if len(o.xs) == 0 {
		return
	}
	base := len(r.xs)
	if base+len(o.xs) > cap(r.xs) {
		xs := make([]float64, base, base+len(o.xs))
		copy(xs, r.xs)
		r.xs = xs
	}
	for _, b := range o.bounds {
		r.bounds = append(r.bounds, base+b)
	}
	r.xs = append(r.xs, o.xs...)
	r.done = len(r.xs)
}

// sorted returns all values in ascending order (stable). Call it once, after
// the last add; the values stay owned by r.
func (r *sortedRuns) sorted() []float64 {
	r.seal()
	for k := len(r.bounds) - 1; k >= 1; k-- {
		r.merge(r.bounds[k-1], r.bounds[k], r.done)
	}
	r.bounds = r.bounds[:min(len(r.bounds), 1)]
	r.tmp = nil
	return r.xs
}

func (r *sortedRuns) len() int { return len(r.xs) }

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
