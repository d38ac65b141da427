// Package executor runs a task's process confined by a cgroup (CPU, memory
// and pids limits) or inside an OCI container run by runc, and stops it with
// SIGTERM then SIGKILL. Each task is supervised by a small "shim" — this same
// binary re-executed in its own session — that owns the task's lifetime: it
// creates the cgroup or container, waits for the task, records the exit
// status (and whether the kernel's OOM killer struck) in exit.json and
// removes every trace. The agent may die and restart meanwhile: it re-attaches
// to the shim through the files in the task's directory.
package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

// Kinds of executor.
const (
	KindCgroup = "cgroup"
	KindRunc   = "runc"
)

// Config is one agent's executor setup.
type Config struct {
	WorkDir      string        // tasks live in WorkDir/tasks/<key>
	CgroupParent string        // e.g. "/allocsim/<agent>"; tasks get CgroupParent/<key>
	Runc         string        // runc binary ("" = found in PATH)
	RootfsDir    string        // busybox root filesystem ("" = WorkDir/rootfs)
	PidsMax      int64         // per-task pids limit (0 = 1024)
	DefaultGrace time.Duration // SIGTERM→SIGKILL delay when the kill names none (0 = 3 s)
	Self         string        // binary re-executed as shim and workload helper ("" = this executable)
}

// Task is everything the shim needs; it is persisted as task.json in Dir.
type Task struct {
	Key         string              `json:"key"`
	TaskID      string              `json:"task_id"`
	FrameworkID string              `json:"framework_id"`
	Kind        string              `json:"kind"`
	Dir         string              `json:"dir"`
	Sandbox     string              `json:"sandbox"`
	CgroupPath  string              `json:"cgroup_path"`
	ContainerID string              `json:"container_id,omitempty"`
	Runc        string              `json:"runc,omitempty"`
	RuncRoot    string              `json:"runc_root,omitempty"`
	Limits      Limits              `json:"limits"`
	GPUs        []agentapi.GPU      `json:"gpus,omitempty"`
	Workload    agentapi.Workload   `json:"workload"`
	GraceMs     int64               `json:"grace_ms"`
	Launch      agentapi.LaunchTask `json:"launch"`
}

// Exit is how a task ended, written by the shim to exit.json.
type Exit struct {
	ExitCode  int    `json:"exit_code"`          // 128+signal when killed by a signal
	Signal    int    `json:"signal,omitempty"`   // the signal that ended it, if any
	OOMKilled bool   `json:"oom_killed"`         // the memory cgroup's OOM killer killed a process
	Killed    bool   `json:"killed"`             // stopped on request (Kill)
	Error     string `json:"error,omitempty"`    // could not be started or supervised
	Leftover  string `json:"leftover,omitempty"` // what could not be cleaned up
}

// Files in a task directory.
const (
	fileTask     = "task.json"
	fileExit     = "exit.json"
	fileKill     = "kill.json"
	fileShimPid  = "shim.pid"
	fileShimLog  = "shim.log"
	fileStarted  = "started"
	dirSandbox   = "sandbox"
	dirBundle    = "bundle"
	sandboxOwner = 65534 // tasks run as nobody:nogroup
)

