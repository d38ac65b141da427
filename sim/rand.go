package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns the run's random stream with the given name: a PCG seeded
// from the run seed and a hash of the name. Streams are independent of the
// order in which they are created, so adding a consumer does not shift the
// numbers another one draws.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x9e3779b97f4a7c15))
}
