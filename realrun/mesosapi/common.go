package mesosapi

// ID is the shape of every Mesos identifier message (FrameworkID, OfferID,
// AgentID, TaskID, ExecutorID): {"value": "..."}.
type ID struct {
	Value string `json:"value"`
}

// NewID returns a pointer to an ID with the given value.
func NewID(v string) *ID { return &ID{Value: v} }

// GetValue returns the id's value, or "" for a nil id.
func (id *ID) GetValue() string {
	if id == nil {
		return ""
	}
	return id.Value
}

// Capability is FrameworkInfo.Capability and MasterInfo.Capability.
type Capability struct {
	Type string `json:"type,omitempty"`
}

// Framework capability names (FrameworkInfo.Capability.Type).
const (
	CapGPUResources     = "GPU_RESOURCES"
	CapMultiRole        = "MULTI_ROLE"
	CapTaskKillingState = "TASK_KILLING_STATE"
	CapPartitionAware   = "PARTITION_AWARE"
)

// Label is a key/value pair (mesos.Label).
type Label struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

// Labels is mesos.Labels.
type Labels struct {
	Labels []Label `json:"labels,omitempty"`
}

// Get returns the value of the first label with the key.
func (l *Labels) Get(key string) (string, bool) {
	if l == nil {
		return "", false
	}
	for _, x := range l.Labels {
		if x.Key == key {
			if x.Value == nil {
				return "", true
			}
			return *x.Value, true
		}
	}
	return "", false
}

// FrameworkInfo is mesos.FrameworkInfo (the fields a scheduler sends).
type FrameworkInfo struct {
	User            string       `json:"user"`
	Name            string       `json:"name"`
	ID              *ID          `json:"id,omitempty"`
	FailoverTimeout *float64     `json:"failover_timeout,omitempty"`
	Checkpoint      *bool        `json:"checkpoint,omitempty"`
	Role            *string      `json:"role,omitempty"`
	Roles           []string     `json:"roles,omitempty"`
	Hostname        *string      `json:"hostname,omitempty"`
	Principal       *string      `json:"principal,omitempty"`
	WebuiURL        *string      `json:"webui_url,omitempty"`
	Capabilities    []Capability `json:"capabilities,omitempty"`
	Labels          *Labels      `json:"labels,omitempty"`
}

// HasCapability reports whether the framework declared the capability.
func (f *FrameworkInfo) HasCapability(name string) bool {
	for _, c := range f.Capabilities {
		if c.Type == name {
			return true
		}
	}
	return false
}

// EffectiveRoles returns the framework's roles: "roles" for MULTI_ROLE
// frameworks, else the deprecated single "role" (default "*"), as Mesos does.
func (f *FrameworkInfo) EffectiveRoles() []string {
	if f.HasCapability(CapMultiRole) {
		return f.Roles
	}
	if f.Role != nil {
		return []string{*f.Role}
	}
	return []string{"*"}
}

// Address is mesos.Address.
type Address struct {
	Hostname *string `json:"hostname,omitempty"`
	IP       *string `json:"ip,omitempty"`
	Port     int32   `json:"port"`
}

// MasterInfo is mesos.MasterInfo. ip is the IPv4 address as a uint32 in
// network byte order, as Mesos encodes it.
type MasterInfo struct {
	ID       string   `json:"id"`
	IP       uint32   `json:"ip"`
	Port     uint32   `json:"port"`
	Hostname *string  `json:"hostname,omitempty"`
	Version  *string  `json:"version,omitempty"`
	Address  *Address `json:"address,omitempty"`
}

// DurationInfo is mesos.DurationInfo.
type DurationInfo struct {
	Nanoseconds int64 `json:"nanoseconds"`
}

// KillPolicy is mesos.KillPolicy.
type KillPolicy struct {
	GracePeriod *DurationInfo `json:"grace_period,omitempty"`
}

// EnvVar is mesos.Environment.Variable (VALUE type only).
type EnvVar struct {
	Name  string  `json:"name"`
	Type  string  `json:"type,omitempty"`
	Value *string `json:"value,omitempty"`
}

// Environment is mesos.Environment.
type Environment struct {
	Variables []EnvVar `json:"variables,omitempty"`
}

// CommandURI is mesos.CommandInfo.URI.
type CommandURI struct {
	Value      string `json:"value"`
	Executable *bool  `json:"executable,omitempty"`
	Extract    *bool  `json:"extract,omitempty"`
}

