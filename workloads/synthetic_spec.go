package workloads

// SyntheticSpec is a seeded synthetic workload: independent job streams,
// each submitting jobs of one framework.
type SyntheticSpec struct {
	Streams []StreamSpec `yaml:"streams,required" json:"streams"`
}

// StreamSpec generates jobs: Poisson arrivals (optionally with a diurnal
// cycle), a number of identical tasks per job, a share of long-running
// services, heavy-tailed durations and request distributions.
type StreamSpec struct {
	Name      string   `yaml:"name,required" json:"name"`
	Framework string   `yaml:"framework,required" json:"framework"`
	Start     Duration `yaml:"start" json:"start_us"`    // first possible arrival
	Stop      Duration `yaml:"stop" json:"stop_us"`      // no arrivals after; 0 = the horizon
	MaxJobs   int64    `yaml:"max_jobs" json:"max_jobs"` // 0 = no limit

	Arrival ArrivalSpec `yaml:"arrival,required" json:"arrival"`
	// ServiceFraction is the share of jobs that are long-running services
	// (they run until the horizon: Duration = allocator.Never).
	ServiceFraction float64      `yaml:"service_fraction" json:"service_fraction"`
	Tasks           CountDist    `yaml:"tasks" json:"tasks"`       // tasks per job; default 1
	Duration        DurationDist `yaml:"duration" json:"duration"` // run time of a batch task
	CPU             MilliDist    `yaml:"cpu,required" json:"cpu"`
	Mem             MemDist      `yaml:"mem,required" json:"mem"`
	Disk            MemDist      `yaml:"disk" json:"disk"`
	// GPUs per task: whole devices (1, 2, …, 8) or a share of one (0.25).
	GPUs      MilliDist `yaml:"gpus" json:"gpus"`
	GPUModels []string  `yaml:"gpu_models" json:"gpu_models,omitempty"` // allowed models; empty = any
	Priority  int32     `yaml:"priority" json:"priority"`
	Class     int8      `yaml:"class" json:"class"`
	// HostLimit caps a job's tasks on one node (0 = no cap), as Aurora's
	// "host: limit:N" or Marathon's MAX_PER hostname constraint does.
	HostLimit int `yaml:"host_limit" json:"host_limit,omitempty"`
	// RackLimit caps a job's tasks in one rack (0 = no cap), as Aurora's
	// "rack: limit:N" does.
	RackLimit int `yaml:"rack_limit" json:"rack_limit,omitempty"`
}

// ArrivalSpec is a Poisson process of jobs; with Diurnal the rate follows
// rate × (1 + amplitude × cos(2π (t − peak) / period)), sampled by thinning.
type ArrivalSpec struct {
	Rate    Rate         `yaml:"rate,required" json:"rate_per_s"` // mean jobs per second
	Diurnal *DiurnalSpec `yaml:"diurnal" json:"diurnal,omitempty"`
}

// DiurnalSpec is a daily (or any period) modulation of an arrival rate.
type DiurnalSpec struct {
	Amplitude float64  `yaml:"amplitude,required" json:"amplitude"` // 0 ≤ a < 1
	Period    Duration `yaml:"period" json:"period_us"`             // default 1d
	Peak      Duration `yaml:"peak" json:"peak_us"`                 // time of the highest rate
}
