package sim

import (
	"fmt"
	"io"

	"github.com/allocsim/allocsim/allocator"
)

// InputKind says what an Input does.
type InputKind uint8

// Input kinds. Agent inputs name an agent by id except InputAgentAdd, which
// adds a new one from Spec (ids are dense, in order of addition).
const (
	InputTask         InputKind = iota // submit Task
	InputAgentAdd                      // add an agent described by Spec
	InputAgentRemove                   // take Agent away for good; its tasks are lost
	InputAgentFail                     // Agent goes down; its tasks are lost
	InputAgentRecover                  // a failed Agent comes back, empty
)

var inputKindNames = [...]string{"task", "agent-add", "agent-remove", "agent-fail", "agent-recover"}

func (k InputKind) String() string {
	if int(k) < len(inputKindNames) {
		return inputKindNames[k]
	}
	return "input?"
}

// Input is one external event: a task submission or a machine event.
type Input struct {
	Time  allocator.Time
	Kind  InputKind
	Task  allocator.TaskSpec  // InputTask
	Agent allocator.AgentID   // InputAgentRemove, Fail, Recover
	Spec  allocator.AgentSpec // InputAgentAdd
}

// Source yields inputs in non-decreasing time order and io.EOF at the end.
// The engine pulls one input at a time, only when the clock reaches the
// previous one, so a source can stream a trace of any length.
type Source interface {
	Next() (Input, error)
}

// SliceSource serves inputs from a slice (tests, small fixed workloads).
type SliceSource struct {
	Inputs []Input
	i      int
}

// Next returns the next input or io.EOF.
func (s *SliceSource) Next() (Input, error) {
	if s.i >= len(s.Inputs) {
		return Input{}, io.EOF
	}
	s.i++
	return s.Inputs[s.i-1], nil
}

// read returns the next input, or false at the end or on an error.
func (e *Engine) read() (Input, bool) {
	in, err := e.cfg.Source.Next()
	if err == io.EOF {
		e.srcDone = true
		return Input{}, false
	}
	if err != nil {
		e.Fail(fmt.Errorf("reading inputs: %w", err))
		return Input{}, false
	}
	if in.Time < e.now {
		e.Fail(fmt.Errorf("input %s at %v s is before the previous input at %v s (inputs must be in time order)",
			in.Kind, in.Time.Seconds(), e.now.Seconds()))
		return Input{}, false
	}
	return in, true
}

// handleInput applies the pending input and every following one at the
// same instant, so that a cycle triggered by the first sees them all.
func (e *Engine) handleInput(now allocator.Time, _ int64) {
	for {
		if !e.apply(now, &e.pendingInput) {
			return
		}
		in, ok := e.read()
		if !ok {
			return
		}
		e.pendingInput = in
		if in.Time != now {
			e.q.push(in.Time, e.hInput, 0)
			return
		}
		e.counters.Events++ // a batched input counts as an event of its own
	}
}

// apply performs one input; false means the run failed.
func (e *Engine) apply(now allocator.Time, in *Input) bool {
	switch in.Kind {
	case InputTask:
		if err := e.checkTask(&in.Task); err != nil {
			e.Fail(err)
			return false
		}
		e.submit(in.Task, 0)
	case InputAgentAdd:
		id, err := e.cluster.AddAgent(in.Spec)
		if err != nil {
			e.Fail(fmt.Errorf("input at %v s: %w", now.Seconds(), err))
			return false
		}
		e.growAgents()
		e.lastProgress = now
		e.mode.AgentChanged(now, id)
		e.mode.ResourcesFreed(now, id)
	case InputAgentFail, InputAgentRemove:
		if !e.checkAgent(in) {
			return false
		}
		e.agentDown(in.Agent, in.Kind == InputAgentRemove)
	case InputAgentRecover:
		if !e.checkAgent(in) {
			return false
		}
		if e.removed[in.Agent] || e.cluster.Agent(in.Agent).Up {
			break // recovering a removed or running agent does nothing
		}
		e.cluster.SetUp(in.Agent, true)
		e.lastProgress = now
		e.mode.AgentChanged(now, in.Agent)
		e.mode.ResourcesFreed(now, in.Agent)
	default:
		e.Fail(fmt.Errorf("input at %v s: unknown kind %d", now.Seconds(), in.Kind))
		return false
	}
	return true
}

func (e *Engine) checkAgent(in *Input) bool {
	if in.Agent < 0 || int(in.Agent) >= e.cluster.NumAgents() {
		e.Fail(fmt.Errorf("input %s at %v s: no agent %d (cluster has %d)", in.Kind, in.Time.Seconds(), in.Agent, e.cluster.NumAgents()))
		return false
	}
	return true
}

func (e *Engine) checkTask(s *allocator.TaskSpec) error {
	if err := s.Req.Validate(); err != nil {
		return fmt.Errorf("task %d/%d: %w", s.Job, s.Index, err)
	}
	if s.Duration < 0 {
		return fmt.Errorf("task %d/%d: negative duration", s.Job, s.Index)
	}
	if n := len(e.cfg.Frameworks); n > 0 && (s.Framework < 0 || int(s.Framework) >= n) {
		return fmt.Errorf("task %d/%d: framework %d of %d", s.Job, s.Index, s.Framework, n)
	}
	return nil
}
