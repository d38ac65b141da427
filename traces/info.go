package traces

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// ResourcesJSON is a resource vector with its units in the field names.
type ResourcesJSON struct {
	CPUMilli int64 `json:"cpu_milli"`
	MemMiB   int64 `json:"mem_mib"`
	DiskMiB  int64 `json:"disk_mib"`
	GPUMilli int64 `json:"gpu_milli"`
}

func resJSON(r allocator.Resources) ResourcesJSON {
	return ResourcesJSON{r[allocator.CPU], r[allocator.Mem], r[allocator.Disk], r[allocator.GPU]}
}

// Quantiles of one request dimension over all tasks (nearest rank).
type Quantiles struct {
	P50 int64 `json:"p50"`
	P90 int64 `json:"p90"`
	P99 int64 `json:"p99"`
	Max int64 `json:"max"`
}

// Info summarises a trace: what `allocsim trace info` prints.
type Info struct {
	MachinesAt0   int              `json:"machines_at_time_0"`
	CapacityAt0   ResourcesJSON    `json:"capacity_at_time_0"`
	GPUsAt0       int64            `json:"gpus_at_time_0"`
	MachineEvents map[string]int64 `json:"machine_events"`
	Tasks         int64            `json:"tasks"`
	Jobs          int64            `json:"jobs"`
	FirstUS       int64            `json:"first_time_us"`
	LastUS        int64            `json:"last_time_us"`
	SpanS         float64          `json:"span_s"`
	FirstSubmitUS int64            `json:"first_task_submit_us"`
	LastSubmitUS  int64            `json:"last_task_submit_us"`
	RequestTotal  ResourcesJSON    `json:"request_total"`
	Outcomes      map[string]int64 `json:"outcomes"`
	// Placement constraints: tasks with the different-machines restriction
	// or a cap per machine, and with a cap per switch, and their jobs.
	CappedTasks      int64                `json:"capped_tasks,omitempty"`
	CappedJobs       int64                `json:"capped_jobs,omitempty"`
	SwitchCapped     int64                `json:"switch_capped_tasks,omitempty"`
	RequestQuantiles map[string]Quantiles `json:"request_quantiles"`
	Counters         map[string]int64     `json:"reader_counters"`
}

// Summarize drains r into an Info. Request quantiles are exact: requests
// are counted by distinct value (trace requests take few distinct values), so
// memory grows with distinct values and jobs, not with tasks.
func Summarize(r Reader) (*Info, error) {
	in := &Info{MachineEvents: map[string]int64{}, Outcomes: map[string]int64{}, FirstUS: -1, LastUS: -1, FirstSubmitUS: -1, LastSubmitUS: -1}
	var rec Record
	up := map[int64]allocator.Resources{}
	jobs, capped := map[int64]struct{}{}, map[int64]struct{}{}
	var req [allocator.NumResources]map[int64]int64
	for d := range req {
		req[d] = map[int64]int64{}
	}
	var total allocator.Resources
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		t := int64(rec.Time())
		if in.FirstUS < 0 {
			in.FirstUS = t
		}
		in.LastUS = t
		switch rec.Kind {
		case RecordMachine:
			m := &rec.Machine
			in.MachineEvents[m.Kind.String()]++
			if m.Time == 0 {
				switch m.Kind {
				case MachineAdd, MachineUpdate:
					up[m.Machine] = m.Capacity
				case MachineRemove:
					delete(up, m.Machine)
				}
			}
		case RecordTask:
			tk := &rec.Task
			in.Tasks++
			if in.FirstSubmitUS < 0 {
				in.FirstSubmitUS = t
			}
			in.LastSubmitUS = t
			jobs[tk.Job] = struct{}{}
			if tk.DistinctMachines || tk.MaxPerMachine > 0 || tk.MaxPerSwitch > 0 {
				in.CappedTasks++
				capped[tk.Job] = struct{}{}
			}
			if tk.MaxPerSwitch > 0 {
				in.SwitchCapped++
			}
			total = total.Add(tk.Req)
			for d := range req {
				req[d][tk.Req[d]]++
			}
			if tk.Run == allocator.Never {
				in.Outcomes["running"]++
			} else {
				in.Outcomes[tk.Outcome.String()]++
			}
			if tk.Run != allocator.Never && tk.Start >= 0 {
				in.LastUS = max(in.LastUS, int64(tk.Start+tk.Run)) // the task's end event
			}
		}
	}
	in.Jobs, in.CappedJobs = int64(len(jobs)), int64(len(capped))
	in.MachinesAt0 = len(up)
	var capy allocator.Resources
	for _, c := range up {
		capy = capy.Add(c)
	}
	in.CapacityAt0 = resJSON(capy)
	in.GPUsAt0 = capy[allocator.GPU] / 1000
	in.RequestTotal = resJSON(total)
	if in.FirstUS >= 0 {
		in.SpanS = float64(in.LastUS-in.FirstUS) / 1e6
	}
	if in.Tasks > 0 {
		in.RequestQuantiles = map[string]Quantiles{}
		for d, counts := range req {
			in.RequestQuantiles[allocator.ResourceNames[d]+"_"+allocator.ResourceUnits[d]] = quantilesOf(counts, in.Tasks)
		}
	}
	in.Counters = r.Stats().Map()
	return in, nil
}

