// Package reportstest has helpers for the reports tests: a tiny run whose
// figures are known by hand, and the locations of the external checkers.
package reportstest

import (
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
	"github.com/stretchr/testify/require"
)

// TinyRun writes to dir the outputs of a run small enough to work out by hand: two agents of 1 CPU and
// 1 GiB; framework "web" (role prod) submits three 1-CPU tasks of 12 s at
// t=0, framework "etl" (role batch) one 1-CPU task of 5 s. web's first two
// start at 0 and end at 12; then web's third and etl's start (wait 12 s);
// etl ends at 17, web's third at 24, and the workload drains.
func TinyRun(t testing.TB, dir string) (sim.Stats, reports.Meta) {
	t.Helper()
	cl := allocator.NewCluster()
	for _, n := range []string{"a0", "a1"} {
		_, err := cl.AddAgent(allocator.AgentSpec{Name: n, Capacity: allocator.Res(1000, 1024, 0, 0)})
		require.NoError(t, err)
	}
	roles := []allocator.RoleInfo{{Name: "prod", Weight: 1}, {Name: "batch", Weight: 1}}
	fws := []allocator.FrameworkInfo{{Name: "web", Role: 0}, {Name: "etl", Role: 1}}
	task := func(fw allocator.FrameworkID, job int64, idx int32, dur allocator.Time, mem int64) sim.Input {
		return sim.Input{Kind: sim.InputTask, Task: allocator.TaskSpec{
			Job: job, Index: idx, Framework: fw, Duration: dur,
			Req: allocator.Request{Res: allocator.Res(1000, mem, 0, 0)}}}
	}
	src := &sim.SliceSource{Inputs: []sim.Input{
		task(0, 1, 0, 12*allocator.Second, 256), task(0, 1, 1, 12*allocator.Second, 256),
		task(0, 1, 2, 12*allocator.Second, 256), task(1, 2, 0, 5*allocator.Second, 512),
	}}
	mode, err := sim.NewMode("monolithic", sim.ModeEnv{Frameworks: fws, Roles: roles})
	require.NoError(t, err)
	m := reports.Meta{Version: "test", Scenario: "tiny", Seed: 7, Allocator: "monolithic",
		Config: map[string]any{"name": "tiny", "agents": 2}, Cluster: cl, Frameworks: fws, Roles: roles,
		SampleInterval: 5 * allocator.Second}
	c, err := reports.NewCollector(dir, m)
	require.NoError(t, err)
	e, err := sim.New(sim.Config{Cluster: cl, Frameworks: fws, Roles: roles, Source: src, Mode: mode,
		Seed: 7, Observer: c, SampleInterval: m.SampleInterval})
	require.NoError(t, err)
	st, err := e.Run()
	require.NoError(t, err)
	require.NoError(t, c.Close(st))
	return st, m
}
