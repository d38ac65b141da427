package workloads

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzApplySets: no document, path or value panics, and what Apply returns is
// YAML again.
func FuzzApplySets(f *testing.F) {
	f.Add(setsDoc, "allocator.params.think_job", "0.5")
	f.Add(setsDoc, "frameworks.1", "{name: c}")
	f.Add("a: [1, 2]", "a.5", "x")
	f.Add("- 1\n- 2", "0", "x")
	f.Add("", "a", "b")
	f.Fuzz(func(t *testing.T, d, path, value string) {
		out, err := ApplySets([]byte(d), []Set{{path, value}})
		if err != nil {
			return
		}
		var n yaml.Node
		if err := yaml.Unmarshal(out, &n); err != nil {
			t.Fatalf("ApplySets(%q, %s=%s) gave YAML that does not parse: %v", d, path, value, err)
		}
	})
}
