package metrics

import (
	"math"
	"math/big"
)

// exactSum adds float64 values without rounding: each value's significand is
// added to an integer bucket for its binary exponent, and total rounds the
// sum once. The result therefore does not depend on the order of the
// additions or on how partial sums were merged — a mean is the same whether
// the attempts came in one stream or in several (the collector's rows
// written ahead are merged into the others at close) — without summing the
// values again in sorted order, a pass over every value when a run closes.
//
// Bucket i counts units of 2^(lo+i-1075) (lo is a biased IEEE exponent; the
// buckets may go past the largest one, carries only grow upwards). A bucket
// that reaches ±2^62 carries its high bits 32 buckets up, so no bucket
// overflows: one add moves it by less than 2^53.
type exactSum struct {
	lo      int
	buckets []int64
	nan     bool // a NaN was added, or +Inf and -Inf both
	posInf  bool
	negInf  bool
}

const (
	carryBits  = 32
	carryLimit = 1 << 62
)

func (s *exactSum) add(v float64) {
	b := math.Float64bits(v)
	e := int(b>>52) & 0x7ff
	m := int64(b & (1<<52 - 1))
	switch {
	case e == 0x7ff:
		switch {
		case m != 0:
			s.nan = true
		case b>>63 != 0:
			s.negInf = true
		default:
			s.posInf = true
		}
		return
	case e == 0:
		if m == 0 {
			return // ±0
		}
		e = 1 // subnormal: m × 2^(1-1075)
	default:
		m |= 1 << 52
	}
	if b>>63 != 0 {
		m = -m
	}
	s.addAt(e, m)
}

// addAt adds m × 2^(e-1075); |m| < 2^62.
func (s *exactSum) addAt(e int, m int64) {
	i := e - s.lo
	if i < 0 || i >= len(s.buckets) {
		i = s.grow(e)
	}
	x := s.buckets[i] + m
	s.buckets[i] = x
	if x >= carryLimit || x <= -carryLimit {
		c := x >> carryBits // floor: the bucket keeps the non-negative low bits
		s.buckets[i] = x - c<<carryBits
		s.addAt(e+carryBits, c)
	}
}

// grow makes room for exponent e and returns its bucket index. It leaves
// slack on both sides: the exponents of one sample cluster.
func (s *exactSum) grow(e int) int {
	const slack = 16
	if len(s.buckets) == 0 {
		s.lo = e - slack
		s.buckets = make([]int64, 2*slack+carryBits)
		return e - s.lo
	}
	lo, hi := min(s.lo, e-slack), max(s.lo+len(s.buckets), e+slack+1)
	b := make([]int64, hi-lo)
	copy(b[s.lo-lo:], s.buckets)
	s.lo, s.buckets = lo, b
	return e - lo
}

// merge adds o's values to s.
func (s *exactSum) merge(o *exactSum) {
	s.nan = s.nan || o.nan
	s.posInf = s.posInf || o.posInf
	s.negInf = s.negInf || o.negInf
	for i, m := range o.buckets {
		if m != 0 {
			s.addAt(o.lo+i, m)
		}
	}
}

// total is the sum of the values added, rounded once to the nearest float64
// (ties to even); NaN if a NaN or both infinities were added.
func (s *exactSum) total() float64 {
	switch {
	case s.nan || s.posInf && s.negInf:
		return math.NaN()
	case s.posInf:
		return math.Inf(1)
	case s.negInf:
		return math.Inf(-1)
	}
	t, m := new(big.Int), new(big.Int)
	for i := len(s.buckets) - 1; i >= 0; i-- {
		t.Lsh(t, 1)
		t.Add(t, m.SetInt64(s.buckets[i]))
	}
	f := new(big.Float).SetInt(t) // exact: the precision grows to fit
	f.SetMantExp(f, s.lo-1075)
	sum, _ := f.Float64()
	return sum
}

// mean is the exactly summed mean of n values (0 when n is 0).
func (s *exactSum) mean(n int) float64 {
	if n == 0 {
		return 0
	}
	return s.total() / float64(n)
}

// exactMean is the mean of xs through an exact sum.
func exactMean(xs []float64) float64 {
	var s exactSum
	for _, x := range xs {
		s.add(x)
	}
	return s.mean(len(xs))
}
