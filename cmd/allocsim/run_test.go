package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const smallScenario = "../../runner/testdata/small.yaml"

// TestRunEndToEnd runs `allocsim run` on a small scenario as a user would
// (flags after the path too) and checks the table and the run folder.
func TestRunEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"run", smallScenario, "--out", dir, "--seed", "5"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String(), "no progress bar when stderr is not a terminal")
	out := stdout.String()
	for _, want := range []string{"scenario", "small", "nodes", "200", "tasks submitted", "tasks placed",
		"wait", "mean", "p99", "allocation (mean)", "cpu", "mem", "gpu", "events/s", "wall time", dir} {
		assert.Contains(t, out, want)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), `"seed": 5`)

	// tasks.parquet reads back with parquet-go's generic reader, flat
	// columns with units in their names.
	f, err := os.Open(filepath.Join(dir, "tasks.parquet"))
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	pf, err := parquet.OpenFile(f, st.Size())
	require.NoError(t, err)
	assert.Positive(t, pf.NumRows())
	var cols []string
	for _, c := range pf.Schema().Columns() {
		require.Len(t, c, 1, "flat columns only: %v", c)
		cols = append(cols, c[0])
	}
	all := strings.Join(cols, " ")
	for _, want := range []string{"wait_s", "cpu_milli", "mem_mib"} {
		assert.Contains(t, all, want)
	}
}

func TestRunQuiet(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main([]string{"run", "--quiet", "--out", t.TempDir(), smallScenario}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Empty(t, stdout.String())
}

func TestRunErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nbogus: 1\n"), 0o644))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", bad}, 1, "bad.yaml"},
		{[]string{"run", "a.yaml", "b.yaml"}, 2, "one scenario file"},
		{[]string{"run", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"run", "/no/such/file.yaml"}, 1, "file.yaml"},
		{[]string{"run", "--help"}, 0, "Usage: allocsim run"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, c.code, Main(c.args, &stdout, &stderr), "%v", c.args)
		assert.Contains(t, stderr.String(), c.want, "%v", c.args)
	}
}

// TestRunReport: a scenario with outputs.report writes report.html unless
// --no-report is given.
func TestRunReport(t *testing.T) {
	data, err := os.ReadFile(smallScenario)
	require.NoError(t, err)
	yaml := strings.Replace(string(data), "  sample_interval: 60s", "  sample_interval: 60s\n  report: true", 1)
	require.Contains(t, yaml, "report: true")
	path := filepath.Join(t.TempDir(), "small-report.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o644))
	for _, noReport := range []bool{false, true} {
		dir := t.TempDir()
		args := []string{"run", "--quiet", "--out", dir, path}
		if noReport {
			args = append(args, "--no-report")
		}
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, Main(args, &stdout, &stderr), "stderr: %s", stderr.String())
		_, err := os.Stat(filepath.Join(dir, "report.html"))
		assert.Equal(t, noReport, os.IsNotExist(err), "no-report=%v", noReport)
	}
}

func TestRunEstimate(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dir := filepath.Join(t.TempDir(), "never")
	require.Equal(t, 0, Main([]string{"run", "--estimate", "--out", dir, smallScenario}, &stdout, &stderr), stderr.String())
	for _, want := range []string{"stream", "services", "batch", "training", "all"} {
		assert.Contains(t, stdout.String(), want)
	}
	assert.NoDirExists(t, dir, "--estimate does not run")
}

// TestRunSet: --set changes the scenario without editing it; a bad path or
// value is an error that says so.
func TestRunSet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"run", smallScenario, "--quiet", "--no-report", "--out", dir,
		"--set", "allocator.name=omega", "--set", "allocator.params={think_job: 0.05}"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	summary, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), `"allocator": "omega"`)
	assert.Contains(t, string(summary), `"think_job": 0.05`)
	assert.NotContains(t, string(summary), `"transactions": 0,`)

	for _, c := range []struct {
		set, msg string
	}{
		{"allocator.name=omega,drf", "one value (allocsim bench sweep runs several)"},
		{"frameworks.9.name=x", "frameworks is a list of"},
		{"allocator.name=nope", `unknown allocator "nope"`},
		{"horizon=-1h", "horizon: must not be negative"},
	} {
		stderr.Reset()
		assert.Equal(t, 1, Main([]string{"run", smallScenario, "--quiet", "--no-report", "--out", dir, "--set", c.set}, &stdout, &stderr), c.set)
		assert.Contains(t, stderr.String(), c.msg, c.set)
	}
}
