package offers

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/drf"
	_ "github.com/allocsim/allocsim/allocator/placement" // registers the placement policies
	"github.com/allocsim/allocsim/sim"
)

func init() {
	sim.RegisterMode("drf", newDRF)
	sim.RegisterMode("static", newStatic)
	sim.RegisterFrameworkParams("drf", schedNames...)
}

// drfMode is two-level scheduling: the DRF allocator offers, framework
// scheduler models answer.
type drfMode struct {
	env         sim.ModeEnv
	e           *sim.Engine
	allocParams allocator.Params
	def         schedParams
	window      int // offers a framework places across at once
	scanLimit   int // pending tasks tried in a row without a fit before giving up on a batch

	alloc *drf.Alloc
	fws   []framework
	roles []allocator.RoleInfo
	known int // agents given to the allocator

	hBatch, hExpire, hRevive sim.HandlerID
	batches                  []batch
	batchFree                []int32
	group                    [][]allocator.Offer // per framework, the current cycle's offers
	expiryAt                 allocator.Time
	rescinds                 int64 // offers rescinded so far
	declines                 []allocator.OfferID

	// placement scratch (one batch at a time)
	ids  []allocator.AgentID
	ceil []allocator.Resources
	idx  []int
	used []allocator.Resources
}

type framework struct {
	info       allocator.FrameworkInfo
	sp         schedParams
	placer     allocator.Placer
	q          queue
	suppressed bool
	// idle: it declined offers (its filters hide agents) or is suppressed,
	// so new work asks for a REVIVE, as Marathon does on new launches.
	idle          bool
	lastRevive    allocator.Time
	revivePending bool
}

// batch is one framework's offers of one cycle, in flight for the decision
// latency (Mesos sends a framework its offers of a cycle in one event).
type batch struct {
	fw      allocator.FrameworkID
	offers  []allocator.Offer
	rescind int64 // m.rescinds when it was made: unchanged means all still live
}

var modeNames = []string{"window", "scan_limit"}

func newDRF(env sim.ModeEnv) (sim.Mode, error) {
	allocParams, rest := split(env.Params, drf.ParamNames)
	if err := rest.Check(append(append(append([]string{}, schedNames...), modeNames...), sim.PlacerParamNames...)...); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	if _, err := sim.PlacerParams(rest); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	if _, err := drf.ConfigFromParams(allocParams, allocator.AllocatorEnv{}); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	m := &drfMode{env: env, allocParams: allocParams, expiryAt: allocator.Never}
	m.def = schedParams{latency: 10 * allocator.Millisecond, refuse: allocator.DefaultRefuseDuration,
		idleRefuse: allocator.DefaultRefuseDuration, suppressIdle: true, placement: "first-fit",
		reviveEvery: 5 * allocator.Second}
	if err := m.def.read(rest); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	var err error
	if m.window, err = wholeNumber(rest, "window", 32); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	if m.scanLimit, err = wholeNumber(rest, "scan_limit", 100); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	if len(env.Frameworks) == 0 {
		return nil, fmt.Errorf("drf: the scenario defines no frameworks (offers go to frameworks)")
	}
	m.roles = env.Roles
	if len(m.roles) == 0 {
		m.roles = []allocator.RoleInfo{{Name: "*"}}
	}
	for _, f := range env.Frameworks {
		fw := framework{info: f, sp: m.def}
		if err := sim.CheckFrameworkParams("drf", f.Params); err != nil {
			return nil, fmt.Errorf("drf: framework %q: %w", f.Name, err)
		}
		if err := fw.sp.read(f.Params); err != nil {
			return nil, fmt.Errorf("drf: framework %q: %w", f.Name, err)
		}
		if f.Placement != "" {
			fw.sp.placement = f.Placement
		}
		if int(f.Role) < 0 || int(f.Role) >= len(m.roles) {
			return nil, fmt.Errorf("drf: framework %q: role %d of %d", f.Name, f.Role, len(m.roles))
		}
		m.fws = append(m.fws, fw)
	}
	names := []string{m.def.placement}
	for _, fw := range m.fws {
		names = append(names, fw.sp.placement)
	}
	if err := sim.CheckPlacerParams(rest, names...); err != nil {
		return nil, fmt.Errorf("drf: %w", err)
	}
	m.group = make([][]allocator.Offer, len(m.fws))
	return m, nil
}

