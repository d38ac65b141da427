package placement

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

type node struct {
	name  string
	cpu   int64
	gpus  int64
	model string
	used  []int32 // milli already used per device (shares), applied in order
}

func build(t *testing.T, nodes ...node) *allocator.Cluster {
	t.Helper()
	c := allocator.NewCluster()
	for _, n := range nodes {
		model := n.model
		if n.gpus > 0 && model == "" {
			model = "V100"
		}
		id, err := c.AddAgent(allocator.AgentSpec{Name: n.name, Capacity: allocator.Res(n.cpu, 1<<20, 0, n.gpus*1000), GPUModel: model})
		require.NoError(t, err)
		for d, u := range n.used {
			if u > 0 {
				c.Allocate(allocator.Placement{Agent: id, Devices: 1 << d}, share(0, int64(u)))
			}
		}
	}
	return c
}

func share(cpu, milli int64) allocator.Request {
	return allocator.Request{Res: allocator.Res(cpu, 0, 0, milli)}
}

func newPlacer(t *testing.T, name string, seed uint64, typical ...allocator.TaskShape) allocator.Placer {
	t.Helper()
	p, err := allocator.NewPlacer(name, nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(seed, 1)), Typical: typical})
	require.NoError(t, err)
	return p
}

func place(t *testing.T, p allocator.Placer, c *allocator.Cluster, req allocator.Request) allocator.Placement {
	t.Helper()
	pl, ok := p.Place(c, req, allocator.Candidates{})
	require.True(t, ok)
	return pl
}

func TestPolicyChoosesKnownAgent(t *testing.T) {
	typicalShare500 := allocator.TaskShape{Req: share(1000, 500), Freq: 1}
	tests := []struct {
		name    string
		policy  string
		nodes   []node
		req     allocator.Request
		agent   allocator.AgentID
		devices allocator.DeviceMask
		typical []allocator.TaskShape
	}{
		{"first-fit takes the first that fits", "first-fit",
			[]node{{name: "small", cpu: 1000}, {name: "a", cpu: 8000}, {name: "b", cpu: 8000}},
			share(2000, 0), 1, 0, nil},
		{"best-fit takes the tightest", "BestFit",
			[]node{{name: "big", cpu: 64000, gpus: 8}, {name: "tight", cpu: 8000, gpus: 1}, {name: "mid", cpu: 32000, gpus: 4}},
			share(4000, 1000), 1, 1, nil},
		{"worst-fit takes the emptiest", "worst-fit",
			[]node{{name: "tight", cpu: 8000, gpus: 1}, {name: "big", cpu: 64000, gpus: 8}, {name: "mid", cpu: 32000, gpus: 4}},
			share(4000, 1000), 1, 1, nil},
		{"dot-product takes the least aligned free vector", "DotProduct",
			[]node{{name: "gpu-rich", cpu: 64000, gpus: 8}, {name: "cpu-rich", cpu: 128000, gpus: 1}},
			share(64000, 0), 0, 0, nil},
		{"gpu-packing prefers a partly used device", "GpuPacking",
			[]node{{name: "idle", cpu: 8000, gpus: 2}, {name: "used", cpu: 8000, gpus: 2, used: []int32{0, 500}}},
			share(100, 300), 1, 2, nil},
		{"gpu-packing prefers a used node for whole GPUs", "gpu-packing",
			[]node{{name: "idle", cpu: 8000, gpus: 4}, {name: "used", cpu: 8000, gpus: 4, used: []int32{500}}},
			share(100, 2000), 1, 0b110, nil},
		{"gpu-clustering keeps shares together", "GpuClustering",
			[]node{{name: "idle", cpu: 8000, gpus: 2}, {name: "shares", cpu: 8000, gpus: 2, used: []int32{200}}},
			share(100, 300), 1, 1, nil},
		{"fgd keeps a device usable for the typical task", "FGD",
			// on "half" the 300 share would leave 200 that no typical 500 share can use
			[]node{{name: "half", cpu: 8000, gpus: 1, used: []int32{500}}, {name: "free", cpu: 8000, gpus: 1}},
			share(100, 300), 1, 1, []allocator.TaskShape{typicalShare500}},
		{"fgd picks the device that leaves typical shares room", "fgd",
			[]node{{name: "n", cpu: 8000, gpus: 2, used: []int32{0, 400}}},
			share(100, 400), 0, 1, []allocator.TaskShape{{Req: share(1000, 600), Freq: 1}}},
		{"fgd multi-GPU: keep a whole node for 8-GPU tasks", "fgd",
			[]node{{name: "eight", cpu: 64000, gpus: 8}, {name: "four", cpu: 64000, gpus: 4}},
			share(1000, 2000), 1, 0b11, []allocator.TaskShape{{Req: share(1000, 8000), Freq: 0.5}, {Req: share(1000, 2000), Freq: 0.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(20) { // the answer is unique: no seed may change it
				c := build(t, tt.nodes...)
				pl := place(t, newPlacer(t, tt.policy, seed, tt.typical...), c, tt.req)
				require.Equal(t, tt.agent, pl.Agent, "seed %d", seed)
				require.Equal(t, tt.devices, pl.Devices, "seed %d", seed)
			}
		})
	}
}

func TestModelConstraints(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		t.Run(name, func(t *testing.T) {
			c := build(t, node{name: "t4", cpu: 8000, gpus: 2, model: "T4"}, node{name: "v100", cpu: 8000, gpus: 2, model: "V100"})
			v100, _ := c.LookupModel("V100")
			req := share(100, 500)
			req.GPUModels = 1 << v100
			typ := []allocator.TaskShape{{Req: share(100, 500), Freq: 1}}
			p := newPlacer(t, name, 3, typ...)
			for range 4 { // four half shares fill the V100 node, then nothing fits
				pl := place(t, p, c, req)
				assert.Equal(t, allocator.AgentID(1), pl.Agent)
				c.Allocate(pl, req)
			}
			_, ok := p.Place(c, req, allocator.Candidates{})
			assert.False(t, ok, "T4 is excluded")
		})
	}
}

