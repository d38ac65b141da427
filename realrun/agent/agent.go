// Package agent is allocsim's agent: it registers with the master, heartbeats,
// long-polls for commands, runs tasks with the cgroup or runc executor,
// reports their status updates (retried, per task in order, until the master
// acknowledges them), and after its own restart re-attaches to the tasks it
// left running and reports how they ended.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
)

// Config configures one agent.
type Config struct {
	MasterURL  string
	Token      string
	WorkDir    string
	Hostname   string             // "" = os.Hostname()
	Executors  []string           // supported executors, the first is the default ("" = cgroup)
	Resources  agentapi.Resources // zero = DetectResources(WorkDir)
	Attributes []agentapi.Attribute
	// CleanupOnExit: when ctx ends, kill every task, wait for them and try to
	// deliver their final updates. Without it tasks keep running (under their
	// shims) for the next agent started on the same WorkDir to recover.
	CleanupOnExit bool
	PollWait      time.Duration   // long-poll wait (0 = 20 s)
	StatusRetry   time.Duration   // first resend delay of an unacknowledged update (0 = 1 s; doubles up to 10 s)
	Executor      executor.Config // optional executor settings (WorkDir is set from WorkDir)
	HTTP          *http.Client    // nil = a default client
	Log           *log.Logger     // nil = discard
}

// Agent is a running agent; see Run.
type Agent struct {
	cfg    Config
	client *agentapi.Client
	runner *executor.Runner
	log    *log.Logger

	regMu      sync.Mutex // one registration at a time
	mu         sync.Mutex // everything below
	id         string
	gen        int // registration generation: bumps on every (re)registration
	hbInterval time.Duration
	ackSeq     uint64
	tasks      map[string]*task
	watchers   sync.WaitGroup
	wake       chan struct{} // status sender wake-up
	shutdown   chan struct{} // closed by a SHUTDOWN command
}

// Run starts an agent and blocks until ctx ends (or the master sends
// SHUTDOWN), then stops as Config.CleanupOnExit says.
func Run(ctx context.Context, cfg Config) error {
	a, err := New(cfg)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// New checks the configuration, detects resources if none are given and
// prepares the work dir; it does not contact the master.
func New(cfg Config) (*Agent, error) {
	if cfg.MasterURL == "" || cfg.Token == "" || cfg.WorkDir == "" {
		return nil, errors.New("agent: master URL, token and work dir are required")
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o711); err != nil {
		return nil, err
	}
	if len(cfg.Executors) == 0 {
		cfg.Executors = []string{executor.KindCgroup}
	}
	for _, e := range cfg.Executors {
		if e != executor.KindCgroup && e != executor.KindRunc {
			return nil, fmt.Errorf("agent: unknown executor %q; expected cgroup or runc", e)
		}
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.Resources.CPUMilli == 0 && cfg.Resources.MemMiB == 0 {
		r, err := DetectResources(cfg.WorkDir)
		if err != nil {
			return nil, fmt.Errorf("agent: detecting resources: %w", err)
		}
		cfg.Resources = r
	}
	if err := cfg.Resources.Validate(); err != nil {
		return nil, fmt.Errorf("agent: resources: %w", err)
	}
	if cfg.PollWait == 0 {
		cfg.PollWait = 20 * time.Second
	}
	if cfg.StatusRetry == 0 {
		cfg.StatusRetry = time.Second
	}
	lg := cfg.Log
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	ec := cfg.Executor
	ec.WorkDir = cfg.WorkDir
	runner, err := executor.New(ec)
	if err != nil {
		return nil, err
	}
	client := agentapi.NewClient(cfg.MasterURL, cfg.Token)
	if cfg.HTTP != nil {
		client.HTTP = cfg.HTTP
	}
	a := &Agent{cfg: cfg, client: client, runner: runner, log: lg, tasks: map[string]*task{},
		wake: make(chan struct{}, 1), shutdown: make(chan struct{}), hbInterval: 5 * time.Second}
	var st persistedAgent
	if err := readJSON(a.agentFile(), &st); err == nil {
		a.id = st.AgentID
	}
	return a, nil
}

type persistedAgent struct {
	AgentID string `json:"agent_id"`
}

func (a *Agent) agentFile() string { return filepath.Join(a.cfg.WorkDir, "agent.json") }

// ID is the agent id the master gave (empty before the first registration).
func (a *Agent) ID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// Run recovers persisted tasks, registers, and serves until ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.recoverTasks(); err != nil {
		return fmt.Errorf("agent: recovering tasks: %w", err)
	}
	loopCtx, stopLoops := context.WithCancel(context.Background())
	defer stopLoops()
	go func() {
		select {
		case <-ctx.Done():
		case <-a.shutdown:
		}
		if !a.cleanupOnExit() {
			stopLoops()
		}
	}()
	// The first registration gives up when ctx ends (or the master refuses us).
	regCtx, stopReg := context.WithCancel(loopCtx)
	stopRegOnCtx := context.AfterFunc(ctx, stopReg)
	err := a.register(regCtx, -1)
	stopRegOnCtx()
	stopReg()
	if err != nil {
		a.stopAll(a.cfg.CleanupOnExit)
		a.runner.Close()
		return err
	}
	var loops sync.WaitGroup
	for _, f := range []func(context.Context){a.pollLoop, a.heartbeatLoop, a.statusLoop} {
		loops.Add(1)
		go func() { defer loops.Done(); f(loopCtx) }()
	}
	select {
	case <-ctx.Done():
	case <-a.shutdown:
	case <-loopCtx.Done():
	}
	a.stopAll(a.cleanupOnExit())
	stopLoops()
	loops.Wait()
	a.runner.Close()
	return nil
}