// substream derives an independent seeded stream from the mode's.
func substream(r *rand.Rand) *rand.Rand {
	if r == nil {
		r = sim.Stream(0, "mode")
	}
	return rand.New(rand.NewPCG(r.Uint64(), r.Uint64()))
}

func (m *drfMode) Init(e *sim.Engine) error {
	m.e = e
	allocRand, placeRand := substream(m.env.Rand), substream(m.env.Rand)
	cfg, err := drf.ConfigFromParams(m.allocParams, allocator.AllocatorEnv{
		Cluster: e.Cluster(), Roles: m.roles, Interval: e.Interval(), Rand: allocRand})
	if err != nil {
		return err
	}
	if m.alloc, err = drf.New(cfg); err != nil {
		return err
	}
	for i := range m.fws {
		fw := &m.fws[i]
		if fw.sp.hold && cfg.OfferTimeout == 0 {
			return fmt.Errorf("drf: framework %q holds offers but there is no offer_timeout to return them", fw.info.Name)
		}
		if fw.placer, err = sim.NewPlacer(m.env.Params, fw.sp.placement, allocator.PlacerEnv{Rand: placeRand, Typical: m.env.Typical}); err != nil {
			return fmt.Errorf("drf: framework %q: %w", fw.info.Name, err)
		}
		if err := m.alloc.AddFramework(0, allocator.FrameworkID(i), fw.info); err != nil {
			return err
		}
		fw.lastRevive = -fw.sp.reviveEvery
		if fw.sp.suppressIdle {
			m.alloc.Suppress(0, allocator.FrameworkID(i))
			fw.suppressed, fw.idle = true, true
		}
	}
	if err := m.addAgents(0); err != nil {
		return err
	}
	m.hBatch = e.RegisterHandler(sim.HandlerFunc(m.handleBatch))
	m.hExpire = e.RegisterHandler(sim.HandlerFunc(m.handleExpire))
	m.hRevive = e.RegisterHandler(sim.HandlerFunc(m.handleRevive))
	return nil
}

// addAgents gives the allocator the cluster's agents it does not know yet,
// with the static reservations of their node class.
func (m *drfMode) addAgents(now allocator.Time) error {
	c := m.e.Cluster()
	for ; m.known < c.NumAgents(); m.known++ {
		id := allocator.AgentID(m.known)
		if err := m.alloc.AddAgent(now, id, reservations(m.roles, c.Agent(id).Name)); err != nil {
			return err
		}
	}
	return nil
}

// reservations finds the roles' static reservations for an agent. Node
// classes name agents "<class>-<n>" (workloads.BuildCluster).
func reservations(roles []allocator.RoleInfo, agentName string) []allocator.Reservation {
	class := agentName
	if i := strings.LastIndexByte(agentName, '-'); i > 0 {
		class = agentName[:i]
	}
	var out []allocator.Reservation
	for i, r := range roles {
		if res, ok := r.Reserved[class]; ok && !res.IsZero() {
			out = append(out, allocator.Reservation{Role: allocator.RoleID(i), Res: res})
		}
	}
	return out
}

func (m *drfMode) TaskPending(now allocator.Time, id sim.TaskID) {
	t := m.e.Task(id)
	f := t.Spec.Framework
	if int(f) >= len(m.fws) || f < 0 {
		m.e.Fail(fmt.Errorf("drf: task %d of unknown framework %d", t.Seq, f))
		return
	}
	fw := &m.fws[f]
	fw.q.push(t.Spec.Priority, id, t.Seq)
	if fw.idle && !fw.revivePending {
		if at := fw.lastRevive + fw.sp.reviveEvery; at > now {
			fw.revivePending = true
			m.e.At(at, m.hRevive, int64(f))
		} else {
			m.revive(now, f)
		}
	}
}

// revive clears the framework's filters, reactivates it and asks for a
// cycle over all agents.
func (m *drfMode) revive(now allocator.Time, f allocator.FrameworkID) {
	fw := &m.fws[f]
	m.alloc.Revive(now, f)
	fw.suppressed, fw.idle, fw.lastRevive = false, false, now
	m.e.TriggerCycle()
}

