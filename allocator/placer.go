package allocator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Candidates restricts a placement to some agents, e.g. the agents a framework
// holds offers for. IDs nil means every agent of the cluster. Ceil, when not
// nil, is parallel to IDs and caps what may be used on each (the offer).
type Candidates struct {
	IDs  []AgentID
	Ceil []Resources
}

// Placer is a task-level placement policy: it picks an agent, and GPU devices
// on it, for one request. It does not change the cluster; the caller applies
// the placement with Cluster.Allocate. ok is false when nothing fits.
type Placer interface {
	Place(c *Cluster, req Request, cand Candidates) (p Placement, ok bool)
}

// TaskShape is one entry of a workload's typical task mix (FGD uses it).
type TaskShape struct {
	Req  Request
	Freq float64 // fraction of tasks with this shape; the mix sums to ≤ 1
}

// PlacerEnv is what a placer may need besides its parameters.
type PlacerEnv struct {
	Rand    *rand.Rand  // the run's derived stream, for seeded tie-breaks
	Typical []TaskShape // the workload's typical task shapes (may be empty)
}

// PlacerFactory builds a placer from its scenario parameters.
type PlacerFactory func(p Params, env PlacerEnv) (Placer, error)

var placers = map[string]PlacerFactory{}

// RegisterPlacer makes a placement policy selectable by name. Names are
// matched case-insensitively; registering a name twice panics.
func RegisterPlacer(name string, f PlacerFactory) {
	k := strings.ToLower(name)
	if _, dup := placers[k]; dup {
		panic("allocator: placer registered twice: " + name)
	}
	placers[k] = f
}

// NewPlacer builds the registered placer with the given name.
func NewPlacer(name string, p Params, env PlacerEnv) (Placer, error) {
	f, ok := placers[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown placement policy %q (known: %s)", name, strings.Join(PlacerNames(), ", "))
	}
	return f(p, env)
}

// PlacerNames lists the registered placement policies, sorted.
func PlacerNames() []string {
	names := make([]string, 0, len(placers))
	for k := range placers {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Params are a policy's parameters as a scenario file gives them.
type Params map[string]any

// Keys returns the keys, sorted (errors then name the same key every run).
func (p Params) Keys() []string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Check returns an error naming the first key not in known.
func (p Params) Check(known ...string) error {
	for _, k := range p.Keys() {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// Float returns a numeric parameter, or def when absent.
func (p Params) Float(key string, def float64) (float64, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return 0, fmt.Errorf("parameter %q: want a number, got %T", key, v)
}

// String returns a string parameter, or def when absent.
func (p Params) String(key, def string) (string, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("parameter %q: want a string, got %T", key, v)
	}
	return s, nil
}
