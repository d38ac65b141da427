package sim

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
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
	v, err := p.Float("sample", 0)
	if err != nil {
		return nil, err
	}
	if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
		return nil, fmt.Errorf("parameter \"sample\": want a whole number of agents (0 for all), got %v", v)
	}
	return allocator.Params{"sample": v}, nil
}
