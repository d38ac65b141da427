package placement

import (
	"fmt"
	"math/rand/v2"

	"github.com/allocsim/allocsim/allocator"
)

// noFit marks an agent where the request does not fit.
const noFit = -1

// picker keeps the best score seen so far and the agents that tie on it. A
// random tie-break draws once, among all the tied agents, when the scan ends;
// first takes the lowest agent id; order the lowest rank in a random order of
// the agents drawn once per run.
type picker struct {
	rng   *rand.Rand
	first bool
	order bool
	rank  []int32 // agent → position in the run's random order (order only)
	best  int64
	ties  []tied // random: every agent with the best score; otherwise just the choice
}

type tied struct {
	agent allocator.AgentID
	dev   allocator.DeviceMask
}

// reset starts a placement over n agents.
func (p *picker) reset(n int) {
	p.best, p.ties = noFit, p.ties[:0]
	if p.order && len(p.rank) < n {
		if len(p.rank) == 0 {
			p.rank = make([]int32, 0, n)
			for _, r := range p.rng.Perm(n) {
				p.rank = append(p.rank, int32(r))
			}
		}
		for i := len(p.rank); i < n; i++ { // agents added later come last
			p.rank = append(p.rank, int32(i))
		}
	}
}

func (p *picker) offer(score int64, id allocator.AgentID, dev allocator.DeviceMask) {
	switch {
	case score < 0 || score < p.best:
		return
	case score > p.best:
		p.best = score
		p.ties = append(p.ties[:0], tied{id, dev})
	case p.order:
		if p.rank[id] < p.rank[p.ties[0].agent] {
			p.ties[0] = tied{id, dev}
		}
	case p.first:
		if id < p.ties[0].agent {
			p.ties[0] = tied{id, dev}
		}
	default:
		p.ties = append(p.ties, tied{id, dev})
	}
}

func (p *picker) result() (allocator.Placement, bool) {
	switch len(p.ties) {
	case 0:
		return allocator.Placement{}, false
	case 1:
		return allocator.Placement{Agent: p.ties[0].agent, Devices: p.ties[0].dev}, true
	}
	t := p.ties[p.rng.IntN(len(p.ties))]
	return allocator.Placement{Agent: t.agent, Devices: t.dev}, true
}

// scoreFunc scores a request on an agent where it fits (0..100, higher is
// better); devices picks the devices on the chosen agent.
type scoreFunc interface {
	score(s *scanner, id allocator.AgentID, req allocator.Request) int64
	devices(s *scanner, id allocator.AgentID, req allocator.Request) allocator.DeviceMask
}

// scanner runs a scoring policy over the candidates. Scores depend only on
// the agent's state, so they are cached by shape and agent generation.
type scanner struct {
	env    allocator.PlacerEnv
	f      scoreFunc
	pick   picker
	sample sampler
	cache  shapeCache
	limits allocator.LimitMask
	c      *allocator.Cluster
	maxC   allocator.Resources // largest agent capacity per dimension (normalises scores)
	nMax   int                 // agents seen when maxC was computed
}

func scorerFactory(f scoreFunc) func(allocator.Params, allocator.PlacerEnv) (allocator.Placer, error) {
	return func(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
		pk, err := newPicker(p, env)
		if err != nil {
			return nil, err
		}
		sm, err := readSample(p)
		return &scanner{env: env, f: f, pick: pk, sample: sm}, err
	}
}

// Tie-break rules (parameter "ties").
const (
	TiesRandom = "random" // uniformly at random with the run's stream (default)
	TiesFirst  = "first"  // the lowest agent id
	// TiesOrder gives ties to the first agent of a random order drawn once per
	// run: the FGD authors' simulator (its Kubernetes fork picks the smallest
	// node name, and node names get a random prefix per run).
	TiesOrder = "order"
)

func newPicker(p allocator.Params, env allocator.PlacerEnv) (picker, error) {
	t, err := p.String("ties", TiesRandom)
	if err != nil {
		return picker{}, err
	}
	switch t {
	case TiesRandom:
		return picker{rng: env.Rand}, nil
	case TiesFirst:
		return picker{rng: env.Rand, first: true}, nil
	case TiesOrder:
		return picker{rng: env.Rand, order: true}, nil
	}
	return picker{}, fmt.Errorf("parameter \"ties\": %q, want %q, %q or %q", t, TiesRandom, TiesFirst, TiesOrder)
}

func (s *scanner) Place(c *allocator.Cluster, req allocator.Request, cand allocator.Candidates) (allocator.Placement, bool) {
	s.bind(c)
	row := s.cache.row(req)
	s.pick.reset(c.NumAgents())
	s.limits.Mark(c, req)
	shape := req.Shape()
	visit := func(id allocator.AgentID) bool {
		if s.limits.Blocked(id) {
			return false
		}
		gen := c.Gen(id)
		if e, ok := row.at(id, gen); ok {
			sc := e.score
			if sc >= s.pick.best { // most agents score below the best so far: no call
				s.pick.offer(sc, id, 0)
			}
			return sc != noFit
		}
		sc := int64(noFit)
		if c.Fits(id, shape) {
			sc = s.f.score(s, id, shape)
		}
		row.put(id, gen, sc, 0)
		s.pick.offer(sc, id, 0)
		return sc != noFit
	}
	switch {
	case s.sample.want > 0:
		s.sample.each(c, req, cand, visit)
	case cand.IDs == nil: // written out: through sampler.each it cost ~17% (BenchmarkFragExperiment)
		// A cached score is read here without calling visit: on a
		// 12,500-machine trace replay most agents have one, and the calls
		// were a third of best-fit's time.
		rs, epoch := row.s, row.epoch
		for i := range c.NumAgents() {
			id := allocator.AgentID(i)
			if i < len(rs) && rs[i].key == epoch|uint64(c.Gen(id)) && !s.limits.Blocked(id) {
				if sc := rs[i].score; sc >= s.pick.best {
					s.pick.offer(sc, id, 0)
				}
				continue
			}
			visit(id)
		}
	default:
		for i, id := range cand.IDs {
			if cand.Ceil == nil || cand.Ceil[i].Contains(req.Res) {
				visit(id)
			}
		}
	}
	p, ok := s.pick.result()
	if ok {
		p.Devices = s.f.devices(s, p.Agent, req)
	}
	return p, ok
}

// bind remembers the cluster and the largest agent shape (the scores'
// normalisation, as the paper's MaxSpec: 128 CPUs and 8 GPUs on openb).
func (s *scanner) bind(c *allocator.Cluster) {
	if s.c == c && s.nMax == c.NumAgents() {
		return
	}
	s.c, s.nMax, s.maxC = c, c.NumAgents(), allocator.Resources{}
	s.cache.reset(c.NumAgents())
	for i := range c.NumAgents() {
		s.maxC = s.maxC.Max(c.Agent(allocator.AgentID(i)).Capacity)
	}
}