func (a *Agent) cleanupOnExit() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.CleanupOnExit
}

// stopAll kills every task (with cleanup) and waits until each has ended and
// its final update was delivered, for a bounded time.
func (a *Agent) stopAll(cleanup bool) {
	if !cleanup {
		return
	}
	a.mu.Lock()
	for _, t := range a.sortedTasks() {
		a.killLocked(t, 0)
	}
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.watchers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		a.log.Printf("agent: tasks still stopping after 60 s")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		n := len(a.tasks)
		a.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// register (re)registers unless another registration already replaced
// generation seen; it retries until it succeeds, ctx ends, or the master
// refuses for good (401, 400).
func (a *Agent) register(ctx context.Context, seen int) error {
	a.regMu.Lock()
	defer a.regMu.Unlock()
	a.mu.Lock()
	if seen >= 0 && a.gen != seen {
		a.mu.Unlock()
		return nil
	}
	a.mu.Unlock()
	backoff := 100 * time.Millisecond
	for {
		a.mu.Lock()
		req := &agentapi.RegisterRequest{AgentID: a.id, Hostname: a.cfg.Hostname, Resources: a.cfg.Resources,
			Attributes: a.cfg.Attributes, Executors: a.cfg.Executors, Tasks: a.taskStatusesLocked()}
		a.mu.Unlock()
		resp, err := a.client.Register(ctx, req)
		if err == nil {
			a.mu.Lock()
			a.id, a.ackSeq = resp.AgentID, 0
			a.gen++
			if resp.HeartbeatIntervalMs > 0 {
				a.hbInterval = time.Duration(resp.HeartbeatIntervalMs) * time.Millisecond
			}
			for _, t := range a.tasks {
				t.nextSend, t.backoff = time.Time{}, 0 // resend at once to the new session
			}
			a.mu.Unlock()
			if err := writeJSONAtomic(a.agentFile(), persistedAgent{AgentID: resp.AgentID}); err != nil {
				a.log.Printf("agent: persisting id: %v", err)
			}
			a.log.Printf("agent: registered as %s with %d tasks", resp.AgentID, len(req.Tasks))
			a.kickSender()
			return nil
		}
		var ae *agentapi.Error
		if errors.As(err, &ae) && (ae.HTTPStatus == http.StatusUnauthorized || ae.HTTPStatus == http.StatusBadRequest) {
			return fmt.Errorf("agent: master refused registration: %w", err)
		}
		a.log.Printf("agent: registering: %v (retrying)", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (a *Agent) session() (id string, gen int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id, a.gen
}

// handleCallError re-registers when the master no longer knows us and
// otherwise waits before the caller retries.
func (a *Agent) handleCallError(ctx context.Context, what string, gen int, err error, backoff *time.Duration) {
	if agentapi.IsUnknownAgent(err) {
		a.log.Printf("agent: master does not know us (%s); registering again", what)
		_ = a.register(ctx, gen)
		return
	}
	if ctx.Err() == nil {
		a.log.Printf("agent: %s: %v", what, err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(*backoff):
	}
	*backoff = min(*backoff*2, 5*time.Second)
}

func (a *Agent) pollLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		a.mu.Lock()
		id, gen, ack := a.id, a.gen, a.ackSeq
		a.mu.Unlock()
		resp, err := a.client.Commands(ctx, &agentapi.CommandsRequest{AgentID: id, AckSeq: ack, WaitMs: a.cfg.PollWait.Milliseconds()})
		if err != nil {
			a.handleCallError(ctx, "polling commands", gen, err, &backoff)
			continue
		}
		backoff = 100 * time.Millisecond
		for _, c := range resp.Commands {
			if c.Seq <= ack {
				continue
			}
			a.handleCommand(c)
			ack = c.Seq
		}
		a.mu.Lock()
		if a.gen == gen {
			a.ackSeq = ack
		}
		a.mu.Unlock()
	}
}

func (a *Agent) heartbeatLoop(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for {
		a.mu.Lock()
		every := a.hbInterval
		a.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		id, gen := a.session()
		if _, err := a.client.Heartbeat(ctx, &agentapi.HeartbeatRequest{AgentID: id}); err != nil {
			a.handleCallError(ctx, "heartbeat", gen, err, &backoff)
			continue
		}
		backoff = 100 * time.Millisecond
	}
}

func (a *Agent) kickSender() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// statusLoop sends, for each task in id order, its oldest unacknowledged
// update whenever it is due; a task's next update waits for that ack.
func (a *Agent) statusLoop(ctx context.Context) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-tick.C:
		}
		now := time.Now()
		a.mu.Lock()
		id, gen := a.id, a.gen
		var due []agentapi.TaskStatus
		for _, t := range a.sortedTasks() {
			if len(t.pending) > 0 && !now.Before(t.nextSend) {
				due = append(due, t.pending[0])
			}
		}
		a.mu.Unlock()
		for _, st := range due {
			resp, err := a.client.Status(ctx, &agentapi.StatusRequest{AgentID: id, Status: st})
			if err != nil {
				a.mu.Lock()
				if t := a.tasks[st.TaskID]; t != nil {
					t.delay(a.cfg.StatusRetry)
				}
				a.mu.Unlock()
				a.handleCallError(ctx, "sending status of "+st.TaskID, gen, err, &backoff)
				break
			}
			backoff = 100 * time.Millisecond
			if resp.Acknowledged {
				a.acknowledge(st.TaskID, st.UUID)
				continue
			}
			a.mu.Lock()
			if t := a.tasks[st.TaskID]; t != nil && len(t.pending) > 0 && t.pending[0].UUID == st.UUID {
				t.delay(a.cfg.StatusRetry)
			}
			a.mu.Unlock()
		}
	}
}

