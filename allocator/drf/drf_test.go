package drf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// The DRF paper's example (Ghodsi et al., NSDI'11): cluster ⟨9 CPU, 18 GB⟩,
// user A runs tasks of ⟨1 CPU, 4 GB⟩, user B ⟨3 CPU, 1 GB⟩. Each framework
// launches one task per offer and declines the rest without a filter; DRF
// ends with A 3 tasks, B 2, both dominant shares 2/3.
func TestDRFPaperExample(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "a"}, {Name: "b"}}, nil, allocator.Res(9000, 18*gib, 0, 0))
	A := w.addFW("A", 0, false)
	B := w.addFW("B", 1, false)
	task := map[allocator.FrameworkID]allocator.Resources{A: allocator.Res(1000, 4*gib, 0, 0), B: allocator.Res(3000, 1*gib, 0, 0)}
	tasks := map[allocator.FrameworkID]int{}
	for cycle := 0; cycle < 20; cycle++ {
		now := allocator.Time(cycle) * allocator.Second
		for _, o := range copyOffers(w.a.Allocate(now)) {
			req := task[o.Framework]
			if !o.Res.Contains(req) {
				require.NoError(t, w.a.Decline(now, o.ID, 0))
				continue
			}
			w.c.Allocate(allocator.Placement{Agent: o.Agent}, allocator.Request{Res: req})
			require.NoError(t, w.a.Accept(now, o.ID, req, 0))
			tasks[o.Framework]++
		}
	}
	assert.Equal(t, 3, tasks[A])
	assert.Equal(t, 2, tasks[B])
	assert.InDelta(t, 2.0/3, w.a.Share(A), 1e-9)
	assert.InDelta(t, 2.0/3, w.a.Share(B), 1e-9)
}

// Weighted DRF: a role of weight 2 gets twice the agents of a role of weight 1.
func TestWeightedDRF(t *testing.T) {
	agents := make([]allocator.Resources, 30)
	for i := range agents {
		agents[i] = cpus(1)
	}
	w := newWorld(t, []allocator.RoleInfo{{Name: "light", Weight: 1}, {Name: "heavy", Weight: 2}}, nil, agents...)
	l := w.addFW("l", 0, false)
	h := w.addFW("h", 1, false)
	got := byFramework(w.a.Allocate(0))
	assert.Equal(t, 10, got[l])
	assert.Equal(t, 20, got[h])
	assert.InDelta(t, w.a.RoleShare(0), w.a.RoleShare(1), 1e-9, "weighted shares equal")
}

// Ties break on share, then allocation count, then name.
func TestTieBreaks(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(1))
	z := w.addFW("zeta", 0, false)
	a := w.addFW("alpha", 0, false)
	o := w.a.Allocate(0)
	require.Len(t, o, 1)
	assert.Equal(t, a, o[0].Framework, "equal shares and counts: name order")
	require.NoError(t, w.a.Decline(0, o[0].ID, 0))
	o = w.a.Allocate(allocator.Second)
	require.Len(t, o, 1)
	assert.Equal(t, z, o[0].Framework, "equal shares: fewer allocations first")
}

// Hierarchical roles: a parent's allocation is its subtree's; a role with
// children keeps its own frameworks in a virtual leaf; siblings are sorted.
func TestHierarchicalRoles(t *testing.T) {
	agents := make([]allocator.Resources, 12)
	for i := range agents {
		agents[i] = cpus(1)
	}
	roles := []allocator.RoleInfo{{Name: "eng"}, {Name: "eng/frontend"}, {Name: "eng/backend"}, {Name: "ops"}}
	w := newWorld(t, roles, nil, agents...)
	own := w.addFW("eng-own", 0, false)
	fe := w.addFW("fe", 1, false)
	be := w.addFW("be", 2, false)
	ops := w.addFW("ops", 3, false)
	got := byFramework(w.a.Allocate(0))
	// Top level: eng and ops share 6/6; inside eng: own, frontend, backend 2 each.
	assert.Equal(t, 6, got[ops])
	assert.Equal(t, 2, got[own])
	assert.Equal(t, 2, got[fe])
	assert.Equal(t, 2, got[be])
	sum := w.a.Allocation(own).Add(w.a.Allocation(fe)).Add(w.a.Allocation(be))
	assert.Equal(t, sum, w.a.RoleAllocation(0), "subtree sum")
}

