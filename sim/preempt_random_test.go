package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Preemption on random contended workloads, fuzzed parameters, and the
// search's benchmark.

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

// below (for the accounting check) returns what tasks of the lowest k priority levels hold on agent a.
func (p *Preemptor) below(a allocator.AgentID, k int) allocator.Resources {
	if k == 0 {
		return allocator.Resources{}
	}
	return p.room[k-1][a].Sub(p.lastFree[a])
}
