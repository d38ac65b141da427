package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sec = allocator.Second

// recorder is an Observer that logs every call as a line.
type recorder struct {
	log    []string
	cycles []CycleStats
}

func (r *recorder) TaskSubmitted(now allocator.Time, t *Task) {
	r.log = append(r.log, fmt.Sprintf("%v submit %d", now.Seconds(), t.Seq))
}
func (r *recorder) TaskStarted(now allocator.Time, t *Task) {
	r.log = append(r.log, fmt.Sprintf("%v start %d on %d", now.Seconds(), t.Seq, t.Placement.Agent))
}
func (r *recorder) TaskEnded(now allocator.Time, t *Task) {
	o := t.Outcome.String()
	if t.State == StateRunning {
		o = "running"
	}
	r.log = append(r.log, fmt.Sprintf("%v end %d %s", now.Seconds(), t.Seq, o))
}
func (r *recorder) Sample(now allocator.Time, e *Engine) {
	r.log = append(r.log, fmt.Sprintf("%v sample", now.Seconds()))
}
func (r *recorder) CycleDone(now allocator.Time, wall time.Duration, c CycleStats) {
	r.cycles = append(r.cycles, c)
}

// smallCluster has n agents of 4 CPUs and 8 GiB.
func smallCluster(t testing.TB, n int) *allocator.Cluster {
	c := allocator.NewCluster()
	for i := range n {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprint("a", i), Capacity: allocator.Res(4000, 8192, 0, 0)})
		require.NoError(t, err)
	}
	return c
}

func task(at, dur allocator.Time, cpu int64) Input {
	return Input{Time: at, Kind: InputTask, Task: allocator.TaskSpec{Submit: at, Duration: dur, Req: allocator.Request{Res: allocator.Res(cpu, 64, 0, 0)}}}
}

func mono(t testing.TB, params allocator.Params) Mode {
	m, err := NewMode("monolithic", ModeEnv{Params: params})
	require.NoError(t, err)
	return m
}

func runEngine(t *testing.T, cfg Config) (Stats, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.Observer = rec
	if cfg.Mode == nil {
		cfg.Mode = mono(t, nil)
	}
	e, err := New(cfg)
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	return st, rec
}

type queue interface {
	Len() int
	push(allocator.Time, HandlerID, int64)
	pop() event
}

// TestQueueOrder interleaves pushes (never before the last pop, as the
// engine does) and pops and checks both queues against a sorted reference.
func TestQueueOrder(t *testing.T) {
	for name, q := range map[string]queue{"heap": &eventQueue{}, "radix": &radixQueue{}} {
		t.Run(name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(3, 4))
			type ev struct {
				at  allocator.Time
				arg int64
			}
			var ref []ev // pending, kept sorted by (time, push order)
			now := allocator.Time(0)
			arg := int64(0)
			for step := range 60000 {
				if rnd.IntN(3) > 0 || len(ref) == 0 {
					var at allocator.Time
					switch rnd.IntN(4) {
					case 0:
						at = now // ties with the present
					case 1:
						at = now + allocator.Time(rnd.IntN(4))
					default:
						at = now + allocator.Time(rnd.Int64N(1<<uint(rnd.IntN(40))))
					}
					q.push(at, HandlerID(arg&0xff), arg)
					k := sort.Search(len(ref), func(i int) bool { return ref[i].at > at })
					ref = append(ref, ev{})
					copy(ref[k+1:], ref[k:])
					ref[k] = ev{at, arg}
					arg++
					continue
				}
				got := q.pop()
				require.Equal(t, ref[0].at, got.at, "step %d", step)
				require.Equal(t, ref[0].arg, got.arg, "step %d: tie not broken by seq", step)
				require.Equal(t, HandlerID(got.arg&0xff), got.handler())
				now = got.at
				ref = ref[1:]
				require.Equal(t, len(ref), q.Len())
			}
		})
	}
}

func TestLifecycleAndDrain(t *testing.T) {
	src := &SliceSource{Inputs: []Input{task(0, 10*sec, 1000), task(2*sec, 5*sec, 1000)}}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: src})
	assert.Equal(t, []string{
		"0 submit 0", "0 start 0 on 0",
		"2 submit 1", "2 start 1 on 0",
		"7 end 1 finished",
		"10 end 0 finished",
	}, rec.log)
	assert.True(t, st.Drained)
	assert.Equal(t, 10*sec, st.End)
	assert.EqualValues(t, 2, st.Counters.Launched)
	assert.EqualValues(t, 2, st.Counters.Ended[allocator.OutcomeFinished])
}

