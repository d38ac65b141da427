package sim

import (
	"slices"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prioTask is a task of the given priority, CPUs (milli) and milli-GPU.
func prioTask(at, dur allocator.Time, prio int32, cpu, gpu int64) Input {
	in := task(at, dur, cpu)
	in.Task.Priority = prio
	in.Task.Req.Res[allocator.GPU] = gpu
	return in
}

// ofJob puts in a job with a host limit.
func ofJob(in Input, job int64, limit int16) Input {
	in.Task.Job, in.Task.Req.HostLimit = job, limit
	return in
}

// rackJob puts in a job with a rack limit.
func rackJob(in Input, job int64, limit uint8) Input {
	in.Task.Job, in.Task.Req.RackLimit = job, limit
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
			name: "a sibling goes for the job's host limit", agents: 1,
			// The agent has room, but 0 is job 7's one task it may hold.
			in: []Input{ofJob(prioTask(0, long, 1, 1000, 0), 7, 1), ofJob(prioTask(10*sec, 5*sec, 5, 1000, 0), 7, 1)},
			want: []string{"10 submit 1", "10 end 0 preempted", "10 submit 2", "10 start 1 on 0",
				"15 end 1 finished", "15 start 2 on 0"},
		},
		{
			name: "a sibling in the rack goes for the job's rack limit", agents: 2,
			// Both agents share one rack (the default), which may hold one
			// of job 7's tasks: agent 1's room is no help.
			in: []Input{rackJob(prioTask(0, long, 1, 1000, 0), 7, 1), rackJob(prioTask(10*sec, 5*sec, 5, 1000, 0), 7, 1)},
			want: []string{"10 submit 1", "10 end 0 preempted", "10 submit 2", "10 start 1 on 0",
				"15 end 1 finished", "15 start 2 on 0"},
		},
		{
			name: "a sibling that may not go: no preemption", agents: 1,
			in:   []Input{ofJob(prioTask(0, 20*sec, 6, 1000, 0), 7, 1), ofJob(prioTask(10*sec, 5*sec, 5, 1000, 0), 7, 1)},
			want: []string{"10 submit 1", "20 end 0 finished", "20 start 1 on 0", "25 end 1 finished"},
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
