package mesosapi

import (
	"fmt"
	"math"
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// Value types (mesos.Value.Type).
const (
	TypeScalar = "SCALAR"
	TypeRanges = "RANGES"
	TypeSet    = "SET"
	TypeText   = "TEXT"
)

// Scalar is mesos.Value.Scalar.
type Scalar struct {
	Value float64 `json:"value"`
}

// Range is mesos.Value.Range (inclusive on both ends).
type Range struct {
	Begin uint64 `json:"begin"`
	End   uint64 `json:"end"`
}

// Ranges is mesos.Value.Ranges.
type Ranges struct {
	Range []Range `json:"range,omitempty"`
}

// Set is mesos.Value.Set.
type Set struct {
	Item []string `json:"item,omitempty"`
}

// Text is mesos.Value.Text.
type Text struct {
	Value string `json:"value"`
}

// AllocationInfo is mesos.Resource.AllocationInfo: the role an offered or
// allocated resource is allocated to.
type AllocationInfo struct {
	Role *string `json:"role,omitempty"`
}

// Resource is mesos.Resource (unreserved scalar and range resources).
type Resource struct {
	Name           string          `json:"name"`
	Type           string          `json:"type"`
	Scalar         *Scalar         `json:"scalar,omitempty"`
	Ranges         *Ranges         `json:"ranges,omitempty"`
	Set            *Set            `json:"set,omitempty"`
	Role           *string         `json:"role,omitempty"`
	AllocationInfo *AllocationInfo `json:"allocation_info,omitempty"`
}

// ScalarResource returns a scalar resource, e.g. ("cpus", 1.5).
func ScalarResource(name string, v float64) Resource {
	return Resource{Name: name, Type: TypeScalar, Scalar: &Scalar{Value: v}}
}

// RangesResource returns a ranges resource, e.g. ("ports", [31000-32000]).
func RangesResource(name string, rs []Range) Resource {
	return Resource{Name: name, Type: TypeRanges, Ranges: &Ranges{Range: rs}}
}

// FromVector renders an allocator vector plus port ranges as Mesos
// resources: cpus, mem, disk, gpus (scalars; zero ones omitted) and ports.
// role, when not empty, is set as allocation_info.role (offers to MULTI_ROLE
// frameworks and all allocated resources carry it).
func FromVector(r allocator.Resources, ports []Range, role string) []Resource {
	out := make([]Resource, 0, 5)
	add := func(name string, v float64) {
		if v > 0 {
			out = append(out, ScalarResource(name, v))
		}
	}
	add("cpus", float64(r[allocator.CPU])/1000)
	add("mem", float64(r[allocator.Mem]))
	add("disk", float64(r[allocator.Disk]))
	add("gpus", float64(r[allocator.GPU])/1000)
	if len(ports) > 0 {
		out = append(out, RangesResource("ports", append([]Range(nil), ports...)))
	}
	if role != "" {
		for i := range out {
			out[i].AllocationInfo = &AllocationInfo{Role: &role}
		}
	}
	return out
}

// ToVector sums Mesos resources into an allocator vector (milli-CPU, MiB,
// MiB, milli-GPU) and a normalised list of port ranges. It rejects unknown
// names, wrong types, negative, non-finite or fractional-milli quantities,
// reserved resources for another role, and overlapping port ranges.
func ToVector(rs []Resource) (allocator.Resources, []Range, error) {
	var v allocator.Resources
	var ports []Range
	for i, r := range rs {
		switch r.Name {
		case "cpus", "mem", "disk", "gpus":
			if r.Type != TypeScalar || r.Scalar == nil {
				return v, nil, fmt.Errorf("resource %d (%s): want type SCALAR with a scalar value", i, r.Name)
			}
			x := r.Scalar.Value
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 1e12 {
				return v, nil, fmt.Errorf("resource %d (%s): value %v out of range", i, r.Name, x)
			}
			switch r.Name {
			case "cpus":
				m, _ := allocator.MilliFromFloat(x)
				v[allocator.CPU] += m
			case "gpus":
				m, _ := allocator.MilliFromFloat(x)
				v[allocator.GPU] += m
			case "mem":
				v[allocator.Mem] += int64(math.Ceil(x))
			case "disk":
				v[allocator.Disk] += int64(math.Ceil(x))
			}
		case "ports":
			if r.Type != TypeRanges || r.Ranges == nil {
				return v, nil, fmt.Errorf("resource %d (ports): want type RANGES with ranges", i)
			}
			for _, g := range r.Ranges.Range {
				if g.Begin > g.End || g.End > 65535 {
					return v, nil, fmt.Errorf("resource %d (ports): bad range [%d-%d]", i, g.Begin, g.End)
				}
				ports = append(ports, g)
			}
		default:
			return v, nil, fmt.Errorf("resource %d: unknown resource name %q (want cpus, mem, disk, gpus or ports)", i, r.Name)
		}
		if r.Role != nil && *r.Role != "*" {
			return v, nil, fmt.Errorf("resource %d (%s): reserved resources (role %q) are not supported", i, r.Name, *r.Role)
		}
	}
	ports, err := NormalizeRanges(ports)
	if err != nil {
		return v, nil, err
	}
	return v, ports, nil
}

// NormalizeRanges sorts ranges and merges adjacent ones; overlapping ranges
// are an error (a port named twice).
func NormalizeRanges(rs []Range) ([]Range, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	s := append([]Range(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Begin < s[j].Begin })
	out := s[:1]
	for _, g := range s[1:] {
		last := &out[len(out)-1]
		switch {
		case g.Begin <= last.End:
			return nil, fmt.Errorf("ports: ranges [%d-%d] and [%d-%d] overlap", last.Begin, last.End, g.Begin, g.End)
		case g.Begin == last.End+1:
			last.End = g.End
		default:
			out = append(out, g)
		}
	}
	return out, nil
}

// RangesContain reports whether every port of sub lies in super (both normalised).
func RangesContain(super, sub []Range) bool {
	for _, g := range sub {
		ok := false
		for _, h := range super {
			if g.Begin >= h.Begin && g.End <= h.End {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// SubtractRanges returns super minus sub (sub must be contained in super).
func SubtractRanges(super, sub []Range) []Range {
	out := append([]Range(nil), super...)
	for _, g := range sub {
		next := out[:0:0]
		for _, h := range out {
			if g.End < h.Begin || g.Begin > h.End {
				next = append(next, h)
				continue
			}
			if g.Begin > h.Begin {
				next = append(next, Range{h.Begin, g.Begin - 1})
			}
			if g.End < h.End {
				next = append(next, Range{g.End + 1, h.End})
			}
		}
		out = next
	}
	return out
}

// AddRanges returns the union of a and b (disjoint), normalised.
func AddRanges(a, b []Range) []Range {
	out, err := NormalizeRanges(append(append([]Range(nil), a...), b...))
	if err != nil {
		// Callers only add back ports they removed; an overlap means double
		// release, and keeping a is the safe answer.
		return a
	}
	return out
}

// CountRanges returns the number of ports in the ranges.
func CountRanges(rs []Range) uint64 {
	var n uint64
	for _, g := range rs {
		n += g.End - g.Begin + 1
	}
	return n
}
