package replay

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
	"github.com/allocsim/allocsim/traces"
)

// records is a traces.Reader over fixed records.
type records struct {
	recs  []traces.Record
	i     int
	stats traces.Stats
}

func (r *records) Next(rec *traces.Record) error {
	if r.i >= len(r.recs) {
		return io.EOF
	}
	*rec = r.recs[r.i]
	r.i++
	return nil
}
func (r *records) Stats() *traces.Stats { return &r.stats }
func (r *records) Close() error         { return nil }

const sec = allocator.Second

func mach(t allocator.Time, id int64, k traces.MachineEventKind, cpu int64) traces.Record {
	return traces.Record{Kind: traces.RecordMachine, Machine: traces.MachineEvent{Time: t, Machine: id, Kind: k, Capacity: allocator.Res(cpu, 1024, 0, 0)}}
}

func task(job int64, submit, start, run allocator.Time, prio int32) traces.Record {
	return traces.Record{Kind: traces.RecordTask, Task: traces.Task{Job: job, Submit: submit, Start: start, Run: run,
		Req: allocator.Res(100, 10, 0, 0), Priority: prio, Outcome: allocator.OutcomeKilled}}
}

func inputs(t *testing.T, recs []traces.Record, cfg Config) ([]sim.Input, *Source) {
	t.Helper()
	if cfg.Cluster == nil {
		cfg.Cluster = allocator.NewCluster()
	}
	if cfg.Map == nil {
		cfg.Map = byPriority
	}
	s, err := New(&records{recs: recs}, cfg)
	require.NoError(t, err)
	var out []sim.Input
	for {
		in, err := s.Next()
		if err == io.EOF {
			return out, s
		}
		require.NoError(t, err)
		out = append(out, in)
	}
}

func TestMachineEventsBecomeAgentInputs(t *testing.T) {
	c := allocator.NewCluster()
	_, err := c.AddAgent(allocator.AgentSpec{Name: "pre", Capacity: allocator.Res(1, 1, 0, 0)})
	require.NoError(t, err)
	ins, s := inputs(t, []traces.Record{
		mach(0, 10, traces.MachineAdd, 1000),
		mach(0, 11, traces.MachineAdd, 2000),
		mach(5*sec, 10, traces.MachineRemove, 0),
		mach(6*sec, 10, traces.MachineAdd, 1000), // same shape: recover
		mach(7*sec, 11, traces.MachineUpdate, 4000),
		mach(8*sec, 11, traces.MachineRemove, 0),
		mach(9*sec, 11, traces.MachineAdd, 4000), // new shape: replace
	}, Config{Cluster: c, Machines: true})
	kinds := []sim.InputKind{}
	agents := []allocator.AgentID{}
	for _, in := range ins {
		kinds = append(kinds, in.Kind)
		agents = append(agents, in.Agent)
	}
	require.Equal(t, []sim.InputKind{sim.InputAgentAdd, sim.InputAgentAdd, sim.InputAgentFail, sim.InputAgentRecover,
		sim.InputAgentFail, sim.InputAgentRemove, sim.InputAgentAdd}, kinds)
	// Ids continue after the agent already in the cluster.
	require.Equal(t, []allocator.AgentID{0, 0, 1, 1, 2, 2, 0}, agents)
	require.Equal(t, allocator.Res(4000, 1024, 0, 0), ins[6].Spec.Capacity)
	require.EqualValues(t, 1, s.Stats().Get("machine_update_ignored"))
	require.EqualValues(t, 1, s.Stats().Get("agent_replaced"))

	// Machines: false skips them all (counted).
	ins, s = inputs(t, []traces.Record{mach(0, 1, traces.MachineAdd, 1)}, Config{})
	require.Empty(t, ins)
	require.EqualValues(t, 1, s.Stats().Get("machine_events_skipped"))
}

func TestWindowScaleAndCarryIn(t *testing.T) {
	ins, s := inputs(t, []traces.Record{
		task(1, 10*sec, 20*sec, 30*sec, 9),      // ended (50 s) before the window: dropped
		task(2, 10*sec, 20*sec, 200*sec, 9),     // running at 100 s: carried in with 120 s left
		task(3, 50*sec, -1, allocator.Never, 0), // a service: carried in
		task(4, 150*sec, 160*sec, 10*sec, 0),    // inside
		task(5, 300*sec, 300*sec, 10*sec, 0),    // at the end: stops the replay
		task(6, 400*sec, 400*sec, 10*sec, 0),
	}, Config{Start: 100 * sec, End: 300 * sec, TimeScale: 0.5})
	require.Len(t, ins, 3)
	require.Equal(t, allocator.TaskSpec{Job: 2, Framework: 0, Submit: 0, Duration: 60 * sec, Req: allocator.Request{Res: allocator.Res(100, 10, 0, 0)},
		Priority: 9, Outcome: allocator.OutcomeKilled}, ins[0].Task)
	require.Equal(t, allocator.Never, ins[1].Task.Duration)
	require.EqualValues(t, 1, ins[1].Task.Framework)
	require.Equal(t, 25*sec, ins[2].Time) // (150 − 100) × 0.5
	require.Equal(t, 5*sec, ins[2].Task.Duration)
	require.EqualValues(t, 1, s.Stats().Get("ended_before_window"))
	require.EqualValues(t, 2, s.Stats().Get("carried_into_window"))
}

