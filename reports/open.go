package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

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
// start order, in chunks of openChunkRows, each a small in-memory Parquet
// file of one row group. The tasks writer copies each chunk's row group
// verbatim into tasks.parquet at its first row-group boundary after the
// chunk was complete — a point fixed by the order of the records the engine
// hands over, so the file does not depend on goroutine timing — and Close
// copies the rest. If such an attempt ends before the horizon after all
// (killed, lost, preempted), the collector writes its real row the usual way
// and retracts the one written ahead: a chunk not yet copied is copied
// without it; if it was copied already, Close rewrites tasks.parquet without
// it. If the run stops before its horizon, every row written ahead is
// dropped the same way and the engine's final report of running attempts is
// written the usual way.
type openWriter struct {
	horizon allocator.Time
	pipe    *pipe[taskRec]
	added   int // records handed over (engine goroutine)
	err     error

	// Owned by the goroutine until shutdown returns.
	chunk     []taskRec     // records of the chunk being filled; retracted ones are marked
	chunkIdx  map[int64]int // seq → index in chunk; built at the first retraction
	stats     *metrics.TaskStats
	sweep     *liveSweep // rows written ahead count as running until the end; a retraction takes one back
	enc       rowEncoder
	w         *parquet.GenericWriter[TaskRow] // reused across chunks (Reset)
	lastBytes int                             // the last chunk's encoded size

	mu     sync.Mutex
	ready  *sync.Cond
	chunks []openChunk // encoded, in order
	drop   map[int64]bool
	dirty  bool // a retraction hit an encoded chunk: stats must be recomputed
}

// openChunk is one encoded chunk.
type openChunk struct {
	data      []byte         // a Parquet file of one row group
	seqs      []int64        // task ids of its rows, sorted
	retracted map[int64]bool // rows to leave out when copying; nil if none
	copied    bool           // in tasks.parquet already
}

// retractLate is a test's switch (SetRetractLate).
var retractLate bool

// openChunkRows bounds the rows encoded when the run stops (the last,
// partial chunk) and the records kept in memory.
var openChunkRows = 8 * 1024

func newOpenWriter(nm *names, horizon allocator.Time, sweep *liveSweep) *openWriter {
	o := &openWriter{
		horizon: horizon,
		chunk:   make([]taskRec, 0, openChunkRows),
		stats:   metrics.NewTaskStats(),
		enc:     rowEncoder{names: nm},
		drop:    map[int64]bool{},
		sweep:   sweep,
	}
	o.ready = sync.NewCond(&o.mu)
	o.pipe = newRecPipe(o.consume)
	return o
}

// runsPast reports whether the started attempt t will still be running at
// the horizon unless something ends it early (the engine ends a task at
// start + duration; events after the horizon never run).
func (o *openWriter) runsPast(t *sim.Task) bool {
	return t.Started && (t.Service() || t.Spec.Duration > o.horizon-t.Start)
}

// add writes the row t will have if it is still running at the horizon. It
// returns whether that completed a chunk: the caller then places a chunk
// marker in the tasks writer's stream (the chunk's records are handed over
// first, so the tasks writer never waits for a chunk that cannot come).
func (o *openWriter) add(t *sim.Task) (chunk int, complete bool) {
	r := o.pipe.next()
	copyTask(r, t)
	r.end, r.running = o.horizon, true
	o.pipe.commit()
	o.added++
	if o.added%openChunkRows != 0 {
		return 0, false
	}
	o.pipe.flush()
	return o.added/openChunkRows - 1, true
}

// retract drops the row written ahead for t, which ended before the horizon.
// The record is the one add handed over, so that the sweep can take it back.
func (o *openWriter) retract(t *sim.Task) {
	r := o.pipe.next()
	copyTask(r, t)
	r.end, r.running, r.retract = o.horizon, true, true
	o.pipe.commit()
}

func (o *openWriter) consume(recs []taskRec) {
	for i := range recs {
		r := &recs[i]
		if r.retract {
			o.fail(o.sweep.record(r, -1))
			o.retractSeq(r.seq)
			continue
		}
		o.fail(o.sweep.record(r, 1))
		if o.chunkIdx != nil {
			o.chunkIdx[r.seq] = len(o.chunk)
		}
		o.chunk = append(o.chunk, *r)
		if len(o.chunk) == openChunkRows {
			o.encodeChunk()
		}
	}
}

func (o *openWriter) retractSeq(seq int64) {
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
	o.mu.Lock()
	defer o.mu.Unlock()
	for ci := range o.chunks {
		c := &o.chunks[ci]
		if _, ok := slices.BinarySearch(c.seqs, seq); ok {
			o.dirty = true
			if c.copied || retractLate {
				o.drop[seq] = true
			} else {
				if c.retracted == nil {
					c.retracted = map[int64]bool{}
				}
				c.retracted[seq] = true
			}
			return
		}
	}
	o.fail(fmt.Errorf("row of task_id %d retracted but never written", seq))
}

func (o *openWriter) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// encodeChunk encodes the kept records of the chunk being filled and
// publishes it (an empty chunk too: chunk numbers follow the records).
func (o *openWriter) encodeChunk() {
	recs := slices.DeleteFunc(o.chunk, func(r taskRec) bool { return r.retract })
	o.chunk, o.chunkIdx = o.chunk[:0], nil
	c := openChunk{seqs: make([]int64, len(recs))}
	if len(recs) > 0 && o.err == nil {
		// Sized after the last chunk: growing from empty allocated each
		// chunk about twice over.
		buf := bytes.NewBuffer(make([]byte, 0, o.lastBytes+o.lastBytes/8))
		if o.w == nil {
			o.w = parquet.NewGenericWriter[TaskRow](buf, writerOptions()...)
		} else {
			o.w.Reset(buf) // keeps the column buffers of the last chunk
		}
		err := o.enc.write(o.w, o.stats, recs)
		if err == nil {
			err = o.w.Close()
		}
		o.fail(err)
		c.data = buf.Bytes()
		o.lastBytes = len(c.data)
	}
	for i := range recs {
		c.seqs[i] = recs[i].seq
	}
	slices.Sort(c.seqs)
	o.mu.Lock()
	o.chunks = append(o.chunks, c)
	o.ready.Broadcast()
	o.mu.Unlock()
}

