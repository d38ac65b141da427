package sim

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/allocsim/allocsim/allocator"
)

// Finding victims: which agent, and which of its tasks.
// search visits the agents from a random offset and leaves the cheapest
// victim set found in p.best.
func (p *Preemptor) search(prio int32, req allocator.Request, below int) (allocator.AgentID, bool) {
	c := p.e.Cluster()
	n := c.NumAgents()
	if n == 0 {
		return -1, false
	}
	start := p.rnd.IntN(n)
	found := 0
	best := allocator.AgentID(-1)
	var bestCost cost
	room := p.room[below-1]
	for i := 0; i < n && found < p.Candidates; i++ {
		a := allocator.AgentID(start + i)
		if int(a) >= n {
			a -= allocator.AgentID(n)
		}
		if !room[a].Contains(req.Res) {
			continue
		}
		if ag := c.Agent(a); !ag.Up || (req.Res[allocator.GPU] > 0 && !req.GPUModels.Allows(ag.GPUModel)) {
			continue
		}
		if !p.victimsOn(a, prio, req) {
			continue
		}
		found++
		if k := costOf(p.trial); best < 0 || k.less(bestCost) {
			best, bestCost = a, k
			p.best = append(p.best[:0], p.trial...)
		}
	}
	return best, best >= 0
}

// victimsOn leaves in p.trial a minimal set of tasks on agent a, below
// priority prio, whose preemption lets req fit there, or reports there is
// none.
func (p *Preemptor) victimsOn(a allocator.AgentID, prio int32, req allocator.Request) bool {
	c := p.e.Cluster()
	p.elig = p.elig[:0]
	limit := min(prio, p.Protect)
	for id := p.e.FirstOnAgent(a); id != NoTask; id = p.e.NextOnAgent(id) {
		t := p.e.Task(id)
		if t.Spec.Priority < limit && !p.taken[id] {
			p.elig = append(p.elig, victim{id, t.Spec.Priority, t.Start, t.Seq, t.Placement, t.Spec.Req})
		}
	}
	// Lowest priority first; within one, the latest started (least work lost).
	slices.SortFunc(p.elig, func(x, y victim) int {
		if c := cmp.Compare(x.prio, y.prio); c != 0 {
			return c
		}
		if c := cmp.Compare(y.start, x.start); c != 0 {
			return c
		}
		return cmp.Compare(y.seq, x.seq)
	})
	ag := c.Agent(a)
	free := ag.Free
	p.devs = append(p.devs[:0], c.GPUFree(a)...)
	// With limits, the job's tasks on the agent and in its rack count less
	// the victims among them (gone).
	var onAgent, inRack, gone int32
	if req.Limited() {
		onAgent = c.GroupOn(a, req.Group)
		if req.RackLimit > 0 {
			inRack = c.GroupInRack(ag.Rack, req.Group)
		}
	}
	fits := func() bool {
		return free.Contains(req.Res) && allocator.DevicesFit(p.devs, ag.GPUModel, req) &&
			(!req.Limited() || ((req.HostLimit == 0 || onAgent-gone < int32(req.HostLimit)) &&
				(req.RackLimit == 0 || inRack-gone < int32(req.RackLimit))))
	}
	take := func(v victim, sign int32) { // +1 evicts v in thought, −1 spares it
		if sign > 0 {
			free = free.Add(v.req.Res)
		} else {
			free = free.Sub(v.req.Res)
		}
		p.moveDevices(v, sign)
		if req.Limited() && v.req.Group == req.Group {
			gone += sign
		}
	}
	p.trial = p.trial[:0]
	for _, v := range p.elig {
		if fits() {
			break
		}
		take(v, +1)
		p.trial = append(p.trial, v)
	}
	if !fits() {
		return false
	}
	// Spare victims, the most important first, while the task still fits.
	for i := len(p.trial) - 1; i >= 0; i-- {
		v := p.trial[i]
		take(v, -1)
		if fits() {
			p.trial = slices.Delete(p.trial, i, i+1)
			continue
		}
		take(v, +1)
	}
	return true
}

// moveDevices gives back (sign +1) or takes again (-1) a victim's GPU share
// on the scratch copy of its agent's devices.
func (p *Preemptor) moveDevices(v victim, sign int32) {
	g := v.req.Res[allocator.GPU]
	if g == 0 {
		return
	}
	per := sign * int32(min(g, 1000))
	for m := v.p.Devices; m != 0; m &= m - 1 {
		p.devs[bits.TrailingZeros64(uint64(m))] += per
	}
}

// cost orders victim sets: lower is cheaper.
type cost struct {
	maxPrio   int32
	n         int
	lastStart allocator.Time // of the victims, the earliest start (later is cheaper)
}

func costOf(vs []victim) cost {
	k := cost{maxPrio: math.MinInt32, n: len(vs), lastStart: allocator.Never}
	for _, v := range vs {
		k.maxPrio = max(k.maxPrio, v.prio)
		k.lastStart = min(k.lastStart, v.start)
	}
	return k
}

func (k cost) less(o cost) bool {
	switch {
	case k.maxPrio != o.maxPrio:
		return k.maxPrio < o.maxPrio
	case k.n != o.n:
		return k.n < o.n
	}
	return k.lastStart > o.lastStart
}
