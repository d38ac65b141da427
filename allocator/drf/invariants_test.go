package drf

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// checkInvariants compares the incremental structures with values computed
// from scratch.
func checkInvariants(t *testing.T, w *world, now allocator.Time, held map[allocator.FrameworkID]allocator.Resources) {
	t.Helper()
	a := w.a
	// Every agent's avail is the cluster's free minus what is offered.
	offered := make([]allocator.Resources, len(a.agents))
	fwOffered := map[allocator.FrameworkID]allocator.Resources{}
	for i := range a.offers {
		if s := &a.offers[i]; s.live {
			offered[s.offer.Agent] = offered[s.offer.Agent].Add(s.offer.Res)
			fwOffered[s.offer.Framework] = fwOffered[s.offer.Framework].Add(s.offer.Res)
		}
	}
	for id := range a.agents {
		if !a.agents[id].present {
			continue
		}
		require.Equal(t, offered[id], a.hot[id].offered.unpack(), "agent %d offered", id)
		require.Equal(t, w.c.Agent(allocator.AgentID(id)).Free.Sub(offered[id]), a.hot[id].avail.unpack(), "agent %d avail", id)
	}
	// A framework's allocation is its offers plus its running tasks.
	for f := range a.fws {
		if !a.fws[f].present {
			continue
		}
		id := allocator.FrameworkID(f)
		require.Equal(t, fwOffered[id].Add(held[id]), a.Allocation(id), "framework %d allocation", f)
	}
	// Every order is sorted, holds exactly the active children and every
	// share is current.
	for c := range a.clients {
		kids := a.clients[c].kids.items()
		for i := 1; i < len(kids); i++ {
			require.True(t, less(&a.keys[kids[i-1]], &a.keys[kids[i]]), "client %d order at %d", c, i)
		}
		for _, k := range kids {
			require.Positive(t, a.clients[k].active, "listed client %d inactive", k)
			require.InDelta(t, a.shareOf(&a.clients[k]), a.keys[k].share, 1e-12, "client %d share", k)
		}
	}
	// The skip summary never skips an agent a framework would take.
	for id := range a.agents {
		h := &a.hot[id]
		if !a.agents[id].present || !h.up {
			continue
		}
		free := h.avail.unpack()
		if !(h.nFilt > 0 && h.nFilt >= a.eligible(h) && now < h.exp && h.meet.unpack().Contains(free)) {
			continue
		}
		for f := range a.fws {
			fs := &a.fws[f]
			if !fs.present || !fs.active || (h.gpu && !fs.gpu) {
				continue
			}
			require.True(t, int(id) < len(fs.filt) && fs.filt[id] != 0, "agent %d skipped but framework %d has no filter", id, f)
			v := a.fvals[fs.filt[id]-1]
			require.True(t, now < v.expires && v.refused.Contains(free), "agent %d skipped but framework %d's filter does not cover it", id, f)
		}
	}
}

// A random mix of every operation keeps the incremental state equal to the
// state recomputed from scratch.
func TestRandomOperationsKeepInvariants(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			agents := make([]allocator.Resources, 30)
			for i := range agents {
				agents[i] = allocator.Res(int64(1+r.IntN(8))*1000, int64(1+r.IntN(8))*gib, 0, 0)
				if i%7 == 0 {
					agents[i][allocator.GPU] = 2000
				}
			}
			roles := []allocator.RoleInfo{{Name: "a"}, {Name: "a/x", Weight: 2}, {Name: "b", Guarantee: allocator.Res(5000, 0, 0, 0)}, {Name: "c", Limit: allocator.Res(0, 6*gib, 0, 0)}}
			w := newWorld(t, roles, nil, agents...)
			for i := range 8 {
				w.addFW(fmt.Sprintf("fw%d", i), allocator.RoleID(i%4), i%3 == 0)
			}
			type task struct {
				fw  allocator.FrameworkID
				p   allocator.Placement
				req allocator.Request
			}
			var tasks []task
			held := map[allocator.FrameworkID]allocator.Resources{}
			var outstanding []allocator.Offer
			now := allocator.Time(0)
			for step := range 400 {
				now += allocator.Time(r.IntN(1500)) * allocator.Millisecond
				switch op := r.IntN(10); {
				case op < 3:
					outstanding = append(outstanding, copyOffers(w.a.Allocate(now))...)
				case op == 3 && len(outstanding) > 0: // accept a part
					i := r.IntN(len(outstanding))
					o := outstanding[i]
					outstanding = append(outstanding[:i], outstanding[i+1:]...)
					if _, live := w.a.Offer(o.ID); !live {
						continue
					}
					req := allocator.Request{Res: allocator.Res(o.Res[allocator.CPU]/2, o.Res[allocator.Mem]/2, 0, 0)}
					if w.c.Fits(o.Agent, req) && !req.Res.IsZero() {
						p := allocator.Placement{Agent: o.Agent}
						w.c.Allocate(p, req)
						tasks = append(tasks, task{o.Framework, p, req})
						held[o.Framework] = held[o.Framework].Add(req.Res)
						require.NoError(t, w.a.Accept(now, o.ID, req.Res, allocator.Time(r.IntN(4))*allocator.Second))
					} else {
						require.NoError(t, w.a.Decline(now, o.ID, -1))
					}
				case op == 4 && len(outstanding) > 0: // decline some together
					var ids []allocator.OfferID
					for _, o := range outstanding {
						if _, live := w.a.Offer(o.ID); live && r.IntN(2) == 0 {
							ids = append(ids, o.ID)
						}
					}
					require.NoError(t, w.a.DeclineMany(now, ids, allocator.Time(r.IntN(20))*allocator.Second))
				case op == 5 && len(tasks) > 0: // a task ends
					i := r.IntN(len(tasks))
					tk := tasks[i]
					tasks = append(tasks[:i], tasks[i+1:]...)
					w.c.Release(tk.p, tk.req)
					held[tk.fw] = held[tk.fw].Sub(tk.req.Res)
					w.a.Recover(now, tk.fw, tk.p.Agent, tk.req.Res)
				case op == 6:
					w.a.Suppress(now, allocator.FrameworkID(r.IntN(8)))
				case op == 7:
					w.a.Revive(now, allocator.FrameworkID(r.IntN(8)))
					outstanding = append(outstanding, copyOffers(w.a.AllocateTriggered(now))...)
				case op == 8:
					w.a.Expire(now)
					w.a.UpdateAgent(now, allocator.AgentID(r.IntN(len(agents))))
				default:
					outstanding = append(outstanding, copyOffers(w.a.AllocateTriggered(now))...)
				}
				checkInvariants(t, w, now, held)
				_ = step
			}
		})
	}
}
