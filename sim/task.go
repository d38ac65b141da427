package sim

import "github.com/allocsim/allocsim/allocator"

// TaskID is a dense index into the engine's task slots. A slot is reused
// after its task ends, so an id is only meaningful while the task is live
// (pending or running); Task.Seq is the run-wide unique number.
type TaskID = allocator.TaskID

// NoTask marks an empty link.
const NoTask TaskID = -1

// TaskState is where a task is in its lifecycle:
// submitted → pending → running → ended (Outcome says how).
type TaskState uint8

// Task states.
const (
	StateSubmitted TaskState = iota // arrived, not yet handed to the mode
	StatePending                    // waiting in the mode's queue
	StateRunning                    // placed and holding resources
	StateEnded                      // finished, failed, killed, lost, preempted or unscheduled
)

var stateNames = [...]string{"submitted", "pending", "running", "ended"}

func (s TaskState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state?"
}

// Task is one attempt of a task in the engine. Fields are read-only for
// modes and observers; the engine changes them through Launch, Kill and its
// own events.
type Task struct {
	Spec      allocator.TaskSpec
	Placement allocator.Placement // valid once started
	Ready     allocator.Time      // when this attempt became pending (submit or requeue)
	Start     allocator.Time      // when it started running (valid once started)
	End       allocator.Time      // when it ended (valid once ended)
	Seq       int64               // unique per run, in order of submission (attempts get new ones)
	Attempt   int32               // 0 for the first attempt, +1 per requeue after lost/preempted
	State     TaskState
	Outcome   allocator.Outcome // valid once ended
	Started   bool              // it ran at some point (an ended task may never have)

	// ModeSlot is free for the mode (e.g. a queue position); the engine
	// zeroes it when the slot is reused.
	ModeSlot int64

	gen        uint32 // bumped at each start and reuse; end events carry it to spot stale ones
	prev, next TaskID // doubly linked list of running tasks per agent
}

// Service reports whether the task runs until the horizon (no duration).
func (t *Task) Service() bool { return t.Spec.Duration == allocator.Never }

// Wait is how long the attempt waited before starting (or until now/end if
// it never started and has ended).
func (t *Task) Wait() allocator.Time {
	if t.Started {
		return t.Start - t.Ready
	}
	return t.End - t.Ready
}

// taskStore keeps tasks in a slice with a free list: memory follows the
// number of live tasks, not the number ever submitted.
type taskStore struct {
	tasks []Task
	free  []TaskID
	live  int
}

func (s *taskStore) alloc() TaskID {
	s.live++
	if n := len(s.free); n > 0 {
		id := s.free[n-1]
		s.free = s.free[:n-1]
		gen := s.tasks[id].gen + 1
		s.tasks[id] = Task{gen: gen, prev: NoTask, next: NoTask}
		return id
	}
	s.tasks = append(s.tasks, Task{prev: NoTask, next: NoTask})
	return TaskID(len(s.tasks) - 1)
}

func (s *taskStore) release(id TaskID) {
	s.live--
	s.tasks[id].gen++
	s.free = append(s.free, id)
}
