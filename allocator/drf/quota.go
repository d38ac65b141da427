package drf

import "github.com/allocsim/allocsim/allocator"

// isQuota reports whether the top-level role t has a guarantee or a limit.
func (a *Alloc) isQuota(t int32) bool {
	if t < 0 {
		return false
	}
	r := &a.roles[t]
	return !r.guarantee.IsZero() || !r.limit.IsZero()
}

// chargeUnres adds delta to the unreserved consumption of role's top-level
// ancestor and to the cluster's, keeping the required headroom current.
func (a *Alloc) chargeUnres(role allocator.RoleID, delta allocator.Resources) {
	a.unresAlloc = a.unresAlloc.Add(delta)
	t := a.topRole[a.roles[role].top]
	if t < 0 {
		return
	}
	a.roles[t].unres = a.roles[t].unres.Add(delta)
	if a.isQuota(t) {
		a.recomputeUnmet(allocator.RoleID(t))
	}
}

// recomputeUnmet refreshes a quota role's unmet guarantee and the totals.
func (a *Alloc) recomputeUnmet(t allocator.RoleID) {
	r := &a.roles[t]
	cons := r.unres.Add(r.resv)
	var u allocator.Resources
	for d := range allocator.NumResources {
		if g := r.guarantee[d]; g > cons[d] {
			u[d] = g - cons[d]
		}
	}
	if !r.unmet.IsZero() {
		a.nUnmet--
	}
	a.required = a.required.Sub(r.unmet).Add(u)
	r.unmet = u
	if !u.IsZero() {
		a.nUnmet++
	}
}

// capUnres shrinks the unreserved part of an offer to role's quota limit and
// to what the required headroom (unmet guarantees of all roles) leaves.
func (a *Alloc) capUnres(role allocator.RoleID, unres allocator.Resources) allocator.Resources {
	t := a.topRole[a.roles[role].top]
	var own allocator.Resources
	if a.isQuota(t) {
		r := &a.roles[t]
		own = r.unmet
		if !r.limit.IsZero() {
			cons := r.unres.Add(r.resv)
			for d := range allocator.NumResources {
				if l := r.limit[d]; l > 0 {
					unres[d] = min(unres[d], max(0, l-cons[d]))
				}
			}
		}
	}
	if !a.required.IsZero() {
		head := a.total.Sub(a.resvCap).Sub(a.unresAlloc)
		for d := range allocator.NumResources {
			if a.required[d] > 0 {
				unres[d] = min(unres[d], max(0, head[d]-a.required[d]+own[d]))
			}
		}
	}
	return unres
}

// minAllocatable reports whether r contains one of the alternatives.
func (a *Alloc) minAllocatable(r allocator.Resources) bool {
	for _, m := range a.minAll {
		if r.Contains(m) {
			return true
		}
	}
	return false
}
