package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// prioTask is a task of the given priority, CPUs (milli) and milli-GPU.
func prioTask(at, dur allocator.Time, prio int32, cpu, gpu int64) Input {
	in := task(at, dur, cpu)
	in.Task.Priority = prio
	in.Task.Req.Res[allocator.GPU] = gpu
	return in
}

func preemptMode(t testing.TB, extra allocator.Params) Mode {
	p := allocator.Params{"preemption": true}
	for k, v := range extra {
		p[k] = v
	}
	return mono(t, p)
}

// TestPreemptionVictims: hand-worked victim sets on one or two agents of 4
// CPUs. Tasks are numbered (Seq) in input order; the preemptor arrives at
// 10 s, and preemption happens in the periodic cycle at 10 s.
func TestPreemptionVictims(t *testing.T) {
	const long = 1000 * sec
	cases := []struct {
		name   string
		agents int
		params allocator.Params
		in     []Input
		want   []string // the log from 10 s on, samples left out
	}{
		{
			name: "lowest priority first until it fits", agents: 1,
			in: []Input{prioTask(0, long, 1, 1000, 0), prioTask(0, long, 2, 1000, 0), prioTask(0, long, 3, 2000, 0),
				prioTask(10*sec, 5*sec, 5, 2000, 0)},
			// 0 (prio 1) alone frees 1 CPU, with 1 (prio 2) 2 CPUs: both go, 2 (prio 3) stays.
			want: []string{"10 submit 3", "10 end 0 preempted", "10 submit 4", "10 end 1 preempted", "10 submit 5",
				"10 start 3 on 0", "15 end 3 finished", "15 start 5 on 0", "15 start 4 on 0"}, // 5 is 1 requeued (prio 2)
		},
		{
			name: "victims spared when not needed", agents: 1,
			in: []Input{prioTask(0, long, 1, 1000, 0), prioTask(0, long, 2, 3000, 0), prioTask(10*sec, 5*sec, 5, 3000, 0)},
			// Greedy takes 0 then 1; sparing 0 still leaves 3 CPUs: only 1 goes.
			want: []string{"10 submit 2", "10 end 1 preempted", "10 submit 3", "10 start 2 on 0",
				"15 end 2 finished", "15 start 3 on 0"},
		},
		{
			name: "the agent whose most important victim matters least", agents: 2,
			in: []Input{prioTask(0, long, 3, 4000, 0), prioTask(0, long, 1, 4000, 0), prioTask(10*sec, 5*sec, 5, 4000, 0)},
			want: []string{"10 submit 2", "10 end 1 preempted", "10 submit 3", "10 start 2 on 1",
				"15 end 2 finished", "15 start 3 on 1"},
		},
		{
			name: "then the fewest victims", agents: 2,
			in: []Input{prioTask(0, long, 1, 2000, 0), prioTask(0, long, 1, 2000, 0), prioTask(0, long, 1, 4000, 0),
				prioTask(10*sec, 5*sec, 5, 4000, 0)},
			want: []string{"10 submit 3", "10 end 2 preempted", "10 submit 4", "10 start 3 on 1",
				"15 end 3 finished", "15 start 4 on 1"},
		},
		{
			name: "then the victims started last", agents: 2,
			in: []Input{prioTask(0, long, 1, 4000, 0), prioTask(5*sec, long, 1, 4000, 0), prioTask(10*sec, 5*sec, 5, 4000, 0)},
			want: []string{"10 submit 2", "10 end 1 preempted", "10 submit 3", "10 start 2 on 1",
				"15 end 2 finished", "15 start 3 on 1"},
		},
		{
			name: "equal priority is never preempted", agents: 1,
			in:   []Input{prioTask(0, 20*sec, 5, 4000, 0), prioTask(10*sec, 5*sec, 5, 1000, 0)},
			want: []string{"10 submit 1", "20 end 0 finished", "20 start 1 on 0", "25 end 1 finished"},
		},
		{
			name: "protected priorities", agents: 2, params: allocator.Params{"preemptible_below": 2},
			in: []Input{prioTask(0, 20*sec, 2, 4000, 0), prioTask(0, long, 1, 4000, 0), prioTask(10*sec, 5*sec, 5, 4000, 0)},
			// Only 1 (prio 1) may go, though 0 (prio 2) would be as cheap by count.
			want: []string{"10 submit 2", "10 end 1 preempted", "10 submit 3", "10 start 2 on 1",
				"15 end 2 finished", "15 start 3 on 1", "20 end 0 finished"},
		},
		{
			name: "nothing protected below the limit: no preemption", agents: 1, params: allocator.Params{"preemptible_below": 1},
			in:   []Input{prioTask(0, 20*sec, 1, 4000, 0), prioTask(10*sec, 5*sec, 5, 4000, 0)},
			want: []string{"10 submit 1", "20 end 0 finished", "20 start 1 on 0", "25 end 1 finished"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(c.in)
			sortInputs(in)
			_, rec := runEngine(t, Config{Cluster: smallCluster(t, c.agents), Source: &SliceSource{Inputs: in},
				Mode: preemptMode(t, c.params), Interval: sec, Horizon: 40 * sec})
			assert.Equal(t, c.want, tail(rec.log, "10 ", "running"))
		})
	}
}

