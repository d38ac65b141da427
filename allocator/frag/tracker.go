package frag

import "github.com/allocsim/allocsim/allocator"

// Tracker keeps the cluster's fragmentation up to date as agents change: it
// recomputes only the agent that changed (Cluster.Watch), so reading the
// cluster total after every task costs O(1).
type Tracker struct {
	c     *allocator.Cluster
	m     *Model
	node  []int64 // fragment per agent (Model units)
	sum   int64
	below []int64
	stale bool
}

// NewTracker starts tracking c with the model m.
func NewTracker(c *allocator.Cluster, m *Model) *Tracker {
	t := &Tracker{c: c, m: m, below: make([]int64, m.NumThresholds())}
	t.rebuild()
	c.Watch(t.update)
	return t
}

func (t *Tracker) rebuild() {
	t.node = make([]int64, t.c.NumAgents())
	t.sum = 0
	for i := range t.node {
		v := t.m.Frag(NodeOf(t.c, allocator.AgentID(i)), t.below)
		t.node[i] = v
		t.sum += v
	}
}

func (t *Tracker) update(id allocator.AgentID) {
	if int(id) >= len(t.node) {
		t.node = append(t.node, make([]int64, int(id)+1-len(t.node))...)
	}
	v := t.m.Frag(NodeOf(t.c, id), t.below)
	t.sum += v - t.node[id]
	t.node[id] = v
}

// FragMilli is the cluster's fragment in milli-GPU.
func (t *Tracker) FragMilli() float64 {
	if t.m.totalW == 0 {
		return 0
	}
	return float64(t.sum) / float64(t.m.totalW)
}

// NodeFragMilli is one agent's fragment in milli-GPU.
func (t *Tracker) NodeFragMilli(id allocator.AgentID) float64 {
	if t.m.totalW == 0 {
		return 0
	}
	return float64(t.node[id]) / float64(t.m.totalW)
}

// Stats is the cluster's GPU state as the paper reports it.
type Stats struct {
	TotalMilli int64   // GPU capacity of up agents
	IdleMilli  int64   // free milli-GPU
	FragMilli  float64 // fragment
}

// AllocPct is the GPU allocation ratio: allocated milli-GPU / capacity, in %.
func (s Stats) AllocPct() float64 {
	return pct(float64(s.TotalMilli-s.IdleMilli), float64(s.TotalMilli))
}

// FragPctTotal is the fragment as % of the cluster's GPU capacity.
func (s Stats) FragPctTotal() float64 { return pct(s.FragMilli, float64(s.TotalMilli)) }

// FragPctIdle is the fragment as % of the idle GPU milli.
func (s Stats) FragPctIdle() float64 { return pct(s.FragMilli, float64(s.IdleMilli)) }

func pct(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return 100 * a / b
}

// Stats reads the cluster's totals and the tracked fragment.
func (t *Tracker) Stats() Stats {
	return Stats{TotalMilli: t.c.Total()[allocator.GPU], IdleMilli: t.c.Free()[allocator.GPU], FragMilli: t.FragMilli()}
}
