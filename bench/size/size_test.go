package size

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/reports/metrics"
)

func TestParseTarget(t *testing.T) {
	sum := &reports.Summary{Tasks: metrics.TaskSummary{WaitS: metrics.Dist{P99: 30}, Outcomes: map[string]int64{"unscheduled": 4}}}
	for _, c := range []struct {
		in, name, op string
		value        float64
		got          float64 // the figure read from sum
	}{
		{"wait_p99_s<=60", "wait_p99_s", "<=", 60, 30},
		{" tasks.wait_s.p99 < 1e3 ", "tasks.wait_s.p99", "<", 1000, 30},
		{"unscheduled>=2", "unscheduled", ">=", 2, 4},
		{"tasks.outcomes.preempted>-1", "tasks.outcomes.preempted", ">", -1, 0},
	} {
		tg, err := ParseTarget(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.name, tg.Metric.Name, c.in)
		assert.Equal(t, c.op, tg.Op, c.in)
		assert.Equal(t, c.value, tg.Value, c.in)
		assert.Equal(t, c.got, tg.Metric.Get(sum), c.in)
	}
	for in, want := range map[string]string{
		"wait_p99_s":          "want figure<=value",
		"<=5":                 "no figure before <=",
		"wait_p99_s<=soon":    `want a finite number after <=, got "soon"`,
		"wait_p99_s<=NaN":     "want a finite number",
		"wait_p99_s<=+Inf":    "want a finite number",
		"nosuch.figure<=1":    `summary.json has no "nosuch"`,
		"wait_p99_s<=1<=2":    "want a finite number",
		"tasks..wait_s.p99<1": "empty component",
	} {
		_, err := ParseTarget(in)
		assert.ErrorContains(t, err, want, in)
	}
}

func TestTargetHoldsAndWorst(t *testing.T) {
	le, err := ParseTarget("wait_p99_s<=10")
	require.NoError(t, err)
	ge, err := ParseTarget("launched>10")
	require.NoError(t, err)
	assert.True(t, le.Holds(10))
	assert.False(t, le.Holds(10.5))
	assert.False(t, le.Holds(math.NaN()))
	assert.False(t, ge.Holds(10))
	assert.True(t, ge.Holds(11))
	assert.Equal(t, 9.0, le.worst([]float64{3, 9, 1}))
	assert.Equal(t, 1.0, ge.worst([]float64{3, 9, 1}))
	assert.True(t, math.IsNaN(le.worst([]float64{3, math.NaN(), 1})), "a seed without the figure fails")
}

// bisect against a threshold: the answer is the first (last, with
// Largest) value that passes, every probe lies on the grid, and the probes
// number about log2 of the steps.
func TestBisect(t *testing.T) {
	for _, c := range []struct {
		lo, hi, step int64
		largest      bool
		threshold    int64 // values ≥ threshold pass (≤ with largest)
		found        bool
		answer       int64
	}{
		{10, 200, 10, false, 143, true, 150},
		{10, 200, 10, false, 150, true, 150},
		{10, 200, 10, false, 10, true, 10},
		{10, 200, 10, false, 5, true, 10},
		{10, 200, 10, false, 201, false, 0},
		{10, 200, 10, false, 200, true, 200},
		{1, 1000, 1, false, 777, true, 777},
		{10, 200, 10, true, 143, true, 140},
		{10, 200, 10, true, 9, false, 0},
		{10, 200, 10, true, 500, true, 200},
		{5, 5, 1, false, 5, true, 5},
		{5, 5, 1, false, 6, false, 0},
	} {
		s := Search{Path: "x", Lo: c.lo, Hi: c.hi, Step: c.step, Largest: c.largest}
		var probed []int64
		r, err := s.bisect(func(v int64) (Probe, error) {
			probed = append(probed, v)
			pass := v >= c.threshold
			if c.largest {
				pass = v <= c.threshold
			}
			return Probe{Value: v, Pass: pass}, nil
		})
		require.NoError(t, err)
		assert.Equal(t, c.found, r.Found, "%+v", c)
		if c.found {
			assert.Equal(t, c.answer, r.Answer, "%+v", c)
		}
		steps := (c.hi - c.lo) / c.step
		assert.LessOrEqual(t, len(probed), 2+int(math.Ceil(math.Log2(float64(steps+1)))), "%+v probed %v", c, probed)
		for _, v := range probed {
			assert.Zero(t, (v-c.lo)%c.step, "%d off the grid", v)
			assert.True(t, v >= c.lo && v <= c.hi, "%d out of range", v)
		}
		assert.Len(t, r.Probes, len(probed))
	}
}

