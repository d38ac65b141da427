package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// TestEveryPolicySoundAndComplete: whatever the state, a policy's placement
// fits (agent, devices and the job's host limit), and it fails only when no
// agent can hold the task.
func TestEveryPolicySoundAndComplete(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		for _, ties := range []string{TiesRandom, TiesFirst, TiesOrder} {
			t.Run(name+"/"+ties, func(t *testing.T) { soundAndComplete(t, name, ties, false) })
			t.Run(name+"/"+ties+"/host-limits", func(t *testing.T) { soundAndComplete(t, name, ties, true) })
		}
	}
}

// soundAndComplete places and releases 3,000 random requests; with limits,
// most are small tasks of a few jobs, with host limits of 0–3.
func soundAndComplete(t *testing.T, name, ties string, limits bool) {
	rng := rand.New(rand.NewPCG(9, 9))
	c := allocator.NewCluster()
	for i := range 40 {
		g := []int64{0, 1, 2, 4, 8}[rng.IntN(5)]
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Rack: fmt.Sprint(i / 4), Capacity: allocator.Res(int64(4+rng.IntN(60))*1000, int64(8+rng.IntN(120))*1024, 0, g*1000), GPUModel: []string{"A", "B", "C"}[rng.IntN(3)]})
		require.NoError(t, err)
	}
	typical := []allocator.TaskShape{{Req: share(4000, 500), Freq: 0.4}, {Req: share(8000, 1000), Freq: 0.4}, {Req: share(2000, 0), Freq: 0.2}}
	p, err := allocator.NewPlacer(name, allocator.Params{"ties": ties}, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 2)), Typical: typical})
	require.NoError(t, err)
	type live struct {
		pl  allocator.Placement
		req allocator.Request
	}
	var running []live
	limited := 0
	for step := range 3000 {
		if len(running) > 0 && rng.IntN(4) == 0 {
			i := rng.IntN(len(running))
			c.Release(running[i].pl, running[i].req)
			running[i] = running[len(running)-1]
			running = running[:len(running)-1]
			continue
		}
		if rng.IntN(100) == 0 {
			c.SetUp(allocator.AgentID(rng.IntN(c.NumAgents())), rng.IntN(3) > 0)
		}
		req := allocator.Request{Res: allocator.Res(int64(rng.IntN(16000)), int64(rng.IntN(32768)), 0, []int64{0, 150, 500, 770, 1000, 2000, 4000, 8000}[rng.IntN(8)])}
		if rng.IntN(4) == 0 {
			req.GPUModels = 1 << rng.IntN(3)
		}
		if limits && rng.IntN(5) > 0 {
			// Small tasks, so that limits, not room, decide.
			req.Res = allocator.Res(req.Res[allocator.CPU]/16, req.Res[allocator.Mem]/16, 0, 0)
			req.Group, req.Replica = int64(1+rng.IntN(4)), rng.IntN(2) == 0
			req.HostLimit = int16(rng.IntN(4))
			if rng.IntN(3) == 0 { // racks of four agents
				req.RackLimit = uint8(1 + rng.IntN(6))
			}
		}
		pl, ok := p.Place(c, req, allocator.Candidates{})
		if !ok {
			for i := range c.NumAgents() {
				require.False(t, c.Fits(allocator.AgentID(i), req), "step %d: %v fits agent %d but the policy found nothing", step, req, i)
			}
			if req.Limited() && c.Fits(0, req.Shape()) {
				limited++
			}
			continue
		}
		require.True(t, c.Fits(pl.Agent, req), "step %d", step)
		if req.Limited() && req.HostLimit > 0 {
			require.Less(t, c.GroupOn(pl.Agent, req.Group), int32(req.HostLimit), "step %d: the job's host limit", step)
		}
		if req.Limited() && req.RackLimit > 0 {
			require.Less(t, c.GroupInRack(c.Agent(pl.Agent).Rack, req.Group), int32(req.RackLimit), "step %d: the job's rack limit", step)
		}
		m, _ := c.PickDevices(pl.Agent, req)
		require.Equal(t, m.Count(), pl.Devices.Count(), "step %d: device count", step)
		c.Allocate(pl, req) // panics if the devices cannot hold it
		running = append(running, live{pl, req})
	}
	if limits {
		require.Positive(t, limited, "no placement was refused for a host limit alone")
	}
}