// take waits until chunk i is encoded and marks it copied. The retracted
// rows it returns do not change afterwards (later retractions go to drop).
func (o *openWriter) take(i int) openChunk {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.chunks) <= i {
		o.ready.Wait()
	}
	o.chunks[i].copied = true
	return o.chunks[i]
}

// copyChunk appends chunk c's rows to dst as one row group: verbatim, or
// re-encoded without its retracted rows.
func copyChunk(dst *parquet.GenericWriter[TaskRow], c openChunk) error {
	rgs, err := c.rowGroups()
	if err != nil {
		return err
	}
	var drop func(*TaskRow) bool
	if c.retracted != nil {
		drop = func(r *TaskRow) bool { return c.retracted[r.TaskID] }
	}
	for _, rg := range rgs {
		if err := copyRowGroup(dst, rg, drop); err != nil {
			return err
		}
	}
	return nil
}

func (c *openChunk) rowGroups() ([]parquet.RowGroup, error) {
	if len(c.data) == 0 {
		return nil, nil
	}
	f, err := parquet.OpenFile(bytes.NewReader(c.data), int64(len(c.data)))
	if err != nil {
		return nil, fmt.Errorf("rows written ahead: %w", err)
	}
	return f.RowGroups(), nil
}

// copyRowGroup appends rg to dst: verbatim if drop is nil or leaves out
// none of its rows, else re-encoded without them (as one row group).
func copyRowGroup(dst *parquet.GenericWriter[TaskRow], rg parquet.RowGroup, drop func(*TaskRow) bool) error {
	if drop == nil {
		_, err := dst.WriteRowGroup(rg)
		return err
	}
	rows, err := readRowGroup(rg)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(rows, func(r TaskRow) bool { return drop(&r) })
	if len(kept) == int(rg.NumRows()) {
		_, err = dst.WriteRowGroup(rg)
		return err
	}
	if _, err := dst.Write(kept); err != nil {
		return err
	}
	return dst.Flush()
}

// holdsTaskID reports whether one of rg's rows has a task_id in ids,
// reading that column alone.
func holdsTaskID(rg parquet.RowGroup, ids map[int64]bool) (bool, error) {
	col, ok := rg.Schema().Lookup("task_id")
	if !ok {
		return false, errors.New("reading back rows: no task_id column")
	}
	pages := rg.ColumnChunks()[col.ColumnIndex].Pages()
	defer pages.Close()
	var buf []int64
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading back task ids: %w", err)
		}
		r, ok := p.Values().(parquet.Int64Reader)
		if !ok {
			parquet.Release(p)
			return false, errors.New("reading back task ids: not an int64 column")
		}
		buf = slices.Grow(buf[:0], int(p.NumValues()))[:p.NumValues()]
		n, err := r.ReadInt64s(buf)
		parquet.Release(p)
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("reading back task ids: %w", err)
		}
		for _, id := range buf[:n] {
			if ids[id] {
				return true, nil
			}
		}
	}
}

func readRowGroup(rg parquet.RowGroup) ([]TaskRow, error) {
	r := parquet.NewGenericRowGroupReader[TaskRow](rg)
	defer r.Close()
	rows := make([]TaskRow, rg.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading back rows: %w", err)
	}
	return rows[:n], nil
}

// finish encodes the last records. If the run reached its horizon it
// returns the statistics of every row written ahead that stays (copyRest
// then copies the chunks not copied yet); otherwise it marks every copied
// row to be dropped. drop lists the rows Close must take out of
// tasks.parquet.
func (o *openWriter) finish(reached bool) (stats *metrics.TaskStats, drop map[int64]bool, err error) {
	o.pipe.shutdown()
	o.encodeChunk()
	if o.err != nil {
		return nil, nil, o.err
	}
	if !reached {
		for _, c := range o.chunks {
			if c.copied {
				for _, s := range c.seqs {
					o.drop[s] = true
				}
			}
		}
		return nil, o.drop, nil
	}
	if !o.dirty {
		return o.stats, o.drop, nil
	}
	// Some rows were retracted after being encoded: recompute the
	// statistics of the rows that stay.
	stats = metrics.NewTaskStats()
	for _, c := range o.chunks {
		rgs, err := c.rowGroups()
		if err != nil {
			return nil, nil, err
		}
		for _, rg := range rgs {
			rows, err := readRowGroup(rg)
			if err != nil {
				return nil, nil, err
			}
			for i := range rows {
				if c.retracted[rows[i].TaskID] || o.drop[rows[i].TaskID] {
					continue
				}
				m, err := rows[i].StatTask()
				if err != nil {
					return nil, nil, err
				}
				stats.Add(&m)
			}
		}
	}
	return stats, o.drop, nil
}

// copyRest appends the chunks not copied yet to dst, in order.
func (o *openWriter) copyRest(dst *parquet.GenericWriter[TaskRow]) error {
	for i := range o.chunks {
		if !o.chunks[i].copied {
			if err := copyChunk(dst, o.take(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// discard stops the goroutine and frees the rows.
func (o *openWriter) discard() {
	o.pipe.shutdown()
	o.mu.Lock()
	o.chunks = nil
	o.mu.Unlock()
}
