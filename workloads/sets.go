package workloads

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set is one value given to one path.
type Set struct{ Path, Value string }

func (s Set) String() string { return s.Path + "=" + s.Value }

// ApplySets returns the scenario file doc with every set applied: an existing
// value is replaced, a missing key of a mapping is added, a list element is
// addressed by its index or by its name field. The file's keys keep their
// order and comments.
func ApplySets(doc []byte, sets []Set) ([]byte, error) {
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
		// The replaced node keeps its anchor: aliases elsewhere point at
		// it, and dropping the name left "*x" with no "&x" (YAML that no
		// longer parses). They follow the new value, as when the file is
		// edited at the anchor by hand.
		anchor := target.Anchor
		*target = *v.Content[0]
		if anchor != "" {
			target.Anchor = anchor
		}
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
			if err != nil {
				i = named(n, c)
			}
			if i < 0 || i >= len(n.Content) {
				return nil, fmt.Errorf("%s is a list of %d: want an index from 0 to %d%s, got %q",
					where(walked), len(n.Content), len(n.Content)-1, nameList(n), c)
			}
			n = n.Content[i]
		default:
			return nil, fmt.Errorf("%s is a value, not a mapping or a list: no %q under it", where(walked), c)
		}
		walked = strings.TrimPrefix(walked+"."+c, ".")
	}
	return n, nil
}

// named is the index of the list element whose name field is name, or -1:
// frameworks.training reads better than frameworks.1 and survives
// reordering the file.
func named(list *yaml.Node, name string) int {
	for i, e := range list.Content {
		if nameOf(e) == name {
			return i
		}
	}
	return -1
}

func nameOf(e *yaml.Node) string {
	if e.Kind == yaml.AliasNode && e.Alias != nil {
		e = e.Alias
	}
	if e.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(e.Content); i += 2 {
		if e.Content[i].Value == "name" && e.Content[i+1].Kind == yaml.ScalarNode {
			return e.Content[i+1].Value
		}
	}
	return ""
}

// nameList is ", or a name: a, b" for a list of named elements.
func nameList(list *yaml.Node) string {
	var names []string
	for _, e := range list.Content {
		if n := nameOf(e); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " or a name (" + strings.Join(names, ", ") + ")"
}

func where(path string) string {
	if path == "" {
		return "the file's top level"
	}
	return path
}
