package placement

import "github.com/allocsim/allocsim/allocator"

// scored is a cached score of one request shape on one agent, valid while
// the agent's generation (Agent.Gen) is unchanged.
type scored struct {
	gen   uint32
	score int64 // noFit when the request does not fit
	dev   allocator.DeviceMask
}

// maxShapeSlots bounds the score cache: shapes beyond it are scored uncached.
const maxShapeSlots = 64

// shapeCache keeps, per recent request shape, every agent's score. One
// placement changes one agent, so the next task of a shape rescores only the
// agents that changed since: the cost per task falls from O(agents) scores to
// O(agents) cache reads plus a few scores.
type shapeCache struct {
	n     int
	slots map[allocator.Request]int
	rows  [][]scored
}

// reset empties the cache for a cluster of n agents.
func (sc *shapeCache) reset(n int) {
	sc.n, sc.slots, sc.rows = n, map[allocator.Request]int{}, nil
}

// row returns the scores by agent of req's shape (Request.Shape), or nil
// when the cache is full. The tasks of different jobs share it: what ties a
// task to its job (spreading, a host limit) is applied apart, uncached.
func (sc *shapeCache) row(req allocator.Request) []scored {
	req = req.Shape()
	if i, ok := sc.slots[req]; ok {
		return sc.rows[i]
	}
	if len(sc.rows) == maxShapeSlots {
		return nil
	}
	sc.slots[req] = len(sc.rows)
	sc.rows = append(sc.rows, make([]scored, sc.n))
	return sc.rows[len(sc.rows)-1]
}
