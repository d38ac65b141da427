package placement

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// The scheduler's adaptive search: 50 − n/125 percent, at least 5% and at
// least 100 nodes; everything below 100 nodes or at 100%.
func TestNumFeasibleToFind(t *testing.T) {
	for _, c := range []struct{ n, percent, want int }{
		{50, 0, 50},
		{100, 0, 100}, // 49% of 100 is below the minimum
		{500, 0, 230}, // 46%
		{1000, 0, 420},
		{5000, 0, 500}, // 10%
		{10000, 0, 500},
		{33000, 0, 1650}, // 5%
		{33000, 100, 33000},
		{33000, 20, 6600},
		{1000, 1, 100},
	} {
		assert.Equal(t, c.want, numFeasibleToFind(c.n, c.percent), "%d nodes at %d%%", c.n, c.percent)
	}
}

// cpuMemCluster has agents of the given CPU (milli) and memory (MiB), with
// used[i] already allocated on agent i.
func cpuMemCluster(t *testing.T, capacity []allocator.Resources, used []allocator.Resources) *allocator.Cluster {
	t.Helper()
	c := allocator.NewCluster()
	for i, r := range capacity {
		id, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: r})
		require.NoError(t, err)
		if i < len(used) && used[i] != (allocator.Resources{}) {
			req := allocator.Request{Res: used[i]}
			c.Allocate(allocator.Placement{Agent: id}, req)
		}
	}
	return c
}

func TestKubeScoresByHand(t *testing.T) {
	node := allocator.Res(4000, 8192, 0, 0)
	c := cpuMemCluster(t, []allocator.Resources{node, node, node},
		[]allocator.Resources{allocator.Res(1000, 2048, 0, 0), allocator.Res(0, 6144, 0, 0), {}})
	req := allocator.Request{Res: allocator.Res(1000, 2048, 0, 0)}
	for _, tc := range []struct {
		agent           allocator.AgentID
		least, balanced int64
		why             string
	}{
		// 2000/4000 CPU and 4096/8192 MiB requested: 50 and 50; fractions equal.
		{0, 50, 100, "half used on both"},
		// 1000/4000 and 8192/8192: (75 + 0)/2 = 37; std |0.25 − 1|/2 = 0.375 → 62.
		{1, 37, 62, "memory full"},
		// 1000/4000 and 2048/8192: 75 and 75; balanced.
		{2, 75, 100, "empty"},
	} {
		v := viewOf(c, tc.agent)
		assert.Equal(t, tc.least, fitOf(&defaultKubeScoring, &v, req), tc.why)
		assert.Equal(t, tc.balanced, balancedAllocation(&v, &req), tc.why)
	}
	// A pod asking for nothing counts as 100 mCPU and 200 MiB for
	// LeastAllocated and is not scored by BalancedAllocation.
	empty := viewOf(c, 2)
	assert.Equal(t, int64((3900*100/4000+7992*100/8192)/2), fitOf(&defaultKubeScoring, &empty, allocator.Request{}))
	assert.Zero(t, balancedAllocation(&empty, &allocator.Request{}))

	// The sums are 150, 99 and 175: the empty agent wins, whatever the seed.
	for seed := range uint64(10) {
		assert.Equal(t, allocator.AgentID(2), place(t, newPlacer(t, "kubernetes", seed), c, req).Agent)
	}
}

// LeastAllocated spreads: on equal empty agents, successive pods go to
// different agents until each has one.
func TestKubeSpreads(t *testing.T) {
	node := allocator.Res(8000, 16384, 0, 0)
	c := cpuMemCluster(t, []allocator.Resources{node, node, node, node}, nil)
	p := newPlacer(t, "kubernetes-all", 1)
	req := allocator.Request{Res: allocator.Res(1000, 2048, 0, 0)}
	seen := map[allocator.AgentID]bool{}
	for range 4 {
		pl := place(t, p, c, req)
		assert.False(t, seen[pl.Agent], "agent %d twice", pl.Agent)
		seen[pl.Agent] = true
		c.Allocate(pl, req)
	}
}

