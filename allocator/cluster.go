package allocator

import (
	"fmt"
	"math/bits"
)

// AgentID is a dense index into a Cluster's agents.
type AgentID int32

// ModelID is a dense index into a Cluster's GPU model names.
type ModelID uint8

// ModelSet is a bitmask of allowed GPU models; 0 means any model. Its 32
// bits (a cluster knows at most 32 models; openb has 7) keep Request, which
// every task carries, at 48 bytes.
type ModelSet uint32

// Allows reports whether model m is in the set (an empty set allows every model).
func (s ModelSet) Allows(m ModelID) bool { return s == 0 || s&(1<<m) != 0 }

// DeviceMask is the set of GPU devices (by index on one agent) a task holds.
type DeviceMask uint64

// Count is the number of devices in the mask.
func (m DeviceMask) Count() int { return bits.OnesCount64(uint64(m)) }

// MaxGPUsPerAgent bounds the devices on one agent (they index a DeviceMask).
const MaxGPUsPerAgent = 64

// AgentSpec describes an agent to add: its capacity and attributes.
type AgentSpec struct {
	Name     string
	Capacity Resources // Capacity[GPU] must be NumGPUs × 1000
	GPUModel string    // empty when the agent has no GPU
	Rack     string
	Zone     string
}

// Agent is one node: static shape plus the free resources the cluster tracks.
type Agent struct {
	Name     string
	Capacity Resources
	Free     Resources
	GPUModel ModelID
	Rack     int32 // index into Cluster.Racks
	Zone     int32 // index into Cluster.Zones
	NumGPUs  int32
	gpuOff   int32 // offset of this agent's devices in Cluster.gpuFree
	Up       bool
	// Tasks counts the tasks allocated here by GPU kind (Request.GPUKind),
	// so policies that group tasks by kind (GPU clustering) need no side table.
	Tasks [NumGPUKinds]int32
}

// GPU kinds of a request, for policies that group tasks by what they ask of GPUs.
const (
	GPUKindNone  = 0 // no GPU
	GPUKindShare = 1 // a share of one device
	// GPUKindWhole + k - 1 is k whole devices, for k up to 8; more share one kind.
	GPUKindWhole = 2
	NumGPUKinds  = GPUKindWhole + 9
)

// GPUKind classifies the request: none, a share of one device, or k whole devices.
func (r Request) GPUKind() int {
	g := r.Res[GPU]
	switch {
	case g <= 0:
		return GPUKindNone
	case g < 1000:
		return GPUKindShare
	}
	return GPUKindWhole + int(min(g/1000, 9)) - 1
}

// Request is what one task asks for. Res[GPU] below 1000 is a share of one
// device; otherwise it must be a whole number of devices (k × 1000).
type Request struct {
	Res       Resources
	GPUModels ModelSet // allowed GPU models; 0 = any
	// HostLimit, when positive, is the most tasks of Group one agent may
	// hold, this one included: Aurora's "host: limit:N", Marathon's
	// MAX_PER hostname, Borg's different-machines restriction as 1.
	HostLimit int16
	// Replica marks a service's task (one without a duration): spreading
	// policies keep replicas apart and the reports count where they sit
	// (kube-scheduler's default spreading applies to a ReplicaSet's pods,
	// not to a batch Job's).
	Replica bool
	// RackLimit, when positive, is the most tasks of Group one rack may
	// hold, this one included: Aurora's "rack: limit:N".
	RackLimit uint8
	// Group is the job whose tasks the cluster counts per agent, rack and
	// zone (its id + 1; 0 for none): the engine sets it for a service's
	// replicas and for tasks with a HostLimit or a RackLimit.
	Group int64
}

// Shape is the request without what ties it to its job (Group, limits,
// Replica): what it asks of one agent's resources, by which policies cache
// their scores. Cluster.Fits(id, r.Shape()) ignores the limits.
func (r Request) Shape() Request {
	return Request{Res: r.Res, GPUModels: r.GPUModels}
}

// HasLimits reports whether the request caps its job's tasks per agent or
// per rack.
func (r Request) HasLimits() bool { return r.HostLimit > 0 || r.RackLimit > 0 }

// Limited reports whether the request has limits to honour: limits, and a
// group to count them in.
func (r Request) Limited() bool { return r.HasLimits() && r.Group != 0 }

// WholeGPUs returns the number of whole devices requested, or 0 for a
// fractional (or no) GPU request.
func (r Request) WholeGPUs() int {
	if r.Res[GPU] >= 1000 {
		return int(r.Res[GPU] / 1000)
	}
	return 0
}

