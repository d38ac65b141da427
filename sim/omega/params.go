package omega

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// schedParams are one scheduler's settings: the mode's params give the
// defaults, a framework's own params override them. Defaults are the Omega
// paper's batch scheduler (t_job = 0.1 s, t_task = 5 ms) and its simulator's
// 1 s before a job with unplaced tasks is queued again.
//
// A job is abandoned (its remaining attempts end unscheduled) after
// abandonUnplaced decisions without a single task committed, or after
// abandonAfter decisions in all: 100 and 1,000 in the paper's simulator
// (OmegaSimulation.scala); 0 never abandons.
//
// A framework may have several schedulers (schedulers, default 1), as the
// paper's scaling experiments give the batch workload several: its jobs are
// dealt among them by a hash of the job id.
type schedParams struct {
	thinkJob, thinkTask allocator.Time
	retry               allocator.Time
	abandonUnplaced     int
	abandonAfter        int
	schedulers          int
}

var defaultSched = schedParams{
	thinkJob:        100 * allocator.Millisecond,
	thinkTask:       5 * allocator.Millisecond,
	retry:           allocator.Second,
	abandonUnplaced: 100,
	abandonAfter:    1000,
	schedulers:      1,
}

// maxSchedulers bounds a framework's schedulers (each is a queue and a
// placement policy).
const maxSchedulers = 1024

var schedKeys = []string{"think_job", "think_task", "retry_delay", "abandon_unplaced_after", "abandon_after", "schedulers"}

// gaveUp reports whether a job whose attempts carry en's history is
// abandoned.
func (s *schedParams) gaveUp(en *entry) bool {
	t := int(en.tries)
	return (s.abandonAfter > 0 && t >= s.abandonAfter) || (s.abandonUnplaced > 0 && !en.started && t >= s.abandonUnplaced)
}

func (s *schedParams) read(p allocator.Params) error {
	for _, k := range []struct {
		key string
		v   *allocator.Time
	}{{"think_job", &s.thinkJob}, {"think_task", &s.thinkTask}, {"retry_delay", &s.retry}} {
		v, err := p.Float(k.key, k.v.Seconds())
		if err != nil {
			return err
		}
		if !(v >= 0 && v <= 86400) {
			return fmt.Errorf("parameter %q: want seconds from 0 to 86400, got %v", k.key, v)
		}
		*k.v = allocator.FromSeconds(v)
	}
	for _, k := range []struct {
		key string
		v   *int
	}{{"abandon_unplaced_after", &s.abandonUnplaced}, {"abandon_after", &s.abandonAfter}} {
		v, err := p.Float(k.key, float64(*k.v))
		if err != nil {
			return err
		}
		if v != float64(int(v)) || v < 0 || v >= 1<<16-1 {
			return fmt.Errorf("parameter %q: want a whole number of decisions from 0 (never) to 65534, got %v", k.key, v)
		}
		*k.v = int(v)
	}
	v, err := p.Float("schedulers", float64(s.schedulers))
	if err != nil {
		return err
	}
	if v != float64(int(v)) || v < 1 || v > maxSchedulers {
		return fmt.Errorf("parameter \"schedulers\": want a whole number from 1 to %d, got %v", maxSchedulers, v)
	}
	s.schedulers = int(v)
	return nil
}

// check rejects a scheduler that could retry a job that does not fit at
// one instant forever.
func (s *schedParams) check() error {
	if s.thinkJob == 0 && s.thinkTask == 0 && s.retry == 0 {
		return fmt.Errorf("think_job, think_task and retry_delay cannot all be 0")
	}
	return nil
}

// cellParams are the shared cluster's rules, set for the mode as a whole.
type cellParams struct {
	coarse bool // conflicts by sequence numbers, not by resource fit
	gang   bool // all-or-nothing transactions, not incremental
}

func (c *cellParams) read(p allocator.Params) error {
	conflicts, err := p.String("conflicts", "fine")
	if err != nil {
		return err
	}
	switch conflicts {
	case "fine", "resource-fit":
	case "coarse", "sequence-numbers":
		c.coarse = true
	default:
		return fmt.Errorf("parameter \"conflicts\": want fine (resource-fit) or coarse (sequence-numbers), got %q", conflicts)
	}
	tx, err := p.String("transactions", "incremental")
	if err != nil {
		return err
	}
	switch tx {
	case "incremental":
	case "gang", "all-or-nothing":
		c.gang = true
	default:
		return fmt.Errorf("parameter \"transactions\": want incremental or gang (all-or-nothing), got %q", tx)
	}
	return nil
}
