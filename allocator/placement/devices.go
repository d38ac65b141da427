package placement

import (
	"math/rand/v2"

	"github.com/allocsim/allocsim/allocator"
)

// bestFitDevices is the cluster's default choice: the fullest device that
// holds a share, or the lowest-indexed free devices for whole GPUs.
func bestFitDevices(c *allocator.Cluster, id allocator.AgentID, req allocator.Request) allocator.DeviceMask {
	m, _ := c.PickDevices(id, req)
	return m
}

// randomDevices picks a uniformly random device that holds a share; whole
// GPUs take the lowest-indexed free devices (as the paper's simulator does).
func randomDevices(c *allocator.Cluster, id allocator.AgentID, req allocator.Request, rng *rand.Rand) allocator.DeviceMask {
	g := req.Res[allocator.GPU]
	if g == 0 || g >= 1000 {
		return bestFitDevices(c, id, req)
	}
	n := 0
	var m allocator.DeviceMask
	for i, f := range c.GPUFree(id) {
		if int64(f) >= g {
			n++
			if rng.IntN(n) == 0 {
				m = 1 << i
			}
		}
	}
	return m
}

func gpuLeft(c *allocator.Cluster, id allocator.AgentID) int64 {
	return c.Agent(id).Free[allocator.GPU]
}
