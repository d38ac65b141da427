package runner

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// google2011 loads examples/google2011-trace.yaml pointed at the shared real
// traces ($ALLOCSIM_TRACES or ../../shared/traces), or skips.
func google2011(tb testing.TB) *workloads.Scenario {
	tb.Helper()
	dir := os.Getenv("ALLOCSIM_TRACES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "traces")
	}
	dir, err := filepath.Abs(filepath.Join(dir, "google-2011"))
	require.NoError(tb, err)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("real traces not found (set ALLOCSIM_TRACES): %v", err)
	}
	data, err := os.ReadFile("../examples/google2011-trace.yaml")
	require.NoError(tb, err)
	doc := strings.Replace(string(data), "path: ../../shared/traces/google-2011", "path: "+dir, 1)
	s, err := workloads.Parse("google2011-trace.yaml", []byte(doc))
	require.NoError(tb, err)
	return s
}

// TestPreemptionGoogle2011: replaying the first hour of the Google 2011
// trace, priority preemption lets production tasks (priority 9 and up) wait
// less and costs the lowest priorities, preempted attempts are requeued and
// reported, and the run is reproducible byte for byte.
func TestPreemptionGoogle2011(t *testing.T) {
	if testing.Short() {
		t.Skip("three trace replays")
	}
	run := func(preempt bool) (reports.Summary, []byte) {
		s := google2011(t)
		s.Horizon = workloads.Duration(30 * allocator.Minute) // keeps the test short
		if preempt {
			s.Allocator.Params["preemption"] = true
		}
		dir := t.TempDir()
		_, err := Run(s, Options{Out: dir, Version: "test", NoReport: true})
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile))
		require.NoError(t, err)
		var sum reports.Summary
		require.NoError(t, json.Unmarshal(b, &sum))
		return sum, b
	}
	off, _ := run(false)
	on, a := run(true)
	_, b := run(true)
	assert.True(t, bytes.Equal(a, b), "summary.json differs between two runs with preemption")

	preempted := on.Tasks.Outcomes["preempted"]
	require.Positive(t, preempted)
	assert.Zero(t, off.Tasks.Outcomes["preempted"])
	assert.GreaterOrEqual(t, on.Requeued, preempted, "every preempted attempt is requeued")

	wait := func(s reports.Summary, prio string) float64 {
		for _, g := range s.WaitSByPriority {
			if g.Name == prio {
				return g.Dist.Mean
			}
		}
		t.Fatalf("no tasks of priority %s", prio)
		return 0
	}
	t.Logf("mean wait (s) off → on: prio 1 %.1f → %.1f, prio 9 %.3f → %.3f; %d preempted",
		wait(off, "1"), wait(on, "1"), wait(off, "9"), wait(on, "9"), preempted)
	assert.Less(t, wait(on, "9"), wait(off, "9"), "production waits less with preemption")
	assert.Greater(t, wait(on, "1"), wait(off, "1"), "the lowest priority in the trace pays for it")
}
