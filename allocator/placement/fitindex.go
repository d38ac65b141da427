package placement

import (
	"github.com/allocsim/allocsim/allocator"
)

// Index dimensions: free CPU, memory, disk, GPU, the largest free share on one
// device and the number of fully free devices. A down agent stores -1s.
const (
	ixMaxDev = allocator.NumResources
	ixFull   = allocator.NumResources + 1
	ixDims   = allocator.NumResources + 2
)

// fitIndex is a segment tree over agents holding, per subtree, the maximum of
// each index dimension. A subtree whose maxima cannot hold a request is
// skipped, so the first agent that fits is found in about O(log n); the leaf
// check is Cluster.Fits (GPU models included).
type fitIndex struct {
	c     *allocator.Cluster
	size  int // leaves (a power of two)
	n     int // agents indexed
	tree  [][ixDims]int64
	dirty bool // agents were added: rebuild before the next query
}

func newFitIndex(c *allocator.Cluster) *fitIndex {
	x := &fitIndex{c: c}
	x.rebuild()
	c.Watch(x.changed)
	return x
}

func (x *fitIndex) rebuild() {
	x.n = x.c.NumAgents()
	x.size = 1
	for x.size < x.n {
		x.size *= 2
	}
	x.tree = make([][ixDims]int64, 2*x.size)
	for i := range x.tree {
		x.tree[i] = empty()
	}
	for i := range x.n {
		x.tree[x.size+i] = x.leaf(allocator.AgentID(i))
	}
	for i := x.size - 1; i >= 1; i-- {
		x.tree[i] = maxOf(x.tree[2*i], x.tree[2*i+1])
	}
	x.dirty = false
}

func empty() [ixDims]int64 {
	var v [ixDims]int64
	for i := range v {
		v[i] = -1
	}
	return v
}

func (x *fitIndex) leaf(id allocator.AgentID) [ixDims]int64 {
	a := x.c.Agent(id)
	if !a.Up {
		return empty()
	}
	var v [ixDims]int64
	copy(v[:allocator.NumResources], a.Free[:])
	for _, f := range x.c.GPUFree(id) {
		v[ixMaxDev] = max(v[ixMaxDev], int64(f))
		if f == 1000 {
			v[ixFull]++
		}
	}
	return v
}

func maxOf(a, b [ixDims]int64) [ixDims]int64 {
	for i := range a {
		a[i] = max(a[i], b[i])
	}
	return a
}

func (x *fitIndex) changed(id allocator.AgentID) {
	if x.dirty || int(id) >= x.n {
		x.dirty = true
		return
	}
	i := x.size + int(id)
	x.tree[i] = x.leaf(id)
	for i /= 2; i >= 1; i /= 2 {
		v := maxOf(x.tree[2*i], x.tree[2*i+1])
		if v == x.tree[i] {
			break // ancestors already hold these maxima
		}
		x.tree[i] = v
	}
}

// need is what a subtree's maxima must reach for req to possibly fit.
func need(req allocator.Request) [ixDims]int64 {
	var v [ixDims]int64
	copy(v[:allocator.NumResources], req.Res[:])
	switch g := req.Res[allocator.GPU]; {
	case g > 0 && g < 1000:
		v[ixMaxDev] = g
	case g >= 1000:
		v[ixFull] = g / 1000
	}
	return v
}

func covers(have, want *[ixDims]int64) bool {
	for i := range have {
		if have[i] < want[i] {
			return false
		}
	}
	return true
}

// first returns the lowest agent id where req fits.
func (x *fitIndex) first(req allocator.Request) (allocator.AgentID, bool) {
	if x.dirty || x.n != x.c.NumAgents() {
		x.rebuild()
	}
	if x.n == 0 {
		return 0, false
	}
	want := need(req)
	// Depth-first, left to right, over subtrees whose maxima cover the request.
	i := 1
	for {
		if covers(&x.tree[i], &want) {
			if i >= x.size {
				if id := allocator.AgentID(i - x.size); x.c.Fits(id, req) {
					return id, true
				}
			} else {
				i = 2 * i
				continue
			}
		}
		// Next subtree to the right: climb while i is a right child.
		for i&1 == 1 {
			i /= 2
			if i == 0 {
				return 0, false
			}
		}
		if i == 0 {
			return 0, false
		}
		i++
	}
}
