package sweep

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParseAxis: no input panics; an accepted axis has a path of non-empty
// components and non-empty values.
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"allocator.name=monolithic,omega", "a={x: 1, y: [2, 3]},{}", "a.b=", "=x", "a=[", "a=]]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAxis(s)
		if err != nil {
			return
		}
		if a.Path == "" || strings.Contains("."+a.Path+".", "..") || len(a.Values) == 0 {
			t.Fatalf("%q: accepted %+v", s, a)
		}
		for _, v := range a.Values {
			if strings.TrimSpace(v) == "" {
				t.Fatalf("%q: an empty value in %+v", s, a)
			}
		}
	})
}

// FuzzApply: no document, path or value panics, and what Apply returns is
// YAML again.
func FuzzApply(f *testing.F) {
	f.Add(doc, "allocator.params.think_job", "0.5")
	f.Add(doc, "frameworks.1", "{name: c}")
	f.Add("a: [1, 2]", "a.5", "x")
	f.Add("- 1\n- 2", "0", "x")
	f.Add("", "a", "b")
	f.Fuzz(func(t *testing.T, d, path, value string) {
		out, err := Apply([]byte(d), []Set{{path, value}})
		if err != nil {
			return
		}
		var n yaml.Node
		if err := yaml.Unmarshal(out, &n); err != nil {
			t.Fatalf("Apply(%q, %s=%s) gave YAML that does not parse: %v", d, path, value, err)
		}
	})
}
