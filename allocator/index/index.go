// Package index keeps a segment tree over a cluster's agents with, per
// subtree, the largest free amount of each resource and the best GPU device
// room, so that "the lowest-numbered agent where this request fits" takes
// about O(log n) instead of a scan of every agent. It stays current through
// Cluster.Watch.
package index

import (
	"math"
	"math/bits"

	"github.com/allocsim/allocsim/allocator"
)

// cpuLevelMilli are the CPU thresholds of the joint CPU–memory bounds,
// 0.125 to 64 cores. A request uses the highest level at or below its CPU,
// so the closer that is, the tighter the bound; trace tasks mostly ask for
// less than a core. Starting at 0.5 core, a first fit on the Google 2011
// replay visited 750 tree nodes on average; from 0.125, 140 (same answers:
// bounds only prune). 16 levels dense below 2 cores visited 100 but cost
// ~9% on the default scenario (bigger summaries to merge on every change).
var cpuLevelMilli = [...]int64{125, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000}

const cpuLevels = len(cpuLevelMilli)

func cpuLevel(k int) int64 { return cpuLevelMilli[k] }

// summary is an upper bound of what any agent in a subtree can hold. A
// request that does not fit the summary fits no agent below it; one that
// does may still fail on an agent (dimensions peak on different agents, GPU
// model), so the search backtracks. Per-dimension maxima alone are weak on a
// first-fit cluster, where the agents at the front are full in CPU but not
// in memory: a subtree's CPU and memory peaks then sit on different agents
// and the search wanders. memAt[k] — the most free memory among agents with
// at least cpuLevel(k) free CPU — bounds the two together.
//
// Amounts are 32-bit and saturate at room32 (see sat), so that a summary
// is one 64-byte cache line: an update climbing the tree reads two
// siblings' lines and writes one. With 64-bit amounts (120 bytes, two lines
// each) keeping the tree current took ~24% of the default scenario's engine
// CPU, ~16% now.
type summary struct {
	cpu, mem, disk int32
	memAt          [cpuLevels]int32
	gpuShare       int32 // most free milli on one device
	gpuWhole       int32 // most fully free devices on one agent
	// models has the GPU models of agents with some free device, so that
	// a request pinned to a model skips subtrees of other models.
	models allocator.ModelSet
}

// room32 is the most a summary records of one amount: 2,147 cores, 2 PiB.
// Saturating both the agents' amounts and the request's keeps every
// summary an upper bound (sat is monotone), so bigger agents only make the
// search visit a subtree it could have skipped; Cluster.Fits decides.
const room32 = math.MaxInt32

func sat(v int64) int32 { return int32(min(v, room32)) }

// noRoom summarises a leaf that holds nothing, not even a request of
// nothing (a task that asks for no resources): an agent that is down, or
// past the last agent.
var noRoom = summary{cpu: -1}

// want is a request in the summaries' terms, computed once per search.
type want struct {
	cpu, mem, disk int32
	gpuShare       int32 // room on one device: the share, or a whole device
	whole          int32 // fully free devices
	models         allocator.ModelSet
	level          int // CPU level for memAt, or -1
}

func wantOf(r *allocator.Request) want {
	w := want{cpu: sat(r.Res[allocator.CPU]), mem: sat(r.Res[allocator.Mem]), disk: sat(r.Res[allocator.Disk]),
		gpuShare: int32(min(r.Res[allocator.GPU], 1000)), whole: int32(r.WholeGPUs()),
		level: levelOf(r.Res[allocator.CPU])}
	if r.Res[allocator.GPU] > 0 {
		w.models = r.GPUModels
	}
	return w
}

func (s *summary) admits(w *want) bool {
	return s.cpu >= w.cpu && s.mem >= w.mem &&
		(w.level < 0 || s.memAt[w.level] >= w.mem) &&
		s.disk >= w.disk && s.gpuShare >= w.gpuShare && s.gpuWhole >= w.whole &&
		(w.models == 0 || s.models&w.models != 0)
}

