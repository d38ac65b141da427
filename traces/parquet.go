package traces

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/internal/safeparquet"
)

// Canonical file names inside a canonical trace directory.
const (
	MachinesFile = "machines.parquet"
	TasksFile    = "tasks.parquet"
)

// machineRow is one row of machines.parquet: flat columns, units in names.
type machineRow struct {
	TimeUS    int64  `parquet:"time_us"`
	MachineID int64  `parquet:"machine_id"`
	Event     string `parquet:"event,dict"` // add, remove, update
	CPUMilli  int64  `parquet:"cpu_milli"`
	MemMiB    int64  `parquet:"mem_mib"`
	DiskMiB   int64  `parquet:"disk_mib"`
	GPUCount  int32  `parquet:"gpu_count"`
	GPUModel  string `parquet:"gpu_model,dict"`
	Attrs     string `parquet:"attrs"`
}

// taskRow is one row of tasks.parquet. start_us is -1 when the source does
// not say; run_us is -1 when the task was still running at the end of the
// trace (outcome "running").
type taskRow struct {
	JobID            int64  `parquet:"job_id"`
	TaskIndex        int32  `parquet:"task_index"`
	SubmitUS         int64  `parquet:"submit_us"`
	StartUS          int64  `parquet:"start_us"`
	RunUS            int64  `parquet:"run_us"`
	CPUMilli         int64  `parquet:"cpu_milli"`
	MemMiB           int64  `parquet:"mem_mib"`
	DiskMiB          int64  `parquet:"disk_mib"`
	GPUMilli         int64  `parquet:"gpu_milli"`
	GPUModels        string `parquet:"gpu_models,dict"`
	Priority         int32  `parquet:"priority"`
	SchedClass       int32  `parquet:"sched_class"`
	DistinctMachines bool   `parquet:"distinct_machines"`
	Outcome          string `parquet:"outcome,dict"`
	// Added after the first canonical files: a reader takes them as 0
	// where they are missing.
	MaxPerMachine int32 `parquet:"max_per_machine"`
	MaxPerSwitch  int32 `parquet:"max_per_switch"`
}

// RowGroupRows is the number of rows per Parquet row group.
const RowGroupRows = 256 * 1024

// writerOptions fix created-by so that the same trace gives byte-identical files.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.CreatedBy("allocsim", "1", "canonical-trace"),
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		parquet.Compression(&parquet.Snappy),
	}
}

func toMachineRow(m *MachineEvent) machineRow {
	return machineRow{TimeUS: int64(m.Time), MachineID: m.Machine, Event: m.Kind.String(),
		CPUMilli: m.Capacity[allocator.CPU], MemMiB: m.Capacity[allocator.Mem], DiskMiB: m.Capacity[allocator.Disk],
		GPUCount: int32(m.Capacity[allocator.GPU] / 1000), GPUModel: m.GPUModel, Attrs: m.Attrs}
}

func toTaskRow(t *Task) taskRow {
	r := taskRow{JobID: t.Job, TaskIndex: t.Index, SubmitUS: int64(t.Submit), StartUS: int64(t.Start), RunUS: int64(t.Run),
		CPUMilli: t.Req[allocator.CPU], MemMiB: t.Req[allocator.Mem], DiskMiB: t.Req[allocator.Disk], GPUMilli: t.Req[allocator.GPU],
		GPUModels: t.GPUModels, Priority: t.Priority, SchedClass: int32(t.Class), DistinctMachines: t.DistinctMachines,
		Outcome: t.Outcome.String(), MaxPerMachine: t.MaxPerMachine, MaxPerSwitch: t.MaxPerSwitch}
	if t.Run == allocator.Never {
		r.RunUS, r.Outcome = -1, "running"
	}
	return r
}

// WriteSummary is what WriteCanonical wrote.
type WriteSummary struct {
	Machines, Tasks int64
}

