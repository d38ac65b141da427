package sweep

import (
	"fmt"
	"strings"
)

// Axis is one swept setting: the dotted path of a value in the scenario
// file and the values it takes (YAML scalars or flow collections).
type Axis struct {
	Path   string   `json:"path"`
	Values []string `json:"values"`
}

// ParseAxis reads "path=v1,v2,…". Commas inside brackets or braces belong to
// the value ({a: 1, b: 2}); a path is keys and list indices joined by dots.
func ParseAxis(s string) (Axis, error) {
	path, vals, ok := strings.Cut(s, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return Axis{}, fmt.Errorf("%q: want path=value[,value…], e.g. allocator.name=monolithic,omega", s)
	}
	for _, c := range strings.Split(path, ".") {
		if c == "" {
			return Axis{}, fmt.Errorf("%q: empty component in the path %q", s, path)
		}
	}
	a := Axis{Path: path}
	depth, start := 0, 0
	for i := 0; i <= len(vals); i++ {
		if i < len(vals) {
			switch vals[i] {
			case '[', '{':
				depth++
				continue
			case ']', '}':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		v := strings.TrimSpace(vals[start:i])
		if v == "" {
			return Axis{}, fmt.Errorf("%q: an empty value", s)
		}
		a.Values = append(a.Values, v)
		start = i + 1
	}
	if depth != 0 {
		return Axis{}, fmt.Errorf("%q: unbalanced brackets in the values", s)
	}
	return a, nil
}
