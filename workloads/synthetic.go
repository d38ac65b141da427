package workloads

import (
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// Synthetic is a streaming sim.Source of seeded synthetic jobs. It holds one
// generator per stream and the job being emitted, never the whole workload:
// memory is constant in the number of tasks.
type Synthetic struct {
	gens []streamGen
	// The job being emitted: its stream, id, size and shared request.
	cur       int
	job       int64
	remaining int32
	index     int32
	submit    allocator.Time
	service   bool
	req       allocator.Request
	jobs      int64 // jobs started so far (the next job id is jobs+1)
}

// streamGen generates the jobs of one stream in arrival order.
type streamGen struct {
	spec      *StreamSpec
	framework allocator.FrameworkID
	models    allocator.ModelSet
	unif      *rand.Rand // thinning and the service coin
	gap       distuv.Exponential
	amplitude float64 // diurnal modulation (0: plain Poisson)
	period    float64 // µs
	peak      float64 // µs
	tasks     sampler
	duration  sampler
	cpu       sampler
	mem       sampler
	disk      sampler
	gpus      sampler
	hasDisk   bool
	hasGPU    bool
	t         float64 // time of the next arrival in µs (float: no rounding drift)
	next      allocator.Time
	stop      allocator.Time
	jobs      int64
}

// NewSynthetic builds the generator of the scenario's synthetic workload
// against a cluster built by BuildCluster (for GPU model ids). The streams
// draw from PCGs derived from seed and each stream's name, so adding or
// reordering streams does not change what another stream generates.
func NewSynthetic(s *Scenario, c *allocator.Cluster, seed uint64) (*Synthetic, error) {
	if s.Workload.Synthetic == nil {
		return nil, s.errAt("workload", "no synthetic workload")
	}
	streams := s.Workload.Synthetic.Streams
	g := &Synthetic{gens: make([]streamGen, len(streams)), cur: -1}
	for i := range streams {
		st := &streams[i]
		fid, ok := s.FrameworkID(st.Framework)
		if !ok {
			return nil, s.errAt(sprintf("workload.synthetic.streams[%d].framework", i), "unknown framework %q", st.Framework)
		}
		var models allocator.ModelSet
		for k, m := range st.GPUModels {
			id, ok := c.LookupModel(m)
			if !ok {
				return nil, s.errAt(sprintf("workload.synthetic.streams[%d].gpu_models[%d]", i, k), "unknown GPU model %q", m)
			}
			models |= 1 << id
		}
		root := sim.Stream(seed, "workload/"+st.Name)
		src := rand.NewPCG(root.Uint64(), root.Uint64())
		gen := streamGen{
			spec: st, framework: fid, models: models,
			unif:     rand.New(rand.NewPCG(root.Uint64(), root.Uint64())),
			tasks:    newSampler(&st.Tasks.Dist, src),
			duration: newSampler(&st.Duration.Dist, src),
			cpu:      newSampler(&st.CPU.Dist, src),
			mem:      newSampler(&st.Mem.Dist, src),
			disk:     newSampler(&st.Disk.Dist, src),
			gpus:     newSampler(&st.GPUs.Dist, src),
			hasDisk:  st.Disk.Set(),
			hasGPU:   st.GPUs.Set(),
			t:        float64(st.Start),
			stop:     allocator.Time(st.Stop),
		}
		rate := float64(st.Arrival.Rate) / float64(allocator.Second) // per µs
		if dn := st.Arrival.Diurnal; dn != nil && dn.Amplitude > 0 {
			gen.amplitude, gen.period, gen.peak = dn.Amplitude, float64(dn.Period), float64(dn.Peak)
			rate *= 1 + dn.Amplitude // thinning draws candidates at the peak rate
		}
		gen.gap = distuv.Exponential{Rate: rate, Src: src}
		if gen.stop == 0 {
			gen.stop = allocator.Time(s.Horizon)
		}
		if gen.stop == 0 {
			gen.stop = allocator.Never
		}
		gen.advance()
		g.gens[i] = gen
	}
	return g, nil
}

// advance moves the stream to its next arrival (Never when it is done).
func (g *streamGen) advance() {
	if g.spec.MaxJobs > 0 && g.jobs >= g.spec.MaxJobs {
		g.next = allocator.Never
		return
	}
	for {
		g.t += g.gap.Rand()
		if g.t >= float64(g.stop) {
			g.next = allocator.Never
			return
		}
		if g.amplitude == 0 {
			break
		}
		// Thinning (Lewis–Shedler): keep a candidate with probability
		// rate(t) / peak rate.
		phase := 2 * math.Pi * (g.t - g.peak) / g.period
		if g.unif.Float64()*(1+g.amplitude) < 1+g.amplitude*math.Cos(phase) {
			break
		}
	}
	g.next = allocator.Time(math.Round(g.t))
}

// Next returns the next task submission, or io.EOF when every stream is done.
func (g *Synthetic) Next() (sim.Input, error) {
	if g.remaining == 0 && !g.startJob() {
		return sim.Input{}, io.EOF
	}
	gen := &g.gens[g.cur]
	dur := allocator.Never
	if !g.service {
		// A heavy tail without max can overflow: cap just below Never.
		v := min(math.Round(gen.duration.draw()), float64(allocator.Never/2))
		dur = max(allocator.Time(v), 1)
	}
	in := sim.Input{Time: g.submit, Kind: sim.InputTask, Task: allocator.TaskSpec{
		Job: g.job, Index: g.index, Framework: gen.framework, Submit: g.submit,
		Duration: dur, Req: g.req, Priority: gen.spec.Priority, Class: gen.spec.Class,
		Outcome: allocator.OutcomeFinished,
	}}
	g.index++
	g.remaining--
	return in, nil
}

// startJob begins the earliest next job over all streams (ties go to the
// stream listed first) and reports false when none is left.
func (g *Synthetic) startJob() bool {
	best := -1
	for i := range g.gens {
		if g.gens[i].next != allocator.Never && (best < 0 || g.gens[i].next < g.gens[best].next) {
			best = i
		}
	}
	if best < 0 {
		return false
	}
	gen := &g.gens[best]
	g.cur, g.submit = best, gen.next
	g.jobs++
	g.job, g.index = g.jobs, 0
	n := math.Round(gen.tasks.draw())
	g.remaining = int32(min(max(n, 1), math.MaxInt32))
	g.service = gen.spec.ServiceFraction > 0 && gen.unif.Float64() < gen.spec.ServiceFraction
	g.req = gen.request()
	gen.jobs++
	gen.advance()
	return true
}

// request draws the shape shared by all tasks of a job (Borg jobs are
// sets of identical tasks).
func (g *streamGen) request() allocator.Request {
	r := allocator.Request{HostLimit: int16(g.spec.HostLimit), RackLimit: uint8(g.spec.RackLimit)}
	r.Res[allocator.CPU] = max(int64(math.Round(g.cpu.draw())), 1)
	r.Res[allocator.Mem] = max(int64(math.Round(g.mem.draw())), 1)
	if g.hasDisk {
		r.Res[allocator.Disk] = int64(math.Round(g.disk.draw()))
	}
	if g.hasGPU {
		r.Res[allocator.GPU] = int64(math.Round(g.gpus.draw()))
		if r.Res[allocator.GPU] > 0 {
			r.GPUModels = g.models
		}
	}
	return r
}
