package traces

import (
	"fmt"
	"io"
	"sort"
)

// Stats counts what a reader saw and what it skipped, by name. Nothing a
// reader drops goes uncounted.
type Stats struct {
	m map[string]int64
}

// Add adds n to the counter name.
func (s *Stats) Add(name string, n int64) {
	if s.m == nil {
		s.m = map[string]int64{}
	}
	s.m[name] += n
}

// Get returns a counter (0 when absent).
func (s *Stats) Get(name string) int64 { return s.m[name] }

// Names returns the counter names, sorted.
func (s *Stats) Names() []string {
	names := make([]string, 0, len(s.m))
	for k := range s.m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Map returns a copy of the counters.
func (s *Stats) Map() map[string]int64 {
	out := make(map[string]int64, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// Write prints the counters one per line, sorted by name.
func (s *Stats) Write(w io.Writer) {
	for _, k := range s.Names() {
		fmt.Fprintf(w, "%s\t%d\n", k, s.m[k])
	}
}
