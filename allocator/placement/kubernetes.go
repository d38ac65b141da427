package placement

import (
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// kubeDefault is the default kube-scheduler's scoring: the feasible nodes
// it finds are scored by NodeResourcesFit (LeastAllocated over CPU and
// memory, weight 1 each) plus NodeResourcesBalancedAllocation, both 0..100
// and weighted 1, plus, for a service's replicas (Request.Replica),
// PodTopologySpread with the system default constraints (weight 2); the
// highest sum wins, ties uniformly at random (selectHost). A host limit
// (Request.HostLimit) filters nodes, as a required pod anti-affinity on the
// hostname does for a limit of 1. The default
// affinity, taint and image-locality plugins give every node the same
// score without those features, so they cannot change the choice. GPUs are
// an extended resource the default plugins do not score: the device choice
// is best fit. The parameters in KubeParamNames configure the profile as
// NodeResourcesFitArgs does (MostAllocated or RequestedToCapacityRatio,
// resource weights, GPUs included) and can disable BalancedAllocation or
// the spreading.
//
// Like the scheduler, it stops searching once it has found
// numFeasibleToFind feasible nodes (percentageOfNodesToScore, adaptive by
// default: 5% of 33,000 nodes), starting where the previous search stopped
// (nextStartNodeIndex), so every node gets its turn. With candidates (the
// offer modes) the rotation runs over the candidate list.
type kubeDefault struct {
	percent int // percentageOfNodesToScore; 0: adaptive
	scoring kubeScoring
	fixed   int // feasible nodes to find, when the scenario sets "sample"
	next    int // nextStartNodeIndex
	pick    picker
	// cache keeps scores by request shape and agent generation: the
	// windows come round every 1/percent placements, over mostly unchanged
	// agents.
	cache  shapeCache
	limits allocator.LimitMask // the job's host limit, a filter
	c      *allocator.Cluster
	nodes  []nodeView // per agent, kept current through Cluster.Watch
	// Scratch for spreading a service's replicas: the feasible nodes with
	// their resource scores, the group's tasks per agent and per zone
	// (zoneCount is −1 for a zone with no feasible node).
	found     []scoredNode
	count     []int32
	zoneCount []int32
}

type scoredNode struct {
	id         allocator.AgentID
	score, raw int64 // the resource score; PodTopologySpread's, before normalising
}

// nodeView is what a search reads of an agent, packed: the Agent records
// are ~160 bytes apart and a search reads thousands of them per placement.
type nodeView struct {
	free     allocator.Resources
	capacity [3]int64 // CPU, memory, GPU (kubeDims)
	gen      uint32
	zone     int32 // index into Cluster.Zones; -1 without one
	up       bool
}

func viewOf(c *allocator.Cluster, id allocator.AgentID) nodeView {
	a := c.Agent(id)
	zone := a.Zone
	if c.Zones[zone] == "" {
		zone = -1
	}
	return nodeView{free: a.Free, capacity: [3]int64{a.Capacity[allocator.CPU], a.Capacity[allocator.Mem], a.Capacity[allocator.GPU]},
		gen: c.Gen(id), zone: zone, up: a.Up}
}

// bind follows cluster c: its agents' views, kept current as they change.
func (k *kubeDefault) bind(c *allocator.Cluster) {
	k.c, k.nodes = c, k.nodes[:0]
	k.cache.slots = nil // another cluster's scores, whose generations may match
	if k.scoring.spread {
		c.TrackGroupAgents()
	}
	for i := range c.NumAgents() {
		k.nodes = append(k.nodes, viewOf(c, allocator.AgentID(i)))
	}
	c.Watch(func(id allocator.AgentID) {
		if k.c != c { // the placer has moved on to another cluster
			return
		}
		for int(id) >= len(k.nodes) {
			k.nodes = append(k.nodes, nodeView{})
		}
		k.nodes[id] = viewOf(c, id)
	})
}

// The scheduler's bounds on the search (schedule_one.go).
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// numFeasibleToFind is how many feasible nodes out of n the scheduler
// looks for before it scores them.
func numFeasibleToFind(n, percent int) int {
	if n < minFeasibleNodesToFind || percent >= 100 {
		return n
	}
	if percent <= 0 {
		percent = max(50-n/125, minFeasibleNodesPercentageToFind)
	}
	return max(n*percent/100, minFeasibleNodesToFind)
}

func kubeFactory(percent int) func(allocator.Params, allocator.PlacerEnv) (allocator.Placer, error) {
	return func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		pk, err := newPicker(p, env)
		if err != nil {
			return nil, err
		}
		sm, err := readSample(p) // a fixed count replaces percentageOfNodesToScore
		if err != nil {
			return nil, err
		}
		sc, err := readKubeScoring(p)
		return &kubeDefault{percent: percent, fixed: sm.want, pick: pk, scoring: sc}, err
	}
}

