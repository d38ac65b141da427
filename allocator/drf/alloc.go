package drf

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/allocsim/allocsim/allocator"
)

// fwState is a framework as the allocator sees it.
type fwState struct {
	present bool
	active  bool // not suppressed
	gpu     bool
	role    allocator.RoleID
	client  int32
	// filt holds, per agent, 1 + the index of the framework's filter value in
	// Alloc.fvals (0 = no filter). Dense int32s keep the all-declined state of
	// 33,000 agents × 1,000 frameworks at 4 bytes a pair; allocated on the
	// first filter.
	filt   []int32
	nFilts int32
}

// roleState is the quota bookkeeping of a top-level role.
type roleState struct {
	client    int32
	top       int32 // client index of the top-level ancestor (itself when top-level)
	leaf      int32 // client that holds the role's own frameworks
	guarantee allocator.Resources
	limit     allocator.Resources // 0 components: no limit
	unres     allocator.Resources // unreserved offered+allocated (top-level roles)
	resv      allocator.Resources // reservations of the subtree on up agents (top-level roles)
	unmet     allocator.Resources // max(0, guarantee − consumption)
}

// resvEntry is one reservation on one agent.
type resvEntry struct {
	role   allocator.RoleID
	amount allocator.Resources
	used   allocator.Resources // offered + allocated out of the reservation
}

// agentHot is what a cycle reads and writes for every agent, packed in one
// cache line (64 bytes) and kept apart from the rest, so that visiting
// 33,000 agents in a shuffled order costs about one memory access each.
type agentHot struct {
	avail   res32 // Cluster free minus what is offered
	offered res32
	// Filter summary: nFilt filters of active frameworks; every one of them
	// refuses at least meet and none expires before exp. When nFilt equals
	// the eligible frameworks and meet contains avail, the whole agent is
	// skipped without looking at any framework.
	meet  res32
	exp   allocator.Time
	nFilt int32
	up    bool // present in the allocator and up in the cluster
	gpu   bool
	resv  bool // has reservations (then look at agentState)
	_     [1]byte
}

// agentState is the rest of what the allocator keeps per agent.
type agentState struct {
	present bool
	resv    []resvEntry
	trig    bool // queued for a triggered cycle
	counted bool // its reservations are in the quota books (it is up)
}

// filterVal is a (refused, expires) pair shared by consecutive identical filters, with a reference count.
type filterVal struct {
	refused allocator.Resources
	expires allocator.Time
	refs    int32
}

// Alloc is the hierarchical DRF allocator. It implements allocator.Allocator.
type Alloc struct {
	cfg      Config
	minAll   []allocator.Resources
	clients  []client  // 0 is the root
	keys     []sortKey // parallel to clients
	fwByName []int32   // framework clients in name order (ranks)
	roles    []roleState
	tops     []allocator.RoleID // top-level roles with a guarantee or a limit
	topRole  []int32            // per client: the RoleID of a top-level role client, else -1
	fws      []fwState
	agents   []agentState
	hot      []agentHot
	order    []allocator.AgentID // present agents, shuffled per cycle

	inv        [allocator.NumResources]float64
	total      allocator.Resources
	needResort bool

	// cluster-wide quota state
	unresAlloc allocator.Resources // unreserved offered+allocated
	resvCap    allocator.Resources // reserved on up agents
	required   allocator.Resources // Σ unmet guarantees (required headroom)
	nUnmet     int

	activeAll, activeGPU int32

	fvals    []filterVal
	fvalFree []int32
	lastVal  int32 // the value interned last (-1 none)

	offers    []offerSlot
	offerFree []int32
	expiryQ   []allocator.OfferID
	expiryHd  int

	trigAll    bool
	trigAgents []allocator.AgentID

	out       []allocator.Offer
	w         walkState
	sink      int32 // keeps the read-ahead in visit from being optimised away
	batching  bool  // DeclineMany: sorter updates wait for one flush
	trigBuf   []allocator.AgentID
	dirtyList []int32
	orderBufs [][]int32
	keyBuf    []float64
	// random sorter
	randVer    uint64
	randCaches []randCache
	picked     []uint32 // stamp of the draw that picked each client
	stamp      uint32
}

var _ allocator.Allocator = (*Alloc)(nil)

// New builds an allocator over cfg.Cluster's agents (none are offered until
// AddAgent) and cfg.Roles.
func New(cfg Config) (*Alloc, error) {
	if cfg.Cluster == nil {
		return nil, fmt.Errorf("drf allocator: no cluster")
	}
	if cfg.Rand == nil {
		return nil, fmt.Errorf("drf allocator: no random stream (the run's seeded rand is required)")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = allocator.Second
	}
	a := &Alloc{cfg: cfg, minAll: cfg.MinAllocatable, needResort: true, lastVal: -1}
	if a.minAll == nil {
		a.minAll = DefaultMinAllocatable
	}
	if err := a.buildRoles(); err != nil {
		return nil, err
	}
	cfg.Cluster.Watch(a.agentChanged)
	return a, nil
}