// Validate checks the GPU shape rule and non-negative components.
func (r Request) Validate() error {
	if r.Res.AnyNegative() {
		return fmt.Errorf("negative request %v", r.Res)
	}
	if g := r.Res[GPU]; g > 1000 && g%1000 != 0 {
		return fmt.Errorf("gpu request %d milli: above one GPU it must be whole GPUs (a multiple of 1000)", g)
	}
	if r.HostLimit < 0 {
		return fmt.Errorf("negative host limit %d", r.HostLimit)
	}
	return nil
}

// Placement is where a task goes: an agent and, for GPU tasks, its devices.
type Placement struct {
	Agent   AgentID
	Devices DeviceMask
}

// Cluster is the shared view of agents and their free resources, GPU devices
// included. Both the simulator and realrun mutate it through Allocate and
// Release so that every policy sees the same state.
type Cluster struct {
	Models []string // GPU model names by ModelID
	Racks  []string
	Zones  []string

	agents []Agent
	// gens counts each agent's changes (Gen), apart from the agents: a
	// scoring policy's cached scan reads one per agent, 4 bytes instead of
	// an Agent's cache line.
	gens    []uint32
	gpuFree []int32 // free milli per device, all agents back to back
	total   Resources
	free    Resources

	modelIdx   map[string]ModelID
	rackAgents [][]AgentID // by rack, built when first asked (RackAgents)
	rackIdx    map[string]int32
	zoneIdx    map[string]int32

	watchers []func(AgentID)
	groups   groupCounts
}

// Watch registers fn to be called after every change to an agent's free
// resources or up state (placement indices and caches keep themselves fresh
// this way instead of rescanning the cluster).
func (c *Cluster) Watch(fn func(AgentID)) { c.watchers = append(c.watchers, fn) }

func (c *Cluster) changed(id AgentID) {
	c.gens[id]++
	for _, fn := range c.watchers {
		fn(id)
	}
}

// Gen counts the changes to agent id's free resources or up state (at least
// one: adding it); caches keyed by agent compare it to stay valid.
func (c *Cluster) Gen(id AgentID) uint32 { return c.gens[id] }

// NewCluster returns an empty cluster.
func NewCluster() *Cluster {
	return &Cluster{
		modelIdx: map[string]ModelID{},
		rackIdx:  map[string]int32{},
		zoneIdx:  map[string]int32{},
	}
}

// maxModels is the number of models a ModelSet can name.
const maxModels = 32

// ModelID interns a GPU model name.
func (c *Cluster) ModelID(name string) (ModelID, error) {
	if id, ok := c.modelIdx[name]; ok {
		return id, nil
	}
	if len(c.Models) >= maxModels {
		return 0, fmt.Errorf("GPU model %q: a cluster knows at most %d models", name, maxModels)
	}
	id := ModelID(len(c.Models))
	c.Models = append(c.Models, name)
	c.modelIdx[name] = id
	return id, nil
}

// LookupModel returns the id of a known model name.
func (c *Cluster) LookupModel(name string) (ModelID, bool) {
	id, ok := c.modelIdx[name]
	return id, ok
}

func intern(idx map[string]int32, names *[]string, s string) int32 {
	if id, ok := idx[s]; ok {
		return id
	}
	id := int32(len(*names))
	*names = append(*names, s)
	idx[s] = id
	return id
}

// AddAgent adds an agent (up, all free) and returns its id.
func (c *Cluster) AddAgent(s AgentSpec) (AgentID, error) {
	if s.Capacity.AnyNegative() {
		return 0, fmt.Errorf("agent %q: negative capacity %v", s.Name, s.Capacity)
	}
	g := s.Capacity[GPU]
	if g%1000 != 0 {
		return 0, fmt.Errorf("agent %q: gpu capacity %d milli is not whole devices", s.Name, g)
	}
	n := g / 1000
	if n > MaxGPUsPerAgent {
		return 0, fmt.Errorf("agent %q: %d GPUs, at most %d per agent", s.Name, n, MaxGPUsPerAgent)
	}
	a := Agent{
		Name: s.Name, Capacity: s.Capacity, Free: s.Capacity, Up: true,
		NumGPUs: int32(n), gpuOff: int32(len(c.gpuFree)),
		Rack: intern(c.rackIdx, &c.Racks, s.Rack),
		Zone: intern(c.zoneIdx, &c.Zones, s.Zone),
	}
	if n > 0 {
		m, err := c.ModelID(s.GPUModel)
		if err != nil {
			return 0, fmt.Errorf("agent %q: %w", s.Name, err)
		}
		a.GPUModel = m
	}
	for range n {
		c.gpuFree = append(c.gpuFree, 1000)
	}
	c.agents, c.gens = append(c.agents, a), append(c.gens, 0)
	id := AgentID(len(c.agents) - 1)
	if c.rackAgents != nil {
		for int(a.Rack) >= len(c.rackAgents) {
			c.rackAgents = append(c.rackAgents, nil)
		}
		c.rackAgents[a.Rack] = append(c.rackAgents[a.Rack], id)
	}
	c.total = c.total.Add(s.Capacity)
	c.free = c.free.Add(s.Capacity)
	c.changed(id)
	return id, nil
}

