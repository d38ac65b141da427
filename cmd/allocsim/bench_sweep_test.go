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
