package allocator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCluster builds: a0 CPU-only, a1 4×V100, a2 2×T4.
func testCluster(t *testing.T) *Cluster {
	t.Helper()
	c := NewCluster()
	for _, s := range []AgentSpec{
		{Name: "cpu", Capacity: Res(8000, 16384, 100, 0), Rack: "r1", Zone: "z1"},
		{Name: "v100", Capacity: Res(32000, 65536, 100, 4000), GPUModel: "V100", Rack: "r1", Zone: "z1"},
		{Name: "t4", Capacity: Res(16000, 32768, 100, 2000), GPUModel: "T4", Rack: "r2", Zone: "z1"},
	} {
		_, err := c.AddAgent(s)
		require.NoError(t, err)
	}
	return c
}

func models(t *testing.T, c *Cluster, names ...string) ModelSet {
	var s ModelSet
	for _, n := range names {
		id, ok := c.LookupModel(n)
		require.True(t, ok, n)
		s |= 1 << id
	}
	return s
}

func TestAddAgentInterning(t *testing.T) {
	c := testCluster(t)
	assert.Equal(t, 3, c.NumAgents())
	assert.Equal(t, []string{"V100", "T4"}, c.Models)
	assert.Equal(t, []string{"r1", "r2"}, c.Racks)
	assert.Equal(t, []string{"z1"}, c.Zones)
	assert.Equal(t, int32(4), c.Agent(1).NumGPUs)
	assert.Equal(t, []int32{1000, 1000}, c.GPUFree(2))
	assert.Empty(t, c.GPUFree(0))
	assert.Equal(t, Res(56000, 114688, 300, 6000), c.Total())
	assert.Equal(t, c.Total(), c.Free())
}

func TestAddAgentErrors(t *testing.T) {
	c := NewCluster()
	_, err := c.AddAgent(AgentSpec{Name: "neg", Capacity: Res(-1, 0, 0, 0)})
	assert.ErrorContains(t, err, "negative")
	_, err = c.AddAgent(AgentSpec{Name: "half", Capacity: Res(1, 1, 1, 1500), GPUModel: "X"})
	assert.ErrorContains(t, err, "not whole devices")
	_, err = c.AddAgent(AgentSpec{Name: "huge", Capacity: Res(1, 1, 1, 65000), GPUModel: "X"})
	assert.ErrorContains(t, err, "at most 64")
	assert.Equal(t, 0, c.NumAgents())
}

func TestRequestValidateAndKind(t *testing.T) {
	assert.NoError(t, Request{Res: Res(1, 1, 0, 500)}.Validate())
	assert.NoError(t, Request{Res: Res(1, 1, 0, 2000)}.Validate())
	assert.ErrorContains(t, Request{Res: Res(1, 1, 0, 1500)}.Validate(), "whole GPUs")
	assert.ErrorContains(t, Request{Res: Res(-1, 1, 0, 0)}.Validate(), "negative")
	tests := []struct {
		gpu   int64
		kind  int
		whole int
	}{{0, GPUKindNone, 0}, {1, GPUKindShare, 0}, {999, GPUKindShare, 0}, {1000, GPUKindWhole, 1},
		{2000, GPUKindWhole + 1, 2}, {8000, GPUKindWhole + 7, 8}, {16000, GPUKindWhole + 8, 16}}
	for _, tt := range tests {
		r := Request{Res: Res(0, 0, 0, tt.gpu)}
		assert.Equal(t, tt.kind, r.GPUKind(), tt.gpu)
		assert.Equal(t, tt.whole, r.WholeGPUs(), tt.gpu)
		assert.Less(t, r.GPUKind(), NumGPUKinds)
	}
}

func TestFits(t *testing.T) {
	c := testCluster(t)
	tests := []struct {
		name  string
		agent AgentID
		req   Request
		want  bool
	}{
		{"cpu task on cpu node", 0, Request{Res: Res(8000, 16384, 0, 0)}, true},
		{"too much cpu", 0, Request{Res: Res(8001, 1, 0, 0)}, false},
		{"gpu on cpu node", 0, Request{Res: Res(1, 1, 0, 500)}, false},
		{"share on v100", 1, Request{Res: Res(1, 1, 0, 500)}, true},
		{"4 whole on v100", 1, Request{Res: Res(1, 1, 0, 4000)}, true},
		{"5 whole on v100", 1, Request{Res: Res(1, 1, 0, 5000)}, false},
		{"model allowed", 2, Request{Res: Res(1, 1, 0, 1000), GPUModels: models(t, c, "T4")}, true},
		{"model excluded", 2, Request{Res: Res(1, 1, 0, 1000), GPUModels: models(t, c, "V100")}, false},
		{"model set of two", 1, Request{Res: Res(1, 1, 0, 300), GPUModels: models(t, c, "T4", "V100")}, true},
		{"model ignored without gpu", 0, Request{Res: Res(1, 1, 0, 0), GPUModels: models(t, c, "V100")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.Fits(tt.agent, tt.req))
		})
	}
	assert.False(t, c.FitsWithin(1, Request{Res: Res(1000, 1, 0, 0)}, Res(999, 100, 0, 0)))
	assert.True(t, c.FitsWithin(1, Request{Res: Res(1000, 1, 0, 0)}, Res(1000, 100, 0, 0)))
}

