package sim

import (
	"fmt"
	"slices"

	"github.com/allocsim/allocsim/allocator"
)

// Gang scheduling in the monolithic mode: a framework with params
// {gang: true} has its jobs placed all or nothing — every pending attempt
// of the job starts in the same cycle, or none does — as distributed
// training needs all its workers at once. When the scan reaches any
// attempt of such a job, the job's pending attempts (kept per job, wherever
// they sit in the queue) are placed tentatively on the cluster and launched
// only if every one found room; the others' queue entries then go stale
// and are dropped by the scans that reach them. A job that did not fit is
// not tried again in the cycle, and its failure is not remembered as a
// failure of its tasks' shapes (a lone task of that shape may still fit).
// With preemption on, a gang job may preempt (PlaceGang): only if every
// one of its tasks then has a place. Attempts requeued after their agent
// failed form a gang of their own.

// gangKey names a job of a framework for the per-cycle memo.
type gangKey struct {
	fw  allocator.FrameworkID
	job int64
}

// readGang reads the frameworks' gang settings, their only parameter in
// this mode (other modes' keys are ignored, unknown keys refused:
// CheckFrameworkParams).
func (m *monolithic) readGang() error {
	m.gang = make([]bool, len(m.env.Frameworks))
	for i, f := range m.env.Frameworks {
		if err := CheckFrameworkParams("monolithic", f.Params); err != nil {
			return fmt.Errorf("monolithic: framework %q: %w", f.Name, err)
		}
		v, ok := f.Params["gang"]
		if !ok {
			continue
		}
		b, isBool := v.(bool)
		if !isBool {
			return fmt.Errorf("monolithic: framework %q: parameter \"gang\": want true or false, got %T", f.Name, v)
		}
		m.gang[i], m.anyGang = b, m.anyGang || b
	}
	return nil
}

// isGang reports whether the queued attempt belongs to a gang framework.
func (m *monolithic) isGang(ent *queued) bool {
	return m.anyGang && m.gangOf(m.e.Task(ent.id))
}

func (m *monolithic) gangOf(t *Task) bool {
	fw := int(t.Spec.Framework)
	return m.anyGang && fw >= 0 && fw < len(m.gang) && m.gang[fw]
}

// queueGang remembers a pending attempt of a gang job.
func (m *monolithic) queueGang(id TaskID, t *Task) {
	if m.gangPending == nil {
		m.gangPending = map[gangKey][]queued{}
	}
	k := gangKey{t.Spec.Framework, t.Spec.Job}
	m.gangPending[k] = append(m.gangPending[k], queued{id: id, seq: t.Seq, req: t.Spec.Req})
}

// forgetGang drops an attempt of a gang job that ended while pending.
func (m *monolithic) forgetGang(t *Task) {
	k := gangKey{t.Spec.Framework, t.Spec.Job}
	q := slices.DeleteFunc(m.gangPending[k], func(e queued) bool { return e.seq == t.Seq })
	if len(q) == 0 {
		delete(m.gangPending, k)
	} else {
		m.gangPending[k] = q
	}
}

// placeGang places the job of the queued attempt ent all or nothing and
// reports whether it did, preempting for it in periodic cycles when the
// scenario asks for preemption. ent itself is consumed by the scan; the
// job's other attempts become stale queue entries.
func (m *monolithic) placeGang(ent *queued, triggered bool) bool {
	t0 := m.e.Task(ent.id)
	key := gangKey{t0.Spec.Framework, t0.Spec.Job}
	if _, failed := m.gangFailed[key]; failed {
		return false
	}
	job := m.gangPending[key]
	c := m.e.Cluster()
	m.gangAt = m.gangAt[:0]
	ok := true
	for _, e := range job {
		p, fits := m.pick(e.id, &e.req)
		if !fits {
			ok = false
			break
		}
		c.Allocate(p, e.req) // tentatively: the job's next tasks see it
		m.gangAt = append(m.gangAt, p)
	}
	for i := len(m.gangAt) - 1; i >= 0; i-- {
		c.Release(m.gangAt[i], job[i].req)
	}
	if !ok && !triggered && m.pre != nil {
		ok = m.preemptForGang(job)
	}
	if !ok {
		if m.gangFailed == nil {
			m.gangFailed = map[gangKey]struct{}{}
		}
		m.gangFailed[key] = struct{}{}
		return false
	}
	delete(m.gangPending, key)
	for i, e := range job {
		if !m.launch(e.id, m.gangAt[i]) {
			return false
		}
		if e.seq != ent.seq {
			m.stale++
			m.dead[e.req]++
		}
	}
	return true
}

// preemptForGang places the gang job by preempting lower-priority tasks
// where its policy finds no place, leaving the placements in m.gangAt.
func (m *monolithic) preemptForGang(job []queued) bool {
	ids := make([]TaskID, len(job))
	for i, e := range job {
		ids[i] = e.id
	}
	at, ok, err := m.pre.PlaceGang(ids, func(id TaskID) (allocator.Placement, bool) {
		return m.pick(id, &m.e.Task(id).Spec.Req)
	})
	if err != nil {
		m.e.Fail(fmt.Errorf("monolithic gang preemption: %w", err))
		return false
	}
	m.gangAt = append(m.gangAt[:0], at...)
	return ok
}
