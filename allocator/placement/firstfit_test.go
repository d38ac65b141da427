package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// linearFirst is the definition the index must agree with.
func linearFirst(c *allocator.Cluster, req allocator.Request) (allocator.AgentID, bool) {
	for i := range c.NumAgents() {
		if c.Fits(allocator.AgentID(i), req) {
			return allocator.AgentID(i), true
		}
	}
	return 0, false
}

func randomReq(rng *rand.Rand, c *allocator.Cluster) allocator.Request {
	req := allocator.Request{Res: allocator.Res(int64(rng.IntN(9000)), int64(rng.IntN(9000)), 0, []int64{0, 0, 100, 500, 900, 1000, 2000, 4000}[rng.IntN(8)])}
	if rng.IntN(5) == 0 {
		req.GPUModels = 1 << rng.IntN(len(c.Models))
	}
	return req
}

func TestFirstFitIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 0))
	c := allocator.NewCluster()
	add := func() {
		g := []int64{0, 1, 2, 4, 8}[rng.IntN(5)]
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("n", c.NumAgents()), Capacity: allocator.Res(int64(1+rng.IntN(16))*1000, int64(1+rng.IntN(16))*1000, 0, g*1000), GPUModel: []string{"A", "B", "C"}[rng.IntN(3)]})
		require.NoError(t, err)
	}
	for range 100 {
		add()
	}
	p := newPlacer(t, "first-fit", 1)
	type running struct {
		pl  allocator.Placement
		req allocator.Request
	}
	var live []running
	for step := range 20000 {
		switch op := rng.IntN(20); {
		case op == 0:
			add()
		case op == 1:
			c.SetUp(allocator.AgentID(rng.IntN(c.NumAgents())), rng.IntN(2) == 0)
		case op < 7 && len(live) > 0:
			i := rng.IntN(len(live))
			c.Release(live[i].pl, live[i].req)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
		default:
			req := randomReq(rng, c)
			want, wantOK := linearFirst(c, req)
			pl, ok := p.Place(c, req, allocator.Candidates{})
			require.Equal(t, wantOK, ok, "step %d", step)
			if ok {
				require.Equal(t, want, pl.Agent, "step %d req %v", step, req)
				c.Allocate(pl, req)
				live = append(live, running{pl, req})
			}
		}
	}
}

// BenchmarkFirstFit33k places and releases tasks on 33,000 agents, the
// default scenario's size, where most agents are nearly full.
func BenchmarkFirstFit33k(b *testing.B) {
	c := allocator.NewCluster()
	for i := range 33000 {
		g := int64(0)
		if i%11 == 0 {
			g = 8000
		}
		if _, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: allocator.Res(32000, 131072, 0, g), GPUModel: "V100"}); err != nil {
			b.Fatal(err)
		}
	}
	p, err := allocator.NewPlacer("first-fit", nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		b.Fatal(err)
	}
	req := allocator.Request{Res: allocator.Res(1000, 4096, 0, 0)}
	var live []allocator.Placement
	for { // fill to 90%
		pl, ok := p.Place(c, req, allocator.Candidates{})
		if !ok || len(live) >= 33000*32*9/10 {
			break
		}
		c.Allocate(pl, req)
		live = append(live, pl)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	b.ResetTimer()
	for range b.N {
		i := rng.IntN(len(live))
		c.Release(live[i], req)
		pl, ok := p.Place(c, req, allocator.Candidates{})
		if !ok {
			b.Fatal("no fit")
		}
		c.Allocate(pl, req)
		live[i] = pl
	}
}
