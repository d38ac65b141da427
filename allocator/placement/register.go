package placement

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// Names and aliases (the FGD paper's spellings). The registry ignores case.
var policies = []struct {
	names []string
	make  func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error)
}{
	{[]string{"first-fit", "firstfit"}, func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		return &firstFit{}, nil
	}},
	{[]string{"random"}, func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		// Every feasible agent ties: the choice is always uniform, whatever "ties" says.
		sm, err := readSample(p)
		return &scanner{env: env, f: randomScore{}, pick: picker{rng: env.Rand}, sample: sm}, err
	}},
	{[]string{"best-fit", "bestfit"}, scorerFactory(bestFit{})},
	{[]string{"worst-fit", "worstfit"}, scorerFactory(worstFit{})},
	{[]string{"dot-product", "dotproduct", "dotprod"}, scorerFactory(dotProduct{})},
	{[]string{"gpu-packing", "gpupacking"}, scorerFactory(gpuPacking{})},
	{[]string{"gpu-clustering", "gpuclustering"}, scorerFactory(gpuClustering{})},
	{[]string{"fgd"}, newFGD},
	// The default kube-scheduler's resource scoring, searching the adaptive
	// share of nodes it searches by default, or every node.
	{[]string{"kubernetes", "k8s"}, kubeFactory(0)},
	{[]string{"kubernetes-all", "k8s-all"}, kubeFactory(100)},
}

func init() {
	for _, pol := range policies {
		for _, n := range pol.names {
			allocator.RegisterPlacer(n, checked(pol.make))
		}
	}
}

// knownParams are keys a scenario may pass through to every placer:
// "sample" bounds the agents a scoring policy scores per task (sampler;
// first-fit, which scores nothing, ignores it).
var knownParams = []string{"placement", "ties", "sample"}

func checked(f func(allocator.Params, allocator.PlacerEnv) (allocator.Placer, error)) allocator.PlacerFactory {
	return func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		if err := p.Check(knownParams...); err != nil {
			return nil, err
		}
		if env.Rand == nil {
			return nil, fmt.Errorf("placement: PlacerEnv.Rand is nil (ties are broken with the run's seeded stream)")
		}
		return f(p, env)
	}
}
