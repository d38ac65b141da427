package reportstest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/require"
)

// MixedRun writes a run with every kind of row: GPU shares and whole GPUs,
// services still running at the horizon, tasks never scheduled (null
// columns), several thousand rows (more than one write batch), three
// frameworks in two roles, and FGD fragmentation from typical shapes.
func MixedRun(t testing.TB, dir string, seed uint64) sim.Stats {
	t.Helper()
	return MixedRunWith(t, dir, seed, MixedOptions{Horizon: true})
}

// MixedOptions vary MixedRun.
type MixedOptions struct {
	// Horizon tells the collector the run's horizon, so that it writes the
	// rows of attempts still running at the horizon ahead of time.
	Horizon bool
	// Failures makes agents fail (mean time between failures per agent) and
	// requeues their lost attempts: rows written ahead get retracted.
	Failures allocator.Time
	// Stop ends the run this long before its horizon (by the horizon the
	// engine is given), so rows written ahead must be dropped.
	Stop allocator.Time
	// Also observes the run beside the collector (a test's own account).
	Also sim.Observer
	// OffGrid tells the collector its samples are off the grid (as
	// realrun's): it counts the frameworks' state at every event.
	OffGrid bool
}

// MixedRunWith is MixedRun with options.
func MixedRunWith(t testing.TB, dir string, seed uint64, o MixedOptions) sim.Stats {
	t.Helper()
	cl := allocator.NewCluster()
	for i := range 6 {
		_, err := cl.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("cpu-", i), Capacity: allocator.Res(8000, 32768, 100000, 0), Rack: "r0"})
		require.NoError(t, err)
	}
	for i := range 2 {
		_, err := cl.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("gpu-", i), Capacity: allocator.Res(16000, 65536, 100000, 4000), GPUModel: "V100", Rack: "r1"})
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "prod", Weight: 2}, {Name: "eng/batch", Weight: 1}}
	fws := []allocator.FrameworkInfo{{Name: "aurora", Role: 0}, {Name: "spark", Role: 1}, {Name: "tf", Role: 1, GPUCapable: true}}
	rnd := rand.New(rand.NewPCG(seed, 99))
	var in []sim.Input
	at := allocator.Time(0)
	for i := range 6000 {
		at += allocator.Time(rnd.IntN(int(200 * allocator.Millisecond)))
		sp := allocator.TaskSpec{Job: int64(i / 4), Index: int32(i % 4), Submit: at, Priority: int32(rnd.IntN(3)), Class: int8(rnd.IntN(2))}
		switch k := rnd.IntN(20); {
		case k == 0:
			sp.Framework, sp.Duration = 0, allocator.Never // a service
			sp.Req.Res = allocator.Res(500, 1024, 0, 0)
		case k == 1:
			sp.Framework, sp.Duration = 1, 30*allocator.Second
			sp.Req.Res = allocator.Res(64000, 1024, 0, 0) // fits no agent: never scheduled
		case k < 5:
			sp.Framework, sp.Duration = 2, allocator.Time(1+rnd.IntN(60))*allocator.Second
			g := int64(250 * (1 + rnd.IntN(3)))
			if rnd.IntN(3) == 0 {
				g = 1000 * int64(1+rnd.IntN(2))
			}
			sp.Req.Res = allocator.Res(2000, 4096, 0, g)
		default:
			sp.Framework, sp.Duration = 1, allocator.Time(1+rnd.IntN(30))*allocator.Second
			sp.Req.Res = allocator.Res(int64(250*(1+rnd.IntN(8))), int64(512*(1+rnd.IntN(8))), 100, 0)
		}
		in = append(in, sim.Input{Time: at, Kind: sim.InputTask, Task: sp})
	}
	typical := []allocator.TaskShape{
		{Req: allocator.Request{Res: allocator.Res(2000, 4096, 0, 250)}, Freq: 0.4},
		{Req: allocator.Request{Res: allocator.Res(2000, 4096, 0, 1000)}, Freq: 0.3},
	}
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{Frameworks: fws, Roles: roles, Typical: typical})
	require.NoError(t, err)
	m := reports.Meta{Version: "test", Scenario: "mixed", Seed: seed, Allocator: "monolithic",
		Config: map[string]any{"scenario": "mixed", "seed": seed}, Cluster: cl, Frameworks: fws, Roles: roles,
		Typical: typical, SampleInterval: 10 * allocator.Second}
	horizon := 900 * allocator.Second
	if o.Horizon {
		m.Horizon = horizon
	}
	m.SamplesOffGrid = o.OffGrid
	c, err := reports.NewCollector(dir, m)
	require.NoError(t, err)
	var obs sim.Observer = c
	if o.Also != nil {
		obs = tee{c, o.Also}
	}
	var src sim.Source = &sim.SliceSource{Inputs: in}
	if o.Failures > 0 {
		src = sim.Merge(src, sim.NewFailures(cl.NumAgents(), o.Failures, 60*allocator.Second, horizon, rand.New(rand.NewPCG(seed, 7))))
	}
	e, err := sim.New(sim.Config{Cluster: cl, Frameworks: fws, Roles: roles, Source: src, Requeue: o.Failures > 0,
		Mode: mode, Seed: seed, Observer: obs, SampleInterval: m.SampleInterval, Horizon: horizon - o.Stop})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	require.NoError(t, c.Close(st))
	return st
}

// tee hands every observation to two observers, a then b.
type tee struct{ a, b sim.Observer }

func (t tee) TaskSubmitted(now allocator.Time, x *sim.Task) {
	t.a.TaskSubmitted(now, x)
	t.b.TaskSubmitted(now, x)
}

func (t tee) TaskStarted(now allocator.Time, x *sim.Task) {
	t.a.TaskStarted(now, x)
	t.b.TaskStarted(now, x)
}

func (t tee) TaskEnded(now allocator.Time, x *sim.Task) {
	t.a.TaskEnded(now, x)
	t.b.TaskEnded(now, x)
}

func (t tee) Sample(now allocator.Time, e *sim.Engine) {
	t.a.Sample(now, e)
	t.b.Sample(now, e)
}

func (t tee) CycleDone(now allocator.Time, wall time.Duration, s sim.CycleStats) {
	t.a.CycleDone(now, wall, s)
	t.b.CycleDone(now, wall, s)
}