// Excluded resources (GPUs) do not count in shares.
func TestExcludedResources(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, func(c *Config) { c.Excluded = c.Excluded.With(allocator.GPU) },
		allocator.Res(1000, 1*gib, 0, 8000), allocator.Res(100000, 100*gib, 0, 0))
	g := w.addFW("g", 0, true)
	var gpuOffer []allocator.Offer
	for _, o := range copyOffers(w.a.Allocate(0)) {
		if o.Agent == 0 {
			gpuOffer = append(gpuOffer, o)
		} else {
			require.NoError(t, w.a.Decline(0, o.ID, allocator.Hour))
		}
	}
	require.Len(t, gpuOffer, 1)
	w.acceptAll(0, gpuOffer)
	// It holds every GPU of the cluster, but GPUs are excluded: its share is
	// its CPU share, 1/101.
	assert.InDelta(t, 1.0/101, w.a.Share(g), 1e-9)
}

// Stage 1 serves quota guarantees before fair share, and headroom for an
// unmet guarantee is kept out of other roles' hands.
func TestQuotaGuaranteeBeforeFairShare(t *testing.T) {
	agents := make([]allocator.Resources, 10)
	for i := range agents {
		agents[i] = cpus(1)
	}
	roles := []allocator.RoleInfo{{Name: "a-batch"}, {Name: "q", Guarantee: allocator.Res(8000, 0, 0, 0)}}
	w := newWorld(t, roles, nil, agents...)
	b := w.addFW("b", 0, false)
	q := w.addFW("q", 1, false)
	got := byFramework(w.a.Allocate(0))
	assert.Equal(t, 8, got[q], "guarantee first")
	assert.Equal(t, 2, got[b], "fair share gets the rest")
}

func TestQuotaHeadroom(t *testing.T) {
	agents := make([]allocator.Resources, 10)
	for i := range agents {
		agents[i] = cpus(1)
	}
	roles := []allocator.RoleInfo{{Name: "batch"}, {Name: "q", Guarantee: allocator.Res(4000, 0, 0, 0)}}
	w := newWorld(t, roles, nil, agents...)
	b := w.addFW("b", 0, false)
	q := w.addFW("q", 1, false)
	w.a.Suppress(0, q) // q wants nothing now, but its guarantee must stay available
	w.acceptAll(0, w.a.Allocate(0))
	assert.Equal(t, int64(6000), w.a.Allocation(b)[allocator.CPU], "4 CPUs held back as headroom")
	w.a.Revive(allocator.Second, q)
	got := byFramework(w.a.AllocateTriggered(allocator.Second))
	assert.Equal(t, 4, got[q])
}

// A quota limit caps what a role is offered.
func TestQuotaLimit(t *testing.T) {
	agents := make([]allocator.Resources, 10)
	for i := range agents {
		agents[i] = cpus(1)
	}
	roles := []allocator.RoleInfo{{Name: "lim", Limit: allocator.Res(3000, 0, 0, 0)}}
	w := newWorld(t, roles, nil, agents...)
	f := w.addFW("f", 0, false)
	w.a.Allocate(0)
	assert.Equal(t, int64(3000), w.a.Allocation(f)[allocator.CPU])
}

// Reserved resources go only to the reserving role and its subroles, and
// always with that role's offers.
func TestReservationToRoleOnly(t *testing.T) {
	c := allocator.NewCluster()
	_, err := c.AddAgent(allocator.AgentSpec{Name: "x", Capacity: cpus(4)})
	require.NoError(t, err)
	roles := []allocator.RoleInfo{{Name: "a"}, {Name: "b"}, {Name: "b/sub"}}
	a, err := New(Config{Cluster: c, Roles: roles, Rand: rand.New(rand.NewPCG(1, 1))})
	require.NoError(t, err)
	require.NoError(t, a.AddAgent(0, 0, []allocator.Reservation{{Role: 1, Res: cpus(2)}}))
	fa := allocator.FrameworkID(0)
	require.NoError(t, a.AddFramework(0, fa, allocator.FrameworkInfo{Name: "a", Role: 0}))
	o := copyOffers(a.Allocate(0))
	require.Len(t, o, 1)
	assert.Equal(t, cpus(2), o[0].Res, "role a sees only the unreserved half")
	assert.True(t, o[0].Reserved.IsZero())

	fs := allocator.FrameworkID(1)
	require.NoError(t, a.AddFramework(0, fs, allocator.FrameworkInfo{Name: "s", Role: 2}))
	o2 := copyOffers(a.AllocateTriggered(allocator.Second))
	require.Len(t, o2, 1)
	assert.Equal(t, fs, o2[0].Framework, "a subrole gets its parent's reservation")
	assert.Equal(t, cpus(2), o2[0].Reserved)

	require.NoError(t, a.Decline(2*allocator.Second, o[0].ID, 0))
	require.NoError(t, a.Decline(2*allocator.Second, o2[0].ID, 0))
	a.Suppress(2*allocator.Second, fa)
	o3 := copyOffers(a.Allocate(3 * allocator.Second))
	require.Len(t, o3, 1)
	assert.Equal(t, cpus(4), o3[0].Res, "the reserving role's offer carries reserved and unreserved")
}

