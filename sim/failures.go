package sim

import (
	"container/heap"
	"io"
	"math/rand/v2"

	"github.com/allocsim/allocsim/allocator"
)

// Failures is a Source of injected machine failures: agents fail as a
// Poisson process with a mean time between failures of MTBF per agent; each
// failure hits an agent chosen uniformly (a hit on an agent already down is
// absorbed), which recovers after an exponential repair time with mean MTTR. Merge it with
// the workload's source; its tasks are lost (and requeued if
// Config.Requeue).
type Failures struct {
	agents  int
	mtbf    allocator.Time
	mttr    allocator.Time
	horizon allocator.Time
	rnd     *rand.Rand

	nextFail allocator.Time
	down     []bool
	repairs  repairHeap
}

// NewFailures injects failures into agents 0..agents-1 until horizon (0 =
// forever), drawing from rnd (use Stream(seed, "failures")).
func NewFailures(agents int, mtbf, mttr, horizon allocator.Time, rnd *rand.Rand) *Failures {
	f := &Failures{agents: agents, mtbf: mtbf, mttr: mttr, horizon: horizon, rnd: rnd, down: make([]bool, agents)}
	f.nextFail = f.gap(0)
	return f
}

// gap draws the time of the next failure after t (the whole cluster fails
// at agents/MTBF per unit of time).
func (f *Failures) gap(t allocator.Time) allocator.Time {
	if f.agents == 0 || f.mtbf <= 0 {
		return allocator.Never
	}
	mean := float64(f.mtbf) / float64(f.agents)
	return t + 1 + allocator.Time(f.rnd.ExpFloat64()*mean)
}

// Next returns the next failure or recovery.
func (f *Failures) Next() (Input, error) {
	for {
		if f.repairs.Len() > 0 && f.repairs[0].at <= f.nextFail {
			r := heap.Pop(&f.repairs).(repair)
			if f.horizon > 0 && r.at > f.horizon {
				return Input{}, io.EOF
			}
			f.down[r.agent] = false
			return Input{Time: r.at, Kind: InputAgentRecover, Agent: r.agent}, nil
		}
		t := f.nextFail
		if t == allocator.Never || (f.horizon > 0 && t > f.horizon) {
			if f.repairs.Len() > 0 {
				f.nextFail = allocator.Never
				continue
			}
			return Input{}, io.EOF
		}
		f.nextFail = f.gap(t)
		a := allocator.AgentID(f.rnd.IntN(f.agents))
		if f.down[a] {
			continue // already down: this failure is absorbed
		}
		f.down[a] = true
		heap.Push(&f.repairs, repair{at: t + 1 + allocator.Time(f.rnd.ExpFloat64()*float64(f.mttr)), agent: a})
		return Input{Time: t, Kind: InputAgentFail, Agent: a}, nil
	}
}

type repair struct {
	at    allocator.Time
	agent allocator.AgentID
}

// repairHeap orders repairs by time, then agent (deterministic ties).
type repairHeap []repair

func (h repairHeap) Len() int { return len(h) }
func (h repairHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].agent < h[j].agent)
}
func (h repairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *repairHeap) Push(x any)   { *h = append(*h, x.(repair)) }
func (h *repairHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Merge interleaves two time-ordered sources into one (ties: a first).
func Merge(a, b Source) Source { return &merged{src: [2]Source{a, b}} }

type merged struct {
	src  [2]Source
	head [2]Input
	ok   [2]bool
	done [2]bool
}

func (m *merged) Next() (Input, error) {
	for i := range m.src {
		if !m.ok[i] && !m.done[i] {
			in, err := m.src[i].Next()
			if err == io.EOF {
				m.done[i] = true
				continue
			}
			if err != nil {
				return Input{}, err
			}
			m.head[i], m.ok[i] = in, true
		}
	}
	i := 0
	switch {
	case m.ok[0] && m.ok[1]:
		if m.head[1].Time < m.head[0].Time {
			i = 1
		}
	case m.ok[1]:
		i = 1
	case !m.ok[0]:
		return Input{}, io.EOF
	}
	m.ok[i] = false
	return m.head[i], nil
}
