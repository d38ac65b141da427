package offers

import (
	"fmt"
	"sort"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// staticMode is static partitioning: every framework owns a fixed slice of
// the cluster and schedules monolithically inside it. GPU agents are split
// among GPU-capable frameworks, the others among the rest (among all when
// every framework is GPU-capable), by share. Each slice is a private Cluster
// so that the placement policies and their indices work unchanged.
type staticMode struct {
	env       sim.ModeEnv
	e         *sim.Engine
	shares    []float64
	scanLimit int
	parts     []partition
	owner     []int32             // per global agent: its partition
	local     []allocator.AgentID // per global agent: its id in the partition's cluster
	placement string
	gpuFws    []int // GPU-capable frameworks
	cpuFws    []int
}

type partition struct {
	c      *allocator.Cluster
	global []allocator.AgentID // local → global agent
	placer allocator.Placer
	q      queue
	dirty  bool // pending work or freed resources since the last cycle
	nGPU   int  // agents with GPUs
}

func newStatic(env sim.ModeEnv) (sim.Mode, error) {
	p := env.Params
	if err := p.Check(append([]string{"shares", "placement", "scan_limit"}, sim.PlacerParamNames...)...); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if _, err := sim.PlacerParams(p); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if len(env.Frameworks) == 0 {
		return nil, fmt.Errorf("static: the scenario defines no frameworks to partition the cluster among")
	}
	for _, f := range env.Frameworks {
		if err := sim.CheckFrameworkParams("static", f.Params); err != nil {
			return nil, fmt.Errorf("static: framework %q: %w", f.Name, err)
		}
	}
	m := &staticMode{env: env}
	var err error
	if m.placement, err = p.String("placement", "first-fit"); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if m.scanLimit, err = wholeNumber(p, "scan_limit", 1000); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if err := sim.CheckPlacerParams(p, sim.Placements(m.placement, env.Frameworks)...); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	m.shares = make([]float64, len(env.Frameworks))
	for i := range m.shares {
		m.shares[i] = 1
	}
	if v, ok := p["shares"]; ok {
		sm, isMap := v.(map[string]any)
		if !isMap {
			return nil, fmt.Errorf("static: parameter \"shares\": want a map of framework name to share, got %T", v)
		}
		names := make([]string, 0, len(sm))
		for k := range sm {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, n := range names {
			i := -1
			for j, f := range env.Frameworks {
				if f.Name == n {
					i = j
				}
			}
			if i < 0 {
				return nil, fmt.Errorf("static: parameter \"shares\": no framework named %q", n)
			}
			s, err := allocator.Params(sm).Float(n, 0)
			if err != nil || s <= 0 {
				return nil, fmt.Errorf("static: parameter \"shares\": %q: want a share > 0", n)
			}
			m.shares[i] = s
		}
	}
	for i, f := range env.Frameworks {
		if f.GPUCapable {
			m.gpuFws = append(m.gpuFws, i)
		} else {
			m.cpuFws = append(m.cpuFws, i)
		}
	}
	if len(m.cpuFws) == 0 {
		m.cpuFws = m.gpuFws
	}
	return m, nil
}

func (m *staticMode) Init(e *sim.Engine) error {
	m.e = e
	rnd := substream(m.env.Rand)
	m.parts = make([]partition, len(m.env.Frameworks))
	for i, f := range m.env.Frameworks {
		name := m.placement
		if f.Placement != "" {
			name = f.Placement
		}
		pl, err := sim.NewPlacer(m.env.Params, name, allocator.PlacerEnv{Rand: rnd, Typical: m.env.Typical})
		if err != nil {
			return fmt.Errorf("static: framework %q: %w", f.Name, err)
		}
		m.parts[i] = partition{c: allocator.NewCluster(), placer: pl}
	}
	return m.assignAgents()
}

// assignAgents gives every new agent to the partition furthest below its
// share of its kind (GPU or not), so slices interleave across racks.
func (m *staticMode) assignAgents() error {
	c := m.e.Cluster()
	for id := allocator.AgentID(len(m.owner)); int(id) < c.NumAgents(); id++ {
		a := c.Agent(id)
		cands := m.cpuFws
		if a.NumGPUs > 0 && len(m.gpuFws) > 0 {
			cands = m.gpuFws
		}
		best, bestDeficit := -1, 0.0
		var total float64
		n := 0
		for _, f := range cands {
			total += m.shares[f]
			n += m.countKind(f, a.NumGPUs > 0)
		}
		for _, f := range cands {
			deficit := m.shares[f]/total*float64(n+1) - float64(m.countKind(f, a.NumGPUs > 0))
			if best < 0 || deficit > bestDeficit {
				best, bestDeficit = f, deficit
			}
		}
		p := &m.parts[best]
		model := ""
		if a.NumGPUs > 0 {
			model = c.Models[a.GPUModel]
		}
		lid, err := p.c.AddAgent(allocator.AgentSpec{Name: a.Name, Capacity: a.Capacity, GPUModel: model,
			Rack: c.Racks[a.Rack], Zone: c.Zones[a.Zone]})
		if err != nil {
			return fmt.Errorf("static: %w", err)
		}
		if !a.Up {
			p.c.SetUp(lid, false)
		}
		p.global = append(p.global, id)
		if a.NumGPUs > 0 {
			p.nGPU++
		}
		m.owner = append(m.owner, int32(best))
		m.local = append(m.local, lid)
		p.dirty = true
	}
	return nil
}

// countKind counts a partition's agents with (gpu) or without GPUs.
func (m *staticMode) countKind(f int, gpu bool) int {
	p := &m.parts[f]
	if gpu {
		return p.nGPU
	}
	return p.c.NumAgents() - p.nGPU
}

func (m *staticMode) TaskPending(now allocator.Time, id sim.TaskID) {
	t := m.e.Task(id)
	f := t.Spec.Framework
	if f < 0 || int(f) >= len(m.parts) {
		m.e.Fail(fmt.Errorf("static: task %d of unknown framework %d", t.Seq, f))
		return
	}
	p := &m.parts[f]
	p.q.push(t.Spec.Priority, id, t.Seq)
	p.dirty = true
	m.e.TriggerCycle()
}

func (m *staticMode) TaskEnded(now allocator.Time, id sim.TaskID) {
	t := m.e.Task(id)
	if !t.Started {
		m.parts[t.Spec.Framework].q.ended()
		return
	}
	g := t.Placement.Agent
	p := &m.parts[m.owner[g]]
	p.c.Release(allocator.Placement{Agent: m.local[g], Devices: t.Placement.Devices}, t.Spec.Req)
	p.dirty = true
}

func (m *staticMode) ResourcesFreed(now allocator.Time, a allocator.AgentID) {
	if int(a) < len(m.owner) && m.parts[m.owner[a]].q.n > 0 {
		m.e.TriggerCycle()
	}
}

func (m *staticMode) AgentChanged(now allocator.Time, a allocator.AgentID) {
	if int(a) >= len(m.owner) {
		if err := m.assignAgents(); err != nil {
			m.e.Fail(err)
		}
		return
	}
	p := &m.parts[m.owner[a]]
	p.c.SetUp(m.local[a], m.e.Cluster().Agent(a).Up)
	p.dirty = true
}

// Cycle places each partition's pending tasks inside the partition.
func (m *staticMode) Cycle(now allocator.Time) {
	c := m.e.Counters()
	for i := range m.parts {
		p := &m.parts[i]
		if !p.dirty || p.q.n == 0 {
			continue
		}
		p.dirty = false
		misses := 0
		p.q.scan(m.e, func(id sim.TaskID, t *sim.Task) (bool, bool) {
			lp, ok := p.placer.Place(p.c, t.Spec.Req, allocator.Candidates{})
			if ok {
				gp := allocator.Placement{Agent: p.global[lp.Agent], Devices: lp.Devices}
				ok = m.e.Launch(id, gp) == nil
			}
			if !ok {
				c.PlaceFailures++
				misses++
				return false, misses >= m.scanLimit
			}
			p.c.Allocate(lp, t.Spec.Req)
			misses = 0
			return true, false
		})
	}
}