func (m *drfMode) handleRevive(now allocator.Time, arg int64) {
	fw := &m.fws[arg]
	fw.revivePending = false
	if fw.idle && fw.q.n > 0 {
		m.revive(now, allocator.FrameworkID(arg))
	}
}

func (m *drfMode) TaskEnded(now allocator.Time, id sim.TaskID) {
	t := m.e.Task(id)
	f := t.Spec.Framework
	if t.Started {
		m.alloc.Recover(now, f, t.Placement.Agent, t.Spec.Req.Res)
		return
	}
	m.fws[f].q.ended()
}

// ResourcesFreed: as in Mesos, freed resources wait for the next periodic
// cycle.
func (m *drfMode) ResourcesFreed(allocator.Time, allocator.AgentID) {}

func (m *drfMode) AgentChanged(now allocator.Time, a allocator.AgentID) {
	if int(a) >= m.known {
		if err := m.addAgents(now); err != nil {
			m.e.Fail(err)
			return
		}
	} else {
		m.rescinded(len(m.alloc.UpdateAgent(now, a)))
	}
	if m.alloc.Triggered() {
		m.e.TriggerCycle()
	}
}

func (m *drfMode) Cycle(now allocator.Time) {
	c := m.e.Counters()
	m.rescinded(len(m.alloc.Expire(now)))
	var offers []allocator.Offer
	if m.e.CycleTriggered() {
		offers = m.alloc.AllocateTriggered(now)
	} else {
		offers = m.alloc.Allocate(now)
	}
	c.Offers += int64(len(offers))
	for _, o := range offers {
		m.group[o.Framework] = append(m.group[o.Framework], o)
	}
	for f, g := range m.group {
		if len(g) == 0 {
			continue
		}
		slot := m.newBatch(allocator.FrameworkID(f), g)
		m.e.At(now+m.fws[f].sp.latency, m.hBatch, int64(slot))
		m.group[f] = g[:0]
	}
	m.scheduleExpiry(now)
}

func (m *drfMode) newBatch(f allocator.FrameworkID, offers []allocator.Offer) int32 {
	var i int32
	if n := len(m.batchFree); n > 0 {
		i = m.batchFree[n-1]
		m.batchFree = m.batchFree[:n-1]
	} else {
		i = int32(len(m.batches))
		m.batches = append(m.batches, batch{})
	}
	b := &m.batches[i]
	b.fw = f
	b.offers = append(b.offers[:0], offers...)
	b.rescind = m.rescinds
	return i
}

func (m *drfMode) rescinded(n int) {
	m.rescinds += int64(n)
	m.e.Counters().Rescinded += int64(n)
}

func (m *drfMode) scheduleExpiry(now allocator.Time) {
	next := m.alloc.NextExpiry()
	if next == allocator.Never || (m.expiryAt > now && m.expiryAt <= next) {
		return
	}
	m.expiryAt = next
	m.e.At(next, m.hExpire, 0)
}

func (m *drfMode) handleExpire(now allocator.Time, _ int64) {
	if now >= m.expiryAt {
		m.expiryAt = allocator.Never
	}
	m.rescinded(len(m.alloc.Expire(now)))
	m.scheduleExpiry(now)
}

// handleBatch is a framework scheduler answering one cycle's offers.
func (m *drfMode) handleBatch(now allocator.Time, arg int64) {
	b := &m.batches[arg]
	f := b.fw
	fw := &m.fws[f]
	live := b.offers
	if b.rescind != m.rescinds { // some offers may be gone
		live = live[:0]
		for _, o := range b.offers {
			if _, ok := m.alloc.Offer(o.ID); ok {
				live = append(live, o)
			}
		}
	}
	if fw.q.n > 0 {
		m.place(now, f, live)
	} else {
		for _, o := range live {
			m.answer(now, fw, o, allocator.Resources{}, fw.sp.idleRefuse, false)
		}
		m.flushDeclines(now, fw.sp.idleRefuse)
	}
	if fw.q.n == 0 {
		// Idle: the offers it had were declined; new work needs a revive.
		fw.idle = true
		if fw.sp.suppressIdle && !fw.suppressed {
			m.alloc.Suppress(now, f)
			fw.suppressed = true
		}
	}
	b.offers = b.offers[:0]
	m.batchFree = append(m.batchFree, int32(arg))
}

