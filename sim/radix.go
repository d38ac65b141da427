package sim

import (
	"math/bits"

	"github.com/allocsim/allocsim/allocator"
)

// radixQueue is a monotone priority queue of events (a radix heap): the
// engine never schedules before the current time, so an event can be filed
// in the bucket given by the highest bit where its time differs from the
// last time popped. Bucket 0 holds events at exactly that time in
// scheduling order; when it runs dry, the lowest non-empty bucket is spread
// over the lower buckets around its minimum time. Each event moves at most
// 64 times (in practice a few), by appends in order — no comparisons of
// sequence numbers, and ties keep their scheduling order because
// redistribution is stable and always goes into empty buckets.
type radixQueue struct {
	b    [65][]event
	head int // consumed prefix of b[0]
	last allocator.Time
	n    int
	seq  uint64
}

func (q *radixQueue) Len() int { return q.n }

func (q *radixQueue) push(at allocator.Time, h HandlerID, arg int64) {
	q.seq++
	i := bits.Len64(uint64(at ^ q.last))
	q.b[i] = append(q.b[i], event{at: at, key: q.seq<<16 | uint64(h), arg: arg})
	q.n++
}

// refill makes b[0] non-empty; the queue must not be empty.
func (q *radixQueue) refill() {
	if q.head < len(q.b[0]) {
		return
	}
	q.b[0], q.head = q.b[0][:0], 0
	i := 1
	for len(q.b[i]) == 0 {
		i++
	}
	src := q.b[i]
	m := src[0].at
	for k := 1; k < len(src); k++ {
		m = min(m, src[k].at)
	}
	q.last = m
	for k := range src {
		j := bits.Len64(uint64(src[k].at ^ m))
		q.b[j] = append(q.b[j], src[k])
	}
	q.b[i] = src[:0]
}

// peek returns the earliest event; the queue must not be empty.
func (q *radixQueue) peek() *event {
	q.refill()
	return &q.b[0][q.head]
}

func (q *radixQueue) pop() event {
	q.refill()
	e := q.b[0][q.head]
	q.head++
	q.n--
	return e
}
