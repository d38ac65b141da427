package allocator

import "math"

// Filter durations, as Mesos defines them for DECLINE's refuse_seconds.
const (
	DefaultRefuseDuration Time = 5 * Second
	MaxRefuseDuration     Time = 365 * 24 * Hour
)

// RefuseDuration normalises a refuse duration: negative means the default
// (5 s), above 365 days is capped, 0 means no filter.
func RefuseDuration(refuse Time) Time {
	switch {
	case refuse < 0:
		return DefaultRefuseDuration
	case refuse > MaxRefuseDuration:
		return MaxRefuseDuration
	}
	return refuse
}

// RefuseFromSeconds converts a scheduler's refuse_seconds (a double in the
// Mesos API) to a refuse duration: NaN and negatives mean the default,
// huge values (and +Inf) are capped at 365 days.
func RefuseFromSeconds(s float64) Time {
	switch {
	case math.IsNaN(s) || s < 0:
		return DefaultRefuse
	case s >= MaxRefuseDuration.Seconds():
		return MaxRefuseDuration
	}
	return FromSeconds(s)
}

// FilterLifetime is how long a filter installed for refuse lives: at least
// one allocation interval, as in Mesos (0 = no filter).
func FilterLifetime(refuse, interval Time) Time {
	r := RefuseDuration(refuse)
	if r == 0 {
		return 0
	}
	return max(r, interval)
}

// Filter is an offer filter of one framework on one agent (the framework's
// role is implied: a framework has one role here). It matches resources that
// the refused resources contain (the superset rule): if the agent later has
// more to offer, the filter no longer applies.
type Filter struct {
	Framework FrameworkID
	Agent     AgentID
	Refused   Resources
	Expires   Time
}

// Matches reports whether the filter still holds at now for an offer of res.
func (f *Filter) Matches(now Time, res Resources) bool {
	return now < f.Expires && f.Refused.Contains(res)
}
