package index

import "github.com/allocsim/allocsim/allocator"

// A search that fails can visit much of the tree: per-subtree maxima admit a
// request whose dimensions peak on different agents. Allocators retry the
// same or larger requests cycle after cycle, so the index remembers recent
// failures. Cluster.Fits is monotone in the request, and an agent that did
// not gain room cannot start to fit, so a request at least as large as one
// that failed at change count s fits now only on agents that grew since s:
// the answer is the lowest of those where it fits — still exact first fit.

const (
	growCap = 256 // agents remembered as having grown
	memoCap = 32  // failed requests remembered
)

type failure struct {
	req   allocator.Request
	grows uint64 // x.grows when it failed
	// For a request with a host limit: the cluster's group changes when it
	// failed. While none of its job's tasks came or went, only agents that
	// grew can hold it; after, the failure is forgotten.
	groupSeq uint64
}

// grewFrom reports whether some request fits the agent now that did not
// fit it as old: every field is what Fits depends on (the largest free
// device decides shares, the count of free devices whole GPUs). A
// saturated amount may have grown unseen, so it counts as grown.
func (s *summary) grewFrom(old *summary) bool {
	return s.cpu > old.cpu || s.mem > old.mem || s.disk > old.disk ||
		s.cpu == room32 || s.mem == room32 || s.disk == room32 ||
		s.gpuShare > old.gpuShare || s.gpuWhole > old.gpuWhole || s.models&^old.models != 0
}

// covers: r is at least f in every dimension, allowed on no GPU model f was
// not and, when f has limits, of f's job with limits no looser, so r fits
// nowhere f did not.
func covers(r, f *allocator.Request) bool {
	return r.Res.Contains(f.Res) &&
		(f.GPUModels == 0 || (r.GPUModels != 0 && r.GPUModels&^f.GPUModels == 0)) &&
		(!f.Limited() || (r.Group == f.Group && noLooser(r.HostLimit, f.HostLimit) && noLooser(int16(r.RackLimit), int16(f.RackLimit))))
}

// noLooser: a limit of r is at least as strict as f's (0 = none).
func noLooser(r, f int16) bool { return f == 0 || (r > 0 && r <= f) }

// recall answers req from a remembered failure it covers: known is false
// when none applies (or too many agents grew since); id is -1 for "fits
// nowhere".
func (x *Free) recall(req *allocator.Request) (id allocator.AgentID, known bool) {
	for i := 0; i < x.nFail; i++ {
		f := &x.failed[i]
		if !covers(req, &f.req) || x.grows-f.grows > growCap ||
			(f.req.Limited() && x.c.GroupChangedSince(f.req.Group, f.groupSeq)) {
			continue
		}
		best := allocator.AgentID(-1)
		for s := f.grows; s < x.grows; s++ {
			a := x.grown[s%growCap]
			if (best < 0 || a < best) && x.c.Fits(a, *req) {
				best = a
			}
		}
		if best < 0 {
			if f.req == *req {
				f.grows, f.groupSeq = x.grows, x.c.GroupChanges() // still failing: start from here next time
			} else {
				x.remember(req)
			}
		}
		return best, true
	}
	return 0, false
}

// remember records that req fits nowhere now (oldest entry replaced).
func (x *Free) remember(req *allocator.Request) {
	f := failure{req: *req, grows: x.grows, groupSeq: x.c.GroupChanges()}
	if x.nFail < memoCap {
		x.failed[x.nFail] = f
		x.nFail++
		return
	}
	x.failed[x.next] = f
	x.next = (x.next + 1) % memoCap
}
