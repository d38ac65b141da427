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

// taskStore keeps tasks in fixed-size pages with a free list of slots:
// memory follows the peak number of live tasks, not the number ever
// submitted; growing never copies tasks (a doubling slice would allocate
// twice the peak and move every task), and a *Task stays valid while its
// task is live.
type taskStore struct {
	pages [][]Task
	n     int // slots ever used
	free  []TaskID
	live  int
}

const (
	pageBits = 12
	pageSize = 1 << pageBits
)

func (s *taskStore) at(id TaskID) *Task { return &s.pages[id>>pageBits][id&(pageSize-1)] }

func (s *taskStore) alloc() TaskID {
	s.live++
	if n := len(s.free); n > 0 {
		id := s.free[n-1]
		s.free = s.free[:n-1]
		t := s.at(id)
		*t = Task{gen: t.gen + 1, prev: NoTask, next: NoTask}
		return id
	}
	if s.n == len(s.pages)*pageSize {
		s.pages = append(s.pages, make([]Task, pageSize))
	}
	id := TaskID(s.n)
	s.n++
	*s.at(id) = Task{prev: NoTask, next: NoTask}
	return id
}

func (s *taskStore) release(id TaskID) {
	s.live--
	s.at(id).gen++
	s.free = append(s.free, id)
}
