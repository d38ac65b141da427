package allocator

import (
	"maps"
	"slices"
)

// groupCounts counts the tasks of each group (Request.Group) per agent and
// per zone (and per rack once a rack limit asks): what a policy spreading a
// service's replicas, as kube-scheduler's PodTopologySpread does, asks of
// the candidate nodes, what host and rack limits are checked against, and
// what the reports count of replicas sharing a node. Only grouped tasks
// touch it. The counts live in flat maps (no allocation per group); a
// per-group index of agents, which spreading and limits read, is kept only
// once one asks for it (TrackGroupAgents).
type groupCounts struct {
	onAgent map[groupAt]onAgent
	inZone  map[groupAt]int32
	inRack  map[groupAt]int32           // nil until a rack limit asks (Cluster.GroupInRack)
	byGroup map[int64]map[AgentID]int32 // nil until TrackGroupAgents
	tasks   int64                       // replicas allocated
	sharing int64                       // of which beyond the first task of their group on their agent

	// The last changes, for LimitMask to catch up on: recent[s%len] is
	// the s-th change.
	changes uint64
	recent  [recentChanges]groupAt
}

const recentChanges = 256

type groupAt struct {
	at    int32 // agent, zone or rack
	group int64
}

// onAgent is a group's tasks on one agent: all of them, and its replicas.
type onAgent struct{ all, replicas int32 }

// sharing is how many of the replicas share the agent with another task of
// their group: the tasks beyond the first, counting only replicas (the
// non-replicas beyond the first are max(others − 1, 0)).
func (n onAgent) sharing() int64 {
	return int64(max(n.all-1, 0) - max(n.all-n.replicas-1, 0))
}

func (g *groupCounts) add(agent AgentID, zone, rack int32, group int64, replica bool, d int32) {
	if g.onAgent == nil {
		g.onAgent, g.inZone = map[groupAt]onAgent{}, map[groupAt]int32{}
	}
	k := groupAt{int32(agent), group}
	was := g.onAgent[k]
	now := onAgent{all: max(was.all+d, 0), replicas: was.replicas}
	if replica {
		now.replicas = max(was.replicas+d, 0)
	}
	g.tasks += int64(now.replicas - was.replicas)
	g.sharing += now.sharing() - was.sharing()
	if now.all > 0 {
		g.onAgent[k] = now
	} else {
		delete(g.onAgent, k) // the map follows the running tasks, not every group ever seen
	}
	bump(g.inZone, groupAt{zone, group}, d)
	if g.inRack != nil {
		bump(g.inRack, groupAt{rack, group}, d)
	}
	if g.byGroup != nil {
		g.index(group, agent, now.all)
	}
	g.recent[g.changes%recentChanges] = k
	g.changes++
}

// index records that agent holds n of group's tasks.
func (g *groupCounts) index(group int64, agent AgentID, n int32) {
	m := g.byGroup[group]
	if n > 0 {
		if m == nil {
			m = map[AgentID]int32{}
			g.byGroup[group] = m
		}
		m[agent] = n
		return
	}
	delete(m, agent)
	if len(m) == 0 {
		delete(g.byGroup, group)
	}
}

// bump adds d to m[k], dropping the entry at 0 (as add does).
func bump(m map[groupAt]int32, k groupAt, d int32) {
	if n := m[k] + d; n > 0 {
		m[k] = n
	} else {
		delete(m, k)
	}
}

func (g groupCounts) clone() groupCounts {
	d := g
	d.onAgent, d.inZone, d.inRack = maps.Clone(g.onAgent), maps.Clone(g.inZone), maps.Clone(g.inRack)
	if g.byGroup != nil {
		d.byGroup = make(map[int64]map[AgentID]int32, len(g.byGroup))
		for k, m := range g.byGroup {
			d.byGroup[k] = maps.Clone(m)
		}
	}
	return d
}