// buildRoles makes the role tree: a node per role and per missing ancestor,
// and a virtual leaf "<role>/." for a role that has children.
func (a *Alloc) buildRoles() error {
	a.addClient(client{name: "", parent: -1, fw: -1, weight: 1})
	byName := map[string]int32{}
	roleOf := map[string]int{}
	for i, r := range a.cfg.Roles {
		if err := allocator.ValidateRoleName(r.Name); err != nil {
			return fmt.Errorf("drf allocator: role %d: %w", i, err)
		}
		if _, dup := roleOf[r.Name]; dup {
			return fmt.Errorf("drf allocator: role %q defined twice", r.Name)
		}
		if r.Weight != 0 { // 0: unset, weight 1
			if err := allocator.ValidateWeight(r.Weight); err != nil {
				return fmt.Errorf("drf allocator: role %q: weight %w", r.Name, err)
			}
		}
		roleOf[r.Name] = i
	}
	names := make([]string, 0, len(a.cfg.Roles))
	for _, r := range a.cfg.Roles {
		for p := r.Name; ; {
			if _, ok := byName[p]; !ok {
				byName[p] = -1
				names = append(names, p)
			}
			j := strings.LastIndexByte(p, '/')
			if j < 0 {
				break
			}
			p = p[:j]
		}
	}
	sort.Strings(names) // parents before children
	for _, n := range names {
		parent := int32(0)
		if j := strings.LastIndexByte(n, '/'); j >= 0 {
			parent = byName[n[:j]]
		}
		w := 1.0
		if i, ok := roleOf[n]; ok && a.cfg.Roles[i].Weight > 0 {
			w = a.cfg.Roles[i].Weight
		}
		byName[n] = a.addClient(client{name: n, parent: parent, fw: -1, weight: w, depth: a.clients[parent].depth + 1})
	}
	hasKids := make([]bool, len(a.clients))
	for _, c := range a.clients[1:] {
		hasKids[c.parent] = true
	}
	a.roles = make([]roleState, len(a.cfg.Roles))
	for i, r := range a.cfg.Roles {
		c := byName[r.Name]
		rs := &a.roles[i]
		rs.client, rs.leaf = c, c
		if hasKids[c] {
			rs.leaf = a.addClient(client{name: r.Name + "/.", parent: c, fw: -1, weight: a.clients[c].weight, depth: a.clients[c].depth + 1})
		}
		top := c
		for a.clients[top].depth > 1 {
			top = a.clients[top].parent
		}
		rs.top = top
		if r.Guarantee.AnyNegative() || r.Limit.AnyNegative() {
			return fmt.Errorf("drf allocator: role %q: negative quota", r.Name)
		}
		if !r.Guarantee.IsZero() || !r.Limit.IsZero() {
			if a.clients[c].depth != 1 {
				return fmt.Errorf("drf allocator: role %q: quota is only supported on top-level roles", r.Name)
			}
			rs.guarantee, rs.limit = r.Guarantee, r.Limit
			a.tops = append(a.tops, allocator.RoleID(i))
		}
	}
	// Quota roles' consumption lives on the role itself: map each top client
	// back to its RoleID (or -1 for an implicit top-level role).
	a.topRole = make([]int32, len(a.clients))
	for i := range a.topRole {
		a.topRole[i] = -1
	}
	for i := range a.roles {
		if a.clients[a.roles[i].client].depth == 1 {
			a.topRole[a.roles[i].client] = int32(i)
		}
	}
	// Role and virtual-leaf ranks: name order among all role clients.
	order := make([]int32, 0, len(a.clients))
	for i := range a.clients {
		order = append(order, int32(i))
	}
	sort.Slice(order, func(x, y int) bool { return a.clients[order[x]].name < a.clients[order[y]].name })
	for i, c := range order {
		a.keys[c].rank = int64(i)
	}
	for _, r := range a.tops {
		a.recomputeUnmet(r)
	}
	return nil
}

// agentChanged mirrors a change of the cluster's free resources or up state.
func (a *Alloc) agentChanged(id allocator.AgentID) {
	if int(id) >= len(a.agents) || !a.agents[id].present {
		return
	}
	cl := a.cfg.Cluster.Agent(id)
	h := &a.hot[id]
	h.avail = pack(cl.Free.Sub(h.offered.unpack()))
	h.up = cl.Up
	h.gpu = cl.Capacity[allocator.GPU] > 0
}

// The hot per-agent record must stay one cache line.
var _ [64 - unsafe.Sizeof(agentHot{})]struct{}
var _ [unsafe.Sizeof(agentHot{}) - 64]struct{}
