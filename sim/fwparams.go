package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Framework parameters (frameworks[].params) belong to the modes that read
// them. A mode refuses a key that no registered mode reads — a misspelt key
// is an error, not a silent default — and ignores a key that only other
// modes read, so that one scenario file can be swept over modes (Omega's
// think times under the monolithic scheduler, say).
var frameworkKeys = map[string][]string{} // mode → the keys it reads

// RegisterFrameworkParams records the framework parameters mode reads.
func RegisterFrameworkParams(mode string, keys ...string) {
	m := strings.ToLower(mode)
	frameworkKeys[m] = append(frameworkKeys[m], keys...)
}

// CheckFrameworkParams returns an error naming the first key of p (in
// sorted order) that no registered mode reads.
func CheckFrameworkParams(mode string, p allocator.Params) error {
	for _, k := range p.Keys() {
		known := false
		for _, ks := range frameworkKeys {
			known = known || slices.Contains(ks, k)
		}
		if !known {
			own := frameworkKeys[strings.ToLower(mode)]
			if len(own) == 0 {
				return fmt.Errorf("unknown parameter %q: no mode reads it (%s reads none)", k, mode)
			}
			return fmt.Errorf("unknown parameter %q: no mode reads it (%s reads: %s)", k, mode, strings.Join(own, ", "))
		}
	}
	return nil
}
