package drf

import "github.com/allocsim/allocsim/allocator"

// walkState is the state of one agent's walk through the sorted clients.
type walkState struct {
	now   allocator.Time
	id    allocator.AgentID
	ag    *agentState
	h     *agentHot
	gpu   bool
	stage int
	free  allocator.Resources // everything still free on the agent
	unres allocator.Resources // the unreserved part of free
	done  bool
	made  bool
	// all-filtered detection: frameworks looked at, how many were filtered,
	// and the meet/earliest expiry of their filters.
	seen, filt int32
	meet       allocator.Resources
	exp        allocator.Time
}

// Allocate runs one cycle over all agents.
func (a *Alloc) Allocate(now allocator.Time) []allocator.Offer {
	a.trigAll = false
	for _, id := range a.trigAgents {
		a.agents[id].trig = false
	}
	a.trigAgents = a.trigAgents[:0]
	return a.cycle(now, a.order)
}

// AllocateTriggered runs the cycle the last events asked for.
func (a *Alloc) AllocateTriggered(now allocator.Time) []allocator.Offer {
	if a.trigAll {
		return a.Allocate(now)
	}
	ids := a.trigBuf[:0]
	for _, id := range a.trigAgents {
		a.agents[id].trig = false
		if a.agents[id].present {
			ids = append(ids, id)
		}
	}
	a.trigAgents = a.trigAgents[:0]
	a.trigBuf = ids
	return a.cycle(now, ids)
}

func (a *Alloc) shuffle(ids []allocator.AgentID) {
	r := a.cfg.Rand
	for i := len(ids) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		ids[i], ids[j] = ids[j], ids[i]
	}
}

// cycle is Mesos's two stages over the given agents: quota guarantees first,
// then fair share for everyone, agents reshuffled in between.
func (a *Alloc) cycle(now allocator.Time, ids []allocator.AgentID) []allocator.Offer {
	a.out = a.out[:0]
	if a.needResort {
		a.resort()
	}
	if a.activeAll == 0 || len(ids) == 0 {
		return a.out
	}
	a.shuffle(ids)
	if a.nUnmet > 0 {
		a.visit(now, ids, 1)
		a.shuffle(ids)
	}
	a.visit(now, ids, 2)
	return a.out
}

// visit walks the agents of one stage. Agents come in a random order, so
// each record is a cache miss. A tight loop touching the records of the next
// chunk first lets the processor have all of those misses in flight at once
// (they are independent); the chunk is then decided from cache.
func (a *Alloc) visit(now allocator.Time, ids []allocator.AgentID, stage int) {
	const chunk = 32
	var sink int32
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		for _, id := range part {
			sink += a.hot[id].nFilt
		}
		for _, id := range part {
			if stage == 1 && a.nUnmet == 0 {
				a.sink = sink
				return
			}
			a.allocAgent(now, id, stage)
		}
	}
	a.sink = sink
}

func (a *Alloc) allocAgent(now allocator.Time, id allocator.AgentID, stage int) {
	h := &a.hot[id]
	if !h.up {
		return
	}
	free := h.avail.unpack()
	if !a.minAllocatable(free) {
		return
	}
	// Every eligible framework refuses at least this much: skip the agent
	// without visiting 1,000 frameworks.
	if h.nFilt > 0 && h.nFilt >= a.eligible(h) && now < h.exp && h.meet.unpack().Contains(free) {
		return
	}
	var ag *agentState
	unres := free
	if h.resv {
		ag = &a.agents[id]
		for i := range ag.resv {
			e := &ag.resv[i]
			unres = unres.Sub(e.amount.Sub(e.used))
		}
	}
	a.w = walkState{now: now, id: id, ag: ag, h: h, gpu: h.gpu && !a.cfg.NoGPUFilter, stage: stage,
		free: free, unres: unres, meet: noMeet, exp: allocator.Never}
	a.walk(0, 0)
	if len(a.dirtyList) > 0 {
		a.flush()
	}
	w := &a.w
	if stage == 2 && !w.made && w.seen > 0 && w.filt == w.seen && w.seen >= a.eligible(h) {
		h.meet, h.exp = pack(w.meet), w.exp
	}
	a.w.ag = nil
}

// walk visits p's children in order: roles recursively, frameworks by trying
// an offer, until the agent has nothing allocatable left.
func (a *Alloc) walk(p int32, depth int) {
	if a.cfg.Sorter == SorterRandom {
		a.walkRandom(p, depth)
		return
	}
	for i, k := range a.clients[p].kids.items() {
		if a.w.done {
			return
		}
		a.visitKid(k, depth, i)
	}
}

// visitKid offers the agent to a framework, or walks a role's subtree. i is
// the child's index among its siblings (-1 when unknown).
func (a *Alloc) visitKid(k int32, depth, i int) {
	c := &a.clients[k]
	if c.fw >= 0 {
		if a.tryOffer(allocator.FrameworkID(c.fw)) && i >= 0 {
			c.hint = int32(i)
		}
		return
	}
	if a.w.stage == 1 && c.depth == 1 {
		if t := a.topRole[k]; t < 0 || a.roles[t].unmet.IsZero() {
			return
		}
	}
	if i >= 0 {
		c.hint = int32(i)
	}
	a.walk(k, depth+1)
}

// tryOffer offers framework f what it may take of the agent, unless the
// capability, minimum-allocatable or filter rules say no; true if it did.
func (a *Alloc) tryOffer(f allocator.FrameworkID) bool {
	w := &a.w
	fs := &a.fws[f]
	if w.gpu && !fs.gpu {
		return false
	}
	w.seen++
	ag := w.ag
	var resv allocator.Resources
	if ag != nil {
		for i := range ag.resv {
			if e := &ag.resv[i]; a.reservedFor(e.role, fs.role) {
				resv = resv.Add(e.amount.Sub(e.used))
			}
		}
	}
	unres := w.unres
	if len(a.tops) > 0 {
		unres = a.capUnres(fs.role, unres)
	}
	res := unres.Add(resv)
	if !a.minAllocatable(res) {
		return false
	}
	if hit, fv := a.filtered(w.now, fs, f, w.id, res); hit {
		w.filt++
		w.meet = w.meet.Min(fv.refused)
		w.exp = min(w.exp, fv.expires)
		return false
	}
	a.newOffer(w.now, f, w.id, res, resv)
	for d, v := range res { // agent quantities fit 32 bits (AddAgent checks)
		w.h.offered[d] += int32(v)
		w.h.avail[d] -= int32(v)
	}
	if !resv.IsZero() {
		for i := range ag.resv {
			if e := &ag.resv[i]; a.reservedFor(e.role, fs.role) {
				e.used = e.amount
			}
		}
	}
	a.chargeUnres(fs.role, unres)
	a.markPending(fs.client, res, true)
	w.made = true
	w.unres = w.unres.Sub(unres)
	w.free = w.free.Sub(res)
	if !a.minAllocatable(w.free) {
		w.done = true
	}
	return true
}