func TestSamplingIsSeededAndKeepsJobsWhole(t *testing.T) {
	var recs []traces.Record
	for j := int64(0); j < 2000; j++ {
		for i := int32(0); i < 3; i++ {
			r := task(j, allocator.Time(j)*sec, -1, sec, 0)
			r.Task.Index = i
			recs = append(recs, r)
		}
	}
	run := func(seed uint64) map[int64]int {
		ins, _ := inputs(t, recs, Config{SampleEvery: 10, Seed: seed})
		kept := map[int64]int{}
		for _, in := range ins {
			kept[in.Task.Job]++
		}
		return kept
	}
	a, b, c := run(1), run(1), run(2)
	require.Equal(t, a, b, "same seed, same sample")
	require.NotEqual(t, a, c, "another seed, another sample")
	require.InDelta(t, 200, len(a), 60, "about one job in ten")
	for _, n := range a {
		require.Equal(t, 3, n, "a kept job keeps all its tasks")
	}
}

func TestMappingAndGPUModels(t *testing.T) {
	c := allocator.NewCluster()
	r := task(1, 0, 0, sec, 0)
	r.Task.Req[allocator.GPU] = 500
	r.Task.GPUModels = "V100|T4"
	r.Task.Class = 3
	bad := task(2, 0, 0, sec, 0)
	bad.Task.Req[allocator.GPU] = 1500
	drop := task(3, 0, 0, sec, 0)
	drop.Task.Class = 1
	ins, s := inputs(t, []traces.Record{r, bad, drop}, Config{Cluster: c, QoSNames: traces.OpenbQoSNames,
		Map: func(t *traces.Task, qos string) (allocator.FrameworkID, bool) {
			return 4, qos == "LS" || t.Job == 2
		}})
	require.Len(t, ins, 1)
	require.EqualValues(t, 4, ins[0].Task.Framework)
	v, _ := c.LookupModel("V100")
	t4, _ := c.LookupModel("T4")
	require.Equal(t, allocator.ModelSet(1<<v|1<<t4), ins[0].Task.Req.GPUModels)
	require.EqualValues(t, 1, s.Stats().Get("invalid_request"))
	require.EqualValues(t, 1, s.Stats().Get("unmapped"))
}

// bounded reports its tasks exhausted after the record at index last.
type bounded struct {
	records
	last int
}

func (b *bounded) TasksExhausted() bool { return b.i > b.last }

func TestUntilTasksEnd(t *testing.T) {
	recs := []traces.Record{mach(0, 1, traces.MachineAdd, 1000), task(1, sec, -1, sec, 0), mach(5*sec, 1, traces.MachineRemove, 0),
		task(2, 6*sec, -1, sec, 0), mach(7*sec, 1, traces.MachineAdd, 1000), mach(9*sec, 1, traces.MachineRemove, 0)}
	for _, until := range []bool{false, true} {
		s, err := New(&bounded{records: records{recs: recs}, last: 3}, Config{Cluster: allocator.NewCluster(), Machines: true, Map: byPriority, UntilTasksEnd: until})
		require.NoError(t, err)
		n := 0
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			n++
		}
		if until {
			require.Equal(t, 4, n)
			require.EqualValues(t, 1, s.Stats().Get("stopped_after_last_task"))
		} else {
			require.Equal(t, 6, n)
		}
	}
}

// A trace's caps become the job's limits: the different-machines flag and
// max_per_machine a host limit, max_per_switch a rack limit (racks are the
// machines' switches); a cap beyond a rack limit's range is counted and
// dropped; ignoring the constraints keeps none.
func TestTraceCapsBecomeLimits(t *testing.T) {
	m := mach(0, 1, traces.MachineAdd, 1000)
	m.Machine.Attrs = "platform=p,switch=s7"
	capped := func(job int64, perMachine, perSwitch int32, distinct bool) traces.Record {
		r := task(job, sec, -1, 10*sec, 1)
		r.Task.MaxPerMachine, r.Task.MaxPerSwitch, r.Task.DistinctMachines = perMachine, perSwitch, distinct
		return r
	}
	recs := []traces.Record{m, capped(1, 1, 0, true), capped(2, 2, 3, false), capped(3, 0, 300, false), task(4, sec, -1, 10*sec, 1)}
	in, src := inputs(t, recs, Config{Machines: true})
	require.Len(t, in, 5)
	require.Equal(t, "s7", in[0].Spec.Rack)
	req := func(i int) allocator.Request { return in[i].Task.Req }
	require.Equal(t, [3]any{int16(1), uint8(0), int64(2)}, [3]any{req(1).HostLimit, req(1).RackLimit, req(1).Group})
	require.Equal(t, [3]any{int16(2), uint8(3), int64(3)}, [3]any{req(2).HostLimit, req(2).RackLimit, req(2).Group})
	require.Equal(t, [3]any{int16(0), uint8(0), int64(4)}, [3]any{req(3).HostLimit, req(3).RackLimit, req(3).Group}, "counted, though its cap is dropped")
	require.Equal(t, [3]any{int16(0), uint8(0), int64(0)}, [3]any{req(4).HostLimit, req(4).RackLimit, req(4).Group})
	st := src.Stats()
	require.EqualValues(t, 1, st.Get("distinct_machines"))
	require.EqualValues(t, 1, st.Get("max_per_machine"))
	require.EqualValues(t, 1, st.Get("max_per_switch"))
	require.EqualValues(t, 1, st.Get("max_per_switch_above_255_ignored"))

	in, src = inputs(t, recs, Config{Machines: true, IgnoreConstraints: true})
	for _, i := range []int{1, 2, 3} {
		require.False(t, in[i].Task.Req.HasLimits(), "task %d", i)
	}
	require.EqualValues(t, 3, src.Stats().Get("distinct_machines_ignored"))
}