// Clone returns a deep copy of the cluster (agents, devices, interned names)
// without its watchers: independent runs start from one parsed cluster.
func (c *Cluster) Clone() *Cluster {
	d := &Cluster{
		Models:   append([]string(nil), c.Models...),
		Racks:    append([]string(nil), c.Racks...),
		Zones:    append([]string(nil), c.Zones...),
		agents:   append([]Agent(nil), c.agents...),
		gens:     append([]uint32(nil), c.gens...),
		gpuFree:  append([]int32(nil), c.gpuFree...),
		total:    c.total,
		free:     c.free,
		modelIdx: make(map[string]ModelID, len(c.modelIdx)),
		rackIdx:  make(map[string]int32, len(c.rackIdx)),
		zoneIdx:  make(map[string]int32, len(c.zoneIdx)),
		groups:   c.groups.clone(),
	}
	for k, v := range c.modelIdx {
		d.modelIdx[k] = v
	}
	for k, v := range c.rackIdx {
		d.rackIdx[k] = v
	}
	for k, v := range c.zoneIdx {
		d.zoneIdx[k] = v
	}
	return d
}

// NumAgents is the number of agents ever added (up or down).
func (c *Cluster) NumAgents() int { return len(c.agents) }

// Agent returns the agent with the given id. The pointer stays valid until
// the next AddAgent.
func (c *Cluster) Agent(id AgentID) *Agent { return &c.agents[id] }

// Total is the capacity of all up agents.
func (c *Cluster) Total() Resources { return c.total }

// Free is the free capacity of all up agents.
func (c *Cluster) Free() Resources { return c.free }

// GPUFree returns the free milli-GPU of each device of the agent. Callers must
// not modify it; use Allocate and Release.
func (c *Cluster) GPUFree(id AgentID) []int32 {
	a := &c.agents[id]
	return c.gpuFree[a.gpuOff : a.gpuOff+a.NumGPUs]
}

// DeviceFree returns the free milli-GPU of every device of every agent,
// agents in id order, and whether all those agents are up (if not, the down
// agents' devices are in it too: go through GPUFree per up agent instead).
// Callers must not modify it.
func (c *Cluster) DeviceFree() (free []int32, allUp bool) {
	return c.gpuFree, c.total[GPU] == 1000*int64(len(c.gpuFree))
}

// SetUp marks an agent up or down. A down agent's capacity leaves the totals;
// the caller releases (or loses) its tasks.
func (c *Cluster) SetUp(id AgentID, up bool) {
	a := &c.agents[id]
	if a.Up == up {
		return
	}
	a.Up = up
	if up {
		c.total = c.total.Add(a.Capacity)
		c.free = c.free.Add(a.Free)
	} else {
		c.total = c.total.Sub(a.Capacity)
		c.free = c.free.Sub(a.Free)
	}
	c.changed(id)
}

// Fits reports whether req can be placed on the agent now: the agent is up,
// its free resources contain the request, the GPU model is allowed and enough
// devices have room (one device with the share, or k fully free devices).
//
// A request with limits fits only where fewer than HostLimit tasks of its
// group run on the agent and fewer than RackLimit in its rack; policies
// that cache scores by shape test Fits(id, req.Shape()) and the limits
// apart (LimitMask).
func (c *Cluster) Fits(id AgentID, req Request) bool {
	a := &c.agents[id]
	if !a.Up || !a.Free.Contains(req.Res) {
		return false
	}
	if req.Limited() && c.AtLimit(id, req) {
		return false
	}
	return c.gpuFits(a, req)
}

// AtLimit reports whether the agent already holds req.HostLimit tasks of
// req's group, or its rack req.RackLimit (false for a request without
// limits).
func (c *Cluster) AtLimit(id AgentID, req Request) bool {
	if !req.Limited() {
		return false
	}
	return (req.HostLimit > 0 && c.GroupOn(id, req.Group) >= int32(req.HostLimit)) ||
		(req.RackLimit > 0 && c.GroupInRack(c.agents[id].Rack, req.Group) >= int32(req.RackLimit))
}

