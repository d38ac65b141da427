package drf

import (
	"math"
	"sort"
)

// The random sorter visits a node's children in a weighted random order,
// drawn anew for every agent as Mesos's random sorter does. Drawing the
// whole permutation (Efraimidis–Spirakis keys) costs O(n log n) per agent,
// but the walk usually stops at the first child that takes the agent; so
// children are drawn one at a time, with probability weight / remaining
// weight (the same distribution), by a binary search over cached prefix
// sums and rejecting children already drawn. When rejections pile up the
// rest is ordered with Efraimidis–Spirakis keys.

// randCache holds the prefix sums of a node's children's weights.
type randCache struct {
	ver uint64
	cum []float64
}

// randChanged invalidates the cached prefix sums (children or weights changed).
func (a *Alloc) randChanged() { a.randVer++ }

func (a *Alloc) prefixSums(p int32) []float64 {
	for len(a.randCaches) < len(a.clients) {
		a.randCaches = append(a.randCaches, randCache{})
	}
	rc := &a.randCaches[p]
	kids := a.clients[p].kids.items()
	if rc.ver == a.randVer && len(rc.cum) == len(kids) {
		return rc.cum
	}
	rc.cum = rc.cum[:0]
	var s float64
	for _, k := range kids {
		s += a.clients[k].weight
		rc.cum = append(rc.cum, s)
	}
	rc.ver = a.randVer
	return rc.cum
}

// walkRandom is walk for the random sorter.
func (a *Alloc) walkRandom(p int32, depth int) {
	kids := a.clients[p].kids.items()
	n := len(kids)
	if n == 0 {
		return
	}
	cum := a.prefixSums(p)
	total := cum[n-1]
	for len(a.picked) < len(a.clients) {
		a.picked = append(a.picked, 0)
	}
	a.stamp++
	st := a.stamp
	r := a.cfg.Rand
	picked, rejects := 0, 0
	for picked < n && !a.w.done {
		if rejects > 2*picked+8 {
			a.visitRest(p, depth, st)
			return
		}
		u := r.Float64() * total
		lo, hi := 0, n-1
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if cum[m] > u {
				hi = m
			} else {
				lo = m + 1
			}
		}
		k := kids[lo]
		if a.picked[k] == st {
			rejects++
			continue
		}
		a.picked[k] = st
		picked++
		a.visitKid(k, depth, -1)
	}
}

// visitRest orders the children of p not drawn yet with Efraimidis–Spirakis
// keys (largest log(u)/w first) and visits them.
func (a *Alloc) visitRest(p int32, depth int, st uint32) {
	for len(a.orderBufs) <= depth {
		a.orderBufs = append(a.orderBufs, nil)
	}
	buf := a.orderBufs[depth][:0]
	keys := a.keyBuf[:0]
	for _, k := range a.clients[p].kids.items() {
		if a.picked[k] == st {
			continue
		}
		u := a.cfg.Rand.Float64()
		for u == 0 {
			u = a.cfg.Rand.Float64()
		}
		buf = append(buf, k)
		keys = append(keys, math.Log(u)/a.clients[k].weight)
	}
	sort.Sort(byKey{buf, keys})
	a.orderBufs[depth], a.keyBuf = buf, keys
	for _, k := range buf {
		if a.w.done {
			return
		}
		a.picked[k] = st
		a.visitKid(k, depth, -1)
	}
}

type byKey struct {
	ids  []int32
	keys []float64
}

func (b byKey) Len() int           { return len(b.ids) }
func (b byKey) Less(i, j int) bool { return b.keys[i] > b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.ids[i], b.ids[j] = b.ids[j], b.ids[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
