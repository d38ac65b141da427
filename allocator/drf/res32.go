package drf

import (
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// res32 is a resource vector of one agent in 32-bit integers (2^31 milli-CPU
// or MiB is far above any machine), so that an agent's hot record fits one
// cache line. AddAgent rejects larger capacities.
type res32 [allocator.NumResources]int32

func pack(r allocator.Resources) res32 {
	var p res32
	for i, v := range r {
		p[i] = int32(min(max(v, math.MinInt32), math.MaxInt32))
	}
	return p
}

func (p res32) unpack() allocator.Resources {
	var r allocator.Resources
	for i, v := range p {
		r[i] = int64(v)
	}
	return r
}

var noMeet32 = res32{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32}
