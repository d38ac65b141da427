package agent

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"github.com/allocsim/allocsim/realrun/realruntest"
)

// childAgentEnv makes the test binary run an agent (for the SIGKILL test).
const childAgentEnv = "ALLOCSIM_TEST_CHILD_AGENT"

func TestMain(m *testing.M) {
	executor.RunShimIfRequested()
	if cfg := os.Getenv(childAgentEnv); cfg != "" {
		os.Exit(runChildAgent(cfg))
	}
	os.Exit(m.Run())
}

func runChildAgent(cfgJSON string) int {
	var cfg Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		log.Print(err)
		return 2
	}
	cfg.Log = log.New(os.Stderr, "child agent: ", log.Lmicroseconds)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg); err != nil {
		log.Print(err)
		return 1
	}
	return 0
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("agent tests run tasks in cgroups: run as root (CI does)")
	}
	if executor.CgroupMode() == "unavailable" {
		t.Skip("no cgroup filesystem at /sys/fs/cgroup")
	}
}

func testConfig(t *testing.T, m *fakeMaster) Config {
	realruntest.Deadline(t, 3*time.Minute)
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	realruntest.Reap(t, dir)
	execs := []string{executor.KindCgroup}
	if _, err := exec.LookPath("runc"); err == nil {
		if _, err := executor.FindBusybox(); err == nil {
			execs = append(execs, executor.KindRunc)
		}
	}
	return Config{MasterURL: m.URL(), Token: testToken, WorkDir: dir, Hostname: "test-host", Executors: execs,
		Resources: agentapi.Resources{CPUMilli: 2000, MemMiB: 1024, DiskMiB: 1024, Ports: DefaultPorts},
		PollWait:  2 * time.Second, StatusRetry: 100 * time.Millisecond, CleanupOnExit: true,
		Executor: executor.Config{DefaultGrace: 500 * time.Millisecond},
		Log:      log.New(os.Stderr, "agent: ", log.Lmicroseconds)}
}

// startAgent runs an agent until the test ends, then checks it left nothing.
func startAgent(t *testing.T, cfg Config) *Agent {
	a, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(90 * time.Second):
			t.Error("agent did not stop")
		}
		assertAgentLeftNothing(t, a)
	})
	require.Eventually(t, func() bool { return a.ID() != "" }, 10*time.Second, 10*time.Millisecond, "agent never registered")
	return a
}

// assertAgentLeftNothing: no task directory, no cgroup under the agent's
// parent, no runc container, no process started for one of its tasks.
func assertAgentLeftNothing(t *testing.T, a *Agent) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(a.cfg.WorkDir, "tasks"))
	require.NoError(t, err)
	assert.Empty(t, entries, "task directories remain")
	assert.False(t, executor.CgroupExists(a.runner.Config().CgroupParent), "agent cgroup %s remains", a.runner.Config().CgroupParent)
	if rc, err := exec.LookPath("runc"); err == nil {
		out, err := exec.Command(rc, "--root", filepath.Join(a.cfg.WorkDir, "runc"), "list", "-q").Output()
		if err == nil {
			assert.Empty(t, string(out), "runc containers remain")
		}
	}
	assertNoProcessUnder(t, a.cfg.WorkDir)
}

// assertNoProcessUnder fails if a process's environment names a task
// directory under dir (shims and task processes carry it).
func assertNoProcessUnder(t *testing.T, dir string) {
	t.Helper()
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		env, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ"))
		if err != nil {
			continue
		}
		assert.NotContains(t, string(env), "="+filepath.Join(dir, "tasks"), "process %s of a task remains", p.Name())
	}
}

func launchCmd(id, kind string, memMiB int64, w agentapi.Workload) agentapi.Command {
	return agentapi.Command{Type: agentapi.CommandLaunch, Launch: &agentapi.LaunchTask{TaskID: id, FrameworkID: "fw-1",
		Executor: kind, Resources: agentapi.Resources{CPUMilli: 500, MemMiB: memMiB}, Workload: w}}
}

func sh(script string) agentapi.Workload {
	return agentapi.Workload{Kind: agentapi.WorkloadCommand, Argv: []string{"/bin/sh", "-c", script}}
}

