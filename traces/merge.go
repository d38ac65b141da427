package traces

import "io"

// machineTaskMerge interleaves a machine-event table with the task runs a
// lifecycle rebuilds from a task-event table, in time order (a machine event
// goes first on a tie). The Google 2011 and 2019 readers share it.
type machineTaskMerge struct {
	machNext MachineEvent
	machOK   bool // machNext holds an unread event
	machEOF  bool
	taskEOF  bool
	life     *lifecycle
}

// machineTaskReader reads one row of each table into the merge state.
type machineTaskReader interface {
	readMachine() error
	readTask() error
}

func (m *machineTaskMerge) next(r machineTaskReader, rec *Record) error {
	for {
		// Make sure a machine event is at hand (or the table is done).
		for !m.machOK && !m.machEOF {
			if err := r.readMachine(); err != nil {
				return err
			}
		}
		// Read task events until the queue head is ready, or the next
		// machine event is known to come first.
		for !m.taskEOF && !m.life.ready(false) {
			if m.machOK && m.life.n > 0 && m.machNext.Time <= m.life.headSubmit() {
				break
			}
			if m.machOK && m.life.n == 0 && m.life.readTime > m.machNext.Time {
				break
			}
			if err := r.readTask(); err != nil {
				return err
			}
		}
		taskReady := m.life.ready(m.taskEOF)
		if m.machOK && (!taskReady || m.machNext.Time <= m.life.headSubmit()) {
			rec.Kind = RecordMachine
			rec.Machine = m.machNext
			m.machOK = false
			return nil
		}
		if !taskReady {
			return io.EOF
		}
		if m.life.pop(&rec.Task) {
			rec.Kind = RecordTask
			return nil
		}
	}
}