func TestNothingFits(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		c := build(t, node{name: "a", cpu: 1000, gpus: 1})
		typ := allocator.TaskShape{Req: share(100, 500), Freq: 1}
		p := newPlacer(t, name, 1, typ)
		for _, req := range []allocator.Request{share(2000, 0), share(100, 2000), {Res: allocator.Res(1, 1<<21, 0, 0)}} {
			_, ok := p.Place(c, req, allocator.Candidates{})
			assert.False(t, ok, "%s %v", name, req)
		}
		_, ok := p.Place(allocator.NewCluster(), share(1, 0), allocator.Candidates{})
		assert.False(t, ok, name)
	}
}

func TestCandidatesAndCeilings(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		t.Run(name, func(t *testing.T) {
			c := build(t, node{name: "a", cpu: 8000, gpus: 1}, node{name: "b", cpu: 8000, gpus: 1}, node{name: "c", cpu: 8000, gpus: 1})
			p := newPlacer(t, name, 5, allocator.TaskShape{Req: share(100, 500), Freq: 1})
			req := share(2000, 500)
			cand := allocator.Candidates{IDs: []allocator.AgentID{2, 0}, Ceil: []allocator.Resources{allocator.Res(1000, 1<<20, 0, 1000), allocator.Res(8000, 1<<20, 0, 1000)}}
			for range 10 {
				pl, ok := p.Place(c, req, cand)
				require.True(t, ok)
				assert.Equal(t, allocator.AgentID(0), pl.Agent, "agent 2's offer is too small, agent 1 is not offered")
			}
			_, ok := p.Place(c, req, allocator.Candidates{IDs: []allocator.AgentID{}})
			assert.False(t, ok, "no candidates")
		})
	}
}

