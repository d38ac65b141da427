package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func sharedTraces(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("ALLOCSIM_TRACES"); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../../shared/traces")
	if _, err := os.Stat(d); err != nil {
		t.Skip("real traces not found: set ALLOCSIM_TRACES or place them at ../shared/traces from the repo root")
	}
	return d
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

// convert → info on the canonical output gives the same summary as info on
// the source; sample gives a smaller trace; --json is machine-readable.
func TestTraceConvertInfoSample(t *testing.T) {
	src := filepath.Join(sharedTraces(t), "alibaba-gpu-v2023", "openb_pod_list_default.csv")
	dir := t.TempDir()
	conv := filepath.Join(dir, "canon")
	out, stderr, code := runCLI(t, "trace", "convert", "--format", "openb", src, "-o", conv)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "1213 machine events, 8152 tasks")

	info := func(args ...string) map[string]any {
		out, stderr, code := runCLI(t, append([]string{"trace", "info", "--json"}, args...)...)
		require.Equal(t, 0, code, stderr)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m))
		return m
	}
	a, b := info(src), info(conv)
	require.EqualValues(t, 1213, a["machines_at_time_0"])
	require.EqualValues(t, 6212, a["gpus_at_time_0"])
	require.EqualValues(t, 8152, a["tasks"])
	for _, k := range []string{"machines_at_time_0", "capacity_at_time_0", "tasks", "jobs", "request_total", "request_quantiles", "outcomes", "first_time_us", "last_time_us"} {
		require.Equal(t, a[k], b[k], k)
	}
	require.Equal(t, "canonical", b["format"])

	smp := filepath.Join(dir, "sample")
	_, stderr, code = runCLI(t, "trace", "sample", conv, "-o", smp, "--every", "4", "--seed", "3")
	require.Equal(t, 0, code, stderr)
	c := info(smp)
	require.Less(t, c["tasks"].(float64), 8152.0/2)
	require.Greater(t, c["tasks"].(float64), 8152.0/8)

	text, _, code := runCLI(t, "trace", "info", src)
	require.Equal(t, 0, code)
	require.Contains(t, text, "machines at time 0   1213")
}

func TestTraceInfoGoogle2011Machines(t *testing.T) {
	src := filepath.Join(sharedTraces(t), "google-2011")
	out, stderr, code := runCLI(t, "trace", "info", "--max-parts", "1", src, "--json")
	require.Equal(t, 0, code, stderr)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	require.EqualValues(t, 12477, m["machines_at_time_0"])
	ev := m["machine_events"].(map[string]any)
	require.EqualValues(t, 21443, ev["add"])
	require.EqualValues(t, 8957, ev["remove"])
	require.EqualValues(t, 7380, ev["update"])
}

func TestTraceUsageErrors(t *testing.T) {
	_, stderr, code := runCLI(t, "trace", "convert", "x")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "Usage: allocsim trace convert")
	_, stderr, code = runCLI(t, "trace", "info", "--format", "nope", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `unknown trace format "nope"`)
	_, _, code = runCLI(t, "trace", "frobnicate")
	require.Equal(t, 2, code)
}