// An agent with GPUs is never offered to a framework without GPU_RESOURCES,
// not even its CPUs.
func TestGPUCapabilityFiltering(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, allocator.Res(8000, 8*gib, 0, 8000), cpus(2))
	plain := w.addFW("plain", 0, false)
	for cycle := 0; cycle < 3; cycle++ {
		for _, o := range copyOffers(w.a.Allocate(allocator.Time(cycle) * allocator.Second)) {
			assert.Equal(t, allocator.AgentID(1), o.Agent, "only the CPU agent")
			require.NoError(t, w.a.Decline(0, o.ID, 0))
		}
	}
	gpu := w.addFW("gpu", 0, true)
	got := copyOffers(w.a.AllocateTriggered(10 * allocator.Second))
	found := false
	for _, o := range got {
		if o.Agent == 0 {
			assert.Equal(t, gpu, o.Framework)
			found = true
		}
		if o.Framework == plain {
			assert.NotEqual(t, allocator.AgentID(0), o.Agent)
		}
	}
	assert.True(t, found, "the GPU agent goes to the GPU-capable framework")
}

// refuse_seconds filters: default, zero, cap, lifetime ≥ interval, and the
// superset rule (more free resources make the filter stop matching).
func TestRefuseFilter(t *testing.T) {
	assert.Equal(t, 5*allocator.Second, allocator.RefuseDuration(-3))
	assert.Equal(t, allocator.Time(0), allocator.RefuseDuration(0))
	assert.Equal(t, allocator.MaxRefuseDuration, allocator.RefuseDuration(400*24*allocator.Hour))
	assert.Equal(t, allocator.Second, allocator.FilterLifetime(allocator.Second/2, allocator.Second))
	assert.Equal(t, allocator.DefaultRefuse, allocator.RefuseFromSeconds(math.NaN()))

	tests := []struct {
		name   string
		refuse allocator.Time
		at     allocator.Time // when the next cycle runs
		grow   bool           // a task ends on the agent before it
		want   bool           // offered again
	}{
		{"within refuse", 10 * allocator.Second, 5 * allocator.Second, false, false},
		{"after refuse", 10 * allocator.Second, 11 * allocator.Second, false, true},
		{"zero: no filter", 0, allocator.Second, false, true},
		{"default 5s", allocator.DefaultRefuse, 4 * allocator.Second, false, false},
		{"default expired", allocator.DefaultRefuse, 6 * allocator.Second, false, true},
		{"superset: agent grew", 10 * allocator.Second, 2 * allocator.Second, true, true},
		{"lifetime at least one interval", allocator.Second / 10, allocator.Second / 2, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(4))
			f := w.addFW("f", 0, false)
			// A task holds 1 CPU; the offer is the other 3.
			w.c.Allocate(allocator.Placement{Agent: 0}, allocator.Request{Res: cpus(1)})
			w.a.Recover(0, f, 0, allocator.Resources{}) // no-op
			o := copyOffers(w.a.Allocate(0))
			require.Len(t, o, 1)
			assert.Equal(t, cpus(3), o[0].Res)
			require.NoError(t, w.a.Decline(0, o[0].ID, tc.refuse))
			if tc.grow {
				w.c.Release(allocator.Placement{Agent: 0}, allocator.Request{Res: cpus(1)})
			}
			got := w.a.Allocate(tc.at)
			assert.Equal(t, tc.want, len(got) == 1)
		})
	}
}

