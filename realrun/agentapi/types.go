// Package agentapi is allocsim's own agent↔master protocol: JSON messages over
// HTTP, every request carrying a bearer token. The agent always dials the
// master (register, heartbeat, status updates, and a long-poll for commands),
// so agents behind NAT or restarted on a new port need no inbound listener.
//
// Endpoints (all POST, JSON body, "Authorization: Bearer <token>"):
//
//	/agentapi/v1/register   RegisterRequest  → RegisterResponse
//	/agentapi/v1/heartbeat  HeartbeatRequest → HeartbeatResponse
//	/agentapi/v1/commands   CommandsRequest  → CommandsResponse (long-poll)
//	/agentapi/v1/status     StatusRequest    → StatusResponse
//
// Errors are JSON ErrorResponse bodies: 401 without a valid token, 400 for a
// malformed, oversized or invalid body (nothing changes), 404 with code
// "unknown_agent" when the master does not know the agent (it re-registers).
package agentapi

import "github.com/allocsim/allocsim/realrun/mesosapi"

// Paths of the four endpoints.
const (
	PathRegister  = "/agentapi/v1/register"
	PathHeartbeat = "/agentapi/v1/heartbeat"
	PathCommands  = "/agentapi/v1/commands"
	PathStatus    = "/agentapi/v1/status"
)

// MaxBodyBytes bounds every request body; larger bodies get 400.
const MaxBodyBytes = 1 << 20

// Resources in the exact integer units of allocator.Resources, plus the
// named GPU devices and port ranges an agent offers (or a task was given).
type Resources struct {
	CPUMilli int64       `json:"cpu_milli"`
	MemMiB   int64       `json:"mem_mib"`
	DiskMiB  int64       `json:"disk_mib"`
	GPUs     []GPU       `json:"gpus,omitempty"`
	Ports    []PortRange `json:"ports,omitempty"`
}

// GPU is one device. ID is stable across restarts (nvidia-smi's UUID or the
// index as a string); Minor is the /dev/nvidia<Minor> device node.
type GPU struct {
	ID    string `json:"id"`
	Model string `json:"model,omitempty"`
	Minor int    `json:"minor"`
}

// PortRange is an inclusive range of TCP ports, as Mesos ranges are.
type PortRange struct {
	Begin uint16 `json:"begin"`
	End   uint16 `json:"end"`
}

// Attribute is one agent attribute (Mesos "text" attribute); a list keeps order.
type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RegisterRequest is sent on agent start and whenever the master answers
// "unknown_agent". AgentID is empty on first start; the agent stores the id
// it is given in its work dir and sends it on every later registration.
// Tasks lists what the agent runs (or has finished but not had acknowledged)
// so a restarted master or agent can reconcile: tasks the master expected on
// this agent but not listed here are LOST.
type RegisterRequest struct {
	AgentID    string       `json:"agent_id,omitempty"`
	Hostname   string       `json:"hostname"`
	Resources  Resources    `json:"resources"`
	Attributes []Attribute  `json:"attributes,omitempty"`
	Executors  []string     `json:"executors"` // "cgroup", "runc"
	Tasks      []TaskStatus `json:"tasks,omitempty"`
}

// RegisterResponse gives the agent its id and how often to heartbeat.
type RegisterResponse struct {
	AgentID             string `json:"agent_id"`
	HeartbeatIntervalMs int64  `json:"heartbeat_interval_ms"`
}

// HeartbeatRequest keeps the agent alive in the master's view.
type HeartbeatRequest struct {
	AgentID string `json:"agent_id"`
}

// HeartbeatResponse is empty today; it exists so fields can be added.
type HeartbeatResponse struct{}

// CommandsRequest long-polls for commands. AckSeq acknowledges every command
// with Seq ≤ AckSeq (the master may forget them); unacknowledged commands are
// sent again, so delivery is at least once and the agent de-duplicates by
// task id. WaitMs bounds how long the master holds the request when it has
// nothing to send (0 = answer at once).
type CommandsRequest struct {
	AgentID string `json:"agent_id"`
	AckSeq  uint64 `json:"ack_seq"`
	WaitMs  int64  `json:"wait_ms"`
}

// CommandsResponse carries commands in Seq order (may be empty).
type CommandsResponse struct {
	Commands []Command `json:"commands"`
}

// Command types.
const (
	CommandLaunch      = "LAUNCH"
	CommandKill        = "KILL"
	CommandAcknowledge = "ACKNOWLEDGE" // a late ack of a status update (see StatusResponse)
	CommandShutdown    = "SHUTDOWN"    // kill every task and exit (agent removed)
)

