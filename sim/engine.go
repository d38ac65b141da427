package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

var errEOF = io.EOF

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

// Launch starts pending task id at placement p: it allocates the request on
// the cluster and schedules the task's end. It fails, changing nothing, if
// the task is not pending or the request does not fit there.
func (e *Engine) Launch(id TaskID, p allocator.Placement) error {
	t := e.tasks.at(id)
	if t.State != StatePending {
		return fmt.Errorf("sim: launch of task %d in state %s", t.Seq, t.State)
	}
	if int(p.Agent) >= e.cluster.NumAgents() || !e.cluster.Fits(p.Agent, t.Spec.Req) {
		return fmt.Errorf("sim: task %d does not fit on agent %d", t.Seq, p.Agent)
	}
	e.cluster.Allocate(p, t.Spec.Req)
	t.State = StateRunning
	t.Started = true
	t.Start = e.now
	t.Placement = p
	t.gen++
	t.prev = NoTask
	t.next = e.onAgent[p.Agent]
	if t.next != NoTask {
		e.tasks.at(t.next).prev = id
	}
	e.onAgent[p.Agent] = id
	e.pending--
	e.running++
	e.counters.Launched++
	e.lastProgress = e.now
	if !t.Service() {
		e.runningFinite++
		e.q.push(e.now+t.Spec.Duration, e.hEnd, int64(id)|int64(t.gen)<<32)
	}
	if e.obs != nil {
		e.obs.TaskStarted(e.now, t)
	}
	return nil
}

// Kill ends a pending or running task now with outcome o (killed,
// preempted, evicted, …). Preempted tasks are requeued if Config.Requeue.
func (e *Engine) Kill(id TaskID, o allocator.Outcome) error {
	t := e.tasks.at(id)
	if t.State != StatePending && t.State != StateRunning {
		return fmt.Errorf("sim: kill of task %d in state %s", t.Seq, t.State)
	}
	e.end(id, o, true)
	return nil
}

func (e *Engine) handleEnd(now allocator.Time, arg int64) {
	id := TaskID(arg & 0xffffffff)
	t := e.tasks.at(id)
	if t.gen != uint32(arg>>32) || t.State != StateRunning {
		return // the task was killed or lost before its end
	}
	e.end(id, t.Spec.Outcome, true)
}

// end finishes an attempt; notifyFree tells the mode its agent has room.
func (e *Engine) end(id TaskID, o allocator.Outcome, notifyFree bool) {
	t := e.tasks.at(id)
	wasRunning := t.State == StateRunning
	agent := t.Placement.Agent
	if wasRunning {
		e.cluster.Release(t.Placement, t.Spec.Req)
		if t.prev != NoTask {
			e.tasks.at(t.prev).next = t.next
		} else {
			e.onAgent[agent] = t.next
		}
		if t.next != NoTask {
			e.tasks.at(t.next).prev = t.prev
		}
		e.running--
		if !t.Service() {
			e.runningFinite--
		}
		e.lastProgress = e.now
	} else {
		e.pending--
	}
	t.State = StateEnded
	t.Outcome = o
	t.End = e.now
	e.counters.Ended[o]++
	if e.obs != nil {
		e.obs.TaskEnded(e.now, t)
	}
	e.mode.TaskEnded(e.now, id)
	spec, attempt := t.Spec, t.Attempt
	e.tasks.release(id)
	if e.cfg.Requeue && (o == allocator.OutcomeLost || o == allocator.OutcomePreempted) {
		e.counters.Requeued++
		e.submit(spec, attempt+1)
	}
	if wasRunning && notifyFree && e.cluster.Agent(agent).Up {
		e.mode.ResourcesFreed(e.now, agent)
	}
}

func (e *Engine) submit(spec allocator.TaskSpec, attempt int32) {
	id := e.tasks.alloc()
	t := e.tasks.at(id)
	t.Spec = spec
	t.Ready = e.now
	t.Seq = e.nextSeq
	t.Attempt = attempt
	e.nextSeq++
	e.counters.Submitted++
	if e.obs != nil {
		e.obs.TaskSubmitted(e.now, t)
	}
	t.State = StatePending
	e.pending++
	e.mode.TaskPending(e.now, id)
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

// agentDown takes an agent down; its running tasks end as lost.
func (e *Engine) agentDown(a allocator.AgentID, remove bool) {
	if remove {
		e.removed[a] = true
	}
	if !e.cluster.Agent(a).Up {
		return
	}
	e.cluster.SetUp(a, false)
	for id := e.onAgent[a]; id != NoTask; id = e.onAgent[a] {
		e.end(id, allocator.OutcomeLost, false)
	}
	e.lastProgress = e.now
	e.mode.AgentChanged(e.now, a)
}

func (e *Engine) handleCycle(now allocator.Time, _ int64) {
	e.cycle(false)
	if e.cfg.Progress != nil {
		e.cfg.Progress(now)
	}
	e.q.push(now+e.cfg.Interval, e.hCycle, 0)
}

func (e *Engine) handleTrigger(now allocator.Time, _ int64) {
	e.triggerPending = false
	e.cycle(true)
}

func (e *Engine) cycle(triggered bool) {
	before := e.counters
	e.inTriggered = triggered
	start := time.Now()
	e.mode.Cycle(e.now)
	wall := time.Since(start)
	e.inTriggered = false
	e.counters.Cycles++
	if triggered {
		e.counters.TriggeredCycles++
	}
	if e.obs != nil {
		c := &e.counters
		e.obs.CycleDone(e.now, wall, CycleStats{
			Triggered:     triggered,
			Launched:      c.Launched - before.Launched,
			PlaceFailures: c.PlaceFailures - before.PlaceFailures,
			Offers:        c.Offers - before.Offers,
			Accepted:      c.Accepted - before.Accepted,
			Declined:      c.Declined - before.Declined,
			Rescinded:     c.Rescinded - before.Rescinded,
			Pending:       e.pending,
			Running:       e.running,
		})
	}
}

func (e *Engine) handleSample(now allocator.Time, _ int64) {
	if e.obs != nil {
		e.obs.Sample(now, e)
	}
	e.q.push(now+e.cfg.SampleInterval, e.hSample, 0)
}

// drained: no more inputs, nothing pending and no finite task running.
func (e *Engine) drained() bool {
	return e.srcDone && e.pending == 0 && e.runningFinite == 0
}

// stalled: inputs done, no finite task running, and nothing launched or
// freed for StallTimeout — the pending tasks can never be placed.
func (e *Engine) stalled() bool {
	return e.srcDone && e.runningFinite == 0 && e.now-e.lastProgress >= e.cfg.StallTimeout
}

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
			e.end(id, allocator.OutcomeUnscheduled, false)
		case StateRunning:
			t.End = e.now
			if e.obs != nil {
				e.obs.TaskEnded(e.now, t)
			}
		}
	}
}
