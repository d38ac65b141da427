package agent

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// task is the agent's view of one task.
type task struct {
	launch  agentapi.LaunchTask
	et      *executor.Task    // nil until prepared (or when preparing failed)
	proc    *executor.Process // nil until started
	pending []agentapi.TaskStatus
	latest  agentapi.TaskStatus
	killed  bool          // a kill was requested
	grace   time.Duration // of the requested kill
	ended   bool          // a terminal update was queued

	nextSend time.Time
	backoff  time.Duration
}

// delay schedules the next resend of the head update with doubling back-off.
func (t *task) delay(first time.Duration) {
	if t.backoff == 0 {
		t.backoff = first
	} else {
		t.backoff = min(t.backoff*2, 10*time.Second)
	}
	t.nextSend = time.Now().Add(t.backoff)
}

// persistedTask is what survives an agent restart (agent.json in the task dir).
type persistedTask struct {
	Launch  agentapi.LaunchTask   `json:"launch"`
	Pending []agentapi.TaskStatus `json:"pending"`
	Latest  agentapi.TaskStatus   `json:"latest"`
	Killed  bool                  `json:"killed"`
	GraceMs int64                 `json:"grace_ms"`
}

const taskStateFile = "agent.json"

func (a *Agent) persistLocked(t *task) {
	if t.et == nil {
		return
	}
	p := persistedTask{Launch: t.launch, Pending: t.pending, Latest: t.latest, Killed: t.killed, GraceMs: t.grace.Milliseconds()}
	if err := writeJSONAtomic(filepath.Join(t.et.Dir, taskStateFile), p); err != nil {
		a.log.Printf("agent: persisting %s: %v", t.launch.TaskID, err)
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// queueLocked appends a status update for t and wakes the sender.
func (a *Agent) queueLocked(t *task, state, reason, message string, exitCode *int) {
	st := agentapi.TaskStatus{TaskID: t.launch.TaskID, FrameworkID: t.launch.FrameworkID, State: state,
		UUID: newUUID(), Reason: reason, Message: message, ExitCode: exitCode, TimestampUs: time.Now().UnixMicro()}
	if len(st.Message) > 1000 {
		st.Message = st.Message[:1000]
	}
	t.pending = append(t.pending, st)
	t.latest = st
	if agentapi.IsTerminal(state) {
		t.ended = true
		code := ""
		if exitCode != nil {
			code = fmt.Sprintf(" exit %d", *exitCode)
		}
		a.log.Printf("agent: task %s %s%s %s %s", st.TaskID, state, code, reason, st.Message)
	}
	a.persistLocked(t)
	a.kickSender()
}

// launch starts a task unless it is known already. Commands are delivered
// at least once, but a command already processed in this registration is
// skipped by its sequence number, and the master drops LAUNCHes of tasks
// that ended; so a LAUNCH of a task that ended and was forgotten here is a
// new launch (Mesos lets a framework reuse the id of a finished task).
func (a *Agent) launch(l *agentapi.LaunchTask) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tasks[l.TaskID] != nil {
		return
	}
	t := &task{launch: *l}
	a.tasks[l.TaskID] = t
	kind := l.Executor
	if kind == "" {
		kind = a.cfg.Executors[0]
	}
	supported := false
	for _, e := range a.cfg.Executors {
		supported = supported || e == kind
	}
	if !supported {
		a.queueLocked(t, mesosapi.TaskError, agentapi.ReasonTaskInvalid, fmt.Sprintf("this agent has no %q executor (it has %v)", kind, a.cfg.Executors), nil)
		return
	}
	et, err := a.runner.Prepare(l, kind)
	if err != nil {
		a.queueLocked(t, mesosapi.TaskFailed, agentapi.ReasonLaunchFailed, "preparing the task: "+err.Error(), nil)
		return
	}
	t.et = et
	a.queueLocked(t, mesosapi.TaskStarting, "", "", nil)
	proc, err := a.runner.Start(et)
	if err != nil {
		a.queueLocked(t, mesosapi.TaskFailed, agentapi.ReasonLaunchFailed, err.Error(), nil)
		return
	}
	t.proc = proc
	a.watchLocked(t)
}

// watchLocked follows a started (or re-attached) task: RUNNING once the shim
// has started it, then its terminal update.
func (a *Agent) watchLocked(t *task) {
	a.watchers.Add(1)
	go func() {
		defer a.watchers.Done()
		p := t.proc
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		running := t.latest.State == mesosapi.TaskRunning
		for !running {
			select {
			case <-p.Done():
				running = true
			case <-tick.C:
				running = p.Started()
			}
		}
		a.mu.Lock()
		if p.Started() && t.latest.State != mesosapi.TaskRunning && !t.ended {
			a.queueLocked(t, mesosapi.TaskRunning, "", "", nil)
		}
		a.mu.Unlock()
		<-p.Done()
		a.mu.Lock()
		defer a.mu.Unlock()
		if !t.ended {
			state, reason, msg := statusForExit(p.Exit(), t)
			code := p.Exit().ExitCode
			a.queueLocked(t, state, reason, msg, &code)
		}
	}()
}

// killLocked asks a task's shim to stop it (SIGTERM, SIGKILL after grace).
func (a *Agent) killLocked(t *task, grace time.Duration) {
	if t.ended {
		return
	}
	t.killed, t.grace = true, grace
	a.persistLocked(t)
	if t.proc == nil {
		return
	}
	if err := t.proc.Kill(grace); err != nil {
		a.log.Printf("agent: killing %s: %v", t.launch.TaskID, err)
	}
}

// statusForExit maps how a task ended to a Mesos state, reason and message.
func statusForExit(e *executor.Exit, t *task) (state, reason, message string) {
	memMiB := t.launch.Resources.MemMiB
	switch {
	case e.OOMKilled:
		return mesosapi.TaskFailed, agentapi.ReasonMemoryLimit,
			fmt.Sprintf("memory limit exceeded: the kernel OOM killer killed the task (limit %d MiB)", memMiB)
	case e.Killed:
		return mesosapi.TaskKilled, "", killMessage(e)
	case e.Error != "":
		if t.proc != nil && t.proc.Started() {
			return mesosapi.TaskFailed, agentapi.ReasonExecutorTerminated, e.Error
		}
		return mesosapi.TaskFailed, agentapi.ReasonLaunchFailed, e.Error
	case e.ExitCode == 0:
		return mesosapi.TaskFinished, "", "exited with status 0"
	case e.Signal != 0:
		return mesosapi.TaskFailed, agentapi.ReasonCommandFailed, fmt.Sprintf("killed by signal %d (%s)", e.Signal, syscall.Signal(e.Signal))
	default:
		return mesosapi.TaskFailed, agentapi.ReasonCommandFailed, fmt.Sprintf("exited with status %d", e.ExitCode)
	}
}

func killMessage(e *executor.Exit) string {
	if e.Signal != 0 {
		return fmt.Sprintf("killed on request (signal %d, %s)", e.Signal, syscall.Signal(e.Signal))
	}
	return fmt.Sprintf("killed on request (exited with status %d)", e.ExitCode)
}

// recoverTasks loads the tasks a previous agent left in the work dir:
// finished ones with undelivered updates are kept until acknowledged,
// running ones are re-attached (their shims kept them running), and a kill
// requested before the restart is carried through.
func (a *Agent) recoverTasks() error {
	ets, err := a.runner.LoadTasks()
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, et := range ets {
		var p persistedTask
		if err := readJSON(filepath.Join(et.Dir, taskStateFile), &p); err != nil {
			p = persistedTask{Launch: et.Launch}
		}
		t := &task{launch: p.Launch, et: et, pending: p.Pending, latest: p.Latest, killed: p.Killed,
			grace: time.Duration(p.GraceMs) * time.Millisecond, ended: agentapi.IsTerminal(p.Latest.State)}
		if t.launch.TaskID == "" {
			t.launch = et.Launch
		}
		if t.ended && len(t.pending) == 0 {
			_ = a.runner.Remove(et)
			continue
		}
		a.tasks[t.launch.TaskID] = t
		if t.ended {
			continue
		}
		proc, err := a.runner.Reattach(et)
		if err != nil {
			a.queueLocked(t, mesosapi.TaskLost, agentapi.ReasonAgentRestarted, "could not re-attach after the agent restarted: "+err.Error(), nil)
			continue
		}
		t.proc = proc
		a.log.Printf("agent: recovered task %s (%s)", t.launch.TaskID, t.latest.State)
		a.watchLocked(t)
		if t.killed {
			_ = proc.Kill(t.grace)
		}
	}
	return nil
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
