package allocator

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ValidateRoleName applies Mesos's rules for role names (src/common/roles.cpp):
// "*" (the default role) or a "/"-separated path whose components are not
// empty, ".", ".." or "*", do not start with '-' and hold no whitespace or DEL.
func ValidateRoleName(name string) error {
	if name == "*" {
		return nil
	}
	if name == "" {
		return errors.New("role name must not be empty")
	}
	for c := range strings.SplitSeq(name, "/") {
		switch {
		case c == "":
			return fmt.Errorf("role %q: an empty path component (a leading, trailing or double '/')", name)
		case c == "." || c == ".." || c == "*":
			return fmt.Errorf("role %q: %q cannot be a path component", name, c)
		case c[0] == '-':
			return fmt.Errorf("role %q: component %q starts with '-'", name, c)
		case strings.ContainsAny(c, "\t\n\v\f\r \x7f"):
			return fmt.Errorf("role %q: whitespace or DEL in component %q", name, c)
		}
	}
	return nil
}

// ValidateWeight checks a DRF weight (the error does not say "weight"): a positive, finite number (Mesos:
// "weights must be positive").
func ValidateWeight(w float64) error {
	if !(w > 0) || math.IsInf(w, 1) {
		return fmt.Errorf("must be a positive finite number, got %v", w)
	}
	return nil
}
