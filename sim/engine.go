package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// Config is one run: the cluster, the inputs, the allocation mode and the
// clock settings.
type Config struct {
	Cluster    *allocator.Cluster
	Frameworks []allocator.FrameworkInfo
	Roles      []allocator.RoleInfo
	Source     Source // inputs in time order, pulled one at a time
	Mode       Mode
	Interval   allocator.Time // periodic allocation cycle; 0 means 1 s
	Horizon    allocator.Time // stop after this time; 0 = run until the workload drains
	Seed       uint64
	Observer   Observer // may be nil
	// SampleInterval is how often Observer.Sample is called; 0 = never.
	SampleInterval allocator.Time
	// Requeue resubmits lost and preempted attempts as new attempts.
	Requeue bool
	// StallTimeout stops a run whose inputs are exhausted, with no finite
	// task running and nothing launched for this long (pending tasks that
	// can never fit would otherwise keep a drain-run going forever).
	// 0 means 10 intervals.
	StallTimeout allocator.Time
	// Typical are the workload's typical task shapes (as the mode got in
	// ModeEnv.Typical); the engine does not use them, observers may.
	Typical []allocator.TaskShape
	// Progress, when set, is called every ProgressEvery events and after
	// every periodic cycle (for a progress bar); it must not change the run.
	Progress func(now allocator.Time)
}

// ProgressEvery is how many events pass between Config.Progress calls.
const ProgressEvery = 1 << 16

// Engine runs one simulation. Create it with New and call Run once.
type Engine struct {
	cfg      Config
	cluster  *allocator.Cluster
	mode     Mode
	obs      Observer
	q        radixQueue
	now      allocator.Time
	handlers []Handler
	tasks    taskStore
	onAgent  []TaskID // head of each agent's list of running tasks
	removed  []bool   // agents removed for good
	rnd      *rand.Rand
	counters Counters

	pending, running, runningFinite int64
	nextSeq                         int64
	srcDone                         bool
	triggerPending                  bool
	inTriggered                     bool
	lastProgress                    allocator.Time
	err                             error
	halt                            bool // set by Fail and Stop
	pendingInput                    Input

	hEnd, hInput, hCycle, hTrigger, hSample HandlerID
}

// New checks the config and builds an engine.
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Cluster == nil:
		return nil, errors.New("sim: no cluster")
	case cfg.Source == nil:
		return nil, errors.New("sim: no source")
	case cfg.Mode == nil:
		return nil, errors.New("sim: no allocation mode")
	case cfg.Interval < 0, cfg.Horizon < 0, cfg.SampleInterval < 0, cfg.StallTimeout < 0:
		return nil, errors.New("sim: negative interval, horizon, sample interval or stall timeout")
	}
	if cfg.Interval == 0 {
		cfg.Interval = allocator.Second
	}
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = 10 * cfg.Interval
	}
	e := &Engine{cfg: cfg, cluster: cfg.Cluster, mode: cfg.Mode, obs: cfg.Observer}
	e.growAgents()
	e.hEnd = e.RegisterHandler(HandlerFunc(e.handleEnd))
	e.hInput = e.RegisterHandler(HandlerFunc(e.handleInput))
	e.hCycle = e.RegisterHandler(HandlerFunc(e.handleCycle))
	e.hTrigger = e.RegisterHandler(HandlerFunc(e.handleTrigger))
	e.hSample = e.RegisterHandler(HandlerFunc(e.handleSample))
	return e, nil
}

func (e *Engine) growAgents() {
	for len(e.onAgent) < e.cluster.NumAgents() {
		e.onAgent = append(e.onAgent, NoTask)
		e.removed = append(e.removed, false)
	}
}

// Now is the simulated time.
func (e *Engine) Now() allocator.Time { return e.now }

// Cluster is the cluster state the run changes.
func (e *Engine) Cluster() *allocator.Cluster { return e.cluster }

// Frameworks and Roles are the run's descriptions, indexed by id.
func (e *Engine) Frameworks() []allocator.FrameworkInfo { return e.cfg.Frameworks }

// Roles are the run's roles, indexed by RoleID.
func (e *Engine) Roles() []allocator.RoleInfo { return e.cfg.Roles }

// Interval is the periodic cycle interval.
func (e *Engine) Interval() allocator.Time { return e.cfg.Interval }

// Horizon is the configured stop time (0 = until drained).
func (e *Engine) Horizon() allocator.Time { return e.cfg.Horizon }

// Rand is the engine's own derived stream (Stream(seed, "engine")).
func (e *Engine) Rand() *rand.Rand {
	if e.rnd == nil {
		e.rnd = Stream(e.cfg.Seed, "engine")
	}
	return e.rnd
}

