package executor

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// WorkloadEnv, when set to a task directory, makes this binary run as that
// task's workload helper (inside the task's cgroup).
const WorkloadEnv = "ALLOCSIM_EXECUTOR_WORKLOAD"

// RunShimIfRequested turns this process into a task shim or workload helper
// when the agent re-executed it for that, and never returns then. Call it
// first thing in main (and in TestMain of packages that start tasks).
func RunShimIfRequested() {
	if dir := os.Getenv(ShimEnv); dir != "" {
		os.Exit(runShim(dir))
	}
	if dir := os.Getenv(WorkloadEnv); dir != "" {
		os.Exit(runWorkload(dir))
	}
}

func shimLog(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s shim: %s\n", time.Now().UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// runShim supervises one task and records its exit. The exit is written
// only after cleanup, so "exit.json exists" means nothing is left running.
func runShim(dir string) int {
	isShim = true
	var t Task
	if err := readJSON(filepath.Join(dir, fileTask), &t); err != nil {
		shimLog("reading task: %v", err)
		return 1
	}
	// Orphans of the task (and runc's container init) become our children.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		shimLog("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	var e Exit
	switch t.Kind {
	case KindCgroup:
		e = shimCgroup(&t, sigs)
	case KindRunc:
		e = shimRunc(&t, sigs)
	default:
		e = Exit{ExitCode: -1, Error: fmt.Sprintf("unknown executor kind %q", t.Kind)}
	}
	reapOrphans()
	if left := cleanupTask(&t); left != "" {
		e.Leftover = left
	}
	if err := writeJSONAtomic(filepath.Join(dir, fileExit), &e); err != nil {
		shimLog("writing exit: %v", err)
		return 1
	}
	shimLog("task %s ended: %+v", t.TaskID, e)
	return 0
}

// openStdio opens the task's stdout and stderr files in its sandbox.
func openStdio(t *Task) (stdout, stderr *os.File, err error) {
	name := func(p, def string) string {
		if p == "" {
			return def
		}
		return p
	}
	open := func(rel string) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(t.Sandbox, rel), os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0o644)
		if err == nil {
			_ = f.Chown(sandboxOwner, sandboxOwner)
		}
		return f, err
	}
	if stdout, err = open(name(t.Workload.Stdout, "stdout")); err != nil {
		return nil, nil, err
	}
	if stderr, err = open(name(t.Workload.Stderr, "stderr")); err != nil {
		stdout.Close()
		return nil, nil, err
	}
	return stdout, stderr, nil
}

// killRequest reads the grace period the agent wrote before signalling us.
func killRequest(t *Task) time.Duration {
	var k struct {
		GraceMs int64 `json:"grace_ms"`
	}
	if readJSON(filepath.Join(t.Dir, fileKill), &k) == nil && k.GraceMs > 0 {
		return time.Duration(k.GraceMs) * time.Millisecond
	}
	return time.Duration(t.GraceMs) * time.Millisecond
}

