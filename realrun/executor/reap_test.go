package executor

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Reap removes what a dead agent's tasks left: a process in a task cgroup,
// a process whose environment names a task directory (as shims' do), and
// the cgroups themselves.
func TestReapRemovesLeftovers(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	parent := testCgroupRoot + "/reap-" + filepath.Base(dir)
	t.Cleanup(func() { removeEmptyParents(parent, "/") }) // the shared test root, when empty
	cg, err := newTaskCgroup(parent+"/task-1", Limits{CPUMilli: 100, MemBytes: 64 << 20, PidsMax: 16})
	require.NoError(t, err)
	inCgroup := exec.Command("sleep", "60")
	require.NoError(t, inCgroup.Start())
	require.NoError(t, cg.addProc(inCgroup.Process.Pid))
	shimLike := exec.Command("sleep", "60")
	shimLike.Env = []string{ShimEnv + "=" + filepath.Join(dir, "tasks", "task-1")}
	require.NoError(t, shimLike.Start())
	unrelated := exec.Command("sleep", "60")
	unrelated.Env = []string{ShimEnv + "=" + dir + "-other/tasks/x"}
	require.NoError(t, unrelated.Start())
	t.Cleanup(func() { _ = unrelated.Process.Kill(); _ = unrelated.Wait() })
	shell := exec.Command("sleep", "60") // e.g. someone's shell sitting in the work dir
	shell.Env = []string{"PWD=" + filepath.Join(dir, "tasks")}
	require.NoError(t, shell.Start())
	t.Cleanup(func() { _ = shell.Process.Kill(); _ = shell.Wait() })

	found := Reap(dir, parent)
	t.Logf("found:\n  %s", strings.Join(found, "\n  "))
	for _, c := range []*exec.Cmd{inCgroup, shimLike} {
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case err := <-done:
			assert.ErrorContains(t, err, "killed")
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			t.Errorf("process %d survived Reap", c.Process.Pid)
		}
	}
	assert.False(t, CgroupExists(parent), "cgroup %s remains", parent)
	for _, c := range []*exec.Cmd{unrelated, shell} {
		assert.True(t, pidExists(c.Process.Pid) && !procZombie(c.Process.Pid), "process %v (env %v) was killed", c.Args, c.Env)
	}
	joined := strings.Join(found, "\n")
	assert.Contains(t, joined, "process")
	assert.Contains(t, joined, "task-1")
	assert.Empty(t, Reap(dir, parent), "a second Reap finds nothing")
}
