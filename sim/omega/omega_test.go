package omega

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// started records each attempt's start (by seq; never started: absent)
// and how and when it ended.
type started struct {
	at      map[int64]allocator.Time
	agent   map[int64]allocator.AgentID
	devices map[int64]allocator.DeviceMask
	ended   map[int64]string // "<outcome> at <seconds>"
}

func (o *started) TaskSubmitted(allocator.Time, *sim.Task) {}
func (o *started) TaskStarted(now allocator.Time, t *sim.Task) {
	o.at[t.Seq], o.agent[t.Seq], o.devices[t.Seq] = now, t.Placement.Agent, t.Placement.Devices
}
func (o *started) TaskEnded(now allocator.Time, t *sim.Task) {
	if t.State != sim.StateRunning { // not still running at the horizon
		o.ended[t.Seq] = fmt.Sprintf("%s at %v", t.Outcome, now.Seconds())
	}
}
func (o *started) Sample(allocator.Time, *sim.Engine)                      {}
func (o *started) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

// task is a test input: framework, job, submit time (ms), CPU and GPU
// (milli).
type task struct {
	fw       allocator.FrameworkID
	job      int64
	submitMS int64
	cpu      int64
	gpu      int64
}

// run simulates tasks of 100 s on agents of the given CPUs (1 GiB each
// task, plenty of memory) with one scheduler per entry of fwParams.
func run(t *testing.T, params allocator.Params, agentCPU []int64, fwParams []allocator.Params, tasks []task) (sim.Stats, *started) {
	t.Helper()
	var agents []allocator.AgentSpec
	for i, cpu := range agentCPU {
		agents = append(agents, allocator.AgentSpec{Name: fmt.Sprintf("a%d", i), Capacity: allocator.Res(cpu, 1<<20, 0, 0)})
	}
	return runOn(t, params, agents, fwParams, tasks)
}

func runOn(t *testing.T, params allocator.Params, agents []allocator.AgentSpec, fwParams []allocator.Params, tasks []task) (sim.Stats, *started) {
	t.Helper()
	c := allocator.NewCluster()
	for _, a := range agents {
		_, err := c.AddAgent(a)
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "r"}}
	var fws []allocator.FrameworkInfo
	for i, p := range fwParams {
		fws = append(fws, allocator.FrameworkInfo{Name: fmt.Sprintf("s%d", i), Params: p, GPUCapable: true})
	}
	var in []sim.Input
	for _, tk := range tasks {
		at := allocator.Time(tk.submitMS) * allocator.Millisecond
		in = append(in, sim.Input{Time: at, Kind: sim.InputTask, Task: allocator.TaskSpec{
			Job: tk.job, Framework: tk.fw, Submit: at, Duration: 100 * allocator.Second,
			Req: allocator.Request{Res: allocator.Res(tk.cpu, 1024, 0, tk.gpu)}}})
	}
	m, err := sim.NewMode("omega", sim.ModeEnv{Params: params, Frameworks: fws, Roles: roles, Rand: sim.Stream(1, "mode")})
	require.NoError(t, err)
	obs := &started{at: map[int64]allocator.Time{}, agent: map[int64]allocator.AgentID{}, devices: map[int64]allocator.DeviceMask{},
		ended: map[int64]string{}}
	e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Roles: roles, Source: &sim.SliceSource{Inputs: in},
		Mode: m, Seed: 1, Observer: obs, Horizon: 50 * allocator.Second})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	return st, obs
}

func think(job, task float64) allocator.Params {
	return allocator.Params{"think_job": job, "think_task": task}
}

const ms = allocator.Millisecond

// A job is decided whole: its tasks start together once the scheduler has
// thought think_job + think_task × tasks.
func TestThinkTime(t *testing.T) {
	st, obs := run(t, nil, []int64{4000, 4000}, []allocator.Params{nil},
		[]task{{0, 7, 0, 1000, 0}, {0, 7, 0, 1000, 0}, {0, 7, 0, 1000, 0}, {0, 8, 0, 1000, 0}})
	for seq := range int64(3) {
		assert.Equal(t, 115*ms, obs.at[seq], "job 7: 100 ms + 3 × 5 ms")
	}
	assert.Equal(t, 115*ms+105*ms, obs.at[3], "job 8 is decided after job 7")
	k := st.Counters
	assert.Equal(t, int64(2), k.Transactions)
	assert.Zero(t, k.Conflicts)
	assert.Equal(t, 220*ms, k.SchedulerBusy)
}

