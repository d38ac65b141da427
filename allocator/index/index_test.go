package index

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/require"
)

func testCluster(t testing.TB, cpuNodes, gpuNodes int) *allocator.Cluster {
	return testClusterModels(t, cpuNodes, gpuNodes, "V100")
}

// testClusterModels adds GPU nodes with the given models in turn.
func testClusterModels(t testing.TB, cpuNodes, gpuNodes int, models ...string) *allocator.Cluster {
	c := allocator.NewCluster()
	for i := range cpuNodes {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("c", i), Capacity: allocator.Res(32000, 131072, 1<<20, 0), Rack: fmt.Sprint(i / 5)})
		require.NoError(t, err)
	}
	for i := range gpuNodes {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("g", i), Capacity: allocator.Res(64000, 524288, 2<<20, 8000), GPUModel: models[i%len(models)]})
		require.NoError(t, err)
	}
	return c
}

func linearFirstFit(c *allocator.Cluster, req allocator.Request) (allocator.AgentID, bool) {
	for i := range c.NumAgents() {
		if c.Fits(allocator.AgentID(i), req) {
			return allocator.AgentID(i), true
		}
	}
	return 0, false
}

// TestFirstFitMatchesScan drives random allocations, releases and agent
// failures and checks the index answer against a linear scan every step.
func TestFirstFitMatchesScan(t *testing.T) {
	c := testClusterModels(t, 200, 40, "V100", "T4", "A100")
	x := New(c)
	v100, _ := c.LookupModel("V100")
	a100, _ := c.LookupModel("A100")
	rnd := rand.New(rand.NewPCG(1, 2))
	type held struct {
		p   allocator.Placement
		req allocator.Request
	}
	var live []held
	shapes := []allocator.Request{
		{Res: allocator.Res(1000, 2048, 0, 0)},
		{Res: allocator.Res(8000, 32768, 1024, 0)},
		{Res: allocator.Res(30000, 1000, 0, 0)},
		{Res: allocator.Res(4000, 16384, 0, 500)},
		{Res: allocator.Res(8000, 65536, 0, 4000)},
		{Res: allocator.Res(16000, 65536, 0, 8000)},
		{Res: allocator.Res(4000, 16384, 0, 1000), GPUModels: 1 << a100},
		{Res: allocator.Res(2000, 8192, 0, 250), GPUModels: 1<<v100 | 1<<a100},
		{Res: allocator.Res(8000, 32768, 0, 2000), GPUModels: 1 << v100},
	}
	for step := range 20000 {
		switch r := rnd.IntN(10); {
		case r < 6:
			req := shapes[rnd.IntN(len(shapes))]
			want, wok := linearFirstFit(c, req)
			got, ok := x.FirstFit(req)
			require.Equal(t, wok, ok, "step %d", step)
			if ok {
				require.Equal(t, want, got, "step %d", step)
				d, dok := c.PickDevices(got, req)
				require.True(t, dok)
				p := allocator.Placement{Agent: got, Devices: d}
				c.Allocate(p, req)
				live = append(live, held{p, req})
			}
		case r < 9 && len(live) > 0:
			i := rnd.IntN(len(live))
			c.Release(live[i].p, live[i].req)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
		default:
			a := allocator.AgentID(rnd.IntN(c.NumAgents()))
			c.SetUp(a, !c.Agent(a).Up)
		}
	}
	// Agents added after the index was built are found too.
	full := allocator.Request{Res: allocator.Res(200000, 1, 0, 0)}
	_, ok := x.FirstFit(full)
	require.False(t, ok)
	id, err := c.AddAgent(allocator.AgentSpec{Name: "big", Capacity: allocator.Res(256000, 1024, 0, 0)})
	require.NoError(t, err)
	got, ok := x.FirstFit(full)
	require.True(t, ok)
	require.Equal(t, id, got)
}

