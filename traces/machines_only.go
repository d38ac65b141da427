package traces

import (
	"fmt"
	"io"
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// Bounds on a machine's size in the machine tables, far above any real
// machine, so that converting to milli-CPU and MiB cannot overflow.
const (
	maxCPUs  = 1 << 20
	maxMemGB = 1 << 30
)

// sliceReader streams records already in memory (small machine tables).
type sliceReader struct {
	recs  []Record
	i     int
	stats Stats
}

func (s *sliceReader) Next(rec *Record) error {
	if s.i >= len(s.recs) {
		return io.EOF
	}
	*rec = s.recs[s.i]
	s.i++
	return nil
}

func (s *sliceReader) Stats() *Stats { return &s.stats }
func (s *sliceReader) Close() error  { return nil }

// DefaultAlibaba2018MemMiB is what a normalised memory of 100 stands for in
// Alibaba's 2018 machine_meta unless Options.Shape.MemMiB says otherwise.
const DefaultAlibaba2018MemMiB = 512 * 1024

// OpenAlibaba2018 reads cluster-trace-v2018 machine_meta.csv (no header:
// machine_id, time_stamp, failure_domain_1, failure_domain_2, cpu_num,
// mem_size, status). The table has one row per machine state snapshot; it is
// small (≈17.6k rows), so it is read whole and ordered by time. A machine is
// added at its first USING row, removed when it leaves USING and added back
// when it returns; a changed cpu_num or mem_size is an update. mem_size is
// normalised to 100 = Shape.MemMiB (default DefaultAlibaba2018MemMiB).
func OpenAlibaba2018(path string, opt Options) (Reader, error) {
	memFull := opt.Shape.MemMiB
	if memFull <= 0 {
		memFull = DefaultAlibaba2018MemMiB
	}
	t, err := openCSVTable(path, []string{"machine_id", "time_stamp", "failure_domain_1", "failure_domain_2", "cpu_num", "mem_size", "status"})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	s := &sliceReader{}
	bad := badRows{skip: opt.SkipBadRows, stats: &s.stats}
	type row struct {
		id       string
		time     int64
		cpu, mem int64
		up       bool
		attrs    string
		line     int
	}
	var rows []row
	for {
		if err := t.next(); err != nil {
			if err == io.EOF {
				break
			}
			pe, ok := err.(*ParseError)
			if !ok {
				return nil, err
			}
			if err := bad.handle(pe); err != nil {
				return nil, err
			}
			continue
		}
		f := t.fields
		r := row{id: string(f[0]), attrs: "fd1=" + string(f[2]) + ",fd2=" + string(f[3]), line: len(rows)}
		var ok bool
		var perr *ParseError
		// Bounded so that seconds → µs and cores → milli-CPU cannot overflow
		// (a wrapped time sorted first but came out negative).
		if r.time, ok = parseInt(f[1]); !ok || r.time < 0 || r.time > maxSeconds {
			perr = t.errAt(1, fmt.Sprintf("seconds, an integer from 0 to %d", maxSeconds))
		} else if r.cpu, ok = parseInt(f[4]); !ok || r.cpu < 0 || r.cpu > maxCPUs {
			perr = t.errAt(4, fmt.Sprintf("a CPU count 0–%d", maxCPUs))
		} else if r.mem, ok = scaleDecimal(f[5], memFull); !ok {
			perr = t.errAt(5, "a normalised memory size 0–100")
		} else if len(f[0]) == 0 {
			perr = t.errAt(0, "a machine id")
		}
		if perr != nil {
			if err := bad.handle(perr); err != nil {
				return nil, err
			}
			continue
		}
		r.mem = (r.mem + 50) / 100 // scaleDecimal gave mem_size × memFull
		r.up = string(f[6]) == "USING"
		s.stats.Add("status_"+string(f[6]), 1)
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].time < rows[b].time })
	type state struct {
		num      int64
		up       bool
		cpu, mem int64
	}
	machines := map[string]*state{}
	var next int64
	for _, r := range rows {
		st := machines[r.id]
		if st == nil {
			st = &state{num: next}
			next++
			machines[r.id] = st
		}
		ev := MachineEvent{Time: allocator.Time(r.time) * allocator.Second, Machine: st.num,
			Capacity: allocator.Res(r.cpu*1000, r.mem, 0, 0), Attrs: "id=" + r.id + "," + r.attrs}
		switch {
		case r.up && !st.up:
			ev.Kind = MachineAdd
		case !r.up && st.up:
			ev.Kind, ev.Capacity = MachineRemove, allocator.Resources{}
		case r.up && (r.cpu*1000 != st.cpu || r.mem != st.mem):
			ev.Kind = MachineUpdate
		default:
			s.stats.Add("rows_unchanged", 1)
			continue
		}
		st.up, st.cpu, st.mem = r.up, r.cpu*1000, r.mem
		s.stats.Add("machine_event_"+ev.Kind.String(), 1)
		s.recs = append(s.recs, Record{Kind: RecordMachine, Machine: ev})
	}
	s.stats.Add("machines", int64(len(machines)))
	return s, nil
}

// OpenPAI2020 reads Alibaba PAI 2020 pai_machine_spec.csv (no header:
// machine, gpu_type, cap_cpu, cap_mem in GB, cap_gpu): every machine is added
// at time 0. gpu_type is the GPU model (CPU machines have none).
func OpenPAI2020(path string, opt Options) (Reader, error) {
	t, err := openCSVTable(path, []string{"machine", "gpu_type", "cap_cpu", "cap_mem", "cap_gpu"})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	s := &sliceReader{}
	bad := badRows{skip: opt.SkipBadRows, stats: &s.stats}
	for {
		if err := t.next(); err != nil {
			if err == io.EOF {
				break
			}
			pe, ok := err.(*ParseError)
			if !ok {
				return nil, err
			}
			if err := bad.handle(pe); err != nil {
				return nil, err
			}
			continue
		}
		f := t.fields
		var perr *ParseError
		cpu, ok1 := parseInt(f[2])
		mem, ok2 := parseInt(f[3])
		gpu, ok3 := parseInt(f[4])
		switch {
		case len(f[0]) == 0:
			perr = t.errAt(0, "a machine id")
		case !ok1 || cpu < 0 || cpu > maxCPUs: // bounded: ×1000 must not overflow
			perr = t.errAt(2, fmt.Sprintf("a CPU count 0–%d", maxCPUs))
		case !ok2 || mem < 0 || mem > maxMemGB: // bounded: ×1024 must not overflow
			perr = t.errAt(3, fmt.Sprintf("memory in GB, an integer 0–%d", maxMemGB))
		case !ok3 || gpu < 0 || gpu > allocator.MaxGPUsPerAgent:
			perr = t.errAt(4, fmt.Sprintf("a GPU count 0–%d", allocator.MaxGPUsPerAgent))
		case gpu > 0 && len(f[1]) == 0:
			perr = t.errAt(1, "a GPU type for a machine with GPUs")
		}
		if perr != nil {
			if err := bad.handle(perr); err != nil {
				return nil, err
			}
			continue
		}
		ev := MachineEvent{Machine: int64(len(s.recs)), Kind: MachineAdd,
			Capacity: allocator.Res(cpu*1000, mem*1024, 0, gpu*1000), Attrs: "machine=" + string(f[0]) + ",gpu_type=" + string(f[1])}
		if gpu > 0 {
			ev.GPUModel = string(f[1])
		}
		s.stats.Add("machine_event_add", 1)
		s.stats.Add("gpus", gpu)
		s.recs = append(s.recs, Record{Kind: RecordMachine, Machine: ev})
	}
	return s, nil
}
