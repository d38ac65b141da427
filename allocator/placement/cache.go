package placement

import "github.com/allocsim/allocsim/allocator"

// scored is a cached score of one request shape on one agent, valid while
// the agent's generation (Cluster.Gen) is unchanged.
type scored struct {
	gen   uint32
	score int64 // noFit when the request does not fit
	dev   allocator.DeviceMask
}

// maxShapeSlots bounds the score cache: 64 rows of one score per agent.
const maxShapeSlots = 64

// shapeCache keeps, per recent request shape, every agent's score. One
// placement changes one agent, so the next task of a shape rescores only the
// agents that changed since: the cost per task falls from O(agents) scores to
// O(agents) cache reads plus a few scores. When every row is taken, a new
// shape takes the least recently used one: a trace replay has thousands of
// shapes, and with rows kept by the first 64 shapes for good, best-fit on
// the Google 2011 cell scored every agent for most tasks.
type shapeCache struct {
	n     int
	slots map[allocator.Request]int
	rows  [][]scored
	keys  []allocator.Request // the shape of each row
	used  []uint64            // when each row was last asked for
	clock uint64
}

// reset empties the cache for a cluster of n agents.
func (sc *shapeCache) reset(n int) {
	sc.n, sc.slots, sc.rows, sc.keys, sc.used = n, map[allocator.Request]int{}, nil, nil, nil
}

// row returns the scores by agent of req's shape (Request.Shape). The tasks
// of different jobs share it: what ties a task to its job (spreading, a host
// limit) is applied apart, uncached.
func (sc *shapeCache) row(req allocator.Request) []scored {
	req = req.Shape()
	sc.clock++
	if i, ok := sc.slots[req]; ok {
		sc.used[i] = sc.clock
		return sc.rows[i]
	}
	if len(sc.rows) < maxShapeSlots {
		sc.slots[req] = len(sc.rows)
		sc.rows = append(sc.rows, make([]scored, sc.n))
		sc.keys, sc.used = append(sc.keys, req), append(sc.used, sc.clock)
		return sc.rows[len(sc.rows)-1]
	}
	i := 0
	for k := range sc.used {
		if sc.used[k] < sc.used[i] {
			i = k
		}
	}
	delete(sc.slots, sc.keys[i])
	sc.slots[req], sc.keys[i], sc.used[i] = i, req, sc.clock
	clear(sc.rows[i]) // generation 0: no agent's (AddAgent counts a change)
	return sc.rows[i]
}
