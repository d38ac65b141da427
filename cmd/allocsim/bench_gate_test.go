package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func benchFile(t *testing.T, dir, name string, nsPerOp float64, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("pkg: github.com/allocsim/allocsim/allocator/drf\n")
	for i := range n {
		fmt.Fprintf(&b, "BenchmarkAllocate-2 \t 100 \t %g ns/op \t 1000000 events/s\n", nsPerOp*(1+0.001*float64(i)))
	}
	b.WriteString("PASS\n")
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// TestBenchGate: the gate passes a change within the threshold, fails a
// significant regression and too few runs, and says why.
func TestBenchGate(t *testing.T) {
	dir := t.TempDir()
	base := benchFile(t, dir, "base.txt", 1000, 6)
	for _, c := range []struct {
		change string
		args   []string
		code   int
		want   string
	}{
		{benchFile(t, dir, "same.txt", 1010, 6), nil, 0, "ok: no metric worse by more than 5.0%"},
		{benchFile(t, dir, "slow.txt", 1200, 6), nil, 1, "REGRESSION"},
		{benchFile(t, dir, "slow.txt", 1200, 6), []string{"--max-regression", "25"}, 0, "worse"},
		{benchFile(t, dir, "few.txt", 1200, 2), nil, 1, "too few runs"},
		{benchFile(t, dir, "slow.txt", 1200, 6), nil, 1, "p (adj)"},
		{benchFile(t, dir, "slow.txt", 1200, 6), []string{"--correction", "holm"}, 1, "Holm correction over 2 metric(s)"},
		{benchFile(t, dir, "slow.txt", 1200, 6), []string{"--correction", "none"}, 1, "(medians; Mann-Whitney U p < alpha)\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(append([]string{"bench", "gate", base, c.change}, c.args...), &stdout, &stderr)
		assert.Equal(t, c.code, code, "%s %v: %s %s", c.change, c.args, stdout.String(), stderr.String())
		assert.Contains(t, stdout.String(), c.want, c.change)
		if c.code == 1 {
			assert.Contains(t, stderr.String(), "performance gate failed")
		}
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, Main([]string{"bench", "gate", base}, &stdout, &stderr))
	assert.Equal(t, 1, Main([]string{"bench", "gate", base, base, "--alpha", "2"}, &stdout, &stderr))
	stderr.Reset()
	assert.Equal(t, 1, Main([]string{"bench", "gate", base, base, "--correction", "bonferroni"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `allocsim bench: --correction "bonferroni": want holm or none`)

	// A 15% slowdown at p = 0.021 among four metrics: a chance result once
	// corrected (Holm: 4 × 0.021), a regression without.
	border := func(name string, vs ...float64) string {
		var b strings.Builder
		for i, v := range vs {
			fmt.Fprintf(&b, "BenchmarkBorder-2 1 %g ns/op\n", v)
			for j := range 3 {
				fmt.Fprintf(&b, "BenchmarkQuiet%d-2 1 %d ns/op\n", j, 1000+i)
			}
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
		return p
	}
	b0 := border("border0.txt", 90, 95, 100, 105, 110, 115, 120, 125)
	b1 := border("border1.txt", 106, 111, 116, 121, 126, 131, 136, 141)
	stdout.Reset()
	assert.Equal(t, 0, Main([]string{"bench", "gate", b0, b1}, &stdout, &stderr), stdout.String())
	assert.Contains(t, stdout.String(), "0.021  0.083")
	stdout.Reset()
	assert.Equal(t, 1, Main([]string{"bench", "gate", "--correction", "none", b0, b1}, &stdout, &stderr), stdout.String())
	assert.Contains(t, stdout.String(), "0.021  8+8   REGRESSION")
	bad := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(bad, []byte("BenchmarkX 10 fast ns/op\n"), 0o644))
	stderr.Reset()
	assert.Equal(t, 1, Main([]string{"bench", "gate", base, bad}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "bad.txt:1: BenchmarkX: value \"fast\" of ns/op")
}
