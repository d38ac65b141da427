package gate

import (
	"math"
	"strings"
	"testing"
)

// FuzzParse: no input panics, and every value read is finite and belongs to
// a listed key.
func FuzzParse(f *testing.F) {
	f.Add(output)
	f.Add("BenchmarkX-2 10 5 ns/op 7\n")
	f.Add("pkg: a\nBenchmarkX 1 1e308 ns/op 2 B/op\nBenchmarkX 1 -0 ns/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse("f", strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(s.Keys) != len(s.Values) {
			t.Fatalf("%d keys, %d metrics", len(s.Keys), len(s.Values))
		}
		for _, k := range s.Keys {
			for _, v := range s.Values[k] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%v: %v", k, v)
				}
			}
		}
		Compare(s, s, Options{MaxRegression: 0.05})
	})
}
