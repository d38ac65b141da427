package sim

import (
	"errors"
	"math/rand/v2"
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

	// taken are the victims a gang placement holds tentatively (PlaceGang):
	// no other task of the gang may take them again.
	taken     map[TaskID]bool
	gangSteps []gangStep
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

// NewCycle resets the per-cycle search budget.
func (p *Preemptor) NewCycle() { p.searches = 0 }

// AgentChanged: an agent was added, came back or went down; room may have
// appeared.
func (p *Preemptor) AgentChanged() { p.noRoom = p.noRoom[:0] }

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
