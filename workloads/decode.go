package workloads

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The decoder walks a yaml.Node tree into the scenario structs by
// reflection. It is strict (unknown keys, duplicate keys, wrong types and
// negative numbers are errors) and remembers the line of every path it
// decodes so that later semantic checks can point at the offending line.

// PosError is a scenario error at a place in a file.
type PosError struct {
	File string
	Line int    // 0 when unknown
	Path string // dotted key path, e.g. cluster.node_classes[1].count
	Msg  string
}

func (e *PosError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxNodes bounds the nodes visited, so that alias chains ("billion
// laughs") cannot make decoding explode.
const maxNodes = 1 << 17

type decoder struct {
	file    string
	pos     map[string]int // path → line
	visited int
	depth   int
}

// maxDepth bounds nesting (a scenario is a few levels deep; anything deeper
// is a mistake or an alias cycle).
const maxDepth = 64

func (d *decoder) errf(n *yaml.Node, path, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &PosError{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// unmarshaler is implemented by types with their own scalar syntax.
type unmarshaler interface {
	decodeNode(d *decoder, n *yaml.Node, path string) error
}

var unmarshalerType = reflect.TypeFor[unmarshaler]()

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parseNode parses data into a document's root node.
func (d *decoder) parseNode(data []byte) (*yaml.Node, error) {
	yamlErr := func(err error) error {
		msg := err.Error()
		line := 0
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return &PosError{File: d.file, Line: line, Msg: "invalid YAML: " + msg}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &PosError{File: d.file, Line: 1, Msg: "empty scenario file"}
		}
		return nil, yamlErr(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &PosError{File: d.file, Line: 1, Msg: "empty scenario file"}
	}
	// One file, one scenario: a second document is a mistake, not a bonus.
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		if err != nil {
			return nil, yamlErr(err)
		}
		return nil, &PosError{File: d.file, Line: next.Line, Msg: "more than one YAML document (one scenario per file)"}
	}
	return doc.Content[0], nil
}

// resolve follows aliases and counts the work done.
func (d *decoder) resolve(n *yaml.Node, path string) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, d.errf(n, path, "alias to an unknown anchor")
		}
		n = n.Alias
	}
	d.visited++
	if d.visited > maxNodes {
		return nil, d.errf(n, path, "document too large (more than %d nodes after expanding aliases)", maxNodes)
	}
	return n, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!bool":
			return "the boolean " + n.Value
		}
		return n.Value
	}
	return "a YAML node"
}

// decode fills v (addressable) from node n at path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	n, err := d.resolve(n, path)
	if err != nil {
		return err
	}
	if d.depth++; d.depth > maxDepth {
		return d.errf(n, path, "nested more than %d levels deep", maxDepth)
	}
	defer func() { d.depth-- }()
	if _, seen := d.pos[path]; !seen {
		d.pos[path] = n.Line
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		return v.Addr().Interface().(unmarshaler).decodeNode(d, n, path)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := d.decode(n, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.errf(n, path, "want a list, got %s", kindName(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		return d.decodeMap(n, v, path)
	case reflect.Interface:
		x, err := d.anyValue(n, path)
		if err != nil {
			return err
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return nil
	}
	return d.decodeScalar(n, v, path)
}

func (d *decoder) scalar(n *yaml.Node, path, want string) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return d.errf(n, path, "want %s, got %s", want, kindName(n))
	}
	return nil
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.String:
		if err := d.scalar(n, path, "a string"); err != nil {
			return err
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return d.errf(n, path, "want true or false, got %s", kindName(n))
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			return d.errf(n, path, "want a whole number, got %s", kindName(n))
		}
		x, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(x) {
			return d.errf(n, path, "whole number %s is out of range", n.Value)
		}
		if x < 0 {
			return d.errf(n, path, "must not be negative, got %d", x)
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			return d.errf(n, path, "want a whole number, got %s", kindName(n))
		}
		if strings.HasPrefix(n.Value, "-") {
			return d.errf(n, path, "must not be negative, got %s", n.Value)
		}
		x, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || v.OverflowUint(x) {
			return d.errf(n, path, "whole number %s is out of range", n.Value)
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		x, err := d.float(n, path)
		if err != nil {
			return err
		}
		v.SetFloat(x)
	default:
		return d.errf(n, path, "internal error: cannot decode into %s", v.Type())
	}
	return nil
}

// float reads a finite, non-negative number.
func (d *decoder) float(n *yaml.Node, path string) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return 0, d.errf(n, path, "want a number, got %s", kindName(n))
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, d.errf(n, path, "want a finite number, got %s", n.Value)
	}
	if x < 0 {
		return 0, d.errf(n, path, "must not be negative, got %s", n.Value)
	}
	return x, nil
}

