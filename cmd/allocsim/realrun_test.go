package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

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
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"run", "--quiet", "--no-report", "--out", simDir, scenario}, &stdout, &stderr), stderr.String())

	args := []string{"realrun", "--no-report", "--out", realDir}
	execs, err := replay.LocalExecutors()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the replay on real agents: %v", err)
		}
		t.Logf("replaying on emulated agents: %v", err)
		args = append(args, "--agents", "emulated")
	} else {
		// The scenario says procs=cgroup, containers=runc.
		args = append(args, "--agents", "local")
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
