package offers

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// smallRun simulates 40 agents (4 with GPUs), two CPU frameworks in two roles
// and one GPU framework, 600 tasks.
func smallRun(t *testing.T, mode string, params allocator.Params, seed uint64) (sim.Stats, []allocator.Time) {
	t.Helper()
	c := allocator.NewCluster()
	for i := range 40 {
		spec := allocator.AgentSpec{Name: fmt.Sprintf("cpu-%d", i), Capacity: allocator.Res(8000, 16384, 0, 0), Rack: "r", Zone: "z"}
		if i%10 == 9 {
			spec = allocator.AgentSpec{Name: fmt.Sprintf("gpu-%d", i), Capacity: allocator.Res(16000, 65536, 0, 4000), GPUModel: "V100", Rack: "r", Zone: "z"}
		}
		_, err := c.AddAgent(spec)
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "prod", Weight: 2}, {Name: "batch"}}
	fws := []allocator.FrameworkInfo{{Name: "svc", Role: 0}, {Name: "batch", Role: 1}, {Name: "train", Role: 1, GPUCapable: true}}
	var in []sim.Input
	// Skewed demand: svc 70% of the tasks (≈210 CPUs busy), batch 20%,
	// train 10% (≈8 GPUs busy); 10 tasks a second.
	for i := range 600 {
		f, dur := allocator.FrameworkID(0), allocator.Time(20+i%20)*allocator.Second
		req := allocator.Request{Res: allocator.Res(1000, 2048, 0, 0)}
		switch i % 10 {
		case 7, 8:
			f, dur = 1, allocator.Time(10+i%20)*allocator.Second
		case 9:
			f, dur = 2, allocator.Time(4+i%8)*allocator.Second
			req = allocator.Request{Res: allocator.Res(2000, 4096, 0, 1000)}
		}
		in = append(in, sim.Input{Time: allocator.Time(i) * 100 * allocator.Millisecond, Kind: sim.InputTask, Task: allocator.TaskSpec{
			Job: int64(i), Framework: f, Submit: allocator.Time(i) * 100 * allocator.Millisecond,
			Duration: dur, Req: req}})
	}
	m, err := sim.NewMode(mode, sim.ModeEnv{Params: params, Frameworks: fws, Roles: roles, Rand: sim.Stream(seed, "mode")})
	require.NoError(t, err)
	waits := &waitObs{}
	e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Roles: roles, Source: &sim.SliceSource{Inputs: in}, Mode: m, Seed: seed, Observer: waits})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	return st, waits.waits
}

type waitObs struct{ waits []allocator.Time }

func (w *waitObs) TaskSubmitted(allocator.Time, *sim.Task) {}
func (w *waitObs) TaskStarted(now allocator.Time, t *sim.Task) {
	w.waits = append(w.waits, t.Start-t.Ready)
}
func (w *waitObs) TaskEnded(allocator.Time, *sim.Task)                     {}
func (w *waitObs) Sample(allocator.Time, *sim.Engine)                      {}
func (w *waitObs) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

func TestDRFModeRunsWorkload(t *testing.T) {
	st, waits := smallRun(t, "drf", nil, 1)
	assert.True(t, st.Drained)
	assert.Equal(t, int64(600), st.Counters.Launched)
	assert.Positive(t, st.Counters.Offers)
	assert.Positive(t, st.Counters.Accepted)
	assert.Positive(t, st.Counters.Declined)
	assert.Positive(t, st.Counters.FiltersInstalled)
	assert.Len(t, waits, 600)
	// Every task waits at least the decision latency (10 ms by default).
	for _, w := range waits {
		require.GreaterOrEqual(t, w, 10*allocator.Millisecond)
	}
}

func TestDRFModeDeterministic(t *testing.T) {
	a, wa := smallRun(t, "drf", allocator.Params{"sorter": "random"}, 7)
	b, wb := smallRun(t, "drf", allocator.Params{"sorter": "random"}, 7)
	a.Wall, b.Wall = 0, 0
	assert.Equal(t, a, b)
	assert.Equal(t, wa, wb)
}

