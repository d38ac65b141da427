package frag

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/allocsim/allocsim/allocator"
)

// ParsePolicy reads one entry of a policy list: a registered name, or a
// name and parameters of its own, name:key=value:key=value, each value a
// YAML scalar and a dotted key a nested one, e.g.
//
//	kubernetes:scoring=most-allocated:weights.gpu=3:weights.cpu=1
//
// The whole entry labels the policy's rows, so one policy can appear with
// several settings.
func ParsePolicy(entry string) (name string, params allocator.Params, err error) {
	parts := strings.Split(entry, ":")
	name = strings.TrimSpace(parts[0])
	if name == "" {
		return "", nil, fmt.Errorf("policy %q: want a name, then :key=value settings", entry)
	}
	for _, kv := range parts[1:] {
		key, value, ok := strings.Cut(kv, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return "", nil, fmt.Errorf("policy %q: %q: want key=value", entry, kv)
		}
		var v any
		if err := yaml.Unmarshal([]byte(value), &v); err != nil || v == nil {
			return "", nil, fmt.Errorf("policy %q: %s: want a value (a number, word or true/false), got %q", entry, key, value)
		}
		switch v.(type) {
		case map[string]any, []any:
			return "", nil, fmt.Errorf("policy %q: %s: want a single value (dotted keys for nested ones), got %q", entry, key, value)
		}
		if params == nil {
			params = allocator.Params{}
		}
		if err := setDotted(params, key, v); err != nil {
			return "", nil, fmt.Errorf("policy %q: %w", entry, err)
		}
	}
	return name, params, nil
}

// setDotted sets m[a][b]… = v for the key a.b…, making the maps on the way.
func setDotted(m map[string]any, key string, v any) error {
	path := strings.Split(key, ".")
	for i, k := range path[:len(path)-1] {
		if k == "" {
			return fmt.Errorf("%s: an empty key", key)
		}
		next, exists := m[k]
		switch sub := next.(type) {
		case map[string]any:
			m = sub
		default:
			if exists {
				return fmt.Errorf("%s: %s is already set to a value", key, strings.Join(path[:i+1], "."))
			}
			nm := map[string]any{}
			m[k], m = nm, nm
		}
	}
	last := path[len(path)-1]
	if last == "" {
		return fmt.Errorf("%s: an empty key", key)
	}
	if _, exists := m[last]; exists {
		return fmt.Errorf("%s is set twice", key)
	}
	m[last] = v
	return nil
}

// PlacerParams merges a policy's own parameters over the matrix's.
func PlacerParams(common, own allocator.Params) allocator.Params {
	if len(own) == 0 {
		return common
	}
	p := allocator.Params{}
	for k, v := range common {
		p[k] = v
	}
	for k, v := range own {
		p[k] = v
	}
	return p
}