// GroupOn is the number of group's tasks allocated on agent id.
func (c *Cluster) GroupOn(id AgentID, group int64) int32 {
	return c.groups.onAgent[groupAt{int32(id), group}].all
}

// GroupInZone is the number of group's tasks allocated in zone (an index
// into Zones).
func (c *Cluster) GroupInZone(zone int32, group int64) int32 {
	return c.groups.inZone[groupAt{zone, group}]
}

// GroupInRack is the number of group's tasks allocated in rack (an index
// into Racks). The first call makes the cluster count them per rack.
func (c *Cluster) GroupInRack(rack int32, group int64) int32 {
	g := &c.groups
	if g.inRack == nil {
		g.inRack = map[groupAt]int32{}
		for k, n := range g.onAgent {
			bump(g.inRack, groupAt{c.agents[k.at].Rack, k.group}, n.all)
		}
	}
	return g.inRack[groupAt{rack, group}]
}

// RackAgents lists the agents of rack (an index into Racks), in id order.
func (c *Cluster) RackAgents(rack int32) []AgentID {
	if c.rackAgents == nil {
		c.rackAgents = make([][]AgentID, len(c.Racks))
		for i := range c.agents {
			r := c.agents[i].Rack
			c.rackAgents[r] = append(c.rackAgents[r], AgentID(i))
		}
	}
	return c.rackAgents[rack]
}

// TrackGroupAgents makes the cluster keep, per group, the agents holding
// its tasks, for EachGroupAgent (a map per group: paid for only by the
// policies that spread).
func (c *Cluster) TrackGroupAgents() {
	g := &c.groups
	if g.byGroup != nil {
		return
	}
	g.byGroup = map[int64]map[AgentID]int32{}
	for k, n := range g.onAgent {
		g.index(k.group, AgentID(k.at), n.all)
	}
}

// EachGroupAgent calls fn for every agent holding tasks of group, with
// their number, in no particular order: a service has few replicas, and
// this visits only their agents. It needs TrackGroupAgents.
func (c *Cluster) EachGroupAgent(group int64, fn func(AgentID, int32)) {
	if c.groups.byGroup == nil {
		panic("allocator: EachGroupAgent without TrackGroupAgents")
	}
	for id, n := range c.groups.byGroup[group] {
		fn(id, n)
	}
}

// Replicas returns the replicas allocated (Request.Replica) and how many of
// them share an agent with another task of their group, one per task beyond
// the first on each agent (0 when every replica has a node to itself). Both are kept as tasks come and go, so reading them
// costs nothing.
func (c *Cluster) Replicas() (tasks, sharing int64) {
	return c.groups.tasks, c.groups.sharing
}

// GroupChanges counts the changes to grouped tasks so far (for
// GroupChangedSince).
func (c *Cluster) GroupChanges() uint64 { return c.groups.changes }

// GroupChangedSince reports whether a task of group was allocated or
// released after the cluster had seen seq group changes (conservatively
// true when too many changes have passed to tell).
func (c *Cluster) GroupChangedSince(group int64, seq uint64) bool {
	g := &c.groups
	if g.changes-seq > recentChanges {
		return true
	}
	for ; seq < g.changes; seq++ {
		if g.recent[seq%recentChanges].group == group {
			return true
		}
	}
	return false
}

// LimitMask marks the agents where a request's job is at one of its
// limits (host or rack). Policies that cache per-shape fits and scores
// (shared by every job of that shape), and the first-fit index, test
// Fits(id, req.Shape()) and the mask, an array read per agent where
// Fits(id, req) would look the agent up in the counts. A job's tasks come
// in runs, so the mask stays on one job and catches up on its changes;
// another job's request rebuilds it from the job's agents and their racks.
type LimitMask struct {
	// OnChange, when set, hears every agent the mask starts or stops
	// blocking (the first-fit index counts blocked agents per subtree).
	OnChange func(id AgentID, blocked bool)

	c      *Cluster
	req    Request // group and limits of the marks
	synced uint64  // c's group changes seen
	agents int     // c's agents seen (a new one may join a full rack)
	active bool    // the last request marked has limits
	full   []bool  // by agent
	marked []AgentID
	nFull  int
}

