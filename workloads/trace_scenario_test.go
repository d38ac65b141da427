package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
