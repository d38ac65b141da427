package workloads

import (
	"math"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// validate checks what the decoder cannot: counts that must be positive,
// references between sections, and a cluster that can run the workload.
// It returns the first problem found, in file order where it can.
func (s *Scenario) validate() error {
	checks := []func() error{s.checkCluster, s.checkFailures, s.checkRoles, s.checkFrameworks, s.checkWorkload, s.checkAllocator, s.checkRealrun}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// maxNodesTotal bounds the cluster (agent ids are int32 and each node costs
// memory; 10 million is far beyond any real cell).
const maxNodesTotal = 10_000_000

func (s *Scenario) checkCluster() error {
	cs := s.Cluster.NodeClasses
	traceMachines := s.Workload.Trace != nil && s.Workload.Trace.Machines
	if len(cs) == 0 && !traceMachines {
		return s.errAt("cluster.node_classes", "the cluster has no nodes: give at least one node class")
	}
	for i, c := range cs {
		p := sprintf("cluster.node_classes[%d]", i)
		if c.Name == "" {
			return s.errAt(p+".name", "must not be empty")
		}
		for j := range i {
			if cs[j].Name == c.Name {
				return s.errAt(p+".name", "duplicate node class %q", c.Name)
			}
		}
		if c.Count <= 0 {
			return s.errAt(p+".count", "must be > 0, got %d", c.Count)
		}
		if c.Count > maxNodesTotal {
			return s.errAt(p+".count", "at most %d nodes, got %d", maxNodesTotal, c.Count)
		}
		if c.CPU <= 0 {
			return s.errAt(p+".cpu", "must be > 0, got %s", milliText(int64(c.CPU)))
		}
		if c.Mem <= 0 {
			return s.errAt(p+".mem", "must be > 0, got 0")
		}
		if c.GPUs > allocator.MaxGPUsPerAgent {
			return s.errAt(p+".gpus", "at most %d GPUs per node, got %d", allocator.MaxGPUsPerAgent, c.GPUs)
		}
		if c.GPUs > 0 && c.GPUModel == "" {
			return s.errAt(p+".gpus", "nodes with GPUs need a gpu_model (e.g. V100, A100)")
		}
		if c.GPUs == 0 && c.GPUModel != "" {
			return s.errAt(p+".gpu_model", "gpu_model %q on a class without gpus", c.GPUModel)
		}
		if c.Racks <= 0 || c.Racks > c.Count {
			return s.errAt(p+".racks", "must be between 1 and count (%d), got %d", c.Count, c.Racks)
		}
		if c.Zones <= 0 || c.Zones > c.Racks {
			return s.errAt(p+".zones", "must be between 1 and racks (%d), got %d", c.Racks, c.Zones)
		}
	}
	if n := s.NumNodes(); n > maxNodesTotal {
		return s.errAt("cluster.node_classes", "at most %d nodes in all, got %d", maxNodesTotal, n)
	}
	return nil
}

func (s *Scenario) checkRoles() error {
	if len(s.Roles) == 0 {
		return s.errAt("roles", "give at least one role")
	}
	for i, r := range s.Roles {
		p := sprintf("roles[%d]", i)
		if err := allocator.ValidateRoleName(r.Name); err != nil {
			return s.errAt(p+".name", "%v", err)
		}
		for j := range i {
			if s.Roles[j].Name == r.Name {
				return s.errAt(p+".name", "duplicate role %q", r.Name)
			}
		}
		if err := allocator.ValidateWeight(r.Weight); err != nil {
			return s.errAt(p+".weight", "%v", err)
		}
		g, l := r.Quota.Guarantee.Resources(), r.Quota.Limit.Resources()
		for d := range allocator.NumResources {
			if l[d] > 0 && g[d] > l[d] {
				return s.errAt(p+".quota.guarantee."+quotaKey(d), "guarantee is above the limit (%s > %s)", resText(d, g[d]), resText(d, l[d]))
			}
		}
		for _, class := range sortedKeys(r.Reservations) {
			rp := p + ".reservations." + class
			nc, ok := s.nodeClass(class)
			if !ok {
				return s.errAt(rp, "unknown node class %q (classes: %s)", class, strings.Join(s.classNames(), ", "))
			}
			res := r.Reservations[class].Resources()
			if g := res[allocator.GPU]; g%1000 != 0 {
				return s.errAt(rp+".gpus", "reservations hold whole GPUs, got %s", milliText(g))
			}
			if !nc.Capacity().Contains(res) {
				return s.errAt(rp, "reservation %v does not fit a %q node (%v)", res, class, nc.Capacity())
			}
		}
	}
	// All roles' reservations together must fit each node class.
	for _, c := range s.Cluster.NodeClasses {
		var sum allocator.Resources
		for i, r := range s.Roles {
			if res, ok := r.Reservations[c.Name]; ok {
				sum = sum.Add(res.Resources())
				if !c.Capacity().Contains(sum) {
					return s.errAt(sprintf("roles[%d].reservations.%s", i, c.Name), "reservations of all roles on a %q node add up to %v, more than its %v", c.Name, sum, c.Capacity())
				}
			}
		}
	}
	return nil
}

func (s *Scenario) checkFrameworks() error {
	if len(s.Frameworks) == 0 {
		return s.errAt("frameworks", "give at least one framework")
	}
	for i, f := range s.Frameworks {
		p := sprintf("frameworks[%d]", i)
		if f.Name == "" {
			return s.errAt(p+".name", "must not be empty")
		}
		for j := range i {
			if s.Frameworks[j].Name == f.Name {
				return s.errAt(p+".name", "duplicate framework %q", f.Name)
			}
		}
		if _, ok := s.RoleID(f.Role); !ok {
			names := make([]string, len(s.Roles))
			for k, r := range s.Roles {
				names[k] = r.Name
			}
			return s.errAt(p+".role", "unknown role %q (roles: %s)", f.Role, strings.Join(names, ", "))
		}
	}
	return nil
}

func (s *Scenario) checkWorkload() error {
	w := s.Workload
	switch {
	case w.Synthetic == nil && w.Trace == nil:
		return s.errAt("workload", "give either synthetic or trace")
	case w.Synthetic != nil && w.Trace != nil:
		return s.errAt("workload.trace", "give either synthetic or trace, not both")
	case w.Trace != nil:
		return s.checkTrace(w.Trace)
	}
	streams := w.Synthetic.Streams
	if len(streams) == 0 {
		return s.errAt("workload.synthetic.streams", "give at least one stream")
	}
	for i := range streams {
		if err := s.checkStream(i, &streams[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Scenario) checkStream(i int, st *StreamSpec) error {
	p := sprintf("workload.synthetic.streams[%d]", i)
	if st.Name == "" {
		return s.errAt(p+".name", "must not be empty")
	}
	for j := range i {
		if s.Workload.Synthetic.Streams[j].Name == st.Name {
			return s.errAt(p+".name", "duplicate stream %q", st.Name)
		}
	}
	fid, ok := s.FrameworkID(st.Framework)
	if !ok {
		return s.errAt(p+".framework", "unknown framework %q (frameworks: %s)", st.Framework, strings.Join(s.frameworkNames(), ", "))
	}
	if st.Arrival.Rate <= 0 {
		return s.errAt(p+".arrival.rate", "must be > 0, got %g", float64(st.Arrival.Rate))
	}
	if dn := st.Arrival.Diurnal; dn != nil {
		if dn.Amplitude >= 1 {
			return s.errAt(p+".arrival.diurnal.amplitude", "must be below 1, got %g", dn.Amplitude)
		}
		if s.has(p+".arrival.diurnal.period") && dn.Period <= 0 {
			return s.errAt(p+".arrival.diurnal.period", "must be > 0")
		}
		if dn.Period == 0 {
			dn.Period = Duration(24 * allocator.Hour)
		}
	}
	if st.Stop > 0 && st.Stop <= st.Start {
		return s.errAt(p+".stop", "must be after start (%s)", formatDuration(allocator.Time(st.Start)))
	}
	if s.Horizon > 0 && st.Start >= s.Horizon {
		return s.errAt(p+".start", "the stream starts at or after the horizon (%s): it would submit nothing", formatDuration(allocator.Time(s.Horizon)))
	}
	if s.Horizon == 0 && st.Stop == 0 && st.MaxJobs == 0 {
		return s.errAt(p, "the stream never ends: set the scenario's horizon, or the stream's stop or max_jobs")
	}
	if st.ServiceFraction > 1 {
		return s.errAt(p+".service_fraction", "must be between 0 and 1, got %g", st.ServiceFraction)
	}
	if st.ServiceFraction > 0 && s.Horizon == 0 {
		return s.errAt(p+".service_fraction", "services run until the horizon: set the scenario's horizon")
	}
	if math.IsInf(st.Tasks.Upper(), 1) {
		return s.errAt(p+".tasks", "a %s number of tasks needs max (the largest job)", st.Tasks.Kind)
	}
	if st.Tasks.Upper() < 1 {
		return s.errAt(p+".tasks", "a job needs at least one task")
	}
	if err := s.checkHostLimit(p, st); err != nil {
		return err
	}
	if st.ServiceFraction < 1 {
		if !st.Duration.Set() {
			return s.errAt(p+".duration", "missing: batch jobs (service_fraction < 1) need a duration")
		}
		if st.Duration.Upper() <= 0 {
			return s.errAt(p+".duration", "must be > 0")
		}
	}
	if err := s.checkRequestDist(p+".cpu", &st.CPU.Dist, true); err != nil {
		return err
	}
	if err := s.checkRequestDist(p+".mem", &st.Mem.Dist, true); err != nil {
		return err
	}
	if err := s.checkRequestDist(p+".disk", &st.Disk.Dist, false); err != nil {
		return err
	}
	return s.checkGPUs(p, st, fid)
}

// checkRequestDist requires a finite upper bound (so that the cluster check
// below means something) and, for positive, a request above zero.
func (s *Scenario) checkRequestDist(p string, x *Dist, positive bool) error {
	if !x.Set() {
		return nil
	}
	if math.IsInf(x.Upper(), 1) {
		return s.errAt(p, "a %s request needs max (the largest request a task may make)", x.Kind)
	}
	if positive && x.Upper() <= 0 {
		return s.errAt(p, "must be > 0")
	}
	if positive && x.Kind == "choice" {
		for k, c := range x.Choices {
			if c.Value <= 0 {
				return s.errAt(sprintf("%s.choices[%d].value", p, k), "must be > 0")
			}
		}
	}
	return nil
}

// checkHostLimit: limits within the request's ranges, and ones that leave
// the largest job enough nodes and racks (otherwise some of its tasks could
// never run, whatever the policy).
func (s *Scenario) checkHostLimit(p string, st *StreamSpec) error {
	if st.HostLimit < 0 || st.HostLimit > math.MaxInt16 {
		return s.errAt(p+".host_limit", "must be between 0 (no limit) and %d tasks of a job per node, got %d", math.MaxInt16, st.HostLimit)
	}
	if st.RackLimit < 0 || st.RackLimit > math.MaxUint8 {
		return s.errAt(p+".rack_limit", "must be between 0 (no limit) and %d tasks of a job per rack, got %d", math.MaxUint8, st.RackLimit)
	}
	nodes, racks := 0, 0
	for _, c := range s.Cluster.NodeClasses {
		nodes += c.Count
		racks += max(c.Racks, 1)
	}
	if nodes == 0 { // they come from the trace
		return nil
	}
	most := st.Tasks.Upper()
	if st.HostLimit > 0 && most > float64(st.HostLimit)*float64(nodes) {
		return s.errAt(p+".host_limit", "a job of up to %.0f tasks, at most %d per node, needs %.0f nodes; the cluster has %d",
			most, st.HostLimit, math.Ceil(most/float64(st.HostLimit)), nodes)
	}
	if st.RackLimit > 0 && most > float64(st.RackLimit)*float64(racks) {
		return s.errAt(p+".rack_limit", "a job of up to %.0f tasks, at most %d per rack, needs %.0f racks; the cluster has %d",
			most, st.RackLimit, math.Ceil(most/float64(st.RackLimit)), racks)
	}
	return nil
}

func (s *Scenario) checkGPUs(p string, st *StreamSpec, fid allocator.FrameworkID) error {
	gp := p + ".gpus"
	var values []float64
	if st.GPUs.Set() {
		switch st.GPUs.Kind {
		case "constant":
			values = []float64{st.GPUs.Value}
		case "choice":
			for _, c := range st.GPUs.Choices {
				values = append(values, c.Value)
			}
		default:
			return s.errAt(gp, "GPUs are a number or choices, not a %s distribution", st.GPUs.Kind)
		}
	}
	var maxGPU int64
	for _, v := range values {
		g := int64(v)
		if g > 1000 && g%1000 != 0 {
			return s.errAt(gp, "above one GPU a task takes whole GPUs (1, 2, 4, 8), got %s", milliText(g))
		}
		maxGPU = max(maxGPU, g)
	}
	if maxGPU == 0 && len(st.GPUModels) > 0 {
		return s.errAt(p+".gpu_models", "gpu_models without gpus")
	}
	if maxGPU > 0 {
		if !s.Frameworks[fid].GPU {
			return s.errAt(gp, "framework %q asks for GPUs but lacks the GPU capability (set gpu: true on it)", st.Framework)
		}
		if !s.hasGPUs() && !(s.Workload.Trace != nil && s.Workload.Trace.Machines) {
			return s.errAt(gp, "GPU jobs on a cluster without GPUs (no node class has gpus)")
		}
		for k, m := range st.GPUModels {
			if !s.hasModel(m) {
				return s.errAt(sprintf("%s.gpu_models[%d]", p, k), "unknown GPU model %q (the cluster has: %s)", m, strings.Join(s.modelNames(), ", "))
			}
		}
	}
	// The largest request must fit some node; otherwise some tasks could
	// never run and the experiment would measure nothing useful.
	need := allocator.Res(int64(st.CPU.Upper()), int64(st.Mem.Upper()), 0, maxGPU)
	if st.Disk.Set() {
		need[allocator.Disk] = int64(st.Disk.Upper())
	}
	if len(s.Cluster.NodeClasses) == 0 {
		return nil // nodes come from the trace
	}
	var largest allocator.Resources // per dimension, over the classes that could run it
	for _, c := range s.Cluster.NodeClasses {
		if need[allocator.GPU] > 0 && (c.GPUs == 0 || !s.modelAllowed(st.GPUModels, c.GPUModel)) {
			continue
		}
		capy := c.Capacity()
		if need[allocator.GPU] < 1000 && need[allocator.GPU] > 0 {
			capy[allocator.GPU] = 1000 // a share needs room on one device
		}
		if capy.Contains(need) {
			return nil
		}
		largest = largest.Max(capy)
	}
	// Point at the dimension that no node can hold, if there is one.
	keys := [allocator.NumResources]string{".cpu", ".mem", ".disk", ".gpus"}
	for d := range allocator.NumResources {
		if need[d] > largest[d] {
			return s.errAt(p+keys[d], "the largest request (%s) is larger than every node that could run it (at most %s)", resText(d, need[d]), resText(d, largest[d]))
		}
	}
	return s.errAt(p, "the largest request (%v) fits no node class (%s)", need, s.classShapes())
}

func (s *Scenario) checkTrace(t *TraceSpec) error {
	const p = "workload.trace"
	if t.Format == "" {
		return s.errAt(p+".format", "must not be empty")
	}
	if t.Path == "" || t.Path == "." {
		return s.errAt(p+".path", "must not be empty")
	}
	if t.Window.End > 0 && t.Window.End <= t.Window.Start {
		return s.errAt(p+".window.end", "must be after window.start")
	}
	if t.TimeScale <= 0 {
		return s.errAt(p+".time_scale", "must be > 0, got %g", t.TimeScale)
	}
	if t.SampleEvery < 1 {
		return s.errAt(p+".sample_every", "must be ≥ 1, got %d", t.SampleEvery)
	}
	if len(t.Map) == 0 {
		return s.errAt(p+".map", "give at least one rule mapping trace tasks to a framework")
	}
	for i := range t.Map {
		r := &t.Map[i]
		rp := sprintf("%s.map[%d]", p, i)
		id, ok := s.FrameworkID(r.Framework)
		if !ok {
			return s.errAt(rp+".framework", "unknown framework %q (frameworks: %s)", r.Framework, strings.Join(s.frameworkNames(), ", "))
		}
		r.FrameworkID = id
		if r.PriorityMin != nil && r.PriorityMax != nil && *r.PriorityMin > *r.PriorityMax {
			return s.errAt(rp+".priority_max", "below priority_min")
		}
		if r.HostLimit < 0 || r.HostLimit > math.MaxInt16 {
			return s.errAt(rp+".host_limit", "must be between 0 (no limit) and %d tasks of a job per node, got %d", math.MaxInt16, r.HostLimit)
		}
		if r.RackLimit < 0 || r.RackLimit > math.MaxUint8 {
			return s.errAt(rp+".rack_limit", "must be between 0 (no limit) and %d tasks of a job per rack, got %d", math.MaxUint8, r.RackLimit)
		}
	}
	return nil
}

func (s *Scenario) checkAllocator() error {
	if s.Allocator.Interval <= 0 {
		return s.errAt("allocator.interval", "must be > 0")
	}
	if s.Outputs.SampleInterval <= 0 {
		return s.errAt("outputs.sample_interval", "must be > 0")
	}
	return nil
}

func (s *Scenario) checkRealrun() error {
	r := s.Realrun
	if r.TimeScale <= 0 {
		return s.errAt("realrun.time_scale", "must be > 0, got %g", r.TimeScale)
	}
	switch r.Workload {
	case "sleep", "cpu", "memory":
	default:
		return s.errAt("realrun.workload", "unknown task workload %q (want sleep, cpu or memory)", r.Workload)
	}
	for _, fw := range sortedKeys(r.Executors) {
		p := "realrun.executors." + fw
		if _, ok := s.FrameworkID(fw); !ok {
			return s.errAt(p, "unknown framework %q (frameworks: %s)", fw, strings.Join(s.frameworkNames(), ", "))
		}
		if e := r.Executors[fw]; e != "cgroup" && e != "runc" {
			return s.errAt(p, "unknown executor %q (want cgroup or runc)", e)
		}
	}
	return nil
}

func (s *Scenario) nodeClass(name string) (NodeClass, bool) {
	for _, c := range s.Cluster.NodeClasses {
		if c.Name == name {
			return c, true
		}
	}
	return NodeClass{}, false
}

func (s *Scenario) classNames() []string {
	var ns []string
	for _, c := range s.Cluster.NodeClasses {
		ns = append(ns, c.Name)
	}
	return ns
}

func (s *Scenario) frameworkNames() []string {
	var ns []string
	for _, f := range s.Frameworks {
		ns = append(ns, f.Name)
	}
	return ns
}

func (s *Scenario) classShapes() string {
	var b []string
	for _, c := range s.Cluster.NodeClasses {
		b = append(b, c.Name+": "+c.Capacity().String())
	}
	return strings.Join(b, "; ")
}

func (s *Scenario) hasGPUs() bool {
	for _, c := range s.Cluster.NodeClasses {
		if c.GPUs > 0 {
			return true
		}
	}
	return false
}

func (s *Scenario) hasModel(m string) bool {
	for _, c := range s.Cluster.NodeClasses {
		if c.GPUs > 0 && c.GPUModel == m {
			return true
		}
	}
	return false
}

func (s *Scenario) modelNames() []string {
	var ns []string
	for _, c := range s.Cluster.NodeClasses {
		if c.GPUs > 0 {
			dup := false
			for _, n := range ns {
				dup = dup || n == c.GPUModel
			}
			if !dup {
				ns = append(ns, c.GPUModel)
			}
		}
	}
	if len(ns) == 0 {
		return []string{"none"}
	}
	return ns
}

func (s *Scenario) modelAllowed(allowed []string, m string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, a := range allowed {
		if a == m {
			return true
		}
	}
	return false
}

func quotaKey(d int) string {
	if d == allocator.GPU {
		return "gpus"
	}
	return allocator.ResourceNames[d]
}

func milliText(v int64) string {
	if v%1000 == 0 {
		return sprintf("%d", v/1000)
	}
	return sprintf("%g", float64(v)/1000)
}

func resText(d int, v int64) string {
	if d == allocator.CPU || d == allocator.GPU {
		return milliText(v)
	}
	return sprintf("%dMiB", v)
}

func (s *Scenario) checkFailures() error {
	f := s.Failures
	if f == nil {
		return nil
	}
	if f.MTBF <= 0 {
		return s.errAt("failures.mtbf", "must be > 0 (mean time between failures of one agent)")
	}
	if f.MTTR <= 0 {
		return s.errAt("failures.mttr", "must be > 0 (mean time to repair)")
	}
	if s.Horizon <= 0 {
		return s.errAt("failures", "injected failures never end: give the scenario a horizon")
	}
	return nil
}
