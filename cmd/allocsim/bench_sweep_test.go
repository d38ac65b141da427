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

// TestBenchSweep runs `allocsim bench sweep` as a user would and checks the
// table it prints and the files it writes; then its usage errors.
func TestBenchSweep(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "sweep", smallScenario, "--set", "allocator.name=monolithic,omega", "--set", "allocator.params={}",
		"--seeds", "3-4", "-j", "2", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	table := stdout.String()
	assert.Contains(t, table, "| allocator.name | allocator.params | launched |")
	assert.Contains(t, table, "| omega | {} |")
	assert.Contains(t, table, "4 runs: 2 settings × 2 seeds")
	md, err := os.ReadFile(filepath.Join(out, "sweep.md"))
	require.NoError(t, err)
	assert.Equal(t, table, string(md))
	runs, err := os.ReadFile(filepath.Join(out, "runs.tsv"))
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(runs)), "\n"), 5)
	_, err = os.Stat(filepath.Join(out, "runs", "01-seed4", "summary.json"))
	assert.NoError(t, err)

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--set", "allocator.name"}, 1, "--set \"allocator.name\": want path=value"},
		{[]string{"--seeds", "x"}, 1, "--seeds:"},
		{[]string{"a.yaml", "b.yaml"}, 2, "one scenario file at most"},
		{[]string{smallScenario, "--set", "allocator.name=nope", "--out", out}, 1, `with allocator.name=nope`},
	} {
		stderr.Reset()
		assert.Equal(t, c.code, Main(append([]string{"bench", "sweep"}, c.args...), &stdout, &stderr), c.args)
		assert.Contains(t, stderr.String(), c.msg, c.args)
	}
}

// A sweep run in two shards and merged prints the unsharded sweep's table.
func TestBenchSweepShardMerge(t *testing.T) {
	base := t.TempDir()
	args := []string{"bench", "sweep", smallScenario, "--set", "allocator.name=monolithic,omega", "--set", "allocator.params={}",
		"--seeds", "3-4", "--summaries-only"}
	var whole, stderr bytes.Buffer
	require.Equal(t, 0, Main(append(args, "--out", filepath.Join(base, "whole")), &whole, &stderr), stderr.String())
	for _, i := range []string{"1", "2"} {
		var stdout bytes.Buffer
		require.Equal(t, 0, Main(append(args, "--shard", i+"/2", "--out", filepath.Join(base, "s"+i)), &stdout, &stderr), stderr.String())
		assert.Contains(t, stdout.String(), "shard "+i+"/2: 2 of the 4 runs")
	}
	var merged bytes.Buffer
	out := filepath.Join(base, "merged")
	require.Equal(t, 0, Main([]string{"bench", "sweep", "merge", "--out", out, filepath.Join(base, "s2"), filepath.Join(base, "s1")},
		&merged, &stderr), stderr.String())
	assert.Equal(t, whole.String(), merged.String())
	for _, f := range []string{"runs.tsv", "sweep.md", "sweep.json"} {
		_, err := os.Stat(filepath.Join(out, f))
		assert.NoError(t, err, f)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"sweep", "--shard", "3/2"}, 1, `--shard "3/2": want i/n`},
		{[]string{"sweep", "merge"}, 2, "no shard folders given"},
		{[]string{"sweep", "merge", "--out", out, filepath.Join(base, "s1")}, 1, "in none of the folders (shards given: 1/2)"},
	} {
		stderr.Reset()
		assert.Equal(t, c.code, Main(append([]string{"bench"}, c.args...), &bytes.Buffer{}, &stderr), c.args)
		assert.Contains(t, stderr.String(), c.msg, c.args)
	}
}

// --metric adds a column read from each run's summary.json; a path whose
// first key summary.json lacks is refused before anything runs.
func TestBenchSweepMetric(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"bench", "sweep", smallScenario, "--summaries-only", "--out", out,
		"--metric", "wait_s_by_framework.aurora.dist.p99", "--metric", "tasks.outcomes.finished"}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "| wait_s_by_framework.aurora.dist.p99 | tasks.outcomes.finished |\n")
	man, err := os.ReadFile(filepath.Join(out, "sweep.json"))
	require.NoError(t, err)
	assert.Contains(t, string(man), `"metrics": [`)

	stderr.Reset()
	assert.Equal(t, 1, Main([]string{"bench", "sweep", smallScenario, "--out", out, "--metric", "wait.p99"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `--metric "wait.p99": summary.json has no "wait"`)
}

// --paired adds each setting's difference from the first, seed by seed, to
// the printed table and sweep.md.
func TestBenchSweepPaired(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sweep")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "sweep", "../../examples/small.yaml", "--set", "allocator.params.placement=first-fit,worst-fit",
		"--seeds", "1-3", "--paired", "--summaries-only", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "Difference from allocator.params.placement=first-fit, seed by seed")
	assert.Regexp(t, `\| worst-fit \| [-+0-9.]+ \[[-+0-9.e]+, [-+0-9.e]+\]`, stdout.String())
	md, err := os.ReadFile(filepath.Join(out, "sweep.md"))
	require.NoError(t, err)
	assert.Equal(t, stdout.String(), string(md))
}
