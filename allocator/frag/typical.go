package frag

import (
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// DefaultCoverage is the share of tasks the typical shapes cover (the paper's 95%).
const DefaultCoverage = 0.95

// TypicalShapes returns the most frequent task shapes of reqs that together
// cover at least coverage of the tasks, most frequent first, with their
// frequencies renormalised to sum to 1. A shape keeps CPU, GPU and GPU models;
// memory and disk are dropped (see the package comment).
func TypicalShapes(reqs []allocator.Request, coverage float64) []allocator.TaskShape {
	type counted struct {
		req allocator.Request
		n   int
	}
	idx := map[allocator.Request]int{}
	var shapes []counted
	for _, r := range reqs {
		k := shapeKey(r)
		if i, ok := idx[k]; ok {
			shapes[i].n++
			continue
		}
		idx[k] = len(shapes)
		shapes = append(shapes, counted{k, 1})
	}
	// Most frequent first; equal counts in a fixed order (larger shape first,
	// as the authors' reverse sort does) so the cut never depends on input order.
	sort.Slice(shapes, func(i, j int) bool {
		a, b := shapes[i], shapes[j]
		if a.n != b.n {
			return a.n > b.n
		}
		return shapeLess(b.req, a.req)
	})
	need := coverage * float64(len(reqs))
	cum := 0
	var out []allocator.TaskShape
	for _, s := range shapes {
		if float64(cum) >= need {
			break
		}
		cum += s.n
		out = append(out, allocator.TaskShape{Req: s.req, Freq: float64(s.n)})
	}
	for i := range out {
		out[i].Freq /= float64(cum)
	}
	return out
}

func shapeKey(r allocator.Request) allocator.Request {
	k := allocator.Request{GPUModels: r.GPUModels}
	k.Res[allocator.CPU] = r.Res[allocator.CPU]
	k.Res[allocator.GPU] = r.Res[allocator.GPU]
	if k.Res[allocator.GPU] == 0 {
		k.GPUModels = 0 // a model constraint means nothing without a GPU
	}
	return k
}

// shapeLess orders shapes by CPU, per-device GPU, number of devices, models.
func shapeLess(a, b allocator.Request) bool {
	ca, cb := a.Res[allocator.CPU], b.Res[allocator.CPU]
	if ca != cb {
		return ca < cb
	}
	ma, na := perDevice(a)
	mb, nb := perDevice(b)
	if ma != mb {
		return ma < mb
	}
	if na != nb {
		return na < nb
	}
	return a.GPUModels < b.GPUModels
}

// perDevice splits a GPU request into milli per device and number of devices.
func perDevice(r allocator.Request) (milli int64, n int64) {
	g := r.Res[allocator.GPU]
	switch {
	case g <= 0:
		return 0, 0
	case g < 1000:
		return g, 1
	}
	return 1000, g / 1000
}
