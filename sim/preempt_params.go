package sim

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// preemptParams are a mode's preemption settings:
//
//	preemption: true            # off by default
//	preemptible_below: 9        # only tasks below this priority are preempted (default: any lower one)
//	preemption_candidates: 100  # agents with a victim set compared per search
//	preemption_limit: 100       # searches per cycle (0 = no limit)
type preemptParams struct {
	protect           int32
	candidates, limit int
}

func parsePreemption(p allocator.Params) (*preemptParams, error) {
	on := false
	if v, ok := p["preemption"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("parameter \"preemption\": want true or false, got %T", v)
		}
		on = b
	}
	whole := func(key string, def, lo, hi float64) (float64, error) {
		v, err := p.Float(key, def)
		if err != nil {
			return 0, err
		}
		if v != math.Trunc(v) || v < lo || v > hi {
			return 0, fmt.Errorf("parameter %q: want a whole number in [%.0f, %.0f], got %v", key, lo, hi, v)
		}
		return v, nil
	}
	protect, err := whole("preemptible_below", math.MaxInt32, math.MinInt32, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	cand, err := whole("preemption_candidates", 100, 1, 1<<20)
	if err != nil {
		return nil, err
	}
	limit, err := whole("preemption_limit", 100, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, nil // the other settings are checked, so that a sweep can turn preemption off and on
	}
	return &preemptParams{protect: int32(protect), candidates: int(cand), limit: int(limit)}, nil
}
