package traces

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"

	"github.com/allocsim/allocsim/allocator"
)

// taskBatch reads tasks.parquet column by column, a batch at a time.
type taskBatch struct {
	file                                                 string
	rows                                                 int64 // rows left in the file
	lastSubmit                                           int64 // of the row before: the file is in submit order
	job, submit, start, run, cpu, mem, disk, gpu         []int64
	index, prio, class                                   []int32
	distinct                                             []bool
	models, outcome                                      []string
	cJob, cSubmit, cStart, cRun, cCPU, cMem, cDisk, cGPU *colCursor
	cIndex, cPrio, cClass, cDistinct, cModels, cOutcome  *colCursor
	cPerMachine, cPerSwitch                              *colCursor // nil in files written before them
	perMachine, perSwitch                                []int32
	all                                                  []*colCursor
}

const taskBatchRows = 4096

func newTaskBatch(pf *parquet.File, file string) (*taskBatch, error) {
	b := &taskBatch{file: file, rows: pf.NumRows()}
	var errs []error
	col := func(name string) *colCursor {
		c, err := newColCursor(pf, file, name)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		b.all = append(b.all, c)
		return c
	}
	b.cJob, b.cIndex, b.cSubmit, b.cStart, b.cRun = col("job_id"), col("task_index"), col("submit_us"), col("start_us"), col("run_us")
	b.cCPU, b.cMem, b.cDisk, b.cGPU, b.cModels = col("cpu_milli"), col("mem_mib"), col("disk_mib"), col("gpu_milli"), col("gpu_models")
	b.cPrio, b.cClass, b.cDistinct, b.cOutcome = col("priority"), col("sched_class"), col("distinct_machines"), col("outcome")
	for _, o := range []struct {
		c    **colCursor
		name string
	}{{&b.cPerMachine, "max_per_machine"}, {&b.cPerSwitch, "max_per_switch"}} {
		if _, ok := pf.Schema().Lookup(o.name); ok {
			*o.c = col(o.name)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := taskBatchRows
	b.job, b.submit, b.start, b.run = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	b.cpu, b.mem, b.disk, b.gpu = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	b.index, b.prio, b.class = make([]int32, n), make([]int32, n), make([]int32, n)
	b.distinct, b.models, b.outcome = make([]bool, n), make([]string, n), make([]string, n)
	b.perMachine, b.perSwitch = make([]int32, n), make([]int32, n)
	return b, nil
}

// fill reads the next batch and returns its row count (0 at the end).
func (b *taskBatch) fill() (int, error) {
	n := int(min(b.rows, taskBatchRows))
	if n == 0 {
		return 0, nil
	}
	b.rows -= int64(n)
	for _, p := range []struct {
		c *colCursor
		d []int64
	}{{b.cJob, b.job}, {b.cSubmit, b.submit}, {b.cStart, b.start}, {b.cRun, b.run}, {b.cCPU, b.cpu}, {b.cMem, b.mem}, {b.cDisk, b.disk}, {b.cGPU, b.gpu}} {
		if err := p.c.int64s(p.d[:n]); err != nil {
			return 0, err
		}
	}
	for _, p := range []struct {
		c *colCursor
		d []int32
	}{{b.cIndex, b.index}, {b.cPrio, b.prio}, {b.cClass, b.class}, {b.cPerMachine, b.perMachine}, {b.cPerSwitch, b.perSwitch}} {
		if p.c == nil { // an optional column the file lacks
			clear(p.d[:n])
			continue
		}
		if err := p.c.int32s(p.d[:n]); err != nil {
			return 0, err
		}
	}
	if err := b.cDistinct.bools(b.distinct[:n]); err != nil {
		return 0, err
	}
	if err := b.cModels.strings(b.models[:n]); err != nil {
		return 0, err
	}
	if err := b.cOutcome.strings(b.outcome[:n]); err != nil {
		return 0, err
	}
	return n, nil
}

// task converts row i of the batch; line is the row's 1-based number for errors.
func (b *taskBatch) task(i int, line int64, t *Task) error {
	*t = Task{Job: b.job[i], Index: b.index[i], Submit: allocator.Time(b.submit[i]), Start: allocator.Time(b.start[i]),
		Run: allocator.Time(b.run[i]), Req: allocator.Res(b.cpu[i], b.mem[i], b.disk[i], b.gpu[i]),
		GPUModels: b.models[i], Priority: b.prio[i], Class: int8(b.class[i]), DistinctMachines: b.distinct[i],
		MaxPerMachine: b.perMachine[i], MaxPerSwitch: b.perSwitch[i]}
	if err := b.check(i, line, t); err != nil {
		return err
	}
	o, ok := outcomeByName(b.outcome[i])
	if !ok {
		return &ParseError{File: b.file, Line: line, Column: "outcome", Value: b.outcome[i],
			Expected: "finished, failed, killed, lost, preempted, evicted, unscheduled or running"}
	}
	t.Outcome = o
	if t.Run < 0 {
		if t.Run != -1 || b.outcome[i] != "running" {
			return &ParseError{File: b.file, Line: line, Column: "run_us", Value: fmt.Sprint(b.run[i]),
				Expected: "a run time ≥ 0, or -1 with outcome running"}
		}
		t.Run = allocator.Never
	}
	return nil
}

// check refuses what WriteCanonical never writes, so that a damaged or
// hand-made file cannot hand the simulator a negative request or a task
// out of time order.
func (b *taskBatch) check(i int, line int64, t *Task) error {
	bad := func(col string, v any, want string) error {
		return &ParseError{File: b.file, Line: line, Column: col, Value: fmt.Sprint(v), Expected: want}
	}
	switch {
	case b.submit[i] < 0:
		return bad("submit_us", b.submit[i], "a time ≥ 0")
	case b.submit[i] < b.lastSubmit:
		return bad("submit_us", b.submit[i], fmt.Sprintf("rows in submit order (the row before: %d)", b.lastSubmit))
	case b.start[i] < -1:
		return bad("start_us", b.start[i], "a time ≥ 0, or -1 when unknown")
	case b.cpu[i] < 0:
		return bad("cpu_milli", b.cpu[i], "a request ≥ 0")
	case b.mem[i] < 0:
		return bad("mem_mib", b.mem[i], "a request ≥ 0")
	case b.disk[i] < 0:
		return bad("disk_mib", b.disk[i], "a request ≥ 0")
	case b.class[i] < 0 || b.class[i] > 127:
		return bad("sched_class", b.class[i], "a class from 0 to 127")
	case b.perMachine[i] < 0:
		return bad("max_per_machine", b.perMachine[i], "a cap ≥ 0 (0: none)")
	case b.perSwitch[i] < 0:
		return bad("max_per_switch", b.perSwitch[i], "a cap ≥ 0 (0: none)")
	}
	if err := (allocator.Request{Res: t.Req}).Validate(); err != nil {
		return bad("gpu_milli", b.gpu[i], "a share of one GPU (< 1000) or whole GPUs (a multiple of 1000)")
	}
	b.lastSubmit = b.submit[i]
	return nil
}

func (b *taskBatch) close() {
	for _, c := range b.all {
		c.close()
	}
}
