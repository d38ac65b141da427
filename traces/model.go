package traces

import (
	"fmt"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// MachineEventKind is what happens to a machine.
type MachineEventKind uint8

// Machine event kinds, as the Google traces name them.
const (
	MachineAdd MachineEventKind = iota
	MachineRemove
	MachineUpdate
	numMachineEventKinds
)

var machineEventNames = [numMachineEventKinds]string{"add", "remove", "update"}

func (k MachineEventKind) String() string {
	if k < numMachineEventKinds {
		return machineEventNames[k]
	}
	return fmt.Sprintf("machine_event(%d)", k)
}

// ParseMachineEventKind is the inverse of MachineEventKind.String.
func ParseMachineEventKind(s string) (MachineEventKind, error) {
	for i, n := range machineEventNames {
		if n == s {
			return MachineEventKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown machine event %q (want add, remove or update)", s)
}

// MachineEvent adds, removes or updates one machine at a time. Capacity is in
// absolute allocator units; GPU capacity is GPU count × 1000.
type MachineEvent struct {
	Time     allocator.Time
	Machine  int64 // the source's machine id
	Kind     MachineEventKind
	Capacity allocator.Resources
	GPUModel string // empty without GPUs
	Attrs    string // source attributes (platform, failure domains), opaque
}

// Task is one run of one task as the trace recorded it. A task that the
// trace resubmits after an eviction or failure appears once per submission.
type Task struct {
	Job    int64
	Index  int32
	Submit allocator.Time
	// Start is when the trace started it (-1 when the source does not say).
	Start allocator.Time
	// Run is the trace's run time; allocator.Never when it was still running
	// at the end of the trace (or beyond the reader's lookahead).
	Run allocator.Time
	Req allocator.Resources
	// GPUModels lists allowed GPU models separated by "|"; empty = any.
	GPUModels string
	Priority  int32
	Class     int8
	// DistinctMachines is Google 2011's different-machines restriction
	// (Google 2019's max_per_machine = 1): no two running tasks of the job
	// on one machine.
	DistinctMachines bool
	// MaxPerMachine and MaxPerSwitch cap the job's running tasks per
	// machine and per network switch (Google 2019's max_per_machine and
	// max_per_switch; 0 = no cap).
	MaxPerMachine, MaxPerSwitch int32
	// Outcome is how the trace's run ended (meaningless when Run is Never).
	Outcome allocator.Outcome
}

// GPUModelList splits GPUModels into names.
func (t *Task) GPUModelList() []string {
	if t.GPUModels == "" {
		return nil
	}
	return strings.Split(t.GPUModels, "|")
}

// RecordKind says which field of a Record is set.
type RecordKind uint8

// Record kinds.
const (
	RecordMachine RecordKind = iota + 1
	RecordTask
)

// Record is one element of a trace stream: a machine event or a task.
type Record struct {
	Kind    RecordKind
	Machine MachineEvent
	Task    Task
}

// Time is the record's time: the event time or the task's submit time.
func (r *Record) Time() allocator.Time {
	if r.Kind == RecordMachine {
		return r.Machine.Time
	}
	return r.Task.Submit
}

// Reader streams a trace in time order (machine events before tasks at the
// same time). Next fills rec and returns io.EOF after the last record.
type Reader interface {
	Next(rec *Record) error
	// Stats are the reader's counters (skipped rows by reason, event types).
	Stats() *Stats
	Close() error
}

// TaskBounded is implemented by readers that can tell when their tasks are
// exhausted while machine events may still follow (the Google machine tables
// cover the whole month, the task parts only their first hours). A replay
// may stop there instead of simulating machine churn with no workload.
type TaskBounded interface {
	TasksExhausted() bool
}