// WriteCanonical drains r into dir/machines.parquet and dir/tasks.parquet.
// Each file is written to a temporary name and renamed at the end, so an
// interrupted conversion never leaves a file that looks complete. meta is
// stored as key/value metadata (source format, shape) in both files.
func WriteCanonical(dir string, r Reader, meta map[string]string) (WriteSummary, error) {
	var sum WriteSummary
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return sum, err
	}
	mf, err := os.CreateTemp(dir, ".machines-*.parquet.tmp")
	if err != nil {
		return sum, err
	}
	tf, err := os.CreateTemp(dir, ".tasks-*.parquet.tmp")
	if err != nil {
		mf.Close()
		os.Remove(mf.Name())
		return sum, err
	}
	fail := func(err error) (WriteSummary, error) {
		mf.Close()
		tf.Close()
		os.Remove(mf.Name())
		os.Remove(tf.Name())
		return sum, err
	}
	mw := parquet.NewGenericWriter[machineRow](mf, writerOptions()...)
	tw := parquet.NewGenericWriter[taskRow](tf, writerOptions()...)
	for _, k := range sortedKeys(meta) {
		mw.SetKeyValueMetadata(k, meta[k])
		tw.SetKeyValueMetadata(k, meta[k])
	}
	mbuf := make([]machineRow, 0, 1024)
	tbuf := make([]taskRow, 0, 4096)
	var rec Record
	var lastM, lastT allocator.Time = -1 << 62, -1 << 62
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		switch rec.Kind {
		case RecordMachine:
			if rec.Machine.Time < lastM {
				return fail(fmt.Errorf("machine events out of time order (%d after %d)", rec.Machine.Time, lastM))
			}
			lastM = rec.Machine.Time
			mbuf = append(mbuf, toMachineRow(&rec.Machine))
			if len(mbuf) == cap(mbuf) {
				if _, err := mw.Write(mbuf); err != nil {
					return fail(err)
				}
				mbuf = mbuf[:0]
			}
			sum.Machines++
		case RecordTask:
			if rec.Task.Submit < lastT {
				return fail(fmt.Errorf("tasks out of submit order (%d after %d)", rec.Task.Submit, lastT))
			}
			lastT = rec.Task.Submit
			tbuf = append(tbuf, toTaskRow(&rec.Task))
			if len(tbuf) == cap(tbuf) {
				if _, err := tw.Write(tbuf); err != nil {
					return fail(err)
				}
				tbuf = tbuf[:0]
			}
			sum.Tasks++
		}
	}
	if _, err := mw.Write(mbuf); err != nil {
		return fail(err)
	}
	if _, err := tw.Write(tbuf); err != nil {
		return fail(err)
	}
	// The source reader's counters (what it dropped and why) travel with the
	// data, so `trace info` on the canonical files still shows them.
	counters, err := json.Marshal(r.Stats().Map())
	if err != nil {
		return fail(err)
	}
	mw.SetKeyValueMetadata(MetaCounters, string(counters))
	tw.SetKeyValueMetadata(MetaCounters, string(counters))
	if err := errors.Join(mw.Close(), tw.Close()); err != nil {
		return fail(err)
	}
	if err := errors.Join(mf.Chmod(0o644), tf.Chmod(0o644), mf.Sync(), tf.Sync(), mf.Close(), tf.Close()); err != nil {
		os.Remove(mf.Name())
		os.Remove(tf.Name())
		return sum, err
	}
	if err := os.Rename(mf.Name(), filepath.Join(dir, MachinesFile)); err != nil {
		return sum, err
	}
	if err := os.Rename(tf.Name(), filepath.Join(dir, TasksFile)); err != nil {
		return sum, err
	}
	return sum, nil
}

// canonical reads machines.parquet and tasks.parquet back as one stream.
type canonical struct {
	mf, tf   *os.File
	mr       *parquet.GenericReader[machineRow]
	tb       *taskBatch
	tn, tlen int
	mbuf     []machineRow
	mi       int
	meof     bool
	teof     bool
	stats    Stats
	meta     map[string]string
	tname    string
	trow     int64
	mname    string
	mrow     int64 // machine rows read, for errors
	// lastMachine is the time of the machine row before.
	lastMachine int64
}