// merge sets s to the maxima of a and b and reports whether s changed.
// It compares as it writes: an update climbing the tree stops at the first
// node that stays the same, and copying the summary aside to compare it
// whole cost more than the merge.
func (s *summary) merge(a, b *summary) bool {
	var diff int32
	set := func(dst *int32, v int32) {
		diff |= *dst ^ v
		*dst = v
	}
	set(&s.cpu, max(a.cpu, b.cpu))
	set(&s.mem, max(a.mem, b.mem))
	set(&s.disk, max(a.disk, b.disk))
	for k := range s.memAt {
		set(&s.memAt[k], max(a.memAt[k], b.memAt[k]))
	}
	set(&s.gpuShare, max(a.gpuShare, b.gpuShare))
	set(&s.gpuWhole, max(a.gpuWhole, b.gpuWhole))
	m := (a.models | b.models) ^ s.models
	s.models ^= m
	return diff != 0 || m != 0
}

// levelOf is the highest CPU level at or below the request's CPU, or -1.
func levelOf(cpu int64) int {
	k := -1
	for k+1 < cpuLevels && cpuLevel(k+1) <= cpu {
		k++
	}
	return k
}

// Free is the index. Create it with New; it registers itself with the
// cluster and follows every change, agents added later included.
type Free struct {
	c    *allocator.Cluster
	size int // leaves: a power of two ≥ number of agents
	tree []summary

	// Failed queries are remembered (see failures.go): grown[s%growCap] is
	// the agent of the s-th change that gave an agent more room.
	grows  uint64
	grown  [growCap]allocator.AgentID
	failed [memoCap]failure
	nFail  int
	next   int

	limits  allocator.LimitMask // the agents a limited request's job is at its limit on
	limited bool                // the request being searched has limits
	// unusable counts, per tree node, the leaves below it a limited request
	// may not use: agents the mask blocks, and padding past the last agent.
	// A job's tasks sit on the lowest agents with room, so first fit for
	// the next one skips their subtrees whole instead of leaf by leaf. The
	// counts cost O(log n) per blocked agent, so they are kept only once a
	// job has been searched for overlayAfter times in a row.
	unusable []int32
	n        int  // agents the tree has leaves for
	overlay  bool // unusable counts the mask's agents
	last     allocator.Request
	repeats  int // searches in a row for last's job and limit
}

// overlayAfter is how many searches in a row for one job's limit turn the
// per-subtree counts on: each skips at most a few of the job's agents
// without them, and turning them on visits log n nodes per agent.
const overlayAfter = 4

// New builds the index for c and watches c for changes.
func New(c *allocator.Cluster) *Free {
	x := &Free{c: c}
	x.rebuild()
	c.Watch(x.update)
	return x
}

func (x *Free) rebuild() {
	n := x.c.NumAgents()
	size := 1
	if n > 1 {
		size = 1 << bits.Len(uint(n-1))
	}
	x.size = size
	x.tree = make([]summary, 2*size)
	x.nFail = 0 // remembered failures predate the new agents
	for i := 0; i < n; i++ {
		x.leaf(allocator.AgentID(i), &x.tree[size+i])
	}
	for i := n; i < size; i++ {
		x.tree[size+i] = noRoom
	}
	x.n, x.unusable = n, make([]int32, 2*size)
	for i := n; i < size; i++ {
		x.unusable[size+i] = 1
	}
	for i := size - 1; i >= 1; i-- {
		x.unusable[i] = x.unusable[2*i] + x.unusable[2*i+1]
	}
	x.limits = allocator.LimitMask{OnChange: x.blockChanged} // its marks were counted in the old tree
	x.overlay, x.repeats = false, 0
	for i := size - 1; i >= 1; i-- {
		x.tree[i].merge(&x.tree[2*i], &x.tree[2*i+1])
	}
}

func (x *Free) leaf(id allocator.AgentID, s *summary) {
	a := x.c.Agent(id)
	if !a.Up {
		*s = noRoom
		return
	}
	s.cpu, s.mem, s.disk = sat(a.Free[allocator.CPU]), sat(a.Free[allocator.Mem]), sat(a.Free[allocator.Disk])
	for k := range s.memAt {
		s.memAt[k] = 0
		if a.Free[allocator.CPU] >= cpuLevel(k) {
			s.memAt[k] = s.mem
		}
	}
	s.gpuShare, s.gpuWhole, s.models = 0, 0, 0
	for _, f := range x.c.GPUFree(id) {
		s.gpuShare = max(s.gpuShare, f)
		if f == 1000 {
			s.gpuWhole++
		}
	}
	if s.gpuShare > 0 {
		s.models = 1 << a.GPUModel
	}
}

