package size

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/bench/sweep"
)

// Target is a condition on one figure of a run: Metric Op Value.
type Target struct {
	Metric sweep.Metric
	Op     string // <=, <, >=, >
	Value  float64
}

var ops = []string{"<=", ">=", "<", ">"} // two-character operators first

// ParseTarget reads "figure<=value" (or <, >=, >). The figure is a
// headline figure of bench sweep (wait_p99_s, unscheduled, …) or any
// number of summary.json by its dotted path (tasks.wait_s.p99).
func ParseTarget(s string) (Target, error) {
	for _, op := range ops {
		name, val, ok := strings.Cut(s, op)
		if !ok {
			continue
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if name == "" {
			return Target{}, fmt.Errorf("%q: no figure before %s", s, op)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Target{}, fmt.Errorf("%q: want a finite number after %s, got %q", s, op, val)
		}
		m, err := metric(name)
		if err != nil {
			return Target{}, fmt.Errorf("%q: %w", s, err)
		}
		return Target{Metric: m, Op: op, Value: v}, nil
	}
	return Target{}, fmt.Errorf("%q: want figure<=value (or <, >=, >), e.g. wait_p99_s<=60", s)
}

func metric(name string) (sweep.Metric, error) {
	for _, m := range sweep.Metrics {
		if m.Name == name {
			return m, nil
		}
	}
	return sweep.ParseMetric(name)
}

// Holds reports whether v meets the target; NaN (a figure a run lacks)
// never does.
func (t Target) Holds(v float64) bool {
	switch t.Op {
	case "<=":
		return v <= t.Value
	case "<":
		return v < t.Value
	case ">=":
		return v >= t.Value
	case ">":
		return v > t.Value
	}
	return false
}

// worst returns the value of the seed that is furthest from meeting it.
func (t Target) worst(vs []float64) float64 {
	w := math.NaN()
	for _, v := range vs {
		switch {
		case math.IsNaN(v):
			return v
		case math.IsNaN(w), (t.Op == "<=" || t.Op == "<") && v > w, (t.Op == ">=" || t.Op == ">") && v < w:
			w = v
		}
	}
	return w
}

func (t Target) String() string {
	return t.Metric.Name + t.Op + strconv.FormatFloat(t.Value, 'g', -1, 64)
}