func markStarted(t *Task, pid int) {
	_ = os.WriteFile(filepath.Join(t.Dir, fileStarted), []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

func exitFromStatus(ws syscall.WaitStatus) Exit {
	if ws.Signaled() {
		return Exit{ExitCode: 128 + int(ws.Signal()), Signal: int(ws.Signal())}
	}
	return Exit{ExitCode: ws.ExitStatus()}
}

// shimCgroup runs the workload helper in a fresh cgroup. The helper waits
// on a pipe until it has been moved into the cgroup, so not one instruction
// of the task runs unconfined (this works on v1, where clone-into-cgroup does not).
func shimCgroup(t *Task, sigs <-chan os.Signal) Exit {
	cg, err := newTaskCgroup(t.CgroupPath, t.Limits)
	if err != nil {
		return Exit{ExitCode: -1, Error: err.Error()}
	}
	stdout, stderr, err := openStdio(t)
	if err != nil {
		return Exit{ExitCode: -1, Error: err.Error()}
	}
	defer stdout.Close()
	defer stderr.Close()
	goR, goW, err := os.Pipe()
	if err != nil {
		return Exit{ExitCode: -1, Error: err.Error()}
	}
	self, err := os.Executable()
	if err != nil {
		return Exit{ExitCode: -1, Error: err.Error()}
	}
	cmd := exec.Command(self)
	cmd.Env = append([]string{WorkloadEnv + "=" + t.Dir}, taskEnv(t, t.Sandbox)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, stdout, stderr
	cmd.ExtraFiles = []*os.File{goR}
	cmd.Dir = t.Sandbox
	if t.Workload.Cwd != "" {
		cmd.Dir = filepath.Join(t.Sandbox, filepath.Clean(t.Workload.Cwd))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		goR.Close()
		goW.Close()
		return Exit{ExitCode: -1, Error: "starting task: " + err.Error()}
	}
	goR.Close()
	if err := cg.addProc(cmd.Process.Pid); err != nil {
		goW.Close() // the helper sees EOF and exits without running anything
		_ = cmd.Wait()
		return Exit{ExitCode: -1, Error: "moving task into its cgroup: " + err.Error()}
	}
	_, _ = goW.Write([]byte{1})
	goW.Close()
	markStarted(t, cmd.Process.Pid)

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var e Exit
	var killTimer <-chan time.Time
	killed := false
loop:
	for {
		select {
		case <-sigs:
			if !killed {
				killed = true
				_ = cg.signal(syscall.SIGTERM)
				killTimer = time.After(killRequest(t))
			}
		case <-killTimer:
			_ = cg.killAll()
		case <-waited:
			e = exitFromStatus(cmd.ProcessState.Sys().(syscall.WaitStatus))
			break loop
		}
	}
	e.Killed = killed
	// The main process is gone; nothing it started may outlive it.
	if err := cg.killAll(); err != nil {
		e.Leftover = err.Error()
	}
	reapOrphans()
	if n, err := OOMKills(t.CgroupPath); err == nil && n > 0 {
		e.OOMKilled = true
	}
	return e
}

// shimRunc creates and starts the container, then waits for its init
// process, which becomes our child once "runc create" exits (we are a
// subreaper) — that is how its exit status reaches us.
func shimRunc(t *Task, sigs <-chan os.Signal) Exit {
	stdout, stderr, err := openStdio(t)
	if err != nil {
		return Exit{ExitCode: -1, Error: err.Error()}
	}
	defer stdout.Close()
	defer stderr.Close()
	pidFile := filepath.Join(t.Dir, "container.pid")
	create := runcCommand(t, "create", "--bundle", filepath.Join(t.Dir, dirBundle), "--pid-file", pidFile, t.ContainerID)
	// Only *os.File stdio: the container inherits it, and a pipe would keep
	// Run waiting for the container to close it. runc's own errors go to its log.
	create.Stdout, create.Stderr = stdout, stderr
	if err := create.Run(); err != nil {
		return Exit{ExitCode: -1, Error: fmt.Sprintf("runc create: %v: %s", err, runcLogTail(t))}
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return Exit{ExitCode: -1, Error: "reading container pid: " + err.Error()}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return Exit{ExitCode: -1, Error: "container pid: " + err.Error()}
	}
	if out, err := runcCommand(t, "start", t.ContainerID).CombinedOutput(); err != nil {
		return Exit{ExitCode: -1, Error: fmt.Sprintf("runc start: %v: %s", err, strings.TrimSpace(string(out)))}
	}
	markStarted(t, pid)
	waited := make(chan syscall.WaitStatus, 1)
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				ws = syscall.WaitStatus(255 << 8) // not our child: cannot know; report 255
			}
			waited <- ws
			return
		}
	}()
	var e Exit
	var killTimer <-chan time.Time
	killed := false
loop:
	for {
		select {
		case <-sigs:
			if !killed {
				killed = true
				_ = runcCommand(t, "kill", "--all", t.ContainerID, "TERM").Run()
				killTimer = time.After(killRequest(t))
			}
		case <-killTimer:
			_ = runcCommand(t, "kill", "--all", t.ContainerID, "KILL").Run()
		case ws := <-waited:
			e = exitFromStatus(ws)
			break loop
		}
	}
	e.Killed = killed
	if n, err := OOMKills(t.CgroupPath); err == nil && n > 0 {
		e.OOMKilled = true
	}
	return e
}

func runcCommand(t *Task, args ...string) *exec.Cmd {
	return exec.Command(t.Runc, append([]string{"--root", t.RuncRoot, "--log", filepath.Join(t.Dir, "runc.log")}, args...)...)
}

// runcLogTail is the end of runc's log, for error messages.
func runcLogTail(t *Task) string {
	data, _ := os.ReadFile(filepath.Join(t.Dir, "runc.log"))
	s := strings.TrimSpace(string(data))
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// cleanupTask removes whatever a task may have left: its container (runc
// delete --force), every process in its cgroup, and the cgroup. It returns
// a description of anything that could not be removed ("" = clean).
func cleanupTask(t *Task) string {
	var left []string
	if t.Kind == KindRunc && t.Runc != "" {
		if _, err := os.Stat(filepath.Join(t.RuncRoot, t.ContainerID)); err == nil {
			_ = runcCommand(t, "kill", "--all", t.ContainerID, "KILL").Run()
			if out, err := runcCommand(t, "delete", "--force", t.ContainerID).CombinedOutput(); err != nil {
				left = append(left, fmt.Sprintf("runc delete: %v: %s", err, strings.TrimSpace(string(out))))
			}
		}
	}
	if cg, err := loadTaskCgroup(t.CgroupPath); err == nil {
		if err := cg.killAll(); err != nil {
			left = append(left, err.Error())
		}
		reapOrphans()
		if err := cg.delete(); err != nil {
			left = append(left, err.Error())
		}
	}
	// runc (v1) creates the cgroup in hierarchies we do not manage; remove those too.
	if CgroupExists(t.CgroupPath) {
		removeEmptyParents(t.CgroupPath+"/x", filepath.Dir(t.CgroupPath))
	}
	if CgroupExists(t.CgroupPath) {
		left = append(left, "cgroup "+t.CgroupPath+" still exists")
	}
	return strings.Join(left, "; ")
}

// isShim is set in the shim process; only there may we reap any child (in
// the agent, other shims are children that os/exec waits for).
var isShim bool

// reapOrphans collects exited children that were reparented to the shim.
func reapOrphans() {
	for isShim {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