// The search stops after the feasible nodes it wants and the next one
// starts after the last node it checked, infeasible ones included, so the
// chosen node always lies in the window just searched.
func TestKubeSearchWindowRotates(t *testing.T) {
	const n = 1000 // 420 feasible nodes wanted
	caps := make([]allocator.Resources, n)
	used := make([]allocator.Resources, n)
	for i := range caps {
		caps[i] = allocator.Res(8000, 16384, 0, 0)
		if i%4 == 3 { // every fourth node is full
			used[i] = caps[i]
		}
	}
	c := cpuMemCluster(t, caps, used)
	p, err := allocator.NewPlacer("kubernetes", nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(3, 1))})
	require.NoError(t, err)
	k := p.(*kubeDefault)
	req := allocator.Request{Res: allocator.Res(100, 100, 0, 0)}
	start := 0
	for round := range 6 {
		pl, ok := p.Place(c, req, allocator.Candidates{})
		require.True(t, ok)
		// 420 feasible nodes take 560 checks when one in four is full
		// (the window may start on a full node: 559 to 560).
		span := (k.next - start + n) % n
		assert.InDelta(t, 560, span, 1, "round %d", round)
		off := (int(pl.Agent) - start + n) % n
		assert.Less(t, off, span, "round %d: agent %d outside the window from %d", round, pl.Agent, start)
		start = k.next
	}
	// kubernetes-all checks every node each time.
	all, err := allocator.NewPlacer("kubernetes-all", nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(3, 1))})
	require.NoError(t, err)
	_, ok := all.Place(c, req, allocator.Candidates{})
	require.True(t, ok)
	assert.Zero(t, all.(*kubeDefault).next)
}

// With candidates (offers), the window rotates over the candidate list and
// the ceilings exclude an agent as in the other policies.
func TestKubeCandidates(t *testing.T) {
	node := allocator.Res(8000, 16384, 0, 0)
	c := cpuMemCluster(t, []allocator.Resources{node, node, node}, []allocator.Resources{{}, allocator.Res(6000, 0, 0, 0)})
	p := newPlacer(t, "kubernetes", 4)
	req := allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}
	cand := allocator.Candidates{IDs: []allocator.AgentID{1, 2}, Ceil: []allocator.Resources{node, allocator.Res(500, 16384, 0, 0)}}
	for range 5 {
		pl, ok := p.Place(c, req, cand)
		require.True(t, ok)
		assert.Equal(t, allocator.AgentID(1), pl.Agent, "agent 2's offer is too small; agent 0 is not offered")
	}
	assert.Zero(t, p.(*kubeDefault).next, "two candidates checked each time")
}

