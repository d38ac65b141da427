package workloads

import (
	"cmp"
	"errors"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/sim"
)

// traceSourceFunc turns a scenario's trace section into a source; the
// traces side sets it in trace.go (a hook keeps this package building while
// the readers are written, and keeps readers out of this file).
var traceSourceFunc func(s *Scenario, c *allocator.Cluster) (sim.Source, error)

// SimConfig builds everything a run needs: the cluster, roles and
// frameworks, the workload source and the allocation mode (looked up in the
// sim mode registry). Observer and Progress are left for the caller.
func (s *Scenario) SimConfig() (sim.Config, error) {
	c, err := s.BuildCluster()
	if err != nil {
		return sim.Config{}, err
	}
	roles := s.RoleInfos()
	fws := s.FrameworkInfos()
	if err := s.checkPlacements(fws); err != nil {
		return sim.Config{}, err
	}
	var src sim.Source
	var typical []allocator.TaskShape
	switch {
	case s.Workload.Synthetic != nil:
		if src, err = NewSynthetic(s, c, s.Seed); err != nil {
			return sim.Config{}, err
		}
		if typical, err = s.TypicalShapes(c, 5000, 64); err != nil {
			return sim.Config{}, err
		}
	case s.Workload.Trace != nil:
		if traceSourceFunc == nil {
			return sim.Config{}, s.errAt("workload.trace", "trace replay: format %q is not built into this binary (no trace reader is linked)", s.Workload.Trace.Format)
		}
		if err := s.checkTracePath(); err != nil {
			return sim.Config{}, err
		}
		// trace.seed 0 follows the scenario seed, resolved now so that a
		// seed given on the command line reaches the trace sampler too.
		ts := s
		if s.Workload.Trace.Seed == 0 {
			cp, tr := *s, *s.Workload.Trace
			tr.Seed = s.Seed
			cp.Workload.Trace = &tr
			ts = &cp
		}
		if src, err = traceSourceFunc(ts, c); err != nil {
			var pe *PosError
			if errors.As(err, &pe) {
				return sim.Config{}, err
			}
			return sim.Config{}, s.errAt("workload.trace", "trace replay: %v", err)
		}
	}
	requeue := false
	if f := s.Failures; f != nil {
		failures := sim.NewFailures(c.NumAgents(), allocator.Time(f.MTBF), allocator.Time(f.MTTR),
			allocator.Time(s.Horizon), sim.Stream(s.Seed, "failures"))
		src, requeue = sim.Merge(src, failures), f.Requeue
	}
	mode, err := s.newMode(fws, roles, typical)
	if err != nil {
		return sim.Config{}, err
	}
	return sim.Config{
		Cluster:        c,
		Frameworks:     fws,
		Roles:          roles,
		Source:         src,
		Mode:           mode,
		Interval:       allocator.Time(s.Allocator.Interval),
		Horizon:        allocator.Time(s.Horizon),
		Seed:           s.Seed,
		SampleInterval: allocator.Time(s.Outputs.SampleInterval),
		Typical:        typical,
		Requeue:        requeue,
	}, nil
}

// RoleInfos returns the roles in the allocator's form, in file order
// (RoleID = index).
func (s *Scenario) RoleInfos() []allocator.RoleInfo {
	out := make([]allocator.RoleInfo, len(s.Roles))
	for i, r := range s.Roles {
		out[i] = allocator.RoleInfo{
			Name: r.Name, Weight: r.Weight,
			Guarantee: r.Quota.Guarantee.Resources(), Limit: r.Quota.Limit.Resources(),
		}
		if len(r.Reservations) > 0 {
			out[i].Reserved = make(map[string]allocator.Resources, len(r.Reservations))
			for _, k := range sortedKeys(r.Reservations) {
				out[i].Reserved[k] = r.Reservations[k].Resources()
			}
		}
	}
	return out
}

// FrameworkInfos returns the frameworks in the allocator's form, in file
// order (FrameworkID = index).
func (s *Scenario) FrameworkInfos() []allocator.FrameworkInfo {
	out := make([]allocator.FrameworkInfo, len(s.Frameworks))
	for i, f := range s.Frameworks {
		rid, _ := s.RoleID(f.Role)
		out[i] = allocator.FrameworkInfo{
			Name: f.Name, Role: rid, GPUCapable: f.GPU,
			Placement: f.Placement, Params: allocator.Params(f.Params),
		}
	}
	return out
}

