// Package replay turns a trace stream (package traces) into simulator
// inputs: a time window, a time scale, seeded job sampling, a mapping of
// priorities / classes / QoS to frameworks, and the trace's machine events as
// agent adds, failures and recoveries.
package replay

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
	"github.com/allocsim/allocsim/traces"
)

// Config says how to replay a trace.
type Config struct {
	// Cluster is the run's cluster: agents the trace adds get the next ids
	// after those already in it, and GPU model names are interned in it.
	Cluster *allocator.Cluster
	// Start and End bound the trace window (trace time; End 0 = no end).
	Start, End allocator.Time
	// TimeScale multiplies trace times and run times (0 = 1).
	TimeScale float64
	// SampleEvery keeps about one job in N (0 or 1 = all), chosen by a hash
	// of (Seed, job id) so that a job's tasks are kept or dropped together
	// and the choice does not depend on reading order.
	SampleEvery int
	Seed        uint64
	// Machines replays the trace's machine events; otherwise they are
	// skipped and the scenario's cluster is used as is.
	Machines bool
	// Map picks the framework of a task; false drops it (counted as
	// "unmapped"). qos is the openb QoS label ("" for other formats).
	Map func(t *traces.Task, qos string) (allocator.FrameworkID, bool)
	// QoSNames turns a class back into an openb QoS label (nil = none).
	QoSNames []string
	// UntilTasksEnd stops the replay at the first machine event after the
	// reader's last task (readers implementing traces.TaskBounded), so that a
	// few hours of task parts do not drag a month of machine events along.
	UntilTasksEnd bool
	// IgnoreConstraints drops the tasks' placement constraints (counted as
	// "distinct_machines_ignored").
	IgnoreConstraints bool
	// Limits, when set, gives a task limits of the scenario's own (a map
	// rule's host_limit and rack_limit; 0 = none), on top of the trace's.
	Limits func(t *traces.Task, qos string) (host int16, rack uint8)
}

// Source is a sim.Source over a trace reader.
type Source struct {
	r     traces.Reader
	cfg   Config
	stats traces.Stats
	rec   traces.Record
	queue []sim.Input // inputs produced by one record beyond the first
	qi    int
	next  allocator.AgentID
	agent map[int64]*agentState
	// constrained holds the jobs seen with a placement constraint (the
	// distinct-machines flag or a cap): all their later tasks are counted
	// per agent, constrained or not, since a constrained task counts every
	// running task of its job.
	constrained map[int64]bool
	done        bool
}

type agentState struct {
	id       allocator.AgentID
	up       bool
	capacity allocator.Resources
	model    string
}