// Offers not answered within offer_timeout are rescinded: with a decision
// latency above the timeout nothing is ever launched.
func TestDRFModeOfferTimeout(t *testing.T) {
	st, _ := smallRun(t, "drf", allocator.Params{"offer_timeout": 0.005, "decision_latency": 0.01}, 1)
	assert.Zero(t, st.Counters.Launched)
	assert.Positive(t, st.Counters.Rescinded)
	assert.Zero(t, st.Counters.Accepted+st.Counters.Declined, "every offer was gone before its answer")
	st, _ = smallRun(t, "drf", allocator.Params{"hold": true, "offer_timeout": 2, "suppress_idle": false}, 1)
	assert.Equal(t, int64(600), st.Counters.Launched, "holding frameworks still run everything")
	_, err := sim.NewMode("drf", sim.ModeEnv{Params: allocator.Params{"hold": true}, Frameworks: []allocator.FrameworkInfo{{Name: "f"}}})
	require.NoError(t, err)
}

func TestDRFModeParams(t *testing.T) {
	for _, p := range []allocator.Params{{"nope": 1}, {"decision_latency": -1}, {"sorter": "fifo"}, {"window": 0}, {"suppress_idle": "yes"}} {
		_, err := sim.NewMode("drf", sim.ModeEnv{Params: p, Frameworks: []allocator.FrameworkInfo{{Name: "f"}}, Roles: []allocator.RoleInfo{{Name: "r"}}})
		assert.Error(t, err, "%v", p)
	}
	_, err := sim.NewMode("drf", sim.ModeEnv{})
	assert.Error(t, err, "no frameworks")
}

func TestStaticModeRunsWorkload(t *testing.T) {
	st, waits := smallRun(t, "static", allocator.Params{"shares": map[string]any{"svc": 2, "batch": 1}}, 1)
	assert.True(t, st.Drained)
	assert.Equal(t, int64(600), st.Counters.Launched)
	assert.Zero(t, st.Counters.Offers)
	assert.Len(t, waits, 600)
	_, err := sim.NewMode("static", sim.ModeEnv{Params: allocator.Params{"shares": map[string]any{"ghost": 1}}, Frameworks: []allocator.FrameworkInfo{{Name: "f"}}})
	assert.Error(t, err)
}

// The Mesos paper's point: static partitioning leaves the busy framework
// waiting while another's slice idles; shared offers do not.
func TestSharedBeatsPartitioned(t *testing.T) {
	_, wd := smallRun(t, "drf", allocator.Params{"revive_interval": 0.5}, 1)
	_, ws := smallRun(t, "static", allocator.Params{"shares": map[string]any{"svc": 1, "batch": 1}}, 1)
	mean := func(w []allocator.Time) float64 {
		var s allocator.Time
		for _, x := range w {
			s += x
		}
		return s.Seconds() / float64(len(w))
	}
	t.Logf("mean wait: drf %.2f s, static %.2f s", mean(wd), mean(ws))
	assert.Less(t, 2*mean(wd), mean(ws))
}

// Static slices: GPU agents only to GPU-capable frameworks, the others
// among the rest in proportion to their shares, interleaved.
func TestStaticPartitions(t *testing.T) {
	c := allocator.NewCluster()
	for i := range 40 {
		spec := allocator.AgentSpec{Name: fmt.Sprintf("cpu-%d", i), Capacity: allocator.Res(8000, 16384, 0, 0)}
		if i%10 == 9 {
			spec = allocator.AgentSpec{Name: fmt.Sprintf("gpu-%d", i), Capacity: allocator.Res(16000, 65536, 0, 4000), GPUModel: "V100"}
		}
		_, err := c.AddAgent(spec)
		require.NoError(t, err)
	}
	fws := []allocator.FrameworkInfo{{Name: "svc"}, {Name: "batch"}, {Name: "train", GPUCapable: true}}
	md, err := sim.NewMode("static", sim.ModeEnv{Params: allocator.Params{"shares": map[string]any{"svc": 2, "batch": 1}}, Frameworks: fws, Rand: sim.Stream(1, "mode")})
	require.NoError(t, err)
	e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Source: &sim.SliceSource{}, Mode: md})
	require.NoError(t, err)
	_, err = e.Run()
	require.NoError(t, err)
	m := md.(*staticMode)
	count := func(f int) (cpu, gpu int) {
		for a, o := range m.owner {
			if int(o) == f {
				if c.Agent(allocator.AgentID(a)).NumGPUs > 0 {
					gpu++
				} else {
					cpu++
				}
			}
		}
		return
	}
	sc, sg := count(0)
	bc, bg := count(1)
	tc, tg := count(2)
	assert.Equal(t, []int{24, 0, 12, 0, 0, 4}, []int{sc, sg, bc, bg, tc, tg})
	assert.Equal(t, []int32{0, 1, 0, 0, 1, 0}, m.owner[:6], "interleaved by deficit: 2:1")
}
