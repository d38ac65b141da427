package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
)

// QuantileDefinition is stated in summary.json next to every p50/p90/p99.
const QuantileDefinition = "gonum stat.Quantile with stat.Empirical: the smallest sample x with at least a fraction p of the samples <= x (no interpolation)"

// PerResource holds one figure per resource dimension.
type PerResource struct {
	CPU  float64 `json:"cpu"`
	Mem  float64 `json:"mem"`
	Disk float64 `json:"disk"`
	GPU  float64 `json:"gpu"`
}

func perResource(v [allocator.NumResources]float64) PerResource {
	return PerResource{v[allocator.CPU], v[allocator.Mem], v[allocator.Disk], v[allocator.GPU]}
}

// NamedDist is a distribution for one framework, priority or class.
type NamedDist struct {
	Name string       `json:"name"`
	Dist metrics.Dist `json:"dist"`
}

// Summary is summary.json. It holds only deterministic values (no wall-clock
// figures: those are in timing.json), so the same scenario and seed give the
// same bytes.
type Summary struct {
	Version         string  `json:"version"`
	Scenario        string  `json:"scenario"`
	Allocator       string  `json:"allocator"`
	Seed            uint64  `json:"seed"`
	SampleIntervalS float64 `json:"sample_interval_s"`
	EndS            float64 `json:"end_s"`
	Drained         bool    `json:"drained"`
	Quantiles       string  `json:"quantiles"`

	Events           int64 `json:"events"`
	Cycles           int64 `json:"cycles"`
	TriggeredCycles  int64 `json:"triggered_cycles"`
	Submitted        int64 `json:"attempts_submitted"`
	Launched         int64 `json:"launched"`
	Requeued         int64 `json:"requeued"`
	PlaceFailures    int64 `json:"place_failures"`
	OffersMade       int64 `json:"offers_made"`
	OffersAccepted   int64 `json:"offers_accepted"`
	OffersDeclined   int64 `json:"offers_declined"`
	OffersRescinded  int64 `json:"offers_rescinded"`
	FiltersInstalled int64 `json:"filters_installed"`
	// Shared-state (omega) transactions: committed, with a conflict, the
	// task claims they refused, and the schedulers' summed decision time.
	Transactions   int64   `json:"transactions"`
	TxConflicted   int64   `json:"transactions_conflicted"`
	Conflicts      int64   `json:"claims_conflicted"`
	SchedulerBusyS float64 `json:"scheduler_busy_s"`
	JobsAbandoned  int64   `json:"jobs_abandoned"` // given up after too many decisions
	// WastedCPUS is the CPU time of attempts preempted or lost with their
	// agent (milli-CPU requested × run time, in CPU-seconds).
	WastedCPUS float64 `json:"wasted_cpu_s"`

	Tasks           metrics.TaskSummary `json:"tasks"`
	WaitSByFw       []NamedDist         `json:"wait_s_by_framework"`
	WaitSByPriority []NamedDist         `json:"wait_s_by_priority"`
	WaitSByClass    []NamedDist         `json:"wait_s_by_class"`
	JCTSByFw        []NamedDist         `json:"jct_s_by_framework"`
	// UnscheduledWaitSByFw: per framework, how long its attempts that never
	// started had waited (tasks.unscheduled_wait_s).
	UnscheduledWaitSByFw []NamedDist `json:"unscheduled_wait_s_by_framework"`

	Samples            int64       `json:"samples"`
	AllocMeanFrac      PerResource `json:"alloc_mean_frac"`
	AllocPeakFrac      PerResource `json:"alloc_peak_frac"`
	UsedCPUMeanFrac    float64     `json:"used_cpu_mean_frac"`
	PendingMean        float64     `json:"pending_tasks_mean"`
	PendingPeak        int64       `json:"pending_tasks_peak"`
	GPUFragMeanFrac    float64     `json:"gpu_frag_mean_frac"`
	GPUFGDFragMeanFrac float64     `json:"gpu_fgd_frag_mean_frac"`
	JainRolesMean      float64     `json:"jain_roles_mean"`
	JainRolesMin       float64     `json:"jain_roles_min"`
	JainFrameworksMean float64     `json:"jain_frameworks_mean"`
	JainFrameworksMin  float64     `json:"jain_frameworks_min"`
	// Services' replicas (running tasks without a duration) when the run
	// stopped, and how many of them shared an agent with another replica of
	// their service then and at worst at a sample (timeseries.parquet's
	// replicas_sharing_node).
	ReplicasEnd         int64 `json:"service_replicas_end"`
	ReplicasSharingEnd  int64 `json:"replicas_sharing_node_end"`
	ReplicasSharingPeak int64 `json:"replicas_sharing_node_peak"`

	// WorkloadCounters are a trace replay's counters: tasks replayed,
	// dropped and why, placement constraints kept or ignored.
	WorkloadCounters map[string]int64 `json:"workload_counters,omitempty"`

	Frameworks []string        `json:"frameworks"`
	Roles      []string        `json:"roles"`
	Config     json.RawMessage `json:"config"`
}