// CommandInfo is mesos.CommandInfo. Shell defaults to true: Value is run by
// "sh -c"; with shell false Value is the program and Arguments its argv.
type CommandInfo struct {
	URIs        []CommandURI `json:"uris,omitempty"`
	Environment *Environment `json:"environment,omitempty"`
	Shell       *bool        `json:"shell,omitempty"`
	Value       *string      `json:"value,omitempty"`
	Arguments   []string     `json:"arguments,omitempty"`
	User        *string      `json:"user,omitempty"`
}

// IsShell reports the effective shell flag (protobuf default true).
func (c *CommandInfo) IsShell() bool { return c.Shell == nil || *c.Shell }

// Image is mesos.Image (only its type and a docker/appc name are modelled).
type Image struct {
	Type   string `json:"type"`
	Docker *struct {
		Name string `json:"name"`
	} `json:"docker,omitempty"`
}

// ContainerInfo is mesos.ContainerInfo. A task with container type MESOS
// runs in an OCI container (runc) on allocsim's agents; without a container
// it runs as a process in its own cgroup.
type ContainerInfo struct {
	Type     string  `json:"type"`
	Hostname *string `json:"hostname,omitempty"`
	Mesos    *struct {
		Image *Image `json:"image,omitempty"`
	} `json:"mesos,omitempty"`
}

// Container types (ContainerInfo.Type).
const (
	ContainerMesos  = "MESOS"
	ContainerDocker = "DOCKER"
)

// TaskInfo is mesos.TaskInfo.
type TaskInfo struct {
	Name              string         `json:"name"`
	TaskID            ID             `json:"task_id"`
	AgentID           ID             `json:"agent_id"`
	Resources         []Resource     `json:"resources,omitempty"`
	Command           *CommandInfo   `json:"command,omitempty"`
	Container         *ContainerInfo `json:"container,omitempty"`
	KillPolicy        *KillPolicy    `json:"kill_policy,omitempty"`
	Data              []byte         `json:"data,omitempty"`
	Labels            *Labels        `json:"labels,omitempty"`
	MaxCompletionTime *DurationInfo  `json:"max_completion_time,omitempty"`
}

// Filters is mesos.Filters; refuse_seconds defaults to 5 when unset.
type Filters struct {
	RefuseSeconds *float64 `json:"refuse_seconds,omitempty"`
}

// DefaultRefuseSeconds is the protobuf default of Filters.refuse_seconds.
const DefaultRefuseSeconds = 5.0

// Refuse returns the effective refuse_seconds of possibly nil filters.
func (f *Filters) Refuse() float64 {
	if f == nil || f.RefuseSeconds == nil {
		return DefaultRefuseSeconds
	}
	return *f.RefuseSeconds
}

// Attribute is mesos.Attribute (text and scalar attributes).
type Attribute struct {
	Name   string  `json:"name"`
	Type   string  `json:"type"`
	Scalar *Scalar `json:"scalar,omitempty"`
	Ranges *Ranges `json:"ranges,omitempty"`
	Set    *Set    `json:"set,omitempty"`
	Text   *Text   `json:"text,omitempty"`
}

// Offer is mesos.Offer.
type Offer struct {
	ID             ID              `json:"id"`
	FrameworkID    ID              `json:"framework_id"`
	AgentID        ID              `json:"agent_id"`
	Hostname       string          `json:"hostname"`
	Resources      []Resource      `json:"resources,omitempty"`
	Attributes     []Attribute     `json:"attributes,omitempty"`
	ExecutorIDs    []ID            `json:"executor_ids,omitempty"`
	AllocationInfo *AllocationInfo `json:"allocation_info,omitempty"`
}

// Operation types (Offer.Operation.Type).
const (
	OpLaunch      = "LAUNCH"
	OpLaunchGroup = "LAUNCH_GROUP"
	OpReserve     = "RESERVE"
	OpUnreserve   = "UNRESERVE"
	OpCreate      = "CREATE"
	OpDestroy     = "DESTROY"
)

// Launch is Offer.Operation.Launch.
type Launch struct {
	TaskInfos []TaskInfo `json:"task_infos,omitempty"`
}

// Operation is Offer.Operation (only LAUNCH carries a body here).
type Operation struct {
	Type   string  `json:"type,omitempty"`
	ID     *ID     `json:"id,omitempty"`
	Launch *Launch `json:"launch,omitempty"`
}