func TestAgentTaskLifecycles(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name     string
		kind     string
		memMiB   int64
		work     agentapi.Workload
		kill     bool
		state    string
		reason   string
		exitCode int
	}{
		{"cgroup finishes", executor.KindCgroup, 64, sh("sleep 0.2; exit 0"), false, mesosapi.TaskFinished, "", 0},
		{"cgroup fails with its exit code", executor.KindCgroup, 64, sh("exit 4"), false, mesosapi.TaskFailed, agentapi.ReasonCommandFailed, 4},
		{"cgroup over memory", executor.KindCgroup, 32, agentapi.Workload{Kind: agentapi.WorkloadMemory, MemoryMiB: 128, DurationMs: 5000}, false, mesosapi.TaskFailed, agentapi.ReasonMemoryLimit, 137},
		{"cgroup killed", executor.KindCgroup, 64, agentapi.Workload{Kind: agentapi.WorkloadSleep, DurationMs: 60000}, true, mesosapi.TaskKilled, "", 143},
		{"runc finishes", executor.KindRunc, 64, sh("sleep 0.2"), false, mesosapi.TaskFinished, "", 0},
		{"runc fails with its exit code", executor.KindRunc, 64, sh("exit 3"), false, mesosapi.TaskFailed, agentapi.ReasonCommandFailed, 3},
		{"runc over memory", executor.KindRunc, 32, agentapi.Workload{Kind: agentapi.WorkloadMemory, MemoryMiB: 128, DurationMs: 5000}, false, mesosapi.TaskFailed, agentapi.ReasonMemoryLimit, 137},
		{"runc killed", executor.KindRunc, 64, sh("trap 'exit 0' TERM; touch ready; while :; do sleep 0.1; done"), true, mesosapi.TaskKilled, "", 0},
	}
	m := newFakeMaster(t)
	cfg := testConfig(t, m)
	a := startAgent(t, cfg)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kind == executor.KindRunc && len(cfg.Executors) < 2 {
				t.Skip("runc or busybox-static not installed (.ci/run installs both)")
			}
			id := "task-" + string(rune('a'+i))
			m.send(launchCmd(id, tc.kind, tc.memMiB, tc.work))
			if tc.kill {
				m.waitState(t, id, mesosapi.TaskRunning, 20*time.Second)
				if tc.kind == executor.KindRunc { // wait until the shell has installed its trap
					ready := filepath.Join(cfg.WorkDir, "tasks", executor.TaskKey("fw-1", id), "sandbox", "ready")
					require.Eventually(t, func() bool { _, err := os.Stat(ready); return err == nil }, 20*time.Second, 10*time.Millisecond)
				}
				m.send(agentapi.Command{Type: agentapi.CommandKill, Kill: &agentapi.KillTask{TaskID: id, GracePeriodMs: 2000}})
			}
			final := m.final(t, id, 30*time.Second)
			assert.Equal(t, tc.state, final.State, "message: %s", final.Message)
			assert.Equal(t, tc.reason, final.Reason)
			require.NotNil(t, final.ExitCode)
			assert.Equal(t, tc.exitCode, *final.ExitCode)
			if tc.reason == agentapi.ReasonMemoryLimit {
				assert.Contains(t, final.Message, "memory limit exceeded")
			}
			assert.Equal(t, []string{mesosapi.TaskStarting, mesosapi.TaskRunning, tc.state}, m.states(id))
			// Acknowledged ⇒ forgotten: directory, cgroup and container gone.
			key := executor.TaskKey("fw-1", id)
			require.Eventually(t, func() bool {
				_, err := os.Stat(filepath.Join(cfg.WorkDir, "tasks", key))
				return os.IsNotExist(err)
			}, 10*time.Second, 20*time.Millisecond)
			assert.False(t, executor.CgroupExists(a.runner.Config().CgroupParent+"/"+key))
			assertNoProcessUnder(t, cfg.WorkDir)
		})
	}
}

func TestAgentLaunchDeliveredTwiceRunsOnce(t *testing.T) {
	requireRoot(t)
	m := newFakeMaster(t)
	cfg := testConfig(t, m)
	startAgent(t, cfg)
	c := launchCmd("once", executor.KindCgroup, 32, sh("sleep 1"))
	m.send(c)
	m.send(c) // a second delivery while the task runs
	m.final(t, "once", 20*time.Second)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, []string{mesosapi.TaskStarting, mesosapi.TaskRunning, mesosapi.TaskFinished}, m.states("once"))
	// Once the task is over and forgotten, the id may be launched again.
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(cfg.WorkDir, "tasks", executor.TaskKey("fw-1", "once")))
		return os.IsNotExist(err)
	}, 10*time.Second, 10*time.Millisecond)
	m.send(launchCmd("once", executor.KindCgroup, 32, sh("exit 0")))
	require.Eventually(t, func() bool { return len(m.states("once")) == 6 }, 20*time.Second, 20*time.Millisecond, "%v", m.states("once"))
}

func TestAgentWrongTokenIsRefused(t *testing.T) {
	m := newFakeMaster(t)
	cfg := testConfig(t, m)
	cfg.Token = "wrong"
	err := Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401")
}