// Two schedulers decide on the same copy of a one-slot agent: the faster
// commits, the slower conflicts, retries after retry_delay and then finds
// no room.
func TestConflictAndRetry(t *testing.T) {
	st, obs := run(t, nil, []int64{1000}, []allocator.Params{think(0.1, 0), think(0.2, 0)},
		[]task{{0, 1, 0, 1000, 0}, {1, 2, 0, 1000, 0}})
	assert.Equal(t, 100*ms, obs.at[0])
	assert.NotContains(t, obs.at, int64(1))
	k := st.Counters
	assert.Equal(t, int64(2), k.Transactions, "the retry has no claim: no transaction")
	assert.Equal(t, int64(1), k.TxConflicted)
	assert.Equal(t, int64(1), k.Conflicts)
	assert.Positive(t, k.PlaceFailures, "retries find no room")
}

// Fine-grained conflicts only refuse a claim the agent has no room for any
// more; coarse-grained ones refuse any claim on an agent something was
// committed on since the copy.
func TestFineAndCoarseConflicts(t *testing.T) {
	tasks := []task{{0, 1, 0, 1000, 0}, {1, 2, 0, 1000, 0}} // both fit a 2-CPU agent
	fws := []allocator.Params{think(0.1, 0), think(0.2, 0)}
	st, obs := run(t, nil, []int64{2000}, fws, tasks)
	assert.Equal(t, 200*ms, obs.at[1], "fine: room left, no conflict")
	assert.Zero(t, st.Counters.Conflicts)

	st, obs = run(t, allocator.Params{"conflicts": "coarse"}, []int64{2000}, fws, tasks)
	assert.Equal(t, int64(1), st.Counters.Conflicts, "coarse: the agent changed")
	assert.Equal(t, 200*ms+time1s+200*ms, obs.at[1], "retried after 1 s and committed at the next try")
}

const time1s = allocator.Second

// Incremental transactions commit every claim that does not conflict; gang
// (all-or-nothing) ones commit none when one conflicts.
func TestIncrementalAndGang(t *testing.T) {
	// Agent 0 holds one task, agent 1 two. Scheduler 0 takes agent 0's room;
	// scheduler 1's two-task job placed one task on each agent at t=0.
	tasks := []task{{0, 1, 0, 1000, 0}, {1, 2, 0, 1000, 0}, {1, 2, 0, 1000, 0}}
	fws := []allocator.Params{think(0.1, 0), think(0.2, 0)}
	st, obs := run(t, nil, []int64{1000, 2000}, fws, tasks)
	assert.Equal(t, allocator.AgentID(0), obs.agent[0])
	assert.Equal(t, int64(1), st.Counters.Conflicts)
	assert.Equal(t, 200*ms, obs.at[2], "incremental: the claim on agent 1 commits")
	assert.Equal(t, 200*ms+time1s+200*ms, obs.at[1], "the refused one is placed on agent 1 at the retry")
	assert.Equal(t, allocator.AgentID(1), obs.agent[1])

	st, obs = run(t, allocator.Params{"transactions": "gang"}, []int64{1000, 2000}, fws, tasks)
	assert.Equal(t, int64(2), st.Counters.Conflicts, "gang: the whole transaction is refused")
	assert.Equal(t, int64(1), st.Counters.TxConflicted)
	assert.Equal(t, 200*ms+time1s+200*ms, obs.at[1])
	assert.Equal(t, 200*ms+time1s+200*ms, obs.at[2])
}

