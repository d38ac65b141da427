package reports

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// The per-framework state a sample reports — pending and running attempts,
// requests of the running ones — is not counted on the engine goroutine for
// every task event (that cost the engine ~0.04 s a run of the default
// scenario). The writer goroutines add each attempt's record to a sweep —
// difference arrays over the sample instants — and Close sums them up. A
// sample at T sees every event processed before it: the sweep counts events
// at times before T; the few at T itself that the engine processed before
// the sample are counted on the engine goroutine (corrections).

// fwLive is one framework's state at an instant.
type fwLive struct {
	used             allocator.Resources // requests of running attempts
	pending, running int64
}

// demand: the framework has a pending or running attempt.
func (l *fwLive) demand() bool { return l.pending > 0 || l.running > 0 }

func (l *fwLive) add(o *fwLive) {
	addRes(&l.used, &o.used, 1)
	l.pending += o.pending
	l.running += o.running
}

// liveSweep holds, per sample index k and framework, the change of the
// state between sample k−1 and sample k. Sample k is at k × interval.
type liveSweep struct {
	interval allocator.Time // 0: no samples, nothing kept
	nfw      int
	d        []fwLive // [k*nfw + fw]
}

func newLiveSweep(interval allocator.Time, nfw int) *liveSweep {
	return &liveSweep{interval: interval, nfw: nfw}
}

// after is the first sample after an event at t.
func (s *liveSweep) after(t allocator.Time) int { return int(t/s.interval) + 1 }

func (s *liveSweep) at(k, fw int) *fwLive {
	if n := (k + 1) * s.nfw; n > len(s.d) {
		s.d = append(s.d, make([]fwLive, n-len(s.d))...)
	}
	return &s.d[k*s.nfw+fw]
}

// record adds (sign +1) or takes back (−1) an attempt: pending from its
// ready time until it started or ended, running from its start until it
// ended (never, if it still ran when the run stopped).
func (s *liveSweep) record(r *taskRec, sign int64) error {
	fw := int(r.fw)
	if fw < 0 || fw >= s.nfw {
		return fmt.Errorf("task %d of unknown framework %d (%d frameworks)", r.seq, r.fw, s.nfw)
	}
	if s.interval <= 0 {
		return nil
	}
	s.at(s.after(r.ready), fw).pending += sign
	switch {
	case r.started:
		l := s.at(s.after(r.start), fw)
		l.pending -= sign
		l.running += sign
		addRes(&l.used, &r.res, sign)
		if !r.running {
			l := s.at(s.after(r.end), fw)
			l.running -= sign
			addRes(&l.used, &r.res, -sign)
		}
	case !r.running:
		s.at(s.after(r.end), fw).pending -= sign
	}
	return nil
}

// merge adds o's changes to s's.
func (s *liveSweep) merge(o *liveSweep) {
	for i := range o.d {
		k, fw := i/o.nfw, i%o.nfw
		s.at(k, fw).add(&o.d[i])
	}
}

// sum adds the changes of samples from..to to state.
func (s *liveSweep) sum(state []fwLive, from, to int) {
	for k := from; k <= to && (k+1)*s.nfw <= len(s.d); k++ {
		for fw := range state {
			state[fw].add(&s.d[k*s.nfw+fw])
		}
	}
}