// OpenCanonical opens a canonical trace directory (either file may be
// missing: a machines-only or tasks-only trace).
func OpenCanonical(dir string) (r Reader, err error) {
	defer recovered(dir, &err)
	c := &canonical{meof: true, teof: true, meta: map[string]string{}, tname: filepath.Join(dir, TasksFile),
		mname: filepath.Join(dir, MachinesFile), lastMachine: math.MinInt64}
	found := false
	if f, err := os.Open(filepath.Join(dir, MachinesFile)); err == nil {
		pf, err := safeparquet.OpenFile(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		c.mf, c.mr, c.meof, found = f, parquet.NewGenericReader[machineRow](pf), false, true
		c.readMeta(pf)
	}
	if f, err := os.Open(filepath.Join(dir, TasksFile)); err == nil {
		pf, err := safeparquet.OpenFile(f)
		if err != nil {
			c.Close()
			f.Close()
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		tb, err := newTaskBatch(pf, f.Name())
		if err != nil {
			c.Close()
			f.Close()
			return nil, err
		}
		c.tf, c.tb, c.teof, found = f, tb, false, true
		c.readMeta(pf)
	}
	if !found {
		return nil, fmt.Errorf("%s: no %s or %s", dir, MachinesFile, TasksFile)
	}
	c.mbuf = make([]machineRow, 0, 1024)
	return c, nil
}

func (c *canonical) readMeta(pf *parquet.File) {
	for _, kv := range pf.Metadata().KeyValueMetadata {
		c.meta[kv.Key] = kv.Value
	}
	if js, ok := c.meta[MetaCounters]; ok && len(c.stats.Names()) == 0 {
		var m map[string]int64
		if json.Unmarshal([]byte(js), &m) == nil {
			for k, v := range m {
				c.stats.Add(k, v)
			}
		}
	}
}

// Meta returns the key/value metadata of a canonical reader (nil otherwise).
func Meta(r Reader) map[string]string {
	if c, ok := r.(*canonical); ok {
		return c.meta
	}
	return nil
}

// parquet-go may panic on a corrupt file; a reader reports it as an error.
func recovered(file string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%s: corrupt Parquet file: %v", file, p)
	}
}

func (c *canonical) fillMachines() (err error) {
	defer recovered(MachinesFile, &err)
	c.mbuf = c.mbuf[:cap(c.mbuf)]
	n, err := c.mr.Read(c.mbuf)
	c.mbuf, c.mi = c.mbuf[:n], 0
	if err == io.EOF {
		if n == 0 {
			c.meof = true
		}
		return nil
	}
	return err
}

func (c *canonical) fillTasks() (err error) {
	defer recovered(c.tname, &err)
	n, err := c.tb.fill()
	c.tn, c.tlen = 0, n
	if n == 0 {
		c.teof = true
	}
	return err
}

func (c *canonical) Next(rec *Record) error {
	for !c.meof && c.mi >= len(c.mbuf) {
		if err := c.fillMachines(); err != nil {
			return err
		}
	}
	for !c.teof && c.tn >= c.tlen {
		if err := c.fillTasks(); err != nil {
			return err
		}
	}
	haveM, haveT := !c.meof, !c.teof
	if haveM && (!haveT || c.mbuf[c.mi].TimeUS <= c.tb.submit[c.tn]) {
		row := &c.mbuf[c.mi]
		c.mi++
		c.mrow++
		kind, err := ParseMachineEventKind(row.Event)
		if err != nil {
			return fmt.Errorf("%s: %w", MachinesFile, err)
		}
		if err := c.checkMachine(row); err != nil {
			return err
		}
		rec.Kind = RecordMachine
		rec.Machine = MachineEvent{Time: allocator.Time(row.TimeUS), Machine: row.MachineID, Kind: kind,
			Capacity: allocator.Res(row.CPUMilli, row.MemMiB, row.DiskMiB, int64(row.GPUCount)*1000),
			GPUModel: row.GPUModel, Attrs: row.Attrs}
		return nil
	}
	if !haveT {
		return io.EOF
	}
	i := c.tn
	c.tn++
	c.trow++
	rec.Kind = RecordTask
	return c.tb.task(i, c.trow, &rec.Task)
}

// checkMachine refuses a machine row WriteCanonical never writes: out of
// time order, or with a negative capacity.
func (c *canonical) checkMachine(row *machineRow) error {
	bad := func(col string, v any, want string) error {
		return &ParseError{File: c.mname, Line: c.mrow, Column: col, Value: fmt.Sprint(v), Expected: want}
	}
	switch {
	case row.TimeUS < c.lastMachine:
		return bad("time_us", row.TimeUS, fmt.Sprintf("rows in time order (the row before: %d)", c.lastMachine))
	case row.CPUMilli < 0:
		return bad("cpu_milli", row.CPUMilli, "a capacity ≥ 0")
	case row.MemMiB < 0:
		return bad("mem_mib", row.MemMiB, "a capacity ≥ 0")
	case row.DiskMiB < 0:
		return bad("disk_mib", row.DiskMiB, "a capacity ≥ 0")
	case row.GPUCount < 0 || row.GPUCount > allocator.MaxGPUsPerAgent:
		return bad("gpu_count", row.GPUCount, fmt.Sprintf("0 to %d GPUs", allocator.MaxGPUsPerAgent))
	}
	c.lastMachine = row.TimeUS
	return nil
}

// outcomeByName avoids a loop over names for the common outcomes.
func outcomeByName(s string) (allocator.Outcome, bool) {
	switch s {
	case "finished", "running":
		return allocator.OutcomeFinished, true
	case "killed":
		return allocator.OutcomeKilled, true
	case "evicted":
		return allocator.OutcomeEvicted, true
	case "failed":
		return allocator.OutcomeFailed, true
	}
	o, err := allocator.ParseOutcome(s)
	return o, err == nil
}

func (c *canonical) Stats() *Stats { return &c.stats }

func (c *canonical) Close() error {
	var errs []error
	if c.mr != nil {
		errs = append(errs, c.mr.Close(), c.mf.Close())
	}
	if c.tb != nil {
		c.tb.close()
		errs = append(errs, c.tf.Close())
	}
	return errors.Join(errs...)
}

// Metadata keys that WriteCanonical callers set (allocsim trace convert does).
const (
	MetaFormat = "allocsim.format" // the source format the trace came from
	MetaShape  = "allocsim.shape"  // the Shape that made normalised units absolute
	MetaSource = "allocsim.source" // the source path
	// MetaCounters holds the source reader's counters as a JSON object;
	// WriteCanonical sets it, and a canonical reader's Stats return them.
	MetaCounters = "allocsim.counters"
)

// TasksExhausted reports that tasks.parquet exists and has been read.
func (c *canonical) TasksExhausted() bool { return c.tb != nil && c.teof && c.tn >= c.tlen }
