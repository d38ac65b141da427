package reports

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
)

// taskRec is what tasks.parquet needs of one attempt, copied from sim.Task
// by the engine goroutine and turned into a row by a writer goroutine.
type taskRec struct {
	seq, job     int64
	submit, dur  allocator.Time
	ready, start allocator.Time
	end          allocator.Time
	res          allocator.Resources
	index        int32
	attempt      int32
	fw           allocator.FrameworkID
	prio         int32
	agent        allocator.AgentID
	devices      int32
	class        int8
	outcome      allocator.Outcome
	started      bool
	running      bool // still running when the run stopped
	retract      bool // to the openWriter: drop the row written ahead for seq
	marker       bool // to the taskWriter: chunk seq of the rows written ahead is complete
}

// copyTask fills r from t field by field. A struct copy would read t with
// 16-byte loads across End and State, which the engine has just stored with
// narrower writes: such loads cannot be forwarded from the store buffer and
// wait until every earlier engine store, misses included, has reached the
// cache (profiled: ~120 ns per task on the default scenario, the largest
// engine-side cost of collecting metrics).
func copyTask(r *taskRec, t *sim.Task) {
	sp := &t.Spec
	r.seq = t.Seq
	r.job = sp.Job
	r.submit = sp.Submit
	r.dur = sp.Duration
	r.ready = t.Ready
	r.start = t.Start
	r.end = t.End
	r.res[0] = sp.Req.Res[0]
	r.res[1] = sp.Req.Res[1]
	r.res[2] = sp.Req.Res[2]
	r.res[3] = sp.Req.Res[3]
	r.index = sp.Index
	r.attempt = t.Attempt
	r.fw = sp.Framework
	r.prio = sp.Priority
	r.class = sp.Class
	r.outcome = t.Outcome
	r.started = t.Started
	r.running = t.State == sim.StateRunning
	r.retract, r.marker = false, false
	if t.Started {
		r.agent = t.Placement.Agent
		r.devices = int32(t.Placement.Devices.Count())
	} else {
		r.agent, r.devices = 0, 0
	}
}

func (r *taskRec) service() bool { return r.dur == allocator.Never }

// Records cross to a writer goroutine in batches of recBatchRows (a pipe).
const (
	recBatchRows = 4096
	recBatches   = 8
)

func newRecPipe(consume func([]taskRec)) *pipe[taskRec] {
	return newPipe(recBatchRows, recBatches, consume)
}

// fillRow makes the row of an attempt; the optional columns point into s.
func fillRow(row *TaskRow, s *taskSlot, r *taskRec, nm *names) {
	roleID, role := nm.role(r.fw)
	*row = TaskRow{
		TaskID: r.seq, JobID: r.job, TaskIndex: r.index, Attempt: r.attempt,
		FrameworkID: int32(r.fw), Framework: nm.framework(r.fw),
		RoleID: roleID, Role: role, Priority: r.prio, Class: int32(r.class),
		CPUMilli: r.res[allocator.CPU], MemMiB: r.res[allocator.Mem],
		DiskMiB: r.res[allocator.Disk], GPUMilli: r.res[allocator.GPU],
		Service: r.service(), SubmitS: r.submit.Seconds(), ReadyS: r.ready.Seconds(),
		EndS: r.end.Seconds(), Outcome: outcomeName(r),
	}
	if !row.Service {
		s.dur = r.dur.Seconds()
		row.DurationS = &s.dur
	}
	if r.started {
		s.start = r.start.Seconds()
		s.wait = (r.start - r.ready).Seconds()
		s.run = (r.end - r.start).Seconds()
		s.agentID = int32(r.agent)
		row.StartS, row.WaitS, row.RunS, row.AgentID = &s.start, &s.wait, &s.run, &s.agentID
		row.GPUDevices = r.devices
	}
}

func outcomeName(r *taskRec) string {
	if r.running {
		return OutcomeRunning
	}
	return r.outcome.String()
}

// statTask is StatTask of the row fillRow makes of r, straight from the
// record (no outcome name to parse): the same values, field by field.
func statTask(m *metrics.Task, r *taskRec) error {
	*m = metrics.Task{
		Job: r.job, Framework: int32(r.fw), Priority: r.prio, Class: int32(r.class),
		Submit: r.submit.Seconds(), Ready: r.ready.Seconds(), End: r.end.Seconds(), Started: r.started,
		Service: r.service(),
	}
	if r.started {
		m.Start = r.start.Seconds()
	}
	switch {
	case r.running:
		m.Running = true
	case r.outcome >= allocator.NumOutcomes:
		return fmt.Errorf("task_id %d: unknown outcome %d", r.seq, r.outcome)
	default:
		m.Outcome = r.outcome
	}
	return nil
}
