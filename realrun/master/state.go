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
	updates []*update // unacknowledged status updates, oldest first
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
}