func TestSearchChecksItsQuestion(t *testing.T) {
	tg, err := ParseTarget("wait_p99_s<=1")
	require.NoError(t, err)
	ok := Search{Path: "x", Lo: 1, Hi: 9, Step: 2, Targets: []Target{tg}, Seeds: []uint64{1}}
	require.NoError(t, ok.check())
	for want, edit := range map[string]func(*Search){
		"no setting to vary":          func(s *Search) { s.Path = "" },
		"step 0: want at least 1":     func(s *Search) { s.Step = 0 },
		"the low end is above":        func(s *Search) { s.Lo = 11 },
		"not a whole number of steps": func(s *Search) { s.Hi = 10 },
		"no target":                   func(s *Search) { s.Targets = nil },
		"no seed":                     func(s *Search) { s.Seeds = nil },
	} {
		s := ok
		edit(&s)
		_, err := s.Run()
		assert.ErrorContains(t, err, want)
	}
}

func TestOutputs(t *testing.T) {
	tg, err := ParseTarget("wait_p99_s<=1")
	require.NoError(t, err)
	s := Search{File: "s.yaml", Path: "cluster.node_classes.0.count", Lo: 10, Hi: 30, Step: 10, Targets: []Target{tg}, Seeds: []uint64{1, 2}}
	r := &Result{Found: true, Answer: 20, Probes: []Probe{
		{Value: 30, Pass: true, Worst: []Figure{0.5}},
		{Value: 10, Pass: false, Worst: []Figure{Figure(math.NaN())}},
		{Value: 20, Pass: true, Worst: []Figure{0.75}},
	}}
	var md bytes.Buffer
	require.NoError(t, WriteTable(&md, s, r))
	assert.Equal(t, "| cluster.node_classes.0.count | meets targets | wait_p99_s<=1 (worst seed) |\n|---|---|---|\n"+
		"| 10 | no | – |\n| 20 | yes | 0.75 |\n| 30 | yes | 0.5 |\n\n"+
		"Smallest cluster.node_classes.0.count from 10 to 30 (step 10) with wait_p99_s<=1 in every one of 2 seeds: **20** "+
		"(3 probes; bisection assumes the targets are monotone in the setting)\n", md.String())
	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, s, r))
	var back map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, 20.0, back["answer"])
	assert.Nil(t, back["probes"].([]any)[1].(map[string]any)["worst"].([]any)[0], "NaN is null")

	md.Reset()
	require.NoError(t, WriteTable(&md, s, &Result{Probes: r.Probes[:1]}))
	assert.Contains(t, md.String(), "No cluster.node_classes.0.count from 10 to 30 (step 10) gives wait_p99_s<=1 in every one of 2 seeds: not even 30")
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"wait_p99_s<=60", "tasks.wait_s.p99 < 1e3", "a>=b", "<", "x<=1<=2", "wait_s_by_framework.batch.dist.mean>0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		require.False(t, math.IsNaN(tg.Value) || math.IsInf(tg.Value, 0))
		require.Contains(t, ops, tg.Op)
		again, err := ParseTarget(tg.String())
		require.NoError(t, err, "%q → %q", s, tg.String())
		require.Equal(t, tg.Op, again.Op)
		require.Equal(t, tg.Value, again.Value)
		require.Equal(t, tg.Metric.Name, again.Metric.Name)
	})
}

// A unit after the values (an arrival rate per minute) goes into the
// scenario with each value and into the table and the answer.
func TestSuffix(t *testing.T) {
	tg, err := ParseTarget("wait_p99_s<=1")
	require.NoError(t, err)
	s := Search{Path: "workload.synthetic.streams.1.arrival.rate", Suffix: "/m", Lo: 4, Hi: 8, Step: 2, Largest: true,
		Targets: []Target{tg}, Seeds: []uint64{1}}
	var md bytes.Buffer
	require.NoError(t, WriteTable(&md, s, &Result{Found: true, Answer: 6, Probes: []Probe{{Value: 6, Pass: true, Worst: []Figure{0}}}}))
	assert.Contains(t, md.String(), "| 6/m | yes | 0 |")
	assert.Contains(t, md.String(), "Largest workload.synthetic.streams.1.arrival.rate from 4 to 8 (step 2) with wait_p99_s<=1 in every one of 1 seeds: **6/m**")

	data, err := os.ReadFile("../../examples/small.yaml")
	require.NoError(t, err)
	s.File, s.Doc, s.Out = "small.yaml", data, t.TempDir()
	p, err := s.probe(30)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(s.Out, "30", "summaries", "00-seed1.json"))
	require.NoError(t, err)
	var sum struct {
		Config struct {
			Workload struct {
				Synthetic struct {
					Streams []struct {
						Arrival struct {
							RatePerS float64 `json:"rate_per_s"`
						} `json:"arrival"`
					} `json:"streams"`
				} `json:"synthetic"`
			} `json:"workload"`
		} `json:"config"`
	}
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.Equal(t, 0.5, sum.Config.Workload.Synthetic.Streams[1].Arrival.RatePerS, "30/m")
	assert.False(t, p.Pass, "30 ETL jobs a minute overload the small cluster")
}
