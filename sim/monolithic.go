package sim

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/index"
	_ "github.com/allocsim/allocsim/allocator/placement" // registers the placement policies
)

func init() {
	RegisterMode("monolithic", newMonolithic)
	RegisterFrameworkParams("monolithic", "gang")
}

// monolithic is the Borg/Kubernetes-style central scheduler: one queue of
// pending tasks, ordered by priority (higher first) then by the time they
// became pending, and a placement policy that picks an agent per task.
//
// A periodic cycle scans the queue in order. Once a request shape has failed
// in a cycle, later tasks of the same shape are skipped without trying (they
// cannot fit either), and the scan stops after scan_limit tasks in a row were
// not placed, so a long queue of unplaceable tasks costs a bounded amount per
// cycle. Queued tasks with equal requests in a row (a job's tasks) form a
// run that is skipped as a whole, so that bound is per run, not per task. Triggered cycles (new task, freed resources) stop at the first
// failure: they only serve the head of the queue quickly.
type monolithic struct {
	e         *Engine
	env       ModeEnv
	placement string
	placer    allocator.Placer   // nil for first-fit, which uses the index
	fwPlacer  []allocator.Placer // per framework when its placement differs; nil entries use placer
	fwFirst   []bool             // framework overrides the mode's policy with first-fit
	idx       *index.Free
	scanLimit int
	trigger   bool
	preempt   *preemptParams // nil: no preemption
	pre       *Preemptor

	gang        []bool // per framework: its jobs are placed all or nothing
	anyGang     bool
	gangFailed  map[gangKey]struct{} // gang jobs that did not fit this cycle
	gangPending map[gangKey][]queued // gang jobs' pending attempts
	gangAt      []allocator.Placement

	levels  []prioLevel // by priority, highest first
	levelOf map[int32]int
	failed  map[allocator.Request]struct{}
	// minimal holds up to maxMinimal requests that failed this cycle; a
	// request at least as large in every dimension, allowed on no other GPU
	// model, cannot fit either (Cluster.Fits is monotone in the request).
	minimal  []allocator.Request
	lastFail allocator.Request // the last request known to fail this cycle (valid while minimal is not empty)
	// stale counts queue entries of tasks that ended while pending; while
	// it is zero every entry is live and skipped entries need no check.
	// dead counts them by request: a run whose request has none is live
	// as a whole and can be skipped without looking at its tasks.
	stale int
	dead  map[allocator.Request]int32
	// changed: a task arrived or resources came back since the last
	// periodic scan. If not, that scan's outcome stands (the cluster only
	// lost room since) and the next periodic cycle has nothing to do.
	changed bool
}

const maxMinimal = 16

// prioLevel is the FIFO of one priority. Entries before head are consumed.
// tail is the index of the first entry of the last run, -1 when a scan has
// reached it (a new task then starts a new run).
type prioLevel struct {
	prio int32
	q    []queued
	head int
	tail int
}

// queued names a task slot and the attempt that was queued in it, so an
// entry whose task ended (and whose slot was reused) is recognised. It
// carries the request so that a scan can skip a task known not to fit
// without touching the task itself (a cache miss per entry on long queues).
// run, on the first entry of a run, is how many entries from it on (in a
// row) hold the same request; elsewhere it is not read.
type queued struct {
	id  TaskID
	run int32
	seq int64
	req allocator.Request
}

