package omega

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// FuzzModeParams: any allocator.params (and per-framework params) a scenario
// can hold builds the omega mode, which then runs, or fails with an error,
// never a panic.
func FuzzModeParams(f *testing.F) {
	for _, s := range []string{
		"{think_job: 0.01, think_task: 0.001, retry_delay: 0}",
		"{conflicts: coarse, transactions: gang, placement: best-fit}",
		"{conflicts: sequence-numbers, transactions: all-or-nothing}",
		"{think_job: .nan}",
		"{think_task: -1}",
		"{placement: no-such-policy}",
		"{abandon_after: 1, abandon_unplaced_after: 1, retry_delay: 0}",
		"{abandon_after: .nan, abandon_unplaced_after: -0}",
	} {
		f.Add(s, "{}")
	}
	f.Add("{}", "{think_job: 2, retry_delay: 0.5}")
	f.Add("{schedulers: 3}", "{schedulers: 2, think_job: 0}")
	f.Fuzz(func(t *testing.T, doc, fwDoc string) {
		var p, fp map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil || yaml.Unmarshal([]byte(fwDoc), &fp) != nil {
			return
		}
		fws := []allocator.FrameworkInfo{{Name: "a", Params: fp}, {Name: "b", GPUCapable: true}}
		env := sim.ModeEnv{Params: p, Frameworks: fws, Roles: []allocator.RoleInfo{{Name: "r"}}, Rand: sim.Stream(1, "mode")}
		m, err := sim.NewMode("omega", env)
		if err != nil {
			return
		}
		c := allocator.NewCluster()
		if _, err := c.AddAgent(allocator.AgentSpec{Name: "g", Capacity: allocator.Res(4000, 4096, 0, 2000), GPUModel: "V100"}); err != nil {
			t.Fatal(err)
		}
		var in []sim.Input
		for i := range 6 {
			in = append(in, sim.Input{Kind: sim.InputTask, Task: allocator.TaskSpec{Job: int64(i / 2), Framework: allocator.FrameworkID(i % 2),
				Duration: allocator.Second, Req: allocator.Request{Res: allocator.Res(1000, 1024, 0, int64(i%2)*500)}}})
		}
		e, err := sim.New(sim.Config{Cluster: c, Frameworks: fws, Roles: env.Roles, Source: &sim.SliceSource{Inputs: in}, Mode: m,
			Horizon: 10 * allocator.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Run(); err != nil {
			t.Fatal(err)
		}
	})
}
