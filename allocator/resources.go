// Package allocator is the kernel shared by the simulator and realrun: resource
// vectors, the cluster view (agents, GPU devices), placement policies and the
// registry that selects policies by name. It never reads a clock, starts a
// goroutine or does I/O: time is passed in.
package allocator

import (
	"fmt"
	"math"
)

// Resource indices into a Resources vector.
const (
	CPU  = iota // milli-CPU
	Mem         // MiB
	Disk        // MiB
	GPU         // milli-GPU (1000 = one whole device)
	NumResources
)

// ResourceNames are the short names used in YAML, logs and output columns.
var ResourceNames = [NumResources]string{"cpu", "mem", "disk", "gpu"}

// ResourceUnits name each dimension's unit, as output columns spell it.
var ResourceUnits = [NumResources]string{"milli", "mib", "mib", "milli"}

// Resources is a fixed-size vector in exact integer units: milli-CPU, MiB of
// memory, MiB of disk, milli-GPU. Integers keep arithmetic exact (no float
// drift across millions of add/subtract pairs) and the array keeps it off the heap.
type Resources [NumResources]int64

// Res builds a vector from (milli-CPU, memory MiB, disk MiB, milli-GPU).
func Res(cpuMilli, memMiB, diskMiB, gpuMilli int64) Resources {
	return Resources{cpuMilli, memMiB, diskMiB, gpuMilli}
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	for i := range r {
		r[i] += o[i]
	}
	return r
}

// Sub returns r - o (components may go negative; callers check with Contains first).
func (r Resources) Sub(o Resources) Resources {
	for i := range r {
		r[i] -= o[i]
	}
	return r
}

// Contains reports whether r ≥ o in every dimension (o fits in r).
func (r Resources) Contains(o Resources) bool {
	return r[CPU] >= o[CPU] && r[Mem] >= o[Mem] && r[Disk] >= o[Disk] && r[GPU] >= o[GPU]
}

// Min returns the component-wise minimum.
func (r Resources) Min(o Resources) Resources {
	for i := range r {
		r[i] = min(r[i], o[i])
	}
	return r
}

// Max returns the component-wise maximum.
func (r Resources) Max(o Resources) Resources {
	for i := range r {
		r[i] = max(r[i], o[i])
	}
	return r
}

// IsZero reports whether every component is zero.
func (r Resources) IsZero() bool { return r == Resources{} }

// AnyNegative reports whether some component is below zero.
func (r Resources) AnyNegative() bool {
	return r[CPU] < 0 || r[Mem] < 0 || r[Disk] < 0 || r[GPU] < 0
}

// Scale multiplies every component by k.
func (r Resources) Scale(k int64) Resources {
	for i := range r {
		r[i] *= k
	}
	return r
}

// DominantShare is max over dimensions d with total[d] > 0 and not excluded of
// r[d]/total[d]. Dimensions with a zero total are skipped, as Mesos does.
func (r Resources) DominantShare(total Resources, excluded ResourceMask) float64 {
	var s float64
	for i := range r {
		if total[i] <= 0 || excluded.Has(i) {
			continue
		}
		if v := float64(r[i]) / float64(total[i]); v > s {
			s = v
		}
	}
	return s
}

// Share returns r[d]/total[d] for every dimension (0 where the total is 0).
func (r Resources) Share(total Resources) [NumResources]float64 {
	var s [NumResources]float64
	for i := range r {
		if total[i] > 0 {
			s[i] = float64(r[i]) / float64(total[i])
		}
	}
	return s
}

// String formats r in human units, e.g. "cpu=1.5 mem=2048MiB disk=0MiB gpu=0.5".
func (r Resources) String() string {
	return fmt.Sprintf("cpu=%s mem=%dMiB disk=%dMiB gpu=%s",
		milliString(r[CPU]), r[Mem], r[Disk], milliString(r[GPU]))
}

func milliString(v int64) string {
	if v%1000 == 0 {
		return fmt.Sprint(v / 1000)
	}
	return fmt.Sprintf("%.3g", float64(v)/1000)
}

// ResourceMask is a set of resource dimensions (e.g. those excluded from fairness).
type ResourceMask uint8

// Has reports whether dimension d is in the mask.
func (m ResourceMask) Has(d int) bool { return m&(1<<d) != 0 }

// With returns the mask plus dimension d.
func (m ResourceMask) With(d int) ResourceMask { return m | 1<<d }

// ParseResourceName maps "cpu", "mem", "disk", "gpu" (and Mesos's "cpus", "gpus")
// to a dimension index.
func ParseResourceName(s string) (int, error) {
	switch s {
	case "cpu", "cpus":
		return CPU, nil
	case "mem", "memory":
		return Mem, nil
	case "disk":
		return Disk, nil
	case "gpu", "gpus":
		return GPU, nil
	}
	return 0, fmt.Errorf("unknown resource %q (want cpu, mem, disk or gpu)", s)
}

// MilliFromFloat converts a float quantity (CPUs, GPUs) to milli units, rounding
// to the nearest milli; it reports false for NaN, infinities and overflow.
func MilliFromFloat(v float64) (int64, bool) {
	m := math.Round(v * 1000)
	if math.IsNaN(m) || math.IsInf(m, 0) || math.Abs(m) > 1<<53 {
		return 0, false
	}
	return int64(m), true
}
