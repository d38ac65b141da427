// Package emuagent is a lightweight emulated agent speaking realrun's agent
// API: it registers, heartbeats, long-polls for commands and reports status
// updates (retried until acknowledged), but runs no processes — a task
// "runs" for its workload's duration_ms. Thousands fit in one process, for
// tests and scale benchmarks of the master on loopback.
package emuagent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// Config describes one emulated agent.
type Config struct {
	MasterURL string
	Token     string
	AgentID   string // set to come back as an agent the master knew (a restart)
	Hostname  string
	Resources agentapi.Resources
	Executors []string // default cgroup and runc
	// PollWait bounds each commands long-poll (default 1 s); polls count as
	// heartbeats, and an explicit heartbeat is sent every HeartbeatEvery.
	PollWait       time.Duration
	HeartbeatEvery time.Duration // default 1 s
	StatusRetry    time.Duration // resend an unacknowledged update after this (default 1 s)
	HTTP           *http.Client  // shared by many agents; nil = a new one
	// OnLaunch, when set, is called as a LAUNCH command arrives.
	OnLaunch func(agentID string, l *agentapi.LaunchTask, at time.Time)
}

type emuTask struct {
	id      string
	fw      string
	endAt   time.Time // zero: runs until killed
	queue   []agentapi.TaskStatus
	sentAt  time.Time
	state   string
	waiting bool // head sent, master answered "not yet acknowledged"
}

// Agent is a running emulated agent.
type Agent struct {
	cfg    Config
	client *agentapi.Client
	id     string
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	tasks  map[string]*emuTask
	ackSeq uint64
	seq    int
}

// Start registers the agent and runs it until Stop or ctx ends.
func Start(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.PollWait <= 0 {
		cfg.PollWait = time.Second
	}
	if cfg.HeartbeatEvery <= 0 {
		cfg.HeartbeatEvery = time.Second
	}
	if cfg.StatusRetry <= 0 {
		cfg.StatusRetry = time.Second
	}
	if len(cfg.Executors) == 0 {
		cfg.Executors = []string{"cgroup", "runc"}
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "127.0.0.1"
	}
	c := agentapi.NewClient(cfg.MasterURL, cfg.Token)
	if cfg.HTTP != nil {
		c.HTTP = cfg.HTTP
	}
	a := &Agent{cfg: cfg, client: c, id: cfg.AgentID, tasks: map[string]*emuTask{}, done: make(chan struct{})}
	if err := a.register(ctx); err != nil {
		return nil, err
	}
	ctx, a.cancel = context.WithCancel(ctx)
	go a.loop(ctx)
	return a, nil
}

// ID is the agent id the master gave.
func (a *Agent) ID() string { return a.id }

// Stop ends the agent abruptly, as SIGKILL would: no goodbye to the master.
func (a *Agent) Stop() {
	a.cancel()
	<-a.done
}

// Running returns the number of tasks that have not ended.
func (a *Agent) Running() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, t := range a.tasks {
		if !agentapi.IsTerminal(t.state) {
			n++
		}
	}
	return n
}

func (a *Agent) register(ctx context.Context) error {
	a.mu.Lock()
	req := &agentapi.RegisterRequest{AgentID: a.id, Hostname: a.cfg.Hostname, Resources: a.cfg.Resources, Executors: a.cfg.Executors}
	for _, t := range a.sortedTasks() {
		st := agentapi.TaskStatus{TaskID: t.id, FrameworkID: t.fw, State: t.state, UUID: a.uuid()}
		req.Tasks = append(req.Tasks, st)
	}
	a.mu.Unlock()
	resp, err := a.client.Register(ctx, req)
	if err != nil {
		return fmt.Errorf("emuagent: register: %w", err)
	}
	a.id = resp.AgentID
	return nil
}

func (a *Agent) uuid() string {
	a.seq++
	return fmt.Sprintf("%s-u%d", a.id, a.seq)
}

