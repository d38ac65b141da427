package sweep

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Axis is one swept setting: the dotted path of a value in the scenario
// file and the values it takes (YAML scalars or flow collections).
type Axis struct {
	Path   string
	Values []string
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

// Set is one value given to one path.
type Set struct{ Path, Value string }

func (s Set) String() string { return s.Path + "=" + s.Value }

// Apply returns the scenario file doc with every set applied: an existing
// value is replaced, a missing key of a mapping is added, a list element is
// addressed by its index. The file's keys keep their order and comments.
func Apply(doc []byte, sets []Set) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, fmt.Errorf("the scenario file is empty")
	}
	for _, s := range sets {
		var v yaml.Node
		if err := yaml.Unmarshal([]byte(s.Value), &v); err != nil || len(v.Content) == 0 {
			return nil, fmt.Errorf("%s: the value is not YAML", s)
		}
		target, err := find(root.Content[0], s.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		*target = *v.Content[0]
	}
	return yaml.Marshal(&root)
}

// find walks the path from n, adding missing mapping keys, and returns the
// node at its end.
func find(n *yaml.Node, path string) (*yaml.Node, error) {
	walked := ""
	for c := range strings.SplitSeq(path, ".") {
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == c {
					next = n.Content[i+1]
				}
			}
			if next == nil {
				next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: c}, next)
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(c)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil, fmt.Errorf("%s is a list of %d: want an index from 0 to %d, got %q", where(walked), len(n.Content), len(n.Content)-1, c)
			}
			n = n.Content[i]
		default:
			return nil, fmt.Errorf("%s is a value, not a mapping or a list: no %q under it", where(walked), c)
		}
		walked = strings.TrimPrefix(walked+"."+c, ".")
	}
	return n, nil
}

func where(path string) string {
	if path == "" {
		return "the file's top level"
	}
	return path
}
