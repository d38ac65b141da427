package placement

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
)

func kubeScoringOf(t *testing.T, p allocator.Params) *kubeScoring {
	t.Helper()
	s, err := readKubeScoring(p)
	require.NoError(t, err)
	return &s
}

// fitOf scores one request on one node.
func fitOf(s *kubeScoring, v *nodeView, req allocator.Request) int64 {
	q := s.request(req)
	return s.fit(v, &q)
}

func points(us ...int) []any {
	var l []any
	for i := 0; i+1 < len(us); i += 2 {
		l = append(l, map[string]any{"utilization": us[i], "score": us[i+1]})
	}
	return l
}

// NodeResourcesFit's strategies worked out by hand on one node: 8 CPUs,
// 16 GiB and 4 GPUs (milli-GPU), with 2 CPUs, 4 GiB and 5 GPU-tenths
// allocated; the pod asks for 1 CPU, 1 GiB and one GPU.
func TestKubeFitByHand(t *testing.T) {
	v := nodeView{
		free:     allocator.Res(6000, 12288, 0, 3000),
		capacity: [3]int64{8000, 16384, 8000},
		up:       true,
	}
	req := allocator.Request{Res: allocator.Res(1000, 1024, 0, 1000)}
	gpu3 := map[string]any{"cpu": 1, "memory": 1, "gpu": 3}
	// Requested with the pod: CPU 3000/8000, memory 5120/16384, GPU 6000/8000.
	// MostAllocated per resource 37, 31, 75; LeastAllocated 62, 68, 25.
	for _, tc := range []struct {
		why    string
		params allocator.Params
		req    allocator.Request
		want   int64
	}{
		{"least, CPU and memory", nil, req, (62 + 68) / 2},
		{"most, CPU and memory", allocator.Params{"scoring": MostAllocated}, req, (37 + 31) / 2},
		{"most, GPU weight 3", allocator.Params{"scoring": MostAllocated, "weights": gpu3}, req, (37 + 31 + 3*75) / 5},
		{"least, GPU weight 3", allocator.Params{"weights": gpu3}, req, (62 + 68 + 3*25) / 5},
		{"GPU only", allocator.Params{"scoring": MostAllocated, "weights": map[string]any{"gpu": 1}}, req, 75},
		// A GPU the pod does not ask for is not scored (an extended resource).
		{"most, GPU weighed, not asked", allocator.Params{"scoring": MostAllocated, "weights": gpu3},
			allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}, (37 + 31) / 2},
		// Nothing asked: 100 mCPU and 200 MiB — 2100/8000 → 26, 4296/16384 → 26.
		{"most, best effort", allocator.Params{"scoring": MostAllocated}, allocator.Request{}, 26},
		// The bin-packing shape (0,0)-(100,10): the utilizations themselves,
		// rounded rather than truncated: 293/5 = 58.6.
		{"ratio, default shape", allocator.Params{"scoring": RequestedToCapacityRatio, "weights": gpu3}, req, 59},
		// The spreading shape (0,10)-(100,0): 63, 69, 25 → 207/5 = 41.4.
		{"ratio, spreading", allocator.Params{"scoring": RequestedToCapacityRatio, "weights": gpu3, "shape": points(0, 10, 100, 0)}, req, 41},
		// (0,0)-(50,0)-(100,10): CPU and memory score 0 and leave the mean;
		// GPU 0 + 100·(75−50)/50 = 50 alone.
		{"ratio, zero scores left out", allocator.Params{"scoring": RequestedToCapacityRatio, "weights": gpu3, "shape": points(0, 0, 50, 0, 100, 10)}, req, 50},
		// One point: a constant.
		{"ratio, one point", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(40, 7)}, req, 70},
	} {
		s := kubeScoringOf(t, tc.params)
		assert.Equal(t, tc.want, fitOf(s, &v, tc.req), tc.why)
	}

	// Over capacity (a best-effort pod on a full node): LeastAllocated 0,
	// MostAllocated 100, RequestedToCapacityRatio the shape at 100%.
	full := nodeView{capacity: [3]int64{1000, 1024, 0}, up: true}
	be := allocator.Request{}
	assert.Zero(t, fitOf(kubeScoringOf(t, nil), &full, be))
	assert.Equal(t, int64(100), fitOf(kubeScoringOf(t, allocator.Params{"scoring": MostAllocated}), &full, be))
	assert.Equal(t, int64(30), fitOf(kubeScoringOf(t, allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(0, 10, 100, 3)}), &full, be))
	// A node without GPUs skips a GPU weight.
	cpuOnly := nodeView{free: allocator.Res(6000, 12288, 0, 0), capacity: [3]int64{8000, 16384, 0}, up: true}
	assert.Equal(t, int64((37+31)/2), fitOf(kubeScoringOf(t, allocator.Params{"scoring": MostAllocated, "weights": gpu3}), &cpuOnly, allocator.Request{Res: allocator.Res(1000, 1024, 0, 0)}))
}