// Command is one master→agent command; exactly the field named by Type is set.
type Command struct {
	Seq         uint64       `json:"seq"`
	Type        string       `json:"type"`
	Launch      *LaunchTask  `json:"launch,omitempty"`
	Kill        *KillTask    `json:"kill,omitempty"`
	Acknowledge *Acknowledge `json:"acknowledge,omitempty"`
}

// LaunchTask asks the agent to run one task.
type LaunchTask struct {
	TaskID      string    `json:"task_id"`
	FrameworkID string    `json:"framework_id"`
	Name        string    `json:"name,omitempty"`
	Resources   Resources `json:"resources"`
	// GPUMilli is the task's GPU share when it uses part of one device
	// (Resources.GPUs then holds that one device); whole devices leave it 0.
	GPUMilli int64    `json:"gpu_milli,omitempty"`
	Executor string   `json:"executor,omitempty"` // "cgroup" | "runc" | "" (agent default)
	Workload Workload `json:"workload"`
	// KillGracePeriodMs is the SIGTERM→SIGKILL delay (0 = agent default).
	KillGracePeriodMs int64 `json:"kill_grace_period_ms,omitempty"`
}

// Workload kinds.
const (
	WorkloadSleep   = "sleep"   // idle for DurationMs
	WorkloadCPU     = "cpu"     // busy-loop on ceil(cpu_milli/1000) threads for DurationMs
	WorkloadMemory  = "memory"  // touch MemoryMiB (default: the task's mem) then idle for DurationMs
	WorkloadCommand = "command" // run Argv (in the container, or on the host in the task's cgroup)
)

// Workload is what the task's process does. Paths are relative to the task's
// sandbox; absolute paths and ".." components are refused.
type Workload struct {
	Kind       string   `json:"kind"`
	DurationMs int64    `json:"duration_ms,omitempty"`
	MemoryMiB  int64    `json:"memory_mib,omitempty"`
	Argv       []string `json:"argv,omitempty"`
	Env        []string `json:"env,omitempty"` // KEY=VALUE
	Cwd        string   `json:"cwd,omitempty"`
	Stdout     string   `json:"stdout,omitempty"` // default "stdout"
	Stderr     string   `json:"stderr,omitempty"` // default "stderr"
}

// KillTask asks the agent to stop a task: SIGTERM, then SIGKILL after the grace period.
type KillTask struct {
	TaskID        string `json:"task_id"`
	GracePeriodMs int64  `json:"grace_period_ms,omitempty"`
}

// Acknowledge acknowledges one status update by its UUID.
type Acknowledge struct {
	TaskID string `json:"task_id"`
	UUID   string `json:"uuid"`
}

// Mesos status-update reasons (TaskStatus.Reason) that this agent reports.
const (
	ReasonMemoryLimit        = "REASON_CONTAINER_LIMITATION_MEMORY"
	ReasonLaunchFailed       = "REASON_CONTAINER_LAUNCH_FAILED"
	ReasonCommandFailed      = "REASON_COMMAND_EXECUTOR_FAILED"
	ReasonKilled             = "REASON_TASK_KILLED_DURING_LAUNCH"
	ReasonExecutorTerminated = "REASON_EXECUTOR_TERMINATED"
	ReasonAgentRestarted     = "REASON_AGENT_RESTARTED"
	ReasonTaskInvalid        = "REASON_TASK_INVALID"
	ReasonReconciliation     = "REASON_RECONCILIATION"
)

// IsTerminal reports whether state ends a task (the Mesos rule; agents never
// report TASK_GONE_BY_OPERATOR, which Validate refuses).
func IsTerminal(state string) bool { return mesosapi.IsTerminal(state) }

// TaskStatus is one status update. UUID identifies it for acknowledgement.
// ExitCode is set when the task's process exited (nil otherwise).
type TaskStatus struct {
	TaskID      string `json:"task_id"`
	FrameworkID string `json:"framework_id"`
	State       string `json:"state"`
	UUID        string `json:"uuid"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	ExitCode    *int   `json:"exit_code,omitempty"`
	TimestampUs int64  `json:"timestamp_us"` // Unix microseconds
}

// StatusRequest sends one update. The agent resends the oldest
// unacknowledged update of each task until it is acknowledged, and sends a
// task's next update only after that (per-task order, as Mesos does).
type StatusRequest struct {
	AgentID string     `json:"agent_id"`
	Status  TaskStatus `json:"status"`
}

// StatusResponse acknowledges the update when Acknowledged is true. A master
// that waits for the framework's acknowledgement answers false and later
// sends an ACKNOWLEDGE command; the agent keeps resending meanwhile.
type StatusResponse struct {
	Acknowledged bool `json:"acknowledged"`
}

// ErrorResponse is the body of every non-2xx answer.
type ErrorResponse struct {
	Code    string `json:"code"` // "unauthorized", "bad_request", "unknown_agent", "internal"
	Message string `json:"message"`
}
