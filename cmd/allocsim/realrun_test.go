package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/allocsim/allocsim/realrun/realruntest"
	"github.com/allocsim/allocsim/realrun/replay"
	"github.com/allocsim/allocsim/reports"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The same small scenario simulated (`allocsim run`) and replayed for real
// (`allocsim realrun`: real master, 4 local agents running cgroup processes
// and runc containers) places the same number of tasks, and `allocsim
// report compare` shows wait and utilisation for both. Without root (or
// cgroups) the replay uses emulated agents, and says so.
func TestRealrunMatchesSimulation(t *testing.T) {
	scenario := filepath.Join("..", "..", "examples", "realrun-small.yaml")
	dir := t.TempDir()
	simDir, realDir, cmpDir := filepath.Join(dir, "sim"), filepath.Join(dir, "real"), filepath.Join(dir, "cmp")
	workDir := filepath.Join(dir, "agents")
	// The replay takes ~25 s; its own --timeout reports a stuck replay with
	// the frameworks' state, and the deadline catches anything stuck beyond.
	realruntest.Deadline(t, 5*time.Minute)
	realruntest.Reap(t, workDir)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"run", "--quiet", "--no-report", "--out", simDir, scenario}, &stdout, &stderr), stderr.String())

	args := []string{"realrun", "--no-report", "--timeout", "3m", "--out", realDir}
	execs, err := replay.LocalExecutors()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the replay on real agents: %v", err)
		}
		t.Logf("replaying on emulated agents: %v", err)
		args = append(args, "--agents", "emulated")
	} else {
		// The scenario says procs=cgroup, containers=runc.
		args = append(args, "--agents", "local", "--work-dir", workDir)
		if !slices.Contains(execs, "runc") {
			if os.Getenv("CI") != "" {
				t.Fatal("CI installs runc and busybox-static: the runc executor must be available")
			}
			t.Log("runc or busybox-static missing: both frameworks use the cgroup executor")
			args = append(args, "--executor", "containers=cgroup")
		}
	}
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, Main(append(args, scenario), &stdout, &stderr), stderr.String())
	t.Log(stdout.String())

	if execs != nil {
		assertNothingLeft(t, workDir)
	}

	sim, err := reports.ReadSummary(simDir)
	require.NoError(t, err)
	real, err := reports.ReadSummary(realDir)
	require.NoError(t, err)
	assert.Equal(t, int64(200), sim.Tasks.Started)
	assert.Equal(t, sim.Tasks.Started, real.Tasks.Started, "same number of tasks placed")
	assert.Equal(t, sim.Tasks.Outcomes, real.Tasks.Outcomes)

	stdout.Reset()
	require.Equal(t, 0, Main([]string{"report", "compare", "--out", cmpDir, simDir, realDir}, &stdout, &stderr), stderr.String())
	md, err := os.ReadFile(filepath.Join(cmpDir, "compare.md"))
	require.NoError(t, err)
	num := `[-+0-9.e]+`
	for _, row := range []string{"attempts started", "wait p50 \\(s\\)", "wait p99 \\(s\\)", "CPU allocated, mean \\(%\\)", "memory allocated, mean \\(%\\)"} {
		assert.Regexp(t, regexp.MustCompile(`\| `+row+` \| `+num+` \| `+num+` \|`), string(md), "compare.md row %q", row)
	}
	t.Logf("simulated: wait p50 %.3f s, CPU allocated %.1f%%; real: wait p50 %.3f s, CPU allocated %.1f%%",
		sim.Tasks.WaitS.P50, 100*sim.AllocMeanFrac.CPU, real.Tasks.WaitS.P50, 100*real.AllocMeanFrac.CPU)
}

// assertNothingLeft: after the replay no task process runs (shims and tasks
// carry their task directory, under the agents' work dir, in their
// environment) and no runc container of the agents remains.
func assertNothingLeft(t *testing.T, workDir string) {
	t.Helper()
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		env, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ"))
		if err == nil && bytes.Contains(env, []byte("="+workDir)) {
			t.Errorf("process %s of a replayed task remains", p.Name())
		}
	}
	if rc, err := exec.LookPath("runc"); err == nil {
		roots, _ := filepath.Glob(filepath.Join(workDir, "*", "runc"))
		for _, root := range roots {
			out, err := exec.Command(rc, "--root", root, "list", "-q").Output()
			if err == nil {
				assert.Empty(t, strings.TrimSpace(string(out)), "runc containers remain under %s", root)
			}
		}
	}
}
