package drf

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// AddFramework registers an active framework and triggers a full cycle.
func (a *Alloc) AddFramework(now allocator.Time, id allocator.FrameworkID, info allocator.FrameworkInfo) error {
	if id < 0 {
		return fmt.Errorf("drf allocator: framework id %d", id)
	}
	if int(info.Role) < 0 || int(info.Role) >= len(a.roles) {
		return fmt.Errorf("drf allocator: framework %q: unknown role %d", info.Name, info.Role)
	}
	for int(id) >= len(a.fws) {
		a.fws = append(a.fws, fwState{client: -1})
	}
	if a.fws[id].present {
		return fmt.Errorf("drf allocator: framework %d (%q) added twice", id, info.Name)
	}
	leaf := a.roles[info.Role].leaf
	c := a.addClient(client{name: info.Name, parent: leaf, fw: int32(id), weight: 1, depth: a.clients[leaf].depth + 1})
	a.fws[id] = fwState{present: true, gpu: info.GPUCapable, role: info.Role, client: c}
	a.activate(id)
	a.trigAll = true
	return nil
}

func (a *Alloc) activate(id allocator.FrameworkID) {
	fs := &a.fws[id]
	if fs.active {
		return
	}
	fs.active = true
	a.activeAll++
	if fs.gpu {
		a.activeGPU++
	}
	a.countFilters(id, +1)
	a.setActive(fs.client, +1)
}

func (a *Alloc) deactivate(id allocator.FrameworkID) {
	fs := &a.fws[id]
	if !fs.active {
		return
	}
	a.setActive(fs.client, -1)
	a.countFilters(id, -1)
	fs.active = false
	a.activeAll--
	if fs.gpu {
		a.activeGPU--
	}
}

func (a *Alloc) known(id allocator.FrameworkID) bool {
	return id >= 0 && int(id) < len(a.fws) && a.fws[id].present
}

// RemoveFramework rescinds its offers and forgets it (its remaining
// allocation leaves the sorter with it).
func (a *Alloc) RemoveFramework(now allocator.Time, id allocator.FrameworkID) []allocator.Offer {
	if !a.known(id) {
		return nil
	}
	out := a.rescindWhere(func(o *allocator.Offer) bool { return o.Framework == id })
	a.deactivate(id)
	a.clearFilters(id)
	fs := &a.fws[id]
	cl := &a.clients[fs.client]
	// Its allocation leaves its role's subtree and the quota books.
	a.change(cl.parent, cl.alloc.Scale(-1), false)
	a.chargeUnres(fs.role, cl.alloc.Scale(-1))
	cl.alloc = allocator.Resources{}
	a.unrankFramework(fs.client)
	*fs = fwState{client: -1}
	return out
}

// Suppress takes the framework out of its role's sorter; filters stay.
func (a *Alloc) Suppress(now allocator.Time, id allocator.FrameworkID) {
	if a.known(id) {
		a.deactivate(id)
	}
}

// Revive clears the framework's filters, reactivates it and triggers a cycle.
func (a *Alloc) Revive(now allocator.Time, id allocator.FrameworkID) {
	if !a.known(id) {
		return
	}
	a.clearFilters(id)
	a.activate(id)
	a.trigAll = true
}

// Recover releases resources the framework's tasks held on the agent.
func (a *Alloc) Recover(now allocator.Time, f allocator.FrameworkID, agent allocator.AgentID, res allocator.Resources) {
	if !a.known(f) || res.IsZero() {
		return
	}
	fs := &a.fws[f]
	rest := res
	if int(agent) < len(a.agents) {
		ag := &a.agents[agent]
		for i := range ag.resv {
			e := &ag.resv[i]
			if rest.IsZero() {
				break
			}
			if a.reservedFor(e.role, fs.role) {
				back := rest.Min(e.used)
				e.used = e.used.Sub(back)
				rest = rest.Sub(back)
			}
		}
	}
	a.chargeUnres(fs.role, rest.Scale(-1))
	a.change(fs.client, res.Scale(-1), false)
}

