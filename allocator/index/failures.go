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
}

// grewFrom reports whether some request fits the agent now that did not
// fit it as old: every field is what Fits depends on (the largest free
// device decides shares, the count of free devices whole GPUs).
func (s *summary) grewFrom(old *summary) bool {
	return s.cpu > old.cpu || s.mem > old.mem || s.disk > old.disk ||
		s.gpuShare > old.gpuShare || s.gpuWhole > old.gpuWhole || s.models&^old.models != 0
}

// covers: r is at least f in every dimension and allowed on no GPU model f
// was not, so r fits nowhere f did not.
func covers(r, f *allocator.Request) bool {
	return r.Res.Contains(f.Res) &&
		(f.GPUModels == 0 || (r.GPUModels != 0 && r.GPUModels&^f.GPUModels == 0))
}

// recall answers req from a remembered failure it covers: known is false
// when none applies (or too many agents grew since); id is -1 for "fits
// nowhere".
func (x *Free) recall(req *allocator.Request) (id allocator.AgentID, known bool) {
	for i := 0; i < x.nFail; i++ {
		f := &x.failed[i]
		if !covers(req, &f.req) || x.grows-f.grows > growCap {
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
				f.grows = x.grows // still failing: start from here next time
			} else {
				x.remember(req)
			}
		}
		return best, true
	}
	return 0, false
}

// remember records that req fits nowhere now (oldest entry replaced). A
// request with a host limit is not remembered: another job's request of
// the same shape may fit where its job's tasks are at the limit.
func (x *Free) remember(req *allocator.Request) {
	if req.Limited() {
		return
	}
	f := failure{req: *req, grows: x.grows}
	if x.nFail < memoCap {
		x.failed[x.nFail] = f
		x.nFail++
		return
	}
	x.failed[x.next] = f
	x.next = (x.next + 1) % memoCap
}
