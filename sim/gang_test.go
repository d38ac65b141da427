package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jobTask is a task of job job of framework fw with the given CPUs.
func jobTask(at, dur allocator.Time, fw allocator.FrameworkID, job int64, cpu int64) Input {
	in := task(at, dur, cpu)
	in.Task.Framework, in.Task.Job = fw, job
	return in
}

// gangMode is the monolithic mode with framework 0 placing jobs all or
// nothing and framework 1 not.
func gangMode(t testing.TB, params allocator.Params) Mode {
	m, err := NewMode("monolithic", ModeEnv{Params: params, Frameworks: []allocator.FrameworkInfo{
		{Name: "training", Params: allocator.Params{"gang": true}}, {Name: "batch"}}})
	require.NoError(t, err)
	return m
}

// On two agents of 4 CPUs: a gang of two 3-CPU tasks starts whole; a second
// such gang waits until the first ends, then starts whole. A gang of three
// such tasks never starts, and its failure does not stop a lone 3-CPU task
// of the other framework queued behind it.
func TestGangAllOrNothing(t *testing.T) {
	in := []Input{
		jobTask(0, 10*sec, 0, 1, 3000), jobTask(0, 10*sec, 0, 1, 3000),
		jobTask(sec, 5*sec, 0, 2, 3000), jobTask(sec, 5*sec, 0, 2, 3000),
	}
	_, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Mode: gangMode(t, nil), Interval: sec})
	assert.Equal(t, []string{"0 submit 0", "0 submit 1", "0 start 0 on 0", "0 start 1 on 1",
		"1 submit 2", "1 submit 3", "10 end 0 finished", "10 end 1 finished", "10 start 2 on 0", "10 start 3 on 1",
		"15 end 2 finished", "15 end 3 finished"}, rec.log)

	in = []Input{
		jobTask(0, 10*sec, 0, 1, 3000), jobTask(0, 10*sec, 0, 1, 3000), jobTask(0, 10*sec, 0, 1, 3000),
		jobTask(0, 5*sec, 1, 2, 3000),
	}
	_, rec = runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Mode: gangMode(t, nil),
		Interval: sec, Horizon: 20 * sec})
	assert.Contains(t, rec.log, "0 start 3 on 0", "the lone task is placed behind the gang that does not fit")
	for _, seq := range []string{"0", "1", "2"} {
		assert.NotContains(t, rec.log, "0 start "+seq+" on 0")
		assert.Contains(t, rec.log, "15 end "+seq+" unscheduled") // the run stalls 10 intervals after the last progress
	}
}

// Without gang, the same three-task job starts two tasks at once.
func TestWithoutGangTasksStartAlone(t *testing.T) {
	in := []Input{jobTask(0, 10*sec, 1, 1, 3000), jobTask(0, 10*sec, 1, 1, 3000), jobTask(0, 10*sec, 1, 1, 3000)}
	_, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Mode: gangMode(t, nil), Interval: sec})
	assert.Contains(t, rec.log, "0 start 0 on 0")
	assert.Contains(t, rec.log, "0 start 1 on 1")
	assert.Contains(t, rec.log, "10 start 2 on 0")
}

func TestGangParams(t *testing.T) {
	for _, c := range []struct {
		fw   allocator.Params
		want string
	}{
		{allocator.Params{"gang": "yes"}, `framework "f": parameter "gang": want true or false`},
		{allocator.Params{"gnag": true}, `monolithic: framework "f": unknown parameter "gnag": no mode reads it (monolithic reads: gang)`},
		{allocator.Params{"gang": false}, ""},
	} {
		_, err := NewMode("monolithic", ModeEnv{Frameworks: []allocator.FrameworkInfo{{Name: "f", Params: c.fw}}})
		if c.want == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, c.want)
		}
	}
}

