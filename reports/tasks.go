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
type TaskRow struct {
	TaskID      int64    `parquet:"task_id"` // run-wide attempt number, in submission order
	JobID       int64    `parquet:"job_id"`
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

// taskBatch is a batch of ended attempts, copied by the engine goroutine.
type taskBatch struct {
	tasks []sim.Task
}

func newTaskBatch() *taskBatch {
	return &taskBatch{tasks: make([]sim.Task, 0, taskBatchRows)}
}

// taskWriter streams TaskRows to tasks.parquet. The engine goroutine only
// copies ended attempts into batches; one writer goroutine turns them into
// rows, adds them to the statistics, encodes and compresses them, in order,
// so the file is the same as a synchronous write and the simulation does not
// wait for Parquet encoding. A fixed pool of batches bounds memory (and
// applies back-pressure when the writer falls behind).
type taskWriter struct {
	out  *atomicFile
	w    *parquet.GenericWriter[TaskRow]
	cur  *taskBatch
	free chan *taskBatch
	full chan *taskBatch
	done chan struct{}
	err  error // the writer goroutine's first error; read after done
	n    int64
	shut bool
	// stats is owned by the writer goroutine until shutdown returns: it
	// computes the statistics from the rows exactly as `allocsim report`
	// does from the file.
	stats *metrics.TaskStats
	st    metrics.Task
	names *names // read-only
	// rows and slots are the writer goroutine's: the rows it makes of a batch.
	rows  []TaskRow
	slots []taskSlot
}

const (
	taskBatchRows = 1024
	taskBatches   = 32
)

func newTaskWriter(dir string, nm *names) (*taskWriter, error) {
	out, err := createAtomic(dir, TasksFile)
	if err != nil {
		return nil, err
	}
	tw := &taskWriter{
		out:   out,
		w:     parquet.NewGenericWriter[TaskRow](out, writerOptions()...),
		free:  make(chan *taskBatch, taskBatches),
		full:  make(chan *taskBatch, taskBatches),
		done:  make(chan struct{}),
		stats: metrics.NewTaskStats(),
		names: nm,
		rows:  make([]TaskRow, taskBatchRows),
		slots: make([]taskSlot, taskBatchRows),
	}
	for range taskBatches - 1 {
		tw.free <- newTaskBatch()
	}
	tw.cur = newTaskBatch()
	go tw.loop()
	return tw, nil
}

func (tw *taskWriter) loop() {
	defer close(tw.done)
	for b := range tw.full {
		rows := tw.rows[:len(b.tasks)]
		for i := range b.tasks {
			fillRow(&rows[i], &tw.slots[i], &b.tasks[i], tw.names)
		}
		if tw.err == nil {
			_, tw.err = tw.w.Write(rows)
		}
		if tw.err == nil {
			for i := range b.tasks {
				if tw.err = statTask(&tw.st, &b.tasks[i]); tw.err != nil {
					break
				}
				tw.stats.Add(&tw.st)
			}
		}
		b.tasks = b.tasks[:0]
		tw.free <- b
	}
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

// add copies the ended attempt into the batch and hands a full batch to the
// writer: all the engine goroutine pays per task is this copy.
func (tw *taskWriter) add(t *sim.Task) {
	b := tw.cur
	b.tasks = append(b.tasks, *t)
	tw.n++
	if len(b.tasks) == taskBatchRows {
		tw.full <- b
		tw.cur = <-tw.free
	}
}

// fillRow makes the row of an attempt; the optional columns point into s.
func fillRow(r *TaskRow, s *taskSlot, t *sim.Task, nm *names) {
	sp := &t.Spec
	roleID, role := nm.role(sp.Framework)
	*r = TaskRow{
		TaskID: t.Seq, JobID: sp.Job, TaskIndex: sp.Index, Attempt: t.Attempt,
		FrameworkID: int32(sp.Framework), Framework: nm.framework(sp.Framework),
		RoleID: roleID, Role: role, Priority: sp.Priority, Class: int32(sp.Class),
		CPUMilli: sp.Req.Res[allocator.CPU], MemMiB: sp.Req.Res[allocator.Mem],
		DiskMiB: sp.Req.Res[allocator.Disk], GPUMilli: sp.Req.Res[allocator.GPU],
		Service: t.Service(), SubmitS: sp.Submit.Seconds(), ReadyS: t.Ready.Seconds(),
		EndS: t.End.Seconds(), Outcome: outcomeName(t),
	}
	if !r.Service {
		s.dur = sp.Duration.Seconds()
		r.DurationS = &s.dur
	}
	if t.Started {
		s.start = t.Start.Seconds()
		s.wait = (t.Start - t.Ready).Seconds()
		s.run = (t.End - t.Start).Seconds()
		s.agentID = int32(t.Placement.Agent)
		r.StartS, r.WaitS, r.RunS, r.AgentID = &s.start, &s.wait, &s.run, &s.agentID
		r.GPUDevices = int32(t.Placement.Devices.Count())
	}
}

// shutdown hands over the last batch and waits for the writer goroutine.
func (tw *taskWriter) shutdown() error {
	if !tw.shut {
		tw.shut = true
		if len(tw.cur.tasks) > 0 {
			tw.full <- tw.cur
		}
		close(tw.full)
		<-tw.done
	}
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

// abort stops the writer and removes the temporary file.
func (tw *taskWriter) abort() {
	tw.shutdown()
	tw.out.Abort()
}

func outcomeName(t *sim.Task) string {
	if t.State == sim.StateRunning {
		return OutcomeRunning
	}
	return t.Outcome.String()
}

// statTask is StatTask of the row fillRow makes of t, straight from the
// attempt (no outcome name to parse): the same values, field by field.
func statTask(m *metrics.Task, t *sim.Task) error {
	sp := &t.Spec
	*m = metrics.Task{
		Job: sp.Job, Framework: int32(sp.Framework), Priority: sp.Priority, Class: int32(sp.Class),
		Submit: sp.Submit.Seconds(), Ready: t.Ready.Seconds(), End: t.End.Seconds(), Started: t.Started,
		Service: t.Service(),
	}
	if t.Started {
		m.Start = t.Start.Seconds()
	}
	switch {
	case t.State == sim.StateRunning:
		m.Running = true
	case t.Outcome >= allocator.NumOutcomes:
		return fmt.Errorf("task_id %d: unknown outcome %d", t.Seq, t.Outcome)
	default:
		m.Outcome = t.Outcome
	}
	return nil
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