// The profile decides where a pod goes: LeastAllocated spreads,
// MostAllocated packs, and only with a GPU weight does it pack GPUs.
func TestKubeProfilesPlace(t *testing.T) {
	node := allocator.Res(32000, 65536, 0, 4000)
	c := allocator.NewCluster()
	for i, used := range []allocator.Resources{
		allocator.Res(4000, 8192, 0, 3000),   // X: GPUs nearly full, CPU idle
		allocator.Res(24000, 49152, 0, 0),    // Y: CPU busy, GPUs idle
		allocator.Res(16000, 32768, 0, 1000), // Z: half the CPU, a GPU
	} {
		id, err := c.AddAgent(allocator.AgentSpec{Name: string(rune('X' + i)), Capacity: node, GPUModel: "V100"})
		require.NoError(t, err)
		c.Allocate(allocator.Placement{Agent: id, Devices: allocator.DeviceMask(1<<(used[allocator.GPU]/1000)) - 1}, allocator.Request{Res: used})
	}
	req := allocator.Request{Res: allocator.Res(1000, 2048, 0, 1000)}
	for _, tc := range []struct {
		params allocator.Params
		want   allocator.AgentID
	}{
		{nil, 0}, // least CPU and memory allocated: X
		{allocator.Params{"scoring": MostAllocated}, 1},
		// X: (15 + 15 + 3·100)/5 = 66 against Y (78 + 78 + 3·25)/5 = 46.
		{allocator.Params{"scoring": MostAllocated, "weights": map[string]any{"cpu": 1, "memory": 1, "gpu": 3}}, 0},
		{allocator.Params{"scoring": MostAllocated, "weights": map[string]any{"gpu": 1}, "balanced": false}, 0},
		{allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(0, 10, 100, 0)}, 0},
	} {
		for seed := range uint64(5) {
			p, err := allocator.NewPlacer("kubernetes", tc.params, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(seed, 1))})
			require.NoError(t, err)
			assert.Equal(t, tc.want, place(t, p, c, req).Agent, "%v, seed %d", tc.params, seed)
		}
	}
}