// blockChanged follows the mask: agent id became (un)usable for the
// limited request.
func (x *Free) blockChanged(id allocator.AgentID, blocked bool) {
	if !x.overlay {
		return
	}
	d := int32(-1)
	if blocked {
		d = 1
	}
	x.bump(id, d)
}

func (x *Free) bump(id allocator.AgentID, d int32) {
	for i := x.size + int(id); i >= 1; i >>= 1 {
		x.unusable[i] += d
	}
}

// markLimit points the mask at req's job, with the per-subtree counts on
// once the job has been searched for several times in a row.
func (x *Free) markLimit(req allocator.Request) {
	same := req.Group == x.last.Group && req.HostLimit == x.last.HostLimit && req.RackLimit == x.last.RackLimit
	if !same && x.overlay {
		x.limits.Each(func(id allocator.AgentID) { x.bump(id, -1) })
		x.overlay = false
	}
	if same {
		x.repeats++
	} else {
		x.last, x.repeats = req, 0
	}
	x.limits.Mark(x.c, req)
	if !x.overlay && x.repeats >= overlayAfter {
		x.limits.Each(func(id allocator.AgentID) { x.bump(id, +1) })
		x.overlay = true
	}
}

func (x *Free) update(id allocator.AgentID) {
	if int(id) >= x.size {
		x.rebuild()
		return
	}
	for ; x.n <= int(id); x.n++ { // new agents in former padding
		x.bump(allocator.AgentID(x.n), -1)
	}
	i := x.size + int(id)
	old := x.tree[i]
	x.leaf(id, &x.tree[i])
	if x.tree[i].grewFrom(&old) {
		x.grown[x.grows%growCap] = id
		x.grows++
	}
	for i >>= 1; i >= 1; i >>= 1 {
		if !x.tree[i].merge(&x.tree[2*i], &x.tree[2*i+1]) {
			break // maxima above are unchanged too
		}
	}
}

// FirstFit returns the lowest-numbered agent where req fits (Cluster.Fits),
// or false if none does. A request at least as large as one that failed
// recently is answered from the agents that gained room since.
func (x *Free) FirstFit(req allocator.Request) (allocator.AgentID, bool) {
	if x.c.NumAgents() == 0 {
		return 0, false
	}
	if id, known := x.recall(&req); known {
		return id, id >= 0
	}
	search := &req
	if x.limited = req.Limited(); x.limited {
		// A job's tasks sit on the lowest agents with room, which the next
		// one must pass: the mask passes each for an array read, not a
		// lookup of the job's count.
		x.markLimit(req)
		shape := req.Shape()
		search = &shape
	}
	w := wantOf(&req)
	id := x.find(1, search, &w)
	if id < 0 {
		x.remember(&req)
		return 0, false
	}
	return allocator.AgentID(id), true
}

func (x *Free) find(node int, req *allocator.Request, w *want) int {
	if !x.tree[node].admits(w) {
		return -1
	}
	if x.limited && x.overlay && int(x.unusable[node]) == x.size>>(bits.Len(uint(node))-1) {
		return -1 // every agent below is at the job's limit
	}
	if node >= x.size {
		id := allocator.AgentID(node - x.size)
		if !(x.limited && x.limits.Blocked(id)) && x.c.Fits(id, *req) {
			return int(id)
		}
		return -1
	}
	if r := x.find(2*node, req, w); r >= 0 {
		return r
	}
	return x.find(2*node+1, req, w)
}

// Admits reports whether some agent might hold req (a cheap necessary
// condition: false means no agent can).
func (x *Free) Admits(req allocator.Request) bool {
	w := wantOf(&req)
	return x.c.NumAgents() > 0 && x.tree[1].admits(&w)
}
