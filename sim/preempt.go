package sim

import (
	"cmp"
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// Preemptor makes room for a pending task that fits nowhere by preempting
// running tasks of lower priority, as Borg does (Verma et al., EuroSys 2015,
// §2.5 and §3.2): on the chosen agent it evicts lower-priority tasks, from
// the lowest priority up, until the task fits. Preempted tasks go back to the
// queue as new attempts (Engine.Preempt).
//
// The agent is chosen by what the preemption costs, with part of the
// Kubernetes default preemption's node ordering (without its disruption
// budgets and sum of victim priorities): among up to Candidates agents where a
// victim set exists (visited from a seeded random offset), the one whose
// most important victim has the lowest priority, then the fewest victims,
// then the victims started last (the least work lost), then the first found.
// Each victim set is minimal: after the greedy pass, victims are spared from
// the most important down whenever the task still fits without them.
//
// A mode owns a Preemptor, tells it about every task it launches and every
// task that ends (Started, Ended) and about agents that change, and calls
// Place for a task its policy could not place. Only tasks below Protect are
// ever preempted.
type Preemptor struct {
	Protect    int32 // tasks at this priority or above are never preempted
	Candidates int   // agents with a victim set to compare before choosing
	Limit      int   // searches per cycle; 0 = no limit

	e   *Engine
	rnd *rand.Rand

	// prios are the priorities below Protect seen running, ascending.
	// room[l][a] is agent a's free resources plus what its tasks of
	// priorities prios[0..l] hold: all a task above prios[l] could get there
	// by preemption. A search reads one array front to back. lastFree is
	// each agent's free resources as room last saw them (the cluster tells
	// which agent changed, not by how much). total[l] is what tasks of
	// priority prios[l] hold in all.
	prios    []int32
	room     [][]allocator.Resources
	lastFree []allocator.Resources
	total    []allocator.Resources

	searches int // this cycle
	// noRoom lists searches that found no agent since room last appeared
	// (see Ended); noRoomMin is their lowest priority.
	noRoom    []failedRoom
	noRoomMin int32

	devs        []int32 // scratch: an agent's devices as the victims would leave them
	elig, trial []victim
	best        []victim
}

// failedRoom: no victim set exists for a task of this priority and request.
type failedRoom struct {
	prio int32
	req  allocator.Request
}

type victim struct {
	id    TaskID
	prio  int32
	start allocator.Time
	seq   int64
	p     allocator.Placement
	req   allocator.Request
}

// NewPreemptor returns a preemptor for engine e. Where each search starts is
// drawn from the run's "preemption" stream, so that turning preemption on
// shifts no other random choice.
func NewPreemptor(e *Engine, protect int32, candidates, limit int) *Preemptor {
	p := &Preemptor{Protect: protect, Candidates: max(candidates, 1), Limit: limit, e: e,
		rnd: Stream(e.cfg.Seed, "preemption")}
	p.grow()
	e.Cluster().Watch(p.agentChanged)
	return p
}

// grow extends the tables to agents added since they were last sized:
// nothing runs there yet, so their room is what they have free.
func (p *Preemptor) grow() {
	c := p.e.Cluster()
	for a := len(p.lastFree); a < c.NumAgents(); a++ {
		f := c.Agent(allocator.AgentID(a)).Free
		p.lastFree = append(p.lastFree, f)
		for l := range p.room {
			p.room[l] = append(p.room[l], f)
		}
	}
}

// agentChanged follows the agent's free resources into room.
func (p *Preemptor) agentChanged(a allocator.AgentID) {
	if int(a) >= len(p.lastFree) {
		p.grow()
	}
	f := p.e.Cluster().Agent(a).Free
	if d := f.Sub(p.lastFree[a]); !d.IsZero() {
		for l := range p.room {
			p.room[l][a] = p.room[l][a].Add(d)
		}
		p.lastFree[a] = f
	}
}

// NewCycle resets the per-cycle search budget.
func (p *Preemptor) NewCycle() { p.searches = 0 }

// AgentChanged: an agent was added, came back or went down; room may have
// appeared.
func (p *Preemptor) AgentChanged() { p.noRoom = p.noRoom[:0] }

// level returns the index of priority prio in prios, adding it if needed.
func (p *Preemptor) level(prio int32) int {
	l := sort.Search(len(p.prios), func(i int) bool { return p.prios[i] >= prio })
	if l < len(p.prios) && p.prios[l] == prio {
		return l
	}
	// Nothing runs at prio yet: its room is that of the level below.
	below := p.lastFree
	if l > 0 {
		below = p.room[l-1]
	}
	p.room = slices.Insert(p.room, l, slices.Clone(below))
	p.prios = slices.Insert(p.prios, l, prio)
	p.total = slices.Insert(p.total, l, allocator.Resources{})
	return l
}

// below returns what tasks of the lowest k priority levels hold on agent a.
func (p *Preemptor) below(a allocator.AgentID, k int) allocator.Resources {
	if k == 0 {
		return allocator.Resources{}
	}
	return p.room[k-1][a].Sub(p.lastFree[a])
}

// Started records a task the mode launched.
func (p *Preemptor) Started(t *Task) { p.account(t, +1) }

// Ended records a task that ended; tasks that never started are ignored.
func (p *Preemptor) Ended(t *Task) {
	if !t.Started {
		return
	}
	p.account(t, -1)
	// The room a search sees for priority q is what is free plus what tasks
	// below min(q, Protect) hold: the end of one of those only moves
	// resources from the second to the first, but the end of any other
	// task adds room, so failed searches may now succeed.
	if len(p.noRoom) > 0 && t.Spec.Priority >= min(p.noRoomMin, p.Protect) {
		p.noRoom = p.noRoom[:0]
	}
}

func (p *Preemptor) account(t *Task, sign int64) {
	if t.Spec.Priority >= p.Protect {
		return
	}
	l, a := p.level(t.Spec.Priority), t.Placement.Agent
	r := t.Spec.Req.Res.Scale(sign)
	for k := l; k < len(p.room); k++ {
		p.room[k][a] = p.room[k][a].Add(r)
	}
	p.total[l] = p.total[l].Add(r)
}

// Place preempts what pending task id needs and launches it, reporting
// whether it did. It fails when no agent has a victim set, when this cycle's
// search budget is spent, or when an equal or larger request at the same or
// a higher priority found no room and none has appeared since (Ended and
// AgentChanged say when it may have).
func (p *Preemptor) Place(id TaskID) (bool, error) {
	t := p.e.Task(id)
	prio, req := t.Spec.Priority, t.Spec.Req
	below := sort.Search(len(p.prios), func(i int) bool { return p.prios[i] >= min(prio, p.Protect) })
	if below == 0 || p.knownNoRoom(prio, &req) || (p.Limit > 0 && p.searches >= p.Limit) {
		return false, nil
	}
	c := p.e.Cluster()
	room := c.Free()
	for l := range below {
		room = room.Add(p.total[l])
	}
	if !room.Contains(req.Res) {
		p.remember(prio, req)
		return false, nil
	}
	p.searches++
	agent, ok := p.search(prio, req, below)
	if !ok {
		p.remember(prio, req)
		return false, nil
	}
	for _, v := range p.best {
		if err := p.e.Preempt(v.id); err != nil {
			return false, err
		}
	}
	devs, ok := c.PickDevices(agent, req)
	if !ok || !c.Fits(agent, req) {
		return false, errNoRoomAfterPreemption
	}
	if err := p.e.Launch(id, allocator.Placement{Agent: agent, Devices: devs}); err != nil {
		return false, err
	}
	p.Started(t)
	return true, nil
}

var errNoRoomAfterPreemption = errors.New("sim: preemption freed too little room (a bug)")

// maxNoRoom bounds the memo, so that checking it stays cheap.
const maxNoRoom = 32

func (p *Preemptor) remember(prio int32, req allocator.Request) {
	if len(p.noRoom) == 0 || prio < p.noRoomMin {
		p.noRoomMin = prio
	}
	if len(p.noRoom) < maxNoRoom {
		p.noRoom = append(p.noRoom, failedRoom{prio, req})
	}
}

func (p *Preemptor) knownNoRoom(prio int32, r *allocator.Request) bool {
	for i := range p.noRoom {
		f := &p.noRoom[i]
		if prio <= f.prio && r.Res.Contains(f.req.Res) &&
			(f.req.GPUModels == 0 || (r.GPUModels != 0 && r.GPUModels&^f.req.GPUModels == 0)) {
			return true
		}
	}
	return false
}

// search visits the agents from a random offset and leaves the cheapest
// victim set found in p.best.
func (p *Preemptor) search(prio int32, req allocator.Request, below int) (allocator.AgentID, bool) {
	c := p.e.Cluster()
	n := c.NumAgents()
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
		if t.Spec.Priority < limit {
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
	fits := func() bool { return free.Contains(req.Res) && allocator.DevicesFit(p.devs, ag.GPUModel, req) }
	p.trial = p.trial[:0]
	for _, v := range p.elig {
		if fits() {
			break
		}
		free = free.Add(v.req.Res)
		p.moveDevices(v, +1)
		p.trial = append(p.trial, v)
	}
	if !fits() {
		return false
	}
	// Spare victims, the most important first, while the task still fits.
	for i := len(p.trial) - 1; i >= 0; i-- {
		v := p.trial[i]
		free = free.Sub(v.req.Res)
		p.moveDevices(v, -1)
		if fits() {
			p.trial = slices.Delete(p.trial, i, i+1)
			continue
		}
		free = free.Add(v.req.Res)
		p.moveDevices(v, +1)
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