// Timing is timing.json: wall-clock figures, which differ between runs.
type Timing struct {
	Note          string       `json:"note"`
	RunWallS      float64      `json:"run_wall_s"`
	EventsPerS    float64      `json:"events_per_s"`
	CycleWallMS   metrics.Dist `json:"cycle_wall_ms"`
	CycleWallSumS float64      `json:"cycle_wall_sum_s"`
}

func (c *Collector) summary(st sim.Stats) Summary {
	k := st.Counters
	ts := c.tasks.stats.Summary()
	s := Summary{
		Version: c.meta.Version, Scenario: c.meta.Scenario, Allocator: c.meta.Allocator, Seed: c.meta.Seed,
		SampleIntervalS: c.meta.SampleInterval.Seconds(), EndS: st.End.Seconds(), Drained: st.Drained,
		Quantiles: QuantileDefinition,
		Events:    k.Events, Cycles: k.Cycles, TriggeredCycles: k.TriggeredCycles, Submitted: k.Submitted,
		Launched: k.Launched, Requeued: k.Requeued, PlaceFailures: k.PlaceFailures,
		OffersMade: k.Offers, OffersAccepted: k.Accepted, OffersDeclined: k.Declined,
		OffersRescinded: k.Rescinded, FiltersInstalled: k.FiltersInstalled,
		Transactions: k.Transactions, TxConflicted: k.TxConflicted, Conflicts: k.Conflicts,
		SchedulerBusyS: k.SchedulerBusy.Seconds(), JobsAbandoned: k.JobsAbandoned, WastedCPUS: k.WastedCPUSeconds,
		Tasks:      ts,
		Frameworks: c.names.frameworks, Roles: c.names.roles,
	}
	fill := func(gs []metrics.Group, name func(int32) string) []NamedDist {
		out := make([]NamedDist, 0, len(gs))
		for _, g := range gs {
			out = append(out, NamedDist{Name: name(g.Key), Dist: g.Dist})
		}
		return out
	}
	fwName := func(k int32) string { return c.names.framework(allocator.FrameworkID(k)) }
	num := func(k int32) string { return fmt.Sprint(k) }
	s.WaitSByFw = fill(ts.WaitSByFw, fwName)
	s.WaitSByPriority = fill(ts.WaitSByPrio, num)
	s.WaitSByClass = fill(ts.WaitSByClass, num)
	s.JCTSByFw = fill(ts.JCTSByFw, fwName)
	s.UnscheduledWaitSByFw = fill(ts.UnscheduledWaitSByFw, fwName)
	u := &c.util
	s.Samples = u.n
	if u.n > 0 {
		n := float64(u.n)
		var mean [allocator.NumResources]float64
		for r := range mean {
			mean[r] = u.allocSum[r] / n
		}
		s.AllocMeanFrac = perResource(mean)
		s.AllocPeakFrac = perResource(u.allocPeak)
		s.UsedCPUMeanFrac = u.usedCPUSum / n
		s.PendingMean = u.pendingSum / n
		s.PendingPeak = u.pendingPeak
		s.GPUFragMeanFrac = u.fragSum / n
	}
	if u.fgdN > 0 {
		s.GPUFGDFragMeanFrac = u.fgdSum / float64(u.fgdN)
	}
	// The engine has stopped: the cluster holds what ran at the end.
	s.ReplicasEnd, s.ReplicasSharingEnd = c.meta.Cluster.Replicas()
	s.ReplicasSharingPeak = max(u.sharingPeak, s.ReplicasSharingEnd)
	if u.jainRoleN > 0 {
		s.JainRolesMean, s.JainRolesMin = u.jainRoleSum/float64(u.jainRoleN), u.jainRoleMin
	}
	if u.jainFwN > 0 {
		s.JainFrameworksMean, s.JainFrameworksMin = u.jainFwSum/float64(u.jainFwN), u.jainFwMin
	}
	if c.meta.SourceCounters != nil {
		s.WorkloadCounters = c.meta.SourceCounters()
	}
	s.Config = marshalConfig(c.meta.Config)
	return s
}

func marshalConfig(cfg any) json.RawMessage {
	switch v := cfg.(type) {
	case nil:
		return json.RawMessage("null")
	case json.RawMessage:
		return v
	case []byte:
		if json.Valid(v) {
			return v
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": "config not serialisable: " + err.Error()})
	}
	return b
}

func (c *Collector) timing(st sim.Stats) Timing {
	t := Timing{
		Note:        "wall-clock measurements: they differ between runs, so they are kept out of summary.json",
		RunWallS:    st.Wall.Seconds(),
		CycleWallMS: metrics.SummariseSorted(c.cycles.walls.Sorted()),
	}
	if st.Wall > 0 {
		t.EventsPerS = float64(st.Counters.Events) / st.Wall.Seconds()
	}
	t.CycleWallSumS = c.cycles.wallSum
	return t
}

// ReadSummary reads dir/summary.json.
func ReadSummary(dir string) (*Summary, error) {
	var s Summary
	if err := readJSON(filepath.Join(dir, SummaryFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadTiming reads dir/timing.json.
func ReadTiming(dir string) (*Timing, error) {
	var t Timing
	if err := readJSON(filepath.Join(dir, TimingFile), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
