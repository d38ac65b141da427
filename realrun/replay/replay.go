// Package replay is allocsim's trace/workload replay on real machinery:
// it starts a master (the same allocator the simulator runs, with wall-clock
// time) and local agents, and replays a scenario's workload time-scaled
// through built-in frameworks that speak the Mesos v1 scheduler API. Each
// task runs a real process on an agent for its (scaled) duration. The run
// folder has the same files as a simulated run of the scenario, in
// scenario time, so `allocsim report compare` puts the two side by side.
package replay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allocsim/allocsim/allocator"
	_ "github.com/allocsim/allocsim/allocator/drf"
	"github.com/allocsim/allocsim/realrun/master"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
	_ "github.com/allocsim/allocsim/sim/offers" // the scenario's "drf" mode, for SimConfig
	"github.com/allocsim/allocsim/workloads"
)

// Options control a replay.
type Options struct {
	Out string // run folder ("" = no outputs, for tests of the mechanics)
	// TimeScale is scenario seconds per wall-clock second (10 replays a
	// 100 s scenario in 10 s). Task durations, submit times, the
	// allocation interval and refuse filters are all divided by it.
	TimeScale float64
	// Workload is what each task's process does: sleep, cpu or memory.
	Workload string
	// Executors maps framework names to the executor their tasks use
	// (cgroup or runc); absent frameworks use the agent's default.
	Executors map[string]string
	// Agents starts the agents (default: emulated in-process agents).
	Agents AgentLauncher
	// MaxTasks refuses scenarios with more tasks than this (default 100,000).
	MaxTasks int
	Version  string
	Log      *log.Logger
	// Timeout bounds the whole replay (default: 10 × the scaled workload span + 2 min).
	Timeout time.Duration
}

// Result summarises a replay.
type Result struct {
	Dir                  string
	Tasks                int
	Started, Unscheduled int64
	Running              int64 // still running at the horizon
	Ended                [allocator.NumOutcomes]int64
	Wall                 time.Duration
	Master               master.Counters
}

type runState struct {
	opts    Options
	start   time.Time
	startNs atomic.Int64   // start as Unix ns once the workload starts (0 before)
	horizon allocator.Time // the scenario's horizon (0: none)

	droppedCycles atomic.Int64 // cycle records the recorder could not keep up with
	rec           *recorder
	log           *log.Logger

	errMu sync.Mutex
	err   error
}