func (k *kubeDefault) Place(c *allocator.Cluster, req allocator.Request, cand allocator.Candidates) (allocator.Placement, bool) {
	n := c.NumAgents()
	if cand.IDs != nil {
		n = len(cand.IDs)
	}
	if n == 0 {
		return allocator.Placement{}, false
	}
	want := numFeasibleToFind(n, k.percent)
	if k.fixed > 0 {
		want = min(k.fixed, n)
	}
	if k.c != c {
		k.bind(c)
	}
	if k.cache.n != c.NumAgents() || k.cache.slots == nil {
		k.cache.reset(c.NumAgents())
	}
	row := k.cache.row(req)
	k.pick.reset(c.NumAgents())
	k.limits.Mark(c, req)
	q := k.scoring.request(req)
	spread := k.scoring.spread && req.Replica && req.Group != 0
	group := req.Group
	req = req.Shape()
	k.found = k.found[:0]
	// The search is sampler.each written out: through a closure, as the
	// other scorers call it, the default scenario took 66 s instead of 45.
	start, checked, found := k.next%n, 0, 0
	for i := start; checked < n && found < want; i++ {
		if i == n {
			i = 0
		}
		checked++
		id := allocator.AgentID(i)
		if cand.IDs != nil {
			if id = cand.IDs[i]; cand.Ceil != nil && !cand.Ceil[i].Contains(req.Res) {
				continue
			}
		}
		if k.limits.Blocked(id) {
			continue
		}
		v := &k.nodes[id]
		var sc int64
		if e, ok := row.at(id, v.gen); ok {
			sc = e.score
		} else {
			sc = noFit
			// The view rules out most agents; GPU devices need the cluster.
			if v.up && v.free.Contains(req.Res) && (req.Res[allocator.GPU] == 0 || c.Fits(id, req)) {
				sc = k.score(v, &q)
			}
			row.put(id, v.gen, sc, 0)
		}
		if sc == noFit {
			continue
		}
		found++
		if spread {
			k.found = append(k.found, scoredNode{id: id, score: sc})
		} else {
			k.pick.offer(sc, id, 0)
		}
	}
	k.next = (start + checked) % n
	if spread {
		k.spread(c, group)
	}
	p, ok := k.pick.result()
	if ok {
		p.Devices = bestFitDevices(c, p.Agent, req)
	}
	return p, ok
}

// score is the profile's sum of NodeResourcesFit and, when enabled,
// NodeResourcesBalancedAllocation (plugin weights 1).
func (k *kubeDefault) score(v *nodeView, q *kubeRequest) int64 {
	sc := k.scoring.fit(v, q)
	if k.scoring.balanced {
		sc += balancedAllocation(v, &q.req)
	}
	return sc
}

// The system default constraints of PodTopologySpread (both
// ScheduleAnyway): a service's replicas at most maxSkew apart per node and
// per zone; the plugin's weight in the default profile.
const (
	hostMaxSkew  = 3
	zoneMaxSkew  = 5
	spreadWeight = 2
)

// spread adds PodTopologySpread's score to the feasible nodes found and
// offers them to the picker. Per node, the raw score sums, for the node and
// for its zone (nodes without one skip it), count·log(domains + 2) +
// maxSkew − 1, where count is the group's tasks there and domains the
// feasible nodes, or the zones among them; it is rounded, then normalised
// over the feasible nodes to 100·(max + min − raw)/max, so the node with
// the fewest replicas around it scores 100.
func (k *kubeDefault) spread(c *allocator.Cluster, group int64) {
	if len(k.found) == 0 {
		return
	}
	for len(k.count) < c.NumAgents() {
		k.count = append(k.count, 0)
	}
	// A service has few replicas: visit their agents, not a map per node.
	c.EachGroupAgent(group, func(id allocator.AgentID, n int32) { k.count[id] = n })
	defer c.EachGroupAgent(group, func(id allocator.AgentID, _ int32) { k.count[id] = 0 })
	k.zoneCount = k.zoneCount[:0]
	for range c.Zones {
		k.zoneCount = append(k.zoneCount, -1)
	}
	zones := 0
	for _, f := range k.found {
		if z := k.nodes[f.id].zone; z >= 0 && k.zoneCount[z] < 0 {
			k.zoneCount[z] = c.GroupInZone(z, group)
			zones++
		}
	}
	hostW, zoneW := math.Log(float64(len(k.found)+2)), math.Log(float64(zones+2))
	lo, hi := int64(math.MaxInt64), int64(0)
	for i := range k.found {
		f := &k.found[i]
		raw := float64(k.count[f.id])*hostW + hostMaxSkew - 1
		if z := k.nodes[f.id].zone; z >= 0 {
			raw += float64(k.zoneCount[z])*zoneW + zoneMaxSkew - 1
		}
		f.raw = int64(math.Round(raw))
		lo, hi = min(lo, f.raw), max(hi, f.raw)
	}
	for i := range k.found {
		f := &k.found[i]
		norm := int64(100)
		if hi > 0 {
			norm = 100 * (hi + lo - f.raw) / hi
		}
		f.score += spreadWeight * norm
		k.pick.offer(f.score, f.id, 0)
	}
}
