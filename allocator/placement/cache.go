package placement

import "github.com/allocsim/allocsim/allocator"

// scored is a cached score of one request shape on one agent, valid while
// the agent's generation (Cluster.Gen) and the row's tenant are unchanged.
type scored struct {
	key   uint64 // the row's epoch (high 32 bits) | the agent's generation
	score int64  // noFit when the request does not fit
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
// the Google 2011 cell scored every agent for most tasks. A row changes
// tenant by changing its epoch, not by clearing it: kubernetes reads a few
// thousand agents of a row per task, and clearing all 33,000 cost more.
type shapeCache struct {
	n       int
	slots   map[allocator.Request]int
	rows    []cacheRow
	keys    []allocator.Request // the shape of each row
	used    []uint64            // when each row was last asked for
	clock   uint64
	tenants uint64 // rows handed to a shape so far
}

// cacheRow is one shape's scores; a nil row caches nothing.
type cacheRow struct {
	s     []scored
	epoch uint64 // the row's tenancy, in the high 32 bits (0 is no tenancy's)
}

// at returns agent id's entry, and whether it holds a score for generation gen.
func (r cacheRow) at(id allocator.AgentID, gen uint32) (*scored, bool) {
	if r.s == nil {
		return nil, false
	}
	e := &r.s[id]
	return e, e.key == r.epoch|uint64(gen)
}

// put records agent id's score at generation gen.
func (r cacheRow) put(id allocator.AgentID, gen uint32, score int64, dev allocator.DeviceMask) {
	if r.s != nil {
		r.s[id] = scored{key: r.epoch | uint64(gen), score: score, dev: dev}
	}
}

// reset empties the cache for a cluster of n agents.
func (sc *shapeCache) reset(n int) {
	sc.n, sc.slots, sc.rows, sc.keys, sc.used = n, map[allocator.Request]int{}, nil, nil, nil
}

// row returns the scores by agent of req's shape (Request.Shape). The tasks
// of different jobs share it: what ties a task to its job (spreading, a host
// limit) is applied apart, uncached.
func (sc *shapeCache) row(req allocator.Request) cacheRow {
	req = req.Shape()
	sc.clock++
	if i, ok := sc.slots[req]; ok {
		sc.used[i] = sc.clock
		return sc.rows[i]
	}
	sc.tenants++
	epoch := sc.tenants << 32 // 2^32 tenancies before one repeats
	if len(sc.rows) < maxShapeSlots {
		sc.slots[req] = len(sc.rows)
		sc.rows = append(sc.rows, cacheRow{s: make([]scored, sc.n), epoch: epoch})
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
	sc.rows[i].epoch = epoch
	return sc.rows[i]
}
