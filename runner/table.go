package runner

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// WriteSummary prints the short table `allocsim run` shows after a run.
func WriteSummary(w io.Writer, r Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	st := r.Stats
	c := st.Counters
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, a...)) }
	row("scenario", "%s", r.Scenario)
	row("nodes", "%s", group(int64(r.Nodes)))
	end := "horizon"
	if st.Drained {
		end = "workload drained"
	}
	row("simulated", "%s (%s)", time.Duration(st.End)*time.Microsecond, end)
	row("tasks submitted", "%s", group(c.Submitted))
	row("tasks placed", "%s (%s still pending at the end, %s still running)", group(c.Launched), group(st.Pending), group(st.Running))
	if s := r.Summary; s != nil {
		row("wait", "mean %s s, p99 %s s", num(s.Tasks.WaitS.Mean), num(s.Tasks.WaitS.P99))
		if u := s.Tasks.UnscheduledWaitS; u.N > 0 {
			var by []string
			for _, g := range s.UnscheduledWaitSByFw {
				by = append(by, fmt.Sprintf("%s %s", g.Name, group(int64(g.Dist.N))))
			}
			row("never started", "%s attempts (%s), waiting mean %s s, max %s s when they ended unscheduled",
				group(int64(u.N)), strings.Join(by, ", "), num(u.Mean), num(u.Max))
		}
		a := s.AllocMeanFrac
		row("allocation (mean)", "cpu %.1f%%, mem %.1f%%, gpu %.1f%%", 100*a.CPU, 100*a.Mem, 100*a.GPU)
		p := s.AllocPeakFrac
		row("allocation (peak)", "cpu %.1f%%, mem %.1f%%, gpu %.1f%%", 100*p.CPU, 100*p.Mem, 100*p.GPU)
		if s.ReplicasEnd > 0 {
			row("service replicas", "%s running at the end, %s of them on a node with another of their service's (peak %s)",
				group(s.ReplicasEnd), group(s.ReplicasSharingEnd), group(s.ReplicasSharingPeak))
		}
	}
	if s := r.Summary; s != nil && s.WorkloadCounters["tasks"] > 0 {
		w := s.WorkloadCounters
		note := ""
		if n := w["distinct_machines"]; n > 0 {
			note = fmt.Sprintf(", %s with the different-machines restriction", group(n))
		} else if n := w["distinct_machines_ignored"]; n > 0 {
			note = fmt.Sprintf(", %s whose different-machines restriction was ignored", group(n))
		}
		row("trace", "%s tasks replayed%s (summary.json: workload_counters)", group(w["tasks"]), note)
	}
	if n := c.Ended[allocator.OutcomeLost]; n > 0 {
		row("tasks lost", "%s", group(n))
	}
	if n := c.Ended[allocator.OutcomePreempted]; n > 0 {
		row("tasks preempted", "%s (%s attempts requeued in all); %s CPU-hours of preempted and lost attempts' work", group(n),
			group(c.Requeued), num(c.WastedCPUSeconds/3600))
	}
	row("cycles", "%s (%s triggered)", group(c.Cycles), group(c.TriggeredCycles))
	if c.Transactions > 0 {
		row("transactions", "%s (%s with a conflict, %s task claims refused); schedulers busy %s; %s jobs abandoned",
			group(c.Transactions), group(c.TxConflicted), group(c.Conflicts), time.Duration(c.SchedulerBusy)*time.Microsecond,
			group(c.JobsAbandoned))
	}
	row("events", "%s in %s of engine time: %s events/s", group(c.Events), st.Wall.Round(time.Millisecond), group(int64(r.EventsPerSecond())))
	row("wall time", "%s", r.Wall.Round(time.Millisecond))
	if r.Dir != "" {
		row("output", "%s", r.Dir)
	}
	return tw.Flush()
}

// group writes n with thousands separators: 1234567 → 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
