package placement

import (
	"github.com/allocsim/allocsim/allocator"
)

// randomScore: every agent where the request fits is equally good.
type randomScore struct{}

func (randomScore) score(*scanner, allocator.AgentID, allocator.Request) int64 { return 0 }

func (randomScore) devices(s *scanner, id allocator.AgentID, req allocator.Request) allocator.DeviceMask {
	return randomDevices(s.c, id, req, s.env.Rand)
}

// bestFitDevice is the device choice of every policy but random and fgd.
type bestFitDevice struct{}

func (bestFitDevice) devices(s *scanner, id allocator.AgentID, req allocator.Request) allocator.DeviceMask {
	return bestFitDevices(s.c, id, req)
}

// bestFit: the agent with the least free CPU and GPU after placement, each
// normalised by the largest agent and weighted equally (the paper's BestFit:
// score = (1 − ½·cpuLeft/maxCPU − ½·gpuLeft/maxGPU) × 100, truncated).
type bestFit struct{ bestFitDevice }

func (bestFit) score(s *scanner, id allocator.AgentID, req allocator.Request) int64 {
	return int64((1 - leftover(s, id, req)) * 100)
}

// worstFit: the agent with the most free CPU and GPU after placement (spreads).
type worstFit struct{ bestFitDevice }

func (worstFit) score(s *scanner, id allocator.AgentID, req allocator.Request) int64 {
	return int64(leftover(s, id, req) * 100)
}

// leftover is ½·cpuLeft/maxCPU + ½·gpuLeft/maxGPU after placing req, in 0..1.
func leftover(s *scanner, id allocator.AgentID, req allocator.Request) float64 {
	free := s.c.Agent(id).Free.Sub(req.Res)
	return 0.5*ratio(free[allocator.CPU], s.maxC[allocator.CPU]) + 0.5*ratio(free[allocator.GPU], s.maxC[allocator.GPU])
}

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// dotProduct is the paper's DotProduct baseline (Tetris-style alignment of the
// request and the free vector over CPU and GPU, each normalised by the largest
// agent): score = (1 − ⟨req, free⟩/2) × 100, so the agent whose free resources
// align least with the request — the tightest — wins, as in the authors'
// simulator; shares go to the best-fit device.
type dotProduct struct{ bestFitDevice }

func (dotProduct) score(s *scanner, id allocator.AgentID, req allocator.Request) int64 {
	free := s.c.Agent(id).Free
	mc, mg := s.maxC[allocator.CPU], s.maxC[allocator.GPU]
	dot := ratio(req.Res[allocator.CPU], mc)*ratio(free[allocator.CPU], mc) +
		ratio(req.Res[allocator.GPU], mg)*ratio(free[allocator.GPU], mg)
	return int64(100 * (1 - dot/2))
}

// gpuPacking packs GPU demand: first a device already partly used (score
// 100 − its free %/10, at least 50), then free devices on an agent that has
// used ones (50 − devices taken, at least 33), then an idle agent (33 −
// its free devices). Tasks without GPU score 0 everywhere (random).
type gpuPacking struct{ bestFitDevice }

func (gpuPacking) score(s *scanner, id allocator.AgentID, req allocator.Request) int64 {
	g := req.Res[allocator.GPU]
	if g <= 0 {
		return 0
	}
	dev := bestFitDevices(s.c, id, req)
	free := s.c.GPUFree(id)
	full := 0
	for _, f := range free {
		if f == 1000 {
			full++
		}
	}
	if full == len(free) {
		return int64(max(33-full, full))
	}
	taken, fullTaken := int64(0), 0
	for m := dev; m != 0; m &= m - 1 {
		f := free[trailing(m)]
		if f == 1000 {
			fullTaken++
		}
		taken += int64(f) * 100 / 1000
	}
	if fullTaken > 0 {
		return int64(max(50-fullTaken, 33))
	}
	return max(100-taken/10, 50)
}

// gpuClustering keeps tasks of one GPU kind (share, 1, 2, 4, 8 GPUs)
// together: agents running only that kind score in (75, 100], agents running
// it among others (50, 75], idle agents (25, 50], agents running other kinds
// (0, 25]; within a tier, the more GPU already used the better. Tasks without
// GPU score 0 everywhere (random).
type gpuClustering struct{ bestFitDevice }

func (gpuClustering) score(s *scanner, id allocator.AgentID, req allocator.Request) int64 {
	kind := req.GPUKind()
	if kind == allocator.GPUKindNone {
		return 0
	}
	a := s.c.Agent(id)
	kinds := 0
	for k := allocator.GPUKindShare; k < allocator.NumGPUKinds; k++ {
		if a.Tasks[k] > 0 {
			kinds++
		}
	}
	maxG := s.maxC[allocator.GPU]
	fill := int64(0)
	if maxG > 0 {
		fill = 25 * (maxG - gpuLeft(s.c, id)) / maxG
	}
	var tier int64
	switch {
	case a.Tasks[kind] > 0 && kinds == 1:
		tier = 75
	case a.Tasks[kind] > 0:
		tier = 50
	case kinds == 0:
		tier = 25
	}
	return fill + tier
}
