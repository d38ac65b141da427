package allocator

import (
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
	req := func(g int64) Request { return Request{Res: Res(1000, 1024, 0, 0), Group: g} }
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