func newMonolithic(env ModeEnv) (Mode, error) {
	p := env.Params
	if err := p.Check(append([]string{"placement", "scan_limit", "trigger", "preemption", "preemptible_below",
		"preemption_candidates", "preemption_limit"}, PlacerParamNames...)...); err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	m := &monolithic{env: env, levelOf: map[int32]int{}, failed: map[allocator.Request]struct{}{},
		dead: map[allocator.Request]int32{}}
	var err error
	if m.placement, err = p.String("placement", "first-fit"); err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	limit, err := p.Float("scan_limit", 1000)
	if err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	if limit < 1 || limit != float64(int(limit)) {
		return nil, fmt.Errorf("monolithic: parameter \"scan_limit\": want a whole number ≥ 1, got %v", limit)
	}
	m.scanLimit = int(limit)
	m.trigger = true
	if v, ok := p["trigger"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("monolithic: parameter \"trigger\": want true or false, got %T", v)
		}
		m.trigger = b
	}
	if m.preempt, err = parsePreemption(p); err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	if err := m.readGang(); err != nil {
		return nil, err
	}
	if m.placer, err = m.newPlacer(m.placement); err != nil {
		return nil, err
	}
	// A framework may name its own policy (FrameworkInfo.Placement).
	m.fwPlacer = make([]allocator.Placer, len(env.Frameworks))
	m.fwFirst = make([]bool, len(env.Frameworks))
	for i, f := range env.Frameworks {
		if f.Placement == "" || strings.EqualFold(f.Placement, m.placement) {
			continue
		}
		if IsFirstFit(f.Placement) {
			m.fwFirst[i] = true
			continue
		}
		if m.fwPlacer[i], err = m.newPlacer(f.Placement); err != nil {
			return nil, fmt.Errorf("framework %q: %w", f.Name, err)
		}
	}
	if err := CheckPlacerParams(p, Placements(m.placement, env.Frameworks)...); err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	return m, nil
}

// newPlacer builds a registered policy; first-fit is nil (the mode's own
// index answers it in O(log n)).
func (m *monolithic) newPlacer(name string) (allocator.Placer, error) {
	if IsFirstFit(name) {
		return nil, nil
	}
	pl, err := NewPlacer(m.env.Params, name, allocator.PlacerEnv{Rand: m.env.Rand, Typical: m.env.Typical})
	if err != nil {
		return nil, fmt.Errorf("monolithic: %w", err)
	}
	return pl, nil
}

func (m *monolithic) Init(e *Engine) error {
	m.e = e
	m.idx = index.New(e.Cluster()) // first-fit, and a quick "nothing can fit" test for every policy
	if pp := m.preempt; pp != nil {
		m.pre = NewPreemptor(e, pp.protect, pp.candidates, pp.limit)
	}
	return nil
}

func (m *monolithic) TaskPending(now allocator.Time, id TaskID) {
	t := m.e.Task(id)
	l := m.level(t.Spec.Priority)
	if len(l.q) == cap(l.q) {
		if l.head >= len(l.q)/2 && l.head > 0 {
			l.compact() // reuse the consumed front rather than grow
		} else {
			// Double: append grows long slices by only 1.25×, which copied
			// ~10× the peak queue on the Google 2011 replay.
			l.q = slices.Grow(l.q, len(l.q))
		}
	}
	if k := l.tail; k >= l.head && l.q[k].req == t.Spec.Req && k+int(l.q[k].run) == len(l.q) {
		l.q[k].run++
	} else {
		l.tail = len(l.q)
	}
	l.q = append(l.q, queued{id: id, run: 1, seq: t.Seq, req: t.Spec.Req})
	if m.gangOf(t) {
		m.queueGang(id, t)
	}
	m.changed = true
	if m.trigger {
		m.e.TriggerCycle()
	}
}

// TaskEnded counts pending tasks that ended while queued (killed); their
// entries are recognised by seq and dropped by the next scans.
func (m *monolithic) TaskEnded(_ allocator.Time, id TaskID) {
	t := m.e.Task(id)
	if m.pre != nil {
		m.pre.Ended(t)
	}
	if !t.Started {
		if m.gangOf(t) {
			m.forgetGang(t)
		}
		m.stale++
		m.dead[t.Spec.Req]++
	}
}

func (m *monolithic) ResourcesFreed(allocator.Time, allocator.AgentID) {
	m.changed = true
	if m.trigger && m.e.PendingCount() > 0 {
		m.e.TriggerCycle()
	}
}

func (m *monolithic) AgentChanged(allocator.Time, allocator.AgentID) {
	m.changed = true
	if m.pre != nil {
		m.pre.AgentChanged()
	}
}