// FitsWithin is Fits with an extra ceiling on the resources that may be used
// (an offer's resources, say).
func (c *Cluster) FitsWithin(id AgentID, req Request, ceiling Resources) bool {
	return ceiling.Contains(req.Res) && c.Fits(id, req)
}

func (c *Cluster) gpuFits(a *Agent, req Request) bool {
	return DevicesFit(c.gpuFree[a.gpuOff:a.gpuOff+a.NumGPUs], a.GPUModel, req)
}

// DevicesFit reports whether req's GPU part fits devices with the given free
// milli-GPU on an agent of the given model: one device with the share, or k
// fully free devices. Policies that weigh a hypothetical state (resources a
// preemption would free, say) call it on their own copy of the devices.
func DevicesFit(devs []int32, model ModelID, req Request) bool {
	g := req.Res[GPU]
	if g == 0 {
		return true
	}
	if !req.GPUModels.Allows(model) {
		return false
	}
	if g < 1000 {
		for _, f := range devs {
			if int64(f) >= g {
				return true
			}
		}
		return false
	}
	need := g / 1000
	for _, f := range devs {
		if f == 1000 {
			if need--; need == 0 {
				return true
			}
		}
	}
	return false
}

// PickDevices chooses devices for req on an agent where it fits: for a share,
// the device with the least free milli that still holds it (best fit, lowest
// index on ties); for whole GPUs, the lowest-indexed fully free devices.
func (c *Cluster) PickDevices(id AgentID, req Request) (DeviceMask, bool) {
	a := &c.agents[id]
	g := req.Res[GPU]
	if g == 0 {
		return 0, true
	}
	devs := c.gpuFree[a.gpuOff : a.gpuOff+a.NumGPUs]
	if g < 1000 {
		best := -1
		for i, f := range devs {
			if int64(f) >= g && (best < 0 || f < devs[best]) {
				best = i
			}
		}
		if best < 0 {
			return 0, false
		}
		return 1 << best, true
	}
	var m DeviceMask
	need := g / 1000
	for i, f := range devs {
		if f == 1000 {
			m |= 1 << i
			if need--; need == 0 {
				return m, true
			}
		}
	}
	return 0, false
}

// Allocate takes req from the agent, on the given devices. It panics on
// misuse (devices that do not hold the request), which is a policy bug.
func (c *Cluster) Allocate(p Placement, req Request) {
	a := &c.agents[p.Agent]
	c.applyDevices(a, p.Devices, req.Res[GPU], -1)
	a.Free = a.Free.Sub(req.Res)
	if a.Up {
		c.free = c.free.Sub(req.Res)
	}
	a.Tasks[req.GPUKind()]++
	if req.Group != 0 {
		c.groups.add(p.Agent, a.Zone, a.Rack, req.Group, req.Replica, 1)
	}
	c.changed(p.Agent)
}

// Release returns req to the agent's devices and free pool.
func (c *Cluster) Release(p Placement, req Request) {
	a := &c.agents[p.Agent]
	c.applyDevices(a, p.Devices, req.Res[GPU], +1)
	a.Free = a.Free.Add(req.Res)
	if a.Up {
		c.free = c.free.Add(req.Res)
	}
	if k := req.GPUKind(); a.Tasks[k] > 0 {
		a.Tasks[k]--
	}
	if req.Group != 0 {
		c.groups.add(p.Agent, a.Zone, a.Rack, req.Group, req.Replica, -1)
	}
	c.changed(p.Agent)
}

func (c *Cluster) applyDevices(a *Agent, m DeviceMask, g int64, sign int32) {
	if g == 0 {
		return
	}
	per := int32(min(g, 1000))
	if want := max(int(g/1000), 1); m.Count() != want {
		panic(fmt.Sprintf("allocator: %d devices for a %d milli-GPU request on agent %q", m.Count(), g, a.Name))
	}
	// Check every device first so that a misuse leaves the cluster unchanged.
	for rest := m; rest != 0; rest &= rest - 1 {
		i := int32(bits.TrailingZeros64(uint64(rest)))
		if i >= a.NumGPUs {
			panic(fmt.Sprintf("allocator: device %d on agent %q with %d GPUs", i, a.Name, a.NumGPUs))
		}
		if f := c.gpuFree[a.gpuOff+i] + sign*per; f < 0 || f > 1000 {
			panic(fmt.Sprintf("allocator: device %d of agent %q would be at %d milli", i, a.Name, f))
		}
	}
	for ; m != 0; m &= m - 1 {
		c.gpuFree[a.gpuOff+int32(bits.TrailingZeros64(uint64(m)))] += sign * per
	}
}
