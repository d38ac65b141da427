package omega

import (
	"fmt"
	"slices"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/index"
	_ "github.com/allocsim/allocsim/allocator/placement" // registers the placement policies
	"github.com/allocsim/allocsim/sim"
)

func init() {
	sim.RegisterMode("omega", newMode)
	sim.RegisterFrameworkParams("omega", schedKeys...)
}

// mode holds the shared cell and the schedulers, one per framework. It needs
// no TaskEnded hook (queue entries of ended attempts are recognised by seq)
// and no ResourcesFreed (schedulers do not watch the cell: they retry on a
// timer).
type mode struct {
	sim.BaseMode
	e      *sim.Engine
	env    sim.ModeEnv
	cell   cellParams
	idx    *index.Free
	scheds []sched
	// fwScheds[fw] is the first of framework fw's schedulers and their
	// number; they follow each other in scheds.
	fwScheds []struct{ first, n int }
	// agentSeq counts, per agent, the claims committed on it and its changes
	// of state: coarse conflict detection compares it with the copy's.
	agentSeq []uint32
	hCommit  sim.HandlerID
	hRetry   sim.HandlerID
}

// sched is one framework's scheduler.
type sched struct {
	params schedParams
	placer allocator.Placer // nil: first-fit through the index
	queue  []entry          // pending attempts, oldest first, from head on
	head   int
	// busy: a decision is in flight (its claims wait for the commit).
	busy      bool
	commitDue bool
	think     allocator.Time // of the decision in flight
	claims    []claim
	// retries are groups of attempts waiting retry_delay to be queued again
	// (in order: the delay is the same for all).
	retries [][]entry
}

// entry is a queued attempt; seq tells a reused task slot from it. tries
// counts the decisions it was part of, and started whether any task of its
// job was committed in one of them (a job is abandoned on those, see
// schedParams).
type entry struct {
	id      sim.TaskID
	tries   uint16
	started bool
	seq     int64
	job     int64
}

// claim is one task's part of a decision: where it goes (placed false: the
// private copy had no room for it) and the agent's sequence number the
// decision saw, counting the decision's own earlier claims there.
type claim struct {
	entry
	p        allocator.Placement
	placed   bool
	held     bool // applied to the cluster while the decision is made
	agentSeq uint32
}

func newMode(env sim.ModeEnv) (sim.Mode, error) {
	p := env.Params
	if err := p.Check(append(append([]string{"placement", "conflicts", "transactions"}, schedKeys...), sim.PlacerParamNames...)...); err != nil {
		return nil, fmt.Errorf("omega: %w", err)
	}
	m := &mode{env: env}
	if err := m.cell.read(p); err != nil {
		return nil, fmt.Errorf("omega: %w", err)
	}
	def := defaultSched
	if err := def.read(p); err != nil {
		return nil, fmt.Errorf("omega: %w", err)
	}
	placement, err := p.String("placement", "first-fit")
	if err != nil {
		return nil, fmt.Errorf("omega: %w", err)
	}
	m.fwScheds = make([]struct{ first, n int }, len(env.Frameworks))
	for i, f := range env.Frameworks {
		params := def
		if err := sim.CheckFrameworkParams("omega", f.Params); err != nil {
			return nil, fmt.Errorf("omega: framework %q: %w", f.Name, err)
		}
		err := params.read(f.Params)
		if err == nil {
			err = params.check()
		}
		if err != nil {
			return nil, fmt.Errorf("omega: framework %q: %w", f.Name, err)
		}
		name := placement
		if f.Placement != "" {
			name = f.Placement
		}
		m.fwScheds[i].first, m.fwScheds[i].n = len(m.scheds), params.schedulers
		for range params.schedulers {
			s := sched{params: params}
			if s.placer, err = m.newPlacer(name); err != nil { // one each: a policy may keep state
				return nil, fmt.Errorf("omega: framework %q: %w", f.Name, err)
			}
			m.scheds = append(m.scheds, s)
		}
	}
	if err := sim.CheckPlacerParams(p, sim.Placements(placement, env.Frameworks)...); err != nil {
		return nil, fmt.Errorf("omega: %w", err)
	}
	return m, nil
}

