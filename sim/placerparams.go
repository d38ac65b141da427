package sim

import (
	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/placement"
)

// PlacerParamNames are the mode parameters passed on to its placement
// policies: "sample", how many agents where a task fits a scoring policy
// scores (from where its last search stopped, as kube-scheduler samples
// nodes); 0 or absent scores them all.
var PlacerParamNames = []string{"sample"}

// PlacerParams picks the placement policies' parameters out of a mode's,
// checked, so that a bad value fails when the mode is built.
func PlacerParams(p allocator.Params) (allocator.Params, error) {
	if _, ok := p["sample"]; !ok {
		return nil, nil
	}
	k, err := placement.Sample(p)
	if err != nil {
		return nil, err
	}
	return allocator.Params{"sample": k}, nil
}