// BenchmarkKubernetes33k places and releases a task on 33,000 agents about
// half full, against best-fit, which scores every agent (with its cache);
// "kubernetes/replicas" places the replicas of 1,000 services, spread.
func BenchmarkKubernetes33k(b *testing.B) {
	for _, name := range []string{"kubernetes", "kubernetes/replicas", "kubernetes/host-limit", "kubernetes/rack-limit",
		"kubernetes-all", "best-fit", "best-fit/host-limit"} {
		b.Run(name, func(b *testing.B) {
			policy, services := strings.CutSuffix(name, "/replicas")
			policy, limited := strings.CutSuffix(policy, "/host-limit")
			policy, racked := strings.CutSuffix(policy, "/rack-limit")
			rng := rand.New(rand.NewPCG(5, 5))
			c := allocator.NewCluster()
			for i := range 33000 {
				id, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Rack: fmt.Sprint(i / 40), Capacity: allocator.Res(32000, 131072, 0, 0)})
				if err != nil {
					b.Fatal(err)
				}
				c.Allocate(allocator.Placement{Agent: id}, allocator.Request{Res: allocator.Res(int64(rng.IntN(32))*1000, int64(rng.IntN(128))*1024, 0, 0)})
			}
			p, err := allocator.NewPlacer(policy, nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
			if err != nil {
				b.Fatal(err)
			}
			type held struct {
				pl  allocator.Placement
				req allocator.Request
			}
			live := make([]held, 0, 1024)
			b.ResetTimer()
			for i := range b.N {
				if len(live) == cap(live) {
					j := rng.IntN(len(live))
					c.Release(live[j].pl, live[j].req)
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
				}
				req := allocator.Request{Res: allocator.Res(1000, 4096, 0, 0)}
				if services {
					req.Group, req.Replica = int64(1+i%1000), true
				}
				if limited { // tasks of 1,000 jobs in turn, one per agent each
					req.Group, req.HostLimit = int64(1+i%1000), 1
				}
				if racked { // the same, one per rack of 40 agents each
					req.Group, req.RackLimit = int64(1+i%1000), 1
				}
				pl, ok := p.Place(c, req, allocator.Candidates{})
				if !ok {
					b.Fatal("no fit")
				}
				c.Allocate(pl, req)
				live = append(live, held{pl, req})
			}
		})
	}
}

// On random clusters (score cache included) the search checks the window a
// plain scan in the scheduler's order checks and picks among its best
// agents, under the default profile and others, replicas of services
// (spread over nodes and zones, some nodes without one) among the tasks.
func TestKubeMatchesLinearSearch(t *testing.T) {
	profiles := []allocator.Params{nil,
		{"scoring": MostAllocated, "weights": map[string]any{"cpu": 1, "memory": 1, "gpu": 3}},
		{"scoring": RequestedToCapacityRatio, "weights": map[string]any{"gpu": 1, "cpu": 2}, "shape": points(0, 0, 30, 2, 100, 10), "balanced": false},
		{"spread": false},
	}
	for i, name := range []string{"kubernetes", "kubernetes-all", "kubernetes", "kubernetes-all", "kubernetes", "kubernetes-all"} {
		params := profiles[i%len(profiles)]
		rng := rand.New(rand.NewPCG(7, 7))
		c := allocator.NewCluster()
		for i := range 300 {
			_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint(i), Capacity: allocator.Res(int64(8+rng.IntN(56))*1000, int64(16+rng.IntN(240))*1024, 0, int64(rng.IntN(3))*4000), GPUModel: "V100",
				Zone: []string{"", "z1", "z2", "z3"}[rng.IntN(4)]})
			require.NoError(t, err)
		}
		p, err := allocator.NewPlacer(name, params, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
		require.NoError(t, err)
		k := p.(*kubeDefault)
		name := fmt.Sprint(name, params)
		type held struct {
			pl  allocator.Placement
			req allocator.Request
		}
		var live []held
		for step := range 4000 {
			if len(live) > 0 && rng.IntN(3) == 0 {
				i := rng.IntN(len(live))
				c.Release(live[i].pl, live[i].req)
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
				continue
			}
			if rng.IntN(200) == 0 {
				c.SetUp(allocator.AgentID(rng.IntN(c.NumAgents())), rng.IntN(2) == 0)
			}
			req := allocator.Request{Res: allocator.Res(int64(rng.IntN(12))*1000, int64(rng.IntN(40))*1024, 0, []int64{0, 0, 500, 1000, 4000}[rng.IntN(5)])}
			if rng.IntN(2) == 0 {
				req.Group, req.Replica = int64(1+rng.IntN(6)), true
			}
			// The scan: from k.next, in order, until enough fit.
			n := c.NumAgents()
			want, start := numFeasibleToFind(n, k.percent), k.next
			scores, found, checked := map[allocator.AgentID]int64{}, []allocator.AgentID{}, 0
			for checked < n && len(found) < want {
				id := allocator.AgentID((start + checked) % n)
				checked++
				if !c.Fits(id, req) {
					continue
				}
				found = append(found, id)
				v := viewOf(c, id)
				scores[id] = fitOf(&k.scoring, &v, req)
				if k.scoring.balanced {
					scores[id] += balancedAllocation(&v, &req)
				}
			}
			if req.Replica && req.Group != 0 && k.scoring.spread {
				// PodTopologySpread, from the cluster's counts.
				zones := map[int32]bool{}
				for _, id := range found {
					if z := c.Agent(id).Zone; c.Zones[z] != "" {
						zones[z] = true
					}
				}
				raw, lo, hi := map[allocator.AgentID]int64{}, int64(math.MaxInt64), int64(0)
				for _, id := range found {
					r := float64(c.GroupOn(id, req.Group))*math.Log(float64(len(found)+2)) + 2
					if z := c.Agent(id).Zone; c.Zones[z] != "" {
						r += float64(c.GroupInZone(z, req.Group))*math.Log(float64(len(zones)+2)) + 4
					}
					raw[id] = int64(math.Round(r))
					lo, hi = min(lo, raw[id]), max(hi, raw[id])
				}
				for _, id := range found {
					scores[id] += 2 * (100 * (hi + lo - raw[id]) / hi)
				}
			}
			best, bestScore := map[allocator.AgentID]bool{}, int64(-1)
			for _, id := range found {
				if sc := scores[id]; sc > bestScore {
					best, bestScore = map[allocator.AgentID]bool{id: true}, sc
				} else if sc == bestScore {
					best[id] = true
				}
			}
			pl, ok := p.Place(c, req, allocator.Candidates{})
			require.Equal(t, len(found) > 0, ok, "%s step %d", name, step)
			require.Equal(t, (start+checked)%n, k.next, "%s step %d: the next search's start", name, step)
			if ok {
				require.True(t, best[pl.Agent], "%s step %d: agent %d is not among the best %v", name, step, pl.Agent, best)
				c.Allocate(pl, req)
				live = append(live, held{pl, req})
			}
		}
	}
}

