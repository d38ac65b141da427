package workloads

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzParse: any input either parses into a scenario whose cluster and
// generator work, or gives a *PosError naming the file; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(baseYAML))
	f.Add(DefaultYAML())
	for _, tc := range badCases {
		f.Add([]byte(strings.Replace(baseYAML, tc.old, tc.new, 1)))
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("cluster: {node_classes: [{name: a, count: 1, cpu: 1, mem: 1GiB}]}\nroles: *nope\n"))
	f.Add([]byte("horizon: 1.5d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var pe *PosError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if s.NumNodes() > 2000 || s.Workload.Synthetic == nil {
			return // a valid but large cluster: building it is not what we fuzz
		}
		c, err := s.BuildCluster()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		g, err := NewSynthetic(s, c, s.Seed)
		if err != nil {
			t.Fatalf("valid scenario, generator error: %v", err)
		}
		for range 200 {
			in, err := g.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := in.Task.Req.Validate(); err != nil {
				t.Fatalf("invalid request %v: %v", in.Task.Req, err)
			}
		}
	})
}
