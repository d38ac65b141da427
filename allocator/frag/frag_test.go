package frag

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

func req(cpu, mem, gpu int64, models allocator.ModelSet) allocator.Request {
	return allocator.Request{Res: allocator.Res(cpu, mem, 0, gpu), GPUModels: models}
}

// bruteFrag is the paper's definition written out per typical shape, in milli-GPU.
func bruteFrag(shapes []allocator.TaskShape, n Node) float64 {
	var idle int64
	for _, f := range n.GPUFree {
		idle += int64(f)
	}
	var total float64
	for _, s := range shapes {
		milli, k := perDevice(s.Req)
		lost := idle
		if k > 0 && s.Req.GPUModels.Allows(n.Model) && n.CPU >= s.Req.Res[allocator.CPU] && n.Mem >= s.Req.Res[allocator.Mem] {
			fits := int64(0)
			for _, f := range n.GPUFree {
				if int64(f) >= milli {
					fits++
				}
			}
			if fits >= k {
				lost = 0
				for _, f := range n.GPUFree {
					if int64(f) < milli {
						lost += int64(f)
					}
				}
			}
		}
		total += s.Freq * float64(lost)
	}
	return total
}

func TestFragMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := []allocator.TaskShape{
		{Req: req(2000, 0, 0, 0), Freq: 0.15},
		{Req: req(4000, 0, 500, 0), Freq: 0.2},
		{Req: req(6000, 0, 250, 0), Freq: 0.1},
		{Req: req(8000, 0, 1000, 0), Freq: 0.25},
		{Req: req(16000, 0, 2000, 0), Freq: 0.1},
		{Req: req(32000, 0, 8000, 0), Freq: 0.1},
		{Req: req(4000, 1000, 500, 0b10), Freq: 0.1},
	}
	m := NewModel(shapes)
	below := make([]int64, m.NumThresholds())
	for range 5000 {
		devs := make([]int32, rng.IntN(9))
		for i := range devs {
			devs[i] = []int32{0, 100, 250, 400, 500, 750, 1000, 1000}[rng.IntN(8)]
		}
		n := Node{Model: allocator.ModelID(rng.IntN(3)), CPU: int64(rng.IntN(40000)), Mem: int64(rng.IntN(2000)), GPUFree: devs}
		got := float64(m.Frag(n, below)) / float64(m.TotalWeight())
		require.InDelta(t, bruteFrag(shapes, n), got, 1e-3, "%+v", n)
	}
}

func TestFragHandExamples(t *testing.T) {
	half := []allocator.TaskShape{{Req: req(1000, 0, 500, 0), Freq: 1}}
	m := NewModel(half)
	below := make([]int64, m.NumThresholds())
	tests := []struct {
		name string
		n    Node
		want int64 // milli-GPU
	}{
		{"fresh GPUs: no fragment", Node{CPU: 8000, GPUFree: []int32{1000, 1000}}, 0},
		{"a 300 slice is too small", Node{CPU: 8000, GPUFree: []int32{300, 1000}}, 300},
		{"no CPU left: all idle is fragment", Node{CPU: 500, GPUFree: []int32{300, 1000}}, 1300},
		{"no GPU left: nothing idle", Node{CPU: 8000, GPUFree: []int32{0, 0}}, 0},
		{"no devices", Node{CPU: 8000}, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want*WeightScale, m.Frag(tt.n, below), tt.name)
	}
	// A task without GPU can use no idle GPU; a model it excludes neither.
	m2 := NewModel([]allocator.TaskShape{{Req: req(1000, 0, 0, 0), Freq: 0.5}, {Req: req(1000, 0, 1000, 0b1), Freq: 0.5}})
	assert.Equal(t, int64(2000*WeightScale/2), m2.Frag(Node{Model: 0, CPU: 8000, GPUFree: []int32{1000, 1000}}, nil), "model 0 allowed")
	assert.Equal(t, int64(2000*WeightScale), m2.Frag(Node{Model: 1, CPU: 8000, GPUFree: []int32{1000, 1000}}, nil), "model 1 excluded")
}

