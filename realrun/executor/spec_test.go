package executor

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fakeDevices pretends the host has nvidia-uvm as c 510:0 (and nothing else).
func fakeDevices(t *testing.T) {
	oldLookup, oldProc := deviceLookup, procDevicesMajor
	deviceLookup = func(path string) (int64, int64, bool) {
		if path == "/dev/nvidia-uvm" {
			return 510, 0, true
		}
		return 0, 0, false
	}
	procDevicesMajor = func(string) (int64, bool) { return 0, false }
	t.Cleanup(func() { deviceLookup, procDevicesMajor = oldLookup, oldProc })
}

func specTask(gpus []agentapi.GPU) *Task {
	return &Task{Key: "t-1-abcd", TaskID: "t-1", FrameworkID: "fw", Kind: KindRunc,
		Dir: "/work/tasks/t-1-abcd", Sandbox: "/work/tasks/t-1-abcd/sandbox", CgroupPath: "/allocsim/agent/t-1-abcd",
		Limits: Limits{CPUMilli: 2500, MemBytes: 512 << 20, PidsMax: 1024}, GPUs: gpus,
		Workload: agentapi.Workload{Kind: agentapi.WorkloadSleep, DurationMs: 1500, Cwd: "work"}}
}

func TestContainerSpecGolden(t *testing.T) {
	fakeDevices(t)
	spec, err := ContainerSpec(specTask([]agentapi.GPU{{ID: "gpu-1", Minor: 1}, {ID: "gpu-3", Minor: 3}}), "/work/rootfs")
	require.NoError(t, err)
	got, err := json.MarshalIndent(spec, "", "  ")
	require.NoError(t, err)
	golden := filepath.Join("testdata", "config-2gpus.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestContainerSpecIsolation(t *testing.T) {
	fakeDevices(t)
	tests := []struct {
		name        string
		gpus        []agentapi.GPU
		wantDevices []string
		wantMinors  []int64 // allowed (major 195) minors
	}{
		{"no gpu", nil, nil, nil},
		{"one gpu", []agentapi.GPU{{ID: "g2", Minor: 2}}, []string{"/dev/nvidia2", "/dev/nvidiactl", "/dev/nvidia-uvm"}, []int64{2, 255}},
		{"two gpus", []agentapi.GPU{{ID: "g0", Minor: 0}, {ID: "g5", Minor: 5}}, []string{"/dev/nvidia0", "/dev/nvidia5", "/dev/nvidiactl", "/dev/nvidia-uvm"}, []int64{0, 5, 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ContainerSpec(specTask(tc.gpus), "/rootfs")
			require.NoError(t, err)
			var paths []string
			for _, d := range s.Linux.Devices {
				paths = append(paths, d.Path)
			}
			assert.Equal(t, tc.wantDevices, paths)
			rules := s.Linux.Resources.Devices
			require.NotEmpty(t, rules)
			assert.Equal(t, specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}, rules[0], "first rule must deny every device")
			var minors []int64
			for _, r := range rules[1:] {
				require.True(t, r.Allow)
				require.NotNil(t, r.Major, "an allow rule without a major would allow every device")
				require.NotNil(t, r.Minor)
				assert.Equal(t, "rw", r.Access)
				if *r.Major == nvidiaMajor {
					minors = append(minors, *r.Minor)
				}
			}
			assert.Equal(t, tc.wantMinors, minors)
			var ns []specs.LinuxNamespaceType
			for _, n := range s.Linux.Namespaces {
				ns = append(ns, n.Type)
			}
			assert.ElementsMatch(t, []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace}, ns)
			assert.True(t, s.Root.Readonly)
			assert.True(t, s.Process.NoNewPrivileges)
			c := s.Process.Capabilities
			assert.Empty(t, append(append(append(append(c.Bounding, c.Effective...), c.Permitted...), c.Inheritable...), c.Ambient...))
			assert.Equal(t, uint32(sandboxOwner), s.Process.User.UID)
			assert.Equal(t, int64(250000), *s.Linux.Resources.CPU.Quota)
			assert.Equal(t, int64(512<<20), *s.Linux.Resources.Memory.Limit)
			assert.Equal(t, int64(1024), *s.Linux.Resources.Pids.Limit)
			assert.Equal(t, "/sandbox/work", s.Process.Cwd)
		})
	}
}

