package traces

import (
	"io"

	"github.com/allocsim/allocsim/allocator"
)

// KeepJob is the seeded job sample shared by replay and sample: about one
// job in every, decided by a splitmix64 hash of (seed, job) so that a job's
// tasks stay together and the choice does not depend on reading order.
func KeepJob(seed uint64, job int64, every int) bool {
	if every <= 1 {
		return true
	}
	z := uint64(job) + seed*0x9e3779b97f4a7c15 + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return z%uint64(every) == 0
}

// SampleOptions select part of a trace.
type SampleOptions struct {
	Start, End allocator.Time // task submit window [Start, End); End 0 = no end
	Every      int            // keep about one job in Every (KeepJob)
	Seed       uint64
}

// sampled filters a reader: tasks submitted inside the window of kept jobs,
// and every machine event before the window's end (so that the machines at
// the window start can be rebuilt).
type sampled struct {
	r     Reader
	opt   SampleOptions
	stats Stats
	done  bool
}

// Sample wraps r with a window and a job sample; trace times are kept.
func Sample(r Reader, opt SampleOptions) Reader { return &sampled{r: r, opt: opt} }

func (s *sampled) Next(rec *Record) error {
	for !s.done {
		if err := s.r.Next(rec); err != nil {
			return err
		}
		if s.opt.End > 0 && rec.Time() >= s.opt.End {
			s.done = true
			break
		}
		if rec.Kind == RecordMachine {
			return nil
		}
		switch {
		case rec.Task.Submit < s.opt.Start:
			s.stats.Add("sample_before_window", 1)
		case !KeepJob(s.opt.Seed, rec.Task.Job, s.opt.Every):
			s.stats.Add("sample_dropped_job", 1)
		default:
			return nil
		}
	}
	return io.EOF
}

// Stats are the sample's counters plus the reader's.
func (s *sampled) Stats() *Stats {
	out := &Stats{}
	for k, v := range s.r.Stats().Map() {
		out.Add(k, v)
	}
	for k, v := range s.stats.Map() {
		out.Add(k, v)
	}
	return out
}

func (s *sampled) Close() error { return s.r.Close() }
