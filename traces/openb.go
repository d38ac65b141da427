package traces

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// OpenbNode is one row of an openb node list (Alibaba GPU 2023, the FGD paper).
type OpenbNode struct {
	Name     string // sn
	CPUMilli int64
	MemMiB   int64
	GPUs     int    // 0–8
	Model    string // GPU model; empty for CPU-only nodes
}

// AgentSpec is the node as an allocator agent (no disk in openb).
func (n OpenbNode) AgentSpec() allocator.AgentSpec {
	return allocator.AgentSpec{Name: n.Name, Capacity: allocator.Res(n.CPUMilli, n.MemMiB, 0, int64(n.GPUs)*1000), GPUModel: n.Model}
}

// OpenbPod is one row of an openb pod list.
type OpenbPod struct {
	Name     string
	CPUMilli int64
	MemMiB   int64
	NumGPU   int   // 0, 1, 2, 4, 8
	GPUMilli int64 // per-GPU share when NumGPU = 1 (1000 = whole GPU)
	GPUSpec  string
	QoS      string // LS, BE, Burstable, Guaranteed
	Phase    string // Running, Succeeded, Failed, Pending
	// Creation, Deletion and Scheduled are seconds; Scheduled is -1 when empty.
	// Columns absent from the file (multigpu30 has only the first five) are
	// "" or -1.
	Creation, Deletion, Scheduled int64
	Row                           int // 0-based data row in the file
}

// GPURequest is the pod's milli-GPU in allocator form: a share of one device
// when NumGPU = 1, otherwise NumGPU whole devices.
func (p OpenbPod) GPURequest() int64 {
	if p.NumGPU == 1 {
		return p.GPUMilli
	}
	return int64(p.NumGPU) * 1000
}

// GPUModels are the allowed models (gpu_spec split at "|"); nil = any.
func (p OpenbPod) GPUModels() []string {
	if p.GPUSpec == "" {
		return nil
	}
	return strings.Split(p.GPUSpec, "|")
}

// Request is the pod as an allocator request, interning its GPU models in c.
func (p OpenbPod) Request(c *allocator.Cluster) (allocator.Request, error) {
	r := allocator.Request{Res: allocator.Res(p.CPUMilli, p.MemMiB, 0, p.GPURequest())}
	for _, m := range p.GPUModels() {
		id, err := c.ModelID(m)
		if err != nil {
			return r, fmt.Errorf("pod %s: %w", p.Name, err)
		}
		r.GPUModels |= 1 << id
	}
	return r, r.Validate()
}

// qosClass orders openb QoS classes like Borg scheduling classes (3 = most
// latency-sensitive) so that one class → framework mapping serves both.
var qosClass = map[string]int8{"BE": 0, "Burstable": 1, "Guaranteed": 2, "LS": 3}

// ReadOpenbNodes reads an openb node list (header sn,cpu_milli,memory_mib,gpu,model).
func ReadOpenbNodes(path string) ([]OpenbNode, error) {
	t, err := openCSVTable(path, nil)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	var c [5]int
	for i, n := range []string{"sn", "cpu_milli", "memory_mib", "gpu", "model"} {
		if c[i], err = t.col(n); err != nil {
			return nil, err
		}
	}
	var out []OpenbNode
	for {
		if err := t.next(); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, err
		}
		f := t.fields
		n := OpenbNode{Name: string(f[c[0]]), Model: string(f[c[4]])}
		var ok bool
		if n.CPUMilli, ok = parseInt(f[c[1]]); !ok || n.CPUMilli < 0 {
			return nil, t.errAt(c[1], "milli-CPU, an integer ≥ 0")
		}
		if n.MemMiB, ok = parseInt(f[c[2]]); !ok || n.MemMiB < 0 {
			return nil, t.errAt(c[2], "MiB, an integer ≥ 0")
		}
		g, ok := parseInt(f[c[3]])
		if !ok || g < 0 || g > allocator.MaxGPUsPerAgent {
			return nil, t.errAt(c[3], fmt.Sprintf("a GPU count 0–%d", allocator.MaxGPUsPerAgent))
		}
		n.GPUs = int(g)
		if n.GPUs > 0 && n.Model == "" {
			return nil, t.errAt(c[4], "a GPU model for a node with GPUs")
		}
		out = append(out, n)
	}
}

