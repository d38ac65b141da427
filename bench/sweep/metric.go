package sweep

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/reports"
)

// ParseMetric makes a metric of any number in summary.json, named by its
// dotted path: object keys, and for lists the name of an element (its
// "name" field) or its index, e.g. wait_s_by_priority.9.dist.p99,
// tasks.outcomes.preempted or alloc_mean_frac.gpu. The first key must be
// one of summary.json's; a path that leads nowhere in a run reads as NaN,
// and as 0 for a count under tasks.outcomes (an outcome no attempt had is
// left out of the file).
func ParseMetric(path string) (Metric, error) {
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return Metric{}, fmt.Errorf("%q: empty component in the path", path)
		}
	}
	if !slices.Contains(summaryKeys(), keys[0]) {
		return Metric{}, fmt.Errorf("%q: summary.json has no %q (it has %s)", path, keys[0], strings.Join(summaryKeys(), ", "))
	}
	outcome := len(keys) == 3 && keys[0] == "tasks" && keys[1] == "outcomes"
	return Metric{Name: path, Get: func(s *reports.Summary) float64 {
		v, ok := lookup(s, keys)
		if !ok && outcome {
			return 0
		}
		return v
	}}, nil
}

// summaryKeys are summary.json's top-level keys, in file order.
func summaryKeys() []string {
	t := reflect.TypeFor[reports.Summary]()
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// lookup walks a summary's JSON form along keys to a number.
func lookup(s *reports.Summary, keys []string) (float64, bool) {
	b, err := json.Marshal(s)
	if err != nil {
		return math.NaN(), false
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return math.NaN(), false
	}
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return math.NaN(), false
			}
		case []any:
			i := slices.IndexFunc(x, func(e any) bool { m, ok := e.(map[string]any); return ok && m["name"] == k })
			if i < 0 {
				n, err := strconv.Atoi(k)
				if err != nil || n < 0 || n >= len(x) {
					return math.NaN(), false
				}
				i = n
			}
			v = x[i]
		default:
			return math.NaN(), false
		}
	}
	f, ok := v.(float64)
	if !ok {
		return math.NaN(), false
	}
	return f, true
}
