package drf

import (
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// client is a node of the sorting tree: a role (internal or leaf), the
// virtual leaf holding the own frameworks of a role that has children, or a
// framework. Roles and frameworks share one tree so that one walk gives the
// two-level order (roles by share, then frameworks in the role by share).
type client struct {
	name   string
	parent int32
	kids   order // active children, kept sorted by key for the DRF sorter
	fw     int32 // framework id for a framework client, -1 otherwise
	weight float64
	alloc  allocator.Resources // offered + allocated, subtree sum
	active int32               // active frameworks in the subtree
	depth  int32               // 0 root, 1 top-level role, …
	hint   int32               // its index among its siblings when last visited (saves a search)
	// pend accumulates allocation changes made during one agent's walk; they
	// are applied (and the client re-positioned) when the agent is done, as
	// Mesos iterates over a sorted snapshot per agent.
	pend    allocator.Resources
	pendCnt uint32
	dirty   bool
}

// sortKey is a client's position key, kept apart from the client so that
// the binary searches of a re-position touch 24 dense bytes per step.
type sortKey struct {
	share  float64 // dominant share / weight
	allocs uint64  // allocations so far
	rank   int64   // name order among siblings (unique)
}

// less is the DRF order: smaller share, then fewer allocations, then name.
func less(a, b *sortKey) bool {
	if a.share != b.share {
		return a.share < b.share
	}
	if a.allocs != b.allocs {
		return a.allocs < b.allocs
	}
	return a.rank < b.rank
}

// shareOf is max over counted resources of alloc/total, over the weight.
func (a *Alloc) shareOf(c *client) float64 {
	var s float64
	for d := range allocator.NumResources {
		if v := float64(c.alloc[d]) * a.inv[d]; v > s {
			s = v
		}
	}
	return s / c.weight
}

// search returns the index of the first kid not less than key k (the
// client's own index when it is in the list: keys are unique).
func (a *Alloc) search(kids []int32, k *sortKey) int {
	lo, hi := 0, len(kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if less(&a.keys[kids[m]], k) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (a *Alloc) insertKid(p int32, k int32) {
	a.randChanged()
	pc := &a.clients[p]
	pc.kids.insert(a.search(pc.kids.items(), &a.keys[k]), k)
}

func (a *Alloc) removeKid(p int32, k int32) {
	a.randChanged()
	pc := &a.clients[p]
	kids := pc.kids.items()
	i := a.search(kids, &a.keys[k])
	if i >= len(kids) || kids[i] != k {
		i = indexOf(kids, k) // stale keys: fall back to a scan
	}
	pc.kids.remove(i)
}

func indexOf(s []int32, v int32) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	panic("drf: client missing from its parent's order")
}

// listed reports whether c sits in its parent's order (it is active).
func (c *client) listed() bool { return c.active > 0 && c.parent >= 0 }

// change adds delta to c's allocation (and counts an allocation when count
// is set), updating its share and position among its siblings. It walks up
// to the root.
func (a *Alloc) change(c int32, delta allocator.Resources, count bool) {
	for c > 0 {
		cl := &a.clients[c]
		inList := cl.listed() && a.cfg.Sorter == SorterDRF
		var i int
		var kids *order
		if inList {
			kids = &a.clients[cl.parent].kids
			i = a.search(kids.items(), &a.keys[c])
			if it := kids.items(); i >= len(it) || it[i] != c {
				i = indexOf(it, c)
			}
		}
		cl.alloc = cl.alloc.Add(delta)
		if count {
			a.keys[c].allocs++
		}
		a.keys[c].share = a.shareOf(cl)
		if inList {
			a.reposition(kids, i)
		}
		c = cl.parent
	}
}

// reposition moves the i-th client of o, whose key changed, to its sorted place.
func (a *Alloc) reposition(o *order, i int) {
	kids := o.items()
	c := &a.keys[kids[i]]
	if i+1 < len(kids) && less(&a.keys[kids[i+1]], c) {
		lo, hi := i+1, len(kids)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if less(&a.keys[kids[m]], c) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		o.move(i, lo-1)
		return
	}
	if i > 0 && less(c, &a.keys[kids[i-1]]) {
		lo, hi := 0, i
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if less(&a.keys[kids[m]], c) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		o.move(i, lo)
	}
}

// markPending records an allocation made during an agent's walk; flush
// applies it after the walk.
func (a *Alloc) markPending(c int32, delta allocator.Resources, count bool) {
	for c > 0 {
		cl := &a.clients[c]
		cl.pend = cl.pend.Add(delta)
		if count {
			cl.pendCnt++
		}
		if !cl.dirty {
			cl.dirty = true
			a.dirtyList = append(a.dirtyList, c)
		}
		c = cl.parent
	}
}

func (a *Alloc) flush() {
	for _, c := range a.dirtyList {
		cl := &a.clients[c]
		inList := cl.listed() && a.cfg.Sorter == SorterDRF
		var i int
		var kids *order
		if inList {
			kids = &a.clients[cl.parent].kids
			it := kids.items()
			if i = int(cl.hint); i >= len(it) || it[i] != c {
				i = a.search(it, &a.keys[c])
				if i >= len(it) || it[i] != c {
					i = indexOf(it, c)
				}
			}
		}
		cl.alloc = cl.alloc.Add(cl.pend)
		a.keys[c].allocs += uint64(cl.pendCnt)
		cl.pend, cl.pendCnt, cl.dirty = allocator.Resources{}, 0, false
		a.keys[c].share = a.shareOf(cl)
		if inList {
			a.reposition(kids, i)
		}
	}
	a.dirtyList = a.dirtyList[:0]
}

// setActive adds d (+1/-1) active frameworks below c, listing or unlisting
// clients whose subtree becomes (in)active.
func (a *Alloc) setActive(c int32, d int32) {
	for c > 0 {
		cl := &a.clients[c]
		was := cl.active > 0
		if !was && d > 0 {
			a.keys[c].share = a.shareOf(cl)
		}
		if was && d < 0 && cl.active+d == 0 {
			a.removeKid(cl.parent, c)
		}
		cl.active += d
		if !was && cl.active > 0 {
			a.insertKid(cl.parent, c)
		}
		c = cl.parent
	}
	a.clients[0].active += d
}

// resort recomputes every share (the cluster total or weights changed) and
// sorts every order from scratch.
func (a *Alloc) resort() {
	tot := a.cfg.Cluster.Total()
	for d := range allocator.NumResources {
		a.inv[d] = 0
		if tot[d] > 0 && !a.cfg.Excluded.Has(d) {
			a.inv[d] = 1 / float64(tot[d])
		}
	}
	a.total = tot
	for i := range a.clients {
		a.keys[i].share = a.shareOf(&a.clients[i])
	}
	for i := range a.clients {
		kids := a.clients[i].kids.items()
		if len(kids) > 1 {
			sort.Slice(kids, func(x, y int) bool { return less(&a.keys[kids[x]], &a.keys[kids[y]]) })
		}
	}
	a.needResort = false
	a.randChanged()
}

// addClient appends a client and its key; frameworks get a name rank.
func (a *Alloc) addClient(c client) int32 {
	id := int32(len(a.clients))
	a.clients = append(a.clients, c)
	a.keys = append(a.keys, sortKey{})
	if c.fw >= 0 {
		a.rankFramework(id)
	}
	return id
}

// rankFramework gives a new framework client a rank between its neighbours
// in name order, renumbering all (order kept) when there is no gap.
func (a *Alloc) rankFramework(id int32) {
	byName := a.fwByName
	name := a.clients[id].name
	p := sort.Search(len(byName), func(i int) bool {
		o := &a.clients[byName[i]]
		return o.name > name || (o.name == name && o.fw > a.clients[id].fw)
	})
	byName = append(byName, 0)
	copy(byName[p+1:], byName[p:])
	byName[p] = id
	a.fwByName = byName
	const gap = 1 << 20
	lo := int64(0)
	if p > 0 {
		lo = a.keys[byName[p-1]].rank
	}
	hi := lo + 2*gap
	if p+1 < len(byName) {
		hi = a.keys[byName[p+1]].rank
	}
	if hi-lo >= 2 {
		a.keys[id].rank = lo + (hi-lo)/2
		return
	}
	for i, c := range byName {
		a.keys[c].rank = int64(i+1) * gap
	}
}

// unrankFramework forgets a removed framework's place in name order.
func (a *Alloc) unrankFramework(id int32) {
	for i, c := range a.fwByName {
		if c == id {
			a.fwByName = append(a.fwByName[:i], a.fwByName[i+1:]...)
			return
		}
	}
}