// AddAgent starts offering an agent of the cluster.
func (a *Alloc) AddAgent(now allocator.Time, id allocator.AgentID, reserved []allocator.Reservation) error {
	if id < 0 || int(id) >= a.cfg.Cluster.NumAgents() {
		return fmt.Errorf("drf allocator: agent %d is not in the cluster", id)
	}
	for int(id) >= len(a.agents) {
		a.agents = append(a.agents, agentState{})
		a.hot = append(a.hot, agentHot{meet: noMeet32, exp: allocator.Never})
	}
	ag := &a.agents[id]
	if ag.present {
		return fmt.Errorf("drf allocator: agent %d added twice", id)
	}
	cl := a.cfg.Cluster.Agent(id)
	for d, v := range cl.Capacity {
		if v > math.MaxInt32 {
			return fmt.Errorf("drf allocator: agent %q: %s capacity %d is above 2^31 units", cl.Name, allocator.ResourceNames[d], v)
		}
	}
	var sum allocator.Resources
	for _, r := range reserved {
		if int(r.Role) < 0 || int(r.Role) >= len(a.roles) {
			return fmt.Errorf("drf allocator: agent %q: reservation for unknown role %d", cl.Name, r.Role)
		}
		if r.Res.AnyNegative() {
			return fmt.Errorf("drf allocator: agent %q: negative reservation %v", cl.Name, r.Res)
		}
		sum = sum.Add(r.Res)
	}
	if !cl.Capacity.Contains(sum) {
		return fmt.Errorf("drf allocator: agent %q: reservations %v exceed capacity %v", cl.Name, sum, cl.Capacity)
	}
	ag.present = true
	a.agentChanged(id)
	ag.resv = ag.resv[:0]
	for _, r := range reserved {
		ag.resv = append(ag.resv, resvEntry{role: r.Role, amount: r.Res})
	}
	a.hot[id].resv = len(ag.resv) > 0
	if cl.Up {
		a.countReservations(ag, +1)
		ag.counted = true
	}
	a.order = append(a.order, id)
	a.needResort = true
	a.trigger(id)
	return nil
}

// countReservations adds (d=+1) or removes the agent's reservations from
// the cluster's and the roles' quota books (the agent went up or down).
func (a *Alloc) countReservations(ag *agentState, d int64) {
	for _, e := range ag.resv {
		r := e.amount.Scale(d)
		a.resvCap = a.resvCap.Add(r)
		if t := a.topRole[a.roles[e.role].top]; t >= 0 {
			a.roles[t].resv = a.roles[t].resv.Add(r)
			if a.isQuota(t) {
				a.recomputeUnmet(allocator.RoleID(t))
			}
		}
	}
}

func (a *Alloc) trigger(id allocator.AgentID) {
	if ag := &a.agents[id]; !ag.trig {
		ag.trig = true
		a.trigAgents = append(a.trigAgents, id)
	}
}

// UpdateAgent notes a change of an agent (capacity, up state, attributes):
// its filters are dropped, its offers rescinded and a cycle over it triggered.
func (a *Alloc) UpdateAgent(now allocator.Time, id allocator.AgentID) []allocator.Offer {
	if int(id) >= len(a.agents) || !a.agents[id].present {
		return nil
	}
	out := a.rescindWhere(func(o *allocator.Offer) bool { return o.Agent == id })
	ag := &a.agents[id]
	up := a.cfg.Cluster.Agent(id).Up
	a.agentChanged(id)
	// Reservations count only while the agent is up.
	if up != ag.counted {
		if up {
			a.countReservations(ag, +1)
		} else {
			a.countReservations(ag, -1)
		}
		ag.counted = up
	}
	a.dropAgentFilters(id)
	a.needResort = true
	a.trigger(id)
	return out
}

// RemoveAgent stops offering an agent and rescinds its offers.
func (a *Alloc) RemoveAgent(now allocator.Time, id allocator.AgentID) []allocator.Offer {
	if int(id) >= len(a.agents) || !a.agents[id].present {
		return nil
	}
	out := a.rescindWhere(func(o *allocator.Offer) bool { return o.Agent == id })
	ag := &a.agents[id]
	if ag.counted {
		a.countReservations(ag, -1)
		ag.counted = false
	}
	a.dropAgentFilters(id)
	ag.present = false
	a.hot[id].up = false
	for i, x := range a.order {
		if x == id {
			a.order = append(a.order[:i], a.order[i+1:]...)
			break
		}
	}
	a.needResort = true
	return out
}

// UpdateWeight changes a role's weight and rescinds its frameworks' offers.
func (a *Alloc) UpdateWeight(now allocator.Time, role allocator.RoleID, weight float64) []allocator.Offer {
	if int(role) < 0 || int(role) >= len(a.roles) || weight <= 0 {
		return nil
	}
	rs := &a.roles[role]
	a.clients[rs.client].weight = weight
	if rs.leaf != rs.client {
		a.clients[rs.leaf].weight = weight
	}
	a.needResort = true
	a.randChanged()
	return a.rescindWhere(func(o *allocator.Offer) bool { return a.reservedFor(role, o.Role) })
}

// UpdateQuota changes a top-level role's guarantee and limit and rescinds
// all outstanding offers.
func (a *Alloc) UpdateQuota(now allocator.Time, role allocator.RoleID, guarantee, limit allocator.Resources) []allocator.Offer {
	if int(role) < 0 || int(role) >= len(a.roles) || a.clients[a.roles[role].client].depth != 1 {
		return nil
	}
	out := a.rescindWhere(func(*allocator.Offer) bool { return true })
	rs := &a.roles[role]
	wasQuota := a.isQuota(int32(role))
	rs.guarantee, rs.limit = guarantee, limit
	if !wasQuota && a.isQuota(int32(role)) {
		a.tops = append(a.tops, role)
	}
	a.recomputeUnmet(role)
	return out
}

// Triggered reports whether an event asked for a cycle.
func (a *Alloc) Triggered() bool { return a.trigAll || len(a.trigAgents) > 0 }