func TestFractionalSharing(t *testing.T) {
	c := testCluster(t)
	share := func(g int64) Request { return Request{Res: Res(100, 100, 0, g)} }
	// Fill device 0 with 600, then 300: best fit keeps choosing the fullest device that holds it.
	place := func(req Request) Placement {
		m, ok := c.PickDevices(1, req)
		require.True(t, ok)
		p := Placement{Agent: 1, Devices: m}
		c.Allocate(p, req)
		return p
	}
	p1 := place(share(600))
	assert.Equal(t, DeviceMask(1), p1.Devices)
	p2 := place(share(300))
	assert.Equal(t, DeviceMask(1), p2.Devices, "best fit: device 0 has 400 free, the least that holds 300")
	assert.Equal(t, []int32{100, 1000, 1000, 1000}, c.GPUFree(1))
	p3 := place(share(200))
	assert.Equal(t, DeviceMask(2), p3.Devices, "device 0 has only 100")
	assert.Equal(t, []int32{100, 800, 1000, 1000}, c.GPUFree(1))
	// Whole GPUs need fully free devices: only 2 remain.
	assert.True(t, c.Fits(1, Request{Res: Res(1, 1, 0, 2000)}))
	assert.False(t, c.Fits(1, Request{Res: Res(1, 1, 0, 3000)}))
	m, ok := c.PickDevices(1, Request{Res: Res(1, 1, 0, 2000)})
	require.True(t, ok)
	assert.Equal(t, DeviceMask(0b1100), m)
	_, ok = c.PickDevices(1, Request{Res: Res(1, 1, 0, 3000)})
	assert.False(t, ok)
	assert.Equal(t, Res(32000-300, 65536-300, 100, 4000-1100), c.Agent(1).Free)
	assert.Equal(t, int32(3), c.Agent(1).Tasks[GPUKindShare])
	// Release restores exactly.
	c.Release(p2, share(300))
	c.Release(p1, share(600))
	c.Release(p3, share(200))
	assert.Equal(t, []int32{1000, 1000, 1000, 1000}, c.GPUFree(1))
	assert.Equal(t, c.Agent(1).Capacity, c.Agent(1).Free)
	assert.Equal(t, c.Total(), c.Free())
	assert.Equal(t, int32(0), c.Agent(1).Tasks[GPUKindShare])
}

func TestWholeGPUs(t *testing.T) {
	c := testCluster(t)
	req := Request{Res: Res(1000, 1000, 0, 2000)}
	m, ok := c.PickDevices(1, req)
	require.True(t, ok)
	assert.Equal(t, DeviceMask(0b11), m)
	c.Allocate(Placement{Agent: 1, Devices: m}, req)
	m2, ok := c.PickDevices(1, req)
	require.True(t, ok)
	assert.Equal(t, DeviceMask(0b1100), m2)
	c.Allocate(Placement{Agent: 1, Devices: m2}, req)
	assert.False(t, c.Fits(1, Request{Res: Res(0, 0, 0, 1)}))
	assert.Equal(t, int32(2), c.Agent(1).Tasks[GPUKindWhole+1])
	assert.Equal(t, Res(56000-2000, 114688-2000, 300, 2000), c.Free())
	c.Release(Placement{Agent: 1, Devices: m}, req)
	assert.Equal(t, []int32{1000, 1000, 0, 0}, c.GPUFree(1))
}