// Mark makes the mask answer for req: the agents where its job already
// holds HostLimit tasks, or whose rack holds RackLimit. It makes c track
// its groups' agents.
func (m *LimitMask) Mark(c *Cluster, req Request) {
	m.active = req.Limited()
	if !m.active {
		return
	}
	g := &c.groups
	if m.c != c || m.req.Group != req.Group || m.req.HostLimit != req.HostLimit || m.req.RackLimit != req.RackLimit ||
		g.changes-m.synced > recentChanges || len(m.marked) > 2*m.nFull+64 {
		m.rebuild(c, req)
		return
	}
	for ; m.synced < g.changes; m.synced++ {
		if k := g.recent[m.synced%recentChanges]; k.group == m.req.Group {
			m.update(AgentID(k.at))
		}
	}
	for ; m.agents < c.NumAgents(); m.agents++ {
		if m.req.RackLimit > 0 {
			m.set(AgentID(m.agents), c.AtLimit(AgentID(m.agents), m.req))
		}
	}
}

// update re-marks agent id after a change of the job's tasks there: with
// a rack limit, the whole rack.
func (m *LimitMask) update(id AgentID) {
	if m.req.RackLimit == 0 {
		m.set(id, m.c.AtLimit(id, m.req))
		return
	}
	for _, a := range m.c.RackAgents(m.c.agents[id].Rack) {
		m.set(a, m.c.AtLimit(a, m.req))
	}
}

func (m *LimitMask) rebuild(c *Cluster, req Request) {
	for _, id := range m.marked {
		if m.full[id] {
			m.full[id] = false
			if m.OnChange != nil {
				m.OnChange(id, false)
			}
		}
	}
	m.c, m.req, m.marked, m.nFull = c, req, m.marked[:0], 0
	c.TrackGroupAgents()
	m.synced, m.agents = c.groups.changes, c.NumAgents()
	for len(m.full) < c.NumAgents() {
		m.full = append(m.full, false)
	}
	var racks []int32 // of the job's agents
	for id := range c.groups.byGroup[req.Group] {
		if req.RackLimit == 0 {
			m.set(id, c.AtLimit(id, req))
		} else {
			racks = append(racks, c.agents[id].Rack)
		}
	}
	slices.Sort(racks)
	for _, r := range slices.Compact(racks) {
		for _, a := range c.RackAgents(r) {
			m.set(a, c.AtLimit(a, req))
		}
	}
}

func (m *LimitMask) set(id AgentID, full bool) {
	for int(id) >= len(m.full) {
		m.full = append(m.full, false)
	}
	switch {
	case full && !m.full[id]:
		m.full[id] = true
		m.marked = append(m.marked, id) // once per change to full: rebuilt when stale ones pile up
		m.nFull++
	case !full && m.full[id]:
		m.full[id] = false
		m.nFull--
	default:
		return
	}
	if m.OnChange != nil {
		m.OnChange(id, full)
	}
}

// Each calls fn once for every agent the mask blocks (and drops the
// stale and repeated entries of marked on the way).
func (m *LimitMask) Each(fn func(AgentID)) {
	n := 0
	for _, id := range m.marked {
		if m.full[id] {
			m.full[id] = false // a repeat of id finds it cleared
			m.marked[n] = id
			n++
		}
	}
	m.marked = m.marked[:n]
	for _, id := range m.marked {
		m.full[id] = true
		fn(id)
	}
}

// Blocked reports whether the request last marked may not go to agent id.
func (m *LimitMask) Blocked(id AgentID) bool {
	return m.active && int(id) < len(m.full) && m.full[id] // Mark saw every agent added before it
}
