package reports

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
	"github.com/parquet-go/parquet-go"
)

// OutcomeRunning is the outcome column's value for an attempt still running
// when the run stopped.
const OutcomeRunning = "running"

// TaskRow is one row of tasks.parquet: one task attempt. Columns are flat and
// name their unit; optional columns are null when the attempt never started
// (start_s, wait_s, run_s, agent_id) or runs until the horizon (duration_s).
// Agent names, racks and shapes are in agents.parquet, keyed by agent_id.
// task_id and job_id (near-sequential) are delta-encoded: a third of their
// Snappy size, and less for the writer to compress.
type TaskRow struct {
	TaskID      int64    `parquet:"task_id,delta"` // run-wide attempt number, in submission order
	JobID       int64    `parquet:"job_id,delta"`
	TaskIndex   int32    `parquet:"task_index"`
	Attempt     int32    `parquet:"attempt"`
	FrameworkID int32    `parquet:"framework_id"`
	Framework   string   `parquet:"framework,dict"`
	RoleID      int32    `parquet:"role_id"`
	Role        string   `parquet:"role,dict"`
	Priority    int32    `parquet:"priority"`
	Class       int32    `parquet:"class"`
	CPUMilli    int64    `parquet:"cpu_milli"`
	MemMiB      int64    `parquet:"mem_mib"`
	DiskMiB     int64    `parquet:"disk_mib"`
	GPUMilli    int64    `parquet:"gpu_milli"`
	Service     bool     `parquet:"service"`
	DurationS   *float64 `parquet:"duration_s,optional"`
	SubmitS     float64  `parquet:"submit_s"`
	ReadyS      float64  `parquet:"ready_s"` // when this attempt became pending
	StartS      *float64 `parquet:"start_s,optional"`
	EndS        float64  `parquet:"end_s"` // end of the attempt, or the stop time
	WaitS       *float64 `parquet:"wait_s,optional"`
	RunS        *float64 `parquet:"run_s,optional"`
	AgentID     *int32   `parquet:"agent_id,optional"`
	GPUDevices  int32    `parquet:"gpu_devices"` // devices held (a share counts its one device)
	Outcome     string   `parquet:"outcome,dict"`
}

// taskSlot holds the values the optional columns of one buffered row point to,
// so that filling a batch allocates nothing.
type taskSlot struct {
	dur, start, wait, run float64
	agentID               int32
}

// taskWriter streams TaskRows to tasks.parquet. The engine goroutine only
// copies ended attempts into records (recPipe); one writer goroutine turns
// them into rows, adds them to the statistics, encodes and compresses them,
// in order, so the file is the same as a synchronous write and the
// simulation does not wait for Parquet encoding.
type taskWriter struct {
	dir  string
	out  *atomicFile
	w    *parquet.GenericWriter[TaskRow]
	pipe *pipe[taskRec]
	err  error // the writer goroutine's first error; read after shutdown
	// stats is owned by the writer goroutine until shutdown returns: it
	// computes the statistics from the rows exactly as `allocsim report`
	// does from the file.
	stats *metrics.TaskStats
	enc   rowEncoder
	// Rows written ahead (nil without): chunks whose marker has come are
	// copied in at the next row-group boundary of the ended rows.
	open    *openWriter
	sweep   *liveSweep // the frameworks' state at the samples (writer goroutine)
	written int64      // ended rows written (writer goroutine)
	pending []int
}

// rowEncoder turns records into rows, writes them and adds them to stats.
type rowEncoder struct {
	names *names // read-only
	rows  []TaskRow
	slots []taskSlot
	st    metrics.Task
}

func (e *rowEncoder) write(w *parquet.GenericWriter[TaskRow], stats *metrics.TaskStats, recs []taskRec) error {
	if len(e.rows) < len(recs) {
		e.rows = make([]TaskRow, len(recs))
		e.slots = make([]taskSlot, len(recs))
	}
	rows := e.rows[:len(recs)]
	for i := range recs {
		fillRow(&rows[i], &e.slots[i], &recs[i], e.names)
	}
	if _, err := w.Write(rows); err != nil {
		return err
	}
	for i := range recs {
		if err := statTask(&e.st, &recs[i]); err != nil {
			return err
		}
		stats.Add(&e.st)
	}
	return nil
}

func newTaskWriter(dir string, nm *names, open *openWriter, sweep *liveSweep) (*taskWriter, error) {
	out, err := createAtomic(dir, TasksFile)
	if err != nil {
		return nil, err
	}
	tw := &taskWriter{
		dir:   dir,
		out:   out,
		w:     parquet.NewGenericWriter[TaskRow](out, writerOptions()...),
		stats: metrics.NewTaskStats(),
		enc:   rowEncoder{names: nm},
		open:  open,
		sweep: sweep,
	}
	tw.pipe = newRecPipe(tw.consume)
	return tw, nil
}

