package traces

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/allocsim/allocsim/allocator"
)

// lifeReader is a reader built on the Borg lifecycle (Google 2011, 2019).
type lifeReader interface {
	Reader
	lifecycleOf() *lifecycle
}

// ExactRuns reads a Google trace twice so that runs longer than the
// lookahead get their true run time instead of "still running", in bounded
// memory. The first pass records the end of every run that was emitted
// before its end (its submit-order number, start, run time, outcome) and
// sorts these records by submit order in chunks spilled to tmpDir; the
// second pass, identical to the first, merges them back in. A run that the
// trace ended before it was ever scheduled is dropped in the second pass
// ("exact_dropped_never_ran"). Only runs still open at the end of the input
// stay "still running". open must return a fresh google2011 or google2019
// reader each time.
func ExactRuns(open func() (Reader, error), tmpDir string) (Reader, error) {
	r1, err := open()
	if err != nil {
		return nil, err
	}
	lr1, ok := r1.(lifeReader)
	if !ok {
		r1.Close()
		return nil, fmt.Errorf("exact run times need a Google 2011 or 2019 reader")
	}
	sp := &spiller{dir: tmpDir}
	lr1.lifecycleOf().lateEnd = sp.add
	var rec Record
	for {
		err := r1.Next(&rec)
		if err == io.EOF {
			break
		}
		if err == nil {
			err = sp.err
		}
		if err != nil {
			r1.Close()
			sp.cleanup()
			return nil, err
		}
	}
	lr1.lifecycleOf().flushLate()
	if err := errors.Join(r1.Close(), sp.finish()); err != nil {
		sp.cleanup()
		return nil, err
	}
	r2, err := open()
	if err != nil {
		sp.cleanup()
		return nil, err
	}
	m, err := sp.merger()
	if err != nil {
		r2.Close()
		sp.cleanup()
		return nil, err
	}
	return &exactReader{r: r2.(lifeReader), ends: m, sp: sp}, nil
}

// spiller collects late ends in chunks sorted by seq; full chunks go to
// temporary files.
type spiller struct {
	dir   string
	buf   []lateEnd
	files []string
	err   error
}

// spillChunk is the number of late ends per sorted chunk (≈ 13 MB); a var
// so that tests can force spilling.
var spillChunk = 1 << 19

func (s *spiller) add(e lateEnd) {
	s.buf = append(s.buf, e)
	if len(s.buf) == spillChunk && s.err == nil {
		s.err = s.spill()
	}
}

func (s *spiller) spill() error {
	slices.SortFunc(s.buf, func(a, b lateEnd) int { return cmp.Compare(a.seq, b.seq) })
	f, err := os.CreateTemp(s.dir, ".allocsim-late-ends-*.bin")
	if err != nil {
		return err
	}
	s.files = append(s.files, f.Name())
	w := bufio.NewWriter(f)
	var b [lateEndSize]byte
	for i := range s.buf {
		encodeLateEnd(&b, &s.buf[i])
		w.Write(b[:])
	}
	s.buf = s.buf[:0]
	return errors.Join(w.Flush(), f.Close())
}

// finish sorts what is left in memory (spilling it too when files exist).
func (s *spiller) finish() error {
	if s.err != nil {
		return s.err
	}
	if len(s.files) > 0 && len(s.buf) > 0 {
		return s.spill()
	}
	slices.SortFunc(s.buf, func(a, b lateEnd) int { return cmp.Compare(a.seq, b.seq) })
	return nil
}

func (s *spiller) cleanup() {
	for _, f := range s.files {
		os.Remove(f)
	}
	s.files = nil
}

const lateEndSize = 8 + 8 + 8 + 1 + 1

func encodeLateEnd(b *[lateEndSize]byte, e *lateEnd) {
	binary.LittleEndian.PutUint64(b[0:], uint64(e.seq))
	binary.LittleEndian.PutUint64(b[8:], uint64(e.start))
	binary.LittleEndian.PutUint64(b[16:], uint64(e.run))
	b[24] = byte(e.outcome)
	b[25] = 0
	if e.ran {
		b[25] = 1
	}
}

