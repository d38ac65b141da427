package drf

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// offerSlot stores an outstanding offer; gen makes stale ids detectable.
type offerSlot struct {
	offer allocator.Offer
	gen   uint32
	live  bool
}

func (a *Alloc) newOffer(now allocator.Time, f allocator.FrameworkID, agent allocator.AgentID, res, resv allocator.Resources) {
	var i int32
	if n := len(a.offerFree); n > 0 {
		i = a.offerFree[n-1]
		a.offerFree = a.offerFree[:n-1]
	} else {
		i = int32(len(a.offers))
		a.offers = append(a.offers, offerSlot{})
	}
	s := &a.offers[i]
	s.gen++
	s.live = true
	exp := allocator.Never
	if a.cfg.OfferTimeout > 0 {
		exp = now + a.cfg.OfferTimeout
	}
	s.offer = allocator.Offer{
		ID:        allocator.OfferID(int64(s.gen)<<32 | int64(i)),
		Framework: f, Role: a.fws[f].role, Agent: agent,
		Res: res, Reserved: resv, Made: now, Expires: exp,
	}
	if a.cfg.OfferTimeout > 0 {
		a.expiryQ = append(a.expiryQ, s.offer.ID)
	}
	a.out = append(a.out, s.offer)
}

func (a *Alloc) slot(id allocator.OfferID) (*offerSlot, bool) {
	i := int64(id) & (1<<32 - 1)
	if i >= int64(len(a.offers)) {
		return nil, false
	}
	s := &a.offers[i]
	if !s.live || s.offer.ID != id {
		return nil, false
	}
	return s, true
}

// Offer looks up an outstanding offer.
func (a *Alloc) Offer(id allocator.OfferID) (allocator.Offer, bool) {
	s, ok := a.slot(id)
	if !ok {
		return allocator.Offer{}, false
	}
	return s.offer, true
}

// closeOffer takes an offer off the books: the agent no longer holds it as
// offered, and the part not used stops counting as the framework's.
func (a *Alloc) closeOffer(s *offerSlot, used allocator.Resources) {
	o := &s.offer
	s.live = false
	a.offerFree = append(a.offerFree, int32(int64(o.ID)&(1<<32-1)))
	h := &a.hot[o.Agent]
	for d, v := range o.Res {
		h.offered[d] -= int32(v)
		h.avail[d] += int32(v)
	}
	unused := o.Res.Sub(used)
	if unused.IsZero() {
		return
	}
	// The used part takes the reserved resources first.
	usedResv := used.Min(o.Reserved)
	unusedResv := o.Reserved.Sub(usedResv)
	if !unusedResv.IsZero() {
		a.returnReserved(&a.agents[o.Agent], o.Role, unusedResv)
	}
	a.chargeUnres(o.Role, unused.Sub(unusedResv).Scale(-1))
	if a.batching {
		a.markPending(a.fws[o.Framework].client, unused.Scale(-1), false)
	} else {
		a.change(a.fws[o.Framework].client, unused.Scale(-1), false)
	}
}

// DeclineMany declines the offers of one answer together: the sorter is
// updated once per client instead of once per offer.
func (a *Alloc) DeclineMany(now allocator.Time, ids []allocator.OfferID, refuse allocator.Time) error {
	a.batching = true
	var err error
	for _, id := range ids {
		if e := a.Decline(now, id, refuse); e != nil && err == nil {
			err = e
		}
	}
	a.batching = false
	a.flush()
	return err
}

// returnReserved gives back res to the reservations of role (and its
// ancestors) on the agent, first entry first.
func (a *Alloc) returnReserved(ag *agentState, role allocator.RoleID, res allocator.Resources) {
	for i := range ag.resv {
		if res.IsZero() {
			return
		}
		e := &ag.resv[i]
		if !a.reservedFor(e.role, role) {
			continue
		}
		back := res.Min(e.used)
		e.used = e.used.Sub(back)
		res = res.Sub(back)
	}
}

// reservedFor reports whether a reservation for rr may go to role r: r is
// rr or one of its subroles.
func (a *Alloc) reservedFor(rr, r allocator.RoleID) bool {
	want := a.roles[rr].client
	for c := a.roles[r].client; c > 0; c = a.clients[c].parent {
		if c == want {
			return true
		}
	}
	return false
}

// Decline returns an offer and installs a filter for refuse.
func (a *Alloc) Decline(now allocator.Time, id allocator.OfferID, refuse allocator.Time) error {
	s, ok := a.slot(id)
	if !ok {
		return fmt.Errorf("drf allocator: decline of unknown offer %d", id)
	}
	o := s.offer
	a.closeOffer(s, allocator.Resources{})
	a.installFilter(now, o.Framework, o.Agent, o.Res, refuse)
	return nil
}

// Accept keeps used allocated and declines the rest with a filter.
func (a *Alloc) Accept(now allocator.Time, id allocator.OfferID, used allocator.Resources, refuse allocator.Time) error {
	s, ok := a.slot(id)
	if !ok {
		return fmt.Errorf("drf allocator: accept of unknown offer %d", id)
	}
	if !s.offer.Res.Contains(used) || used.AnyNegative() {
		return fmt.Errorf("drf allocator: offer %d: used %v is not within the offer %v", id, used, s.offer.Res)
	}
	o := s.offer
	a.closeOffer(s, used)
	if rest := o.Res.Sub(used); !rest.IsZero() {
		a.installFilter(now, o.Framework, o.Agent, rest, refuse)
	}
	return nil
}

// rescind closes an offer without a filter and appends it to the output.
func (a *Alloc) rescind(s *offerSlot) {
	a.out = append(a.out, s.offer)
	a.closeOffer(s, allocator.Resources{})
}

// rescindWhere rescinds every outstanding offer matching keep.
func (a *Alloc) rescindWhere(match func(o *allocator.Offer) bool) []allocator.Offer {
	a.out = a.out[:0]
	for i := range a.offers {
		if s := &a.offers[i]; s.live && match(&s.offer) {
			a.rescind(s)
		}
	}
	return a.out
}

// Expire rescinds the offers whose timeout passed.
func (a *Alloc) Expire(now allocator.Time) []allocator.Offer {
	a.out = a.out[:0]
	for a.expiryHd < len(a.expiryQ) {
		id := a.expiryQ[a.expiryHd]
		s, ok := a.slot(id)
		if ok && s.offer.Expires > now {
			break
		}
		a.expiryHd++
		if ok {
			a.rescind(s)
		}
	}
	if a.expiryHd > 1024 && a.expiryHd*2 > len(a.expiryQ) {
		n := copy(a.expiryQ, a.expiryQ[a.expiryHd:])
		a.expiryQ, a.expiryHd = a.expiryQ[:n], 0
	}
	return a.out
}

// NextExpiry is the earliest expiry among outstanding offers.
func (a *Alloc) NextExpiry() allocator.Time {
	for a.expiryHd < len(a.expiryQ) {
		if s, ok := a.slot(a.expiryQ[a.expiryHd]); ok {
			return s.offer.Expires
		}
		a.expiryHd++
	}
	return allocator.Never
}

// OutstandingOffers counts live offers (metrics, tests).
func (a *Alloc) OutstandingOffers() int { return len(a.offers) - len(a.offerFree) }