// newPlacer builds a registered policy; first-fit is nil (the index answers
// it in O(log n)).
func (m *mode) newPlacer(name string) (allocator.Placer, error) {
	if sim.IsFirstFit(name) {
		return nil, nil
	}
	return sim.NewPlacer(m.env.Params, name, allocator.PlacerEnv{Rand: m.env.Rand, Typical: m.env.Typical})
}

func (m *mode) Init(e *sim.Engine) error {
	m.e = e
	m.idx = index.New(e.Cluster())
	m.hCommit = e.RegisterHandler(sim.HandlerFunc(m.handleCommit))
	m.hRetry = e.RegisterHandler(sim.HandlerFunc(m.handleRetry))
	return nil
}

// TaskPending queues the attempt with its framework's scheduler.
func (m *mode) TaskPending(_ allocator.Time, id sim.TaskID) {
	t := m.e.Task(id)
	fw := int(t.Spec.Framework)
	if fw < 0 || fw >= len(m.fwScheds) {
		m.e.Fail(fmt.Errorf("omega: task %d of unknown framework %d", t.Seq, fw))
		return
	}
	fs := m.fwScheds[fw]
	s := &m.scheds[fs.first+schedulerOf(t.Spec.Job, fs.n)]
	s.queue = append(s.queue, entry{id: id, seq: t.Seq, job: t.Spec.Job})
	if !s.busy {
		m.e.TriggerCycle() // after this instant's other submissions: a job is decided whole
	}
}

// schedulerOf deals a job to one of n schedulers by a hash of its id
// (SplitMix64's finaliser), so that every attempt of the job, requeued ones
// included, goes to the same scheduler, and job ids that are multiples of n
// (jobs numbered across several streams) still spread. The paper's
// simulator deals jobs round-robin, which needs the job's first arrival.
func schedulerOf(job int64, n int) int {
	if n == 1 {
		return 0
	}
	z := uint64(job) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return int((z ^ z>>31) % uint64(n))
}

// AgentChanged counts as a change of the agent for coarse conflicts.
func (m *mode) AgentChanged(_ allocator.Time, a allocator.AgentID) {
	m.growAgents()
	m.agentSeq[a]++
}

func (m *mode) growAgents() {
	if n := m.e.Cluster().NumAgents(); n > len(m.agentSeq) {
		m.agentSeq = append(m.agentSeq, make([]uint32, n-len(m.agentSeq))...)
	}
}

// Cycle commits the decisions whose think time is over, then starts one on
// every idle scheduler with work, in framework order.
func (m *mode) Cycle(now allocator.Time) {
	m.growAgents()
	for i := range m.scheds {
		s := &m.scheds[i]
		if s.commitDue {
			m.commit(now, s, i)
		}
		if !s.busy {
			m.decide(now, s, i)
		}
	}
}

func (m *mode) handleCommit(_ allocator.Time, arg int64) {
	m.scheds[arg].commitDue = true
	m.e.TriggerCycle()
}

// handleRetry queues the oldest group of attempts waiting to be retried.
func (m *mode) handleRetry(_ allocator.Time, arg int64) {
	s := &m.scheds[arg]
	s.queue = append(s.queue, s.retries[0]...)
	s.retries[0] = nil
	s.retries = s.retries[1:]
	if !s.busy {
		m.e.TriggerCycle()
	}
}

// live reports whether a queued attempt is still the pending one it was.
func (m *mode) live(en *entry) bool {
	t := m.e.Task(en.id)
	return t.Seq == en.seq && t.State == sim.StatePending
}

// retry puts attempts back at the end of the queue after the retry delay,
// or gives up on them as the Omega paper's simulator does: after
// abandon_unplaced decisions of a job none of whose tasks was ever
// committed, or after abandon_after decisions in all. Given-up attempts end
// unscheduled now.
func (m *mode) retry(now allocator.Time, s *sched, i int, es []entry) {
	if p := &s.params; len(es) > 0 && p.gaveUp(&es[0]) {
		for k := range es {
			if err := m.e.Kill(es[k].id, allocator.OutcomeUnscheduled); err != nil {
				m.e.Fail(fmt.Errorf("omega: %w", err))
				return
			}
		}
		m.e.Counters().JobsAbandoned++
		return
	}
	if len(es) == 0 {
		return
	}
	if s.params.retry == 0 {
		s.queue = append(s.queue, es...)
		return
	}
	s.retries = append(s.retries, slices.Clone(es))
	m.e.At(now+s.params.retry, m.hRetry, int64(i))
}
