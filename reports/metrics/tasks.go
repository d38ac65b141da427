package metrics

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"github.com/allocsim/allocsim/allocator"
)

// SlowdownFloorS is the run-time floor of the bounded slowdown, in seconds:
// slowdown = max(1, (wait + run) / max(run, 10 s)), as is usual for workload
// traces (Feitelson), so that second-long tasks do not dominate the figure.
const SlowdownFloorS = 10.0

// Task is one task attempt as the statistics need it; times in seconds.
type Task struct {
	Job       int64
	Framework int32
	Priority  int32
	Class     int32
	Submit    float64 // the task's submit time (first attempt)
	Ready     float64 // when this attempt became pending
	Start     float64 // valid when Started
	End       float64 // when the attempt ended or the run stopped
	Started   bool
	Running   bool // still running when the run stopped (Outcome is then meaningless)
	Service   bool // runs until the horizon: no completion time
	Outcome   allocator.Outcome
}

// Wait is the attempt's queueing delay; only meaningful when Started.
func (t *Task) Wait() float64 { return t.Start - t.Ready }

type jobKey struct {
	fw  int32
	job int64
}

type jobAcc struct {
	job        int64
	fw         int32
	submit     float64
	end        float64
	incomplete bool
	finished   bool
}

// Wait groupings: by framework, priority and class.
const (
	byFramework = iota
	byPriority
	byClass
	numGroupings
)

// TaskStats accumulates per-attempt figures. Memory is a small record per
// started attempt and per job; the full rows are not kept (the collector
// streams them to Parquet).
type TaskStats struct {
	Attempts int64
	Started  int64
	Running  int64 // still running when the run stopped
	Outcomes [allocator.NumOutcomes]int64
	firstSub float64
	lastEnd  float64
	anyEnd   bool
	waits    sortedRuns
	waitsBy  [numGroupings]keyedRuns // sorted as they come too: Summary has no pass to group them
	// unsched and unschedBy: how long the attempts that never started had
	// waited when the run stopped or they were given up (unscheduled).
	unsched   sortedRuns
	unschedBy keyedRuns
	slowdown  sortedRuns
	jobIdx    map[jobKey]int32 // jobs whose id does not fit dense
	dense     [][]int32        // [framework][job id] → index+1 into jobs, for small ids
	jobs      jobTable
	sawSubmit bool
}

// Job ids below denseJobs (of frameworks below denseFws) are looked up in a
// slice — generators number jobs from 0 — and others in a map (trace ids).
const (
	denseJobs = 1 << 22
	denseFws  = 1 << 10
)

func (s *TaskStats) job(k jobKey, submit, end float64) *jobAcc {
	var slot *int32
	if k.job >= 0 && k.job < denseJobs && k.fw >= 0 && k.fw < denseFws {
		for int(k.fw) >= len(s.dense) {
			s.dense = append(s.dense, nil)
		}
		d := s.dense[k.fw]
		if int(k.job) >= len(d) {
			d = append(d, make([]int32, int(k.job)+1-len(d)+len(d)/2)...)
			s.dense[k.fw] = d
		}
		slot = &d[k.job]
	} else if i, ok := s.jobIdx[k]; ok {
		return s.jobs.at(int(i))
	}
	if slot != nil && *slot > 0 {
		return s.jobs.at(int(*slot - 1))
	}
	i, j := s.jobs.add()
	*j = jobAcc{job: k.job, fw: k.fw, submit: submit, end: end}
	if slot != nil {
		*slot = int32(i + 1)
	} else {
		s.jobIdx[k] = int32(i)
	}
	return j
}

// jobTable holds the jobs in fixed-size pages: growing never copies them
// (a slice grown by append copied 23 MB of jobs several times over on the
// default scenario, garbage for the collector).
type jobTable struct {
	pages [][]jobAcc
	n     int
}

const jobPage = 4096

func (t *jobTable) at(i int) *jobAcc { return &t.pages[i/jobPage][i%jobPage] }

// add appends a zero job and returns its index and itself.
func (t *jobTable) add() (int, *jobAcc) {
	if t.n == len(t.pages)*jobPage {
		t.pages = append(t.pages, make([]jobAcc, jobPage))
	}
	t.n++
	return t.n - 1, t.at(t.n - 1)
}

// NewTaskStats returns an empty accumulator.
func NewTaskStats() *TaskStats {
	return &TaskStats{
		jobIdx: map[jobKey]int32{},
	}
}

