package traces

import (
	"github.com/allocsim/allocsim/allocator"
)

// lifeKind is a task event of the Borg traces, with the 2011 and 2019 codes
// mapped to one set.
type lifeKind uint8

const (
	lifeSubmit lifeKind = iota
	lifeSchedule
	lifeEvict
	lifeFail
	lifeFinish
	lifeKill
	lifeLost
	lifeUpdatePending
	lifeUpdateRunning
	lifeIgnore // 2019 QUEUE/ENABLE: no change to what we replay
	numLifeKinds
)

var lifeNames = [numLifeKinds]string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running", "queue_enable"}

// droppedNames are the counters of runs that ended while pending, built once
// (not concatenated per event).
var droppedNames = func() (n [numLifeKinds]string) {
	for k, name := range lifeNames {
		n[k] = "dropped_ended_pending_" + name
	}
	return n
}()

var lifeOutcome = [numLifeKinds]allocator.Outcome{
	lifeEvict: allocator.OutcomeEvicted, lifeFail: allocator.OutcomeFailed,
	lifeFinish: allocator.OutcomeFinished, lifeKill: allocator.OutcomeKilled, lifeLost: allocator.OutcomeLost,
}

// lifeEvent is one row of task (instance) events, already in allocator units.
type lifeEvent struct {
	time     allocator.Time
	job      int64
	index    int32
	kind     lifeKind
	hasReq   bool
	req      allocator.Resources
	prio     int32
	class    int8
	distinct bool
	// perMachine and perSwitch are the job's caps (Task.MaxPerMachine,
	// Task.MaxPerSwitch).
	perMachine, perSwitch int32
}

type taskKey struct {
	job   int64
	index int32
}

// openMap holds the open runs by job, then by task index in a slice: a
// job's tasks have dense indices and arrive together, so this is far more
// cache-friendly than one big map of (job, index). Indices beyond maxDense,
// or far past the end of their job's slice, go to a plain map.
type openMap struct {
	jobs    map[int64]*jobTasks
	lastJob int64
	last    *jobTasks
	slow    map[taskKey]*openTask
	n       int
	pool    []*jobTasks // emptied jobs, reused (most jobs come and go)
}

type jobTasks struct {
	tasks []openTask
	live  int
}

const maxDense = 1 << 18

// denseGap bounds how far past a job's dense slice an index may land and
// still grow the slice; further ones go to the map. Without it every job
// whose first index was near maxDense cost a 6 MB slice, so a few hundred
// such rows (a few KB of input) took gigabytes.
const denseGap = 1 << 12

func (m *openMap) job(id int64) *jobTasks {
	if m.last != nil && m.lastJob == id {
		return m.last
	}
	j := m.jobs[id]
	if j != nil {
		m.last, m.lastJob = j, id
	}
	return j
}

func (m *openMap) get(k taskKey) *openTask {
	if o := m.dense(k); o != nil {
		return o
	}
	if len(m.slow) == 0 {
		return nil
	}
	return m.slow[k]
}

// dense returns k's open run if it lives in its job's slice.
func (m *openMap) dense(k taskKey) *openTask {
	if k.index < 0 || k.index >= maxDense {
		return nil
	}
	j := m.job(k.job)
	if j == nil || int(k.index) >= len(j.tasks) || !j.tasks[k.index].live {
		return nil
	}
	return &j.tasks[k.index]
}

// set stores v as the open run of k and returns where it lives (valid until
// the next set).
func (m *openMap) set(k taskKey, v openTask) *openTask {
	v.live = true
	m.n++
	j := m.job(k.job)
	have := 0
	if j != nil {
		have = len(j.tasks)
	}
	if k.index < 0 || k.index >= maxDense || int(k.index) >= have+denseGap {
		if m.slow == nil {
			m.slow = map[taskKey]*openTask{}
		}
		o := new(openTask)
		*o = v
		m.slow[k] = o
		return o
	}
	if j == nil {
		if p := len(m.pool); p > 0 {
			j = m.pool[p-1]
			m.pool = m.pool[:p-1]
		} else {
			j = &jobTasks{}
		}
		m.jobs[k.job] = j
		m.last, m.lastJob = j, k.job
	}
	if int(k.index) >= len(j.tasks) {
		need := int(k.index) + 1
		if need <= cap(j.tasks) {
			old := len(j.tasks)
			j.tasks = j.tasks[:need]
			clear(j.tasks[old:])
		} else {
			j.tasks = append(j.tasks, make([]openTask, need-len(j.tasks))...)
		}
	}
	j.tasks[k.index] = v
	j.live++
	return &j.tasks[k.index]
}

