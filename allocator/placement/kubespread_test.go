package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// PodTopologySpread's scores worked out by hand: nodes A and B in zone z1,
// C in z2, D without a zone; the service has 2 replicas on A. Four
// feasible nodes: host weight ln 6, zone weight ln 4 (two zones).
//
//	raw A = round(2·1.792 + 2 + 2·1.386 + 4) = 12
//	raw B = round(0 + 2 + 2·1.386 + 4)       = 9
//	raw C = round(0 + 2 + 0 + 4)             = 6
//	raw D = round(0 + 2)                     = 2 (no zone: that constraint is skipped)
//
// normalised 100·(12 + 2 − raw)/12: 16, 41, 66, 100; the plugin weighs 2.
func TestKubeSpreadByHand(t *testing.T) {
	c := allocator.NewCluster()
	for i, z := range []string{"z1", "z1", "z2", ""} {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Zone: z, Capacity: allocator.Res(64000, 262144, 0, 0)})
		require.NoError(t, err)
	}
	replica := allocator.Request{Res: allocator.Res(1000, 1024, 0, 0), Group: 9, Replica: true}
	c.Allocate(allocator.Placement{Agent: 0}, replica)
	c.Allocate(allocator.Placement{Agent: 0}, replica)
	p := newPlacer(t, "kubernetes", 1).(*kubeDefault)
	p.bind(c)
	p.found = []scoredNode{{id: 0}, {id: 1}, {id: 2}, {id: 3}}
	p.pick.reset(c.NumAgents())
	p.spread(c, 9)
	var got []int64
	for _, f := range p.found {
		got = append(got, f.score)
	}
	assert.Equal(t, []int64{2 * 16, 2 * 41, 2 * 66, 2 * 100}, got)
	assert.Equal(t, []int64{12, 9, 6, 2}, []int64{p.found[0].raw, p.found[1].raw, p.found[2].raw, p.found[3].raw})
	pl, ok := p.pick.result()
	require.True(t, ok)
	assert.Equal(t, allocator.AgentID(3), pl.Agent)

	// Where no node holds a replica, every node of a kind scores 100.
	p.found = []scoredNode{{id: 1, score: 7}, {id: 2, score: 5}}
	p.pick.reset(c.NumAgents())
	p.spread(c, 10)
	assert.Equal(t, int64(207), p.found[0].score)
	assert.Equal(t, int64(205), p.found[1].score)
}

// A big node wins every replica on resources alone; spreading puts one on
// each node, the big one first. Batch tasks (no group) and spread: false
// are not spread.
func TestKubeSpreadsReplicas(t *testing.T) {
	build := func() *allocator.Cluster {
		c := allocator.NewCluster()
		for i, size := range []int64{64, 8, 8, 8, 8} {
			_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: allocator.Res(size*1000, size*4096, 0, 0)})
			require.NoError(t, err)
		}
		return c
	}
	place5 := func(params allocator.Params, group int64) []allocator.AgentID {
		c := build()
		p, err := allocator.NewPlacer("kubernetes", params, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(3, 3))})
		require.NoError(t, err)
		req := allocator.Request{Res: allocator.Res(1000, 4096, 0, 0), Group: group, Replica: true}
		var at []allocator.AgentID
		for range 5 {
			pl := place(t, p, c, req)
			c.Allocate(pl, req)
			at = append(at, pl.Agent)
		}
		return at
	}
	spread := place5(nil, 4)
	assert.Equal(t, allocator.AgentID(0), spread[0])
	assert.ElementsMatch(t, []allocator.AgentID{0, 1, 2, 3, 4}, spread)
	assert.Equal(t, []allocator.AgentID{0, 0, 0, 0, 0}, place5(nil, 0))
	assert.Equal(t, []allocator.AgentID{0, 0, 0, 0, 0}, place5(allocator.Params{"spread": false}, 4))
}