// The unused part of an accepted offer is declined implicitly with a filter.
func TestAcceptDeclinesRest(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(4))
	f := w.addFW("f", 0, false)
	o := copyOffers(w.a.Allocate(0))
	require.Len(t, o, 1)
	w.c.Allocate(allocator.Placement{Agent: 0}, allocator.Request{Res: cpus(1)})
	require.NoError(t, w.a.Accept(0, o[0].ID, cpus(1), 10*allocator.Second))
	assert.Equal(t, cpus(1), w.a.Allocation(f))
	assert.Empty(t, w.a.Allocate(allocator.Second), "the rest is filtered")
	assert.True(t, w.a.Filtered(allocator.Second, f, 0, cpus(3)))
	assert.Error(t, w.a.Accept(0, o[0].ID, cpus(1), 0), "an offer is answered once")
}

// SUPPRESS takes a framework out of the sorter (filters stay); REVIVE clears
// its filters and triggers a cycle over all agents.
func TestSuppressRevive(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(2), cpus(2))
	f := w.addFW("f", 0, false)
	o := copyOffers(w.a.Allocate(0))
	require.Len(t, o, 2)
	require.NoError(t, w.a.Decline(0, o[0].ID, allocator.Hour))
	require.NoError(t, w.a.Decline(0, o[1].ID, 0))
	w.a.Suppress(0, f)
	assert.Empty(t, w.a.Allocate(allocator.Second), "suppressed")
	assert.True(t, w.a.Filtered(allocator.Second, f, o[0].Agent, o[0].Res), "filters stay while suppressed")
	assert.False(t, w.a.Triggered())
	w.a.Revive(2*allocator.Second, f)
	assert.True(t, w.a.Triggered(), "revive triggers a cycle")
	assert.Len(t, w.a.AllocateTriggered(2*allocator.Second), 2, "filters cleared")
}

// offer_timeout rescinds unanswered offers without a filter.
func TestOfferTimeoutRescind(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, func(c *Config) { c.OfferTimeout = 10 * allocator.Second }, cpus(2))
	f := w.addFW("f", 0, false)
	o := copyOffers(w.a.Allocate(0))
	require.Len(t, o, 1)
	assert.Equal(t, 10*allocator.Second, w.a.NextExpiry())
	assert.Empty(t, w.a.Expire(9*allocator.Second))
	r := copyOffers(w.a.Expire(10 * allocator.Second))
	require.Len(t, r, 1)
	assert.Equal(t, o[0].ID, r[0].ID)
	assert.True(t, w.a.Allocation(f).IsZero(), "resources recovered")
	assert.Error(t, w.a.Decline(11*allocator.Second, o[0].ID, 0), "a rescinded offer cannot be answered")
	assert.Len(t, w.a.Allocate(11*allocator.Second), 1, "no filter after a rescind")
	assert.Equal(t, allocator.Never, newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil).a.NextExpiry())
}

// Removing an agent or a framework rescinds its offers.
func TestRescindOnRemoval(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(2), cpus(2))
	f := w.addFW("f", 0, false)
	require.Len(t, w.a.Allocate(0), 2)
	assert.Len(t, w.a.RemoveAgent(0, 1), 1)
	assert.Equal(t, cpus(2), w.a.Allocation(f))
	assert.Len(t, w.a.RemoveFramework(0, f), 1)
	assert.Equal(t, 0, w.a.OutstandingOffers())
}

// The random sorter orders clients by weight, ignoring usage: with weights
// 1 and 3 the heavy role is first in 3 of 4 cycles.
func TestRandomSorterWeights(t *testing.T) {
	roles := []allocator.RoleInfo{{Name: "w1", Weight: 1}, {Name: "w3", Weight: 3}}
	w := newWorld(t, roles, func(c *Config) { c.Sorter = SorterRandom }, cpus(1))
	w.addFW("one", 0, false)
	three := w.addFW("three", 1, false)
	const n = 4000
	wins := 0
	for i := range n {
		o := w.a.Allocate(allocator.Time(i) * allocator.Second)
		require.Len(t, o, 1)
		if o[0].Framework == three {
			wins++
		}
		require.NoError(t, w.a.Decline(0, o[0].ID, 0))
	}
	// σ = sqrt(.75·.25/4000) ≈ 0.0068: ±0.03 is more than 4σ.
	assert.InDelta(t, 0.75, float64(wins)/n, 0.03)
}