type fieldInfo struct {
	index    int
	key      string
	required bool
}

func structFields(t reflect.Type) []fieldInfo {
	var fs []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("yaml")
		if !ok || tag == "-" {
			continue
		}
		key, opts, _ := strings.Cut(tag, ",")
		fs = append(fs, fieldInfo{index: i, key: key, required: opts == "required"})
	}
	return fs
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mappingPairs checks that n is a mapping with unique scalar keys and
// returns its key and value nodes.
func (d *decoder) mappingPairs(n *yaml.Node, path string) ([][2]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, d.errf(n, path, "want a mapping (key: value), got %s", kindName(n))
	}
	pairs := make([][2]*yaml.Node, 0, len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := d.resolve(n.Content[i], path)
		if err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, d.errf(k, path, "want a plain key, got %s", kindName(k))
		}
		if seen[k.Value] {
			return nil, d.errf(k, join(path, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		pairs = append(pairs, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return pairs, nil
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	pairs, err := d.mappingPairs(n, path)
	if err != nil {
		return err
	}
	fields := structFields(v.Type())
	got := make([]bool, len(fields))
	for _, kv := range pairs {
		k := kv[0]
		fi := -1
		for i, f := range fields {
			if f.key == k.Value {
				fi = i
			}
		}
		p := join(path, k.Value)
		if fi < 0 {
			known := make([]string, len(fields))
			for i, f := range fields {
				known[i] = f.key
			}
			return d.errf(k, p, "unknown key (known keys here: %s)", strings.Join(known, ", "))
		}
		got[fi] = true
		d.pos[p] = k.Line
		if err := d.decode(kv[1], v.Field(fields[fi].index), p); err != nil {
			return err
		}
	}
	for i, f := range fields {
		if f.required && !got[i] {
			return d.errf(n, join(path, f.key), "missing required key")
		}
	}
	return nil
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) error {
	if v.Type().Key().Kind() != reflect.String {
		return d.errf(n, path, "internal error: map key %s", v.Type().Key())
	}
	pairs, err := d.mappingPairs(n, path)
	if err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(v.Type(), len(pairs))
	for _, kv := range pairs {
		p := join(path, kv[0].Value)
		d.pos[p] = kv[0].Line
		e := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(kv[1], e, p); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(kv[0].Value).Convert(v.Type().Key()), e)
	}
	v.Set(m)
	return nil
}

// anyValue decodes free-form parameters (allocator and framework params):
// ints stay int, other numbers float64, mappings map[string]any, lists []any.
func (d *decoder) anyValue(n *yaml.Node, path string) (any, error) {
	n, err := d.resolve(n, path)
	if err != nil {
		return nil, err
	}
	if d.depth++; d.depth > maxDepth {
		return nil, d.errf(n, path, "nested more than %d levels deep", maxDepth)
	}
	defer func() { d.depth-- }()
	switch n.Kind {
	case yaml.MappingNode:
		pairs, err := d.mappingPairs(n, path)
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(pairs))
		for _, kv := range pairs {
			p := join(path, kv[0].Value)
			d.pos[p] = kv[0].Line
			x, err := d.anyValue(kv[1], p)
			if err != nil {
				return nil, err
			}
			m[kv[0].Value] = x
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			x, err := d.anyValue(c, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			s[i] = x
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", nil
		case "!!int":
			x, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
			if err != nil {
				return nil, d.errf(n, path, "whole number %s is out of range", n.Value)
			}
			return int(x), nil
		case "!!float":
			x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, d.errf(n, path, "want a finite number, got %s", n.Value)
			}
			return x, nil
		}
		return n.Value, nil
	}
	return nil, d.errf(n, path, "unsupported YAML node")
}

// sortedKeys returns a map's keys in order (no decision may depend on Go's
// map iteration order).
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