// Task returns the live task with the given id. The pointer stays valid
// while the task is live (its slot is reused after it ends).
func (e *Engine) Task(id TaskID) *Task { return e.tasks.at(id) }

// Counters are the run's counts; modes add their offer counts here.
func (e *Engine) Counters() *Counters { return &e.counters }

// PendingCount is the number of pending tasks.
func (e *Engine) PendingCount() int64 { return e.pending }

// RunningCount is the number of running tasks.
func (e *Engine) RunningCount() int64 { return e.running }

// FirstOnAgent returns the first running task on agent a (NoTask if none);
// NextOnAgent continues. Do not launch or end tasks while iterating.
func (e *Engine) FirstOnAgent(a allocator.AgentID) TaskID { return e.onAgent[a] }

// NextOnAgent returns the task after t on its agent, or NoTask.
func (e *Engine) NextOnAgent(t TaskID) TaskID { return e.tasks.at(t).next }

// RegisterHandler adds a handler for events scheduled with At. Register
// handlers once (in Mode.Init), not per event.
func (e *Engine) RegisterHandler(h Handler) HandlerID {
	if len(e.handlers) > 0xffff {
		panic("sim: too many handlers")
	}
	e.handlers = append(e.handlers, h)
	return HandlerID(len(e.handlers) - 1)
}

// At schedules handler h with arg at time when (not before now). Events at
// the same time run in the order they were scheduled.
func (e *Engine) At(when allocator.Time, h HandlerID, arg int64) {
	if when < e.now {
		when = e.now
	}
	e.q.push(when, h, arg)
}

// TriggerCycle asks for an allocation cycle now, after the events already
// scheduled for this instant. Requests are batched: at most one triggered
// cycle is pending at a time.
func (e *Engine) TriggerCycle() {
	if !e.triggerPending {
		e.triggerPending = true
		e.q.push(e.now, e.hTrigger, 0)
	}
}

// CycleTriggered reports, during Mode.Cycle, whether the cycle was
// triggered (TriggerCycle) rather than periodic.
func (e *Engine) CycleTriggered() bool { return e.inTriggered }

// Fail stops the run with err after the current event.
func (e *Engine) Fail(err error) {
	if e.err == nil {
		e.err = err
	}
	e.halt = true
}

// Stop ends the run after the current event, as if the horizon were reached.
func (e *Engine) Stop() { e.halt = true }

// Run simulates until the horizon or until the workload drains and returns
// the run's statistics. Still-live tasks are reported to the observer at the
// end (pending ones as unscheduled).
func (e *Engine) Run() (Stats, error) {
	wallStart := time.Now()
	if err := e.mode.Init(e); err != nil {
		return Stats{}, fmt.Errorf("allocator init: %w", err)
	}
	e.growAgents()
	if in, ok := e.read(); ok {
		e.pendingInput = in
		e.q.push(in.Time, e.hInput, 0)
	}
	if e.err != nil {
		return Stats{}, e.err
	}
	e.q.push(0, e.hCycle, 0)
	if e.cfg.SampleInterval > 0 {
		e.q.push(0, e.hSample, 0)
	}
	horizon := e.cfg.Horizon
	drained := false
	for e.q.Len() > 0 {
		if horizon > 0 && e.q.peek().at > horizon {
			e.now = horizon
			break
		}
		ev := e.q.pop()
		e.now = ev.at
		e.handlers[ev.handler()].Handle(ev.at, ev.arg)
		e.counters.Events++
		if e.halt {
			if e.err != nil {
				return Stats{}, e.err
			}
			break
		}
		if e.cfg.Progress != nil && e.counters.Events%ProgressEvery == 0 {
			e.cfg.Progress(e.now)
		}
		if e.drained() || (ev.handler() == e.hCycle && e.stalled()) {
			drained = true
			break
		}
	}
	st := Stats{End: e.now, Drained: drained, Pending: e.pending, Running: e.running}
	e.finish()
	st.Counters = e.counters
	st.Wall = time.Since(wallStart)
	return st, nil
}

// finish reports the still-live tasks in slot order: pending ones end as
// unscheduled, running ones are reported as still running at the end.
func (e *Engine) finish() {
	for i := range e.tasks.n {
		id := TaskID(i)
		t := e.tasks.at(id)
		switch t.State {
		case StatePending:
			e.end(id, allocator.OutcomeUnscheduled, false, false)
		case StateRunning:
			t.End = e.now
			if e.obs != nil {
				e.obs.TaskEnded(e.now, t)
			}
		}
	}
}
