package placement

import (
	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/index"
)

// firstFit places a task on the lowest-numbered agent where it fits (among
// the candidates, in their order). Over all agents it answers from the
// allocator/index segment tree, kept fresh by Cluster.Watch, in about
// O(log n) instead of a scan.
type firstFit struct {
	c   *allocator.Cluster
	idx *index.Free
}

func (f *firstFit) Place(c *allocator.Cluster, req allocator.Request, cand allocator.Candidates) (allocator.Placement, bool) {
	if cand.IDs != nil {
		for i, id := range cand.IDs {
			if (cand.Ceil == nil || cand.Ceil[i].Contains(req.Res)) && c.Fits(id, req) {
				return allocator.Placement{Agent: id, Devices: bestFitDevices(c, id, req)}, true
			}
		}
		return allocator.Placement{}, false
	}
	if f.idx == nil || f.c != c {
		f.c, f.idx = c, index.New(c)
	}
	id, ok := f.idx.FirstFit(req)
	if !ok {
		return allocator.Placement{}, false
	}
	return allocator.Placement{Agent: id, Devices: bestFitDevices(c, id, req)}, true
}
