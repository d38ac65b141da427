package placement

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// NodeResourcesFit's scoring strategies (scoringStrategy.type), the values
// of the kubernetes policies' "scoring" parameter.
const (
	LeastAllocated           = "least-allocated" // the default: spread
	MostAllocated            = "most-allocated"  // pack
	RequestedToCapacityRatio = "requested-to-capacity-ratio"
)

// KubeParamNames are the parameters only the kubernetes policies read
// (NodeResourcesFitArgs.scoringStrategy and the BalancedAllocation plugin):
//
//	scoring:  least-allocated | most-allocated | requested-to-capacity-ratio
//	weights:  {cpu: 1, memory: 1, gpu: 0}   # scoringStrategy.resources
//	shape:    [{utilization: 0, score: 0}, {utilization: 100, score: 10}]
//	balanced: true                          # NodeResourcesBalancedAllocation
//	spread:   true                          # PodTopologySpread, system defaults
var KubeParamNames = []string{"scoring", "weights", "shape", "balanced", "spread"}

// kubeDims are the resources NodeResourcesFit can weigh, in the order of
// kubeScoring.weights: GPUs are an extended resource (nvidia.com/gpu).
var kubeDims = [3]struct {
	name string
	dim  int
}{{"cpu", allocator.CPU}, {"memory", allocator.Mem}, {"gpu", allocator.GPU}}

// shapePoint is a point of RequestedToCapacityRatio's scoring function,
// its score already scaled from 0..10 to 0..100 as the scheduler does.
type shapePoint struct{ utilization, score int64 }

// kubeScoring is a kube-scheduler profile's resource scoring.
type kubeScoring struct {
	strategy strategy
	weights  [3]int64
	shape    []shapePoint
	balanced bool
	spread   bool // spread a service's replicas (Request.Group)
}

type strategy uint8

const (
	leastAllocated strategy = iota
	mostAllocated
	requestedToCapacityRatio
)

var strategies = [...]string{LeastAllocated, MostAllocated, RequestedToCapacityRatio}

// defaultKubeScoring is the default profile: LeastAllocated over CPU and
// memory, weight 1 each, plus BalancedAllocation.
var defaultKubeScoring = kubeScoring{strategy: leastAllocated, weights: [3]int64{1, 1, 0}, balanced: true, spread: true}

// KubeScoring checks the kubernetes-only parameters of p.
func KubeScoring(p allocator.Params) error {
	_, err := readKubeScoring(p)
	return err
}

func readKubeScoring(p allocator.Params) (kubeScoring, error) {
	s := defaultKubeScoring
	name, err := p.String("scoring", LeastAllocated)
	if err != nil {
		return s, err
	}
	switch name {
	case LeastAllocated, MostAllocated:
		s.strategy = strategy(slices.Index(strategies[:], name))
		if _, ok := p["shape"]; ok {
			return s, fmt.Errorf("parameter \"shape\": only the %s scoring has one (scoring is %s)", RequestedToCapacityRatio, name)
		}
	case RequestedToCapacityRatio:
		s.strategy = requestedToCapacityRatio
		// The scheduler requires a shape; this is its documented bin-packing one.
		s.shape = []shapePoint{{0, 0}, {100, 100}}
		if v, ok := p["shape"]; ok {
			if s.shape, err = readShape(v); err != nil {
				return s, fmt.Errorf("parameter \"shape\": %w", err)
			}
		}
	default:
		return s, fmt.Errorf("parameter \"scoring\": %q, want %s, %s or %s", name, LeastAllocated, MostAllocated, RequestedToCapacityRatio)
	}
	if v, ok := p["weights"]; ok {
		if s.weights, err = readWeights(v); err != nil {
			return s, fmt.Errorf("parameter \"weights\": %w", err)
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"balanced", &s.balanced}, {"spread", &s.spread}} {
		if v, ok := p[b.key]; ok {
			x, isBool := v.(bool)
			if !isBool {
				return s, fmt.Errorf("parameter %q: want true or false, got %T", b.key, v)
			}
			*b.dst = x
		}
	}
	return s, nil
}

// readWeights reads {cpu: w, memory: w, gpu: w}: each a whole number in
// 0..100 (the scheduler's range; 0 leaves the resource out), a resource
// not named weighing 0.
func readWeights(v any) ([3]int64, error) {
	var w [3]int64
	m, ok := v.(map[string]any)
	if !ok {
		return w, fmt.Errorf("want a mapping such as {cpu: 1, memory: 1, gpu: 3}, got %T", v)
	}
	names := make([]string, len(kubeDims))
	for i, d := range kubeDims {
		names[i] = d.name
	}
	for _, k := range allocator.Params(m).Keys() {
		i := slices.Index(names, k)
		if i < 0 {
			return w, fmt.Errorf("unknown resource %q (known: %s)", k, strings.Join(names, ", "))
		}
		x, ok := wholeNumber(m[k])
		if !ok || x < 0 || x > 100 {
			return w, fmt.Errorf("%s: want a whole number from 0 to 100, got %v", k, m[k])
		}
		w[i] = x
	}
	if w == ([3]int64{}) {
		return w, fmt.Errorf("every weight is 0: nothing would be scored")
	}
	return w, nil
}