// New returns a replay source. It owns r and closes it at the end.
func New(r traces.Reader, cfg Config) (*Source, error) {
	if cfg.Cluster == nil {
		return nil, fmt.Errorf("replay: no cluster")
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if cfg.TimeScale < 0 || math.IsNaN(cfg.TimeScale) || math.IsInf(cfg.TimeScale, 0) {
		return nil, fmt.Errorf("replay: time scale %g must be > 0", cfg.TimeScale)
	}
	if cfg.End != 0 && cfg.End <= cfg.Start {
		return nil, fmt.Errorf("replay: window end %d ≤ start %d", cfg.End, cfg.Start)
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = 1
	}
	return &Source{r: r, cfg: cfg, next: allocator.AgentID(cfg.Cluster.NumAgents()), agent: map[int64]*agentState{},
		constrained: map[int64]bool{}}, nil
}

// Stats are the replay's counters (what it dropped and why) followed by the
// reader's own.
func (s *Source) Stats() *traces.Stats { return &s.stats }

// ReaderStats are the underlying reader's counters.
func (s *Source) ReaderStats() *traces.Stats { return s.r.Stats() }

// simTime maps trace time to simulated time: (t − Start) × TimeScale, at
// least 0 (events before the window happen at its start).
func (s *Source) simTime(t allocator.Time) allocator.Time {
	d := max(t-s.cfg.Start, 0)
	return s.scale(d)
}

func (s *Source) scale(d allocator.Time) allocator.Time {
	if d == allocator.Never || s.cfg.TimeScale == 1 {
		return d
	}
	return allocator.Time(math.Round(float64(d) * s.cfg.TimeScale))
}

// Next returns the next simulator input, or io.EOF after the window.
func (s *Source) Next() (sim.Input, error) {
	for {
		if s.qi < len(s.queue) {
			in := s.queue[s.qi]
			s.qi++
			return in, nil
		}
		s.queue, s.qi = s.queue[:0], 0
		if s.done {
			return sim.Input{}, io.EOF
		}
		err := s.r.Next(&s.rec)
		if err == io.EOF || (err == nil && s.cfg.End > 0 && s.rec.Time() >= s.cfg.End) {
			s.done = true
			if cerr := s.r.Close(); cerr != nil {
				return sim.Input{}, cerr
			}
			continue
		}
		if err != nil {
			return sim.Input{}, err
		}
		if s.rec.Kind == traces.RecordMachine {
			if tb, ok := s.r.(traces.TaskBounded); ok && s.cfg.UntilTasksEnd && tb.TasksExhausted() {
				s.stats.Add("stopped_after_last_task", 1)
				s.done = true
				if cerr := s.r.Close(); cerr != nil {
					return sim.Input{}, cerr
				}
				continue
			}
			if err := s.machine(&s.rec.Machine); err != nil {
				return sim.Input{}, err
			}
			continue
		}
		in, ok, err := s.task(&s.rec.Task)
		if err != nil {
			return sim.Input{}, err
		}
		if ok {
			return in, nil
		}
	}
}

// keep decides the seeded job sample (traces.KeepJob).
func (s *Source) keep(job int64) bool {
	return traces.KeepJob(s.cfg.Seed, job, s.cfg.SampleEvery)
}

func (s *Source) task(t *traces.Task) (sim.Input, bool, error) {
	run := t.Run
	submit := t.Submit
	if submit < s.cfg.Start {
		// Submitted before the window: carried in (at its start) only if the
		// trace still had it at the window start.
		if run == allocator.Never {
			s.stats.Add("carried_into_window", 1)
		} else {
			began := t.Start
			if began < 0 {
				began = t.Submit
			}
			if began+run <= s.cfg.Start {
				s.stats.Add("ended_before_window", 1)
				return sim.Input{}, false, nil
			}
			if began < s.cfg.Start {
				run = began + run - s.cfg.Start
			}
			s.stats.Add("carried_into_window", 1)
		}
		submit = s.cfg.Start
	}
	if !s.keep(t.Job) {
		s.stats.Add("sampled_out", 1)
		return sim.Input{}, false, nil
	}
	qos := ""
	if s.cfg.QoSNames != nil && int(t.Class) >= 0 && int(t.Class) < len(s.cfg.QoSNames) {
		qos = s.cfg.QoSNames[t.Class]
	}
	fw, ok := s.cfg.Map(t, qos)
	if !ok {
		s.stats.Add("unmapped", 1)
		return sim.Input{}, false, nil
	}
	req := allocator.Request{Res: t.Req}
	if t.GPUModels != "" {
		for _, m := range t.GPUModelList() {
			id, err := s.cfg.Cluster.ModelID(m)
			if err != nil {
				return sim.Input{}, false, fmt.Errorf("task %d/%d: %w", t.Job, t.Index, err)
			}
			req.GPUModels |= 1 << id
		}
	}
	if err := req.Validate(); err != nil {
		s.stats.Add("invalid_request", 1)
		return sim.Input{}, false, nil
	}
	constrained := t.DistinctMachines || t.MaxPerMachine > 0 || t.MaxPerSwitch > 0
	switch {
	case constrained && s.cfg.IgnoreConstraints:
		s.stats.Add("distinct_machines_ignored", 1)
	case constrained:
		// Borg's different-machines restriction: no other running task of
		// the job on the machine; 2019's caps per machine and per switch (a
		// rack: the replay's racks are the machines' switches). A job's
		// tasks submitted before its first constrained one are not counted
		// (Google 2011: 142 of 8,464 jobs in the shared parts mix flagged
		// and unflagged tasks).
		if t.DistinctMachines {
			s.stats.Add("distinct_machines", 1)
			req.HostLimit = 1
		}
		if n := t.MaxPerMachine; n > 0 && !t.DistinctMachines {
			s.stats.Add("max_per_machine", 1)
			req.HostLimit = int16(min(n, math.MaxInt16)) // above, no machine holds that many tasks
		}
		if n := t.MaxPerSwitch; n > math.MaxUint8 {
			s.stats.Add("max_per_switch_above_255_ignored", 1)
		} else if n > 0 {
			s.stats.Add("max_per_switch", 1)
			req.RackLimit = uint8(n)
		}
		s.constrained[t.Job] = true
	}
	if s.cfg.Limits != nil {
		host, rack := s.cfg.Limits(t, qos)
		if host > 0 && (req.HostLimit == 0 || host < req.HostLimit) {
			req.HostLimit = host
		}
		req.RackLimit = rack
		if host > 0 || rack > 0 {
			s.stats.Add("scenario_limits", 1)
		}
	}
	if s.constrained[t.Job] || req.HasLimits() {
		req.Group = t.Job + 1
	}
	at := s.simTime(submit)
	s.stats.Add("tasks", 1)
	return sim.Input{Time: at, Kind: sim.InputTask, Task: allocator.TaskSpec{
		Job: t.Job, Index: t.Index, Framework: fw, Submit: at, Duration: s.scale(run), Req: req,
		Priority: t.Priority, Class: t.Class, Outcome: t.Outcome,
	}}, true, nil
}

// machine maps a machine event onto agent inputs:
//   - ADD of a new machine adds an agent; ADD of a removed one recovers it
//     when its capacity is the same, otherwise the old agent is removed for
//     good and a new one added (the cluster has no capacity change);
//   - REMOVE fails the agent (its tasks are lost, as in the trace);
//   - UPDATE of an up machine cannot change a live agent's capacity: it is
//     counted ("machine_update_ignored"); a later ADD (after a REMOVE)
//     brings the new capacity.
func (s *Source) machine(m *traces.MachineEvent) error {
	if !s.cfg.Machines {
		s.stats.Add("machine_events_skipped", 1)
		return nil
	}
	at := s.simTime(m.Time)
	st := s.agent[m.Machine]
	switch m.Kind {
	case traces.MachineAdd:
		if st != nil && st.up {
			s.stats.Add("machine_add_while_up", 1)
			return nil
		}
		if st != nil && st.capacity == m.Capacity && st.model == m.GPUModel {
			st.up = true
			s.queue = append(s.queue, sim.Input{Time: at, Kind: sim.InputAgentRecover, Agent: st.id})
			s.stats.Add("agent_recover", 1)
			return nil
		}
		if st != nil {
			s.queue = append(s.queue, sim.Input{Time: at, Kind: sim.InputAgentRemove, Agent: st.id})
			s.stats.Add("agent_replaced", 1)
		}
		st = &agentState{id: s.next, up: true, capacity: m.Capacity, model: m.GPUModel}
		s.next++
		s.agent[m.Machine] = st
		s.queue = append(s.queue, sim.Input{Time: at, Kind: sim.InputAgentAdd, Spec: allocator.AgentSpec{
			Name: fmt.Sprintf("m%d", m.Machine), Capacity: m.Capacity, GPUModel: m.GPUModel, Rack: switchOf(m.Attrs)}})
		s.stats.Add("agent_add", 1)
	case traces.MachineRemove:
		if st == nil || !st.up {
			s.stats.Add("machine_remove_not_up", 1)
			return nil
		}
		st.up = false
		s.queue = append(s.queue, sim.Input{Time: at, Kind: sim.InputAgentFail, Agent: st.id})
		s.stats.Add("agent_fail", 1)
	case traces.MachineUpdate:
		if st == nil {
			s.stats.Add("machine_update_unknown", 1)
			return nil
		}
		if st.capacity == m.Capacity && st.model == m.GPUModel {
			s.stats.Add("machine_update_same", 1)
			return nil
		}
		if !st.up {
			s.stats.Add("machine_update_while_down", 1) // the next ADD carries the capacity
			return nil
		}
		s.stats.Add("machine_update_ignored", 1)
	}
	return nil
}

// switchOf is the switch in a machine's attributes ("…,switch=ID"), which
// becomes its agent's rack; "" when the trace names none.
func switchOf(attrs string) string {
	for _, kv := range strings.Split(attrs, ",") {
		if v, ok := strings.CutPrefix(kv, "switch="); ok {
			return v
		}
	}
	return ""
}
