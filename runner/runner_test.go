package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T, name string) *workloads.Scenario {
	t.Helper()
	s, err := workloads.Load(filepath.Join("testdata", name))
	require.NoError(t, err)
	return s
}

func files(t *testing.T, dir string, names ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// TestDeterminism: the same scenario and seed give byte-identical
// summary.json and tasks.parquet; another seed changes both.
func TestDeterminism(t *testing.T) {
	s := load(t, "small.yaml")
	run := func(seed uint64, set bool) [][]byte {
		dir := t.TempDir()
		res, err := Run(s, Options{Out: dir, Seed: seed, SeedSet: set, Version: "test"})
		require.NoError(t, err)
		require.Positive(t, res.Stats.Counters.Launched)
		return files(t, dir, reports.SummaryFile, "tasks.parquet")
	}
	a, b := run(0, false), run(0, false)
	assert.True(t, bytes.Equal(a[0], b[0]), "summary.json differs between two runs with the same seed")
	assert.True(t, bytes.Equal(a[1], b[1]), "tasks.parquet differs between two runs with the same seed")
	same := run(s.Seed, true)
	assert.True(t, bytes.Equal(a[1], same[1]), "--seed equal to the scenario's seed changes the run")
	c := run(s.Seed+1, true)
	assert.False(t, bytes.Equal(a[0], c[0]), "summary.json does not depend on the seed")
	assert.False(t, bytes.Equal(a[1], c[1]), "tasks.parquet does not depend on the seed")
}

// TestSmallRun checks a run's figures against each other and the files it
// writes.
func TestSmallRun(t *testing.T) {
	dir := t.TempDir()
	res, err := Run(load(t, "small.yaml"), Options{Out: dir})
	require.NoError(t, err)
	st := res.Stats
	c := st.Counters
	assert.Equal(t, 30*allocator.Minute, st.End)
	assert.Equal(t, 200, res.Nodes)
	// Every attempt is accounted for: ended, or still pending/running.
	var ended int64
	for _, n := range c.Ended {
		ended += n
	}
	assert.Equal(t, c.Submitted, ended+st.Running, "unscheduled attempts are counted as ended at the stop")
	assert.Equal(t, c.Launched, st.Running+c.Ended[allocator.OutcomeFinished])
	assert.Positive(t, st.Pending, "the small scenario is meant to queue")
	s := res.Summary
	require.NotNil(t, s)
	assert.Equal(t, c.Submitted, s.Tasks.Attempts)
	assert.Positive(t, s.Tasks.WaitS.Mean)
	assert.InDelta(t, 0.9, s.AllocMeanFrac.CPU, 0.1)
	for _, f := range []string{"summary.json", "tasks.parquet", "timeseries.parquet", "cycles.parquet"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	var out bytes.Buffer
	require.NoError(t, WriteSummary(&out, res))
	for _, want := range []string{"tasks placed", "wait", "allocation (mean)", "events/s", "wall time", dir} {
		assert.Contains(t, out.String(), want)
	}
}

func TestNoMetricsWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res, err := Run(load(t, "small.yaml"), Options{Out: dir, NoMetrics: true})
	require.NoError(t, err)
	assert.Nil(t, res.Summary)
	assert.NoDirExists(t, dir)
	assert.Positive(t, res.Stats.Counters.Launched)
}

func TestOutDir(t *testing.T) {
	s := &workloads.Scenario{Name: "x"}
	assert.Equal(t, filepath.Join("out", "x"), OutDir(s, Options{}))
	s.Outputs.Dir = "res/x"
	assert.Equal(t, "res/x", OutDir(s, Options{}))
	assert.Equal(t, "/tmp/y", OutDir(s, Options{Out: "/tmp/y"}))
}

func TestGroup(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		assert.Equal(t, want, group(in))
	}
}

// TestMillionTasksInFlight: 1,000,000 tasks running at once on 33,000 nodes,
// with the reports collector on, stays under 2 GiB resident (the peak RSS of
// this test process, VmHWM, which includes everything run before it).
func TestMillionTasksInFlight(t *testing.T) {
	res, err := Run(load(t, "million.yaml"), Options{Out: t.TempDir()})
	require.NoError(t, err)
	require.EqualValues(t, 1_000_000, res.Stats.Running)
	require.Equal(t, 33000, res.Nodes)
	hwm, err := peakRSS()
	if err != nil {
		t.Skipf("no peak RSS on this system: %v", err)
	}
	t.Logf("peak RSS %.0f MiB with %d tasks running on %d nodes", float64(hwm)/(1<<20), res.Stats.Running, res.Nodes)
	assert.Less(t, hwm, int64(2<<30))
}

// peakRSS reads the process's peak resident set size (Linux VmHWM).
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, os.ErrNotExist
}

// Runs whose attempts may end early (failures, a trace's machine events,
// preemption) write no rows ahead; others do.
func TestEndsEarly(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(s *workloads.Scenario)
		want bool
	}{
		{"plain", func(*workloads.Scenario) {}, false},
		{"failures", func(s *workloads.Scenario) {
			s.Failures = &workloads.FailureSpec{MTBF: workloads.Duration(allocator.Hour), MTTR: workloads.Duration(allocator.Minute)}
		}, true},
		{"preemption", func(s *workloads.Scenario) { s.Allocator.Params = map[string]any{"preemption": true} }, true},
		{"preemption off", func(s *workloads.Scenario) { s.Allocator.Params = map[string]any{"preemption": false} }, false},
		{"trace machines", func(s *workloads.Scenario) { s.Workload.Trace = &workloads.TraceSpec{Machines: true} }, true},
		{"trace without machines", func(s *workloads.Scenario) { s.Workload.Trace = &workloads.TraceSpec{} }, false},
	} {
		s := load(t, "small.yaml")
		tc.edit(s)
		assert.Equal(t, tc.want, endsEarly(s), tc.name)
	}
}