func TestEnsureRootfs(t *testing.T) {
	if _, err := FindBusybox(); err != nil {
		t.Skip(err.Error())
	}
	dir := filepath.Join(t.TempDir(), "rootfs")
	require.NoError(t, EnsureRootfs(dir))
	for _, p := range []string{"bin/busybox", "bin/sh", "bin/sleep", "bin/awk", "etc/passwd", "proc", "sandbox"} {
		_, err := os.Lstat(filepath.Join(dir, p))
		assert.NoError(t, err, p)
	}
	target, err := os.Readlink(filepath.Join(dir, "bin", "sh"))
	require.NoError(t, err)
	assert.Equal(t, "busybox", target)
	st1, err := os.Stat(filepath.Join(dir, rootfsStamp))
	require.NoError(t, err)
	require.NoError(t, EnsureRootfs(dir)) // second call keeps the built root
	st2, err := os.Stat(filepath.Join(dir, rootfsStamp))
	require.NoError(t, err)
	assert.Equal(t, st1.ModTime(), st2.ModTime())
}

func TestReattachAfterAgentRestart(t *testing.T) {
	requireRoot(t)
	r := newRunner(t)
	p := startTask(t, r, launch("reattach", 200, 32, agentapi.Workload{Kind: agentapi.WorkloadCommand,
		Argv: []string{"/bin/sh", "-c", "sleep 1; exit 5"}}), KindCgroup)
	waitStarted(t, p)
	// A restarted agent: a new Runner on the same work dir finds the task and its shim.
	r2, err := New(r.Config())
	require.NoError(t, err)
	tasks, err := r2.LoadTasks()
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	assert.Equal(t, "reattach", tasks[0].TaskID)
	p2, err := r2.Reattach(tasks[0])
	require.NoError(t, err)
	assert.True(t, p2.Started())
	e := waitExit(t, p2)
	assert.Equal(t, 5, e.ExitCode)
	assert.Equal(t, 5, waitExit(t, p).ExitCode)
}

func TestReattachToDeadShimCleansUp(t *testing.T) {
	requireRoot(t)
	r := newRunner(t)
	p := startTask(t, r, launch("deadshim", 200, 32, agentapi.Workload{Kind: agentapi.WorkloadSleep, DurationMs: 60000}), KindCgroup)
	waitStarted(t, p)
	require.NoError(t, syscallKill(p.pid)) // the shim dies (SIGKILL); its task keeps running
	<-p.Done()
	e := p.Exit()
	assert.Contains(t, e.Error, "shim")
	assert.Empty(t, e.Leftover)
	assert.False(t, CgroupExists(p.Task.CgroupPath))
}

func TestPrepareRefusesPathsOutsideTheSandbox(t *testing.T) {
	r, err := New(Config{WorkDir: t.TempDir(), Self: "/bin/true"})
	require.NoError(t, err)
	for _, w := range []agentapi.Workload{
		{Kind: agentapi.WorkloadSleep, Cwd: "../../etc"},
		{Kind: agentapi.WorkloadSleep, Stdout: "/etc/passwd"},
		{Kind: agentapi.WorkloadSleep, Stderr: "a/../../b"},
	} {
		_, err := r.Prepare(launch("escape", 100, 16, w), KindCgroup)
		require.Error(t, err, "%+v accepted", w)
		assert.Contains(t, err.Error(), "sandbox")
	}
	_, err = r.Prepare(launch("../escape", 100, 16, agentapi.Workload{Kind: agentapi.WorkloadSleep}), KindCgroup)
	assert.ErrorContains(t, err, "task_id")
	entries, err := os.ReadDir(filepath.Join(r.Config().WorkDir, "tasks"))
	require.NoError(t, err)
	assert.Empty(t, entries, "a refused task left a directory")
}
