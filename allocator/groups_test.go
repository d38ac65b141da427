package allocator

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Grouped allocations are counted per agent and per zone, released ones
// uncounted, and a clone counts on its own.
func TestGroupCounts(t *testing.T) {
	c := NewCluster()
	var ids []AgentID
	for _, z := range []string{"z1", "z1", "z2", ""} {
		id, err := c.AddAgent(AgentSpec{Name: "a" + string(rune('0'+len(ids))), Zone: z, Capacity: Res(8000, 8192, 0, 0)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	req := func(g int64) Request { return Request{Res: Res(1000, 1024, 0, 0), Group: g, Replica: true} }
	c.Allocate(Placement{Agent: ids[0]}, req(5))
	c.Allocate(Placement{Agent: ids[0]}, req(5))
	c.Allocate(Placement{Agent: ids[1]}, req(5))
	c.Allocate(Placement{Agent: ids[2]}, req(6))
	c.Allocate(Placement{Agent: ids[3]}, req(0)) // not grouped
	z1, z2 := c.Agent(ids[0]).Zone, c.Agent(ids[2]).Zone
	assert.EqualValues(t, 2, c.GroupOn(ids[0], 5))
	assert.EqualValues(t, 1, c.GroupOn(ids[1], 5))
	assert.EqualValues(t, 0, c.GroupOn(ids[2], 5))
	assert.EqualValues(t, 3, c.GroupInZone(z1, 5))
	assert.EqualValues(t, 1, c.GroupInZone(z2, 6))
	assert.EqualValues(t, 0, c.GroupInZone(z2, 5))
	tasks, sharing := c.Replicas()
	assert.EqualValues(t, 4, tasks)
	assert.EqualValues(t, 1, sharing, "group 5's second task on agent 0")
	c.Allocate(Placement{Agent: ids[0]}, req(5))
	c.Allocate(Placement{Agent: ids[2]}, req(6))
	tasks, sharing = c.Replicas()
	assert.EqualValues(t, 6, tasks)
	assert.EqualValues(t, 3, sharing)
	c.Release(Placement{Agent: ids[0]}, req(5))
	c.Release(Placement{Agent: ids[2]}, req(6))

	assert.Panics(t, func() { c.EachGroupAgent(5, func(AgentID, int32) {}) }, "untracked")
	c.TrackGroupAgents() // built from the counts so far
	on := map[AgentID]int32{}
	c.EachGroupAgent(5, func(id AgentID, n int32) { on[id] = n })
	assert.Equal(t, map[AgentID]int32{ids[0]: 2, ids[1]: 1}, on)
	d := c.Clone()
	c.Release(Placement{Agent: ids[0]}, req(5))
	c.Release(Placement{Agent: ids[1]}, req(5))
	clear(on)
	c.EachGroupAgent(5, func(id AgentID, n int32) { on[id] = n })
	assert.Equal(t, map[AgentID]int32{ids[0]: 1}, on, "the index follows releases")
	assert.EqualValues(t, 1, c.GroupOn(ids[0], 5))
	assert.EqualValues(t, 1, c.GroupInZone(z1, 5))
	assert.EqualValues(t, 2, d.GroupOn(ids[0], 5), "the clone keeps its counts")
	assert.EqualValues(t, 3, d.GroupInZone(z1, 5))
	c.Release(Placement{Agent: ids[0]}, req(5))
	c.Release(Placement{Agent: ids[2]}, req(6))
	assert.Empty(t, c.groups.onAgent, "counts follow running tasks")
	assert.Empty(t, c.groups.inZone)
	assert.Empty(t, c.groups.byGroup)
	d.EachGroupAgent(5, func(id AgentID, n int32) { on[id] = -n })
	assert.Equal(t, map[AgentID]int32{ids[0]: -2, ids[1]: -1}, on, "the clone keeps its index")
	tasks, sharing = c.Replicas()
	assert.Zero(t, tasks)
	assert.Zero(t, sharing)
	tasks, sharing = d.Replicas()
	assert.EqualValues(t, 4, tasks)
	assert.EqualValues(t, 1, sharing)
}

// A host limit counts every task of the job on the agent, replicas or not;
// Shape drops it, and Fits on the shape ignores it.
func TestHostLimit(t *testing.T) {
	c := NewCluster()
	a, err := c.AddAgent(AgentSpec{Name: "a", Capacity: Res(8000, 8192, 0, 0)})
	require.NoError(t, err)
	batch := Request{Res: Res(1000, 1024, 0, 0), Group: 3, HostLimit: 2}
	replica := Request{Res: Res(1000, 1024, 0, 0), Group: 3, Replica: true}
	require.True(t, c.Fits(a, batch))
	c.Allocate(Placement{Agent: a}, batch)
	c.Allocate(Placement{Agent: a}, replica)
	assert.True(t, c.AtLimit(a, batch))
	assert.False(t, c.Fits(a, batch), "two of job 3's tasks run there")
	assert.True(t, c.Fits(a, batch.Shape()))
	assert.Equal(t, Request{Res: batch.Res}, batch.Shape())
	other := batch
	other.Group = 4
	assert.True(t, c.Fits(a, other), "another job's limit counts its own tasks")
	noGroup := batch
	noGroup.Group = 0
	assert.False(t, noGroup.Limited(), "a limit without a group has nothing to count")
	assert.True(t, c.Fits(a, noGroup))
	c.Release(Placement{Agent: a}, replica)
	assert.True(t, c.Fits(a, batch))
	assert.ErrorContains(t, Request{HostLimit: -1}.Validate(), "negative host limit")
}

// roomyCluster has n agents with room for any test's tasks, three to a
// rack.
func roomyCluster(t *testing.T, n int) *Cluster {
	c := NewCluster()
	for i := range n {
		_, err := c.AddAgent(AgentSpec{Name: string(rune('a' + i)), Rack: string(rune('A' + i/3)), Capacity: Res(1<<30, 1<<30, 0, 0)})
		require.NoError(t, err)
	}
	return c
}

// A rack limit counts the job's tasks on every agent of the rack, counted
// from the tasks already running when the first rack limit asks.
func TestRackLimit(t *testing.T) {
	c := roomyCluster(t, 6) // racks A (agents 0-2) and B (3-5)
	task := Request{Res: Res(1, 1, 0, 0), Group: 4}
	c.Allocate(Placement{Agent: 0}, task)
	c.Allocate(Placement{Agent: 1}, task)
	c.Allocate(Placement{Agent: 4}, task)
	limited := task
	limited.RackLimit = 2
	for id, want := range []bool{false, false, false, true, true, true} {
		assert.Equal(t, want, c.Fits(AgentID(id), limited), "agent %d", id)
	}
	assert.EqualValues(t, 2, c.GroupInRack(0, 4))
	c.Allocate(Placement{Agent: 5}, task)
	assert.False(t, c.Fits(3, limited), "rack B holds two now")
	c.Release(Placement{Agent: 0}, task)
	assert.True(t, c.Fits(2, limited), "rack A holds one")
	both := limited
	both.HostLimit = 1
	assert.False(t, c.Fits(1, both), "agent 1 holds one of the job's")
	assert.True(t, c.Fits(0, both))
	var m LimitMask
	m.Mark(c, both)
	for id, want := range []bool{false, true, false, true, true, true} {
		assert.Equal(t, want, m.Blocked(AgentID(id)), "agent %d", id)
	}
	assert.True(t, both.HasLimits() && both.Limited())
	assert.False(t, Request{RackLimit: 1}.Limited(), "no group to count in")
}

// live is a task a test allocated.
type live struct {
	agent AgentID
	req   Request
}

// The replica counters, kept as tasks come and go, equal a count from
// scratch, also when a job mixes replicas and other tasks on an agent.
func TestReplicaCountsMixedJobs(t *testing.T) {
	c := roomyCluster(t, 5)
	var running []live
	rng := rand.New(rand.NewPCG(5, 6))
	for step := range 5000 {
		if len(running) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(running))
			c.Release(Placement{Agent: running[i].agent}, running[i].req)
			running = append(running[:i], running[i+1:]...)
		} else {
			l := live{AgentID(rng.IntN(5)), Request{Res: Res(1, 1, 0, 0), Group: int64(1 + rng.IntN(3)), Replica: rng.IntN(2) == 0}}
			c.Allocate(Placement{Agent: l.agent}, l.req)
			running = append(running, l)
		}
		// From scratch: per agent and job, the replicas beyond the first task.
		type at struct {
			a AgentID
			g int64
		}
		seen := map[at]bool{}
		var tasks, sharing int64
		for _, l := range running {
			if !l.req.Replica {
				seen[at{l.agent, l.req.Group}] = true
			}
		}
		for _, l := range running {
			if !l.req.Replica {
				continue
			}
			tasks++
			if k := (at{l.agent, l.req.Group}); seen[k] {
				sharing++
			} else {
				seen[k] = true
			}
		}
		gotTasks, gotSharing := c.Replicas()
		require.Equal(t, tasks, gotTasks, "step %d", step)
		require.Equal(t, sharing, gotSharing, "step %d", step)
	}
}

// The mask agrees with the counts after every change, whether it caught up
// on the job's changes or was rebuilt (another job, a limit changed, too
// many changes between two marks).
func TestLimitMask(t *testing.T) {
	c := roomyCluster(t, 12)
	var running []live
	var m LimitMask
	req := Request{Group: 1, HostLimit: 1}
	rng := rand.New(rand.NewPCG(7, 8))
	for step := range 20000 {
		for range []int{1, 1, 1, 300}[rng.IntN(4)] { // now and then more changes than the mask can catch up on
			if len(running) > 0 && rng.IntN(2) == 0 {
				i := rng.IntN(len(running))
				c.Release(Placement{Agent: running[i].agent}, running[i].req)
				running[i] = running[len(running)-1]
				running = running[:len(running)-1]
				continue
			}
			l := live{AgentID(rng.IntN(c.NumAgents())), Request{Res: Res(1, 1, 0, 0), Group: int64(1 + rng.IntN(3))}}
			c.Allocate(Placement{Agent: l.agent}, l.req)
			running = append(running, l)
		}
		if rng.IntN(100) == 0 {
			_, err := c.AddAgent(AgentSpec{Name: "n" + string(rune('a'+step%26)) + string(rune('a'+step/26%26)) + string(rune('a'+step/676%26)),
				Rack: string(rune('A' + rng.IntN(6))), Capacity: Res(1<<30, 1<<30, 0, 0)})
			require.NoError(t, err)
		}
		if rng.IntN(4) == 0 { // else the same job again: the mask catches up
			req = Request{Group: 1, HostLimit: 1 + int16(rng.IntN(3))/2}
			if rng.IntN(5) == 0 {
				req.Group = int64(1 + rng.IntN(3))
			}
			if rng.IntN(3) == 0 { // a rack limit, alone or with the host limit
				req.RackLimit = uint8(1 + rng.IntN(4))
				if rng.IntN(2) == 0 {
					req.HostLimit = 0
				}
			}
		}
		m.Mark(c, req)
		for id := range c.NumAgents() {
			require.Equal(t, c.AtLimit(AgentID(id), req), m.Blocked(AgentID(id)), "step %d agent %d", step, id)
		}
		if step%10 == 0 { // Each visits the blocked agents once each
			seen := map[AgentID]int{}
			m.Each(func(id AgentID) { seen[id]++ })
			for id := range c.NumAgents() {
				want := 0
				if m.Blocked(AgentID(id)) {
					want = 1
				}
				require.Equal(t, want, seen[AgentID(id)], "step %d agent %d", step, id)
			}
		}
	}
	m.Mark(c, Request{Group: 1})
	for id := range c.NumAgents() {
		require.False(t, m.Blocked(AgentID(id)), "a request without a limit is blocked nowhere")
	}
}