// each calls fn for every open run (in no particular order).
func (m *openMap) each(fn func(*openTask)) {
	for _, j := range m.jobs {
		for i := range j.tasks {
			if j.tasks[i].live {
				fn(&j.tasks[i])
			}
		}
	}
	for _, o := range m.slow {
		fn(o)
	}
}

// flushLate reports, for runs emitted as still running and still open at the
// end of the input, the start that came after their emission.
func (l *lifecycle) flushLate() {
	if l.lateEnd == nil {
		return
	}
	l.open.each(func(o *openTask) {
		if o.emitted && o.late {
			l.lateEnd(lateEnd{seq: o.seq, start: o.start, run: allocator.Never, ran: true})
		}
	})
}

func (m *openMap) del(k taskKey) {
	m.n--
	if m.dense(k) == nil { // a key lives in the slice or the map, never both
		delete(m.slow, k)
		return
	}
	j := m.job(k.job)
	j.tasks[k.index].live = false
	if j.live--; j.live == 0 {
		delete(m.jobs, k.job)
		m.last = nil
		if cap(j.tasks) <= 1<<12 {
			j.tasks = j.tasks[:0]
			m.pool = append(m.pool, j)
		}
	}
}

// openTask is a task between its submit and its end.
type openTask struct {
	seq     int64 // position in the output queue (submit order)
	start   allocator.Time
	running bool
	live    bool
	emitted bool // returned before its end was seen (lookahead)
	late    bool // scheduled after it was emitted
}

type queued struct {
	task    Task
	decided bool // its end is known (or it will not be replayed)
	drop    bool
	noReq   bool
}

// lifecycle turns the Borg event sequence of each task into one Task per
// submission, emitted in submit order:
//
//   - SUBMIT opens a run (pending); SCHEDULE starts it; EVICT, FAIL, FINISH,
//     KILL and LOST end it with that outcome and Run = end − start. A task the
//     trace resubmits after an eviction or failure opens a new run.
//   - SCHEDULE without an open run (tasks already running when the trace
//     starts, or with missing events) opens one submitted at that time.
//   - A run that ends before it was scheduled is dropped (counted by outcome):
//     it never used resources in the trace.
//   - UPDATE_PENDING changes the request, priority and class of a pending
//     run; UPDATE_RUNNING is counted and ignored (the allocation stays).
//   - A run whose request is still missing when it is emitted is dropped and
//     counted ("missing_request").
//   - A run without an end within Lookahead of its submit, or by the end of the
//     input, is emitted with Run = Never (a service running to the horizon).
type lifecycle struct {
	open      openMap
	q         []queued // ring buffer; its length is a power of two (indices are masked)
	head, n   int      // ring head index and length
	headSeq   int64    // sequence number of q[head]
	lookahead allocator.Time
	readTime  allocator.Time
	stats     *Stats
	counts    [numLifeKinds]int64
	// High-water marks: what the reader holds in memory at most.
	peakQueue, peakOpen int
	// lastSeq is the submit-order number of the last popped run.
	lastSeq int64
	// lateEnd, when set, receives the ends of runs already emitted as still
	// running (the first pass of ExactRuns).
	lateEnd func(lateEnd)
}

// lateEnd is the end of a run seen after the run was emitted.
type lateEnd struct {
	seq     int64
	start   allocator.Time
	run     allocator.Time
	outcome allocator.Outcome
	ran     bool // it was scheduled; false: it ended while still pending
}

func newLifecycle(lookahead allocator.Time, stats *Stats) *lifecycle {
	return &lifecycle{open: openMap{jobs: make(map[int64]*jobTasks, 1<<12)}, q: make([]queued, 1024), lookahead: lookahead, stats: stats}
}

func (l *lifecycle) push(t Task, noReq bool) int64 {
	if l.n == len(l.q) {
		nq := make([]queued, 2*len(l.q))
		for i := 0; i < l.n; i++ {
			nq[i] = l.q[(l.head+i)%len(l.q)]
		}
		l.q, l.head = nq, 0
	}
	l.q[(l.head+l.n)&(len(l.q)-1)] = queued{task: t, noReq: noReq}
	l.n++
	l.peakQueue = max(l.peakQueue, l.n)
	return l.headSeq + int64(l.n) - 1
}

func (l *lifecycle) at(seq int64) *queued {
	return &l.q[(l.head+int(seq-l.headSeq))&(len(l.q)-1)]
}

func (l *lifecycle) close(k taskKey) { l.open.del(k) }

