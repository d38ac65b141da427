// Package workloads reads scenario files — one YAML file per experiment:
// cluster, roles, frameworks, workload (a seeded synthetic generator or a
// trace), allocator and outputs — and turns them into a simulator
// configuration. Decoding is strict: every error names the file, the line
// and the key.
package workloads

import (
	"github.com/allocsim/allocsim/allocator"
)

// Scenario is one experiment as a scenario file describes it. Quantities are
// already in the allocator's exact units (µs, MiB, milli).
type Scenario struct {
	Name       string          `yaml:"name" json:"name"`
	Seed       uint64          `yaml:"seed" json:"seed"`
	Horizon    Duration        `yaml:"horizon" json:"horizon_us"` // 0: run until the workload drains
	Cluster    ClusterSpec     `yaml:"cluster,required" json:"cluster"`
	Roles      []RoleSpec      `yaml:"roles,required" json:"roles"`
	Frameworks []FrameworkSpec `yaml:"frameworks,required" json:"frameworks"`
	Workload   WorkloadSpec    `yaml:"workload,required" json:"workload"`
	Allocator  AllocatorSpec   `yaml:"allocator" json:"allocator"`
	Outputs    OutputSpec      `yaml:"outputs" json:"outputs"`
	Realrun    RealrunSpec     `yaml:"realrun" json:"realrun"` // only `allocsim realrun` reads it
	Failures   *FailureSpec    `yaml:"failures" json:"failures,omitempty"`

	// File is the path the scenario was read from ("default.yaml" for the
	// embedded default); errors and relative paths refer to it.
	File string `json:"file"`
	// Dir is the directory relative paths (trace path, outputs) start from.
	Dir string `json:"-"`

	pos map[string]int // key path → line, for errors found after decoding
}

// ClusterSpec is the initial cluster: classes of identical nodes.
type ClusterSpec struct {
	NodeClasses []NodeClass `yaml:"node_classes" json:"node_classes"`
}

// NodeClass is Count identical nodes spread round-robin over Racks racks and
// Zones zones.
type NodeClass struct {
	Name     string `yaml:"name,required" json:"name"`
	Count    int    `yaml:"count,required" json:"count"`
	CPU      Milli  `yaml:"cpu,required" json:"cpu_milli"`
	Mem      MiB    `yaml:"mem,required" json:"mem_mib"`
	Disk     MiB    `yaml:"disk" json:"disk_mib"`
	GPUs     int    `yaml:"gpus" json:"gpus"`
	GPUModel string `yaml:"gpu_model" json:"gpu_model,omitempty"`
	Racks    int    `yaml:"racks" json:"racks"` // default 1
	Zones    int    `yaml:"zones" json:"zones"` // default 1
}

// Capacity is one node's resource vector.
func (c NodeClass) Capacity() allocator.Resources {
	return allocator.Res(int64(c.CPU), int64(c.Mem), int64(c.Disk), int64(c.GPUs)*1000)
}

// ResourceSpec is a resource vector in human units.
type ResourceSpec struct {
	CPU  Milli `yaml:"cpu" json:"cpu_milli"`
	Mem  MiB   `yaml:"mem" json:"mem_mib"`
	Disk MiB   `yaml:"disk" json:"disk_mib"`
	GPUs Milli `yaml:"gpus" json:"gpu_milli"`
}

// Resources converts to the allocator's vector.
func (r ResourceSpec) Resources() allocator.Resources {
	return allocator.Res(int64(r.CPU), int64(r.Mem), int64(r.Disk), int64(r.GPUs))
}

// RoleSpec is a Mesos role: DRF weight, quota and static reservations.
type RoleSpec struct {
	Name   string    `yaml:"name,required" json:"name"`
	Weight float64   `yaml:"weight" json:"weight"` // default 1
	Quota  QuotaSpec `yaml:"quota" json:"quota"`
	// Reservations reserves resources for the role on every node of a class,
	// keyed by node class name.
	Reservations map[string]ResourceSpec `yaml:"reservations" json:"reservations,omitempty"`
}

// QuotaSpec is a role's quota: guarantee ≤ limit; a zero limit component
// means no limit.
type QuotaSpec struct {
	Guarantee ResourceSpec `yaml:"guarantee" json:"guarantee"`
	Limit     ResourceSpec `yaml:"limit" json:"limit"`
}

// FrameworkSpec is a framework (scheduler) that submits tasks in a role.
type FrameworkSpec struct {
	Name      string         `yaml:"name,required" json:"name"`
	Role      string         `yaml:"role,required" json:"role"`
	GPU       bool           `yaml:"gpu" json:"gpu"` // GPU_RESOURCES capability
	Placement string         `yaml:"placement" json:"placement,omitempty"`
	Params    map[string]any `yaml:"params" json:"params,omitempty"`
}

// WorkloadSpec holds exactly one of a synthetic generator or a trace.
type WorkloadSpec struct {
	Synthetic *SyntheticSpec `yaml:"synthetic" json:"synthetic,omitempty"`
	Trace     *TraceSpec     `yaml:"trace" json:"trace,omitempty"`
}

// AllocatorSpec selects an allocation mode by its registered name.
type AllocatorSpec struct {
	Name     string         `yaml:"name" json:"name"`            // default "monolithic"
	Interval Duration       `yaml:"interval" json:"interval_us"` // default 1s
	Params   map[string]any `yaml:"params" json:"params,omitempty"`
}

