package offers

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// FuzzModeParams: any allocator.params (and per-framework params) a scenario
// can hold builds the drf and static modes or fails with an error, never a
// panic.
func FuzzModeParams(f *testing.F) {
	for _, s := range []string{
		"{decision_latency: 0.01, refuse_seconds: 120, revive_interval: 10, placement: best-fit}",
		"{suppress_idle: false, hold: true, offer_timeout: 5, window: 8, scan_limit: 3}",
		"{shares: {a: 2, b: 1}, placement: first-fit}",
		"{shares: {zzz: 1}}",
		"{window: 0.5}",
		"{refuse_seconds: -1, idle_refuse_seconds: .nan}",
		"{placement: no-such-policy}",
	} {
		f.Add(s, "{}")
	}
	f.Add("{}", "{refuse_seconds: 3, hold: yes}")
	fws := func(p allocator.Params) []allocator.FrameworkInfo {
		return []allocator.FrameworkInfo{{Name: "a", Params: p}, {Name: "b", GPUCapable: true}}
	}
	f.Fuzz(func(t *testing.T, doc, fwDoc string) {
		var p, fp map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil || yaml.Unmarshal([]byte(fwDoc), &fp) != nil {
			return
		}
		for _, name := range []string{"drf", "static"} {
			env := sim.ModeEnv{Params: allocator.Params(p), Frameworks: fws(allocator.Params(fp)),
				Roles: []allocator.RoleInfo{{Name: "r"}}, Rand: sim.Stream(1, "mode")}
			m, err := sim.NewMode(name, env)
			if err != nil {
				continue
			}
			c := allocator.NewCluster()
			if _, err := c.AddAgent(allocator.AgentSpec{Name: "cpu-0", Capacity: allocator.Res(4000, 4096, 0, 0)}); err != nil {
				t.Fatal(err)
			}
			e, err := sim.New(sim.Config{Cluster: c, Frameworks: env.Frameworks, Roles: env.Roles, Source: &sim.SliceSource{}, Mode: m})
			if err != nil {
				t.Fatal(err)
			}
			_, _ = e.Run() // Init may reject (e.g. unknown placement): an error, not a panic
		}
	})
}
