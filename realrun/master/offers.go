package master

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// cycle runs one allocation cycle (periodic or triggered), rescinds offers
// whose offer_timeout passed and sends the new offers.
func (m *Master) cycle(triggered bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	t0 := time.Now()
	rescinded := m.rescind(m.alloc.Expire(now))
	var offers []allocator.Offer
	if triggered {
		if !m.alloc.Triggered() {
			return
		}
		offers = m.alloc.AllocateTriggered(now)
	} else {
		offers = m.alloc.Allocate(now)
	}
	wall := time.Since(t0)
	m.counters.Cycles++
	m.counters.Offers += int64(len(offers))
	m.dispatch(now, offers)
	if m.cfg.OnCycle != nil {
		m.cfg.OnCycle(CycleInfo{Now: now, Wall: wall, Triggered: triggered, Offers: len(offers), Rescinded: rescinded})
	}
}

// dispatch turns the allocator's offers into OFFERS events, one per
// framework, with the agent's spare ports added to its first offer.
func (m *Master) dispatch(now allocator.Time, offers []allocator.Offer) {
	if len(offers) == 0 {
		return
	}
	byFw := map[allocator.FrameworkID][]mesosapi.Offer{}
	var order []allocator.FrameworkID
	for _, ao := range offers {
		f := m.fws[ao.Framework]
		a := m.agents[ao.Agent]
		if f.stream == nil || !a.active {
			// Cannot be delivered: give it back without a filter.
			_ = m.alloc.Decline(now, ao.ID, 0)
			continue
		}
		o := &offer{id: ao.ID, fw: f, agent: a, res: ao.Res, ports: a.sparePorts}
		a.sparePorts = nil
		f.offers[o.id] = o
		m.offers[o.id] = o
		var role string
		if f.info.HasCapability(mesosapi.CapMultiRole) {
			role = f.role
		}
		mo := mesosapi.Offer{
			ID: mesosapi.ID{Value: m.offerName(o.id)}, FrameworkID: mesosapi.ID{Value: f.name},
			AgentID: mesosapi.ID{Value: a.name}, Hostname: a.hostname,
			Resources: mesosapi.FromVector(o.res, o.ports, role),
		}
		for _, at := range a.attrs {
			mo.Attributes = append(mo.Attributes, mesosapi.Attribute{Name: at.Name, Type: mesosapi.TypeText, Text: &mesosapi.Text{Value: at.Value}})
		}
		if role != "" {
			mo.AllocationInfo = &mesosapi.AllocationInfo{Role: &role}
		}
		if _, seen := byFw[f.id]; !seen {
			order = append(order, f.id)
		}
		byFw[f.id] = append(byFw[f.id], mo)
	}
	for _, id := range order {
		m.send(m.fws[id], &mesosapi.Event{Type: mesosapi.EventOffers, Offers: &mesosapi.Offers{Offers: byFw[id]}})
	}
}

// rescind sends RESCIND for offers the allocator took back.
func (m *Master) rescind(offers []allocator.Offer) int {
	n := 0
	for _, ao := range offers {
		o := m.offers[ao.ID]
		if o == nil {
			continue
		}
		m.dropOffer(o)
		m.counters.Rescinded++
		n++
		m.send(o.fw, &mesosapi.Event{Type: mesosapi.EventRescind, Rescind: &mesosapi.Rescind{OfferID: mesosapi.ID{Value: m.offerName(o.id)}}})
	}
	return n
}

func (m *Master) offerName(id allocator.OfferID) string {
	return m.id + "-O" + strconv.FormatInt(int64(id), 10)
}

// lookupOffer resolves an offer id of the framework (nil when unknown,
// someone else's or no longer outstanding).
func (m *Master) lookupOffer(f *framework, name string) *offer {
	rest, ok := strings.CutPrefix(name, m.id+"-O")
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return nil
	}
	return f.offers[allocator.OfferID(n)]
}

// dropOffer forgets an outstanding offer and returns its ports to the agent.
func (m *Master) dropOffer(o *offer) {
	delete(o.fw.offers, o.id)
	delete(m.offers, o.id)
	if len(o.ports) > 0 {
		o.agent.sparePorts = mesosapi.AddRanges(o.agent.sparePorts, o.ports)
		o.ports = nil
	}
}

func sortedOffers(os map[allocator.OfferID]*offer) []*offer {
	out := make([]*offer, 0, len(os))
	for _, o := range os {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func sortedTasks(ts map[string]*task) []*task {
	out := make([]*task, 0, len(ts))
	for _, t := range ts {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// housekeeping removes agents that stopped talking and rescinds expired offers.
func (m *Master) housekeeping() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rescind(m.alloc.Expire(m.Now()))
	cutoff := time.Now().Add(-m.cfg.AgentTimeout)
	for _, a := range m.agents {
		if a.active && a.lastSeen.Before(cutoff) {
			m.removeAgent(a, mesosapi.ReasonAgentRemoved,
				fmt.Sprintf("agent %s missed its heartbeats for %v", a.name, m.cfg.AgentTimeout))
		}
	}
}