// A placer moved to another cluster keeps that cluster's view: changes to
// the first cluster no longer reach it.
func TestKubeMovesToAnotherCluster(t *testing.T) {
	node := allocator.Res(8000, 16384, 0, 0)
	a := cpuMemCluster(t, []allocator.Resources{node, node, node}, nil)
	b := cpuMemCluster(t, []allocator.Resources{node}, nil)
	p := newPlacer(t, "kubernetes", 1)
	req := allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}
	place(t, p, a, req)
	require.Equal(t, allocator.AgentID(0), place(t, p, b, req).Agent)
	a.Allocate(allocator.Placement{Agent: 2}, allocator.Request{Res: node}) // not b's business
	_, err := a.AddAgent(allocator.AgentSpec{Name: "late", Capacity: node})
	require.NoError(t, err)
	require.Len(t, p.(*kubeDefault).nodes, 1)
	b.Allocate(allocator.Placement{Agent: 0}, allocator.Request{Res: allocator.Res(7500, 0, 0, 0)})
	_, ok := p.Place(b, req, allocator.Candidates{})
	assert.False(t, ok, "b's only agent is full: the view followed b")
}

// Scores cached on one cluster are not taken for another's, even where
// agents of the same number have the same generation.
func TestKubeCacheIsPerCluster(t *testing.T) {
	big, small := allocator.Res(8000, 16384, 0, 0), allocator.Res(500, 16384, 0, 0)
	req := allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}
	for seed := range uint64(20) {
		p := newPlacer(t, "kubernetes", seed)
		_, ok := p.Place(cpuMemCluster(t, []allocator.Resources{big, big}, nil), req, allocator.Candidates{})
		require.True(t, ok)
		pl := place(t, p, cpuMemCluster(t, []allocator.Resources{small, big}, nil), req)
		assert.Equal(t, allocator.AgentID(1), pl.Agent, "seed %d: agent 0 is too small", seed)
	}
}
