package sweep

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

func TestParseAxis(t *testing.T) {
	for in, want := range map[string]Axis{
		"allocator.name=monolithic,omega":       {"allocator.name", []string{"monolithic", "omega"}},
		" seed = 7 ":                            {"seed", []string{"7"}},
		"allocator.params={a: 1, b: [2, 3]},{}": {"allocator.params", []string{"{a: 1, b: [2, 3]}", "{}"}},
		"frameworks.0.params.think_job=0.1":     {"frameworks.0.params.think_job", []string{"0.1"}},
	} {
		got, err := ParseAxis(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, msg := range map[string]string{
		"allocator.name":      "want path=value",
		"=omega":              "want path=value",
		"allocator..name=x":   "empty component",
		"allocator.name=a,,b": "an empty value",
		"allocator.name=":     "an empty value",
		"x={a: 1":             "unbalanced",
	} {
		_, err := ParseAxis(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), msg, in)
		}
	}
}

func TestPoints(t *testing.T) {
	m := Matrix{Axes: []Axis{{"a", []string{"1", "2"}}, {"b", []string{"x", "y", "z"}}}}
	var labels []string
	for _, p := range m.Points() {
		labels = append(labels, p.Label())
	}
	assert.Equal(t, []string{"a=1 b=x", "a=1 b=y", "a=1 b=z", "a=2 b=x", "a=2 b=y", "a=2 b=z"}, labels)
	assert.Equal(t, "base", Matrix{}.Points()[0].Label())
}

func small(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../examples/small.yaml")
	require.NoError(t, err)
	return data
}

// A sweep's figures are each run's own: the same with one or two parallel
// runs, and equal to running the scenario with that setting and seed alone.
func TestSweep(t *testing.T) {
	base := t.TempDir()
	m := Matrix{File: "../../examples/small.yaml", Doc: small(t), Seeds: []uint64{1, 2},
		Axes: []Axis{{"allocator.name", []string{"monolithic", "omega"}}, {"allocator.params", []string{"{}"}}}}
	var tables [2]string
	for i, jobs := range []int{1, 2} {
		m.Jobs, m.Out = jobs, filepath.Join(base, []string{"j1", "j2"}[i])
		res, err := m.Run()
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, WriteTable(&b, m.Axes, res))
		tables[i] = b.String()
		if i == 0 {
			var runs bytes.Buffer
			require.NoError(t, WriteRuns(&runs, m.Axes, res))
			lines := strings.Split(strings.TrimSpace(runs.String()), "\n")
			require.Len(t, lines, 5, "a header and 2 settings × 2 seeds")
			assert.True(t, strings.HasPrefix(lines[3], "omega\t{}\t1\t"), lines[3])

			// The omega run with seed 2, alone.
			s, err := workloads.Parse(m.File, mustApply(t, m.Doc, res.Points[1].Sets))
			require.NoError(t, err)
			alone, err := runner.Run(s, runner.Options{Out: filepath.Join(base, "alone"), Seed: 2, SeedSet: true, NoReport: true})
			require.NoError(t, err)
			assert.Equal(t, *alone.Summary, *res.Summaries[1][1])
			assert.Positive(t, res.Summaries[1][1].Transactions)
			assert.Zero(t, res.Summaries[0][1].Transactions)
			_, err = os.Stat(filepath.Join(res.Dirs[1][1], "summary.json"))
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, tables[0], tables[1])
	assert.Contains(t, tables[0], "| monolithic | {} |")
	assert.Contains(t, tables[0], "4 runs: 2 settings × 2 seeds")
}

func mustApply(t *testing.T, doc []byte, sets []workloads.Set) []byte {
	t.Helper()
	out, err := workloads.ApplySets(doc, sets)
	require.NoError(t, err)
	return out
}

// A setting the scenario rejects stops the sweep before any run.
func TestSweepRejectsBadSettingFirst(t *testing.T) {
	out := t.TempDir()
	m := Matrix{File: "small.yaml", Doc: small(t), Seeds: []uint64{1}, Out: out,
		Axes: []Axis{{"allocator.name", []string{"monolithic", "nope"}}}}
	_, err := m.Run()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "small.yaml with allocator.name=nope")
	assert.Contains(t, err.Error(), `unknown allocator "nope"`)
	_, statErr := os.Stat(filepath.Join(out, "runs"))
	assert.True(t, os.IsNotExist(statErr), "nothing ran")
}

