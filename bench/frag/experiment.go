package frag

import (
	"fmt"
	"math/rand/v2"

	"github.com/allocsim/allocsim/allocator"
	allocfrag "github.com/allocsim/allocsim/allocator/frag"
	_ "github.com/allocsim/allocsim/allocator/placement" // registers the policies
)

// Stream ids derive independent streams from a run's seed: the workload
// sample is the same for every policy with that seed (common random numbers).
const (
	streamWorkload = 0x776f726b6c6f6164 // "workload"
	streamPlacer   = 0x706c61636572     // "placer"
)

// DefaultTarget is the GPU demand the workload is inflated to: 130% of capacity.
const DefaultTarget = 1.3

// Run is one experiment: one policy on one workload with one seed.
type Run struct {
	Cluster  *allocator.Cluster // template; the run clones it
	Workload *Workload
	Policy   string
	Seed     uint64
	Target   float64          // GPU demand / capacity to inflate to (DefaultTarget if 0)
	Params   allocator.Params // the placer's parameters (e.g. ties)
}

// Curve is a run's record, bucketed by arrived GPU demand in whole percent
// of capacity (rounded half to even, as the paper's analysis does).
type Curve struct {
	Sum      []Point // per percent: sums over the pods recorded in that bucket
	Count    []int
	Arrived  int // pods arrived
	Failed   int // pods that fit nowhere
	FinalPct float64
}

// Point holds the recorded metrics (sums while bucketing, means in Mean).
type Point struct {
	AllocPct     float64 // allocated milli-GPU / capacity
	FragPctTotal float64 // fragment / capacity
	FragPctIdle  float64 // fragment / idle milli-GPU
}

func (p Point) add(q Point) Point {
	return Point{p.AllocPct + q.AllocPct, p.FragPctTotal + q.FragPctTotal, p.FragPctIdle + q.FragPctIdle}
}

func (p Point) scale(k float64) Point {
	return Point{p.AllocPct * k, p.FragPctTotal * k, p.FragPctIdle * k}
}

// At is the mean of the records at pct; when none was recorded there (a big
// pod jumped over it) it pools the records at pct−1 … pct+1, as the paper's
// analysis does. ok is false when those are empty too.
func (c *Curve) At(pct int) (Point, bool) {
	if pct >= 0 && pct < len(c.Count) && c.Count[pct] > 0 {
		return c.Sum[pct].scale(1 / float64(c.Count[pct])), true
	}
	var s Point
	n := 0
	for q := pct - 1; q <= pct+1; q++ {
		if q >= 0 && q < len(c.Count) {
			s, n = s.add(c.Sum[q]), n+c.Count[q]
		}
	}
	if n == 0 {
		return Point{}, false
	}
	return s.scale(1 / float64(n)), true
}

// Execute runs the experiment.
func (r Run) Execute() (*Curve, error) {
	c := r.Cluster.Clone()
	rngW := rand.New(rand.NewPCG(r.Seed, streamWorkload))
	target := r.Target
	if target == 0 {
		target = DefaultTarget
	}
	capacity := c.Total()[allocator.GPU]
	pods := Inflate(r.Workload.Pods, int64(target*float64(capacity)+0.5), rngW)

	placer, err := allocator.NewPlacer(r.Policy, r.Params, allocator.PlacerEnv{
		Rand:    rand.New(rand.NewPCG(r.Seed, streamPlacer)),
		Typical: r.Workload.Typical,
	})
	if err != nil {
		return nil, err
	}
	tracker := allocfrag.NewTracker(c, allocfrag.NewModel(r.Workload.Typical))

	maxPct := int(target*100) + 2
	cur := &Curve{Sum: make([]Point, maxPct+1), Count: make([]int, maxPct+1)}
	var arrived int64
	for _, req := range pods {
		arrived += req.Res[allocator.GPU]
		if p, ok := placer.Place(c, req, allocator.Candidates{}); ok {
			if !c.Fits(p.Agent, req) {
				return nil, fmt.Errorf("policy %s placed %v on agent %d where it does not fit", r.Policy, req, p.Agent)
			}
			c.Allocate(p, req)
		} else {
			cur.Failed++
		}
		cur.Arrived++
		x := roundPct(arrived, capacity)
		if x >= len(cur.Count) {
			cur.Sum = append(cur.Sum, make([]Point, x+1-len(cur.Count))...)
			cur.Count = append(cur.Count, make([]int, x+1-len(cur.Count))...)
		}
		st := tracker.Stats()
		cur.Sum[x] = cur.Sum[x].add(Point{st.AllocPct(), st.FragPctTotal(), st.FragPctIdle()})
		cur.Count[x]++
		cur.FinalPct = st.AllocPct()
	}
	return cur, nil
}

// roundPct is 100·a/b rounded to the nearest integer, halves to even.
func roundPct(a, b int64) int {
	q, r := a*100/b, a*100%b
	if 2*r > b || (2*r == b && q%2 == 1) {
		q++
	}
	return int(q)
}

// Inflate returns the workload the paper runs: the trace's pods in a random
// order followed by pods sampled from it with replacement until the GPU
// request reaches target milli-GPU (the sampled pods are already in random
// order; this is the authors' simulator's order, and it matters: the
// arrived demand up to ~100% is then the trace itself, each pod once). A trace
// above the target loses random pods until it is at most the target, then is
// shuffled.
func Inflate(trace []allocator.Request, target int64, rng *rand.Rand) []allocator.Request {
	pods := append([]allocator.Request(nil), trace...)
	total := gpuDemand(pods)
	if total < target {
		rng.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
		for total < target {
			p := trace[rng.IntN(len(trace))]
			pods = append(pods, p)
			total += p.Res[allocator.GPU]
		}
		return pods
	}
	for total > target {
		i := rng.IntN(len(pods))
		total -= pods[i].Res[allocator.GPU]
		pods = append(pods[:i], pods[i+1:]...)
	}
	rng.Shuffle(len(pods), func(i, j int) { pods[i], pods[j] = pods[j], pods[i] })
	return pods
}
