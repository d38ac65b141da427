package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// TestEveryPolicySoundAndComplete: whatever the state, a policy's placement
// fits (agent and devices), and it fails only when no agent can hold the task.
func TestEveryPolicySoundAndComplete(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		for _, ties := range []string{TiesRandom, TiesFirst, TiesOrder} {
			t.Run(name+"/"+ties, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(9, 9))
				c := allocator.NewCluster()
				for i := range 40 {
					g := []int64{0, 1, 2, 4, 8}[rng.IntN(5)]
					_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: allocator.Res(int64(4+rng.IntN(60))*1000, int64(8+rng.IntN(120))*1024, 0, g*1000), GPUModel: []string{"A", "B", "C"}[rng.IntN(3)]})
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
					pl, ok := p.Place(c, req, allocator.Candidates{})
					if !ok {
						for i := range c.NumAgents() {
							require.False(t, c.Fits(allocator.AgentID(i), req), "step %d: %v fits agent %d but the policy found nothing", step, req, i)
						}
						continue
					}
					require.True(t, c.Fits(pl.Agent, req), "step %d", step)
					m, _ := c.PickDevices(pl.Agent, req)
					require.Equal(t, m.Count(), pl.Devices.Count(), "step %d: device count", step)
					c.Allocate(pl, req) // panics if the devices cannot hold it
					running = append(running, live{pl, req})
				}
			})
		}
	}
}
