package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// tracesDir finds the shared real traces: $ALLOCSIM_TRACES or ../../shared/traces.
func tracesDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ALLOCSIM_TRACES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "traces")
	}
	if _, err := os.Stat(filepath.Join(dir, "google-2011")); err != nil {
		t.Skipf("real traces not found at %s (set ALLOCSIM_TRACES): %v", dir, err)
	}
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	return abs
}

// TestTraceScenarioGoogle2011 runs the trace section end to end on the real
// Google 2011 trace: the example scenario's source yields the trace's
// machines first, then tasks mapped to frameworks by priority.
func TestTraceScenarioGoogle2011(t *testing.T) {
	dir := tracesDir(t)
	data, err := os.ReadFile("../examples/google2011-trace.yaml")
	require.NoError(t, err)
	doc := strings.Replace(string(data), "path: ../../shared/traces/google-2011", "path: "+filepath.Join(dir, "google-2011"), 1)
	s, err := Parse("google2011-trace.yaml", []byte(doc))
	require.NoError(t, err)
	cfg, err := s.SimConfig()
	require.NoError(t, err)
	var machines, tasks int
	fws := map[string]int{}
	for range 50_000 {
		in, err := cfg.Source.Next()
		require.NoError(t, err)
		switch in.Kind {
		case sim.InputAgentAdd:
			machines++
		case sim.InputTask:
			tasks++
			fws[s.Frameworks[in.Task.Framework].Name]++
			if in.Task.Priority >= 9 {
				require.Equal(t, "prod", s.Frameworks[in.Task.Framework].Name)
			}
		}
	}
	// The 2011 cell starts with 12,477 machines (traces/README.md).
	assert.InDelta(t, 12477, machines, 100)
	assert.Positive(t, fws["prod"])
	assert.Positive(t, fws["batch"])
}

// TestTraceScenarioMissingPath: a bad trace path is an error naming the
// scenario file and line.
func TestTraceScenarioMissingPath(t *testing.T) {
	data, err := os.ReadFile("../examples/google2011-trace.yaml")
	require.NoError(t, err)
	s, err := Parse("/nonexistent/dir/g.yaml", data)
	require.NoError(t, err)
	_, err = s.SimConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/nonexistent/dir/g.yaml:20: workload.trace.path: trace replay: ")
	assert.Contains(t, err.Error(), "no such file or directory")
}

// TestTraceSeedFollowsScenario: trace.seed 0 means the scenario's seed as
// the run is built (so --seed reaches the trace sampler); a given seed stays.
func TestTraceSeedFollowsScenario(t *testing.T) {
	saved := traceSourceFunc
	defer func() { traceSourceFunc = saved }()
	var got uint64
	traceSourceFunc = func(s *Scenario, _ *allocator.Cluster) (sim.Source, error) {
		got = s.Workload.Trace.Seed
		return &sim.SliceSource{}, nil
	}
	dir := t.TempDir()
	doc := func(seedLine string) []byte {
		return []byte(`seed: 5
horizon: 1h
cluster: {node_classes: [{name: a, count: 1, cpu: 1, mem: 1GiB}]}
roles: [{name: r}]
frameworks: [{name: f, role: r}]
workload:
  trace: {format: google2011, path: ., ` + seedLine + `map: [{framework: f}]}
`)
	}
	s, err := Parse(filepath.Join(dir, "t.yaml"), doc(""))
	require.NoError(t, err)
	s.Seed = 99 // as runner does for --seed
	_, err = s.SimConfig()
	require.NoError(t, err)
	assert.Equal(t, uint64(99), got)
	assert.Equal(t, uint64(0), s.Workload.Trace.Seed, "the scenario itself is not changed")

	s, err = Parse(filepath.Join(dir, "t.yaml"), doc("seed: 3, "))
	require.NoError(t, err)
	_, err = s.SimConfig()
	require.NoError(t, err)
	assert.Equal(t, uint64(3), got)
}

// Precheck finds a trace scenario's errors without reading the trace: a
// missing path, an unknown placement, a bad allocator parameter; and
// passes an empty folder it never opens.
func TestPrecheckTraceScenario(t *testing.T) {
	dir := t.TempDir()
	doc := func(path, fwPlacement, params string) []byte {
		return []byte("name: t\nhorizon: 1h\ncluster: {node_classes: []}\nroles: [{name: r}]\n" +
			"frameworks: [{name: f, role: r" + fwPlacement + "}]\n" +
			"workload: {trace: {format: google2011, path: " + path + ", machines: true, " +
			"machine_shape: {cpu: 32, mem: 128GiB, disk: 1TiB}, map: [{framework: f}]}}\n" +
			"allocator: {name: monolithic, params: " + params + "}\n")
	}
	for _, c := range []struct {
		doc  []byte
		want string
	}{
		{doc(dir, "", "{}"), ""},
		{doc(filepath.Join(dir, "nope"), "", "{}"), "t.yaml:6: workload.trace.path: trace replay: stat"},
		{doc(dir, ", placement: tidy", "{}"), `frameworks[0].placement: unknown placement policy "tidy"`},
		{doc(dir, "", "{preemption: 1}"), `t.yaml:7: allocator.params: monolithic: parameter "preemption": want true or false`},
	} {
		s, err := Parse("t.yaml", c.doc)
		require.NoError(t, err)
		err = s.Precheck()
		if c.want == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, c.want)
		}
	}
}
