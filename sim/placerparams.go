package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/placement"
)

// PlacerParamNames are the mode parameters passed on to its placement
// policies: "sample", how many agents where a task fits a scoring policy
// scores (from where its last search stopped, as kube-scheduler samples
// nodes; 0 or absent scores them all), and the kubernetes policies' profile
// (placement.KubeParamNames).
var PlacerParamNames = append([]string{"sample"}, placement.KubeParamNames...)

// PlacerParams picks the placement policies' parameters out of a mode's,
// checked, so that a bad value fails when the mode is built (a policy
// refuses a parameter it does not read when it is built).
func PlacerParams(p allocator.Params) (allocator.Params, error) {
	var pp allocator.Params
	if _, ok := p["sample"]; ok {
		k, err := placement.Sample(p)
		if err != nil {
			return nil, err
		}
		pp = allocator.Params{"sample": k}
	}
	for _, k := range placement.KubeParamNames {
		if v, ok := p[k]; ok {
			if pp == nil {
				pp = allocator.Params{}
			}
			pp[k] = v
		}
	}
	if err := placement.KubeScoring(pp); err != nil {
		return nil, err
	}
	return pp, nil
}

// NewPlacer builds the placement policy name with the placer parameters of
// the mode's params it reads (a mode's policies may differ by framework).
func NewPlacer(params allocator.Params, name string, env allocator.PlacerEnv) (allocator.Placer, error) {
	pp, err := PlacerParams(params)
	if err != nil {
		return nil, err
	}
	for _, k := range placement.KubeParamNames {
		if !placement.Reads(name, k) {
			delete(pp, k)
		}
	}
	if env.Rand == nil {
		env.Rand = Stream(0, "mode")
	}
	return allocator.NewPlacer(name, pp, env)
}

// IsFirstFit reports whether name is the first-fit policy.
func IsFirstFit(name string) bool {
	n := strings.ToLower(name)
	return n == "first-fit" || n == "firstfit" || n == "first_fit"
}

// Placements lists the policies a mode places with: its own (def) and
// those its frameworks name.
func Placements(def string, fws []allocator.FrameworkInfo) []string {
	names := []string{def}
	for _, f := range fws {
		if f.Placement != "" {
			names = append(names, f.Placement)
		}
	}
	return names
}

// CheckPlacerParams refuses a mode's parameter that only some placement
// policies read (placement.KubeParamNames) when none of the policies the
// mode uses (names) reads it: the setting would change nothing.
func CheckPlacerParams(params allocator.Params, names ...string) error {
	if _, err := PlacerParams(params); err != nil {
		return err
	}
	for _, k := range placement.KubeParamNames {
		if _, ok := params[k]; !ok {
			continue
		}
		if !slices.ContainsFunc(names, func(n string) bool { return placement.Reads(n, k) }) {
			return fmt.Errorf("parameter %q: only the kubernetes placements read it, and this scenario places with %s", k, strings.Join(slices.Compact(slices.Sorted(slices.Values(names))), ", "))
		}
	}
	return nil
}
