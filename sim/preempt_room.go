package sim

import (
	"slices"
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// The preemptor's room accounting: per priority level and agent, what a
// task above that level could get there by preemption (see Preemptor.room).
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
