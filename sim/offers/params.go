package offers

import (
	"fmt"

	"github.com/allocsim/allocsim/allocator"
)

// schedParams are a framework scheduler model's settings; the mode's params
// give the defaults, a framework's own params override them.
type schedParams struct {
	latency      allocator.Time // decision latency: offer made → answer
	refuse       allocator.Time // filter on the unused part of an offer
	idleRefuse   allocator.Time // filter when declining with nothing to run
	suppressIdle bool           // SUPPRESS when the queue empties, REVIVE on new work
	hold         bool           // keep unusable offers until offer_timeout instead of declining
	placement    string
	// reviveEvery rate-limits REVIVE: a framework that went idle (declined
	// for lack of work, or suppressed) revives on new work at most this
	// often (Marathon's min_revive_offers_interval; Mesos: "revive rarely").
	reviveEvery allocator.Time
}

var schedNames = []string{"decision_latency", "refuse_seconds", "idle_refuse_seconds", "suppress_idle", "hold", "placement", "revive_interval"}

func (s *schedParams) read(p allocator.Params) error {
	var err error
	if s.latency, err = seconds(p, "decision_latency", s.latency); err != nil {
		return err
	}
	if s.refuse, err = refuse(p, "refuse_seconds", s.refuse); err != nil {
		return err
	}
	if s.idleRefuse, err = refuse(p, "idle_refuse_seconds", s.idleRefuse); err != nil {
		return err
	}
	if s.suppressIdle, err = boolean(p, "suppress_idle", s.suppressIdle); err != nil {
		return err
	}
	if s.hold, err = boolean(p, "hold", s.hold); err != nil {
		return err
	}
	if s.reviveEvery, err = seconds(p, "revive_interval", s.reviveEvery); err != nil {
		return err
	}
	s.placement, err = p.String("placement", s.placement)
	return err
}

func seconds(p allocator.Params, key string, def allocator.Time) (allocator.Time, error) {
	v, err := p.Float(key, def.Seconds())
	if err != nil {
		return 0, err
	}
	if !(v >= 0 && v <= allocator.MaxRefuseDuration.Seconds()) {
		return 0, fmt.Errorf("parameter %q: want seconds from 0 to 365 days, got %v", key, v)
	}
	return allocator.FromSeconds(v), nil
}

// refuse reads a refuse_seconds value with Mesos's rules (negative: default).
func refuse(p allocator.Params, key string, def allocator.Time) (allocator.Time, error) {
	if _, ok := p[key]; !ok {
		return def, nil
	}
	v, err := p.Float(key, 0)
	if err != nil {
		return 0, err
	}
	return allocator.RefuseFromSeconds(v), nil
}

func boolean(p allocator.Params, key string, def bool) (bool, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, fmt.Errorf("parameter %q: want true or false, got %T", key, v)
	}
	return b, nil
}

func wholeNumber(p allocator.Params, key string, def int) (int, error) {
	v, err := p.Float(key, float64(def))
	if err != nil {
		return 0, err
	}
	if !(v >= 1 && v <= 1<<30) || v != float64(int(v)) {
		return 0, fmt.Errorf("parameter %q: want a whole number ≥ 1, got %v", key, v)
	}
	return int(v), nil
}

// split separates the keys in names from the rest.
func split(p allocator.Params, names []string) (in, out allocator.Params) {
	in, out = allocator.Params{}, allocator.Params{}
	for k, v := range p {
		found := false
		for _, n := range names {
			found = found || n == k
		}
		if found {
			in[k] = v
		} else {
			out[k] = v
		}
	}
	return in, out
}
