package frag

import (
	"fmt"
	"math"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/bench/parallel"
)

// Matrix is policies × workloads × seeds on one cluster.
type Matrix struct {
	Input    *Input
	Policies []string // ParsePolicy entries
	Seeds    []uint64
	Target   float64          // DefaultTarget if 0
	Jobs     int              // parallel runs; GOMAXPROCS if ≤ 0
	Params   allocator.Params // every placer's parameters (e.g. ties)
	// Progress, when set, is called after each finished run (from one goroutine).
	Progress func(done, total int)
}

// Results holds every run's curve, indexed [workload][policy][seed].
type Results struct {
	Workloads []string
	Policies  []string
	Seeds     []uint64
	Curves    [][][]*Curve
}

// Run executes the matrix. Runs are independent and seeded, so the results
// do not depend on Jobs.
func (m Matrix) Run() (*Results, error) {
	type job struct{ w, p, s int }
	var jobs []job
	names := make([]string, len(m.Policies))
	params := make([]allocator.Params, len(m.Policies))
	for i, entry := range m.Policies {
		name, own, err := ParsePolicy(entry)
		if err != nil {
			return nil, err
		}
		names[i], params[i] = name, PlacerParams(m.Params, own)
	}
	res := &Results{Policies: m.Policies, Seeds: m.Seeds}
	res.Curves = make([][][]*Curve, len(m.Input.Workloads))
	for w := range m.Input.Workloads {
		res.Workloads = append(res.Workloads, m.Input.Workloads[w].Name)
		res.Curves[w] = make([][]*Curve, len(m.Policies))
		for p := range m.Policies {
			res.Curves[w][p] = make([]*Curve, len(m.Seeds))
			for s := range m.Seeds {
				jobs = append(jobs, job{w, p, s})
			}
		}
	}
	err := parallel.Do(len(jobs), m.Jobs, func(i int) error {
		j := jobs[i]
		r := Run{Cluster: m.Input.Cluster, Workload: &m.Input.Workloads[j.w], Policy: names[j.p], Seed: m.Seeds[j.s], Target: m.Target, Params: params[j.p]}
		cur, err := r.Execute()
		res.Curves[j.w][j.p][j.s] = cur
		if err != nil {
			return fmt.Errorf("%s, %s, seed %d: %w", res.Workloads[j.w], m.Policies[j.p], r.Seed, err)
		}
		return nil
	}, m.Progress)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Stat is the mean and population standard deviation over seeds.
type Stat struct {
	Mean, Std float64
	N         int // seeds that had a record at that percent
}

// Summary aggregates one workload × policy over seeds at an arrived percent.
func (r *Results) Summary(w, p, pct int) (alloc, fragTotal, fragIdle Stat) {
	var a, ft, fi []float64
	for _, c := range r.Curves[w][p] {
		if pt, ok := c.At(pct); ok {
			a, ft, fi = append(a, pt.AllocPct), append(ft, pt.FragPctTotal), append(fi, pt.FragPctIdle)
		}
	}
	return stat(a), stat(ft), stat(fi)
}

func stat(v []float64) Stat {
	if len(v) == 0 {
		return Stat{Mean: math.NaN(), Std: math.NaN()}
	}
	var s float64
	for _, x := range v {
		s += x
	}
	mean := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return Stat{Mean: mean, Std: math.Sqrt(ss / float64(len(v))), N: len(v)}
}
