package sweep

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
)

var update = flag.Bool("update", false, "rewrite the tables of testdata/scenarios/*.txt")

// TestScenarios runs the data-driven cases of testdata/scenarios: each file
// names a scenario, settings applied to every run, the axes swept and the
// seeds, then the orderings the policies must show, seed by seed. Below its
// "----" line is the sweep's table, compared byte for byte (go test -run
// TestScenarios -update rewrites it, to be reviewed in the diff). A case
// pins every compared policy's decisions at once: a change that moves any
// of them shows in the diff, and one that breaks an expected ordering fails
// with the seed and the two values. Directives, one per line:
//
//	scenario PATH             the scenario file, relative to the case file
//	# …                       a comment (also after a directive, after a space)
//	set PATH=VALUE            a value for every run (repeatable)
//	sweep PATH=V1,V2,…        an axis (repeatable; the first varies slowest)
//	seeds 1,2                 the seeds
//	metric PATH               an extra column, a summary.json path (repeatable)
//	expect A METRIC OP B METRIC | expect A METRIC OP NUMBER
//
// A and B name points by their axis values joined with "/" (e.g.
// "omega/best-fit"); OP is one of < <= > >= == !=; METRIC is a column of
// the table or any summary.json path.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			c, err := readCase(file)
			require.NoError(t, err)
			m := Matrix{File: c.scenario, Doc: c.doc, Axes: c.axes, Seeds: c.seeds,
				Out: t.TempDir(), SummariesOnly: true}
			res, err := m.Run()
			require.NoError(t, err)
			for _, e := range c.expects {
				require.NoError(t, e.check(res), "%s:%d", file, e.line)
			}
			var table bytes.Buffer
			require.NoError(t, WriteTable(&table, c.axes, res, c.metrics...))
			if *update {
				require.NoError(t, os.WriteFile(file, append(c.head, table.Bytes()...), 0o644))
				return
			}
			require.Equal(t, c.table, table.String(), "%s: the table changed (rerun with -update and review the diff)", file)
		})
	}
}

type scenarioCase struct {
	scenario string // the scenario file
	doc      []byte // its contents with the case's sets applied
	axes     []Axis
	seeds    []uint64
	metrics  []Metric
	expects  []expectation
	head     []byte // the file up to and including "----\n"
	table    string // the file after it
}

// expectation: a's metric op b's metric (or op the number want).
type expectation struct {
	line         int
	a, b         string
	metricA      Metric
	metricB      Metric
	op           string
	want         float64
	againstPoint bool
}

func readCase(file string) (*scenarioCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	head, table, ok := bytes.Cut(data, []byte("----\n"))
	if !ok {
		return nil, fmt.Errorf("%s: no \"----\" line before the table", file)
	}
	c := &scenarioCase{head: data[:len(head)+len("----\n")], table: string(table)}
	var sets []workloads.Set
	sc := bufio.NewScanner(bytes.NewReader(head))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), " #") // a comment to the end of the line
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verb, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		fail := func(err error) error { return fmt.Errorf("%s:%d: %s: %w", file, n, verb, err) }
		switch verb {
		case "scenario":
			c.scenario = filepath.Join(filepath.Dir(file), rest)
		case "set":
			path, value, ok := strings.Cut(rest, "=")
			if !ok {
				return nil, fail(fmt.Errorf("want PATH=VALUE, got %q", rest))
			}
			sets = append(sets, workloads.Set{Path: path, Value: value})
		case "sweep":
			a, err := ParseAxis(rest)
			if err != nil {
				return nil, fail(err)
			}
			c.axes = append(c.axes, a)
		case "seeds":
			for _, s := range strings.Split(rest, ",") {
				v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return nil, fail(err)
				}
				c.seeds = append(c.seeds, v)
			}
		case "metric":
			m, err := ParseMetric(rest)
			if err != nil {
				return nil, fail(err)
			}
			c.metrics = append(c.metrics, m)
		case "expect":
			e, err := parseExpectation(rest)
			if err != nil {
				return nil, fail(err)
			}
			e.line = n
			c.expects = append(c.expects, e)
		default:
			return nil, fmt.Errorf("%s:%d: unknown directive %q (scenario, set, sweep, seeds, metric, expect)", file, n, verb)
		}
	}
	if c.scenario == "" || len(c.seeds) == 0 {
		return nil, fmt.Errorf("%s: a case needs a scenario and seeds", file)
	}
	doc, err := os.ReadFile(c.scenario)
	if err != nil {
		return nil, err
	}
	if c.doc, err = workloads.ApplySets(doc, sets); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