func (a *Agent) handleCommand(c agentapi.Command) {
	switch c.Type {
	case agentapi.CommandLaunch:
		a.launch(c.Launch)
	case agentapi.CommandKill:
		a.mu.Lock()
		t := a.tasks[c.Kill.TaskID]
		if t == nil {
			a.log.Printf("agent: kill of unknown task %s ignored", c.Kill.TaskID)
		} else {
			a.killLocked(t, time.Duration(c.Kill.GracePeriodMs)*time.Millisecond)
		}
		a.mu.Unlock()
	case agentapi.CommandAcknowledge:
		a.acknowledge(c.Acknowledge.TaskID, c.Acknowledge.UUID)
	case agentapi.CommandShutdown:
		a.log.Printf("agent: master sent SHUTDOWN")
		a.mu.Lock()
		a.cfg.CleanupOnExit = true
		select {
		case <-a.shutdown:
		default:
			close(a.shutdown)
		}
		a.mu.Unlock()
	}
}

// acknowledge removes the update uuid from the head of the task's queue; a
// task whose terminal update is acknowledged is forgotten and its directory removed.
func (a *Agent) acknowledge(taskID, uuid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tasks[taskID]
	if t == nil || len(t.pending) == 0 || t.pending[0].UUID != uuid {
		return
	}
	t.pending = t.pending[1:]
	t.nextSend, t.backoff = time.Time{}, 0
	if len(t.pending) == 0 && agentapi.IsTerminal(t.latest.State) {
		delete(a.tasks, taskID)
		if t.et != nil {
			if err := a.runner.Remove(t.et); err != nil {
				a.log.Printf("agent: removing %s: %v", t.et.Dir, err)
			}
		}
	} else {
		a.persistLocked(t)
	}
	a.kickSender()
}

func (a *Agent) sortedTasks() []*task {
	out := make([]*task, 0, len(a.tasks))
	for _, t := range a.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].launch.TaskID < out[j].launch.TaskID })
	return out
}

// taskStatusesLocked is the latest status of every task, for registration.
func (a *Agent) taskStatusesLocked() []agentapi.TaskStatus {
	var out []agentapi.TaskStatus
	for _, t := range a.sortedTasks() {
		if t.latest.State != "" {
			out = append(out, t.latest)
		}
	}
	return out
}
