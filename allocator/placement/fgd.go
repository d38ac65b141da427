package placement

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/frag"
)

// fgd is fragmentation gradient descent: place the task where it increases the
// expected GPU fragmentation of the workload's typical task mix the least.
// Score = ⌊100·σ(−Δ/1000)⌋ with Δ the node's fragment increase in milli-GPU;
// a share goes to the device with the best score (the lowest index on ties).
//
// Speed: a node's fragment is cached until its Cluster.Gen changes, and so is
// each node's score for each recent request shape — one placement changes one
// node, so the next task of a shape rescores only the nodes that changed.
type fgd struct {
	env    allocator.PlacerEnv
	model  *frag.Model
	pick   picker
	sample sampler

	c      *allocator.Cluster
	before []cached // node fragment, by agent
	cache  shapeCache
	limits allocator.LimitMask
	below  []int64
	devs   []int32 // scratch copy of one agent's devices
}

type cached struct {
	gen  uint32
	frag int64
}

func newFGD(p allocator.Params, env allocator.PlacerEnv) (allocator.Placer, error) {
	pk, err := newPicker(p, env)
	if err != nil {
		return nil, err
	}
	if len(env.Typical) == 0 {
		return nil, fmt.Errorf("fgd: needs the workload's typical task shapes (PlacerEnv.Typical)")
	}
	sm, err := readSample(p)
	if err != nil {
		return nil, err
	}
	m := frag.NewModel(env.Typical)
	if m.TotalWeight() == 0 {
		return nil, fmt.Errorf("fgd: typical task shapes have no weight")
	}
	return &fgd{env: env, model: m, pick: pk, sample: sm, below: make([]int64, m.NumThresholds())}, nil
}

func (f *fgd) bind(c *allocator.Cluster) {
	if f.c != c || len(f.before) != c.NumAgents() {
		f.c = c
		f.before = make([]cached, c.NumAgents())
		f.cache.reset(c.NumAgents())
	}
}

func (f *fgd) Place(c *allocator.Cluster, req allocator.Request, cand allocator.Candidates) (allocator.Placement, bool) {
	f.bind(c)
	cache := f.cache.row(req)
	f.pick.reset(c.NumAgents())
	f.limits.Mark(c, req)
	req = req.Shape()
	visit := func(id allocator.AgentID) bool {
		if f.limits.Blocked(id) {
			return false
		}
		gen := c.Gen(id)
		if e, ok := cache.at(id, gen); ok {
			f.pick.offer(e.score, id, e.dev)
			return e.score != noFit
		}
		sc, dev := int64(noFit), allocator.DeviceMask(0)
		if c.Fits(id, req) {
			sc, dev = f.score(id, req)
		}
		cache.put(id, gen, sc, dev)
		f.pick.offer(sc, id, dev)
		return sc != noFit
	}
	switch {
	case f.sample.want > 0:
		f.sample.each(c, req, cand, visit)
	case cand.IDs == nil: // written out, cached scores read in the loop, as in scanner.Place
		rs, epoch := cache.s, cache.epoch
		for i := range c.NumAgents() {
			id := allocator.AgentID(i)
			if i < len(rs) && rs[i].key == epoch|uint64(c.Gen(id)) && !f.limits.Blocked(id) {
				if e := &rs[i]; e.score >= f.pick.best {
					f.pick.offer(e.score, id, e.dev)
				}
				continue
			}
			visit(id)
		}
	default:
		for i, id := range cand.IDs {
			if cand.Ceil == nil || cand.Ceil[i].Contains(req.Res) {
				visit(id)
			}
		}
	}
	return f.pick.result()
}

// fragBefore is the agent's current fragment, cached by generation.
func (f *fgd) fragBefore(id allocator.AgentID) int64 {
	e := &f.before[id]
	if g := f.c.Gen(id); e.gen != g {
		e.gen, e.frag = g, f.model.Frag(frag.NodeOf(f.c, id), f.below)
	}
	return e.frag
}

// score places req on the agent in thought and scores the fragment change.
func (f *fgd) score(id allocator.AgentID, req allocator.Request) (int64, allocator.DeviceMask) {
	before := f.fragBefore(id)
	n := frag.NodeOf(f.c, id)
	n.CPU -= req.Res[allocator.CPU]
	n.Mem -= req.Res[allocator.Mem]
	f.devs = append(f.devs[:0], n.GPUFree...)
	n.GPUFree = f.devs
	g := req.Res[allocator.GPU]
	if g > 0 && g < 1000 {
		best, dev := int64(noFit), allocator.DeviceMask(0)
		for i, free := range f.devs {
			if int64(free) < g || seenBefore(f.devs[:i], free) {
				continue // devices with equal free milli give equal scores: keep the first
			}
			f.devs[i] = free - int32(g)
			sc := f.sigmoidScore(before, f.model.Frag(n, f.below))
			f.devs[i] = free
			if sc > best {
				best, dev = sc, 1<<i
			}
		}
		return best, dev
	}
	dev := bestFitDevices(f.c, id, req)
	for m := dev; m != 0; m &= m - 1 {
		f.devs[trailing(m)] = 0
	}
	return f.sigmoidScore(before, f.model.Frag(n, f.below)), dev
}

func seenBefore(devs []int32, v int32) bool {
	for _, d := range devs {
		if d == v {
			return true
		}
	}
	return false
}

// sigmoidScore maps a fragment change to 0..100: ⌊100 / (1 + e^(Δ/1000))⌋.
func (f *fgd) sigmoidScore(before, after int64) int64 {
	delta := float64(after-before) / float64(f.model.TotalWeight()) // milli-GPU
	return int64(100 / (1 + math.Exp(delta/1000)))
}