// add applies one event. Events must come in time order.
func (l *lifecycle) add(ev *lifeEvent) {
	l.counts[ev.kind]++
	if ev.time > l.readTime {
		l.readTime = ev.time
	}
	k := taskKey{ev.job, ev.index}
	o := l.open.get(k)
	switch ev.kind {
	case lifeSubmit:
		if o != nil {
			if o.running {
				l.stats.Add("submit_while_running", 1)
				return
			}
			l.stats.Add("submit_while_pending", 1)
			l.updatePending(o, ev)
			return
		}
		l.openRun(k, ev, false)
	case lifeSchedule:
		if o == nil {
			l.stats.Add("schedule_without_submit", 1)
			o = l.openRun(k, ev, true)
		}
		if o.running {
			l.stats.Add("schedule_while_running", 1)
			return
		}
		o.running, o.start, o.late = true, ev.time, o.emitted
		if !o.emitted {
			l.at(o.seq).task.Start = ev.time
		}
	case lifeEvict, lifeFail, lifeFinish, lifeKill, lifeLost:
		if o == nil {
			l.stats.Add("end_without_run", 1)
			return
		}
		if !o.emitted {
			qt := l.at(o.seq)
			qt.decided = true
			if o.running {
				qt.task.Run = ev.time - o.start
				qt.task.Outcome = lifeOutcome[ev.kind]
			} else {
				qt.drop = true
				l.stats.Add(droppedNames[ev.kind], 1)
			}
		} else {
			l.stats.Add("ended_after_lookahead", 1)
			if l.lateEnd != nil {
				l.lateEnd(lateEnd{seq: o.seq, start: o.start, run: ev.time - o.start, outcome: lifeOutcome[ev.kind], ran: o.running})
			}
		}
		l.close(k)
	case lifeUpdatePending:
		if o == nil || o.running {
			l.stats.Add("update_pending_not_pending", 1)
			return
		}
		l.updatePending(o, ev)
	case lifeUpdateRunning:
		l.stats.Add("update_running_ignored", 1)
	}
}

func (l *lifecycle) openRun(k taskKey, ev *lifeEvent, running bool) *openTask {
	t := Task{Job: ev.job, Index: ev.index, Submit: ev.time, Start: -1, Run: allocator.Never,
		Req: ev.req, Priority: ev.prio, Class: ev.class, DistinctMachines: ev.distinct,
		MaxPerMachine: ev.perMachine, MaxPerSwitch: ev.perSwitch}
	if running {
		t.Start = ev.time
	}
	o := l.open.set(k, openTask{seq: l.push(t, !ev.hasReq), start: t.Start})
	l.peakOpen = max(l.peakOpen, l.open.n)
	return o
}

func (l *lifecycle) updatePending(o *openTask, ev *lifeEvent) {
	if o.emitted {
		return
	}
	qt := l.at(o.seq)
	if ev.hasReq {
		qt.task.Req, qt.noReq = ev.req, false
	}
	qt.task.Priority, qt.task.Class, qt.task.DistinctMachines = ev.prio, ev.class, ev.distinct
	qt.task.MaxPerMachine, qt.task.MaxPerSwitch = ev.perMachine, ev.perSwitch
}

// ready reports whether the queue head can be emitted: its end is known, or
// the lookahead has passed, or (final) the input is exhausted.
func (l *lifecycle) ready(final bool) bool {
	if l.n == 0 {
		return false
	}
	h := &l.q[l.head]
	return h.decided || final || l.readTime-h.task.Submit >= l.lookahead
}

// headSubmit is the submit time of the queue head (only when n > 0).
func (l *lifecycle) headSubmit() allocator.Time { return l.q[l.head].task.Submit }

// pop removes the head. ok is false when the head is dropped (counted).
func (l *lifecycle) pop(dst *Task) (ok bool) {
	h := &l.q[l.head]
	seq := l.headSeq
	l.head = (l.head + 1) & (len(l.q) - 1)
	l.n--
	l.headSeq++
	l.lastSeq = seq
	if !h.decided {
		// Still open: mark it emitted so later events do not touch the queue.
		if o := l.open.get(taskKey{h.task.Job, h.task.Index}); o != nil && o.seq == seq {
			o.emitted = true
			if o.running {
				l.stats.Add("run_unknown_running", 1)
			} else {
				l.stats.Add("run_unknown_pending", 1)
			}
		}
	}
	if h.drop {
		return false
	}
	if h.noReq {
		l.stats.Add("dropped_missing_request", 1)
		return false
	}
	*dst = h.task
	return true
}

// withCounts returns a copy of stats plus the per-event-type counters.
func (l *lifecycle) withCounts(prefix string) *Stats {
	out := &Stats{}
	for k, v := range l.stats.Map() {
		out.Add(k, v)
	}
	for k, n := range l.counts {
		if n > 0 {
			out.Add(prefix+lifeNames[k], n)
		}
	}
	out.Add("peak_queued_tasks", int64(l.peakQueue))
	out.Add("peak_open_tasks", int64(l.peakOpen))
	return out
}