// Runner starts and supervises tasks for one agent.
type Runner struct {
	cfg Config
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Runner, error) {
	if cfg.WorkDir == "" {
		return nil, errors.New("executor: empty work dir")
	}
	abs, err := filepath.Abs(cfg.WorkDir)
	if err != nil {
		return nil, err
	}
	cfg.WorkDir = abs
	if cfg.CgroupParent == "" {
		cfg.CgroupParent = DefaultCgroupParent(abs)
	}
	if cfg.RootfsDir == "" {
		cfg.RootfsDir = filepath.Join(abs, "rootfs")
	}
	if cfg.PidsMax == 0 {
		cfg.PidsMax = 1024
	}
	if cfg.DefaultGrace == 0 {
		cfg.DefaultGrace = 3 * time.Second
	}
	if cfg.Self == "" {
		if cfg.Self, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("executor: finding own executable: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(abs, "tasks"), 0o711); err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg}, nil
}

// Config returns the effective configuration.
func (r *Runner) Config() Config { return r.cfg }

// TaskKey names a task's directory, cgroup and container: readable, and
// unique per (framework, task) even when two frameworks reuse a task id.
func TaskKey(frameworkID, taskID string) string {
	sum := sha256.Sum256([]byte(frameworkID + "\x00" + taskID))
	return taskID + "-" + hex.EncodeToString(sum[:4])
}

// Prepare builds the task's directory, sandbox (and bundle for runc) and
// persists task.json. kind is KindCgroup or KindRunc.
func (r *Runner) Prepare(l *agentapi.LaunchTask, kind string) (*Task, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if kind != KindCgroup && kind != KindRunc {
		return nil, fmt.Errorf("executor: unknown kind %q", kind)
	}
	key := TaskKey(l.FrameworkID, l.TaskID)
	dir := filepath.Join(r.cfg.WorkDir, "tasks", key)
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("executor: task directory %s already exists", dir)
	}
	grace := l.KillGracePeriodMs
	if grace == 0 {
		grace = r.cfg.DefaultGrace.Milliseconds()
	}
	t := &Task{
		Key: key, TaskID: l.TaskID, FrameworkID: l.FrameworkID, Kind: kind, Dir: dir,
		Sandbox:    filepath.Join(dir, dirSandbox),
		CgroupPath: r.cfg.CgroupParent + "/" + key,
		Limits:     Limits{CPUMilli: l.Resources.CPUMilli, MemBytes: l.Resources.MemMiB << 20, PidsMax: r.cfg.PidsMax},
		GPUs:       l.Resources.GPUs, Workload: l.Workload, GraceMs: grace, Launch: *l,
	}
	if err := os.MkdirAll(t.Sandbox, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chown(t.Sandbox, sandboxOwner, sandboxOwner); err != nil {
		return nil, err
	}
	if cwd := l.Workload.Cwd; cwd != "" {
		clean, _ := agentapi.SandboxPath(cwd) // validated above
		p := filepath.Join(t.Sandbox, clean)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
		_ = os.Chown(p, sandboxOwner, sandboxOwner)
	}
	if kind == KindCgroup {
		t.Limits.Devices = deviceRules(t.GPUs)
	}
	if kind == KindRunc {
		runc, err := r.runcPath()
		if err != nil {
			return nil, err
		}
		t.Runc, t.RuncRoot, t.ContainerID = runc, filepath.Join(r.cfg.WorkDir, "runc"), key
		if err := EnsureRootfs(r.cfg.RootfsDir); err != nil {
			return nil, err
		}
		spec, err := ContainerSpec(t, r.cfg.RootfsDir)
		if err != nil {
			return nil, err
		}
		if err := writeJSONAtomic(filepath.Join(dir, dirBundle, "config.json"), spec); err != nil {
			return nil, err
		}
	}
	if err := writeJSONAtomic(filepath.Join(dir, fileTask), t); err != nil {
		return nil, err
	}
	return t, nil
}

func (r *Runner) runcPath() (string, error) {
	if r.cfg.Runc != "" {
		return r.cfg.Runc, nil
	}
	p, err := exec.LookPath("runc")
	if err != nil {
		return "", fmt.Errorf("executor: runc not found in PATH (install it: apt-get install runc): %w", err)
	}
	return p, nil
}

// LoadTasks reads every persisted task (after an agent restart), in key order.
func (r *Runner) LoadTasks() ([]*Task, error) {
	entries, err := os.ReadDir(filepath.Join(r.cfg.WorkDir, "tasks"))
	if err != nil {
		return nil, err
	}
	var out []*Task
	for _, e := range entries {
		var t Task
		data, err := os.ReadFile(filepath.Join(r.cfg.WorkDir, "tasks", e.Name(), fileTask))
		if err != nil {
			continue // a directory Prepare did not finish: Remove cleans it
		}
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("executor: %s: %w", e.Name(), err)
		}
		out = append(out, &t)
	}
	return out, nil
}

// Remove deletes a finished task's directory (after its last status was
// acknowledged).
func (r *Runner) Remove(t *Task) error { return os.RemoveAll(t.Dir) }

// Close removes the agent's parent cgroup when no task uses it any more.
func (r *Runner) Close() {
	removeEmptyParents(r.cfg.CgroupParent+"/x", "/")
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
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
