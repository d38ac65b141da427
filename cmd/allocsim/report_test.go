package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `allocsim run` then `allocsim report RUN` regenerates the report from the
// files, and `allocsim report compare` puts two seeds side by side.
func TestReportAndCompareCommands(t *testing.T) {
	base := t.TempDir()
	var runs []string
	for _, seed := range []string{"1", "2"} {
		dir := filepath.Join(base, "seed"+seed)
		var stdout, stderr bytes.Buffer
		code := Main([]string{"run", smallScenario, "--out", dir, "--seed", seed, "--no-report", "--quiet"}, &stdout, &stderr)
		require.Equal(t, 0, code, "stderr: %s", stderr.String())
		runs = append(runs, dir)
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"report", runs[0]}, &stdout, &stderr), stderr.String())
	page, err := os.ReadFile(filepath.Join(runs[0], "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "wait p99 (s)")
	_, err = os.Stat(filepath.Join(runs[0], "figures", "utilisation.svg"))
	assert.NoError(t, err)

	out := filepath.Join(base, "cmp")
	stdout.Reset()
	require.Equal(t, 0, Main([]string{"report", "compare", "--out", out, runs[0], runs[1]}, &stdout, &stderr), stderr.String())
	md, err := os.ReadFile(filepath.Join(out, "compare.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| figure | seed1 | seed2 | seed2 − seed1 |")
	assert.True(t, strings.Contains(stdout.String(), "compare.html"))
	// Flags may follow the run folders, as in every other subcommand.
	out2 := filepath.Join(base, "cmp2")
	require.Equal(t, 0, Main([]string{"report", "compare", runs[0], runs[1], "--out", out2}, &stdout, &stderr), stderr.String())
	md2, err := os.ReadFile(filepath.Join(out2, "compare.md"))
	require.NoError(t, err)
	assert.Equal(t, string(md), string(md2))

	// Usage errors: no run folder; one run only; a folder that is not a run.
	assert.Equal(t, 2, Main([]string{"report"}, &stdout, &stderr))
	assert.Equal(t, 2, Main([]string{"report", "compare", runs[0]}, &stdout, &stderr))
	stderr.Reset()
	assert.Equal(t, 1, Main([]string{"report", t.TempDir()}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "not a complete run folder")
}

// `allocsim report csv` writes the four CSV files into the run folder or
// --out, and names a folder that is not a run.
func TestReportCSVCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"run", smallScenario, "--out", dir, "--no-report", "--quiet"}, &stdout, &stderr), stderr.String())
	stdout.Reset()
	require.Equal(t, 0, Main([]string{"report", "csv", dir}, &stdout, &stderr), stderr.String())
	for _, f := range []string{"timeseries.csv", "cycles.csv", "agents.csv", "tasks.csv"} {
		assert.Contains(t, stdout.String(), filepath.Join(dir, f))
	}
	head, err := os.ReadFile(filepath.Join(dir, "tasks.csv"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(head), "task_id,job_id,task_index,attempt,framework_id,framework,"), string(head[:80]))
	out := filepath.Join(t.TempDir(), "csv")
	require.Equal(t, 0, Main([]string{"report", "csv", dir, "--out", out}, &stdout, &stderr), stderr.String())
	_, err = os.Stat(filepath.Join(out, "timeseries.csv"))
	assert.NoError(t, err)

	assert.Equal(t, 2, Main([]string{"report", "csv"}, &stdout, &stderr))
	stderr.Reset()
	empty := t.TempDir()
	assert.Equal(t, 1, Main([]string{"report", "csv", empty}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), filepath.Join(empty, "timeseries.parquet"))
}
