package sweep

import (
	"strings"
	"testing"
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
