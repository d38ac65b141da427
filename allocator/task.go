package allocator

import "fmt"

// Time is microseconds since the run's epoch. The simulator passes virtual
// time and realrun wall-clock time; allocators never read a clock.
type Time int64

// Common durations in Time units.
const (
	Microsecond Time = 1
	Millisecond Time = 1000
	Second      Time = 1000 * Millisecond
	Minute      Time = 60 * Second
	Hour        Time = 60 * Minute
	// Never is a time after any horizon.
	Never Time = 1<<63 - 1
)

// Seconds returns t in seconds.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

// FromSeconds converts seconds to Time, rounding to the nearest microsecond.
func FromSeconds(s float64) Time { return Time(s*float64(Second) + 0.5) }

// FrameworkID and RoleID are dense indices into a run's frameworks and roles.
type (
	FrameworkID int32
	RoleID      int32
	TaskID      int32
)

// Outcome is how a task ends (or would end, for a replayed trace).
type Outcome uint8

// Task outcomes, Mesos/Borg style.
const (
	OutcomeFinished Outcome = iota
	OutcomeFailed
	OutcomeKilled
	OutcomeLost
	OutcomePreempted
	OutcomeEvicted
	OutcomeUnscheduled // never placed before the run ended
	NumOutcomes
)

var outcomeNames = [NumOutcomes]string{"finished", "failed", "killed", "lost", "preempted", "evicted", "unscheduled"}

func (o Outcome) String() string {
	if o < NumOutcomes {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// ParseOutcome is the inverse of Outcome.String.
func ParseOutcome(s string) (Outcome, error) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q", s)
}

// TaskSpec is one task to run, as a workload generator or a trace reader
// produces it: who submits it, when, what it asks for and how long it runs.
type TaskSpec struct {
	Job       int64 // job id from the source (not dense)
	Index     int32 // task index within the job
	Framework FrameworkID
	Submit    Time
	// Duration is the run time once started; Never for a service that runs
	// until the horizon.
	Duration Time
	Req      Request
	Priority int32
	Class    int8
	// Outcome is how the task ends after Duration (a trace's recorded end);
	// generators use OutcomeFinished.
	Outcome Outcome
}
