// Package drf is a Mesos-semantics hierarchical DRF allocator for two-level
// (offer) scheduling: roles then frameworks sorted by dominant share (or a
// weighted random order), quota guarantees and limits with headroom,
// reservations, whole-agent offers, offer filters with the superset rule,
// suppress/revive, offer timeouts and the GPU_RESOURCES capability.
//
// It is a deterministic core: every call takes now, nothing reads a clock.
package drf

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Sorter selects how clients (roles, frameworks) are ordered.
type Sorter uint8

const (
	// SorterDRF orders by weighted dominant share, then allocation count, then name.
	SorterDRF Sorter = iota
	// SorterRandom is a weighted random order (Efraimidis–Spirakis keys), ignoring usage.
	SorterRandom
)

// Config configures an allocator.
type Config struct {
	Cluster  *allocator.Cluster
	Roles    []allocator.RoleInfo
	Interval allocator.Time // allocation interval; filters live at least this long (default 1 s)
	Rand     *rand.Rand     // agent shuffles and the random sorter
	Sorter   Sorter
	// OfferTimeout rescinds unanswered offers after this long; 0 = never.
	OfferTimeout allocator.Time
	// Excluded resources do not count in shares (fair_sharing_excluded_resource_names).
	Excluded allocator.ResourceMask
	// MinAllocatable lists alternatives: an offer must contain at least one of
	// them. Nil means Mesos's default "cpus:0.01|mem:32".
	MinAllocatable []allocator.Resources
	// NoGPUFilter turns off filter_gpu_resources (on by default: agents with
	// GPUs are offered only to GPU-capable frameworks).
	NoGPUFilter bool
}

// DefaultMinAllocatable is Mesos's default min_allocatable_resources,
// "cpus:0.01|mem:32": either 0.01 CPU or 32 MiB of memory.
var DefaultMinAllocatable = []allocator.Resources{allocator.Res(10, 0, 0, 0), allocator.Res(0, 32, 0, 0)}

// ParamNames are the parameters the "drf" allocator understands in scenario files.
var ParamNames = []string{"sorter", "offer_timeout", "fair_sharing_excluded", "min_allocatable", "filter_gpu_resources"}

func init() {
	allocator.RegisterAllocator("drf", func(p allocator.Params, env allocator.AllocatorEnv) (allocator.Allocator, error) {
		cfg, err := ConfigFromParams(p, env)
		if err != nil {
			return nil, err
		}
		return New(cfg)
	})
}

// ConfigFromParams reads the allocator's scenario parameters.
func ConfigFromParams(p allocator.Params, env allocator.AllocatorEnv) (Config, error) {
	cfg := Config{Cluster: env.Cluster, Roles: env.Roles, Interval: env.Interval, Rand: env.Rand}
	if err := p.Check(ParamNames...); err != nil {
		return cfg, fmt.Errorf("drf allocator: %w", err)
	}
	s, err := p.String("sorter", "drf")
	if err != nil {
		return cfg, fmt.Errorf("drf allocator: %w", err)
	}
	switch strings.ToLower(s) {
	case "drf":
		cfg.Sorter = SorterDRF
	case "random":
		cfg.Sorter = SorterRandom
	default:
		return cfg, fmt.Errorf("drf allocator: parameter \"sorter\": %q is not drf or random", s)
	}
	to, err := p.Float("offer_timeout", 0)
	if err != nil || !(to >= 0 && to <= allocator.MaxRefuseDuration.Seconds()) {
		return cfg, fmt.Errorf("drf allocator: parameter \"offer_timeout\": want seconds from 0 to 365 days (%v)", err)
	}
	cfg.OfferTimeout = allocator.FromSeconds(to)
	if v, ok := p["fair_sharing_excluded"]; ok {
		names, err := stringList(v)
		if err != nil {
			return cfg, fmt.Errorf("drf allocator: parameter \"fair_sharing_excluded\": %w", err)
		}
		for _, n := range names {
			d, err := allocator.ParseResourceName(n)
			if err != nil {
				return cfg, fmt.Errorf("drf allocator: parameter \"fair_sharing_excluded\": %w", err)
			}
			cfg.Excluded = cfg.Excluded.With(d)
		}
	}
	if v, ok := p["filter_gpu_resources"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return cfg, fmt.Errorf("drf allocator: parameter \"filter_gpu_resources\": want true or false, got %T", v)
		}
		cfg.NoGPUFilter = !b
	}
	if v, ok := p["min_allocatable"]; ok {
		alts, err := minAllocatable(v)
		if err != nil {
			return cfg, fmt.Errorf("drf allocator: parameter \"min_allocatable\": %w", err)
		}
		cfg.MinAllocatable = alts
	}
	return cfg, nil
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, nil
		}
		return strings.Split(x, ","), nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("entry %d: want a string, got %T", i, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of resource names, got %T", v)
}

// minAllocatable parses a list of alternatives, each a map of resource name
// to quantity (cpu and gpu in units, mem and disk in MiB), e.g.
// [{cpu: 0.01}, {mem: 32}].
func minAllocatable(v any) ([]allocator.Resources, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of {resource: quantity} maps, got %T", v)
	}
	out := make([]allocator.Resources, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("entry %d: want a {resource: quantity} map, got %T", i, e)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var r allocator.Resources
		for _, k := range keys {
			d, err := allocator.ParseResourceName(k)
			if err != nil {
				return nil, fmt.Errorf("entry %d: %w", i, err)
			}
			q, err := allocator.Params(m).Float(k, 0)
			if err != nil || !(q >= 0 && q <= 1e12) {
				return nil, fmt.Errorf("entry %d: %q: want a quantity from 0 to 10^12", i, k)
			}
			if d == allocator.CPU || d == allocator.GPU {
				q *= 1000
			}
			r[d] = int64(q + 0.5)
		}
		out = append(out, r)
	}
	return out, nil
}