// TypicalShapes estimates the workload's typical task shapes (FGD's target
// workload). It draws perStream jobs from each stream with an independent
// generator, weights each job by its task count and by the stream's expected
// number of jobs (rate × active time, capped by max_jobs), groups requests
// with memory rounded up to whole GiB and returns the top most frequent,
// most frequent first, with Freq = expected share of all tasks.
func (s *Scenario) TypicalShapes(c *allocator.Cluster, perStream, top int) ([]allocator.TaskShape, error) {
	g, err := NewSynthetic(s, c, s.Seed^0x7970_6963_616c) // a stream of its own: "typical"
	if err != nil {
		return nil, err
	}
	type group struct {
		req allocator.Request
		w   float64
	}
	idx := map[allocator.Request]int{}
	var groups []group
	total := 0.0
	for i := range g.gens {
		gen := &g.gens[i]
		st := gen.spec
		active := float64(gen.stop - allocator.Time(st.Start))
		if gen.stop == allocator.Never {
			active = 0
		}
		jobs := float64(st.Arrival.Rate) * active / float64(allocator.Second)
		if st.MaxJobs > 0 && (jobs == 0 || float64(st.MaxJobs) < jobs) {
			jobs = float64(st.MaxJobs)
		}
		for range perStream {
			tasks := max(math.Round(gen.tasks.draw()), 1)
			r := gen.request()
			r.Res[allocator.Mem] = (r.Res[allocator.Mem] + 1023) / 1024 * 1024
			k, ok := idx[r]
			if !ok {
				k = len(groups)
				idx[r] = k
				groups = append(groups, group{req: r})
			}
			w := tasks * jobs / float64(perStream)
			groups[k].w += w
			total += w
		}
	}
	if total == 0 {
		return nil, nil
	}
	// Most frequent first; ties keep first appearance (deterministic).
	slices.SortStableFunc(groups, func(a, b group) int { return cmp.Compare(b.w, a.w) })
	if len(groups) > top {
		groups = groups[:top]
	}
	out := make([]allocator.TaskShape, len(groups))
	for i, gr := range groups {
		out[i] = allocator.TaskShape{Req: gr.req, Freq: gr.w / total}
	}
	return out, nil
}

// Precheck finds what SimConfig would reject without the costly part of a
// trace scenario: the cluster, the placement policies, that the trace path
// exists and the allocator with its parameters — but not the trace's files.
// A synthetic scenario is checked by building it whole (which is cheap: its
// workload is generated as the run goes).
func (s *Scenario) Precheck() error {
	if s.Workload.Trace == nil {
		_, err := s.SimConfig()
		return err
	}
	if _, err := s.BuildCluster(); err != nil {
		return err
	}
	fws := s.FrameworkInfos()
	if err := s.checkPlacements(fws); err != nil {
		return err
	}
	if err := s.checkTracePath(); err != nil {
		return err
	}
	_, err := s.newMode(fws, s.RoleInfos(), nil)
	return err
}

func (s *Scenario) checkPlacements(fws []allocator.FrameworkInfo) error {
	for i, f := range fws {
		if f.Placement != "" && !slices.Contains(allocator.PlacerNames(), strings.ToLower(f.Placement)) && !strings.EqualFold(f.Placement, "first-fit") {
			return s.errAt(sprintf("frameworks[%d].placement", i), "unknown placement policy %q (known: %s)", f.Placement, strings.Join(allocator.PlacerNames(), ", "))
		}
	}
	return nil
}

func (s *Scenario) checkTracePath() error {
	if _, err := os.Stat(s.Workload.Trace.Path); err != nil {
		return s.errAt("workload.trace.path", "trace replay: %v", err)
	}
	return nil
}

// newMode builds the scenario's allocation mode (a trace scenario has no
// typical task shapes).
func (s *Scenario) newMode(fws []allocator.FrameworkInfo, roles []allocator.RoleInfo, typical []allocator.TaskShape) (sim.Mode, error) {
	if !slices.Contains(sim.ModeNames(), strings.ToLower(s.Allocator.Name)) {
		return nil, s.errAt("allocator.name", "unknown allocator %q (known: %s)", s.Allocator.Name, strings.Join(sim.ModeNames(), ", "))
	}
	mode, err := sim.NewMode(s.Allocator.Name, sim.ModeEnv{
		Params:     allocator.Params(s.Allocator.Params),
		Frameworks: fws,
		Roles:      roles,
		Rand:       sim.Stream(s.Seed, "mode"),
		Typical:    typical,
	})
	if err != nil {
		return nil, s.errAt("allocator.params", "%v", err) // modes name themselves
	}
	return mode, nil
}
