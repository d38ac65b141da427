package runner

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestPreemptionSideBySide runs examples/preemption.yaml under the
// monolithic scheduler without preemption and with several preemption
// settings, checks the orderings preemption should give, and compares the
// figures with testdata/preemption.golden (go test -run SideBySide -update
// rewrites it, to be reviewed in the diff).
func TestPreemptionSideBySide(t *testing.T) {
	variants := []struct {
		name string
		sets []workloads.Set
	}{
		{"no preemption", []workloads.Set{{Path: "allocator.params.preemption", Value: "false"}}},
		{"preemption", nil},
		{"preemption, 1 search a cycle", []workloads.Set{{Path: "allocator.params.preemption_limit", Value: "1"}}},
		{"preemption, all protected", []workloads.Set{{Path: "allocator.params.preemptible_below", Value: "1"}}},
		{"preemption, 1 candidate", []workloads.Set{{Path: "allocator.params.preemption_candidates", Value: "1"}}},
		{"preemption, best-fit", []workloads.Set{{Path: "allocator.params.placement", Value: "best-fit"}}},
	}
	data, err := os.ReadFile("../examples/preemption.yaml")
	require.NoError(t, err)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tlaunched\tpreempted\tprio-9 p99 wait s\tprio-5 started\tprio-1 mean wait s\tgpu alloc")
	got := map[string]*reports.Summary{}
	for _, v := range variants {
		doc, err := workloads.ApplySets(data, v.sets)
		require.NoError(t, err)
		s, err := workloads.Parse("preemption.yaml", doc)
		require.NoError(t, err)
		s.Horizon = workloads.Duration(3600 * 1e6) // the first hour keeps the test short
		res, err := Run(s, Options{Out: filepath.Join(t.TempDir(), "run"), NoReport: true, Version: "test"})
		require.NoError(t, err)
		sum := res.Summary
		got[v.name] = sum
		w := byPriority(sum)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%d\t%.1f\t%.3f\n", v.name, sum.Launched, sum.Tasks.Outcomes["preempted"],
			w["9"].P99, w["5"].N, w["1"].Mean, sum.AllocMeanFrac.GPU)
	}
	require.NoError(t, tw.Flush())

	off, on := got["no preemption"], got["preemption"]
	assert.Zero(t, off.Tasks.Outcomes["preempted"])
	assert.Less(t, byPriority(on)["9"].P99, byPriority(off)["9"].P99, "production waits less")
	assert.Greater(t, byPriority(on)["5"].N, byPriority(off)["5"].N, "more training starts")
	assert.Greater(t, on.AllocMeanFrac.GPU, off.AllocMeanFrac.GPU)
	assert.Less(t, on.Tasks.Outcomes["preempted"], got["preemption, 1 candidate"].Tasks.Outcomes["preempted"],
		"comparing candidates evicts less")
	assert.Equal(t, off.Launched, got["preemption, all protected"].Launched, "nothing to preempt: as without")

	golden := filepath.Join("testdata", "preemption.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), b.String())
}

type prioWait struct {
	N         int
	Mean, P99 float64
}

// byPriority indexes a summary's waits by priority.
func byPriority(s *reports.Summary) map[string]prioWait {
	out := map[string]prioWait{}
	for _, g := range s.WaitSByPriority {
		out[g.Name] = prioWait{g.Dist.N, g.Dist.Mean, g.Dist.P99}
	}
	return out
}