func TestHorizonStopsServices(t *testing.T) {
	src := &SliceSource{Inputs: []Input{task(0, allocator.Never, 1000), task(1*sec, 100*sec, 1000), task(2*sec, 1*sec, 8000)}}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: src, Horizon: 30 * sec, SampleInterval: 10 * sec})
	assert.False(t, st.Drained)
	assert.Equal(t, 30*sec, st.End)
	assert.Equal(t, []string{
		"0 submit 0", "0 start 0 on 0", "0 sample",
		"1 submit 1", "1 start 1 on 0",
		"2 submit 2",
		"10 sample", "20 sample", "30 sample",
		"30 end 0 running", "30 end 1 running", "30 end 2 unscheduled",
	}, rec.log)
	assert.EqualValues(t, 1, st.Pending)
	assert.EqualValues(t, 2, st.Running)
}

func TestDrainIgnoresServices(t *testing.T) {
	src := &SliceSource{Inputs: []Input{task(0, allocator.Never, 1000), task(0, 3*sec, 1000)}}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: src})
	assert.True(t, st.Drained)
	assert.Equal(t, 3*sec, st.End)
	assert.Equal(t, "3 end 0 running", rec.log[len(rec.log)-1])
}

func TestStallStopsUnplaceable(t *testing.T) {
	src := &SliceSource{Inputs: []Input{task(0, sec, 64000)}}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: src})
	assert.True(t, st.Drained)
	assert.Equal(t, 10*sec, st.End, "stops after StallTimeout (10 intervals)")
	assert.Equal(t, "10 end 0 unscheduled", rec.log[len(rec.log)-1])
	assert.EqualValues(t, 1, st.Counters.Ended[allocator.OutcomeUnscheduled])
}

func TestAgentFailureLosesTasks(t *testing.T) {
	for _, requeue := range []bool{false, true} {
		t.Run(fmt.Sprint("requeue=", requeue), func(t *testing.T) {
			src := &SliceSource{Inputs: []Input{
				task(0, 100*sec, 3000), task(0, 100*sec, 3000),
				{Time: 5 * sec, Kind: InputAgentFail, Agent: 0},
				{Time: 50 * sec, Kind: InputAgentRecover, Agent: 0},
			}}
			st, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: src, Requeue: requeue, Horizon: 200 * sec})
			want := []string{
				"0 submit 0", "0 submit 1", "0 start 0 on 0", "0 start 1 on 1",
				"5 end 0 lost",
			}
			if requeue {
				want = append(want, "5 submit 2", "50 start 2 on 0", "100 end 1 finished", "150 end 2 finished")
			} else {
				want = append(want, "100 end 1 finished")
			}
			assert.Equal(t, want, rec.log)
			assert.EqualValues(t, 1, st.Counters.Ended[allocator.OutcomeLost])
			assert.Equal(t, 15.0, st.Counters.WastedCPUSeconds, "3 CPUs for 5 s, lost")
			assert.True(t, st.Drained)
		})
	}
}

func TestAgentAddAndRemove(t *testing.T) {
	src := &SliceSource{Inputs: []Input{
		task(0, 10*sec, 4000), task(0, 10*sec, 4000),
		{Time: 3 * sec, Kind: InputAgentAdd, Spec: allocator.AgentSpec{Name: "new", Capacity: allocator.Res(4000, 8192, 0, 0)}},
		{Time: 4 * sec, Kind: InputAgentRemove, Agent: 1},
		{Time: 5 * sec, Kind: InputAgentRecover, Agent: 1}, // removed agents stay down
	}}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: src})
	assert.Equal(t, []string{
		"0 submit 0", "0 submit 1", "0 start 0 on 0",
		"3 start 1 on 1", "4 end 1 lost", "10 end 0 finished",
	}, rec.log)
	assert.False(t, st.Drained && st.Pending > 0)
	assert.False(t, st.Counters.Ended[allocator.OutcomeLost] == 0)
}

func TestTriggeredCyclesBatch(t *testing.T) {
	var in []Input
	for range 50 {
		in = append(in, task(sec/2, sec, 100))
	}
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 2), Source: &SliceSource{Inputs: in}})
	var trig []CycleStats
	for _, c := range rec.cycles {
		if c.Triggered {
			trig = append(trig, c)
		}
	}
	// 50 submissions at 0.5 s give one triggered cycle launching all 50; the
	// 50 ends at 1.5 s give one more (nothing pending, so it launches none).
	require.Len(t, trig, 1)
	assert.EqualValues(t, 50, trig[0].Launched)
	assert.EqualValues(t, 1, st.Counters.TriggeredCycles)
}