// Keeping summaries only gives the same figures and leaves one JSON file a
// run, nothing else.
func TestSweepSummariesOnly(t *testing.T) {
	base := t.TempDir()
	m := Matrix{File: "../../examples/small.yaml", Doc: small(t), Seeds: []uint64{1}, Jobs: 2,
		Axes: []Axis{{"allocator.name", []string{"monolithic", "omega"}}, {"allocator.params", []string{"{}"}}}}
	var tables [2]string
	for i, only := range []bool{false, true} {
		m.SummariesOnly, m.Out = only, filepath.Join(base, fmt.Sprint(only))
		res, err := m.Run()
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, WriteTable(&b, m.Axes, res))
		tables[i] = b.String()
	}
	assert.Equal(t, tables[0], tables[1])
	entries, err := os.ReadDir(filepath.Join(base, "true", "summaries"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"00-seed1.json", "01-seed1.json"}, names)
	sum, err := os.ReadFile(filepath.Join(base, "true", "summaries", "01-seed1.json"))
	require.NoError(t, err)
	assert.Contains(t, string(sum), `"allocator": "omega"`)
}

// The table leaves out figures that are zero in every run and says so;
// runs.tsv keeps every column.
func TestTableLeavesOutAllZeroMetrics(t *testing.T) {
	sum := func(launched, offers int64) *reports.Summary {
		return &reports.Summary{Launched: launched, OffersMade: offers}
	}
	axes := []Axis{{"allocator.name", []string{"a", "b"}}}
	r := &Results{Seeds: []uint64{1, 2},
		Points:    []Point{{Sets: []workloads.Set{{Path: "allocator.name", Value: "a"}}}, {Sets: []workloads.Set{{Path: "allocator.name", Value: "b"}}}},
		Dirs:      [][]string{{"d1", "d2"}, {"d3", "d4"}},
		Summaries: [][]*reports.Summary{{sum(1, 0), sum(3, 0)}, {sum(5, 0), sum(5, 2)}}}
	var b bytes.Buffer
	require.NoError(t, WriteTable(&b, axes, r))
	want := "| allocator.name | launched | offers_made |\n|---|---|---|\n" +
		"| a | 2 ± 1.414 | 0 ± 0 |\n| b | 5 ± 0 | 1 ± 1.414 |\n\n" +
		"4 runs: 2 settings × 2 seeds (mean ± sample standard deviation over the seeds)\n" +
		"Zero in every run (left out): preempted, wasted_cpu_s, wait_mean_s, wait_p99_s, unscheduled, jct_p50_s, makespan_s, cpu_alloc_mean_frac, " +
		"gpu_alloc_mean_frac, jain_roles_mean, gpu_frag_mean_frac, replicas_sharing_node, transactions, claims_conflicted, scheduler_busy_s, jobs_abandoned\n"
	assert.Equal(t, want, b.String())
	var runs bytes.Buffer
	require.NoError(t, WriteRuns(&runs, axes, r))
	assert.Contains(t, strings.SplitN(runs.String(), "\n", 2)[0], "\toffers_made\ttransactions\t")
}

// A trace scenario's settings are checked before anything runs too, without
// reading the trace: a bad allocator parameter fails at once.
func TestSweepChecksTraceScenarioFirst(t *testing.T) {
	traceDir := t.TempDir() // never opened: the check stops at the allocator
	doc := "name: t\nhorizon: 1h\ncluster: {node_classes: []}\nroles: [{name: r}]\nframeworks: [{name: f, role: r}]\n" +
		"workload: {trace: {format: google2011, path: " + traceDir + ", machines: true, machine_shape: {cpu: 32, mem: 128GiB, disk: 1TiB}, map: [{framework: f}]}}\n" +
		"allocator: {name: monolithic, params: {placement: first-fit}}\n"
	out := t.TempDir()
	m := Matrix{File: "t.yaml", Doc: []byte(doc), Seeds: []uint64{1}, Out: out,
		Axes: []Axis{{"allocator.params.scan_limit", []string{"10", "0"}}}}
	_, err := m.Run()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "t.yaml with allocator.params.scan_limit=0")
	assert.Contains(t, err.Error(), `"scan_limit": want a whole number ≥ 1`)
	_, statErr := os.Stat(filepath.Join(out, "runs"))
	assert.True(t, os.IsNotExist(statErr), "nothing ran")
}
