package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
	"github.com/parquet-go/parquet-go"
)

// openWriter writes, ahead of time, the rows of attempts that will still be
// running when the run reaches its horizon: services, and tasks whose start
// plus duration lies beyond it. Without it the run's last instant hands the
// writer all of them at once (~380k of the default scenario's 1M attempts),
// and encoding them after the simulation had finished was the largest part
// of what collecting metrics cost in wall time.
//
// The rows are encoded while the simulation runs, on their own goroutine, in
// start order, into an in-memory Parquet file in row groups of openChunkRows
// (about 50 bytes a row: less than the engine keeps per running task);
// Close copies those row groups verbatim to the end of tasks.parquet. If such
// an attempt ends before the horizon after all (killed, lost, preempted), the
// collector writes its real row the usual way and retracts the open one: a
// row group that held it is re-encoded without it, and the statistics of the
// open rows are recomputed. If the run stops before its horizon, the open
// rows are dropped and the engine's final report of running attempts is
// written the usual way.
type openWriter struct {
	horizon allocator.Time
	buf     bytes.Buffer
	w       *parquet.GenericWriter[TaskRow]
	pipe    *pipe[taskRec]
	err     error // the goroutine's first error; read after shutdown

	// Owned by the goroutine until shutdown returns.
	chunk    []taskRec     // open records not yet encoded; retracted ones are marked
	chunkIdx map[int64]int // seq → index in chunk; built at the first retraction
	groups   []openGroup   // encoded row groups, in file order
	stats    *metrics.TaskStats
	dirty    bool // a retraction hit an encoded row: stats must be recomputed
	enc      rowEncoder
}

// openGroup is one encoded row group of the temporary file.
type openGroup struct {
	seqs      []int64        // task ids of its rows, sorted
	retracted map[int64]bool // rows to leave out; nil if none
}

// openChunkRows bounds the rows encoded when the run stops (the last,
// partial row group) and the records kept in memory.
var openChunkRows = 8 * 1024

func newOpenWriter(nm *names, horizon allocator.Time) *openWriter {
	o := &openWriter{
		horizon: horizon,
		chunk:   make([]taskRec, 0, openChunkRows),
		stats:   metrics.NewTaskStats(),
		enc:     rowEncoder{names: nm},
	}
	o.w = parquet.NewGenericWriter[TaskRow](&o.buf, writerOptions()...)
	o.pipe = newRecPipe(o.consume)
	return o
}

// runsPast reports whether the started attempt t will still be running at
// the horizon unless something ends it early (the engine ends a task at
// start + duration; events after the horizon never run).
func (o *openWriter) runsPast(t *sim.Task) bool {
	return t.Started && (t.Service() || t.Spec.Duration > o.horizon-t.Start)
}

// add writes the row t will have if it is still running at the horizon.
func (o *openWriter) add(t *sim.Task) {
	r := o.pipe.next()
	copyTask(r, t)
	r.end, r.running = o.horizon, true
	o.pipe.commit()
}

// retract drops the open row of t, which ended before the horizon.
func (o *openWriter) retract(t *sim.Task) {
	r := o.pipe.next()
	*r = taskRec{seq: t.Seq, retract: true}
	o.pipe.commit()
}

func (o *openWriter) consume(recs []taskRec) {
	for i := range recs {
		r := &recs[i]
		if r.retract {
			o.drop(r.seq)
			continue
		}
		if o.chunkIdx != nil {
			o.chunkIdx[r.seq] = len(o.chunk)
		}
		o.chunk = append(o.chunk, *r)
		if len(o.chunk) == openChunkRows {
			o.encodeChunk()
		}
	}
}

