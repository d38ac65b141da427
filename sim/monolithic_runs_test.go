package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/allocsim/allocsim/allocator"
	"github.com/stretchr/testify/require"
)

// oneByOne is the monolithic mode with the scan it had before runs: every
// queue entry tried or skipped on its own. It is the reference the run
// skipping must agree with, decision for decision.
type oneByOne struct{ *monolithic }

func (m oneByOne) Cycle(now allocator.Time) {
	if m.e.PendingCount() == 0 {
		return
	}
	triggered := m.e.CycleTriggered()
	if !triggered {
		if !m.changed {
			return
		}
		m.changed = false
	}
	clear(m.failed)
	m.minimal = m.minimal[:0]
	misses := 0
	for li := range m.levels {
		if !m.scanOneByOne(&m.levels[li], triggered, &misses) {
			return
		}
	}
}

func (m oneByOne) scanOneByOne(l *prioLevel, triggered bool, misses *int) bool {
	q := l.q
	w, r := l.head, l.head
	goOn := true
	for r < len(q) {
		ent := &q[r]
		if m.stale > 0 {
			if t := m.e.Task(ent.id); t.Seq != ent.seq || t.State != StatePending {
				m.stale--
				r++
				continue
			}
		}
		placed := false
		if !m.knownToFail(&ent.req) {
			placed = m.place(ent.id, &ent.req)
			if !placed {
				m.failed[ent.req] = struct{}{}
				if len(m.minimal) < maxMinimal {
					m.minimal = append(m.minimal, ent.req)
				}
				m.e.Counters().PlaceFailures++
			}
		}
		if !placed {
			m.lastFail = ent.req
		}
		r++
		if placed {
			*misses = 0
			continue
		}
		q[w] = *ent
		w++
		*misses++
		if triggered || *misses >= m.scanLimit {
			goOn = false
			break
		}
	}
	kept := w - l.head
	if w != r {
		copy(q[r-kept:r], q[l.head:w])
	}
	l.head = r - kept
	if l.head == len(q) {
		l.q, l.head = q[:0], 0
	}
	l.tail = -1 // runs are not kept up to date here
	return goOn
}

// TestRunSkippingMatchesOneByOne: random workloads made of jobs of equal
// tasks (long runs in the queue), two priorities, pending tasks killed at
// random, small scan limits, with and without triggered cycles — the
// monolithic mode logs exactly what the one-by-one reference logs.
func TestRunSkippingMatchesOneByOne(t *testing.T) {
	for seed := range uint64(40) {
		for _, params := range []allocator.Params{
			{"scan_limit": 3.0}, {"scan_limit": 17.0}, {"scan_limit": 1000.0}, {"scan_limit": 5.0, "trigger": false},
		} {
			t.Run(fmt.Sprintf("seed%d/%v", seed, params), func(t *testing.T) {
				in, kills := randomJobs(seed)
				logOf := func(ref bool) ([]string, Counters) {
					m := mono(t, params)
					if ref {
						m = oneByOne{m.(*monolithic)}
					}
					rec := &recorder{}
					e, err := New(Config{Cluster: smallCluster(t, 3), Source: &SliceSource{Inputs: in}, Mode: m, Observer: rec})
					require.NoError(t, err)
					h := e.RegisterHandler(HandlerFunc(func(now allocator.Time, arg int64) {
						if int(arg) >= e.tasks.n {
							return // slot never used
						}
						if tk := e.Task(TaskID(arg)); tk.State == StatePending {
							require.NoError(t, e.Kill(TaskID(arg), allocator.OutcomeKilled))
						}
					}))
					for _, k := range kills {
						e.At(k.at, h, int64(k.slot))
					}
					st, err := e.Run()
					require.NoError(t, err)
					return rec.log, st.Counters
				}
				want, wantC := logOf(true)
				got, gotC := logOf(false)
				require.Equal(t, want, got)
				require.Equal(t, wantC, gotC)
				require.Greater(t, wantC.PlaceFailures, int64(0))
				require.Greater(t, wantC.Ended[allocator.OutcomeKilled], int64(0), "no pending task was killed")
			})
		}
	}
}

type killAt struct {
	at   allocator.Time
	slot int
}

func randomJobs(seed uint64) ([]Input, []killAt) {
	rnd := rand.New(rand.NewPCG(seed, 99))
	var in []Input
	at := allocator.Time(0)
	for range 60 {
		at += allocator.Time(rnd.IntN(3000)) * allocator.Millisecond
		cpu := int64(250 * (1 + rnd.IntN(12))) // up to 3 cores: some jobs hardly fit
		prio := int32(rnd.IntN(2))
		for range 1 + rnd.IntN(15) {
			tk := task(at, allocator.Time(1+rnd.IntN(20))*sec, cpu)
			tk.Task.Priority = prio
			in = append(in, tk)
		}
	}
	var kills []killAt
	for range 40 {
		kills = append(kills, killAt{at: allocator.Time(rnd.IntN(120_000)) * allocator.Millisecond, slot: rnd.IntN(200)})
	}
	return in, kills
}