// tail keeps the log lines from the first one with the prefix on, without
// samples or the rows of tasks still running at the horizon (outcome skip).
func tail(log []string, from, skip string) []string {
	i := slices.IndexFunc(log, func(s string) bool { return len(s) >= len(from) && s[:len(from)] == from })
	if i < 0 {
		return nil
	}
	var out []string
	for _, s := range log[i:] {
		if len(s) > 7 && s[len(s)-7:] == " sample" || len(s) > len(skip) && s[len(s)-len(skip):] == skip {
			continue
		}
		out = append(out, s)
	}
	return out
}

// TestPreemptionGPUDevices: on an agent with two GPUs, each with a 0.6 share
// used by a prio-1 task, a whole-GPU task preempts only the task on one device — the
// one started last — and gets that device.
func TestPreemptionGPUDevices(t *testing.T) {
	c := allocator.NewCluster()
	_, err := c.AddAgent(allocator.AgentSpec{Name: "g", Capacity: allocator.Res(8000, 8192, 0, 2000), GPUModel: "V100"})
	require.NoError(t, err)
	in := []Input{prioTask(0, 1000*sec, 1, 1000, 600), prioTask(sec, 1000*sec, 1, 1000, 600), prioTask(10*sec, 5*sec, 5, 1000, 1000)}
	var devices []allocator.DeviceMask
	obs := &recorder{}
	e, err := New(Config{Cluster: c, Source: &SliceSource{Inputs: in}, Mode: preemptMode(t, nil), Interval: sec, Horizon: 12 * sec,
		Observer: observerFunc{obs, func(t *Task) { devices = append(devices, t.Placement.Devices) }}})
	require.NoError(t, err)
	_, err = e.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"10 submit 2", "10 end 1 preempted", "10 submit 3", "10 start 2 on 0",
		"12 end 3 unscheduled"}, tail(obs.log, "10 ", "running"))
	require.Len(t, devices, 3)
	assert.Equal(t, []allocator.DeviceMask{1, 2, 2}, devices, "the preemptor takes the victim's device")
}

// observerFunc is a recorder that also reports each start.
type observerFunc struct {
	*recorder
	started func(*Task)
}

func (o observerFunc) TaskStarted(now allocator.Time, t *Task) {
	o.recorder.TaskStarted(now, t)
	o.started(t)
}

// heldChecked is the monolithic mode checking, after every cycle, that the
// preemptor's per-agent, per-priority accounting matches the running tasks.
type heldChecked struct {
	*monolithic
	t      *testing.T
	checks int
}