func (o *openWriter) drop(seq int64) {
	if o.chunkIdx == nil {
		o.chunkIdx = make(map[int64]int, len(o.chunk))
		for i := range o.chunk {
			o.chunkIdx[o.chunk[i].seq] = i
		}
	}
	if i, ok := o.chunkIdx[seq]; ok {
		o.chunk[i].retract = true
		delete(o.chunkIdx, seq)
		return
	}
	for gi := range o.groups {
		g := &o.groups[gi]
		if _, ok := slices.BinarySearch(g.seqs, seq); ok {
			if g.retracted == nil {
				g.retracted = map[int64]bool{}
			}
			g.retracted[seq] = true
			o.dirty = true
			return
		}
	}
	o.fail(fmt.Errorf("open row of task_id %d retracted but never written", seq))
}

func (o *openWriter) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// encodeChunk writes the kept records of the chunk as one row group.
func (o *openWriter) encodeChunk() {
	recs := slices.DeleteFunc(o.chunk, func(r taskRec) bool { return r.retract })
	o.chunk, o.chunkIdx = o.chunk[:0], nil
	if len(recs) == 0 || o.err != nil {
		return
	}
	if err := o.enc.write(o.w, o.stats, recs); err != nil {
		o.fail(err)
		return
	}
	if err := o.w.Flush(); err != nil { // ends the row group
		o.fail(err)
		return
	}
	g := openGroup{seqs: make([]int64, len(recs))}
	for i := range recs {
		g.seqs[i] = recs[i].seq
	}
	slices.Sort(g.seqs)
	o.groups = append(o.groups, g)
}

// finish encodes the last records and ends the in-memory file. It returns
// the statistics of the rows that splice will copy.
func (o *openWriter) finish() (*metrics.TaskStats, error) {
	o.pipe.shutdown()
	o.encodeChunk()
	if o.err != nil {
		return nil, o.err
	}
	if err := o.w.Close(); err != nil {
		return nil, err
	}
	if !o.dirty {
		return o.stats, nil
	}
	stats := metrics.NewTaskStats()
	err := o.eachGroup(true, func(_ parquet.RowGroup, rows []TaskRow, _ bool) error {
		for i := range rows {
			m, err := rows[i].StatTask()
			if err != nil {
				return err
			}
			stats.Add(&m)
		}
		return nil
	})
	return stats, err
}

// eachGroup opens the temporary file and calls fn with each row group and,
// if all is set or the group has retracted rows (dirty), its kept rows.
func (o *openWriter) eachGroup(all bool, fn func(rg parquet.RowGroup, rows []TaskRow, dirty bool) error) error {
	f, err := parquet.OpenFile(bytes.NewReader(o.buf.Bytes()), int64(o.buf.Len()))
	if err != nil {
		return fmt.Errorf("reading back the open rows: %w", err)
	}
	rgs := f.RowGroups()
	if len(rgs) != len(o.groups) {
		return fmt.Errorf("open rows: %d row groups written, %d read back", len(o.groups), len(rgs))
	}
	for i, rg := range rgs {
		var rows []TaskRow
		g := &o.groups[i]
		dirty := g.retracted != nil
		if all || dirty {
			if rows, err = readRowGroup(rg); err != nil {
				return err
			}
			rows = slices.DeleteFunc(rows, func(r TaskRow) bool { return g.retracted[r.TaskID] })
		}
		if err := fn(rg, rows, dirty); err != nil {
			return err
		}
	}
	return nil
}

func readRowGroup(rg parquet.RowGroup) ([]TaskRow, error) {
	r := parquet.NewGenericRowGroupReader[TaskRow](rg)
	defer r.Close()
	rows := make([]TaskRow, rg.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading back the open rows: %w", err)
	}
	return rows[:n], nil
}

// splice appends the open rows to dst: row groups copied verbatim, or the
// kept rows of a group with retracted ones.
func (o *openWriter) splice(dst *parquet.GenericWriter[TaskRow]) error {
	return o.eachGroup(false, func(rg parquet.RowGroup, rows []TaskRow, dirty bool) error {
		var err error
		if dirty {
			_, err = dst.Write(rows)
		} else {
			_, err = dst.WriteRowGroup(rg)
		}
		return err
	})
}

// discard stops the goroutine and frees the rows.
func (o *openWriter) discard() {
	o.pipe.shutdown()
	o.buf = bytes.Buffer{}
}
