package allocator

import "maps"

// groupCounts counts the tasks of each group (Request.Group) per agent and
// per zone: what a policy spreading a service's replicas, as
// kube-scheduler's PodTopologySpread does, asks of the candidate nodes.
// Only grouped tasks (services) touch it.
type groupCounts map[int64]*groupPlaces

type groupPlaces struct {
	onAgent map[AgentID]int32
	inZone  map[int32]int32
}

func (g *groupCounts) add(agent AgentID, zone int32, group int64, d int32) {
	if *g == nil {
		*g = groupCounts{}
	}
	p := (*g)[group]
	if p == nil {
		p = &groupPlaces{onAgent: map[AgentID]int32{}, inZone: map[int32]int32{}}
		(*g)[group] = p
	}
	bump(p.onAgent, agent, d)
	bump(p.inZone, zone, d)
	if len(p.onAgent) == 0 {
		delete(*g, group) // the maps follow the running tasks, not every group ever seen
	}
}

func bump[K comparable](m map[K]int32, k K, d int32) {
	if n := m[k] + d; n > 0 {
		m[k] = n
	} else {
		delete(m, k)
	}
}

func (g groupCounts) clone() groupCounts {
	if g == nil {
		return nil
	}
	d := make(groupCounts, len(g))
	for k, p := range g {
		d[k] = &groupPlaces{onAgent: maps.Clone(p.onAgent), inZone: maps.Clone(p.inZone)}
	}
	return d
}

// GroupOn is the number of group's tasks allocated on agent id.
func (c *Cluster) GroupOn(id AgentID, group int64) int32 {
	if p := c.groups[group]; p != nil {
		return p.onAgent[id]
	}
	return 0
}

// GroupInZone is the number of group's tasks allocated in zone (an index
// into Zones).
func (c *Cluster) GroupInZone(zone int32, group int64) int32 {
	if p := c.groups[group]; p != nil {
		return p.inZone[zone]
	}
	return 0
}

// EachGroupAgent calls fn for every agent holding tasks of group, with
// their number, in no particular order: a service has few replicas, and
// this visits only their agents.
func (c *Cluster) EachGroupAgent(group int64, fn func(AgentID, int32)) {
	if p := c.groups[group]; p != nil {
		for id, n := range p.onAgent {
			fn(id, n)
		}
	}
}
