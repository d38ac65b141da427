package sim

import (
	"slices"
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// Preemption for gangs: a gang job (all of its tasks or none) that does not
// fit may preempt as a lone task does, but only if every one of its tasks
// then has a place; otherwise nothing is preempted.

// gangStep is one task of a gang placed tentatively, with the victims taken
// for it.
type gangStep struct {
	id      TaskID
	p       allocator.Placement
	victims []victim
}

// PlaceGang finds a place for each of the gang's pending attempts ids, in
// order: where place (the mode's policy) finds one, or else by preempting
// lower-priority tasks as Place does. Each task is placed tentatively (its
// victims taken out of the cluster and the accounting) so that the next
// sees what it leaves. If every task has a place, the victims are
// preempted and the placements returned for the caller to launch, in order;
// if one has none, everything is put back and nothing is preempted.
func (p *Preemptor) PlaceGang(ids []TaskID, place func(TaskID) (allocator.Placement, bool)) ([]allocator.Placement, bool, error) {
	if p.Limit > 0 && p.searches >= p.Limit {
		return nil, false, nil
	}
	p.searches++ // one search budget for the gang: its tasks are one decision
	c := p.e.Cluster()
	steps := p.gangSteps[:0]
	defer func() { p.gangSteps = steps[:0] }()
	undo := func() {
		for i := len(steps) - 1; i >= 0; i-- {
			s := &steps[i]
			c.Release(s.p, p.e.Task(s.id).Spec.Req)
			for j := len(s.victims) - 1; j >= 0; j-- {
				v := s.victims[j]
				c.Allocate(v.p, v.req)
				p.account(p.e.Task(v.id), +1)
				delete(p.taken, v.id)
			}
		}
	}
	for _, id := range ids {
		t := p.e.Task(id)
		req := t.Spec.Req
		if pl, ok := place(id); ok {
			c.Allocate(pl, req)
			steps = append(steps, gangStep{id: id, p: pl})
			continue
		}
		below := sort.Search(len(p.prios), func(i int) bool { return p.prios[i] >= min(t.Spec.Priority, p.Protect) })
		if below == 0 || p.knownNoRoom(t.Spec.Priority, &req) {
			undo()
			return nil, false, nil
		}
		agent, ok := p.search(t.Spec.Priority, req, below)
		if !ok {
			undo() // not remembered: the gang's own tasks took room a lone task would have
			return nil, false, nil
		}
		s := gangStep{id: id, victims: slices.Clone(p.best)}
		for _, v := range s.victims {
			c.Release(v.p, v.req)
			p.account(p.e.Task(v.id), -1)
			if p.taken == nil {
				p.taken = map[TaskID]bool{}
			}
			p.taken[v.id] = true
		}
		devs, ok := c.PickDevices(agent, req)
		if !ok || !c.Fits(agent, req) {
			undo()
			return nil, false, errNoRoomAfterPreemption
		}
		s.p = allocator.Placement{Agent: agent, Devices: devs}
		c.Allocate(s.p, req)
		steps = append(steps, s)
	}
	// Every task has a place: put the tentative state back, then preempt for
	// real. The victims of all the tasks leave before any task starts, so
	// each placement finds at least the room it had tentatively.
	undo()
	out := make([]allocator.Placement, len(steps))
	for i, s := range steps {
		for _, v := range s.victims {
			if err := p.e.Preempt(v.id); err != nil {
				return nil, false, err
			}
		}
		out[i] = s.p
	}
	return out, true, nil
}
