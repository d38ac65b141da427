package reports

import (
	"sync"
	"time"
)

// pipe hands fixed-size batches of rows from the engine goroutine to one
// consumer goroutine, in order. A fixed pool of batches bounds memory and
// applies back-pressure when the consumer falls behind.
//
// The consumer polls for full batches (sleeping, with backoff, when there
// are none) instead of blocking on a channel the engine sends to: waking a
// parked goroutine from the engine goroutine queues it on the engine's own
// processor, and on a two-core machine the engine then lost up to a
// scheduler time slice per hand-over — measured (go tool trace, scheduler
// latency) at 1–2 ms per batch, about 0.15 s per run of the default
// scenario. Only back-pressure (no free batch) makes the engine wait.
type pipe[T any] struct {
	cur    []T
	size   int
	mu     sync.Mutex
	queue  [][]T // full batches, oldest first
	closed bool
	free   chan []T
	wake   chan struct{} // cuts the consumer's sleep short once closed
	done   chan struct{}
	shut   bool
}

// Consumer polling bounds: the first sleep after finding nothing, and the
// longest (reached while the pipe stays empty).
const (
	pipeMinSleep = 50 * time.Microsecond
	pipeMaxSleep = 5 * time.Millisecond
)

func newPipe[T any](size, batches int, consume func([]T)) *pipe[T] {
	p := &pipe[T]{size: size, free: make(chan []T, batches), wake: make(chan struct{}, 1), done: make(chan struct{})}
	for range batches - 1 {
		p.free <- make([]T, 0, size)
	}
	p.cur = make([]T, 0, size)
	go p.loop(consume)
	return p
}

func (p *pipe[T]) loop(consume func([]T)) {
	defer close(p.done)
	sleep := pipeMinSleep
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		var b []T
		if len(p.queue) > 0 {
			b = p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
		}
		closed := p.closed
		p.mu.Unlock()
		if b == nil {
			if closed {
				return
			}
			timer.Reset(sleep)
			select {
			case <-timer.C:
			case <-p.wake:
			}
			sleep = min(2*sleep, pipeMaxSleep)
			continue
		}
		sleep = pipeMinSleep
		consume(b)
		p.free <- b[:0] // never blocks: free holds every batch
	}
}

// next returns the slot for the next row; commit hands it over.
func (p *pipe[T]) next() *T {
	p.cur = p.cur[:len(p.cur)+1]
	return &p.cur[len(p.cur)-1]
}

func (p *pipe[T]) commit() {
	if len(p.cur) == p.size {
		p.push(p.cur)
		p.cur = <-p.free
	}
}

// flush hands over the current batch now, full or not.
func (p *pipe[T]) flush() {
	if len(p.cur) > 0 {
		p.push(p.cur)
		p.cur = <-p.free
	}
}

func (p *pipe[T]) push(b []T) {
	p.mu.Lock()
	p.queue = append(p.queue, b)
	p.mu.Unlock()
}

// close hands over the last batch and tells the consumer to finish, without
// waiting: several pipes then drain at the same time.
func (p *pipe[T]) close() {
	if p.shut {
		return
	}
	p.shut = true
	p.mu.Lock()
	if len(p.cur) > 0 {
		p.queue = append(p.queue, p.cur)
	}
	p.closed = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// shutdown closes the pipe and waits until the consumer is done.
func (p *pipe[T]) shutdown() {
	p.close()
	<-p.done
}
