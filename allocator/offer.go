package allocator

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// OfferID names one outstanding offer. It is unique for the allocator's
// lifetime (a slot plus a generation), so a stale id is detected, not reused.
type OfferID int64

// Offer is what a two-level allocator hands a framework: resources of one
// agent for one of its roles. Offered resources count as allocated to the
// framework from the moment the offer is made until it is declined,
// rescinded, or accepted (then the used part stays allocated).
type Offer struct {
	ID        OfferID
	Framework FrameworkID
	Role      RoleID
	Agent     AgentID
	Res       Resources // everything offered, reserved part included
	Reserved  Resources // the part of Res reserved for Role (or an ancestor)
	Made      Time
	Expires   Time // Never when the allocator has no offer_timeout
}

// Reservation reserves resources of one agent for a role (Mesos static or
// dynamic reservation): only that role and its subroles are offered them.
type Reservation struct {
	Role RoleID
	Res  Resources
}

// DefaultRefuse asks Decline/Accept for the default filter duration (5 s);
// any negative refuse duration means the same, as in Mesos.
const DefaultRefuse Time = -1

// Allocator is the deterministic core of two-level (offer) allocation, in the
// etcd-raft style: every call takes the current time, decides, and returns
// its decisions; it reads no clock, starts no goroutine and does no I/O. The
// simulator passes virtual time, realrun wall-clock time.
//
// Agents live in the shared *Cluster (capacity and free resources of
// launched tasks); the allocator keeps what is offered on top of that. The
// caller applies task launches to the Cluster itself (Cluster.Allocate) and
// then tells the allocator with Accept; it releases ended tasks with
// Cluster.Release and tells the allocator with Recover.
//
// Returned slices are owned by the allocator and valid until its next call;
// copy what must be kept.
type Allocator interface {
	// AddFramework registers an active framework (info.Role must be a known
	// role) and triggers a cycle over all agents.
	AddFramework(now Time, id FrameworkID, info FrameworkInfo) error
	// RemoveFramework rescinds its offers, drops its filters and its
	// allocation; the returned offers were rescinded.
	RemoveFramework(now Time, id FrameworkID) []Offer
	// AddAgent starts offering an agent already added to the Cluster, with
	// optional reservations, and triggers a cycle over that agent.
	AddAgent(now Time, id AgentID, reserved []Reservation) error
	// UpdateAgent notes a change of the agent's capacity, up state or
	// attributes: its filters are dropped and a cycle over it is triggered.
	UpdateAgent(now Time, id AgentID) []Offer
	// RemoveAgent stops offering the agent; its outstanding offers are
	// rescinded (returned). Allocations of tasks on it are released by the
	// caller with Recover as it loses the tasks.
	RemoveAgent(now Time, id AgentID) []Offer
	// Suppress takes the framework out of its role's sorter (filters stay).
	Suppress(now Time, id FrameworkID)
	// Revive clears the framework's filters, reactivates it and triggers a
	// cycle over all agents.
	Revive(now Time, id FrameworkID)
	// Decline returns the offer and installs a filter for refuse (negative:
	// DefaultRefuse; above 365 days: 365 days; 0: no filter).
	Decline(now Time, offer OfferID, refuse Time) error
	// Accept keeps used (⊆ offer) allocated to the framework and declines the
	// rest implicitly with a filter for refuse (if anything is left).
	Accept(now Time, offer OfferID, used Resources, refuse Time) error
	// Recover releases resources a framework's tasks held on an agent.
	Recover(now Time, fw FrameworkID, agent AgentID, res Resources)
	// UpdateWeight changes a role's DRF weight; offers of the role's
	// frameworks are rescinded (returned), as Mesos does.
	UpdateWeight(now Time, role RoleID, weight float64) []Offer
	// UpdateQuota changes a top-level role's guarantee and limit; all
	// outstanding offers are rescinded (returned).
	UpdateQuota(now Time, role RoleID, guarantee, limit Resources) []Offer
	// Allocate runs one full cycle over all agents and returns the new offers.
	Allocate(now Time) []Offer
	// Triggered reports whether an event asked for a cycle since the last
	// one (adding a framework, reviving, adding or updating an agent).
	// Callers batch: at most one pending triggered cycle.
	Triggered() bool
	// AllocateTriggered runs the triggered cycle: over all agents if a
	// framework event asked for it, else over the agents that were added or
	// updated.
	AllocateTriggered(now Time) []Offer
	// Expire rescinds the offers whose offer_timeout passed at now.
	Expire(now Time) []Offer
	// NextExpiry is the earliest Expires of the outstanding offers (Never
	// when none or when there is no offer_timeout).
	NextExpiry() Time
	// Offer looks up an outstanding offer.
	Offer(id OfferID) (Offer, bool)
}

// AllocatorEnv is what an allocator needs besides its parameters.
type AllocatorEnv struct {
	Cluster  *Cluster
	Roles    []RoleInfo
	Interval Time       // allocation interval (default 1 s); filters live at least this long
	Rand     *rand.Rand // the run's derived stream (agent shuffles, random sorter)
}

// AllocatorFactory builds a two-level allocator from its scenario parameters.
type AllocatorFactory func(p Params, env AllocatorEnv) (Allocator, error)

var allocators = map[string]AllocatorFactory{}

// RegisterAllocator makes a two-level allocator selectable by name
// (case-insensitive); registering a name twice panics.
func RegisterAllocator(name string, f AllocatorFactory) {
	k := strings.ToLower(name)
	if _, dup := allocators[k]; dup {
		panic("allocator: allocator registered twice: " + name)
	}
	allocators[k] = f
}

// NewAllocator builds the registered two-level allocator with the given name.
func NewAllocator(name string, p Params, env AllocatorEnv) (Allocator, error) {
	f, ok := allocators[strings.ToLower(name)]
	if !ok {
		names := make([]string, 0, len(allocators))
		for k := range allocators {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown allocator %q (known: %s)", name, strings.Join(names, ", "))
	}
	return f(p, env)
}
