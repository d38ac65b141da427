package traces

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Shape is the absolute size that a normalised 1.0 stands for, per
// dimension. Google's traces normalise requests and capacities to the largest
// machine; a simulator must declare what that machine was.
type Shape struct {
	CPUMilli int64 // milli-CPU of 1.0 CPU
	MemMiB   int64 // MiB of 1.0 memory
	DiskMiB  int64 // MiB of 1.0 disk
}

// DefaultShape declares Google's largest machine as 32 cores, 128 GiB memory
// and 1 TiB disk (a 2011-era two-socket server); every figure of a replay
// scales with it, so say which shape you used.
var DefaultShape = Shape{CPUMilli: 32000, MemMiB: 128 * 1024, DiskMiB: 1024 * 1024}

func (s Shape) String() string {
	return fmt.Sprintf("cpu=%s,mem=%dMiB,disk=%dMiB", strconv.FormatFloat(float64(s.CPUMilli)/1000, 'f', -1, 64), s.MemMiB, s.DiskMiB)
}

// ParseShape reads "cpu=32,mem=128GiB,disk=1TiB" (cores; sizes with MiB, GiB
// or TiB). Missing keys keep DefaultShape's value.
func ParseShape(s string) (Shape, error) {
	out := DefaultShape
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return out, fmt.Errorf("shape %q: %q is not key=value", s, kv)
		}
		switch k {
		case "cpu":
			f, err := strconv.ParseFloat(v, 64)
			m, ok := allocator.MilliFromFloat(f)
			// Bounded like the sizes: above 2^50 milli-CPU, String's
			// cores (milli/1000 as a float64) no longer parse back to the
			// same milli-CPU, so a shape drifted each time it was re-read.
			if err != nil || !ok || m <= 0 || m > maxShapeMiB {
				return out, fmt.Errorf("shape %q: cpu %q: want a positive number of cores, at most %d", s, v, int64(maxShapeMiB/1000))
			}
			out.CPUMilli = m
		case "mem", "disk":
			n, err := parseMiB(v)
			if err != nil {
				return out, fmt.Errorf("shape %q: %s %q: want a size such as 128GiB, from 1MiB to 1ZiB", s, k, v)
			}
			if k == "mem" {
				out.MemMiB = n
			} else {
				out.DiskMiB = n
			}
		default:
			return out, fmt.Errorf("shape %q: unknown key %q (want cpu, mem, disk)", s, k)
		}
	}
	return out, nil
}

func parseMiB(v string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(v, "TiB"):
		mult, v = 1024*1024, strings.TrimSuffix(v, "TiB")
	case strings.HasSuffix(v, "GiB"):
		mult, v = 1024, strings.TrimSuffix(v, "GiB")
	case strings.HasSuffix(v, "MiB"):
		v = strings.TrimSuffix(v, "MiB")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	// Checked before converting: Go leaves the conversion of an out-of-range
	// float to int64 to the platform (amd64 gives a negative number, arm64
	// saturates), so "1e30GiB" or "Inf" must not reach it.
	m := math.Round(f * float64(mult))
	if math.IsNaN(m) || m < 1 || m > maxShapeMiB {
		return 0, fmt.Errorf("%q is not between 1MiB and %dMiB", v, int64(maxShapeMiB))
	}
	return int64(m), nil
}

// maxShapeMiB bounds a shape's sizes (1 ZiB, far above any machine) so that
// every accepted size is a whole number a float64 holds exactly.
const maxShapeMiB = 1 << 50

// Options are shared by every reader.
type Options struct {
	// Shape turns normalised resources into absolute ones (Google traces,
	// Alibaba 2018 memory). Zero fields take DefaultShape's.
	Shape Shape
	// Lookahead bounds how long a reader waits for a task's end before it
	// emits the task as still running (Run = Never). Tasks are emitted in
	// submit order, so memory is about submit rate × Lookahead, whatever the
	// length of the trace. 0 means DefaultLookahead.
	Lookahead allocator.Time
	// SkipBadRows counts malformed rows under "bad_rows" instead of failing.
	SkipBadRows bool
}

// DefaultLookahead covers the run time of the vast majority of batch tasks;
// longer tasks are replayed as services that run to the horizon.
const DefaultLookahead = 2 * allocator.Hour

func (o Options) withDefaults() Options {
	if o.Shape.CPUMilli <= 0 {
		o.Shape.CPUMilli = DefaultShape.CPUMilli
	}
	if o.Shape.MemMiB <= 0 {
		o.Shape.MemMiB = DefaultShape.MemMiB
	}
	if o.Shape.DiskMiB <= 0 {
		o.Shape.DiskMiB = DefaultShape.DiskMiB
	}
	if o.Lookahead <= 0 {
		o.Lookahead = DefaultLookahead
	}
	return o
}
