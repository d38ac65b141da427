package offers_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

var examples = []string{"drf-default.yaml", "static-default.yaml"}

// The examples parse, validate and build a simulator with this package's modes.
func TestExamplesBuild(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			s, err := workloads.Load(filepath.Join("..", "..", "examples", name))
			require.NoError(t, err)
			_, err = s.SimConfig()
			require.NoError(t, err)
		})
	}
}

// TestExamplesRun runs the examples in full (33,000 nodes, two hours) and
// prints the headline figures docs/drf.md quotes. It takes minutes, so it
// runs only with ALLOCSIM_EXAMPLES=1 (or =<file name> for one of them).
func TestExamplesRun(t *testing.T) {
	which := os.Getenv("ALLOCSIM_EXAMPLES")
	if which == "" {
		t.Skip("set ALLOCSIM_EXAMPLES=1 to run the 33,000-node examples (minutes)")
	}
	for _, name := range examples {
		if which != "1" && which != name {
			continue
		}
		s, err := workloads.Load(filepath.Join("..", "..", "examples", name))
		require.NoError(t, err)
		r, err := runner.Run(s, runner.Options{Out: t.TempDir(), NoReport: true})
		require.NoError(t, err)
		sm := r.Summary
		t.Logf("%s: launched %d, wait mean %.1f s p50 %.1f s p90 %.1f s p99 %.1f s, alloc mean cpu %.3f mem %.3f gpu %.3f, "+
			"unscheduled %d, offers %d accepted %d declined %d rescinded %d filters %d, cycles %d, wall %v",
			name, sm.Launched, sm.Tasks.WaitS.Mean, sm.Tasks.WaitS.P50, sm.Tasks.WaitS.P90, sm.Tasks.WaitS.P99,
			sm.AllocMeanFrac.CPU, sm.AllocMeanFrac.Mem, sm.AllocMeanFrac.GPU, sm.Tasks.Outcomes["unscheduled"],
			sm.OffersMade, sm.OffersAccepted, sm.OffersDeclined, sm.OffersRescinded, sm.FiltersInstalled, sm.Cycles, r.Wall)
		for _, w := range sm.WaitSByFw {
			t.Logf("  %s wait: mean %.1f s p50 %.1f s p99 %.1f s (n=%d)", w.Name, w.Dist.Mean, w.Dist.P50, w.Dist.P99, w.Dist.N)
		}
	}
}