func (r *runState) fail(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

func (r *runState) logf(format string, args ...any) { r.log.Printf(format, args...) }

// now is scenario time: wall time since the start, times the time scale.
// Before the workload starts (while agents register) it is 0.
func (r *runState) now() allocator.Time {
	s := r.startNs.Load()
	if s == 0 {
		return 0
	}
	return allocator.Time(float64(time.Now().UnixNano()-s) / 1e3 * r.opts.TimeScale)
}

// wall converts a scenario duration to wall-clock time.
func (r *runState) wall(d allocator.Time) time.Duration {
	return time.Duration(float64(d) / r.opts.TimeScale * float64(time.Microsecond))
}

// taskInfo builds the Mesos TaskInfo of a scenario task.
func (r *runState) taskInfo(f *framework, t *sim.Task, agent mesosapi.ID) mesosapi.TaskInfo {
	res := t.Spec.Req.Res
	label := func(k, v string) mesosapi.Label { return mesosapi.Label{Key: k, Value: &v} }
	ms := r.wall(t.Spec.Duration).Milliseconds()
	if t.Spec.Duration == allocator.Never {
		// A service runs past the horizon, where the replay stops it.
		ms = r.wall(r.horizon-t.Spec.Submit).Milliseconds() + 60_000
	}
	labels := []mesosapi.Label{
		label(master.LabelWorkload, r.opts.Workload),
		label(master.LabelDurationMs, strconv.FormatInt(max(ms, 1), 10)),
	}
	if r.opts.Workload == "memory" {
		labels = append(labels, label(master.LabelMemoryMiB, strconv.FormatInt(max(res[allocator.Mem]/2, 1), 10)))
	}
	if e := r.opts.Executors[f.info.Name]; e != "" {
		labels = append(labels, label(master.LabelExecutor, e))
	}
	return mesosapi.TaskInfo{
		Name: fmt.Sprintf("%s-job%d-%d", f.info.Name, t.Spec.Job, t.Spec.Index), TaskID: mesosapi.ID{Value: f.taskID(t)},
		AgentID: agent, Resources: mesosapi.FromVector(res, nil, ""), Labels: &mesosapi.Labels{Labels: labels},
	}
}

type cycleRec struct {
	now allocator.Time
	ci  master.CycleInfo
}

// allocatorParams keeps the scenario's allocator params the master's
// allocator understands (the rest configure the simulator's framework models).
func allocatorParams(p map[string]any) allocator.Params {
	out := allocator.Params{}
	for _, k := range []string{"sorter", "offer_timeout", "fair_sharing_excluded", "min_allocatable", "filter_gpu_resources"} {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	return out
}

func paramSeconds(p allocator.Params, key string, def float64) float64 {
	v, err := p.Float(key, def)
	if err != nil {
		return def
	}
	return v
}

// Run replays the scenario.
func Run(ctx context.Context, s *workloads.Scenario, opts Options) (Result, error) {
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.Workload == "" {
		opts.Workload = "sleep"
	}
	switch opts.Workload {
	case "sleep", "cpu", "memory":
	default:
		return Result{}, fmt.Errorf("workload %q: want sleep, cpu or memory", opts.Workload)
	}
	if opts.MaxTasks <= 0 {
		opts.MaxTasks = 100_000
	}
	if opts.Log == nil {
		opts.Log = log.New(io.Discard, "", 0)
	}
	if opts.Agents == nil {
		opts.Agents = EmulatedAgents{}
	}
	for name, e := range opts.Executors {
		if _, ok := s.FrameworkID(name); !ok {
			return Result{}, fmt.Errorf("executors: unknown framework %q", name)
		}
		if e != "cgroup" && e != "runc" {
			return Result{}, fmt.Errorf("executors: framework %q: executor %q, want cgroup or runc", name, e)
		}
	}
	wallStart := time.Now()
	cfg, err := s.SimConfig()
	if err != nil {
		return Result{}, err
	}
	tasks, span, err := collectTasks(cfg.Source, opts.MaxTasks)
	if err != nil {
		return Result{}, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	if cfg.Horizon == 0 {
		for _, t := range tasks {
			if t.Duration == allocator.Never {
				return Result{}, fmt.Errorf("scenario %s: services run until the horizon, but the scenario has no horizon: set one to replay it", s.Name)
			}
		}
	}
	for i := range cfg.Cluster.NumAgents() {
		if cfg.Cluster.Agent(allocator.AgentID(i)).NumGPUs > 0 {
			if _, emulated := opts.Agents.(EmulatedAgents); !emulated {
				return Result{}, fmt.Errorf("scenario %s: GPU nodes can only be replayed on emulated agents", s.Name)
			}
		}
	}
	run := &runState{opts: opts, log: opts.Log, horizon: cfg.Horizon}
	run.rec = &recorder{cluster: cfg.Cluster, agentMap: map[string]allocator.AgentID{}}
	if cfg.SampleInterval == 0 {
		cfg.SampleInterval = allocator.Minute
	}
	if opts.Out != "" {
		if run.rec.col, err = reports.NewCollector(opts.Out, reports.Meta{
			Version: opts.Version, Scenario: s.Name, Seed: s.Seed, Allocator: "realrun-" + s.Allocator.Name,
			Config: s, Cluster: cfg.Cluster, Frameworks: cfg.Frameworks, Roles: cfg.Roles,
			Typical: cfg.Typical, SampleInterval: cfg.SampleInterval, SamplesOffGrid: true, // wall-clock ticks
		}); err != nil {
			return Result{}, err
		}
		if run.rec.engine, err = sampleEngine(cfg); err != nil {
			run.rec.col.Abort()
			return Result{}, err
		}
	}
	res, err := run.replay(ctx, s, cfg, tasks, span)
	if err != nil {
		if run.rec.col != nil {
			run.rec.col.Abort()
		}
		return res, err
	}
	res.Wall = time.Since(wallStart)
	if run.rec.col != nil {
		st := sim.Stats{End: run.rec.lastNow, Drained: res.Running == 0 && res.Unscheduled == 0, Counters: run.rec.counters,
			Running: res.Running, Pending: res.Unscheduled, Wall: res.Wall}
		if err := run.rec.col.Close(st); err != nil {
			return res, fmt.Errorf("writing %s: %w", opts.Out, err)
		}
	}
	return res, nil
}

// sampleEngine builds an idle engine over the mirror cluster: the reports
// collector reads run counters through it when sampling.
func sampleEngine(cfg sim.Config) (*sim.Engine, error) {
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{Frameworks: cfg.Frameworks, Roles: cfg.Roles, Rand: sim.Stream(cfg.Seed, "mode")})
	if err != nil {
		return nil, err
	}
	return sim.New(sim.Config{Cluster: cfg.Cluster.Clone(), Frameworks: cfg.Frameworks, Roles: cfg.Roles,
		Source: &sim.SliceSource{}, Mode: mode, Seed: cfg.Seed})
}

// collectTasks reads the scenario's task inputs (machine events are not
// replayed on real agents).
func collectTasks(src sim.Source, limit int) ([]allocator.TaskSpec, allocator.Time, error) {
	var out []allocator.TaskSpec
	var span allocator.Time
	for {
		in, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, span, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if in.Kind != sim.InputTask {
			continue
		}
		if len(out) >= limit {
			return nil, 0, fmt.Errorf("more than %d tasks: too many to replay for real", limit)
		}
		end := in.Task.Submit
		if in.Task.Duration != allocator.Never {
			end += in.Task.Duration
		}
		span = max(span, end)
		out = append(out, in.Task)
	}
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (run *runState) replay(ctx context.Context, s *workloads.Scenario, cfg sim.Config, specs []allocator.TaskSpec, span allocator.Time) (Result, error) {
	opts := run.opts
	horizon := cfg.Horizon
	if horizon > 0 {
		span = min(span, horizon)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10*run.wall(span) + 2*time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	token := randomToken()
	interval := run.wall(cfg.Interval)
	if cfg.Interval == 0 {
		interval = run.wall(allocator.Second)
	}
	interval = max(interval, 20*time.Millisecond)
	cycles := make(chan cycleRec, 4096)
	cyclesDone := make(chan struct{})
	go func() {
		defer close(cyclesDone)
		for c := range cycles {
			run.rec.cycle(c.now, c.ci.Wall, int64(c.ci.Offers), c.ci.Triggered)
		}
	}()
	// Runs after the master stopped (defers run last-in first-out).
	defer func() { close(cycles); <-cyclesDone }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	m, err := master.New(master.Config{
		Address: ln.Addr().String(), Token: token, Allocator: "drf", AllocatorParams: allocatorParams(s.Allocator.Params), Roles: cfg.Roles,
		AllocationInterval: interval, AgentHeartbeat: 500 * time.Millisecond, AgentTimeout: 10 * time.Second,
		StatusRetry: time.Second, FrameworkHeartbeat: 5 * time.Second, Seed: s.Seed, Log: opts.Log,
		// Never block the master (it calls this under its lock): cycles go
		// through a buffer to the recorder.
		OnCycle: func(ci master.CycleInfo) {
			select {
			case cycles <- cycleRec{run.now(), ci}:
			default:
				run.droppedCycles.Add(1)
			}
		},
	})
	if err != nil {
		ln.Close()
		return Result{}, err
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	mctx, mstop := context.WithCancel(ctx)
	mdone := make(chan struct{})
	go func() { _ = m.Run(mctx); close(mdone) }()
	defer func() { mstop(); <-mdone }()
	url := "http://" + ln.Addr().String()

	var agentSpecs []AgentSpec
	for i := range cfg.Cluster.NumAgents() {
		a := cfg.Cluster.Agent(allocator.AgentID(i))
		agentSpecs = append(agentSpecs, AgentSpec{Name: a.Name, Capacity: a.Capacity, GPUModel: modelName(cfg.Cluster, a)})
	}
	stopAgents, err := opts.Agents.Start(ctx, url, token, agentSpecs)
	if err != nil {
		return Result{}, fmt.Errorf("starting agents: %w", err)
	}
	defer stopAgents()
	if err := waitAgents(ctx, m, len(agentSpecs)); err != nil {
		return Result{}, err
	}

	// One framework per scenario framework, each with its own stream.
	fws := make([]*framework, len(cfg.Frameworks))
	streams := make([]*mesosapi.Stream, len(cfg.Frameworks))
	counts := make([]int, len(cfg.Frameworks))
	for _, sp := range specs {
		if int(sp.Framework) >= len(counts) || sp.Framework < 0 {
			return Result{}, fmt.Errorf("task of unknown framework %d", sp.Framework)
		}
		counts[sp.Framework]++
	}
	for i, fi := range cfg.Frameworks {
		f := &framework{run: run, id: allocator.FrameworkID(i), info: fi, role: cfg.Roles[fi.Role].Name,
			client: &mesosapi.Client{URL: url + "/api/v1/scheduler", Token: token}, byID: map[string]*sim.Task{},
			remaining: counts[i]}
		f.refuse = paramSeconds(fi.Params, "refuse_seconds", paramSeconds(s.Allocator.Params, "refuse_seconds", 5)) / opts.TimeScale
		f.idleRefuse = paramSeconds(fi.Params, "idle_refuse_seconds", paramSeconds(s.Allocator.Params, "idle_refuse_seconds", 5)) / opts.TimeScale
		info := mesosapi.FrameworkInfo{User: "allocsim", Name: fi.Name, Role: &f.role}
		if fi.GPUCapable {
			info.Capabilities = []mesosapi.Capability{{Type: mesosapi.CapGPUResources}}
		}
		st, _, err := f.client.Subscribe(ctx, info)
		if err != nil {
			return Result{}, fmt.Errorf("framework %s: subscribe: %w", fi.Name, err)
		}
		defer st.Close()
		// Idle until its first task arrives.
		f.call(ctx, &mesosapi.Call{Type: mesosapi.CallSuppress})
		f.suppressed = true
		fws[i], streams[i] = f, st
	}

	run.start = time.Now()
	run.startNs.Store(run.start.UnixNano())
	// The scenario's horizon ends the replay like the simulation: what runs
	// then is reported as running, what waits as unscheduled.
	atHorizon := make(chan struct{})
	if horizon > 0 {
		hz := time.AfterFunc(run.wall(horizon), func() { close(atHorizon); cancel() })
		defer hz.Stop()
	}
	var wg sync.WaitGroup
	loopErr := make(chan error, len(fws))
	for i, f := range fws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.loop(ctx, streams[i]); err != nil {
				loopErr <- err
				cancel()
			}
		}()
	}
	// Sampling in scenario time.
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		period := max(run.wall(cfg.SampleInterval), 10*time.Millisecond)
		tick := time.NewTicker(period)
		defer tick.Stop()
		progress := time.NewTicker(10 * time.Second)
		defer progress.Stop()
		for k := allocator.Time(1); ; {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				run.rec.sample(k * cfg.SampleInterval)
				k++
			case <-progress.C:
				c := run.rec.progress()
				run.logf("at %.0f s scenario time: %d submitted, %d started, %d ended; master %+v",
					run.now().Seconds(), c.Submitted, c.Launched, c.Ended[allocator.OutcomeFinished]+c.Ended[allocator.OutcomeFailed]+
						c.Ended[allocator.OutcomeKilled]+c.Ended[allocator.OutcomeLost], m.Counters())
			}
		}
	}()
	// Submit every task at its scaled submit time.
	all := make([]*sim.Task, len(specs))
	for i, sp := range specs {
		t := &sim.Task{Spec: sp, Seq: int64(i), State: sim.StateSubmitted}
		all[i] = t
		if d := time.Until(run.start.Add(run.wall(sp.Submit))); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		t.Ready = sp.Submit
		run.rec.submitted(max(run.now(), sp.Submit), t)
		fws[sp.Framework].submit(ctx, t)
	}
	wg.Wait()
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	stoppedAtHorizon := false
	select {
	case <-atHorizon:
		stoppedAtHorizon = true
	default:
	}
	cancel()
	<-sampleDone
	close(loopErr)
	var errs []error
	for e := range loopErr {
		if !errors.Is(e, context.Canceled) && !errors.Is(e, context.DeadlineExceeded) {
			errs = append(errs, e)
		}
	}
	if run.err != nil {
		errs = append(errs, run.err)
	}
	res := Result{Dir: opts.Out, Tasks: len(specs), Master: m.Counters()}
	// Tasks that never ended (horizon, timeout or error) are reported as such.
	now := run.now()
	if stoppedAtHorizon {
		now = horizon
	}
	for _, t := range all {
		switch {
		case t.State == sim.StateSubmitted:
			t.Ready = t.Spec.Submit
			run.rec.submitted(now, t)
			run.rec.ended(now, t, allocator.OutcomeUnscheduled)
		case t.State == sim.StatePending:
			run.rec.ended(now, t, allocator.OutcomeUnscheduled)
		case t.State == sim.StateRunning && stoppedAtHorizon:
			run.rec.stopped(now, t)
		case t.State == sim.StateRunning:
			run.rec.ended(now, t, allocator.OutcomeKilled)
		}
		if t.Started {
			res.Started++
		}
		switch {
		case t.State == sim.StateRunning:
			res.Running++
			continue
		case t.Outcome == allocator.OutcomeUnscheduled:
			res.Unscheduled++
		}
		res.Ended[t.Outcome]++
	}
	run.rec.sample(now)
	if len(errs) > 0 && !stoppedAtHorizon {
		return res, errors.Join(errs...)
	}
	if n := res.Unscheduled + res.Ended[allocator.OutcomeKilled]; timedOut {
		var state []string
		for _, f := range fws {
			f.mu.Lock()
			state = append(state, fmt.Sprintf("%s: %d queued, %d not ended, suppressed %v", f.info.Name, len(f.queue), f.remaining, f.suppressed))
			f.mu.Unlock()
		}
		return res, fmt.Errorf("replay did not finish within %v: %d of %d tasks had not ended (master: %+v; %s)",
			timeout, n, len(specs), res.Master, strings.Join(state, "; "))
	}
	return res, nil
}

func modelName(c *allocator.Cluster, a *allocator.Agent) string {
	if a.NumGPUs == 0 {
		return ""
	}
	return c.Models[a.GPUModel]
}

// waitAgents waits until n agents registered with the master.
func waitAgents(ctx context.Context, m *master.Master, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for m.Agents() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d agents registered within 60 s", m.Agents(), n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
