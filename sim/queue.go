package sim

import "github.com/allocsim/allocsim/allocator"

// HandlerID names a handler registered with Engine.RegisterHandler.
type HandlerID uint16

// Handler handles events it scheduled with Engine.At. arg is whatever the
// scheduler passed (a task id and generation, an agent id, …), so events
// carry no closures and scheduling does not allocate.
type Handler interface {
	Handle(now allocator.Time, arg int64)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(now allocator.Time, arg int64)

// Handle calls f.
func (f HandlerFunc) Handle(now allocator.Time, arg int64) { f(now, arg) }

// event is 24 bytes: time, then a key whose high 48 bits are the sequence
// number (ties at equal time go in scheduling order) and low 16 bits the
// handler, then the argument.
type event struct {
	at  allocator.Time
	key uint64
	arg int64
}

func (a *event) before(b *event) bool {
	return a.at < b.at || (a.at == b.at && a.key < b.key)
}

func (a *event) handler() HandlerID { return HandlerID(a.key & 0xffff) }

// eventQueue is a 4-ary min-heap of events by (time, seq). The engine uses
// the radix queue (radix.go), which is several times faster for its
// monotone clock; the heap stays as the reference it is tested and
// benchmarked against (BenchmarkQueue).
type eventQueue struct {
	h   []event
	seq uint64
}

func (q *eventQueue) Len() int { return len(q.h) }

func (q *eventQueue) push(at allocator.Time, h HandlerID, arg int64) {
	q.seq++
	e := event{at: at, key: q.seq<<16 | uint64(h), arg: arg}
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) >> 2
		if !e.before(&q.h[p]) {
			break
		}
		q.h[i] = q.h[p]
		i = p
	}
	q.h[i] = e
}

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() *event { return &q.h[0] }

// pop removes the earliest event. It moves the hole at the root down along
// the smallest children to the bottom and then sifts the last event up from
// there ("bottom-up" deletion): the last event usually belongs near the
// bottom, so this saves the comparison with it at every level.
func (q *eventQueue) pop() event {
	h := q.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	q.h = h
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c+3 < n {
			// All four children exist: pick the smallest in two rounds.
			a, b := c, c+2
			if h[c+1].before(&h[c]) {
				a = c + 1
			}
			if h[c+3].before(&h[c+2]) {
				b = c + 3
			}
			if h[b].before(&h[a]) {
				a = b
			}
			h[i] = h[a]
			i = a
			continue
		}
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < n; j++ {
			if h[j].before(&h[m]) {
				m = j
			}
		}
		h[i] = h[m]
		i = m
		break
	}
	for i > 0 {
		p := (i - 1) >> 2
		if !last.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = last
	return top
}