func decodeLateEnd(b []byte) lateEnd {
	return lateEnd{seq: int64(binary.LittleEndian.Uint64(b[0:])), start: allocator.Time(binary.LittleEndian.Uint64(b[8:])),
		run: allocator.Time(binary.LittleEndian.Uint64(b[16:])), outcome: allocator.Outcome(b[24]), ran: b[25] == 1}
}

// endStream yields late ends in seq order: from memory, or by a k-way merge
// of the spilled chunks.
type endStream struct {
	mem   []lateEnd
	files []*os.File
	h     chunkHeap
}

type chunkHead struct {
	e lateEnd
	r *bufio.Reader
}

type chunkHeap []chunkHead

func (h chunkHeap) Len() int           { return len(h) }
func (h chunkHeap) Less(i, j int) bool { return h[i].e.seq < h[j].e.seq }
func (h chunkHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *chunkHeap) Push(x any)        { *h = append(*h, x.(chunkHead)) }
func (h *chunkHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (s *spiller) merger() (*endStream, error) {
	m := &endStream{}
	if len(s.files) == 0 {
		m.mem = s.buf
		return m, nil
	}
	for _, name := range s.files {
		f, err := os.Open(name)
		if err != nil {
			m.close()
			return nil, err
		}
		m.files = append(m.files, f)
		r := bufio.NewReaderSize(f, 64<<10)
		if e, ok, err := readLateEnd(r); err != nil {
			m.close()
			return nil, err
		} else if ok {
			m.h = append(m.h, chunkHead{e, r})
		}
	}
	heap.Init(&m.h)
	return m, nil
}

func readLateEnd(r *bufio.Reader) (lateEnd, bool, error) {
	var b [lateEndSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		if err == io.EOF {
			return lateEnd{}, false, nil
		}
		return lateEnd{}, false, err
	}
	return decodeLateEnd(b[:]), true, nil
}

// peek returns the smallest remaining record.
func (m *endStream) peek() (lateEnd, bool) {
	if m.files == nil {
		if len(m.mem) == 0 {
			return lateEnd{}, false
		}
		return m.mem[0], true
	}
	if len(m.h) == 0 {
		return lateEnd{}, false
	}
	return m.h[0].e, true
}

func (m *endStream) pop() error {
	if m.files == nil {
		m.mem = m.mem[1:]
		return nil
	}
	e, ok, err := readLateEnd(m.h[0].r)
	if err != nil {
		return err
	}
	if ok {
		m.h[0].e = e
		heap.Fix(&m.h, 0)
	} else {
		heap.Pop(&m.h)
	}
	return nil
}

func (m *endStream) close() {
	for _, f := range m.files {
		f.Close()
	}
}

type exactReader struct {
	r     lifeReader
	ends  *endStream
	sp    *spiller
	stats Stats
}

func (x *exactReader) Next(rec *Record) error {
	for {
		if err := x.r.Next(rec); err != nil {
			return err
		}
		if rec.Kind != RecordTask || rec.Task.Run != allocator.Never {
			return nil
		}
		seq := x.r.lifecycleOf().lastSeq
		e, ok := x.ends.peek()
		for ok && e.seq < seq {
			if err := x.ends.pop(); err != nil {
				return err
			}
			e, ok = x.ends.peek()
		}
		if !ok || e.seq != seq {
			return nil // still open at the end of the input
		}
		if err := x.ends.pop(); err != nil {
			return err
		}
		if !e.ran {
			x.stats.Add("exact_dropped_never_ran", 1)
			continue
		}
		if e.run == allocator.Never { // started late, still running at the end
			rec.Task.Start = e.start
			x.stats.Add("exact_start_from_second_pass", 1)
			return nil
		}
		rec.Task.Start, rec.Task.Run, rec.Task.Outcome = e.start, e.run, e.outcome
		x.stats.Add("exact_run_from_second_pass", 1)
		return nil
	}
}

func (x *exactReader) Stats() *Stats {
	out := x.r.Stats()
	for k, v := range x.stats.Map() {
		out.Add(k, v)
	}
	return out
}

func (x *exactReader) Close() error {
	x.ends.close()
	x.sp.cleanup()
	return x.r.Close()
}
