package omega

import (
	"fmt"
	"slices"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// decide takes the job at the head of the queue (its consecutive live
// attempts), places its tasks on the private copy and starts the think time.
func (m *mode) decide(now allocator.Time, s *sched, i int) {
	q := s.queue
	h := s.head
	for h < len(q) && !m.live(&q[h]) {
		h++
	}
	if h == len(q) {
		s.queue, s.head = q[:0], 0
		return
	}
	s.claims = s.claims[:0]
	job := q[h].job
	for ; h < len(q) && q[h].job == job; h++ {
		if m.live(&q[h]) {
			s.claims = append(s.claims, claim{entry: q[h]})
		}
	}
	// The job's attempts make one more decision; they were queued together
	// since their first, so they share its history (kept in each entry).
	tries, started := uint16(0), false
	for k := range s.claims {
		tries, started = max(tries, s.claims[k].tries), started || s.claims[k].started
	}
	if tries < 1<<16-1 {
		tries++
	}
	for k := range s.claims {
		s.claims[k].tries, s.claims[k].started = tries, started
	}
	s.head = h
	if s.head > len(q)/2 && s.head > 1024 {
		n := copy(q, q[s.head:])
		s.queue, s.head = q[:n], 0
	}

	c := m.e.Cluster()
	var onAgent map[allocator.AgentID]uint32 // the decision's own claims per agent
	var noRoom []allocator.Request           // shapes the copy had no room for
	for k := range s.claims {
		cl := &s.claims[k]
		req := m.e.Task(cl.id).Spec.Req
		if slices.Contains(noRoom, req) {
			continue
		}
		p, ok := m.place(s, req)
		if !ok {
			noRoom = append(noRoom, req)
			m.e.Counters().PlaceFailures++
			continue
		}
		if onAgent == nil {
			onAgent = map[allocator.AgentID]uint32{}
		}
		cl.p, cl.placed = p, true
		cl.agentSeq = m.agentSeq[p.Agent] + onAgent[p.Agent]
		onAgent[p.Agent]++
		if k+1 < len(s.claims) {
			c.Allocate(p, req) // tentatively: later tasks of the job see it
			cl.held = true
		}
	}
	for k := len(s.claims) - 1; k >= 0; k-- {
		if cl := &s.claims[k]; cl.held {
			c.Release(cl.p, m.e.Task(cl.id).Spec.Req)
			cl.held = false
		}
	}
	s.think = s.params.thinkJob + allocator.Time(len(s.claims))*s.params.thinkTask
	s.busy = true
	m.e.At(now+s.think, m.hCommit, int64(i))
}

// place picks an agent and devices for req on the cluster as it is.
func (m *mode) place(s *sched, req allocator.Request) (allocator.Placement, bool) {
	if !m.idx.Admits(req) {
		return allocator.Placement{}, false
	}
	c := m.e.Cluster()
	if s.placer != nil {
		// A scoring policy scans every agent: ask the index first whether
		// any can hold the task (see the monolithic mode).
		if _, ok := m.idx.FirstFit(req); !ok {
			return allocator.Placement{}, false
		}
		return s.placer.Place(c, req, allocator.Candidates{})
	}
	a, ok := m.idx.FirstFit(req)
	if !ok {
		return allocator.Placement{}, false
	}
	d, ok := c.PickDevices(a, req)
	return allocator.Placement{Agent: a, Devices: d}, ok
}

// commit applies a finished decision to the shared cluster. Claims that
// conflict (and, all-or-nothing, every claim of a transaction with one) are
// refused; they and the tasks the copy had no room for are retried.
func (m *mode) commit(now allocator.Time, s *sched, i int) {
	s.commitDue, s.busy = false, false
	k := m.e.Counters()
	k.SchedulerBusy += s.think
	// Claims of attempts no longer pending drop out; unplaced ones retry.
	var retry []entry
	live := s.claims[:0]
	for _, cl := range s.claims {
		switch {
		case !m.live(&cl.entry):
		case !cl.placed:
			retry = append(retry, cl.entry)
		default:
			live = append(live, cl)
		}
	}
	s.claims = live
	all := !m.cell.gang || m.gangAdmits(s.claims)
	refused := 0
	for j := range s.claims {
		cl := &s.claims[j]
		if all && (m.cell.gang || m.admit(cl, m.e.Task(cl.id).Spec.Req)) {
			m.launch(cl)
			continue
		}
		refused++
		retry = append(retry, cl.entry)
	}
	claims := len(s.claims)
	if claims > 0 {
		k.Transactions++
		if refused > 0 {
			k.TxConflicted++
			k.Conflicts += int64(refused)
		}
	}
	if refused < claims {
		for j := range retry {
			retry[j].started = true // a task of the job was committed
		}
	}
	m.retry(now, s, i, retry)
}

// gangAdmits reports whether every claim is admitted with the ones before
// it applied; it leaves the cluster as it was (devices chosen again stay in
// the claims).
func (m *mode) gangAdmits(claims []claim) bool {
	c := m.e.Cluster()
	n := 0
	for ; n < len(claims); n++ {
		cl := &claims[n]
		req := m.e.Task(cl.id).Spec.Req
		if !m.admit(cl, req) {
			break
		}
		c.Allocate(cl.p, req)
		m.agentSeq[cl.p.Agent]++
	}
	for j := n - 1; j >= 0; j-- {
		cl := &claims[j]
		c.Release(cl.p, m.e.Task(cl.id).Spec.Req)
		m.agentSeq[cl.p.Agent]--
	}
	return n == len(claims)
}

// admit checks a claim against the shared cluster: coarse-grained, nothing
// may have been committed on the agent since the copy; fine-grained, the
// agent must still have room (its devices may then be chosen again).
func (m *mode) admit(cl *claim, req allocator.Request) bool {
	c := m.e.Cluster()
	if m.cell.coarse && m.agentSeq[cl.p.Agent] != cl.agentSeq {
		return false
	}
	if !c.Fits(cl.p.Agent, req) {
		return false
	}
	if devicesHold(c, cl.p, req) {
		return true
	}
	d, ok := c.PickDevices(cl.p.Agent, req)
	cl.p.Devices = d
	return ok && !m.cell.coarse
}

// devicesHold reports whether the claim's devices still have room for req.
func devicesHold(c *allocator.Cluster, p allocator.Placement, req allocator.Request) bool {
	g := req.Res[allocator.GPU]
	if g == 0 {
		return true
	}
	free := c.GPUFree(p.Agent)
	n := int64(0)
	for d, f := range free {
		if p.Devices&(1<<d) == 0 {
			continue
		}
		n++
		if (g < 1000 && int64(f) < g) || (g >= 1000 && f != 1000) {
			return false
		}
	}
	if g < 1000 {
		return n == 1
	}
	return n == g/1000
}

func (m *mode) launch(cl *claim) {
	if err := m.e.Launch(cl.id, cl.p); err != nil {
		m.e.Fail(fmt.Errorf("omega: %w", err))
		return
	}
	m.agentSeq[cl.p.Agent]++
}

var _ sim.Mode = (*mode)(nil)
