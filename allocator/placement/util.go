package placement

import (
	"math/bits"

	"github.com/allocsim/allocsim/allocator"
)

func trailing(m allocator.DeviceMask) int { return bits.TrailingZeros64(uint64(m)) }
