package html

import (
	"fmt"
	"math"
	"strconv"

	"github.com/allocsim/allocsim/reports"
)

// run is one run folder as the report reads it.
type run struct {
	Name    string
	Dir     string
	Summary *reports.Summary
	Timing  *reports.Timing // nil when timing.json is missing
}

// metric is one row of the summary and comparison tables.
type metric struct {
	Label string
	Unit  string
	Wall  bool // a wall-clock figure: differs between runs of the same input
	Get   func(r *run) (float64, bool)
}

func sum(f func(s *reports.Summary) float64) func(r *run) (float64, bool) {
	return func(r *run) (float64, bool) { return f(r.Summary), true }
}

func timing(f func(t *reports.Timing) float64) func(r *run) (float64, bool) {
	return func(r *run) (float64, bool) {
		if r.Timing == nil {
			return 0, false
		}
		return f(r.Timing), true
	}
}

var metricRows = []metric{
	{"task attempts submitted", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Submitted) })},
	{"attempts started", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Tasks.Started) })},
	{"never scheduled", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Tasks.Outcomes["unscheduled"]) })},
	{"never scheduled: time waited, mean", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.UnscheduledWaitS.Mean })},
	{"never scheduled: time waited, max", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.UnscheduledWaitS.Max })},
	{"attempts preempted", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Tasks.Outcomes["preempted"]) })},
	{"attempts lost (agent failures)", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Tasks.Outcomes["lost"]) })},
	{"attempts requeued", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Requeued) })},
	{"CPU time of preempted and lost attempts", "CPU·h", false, sum(func(s *reports.Summary) float64 { return s.WastedCPUS / 3600 })},
	{"wait mean", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.WaitS.Mean })},
	{"wait p50", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.WaitS.P50 })},
	{"wait p90", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.WaitS.P90 })},
	{"wait p99", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.WaitS.P99 })},
	{"job completion time p50", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.JCTS.P50 })},
	{"job completion time p99", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.JCTS.P99 })},
	{"jobs completed", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Tasks.JobsCompleted) })},
	{"bounded slowdown mean", "", false, sum(func(s *reports.Summary) float64 { return s.Tasks.Slowdown.Mean })},
	{"bounded slowdown p99", "", false, sum(func(s *reports.Summary) float64 { return s.Tasks.Slowdown.P99 })},
	{"makespan", "s", false, sum(func(s *reports.Summary) float64 { return s.Tasks.MakespanS })},
	{"CPU allocated, mean", "%", false, sum(func(s *reports.Summary) float64 { return 100 * s.AllocMeanFrac.CPU })},
	{"memory allocated, mean", "%", false, sum(func(s *reports.Summary) float64 { return 100 * s.AllocMeanFrac.Mem })},
	{"GPU allocated, mean", "%", false, sum(func(s *reports.Summary) float64 { return 100 * s.AllocMeanFrac.GPU })},
	{"CPU allocated, peak", "%", false, sum(func(s *reports.Summary) float64 { return 100 * s.AllocPeakFrac.CPU })},
	{"pending tasks, mean", "", false, sum(func(s *reports.Summary) float64 { return s.PendingMean })},
	{"pending tasks, peak", "", false, sum(func(s *reports.Summary) float64 { return float64(s.PendingPeak) })},
	{"Jain's index (roles), mean", "", false, sum(func(s *reports.Summary) float64 { return s.JainRolesMean })},
	{"Jain's index (roles), min", "", false, sum(func(s *reports.Summary) float64 { return s.JainRolesMin })},
	{"Jain's index (frameworks), mean", "", false, sum(func(s *reports.Summary) float64 { return s.JainFrameworksMean })},
	{"GPU fragmentation (partly used GPUs), mean", "% of free", false, sum(func(s *reports.Summary) float64 { return 100 * s.GPUFragMeanFrac })},
	{"GPU fragmentation (FGD), mean", "% of free", false, sum(func(s *reports.Summary) float64 { return 100 * s.GPUFGDFragMeanFrac })},
	{"service replicas running at the end", "", false, sum(func(s *reports.Summary) float64 { return float64(s.ReplicasEnd) })},
	{"service replicas sharing a node, at the end", "", false, sum(func(s *reports.Summary) float64 { return float64(s.ReplicasSharingEnd) })},
	{"service replicas sharing a node, peak", "", false, sum(func(s *reports.Summary) float64 { return float64(s.ReplicasSharingPeak) })},
	{"offers made", "", false, sum(func(s *reports.Summary) float64 { return float64(s.OffersMade) })},
	{"offers accepted", "", false, sum(func(s *reports.Summary) float64 { return float64(s.OffersAccepted) })},
	{"offers declined", "", false, sum(func(s *reports.Summary) float64 { return float64(s.OffersDeclined) })},
	{"offers rescinded", "", false, sum(func(s *reports.Summary) float64 { return float64(s.OffersRescinded) })},
	{"transactions (shared state)", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Transactions) })},
	{"transactions with a conflict", "", false, sum(func(s *reports.Summary) float64 { return float64(s.TxConflicted) })},
	{"task claims refused (conflicts)", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Conflicts) })},
	{"scheduler busy time", "s", false, sum(func(s *reports.Summary) float64 { return s.SchedulerBusyS })},
	{"jobs abandoned (shared state)", "", false, sum(func(s *reports.Summary) float64 { return float64(s.JobsAbandoned) })},
	{"allocation cycles", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Cycles) })},
	{"simulated time", "s", false, sum(func(s *reports.Summary) float64 { return s.EndS })},
	{"events", "", false, sum(func(s *reports.Summary) float64 { return float64(s.Events) })},
	{"cycle wall time p50", "ms", true, timing(func(t *reports.Timing) float64 { return t.CycleWallMS.P50 })},
	{"cycle wall time p99", "ms", true, timing(func(t *reports.Timing) float64 { return t.CycleWallMS.P99 })},
	{"cycle wall time max", "ms", true, timing(func(t *reports.Timing) float64 { return t.CycleWallMS.Max })},
	{"run wall time", "s", true, timing(func(t *reports.Timing) float64 { return t.RunWallS })},
	{"events per second (wall)", "", true, timing(func(t *reports.Timing) float64 { return t.EventsPerS })},
}

// num formats a figure with up to four significant decimals, no exponent for
// everyday magnitudes.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case math.Abs(v) >= 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func label(m metric) string {
	s := m.Label
	if m.Unit != "" {
		s += " (" + m.Unit + ")"
	}
	if m.Wall {
		s += " †"
	}
	return s
}

// diff is "b − a" with the relative change, against the baseline a.
func diff(a, b float64) string {
	d := b - a
	sign := ""
	if d > 0 {
		sign = "+"
	}
	if d == 0 {
		return "0"
	}
	if a == 0 || math.IsNaN(d) {
		return sign + num(d)
	}
	return fmt.Sprintf("%s%s (%s%.1f%%)", sign, num(d), sign, 100*d/math.Abs(a))
}
