package executor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

func TestMain(m *testing.M) {
	RunShimIfRequested()
	code := m.Run()
	// Every test removes its cgroups; the shared test parent must be gone too.
	if os.Geteuid() == 0 && CgroupExists(testCgroupRoot) {
		var where []string
		for _, h := range hierarchyDirs() {
			if _, err := os.Stat(filepath.Join(h, testCgroupRoot)); err == nil {
				where = append(where, h)
			}
		}
		fmt.Fprintf(os.Stderr, "FAIL: cgroup %s left behind by the tests (in %v)\n", testCgroupRoot, where)
		code = 1
	}
	os.Exit(code)
}

// testCgroupRoot holds every test runner's cgroups.
const testCgroupRoot = "/allocsim-test"

// requireRoot skips with the precise reason when the tests cannot manage cgroups.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("executor tests create cgroups and containers: run as root (CI does)")
	}
	if CgroupMode() == "unavailable" {
		t.Skip("no cgroup filesystem at /sys/fs/cgroup")
	}
}

func requireRunc(t *testing.T) {
	t.Helper()
	requireRoot(t)
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("runc not installed (.ci/run installs it: apt-get install runc)")
	}
	if _, err := FindBusybox(); err != nil {
		t.Skip(err.Error())
	}
}

func newRunner(t *testing.T) *Runner {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	r, err := New(Config{WorkDir: dir, CgroupParent: testCgroupRoot + "/" + filepath.Base(dir) + "-" + strings.ReplaceAll(t.Name(), "/", "_"), DefaultGrace: time.Second})
	require.NoError(t, err)
	// Runs last (cleanups run last-in first-out): after every task's own
	// check and r.Close, whatever is still there — after a failure too — is removed.
	t.Cleanup(func() {
		if found := Reap(dir, r.cfg.CgroupParent); len(found) > 0 {
			if t.Failed() {
				t.Logf("removed what the failed test left:\n  %s", strings.Join(found, "\n  "))
			} else {
				t.Errorf("the test left these behind (now removed):\n  %s", strings.Join(found, "\n  "))
			}
		}
	})
	t.Cleanup(r.Close)
	return r
}

func launch(id string, cpuMilli, memMiB int64, w agentapi.Workload) *agentapi.LaunchTask {
	return &agentapi.LaunchTask{TaskID: id, FrameworkID: "fw-test",
		Resources: agentapi.Resources{CPUMilli: cpuMilli, MemMiB: memMiB}, Workload: w}
}

func startTask(t *testing.T, r *Runner, l *agentapi.LaunchTask, kind string) *Process {
	t.Helper()
	task, err := r.Prepare(l, kind)
	require.NoError(t, err)
	p, err := r.Start(task)
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			// Do not wait out a long task the failed test never stopped.
			_ = p.Kill(100 * time.Millisecond)
		}
		select {
		case <-p.Done():
			assertNothingLeft(t, p)
		case <-time.After(60 * time.Second):
			t.Errorf("task %s did not end within 60 s of the test's end; shim log:\n%s", p.Task.TaskID, shimLogOf(p))
		}
	})
	return p
}

func waitStarted(t *testing.T, p *Process) {
	t.Helper()
	require.Eventually(t, p.Started, 20*time.Second, 20*time.Millisecond, "task never started; shim log:\n%s", shimLogOf(p))
}

func waitExit(t *testing.T, p *Process) *Exit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := p.Wait(ctx)
	require.NoError(t, err, "task did not end; shim log:\n%s", shimLogOf(p))
	return e
}

// builtinWorkloadsFinish runs each built-in workload as a task of kind (ids
// prefix + workload) and checks that it exits 0 without being OOM-killed.
func builtinWorkloadsFinish(t *testing.T, r *Runner, kind, prefix string) {
	for _, w := range []agentapi.Workload{
		{Kind: agentapi.WorkloadSleep, DurationMs: 200},
		{Kind: agentapi.WorkloadCPU, DurationMs: 200},
		{Kind: agentapi.WorkloadMemory, DurationMs: 100, MemoryMiB: 16},
	} {
		t.Run(w.Kind, func(t *testing.T) {
			p := startTask(t, r, launch(prefix+w.Kind, 500, 64, w), kind)
			e := waitExit(t, p)
			assert.Equal(t, 0, e.ExitCode, "shim log:\n%s\nstderr: %s", shimLogOf(p), readSandbox(t, p, "stderr"))
			assert.False(t, e.OOMKilled)
		})
	}
}

// overMemoryExit runs a task of kind that allocates 128 MiB under a 32 MiB
// limit, checks that it was OOM-killed and returns its exit.
func overMemoryExit(t *testing.T, r *Runner, kind, id string) *Exit {
	w := agentapi.Workload{Kind: agentapi.WorkloadMemory, MemoryMiB: 128, DurationMs: 5000}
	p := startTask(t, r, launch(id, 500, 32, w), kind)
	e := waitExit(t, p)
	assert.True(t, e.OOMKilled, "exit %+v; shim log:\n%s\nstderr: %s", e, shimLogOf(p), readSandbox(t, p, "stderr"))
	return e
}

func shimLogOf(p *Process) string {
	data, _ := os.ReadFile(filepath.Join(p.Task.Dir, fileShimLog))
	return string(data)
}

func readSandbox(t *testing.T, p *Process, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(p.Task.Sandbox, name))
	require.NoError(t, err)
	return string(data)
}

// assertNothingLeft checks that a finished task left no cgroup, no
// container and no process: the shim is gone and nothing runs in its cgroup.
func assertNothingLeft(t *testing.T, p *Process) {
	t.Helper()
	<-p.Done()
	require.Empty(t, p.Exit().Leftover)
	require.False(t, CgroupExists(p.Task.CgroupPath), "cgroup %s remains", p.Task.CgroupPath)
	if p.Task.Kind == KindRunc {
		out, err := exec.Command(p.Task.Runc, "--root", p.Task.RuncRoot, "list", "-q").Output()
		require.NoError(t, err)
		require.NotContains(t, string(out), p.Task.ContainerID, "container remains")
	}
	if p.pid > 0 {
		require.True(t, procZombie(p.pid) || !pidExists(p.pid), "shim %d still running", p.pid)
	}
	// No process anywhere may still be started from this task's directory.
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		require.NotContains(t, string(env), "="+p.Task.Dir+"\x00", "process %s of the task remains", e.Name())
	}
}

func pidExists(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", itoa(pid)))
	return err == nil
}

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