func TestParamsRejected(t *testing.T) {
	fws := []allocator.FrameworkInfo{{Name: "a"}}
	for _, c := range []struct {
		p, fw allocator.Params
		msg   string
	}{
		{allocator.Params{"conflicts": "medium"}, nil, `"conflicts": want fine (resource-fit) or coarse`},
		{allocator.Params{"transactions": "some"}, nil, `"transactions": want incremental or gang`},
		{allocator.Params{"think_job": -1.0}, nil, `"think_job": want seconds from 0`},
		{allocator.Params{"placement": "nowhere"}, nil, `unknown placement policy "nowhere"`},
		{allocator.Params{"colour": "red"}, nil, "colour"},
		{nil, allocator.Params{"conflicts": "coarse"}, `framework "a"`},
		{nil, allocator.Params{"think_task": "fast"}, `framework "a"`},
		{allocator.Params{"think_job": 0, "think_task": 0, "retry_delay": 0}, nil, `framework "a": think_job, think_task and retry_delay cannot all be 0`},
		{allocator.Params{"think_job": 0, "think_task": 0}, allocator.Params{"retry_delay": 0}, `framework "a": think_job, think_task and retry_delay cannot all be 0`},
		{allocator.Params{"abandon_after": -1}, nil, `"abandon_after": want a whole number of decisions from 0 (never) to 65534, got -1`},
		{allocator.Params{"abandon_after": 1.5}, nil, `"abandon_after": want a whole number`},
		{nil, allocator.Params{"abandon_unplaced_after": 70000}, `framework "a": parameter "abandon_unplaced_after": want a whole number`},
		{nil, allocator.Params{"schedulers": 0}, `framework "a": parameter "schedulers": want a whole number from 1 to 1024, got 0`},
		{allocator.Params{"schedulers": 1.5}, nil, `"schedulers": want a whole number`},
		{allocator.Params{"schedulers": 2000}, nil, `"schedulers": want a whole number`},
	} {
		fws[0].Params = c.fw
		_, err := sim.NewMode("omega", sim.ModeEnv{Params: c.p, Frameworks: fws})
		if assert.Error(t, err, c.msg) {
			assert.Contains(t, err.Error(), c.msg)
		}
	}
}

// A claim's GPU device filled up meanwhile: fine-grained, the claim stands
// on another device of the agent with room; coarse-grained, it conflicts.
func TestDevicesChosenAgain(t *testing.T) {
	gpuAgent := []allocator.AgentSpec{{Name: "g", Capacity: allocator.Res(8000, 1<<20, 0, 2000), GPUModel: "V100"}}
	// Both schedulers pick device 0 (best fit, lowest index) on their copy.
	tasks := []task{{0, 1, 0, 1000, 600}, {1, 2, 0, 1000, 600}}
	fws := []allocator.Params{think(0.1, 0), think(0.2, 0)}
	st, obs := runOn(t, nil, gpuAgent, fws, tasks)
	assert.Equal(t, allocator.DeviceMask(1), obs.devices[0])
	assert.Equal(t, allocator.DeviceMask(2), obs.devices[1], "device 0 has 0.4 left: the claim moves to device 1")
	assert.Equal(t, 200*ms, obs.at[1])
	assert.Zero(t, st.Counters.Conflicts)

	st, _ = runOn(t, allocator.Params{"conflicts": "coarse"}, gpuAgent, fws, tasks)
	assert.Equal(t, int64(1), st.Counters.Conflicts)
}

// A job's tasks see each other's claims on the private copy: two tasks that
// each fill an agent go to different agents, and nothing conflicts.
func TestJobSeesItsOwnClaims(t *testing.T) {
	st, obs := run(t, allocator.Params{"conflicts": "coarse"}, []int64{1000, 1000}, []allocator.Params{nil},
		[]task{{0, 1, 0, 1000, 0}, {0, 1, 0, 1000, 0}})
	assert.Equal(t, allocator.AgentID(0), obs.agent[0])
	assert.Equal(t, allocator.AgentID(1), obs.agent[1])
	assert.Zero(t, st.Counters.Conflicts)
	assert.Equal(t, int64(1), st.Counters.Transactions)
}