func TestTypicalShapes(t *testing.T) {
	var reqs []allocator.Request
	add := func(n int, r allocator.Request) {
		for range n {
			reqs = append(reqs, r)
		}
	}
	add(50, req(1000, 100, 500, 0))
	add(30, req(1000, 999, 500, 0)) // same shape: memory is not part of it
	add(15, req(2000, 0, 1000, 0))
	add(3, req(4000, 0, 0, 0b1)) // a model set without GPU means nothing
	add(1, req(4000, 0, 0, 0))
	add(1, req(8000, 0, 8000, 0))
	got := TypicalShapes(reqs, 0.95)
	require.Len(t, got, 2, "80 + 15 = 95 of 100 tasks")
	assert.Equal(t, req(1000, 0, 500, 0), got[0].Req)
	assert.InDelta(t, 80.0/95, got[0].Freq, 1e-12)
	assert.InDelta(t, 15.0/95, got[1].Freq, 1e-12)
	got = TypicalShapes(reqs, 1)
	require.Len(t, got, 4)
	assert.Equal(t, req(4000, 0, 0, 0), got[2].Req)
	assert.Equal(t, req(8000, 0, 8000, 0), got[3].Req, "ties: the larger shape first")
}

func TestTrackerFollowsCluster(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := allocator.NewCluster()
	for i := range 20 {
		_, err := c.AddAgent(allocator.AgentSpec{Name: string(rune('a' + i)), Capacity: allocator.Res(32000, 1<<20, 0, int64(1+i%8)*1000), GPUModel: []string{"A", "B"}[i%2]})
		require.NoError(t, err)
	}
	shapes := []allocator.TaskShape{{Req: req(1000, 0, 0, 0), Freq: 0.2}, {Req: req(4000, 0, 500, 0), Freq: 0.5}, {Req: req(8000, 0, 2000, 0), Freq: 0.3}}
	m := NewModel(shapes)
	tr := NewTracker(c, m)
	type live struct {
		p allocator.Placement
		r allocator.Request
	}
	var running []live
	for range 2000 {
		if len(running) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(running))
			c.Release(running[i].p, running[i].r)
			running = append(running[:i], running[i+1:]...)
		} else {
			r := req(int64(rng.IntN(8000)), 0, []int64{0, 300, 500, 1000, 2000}[rng.IntN(5)], 0)
			id := allocator.AgentID(rng.IntN(c.NumAgents()))
			if d, ok := c.PickDevices(id, r); ok && c.Fits(id, r) {
				p := allocator.Placement{Agent: id, Devices: d}
				c.Allocate(p, r)
				running = append(running, live{p, r})
			}
		}
		var want float64
		for i := range c.NumAgents() {
			want += bruteFrag(shapes, NodeOf(c, allocator.AgentID(i)))
		}
		require.InDelta(t, want, tr.FragMilli(), 1e-3)
	}
	st := tr.Stats()
	assert.Equal(t, c.Total()[allocator.GPU], st.TotalMilli)
	assert.InDelta(t, 100*float64(st.TotalMilli-st.IdleMilli)/float64(st.TotalMilli), st.AllocPct(), 1e-9)
	assert.InDelta(t, 100*st.FragMilli/float64(st.IdleMilli), st.FragPctIdle(), 1e-9)
}

// BenchmarkFrag is one node's fragment for a 35-shape mix on an 8-GPU node
// (the FGD placer's inner step).
func BenchmarkFrag(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	var shapes []allocator.TaskShape
	for i := range 35 {
		g := []int64{0, 230, 460, 500, 810, 1000, 1000, 2000, 8000}[i%9]
		shapes = append(shapes, allocator.TaskShape{Req: req(int64(1000+rng.IntN(16000)), 0, g, 0), Freq: 1.0 / 35})
	}
	m := NewModel(shapes)
	below := make([]int64, m.NumThresholds())
	n := Node{CPU: 40000, Mem: 1 << 20, GPUFree: []int32{1000, 540, 190, 1000, 0, 1000, 810, 1000}}
	b.ResetTimer()
	var s int64
	for range b.N {
		s += m.Frag(n, below)
	}
	_ = s
}
