package drf

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

const gib = 1024

// world is a small cluster with an allocator over it.
type world struct {
	t  testing.TB
	c  *allocator.Cluster
	a  *Alloc
	fw []allocator.FrameworkInfo
}

func newWorld(t testing.TB, roles []allocator.RoleInfo, mod func(*Config), agents ...allocator.Resources) *world {
	t.Helper()
	c := allocator.NewCluster()
	for i, r := range agents {
		model := ""
		if r[allocator.GPU] > 0 {
			model = "V100"
		}
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprintf("a%d", i), Capacity: r, GPUModel: model})
		require.NoError(t, err)
	}
	cfg := Config{Cluster: c, Roles: roles, Interval: allocator.Second, Rand: rand.New(rand.NewPCG(1, 2))}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	require.NoError(t, err)
	for i := range agents {
		require.NoError(t, a.AddAgent(0, allocator.AgentID(i), nil))
	}
	return &world{t: t, c: c, a: a}
}

func (w *world) addFW(name string, role allocator.RoleID, gpu bool) allocator.FrameworkID {
	w.t.Helper()
	id := allocator.FrameworkID(len(w.fw))
	info := allocator.FrameworkInfo{Name: name, Role: role, GPUCapable: gpu}
	w.fw = append(w.fw, info)
	require.NoError(w.t, w.a.AddFramework(0, id, info))
	return id
}

// copyOffers keeps a cycle's offers (the allocator reuses its slice).
func copyOffers(o []allocator.Offer) []allocator.Offer { return append([]allocator.Offer(nil), o...) }

// acceptAll launches everything offered (one task per offer) and accepts.
func (w *world) acceptAll(now allocator.Time, offers []allocator.Offer) {
	for _, o := range copyOffers(offers) {
		req := allocator.Request{Res: o.Res}
		dev, ok := w.c.PickDevices(o.Agent, req)
		require.True(w.t, ok)
		w.c.Allocate(allocator.Placement{Agent: o.Agent, Devices: dev}, req)
		require.NoError(w.t, w.a.Accept(now, o.ID, o.Res, 0))
	}
}

func byFramework(offers []allocator.Offer) map[allocator.FrameworkID]int {
	m := map[allocator.FrameworkID]int{}
	for _, o := range offers {
		m[o.Framework]++
	}
	return m
}

func cpus(n int64) allocator.Resources { return allocator.Res(n*1000, n*gib, 0, 0) }
