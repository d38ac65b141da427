package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ShimEnv, when set to a task directory, makes this binary run as that task's
// shim instead of its normal main (see RunShimIfRequested).
const ShimEnv = "ALLOCSIM_EXECUTOR_SHIM"

// Process is a started (or re-attached) task's shim.
type Process struct {
	Task      *Task
	pid       int
	startTime uint64 // of pid, so a reused pid is never signalled
	done      chan struct{}
	exit      *Exit
}

// shimIdentity is how a re-attaching agent knows the pid is still its shim:
// the pid plus the process start time (pids are reused).
type shimIdentity struct {
	Pid       int    `json:"pid"`
	StartTime uint64 `json:"start_time"`
}

// Start launches the task's shim in its own session, so it outlives the agent.
func (r *Runner) Start(t *Task) (*Process, error) {
	logf, err := os.OpenFile(filepath.Join(t.Dir, fileShimLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(r.cfg.Self)
	cmd.Env = []string{ShimEnv + "=" + t.Dir, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = t.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("executor: starting shim for %s: %w", t.TaskID, err)
	}
	id := shimIdentity{Pid: cmd.Process.Pid}
	id.StartTime, _ = procStartTime(id.Pid)
	if err := writeJSONAtomic(filepath.Join(t.Dir, fileShimPid), id); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	p := &Process{Task: t, pid: id.Pid, startTime: id.StartTime, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		p.finish()
	}()
	return p, nil
}

// Reattach finds the shim of a task persisted before an agent restart. If the
// shim is gone without having written exit.json, it cleans up what the task
// left and reports it as an error exit.
func (r *Runner) Reattach(t *Task) (*Process, error) {
	p := &Process{Task: t, done: make(chan struct{})}
	var id shimIdentity
	if err := readJSON(filepath.Join(t.Dir, fileShimPid), &id); err != nil {
		// Never started: nothing can be running, but clear any cgroup.
		p.pid = -1
	} else {
		p.pid, p.startTime = id.Pid, id.StartTime
	}
	alive := func() bool {
		if p.pid <= 0 {
			return false
		}
		st, err := procStartTime(p.pid)
		return err == nil && st == id.StartTime && !procZombie(p.pid)
	}
	go func() {
		for alive() {
			if _, err := os.Stat(filepath.Join(t.Dir, fileExit)); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		// The shim may still be finishing its write; give it a moment.
		for i := 0; i < 50 && alive(); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		p.finish()
	}()
	return p, nil
}

// finish reads exit.json; a shim that died without one gets its leftovers
// removed here and an error exit.
func (p *Process) finish() {
	var e Exit
	if err := readJSON(filepath.Join(p.Task.Dir, fileExit), &e); err != nil {
		e = Exit{ExitCode: -1, Error: "executor shim ended without recording the task's exit (shim killed or crashed)"}
		if left := cleanupTask(p.Task); left != "" {
			e.Leftover = left
		}
		_ = writeJSONAtomic(filepath.Join(p.Task.Dir, fileExit), &e)
	}
	p.exit = &e
	close(p.done)
}

// Done is closed when the task has ended and been cleaned up.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit is how the task ended; valid after Done is closed.
func (p *Process) Exit() *Exit { return p.exit }

// Wait blocks until the task ends or ctx is done.
func (p *Process) Wait(ctx context.Context) (*Exit, error) {
	select {
	case <-p.done:
		return p.exit, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Started reports whether the shim has started the task's process.
func (p *Process) Started() bool {
	_, err := os.Stat(filepath.Join(p.Task.Dir, fileStarted))
	return err == nil
}

// Kill asks the shim to stop the task: SIGTERM to the task now, SIGKILL to
// everything left after grace (0 = the task's own grace period). The kill
// request is persisted first, so a restarted shim or agent still knows it.
func (p *Process) Kill(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	g := p.Task.GraceMs
	if grace > 0 {
		g = grace.Milliseconds()
	}
	if err := writeJSONAtomic(filepath.Join(p.Task.Dir, fileKill), map[string]int64{"grace_ms": g}); err != nil {
		return err
	}
	if p.pid <= 0 {
		return errors.New("executor: task has no shim")
	}
	if st, err := procStartTime(p.pid); err != nil || st != p.startTime {
		return nil // the shim is gone (its pid may belong to another process now)
	}
	if err := syscall.Kill(p.pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// procStartTime reads field 22 of /proc/pid/stat (start time in clock ticks).
func procStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields resume after ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

func procZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && (s[i+2] == 'Z' || s[i+2] == 'X')
}
