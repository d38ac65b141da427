package workloads

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// StreamEstimate is what a synthetic stream is expected to submit and hold,
// computed before any run (capacity planning: is the scenario sized as
// intended?).
type StreamEstimate struct {
	Name  string
	Jobs  float64 // expected jobs submitted
	Tasks float64 // expected tasks submitted
	// MeanRequest is the mean request of a task (CPU and GPU in milli, MiB).
	MeanRequest [allocator.NumResources]float64
	// MeanDuration is the mean run time of a batch task in seconds.
	MeanDuration float64
	// Services is the expected resources held by services at the horizon.
	Services [allocator.NumResources]float64
	// Batch is the expected resources held by batch tasks in steady state
	// (Little's law: task arrival rate × mean duration × mean request),
	// assuming every task starts at once.
	Batch [allocator.NumResources]float64
}

// Estimate returns the expected load of each synthetic stream, from the
// stream parameters and n draws of each distribution (the means of clipped
// heavy tails have no simple closed form). The arrival rate is averaged
// over the stream's active time, diurnal cycle included.
func (s *Scenario) Estimate(n int) ([]StreamEstimate, error) {
	if s.Workload.Synthetic == nil {
		return nil, nil
	}
	c, err := s.BuildCluster()
	if err != nil {
		return nil, err
	}
	g, err := NewSynthetic(s, c, s.Seed^0x657374696d617465) // "estimate": a stream of its own
	if err != nil {
		return nil, err
	}
	out := make([]StreamEstimate, len(g.gens))
	for i := range g.gens {
		gen := &g.gens[i]
		st := gen.spec
		e := StreamEstimate{Name: st.Name}
		var tasks, dur float64
		var req [allocator.NumResources]float64
		for range n {
			k := max(math.Round(gen.tasks.draw()), 1)
			tasks += k
			r := gen.request()
			for d := range req {
				req[d] += k * float64(r.Res[d]) // a task-weighted mean
			}
			if st.ServiceFraction < 1 {
				dur += min(gen.duration.draw(), float64(allocator.Never/2))
			}
		}
		for d := range req {
			e.MeanRequest[d] = req[d] / tasks
		}
		e.MeanDuration = dur / float64(n) / float64(allocator.Second)
		perJob := tasks / float64(n)
		e.Jobs = expectedArrivals(st, gen.stop)
		if st.MaxJobs > 0 {
			e.Jobs = min(e.Jobs, float64(st.MaxJobs))
		}
		e.Tasks = e.Jobs * perJob
		active := float64(gen.stop-allocator.Time(st.Start)) / float64(allocator.Second)
		batchRate := e.Tasks * (1 - st.ServiceFraction) / active // tasks per second
		for d := range req {
			e.Services[d] = e.Tasks * st.ServiceFraction * e.MeanRequest[d]
			e.Batch[d] = batchRate * e.MeanDuration * e.MeanRequest[d]
		}
		out[i] = e
	}
	return out, nil
}

// expectedArrivals integrates the arrival rate over [start, stop).
func expectedArrivals(st *StreamSpec, stop allocator.Time) float64 {
	if stop == allocator.Never {
		return float64(st.MaxJobs)
	}
	from, to := float64(st.Start), float64(stop)
	perUS := float64(st.Arrival.Rate) / float64(allocator.Second)
	n := perUS * (to - from)
	if dn := st.Arrival.Diurnal; dn != nil && dn.Amplitude > 0 {
		// ∫ A cos(2π (t − peak) / P) dt = A P / 2π [sin(…)] from..to
		p, w := float64(dn.Period), 2*math.Pi/float64(dn.Period)
		n += perUS * dn.Amplitude * p / (2 * math.Pi) *
			(math.Sin(w*(to-float64(dn.Peak))) - math.Sin(w*(from-float64(dn.Peak))))
	}
	return n
}

// WriteEstimate prints the estimate as a table with shares of the
// cluster's capacity.
func (s *Scenario) WriteEstimate(w io.Writer, est []StreamEstimate) error {
	c, err := s.BuildCluster()
	if err != nil {
		return err
	}
	total := c.Total()
	share := func(v float64, d int) string {
		if total[d] == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*v/float64(total[d]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %10s %12s %10s   %-26s %-26s\n", "stream", "jobs", "tasks", "mean run", "services hold cpu/mem/gpu", "batch holds cpu/mem/gpu")
	var svc, bat [allocator.NumResources]float64
	var jobs, tasks float64
	for _, e := range est {
		run := "-"
		if e.MeanDuration > 0 {
			run = fmt.Sprintf("%.0f s", e.MeanDuration)
		}
		fmt.Fprintf(&b, "%-16s %10.0f %12.0f %10s   %-26s %-26s\n", e.Name, e.Jobs, e.Tasks, run,
			share(e.Services[allocator.CPU], allocator.CPU)+" / "+share(e.Services[allocator.Mem], allocator.Mem)+" / "+share(e.Services[allocator.GPU], allocator.GPU),
			share(e.Batch[allocator.CPU], allocator.CPU)+" / "+share(e.Batch[allocator.Mem], allocator.Mem)+" / "+share(e.Batch[allocator.GPU], allocator.GPU))
		jobs += e.Jobs
		tasks += e.Tasks
		for d := range svc {
			svc[d] += e.Services[d]
			bat[d] += e.Batch[d]
		}
	}
	fmt.Fprintf(&b, "%-16s %10.0f %12.0f %10s   %-26s %-26s\n", "all", jobs, tasks, "",
		share(svc[allocator.CPU], allocator.CPU)+" / "+share(svc[allocator.Mem], allocator.Mem)+" / "+share(svc[allocator.GPU], allocator.GPU),
		share(bat[allocator.CPU], allocator.CPU)+" / "+share(bat[allocator.Mem], allocator.Mem)+" / "+share(bat[allocator.GPU], allocator.GPU))
	_, err = io.WriteString(w, b.String())
	return err
}