// ReadOpenbPods reads an openb pod list. With skipBad, malformed rows are
// counted in stats (may be nil) under "bad_rows" instead of failing.
func ReadOpenbPods(path string) ([]OpenbPod, error) { return readOpenbPods(path, nil) }

func readOpenbPods(path string, bad *badRows) ([]OpenbPod, error) {
	t, err := openCSVTable(path, nil)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	names := []string{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"}
	var c [11]int
	for i, n := range names {
		if c[i], err = t.col(n); err != nil {
			if i < 5 {
				return nil, err
			}
			c[i] = -1 // optional column (multigpu30 has only the first five)
		}
	}
	var out []OpenbPod
	for {
		if err := t.next(); err != nil {
			if err == io.EOF {
				return out, nil
			}
			var pe *ParseError
			if bad != nil && errors.As(err, &pe) {
				if err := bad.handle(pe); err != nil {
					return nil, err
				}
				continue
			}
			return nil, err
		}
		p, perr := parseOpenbPod(t, &c)
		if perr != nil {
			if bad == nil {
				return nil, perr
			}
			if err := bad.handle(perr); err != nil {
				return nil, err
			}
			continue
		}
		p.Row = int(t.lr.line) - 2
		out = append(out, p)
	}
}

func parseOpenbPod(t *csvTable, c *[11]int) (OpenbPod, *ParseError) {
	f := t.fields
	opt := func(i int) []byte {
		if c[i] < 0 {
			return nil
		}
		return f[c[i]]
	}
	p := OpenbPod{Name: string(f[c[0]]), GPUSpec: string(opt(5)), QoS: string(opt(6)), Phase: string(opt(7)),
		Creation: -1, Deletion: -1, Scheduled: -1}
	var ok bool
	if p.CPUMilli, ok = parseInt(f[c[1]]); !ok || p.CPUMilli < 0 {
		return p, t.errAt(c[1], "milli-CPU, an integer ≥ 0")
	}
	if p.MemMiB, ok = parseInt(f[c[2]]); !ok || p.MemMiB < 0 {
		return p, t.errAt(c[2], "MiB, an integer ≥ 0")
	}
	g, ok := parseInt(f[c[3]])
	if !ok || g < 0 || g > allocator.MaxGPUsPerAgent {
		return p, t.errAt(c[3], "a GPU count 0–64")
	}
	p.NumGPU = int(g)
	if p.GPUMilli, ok = parseInt(f[c[4]]); !ok || p.GPUMilli < 0 || p.GPUMilli > 1000 {
		return p, t.errAt(c[4], "milli-GPU per GPU, 0–1000")
	}
	if p.NumGPU > 1 && p.GPUMilli != 1000 {
		return p, t.errAt(c[4], "1000 (whole GPUs) when num_gpu > 1")
	}
	if p.NumGPU == 0 && p.GPUMilli != 0 {
		return p, t.errAt(c[4], "0 when num_gpu = 0")
	}
	if p.NumGPU == 1 && p.GPUMilli == 0 {
		return p, t.errAt(c[4], "1–1000 when num_gpu = 1")
	}
	if _, ok := qosClass[p.QoS]; !ok && c[6] >= 0 {
		return p, t.errAt(c[6], "LS, BE, Burstable or Guaranteed")
	}
	switch p.Phase {
	case "Running", "Succeeded", "Failed", "Pending":
	default:
		if c[7] >= 0 {
			return p, t.errAt(c[7], "Running, Succeeded, Failed or Pending")
		}
	}
	if c[8] < 0 {
		return p, nil
	}
	// Times are bounded so that Task's conversion to microseconds cannot
	// overflow (a wrapped time came out negative and out of order).
	if p.Creation, ok = parseInt(f[c[8]]); !ok || p.Creation < 0 || p.Creation > maxSeconds {
		return p, t.errAt(c[8], fmt.Sprintf("seconds, an integer from 0 to %d", maxSeconds))
	}
	if c[9] >= 0 {
		if p.Deletion, ok = parseInt(f[c[9]]); !ok || p.Deletion < p.Creation || p.Deletion > maxSeconds {
			return p, t.errAt(c[9], fmt.Sprintf("seconds, an integer from creation_time to %d", maxSeconds))
		}
	}
	if c[10] >= 0 {
		if s := f[c[10]]; len(s) > 0 {
			if p.Scheduled, ok = parseInt(s); !ok || p.Scheduled < p.Creation || p.Scheduled > maxSeconds || (p.Deletion >= 0 && p.Scheduled > p.Deletion) {
				return p, t.errAt(c[10], "seconds between creation_time and deletion_time, or empty")
			}
		}
	}
	return p, nil
}

// Task converts a pod into a canonical task. Job is row (pods
// are one-task jobs); the QoS becomes the class (BE 0, Burstable 1,
// Guaranteed 2, LS 3). Running pods were still running when the trace was
// taken (Run = Never); pending pods were never placed by the trace (Start
// = -1, Run = how long they waited, outcome killed).
func (p OpenbPod) Task(row int) Task {
	t := Task{Job: int64(row), Submit: allocator.Time(p.Creation) * allocator.Second, Start: -1,
		Req:       allocator.Res(p.CPUMilli, p.MemMiB, 0, p.GPURequest()),
		GPUModels: p.GPUSpec, Class: qosClass[p.QoS]}
	if p.Creation < 0 || p.Deletion < 0 {
		// No times: every pod arrives at 0 and stays (the FGD set-up).
		t.Submit, t.Run = max(t.Submit, 0), allocator.Never
		return t
	}
	end := allocator.Time(p.Deletion) * allocator.Second
	if p.Scheduled >= 0 {
		t.Start = allocator.Time(p.Scheduled) * allocator.Second
	}
	switch p.Phase {
	case "Running", "":
		t.Run = allocator.Never
	case "Succeeded":
		t.Run, t.Outcome = end-t.Start, allocator.OutcomeFinished
	case "Failed":
		t.Run, t.Outcome = end-t.Start, allocator.OutcomeFailed
	default: // Pending
		t.Run, t.Outcome = end-t.Submit, allocator.OutcomeKilled
	}
	if t.Start < 0 && p.Phase != "Pending" {
		t.Run = end - t.Submit
	}
	return t
}

// openb streams the nodes (added at time 0) then the pods in creation order.
// Pod lists are small (≈8k rows), so they are read whole and sorted stably.
type openb struct {
	nodes []OpenbNode
	pods  []OpenbPod
	i, j  int
	stats Stats
}

// OpenOpenb reads an openb node list and pod list as one canonical stream.
// Either path may be empty.
func OpenOpenb(nodesPath, podsPath string, opt Options) (Reader, error) {
	o := &openb{}
	var err error
	if nodesPath != "" {
		if o.nodes, err = ReadOpenbNodes(nodesPath); err != nil {
			return nil, err
		}
	}
	if podsPath != "" {
		bad := &badRows{skip: opt.SkipBadRows, stats: &o.stats}
		if o.pods, err = readOpenbPods(podsPath, bad); err != nil {
			return nil, err
		}
		sort.SliceStable(o.pods, func(a, b int) bool { return o.pods[a].Creation < o.pods[b].Creation })
	}
	o.stats.Add("machine_event_add", int64(len(o.nodes)))
	o.stats.Add("pods", int64(len(o.pods)))
	for _, p := range o.pods {
		phase := strings.ToLower(p.Phase)
		if phase == "" {
			phase = "absent"
		}
		o.stats.Add("pod_phase_"+phase, 1)
	}
	return o, nil
}

func (o *openb) Next(rec *Record) error {
	if o.i < len(o.nodes) {
		n := o.nodes[o.i]
		*rec = Record{Kind: RecordMachine, Machine: MachineEvent{Machine: int64(o.i), Kind: MachineAdd,
			Capacity: n.AgentSpec().Capacity, GPUModel: n.Model, Attrs: "sn=" + n.Name}}
		o.i++
		return nil
	}
	if o.j < len(o.pods) {
		rec.Kind = RecordTask
		rec.Task = o.pods[o.j].Task(o.pods[o.j].Row)
		o.j++
		return nil
	}
	return io.EOF
}

func (o *openb) Stats() *Stats { return &o.stats }
func (o *openb) Close() error  { return nil }

// OpenbQoSNames are the openb QoS labels by the class Task gives them.
var OpenbQoSNames = []string{"BE", "Burstable", "Guaranteed", "LS"}
