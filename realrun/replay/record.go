package replay

import (
	"sync"
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/reports"
	"github.com/allocsim/allocsim/sim"
)

// recorder turns what the replay frameworks see into the run outputs of a
// simulated run: the reports collector gets sim.Task values with scenario
// times, and a mirror of the cluster (the scenario's own) holds the
// placements so utilisation is computed the same way.
type recorder struct {
	mu       sync.Mutex
	col      *reports.Collector // nil: no outputs
	cluster  *allocator.Cluster // the scenario's cluster, mirrored
	engine   *sim.Engine        // only to hand counters to Collector.Sample
	counters sim.Counters
	agentMap map[string]allocator.AgentID // master agent id → mirror agent
	nextMap  allocator.AgentID
	pending  int64
	running  int64
	lastNow  allocator.Time
}

// agent maps a real agent to a mirror agent, in order of first sight.
func (r *recorder) agent(name string) (allocator.AgentID, bool) {
	if id, ok := r.agentMap[name]; ok {
		return id, true
	}
	if int(r.nextMap) >= r.cluster.NumAgents() {
		return 0, false
	}
	id := r.nextMap
	r.nextMap++
	r.agentMap[name] = id
	return id, true
}

func (r *recorder) clamp(now allocator.Time) allocator.Time {
	if now < r.lastNow {
		now = r.lastNow
	}
	r.lastNow = now
	return now
}

func (r *recorder) submitted(now allocator.Time, t *sim.Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	t.State = sim.StatePending
	r.counters.Submitted++
	r.pending++
	if r.col != nil {
		r.col.TaskSubmitted(now, t)
	}
}

// started records a task that reached TASK_RUNNING on the real agent.
func (r *recorder) started(now allocator.Time, t *sim.Task, agentName string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	id, ok := r.agent(agentName)
	if ok && r.cluster.Fits(id, t.Spec.Req) {
		devs, _ := r.cluster.PickDevices(id, t.Spec.Req)
		t.Placement = allocator.Placement{Agent: id, Devices: devs}
		r.cluster.Allocate(t.Placement, t.Spec.Req)
	} else {
		t.Placement = allocator.Placement{Agent: -1}
	}
	t.Start, t.Started, t.State = now, true, sim.StateRunning
	r.counters.Launched++
	r.pending--
	r.running++
	if r.col != nil {
		r.col.TaskStarted(now, t)
	}
}

// ended records a task's end (or its failure to ever start).
func (r *recorder) ended(now allocator.Time, t *sim.Task, o allocator.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	if t.Started {
		if t.Placement.Agent >= 0 {
			r.cluster.Release(t.Placement, t.Spec.Req)
		} else {
			t.Placement.Agent = 0
		}
		r.running--
	} else {
		r.pending--
	}
	t.End, t.State, t.Outcome = now, sim.StateEnded, o
	r.counters.Ended[o]++
	if r.col != nil {
		r.col.TaskEnded(now, t)
	}
}

func (r *recorder) cycle(now allocator.Time, wall time.Duration, offers int64, triggered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	r.counters.Cycles++
	if triggered {
		r.counters.TriggeredCycles++
	}
	r.counters.Offers += offers
	if r.col != nil {
		r.col.CycleDone(now, wall, sim.CycleStats{Triggered: triggered, Offers: offers, Pending: r.pending, Running: r.running})
	}
}

func (r *recorder) offerAnswered(accepted, declined int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counters.Accepted += accepted
	r.counters.Declined += declined
}

func (r *recorder) sample(now allocator.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	if r.col == nil || r.engine == nil {
		return
	}
	*r.engine.Counters() = r.counters
	r.col.Sample(now, r.engine)
}

// stopped reports a task still running when the run stopped at its
// horizon, as the simulator does: state running, end = the stop time.
func (r *recorder) stopped(now allocator.Time, t *sim.Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = r.clamp(now)
	t.End = now
	if r.col != nil {
		r.col.TaskEnded(now, t)
	}
}

// progress returns a copy of the run's counters.
func (r *recorder) progress() sim.Counters {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counters
}