// consume writes a batch of ended attempts. At each row-group boundary (a
// multiple of rowGroupRows ended rows) it copies in the chunks of rows
// written ahead whose markers came before: where they land depends only on
// the order of the records, not on when the goroutines ran.
func (tw *taskWriter) consume(recs []taskRec) {
	start := 0
	for i := range recs {
		if recs[i].marker {
			tw.write(recs[start:i])
			start = i + 1
			tw.pending = append(tw.pending, int(recs[i].seq))
			continue
		}
		if (tw.written+int64(i-start)+1)%rowGroupRows == 0 {
			tw.write(recs[start : i+1])
			start = i + 1
			tw.copyPending()
		}
	}
	tw.write(recs[start:])
}

func (tw *taskWriter) write(recs []taskRec) {
	if len(recs) > 0 && tw.err == nil {
		tw.err = tw.enc.write(tw.w, tw.stats, recs)
	}
	for i := range recs {
		if tw.err == nil {
			tw.err = tw.sweep.record(&recs[i], 1)
		}
	}
	tw.written += int64(len(recs))
}

func (tw *taskWriter) copyPending() {
	for _, c := range tw.pending {
		ch := tw.open.take(c)
		if tw.err == nil {
			tw.err = copyChunk(tw.w, ch)
		}
	}
	tw.pending = tw.pending[:0]
}

// marker tells the writer goroutine that chunk c of the rows written ahead
// is complete.
func (tw *taskWriter) marker(c int) {
	r := tw.pipe.next()
	*r = taskRec{seq: int64(c), marker: true}
	tw.pipe.commit()
}

// names resolves ids to names for the rows.
type names struct {
	frameworks []string
	fwRole     []int32
	roles      []string
	cluster    *allocator.Cluster
}

func (n *names) framework(id allocator.FrameworkID) string {
	if int(id) < len(n.frameworks) {
		return n.frameworks[id]
	}
	return fmt.Sprintf("framework-%d", id)
}

func (n *names) role(fw allocator.FrameworkID) (int32, string) {
	if int(fw) < len(n.fwRole) {
		r := n.fwRole[fw]
		if int(r) < len(n.roles) {
			return r, n.roles[r]
		}
		return r, fmt.Sprintf("role-%d", r)
	}
	return -1, ""
}

// add copies the ended attempt for the writer goroutine: all the engine
// goroutine pays per task is this copy.
func (tw *taskWriter) add(t *sim.Task) {
	copyTask(tw.pipe.next(), t)
	tw.pipe.commit()
}

// shutdown hands over the last batch and waits for the writer goroutine.
func (tw *taskWriter) shutdown() error {
	tw.pipe.shutdown()
	return tw.err
}

func (tw *taskWriter) close() error {
	err := tw.shutdown()
	if err == nil {
		err = tw.w.Close()
	}
	if err != nil {
		tw.out.Abort()
		return err
	}
	return tw.out.Commit()
}

// closeWithout closes the file without the rows written ahead (outcome
// running, ending at the horizon) of the listed task ids: a copy of it, row
// groups without any of them copied verbatim. It is the slow path of rows
// written ahead that were retracted after they had been copied in, or of a
// run that stopped before its horizon; the attempts' real rows stay.
func (tw *taskWriter) closeWithout(drop map[int64]bool, horizon allocator.Time) error {
	err := tw.shutdown()
	if err == nil {
		err = tw.w.Close()
	}
	if err == nil {
		err = tw.out.w.Flush()
	}
	defer tw.out.Abort()
	if err != nil {
		return err
	}
	st, err := tw.out.f.Stat()
	if err != nil {
		return err
	}
	f, err := parquet.OpenFile(tw.out.f, st.Size())
	if err != nil {
		return fmt.Errorf("reading back %s: %w", TasksFile, err)
	}
	out, err := createAtomic(tw.dir, TasksFile)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[TaskRow](out, writerOptions()...)
	end := horizon.Seconds()
	written := func(r *TaskRow) bool { return drop[r.TaskID] && r.Outcome == OutcomeRunning && r.EndS == end }
	for _, rg := range f.RowGroups() {
		// Most row groups hold none of the rows: their task ids say so
		// without decoding the rows.
		hit, err := holdsTaskID(rg, drop)
		if err == nil {
			var d func(*TaskRow) bool
			if hit {
				d = written
			}
			err = copyRowGroup(w, rg, d)
		}
		if err != nil {
			out.Abort()
			return err
		}
	}
	if err := w.Close(); err != nil {
		out.Abort()
		return err
	}
	return out.Commit()
}

// abort stops the writer and removes the temporary file.
func (tw *taskWriter) abort() {
	tw.shutdown()
	tw.out.Abort()
}

// StatTask converts a row read back from tasks.parquet for the statistics;
// it gives the same values as the collector computed during the run.
func (r *TaskRow) StatTask() (metrics.Task, error) {
	m := metrics.Task{
		Job: r.JobID, Framework: r.FrameworkID, Priority: r.Priority, Class: r.Class,
		Submit: r.SubmitS, Ready: r.ReadyS, End: r.EndS, Started: r.StartS != nil,
		Service: r.Service,
	}
	if r.StartS != nil {
		m.Start = *r.StartS
	}
	if r.Outcome == OutcomeRunning {
		m.Running = true
		return m, nil
	}
	o, err := allocator.ParseOutcome(r.Outcome)
	if err != nil {
		return m, fmt.Errorf("task_id %d: outcome column: %w", r.TaskID, err)
	}
	m.Outcome = o
	return m, nil
}