func TestRandomCoversAllFeasible(t *testing.T) {
	c := build(t, node{name: "a", cpu: 8000, gpus: 4}, node{name: "small", cpu: 100, gpus: 4}, node{name: "b", cpu: 8000, gpus: 4}, node{name: "c", cpu: 8000, gpus: 4})
	for _, name := range []string{"random", "gpu-packing", "gpu-clustering"} { // CPU tasks: all feasible agents tie
		p := newPlacer(t, name, 9)
		counts := map[allocator.AgentID]int{}
		for range 3000 {
			counts[place(t, p, c, share(1000, 0)).Agent]++
		}
		assert.Len(t, counts, 3, name)
		assert.Zero(t, counts[1], name)
		for _, id := range []allocator.AgentID{0, 2, 3} {
			assert.InDelta(t, 1000, counts[id], 150, "%s agent %d", name, id)
		}
	}
	// Random also spreads shares over devices.
	p := newPlacer(t, "random", 2)
	devs := map[allocator.DeviceMask]int{}
	for range 400 {
		devs[place(t, p, c, share(0, 300)).Devices]++
	}
	assert.Len(t, devs, 4)
}

func TestDeterministicForSeed(t *testing.T) {
	for _, name := range allocator.PlacerNames() {
		run := func(seed uint64) []allocator.Placement {
			c := build(t, node{name: "a", cpu: 32000, gpus: 4}, node{name: "b", cpu: 32000, gpus: 4}, node{name: "c", cpu: 16000, gpus: 2, model: "T4"})
			p := newPlacer(t, name, seed, allocator.TaskShape{Req: share(1000, 500), Freq: 0.7}, allocator.TaskShape{Req: share(2000, 1000), Freq: 0.3})
			rng := rand.New(rand.NewPCG(seed, 7))
			var out []allocator.Placement
			for range 60 {
				req := share(int64(rng.IntN(4000)), []int64{0, 250, 500, 1000, 2000}[rng.IntN(5)])
				if pl, ok := p.Place(c, req, allocator.Candidates{}); ok {
					c.Allocate(pl, req)
					out = append(out, pl)
				}
			}
			return out
		}
		a := run(11)
		assert.Equal(t, a, run(11), name)
		assert.NotEmpty(t, a, name)
	}
}

func TestAliases(t *testing.T) {
	for _, alias := range []string{"Random", "DotProduct", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD", "FIRST-FIT", "WorstFit"} {
		_, err := allocator.NewPlacer(alias, nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1)), Typical: []allocator.TaskShape{{Req: share(1, 500), Freq: 1}}})
		assert.NoError(t, err, alias)
	}
	_, err := allocator.NewPlacer("fgd", nil, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
	assert.ErrorContains(t, err, "typical")
	_, err = allocator.NewPlacer("best-fit", allocator.Params{"bogus": 1}, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
	assert.ErrorContains(t, err, "bogus")
	_, err = allocator.NewPlacer("best-fit", nil, allocator.PlacerEnv{})
	assert.ErrorContains(t, err, "Rand")
}

func TestTieRules(t *testing.T) {
	nodes := []node{{name: "a", cpu: 8000}, {name: "b", cpu: 8000}, {name: "c", cpu: 8000}, {name: "d", cpu: 8000}}
	mk := func(ties string, seed uint64) allocator.Placer {
		p, err := allocator.NewPlacer("best-fit", allocator.Params{"ties": ties}, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(seed, 1))})
		require.NoError(t, err)
		return p
	}
	// first: always the lowest id among equal scores.
	c := build(t, nodes...)
	assert.Equal(t, allocator.AgentID(0), place(t, mk(TiesFirst, 1), c, share(100, 0)).Agent)
	// order: one random order per run — the same agent wins every tie of the run,
	// and different seeds give different orders.
	winners := map[allocator.AgentID]bool{}
	for seed := range uint64(30) {
		c := build(t, nodes...)
		p := mk(TiesOrder, seed)
		w := place(t, p, c, share(100, 0)).Agent
		for range 5 {
			assert.Equal(t, w, place(t, p, c, share(100, 0)).Agent, "a tie goes to the same agent within a run")
		}
		winners[w] = true
	}
	assert.Len(t, winners, 4)
	// random: ties spread within one run.
	p := mk(TiesRandom, 3)
	seen := map[allocator.AgentID]bool{}
	for range 50 {
		seen[place(t, p, c, share(100, 0)).Agent] = true
	}
	assert.Len(t, seen, 4)
	_, err := allocator.NewPlacer("fgd", allocator.Params{"ties": "last"}, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1)), Typical: []allocator.TaskShape{{Req: share(1, 500), Freq: 1}}})
	assert.ErrorContains(t, err, "ties")
}
