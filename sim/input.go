package sim

import "github.com/allocsim/allocsim/allocator"

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
		return Input{}, errEOF
	}
	s.i++
	return s.Inputs[s.i-1], nil
}