// On random workloads mixing gang and lone jobs (requests, priorities,
// kills of queued tasks and an agent failure), every gang job's first
// attempts start at one instant or not at all, lone jobs behave as
// without gang elsewhere, and runs repeat exactly.
func TestGangRandom(t *testing.T) {
	for seed := range uint64(6) {
		in := randomGangJobs(rand.New(rand.NewPCG(seed, 11)), 3, 5)
		run := func() *jobLog {
			rec := &jobLog{job: map[int64]int64{}, fw: map[int64]allocator.FrameworkID{}, first: map[int64]bool{},
				started: map[int64]allocator.Time{}}
			e, err := New(Config{Cluster: smallCluster(t, 4), Source: &SliceSource{Inputs: slices.Clone(in)}, Mode: gangMode(t, nil),
				Interval: sec, Horizon: 200 * sec, Observer: rec, Requeue: true})
			require.NoError(t, err)
			_, err = e.Run()
			require.NoError(t, err)
			return rec
		}
		a, b := run(), run()
		require.Equal(t, a.log, b.log, "seed %d: not deterministic", seed)
		starts := map[int64][]allocator.Time{} // gang job → start times of its first attempts
		for seq, at := range a.started {
			if a.fw[seq] == 0 && a.first[seq] {
				starts[a.job[seq]] = append(starts[a.job[seq]], at)
			}
		}
		gangs := 0
		for job, ts := range starts {
			for _, at := range ts {
				require.Equal(t, ts[0], at, "seed %d: gang job %d started at %v", seed, job, ts)
			}
			gangs++
		}
		require.Positive(t, gangs, "seed %d", seed)
	}
}

// randomGangJobs is 150 jobs of framework 0 (gang in gangMode) or 1 over a
// minute, of priorities below prios and 1 to maxTasks tasks of 0.5–3 CPUs,
// with agent 1 failing at 20 s and back at 40 s.
func randomGangJobs(rnd *rand.Rand, prios, maxTasks int) []Input {
	var in []Input
	for j := range 150 {
		at := allocator.Time(rnd.IntN(60)) * sec
		fw := allocator.FrameworkID(rnd.IntN(2))
		prio := int32(rnd.IntN(prios))
		dur := allocator.Time(1+rnd.IntN(30)) * sec
		for range 1 + rnd.IntN(maxTasks) {
			x := jobTask(at, dur, fw, int64(j), int64(500*(1+rnd.IntN(6))))
			x.Task.Priority = prio
			in = append(in, x)
		}
	}
	in = append(in, Input{Time: 20 * sec, Kind: InputAgentFail, Agent: 1}, Input{Time: 40 * sec, Kind: InputAgentRecover, Agent: 1})
	sortInputs(in)
	return in
}

// jobLog records each attempt's job, framework and start.
type jobLog struct {
	recorder
	job     map[int64]int64
	fw      map[int64]allocator.FrameworkID
	first   map[int64]bool // attempt 0
	started map[int64]allocator.Time
}

func (r *jobLog) TaskSubmitted(now allocator.Time, t *Task) {
	r.recorder.TaskSubmitted(now, t)
	r.job[t.Seq], r.fw[t.Seq], r.first[t.Seq] = t.Spec.Job, t.Spec.Framework, t.Attempt == 0
}

func (r *jobLog) TaskStarted(now allocator.Time, t *Task) {
	r.recorder.TaskStarted(now, t)
	r.started[t.Seq] = now
}

// A gang that does not fit is not taken for a failed shape even right after
// a real failure: the lone task of the same shape behind it starts.
func TestGangFailureIsNotAShapeFailure(t *testing.T) {
	in := []Input{
		jobTask(0, 10*sec, 1, 1, 5000), // fits no 4-CPU agent: a real failure of its shape
		jobTask(0, 10*sec, 0, 2, 3000), jobTask(0, 10*sec, 0, 2, 3000), jobTask(0, 10*sec, 0, 2, 3000),
		jobTask(0, 10*sec, 1, 3, 3000),
	}
	_, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}, Mode: gangMode(t, nil),
		Interval: sec, Horizon: 5 * sec})
	assert.Contains(t, rec.log, "0 start 4 on 0")
}