func parseExpectation(s string) (expectation, error) {
	f := strings.Fields(s)
	if len(f) != 4 && len(f) != 5 {
		return expectation{}, fmt.Errorf("want A METRIC OP B METRIC or A METRIC OP NUMBER, got %q", s)
	}
	e := expectation{a: f[0], op: f[2]}
	if _, ok := compare[e.op]; !ok {
		return e, fmt.Errorf("unknown comparison %q (< <= > >= == !=)", e.op)
	}
	var err error
	if e.metricA, err = metricNamed(f[1]); err != nil {
		return e, err
	}
	if len(f) == 4 {
		e.want, err = strconv.ParseFloat(f[3], 64)
		return e, err
	}
	e.b, e.againstPoint = f[3], true
	e.metricB, err = metricNamed(f[4])
	return e, err
}

// metricNamed is a column of the sweep's table or a summary.json path.
func metricNamed(name string) (Metric, error) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, nil
		}
	}
	return ParseMetric(name)
}

var compare = map[string]func(x, y float64) bool{
	"<": func(x, y float64) bool { return x < y }, "<=": func(x, y float64) bool { return x <= y },
	">": func(x, y float64) bool { return x > y }, ">=": func(x, y float64) bool { return x >= y },
	"==": func(x, y float64) bool { return x == y }, "!=": func(x, y float64) bool { return x != y },
}

// check holds the expectation in every seed of r.
func (e expectation) check(r *Results) error {
	a, err := pointNamed(r, e.a)
	if err != nil {
		return err
	}
	b := -1
	if e.againstPoint {
		if b, err = pointNamed(r, e.b); err != nil {
			return err
		}
	}
	for s, seed := range r.Seeds {
		x, y := e.metricA.Get(r.Summaries[a][s]), e.want
		rhs := strconv.FormatFloat(e.want, 'g', -1, 64)
		if b >= 0 {
			y = e.metricB.Get(r.Summaries[b][s])
			rhs = fmt.Sprintf("%s %s = %g", e.b, e.metricB.Name, y)
		}
		if math.IsNaN(x) || math.IsNaN(y) || !compare[e.op](x, y) {
			return fmt.Errorf("seed %d: expected %s %s = %g %s %s", seed, e.a, e.metricA.Name, x, e.op, rhs)
		}
	}
	return nil
}

// pointNamed finds the point whose axis values, joined with "/", are name.
func pointNamed(r *Results, name string) (int, error) {
	var names []string
	for i, p := range r.Points {
		v := make([]string, len(p.Sets))
		for k, s := range p.Sets {
			v[k] = s.Value
		}
		n := strings.Join(v, "/")
		if n == name {
			return i, nil
		}
		names = append(names, n)
	}
	return -1, fmt.Errorf("no point %q (points: %s)", name, strings.Join(names, ", "))
}

func TestReadCaseErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"no table line", "scenario x.yaml\nseeds 1\n", `no "----" line`},
		{"unknown directive", "scenery x.yaml\n----\n", `:1: unknown directive "scenery"`},
		{"bad set", "set horizon\n----\n", `:1: set: want PATH=VALUE`},
		{"bad seed", "seeds 1,x\n----\n", `:1: seeds:`},
		{"bad comparison", "expect a launched ~ 3\n----\n", `unknown comparison "~"`},
		{"bad expectation", "expect a launched <\n----\n", `want A METRIC OP B METRIC`},
		{"unknown metric", "expect a nope < 3\n----\n", `summary.json has no "nope"`},
		{"no seeds", "scenario x.yaml\n----\n", "a case needs a scenario and seeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "case.txt")
			require.NoError(t, os.WriteFile(file, []byte(tc.text), 0o644))
			_, err := readCase(file)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestExpectationNamesThePoint(t *testing.T) {
	e, err := parseExpectation("b launched > a launched")
	require.NoError(t, err)
	r := &Results{Seeds: []uint64{7}, Points: []Point{
		{Sets: []workloads.Set{{Path: "p", Value: "a"}}}, {Sets: []workloads.Set{{Path: "p", Value: "b"}}}},
		Summaries: [][]*reports.Summary{{{Launched: 5}}, {{Launched: 4}}}}
	require.EqualError(t, e.check(r), "seed 7: expected b launched = 4 > a launched = 5")
	r.Summaries[1][0].Launched = 6
	require.NoError(t, e.check(r))
	e.b = "c"
	require.ErrorContains(t, e.check(r), `no point "c" (points: a, b)`)
}