// Add records one ended attempt.
func (s *TaskStats) Add(t *Task) {
	s.Attempts++
	if !s.sawSubmit || t.Submit < s.firstSub {
		s.firstSub, s.sawSubmit = t.Submit, true
	}
	if t.Running {
		s.Running++
	} else {
		s.Outcomes[t.Outcome]++
	}
	if t.Started {
		s.Started++
		w := t.Wait()
		s.waits.add(w)
		s.waitsBy[byFramework].add(t.Framework, w)
		s.waitsBy[byPriority].add(t.Priority, w)
		s.waitsBy[byClass].add(t.Class, w)
	} else if !t.Running && t.Outcome == allocator.OutcomeUnscheduled {
		s.unsched.add(t.End - t.Ready)
		s.unschedBy.add(t.Framework, t.End-t.Ready)
	}
	done := t.Started && !t.Running && t.Outcome == allocator.OutcomeFinished
	if done {
		run := t.End - t.Start
		s.slowdown.add(math.Max(1, (t.Wait()+run)/math.Max(run, SlowdownFloorS)))
		if !s.anyEnd || t.End > s.lastEnd {
			s.lastEnd, s.anyEnd = t.End, true
		}
	}
	if t.Service {
		return
	}
	j := s.job(jobKey{t.Framework, t.Job}, t.Submit, t.End)
	j.submit = math.Min(j.submit, t.Submit)
	switch {
	case done:
		j.finished = true
		j.end = math.Max(j.end, t.End)
	case t.Running, !t.Started && t.Outcome == allocator.OutcomeUnscheduled:
		j.incomplete = true
	case t.Outcome == allocator.OutcomeLost, t.Outcome == allocator.OutcomePreempted:
		// the engine requeues these; the next attempt decides
	default: // failed, killed, evicted, unscheduled
		j.incomplete = true
	}
}

// Merge adds the attempts o has seen, as if they had been added to s after
// its own; o must not be used afterwards. Every figure is the same as from
// adding them one by one (counts, extremes and sorted samples do not depend
// on the order; a job's end only counts once the job is complete).
func (s *TaskStats) Merge(o *TaskStats) {
	s.Attempts += o.Attempts
	s.Started += o.Started
	s.Running += o.Running
	for i, n := range o.Outcomes {
		s.Outcomes[i] += n
	}
	if o.sawSubmit && (!s.sawSubmit || o.firstSub < s.firstSub) {
		s.firstSub, s.sawSubmit = o.firstSub, true
	}
	if o.anyEnd && (!s.anyEnd || o.lastEnd > s.lastEnd) {
		s.lastEnd, s.anyEnd = o.lastEnd, true
	}
	// The samples adopt o's sorted runs as they are (no copy).
	s.waits.addRuns(&o.waits)
	for g := range s.waitsBy {
		s.waitsBy[g].addRuns(&o.waitsBy[g])
	}
	s.slowdown.addRuns(&o.slowdown)
	s.unsched.addRuns(&o.unsched)
	s.unschedBy.addRuns(&o.unschedBy)
	for i := range o.jobs.n {
		oj := o.jobs.at(i)
		j := s.job(jobKey{oj.fw, oj.job}, oj.submit, oj.end)
		j.submit = math.Min(j.submit, oj.submit)
		j.end = math.Max(j.end, oj.end)
		j.incomplete = j.incomplete || oj.incomplete
		j.finished = j.finished || oj.finished
	}
}

// Group is a distribution for one value of a grouping key.
type Group struct {
	Key  int32 `json:"key"`
	Dist Dist  `json:"dist"`
}

// TaskSummary is the result of a TaskStats.
type TaskSummary struct {
	Attempts     int64            `json:"attempts"`
	Started      int64            `json:"started"`
	RunningAtEnd int64            `json:"running_at_end"`
	Outcomes     map[string]int64 `json:"outcomes"`
	MakespanS    float64          `json:"makespan_s"`
	WaitS        Dist             `json:"wait_s"` // started attempts only
	// UnscheduledWaitS is how long the attempts that never started had
	// waited when the run stopped (or gave them up): lower bounds of waits
	// that WaitS leaves out. A policy that starves a framework shows here.
	UnscheduledWaitS     Dist    `json:"unscheduled_wait_s"`
	UnscheduledWaitSByFw []Group `json:"-"`
	WaitSByFw            []Group `json:"-"`
	WaitSByPrio          []Group `json:"-"`
	WaitSByClass         []Group `json:"-"`
	Slowdown             Dist    `json:"bounded_slowdown"`
	JobsCompleted        int     `json:"jobs_completed"`
	JobsTotal            int     `json:"jobs_total"`
	JCTS                 Dist    `json:"jct_s"`
	JCTSByFw             []Group `json:"-"`
}