func (a *Agent) sortedTasks() []*emuTask {
	out := make([]*emuTask, 0, len(a.tasks))
	for _, t := range a.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// push queues a status update for the task (sent in order, one at a time).
func (a *Agent) push(t *emuTask, state, reason string) {
	t.state = state
	t.queue = append(t.queue, agentapi.TaskStatus{TaskID: t.id, FrameworkID: t.fw, State: state, Reason: reason,
		UUID: a.uuid(), TimestampUs: time.Now().UnixMicro()})
}

func (a *Agent) loop(ctx context.Context) {
	defer close(a.done)
	lastHB := time.Now()
	for ctx.Err() == nil {
		now := time.Now()
		if now.Sub(lastHB) >= a.cfg.HeartbeatEvery {
			lastHB = now
			if _, err := a.client.Heartbeat(ctx, &agentapi.HeartbeatRequest{AgentID: a.id}); err != nil && !a.recover(ctx, err) {
				continue
			}
		}
		if !a.sendStatuses(ctx) {
			continue
		}
		wait := a.nextWait()
		a.mu.Lock()
		ack := a.ackSeq
		a.mu.Unlock()
		resp, err := a.client.Commands(ctx, &agentapi.CommandsRequest{AgentID: a.id, AckSeq: ack, WaitMs: wait.Milliseconds()})
		if err != nil {
			a.recover(ctx, err)
			continue
		}
		a.handle(resp.Commands)
	}
}

// recover re-registers after "unknown agent" and backs off on other errors;
// it reports whether the loop may go on at once.
func (a *Agent) recover(ctx context.Context, err error) bool {
	if agentapi.IsUnknownAgent(err) {
		if a.register(ctx) == nil {
			return true
		}
	}
	if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

// nextWait is how long the next long-poll may block: until the next task
// ends, the next status retry or the next heartbeat.
func (a *Agent) nextWait() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	w := min(a.cfg.PollWait, a.cfg.HeartbeatEvery)
	for _, t := range a.tasks {
		if !t.endAt.IsZero() && !agentapi.IsTerminal(t.state) {
			w = min(w, t.endAt.Sub(now))
		}
		if len(t.queue) > 0 {
			w = min(w, t.sentAt.Add(a.cfg.StatusRetry).Sub(now))
		}
	}
	return max(w, time.Millisecond)
}

// sendStatuses ends due tasks and sends each task's oldest update when it
// is new or due for a retry; false when the master must be re-registered with.
func (a *Agent) sendStatuses(ctx context.Context) bool {
	a.mu.Lock()
	now := time.Now()
	var due []agentapi.TaskStatus
	for _, t := range a.sortedTasks() {
		if !t.endAt.IsZero() && !agentapi.IsTerminal(t.state) && !now.Before(t.endAt) {
			a.push(t, mesosapi.TaskFinished, "")
		}
		if len(t.queue) > 0 && (!t.waiting || now.Sub(t.sentAt) >= a.cfg.StatusRetry) {
			t.sentAt, t.waiting = now, true
			due = append(due, t.queue[0])
		}
	}
	a.mu.Unlock()
	for _, st := range due {
		resp, err := a.client.Status(ctx, &agentapi.StatusRequest{AgentID: a.id, Status: st})
		if err != nil {
			return a.recover(ctx, err)
		}
		if resp.Acknowledged {
			a.acked(st.TaskID, st.UUID)
		}
	}
	return true
}

func (a *Agent) acked(taskID, uuid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tasks[taskID]
	if t == nil || len(t.queue) == 0 || t.queue[0].UUID != uuid {
		return
	}
	t.queue = t.queue[1:]
	t.waiting = false
	if len(t.queue) == 0 && agentapi.IsTerminal(t.state) {
		delete(a.tasks, taskID)
	}
}

func (a *Agent) handle(cmds []agentapi.Command) {
	now := time.Now()
	for i := range cmds {
		c := &cmds[i]
		a.mu.Lock()
		if c.Seq <= a.ackSeq {
			a.mu.Unlock()
			continue
		}
		a.ackSeq = c.Seq
		switch c.Type {
		case agentapi.CommandLaunch:
			l := c.Launch
			if _, dup := a.tasks[l.TaskID]; !dup {
				t := &emuTask{id: l.TaskID, fw: l.FrameworkID}
				if l.Workload.DurationMs > 0 || l.Workload.Kind == agentapi.WorkloadCommand {
					t.endAt = now.Add(time.Duration(l.Workload.DurationMs) * time.Millisecond)
				}
				a.tasks[l.TaskID] = t
				a.push(t, mesosapi.TaskRunning, "")
				if a.cfg.OnLaunch != nil {
					a.mu.Unlock()
					a.cfg.OnLaunch(a.id, l, now)
					a.mu.Lock()
				}
			}
		case agentapi.CommandKill:
			if t := a.tasks[c.Kill.TaskID]; t != nil && !agentapi.IsTerminal(t.state) {
				a.push(t, mesosapi.TaskKilled, "")
			}
		case agentapi.CommandAcknowledge:
			a.mu.Unlock()
			a.acked(c.Acknowledge.TaskID, c.Acknowledge.UUID)
			a.mu.Lock()
		case agentapi.CommandShutdown:
			for _, t := range a.sortedTasks() {
				if !agentapi.IsTerminal(t.state) {
					a.push(t, mesosapi.TaskKilled, "")
				}
			}
		}
		a.mu.Unlock()
	}
}