// readShape reads [{utilization: u, score: s}, …]: utilizations 0..100,
// strictly increasing; scores 0..10 (the scheduler's MaxCustomPriorityScore).
func readShape(v any) ([]shapePoint, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a list of {utilization, score} points, got %v", v)
	}
	shape := make([]shapePoint, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("point %d: want {utilization: 0..100, score: 0..10}, got %v", i+1, e)
		}
		if err := allocator.Params(m).Check("utilization", "score"); err != nil {
			return nil, fmt.Errorf("point %d: %w", i+1, err)
		}
		u, uok := wholeNumber(m["utilization"])
		sc, sok := wholeNumber(m["score"])
		switch {
		case !uok || u < 0 || u > 100:
			return nil, fmt.Errorf("point %d: utilization: want a whole number from 0 to 100, got %v", i+1, m["utilization"])
		case !sok || sc < 0 || sc > 10:
			return nil, fmt.Errorf("point %d: score: want a whole number from 0 to 10, got %v", i+1, m["score"])
		case i > 0 && u <= shape[i-1].utilization:
			return nil, fmt.Errorf("point %d: utilization %d does not increase on %d", i+1, u, shape[i-1].utilization)
		}
		shape = append(shape, shapePoint{u, sc * 10})
	}
	return shape, nil
}

// wholeNumber accepts what YAML and JSON decode a whole number to.
func wholeNumber(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// The requests NodeResourcesFit assumes for a pod that asks for no CPU or
// no memory (DefaultMilliCPURequest, DefaultMemoryRequest: 200 MiB).
const (
	nonZeroCPU = 100
	nonZeroMem = 200
)

// kubeRequest is a pod's requests as NodeResourcesFit scores them, worked
// out once per placement rather than once per node.
type kubeRequest struct {
	asked  [3]int64 // kubeDims, with the non-zero defaults
	weight [3]int64 // 0 for a resource not scored
	req    allocator.Request
}

// request prepares req for fit: a pod asking for no CPU or memory counts
// the non-zero defaults, and a GPU it does not ask for is not scored, as
// the scheduler skips extended resources a pod does not request.
func (s *kubeScoring) request(req allocator.Request) kubeRequest {
	q := kubeRequest{weight: s.weights, req: req}
	for i, d := range kubeDims {
		q.asked[i] = req.Res[d.dim]
	}
	if q.asked[0] == 0 {
		q.asked[0] = nonZeroCPU
	}
	if q.asked[1] == 0 {
		q.asked[1] = nonZeroMem
	}
	if q.asked[2] == 0 {
		q.weight[2] = 0
	}
	return q
}

// fit is NodeResourcesFit's score of placing q on the node, 0..100: per
// weighed resource the node has, a score of what would be requested, then
// their weighted mean. Node-side requests are the node's allocations (the
// scheduler counts pods without requests at the non-zero defaults;
// allocsim tasks always carry theirs).
func (s *kubeScoring) fit(v *nodeView, q *kubeRequest) int64 {
	var sum, weights int64
	for i := range kubeDims {
		w, capacity := q.weight[i], v.capacity[i]
		if w == 0 || capacity == 0 {
			continue
		}
		requested := capacity - v.free[kubeDims[i].dim] + q.asked[i]
		var sc int64
		switch s.strategy {
		case leastAllocated:
			if requested <= capacity {
				sc = (capacity - requested) * 100 / capacity
			}
		case mostAllocated:
			sc = min(requested, capacity) * 100 / capacity
		default:
			if sc = s.ratio(requested, capacity); sc == 0 {
				continue // RequestedToCapacityRatio counts positive scores only
			}
		}
		sum += sc * w
		weights += w
	}
	if weights == 0 {
		return 0
	}
	if s.strategy == requestedToCapacityRatio {
		return int64(math.Round(float64(sum) / float64(weights)))
	}
	return sum / weights
}

// ratio is RequestedToCapacityRatio's score of one resource: the shape,
// a broken line, at the utilization requested/capacity in whole percent
// (100 when over capacity).
func (s *kubeScoring) ratio(requested, capacity int64) int64 {
	u := int64(100)
	if requested < capacity {
		u = max(requested, 0) * 100 / capacity
	}
	for i, p := range s.shape {
		if u <= p.utilization {
			if i == 0 {
				return p.score
			}
			q := s.shape[i-1]
			return q.score + (p.score-q.score)*(u-q.utilization)/(p.utilization-q.utilization)
		}
	}
	return s.shape[len(s.shape)-1].score
}

// balancedAllocation is NodeResourcesBalancedAllocation with the pod
// placed: (1 − the standard deviation of the CPU and memory fractions
// requested, each at most 1) × 100, truncated. A pod that requests neither
// is not scored by it (best effort: every node 0).
func balancedAllocation(v *nodeView, req *allocator.Request) int64 {
	if req.Res[allocator.CPU] == 0 && req.Res[allocator.Mem] == 0 {
		return 0
	}
	var f [2]float64
	n := 0
	for i, dim := range [2]int{allocator.CPU, allocator.Mem} {
		capacity := v.capacity[i]
		if capacity == 0 {
			continue
		}
		f[n] = min(float64(capacity-v.free[dim]+req.Res[dim])/float64(capacity), 1)
		n++
	}
	std := 0.0
	if n == 2 { // the standard deviation of two values: |f0 − f1| / 2
		std = max(f[0]-f[1], f[1]-f[0]) / 2
	}
	return int64((1 - std) * 100)
}
