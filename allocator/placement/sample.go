package placement

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
)

// sampler bounds a scoring policy's search as kube-scheduler's node
// sampling does: it stops once want agents where the request fits have been
// scored, and the next search starts where this one stopped, so every agent
// gets its turn. A policy that scores all 33,000 agents for every task of a
// workload whose shapes do not repeat (its score cache then never hits)
// takes minutes a run; with want = 1,650 it takes what kubernetes takes.
// want 0 scores every agent, from the first, as before.
type sampler struct {
	want int
	next int
}

// readSample reads the "sample" parameter into a sampler.
func readSample(p allocator.Params) (sampler, error) {
	k, err := Sample(p)
	return sampler{want: k}, err
}

// Sample reads the "sample" parameter: a whole number of agents a scoring
// policy scores per task, 0 (or absent) for all.
func Sample(p allocator.Params) (int, error) {
	v, err := p.Float("sample", 0)
	if err != nil {
		return 0, err
	}
	if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, fmt.Errorf("parameter \"sample\": want a whole number of agents (0 for all), got %v", v)
	}
	return int(v), nil
}

// each calls visit on the candidates (every agent when cand.IDs is nil)
// whose ceiling admits req, until visit has reported a fit want times;
// visit reports whether the request fits the agent.
func (s *sampler) each(c *allocator.Cluster, req allocator.Request, cand allocator.Candidates, visit func(allocator.AgentID) bool) {
	n := c.NumAgents()
	if cand.IDs != nil {
		n = len(cand.IDs)
	}
	if s.want == 0 || s.want >= n {
		for i := range n {
			if id, ok := candidate(i, req, cand); ok {
				visit(id)
			}
		}
		return
	}
	start := s.next % n
	checked, found := 0, 0
	for i := start; checked < n && found < s.want; i++ {
		if i == n {
			i = 0
		}
		checked++
		if id, ok := candidate(i, req, cand); ok && visit(id) {
			found++
		}
	}
	s.next = (start + checked) % n
}

// candidate is the i-th candidate and whether its ceiling admits req.
func candidate(i int, req allocator.Request, cand allocator.Candidates) (allocator.AgentID, bool) {
	if cand.IDs == nil {
		return allocator.AgentID(i), true
	}
	return cand.IDs[i], cand.Ceil == nil || cand.Ceil[i].Contains(req.Res)
}
