package drf

import "github.com/allocsim/allocsim/allocator"

// Allocation is what framework f holds (offered + allocated).
func (a *Alloc) Allocation(f allocator.FrameworkID) allocator.Resources {
	if !a.known(f) {
		return allocator.Resources{}
	}
	return a.clients[a.fws[f].client].alloc
}

// Share is framework f's dominant share (unweighted), as the sorter sees it.
func (a *Alloc) Share(f allocator.FrameworkID) float64 {
	if !a.known(f) {
		return 0
	}
	c := a.clients[a.fws[f].client]
	c.weight = 1
	return a.shareOf(&c)
}

// RoleAllocation is role r's subtree allocation (offered + allocated).
func (a *Alloc) RoleAllocation(r allocator.RoleID) allocator.Resources {
	return a.clients[a.roles[r].client].alloc
}

// RoleShare is role r's weighted dominant share.
func (a *Alloc) RoleShare(r allocator.RoleID) float64 {
	return a.shareOf(&a.clients[a.roles[r].client])
}

// Filtered reports whether framework f has a filter on agent that refuses
// res at now (tests and realrun's metrics).
func (a *Alloc) Filtered(now allocator.Time, f allocator.FrameworkID, agent allocator.AgentID, res allocator.Resources) bool {
	if !a.known(f) {
		return false
	}
	hit, _ := a.filtered(now, &a.fws[f], f, agent, res)
	return hit
}

// InstallFilter installs a filter as a decline would (benchmarks use it to
// reach the all-declined steady state without cycling through it).
func (a *Alloc) InstallFilter(now allocator.Time, f allocator.FrameworkID, agent allocator.AgentID, refused allocator.Resources, refuse allocator.Time) {
	if a.known(f) && int(agent) < len(a.agents) {
		a.installFilter(now, f, agent, refused, refuse)
	}
}
