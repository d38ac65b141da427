package omega

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// waits sums the attempts' queueing delays.
type waits struct {
	n   int64
	sum allocator.Time
}

func (w *waits) TaskSubmitted(allocator.Time, *sim.Task) {}
func (w *waits) TaskStarted(now allocator.Time, t *sim.Task) {
	w.n++
	w.sum += t.Start - t.Ready
}
func (w *waits) TaskEnded(allocator.Time, *sim.Task)                     {}
func (w *waits) Sample(allocator.Time, *sim.Engine)                      {}
func (w *waits) CycleDone(allocator.Time, time.Duration, sim.CycleStats) {}

// contended runs 3,000 tasks of three frameworks (jobs of 1–8 tasks, 1–4
// CPUs each, 20–60 s) on 24 agents of 16 CPUs for 10 simulated minutes,
// under one allocation mode.
func contended(t *testing.T, mode string, params allocator.Params) (sim.Stats, waits) {
	t.Helper()
	c := allocator.NewCluster()
	for i := range 24 {
		_, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprintf("a%d", i), Capacity: allocator.Res(16000, 64<<10, 0, 0)})
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "prod"}, {Name: "batch"}}
	fws := []allocator.FrameworkInfo{{Name: "svc", Role: 0}, {Name: "batch", Role: 1}, {Name: "ml", Role: 1,
		Params: allocator.Params{"think_job": 0.5}}}
	rnd := sim.Stream(7, "workload")
	var in []sim.Input
	for job, n := int64(0), 0; n < 3000; job++ {
		at := allocator.Time(n) * 150 * allocator.Millisecond
		fw := allocator.FrameworkID(rnd.IntN(3))
		req := allocator.Request{Res: allocator.Res(int64(1+rnd.IntN(4))*1000, 2048, 0, 0)}
		dur := allocator.Time(20+rnd.IntN(41)) * allocator.Second
		for range 1 + rnd.IntN(8) {
			in = append(in, sim.Input{Time: at, Kind: sim.InputTask, Task: allocator.TaskSpec{
				Job: job, Framework: fw, Submit: at, Duration: dur, Req: req}})
			n++
		}
	}
	m, err := sim.NewMode(mode, sim.ModeEnv{Params: params, Frameworks: fws, Roles: roles, Rand: sim.Stream(7, "mode")})
	require.NoError(t, err)
	var w waits
	e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Roles: roles, Source: &sim.SliceSource{Inputs: in},
		Mode: m, Seed: 7, Observer: &w, Horizon: 10 * allocator.Minute})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	return st, w
}

// TestSideBySide runs one contended workload under the monolithic scheduler
// and the shared-state variants, checks the orderings the Omega paper
// reports, and compares the figures with testdata/sidebyside.golden
// (go test -run SideBySide -update to rewrite it).
func TestSideBySide(t *testing.T) {
	variants := []struct {
		name, mode string
		params     allocator.Params
	}{
		{"monolithic first-fit", "monolithic", nil},
		{"omega fine incremental", "omega", nil},
		{"omega coarse incremental", "omega", allocator.Params{"conflicts": "coarse"}},
		{"omega fine gang", "omega", allocator.Params{"transactions": "gang"}},
		{"omega coarse gang", "omega", allocator.Params{"conflicts": "coarse", "transactions": "gang"}},
		{"omega coarse gang random", "omega", allocator.Params{"conflicts": "coarse", "transactions": "gang", "placement": "random"}},
		{"omega fine incremental x3", "omega", allocator.Params{"schedulers": 3}},
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "variant\tlaunched\tmean wait s\ttransactions\twith a conflict\tclaims refused\tbusy s\tjobs abandoned")
	conflicts := map[string]int64{}
	for _, v := range variants {
		st, w := contended(t, v.mode, v.params)
		again, w2 := contended(t, v.mode, v.params)
		require.Equal(t, st.Counters, again.Counters, "%s: deterministic", v.name)
		require.Equal(t, w, w2, "%s: deterministic", v.name)
		k := st.Counters
		conflicts[v.name] = k.Conflicts
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%d\t%d\t%d\t%.1f\t%d\n", v.name, k.Launched, (w.sum / allocator.Time(w.n)).Seconds(),
			k.Transactions, k.TxConflicted, k.Conflicts, k.SchedulerBusy.Seconds(), k.JobsAbandoned)
	}
	require.NoError(t, tw.Flush())
	assert.Zero(t, conflicts["monolithic first-fit"])
	assert.Less(t, conflicts["omega fine incremental"], conflicts["omega coarse incremental"], "coarse detection conflicts more")
	assert.Less(t, conflicts["omega coarse incremental"], conflicts["omega coarse gang"], "gang transactions refuse more claims")
	assert.Less(t, conflicts["omega coarse gang random"], conflicts["omega coarse gang"], "random placement spreads claims apart")
	assert.Less(t, conflicts["omega fine incremental"], conflicts["omega fine incremental x3"], "more schedulers conflict more")

	golden := filepath.Join("testdata", "sidebyside.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), b.String())
}