// Triggered cycles: adding a framework or reviving asks for a full cycle,
// adding an agent for a cycle over that agent only; declines do not.
func TestTriggeredCycles(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(1), cpus(1))
	assert.True(t, w.a.Triggered(), "agents added")
	f := w.addFW("f", 0, false)
	assert.Len(t, w.a.AllocateTriggered(0), 2)
	assert.False(t, w.a.Triggered())
	id, err := w.c.AddAgent(allocator.AgentSpec{Name: "new", Capacity: cpus(1)})
	require.NoError(t, err)
	require.NoError(t, w.a.AddAgent(allocator.Second, id, nil))
	o := copyOffers(w.a.AllocateTriggered(allocator.Second))
	require.Len(t, o, 1)
	assert.Equal(t, id, o[0].Agent, "only the new agent")
	require.NoError(t, w.a.Decline(allocator.Second, o[0].ID, 0))
	assert.False(t, w.a.Triggered(), "declines do not trigger")
	_ = f
}

// Agents are visited in a seeded shuffled order: same seed, same offers;
// another seed, another order.
func TestAgentOrderSeeded(t *testing.T) {
	run := func(seed uint64) []allocator.AgentID {
		agents := make([]allocator.Resources, 50)
		for i := range agents {
			agents[i] = cpus(1)
		}
		w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, func(c *Config) { c.Rand = rand.New(rand.NewPCG(seed, 7)) }, agents...)
		w.addFW("f", 0, false)
		var ids []allocator.AgentID
		for _, o := range w.a.Allocate(0) {
			ids = append(ids, o.Agent)
		}
		return ids
	}
	assert.Equal(t, run(1), run(1))
	assert.NotEqual(t, run(1), run(2))
	sorted := true
	for i, id := range run(1) {
		sorted = sorted && id == allocator.AgentID(i)
	}
	assert.False(t, sorted, "shuffled, not in id order")
}

// min_allocatable_resources: an agent with less than every alternative is
// not offered.
func TestMinAllocatable(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, allocator.Res(5, 16, 0, 0), allocator.Res(5, 64, 0, 0))
	w.addFW("f", 0, false)
	o := w.a.Allocate(0)
	require.Len(t, o, 1, "default cpus:0.01|mem:32")
	assert.Equal(t, allocator.AgentID(1), o[0].Agent)
	w2 := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, func(c *Config) {
		c.MinAllocatable = []allocator.Resources{allocator.Res(10, 32, 0, 0)}
	}, allocator.Res(5, 64, 0, 0))
	w2.addFW("f", 0, false)
	assert.Empty(t, w2.a.Allocate(0), "one alternative with both")
}

// Whole-agent offers: the first framework in order gets everything it may
// take; the next sees only what is left.
func TestWholeAgentOffers(t *testing.T) {
	w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, cpus(32))
	w.addFW("a", 0, false)
	w.addFW("b", 0, false)
	o := w.a.Allocate(0)
	require.Len(t, o, 1)
	assert.Equal(t, cpus(32), o[0].Res)
}

func TestConfigFromParams(t *testing.T) {
	env := allocator.AllocatorEnv{Cluster: allocator.NewCluster(), Rand: rand.New(rand.NewPCG(1, 1))}
	cfg, err := ConfigFromParams(allocator.Params{"sorter": "random", "offer_timeout": 30, "fair_sharing_excluded": []any{"gpus"},
		"min_allocatable": []any{map[string]any{"cpu": 0.5, "mem": 64}}, "filter_gpu_resources": false}, env)
	require.NoError(t, err)
	assert.Equal(t, SorterRandom, cfg.Sorter)
	assert.Equal(t, 30*allocator.Second, cfg.OfferTimeout)
	assert.True(t, cfg.Excluded.Has(allocator.GPU))
	assert.Equal(t, []allocator.Resources{allocator.Res(500, 64, 0, 0)}, cfg.MinAllocatable)
	assert.True(t, cfg.NoGPUFilter)
	for _, bad := range []allocator.Params{{"sorter": "fifo"}, {"nope": 1}, {"offer_timeout": -1}, {"offer_timeout": 1e300}, {"fair_sharing_excluded": []any{"ports"}}} {
		_, err := ConfigFromParams(bad, env)
		assert.Error(t, err, "%v", bad)
	}
	a, err := allocator.NewAllocator("drf", nil, env)
	require.NoError(t, err)
	assert.NotNil(t, a)
}

