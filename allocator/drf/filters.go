package drf

import (
	"math"

	"github.com/allocsim/allocsim/allocator"
)

var noMeet = allocator.Resources{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64}

// eligible is the number of active frameworks an agent may be offered to.
func (a *Alloc) eligible(ag *agentHot) int32 {
	if ag.gpu && !a.cfg.NoGPUFilter {
		return a.activeGPU
	}
	return a.activeAll
}

// installFilter makes framework f refuse refused on agent for the refuse
// duration (normalised as Mesos does; 0 installs nothing).
func (a *Alloc) installFilter(now allocator.Time, f allocator.FrameworkID, agent allocator.AgentID, refused allocator.Resources, refuse allocator.Time) bool {
	life := allocator.FilterLifetime(refuse, a.cfg.Interval)
	if life == 0 || refused.IsZero() {
		return false
	}
	exp := allocator.Never
	if now < allocator.Never-life {
		exp = now + life
	}
	fs := &a.fws[f]
	if len(fs.filt) <= int(agent) {
		n := max(len(a.agents), int(agent)+1)
		grown := make([]int32, n)
		copy(grown, fs.filt)
		fs.filt = grown
	}
	if old := fs.filt[agent]; old != 0 {
		a.unrefVal(old - 1)
	} else {
		fs.nFilts++
		if fs.active {
			a.hot[agent].nFilt++
		}
	}
	fs.filt[agent] = a.internVal(refused, exp) + 1
	if ag := &a.hot[agent]; fs.active {
		if ag.nFilt == 1 {
			ag.meet, ag.exp = pack(refused), exp
		} else {
			ag.meet, ag.exp = pack(ag.meet.unpack().Min(refused)), min(ag.exp, exp)
		}
	}
	return true
}

// internVal stores a filter value. Consecutive identical values (a burst of
// declines of identical agents, the all-declined steady state) share one
// entry, so 33 million filters can cost a few entries; no hashing, which
// profiling showed dominating decline-heavy simulations.
func (a *Alloc) internVal(refused allocator.Resources, exp allocator.Time) int32 {
	if i := a.lastVal; i >= 0 && int(i) < len(a.fvals) {
		if v := &a.fvals[i]; v.refs > 0 && v.refused == refused && v.expires == exp {
			v.refs++
			return i
		}
	}
	var i int32
	if n := len(a.fvalFree); n > 0 {
		i = a.fvalFree[n-1]
		a.fvalFree = a.fvalFree[:n-1]
	} else {
		i = int32(len(a.fvals))
		a.fvals = append(a.fvals, filterVal{})
	}
	a.fvals[i] = filterVal{refused: refused, expires: exp, refs: 1}
	a.lastVal = i
	return i
}

func (a *Alloc) unrefVal(i int32) {
	v := &a.fvals[i]
	if v.refs--; v.refs == 0 {
		a.fvalFree = append(a.fvalFree, i)
	}
}

// dropFilter removes framework f's filter on agent, if any.
func (a *Alloc) dropFilter(f allocator.FrameworkID, agent allocator.AgentID) {
	fs := &a.fws[f]
	if int(agent) >= len(fs.filt) || fs.filt[agent] == 0 {
		return
	}
	a.unrefVal(fs.filt[agent] - 1)
	fs.filt[agent] = 0
	fs.nFilts--
	if fs.active {
		ag := &a.hot[agent]
		if ag.nFilt--; ag.nFilt == 0 {
			ag.meet, ag.exp = noMeet32, allocator.Never
		}
	}
}

// clearFilters drops all of framework f's filters.
func (a *Alloc) clearFilters(f allocator.FrameworkID) {
	fs := &a.fws[f]
	for ag := range fs.filt {
		if fs.nFilts == 0 {
			break
		}
		if fs.filt[ag] != 0 {
			a.dropFilter(f, allocator.AgentID(ag))
		}
	}
}

// countFilters adds d to the active-filter count of every agent where f has
// a filter (f is being suppressed or reactivated).
func (a *Alloc) countFilters(f allocator.FrameworkID, d int32) {
	fs := &a.fws[f]
	if fs.nFilts == 0 {
		return
	}
	for i, v := range fs.filt {
		if v == 0 {
			continue
		}
		ag := &a.hot[i]
		ag.nFilt += d
		if d > 0 {
			fv := &a.fvals[v-1]
			if ag.nFilt == 1 {
				ag.meet, ag.exp = pack(fv.refused), fv.expires
			} else {
				ag.meet, ag.exp = pack(ag.meet.unpack().Min(fv.refused)), min(ag.exp, fv.expires)
			}
		} else if ag.nFilt == 0 {
			ag.meet, ag.exp = noMeet32, allocator.Never
		}
	}
}

// dropAgentFilters removes every filter on an agent (its attributes or
// capacity changed).
func (a *Alloc) dropAgentFilters(agent allocator.AgentID) {
	for f := range a.fws {
		if a.fws[f].present {
			a.dropFilter(allocator.FrameworkID(f), agent)
		}
	}
}

// filtered reports whether f's filter on agent refuses res at now; an
// expired filter is removed on the way.
func (a *Alloc) filtered(now allocator.Time, fs *fwState, f allocator.FrameworkID, agent allocator.AgentID, res allocator.Resources) (bool, *filterVal) {
	if int(agent) >= len(fs.filt) {
		return false, nil
	}
	v := fs.filt[agent]
	if v == 0 {
		return false, nil
	}
	fv := &a.fvals[v-1]
	if now >= fv.expires {
		a.dropFilter(f, agent)
		return false, nil
	}
	return fv.refused.Contains(res), fv
}

// ActiveFilters is the number of filters in place (expired ones not yet
// swept included), for metrics.
func (a *Alloc) ActiveFilters() int {
	n := 0
	for i := range a.fws {
		n += int(a.fws[i].nFilts)
	}
	return n
}