// The master restarts (losing its state) while a task runs and ends: the
// agent keeps its final update, re-registers with the same id listing the
// task, and delivers the update; the master acknowledges late (as a
// framework's acknowledgement arrives), by command.
func TestAgentStatusSurvivesMasterRestart(t *testing.T) {
	requireRoot(t)
	m := newFakeMaster(t)
	m.lateAck = true
	a := startAgent(t, testConfig(t, m))
	firstID := a.ID()
	m.send(launchCmd("survivor", executor.KindCgroup, 32, sh("sleep 1; exit 6")))
	m.waitState(t, "survivor", mesosapi.TaskRunning, 20*time.Second)
	m.restart(t, 2*time.Second) // the task ends while the master is down
	final := m.final(t, "survivor", 30*time.Second)
	assert.Equal(t, mesosapi.TaskFailed, final.State)
	require.NotNil(t, final.ExitCode)
	assert.Equal(t, 6, *final.ExitCode)
	reg := m.lastRegister()
	assert.Equal(t, firstID, reg.AgentID, "the agent must keep its id across a master restart")
	require.Len(t, reg.Tasks, 1)
	assert.Equal(t, "survivor", reg.Tasks[0].TaskID)
	assert.GreaterOrEqual(t, m.registerCount(), 2)
}

// An agent killed with SIGKILL leaves its tasks running under their shims;
// the agent restarted on the same work dir re-registers with the same id,
// lists the tasks, and reports how each ended, with its exit code.
func TestAgentSIGKILLAndRestartRecoversTasks(t *testing.T) {
	requireRoot(t)
	m := newFakeMaster(t)
	cfg := testConfig(t, m)
	cfg.CleanupOnExit = false
	cfg.Log = nil
	child := func() *exec.Cmd {
		data, err := json.Marshal(cfg)
		require.NoError(t, err)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// Dies with the test binary (e.g. when a realruntest.Deadline ends it).
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		cmd.Env = append(os.Environ(), childAgentEnv+"="+string(data))
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		// Also when the test fails before it stops the agent itself.
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	first := child()
	m.send(launchCmd("long", executor.KindCgroup, 32, sh("sleep 2; exit 9")))
	m.send(launchCmd("short", executor.KindCgroup, 32, sh("exit 0")))
	m.waitState(t, "long", mesosapi.TaskRunning, 20*time.Second)
	m.final(t, "short", 20*time.Second)
	require.Eventually(t, func() bool { // its acknowledgement has been processed
		_, err := os.Stat(filepath.Join(cfg.WorkDir, "tasks", executor.TaskKey("fw-1", "short")))
		return os.IsNotExist(err)
	}, 10*time.Second, 10*time.Millisecond)
	firstID := m.lastRegister().AgentID
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_, _ = first.Process.Wait()

	second := child()
	t.Cleanup(func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_, _ = second.Process.Wait()
	})
	require.Eventually(t, func() bool { return m.registerCount() >= 2 }, 20*time.Second, 20*time.Millisecond)
	reg := m.lastRegister()
	assert.Equal(t, firstID, reg.AgentID)
	require.Len(t, reg.Tasks, 1, "the restarted agent must list the task it still runs")
	assert.Equal(t, "long", reg.Tasks[0].TaskID)
	assert.Equal(t, mesosapi.TaskRunning, reg.Tasks[0].State)
	final := m.final(t, "long", 30*time.Second)
	assert.Equal(t, mesosapi.TaskFailed, final.State)
	require.NotNil(t, final.ExitCode)
	assert.Equal(t, 9, *final.ExitCode)
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(filepath.Join(cfg.WorkDir, "tasks"))
		return len(entries) == 0
	}, 10*time.Second, 20*time.Millisecond, "the finished task's directory remains: %v", lsTasks(cfg.WorkDir))
	require.NoError(t, second.Process.Signal(syscall.SIGTERM))
	_, _ = second.Process.Wait()
	assertNoProcessUnder(t, cfg.WorkDir)
}

func lsTasks(dir string) []string {
	var out []string
	entries, _ := os.ReadDir(filepath.Join(dir, "tasks"))
	for _, e := range entries {
		files, _ := os.ReadDir(filepath.Join(dir, "tasks", e.Name()))
		for _, f := range files {
			out = append(out, e.Name()+"/"+f.Name())
		}
	}
	return out
}

func TestAgentShutdownKillsTasksAndReturns(t *testing.T) {
	requireRoot(t)
	m := newFakeMaster(t)
	cfg := testConfig(t, m)
	cfg.CleanupOnExit = false // SHUTDOWN cleans up regardless
	a, err := New(cfg)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()
	m.send(launchCmd("doomed", executor.KindCgroup, 32, agentapi.Workload{Kind: agentapi.WorkloadSleep, DurationMs: 60000}))
	m.waitState(t, "doomed", mesosapi.TaskRunning, 20*time.Second)
	m.send(agentapi.Command{Type: agentapi.CommandShutdown})
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("agent did not stop on SHUTDOWN")
	}
	final := m.final(t, "doomed", time.Second)
	assert.Equal(t, mesosapi.TaskKilled, final.State)
	assertAgentLeftNothing(t, a)
}
