package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects part of a matrix's runs so that a sweep can be spread over
// CI jobs or machines: shard i of n takes the runs numbered i-1, i-1+n, …
// in the order points × seeds (the first axis slowest, then the seeds).
// Every shard checks every setting, so a bad one fails in all of them. The
// zero Shard takes every run.
type Shard struct {
	Index, Count int // 1-based; 0 of 0 = all
}

// ParseShard reads "i/n" with 1 ≤ i ≤ n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("%q: want i/n with 1 ≤ i ≤ n, e.g. 2/4", s)
	}
	return Shard{i, n}, nil
}

// Has reports whether the run numbered k belongs to the shard.
func (sh Shard) Has(k int) bool { return sh.Count == 0 || k%sh.Count == sh.Index-1 }

func (sh Shard) String() string {
	if sh.Count == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", sh.Index, sh.Count)
}