func TestAllocateMisusePanicsWithoutChange(t *testing.T) {
	c := testCluster(t)
	share := Request{Res: Res(1, 1, 0, 700)}
	c.Allocate(Placement{Agent: 1, Devices: 1}, share)
	before := append([]int32(nil), c.GPUFree(1)...)
	free := c.Free()
	for name, f := range map[string]func(){
		"whole on a shared device":   func() { c.Allocate(Placement{Agent: 1, Devices: 0b11}, Request{Res: Res(1, 1, 0, 2000)}) },
		"share on two devices":       func() { c.Allocate(Placement{Agent: 1, Devices: 0b110}, share) },
		"share without a device":     func() { c.Allocate(Placement{Agent: 1}, share) },
		"device beyond the agent":    func() { c.Allocate(Placement{Agent: 2, Devices: 0b100}, share) },
		"too few devices for whole":  func() { c.Allocate(Placement{Agent: 1, Devices: 0b10}, Request{Res: Res(1, 1, 0, 2000)}) },
		"release more than was used": func() { c.Release(Placement{Agent: 1, Devices: 0b10}, share) },
		"share over a fuller device": func() { c.Allocate(Placement{Agent: 1, Devices: 1}, share) },
	} {
		assert.Panics(t, f, name)
		assert.Equal(t, before, c.GPUFree(1), name)
		assert.Equal(t, free, c.Free(), name)
	}
}

func TestUpDownTotals(t *testing.T) {
	c := testCluster(t)
	req := Request{Res: Res(1000, 1024, 0, 1000)}
	c.Allocate(Placement{Agent: 2, Devices: 1}, req)
	total, free := c.Total(), c.Free()
	c.SetUp(2, false)
	assert.False(t, c.Fits(2, Request{Res: Res(1, 1, 0, 0)}), "a down agent fits nothing")
	assert.Equal(t, total.Sub(c.Agent(2).Capacity), c.Total())
	assert.Equal(t, free.Sub(c.Agent(2).Free), c.Free())
	c.SetUp(2, false) // idempotent
	assert.Equal(t, total.Sub(c.Agent(2).Capacity), c.Total())
	// Releasing on a down agent changes the agent, not the up totals.
	c.Release(Placement{Agent: 2, Devices: 1}, req)
	assert.Equal(t, free.Sub(c.Agent(2).Capacity.Sub(req.Res)), c.Free())
	c.SetUp(2, true)
	assert.Equal(t, total, c.Total())
	assert.Equal(t, c.Total(), c.Free())
}

func TestWatchAndGen(t *testing.T) {
	c := NewCluster()
	var seen []AgentID
	c.Watch(func(id AgentID) { seen = append(seen, id) })
	a, err := c.AddAgent(AgentSpec{Name: "a", Capacity: Res(1000, 1000, 0, 1000), GPUModel: "X"})
	require.NoError(t, err)
	b, err := c.AddAgent(AgentSpec{Name: "b", Capacity: Res(1000, 1000, 0, 0)})
	require.NoError(t, err)
	g := c.Gen(a)
	req := Request{Res: Res(1, 1, 0, 500)}
	c.Allocate(Placement{Agent: a, Devices: 1}, req)
	c.Release(Placement{Agent: a, Devices: 1}, req)
	c.SetUp(b, false)
	c.SetUp(b, false) // no change, no notification
	c.SetUp(b, true)
	assert.Equal(t, []AgentID{a, b, a, a, b, b}, seen)
	assert.Equal(t, g+2, c.Gen(a))
}

func TestModelInterning(t *testing.T) {
	c := NewCluster()
	for i := range 32 {
		_, err := c.ModelID(string(rune('A'+i%26)) + string(rune('a'+i/26)))
		require.NoError(t, err)
	}
	_, err := c.ModelID("one too many")
	assert.ErrorContains(t, err, `GPU model "one too many": a cluster knows at most 32 models`)
	id, err := c.ModelID("Aa")
	require.NoError(t, err)
	assert.Equal(t, ModelID(0), id)
	assert.True(t, ModelSet(0).Allows(31))
	assert.False(t, ModelSet(1).Allows(1))
}

func TestClone(t *testing.T) {
	c := testCluster(t)
	c.Allocate(Placement{Agent: 1, Devices: 1}, Request{Res: Res(1, 1, 0, 400)})
	calls := 0
	c.Watch(func(AgentID) { calls++ })
	d := c.Clone()
	assert.Equal(t, c.GPUFree(1), d.GPUFree(1))
	assert.Equal(t, c.Free(), d.Free())
	d.Allocate(Placement{Agent: 1, Devices: 2}, Request{Res: Res(1, 1, 0, 1000)})
	assert.Equal(t, []int32{600, 1000, 1000, 1000}, c.GPUFree(1), "the original is untouched")
	assert.Equal(t, []int32{600, 0, 1000, 1000}, d.GPUFree(1))
	assert.Equal(t, 0, calls, "watchers are not copied")
	_, err := d.ModelID("A10")
	require.NoError(t, err)
	_, ok := c.LookupModel("A10")
	assert.False(t, ok)
}
