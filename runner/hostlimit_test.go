package runner

import (
	"cmp"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/workloads"
)

// jobPeaks reads a run's tasks.parquet and returns, per job, the most of
// its tasks that ran at the same time in one domain (an agent, or with
// byRack its rack), and each job's framework.
func jobPeaks(t *testing.T, dir string, byRack bool) (peak map[int64]int, fw map[int64]string) {
	type at struct {
		job    int64
		domain string
	}
	type edge struct {
		time float64
		d    int
	}
	domain := func(agent int32) string { return strconv.Itoa(int(agent)) }
	if byRack {
		agents, err := reports.ReadAgents(dir)
		require.NoError(t, err)
		rack := map[int32]string{}
		for _, a := range agents {
			rack[a.AgentID] = a.Rack
		}
		domain = func(agent int32) string { return rack[agent] }
	}
	edges := map[at][]edge{}
	fw = map[int64]string{}
	require.NoError(t, reports.ForEachTask(dir, func(r *reports.TaskRow) error {
		if r.AgentID != nil && r.StartS != nil && r.EndS > *r.StartS {
			k := at{r.JobID, domain(*r.AgentID)}
			edges[k] = append(edges[k], edge{*r.StartS, +1}, edge{r.EndS, -1})
			fw[r.JobID] = r.Framework
		}
		return nil
	}))
	peak = map[int64]int{}
	for k, es := range edges {
		// An attempt ending when another starts does not overlap it.
		slices.SortFunc(es, func(a, b edge) int { return cmp.Or(cmp.Compare(a.time, b.time), cmp.Compare(a.d, b.d)) })
		n := 0
		for _, e := range es {
			n += e.d
			peak[k.job] = max(peak[k.job], n)
		}
	}
	return peak, fw
}

// mostInOne is jobPeaks' most per framework.
func mostInOne(t *testing.T, dir string, byRack bool) map[string]int {
	peak, fw := jobPeaks(t, dir, byRack)
	most := map[string]int{}
	for job, n := range peak {
		most[fw[job]] = max(most[fw[job]], n)
	}
	return most
}

// TestHostLimitsAcrossModes: with limits on examples/small.yaml's services
// (1 per node, 4 per rack) and ETL jobs (2 per node), no mode or placement
// runs more of a job's tasks on one agent or rack, though without them
// first-fit exceeds all three.
func TestHostLimitsAcrossModes(t *testing.T) {
	data, err := os.ReadFile("../examples/small.yaml")
	require.NoError(t, err)
	run := func(mode string, params map[string]any, limits bool) (onAgent, inRack map[string]int) {
		sc, err := workloads.Parse("small.yaml", data)
		require.NoError(t, err)
		sc.Allocator.Name, sc.Allocator.Params = mode, params
		if limits {
			sc.Workload.Synthetic.Streams[0].HostLimit = 1
			sc.Workload.Synthetic.Streams[0].RackLimit = 4
			sc.Workload.Synthetic.Streams[1].HostLimit = 2
		}
		res, err := Run(sc, Options{Out: t.TempDir(), NoReport: true})
		require.NoError(t, err)
		return mostInOne(t, res.Dir, false), mostInOne(t, res.Dir, true)
	}
	free, freeRacks := run("monolithic", map[string]any{"placement": "first-fit"}, false)
	assert.Greater(t, free["aurora"], 1, "first-fit stacks a service's replicas")
	assert.Greater(t, freeRacks["aurora"], 4, "and in racks")
	assert.Greater(t, free["spark"], 2, "and an ETL job's tasks")
	for _, tc := range []struct {
		mode   string
		params map[string]any
	}{
		{"monolithic", map[string]any{"placement": "first-fit"}},
		{"monolithic", map[string]any{"placement": "first-fit", "preemption": true}},
		{"monolithic", map[string]any{"placement": "best-fit"}},
		{"monolithic", map[string]any{"placement": "fgd"}},
		{"monolithic", map[string]any{"placement": "kubernetes"}},
		{"drf", map[string]any{}},
		{"drf", map[string]any{"placement": "best-fit"}},
		{"static", map[string]any{}},
		{"omega", map[string]any{}},
	} {
		most, racks := run(tc.mode, tc.params, true)
		assert.LessOrEqual(t, most["aurora"], 1, "%s %v", tc.mode, tc.params)
		assert.LessOrEqual(t, racks["aurora"], 4, "%s %v", tc.mode, tc.params)
		assert.LessOrEqual(t, most["spark"], 2, "%s %v", tc.mode, tc.params)
		assert.Positive(t, most["spark"], "%s %v: ETL tasks ran", tc.mode, tc.params)
		assert.Positive(t, most["aurora"], "%s %v: services ran", tc.mode, tc.params)
	}
}