func TestKubeParamsRefused(t *testing.T) {
	for _, tc := range []struct {
		placement string
		params    allocator.Params
		want      string
	}{
		{"kubernetes", allocator.Params{"scoring": "packed"}, `parameter "scoring": "packed", want least-allocated, most-allocated or requested-to-capacity-ratio`},
		{"kubernetes", allocator.Params{"scoring": 1}, `parameter "scoring": want a string`},
		{"kubernetes", allocator.Params{"scoring": MostAllocated, "shape": points(0, 0)}, `parameter "shape": only the requested-to-capacity-ratio scoring has one`},
		{"kubernetes", allocator.Params{"shape": points(0, 0)}, `only the requested-to-capacity-ratio scoring`},
		{"kubernetes", allocator.Params{"weights": map[string]any{"cpu": 1, "disk": 1}}, `parameter "weights": unknown resource "disk" (known: cpu, memory, gpu)`},
		{"kubernetes", allocator.Params{"weights": map[string]any{"cpu": 101}}, `parameter "weights": cpu: want a whole number from 0 to 100, got 101`},
		{"kubernetes", allocator.Params{"weights": map[string]any{"gpu": 1.5}}, `gpu: want a whole number`},
		{"kubernetes", allocator.Params{"weights": map[string]any{"cpu": 0}}, `every weight is 0`},
		{"kubernetes", allocator.Params{"weights": "gpu"}, `parameter "weights": want a mapping`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": []any{}}, `parameter "shape": want a list`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(50, 1, 50, 2)}, `point 2: utilization 50 does not increase on 50`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(0, 11)}, `point 1: score: want a whole number from 0 to 10`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": points(101, 1)}, `point 1: utilization: want a whole number from 0 to 100`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": []any{map[string]any{"utilization": 0, "score": 1, "x": 2}}}, `point 1: unknown parameter "x"`},
		{"kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio, "shape": []any{3}}, `point 1: want {utilization`},
		{"kubernetes-all", allocator.Params{"balanced": "yes"}, `parameter "balanced": want true or false`},
		{"kubernetes", allocator.Params{"spread": 1}, `parameter "spread": want true or false, got int`},
		{"random", allocator.Params{"spread": false}, `parameter "spread": only the kubernetes placements read it`},
		{"best-fit", allocator.Params{"scoring": MostAllocated}, `parameter "scoring": only the kubernetes placements read it`},
		{"fgd", allocator.Params{"balanced": false}, `parameter "balanced": only the kubernetes placements read it`},
	} {
		_, err := allocator.NewPlacer(tc.placement, tc.params, allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
		assert.ErrorContains(t, err, tc.want, "%s %v", tc.placement, tc.params)
	}
	// JSON numbers (float64) are whole numbers too.
	_, err := allocator.NewPlacer("kubernetes", allocator.Params{"scoring": RequestedToCapacityRatio,
		"weights": map[string]any{"gpu": 2.0}, "shape": []any{map[string]any{"utilization": 0.0, "score": 10.0}}},
		allocator.PlacerEnv{Rand: rand.New(rand.NewPCG(1, 1))})
	assert.NoError(t, err)
}

// Every strategy scores within 0..100 whatever the node and the pod, and
// more allocated on a node never lowers MostAllocated nor raises
// LeastAllocated.
func FuzzKubeFit(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint8(1), uint8(3), int64(8000), int64(16384), int64(8000), int64(2000), int64(4096), int64(5000), int64(1000), int64(1024), int64(1000), int64(500))
	f.Add(uint8(2), uint8(0), uint8(0), uint8(1), int64(1000), int64(0), int64(0), int64(1000), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, strategy, wc, wm, wg uint8, cc, cm, cg, uc, um, ug, rc, rm, rg, more int64) {
		capacity := [3]int64{cc, cm, cg}
		used := [3]int64{uc, um, ug}
		asked := [3]int64{rc, rm, rg}
		for i := range 3 {
			// Sizes a cluster can have: capacities up to 2^40, used within them.
			capacity[i] = abs(capacity[i]) % (1 << 40)
			if capacity[i] > 0 {
				used[i] = abs(used[i]) % (capacity[i] + 1)
			} else {
				used[i] = 0
			}
			asked[i] = abs(asked[i]) % (1 << 40)
		}
		weights := map[string]any{"cpu": int(wc % 101), "memory": int(wm % 101), "gpu": int(wg % 101)}
		p := allocator.Params{"scoring": []string{LeastAllocated, MostAllocated, RequestedToCapacityRatio}[strategy%3], "weights": weights}
		s, err := readKubeScoring(p)
		if err != nil {
			require.ErrorContains(t, err, "every weight is 0")
			return
		}
		view := func(extra int64) nodeView {
			var v nodeView
			for i, d := range kubeDims {
				u := min(used[i]+extra, capacity[i])
				v.free[d.dim], v.capacity[i] = capacity[i]-u, capacity[i]
			}
			return v
		}
		req := allocator.Request{}
		for i, d := range kubeDims {
			req.Res[d.dim] = asked[i]
		}
		v, w := view(0), view(abs(more)%(1<<40))
		a, b := fitOf(&s, &v, req), fitOf(&s, &w, req)
		require.True(t, a >= 0 && a <= 100 && b >= 0 && b <= 100, "%d, %d", a, b)
		switch s.strategy {
		case mostAllocated:
			require.GreaterOrEqual(t, b, a)
		case leastAllocated:
			require.LessOrEqual(t, b, a)
		}
	})
}

func abs(x int64) int64 {
	if x < 0 {
		if x == -x { // MinInt64
			return 0
		}
		return -x
	}
	return x
}

// Whatever a scenario file gives as a kubernetes profile, reading it
// either fails with an error naming a parameter or yields a profile whose
// scores stay within 0..100.
func FuzzKubeParams(f *testing.F) {
	for _, s := range []string{
		"{scoring: most-allocated, weights: {cpu: 1, memory: 1, gpu: 3}}",
		"{scoring: requested-to-capacity-ratio, shape: [{utilization: 0, score: 10}, {utilization: 100, score: 0}]}",
		"{balanced: false, spread: true}",
		"{weights: {gpu: 100}, scoring: requested-to-capacity-ratio, shape: [{utilization: 50, score: 3}]}",
		"{shape: 3}", "{weights: [1]}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var p map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil {
			return
		}
		s, err := readKubeScoring(p)
		if err != nil {
			require.Contains(t, err.Error(), "parameter \"")
			return
		}
		v := nodeView{free: allocator.Res(3000, 4096, 0, 500), capacity: [3]int64{8000, 16384, 4000}, up: true}
		for _, req := range []allocator.Request{{}, {Res: allocator.Res(1000, 1024, 0, 500)}, {Res: allocator.Res(5000, 1, 0, 0)}} {
			sc := fitOf(&s, &v, req)
			require.True(t, sc >= 0 && sc <= 100, "%d", sc)
		}
	})
}
