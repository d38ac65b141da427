package placement

import (
	"github.com/allocsim/allocsim/allocator"
)

// firstFit places a task on the lowest-numbered agent where it fits (among
// the candidates, in their order). Over all agents it answers from an index
// kept fresh by Cluster.Watch, in about O(log n) instead of a scan.
type firstFit struct {
	idx *fitIndex
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
	if f.idx == nil || f.idx.c != c {
		f.idx = newFitIndex(c)
	}
	id, ok := f.idx.first(req)
	if !ok {
		return allocator.Placement{}, false
	}
	return allocator.Placement{Agent: id, Devices: bestFitDevices(c, id, req)}, true
}
