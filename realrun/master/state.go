package master

import (
	"time"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// agent is one registered agent.
type agent struct {
	id        allocator.AgentID
	name      string // agent id on the wire
	hostname  string
	executors []string
	gpus      []agentapi.GPU
	attrs     []agentapi.Attribute
	active    bool // registered and not timed out
	lastSeen  time.Time

	allPorts   []mesosapi.Range // ports the agent has
	freePorts  []mesosapi.Range // not used by tasks
	sparePorts []mesosapi.Range // free and not in an outstanding offer

	tasks map[string]*task // by agent task id

	// Commands not yet acknowledged by the agent, in Seq order; wake is
	// closed (and replaced) when a command is queued.
	seq     uint64
	pending []agentapi.Command
	wake    chan struct{}
}

// framework is one subscribed (or once subscribed) framework.
type framework struct {
	id         allocator.FrameworkID
	name       string // framework id on the wire
	info       mesosapi.FrameworkInfo
	role       string
	suppressed bool // by the framework's own SUPPRESS
	removed    bool
	stream     *stream // nil while disconnected

	tasks   map[string]*task // by Mesos task id
	offers  map[allocator.OfferID]*offer
	updates updateQueue // unacknowledged status updates
}

// task is one launched task.
type task struct {
	id          string // Mesos task id
	agentTaskID string // id on the agent (framework-qualified)
	fw          *framework
	agent       *agent
	req         allocator.Request
	placement   allocator.Placement
	ports       []mesosapi.Range
	state       string
	released    bool // resources returned to cluster and allocator
	last        mesosapi.TaskStatus
	seen        map[string]bool // agent update uuids processed → acked by framework?
}

// offer is one outstanding offer as the framework saw it.
type offer struct {
	id    allocator.OfferID
	fw    *framework
	agent *agent
	res   allocator.Resources
	ports []mesosapi.Range
}

// update is a status update waiting for the framework's acknowledgement.
type update struct {
	task     *task
	status   mesosapi.TaskStatus
	uuid     string // as the agent sent it (or the master made it)
	fromAgt  bool   // acknowledge to the agent once the framework does
	lastSent time.Time
	acked    bool
}

// updateQueue holds unacknowledged updates in arrival order, with a map
// for O(1) acknowledgement; acknowledged entries are dropped lazily.
type updateQueue struct {
	order []*update
	byKey map[string]*update // task id + "\x00" + uuid
}

func updateKey(taskID, uuid string) string { return taskID + "\x00" + uuid }

func (q *updateQueue) add(u *update) {
	if q.byKey == nil {
		q.byKey = map[string]*update{}
	}
	q.order = append(q.order, u)
	q.byKey[updateKey(u.status.TaskID.Value, u.uuid)] = u
}

// take removes and returns the update, nil when unknown.
func (q *updateQueue) take(taskID, uuid string) *update {
	k := updateKey(taskID, uuid)
	u := q.byKey[k]
	if u == nil {
		return nil
	}
	delete(q.byKey, k)
	u.acked = true
	if len(q.order) > 64 && len(q.byKey) < len(q.order)/2 {
		kept := q.order[:0]
		for _, x := range q.order {
			if !x.acked {
				kept = append(kept, x)
			}
		}
		clear(q.order[len(kept):])
		q.order = kept
	}
	return u
}

// each calls fn for every unacknowledged update, oldest first, until fn
// returns false.
func (q *updateQueue) each(fn func(*update) bool) {
	for _, u := range q.order {
		if !u.acked && !fn(u) {
			return
		}
	}
}
