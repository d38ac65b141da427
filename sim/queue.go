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

// eventQueue is a 4-ary min-heap of events by (time, seq): shallower than a
// binary heap and its four children share a cache line or two.
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

func (q *eventQueue) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	last := q.h[n]
	q.h = q.h[:n]
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if q.h[j].before(&q.h[m]) {
				m = j
			}
		}
		if !q.h[m].before(&last) {
			break
		}
		q.h[i] = q.h[m]
		i = m
	}
	q.h[i] = last
	return top
}