// OutputSpec says where and how often results are written.
type OutputSpec struct {
	Dir            string   `yaml:"dir" json:"dir"`                            // default out/<name>
	SampleInterval Duration `yaml:"sample_interval" json:"sample_interval_us"` // default 60s
	Report         bool     `yaml:"report" json:"report"`                      // also write report.html and figures (default true)
}

// FailureSpec injects agent failures: each up agent fails after an
// exponential time with mean MTBF and comes back after one with mean MTTR
// (seeded from the scenario seed). Tasks on a failed agent end lost; with
// Requeue they are submitted again as new attempts.
type FailureSpec struct {
	MTBF    Duration `yaml:"mtbf,required" json:"mtbf_us"`
	MTTR    Duration `yaml:"mttr,required" json:"mttr_us"`
	Requeue bool     `yaml:"requeue" json:"requeue"`
}

// RealrunSpec holds settings only `allocsim realrun` uses (replaying the
// scenario on a real master and agents); the simulator ignores them.
type RealrunSpec struct {
	TimeScale float64 `yaml:"time_scale" json:"time_scale"` // scenario seconds per wall-clock second; default 1
	Workload  string  `yaml:"workload" json:"workload"`     // what a task runs: sleep (default), cpu or memory
	// Executors maps a framework name to cgroup or runc (absent: the agent's default).
	Executors map[string]string `yaml:"executors" json:"executors,omitempty"`
}

// TraceSpec replays a public trace (read by the traces package; see
// trace.go). Times are trace time; Window.End 0 means to the end.
type TraceSpec struct {
	Format string `yaml:"format,required" json:"format"`
	// Path is the trace file or folder; relative to the scenario file's
	// directory in YAML, absolute and clean after Parse.
	Path        string       `yaml:"path,required" json:"path"`
	Window      WindowSpec   `yaml:"window" json:"window"`
	TimeScale   float64      `yaml:"time_scale" json:"time_scale"`       // sim time = (t - start) × time_scale; default 1
	SampleEvery int          `yaml:"sample_every" json:"sample_every"`   // keep one job in N; default 1
	Seed        uint64       `yaml:"seed" json:"seed"`                   // sampling seed; 0 = the scenario seed (resolved by SimConfig)
	Machines    bool         `yaml:"machines" json:"machines"`           // replay the trace's machine events
	MachineSize ResourceSpec `yaml:"machine_shape" json:"machine_shape"` // absolute size of a normalised 1.0
	Map         []TraceRule  `yaml:"map,required" json:"map"`
	// IgnoreConstraints replays the tasks without their placement
	// constraints (Borg's different-machines restriction), to measure
	// what the constraints cost.
	IgnoreConstraints bool `yaml:"ignore_constraints" json:"ignore_constraints,omitempty"`
}

// WindowSpec is a time window of a trace.
type WindowSpec struct {
	Start Duration `yaml:"start" json:"start_us"`
	End   Duration `yaml:"end" json:"end_us"`
}

// TraceRule maps trace tasks to a framework; the first matching rule wins and
// absent conditions match everything.
type TraceRule struct {
	PriorityMin *int32 `yaml:"priority_min" json:"priority_min,omitempty"`
	PriorityMax *int32 `yaml:"priority_max" json:"priority_max,omitempty"`
	Class       *int8  `yaml:"class" json:"class,omitempty"`
	QoS         string `yaml:"qos" json:"qos,omitempty"`
	Framework   string `yaml:"framework,required" json:"framework"`
	// HostLimit and RackLimit put the matched tasks' jobs under limits the
	// trace does not have (what if every production job kept at most N
	// tasks per node?); with the trace's own restriction the stricter wins.
	HostLimit int `yaml:"host_limit" json:"host_limit,omitempty"`
	RackLimit int `yaml:"rack_limit" json:"rack_limit,omitempty"`

	// FrameworkID is Framework resolved against the scenario's frameworks.
	FrameworkID allocator.FrameworkID `json:"-"`
}

// Matches reports whether a trace task with the given priority, scheduling
// class and QoS label falls under the rule.
func (r *TraceRule) Matches(priority int32, class int8, qos string) bool {
	return (r.PriorityMin == nil || priority >= *r.PriorityMin) &&
		(r.PriorityMax == nil || priority <= *r.PriorityMax) &&
		(r.Class == nil || class == *r.Class) &&
		(r.QoS == "" || r.QoS == qos)
}

// Line returns the line of a key path in the scenario file (0 if unknown).
func (s *Scenario) Line(path string) int { return s.pos[path] }

// errAt builds an error pointing at the line of path.
func (s *Scenario) errAt(path, format string, args ...any) error {
	return &PosError{File: s.File, Line: s.lineOf(path), Path: path, Msg: sprintf(format, args...)}
}

// FrameworkID returns the dense id of a framework by name.
func (s *Scenario) FrameworkID(name string) (allocator.FrameworkID, bool) {
	for i, f := range s.Frameworks {
		if f.Name == name {
			return allocator.FrameworkID(i), true
		}
	}
	return 0, false
}

// RoleID returns the dense id of a role by name.
func (s *Scenario) RoleID(name string) (allocator.RoleID, bool) {
	for i, r := range s.Roles {
		if r.Name == name {
			return allocator.RoleID(i), true
		}
	}
	return 0, false
}
