package offers

import (
	"sort"

	"github.com/allocsim/allocsim/sim"
)

// queue is a framework's pending tasks: by priority (higher first), then in
// the order they became pending. Entries remember the task's Seq so that an
// entry whose task ended or started (and whose slot was reused) is dropped.
type queue struct {
	levels []level
	n      int // live pending tasks
}

type level struct {
	prio int32
	q    []entry
}

type entry struct {
	id  sim.TaskID
	seq int64
}

func (q *queue) push(prio int32, id sim.TaskID, seq int64) {
	i := sort.Search(len(q.levels), func(i int) bool { return q.levels[i].prio <= prio })
	if i == len(q.levels) || q.levels[i].prio != prio {
		q.levels = append(q.levels, level{})
		copy(q.levels[i+1:], q.levels[i:])
		q.levels[i] = level{prio: prio}
	}
	q.levels[i].q = append(q.levels[i].q, entry{id, seq})
	q.n++
}

// scan visits live pending tasks in order; visit returns (taken, stop). Taken
// entries are removed. Entries of tasks no longer pending are dropped.
func (q *queue) scan(e *sim.Engine, visit func(id sim.TaskID, t *sim.Task) (taken, stop bool)) {
	stop := false
	for li := range q.levels {
		l := &q.levels[li]
		w, r := 0, 0
		for ; r < len(l.q) && !stop; r++ {
			en := l.q[r]
			t := e.Task(en.id)
			if t.Seq != en.seq || t.State != sim.StatePending {
				continue
			}
			var taken bool
			taken, stop = visit(en.id, t)
			if taken {
				q.n--
				continue
			}
			l.q[w] = en
			w++
		}
		w += copy(l.q[w:], l.q[r:])
		l.q = l.q[:w]
		if stop {
			return
		}
	}
}

// ended notes that a queued task ended while pending.
func (q *queue) ended() { q.n-- }