// Summary computes the distributions. It reorders the kept samples in place,
// so call it once, after the last Add.
func (s *TaskStats) Summary() TaskSummary {
	out := TaskSummary{
		Attempts: s.Attempts, Started: s.Started, RunningAtEnd: s.Running,
		Outcomes: map[string]int64{},
	}
	for o, n := range s.Outcomes {
		if n > 0 {
			out.Outcomes[allocator.Outcome(o).String()] = n
		}
	}
	if s.anyEnd {
		out.MakespanS = s.lastEnd - s.firstSub
	}
	// The samples, per group too, were sorted into runs and summed as they
	// came (sortedRuns): their figures are read off the runs. The job
	// completion times are summarised meanwhile, on a second goroutine.
	var jctN int
	jctDone := make(chan struct{})
	go func() {
		defer close(jctDone)
		jctFw := map[int32][]float64{}
		var dense [][]float64 // frameworks below denseFws: no map access per job
		for i := range s.jobs.n {
			j := s.jobs.at(i)
			if j.incomplete || !j.finished {
				continue
			}
			jct := j.end - j.submit
			if j.fw >= 0 && j.fw < denseFws {
				for int(j.fw) >= len(dense) {
					dense = append(dense, nil)
				}
				dense[j.fw] = append(dense[j.fw], jct)
			} else {
				jctFw[j.fw] = append(jctFw[j.fw], jct)
			}
			jctN++
		}
		for fw, xs := range dense {
			if len(xs) > 0 {
				jctFw[int32(fw)] = xs
			}
		}
		all := make([]float64, 0, jctN)
		for _, k := range slices.Sorted(maps.Keys(jctFw)) {
			all = append(all, jctFw[k]...)
		}
		out.JCTSByFw = groups(jctFw)
		out.JCTS = Summarise(all)
	}()
	out.WaitS = s.waits.dist()
	out.Slowdown = s.slowdown.dist()
	out.WaitSByFw = s.waitsBy[byFramework].groups()
	out.WaitSByPrio = s.waitsBy[byPriority].groups()
	out.WaitSByClass = s.waitsBy[byClass].groups()
	out.UnscheduledWaitS = s.unsched.dist()
	out.UnscheduledWaitSByFw = s.unschedBy.groups()
	<-jctDone
	out.JobsTotal = s.jobs.n
	out.JobsCompleted = jctN
	return out
}

// keyedRuns is a sample per key, each kept as sorted runs. Keys in
// [0, denseKeys) — small numbers in practice — are looked up in a slice,
// others in a map.
type keyedRuns struct {
	dense []sortedRuns
	other map[int32]*sortedRuns
}

const denseKeys = 1 << 12

func (k *keyedRuns) runs(key int32) *sortedRuns {
	if key >= 0 && key < denseKeys {
		if int(key) >= len(k.dense) {
			k.dense = append(k.dense, make([]sortedRuns, int(key)+1-len(k.dense))...)
		}
		return &k.dense[key]
	}
	r := k.other[key]
	if r == nil {
		if k.other == nil {
			k.other = map[int32]*sortedRuns{}
		}
		r = &sortedRuns{}
		k.other[key] = r
	}
	return r
}

func (k *keyedRuns) add(key int32, v float64) { k.runs(key).add(v) }

// addRuns appends o's samples after k's (see sortedRuns.addRuns).
func (k *keyedRuns) addRuns(o *keyedRuns) {
	for key := range o.dense {
		if o.dense[key].len() > 0 {
			k.runs(int32(key)).addRuns(&o.dense[key])
		}
	}
	for key, r := range o.other {
		k.runs(key).addRuns(r)
	}
}

// groups summarises each key's sample, in key order.
func (k *keyedRuns) groups() []Group {
	var out []Group
	for key := range k.dense {
		if k.dense[key].len() > 0 {
			out = append(out, Group{Key: int32(key), Dist: k.dense[key].dist()})
		}
	}
	for key, r := range k.other {
		out = append(out, Group{Key: key, Dist: r.dist()})
	}
	// Keys are unique: sorting them (never map order) fixes the output.
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// groups summarises each key's sample (reordering it), in key order (never
// map order).
func groups(m map[int32][]float64) []Group {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]Group, 0, len(keys))
	for _, k := range keys {
		out = append(out, Group{Key: k, Dist: Summarise(m[k])})
	}
	return out
}