// flaggedJobs reads Google 2011 task_events part 0 with the standard
// library (not the traces package) and returns the jobs whose every event
// carries the different-machines restriction (column 13 = 1).
func flaggedJobs(t *testing.T, dir string) map[int64]bool {
	f, err := os.Open(filepath.Join(dir, "task_events", "part-00000-of-00500.csv.gz"))
	require.NoError(t, err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	require.NoError(t, err)
	r := csv.NewReader(z)
	r.FieldsPerRecord = 13
	all := map[int64]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		job, err := strconv.ParseInt(rec[2], 10, 64)
		require.NoError(t, err)
		flagged := rec[12] == "1"
		if was, seen := all[job]; !seen || was {
			all[job] = flagged
		}
	}
	return all
}

// TestGoogle2011DistinctMachines: replaying the first 30 minutes of the
// Google 2011 trace, no two tasks of a job with the different-machines
// restriction run on one machine at once; ignoring the restriction, the
// same replay stacks some, and the summary counts the flagged tasks.
func TestGoogle2011DistinctMachines(t *testing.T) {
	if testing.Short() {
		t.Skip("two trace replays")
	}
	run := func(ignore bool) (map[int64]int, *reports.Summary) {
		s := google2011(t)
		s.Horizon = workloads.Duration(30 * allocator.Minute)
		s.Workload.Trace.IgnoreConstraints = ignore
		res, err := Run(s, Options{Out: t.TempDir(), NoReport: true})
		require.NoError(t, err)
		var table strings.Builder
		require.NoError(t, WriteSummary(&table, res))
		want := "with the different-machines restriction"
		if ignore {
			want = "whose different-machines restriction was ignored"
		}
		assert.Regexp(t, `trace +[0-9,]+ tasks replayed, [0-9,]+ `+want, table.String())
		peak, _ := jobPeaks(t, res.Dir, false)
		return peak, res.Summary
	}
	flagged := flaggedJobs(t, google2011(t).Workload.Trace.Path)
	kept, sumKept := run(false)
	ignored, sumIgnored := run(true)
	checked, stacked := 0, 0
	for job, all := range flagged {
		if !all || kept[job] == 0 {
			continue
		}
		checked++
		require.Equal(t, 1, kept[job], "job %d", job)
		if ignored[job] > 1 {
			stacked++
		}
	}
	assert.Greater(t, checked, 100, "flagged jobs that ran")
	assert.Positive(t, stacked, "without the restriction first-fit stacks some flagged jobs")
	assert.Positive(t, sumKept.WorkloadCounters["distinct_machines"])
	assert.Equal(t, sumKept.WorkloadCounters["distinct_machines"], sumIgnored.WorkloadCounters["distinct_machines_ignored"])
	t.Logf("%d flagged jobs ran; %d of them stack tasks on a machine without the restriction", checked, stacked)
}

// TestTraceRuleLimits: a map rule puts the Google 2011 trace's production
// jobs (priority 9 and up) under a host limit of 1 the trace does not
// have (its own restriction ignored): none of them runs two tasks on one
// machine, while batch jobs, left alone, do.
func TestTraceRuleLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("a trace replay")
	}
	s := google2011(t)
	s.Horizon = workloads.Duration(30 * allocator.Minute)
	s.Workload.Trace.IgnoreConstraints = true
	s.Workload.Trace.Map[0].HostLimit = 1
	require.Equal(t, "prod", s.Workload.Trace.Map[0].Framework)
	res, err := Run(s, Options{Out: t.TempDir(), NoReport: true})
	require.NoError(t, err)
	most := mostInOne(t, res.Dir, false)
	assert.Equal(t, 1, most["prod"])
	assert.Greater(t, most["batch"], 1)
	assert.Positive(t, res.Summary.WorkloadCounters["scenario_limits"])
}
