package sim

import (
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// Observer receives the run's events for metrics and outputs (the reports
// collector implements it). Pointers are valid only during the call.
type Observer interface {
	TaskSubmitted(now allocator.Time, t *Task)
	TaskStarted(now allocator.Time, t *Task)
	// TaskEnded is called once per attempt: when it ends, or when the run
	// stops — then a pending task ends as OutcomeUnscheduled and a running
	// one is reported with State still StateRunning and End = the stop time.
	TaskEnded(now allocator.Time, t *Task)
	// Sample is called every Config.SampleInterval of simulated time.
	Sample(now allocator.Time, e *Engine)
	// CycleDone follows every allocation cycle. wall is the cycle's wall
	// time: it is not deterministic, so keep it out of byte-compared outputs.
	CycleDone(now allocator.Time, wall time.Duration, c CycleStats)
}

// Counters are run-wide counts; modes add to the offer-related ones.
type Counters struct {
	Events          int64 // events dispatched
	Cycles          int64 // allocation cycles run (periodic + triggered)
	TriggeredCycles int64
	Submitted       int64 // task attempts submitted (requeues included)
	Launched        int64
	Requeued        int64 // lost or preempted attempts resubmitted
	PlaceFailures   int64 // placement attempts that found no agent

	Ended [allocator.NumOutcomes]int64 // attempts ended, by outcome
	// WastedCPUSeconds is the CPU time (milli-CPU requested × run time)
	// of attempts that were preempted or lost with their agent: work that
	// starts again from nothing if they are requeued.
	WastedCPUSeconds float64

	// Offer-based modes.
	Offers           int64
	Accepted         int64
	Declined         int64
	Rescinded        int64
	FiltersInstalled int64

	// Shared-state modes (omega).
	Transactions  int64          // transactions committed (each with at least one claim)
	TxConflicted  int64          // transactions with at least one claim refused
	Conflicts     int64          // task claims refused at commit
	SchedulerBusy allocator.Time // simulated time the schedulers spent deciding, summed
	JobsAbandoned int64          // jobs given up after too many decisions (their attempts end unscheduled)
}

// CycleStats describes one allocation cycle.
type CycleStats struct {
	Triggered     bool  // triggered (vs periodic)
	Launched      int64 // tasks launched during the cycle
	PlaceFailures int64
	Offers        int64
	Accepted      int64
	Declined      int64
	Rescinded     int64
	Pending       int64 // tasks pending after the cycle
	Running       int64 // tasks running after the cycle
}

// Stats is what Run returns.
type Stats struct {
	End      allocator.Time // simulated time when the run stopped
	Drained  bool           // stopped because the workload drained (not the horizon)
	Counters Counters
	Pending  int64 // still pending at the end (reported as unscheduled)
	Running  int64 // still running at the end
	Wall     time.Duration
}
