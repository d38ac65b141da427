package gate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Samples are one file's results: for each benchmark (package and name)
// and unit, the values of every run, in file order.
type Samples struct {
	Keys   []Key // in order of first appearance
	Values map[Key][]float64
}

// Key names one metric of one benchmark.
type Key struct {
	Pkg, Name, Unit string
}

func (k Key) String() string {
	if k.Pkg == "" {
		return k.Name + " " + k.Unit
	}
	return k.Pkg + "." + k.Name + " " + k.Unit
}

// maxLine bounds a line of benchmark output (a result line is short).
const maxLine = 1 << 20

// Parse reads `go test -bench` output. Lines other than results and "pkg:"
// are ignored (test logs, PASS, ok); a line that starts like a result (a
// name beginning with "Benchmark", then a whole number of iterations) must
// be one: value and unit pairs, each value a finite number. name is used in
// errors.
func Parse(name string, r io.Reader) (*Samples, error) {
	s := &Samples{Values: map[Key][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	pkg := ""
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if v, ok := strings.CutPrefix(text, "pkg:"); ok {
			pkg = strings.TrimSpace(v)
			continue
		}
		f := strings.Fields(text)
		if len(f) < 2 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
			continue // a log line that happens to start with "Benchmark"
		}
		if len(f) < 4 || len(f)%2 != 0 {
			return nil, fmt.Errorf("%s:%d: %s: want value and unit pairs after the iteration count, got %q", name, line, f[0], strings.Join(f[2:], " "))
		}
		for i := 2; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: %s: value %q of %s: want a finite number", name, line, f[0], f[i], f[i+1])
			}
			for j := 3; j < i; j += 2 {
				if f[j] == f[i+1] { // one run would count as two samples of the unit
					return nil, fmt.Errorf("%s:%d: %s: unit %s given twice on one line", name, line, f[0], f[i+1])
				}
			}
			k := Key{Pkg: pkg, Name: f[0], Unit: f[i+1]}
			if _, seen := s.Values[k]; !seen {
				s.Keys = append(s.Keys, k)
			}
			s.Values[k] = append(s.Values[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}