func (m *monolithic) level(prio int32) *prioLevel {
	if i, ok := m.levelOf[prio]; ok {
		return &m.levels[i]
	}
	i := sort.Search(len(m.levels), func(i int) bool { return m.levels[i].prio < prio })
	m.levels = append(m.levels, prioLevel{})
	copy(m.levels[i+1:], m.levels[i:])
	m.levels[i] = prioLevel{prio: prio, tail: -1}
	for j := i; j < len(m.levels); j++ {
		m.levelOf[m.levels[j].prio] = j
	}
	return &m.levels[i]
}

func (m *monolithic) Cycle(now allocator.Time) {
	if m.e.PendingCount() == 0 {
		return
	}
	triggered := m.e.CycleTriggered()
	if !triggered {
		if !m.changed {
			return
		}
		m.changed = false // a triggered cycle covers only the head: it keeps the flag
	}
	if len(m.failed) > 0 {
		clear(m.failed) // clearing costs the map's capacity even when empty
	}
	m.minimal = m.minimal[:0]
	if m.pre != nil {
		m.pre.NewCycle()
	}
	if len(m.gangFailed) > 0 {
		clear(m.gangFailed)
	}
	misses := 0
	for li := range m.levels {
		// Preempted tasks are requeued at their (lower, existing) level
		// during the scan: m.levels does not move.
		if !m.scan(&m.levels[li], triggered, &misses) {
			return
		}
	}
}

// scan walks one priority level, placing what fits, and reports whether the
// cycle should go on to the next level. It makes the same decisions as
// trying the entries one by one: the entries of a run share a request, so
// once one is known not to fit, so are the others (nothing is freed during
// a scan), and they are kept with a single copy.
func (m *monolithic) scan(l *prioLevel, triggered bool, misses *int) bool {
	q := l.q
	w, r := l.head, l.head
	goOn := true
	left, w0 := 0, w // entries of the current run not consumed yet; where its kept ones start
	checkDead := false
	for r < len(q) {
		if left == 0 {
			if w > w0 {
				q[w0].run = int32(w - w0) // the previous run's kept entries
			}
			left, w0 = int(q[r].run), w
			checkDead = m.stale > 0 && m.dead[q[r].req] > 0
		}
		ent := &q[r]
		if checkDead {
			if t := m.e.Task(ent.id); t.Seq != ent.seq || t.State != StatePending {
				m.forget(ent.req)
				r++ // ended while queued
				left--
				continue
			}
		}
		k := 1 // entries kept
		known := m.knownToFail(&ent.req)
		gang := m.isGang(ent)
		placed := false
		switch {
		case known:
		case gang:
			if placed = m.placeGang(ent, triggered); placed {
				checkDead = true // the job's other attempts, launched, are stale entries now
			}
		default:
			placed = m.place(ent.id, &ent.req)
		}
		if placed || (!triggered && !gang && m.preemptFor(ent.id)) {
			r++
			left--
			*misses = 0
			continue
		}
		switch {
		case known:
			if !checkDead && !triggered {
				k = min(left, m.scanLimit-*misses)
			}
		case gang:
			m.e.Counters().PlaceFailures++ // not a failure of the shape: a lone task of it may fit
		default:
			m.failed[ent.req] = struct{}{}
			// A request that failed for its job's limits says nothing
			// of other jobs' requests: it is remembered only exactly.
			if len(m.minimal) < maxMinimal && !ent.req.Limited() {
				m.minimal = append(m.minimal, ent.req)
			}
			m.e.Counters().PlaceFailures++
		}
		if !gang {
			m.lastFail = ent.req
		}
		if w != r {
			copy(q[w:w+k], q[r:r+k])
		}
		w += k
		r += k
		left -= k
		*misses += k
		if triggered || *misses >= m.scanLimit {
			goOn = false
			break
		}
	}
	// The current run: its kept entries, then its unscanned rest once the
	// kept block is slid against it below.
	if w > w0 {
		q[w0].run = int32(w - w0 + left)
	} else if left > 0 {
		q[r].run = int32(left)
	}
	if l.tail >= 0 && r > l.tail {
		l.tail = -1 // the last run was scanned: it may have moved
	}
	// Kept entries sit in q[head:w], unscanned ones in q[r:]: slide the kept
	// block up against the unscanned part to keep the order.
	kept := w - l.head
	if w != r {
		copy(q[r-kept:r], q[l.head:w])
	}
	l.head = r - kept
	if l.head == len(q) {
		l.q, l.head, l.tail = q[:0], 0, -1
	} else if l.head > len(q)/2 && l.head > 1024 {
		l.compact()
	}
	return goOn
}