func TestPriorityOrder(t *testing.T) {
	lo := task(0, 10*sec, 4000)
	hi := task(0, 10*sec, 4000)
	hi.Task.Priority = 5
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: &SliceSource{Inputs: []Input{lo, hi}},
		Mode: mono(t, allocator.Params{"trigger": false})})
	assert.Equal(t, []string{"0 submit 0", "0 submit 1", "0 start 1 on 0", "10 end 1 finished", "10 start 0 on 0", "20 end 0 finished"}, rec.log)
	assert.True(t, st.Drained)
}

// killer is a mode that kills every task it launches after one second.
type killer struct {
	BaseMode
	e  *Engine
	h  HandlerID
	pq []TaskID
}

func (k *killer) Init(e *Engine) error {
	k.e = e
	k.h = e.RegisterHandler(HandlerFunc(func(now allocator.Time, arg int64) {
		if err := e.Kill(TaskID(arg), allocator.OutcomePreempted); err != nil {
			e.Fail(err)
		}
	}))
	return nil
}
func (k *killer) TaskPending(now allocator.Time, id TaskID) { k.pq = append(k.pq, id) }
func (k *killer) Cycle(now allocator.Time) {
	for _, id := range k.pq {
		if err := k.e.Launch(id, allocator.Placement{Agent: 0}); err != nil {
			k.e.Fail(err)
		}
		k.e.At(now+sec, k.h, int64(id))
	}
	k.pq = k.pq[:0]
}

func TestKillAndStaleEndEvent(t *testing.T) {
	st, rec := runEngine(t, Config{Cluster: smallCluster(t, 1), Source: &SliceSource{Inputs: []Input{task(0, 5*sec, 1000)}}, Mode: &killer{}})
	assert.Equal(t, []string{"0 submit 0", "0 start 0 on 0", "1 end 0 preempted"}, rec.log)
	assert.EqualValues(t, 1, st.Counters.Ended[allocator.OutcomePreempted])
	assert.Equal(t, 1.0, st.Counters.WastedCPUSeconds, "1 CPU for 1 s, preempted")
	assert.Equal(t, 1*sec, st.End)
}

func TestLaunchRejectsMisfit(t *testing.T) {
	c := smallCluster(t, 1)
	e, err := New(Config{Cluster: c, Source: &SliceSource{}, Mode: &BaseModeCycle{}})
	require.NoError(t, err)
	e.submit(allocator.TaskSpec{Duration: sec, Req: allocator.Request{Res: allocator.Res(8000, 1, 0, 0)}}, 0)
	require.Error(t, e.Launch(0, allocator.Placement{Agent: 0}))
	require.Error(t, e.Launch(0, allocator.Placement{Agent: 7}))
	assert.Equal(t, StatePending, e.Task(0).State)
	assert.Equal(t, c.Total(), c.Free())
}

// BaseModeCycle is a mode that does nothing at all.
type BaseModeCycle struct{ BaseMode }

func (BaseModeCycle) Cycle(allocator.Time) {}

func TestBadInputs(t *testing.T) {
	cases := map[string][]Input{
		"out of order":   {task(5*sec, sec, 1), task(1*sec, sec, 1)},
		"bad gpu":        {{Kind: InputTask, Task: allocator.TaskSpec{Duration: sec, Req: allocator.Request{Res: allocator.Res(1, 1, 0, 1500)}}}},
		"negative dur":   {task(0, -sec, 1)},
		"unknown agent":  {{Time: 0, Kind: InputAgentFail, Agent: 9}},
		"unknown kind":   {{Time: 0, Kind: 99}},
		"negative agent": {{Time: 0, Kind: InputAgentRecover, Agent: -1}},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			e, err := New(Config{Cluster: smallCluster(t, 1), Source: &SliceSource{Inputs: in}, Mode: mono(t, nil)})
			require.NoError(t, err)
			_, err = e.Run()
			require.Error(t, err)
		})
	}
}

func TestMonolithicParams(t *testing.T) {
	for _, p := range []allocator.Params{
		{"bogus": 1}, {"scan_limit": 0}, {"scan_limit": "x"}, {"trigger": "yes"}, {"placement": "no-such-policy"},
	} {
		_, err := NewMode("monolithic", ModeEnv{Params: p})
		assert.Error(t, err, "%v", p)
	}
}
