package placement

import "github.com/allocsim/allocsim/allocator"

// hostLimits marks, for one placement, the agents where the request's job
// is at its host limit (Request.HostLimit). Scoring policies cache whether
// a shape fits and its score per agent, shared by every job of that shape,
// so the limit, which depends on the job, is applied on top; marking visits
// only the agents holding the job's tasks.
type hostLimits struct {
	full   []bool // by agent
	marked []allocator.AgentID
}

// mark marks the agents where req may not go for its host limit, after
// clearing the last request's marks.
func (h *hostLimits) mark(c *allocator.Cluster, req allocator.Request) {
	for _, id := range h.marked {
		h.full[id] = false
	}
	h.marked = h.marked[:0]
	if !req.Limited() {
		return
	}
	c.TrackGroupAgents()
	for len(h.full) < c.NumAgents() {
		h.full = append(h.full, false)
	}
	c.EachGroupAgent(req.Group, func(id allocator.AgentID, n int32) {
		if n >= int32(req.HostLimit) {
			h.full[id] = true
			h.marked = append(h.marked, id)
		}
	})
}

// blocked reports whether the marked request may not go to agent id.
func (h *hostLimits) blocked(id allocator.AgentID) bool {
	return len(h.marked) > 0 && h.full[id]
}