// TestAmountsBeyond32Bits: summaries keep amounts in 32 bits, saturated;
// agents and requests beyond that are still placed exactly, and room that
// grows on a saturated agent is not missed by a remembered failure.
func TestAmountsBeyond32Bits(t *testing.T) {
	const gi = int64(1) << 30
	c := allocator.NewCluster()
	for i, mem := range []int64{1 << 20, 8 * gi, 4*gi + 5, 3 * gi} {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("a", i), Capacity: allocator.Res(6*gi, mem, 0, 0)})
		require.NoError(t, err)
	}
	x := New(c)
	big := allocator.Request{Res: allocator.Res(1000, 4*gi+10, 0, 0)}
	id, ok := x.FirstFit(big)
	require.True(t, ok)
	require.Equal(t, allocator.AgentID(1), id)
	p := allocator.Placement{Agent: id}
	c.Allocate(p, big)
	_, ok = x.FirstFit(big) // agent 1 keeps 4Gi-10: fits nowhere, remembered
	require.False(t, ok)
	c.Release(p, big) // agent 1's summary stays saturated, but it grew
	id, ok = x.FirstFit(big)
	require.True(t, ok, "growth on a saturated agent missed")
	require.Equal(t, allocator.AgentID(1), id)

	rnd := rand.New(rand.NewPCG(3, 4))
	var live []allocator.Placement
	var reqs []allocator.Request
	for step := range 3000 {
		if len(live) > 0 && rnd.IntN(3) == 0 {
			i := rnd.IntN(len(live))
			c.Release(live[i], reqs[i])
			live[i], reqs[i] = live[len(live)-1], reqs[len(reqs)-1]
			live, reqs = live[:len(live)-1], reqs[:len(reqs)-1]
			continue
		}
		req := allocator.Request{Res: allocator.Res(rnd.Int64N(3*gi), rnd.Int64N(5*gi), 0, 0)}
		want, wok := linearFirstFit(c, req)
		got, ok := x.FirstFit(req)
		require.Equal(t, wok, ok, "step %d", step)
		if ok {
			require.Equal(t, want, got, "step %d", step)
			live, reqs = append(live, allocator.Placement{Agent: got}), append(reqs, req)
			c.Allocate(live[len(live)-1], req)
		}
	}
}

func TestEmptyCluster(t *testing.T) {
	x := New(allocator.NewCluster())
	_, ok := x.FirstFit(allocator.Request{Res: allocator.Res(1, 1, 0, 0)})
	require.False(t, ok)
	require.False(t, x.Admits(allocator.Request{}))
}

// BenchmarkFirstFit33k places and releases on a 33,000-node cluster that is
// 90% full at the front, the shape of a busy first-fit cluster.
func BenchmarkFirstFit33k(b *testing.B) {
	c := testCluster(b, 30000, 3000)
	x := New(c)
	small := allocator.Request{Res: allocator.Res(2000, 4096, 0, 0)}
	for {
		id, ok := x.FirstFit(small)
		if !ok || id > 27000 {
			break
		}
		c.Allocate(allocator.Placement{Agent: id}, small)
	}
	req := allocator.Request{Res: allocator.Res(4000, 8192, 0, 0)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		id, ok := x.FirstFit(req)
		if !ok {
			b.Fatal("no fit")
		}
		p := allocator.Placement{Agent: id}
		c.Allocate(p, req)
		c.Release(p, req)
	}
}

// BenchmarkFirstFitHostLimit33k places the tasks of one 4,000-task job
// with a host limit of 1 in turn: first fit puts each past its siblings,
// so the search passes the job's agents (one array read each).
func BenchmarkFirstFitHostLimit33k(b *testing.B) {
	b.Run("host", func(b *testing.B) {
		limitedJob(b, allocator.Request{Res: allocator.Res(2000, 4096, 0, 0), Group: 1, HostLimit: 1})
	})
	b.Run("rack", func(b *testing.B) { // racks of five agents, two of the job's tasks each
		limitedJob(b, allocator.Request{Res: allocator.Res(2000, 4096, 0, 0), Group: 1, RackLimit: 2})
	})
}