// quantilesOf computes nearest-rank quantiles from value counts.
func quantilesOf(counts map[int64]int64, n int64) Quantiles {
	vals := make([]int64, 0, len(counts))
	for v := range counts {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	at := func(q float64) int64 {
		rank := max(int64(q*float64(n)+0.999999999), 1) // nearest rank, 1-based
		var seen int64
		for _, v := range vals {
			seen += counts[v]
			if seen >= rank {
				return v
			}
		}
		return vals[len(vals)-1]
	}
	return Quantiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: vals[len(vals)-1]}
}

// WriteText prints the summary for people.
func (in *Info) WriteText(w io.Writer) {
	fmt.Fprintf(w, "machines at time 0   %d (cpu %s cores, mem %d MiB, gpus %d)\n", in.MachinesAt0,
		milli(in.CapacityAt0.CPUMilli), in.CapacityAt0.MemMiB, in.GPUsAt0)
	fmt.Fprintf(w, "machine events       add %d, remove %d, update %d\n", in.MachineEvents["add"], in.MachineEvents["remove"], in.MachineEvents["update"])
	fmt.Fprintf(w, "tasks                %d in %d jobs\n", in.Tasks, in.Jobs)
	fmt.Fprintf(w, "time span            %d µs … %d µs (%.0f s)\n", in.FirstUS, in.LastUS, in.SpanS)
	fmt.Fprintf(w, "task submits         %d µs … %d µs\n", in.FirstSubmitUS, in.LastSubmitUS)
	fmt.Fprintf(w, "requested in total   cpu %s cores, mem %d MiB, disk %d MiB, gpu %s\n", milli(in.RequestTotal.CPUMilli),
		in.RequestTotal.MemMiB, in.RequestTotal.DiskMiB, milli(in.RequestTotal.GPUMilli))
	if len(in.Outcomes) > 0 {
		fmt.Fprintf(w, "trace outcomes       %s\n", joinCounts(in.Outcomes))
	}
	if in.CappedTasks > 0 {
		fmt.Fprintf(w, "placement caps       %d tasks in %d jobs (different machines or at most N per machine; %d also per switch)\n",
			in.CappedTasks, in.CappedJobs, in.SwitchCapped)
	}
	for _, k := range sortedKeysQ(in.RequestQuantiles) {
		q := in.RequestQuantiles[k]
		fmt.Fprintf(w, "request %-12s p50 %d  p90 %d  p99 %d  max %d\n", k, q.P50, q.P90, q.P99, q.Max)
	}
	if len(in.Counters) > 0 {
		fmt.Fprintln(w, "reader counters:")
		for _, k := range sortedKeysI(in.Counters) {
			fmt.Fprintf(w, "  %-40s %d\n", k, in.Counters[k])
		}
	}
}

func milli(v int64) string {
	if v%1000 == 0 {
		return fmt.Sprint(v / 1000)
	}
	return fmt.Sprintf("%.3f", float64(v)/1000)
}

func joinCounts(m map[string]int64) string {
	var parts []string
	for _, k := range sortedKeysI(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeysI(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedKeysQ(m map[string]Quantiles) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