// DeclineMany leaves the same state as declining one by one.
func TestDeclineManyMatchesDecline(t *testing.T) {
	run := func(many bool) (allocator.Resources, []allocator.FrameworkID, bool) {
		agents := make([]allocator.Resources, 20)
		for i := range agents {
			agents[i] = cpus(2)
		}
		w := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, nil, agents...)
		a := w.addFW("a", 0, false)
		w.addFW("b", 0, false)
		o := copyOffers(w.a.Allocate(0))
		var ids []allocator.OfferID
		for _, x := range o {
			if x.Framework == a {
				ids = append(ids, x.ID)
			}
		}
		if many {
			require.NoError(t, w.a.DeclineMany(0, ids, allocator.Hour))
		} else {
			for _, id := range ids {
				require.NoError(t, w.a.Decline(0, id, allocator.Hour))
			}
		}
		var next []allocator.FrameworkID
		for _, x := range w.a.Allocate(allocator.Second) {
			next = append(next, x.Framework)
		}
		return w.a.Allocation(a), next, w.a.Filtered(allocator.Second, a, o[0].Agent, o[0].Res)
	}
	a1, n1, f1 := run(false)
	a2, n2, f2 := run(true)
	assert.True(t, a1.IsZero())
	assert.Equal(t, a1, a2)
	assert.Equal(t, n1, n2)
	assert.Equal(t, f1, f2)
}

// The random sorter's first choice follows the weights (1:2:3:4), and a
// framework far down a random order is still found (draws with rejection,
// then Efraimidis–Spirakis for the rest).
func TestRandomSorterOrder(t *testing.T) {
	roles := []allocator.RoleInfo{{Name: "w1", Weight: 1}, {Name: "w2", Weight: 2}, {Name: "w3", Weight: 3}, {Name: "w4", Weight: 4}}
	w := newWorld(t, roles, func(c *Config) { c.Sorter = SorterRandom }, cpus(1))
	for i := range 4 {
		w.addFW(fmt.Sprint("f", i), allocator.RoleID(i), false)
	}
	const n = 8000
	wins := make([]int, 4)
	for i := range n {
		o := w.a.Allocate(allocator.Time(i) * allocator.Second)
		require.Len(t, o, 1)
		wins[o[0].Framework]++
		require.NoError(t, w.a.Decline(0, o[0].ID, 0))
	}
	for f, want := range []float64{0.1, 0.2, 0.3, 0.4} {
		assert.InDelta(t, want, float64(wins[f])/n, 0.02, "framework %d", f) // σ ≤ 0.0055
	}

	w2 := newWorld(t, []allocator.RoleInfo{{Name: "r"}}, func(c *Config) { c.Sorter = SorterRandom }, cpus(1))
	for i := range 60 {
		f := w2.addFW(fmt.Sprint("g", i), 0, false)
		if i != 37 {
			w2.a.InstallFilter(0, f, 0, cpus(1), allocator.Hour)
		}
	}
	for i := range 50 {
		o := w2.a.Allocate(allocator.Time(i+1) * allocator.Second)
		require.Len(t, o, 1)
		require.Equal(t, allocator.FrameworkID(37), o[0].Framework)
		require.NoError(t, w2.a.Decline(0, o[0].ID, 0))
	}
}

// Roles are checked as Mesos checks them: names by its rules, weights
// positive and finite (a NaN weight used to pass as weight 1, +Inf to put
// its role ahead of every other for good).
func TestRolesRejected(t *testing.T) {
	for _, c := range []struct {
		roles []allocator.RoleInfo
		msg   string
	}{
		{[]allocator.RoleInfo{{Name: "a"}, {Name: "a b"}}, `role 1: role "a b": whitespace`},
		{[]allocator.RoleInfo{{Name: "eng/."}}, `role 0: role "eng/.": "." cannot be a path component`},
		{[]allocator.RoleInfo{{Name: "a//b"}}, "empty path component"},
		{[]allocator.RoleInfo{{Name: "a"}, {Name: "a"}}, `role "a" defined twice`},
		{[]allocator.RoleInfo{{Name: "a", Weight: math.NaN()}}, `role "a": weight must be a positive finite number, got NaN`},
		{[]allocator.RoleInfo{{Name: "a", Weight: math.Inf(1)}}, `role "a": weight must be a positive finite number, got +Inf`},
		{[]allocator.RoleInfo{{Name: "a", Weight: -1}}, `role "a": weight must be a positive finite number, got -1`},
	} {
		_, err := New(Config{Cluster: allocator.NewCluster(), Roles: c.roles, Interval: allocator.Second, Rand: rand.New(rand.NewPCG(1, 2))})
		if assert.Error(t, err, c.msg) {
			assert.Contains(t, err.Error(), c.msg)
		}
	}
}
