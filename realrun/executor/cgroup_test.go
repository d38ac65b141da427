package executor

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

func itoa(i int) string { return strconv.Itoa(i) }

func readCgroupFile(t *testing.T, path, controller, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(CgroupDir(path, controller), file))
	require.NoError(t, err)
	return strings.TrimSpace(string(data))
}

func TestCgroupTaskRunsWithLimits(t *testing.T) {
	requireRoot(t)
	r := newRunner(t)
	p := startTask(t, r, launch("limits", 1500, 96, agentapi.Workload{Kind: agentapi.WorkloadCommand,
		Argv: []string{"/bin/sh", "-c", "echo hello; id -u; sleep 1; exit 3"}}), KindCgroup)
	waitStarted(t, p)
	cg := p.Task.CgroupPath
	if unified() {
		assert.Equal(t, "150000 100000", readCgroupFile(t, cg, "cpu", "cpu.max"))
		assert.Equal(t, strconv.Itoa(96<<20), readCgroupFile(t, cg, "memory", "memory.max"))
		assert.Equal(t, "1024", readCgroupFile(t, cg, "pids", "pids.max"))
	} else {
		assert.Equal(t, "150000", readCgroupFile(t, cg, "cpu", "cpu.cfs_quota_us"))
		assert.Equal(t, "100000", readCgroupFile(t, cg, "cpu", "cpu.cfs_period_us"))
		assert.Equal(t, "1536", readCgroupFile(t, cg, "cpu", "cpu.shares"))
		assert.Equal(t, strconv.Itoa(96<<20), readCgroupFile(t, cg, "memory", "memory.limit_in_bytes"))
		assert.Equal(t, "1024", readCgroupFile(t, cg, "pids", "pids.max"))
	}
	procs := readCgroupFile(t, cg, "memory", "cgroup.procs")
	assert.NotEmpty(t, procs, "the task's process is not in its cgroup")
	e := waitExit(t, p)
	assert.Equal(t, 3, e.ExitCode)
	assert.False(t, e.OOMKilled)
	assert.False(t, e.Killed)
	assert.Equal(t, "hello\n65534\n", readSandbox(t, p, "stdout"))
}

func TestCgroupBuiltinWorkloadsFinish(t *testing.T) {
	requireRoot(t)
	builtinWorkloadsFinish(t, newRunner(t), KindCgroup, "builtin-")
}

func TestCgroupOverMemoryIsOOMKilled(t *testing.T) {
	requireRoot(t)
	e := overMemoryExit(t, newRunner(t), KindCgroup, "oom")
	assert.Equal(t, int(syscall.SIGKILL), e.Signal)
}

func TestCgroupKillStopsTask(t *testing.T) {
	requireRoot(t)
	r := newRunner(t)
	// The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it.
	p := startTask(t, r, launch("kill", 200, 32, agentapi.Workload{Kind: agentapi.WorkloadCommand,
		Argv: []string{"/bin/sh", "-c", "trap '' TERM; touch ready; sleep 60 & sleep 60 & wait"}}), KindCgroup)
	waitStarted(t, p)
	require.Eventually(t, func() bool { // the shell has installed its trap
		_, err := os.Stat(filepath.Join(p.Task.Sandbox, "ready"))
		return err == nil
	}, 20*time.Second, 10*time.Millisecond)
	start := time.Now()
	require.NoError(t, p.Kill(300*time.Millisecond))
	e := waitExit(t, p)
	assert.True(t, e.Killed)
	assert.False(t, e.OOMKilled)
	assert.Equal(t, int(syscall.SIGKILL), e.Signal)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "SIGKILL came before the grace period")
}

func TestCgroupDevicesOnlyAssignedGPUs(t *testing.T) {
	requireRoot(t)
	fakeDevices(t)
	r := newRunner(t)
	l := launch("devices", 200, 32, agentapi.Workload{Kind: agentapi.WorkloadCommand,
		Argv: []string{"/bin/sh", "-c", "echo x > /dev/null && sleep 0.5"}})
	l.Resources.GPUs = []agentapi.GPU{{ID: "gpu-b", Minor: 1}}
	p := startTask(t, r, l, KindCgroup)
	waitStarted(t, p)
	if unified() {
		t.Log("cgroup v2: device rules are an eBPF program (not readable back); checking /dev/null access only")
	} else {
		list := readCgroupFile(t, p.Task.CgroupPath, "devices", "devices.list")
		for _, want := range []string{"c 1:3 rwm", "c 195:1 rw", "c 195:255 rw", "c 510:0 rw"} {
			assert.Contains(t, strings.Split(list, "\n"), want)
		}
		assert.NotContains(t, list, "a *:* rwm", "all devices allowed")
		assert.NotContains(t, list, "c 195:0 ", "an unassigned GPU is allowed")
	}
	e := waitExit(t, p)
	assert.Equal(t, 0, e.ExitCode, "stderr: %s", readSandbox(t, p, "stderr"))
}