func (m *heldChecked) Cycle(now allocator.Time) {
	m.monolithic.Cycle(now)
	p, c := m.pre, m.e.Cluster()
	for a := range allocator.AgentID(c.NumAgents()) {
		want := map[int32]allocator.Resources{}
		for id := m.e.FirstOnAgent(a); id != NoTask; id = m.e.NextOnAgent(id) {
			if t := m.e.Task(id); t.Spec.Priority < p.Protect {
				want[t.Spec.Priority] = want[t.Spec.Priority].Add(t.Spec.Req.Res)
			}
		}
		for l, prio := range p.prios {
			if got := p.below(a, l+1).Sub(p.below(a, l)); got != want[prio] {
				m.t.Fatalf("%v: agent %d priority %d: preemptor holds %v, running tasks %v", now, a, prio, got, want[prio])
			}
		}
	}
	m.checks++
}

// preemptLog records starts and ends with priorities and agents.
type preemptLog struct {
	recorder
	prio  map[int64]int32
	agent map[int64]allocator.AgentID
}

func (r *preemptLog) TaskSubmitted(now allocator.Time, t *Task) {
	r.recorder.TaskSubmitted(now, t)
	r.prio[t.Seq] = t.Spec.Priority
}

func (r *preemptLog) TaskStarted(now allocator.Time, t *Task) {
	r.recorder.TaskStarted(now, t)
	r.agent[t.Seq] = t.Placement.Agent
}

func randomPrioJobs(seed uint64) []Input {
	rnd := rand.New(rand.NewPCG(seed, 7))
	var in []Input
	for j := range 120 {
		at := allocator.Time(rnd.IntN(120)) * sec / 2
		prio := int32(rnd.IntN(5))
		gpu := int64(0)
		if rnd.IntN(4) == 0 {
			gpu = []int64{250, 500, 1000, 2000}[rnd.IntN(4)]
		}
		dur := allocator.Time(1+rnd.IntN(40)) * sec
		for range 1 + rnd.IntN(4) {
			in = append(in, prioTask(at, dur, prio, int64(500*(1+rnd.IntN(6))), gpu))
			in[len(in)-1].Task.Job = int64(j)
		}
	}
	in = append(in, Input{Time: 20 * sec, Kind: InputAgentFail, Agent: 2}, Input{Time: 35 * sec, Kind: InputAgentRecover, Agent: 2})
	sortInputs(in)
	return in
}

func gpuCluster(t testing.TB) *allocator.Cluster {
	c := smallCluster(t, 4)
	for i := range 2 {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("g", i), Capacity: allocator.Res(8000, 16384, 0, 4000), GPUModel: "V100"})
		require.NoError(t, err)
	}
	return c
}

// runPreempting runs the monolithic mode with params on randomPrioJobs(seed)
// on gpuCluster, checking the preemptor's accounting after every cycle.
func runPreempting(t *testing.T, seed uint64, params allocator.Params) (*preemptLog, Stats, error) {
	m0, err := NewMode("monolithic", ModeEnv{Params: params})
	if err != nil {
		return nil, Stats{}, err
	}
	m := m0.(*monolithic)
	hc := &heldChecked{monolithic: m, t: t}
	var mode Mode = m
	if m.preempt != nil {
		mode = hc
	}
	rec := &preemptLog{prio: map[int64]int32{}, agent: map[int64]allocator.AgentID{}}
	e, err := New(Config{Cluster: gpuCluster(t), Source: &SliceSource{Inputs: randomPrioJobs(seed)}, Mode: mode,
		Interval: sec, Horizon: 300 * sec, Observer: rec, Requeue: true})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	if m.preempt != nil {
		require.Positive(t, hc.checks)
	}
	return rec, st, nil
}

// checkPreemptions: every run of preempted attempts in the log is followed
// by the start, on their agent, of a task of higher priority than each of
// them and than protect; it returns how many were preempted.
func checkPreemptions(t *testing.T, r *preemptLog, protect int32) int64 {
	var victims []int64
	var preempted int64
	for _, line := range r.log {
		var at float64
		var seq int64
		var agent allocator.AgentID
		switch {
		case scan(line, "%g end %d preempted", &at, &seq):
			victims = append(victims, seq)
			preempted++
		case scan(line, "%g start %d on %d", &at, &seq, &agent):
			for _, v := range victims {
				require.Less(t, r.prio[v], r.prio[seq], "%d preempted for %d", v, seq)
				require.Less(t, r.prio[v], protect, "protected %d preempted", v)
				require.Equal(t, r.agent[v], agent, "%d preempted on another agent than %d starts", v, seq)
			}
			victims = victims[:0]
		case scan(line, "%g submit %d", &at, &seq):
			// a victim requeued
		default:
			require.Empty(t, victims, "preemptions not followed by a start: %q", line)
		}
	}
	require.Empty(t, victims, "preemptions at the end of the log")
	return preempted
}

