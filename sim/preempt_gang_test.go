package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// gangTask is a task of a gang job (framework 0 of gangMode) at a priority.
func gangTask(at, dur allocator.Time, job int64, prio int32, cpu int64) Input {
	in := jobTask(at, dur, 0, job, cpu)
	in.Task.Priority = prio
	return in
}

// On two agents of 4 CPUs full of 2-CPU tasks of priority 0, a gang of two
// 3-CPU tasks at priority 5 preempts two tasks on each agent and starts
// whole; a gang of three such tasks, which cannot all have a place,
// preempts nothing.
func TestGangPreempts(t *testing.T) {
	low := func(job int64) Input { return jobTask(0, 100*sec, 1, job, 2000) }
	in := []Input{low(10), low(11), low(12), low(13), gangTask(sec, 10*sec, 1, 5, 3000), gangTask(sec, 10*sec, 1, 5, 3000)}
	sortInputs(in)
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in},
		Mode: gangMode(t, allocator.Params{"preemption": true}), Interval: sec, Horizon: 5 * sec, Requeue: true})
	assert.EqualValues(t, 4, st.Counters.Ended[allocator.OutcomePreempted])
	for _, line := range []string{"1 end 0 preempted", "1 end 1 preempted", "1 end 2 preempted", "1 end 3 preempted"} {
		assert.Contains(t, rec.log, line)
	}
	// The search starts at a seeded random agent: either assignment.
	if !slices.Contains(rec.log, "1 start 4 on 0") {
		assert.Contains(t, rec.log, "1 start 4 on 1")
		assert.Contains(t, rec.log, "1 start 5 on 0")
	} else {
		assert.Contains(t, rec.log, "1 start 5 on 1")
	}

	in = append(in, gangTask(sec, 10*sec, 1, 5, 3000))
	sortInputs(in)
	st, rec = runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in},
		Mode: gangMode(t, allocator.Params{"preemption": true}), Interval: sec, Horizon: 5 * sec, Requeue: true})
	assert.Zero(t, st.Counters.Ended[allocator.OutcomePreempted], "%v", rec.log)
	assert.Zero(t, st.Counters.Launched-4, "only the low tasks run")
}

// On random contended workloads of gang and lone jobs with preemption on,
// every gang job's first attempts start at one instant or not at all, every
// preemption is followed at that instant by starts of more important tasks
// on the victims' agents, the preemptor's accounting holds after every
// cycle, gangs do preempt, and runs repeat exactly.
func TestGangPreemptionRandom(t *testing.T) {
	preemptedByGangs := 0
	for seed := range uint64(8) {
		params := allocator.Params{"preemption": true, "preemption_limit": 4}
		a, st := runGangPreempting(t, seed, params)
		b, _ := runGangPreempting(t, seed, params)
		require.Equal(t, a.log, b.log, "seed %d: not deterministic", seed)
		preemptedByGangs += a.check(t)
		assert.Equal(t, int64(a.preempted), st.Counters.Ended[allocator.OutcomePreempted], "seed %d", seed)
	}
	assert.Positive(t, preemptedByGangs, "no gang ever preempted")
}

// FuzzGangPreemption: any monolithic params, on a random workload of gang
// and lone jobs, are refused or run with the gang and preemption
// invariants checked (and the accounting after every cycle).
func FuzzGangPreemption(f *testing.F) {
	for _, s := range []string{
		"{preemption: true}",
		"{preemption: true, preemptible_below: 2, preemption_candidates: 1, preemption_limit: 1}",
		"{preemption: true, placement: best-fit, trigger: false}",
		"{preemption: true, placement: kubernetes, scan_limit: 1}",
	} {
		f.Add(uint64(1), s)
	}
	f.Fuzz(func(t *testing.T, seed uint64, doc string) {
		var p map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil {
			return
		}
		if _, err := NewMode("monolithic", ModeEnv{Params: p}); err != nil {
			return
		}
		r, _ := runGangPreempting(t, seed, p)
		r.check(t)
	})
}

// runGangPreempting runs gangMode with params on a random contended
// workload of gang (framework 0) and lone jobs with an agent failure,
// checking the preemptor's accounting after every cycle when it has one.
func runGangPreempting(t *testing.T, seed uint64, params allocator.Params) (*gangPreemptLog, Stats) {
	in := randomGangJobs(rand.New(rand.NewPCG(seed, 17)), 4, 4)
	m := gangMode(t, params).(*monolithic)
	var mode Mode = m
	if m.pre != nil || m.preempt != nil {
		mode = &heldChecked{monolithic: m, t: t}
	}
	rec := &gangPreemptLog{jobLog: jobLog{job: map[int64]int64{}, fw: map[int64]allocator.FrameworkID{}, first: map[int64]bool{},
		started: map[int64]allocator.Time{}}, prio: map[int64]int32{}, agent: map[int64]allocator.AgentID{}}
	e, err := New(Config{Cluster: smallCluster(t, 4), Source: &SliceSource{Inputs: in},
		Mode: mode, Interval: sec, Horizon: 200 * sec, Observer: rec, Requeue: true})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	return rec, st
}

// gangPreemptLog is jobLog with priorities and agents, for checking that
// preemptions make room for more important tasks.
type gangPreemptLog struct {
	jobLog
	prio      map[int64]int32
	agent     map[int64]allocator.AgentID
	preempted int
}

func (r *gangPreemptLog) TaskSubmitted(now allocator.Time, t *Task) {
	r.jobLog.TaskSubmitted(now, t)
	r.prio[t.Seq] = t.Spec.Priority
}

func (r *gangPreemptLog) TaskStarted(now allocator.Time, t *Task) {
	r.jobLog.TaskStarted(now, t)
	r.agent[t.Seq] = t.Placement.Agent
}

// check: every gang job's first attempts start at one instant or not at
// all, and the victims of each instant's preemptions each share an agent
// with a task that starts at that instant with a higher priority. It
// returns how many victims made room for a gang task.
func (r *gangPreemptLog) check(t *testing.T) int {
	starts := map[int64][]allocator.Time{}
	for seq, at := range r.started {
		if r.fw[seq] == 0 && r.first[seq] {
			starts[r.job[seq]] = append(starts[r.job[seq]], at)
		}
	}
	for job, ts := range starts {
		for _, at := range ts {
			require.Equal(t, ts[0], at, "gang job %d started at %v", job, ts)
		}
	}
	byGangs := 0
	var victims []int64
	var at float64
	flush := func(starts []int64) {
		for _, v := range victims {
			ok, gang := false, false
			for _, s := range starts {
				if r.agent[s] == r.agent[v] && r.prio[s] > r.prio[v] {
					ok, gang = true, gang || r.fw[s] == 0
				}
			}
			require.True(t, ok, "at %v: %d preempted with no more important start on its agent", at, v)
			if gang {
				byGangs++
			}
		}
		victims = victims[:0]
	}
	var started []int64
	cur := -1.0
	for _, line := range r.log {
		var now float64
		var seq int64
		var agent allocator.AgentID
		switch {
		case scan(line, "%g end %d preempted", &now, &seq):
			if now != cur {
				flush(started)
				started, cur = started[:0], now
			}
			victims = append(victims, seq)
			r.preempted++
		case scan(line, "%g start %d on %d", &now, &seq, &agent):
			if now != cur {
				flush(started)
				started, cur = started[:0], now
			}
			started = append(started, seq)
		}
		at = now
	}
	flush(started)
	return byGangs
}