func limitedJob(b *testing.B, req allocator.Request) {
	c := testCluster(b, 30000, 3000)
	x := New(c)
	placed := make([]allocator.AgentID, 0, 4000)
	b.ReportAllocs()
	for b.Loop() {
		if len(placed) == cap(placed) {
			for _, id := range placed {
				c.Release(allocator.Placement{Agent: id}, req)
			}
			placed = placed[:0]
		}
		id, ok := x.FirstFit(req)
		if !ok {
			b.Fatal("no fit")
		}
		c.Allocate(allocator.Placement{Agent: id}, req)
		placed = append(placed, id)
	}
}

// TestFirstFitHonoursHostLimits: a job at its host limit everywhere fails,
// and that failure is not remembered against another job's request of the
// same shape; random steps with limited jobs match a linear scan.
func TestFirstFitHonoursHostLimits(t *testing.T) {
	c := testCluster(t, 30, 0)
	x := New(c)
	job := func(g int64, limit int16) allocator.Request {
		return allocator.Request{Res: allocator.Res(1000, 1024, 0, 0), Group: g, HostLimit: limit}
	}
	for i := range 30 {
		id, ok := x.FirstFit(job(1, 1))
		require.True(t, ok)
		require.Equal(t, allocator.AgentID(i), id, "one task of job 1 per agent")
		c.Allocate(allocator.Placement{Agent: id}, job(1, 1))
	}
	_, ok := x.FirstFit(job(1, 1))
	require.False(t, ok, "job 1 is at its limit everywhere")
	for _, other := range []allocator.Request{job(2, 1), job(0, 0), job(1, 2)} {
		id, ok := x.FirstFit(other)
		require.True(t, ok, "%+v", other)
		require.Equal(t, allocator.AgentID(0), id)
	}

	// A job of tasks that take nothing: a release changes no agent's room,
	// only the job's count, and the remembered failure must not hide it.
	free := job(9, 1)
	free.Res = allocator.Resources{}
	for i := range 30 {
		c.Allocate(allocator.Placement{Agent: allocator.AgentID(i)}, free)
	}
	_, ok = x.FirstFit(free)
	require.False(t, ok)
	c.Release(allocator.Placement{Agent: 7}, free)
	id, ok := x.FirstFit(free)
	require.True(t, ok, "a task of job 9 left agent 7")
	require.Equal(t, allocator.AgentID(7), id)

	rnd := rand.New(rand.NewPCG(3, 4))
	type held struct {
		p   allocator.Placement
		req allocator.Request
	}
	var live []held
	cur := job(1, 1)
	for step := range 20000 {
		switch rnd.IntN(1000) {
		case 0: // agents join, into the tree's padding and past it
			_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("n", step), Rack: fmt.Sprint(rnd.IntN(8)), Capacity: allocator.Res(32000, 131072, 1<<20, 0)})
			require.NoError(t, err)
		case 1, 2:
			a := allocator.AgentID(rnd.IntN(c.NumAgents()))
			c.SetUp(a, !c.Agent(a).Up)
		}
		if rnd.IntN(10) < 4 && len(live) > 0 {
			i := rnd.IntN(len(live))
			c.Release(live[i].p, live[i].req)
			live[i] = live[len(live)-1]
			live = live[:len(live)-1]
			continue
		}
		if rnd.IntN(4) == 0 { // runs of one job's tasks, as a queue holds them
			cur = job(int64(rnd.IntN(4)), int16(rnd.IntN(4)))
			cur.RackLimit = uint8(rnd.IntN(4)) * uint8(rnd.IntN(2)) // racks of five agents
		}
		req := cur
		req.Res = allocator.Res(int64(1+rnd.IntN(8))*1000, int64(1+rnd.IntN(8))*4096, 0, 0)
		want, wok := linearFirstFit(c, req)
		got, ok := x.FirstFit(req)
		require.Equal(t, wok, ok, "step %d: %+v", step, req)
		if ok {
			require.Equal(t, want, got, "step %d", step)
			p := allocator.Placement{Agent: got}
			c.Allocate(p, req)
			live = append(live, held{p, req})
		}
	}
}