// TestPreemptionInvariants: on random contended workloads, every preemption
// evicts only lower-priority, unprotected tasks on the agent the preemptor
// then starts on; every victim is requeued; the accounting holds after
// every cycle; runs repeat exactly; and the most important tasks wait less
// than without preemption.
func TestPreemptionInvariants(t *testing.T) {
	var waitOn, waitOff float64
	for seed := range uint64(8) {
		params := allocator.Params{"preemption": true, "preemptible_below": 4, "preemption_candidates": 2, "preemption_limit": 3}
		on, st, _ := runPreempting(t, seed, params)
		again, _, _ := runPreempting(t, seed, params)
		require.Equal(t, on.log, again.log, "seed %d: not deterministic", seed)
		off, _, _ := runPreempting(t, seed, nil)

		preempted := checkPreemptions(t, on, 4)
		assert.Positive(t, preempted, "seed %d: nothing preempted", seed)
		assert.Equal(t, preempted, st.Counters.Ended[allocator.OutcomePreempted])
		waitOn += meanWait(on, 4)
		waitOff += meanWait(off, 4)
	}
	t.Logf("wait on %.2f off %.2f", waitOn, waitOff)
	assert.Less(t, waitOn, waitOff/2, "priority-4 tasks should wait far less with preemption")
}

// FuzzPreemption: any monolithic params a scenario can hold, on a random
// contended workload, either are refused or run with every preemption and
// the accounting checked.
func FuzzPreemption(f *testing.F) {
	for _, s := range []string{
		"{preemption: true}",
		"{preemption: true, preemptible_below: 2, preemption_candidates: 1, preemption_limit: 1}",
		"{preemption: true, preemptible_below: -1}",
		"{preemption: true, preemption_limit: 0, placement: best-fit}",
		"{preemption: true, placement: fgd, scan_limit: 1, trigger: false}",
	} {
		f.Add(uint64(1), s)
	}
	f.Fuzz(func(t *testing.T, seed uint64, doc string) {
		var p map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil {
			return
		}
		r, _, err := runPreempting(t, seed, p)
		if err != nil {
			return
		}
		protect := int32(math.MaxInt32)
		if _, ok := p["preemptible_below"]; ok {
			v, _ := allocator.Params(p).Float("preemptible_below", 0) // valid: the mode accepted it
			protect = int32(v)
		}
		checkPreemptions(t, r, protect)
	})
}

func scan(line, format string, args ...any) bool {
	n, err := fmt.Sscanf(line, format, args...)
	return err == nil && n == len(args)
}

// meanWait: the mean wait of the started attempts of priority prio.
func meanWait(r *preemptLog, prio int32) float64 {
	submitted := map[int64]float64{}
	sum, n := 0.0, 0
	for _, line := range r.log {
		var at float64
		var seq int64
		var agent allocator.AgentID
		if scan(line, "%g submit %d", &at, &seq) {
			submitted[seq] = at
		} else if scan(line, "%g start %d on %d", &at, &seq, &agent) && r.prio[seq] == prio {
			sum += at - submitted[seq]
			n++
		}
	}
	return sum / float64(max(n, 1))
}

