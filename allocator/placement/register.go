package placement

import (
	"fmt"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Names and aliases (the FGD paper's spellings). The registry ignores case.
var policies = []struct {
	names []string
	make  func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error)
	own   []string // parameters only this policy reads
}{
	{[]string{"first-fit", "firstfit"}, func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		return &firstFit{}, nil
	}, nil},
	{[]string{"random"}, func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		// Every feasible agent ties: the choice is always uniform, whatever "ties" says.
		sm, err := readSample(p)
		return &scanner{env: env, f: randomScore{}, pick: picker{rng: env.Rand}, sample: sm}, err
	}, nil},
	{[]string{"best-fit", "bestfit"}, scorerFactory(bestFit{}), nil},
	{[]string{"worst-fit", "worstfit"}, scorerFactory(worstFit{}), nil},
	{[]string{"dot-product", "dotproduct", "dotprod"}, scorerFactory(dotProduct{}), nil},
	{[]string{"gpu-packing", "gpupacking"}, scorerFactory(gpuPacking{}), nil},
	{[]string{"gpu-clustering", "gpuclustering"}, scorerFactory(gpuClustering{}), nil},
	{[]string{"fgd"}, newFGD, nil},
	// The default kube-scheduler's scoring, searching the adaptive share of
	// nodes it searches by default, or every node.
	{[]string{"kubernetes", "k8s"}, kubeFactory(0), KubeParamNames},
	{[]string{"kubernetes-all", "k8s-all"}, kubeFactory(100), KubeParamNames},
}

// ownParams lists, by lower-case name, the parameters only that policy reads.
var ownParams = map[string][]string{}

// Reads reports whether policy name reads key, one of the parameters some
// policies read and others refuse (KubeParamNames).
func Reads(name, key string) bool {
	return slices.Contains(ownParams[strings.ToLower(name)], key)
}

func init() {
	for _, pol := range policies {
		for _, n := range pol.names {
			ownParams[n] = pol.own
			allocator.RegisterPlacer(n, checked(pol.make, pol.own))
		}
	}
}

// knownParams are keys a scenario may pass through to every placer:
// "sample" bounds the agents a scoring policy scores per task (sampler;
// first-fit, which scores nothing, ignores it).
var knownParams = []string{"placement", "ties", "sample"}

func checked(f func(allocator.Params, allocator.PlacerEnv) (allocator.Placer, error), own []string) allocator.PlacerFactory {
	known := append(append([]string{}, knownParams...), own...)
	return func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		if own == nil {
			for _, k := range KubeParamNames {
				if _, ok := p[k]; ok {
					return nil, fmt.Errorf("parameter %q: only the kubernetes placements read it", k)
				}
			}
		}
		if err := p.Check(known...); err != nil {
			return nil, err
		}
		if env.Rand == nil {
			return nil, fmt.Errorf("placement: PlacerEnv.Rand is nil (ties are broken with the run's seeded stream)")
		}
		return f(p, env)
	}
}