// compact moves the live entries to the front of the level's slice.
func (l *prioLevel) compact() {
	n := copy(l.q, l.q[l.head:])
	if l.tail >= 0 {
		l.tail -= l.head
	}
	l.q, l.head = l.q[:n], 0
}

// forget drops a queue entry of a task that ended while pending.
func (m *monolithic) forget(req allocator.Request) {
	m.stale--
	if m.dead[req]--; m.dead[req] <= 0 {
		delete(m.dead, req)
	}
}

// knownToFail: the request, or one it dominates, already failed this cycle
// (the cluster has only lost free resources since).
func (m *monolithic) knownToFail(r *allocator.Request) bool {
	if n := len(m.minimal); n > 0 && *r == m.lastFail {
		return true // queues hold runs of equal requests (a job's tasks)
	}
	for i := range m.minimal {
		f := &m.minimal[i]
		if r.Res.Contains(f.Res) && (f.GPUModels == 0 || (r.GPUModels != 0 && r.GPUModels&^f.GPUModels == 0)) {
			return true // covers an exact repeat too
		}
	}
	if len(m.failed) <= len(m.minimal) {
		return false // every failure of this cycle is in minimal: no need to hash
	}
	_, bad := m.failed[*r]
	return bad
}

// place tries one task; req is its request as queued (equal to
// t.Spec.Req), so that a task no agent can hold is not even looked at.
func (m *monolithic) place(id TaskID, req *allocator.Request) bool {
	p, ok := m.pick(id, req)
	return ok && m.launch(id, p)
}

// pick chooses where a task goes with its framework's policy, changing
// nothing.
func (m *monolithic) pick(id TaskID, req *allocator.Request) (allocator.Placement, bool) {
	c := m.e.Cluster()
	if !m.idx.Admits(*req) {
		return allocator.Placement{}, false
	}
	t := m.e.Task(id)
	placer := m.placer
	if fw := int(t.Spec.Framework); fw < len(m.fwPlacer) {
		if m.fwFirst[fw] {
			placer = nil
		} else if m.fwPlacer[fw] != nil {
			placer = m.fwPlacer[fw]
		}
	}
	if placer != nil {
		// A scoring policy scans every agent; the index says in O(log n)
		// whether any can hold the task. A replay's queue of tasks that fit
		// nowhere, in as many shapes as the trace has, made best-fit 40
		// times slower than first-fit on the Google 2011 cell.
		if _, ok := m.idx.FirstFit(t.Spec.Req); !ok {
			return allocator.Placement{}, false
		}
		return placer.Place(c, t.Spec.Req, allocator.Candidates{})
	}
	a, ok := m.idx.FirstFit(t.Spec.Req)
	if !ok {
		return allocator.Placement{}, false
	}
	d, ok := c.PickDevices(a, t.Spec.Req)
	return allocator.Placement{Agent: a, Devices: d}, ok
}

func (m *monolithic) launch(id TaskID, p allocator.Placement) bool {
	if err := m.e.Launch(id, p); err != nil {
		m.e.Fail(fmt.Errorf("monolithic (%s): %w", m.placement, err))
		return false
	}
	if m.pre != nil {
		m.pre.Started(m.e.Task(id))
	}
	return true
}

// preemptFor makes room for a task that could not be placed by preempting
// lower-priority ones, when the scenario asks for preemption. Only
// periodic cycles preempt: a triggered cycle serves the head of the queue
// cheaply, and a preemption waits at most one interval.
func (m *monolithic) preemptFor(id TaskID) bool {
	if m.pre == nil {
		return false
	}
	ok, err := m.pre.Place(id)
	if err != nil {
		m.e.Fail(fmt.Errorf("monolithic preemption: %w", err))
		return false
	}
	return ok
}