// Coarse-grained, a job's own earlier claim on an agent is not a conflict
// for its next claim there.
func TestCoarseCountsOwnClaims(t *testing.T) {
	st, obs := run(t, allocator.Params{"conflicts": "coarse"}, []int64{2000}, []allocator.Params{nil},
		[]task{{0, 1, 0, 1000, 0}, {0, 1, 0, 1000, 0}})
	assert.Equal(t, 110*ms, obs.at[1])
	assert.Zero(t, st.Counters.Conflicts)
}

// A job none of whose tasks the copy ever has room for is abandoned after
// abandon_unplaced_after decisions: commits at 0.1, 1.2 and 2.3 s (think
// 0.1 s, retry 1 s), when its attempt ends unscheduled.
func TestAbandonUnplaced(t *testing.T) {
	p := think(0.1, 0)
	p["abandon_unplaced_after"] = 3
	st, obs := run(t, p, []int64{1000}, []allocator.Params{nil}, []task{{0, 1, 0, 2000, 0}})
	assert.Equal(t, "unscheduled at 2.3", obs.ended[0])
	assert.Equal(t, int64(1), st.Counters.JobsAbandoned)
}

// A job that got a task committed is abandoned only after abandon_after
// decisions in all (the fourth, committed at 3.4 s); the task that started
// runs on.
func TestAbandonAfter(t *testing.T) {
	p := think(0.1, 0)
	p["abandon_unplaced_after"], p["abandon_after"] = 2, 4
	st, obs := run(t, p, []int64{1000}, []allocator.Params{nil}, []task{{0, 1, 0, 1000, 0}, {0, 1, 0, 1000, 0}})
	assert.Equal(t, 100*ms, obs.at[0])
	assert.NotContains(t, obs.ended, int64(0), "still running at the horizon")
	assert.Equal(t, "unscheduled at 3.4", obs.ended[1])
	assert.Equal(t, int64(1), st.Counters.JobsAbandoned)
}

// With both limits at 0 a job is never given up: it waits until the run
// ends (here the engine stops it after 10 intervals with nothing launched
// or freed).
func TestAbandonNever(t *testing.T) {
	p := think(0.1, 0)
	p["abandon_unplaced_after"], p["abandon_after"] = 0, 0
	st, obs := run(t, p, []int64{1000}, []allocator.Params{nil}, []task{{0, 1, 0, 2000, 0}})
	assert.Equal(t, "unscheduled at 10", obs.ended[0])
	assert.Zero(t, st.Counters.JobsAbandoned)
}

// A framework's jobs are dealt among its schedulers, which decide at the
// same time: two one-task jobs on two schedulers both start after one think
// time, on one scheduler the second waits for the first.
func TestSeveralSchedulers(t *testing.T) {
	a, b := int64(1), int64(2)
	for schedulerOf(b, 2) == schedulerOf(a, 2) {
		b++
	}
	tasks := []task{{0, a, 0, 1000, 0}, {0, b, 0, 1000, 0}}
	_, obs := run(t, think(0.1, 0), []int64{4000}, []allocator.Params{{"schedulers": 2}}, tasks)
	assert.Equal(t, 100*ms, obs.at[0])
	assert.Equal(t, 100*ms, obs.at[1], "decided in parallel")
	_, obs = run(t, think(0.1, 0), []int64{4000}, []allocator.Params{nil}, tasks)
	assert.Equal(t, 100*ms, obs.at[0])
	assert.Equal(t, 200*ms, obs.at[1], "one scheduler: one job after the other")
}

// The hash spreads jobs evenly, also ids that are all multiples of the
// number of schedulers, and always deals a job to the same one.
func TestSchedulerOf(t *testing.T) {
	for _, step := range []int64{1, 4} {
		count := make([]int, 4)
		for j := range int64(4000) {
			count[schedulerOf(j*step, 4)]++
			require.Equal(t, schedulerOf(j*step, 4), schedulerOf(j*step, 4))
		}
		for i, c := range count {
			assert.InDelta(t, 1000, c, 100, "step %d: scheduler %d got %d of 4000 jobs", step, i, c)
		}
	}
	assert.Zero(t, schedulerOf(12345, 1))
}