// answer accepts what was used of an offer (declining the rest with a
// filter), declines it whole, or — a framework with work that did not fit,
// when it holds — keeps it until offer_timeout.
func (m *drfMode) answer(now allocator.Time, fw *framework, o allocator.Offer, used allocator.Resources, refuse allocator.Time, mayHold bool) {
	c := m.e.Counters()
	var err error
	switch {
	case !used.IsZero():
		err = m.alloc.Accept(now, o.ID, used, refuse)
		c.Accepted++
		if allocator.RefuseDuration(refuse) != 0 && used != o.Res {
			c.FiltersInstalled++
		}
	case mayHold && fw.sp.hold:
		return
	default:
		m.declines = append(m.declines, o.ID) // declined together in flushDeclines
		c.Declined++
		if allocator.RefuseDuration(refuse) != 0 {
			c.FiltersInstalled++
			fw.idle = true
		}
	}
	if err != nil {
		m.e.Fail(err)
	}
}

// place launches the framework's pending tasks inside its offers: the
// placement policy chooses among a window of offers (first-fit takes the
// first in offer order), exhausted offers leave the window and the next
// come in; after scan_limit tasks in a row that fit nowhere it stops.
func (m *drfMode) place(now allocator.Time, f allocator.FrameworkID, offers []allocator.Offer) {
	fw := &m.fws[f]
	c := m.e.Cluster()
	m.ids, m.ceil, m.idx = m.ids[:0], m.ceil[:0], m.idx[:0]
	m.used = m.used[:0]
	for range offers {
		m.used = append(m.used, allocator.Resources{})
	}
	next := 0
	refill := func() {
		for len(m.ids) < m.window && next < len(offers) {
			o := &offers[next]
			m.ids = append(m.ids, o.Agent)
			m.ceil = append(m.ceil, o.Res)
			m.idx = append(m.idx, next)
			next++
		}
	}
	refill()
	misses := 0
	fw.q.scan(m.e, func(id sim.TaskID, t *sim.Task) (bool, bool) {
		if len(m.ids) == 0 {
			return false, true
		}
		req := t.Spec.Req
		var p allocator.Placement
		ok := false
		// A window clogged with leftovers too small for this task gives way
		// to fresh offers (the oldest, first-filled leaves first), up to a
		// window's worth per task so one huge task cannot drain the batch.
		for evict := 0; ; evict++ {
			p, ok = fw.placer.Place(c, req, allocator.Candidates{IDs: m.ids, Ceil: m.ceil})
			if ok {
				ok = m.e.Launch(id, p) == nil
			}
			if ok || next >= len(offers) || evict >= m.window || len(m.ids) == 0 {
				break
			}
			m.dropFromWindow(0)
			refill()
		}
		if !ok {
			misses++
			return false, misses >= m.scanLimit
		}
		misses = 0
		j := 0
		for m.ids[j] != p.Agent {
			j++
		}
		m.ceil[j] = m.ceil[j].Sub(req.Res)
		m.used[m.idx[j]] = m.used[m.idx[j]].Add(req.Res)
		if m.ceil[j][allocator.CPU] <= 0 || m.ceil[j][allocator.Mem] <= 0 {
			m.dropFromWindow(j)
			refill()
		}
		return true, false
	})
	for i, o := range offers {
		m.answer(now, fw, o, m.used[i], fw.sp.refuse, fw.q.n > 0)
	}
	m.flushDeclines(now, fw.sp.refuse)
}

// dropFromWindow takes the j-th offer out of the placement window (it is
// answered with the others at the end).
func (m *drfMode) dropFromWindow(j int) {
	m.ids = append(m.ids[:j], m.ids[j+1:]...)
	m.ceil = append(m.ceil[:j], m.ceil[j+1:]...)
	m.idx = append(m.idx[:j], m.idx[j+1:]...)
}

// flushDeclines sends the declines of one answer at once.
func (m *drfMode) flushDeclines(now allocator.Time, refuse allocator.Time) {
	if len(m.declines) == 0 {
		return
	}
	if err := m.alloc.DeclineMany(now, m.declines, refuse); err != nil {
		m.e.Fail(err)
	}
	m.declines = m.declines[:0]
}
