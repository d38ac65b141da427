package drf

import (
	"math/rand/v2"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
)

// FuzzConfigFromParams: any allocator.params a scenario file can hold gives
// a config or an error, never a panic.
func FuzzConfigFromParams(f *testing.F) {
	for _, s := range []string{
		"{sorter: drf}",
		"{sorter: random, offer_timeout: 30, fair_sharing_excluded: [gpus], filter_gpu_resources: false}",
		"{min_allocatable: [{cpu: 0.01}, {mem: 32}]}",
		"{min_allocatable: [{cpu: -1}]}",
		"{fair_sharing_excluded: gpu,cpu}",
		"{sorter: 3, offer_timeout: x}",
		"{min_allocatable: [[1]]}",
	} {
		f.Add(s)
	}
	env := allocator.AllocatorEnv{Cluster: allocator.NewCluster(), Rand: rand.New(rand.NewPCG(1, 1))}
	f.Fuzz(func(t *testing.T, doc string) {
		var p map[string]any
		if yaml.Unmarshal([]byte(doc), &p) != nil {
			return
		}
		cfg, err := ConfigFromParams(allocator.Params(p), env)
		if err != nil {
			return
		}
		if _, err := New(cfg); err != nil {
			t.Fatalf("params accepted but New failed: %v", err)
		}
	})
}
