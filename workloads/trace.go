package workloads

import (
	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
	"github.com/allocsim/allocsim/traces"
	"github.com/allocsim/allocsim/traces/replay"
)

// This file (owned by the traces side) turns a scenario's trace section into
// a sim.Source through the traces readers and traces/replay.
func init() { traceSourceFunc = traceSource }

func traceSource(s *Scenario, c *allocator.Cluster) (sim.Source, error) {
	src, _, err := OpenTraceReplay(s, c)
	return src, err
}

// OpenTraceReplay opens the scenario's trace and returns the replay source
// (whose Stats say what was dropped and why).
func OpenTraceReplay(s *Scenario, c *allocator.Cluster) (sim.Source, *replay.Source, error) {
	t := s.Workload.Trace
	if _, err := traces.NormalizeFormat(t.Format); err != nil {
		return nil, nil, s.errAt("workload.trace.format", "%v", err)
	}
	opt := traces.OpenOptions{Options: traces.Options{Shape: traces.Shape{
		CPUMilli: int64(t.MachineSize.CPU), MemMiB: int64(t.MachineSize.Mem), DiskMiB: int64(t.MachineSize.Disk)}}}
	r, err := traces.Open(t.Format, t.Path, opt)
	if err != nil {
		return nil, nil, err
	}
	format, _ := traces.NormalizeFormat(t.Format)
	if format == "canonical" {
		format = traces.Meta(r)[traces.MetaFormat]
	}
	var qos []string
	if format == "openb" {
		qos = traces.OpenbQoSNames
	}
	rules := t.Map
	src, err := replay.New(r, replay.Config{
		Cluster: c, Start: allocator.Time(t.Window.Start), End: allocator.Time(t.Window.End),
		TimeScale: t.TimeScale, SampleEvery: t.SampleEvery, Seed: t.Seed, Machines: t.Machines, QoSNames: qos,
		// Without a window end, stop with the trace's tasks, not its month of machine events.
		UntilTasksEnd:     t.Window.End == 0,
		IgnoreConstraints: t.IgnoreConstraints,
		Map: func(task *traces.Task, q string) (allocator.FrameworkID, bool) {
			if r := match(rules, task, q); r != nil {
				return r.FrameworkID, true
			}
			return 0, false
		},
		Limits: func(task *traces.Task, q string) (host int16, rack uint8) {
			if r := match(rules, task, q); r != nil {
				return int16(r.HostLimit), uint8(r.RackLimit)
			}
			return 0, 0
		},
	})
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return src, src, nil
}

// match is the first rule matching the task, or nil.
func match(rules []TraceRule, task *traces.Task, qos string) *TraceRule {
	for i := range rules {
		if rules[i].Matches(task.Priority, task.Class, qos) {
			return &rules[i]
		}
	}
	return nil
}
