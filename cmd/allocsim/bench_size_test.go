package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/runner"
	"github.com/allocsim/allocsim/workloads"
)

// TestBenchSize asks how many CPU nodes the small scenario needs for a p99
// wait of at most 1 s, then checks the answer with runs of its own: the
// answer meets the target in every seed, one step fewer does not in some.
func TestBenchSize(t *testing.T) {
	out := filepath.Join(t.TempDir(), "size")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"bench", "size", "../../examples/small.yaml", "--vary", "cluster.node_classes.0.count", "--range", "100-200",
		"--step", "10", "--target", "wait_p99_s<=1", "--seeds", "1-2", "--set", "allocator.params.placement=first-fit", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	var res struct {
		Found  bool  `json:"found"`
		Answer int64 `json:"answer"`
		Probes []struct {
			Value int64 `json:"value"`
		} `json:"probes"`
	}
	js, err := os.ReadFile(filepath.Join(out, "size.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(js, &res))
	require.True(t, res.Found, stdout.String())
	assert.Contains(t, stdout.String(), "**"+strconv.FormatInt(res.Answer, 10)+"**")
	md, err := os.ReadFile(filepath.Join(out, "size.md"))
	require.NoError(t, err)
	assert.Equal(t, stdout.String(), string(md))
	assert.LessOrEqual(t, len(res.Probes), 6, "bisection over 11 values")

	worstP99 := func(nodes int64) float64 {
		w := 0.0
		for _, seed := range []uint64{1, 2} {
			s, err := workloads.Load("../../examples/small.yaml")
			require.NoError(t, err)
			s.Cluster.NodeClasses[0].Count = int(nodes)
			r, err := runner.Run(s, runner.Options{Seed: seed, SeedSet: true, NoMetrics: false, Out: t.TempDir(), NoReport: true})
			require.NoError(t, err)
			w = max(w, r.Summary.Tasks.WaitS.P99)
		}
		return w
	}
	assert.LessOrEqual(t, worstP99(res.Answer), 1.0)
	if res.Answer > 100 {
		assert.Greater(t, worstP99(res.Answer-10), 1.0)
	}

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--range", "1-9", "--target", "wait_p99_s<=1"}, "--vary: give the setting"},
		{[]string{"--vary", "x", "--range", "9", "--target", "wait_p99_s<=1"}, `--range "9": want LO-HI`},
		{[]string{"--vary", "x", "--range", "1-x", "--target", "wait_p99_s<=1"}, "want LO-HI with integers"},
		{[]string{"--vary", "x", "--range", "1-9"}, "--target: give at least one"},
		{[]string{"--vary", "x", "--range", "1-9", "--target", "wait<1"}, `summary.json has no "wait"`},
		{[]string{"--vary", "x", "--range", "1-10", "--step", "2", "--target", "wait_p99_s<=1"}, "not a whole number of steps"},
		{[]string{smallScenario, "--vary", "cluster.node_classes.0.count", "--range", "0-10", "--step", "10", "--target", "wait_p99_s<=1",
			"--largest", "--out", out}, "count: must be > 0"},
	} {
		stderr.Reset()
		assert.Equal(t, 1, Main(append([]string{"bench", "size"}, c.args...), &stdout, &stderr), c.args)
		assert.Contains(t, stderr.String(), c.msg, c.args)
	}
}

func TestParseRange(t *testing.T) {
	for in, want := range map[string][2]int64{"1-9": {1, 9}, " 100 - 200 ": {100, 200}, "-5-5": {-5, 5}, "-9--1": {-9, -1}} {
		lo, hi, err := parseRange(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, [2]int64{lo, hi}, in)
	}
	for _, in := range []string{"", "-", "5", "1-", "-1", "a-b", "1-2-3"} {
		_, _, err := parseRange(in)
		assert.Error(t, err, in)
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"1-9", "-5-5", "-9--1", " 100 - 200 ", "5", "a-b", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, err := parseRange(s)
		if err != nil {
			return
		}
		lo2, hi2, err := parseRange(strconv.FormatInt(lo, 10) + "-" + strconv.FormatInt(hi, 10))
		require.NoError(t, err)
		require.Equal(t, [2]int64{lo, hi}, [2]int64{lo2, hi2})
	})
}