func TestPreemptionParams(t *testing.T) {
	for _, c := range []struct {
		p    allocator.Params
		want string // "" = accepted
	}{
		{allocator.Params{"preemption": true}, ""},
		{allocator.Params{"preemption": false}, ""},
		{allocator.Params{"preemption": true, "preemptible_below": -3, "preemption_candidates": 1, "preemption_limit": 0}, ""},
		{allocator.Params{"preemption": "yes"}, `"preemption": want true or false`},
		{allocator.Params{"preemptible_below": 9}, ""},
		{allocator.Params{"preemption": false, "preemption_limit": 9}, ""},
		{allocator.Params{"preemption": false, "preemption_limit": -9}, `"preemption_limit": want a whole number in [0,`},
		{allocator.Params{"preemption": true, "preemptible_below": 1.5}, `"preemptible_below": want a whole number`},
		{allocator.Params{"preemption": true, "preemptible_below": 1e10}, `"preemptible_below": want a whole number`},
		{allocator.Params{"preemption": true, "preemption_candidates": 0}, `"preemption_candidates": want a whole number in [1,`},
		{allocator.Params{"preemption": true, "preemption_limit": -1}, `"preemption_limit": want a whole number in [0,`},
		{allocator.Params{"preemption": true, "preemption_limit": "x"}, `"preemption_limit": want a number`},
	} {
		_, err := NewMode("monolithic", ModeEnv{Params: c.p})
		if c.want == "" {
			assert.NoError(t, err, "%v", c.p)
		} else if assert.Error(t, err, "%v", c.p) {
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "monolithic: ")
		}
	}
}

// TestPreemptionOnlyInPeriodicCycles: a task arriving between two cycles
// preempts at the next periodic one, not in the cycle its arrival triggers.
func TestPreemptionOnlyInPeriodicCycles(t *testing.T) {
	in := []Input{prioTask(0, 1000*sec, 1, 4000, 0), prioTask(10*sec+sec/2, 5*sec, 5, 4000, 0)}
	_, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: &SliceSource{Inputs: in},
		Mode: preemptMode(t, nil), Interval: sec, Horizon: 12 * sec})
	assert.Equal(t, []string{"10.5 submit 1", "11 end 0 preempted", "11 submit 2", "11 start 1 on 0", "12 end 2 unscheduled"}, tail(rec.log, "10.5 ", "running"))
}

// pendingIDs is a mode that only remembers the tasks handed to it.
type pendingIDs struct {
	BaseMode
	ids []TaskID
}

func (m *pendingIDs) TaskPending(_ allocator.Time, id TaskID) { m.ids = append(m.ids, id) }
func (m *pendingIDs) Cycle(allocator.Time)                    {}

// BenchmarkPreemptionSearch is one search for room on a full cluster of
// 33,000 agents of 32 CPUs, each running four 8-CPU priority-1 tasks: a
// 16-CPU priority-5 task finds its 100 candidates among the first agents
// visited (victimsOn on each); a 40-CPU one fits no agent even by
// preemption, and the search reads the whole room array.
func BenchmarkPreemptionSearch(b *testing.B) {
	const agents = 33000
	c := allocator.NewCluster()
	for i := range agents {
		if _, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("a", i), Capacity: allocator.Res(32000, 131072, 0, 0)}); err != nil {
			b.Fatal(err)
		}
	}
	m := &pendingIDs{}
	e, err := New(Config{Cluster: c, Source: &SliceSource{}, Mode: m})
	require.NoError(b, err)
	p := NewPreemptor(e, math.MaxInt32, 100, 0)
	for a := range agents {
		for range 4 {
			e.submit(allocator.TaskSpec{Priority: 1, Duration: allocator.Never, Req: allocator.Request{Res: allocator.Res(8000, 16384, 0, 0)}}, 0)
			id := m.ids[len(m.ids)-1]
			require.NoError(b, e.Launch(id, allocator.Placement{Agent: allocator.AgentID(a)}))
			p.Started(e.Task(id))
		}
	}
	for _, c := range []struct {
		name  string
		cpu   int64
		found bool
	}{{"found", 16000, true}, {"no-room", 40000, false}} {
		b.Run(c.name, func(b *testing.B) {
			req := allocator.Request{Res: allocator.Res(c.cpu, 1024, 0, 0)}
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := p.search(5, req, 1); ok != c.found {
					b.Fatalf("search found room: %v", ok)
				}
			}
		})
	}
}
