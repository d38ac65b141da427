package traces

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// simpleG11 recomputes, deliberately simply (encoding/csv, strconv floats,
// maps of everything), what the Google 2011 reader should produce from the
// task_events parts when its lookahead covers the whole input: the runs,
// their submit span and request quantiles, plus raw event counts.
type simpleG11 struct {
	events       map[string]int64
	runs         int
	jobs         map[int64]bool
	firstSubmit  int64
	lastSubmit   int64
	cpu, mem     []int64
	outcomes     map[string]int64
	firstEventUS int64
	lastEventUS  int64
	jobEvents    map[string]int64
}

func computeSimpleG11(t *testing.T, dir string, parts int) simpleG11 {
	files, err := filepath.Glob(filepath.Join(dir, "task_events", "*.csv.gz"))
	require.NoError(t, err)
	slices.Sort(files)
	files = files[:parts]
	names := []string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running"}
	out := simpleG11{events: map[string]int64{}, jobs: map[int64]bool{}, outcomes: map[string]int64{}, firstSubmit: -1, firstEventUS: -1, jobEvents: map[string]int64{}}
	type run struct {
		submit, start int64
		running       bool
		hasReq        bool
		cpu, mem      int64
		order         int
	}
	open := map[[2]int64]*run{}
	type done struct {
		submit   int64
		cpu, mem int64
		outcome  string
		order    int
		job      int64
	}
	var finished []done
	order := 0
	scale := func(s string, full float64) int64 {
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		v := int64(math.Round(f * full))
		if v == 0 && f > 0 {
			v = 1
		}
		return v
	}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		zr, err := gzip.NewReader(fh)
		require.NoError(t, err)
		cr := csv.NewReader(zr)
		cr.FieldsPerRecord = 13
		for {
			row, err := cr.Read()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			tm, _ := strconv.ParseInt(row[0], 10, 64)
			job, _ := strconv.ParseInt(row[2], 10, 64)
			idx, _ := strconv.ParseInt(row[3], 10, 64)
			typ, _ := strconv.Atoi(row[5])
			out.events[names[typ]]++
			if out.firstEventUS < 0 {
				out.firstEventUS = tm
			}
			out.lastEventUS = tm
			k := [2]int64{job, idx}
			r := open[k]
			switch typ {
			case 0, 1: // SUBMIT, SCHEDULE
				if r == nil {
					r = &run{submit: tm, order: order}
					order++
					open[k] = r
					if row[9] != "" && row[10] != "" {
						r.hasReq, r.cpu, r.mem = true, scale(row[9], 32000), scale(row[10], 131072)
					}
				}
				if typ == 1 && !r.running {
					r.running, r.start = true, tm
				}
			case 2, 3, 4, 5, 6:
				if r == nil {
					continue
				}
				delete(open, k)
				if r.running && r.hasReq {
					finished = append(finished, done{r.submit, r.cpu, r.mem, []string{"evicted", "failed", "finished", "killed", "lost"}[typ-2], r.order, job})
				}
			case 7:
				if r != nil && !r.running && row[9] != "" && row[10] != "" {
					r.hasReq, r.cpu, r.mem = true, scale(row[9], 32000), scale(row[10], 131072)
				}
			}
		}
		zr.Close()
		fh.Close()
	}
	for k, r := range open { // still open at the end: emitted as running
		if r.hasReq {
			finished = append(finished, done{r.submit, r.cpu, r.mem, "running", r.order, k[0]})
		}
	}
	slices.SortFunc(finished, func(a, b done) int { return a.order - b.order })
	out.runs = len(finished)
	for _, d := range finished {
		out.jobs[d.job] = true
		if out.firstSubmit < 0 {
			out.firstSubmit = d.submit
		}
		out.lastSubmit = d.submit
		out.cpu = append(out.cpu, d.cpu)
		out.mem = append(out.mem, d.mem)
		out.outcomes[d.outcome]++
	}
	slices.Sort(out.cpu)
	slices.Sort(out.mem)

	jfiles, err := filepath.Glob(filepath.Join(dir, "job_events", "*.csv.gz"))
	require.NoError(t, err)
	slices.Sort(jfiles)
	for _, f := range jfiles[:parts] {
		fh, err := os.Open(f)
		require.NoError(t, err)
		zr, err := gzip.NewReader(fh)
		require.NoError(t, err)
		cr := csv.NewReader(zr)
		cr.FieldsPerRecord = 8
		rows, err := cr.ReadAll()
		require.NoError(t, err)
		for _, row := range rows {
			typ, err := strconv.Atoi(row[3])
			require.NoError(t, err)
			out.jobEvents[names[typ]]++
		}
		zr.Close()
		fh.Close()
	}
	return out
}

func quantile(vs []int64, q float64) int64 {
	k := int(math.Ceil(q * float64(len(vs))))
	return vs[max(k, 1)-1]
}

func TestGoogle2011TaskEventsAgainstSimpleComputation(t *testing.T) {
	dir := filepath.Join(tracesDir(t), "google-2011")
	parts := 10
	if testing.Short() {
		parts = 2
	}
	want := computeSimpleG11(t, dir, parts)

	// A lookahead longer than the input: every run's end is known.
	r, err := OpenGoogle2011(dir, Google2011Options{Options: Options{Lookahead: 1000 * allocator.Hour}, MaxParts: parts})
	require.NoError(t, err)
	info, err := Summarize(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())

	for k, v := range want.events {
		require.Equal(t, v, info.Counters["task_event_"+k], k)
	}
	for k, v := range want.jobEvents {
		require.Equal(t, v, info.Counters["job_event_"+k], "job "+k)
	}
	require.NotEmpty(t, want.jobEvents)
	require.EqualValues(t, want.runs, info.Tasks)
	require.EqualValues(t, len(want.jobs), info.Jobs)
	require.Equal(t, want.firstSubmit, info.FirstSubmitUS)
	require.Equal(t, want.lastSubmit, info.LastSubmitUS)
	require.Equal(t, want.outcomes, info.Outcomes)
	for _, q := range []struct {
		q    float64
		pick func(Quantiles) int64
	}{{0.5, func(x Quantiles) int64 { return x.P50 }}, {0.9, func(x Quantiles) int64 { return x.P90 }},
		{0.99, func(x Quantiles) int64 { return x.P99 }}, {1, func(x Quantiles) int64 { return x.Max }}} {
		require.Equal(t, quantile(want.cpu, q.q), q.pick(info.RequestQuantiles["cpu_milli"]), "cpu q%v", q.q)
		require.Equal(t, quantile(want.mem, q.q), q.pick(info.RequestQuantiles["mem_mib"]), "mem q%v", q.q)
	}
	t.Logf("%d parts: %d runs of %d jobs, submits %d…%d µs, events %v, cpu p50/p99 %d/%d milli",
		parts, want.runs, len(want.jobs), want.firstSubmit, want.lastSubmit, want.events, quantile(want.cpu, .5), quantile(want.cpu, .99))
}
